// A model loaded on the node: the int8 interpreter plus its manifest, serialised by a lock, with timings,
// recent latencies and outputs (for the fleet's health gates), and an in-place swap for hot updates.
import LedgeCore
import LedgeML

/// One loaded model. `infer` may be called from any worker; calls are serialised. The update agent may
/// `replace` the version in place: the swap takes the same lock, so it happens between two inferences.
public final class LoadedModel: @unchecked Sendable {
    private var current: ModelManifest
    private var model: Model
    private let lock = ConditionLock()
    private var featureKeys: [[UInt8]]
    public private(set) var inferences = 0
    public private(set) var totalNanos: UInt64 = 0
    /// Inferences served by each version (kept across swaps).
    private var servedByVersion: [(version: String, count: Int)] = []
    /// The last `recentCapacity` latencies (ns) and first outputs since the last swap (ring buffers).
    private var recentNanos: [UInt64]
    private var recentOutputs: [Float]
    /// When each recent inference ran (CLOCK_MONOTONIC ns), so health covers a time window.
    private var recentTimes: [UInt64]
    private var recentCount = 0
    static let recentCapacity = 512

    public init(name: String, path: String) throws {
        let manifest = try ModelManifest.load(path: path, name: name)
        current = manifest
        do {
            model = try Model(path: manifest.modelFile)
        } catch {
            throw ConfigError(.invalidValue, file: manifest.modelFile, key: "", "model \"\(name)\": \(error)")
        }
        featureKeys = manifest.features.map { Array($0.utf8) }
        if !manifest.mean.isEmpty && manifest.mean.count > model.inputCount {
            throw ConfigError(.invalidValue, file: path, key: "normalization",
                              "model \"\(name)\" has \(manifest.mean.count) features but only \(model.inputCount) inputs")
        }
        recentNanos = [UInt64](repeating: 0, count: Self.recentCapacity)
        recentOutputs = [Float](repeating: 0, count: Self.recentCapacity)
        recentTimes = [UInt64](repeating: 0, count: Self.recentCapacity)
        servedByVersion = [(manifest.version, 0)]
    }

    public var manifest: ModelManifest { lock.withLock { current } }
    public var inputCount: Int { lock.withLock { model.inputCount } }
    public var outputCount: Int { lock.withLock { model.outputCount } }

    /// True when `other` can take this model's place under running function instances: same input and output
    /// sizes, features, window and output transform (what a function reads once in `ledge_init`).
    public func isDropInReplacement(_ other: LoadedModel) -> Bool {
        let (a, b) = (manifest, other.manifest)
        return inputCount == other.inputCount && outputCount == other.outputCount && a.features == b.features
            && a.floats(at: "window") == b.floats(at: "window")
            && a.floats(at: "output_transform.scale") == b.floats(at: "output_transform.scale")
            && a.floats(at: "output_transform.offset") == b.floats(at: "output_transform.offset")
    }

    /// Takes `other`'s version (interpreter, manifest) in place, between two inferences. Recent statistics
    /// restart; the per-version served counts continue.
    public func replace(with other: LoadedModel) {
        let (m, man, keys) = other.lock.withLock { (other.model, other.current, other.featureKeys) }
        lock.withLock {
            model = m
            current = man
            featureKeys = keys
            recentCount = 0
            if servedByVersion.last?.version != man.version { servedByVersion.append((man.version, 0)) }
        }
    }

    /// Inferences served per version, in the order the versions were activated.
    public var served: [(version: String, count: Int)] { lock.withLock { servedByVersion } }

    /// Recent behaviour since the last swap, over the last `windowSeconds` (and at most the last 512 inferences):
    /// inference count since the swap, p99 latency (ms), mean and std of the first output. A time window keeps
    /// nodes comparable when the input stream drifts (every node's figures cover the same recent period).
    public func recentHealth(windowSeconds: Double = 30) -> (count: Int, samples: Int, p99Ms: Double?, mean: Double?, std: Double?) {
        let since = Clock.monotonicNanos() &- UInt64(max(0, windowSeconds) * 1e9)
        let (n, lat, out) = lock.withLock { () -> (Int, [UInt64], [Float]) in
            let k = min(recentCount, Self.recentCapacity)
            var lat: [UInt64] = []
            var out: [Float] = []
            for i in 0..<k where recentTimes[i] >= since {
                lat.append(recentNanos[i])
                out.append(recentOutputs[i])
            }
            return (recentCount, lat, out)
        }
        guard !lat.isEmpty else { return (n, 0, nil, nil, nil) }
        let sorted = lat.sorted()
        let p99 = Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]) / 1e6
        let mean = out.reduce(0.0) { $0 + Double($1) } / Double(out.count)
        let variance = out.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(out.count)
        return (n, out.count, p99, mean, variance.squareRoot())
    }

    /// Runs the model: `input.count` must equal `inputCount`; writes `min(outputCount, output.count)` values.
    public func infer(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        try lock.withLock {
            let start = Clock.monotonicNanos()
            var first: Float = 0
            if output.count >= model.outputCount {
                try model.predict(input, into: UnsafeMutableBufferPointer(rebasing: output[0..<model.outputCount]))
                if model.outputCount > 0 { first = output[0] }
            } else {
                var tmp = [Float](repeating: 0, count: model.outputCount)
                try tmp.withUnsafeMutableBufferPointer { try model.predict(input, into: $0) }
                for i in 0..<output.count { output[i] = tmp[i] }
                first = tmp.first ?? 0
            }
            let ns = Clock.monotonicNanos() &- start
            totalNanos &+= ns
            inferences += 1
            servedByVersion[servedByVersion.count - 1].count += 1
            let slot = recentCount % Self.recentCapacity
            recentNanos[slot] = ns
            recentOutputs[slot] = first
            recentTimes[slot] = start
            recentCount += 1
            return min(output.count, model.outputCount)
        }
    }

    /// Reads the manifest's features from a flat JSON object and normalises them into `out`.
    /// Returns the count, or nil when a feature is missing or not a number (its name in `missing`).
    public func features(fromJSON json: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) -> Int? {
        lock.withLock {
            guard out.count >= featureKeys.count else { return nil }
            for (i, key) in featureKeys.enumerated() {
                let v = key.withUnsafeBytes { JSONScan.number(in: json, key: $0) }
                guard let v else { return nil }
                var x = Float(v)
                if i < current.mean.count { x = (x - current.mean[i]) / current.std[i] }
                out[i] = x
            }
            return featureKeys.count
        }
    }
}
