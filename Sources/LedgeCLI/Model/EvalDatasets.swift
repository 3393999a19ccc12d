// The two evaluations of `ledge model eval`, run with the int8 model through LedgeML:
// C-MAPSS FD001 (each test engine's last window, edge-padded as in training, against RUL_FD001.txt capped)
// and AI4I 2020 (the held-out rows listed in the model folder, at the manifest's decision threshold).
import Foundation
import LedgeCore
import LedgeML
import LedgeNode

/// Why an evaluation could not run: which file, what was wrong.
struct EvalError: Error, CustomStringConvertible {
    enum Code: String { case modelFolder = "model-folder", manifest, dataFile = "data-file", dataFormat = "data-format", model }
    let code: Code
    let path: String
    let message: String
    init(_ code: Code, _ path: String, _ message: String) { self.code = code; self.path = path; self.message = message }
    var description: String { "\(path): \(message)" }
}

/// The model folder: its manifest (as a JSON object) and the loaded int8 model.
struct EvalModel {
    let folder: String
    let manifestPath: String
    let manifest: [String: Any]
    let model: Model

    init(folder: String) throws(EvalError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw EvalError(.modelFolder, folder, "not a model folder (expected a directory with manifest.json and model.tflite)")
        }
        self.folder = folder
        manifestPath = folder + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw EvalError(.modelFolder, manifestPath, "cannot read the manifest")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw EvalError(.manifest, manifestPath, "not a JSON object")
        }
        manifest = dict
        // The node's own manifest rules first (normalisation, window, output transform, model file), so eval
        // accepts exactly what a node would run.
        do throws(ConfigError) { _ = try ModelManifest.load(path: folder, name: (folder as NSString).lastPathComponent) } catch {
            throw EvalError(.manifest, manifestPath, error.key.isEmpty ? error.message : "\(error.key): \(error.message)")
        }
        for key in ["name", "version"] where !((dict[key] as? String).map { !$0.isEmpty } ?? false) {
            throw EvalError(.manifest, manifestPath, "\(key): expected a non-empty string")
        }
        if dict["file"] != nil, !((dict["file"] as? String).map { !$0.isEmpty && !$0.contains("/") } ?? false) {
            throw EvalError(.manifest, manifestPath, "file: expected the model's file name in this folder")
        }
        let file = folder + "/" + ((dict["file"] as? String) ?? "model.tflite")
        // The manifest describes one exact file: its size and SHA-256 must match (a swapped or damaged model is
        // refused here, as the node refuses it).
        if dict["sha256"] != nil || dict["bytes"] != nil {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw EvalError(.model, file, "cannot read the model") }
            if let n = dict["bytes"] {
                guard let want = (n as? NSNumber)?.intValue, want == bytes.count else {
                    throw EvalError(.manifest, manifestPath, "bytes: the manifest says \(n), \(file) has \(bytes.count)")
                }
            }
            if let h = dict["sha256"] {
                let have = SHA256.hex([UInt8](bytes))
                guard let want = h as? String, want.lowercased() == have else {
                    throw EvalError(.manifest, manifestPath, "sha256: the manifest says \(h), \(file) hashes to \(have)")
                }
            }
        }
        do throws(ModelError) { model = try Model(path: file) } catch {
            throw EvalError(.model, file, "\(error)")
        }
    }

    var name: String { manifest["name"] as? String ?? (folder as NSString).lastPathComponent }
    var version: String { manifest["version"] as? String ?? "?" }

    /// The value at a dotted key ("normalization.mean").
    func value(_ key: String) -> Any? {
        var v: Any? = manifest
        for part in key.split(separator: ".") { v = (v as? [String: Any])?[String(part)] }
        return v
    }

    func number(_ key: String) throws(EvalError) -> Double {
        guard let n = value(key) as? NSNumber, n.doubleValue.isFinite else {
            throw EvalError(.manifest, manifestPath, "\(key): expected a number")
        }
        return n.doubleValue
    }

    /// A whole number ≥ `min` at `key`.
    func integer(_ key: String, min: Int) throws(EvalError) -> Int {
        let v = try number(key)
        guard v == v.rounded(), v >= Double(min), v < 1e9 else {
            throw EvalError(.manifest, manifestPath, "\(key): expected a whole number ≥ \(min), found \(v)")
        }
        return Int(v)
    }

    func numbers(_ key: String, count: Int? = nil) throws(EvalError) -> [Double] {
        guard let a = value(key) as? [Any], let ns = a as? [NSNumber] else {
            throw EvalError(.manifest, manifestPath, "\(key): expected an array of numbers")
        }
        if let count, ns.count != count {
            throw EvalError(.manifest, manifestPath, "\(key): expected \(count) numbers, found \(ns.count)")
        }
        return ns.map { $0.doubleValue }
    }

    func strings(_ key: String) throws(EvalError) -> [String] {
        guard let a = value(key) as? [Any], let s = a as? [String], !s.isEmpty else {
            throw EvalError(.manifest, manifestPath, "\(key): expected a non-empty array of strings")
        }
        return s
    }

    func predict(_ input: [Float]) throws(EvalError) -> [Float] {
        do throws(ModelError) { return try model.predict(input) } catch {
            throw EvalError(.model, folder, "\(error)")
        }
    }
}

