// The node's update agent: reconciles to the retained desired state, downloads, verifies, activates, reports.
import Foundation
import LedgeCore
import LedgeMQTT

/// Runs on its own thread. Feed it the node's MQTT messages with `handle(_:)` (it subscribes itself).
public final class UpdateAgent: @unchecked Sendable {
    public let config: UpdateAgentConfig
    public let installed: InstalledArtifacts
    private let client: MQTTClient
    private let activator: ArtifactActivator
    private let smoke: ArtifactSmokeTester
    private let mailbox = UpdateMailbox()
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    // Owned by the agent thread.
    private var failures: [ArtifactFailure] = []
    private var refused: Set<String> = []
    private var probation: [(kind: ArtifactKind, name: String, sinceMs: Int64)] = []
    private var healthSinceMs: Int64 = UpdateAgent.nowMs()
    private var lastReportMs: Int64 = 0
    private var current: DesiredState?

    /// Log lines (the node prints them).
    public var log: @Sendable (String) -> Void = { _ in }

    public init(config: UpdateAgentConfig, client: MQTTClient, activator: ArtifactActivator, smokeTester: ArtifactSmokeTester) throws(UpdateError) {
        guard FleetTopics.isValidNodeID(config.nodeID) else {
            throw UpdateError(.badDesired, "node id", "'\(config.nodeID)' must be 1-64 of [A-Za-z0-9._-]")
        }
        self.config = config
        self.client = client
        self.activator = activator
        self.smoke = smokeTester
        self.installed = try InstalledArtifacts(root: config.stateDir)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Re-activates what was active before a restart, subscribes, and starts the agent thread.
    public func start() throws {
        for v in installed.active.values.sorted(by: { $0.artifact.name < $1.artifact.name }) {
            do { try activate(v) } catch {
                log("update: cannot re-activate \(v.artifact.name)@\(v.artifact.version): \(error)")
            }
        }
        _ = try client.subscribe(FleetTopics.desired(config.nodeID), qos: 1)
        let t = Thread { [self] in
            self.run()
            self.done.signal()
        }
        t.name = "ledge-update"
        thread = t
        t.start()
    }

    /// Stops the agent thread (waits for it).
    public func stop() {
        guard thread != nil else { return }
        mailbox.stop()
        done.wait()
        thread = nil
    }

    /// Takes a message if it is for the agent (desired state or a chunk); returns true when consumed.
    @discardableResult
    public func handle(_ m: MQTTMessage) -> Bool {
        if m.topic == FleetTopics.desired(config.nodeID) {
            mailbox.putDesired(m.payload)
            return true
        }
        if m.topic.hasPrefix(FleetTopics.prefix + "/artifacts/"), m.topic.hasSuffix("/chunks") {
            mailbox.putChunk(m.payload)
            return true
        }
        return false
    }

    // MARK: The loop

    private func run() {
        report()
        while !mailbox.isStopped {
            let tick = min(config.reportIntervalSeconds, 1.0)
            if let bytes = mailbox.takeDesired(timeout: tick) {
                reconcile(bytes)
            }
            checkProbation()
            if Double(Self.nowMs() - lastReportMs) >= config.reportIntervalSeconds * 1000 { report() }
        }
    }

    private func reconcile(_ bytes: [UInt8]) {
        let desired: DesiredState
        do { desired = try FleetJSON.decode(DesiredState.self, bytes, what: FleetTopics.desired(config.nodeID)) } catch {
            log("update: ignoring a bad desired state: \(error)")
            return
        }
        if desired.generation < installed.generation {
            log("update: ignoring desired generation \(desired.generation) older than applied \(installed.generation)")
            report()
            return
        }
        current = desired
        for da in desired.artifacts {
            if mailbox.isStopped { return }
            let key = InstalledArtifacts.key(da.kind, da.name)
            if installed.active[key]?.artifact.sha256 == da.sha256 { continue }
            if refused.contains(da.sha256) { continue }
            do {
                try apply(da, desired: desired)
            } catch {
                // A stalled download is retried later; anything else is final for this hash.
                if error.code != .download { refused.insert(da.sha256) }
                record(da, error, desired: desired)
            }
        }
        let wanted = Set(desired.artifacts.map { InstalledArtifacts.key($0.kind, $0.name) })
        for (key, v) in installed.active where !wanted.contains(key) {
            do {
                try activator.deactivate(kind: v.artifact.kind, name: v.artifact.name)
                try installed.remove(v.artifact.kind, v.artifact.name)
                log("update: removed \(key)")
            } catch {
                log("update: cannot remove \(key): \(error)")
            }
        }
        do { try installed.setGeneration(desired.generation) } catch { log("update: \(error)") }
        report()
    }

    /// Verify signature → download → verify hash → store → smoke test → activate (or restore the previous).
    private func apply(_ da: DesiredArtifact, desired: DesiredState) throws(UpdateError) {
        let manifest: ArtifactManifest
        do { manifest = try da.signed.verify(trusting: config.trustedKeys) } catch {
            throw UpdateError(.refused, "\(da.name)@\(da.version)", error.description)
        }
        guard manifest.sha256 == da.sha256, manifest.size == da.size, manifest.name == da.name,
              manifest.kind == da.kind, manifest.version == da.version else {
            throw UpdateError(.refused, "\(da.name)@\(da.version)", "the signed manifest does not describe this artifact")
        }
        if !installed.hasBlob(da.sha256) {
            event(da, desired, .downloading, "\(da.chunkCount) chunk(s)")
            let bytes = try download(da)
            event(da, desired, .verifying, nil)
            var problem: ArtifactError?
            bytes.withUnsafeBytes { b in
                do { try manifest.check(b) } catch { problem = error as? ArtifactError }
            }
            if let problem { throw UpdateError(.hashMismatch, "\(da.name)@\(da.version)", problem.description) }
            try installed.storeBlob(bytes, sha256: da.sha256)
        }
        event(da, desired, .activating, nil)
        let path = installed.blobPath(da.sha256)
        do { try smoke.test(kind: da.kind, path: path, manifest: manifest) } catch {
            throw UpdateError(.smokeTest, "\(da.name)@\(da.version)", "\(error)")
        }
        let version = InstalledVersion(artifact: ActiveArtifact(kind: da.kind, name: da.name, version: da.version, sha256: da.sha256),
                                       path: path, manifest: manifest)
        let before = installed.active[InstalledArtifacts.key(da.kind, da.name)]
        try installed.setActive(version)
        do { try activate(version) } catch {
            _ = try? installed.restorePrevious(da.kind, da.name)
            if let before { try? activate(before) }
            throw UpdateError(.activation, "\(da.name)@\(da.version)", "\(error)")
        }
        failures.removeAll { $0.name == da.name }
        let now = Self.nowMs()
        healthSinceMs = now
        probation.removeAll { $0.kind == da.kind && $0.name == da.name }
        probation.append((da.kind, da.name, now))
        log("update: activated \(da.kind.rawValue) \(da.name)@\(da.version)")
        event(da, desired, .succeeded, nil)
    }

    private func activate(_ v: InstalledVersion) throws {
        switch v.artifact.kind {
        case .model: try activator.activate(model: v.artifact.name, path: v.path, version: v.artifact.version)
        case .function: try activator.activate(function: v.artifact.name, path: v.path, version: v.artifact.version)
        }
    }

    /// Fetches the chunks: asks for the missing ones, again whenever progress stalls, resuming a partial file.
    private func download(_ da: DesiredArtifact) throws(UpdateError) -> [UInt8] {
        let asm = try ChunkAssembler(sha256: da.sha256, size: da.size, chunkSize: da.chunkSize, path: installed.partialPath(da.sha256))
        let topic = FleetTopics.chunks(da.sha256)
        do { _ = try client.subscribe(topic, qos: 1) } catch {
            throw UpdateError(.download, topic, "cannot subscribe: \(error)")
        }
        defer {
            try? client.unsubscribe(topic)
            mailbox.dropChunks()
        }
        var lastProgress = Date()
        var lastAsk = Date.distantPast
        var sinceCheckpoint = 0
        while !asm.isComplete {
            if mailbox.isStopped { asm.checkpoint(); throw UpdateError(.download, da.name, "agent stopped") }
            if Date().timeIntervalSince(lastAsk) >= config.chunkRetrySeconds {
                let missing = Array(asm.missing.prefix(ChunkRequest.maxIndices))
                let req = ChunkRequest(node: config.nodeID, sha256: da.sha256, chunks: missing)
                _ = try? client.publish(topic: FleetTopics.chunkRequests(da.sha256), payload: FleetJSON.encode(req), qos: 1, retain: false)
                lastAsk = Date()
            }
            for raw in mailbox.takeChunks(timeout: 0.2) {
                guard let c = try? ArtifactChunk.decode(raw) else { continue }
                if asm.add(c) {
                    lastProgress = Date()
                    sinceCheckpoint += 1
                }
            }
            if sinceCheckpoint >= 64 { asm.checkpoint(); sinceCheckpoint = 0 }
            // Ask for the next batch right away once the current one has arrived.
            if !asm.isComplete, asm.missing.count > 0, Date().timeIntervalSince(lastProgress) < 0.3,
               asm.receivedCount % ChunkRequest.maxIndices == 0 { lastAsk = .distantPast }
            if Date().timeIntervalSince(lastProgress) > config.downloadStallSeconds {
                asm.checkpoint()
                throw UpdateError(.download, da.name, "no chunk for \(Int(config.downloadStallSeconds)) s (\(asm.receivedCount)/\(asm.total) received; resumes later)")
            }
        }
        let bytes = asm.bytes
        asm.discard()
        return bytes
    }

    /// Rolls back a version in probation whose error rate went over the limit; ends probation when it passed.
    private func checkProbation() {
        guard !probation.isEmpty else { return }
        let now = Self.nowMs()
        var keep: [(kind: ArtifactKind, name: String, sinceMs: Int64)] = []
        for p in probation {
            let h = activator.health(sinceMs: p.sinceMs)
            if h.invocations >= config.minProbationInvocations && h.functionErrorRate > config.maxProbationErrorRate {
                rollBack(p.kind, p.name, because: "error rate \(h.functionErrorRate) over \(config.maxProbationErrorRate) in probation")
            } else if Double(now - p.sinceMs) < config.probationSeconds * 1000 {
                keep.append(p)
            }
        }
        probation = keep
    }

    private func rollBack(_ kind: ArtifactKind, _ name: String, because why: String) {
        let key = InstalledArtifacts.key(kind, name)
        guard let bad = installed.active[key] else { return }
        do {
            if let prev = try installed.restorePrevious(kind, name) { try activate(prev) } else { try activator.deactivate(kind: kind, name: name) }
        } catch {
            log("update: rollback of \(key) failed: \(error)")
        }
        refused.insert(bad.artifact.sha256)
        failures.removeAll { $0.sha256 == bad.artifact.sha256 }
        failures.append(ArtifactFailure(name: name, version: bad.artifact.version, sha256: bad.artifact.sha256, code: UpdateError.Code.rolledBack.rawValue, message: why))
        let gen = current?.generation ?? installed.generation
        publishEvent(NodeEvent(rollout: current?.rollout, generation: gen, name: name, version: bad.artifact.version, sha256: bad.artifact.sha256, state: .rolledBack, message: why))
        log("update: rolled back \(key)@\(bad.artifact.version): \(why)")
        report()
    }

    private func record(_ da: DesiredArtifact, _ error: UpdateError, desired: DesiredState) {
        log("update: \(da.name)@\(da.version) failed: \(error)")
        failures.removeAll { $0.sha256 == da.sha256 }
        failures.append(ArtifactFailure(name: da.name, version: da.version, sha256: da.sha256, code: error.code.rawValue, message: error.message))
        if failures.count > 16 { failures.removeFirst(failures.count - 16) }
        event(da, desired, .failed, error.description)
    }

    // MARK: Reporting

    private func event(_ da: DesiredArtifact, _ d: DesiredState, _ state: ExecutionState, _ message: String?) {
        publishEvent(NodeEvent(rollout: d.rollout, generation: d.generation, name: da.name, version: da.version, sha256: da.sha256, state: state, message: message))
    }

    private func publishEvent(_ e: NodeEvent) {
        _ = try? client.publish(topic: FleetTopics.events(config.nodeID), payload: FleetJSON.encode(e), qos: 1, retain: false)
    }

    /// Publishes the retained reported state with current health.
    private func report() {
        let active = installed.active.values.map(\.artifact).sorted { $0.name < $1.name }
        let previous = installed.previous.values.map(\.artifact).sorted { $0.name < $1.name }
        let r = ReportedState(generation: installed.generation, active: active, previous: previous, failures: failures,
                              health: activator.health(sinceMs: healthSinceMs))
        _ = try? client.publish(topic: FleetTopics.reported(config.nodeID), payload: FleetJSON.encode(r), qos: 1, retain: true)
        lastReportMs = Self.nowMs()
    }
}
