// A model's manifest.json as the node uses it: name, version, features, normalisation, window.
import LedgeCore

/// The parts of a model manifest the node needs; the full document stays available for `model_floats`.
public struct ModelManifest: Sendable {
    public let name: String
    public let version: String
    /// The `.tflite` file, absolute.
    public let modelFile: String
    /// Input feature names, in input order (may be empty for models fed raw vectors).
    public let features: [String]
    /// z-score normalisation per feature: (x − mean) / std.
    public let mean: [Float]
    public let std: [Float]
    public let document: JSONValue

    /// Reads `DIR/manifest.json` (or, for a bare `.tflite` path, makes a minimal manifest).
    public static func load(path: String, name: String) throws(ConfigError) -> ModelManifest {
        if !FileIO.isDirectory(path) {
            guard FileIO.exists(path) else {
                throw ConfigError(.unreadable, file: path, key: "", "model \"\(name)\": no such file or folder")
            }
            return ModelManifest(name: name, version: "0.0.0", modelFile: path, features: [], mean: [], std: [],
                                 document: .object([("name", .string(name))]))
        }
        let file = path + "/manifest.json"
        let root = try ConfigNode.load(file: file)
        let version = try root.optional("version")?.string() ?? "0.0.0"
        let modelFile = FileIO.resolve(try root.optional("file")?.string() ?? "model.tflite", relativeTo: path)
        guard FileIO.exists(modelFile) else {
            throw ConfigError(.unreadable, file: file, key: "file", "model file \(modelFile) does not exist")
        }
        let features = try root.optional("features")?.stringArray() ?? []
        var mean: [Float] = []
        var std: [Float] = []
        if let norm = try root.optional("normalization") {
            let kind = try norm.optional("kind")?.string() ?? "zscore"
            guard kind == "zscore" else { throw norm.fail(.invalidValue, "only \"zscore\" normalisation is supported, found \"\(kind)\"") }
            for n in try norm.required("mean").array() { mean.append(Float(try n.double())) }
            for n in try norm.required("std").array() {
                let s = try n.double()
                guard s > 0 else { throw n.fail(.invalidValue, "standard deviation must be positive") }
                std.append(Float(s))
            }
            guard mean.count == std.count, features.isEmpty || features.count == mean.count else {
                throw norm.fail(.invalidValue, "mean (\(mean.count)), std (\(std.count)) and features (\(features.count)) differ in length")
            }
        }
        // What functions read from the manifest must have the right type when present (a function would
        // otherwise fall back to its defaults and publish in the wrong units without a word).
        _ = try root.optional("window")?.int(in: 1...1_000_000)
        if let t = try root.optional("output_transform") {
            if let s = try t.optional("scale") {
                let v = try s.double()
                guard v != 0, v.isFinite else { throw s.fail(.invalidValue, "must be a finite number other than 0") }
            }
            if let o = try t.optional("offset") {
                guard (try o.double()).isFinite else { throw o.fail(.invalidValue, "must be a finite number") }
            }
        }
        return ModelManifest(name: try root.optional("name")?.string() ?? name, version: version, modelFile: modelFile,
                             features: features, mean: mean, std: std, document: root.value)
    }

    /// Numbers at a dotted key of the manifest ("window", "normalization.mean"): a number or an array of numbers.
    public func floats(at key: String) -> [Float]? {
        var v: JSONValue? = document
        for part in key.split(separator: ".") { v = v?[String(part)] }
        switch v {
        case .number(let d)?: return [Float(d)]
        case .array(let items)?:
            var out: [Float] = []
            for i in items {
                guard let d = i.doubleValue else { return nil }
                out.append(Float(d))
            }
            return out
        default: return nil
        }
    }
}