func readText(_ path: String) throws(EvalError) -> String {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
        throw EvalError(.dataFile, path, "no such file")
    }
    guard let d = FileManager.default.contents(atPath: path) else { throw EvalError(.dataFile, path, "cannot read") }
    guard let s = String(data: d, encoding: .utf8) else { throw EvalError(.dataFormat, path, "not UTF-8 text") }
    return s
}

// MARK: C-MAPSS

struct CMAPSSEval {
    let engines: Int
    let rmse: Double
    let phm08: Double
    let cap: Double
    let predictions: [Double]
    let truth: [Double]

    /// `dir` holds test_FD001.txt and RUL_FD001.txt.
    static func run(_ m: EvalModel, dataDir dir: String, subset: String = "FD001") throws(EvalError) -> CMAPSSEval {
        guard m.value("window") != nil else {
            throw EvalError(.manifest, m.manifestPath, "model \"\(m.name)\" is not a windowed C-MAPSS model (no \"window\"); --cmapss needs one")
        }
        let features = try m.strings("features")
        let window = Int(try m.number("window"))  // a whole number ≥ 1: checked by ModelManifest.load
        let mean = try m.numbers("normalization.mean", count: features.count)
        let std = try m.numbers("normalization.std", count: features.count)
        let scale = try m.number("output_transform.scale")
        let offset = try m.number("output_transform.offset")
        let cap = Double(try m.integer("target_cap", min: 1))
        guard window * features.count == m.model.inputCount else {
            throw EvalError(.manifest, m.manifestPath, "window \(window) × \(features.count) features does not match "
                            + "the model's \(m.model.inputCount) inputs")
        }
        var columns: [Int] = []
        for f in features {
            guard let i = ReplayCommand.columns.firstIndex(of: f) else {
                throw EvalError(.manifest, m.manifestPath, "feature \"\(f)\" is not a C-MAPSS column (op1…op3, s1…s21)")
            }
            columns.append(i)
        }

        let testPath = dir + "/test_\(subset).txt", rulPath = dir + "/RUL_\(subset).txt"
        var errors: [String] = []
        let rows = ReplayCommand.parseCMAPSS(try readText(testPath), errors: &errors)
        if let first = errors.first {
            throw EvalError(.dataFormat, testPath, first + (errors.count > 1 ? " (and \(errors.count - 1) more)" : ""))
        }
        guard !rows.isEmpty else { throw EvalError(.dataFormat, testPath, "no rows") }
        var truthAll: [Double] = []
        for (n, line) in try readText(rulPath).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            guard let v = Double(s), v.isFinite, v >= 0 else {
                throw EvalError(.dataFormat, rulPath, "line \(n + 1): not a non-negative number: \"\(s)\"")
            }
            truthAll.append(v)
        }

        var byUnit: [Int: [ReplayCommand.Row]] = [:]
        for r in rows { byUnit[r.unit, default: []].append(r) }
        let units = byUnit.keys.sorted()
        guard units.count == truthAll.count else {
            throw EvalError(.dataFormat, rulPath, "\(truthAll.count) values for \(units.count) engines in \(testPath)")
        }
        // Normalised in float32, exactly as the node's model_features does (float64 would round some
        // grid-aligned sensor values to the other side of an int8 rounding tie).
        let meanF = mean.map { Float($0) }, stdF = std.map { Float($0) }
        var preds: [Double] = [], truth: [Double] = []
        var input = [Float](repeating: 0, count: window * features.count)
        for (k, u) in units.enumerated() {
            let hist = byUnit[u]!.sorted { $0.cycle < $1.cycle }
            // A history is consecutive cycles: a repeated or a missing cycle would silently change the window.
            for (a, b) in zip(hist, hist.dropFirst()) where b.cycle != a.cycle + 1 {
                throw EvalError(.dataFormat, testPath, b.cycle == a.cycle
                    ? "lines \(a.line) and \(b.line): engine \(u) cycle \(b.cycle) appears twice"
                    : "line \(b.line): engine \(u) jumps from cycle \(a.cycle) to \(b.cycle) (missing cycles)")
            }
            if let r = hist.first(where: { r in columns.contains { !Float(r.values[$0]).isFinite } }) {
                throw EvalError(.dataFormat, testPath, "line \(r.line): a sensor value is out of float32 range")
            }
            let last = Array(hist.suffix(window))
            let pad = window - last.count  // short history: its first cycle repeated at the front
            for t in 0..<window {
                let r = last[max(0, t - pad)]
                for (f, c) in columns.enumerated() {
                    input[t * features.count + f] = (Float(r.values[c]) - meanF[f]) / stdF[f]
                }
            }
            let out = try m.predict(input)
            preds.append(Double(out[0]) * scale + offset)
            truth.append(min(truthAll[k], cap))
        }
        return CMAPSSEval(engines: units.count, rmse: EvalMetrics.rmse(preds, truth), phm08: EvalMetrics.phm08(preds, truth),
                          cap: cap, predictions: preds, truth: truth)
    }
}

