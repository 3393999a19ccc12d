// `ledge bench model FILE`: latency p50/p99 of one inference, GOPS and the kernel path in use;
// `ledge bench gemm`: the raw int8 GEMM/GEMV with the fraction of this CPU's int8 peak.
import Foundation
import LedgeML

enum BenchCommand {
    static let usage = """
        usage: ledge bench model FILE [--iterations N] [--seconds S] [--path portable|avx2|avx512vnni|neon|neondot] [--json]
               ledge bench gemm --rows M --depth K [--cols N] [--iterations N] [--seconds S] [--path P] [--json]
        """

    static func main(_ args: [String]) -> Int32 {
        switch args.first {
        case "model": return runCommand("bench model") { try model(Array(args.dropFirst())) }
        case "gemm": return runCommand("bench gemm") { try gemm(Array(args.dropFirst())) }
        case "--help", "-h", "help": print(usage); return ExitCode.success
        default: printError(usage); return ExitCode.usage
        }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func selectPath(_ a: Arguments) throws {
        if let p = a.value("path") {
            guard Model.selectKernelPath(p) else {
                throw UsageError("kernel path '\(p)' is not available here (available: \(Model.availableKernelPaths.joined(separator: ", ")))")
            }
        }
    }

    /// Times `body` about `seconds` (after a warm-up) or `iterations` times; sorted nanoseconds.
    static func measure(_ a: Arguments, _ body: () throws -> Void) throws -> [UInt64] {
        let seconds = try a.double("seconds") ?? 2
        var warm: UInt64 = 0
        for _ in 0..<10 { let t0 = now(); try body(); warm += now() - t0 }
        let per = max(warm / 10, 1)
        let n = try a.int("iterations") ?? max(20, min(2_000_000, Int(seconds * 1e9 / Double(per))))
        var times = [UInt64](repeating: 0, count: n)
        for i in 0..<n { let t0 = now(); try body(); times[i] = now() - t0 }
        times.sort()
        return times
    }

    struct Stats {
        let n: Int, p50: Double, p99: Double, mean: Double, min: Double
        init(_ t: [UInt64]) {
            n = t.count
            p50 = Double(t[n / 2]) / 1e3
            p99 = Double(t[Swift.min(n - 1, n * 99 / 100)]) / 1e3
            mean = Double(t.reduce(0, +)) / Double(n) / 1e3
            min = Double(t[0]) / 1e3
        }
    }

    static func model(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["iterations", "seconds", "path", "json"])
        guard a.positionals.count == 1 else { throw UsageError("expects one model FILE") }
        let path = a.positionals[0]
        try selectPath(a)
        let m: Model
        do throws(ModelError) { m = try Model(path: path) } catch {
            printError("ledge bench model: \(path): \(error)"); return ExitCode.usage
        }
        var rng = SystemRandomNumberGenerator()
        // Float API (what the node calls): random values over ±2 quantized by the model's input parameters.
        var input = [Float](repeating: 0, count: m.inputCount)
        for i in input.indices { input[i] = Float.random(in: -2...2, using: &rng) }
        var output = [Float](repeating: 0, count: m.outputCount)
        let predict = Stats(try measure(a) {
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { o in try m.predict(i, into: o) }
            }
        })
        // Raw tensors (what LiteRT's invoke times): the same values, already in the model's input types.
        let rawIn = try rawInput(m, input)
        var rawOut = [UInt8](repeating: 0, count: m.outputBytes)
        let raw = Stats(try measure(a) {
            try rawIn.withUnsafeBytes { i in try rawOut.withUnsafeMutableBytes { o in try m.invokeRaw(i, into: o) } }
        })
        let gops = Double(2 * m.macs) / (raw.p50 * 1e3)
        if a.flag("json") {
            printJSON(["model": path, "iterations": raw.n, "p50_us": raw.p50, "p99_us": raw.p99, "mean_us": raw.mean,
                       "min_us": raw.min, "predict_p50_us": predict.p50, "predict_p99_us": predict.p99, "macs": m.macs,
                       "gops": gops, "kernelPath": m.kernelPath, "arenaBytes": m.arenaBytes])
        } else {
            print("model \(path)")
            print(String(format: "  invoke  (raw tensors) p50 %.2f µs, p99 %.2f µs, mean %.2f µs over %d runs", raw.p50, raw.p99, raw.mean, raw.n))
            print(String(format: "  predict (float I/O)   p50 %.2f µs, p99 %.2f µs over %d runs", predict.p50, predict.p99, predict.n))
            print(String(format: "  %d MACs per inference, %.3f GOPS (2·MACs / invoke p50)", m.macs, gops))
            print("  kernel path \(m.kernelPath), arena \(m.arenaBytes) bytes")
        }
        return ExitCode.success
    }

    /// The float input as the model's raw input bytes (int8 quantized, or float32 as is).
    static func rawInput(_ m: Model, _ input: [Float]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var pos = 0
        for t in m.inputs {
            let n = t.elementCount
            for v in input[pos..<(pos + n)] {
                if t.type == .float32 {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
                } else {
                    let q = (v / t.scale).rounded(.toNearestOrAwayFromZero) + Float(t.zeroPoint)
                    bytes.append(UInt8(bitPattern: Int8(max(-128, min(127, q)))))
                }
            }
            pos += n
        }
        return bytes
    }

    static func gemm(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["rows", "depth", "cols", "iterations", "seconds", "path", "json"])
        guard let rows = try a.int("rows"), let depth = try a.int("depth"), rows > 0, depth > 0 else {
            throw UsageError("--rows and --depth are required and must be positive")
        }
        let cols = try a.int("cols") ?? 1
        guard cols > 0, rows * depth <= 1 << 28, cols * depth <= 1 << 28 else { throw UsageError("sizes out of range") }
        try selectPath(a)
        var rng = SystemRandomNumberGenerator()
        let w = (0..<(rows * depth)).map { _ in Int8.random(in: -127...127, using: &rng) }
        let x = (0..<(cols * depth)).map { _ in Int8.random(in: -128...127, using: &rng) }
        let bias = (0..<rows).map { _ in Int32.random(in: -1000...1000, using: &rng) }
        var out = [Int32](repeating: 0, count: rows * cols)
        let m = PackedInt8Matrix(w, rows: rows, depth: depth)
        let s = Stats(try measure(a) {
            x.withUnsafeBufferPointer { xp in
                bias.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { op in m.multiply(xp.baseAddress!, cols: cols, bias: bp.baseAddress, into: op.baseAddress!) }
                }
            }
        })
        let macs = Double(rows * depth * cols)
        let macsPerSecond = macs / (s.p50 / 1e6)
        let clock = PackedInt8Matrix.measuredClockHz()
        let path = m.kernelPath
        // Nominal int8 MACs per cycle per core of each path's instruction (see README): vpdpbusd 64,
        // vpmaddwd 32, sdot 32 (Cortex-A76), smlal 8 (Cortex-A72).
        let nominal: [String: Double] = ["avx512vnni": 64, "avx2": 32, "neondot": 32, "neon": 8]
        let best = Model.availableKernelPaths.compactMap { nominal[$0] }.max() ?? 0
        let measuredPeak = PackedInt8Matrix.measuredPeakMACsPerSecond(path: path)
        let macsPerCycle = macsPerSecond / clock
        var doc: [String: Any] = ["rows": rows, "depth": depth, "cols": cols, "iterations": s.n, "p50_us": s.p50,
                                  "p99_us": s.p99, "min_us": s.min, "gops": 2 * macsPerSecond / 1e9, "kernelPath": path,
                                  "clock_ghz": clock / 1e9, "macs_per_cycle": macsPerCycle]
        if best > 0 { doc["cpu_peak_macs_per_cycle"] = best; doc["fraction_of_cpu_peak"] = macsPerCycle / best }
        if let p = nominal[path] { doc["path_peak_macs_per_cycle"] = p; doc["fraction_of_path_peak"] = macsPerCycle / p }
        if let mp = measuredPeak {
            doc["measured_peak_macs_per_cycle"] = mp / clock
            doc["fraction_of_measured_peak"] = macsPerSecond / mp
        }
        if a.flag("json") {
            printJSON(doc)
        } else {
            print("int8 GEMM \(rows)×\(depth) weights × \(cols) column\(cols == 1 ? "" : "s") (\(path))")
            print(String(format: "  p50 %.2f µs, p99 %.2f µs over %d runs; %.1f GOPS", s.p50, s.p99, s.n, 2 * macsPerSecond / 1e9))
            print(String(format: "  %.1f int8 MACs/cycle at a measured %.2f GHz", macsPerCycle, clock / 1e9))
            if best > 0 {
                print(String(format: "  %.0f%% of this CPU's nominal int8 peak (%.0f MACs/cycle)", 100 * macsPerCycle / best, best))
            }
            if let mp = measuredPeak {
                print(String(format: "  %.0f%% of the measured peak of the path's instruction (%.1f MACs/cycle)", 100 * macsPerSecond / mp, mp / clock))
            }
        }
        return ExitCode.success
    }
}
