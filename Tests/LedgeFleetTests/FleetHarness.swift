// Test harness: a real broker, a real coordinator on a SQLite folder, and N real update-agent nodes.
import Foundation
import LedgeCore
import LedgeFleet
import LedgeNode
import LedgeTestSupport

/// Activates by reading the file the agent wrote (a stand-in for the runtime's hot-swap at the activator
/// boundary), and reports the health the test sets.
final class RecordingActivator: ArtifactActivator, @unchecked Sendable {
    private let lock = NSLock()
    private var activeStore: [String: String] = [:]
    private var healthStore = NodeHealth()
    var failActivation = false

    var active: [String: String] { lock.withLock { activeStore } }
    func setHealth(_ h: NodeHealth) { lock.withLock { healthStore = h } }

    func activate(model name: String, path: String, version: String) throws { try take("model/" + name, path, version) }
    func activate(function name: String, path: String, version: String) throws { try take("function/" + name, path, version) }

    private func take(_ key: String, _ path: String, _ version: String) throws {
        guard let d = FileManager.default.contents(atPath: path), !d.isEmpty else { throw UpdateError(.activation, path, "empty or unreadable") }
        if failActivation { throw UpdateError(.activation, path, "refused by the test") }
        lock.withLock { activeStore[key] = version }
    }

    func deactivate(kind: ArtifactKind, name: String) throws { lock.withLock { activeStore["\(kind.rawValue)/\(name)"] = nil } }
    func health(sinceMs: Int64) -> NodeHealth { lock.withLock { healthStore } }
}

/// Passes every artifact (no golden pair in these tests).
struct NoSmokeTest: ArtifactSmokeTester {
    func test(kind: ArtifactKind, path: String, manifest: ArtifactManifest) throws {}
}

final class FleetHarness {
    let broker: TestBroker
    let stateDir: String
    let coordinator: Coordinator
    let releaseKey: SecretKey
    var nodes: [String: StandaloneUpdateNode] = [:]
    var activators: [String: RecordingActivator] = [:]
    let root: URL

    init(chunkSize: Int = 4096) throws {
        broker = try TestBroker()
        root = try TestPaths.scratch("fleet")
        stateDir = root.appendingPathComponent("coordinator").path
        var cfg = CoordinatorConfig(broker: broker.url, stateDir: stateDir, clientID: "coord-\(UUID().uuidString.prefix(6))", chunkSize: chunkSize, tickMs: 50)
        cfg.tickMs = 50
        coordinator = try Coordinator(config: cfg)
        coordinator.log = { _ in }
        try coordinator.start()
        releaseKey = try SecretKey.fromSeed([UInt8](repeating: 7, count: 32))
    }

    @discardableResult
    func addNode(_ id: String, labels: [String: String] = ["site": "a"], trust: [PublicKey]? = nil) throws -> RecordingActivator {
        var cfg = UpdateAgentConfig(nodeID: id, stateDir: root.appendingPathComponent("node-\(id)").path, trustedKeys: trust ?? [releaseKey.publicKey])
        cfg.reportIntervalSeconds = 0.5
        cfg.chunkRetrySeconds = 0.5
        cfg.probationSeconds = 2
        let act = activators[id] ?? RecordingActivator()
        let n = try StandaloneUpdateNode(config: cfg, broker: broker.url, labels: labels, activator: act, smokeTester: NoSmokeTest())
        try n.start()
        nodes[id] = n
        activators[id] = act
        return act
    }

    func stopNode(_ id: String) {
        nodes[id]?.stop()
        nodes[id] = nil
    }

    /// Pushes `bytes` as an artifact signed by `key` (the release key by default).
    @discardableResult
    func push(_ bytes: [UInt8], name: String, version: String, kind: ArtifactKind = .function, key: SecretKey? = nil) throws -> ArtifactRecord {
        let m = try ArtifactManifest.describing(bytes, name: name, version: version, kind: kind)
        let signed = try SignedManifest.sign(m, with: key ?? releaseKey)
        let rec = ArtifactRecord(sha256: m.sha256, kind: kind, name: name, version: version, size: bytes.count, signed: signed, createdMs: 0)
        try coordinator.store.putArtifact(rec, bytes: bytes)
        return rec
    }

    func startRollout(_ plan: RolloutPlan, id: String) throws {
        try coordinator.sync { try coordinator.engine.start(plan, id: id, now: Int64(Date().timeIntervalSince1970 * 1000)) }
    }

    /// Polls `cond` every 50 ms until true or `timeout` seconds; returns whether it became true.
    func wait(_ timeout: Double, _ cond: () throws -> Bool) -> Bool {
        let end = Date(timeIntervalSinceNow: timeout)
        while Date() < end {
            if (try? cond()) == true { return true }
            usleep(50_000)
        }
        return (try? cond()) == true
    }

    func rollout(_ id: String) throws -> RolloutRecord? { try coordinator.store.rollout(id) }

    func stop() {
        for id in Array(nodes.keys) { stopNode(id) }
        coordinator.stop()
        broker.stop()
        try? FileManager.default.removeItem(at: root)
    }
}

func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var x = seed | 1
    return (0..<n).map { _ in
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        return UInt8(truncatingIfNeeded: x)
    }
}
