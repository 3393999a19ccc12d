// `ledge model inspect|run|verify|eval`: look inside a TFLite model, run it on float input, check it
// bit-exact against golden vectors; `eval` belongs to ModelEval.swift.
import Foundation
import LedgeML

enum ModelCommand {
    static let usage = """
        usage: ledge model inspect FILE [--json]
               ledge model run FILE --input CSV|JSON|FILE [--json]
               ledge model verify DIR... [--json]
               ledge model eval DIR --cmapss DIR | --ai4i FILE [--json]
        """

    static func main(_ args: [String]) -> Int32 {
        guard let sub = args.first else { printError(usage); return ExitCode.usage }
        let rest = Array(args.dropFirst())
        switch sub {
        case "inspect": return runCommand("model inspect") { try inspect(rest) }
        case "run": return runCommand("model run") { try run(rest) }
        case "verify": return runCommand("model verify") { try verify(rest) }
        case "eval": return ModelEval.main(rest)
        case "dump": return runCommand("model dump") { try dump(rest) }
        case "--help", "-h", "help": print(usage); return ExitCode.success
        default:
            printError("ledge model: unknown subcommand '\(sub)'\n\(usage)")
            return ExitCode.usage
        }
    }

    /// Loads a model, reporting a bad file as malformed input (exit 2).
    static func load(_ path: String) -> Result<Model, ModelError> {
        do throws(ModelError) { return .success(try Model(path: path)) } catch { return .failure(error) }
    }

