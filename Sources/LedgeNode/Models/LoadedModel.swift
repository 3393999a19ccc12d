// A model loaded on the node: the int8 interpreter plus its manifest, serialised by a lock, with timings.
import LedgeCore
import LedgeML

/// One loaded model. `infer` may be called from any worker; calls are serialised.
public final class LoadedModel: @unchecked Sendable {
    public let manifest: ModelManifest
    private let model: Model
    private let lock = ConditionLock()
    private var featureKeys: [[UInt8]]
    public private(set) var inferences = 0
    public private(set) var totalNanos: UInt64 = 0

    public init(name: String, path: String) throws {
        manifest = try ModelManifest.load(path: path, name: name)
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
    }

    public var inputCount: Int { model.inputCount }
    public var outputCount: Int { model.outputCount }

    /// Runs the model: `input.count` must equal `inputCount`; writes `min(outputCount, output.count)` values.
    public func infer(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        try lock.withLock {
            let start = Clock.monotonicNanos()
            if output.count >= model.outputCount {
                try model.predict(input, into: UnsafeMutableBufferPointer(rebasing: output[0..<model.outputCount]))
            } else {
                var tmp = [Float](repeating: 0, count: model.outputCount)
                try tmp.withUnsafeMutableBufferPointer { try model.predict(input, into: $0) }
                for i in 0..<output.count { output[i] = tmp[i] }
            }
            totalNanos &+= Clock.monotonicNanos() &- start
            inferences += 1
            return min(output.count, model.outputCount)
        }
    }

    /// Reads the manifest's features from a flat JSON object and normalises them into `out`.
    /// Returns the count, or nil when a feature is missing or not a number (its name in `missing`).
    public func features(fromJSON json: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) -> Int? {
        guard out.count >= featureKeys.count else { return nil }
        for (i, key) in featureKeys.enumerated() {
            let v = key.withUnsafeBytes { JSONScan.number(in: json, key: $0) }
            guard let v else { return nil }
            var x = Float(v)
            if i < manifest.mean.count { x = (x - manifest.mean[i]) / manifest.std[i] }
            out[i] = x
        }
        return featureKeys.count
    }
}
