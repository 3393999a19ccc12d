// The full node's activator and smoke tester: loads a verified model or function from the update agent's blob,
// checks it (a model's golden pair, a function's instantiation and `ledge_init`), and hot-swaps it into the
// running node between two events; reports runtime health (errors, inference latency, predictions) for the gates.
import Foundation
import LedgeCore
import LedgeStore

final class NodeActivator: ArtifactActivator, ArtifactSmokeTester, @unchecked Sendable {
    private unowned let node: Node
    private let lock = NSLock()
    /// The models functions use now, by name (objects are replaced in place when the new version is a drop-in).
    private var models: [String: LoadedModel]
    /// What a smoke test prepared, by blob path, so activation swaps exactly what was tested.
    private var preparedModels: [String: LoadedModel] = [:]
    private var preparedFunctions: [String: FunctionRuntime] = [:]
    /// Counter snapshots taken at each activation: health since then subtracts them.
    private var snapshots: [(ms: Int64, counts: [ObjectIdentifier: (Int, Int)])] = []
    private let unpackDir: String

    init(node: Node, models: [String: LoadedModel], stateDir: String) {
        self.node = node
        self.models = models
        self.unpackDir = stateDir + "/unpacked"
    }

    // MARK: Smoke tests

    func test(kind: ArtifactKind, path: String, manifest: ArtifactManifest) throws {
        switch kind {
        case .model:
            let m = try loadModel(manifest.name, path: path, manifest: manifest)
            guard let smoke = manifest.smoke else {
                throw UpdateError(.smokeTest, manifest.name, "the manifest has no golden pair (push the model with --smoke FILE)")
            }
            guard smoke.input.count == m.inputCount else {
                throw UpdateError(.smokeTest, manifest.name, "golden input has \(smoke.input.count) values; the model takes \(m.inputCount)")
            }
            var out = [Float](repeating: 0, count: max(m.outputCount, smoke.output.count))
            let n = try smoke.input.withUnsafeBufferPointer { i in try out.withUnsafeMutableBufferPointer { try m.infer(i, $0) } }
            guard n >= smoke.output.count else {
                throw UpdateError(.smokeTest, manifest.name, "the model gives \(n) outputs; the golden pair has \(smoke.output.count)")
            }
            for (i, want) in smoke.output.enumerated() where !(abs(out[i] - want) <= smoke.tolerance) {
                throw UpdateError(.smokeTest, manifest.name, "golden output[\(i)] is \(want), the model gives \(out[i]) (tolerance \(smoke.tolerance))")
            }
            lock.withLock { preparedModels[path] = m }
        case .function:
            let rt = try makeRuntime(manifest.name, path: path)
            if let err = rt.prewarm() { throw UpdateError(.smokeTest, manifest.name, "instantiate / ledge_init failed: \(err)") }
            lock.withLock { preparedFunctions[path] = rt }
        }
    }

    /// Loads the blob as a model: with the model manifest carried in the artifact's `info` (its `file` pointing at the
    /// blob, its version the artifact's), or as a bare `.tflite`.
    private func loadModel(_ name: String, path: String, manifest: ArtifactManifest) throws -> LoadedModel {
        guard case .object(let fields)? = manifest.info else { return try LoadedModel(name: name, path: path) }
        var doc = fields.filter { $0.0 != "file" && $0.0 != "version" && $0.0 != "sha256" && $0.0 != "bytes" }
        doc.append(("file", .string(path)))
        doc.append(("version", .string(manifest.version)))
        doc.append(("sha256", .string(manifest.sha256)))
        let dir = unpackDir + "/" + manifest.sha256
        try FileIO.makeDirectories(dir)
        try FileIO.writeAtomically(dir + "/manifest.json", Array(JSONValue.object(doc).text.utf8))
        return try LoadedModel(name: name, path: dir)
    }

    private func makeRuntime(_ name: String, path: String) throws -> FunctionRuntime {
        guard var cfg = node.config.functions.first(where: { $0.name == name }) else {
            throw UpdateError(.activation, name, "the node config has no function \(name) (triggers and limits come from the config)")
        }
        cfg.module = path
        return try runtime(cfg)
    }

    private func runtime(_ cfg: FunctionConfig) throws -> FunctionRuntime {
        let kv = SQLiteKVStore(database: node.database, namespace: cfg.name, quotaBytes: cfg.limits.kvQuotaBytes)
        let current = lock.withLock { models }
        return try FunctionRuntime(config: cfg, models: current, sink: OutboxSink(outbox: node.outbox), kv: kv, cache: node.cache)
    }

    // MARK: Activation