    static func inspect(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["json"])
        guard a.positionals.count == 1 else { throw UsageError("expects one model FILE") }
        let path = a.positionals[0]
        let model: Model
        switch load(path) {
        case .success(let m): model = m
        case .failure(let e): printError("ledge model inspect: \(path): \(e)"); return ExitCode.usage
        }
        if a.flag("json") {
            let doc: [String: Any] = [
                "file": path,
                "operators": model.operators.map { ["name": $0.name, "inputs": $0.inputs, "outputs": $0.outputs, "macs": $0.macs] },
                "tensors": model.tensors.map { t -> [String: Any] in
                    ["index": t.index, "name": t.info.name, "shape": t.info.shape, "type": t.info.type.description,
                     "scale": Double(t.info.scale), "zeroPoint": Int(t.info.zeroPoint), "scales": t.scaleCount,
                     "constant": t.isConstant]
                },
                "inputs": model.inputs.map(describe), "outputs": model.outputs.map(describe),
                "arenaBytes": model.arenaBytes, "constantBytes": model.constantBytes, "macs": model.macs,
                "kernelPath": model.kernelPath,
            ]
            printJSON(doc)
            return ExitCode.success
        }
        print("model \(path)")
        print("  inputs:")
        for t in model.inputs { print("    \(line(t))") }
        print("  outputs:")
        for t in model.outputs { print("    \(line(t))") }
        print("  operators (\(model.operators.count)):")
        for (i, op) in model.operators.enumerated() {
            let macs = op.macs > 0 ? "  \(op.macs) MACs" : ""
            print("    \(String(i).leftPad(3)) \(op.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(op.inputs) -> \(op.outputs)\(macs)")
        }
        print("  tensors (\(model.tensors.count)):")
        for t in model.tensors {
            let q: String
            if t.scaleCount > 1 {
                q = "per-channel \(t.scaleCount) scales on dim \(t.quantizedDimension)"
            } else if t.info.scale > 0 {
                q = "scale \(t.info.scale) zp \(t.info.zeroPoint)"
            } else {
                q = "not quantized"
            }
            let place = t.isConstant ? "const" : (t.arenaOffset.map { "arena@\($0)" } ?? "-")
            print("    \(String(t.index).leftPad(3)) \(t.info.name) \(t.info.type) \(t.info.shape) \(q) \(place)")
        }
        print("  arena: \(model.arenaBytes) bytes; constants: \(model.constantBytes) bytes")
        print("  MACs per inference: \(model.macs)")
        print("  kernel path: \(model.kernelPath)")
        return ExitCode.success
    }

    static func describe(_ t: TensorInfo) -> [String: Any] {
        ["name": t.name, "shape": t.shape, "type": t.type.description, "scale": Double(t.scale), "zeroPoint": Int(t.zeroPoint)]
    }

    static func line(_ t: TensorInfo) -> String {
        "\(t.name) \(t.type) \(t.shape)" + (t.scale > 0 ? " scale \(t.scale) zp \(t.zeroPoint)" : "")
    }

    /// Rows of float input from inline CSV/JSON or a .csv/.json file.
    static func parseInput(_ spec: String) throws -> [[Float]] {
        var text = spec
        if FileManager.default.fileExists(atPath: spec) {
            guard let d = FileManager.default.contents(atPath: spec), let s = String(data: d, encoding: .utf8) else {
                throw UsageError("cannot read input file '\(spec)'")
            }
            text = s
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text == spec, spec.contains("/") || spec.hasSuffix(".csv") || spec.hasSuffix(".json") {
            throw UsageError("input file '\(spec)' does not exist (--input takes a CSV/JSON file or inline numbers)")
        }
        if trimmed.hasPrefix("[") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) else {
                throw UsageError("input is not valid JSON")
            }
            if let flat = obj as? [NSNumber] { return [flat.map { $0.floatValue }] }
            if let rows = obj as? [[NSNumber]] { return rows.map { $0.map { $0.floatValue } } }
            throw UsageError("JSON input must be an array of numbers or an array of such arrays")
        }
        var rows: [[Float]] = []
        for (n, lineText) in trimmed.split(whereSeparator: { $0 == "\n" || $0 == ";" }).enumerated() {
            let l = lineText.trimmingCharacters(in: .whitespaces)
            if l.isEmpty || l.hasPrefix("#") { continue }
            var row: [Float] = []
            for field in l.split(separator: ",") {
                let f = field.trimmingCharacters(in: .whitespaces)
                guard let v = Float(f) else { throw UsageError("input line \(n + 1): '\(f)' is not a number") }
                row.append(v)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw UsageError("input holds no values") }
        return rows
    }

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["input", "json"])
        guard a.positionals.count == 1 else { throw UsageError("expects one model FILE") }
        let path = a.positionals[0]
        let rows = try parseInput(try a.required("input"))
        let model: Model
        switch load(path) {
        case .success(let m): model = m
        case .failure(let e): printError("ledge model run: \(path): \(e)"); return ExitCode.usage
        }
        var results: [[Float]] = []
        for (i, row) in rows.enumerated() {
            guard row.count == model.inputCount else {
                throw UsageError("input row \(i + 1) has \(row.count) values; the model takes \(model.inputCount)")
            }
            do throws(ModelError) { results.append(try model.predict(row)) } catch {
                printError("ledge model run: \(error)"); return ExitCode.failure
            }
        }
        if a.flag("json") {
            printJSON(results.map { $0.map { Double($0) } })
        } else {
            for r in results { print(r.map { "\($0)" }.joined(separator: ",")) }
        }
        return ExitCode.success
    }

    /// Debugging aid: runs golden sample N of a model folder and prints every activation tensor (hex).
    static func dump(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args)
        guard a.positionals.count == 1 else { throw UsageError("expects a model folder") }
        let f = a.positionals[0]
        let model = try Model(bytes: [UInt8](FileManager.default.contents(atPath: f + "/model.tflite") ?? Data()), separateTensors: true)
        let sample = try a.int("sample") ?? 0
        guard let d = FileManager.default.contents(atPath: f + "/golden/inputs.bin") else { throw UsageError("no golden inputs") }
        let bytes = [UInt8](d)
        let n = model.inputBytes
        _ = try model.invokeRaw(Array(bytes[(sample * n)..<((sample + 1) * n)]))
        for t in model.tensors where !t.isConstant {
            if let b = model.activationBytes(tensor: t.index) { print("\(t.index) " + b.map { String(format: "%02x", $0) }.joined()) }
        }
        return ExitCode.success
    }

    static func verify(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["json"])
        guard !a.positionals.isEmpty else { throw UsageError("expects at least one DIR") }
        var folders: [String] = []
        for d in a.positionals {
            let found = Golden.modelFolders(under: d)
            if found.isEmpty { printError("ledge model verify: no model.tflite with golden/ under '\(d)'"); return ExitCode.usage }
            folders += found
        }
        var total = 0, exact = 0, failedModels = 0
        var reports: [[String: Any]] = []
        for f in folders {
            do throws(ModelError) {
                let r = try Golden.verify(folder: f)
                total += r.total; exact += r.exact
                if !r.passed { failedModels += 1 }
                reports.append(["model": r.modelPath, "samples": r.samples, "total": r.total, "exact": r.exact,
                                "maxDifference": r.maxDifference])
                if !a.flag("json") {
                    print("\(r.modelPath): \(r.exact)/\(r.total) outputs bit-exact (\(r.samples) samples)"
                          + (r.passed ? "" : ", max difference \(r.maxDifference)"))
                    for m in r.mismatches {
                        print("    sample \(m.sample) output \(m.index): expected \(m.expected), got \(m.got)")
                    }
                }
            } catch {
                failedModels += 1
                reports.append(["model": f, "error": error.description])
                if !a.flag("json") { print("\(f): error: \(error)") }
            }
        }
        if a.flag("json") {
            printJSON(["models": reports, "total": total, "exact": exact, "failedModels": failedModels])
        } else {
            print("\(exact)/\(total) outputs bit-exact over \(folders.count) model\(folders.count == 1 ? "" : "s")")
        }
        return failedModels == 0 ? ExitCode.success : ExitCode.failure
    }
}

/// Pretty JSON on standard output.
func printJSON(_ obj: Any) {
    if let d = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]),
       let s = String(data: d, encoding: .utf8) {
        print(s)
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