// MARK: AI4I 2020

struct AI4IEval {
    let rows: Int
    let failures: Int
    let threshold: Double
    let confusion: EvalMetrics.Confusion
    let prAUC: Double

    /// Parses ai4i2020.csv (UTF-8, optional byte-order mark) and scores the held-out rows the model folder lists.
    static func run(_ m: EvalModel, file: String) throws(EvalError) -> AI4IEval {
        guard m.value("decision.threshold") != nil, m.value("split.heldout_file") != nil else {
            throw EvalError(.manifest, m.manifestPath, "model \"\(m.name)\" is not an AI4I classifier (no decision.threshold "
                            + "and split.heldout_file); --ai4i needs one")
        }
        let features = try m.strings("features")
        let sources = try m.strings("source_columns")
        let mean = try m.numbers("normalization.mean", count: features.count)
        let std = try m.numbers("normalization.std", count: features.count)
        let threshold = try m.number("decision.threshold")
        guard features.count == m.model.inputCount else {
            throw EvalError(.manifest, m.manifestPath, "\(features.count) features but the model takes \(m.model.inputCount) inputs")
        }
        guard let heldName = m.value("split.heldout_file") as? String else {
            throw EvalError(.manifest, m.manifestPath, "split.heldout_file: expected the file listing the held-out UDIs")
        }
        let heldPath = m.folder + "/" + heldName
        var held: [Int] = []
        for (n, line) in try readText(heldPath).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            guard let v = Int(s) else { throw EvalError(.dataFormat, heldPath, "line \(n + 1): not a UDI: \"\(s)\"") }
            held.append(v)
        }
        guard !held.isEmpty else { throw EvalError(.dataFormat, heldPath, "lists no rows") }

        var text = try readText(file)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { String($0).trimmingCharacters(in: .init(charactersIn: "\r")) }
        guard let header = lines.first else { throw EvalError(.dataFormat, file, "empty file") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ n: String) throws(EvalError) -> Int {
            guard let i = names.firstIndex(of: n) else { throw EvalError(.dataFormat, file, "line 1: no column \"\(n)\"") }
            return i
        }
        let udiCol = try column("UDI"), labelCol = try column("Machine failure")
        // Feature i: a numeric source column (z-scored) or type_X, the one-hot of the "Type" column.
        enum Source { case numeric(Int), oneHot(Int, String) }
        var srcs: [Source] = []
        for (i, f) in features.enumerated() {
            if f.hasPrefix("type_") {
                srcs.append(.oneHot(try column("Type"), String(f.dropFirst(5))))
            } else {
                guard i < sources.count else {
                    throw EvalError(.manifest, m.manifestPath, "feature \"\(f)\" has no entry in source_columns")
                }
                srcs.append(.numeric(try column(sources[i])))
            }
        }
        var rowsByUDI: [Int: (x: [Float], y: Bool)] = [:]
        for (n, line) in lines.enumerated().dropFirst() {
            if line.isEmpty { continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == names.count else {
                throw EvalError(.dataFormat, file, "line \(n + 1): expected \(names.count) fields, found \(f.count)")
            }
            guard let udi = Int(f[udiCol]) else { throw EvalError(.dataFormat, file, "line \(n + 1): UDI is not an integer: \"\(f[udiCol])\"") }
            guard let label = Int(f[labelCol]), label == 0 || label == 1 else {
                throw EvalError(.dataFormat, file, "line \(n + 1): Machine failure must be 0 or 1, found \"\(f[labelCol])\"")
            }
            var x: [Float] = []
            for (i, s) in srcs.enumerated() {
                switch s {
                case .numeric(let c):
                    guard let v = Double(f[c]), v.isFinite else {
                        throw EvalError(.dataFormat, file, "line \(n + 1): \(names[c]) is not a number: \"\(f[c])\"")
                    }
                    x.append((Float(v) - Float(mean[i])) / Float(std[i]))  // float32, as the node normalises
                case .oneHot(let c, let value):
                    x.append(((f[c] == value ? 1 : 0) - Float(mean[i])) / Float(std[i]))
                }
            }
            rowsByUDI[udi] = (x, label == 1)
        }
        var scores: [Double] = [], labels: [Bool] = []
        for u in held {
            guard let r = rowsByUDI[u] else { throw EvalError(.dataFormat, file, "held-out UDI \(u) (from \(heldPath)) is not in the file") }
            scores.append(Double(try m.predict(r.x)[0]))
            labels.append(r.y)
        }
        if let want = m.value("split.heldout_failures") as? NSNumber, want.intValue != labels.filter({ $0 }).count {
            throw EvalError(.dataFormat, file, "the held-out rows hold \(labels.filter { $0 }.count) failures, the manifest "
                            + "says \(want.intValue): not the data the model was trained on")
        }
        return AI4IEval(rows: held.count, failures: labels.filter { $0 }.count, threshold: threshold,
                        confusion: EvalMetrics.confusion(scores: scores, labels: labels, threshold: threshold),
                        prAUC: EvalMetrics.averagePrecision(scores: scores, labels: labels))
    }
}