    func activate(model name: String, path: String, version: String) throws {
        let prepared = lock.withLock { preparedModels.removeValue(forKey: path) }
        let new: LoadedModel
        if let prepared { new = prepared } else {
            // Re-activation after a restart or a rollback: the manifest sits in the unpacked folder, if any.
            let sha = (path as NSString).lastPathComponent
            let dir = unpackDir + "/" + sha
            new = try LoadedModel(name: name, path: FileIO.exists(dir + "/manifest.json") ? dir : path)
        }
        try install(new, name: name, version: version)
    }

    /// Puts `new` in place of model `name`: in place when it is a drop-in, else by restarting its functions.
    private func install(_ new: LoadedModel, name: String, version: String) throws {
        snapshot()
        let old = lock.withLock { models[name] }
        if let old, old.isDropInReplacement(new) {
            old.replace(with: new)   // between two inferences; function instances keep their state
            Log.info("update", "model \(name) \(version) swapped in place")
            return
        }
        lock.withLock { models[name] = new }
        // Not a drop-in (or a new model): restart the functions that use it, between two events.
        for lane in node.router.lanes where lane.runtime.config.models.contains(name) {
            let rt = try runtime(lane.runtime.config)
            if let err = rt.prewarm() {
                throw UpdateError(.activation, name, "function \(lane.runtime.config.name) does not start on model \(version): \(err)")
            }
            lane.swap(to: rt)
        }
        Log.info("update", "model \(name) \(version) activated (functions using it restarted)")
    }

    func activate(function name: String, path: String, version: String) throws {
        guard let lane = node.router.lane(named: name) else {
            throw UpdateError(.activation, name, "the node config has no function \(name) (triggers and limits come from the config)")
        }
        let rt: FunctionRuntime
        if let prepared = lock.withLock({ preparedFunctions.removeValue(forKey: path) }) { rt = prepared } else {
            rt = try makeRuntime(name, path: path)
            if let err = rt.prewarm() { throw UpdateError(.activation, name, "instantiate / ledge_init failed: \(err)") }
        }
        snapshot()
        lane.swap(to: rt)
        Log.info("update", "function \(name) \(version) swapped in (queued events run on it, in order)")
    }

    /// The artifact left the desired state: the node goes back to the version its config names.
    func deactivate(kind: ArtifactKind, name: String) throws {
        switch kind {
        case .model:
            guard let mc = node.config.models.first(where: { $0.name == name }) else { return }
            let configured = try LoadedModel(name: name, path: mc.path)
            try install(configured, name: name, version: configured.manifest.version)
        case .function:
            guard let fc = node.config.functions.first(where: { $0.name == name }), let lane = node.router.lane(named: name) else { return }
            let rt = try runtime(fc)
            if let err = rt.prewarm() { throw UpdateError(.activation, name, "the configured module does not start: \(err)") }
            snapshot()
            lane.swap(to: rt)
        }
        Log.info("update", "\(kind.rawValue) \(name) left the desired state; back to the configured version")
    }

    // MARK: Health

    private func counts() -> [ObjectIdentifier: (Int, Int)] {
        var out: [ObjectIdentifier: (Int, Int)] = [:]
        for rt in node.router.currentRuntimes {
            let s = rt.statistics
            out[ObjectIdentifier(rt)] = (s.invocations, s.errors + s.traps)
        }
        return out
    }

    private func snapshot() {
        let c = counts()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        lock.withLock {
            snapshots.append((now, c))
            if snapshots.count > 8 { snapshots.removeFirst() }
        }
    }

    /// Function invocations and errors (non-zero returns and traps) since `sinceMs`; inference latency p99 and
    /// the mean/std of the first output over each model's recent inferences (since its last swap).
    func health(sinceMs: Int64) -> NodeHealth {
        let now = counts()
        let base = lock.withLock { snapshots.last(where: { $0.ms <= sinceMs })?.counts ?? [:] }
        var h = NodeHealth()
        for (id, c) in now {
            let b = base[id] ?? (0, 0)
            h.invocations += max(0, c.0 - b.0)
            h.functionErrors += max(0, c.1 - b.1)
        }
        var counts: [String: Int] = [:]
        for (name, m) in lock.withLock({ models }) {
            let r = m.recentHealth()
            counts[name] = r.samples
            h.inferences += r.count
            if let p = r.p99Ms { h.inferenceP99Ms = max(h.inferenceP99Ms ?? 0, p) }
            if let mean = r.mean, let std = r.std {
                h.predictionMean[name] = mean
                h.predictionStd[name] = std
            }
        }
        h.predictionCount = counts
        return h
    }

    /// Inferences served per model version (for the shutdown log and the metrics).
    var served: [(model: String, version: String, count: Int)] {
        lock.withLock { models }.sorted { $0.key < $1.key }.flatMap { name, m in m.served.map { (name, $0.version, $0.count) } }
    }
}
