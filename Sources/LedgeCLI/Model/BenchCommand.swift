// `ledge bench model FILE`: latency p50/p99 of one inference, GOPS and the kernel path in use.
import Foundation
import LedgeML

enum BenchCommand {
    static let usage = "usage: ledge bench model FILE [--iterations N] [--seconds S] [--path portable|avx2|avx512vnni|neon|neondot] [--json]"

    static func main(_ args: [String]) -> Int32 {
        guard args.first == "model" else { printError(usage); return ExitCode.usage }
        return runCommand("bench model") { try model(Array(args.dropFirst())) }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func model(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["iterations", "seconds", "path", "json"])
        guard a.positionals.count == 1 else { throw UsageError("expects one model FILE") }
        let path = a.positionals[0]
        if let p = a.value("path") {
            guard Model.selectKernelPath(p) else {
                throw UsageError("kernel path '\(p)' is not available here (available: \(Model.availableKernelPaths.joined(separator: ", ")))")
            }
        }
        let m: Model
        do throws(ModelError) { m = try Model(path: path) } catch {
            printError("ledge bench model: \(path): \(error)"); return ExitCode.usage
        }
        var input = [Float](repeating: 0, count: m.inputCount)
        var rng = SystemRandomNumberGenerator()
        for i in input.indices { input[i] = Float.random(in: -2...2, using: &rng) }
        var output = [Float](repeating: 0, count: m.outputCount)
        let seconds = try a.double("seconds") ?? 2
        func once() throws -> UInt64 {
            let t0 = now()
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { o in try m.predict(i, into: o) }
            }
            return now() - t0
        }
        // Warm up, then size the run to about `seconds` unless --iterations is given.
        var warm: UInt64 = 0
        for _ in 0..<10 { warm += try once() }
        let per = max(warm / 10, 1)
        let n = try a.int("iterations") ?? max(20, min(1_000_000, Int(seconds * 1e9 / Double(per))))
        var times = [UInt64](repeating: 0, count: n)
        for i in 0..<n { times[i] = try once() }
        times.sort()
        let p50 = Double(times[n / 2]) / 1e3, p99 = Double(times[min(n - 1, n * 99 / 100)]) / 1e3
        let mean = Double(times.reduce(0, +)) / Double(n) / 1e3
        let gops = Double(2 * m.macs) / (p50 * 1e3)
        if a.flag("json") {
            printJSON(["model": path, "iterations": n, "p50_us": p50, "p99_us": p99, "mean_us": mean, "macs": m.macs,
                       "gops": gops, "kernelPath": m.kernelPath, "arenaBytes": m.arenaBytes])
        } else {
            print("model \(path)")
            print(String(format: "  latency p50 %.2f µs, p99 %.2f µs, mean %.2f µs over %d runs", p50, p99, mean, n))
            print(String(format: "  %d MACs per inference, %.3f GOPS (2·MACs / p50)", m.macs, gops))
            print("  kernel path \(m.kernelPath), arena \(m.arenaBytes) bytes")
        }
        return ExitCode.success
    }
}
