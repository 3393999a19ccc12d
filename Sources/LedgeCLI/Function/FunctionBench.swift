// `ledge fn bench MODULE.wasm`: cold-start time (instantiate + ledge_init + event buffer), warm per-invocation
// time of one event over N invocations, and the process RSS before and after them (a leak shows as growth).
import Foundation
import LedgeCore
import LedgeNode

enum FunctionBench {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json", "traps-ok"])
        try a.checkKnown(["event", "topic", "fuel", "memory-pages", "timeout-ms", "allow-publish", "model", "config", "json",
                          "max-publishes", "max-publish-bytes", "call-depth", "max-event-bytes", "kv-quota-bytes", "log-lines-per-s",
                          "invocations", "cold-starts", "traps-ok"])
        guard a.positionals.count == 1 else { throw UsageError("expected one MODULE.wasm") }
        let path = a.positionals[0]
        let event = Array((a.value("event") ?? "{}").utf8)
        let topic = Array((a.value("topic") ?? "bench/event").utf8)
        let invocations = try a.int("invocations") ?? 100_000
        let coldStarts = try a.int("cold-starts") ?? 200
        // With --traps-ok every invocation may trap (the instance is then replaced, as in a node): for
        // timing the trap path and checking it frees what it discards.
        let trapsOK = a.flag("traps-ok")
        guard invocations > 0, coldStarts > 0 else { throw UsageError("--invocations and --cold-starts must be positive") }
        let config: FunctionConfig
        let models: [String: LoadedModel]
        do { (config, models) = try FunctionCommand.functionSetup(a, path: path) } catch let e as ModelLoadFailure {
            printError("ledge fn bench: \(e.message)")
            return ExitCode.usage
        }
        let sink = DiscardingSink()
        let runtime: FunctionRuntime
        do {
            runtime = try FunctionRuntime(config: config, models: models, sink: sink, kv: MemoryKVStore(quotaBytes: config.limits.kvQuotaBytes),
                                          logSink: sink, cache: ModuleCache())
        } catch {
            printError("ledge fn bench: \(error)")
            return ExitCode.usage
        }
        runtime.replaceAfterTrap = true

        // Cold starts.
        var cold = [UInt64]()
        cold.reserveCapacity(coldStarts)
        for _ in 0..<coldStarts {
            switch runtime.measureColdStart() {
            case .success(let ns): cold.append(ns)
            case .failure(let e): printError("ledge fn bench: cold start failed: \(e)"); return ExitCode.trapped
            }
        }

        // Warm invocations: warm up, then time each call (wall clock around invoke) and the whole loop.
        var times = [UInt64](repeating: 0, count: invocations)
        let warmup = min(1_000, invocations)
        func once() -> InvocationResult {
            topic.withUnsafeBytes { t in event.withUnsafeBytes { p in runtime.invoke(topic: t, payload: p) } }
        }
        for _ in 0..<warmup {
            let r = once()
            if case .returned = r.outcome { continue }
            if case .trapped = r.outcome, trapsOK { continue }
            printError("ledge fn bench: \(r.outcome)")
            return ExitCode.trapped
        }
        let rssBefore = Self.rssKiB()
        let loopStart = Clock.monotonicNanos()
        var failures = 0
        var fuel: UInt64 = 0
        var peakPages: UInt32 = 0
        for i in 0..<invocations {
            let t0 = Clock.monotonicNanos()
            let r = once()
            times[i] = Clock.monotonicNanos() &- t0
            if !r.succeeded {
                if failures == 0 && !trapsOK { printError("ledge fn bench: invocation \(i): \(r.outcome)") }
                failures += 1
            }
            fuel = r.fuelUsed
            peakPages = max(peakPages, r.peakMemoryPages)
        }
        let loopNanos = Clock.monotonicNanos() &- loopStart
        let rssAfter = Self.rssKiB()
        let s = runtime.statistics

        cold.sort()
        times.sort()
        func pct(_ v: [UInt64], _ p: Double) -> Double { Double(v[min(v.count - 1, Int(Double(v.count) * p))]) / 1000 }
        let doc = JSONValue.object([
            ("module", .string(path)),
            ("cold_starts", .number(Double(cold.count))),
            ("cold_start_us_median", .number(pct(cold, 0.5))), ("cold_start_us_p90", .number(pct(cold, 0.9))),
            ("cold_start_us_min", .number(Double(cold[0]) / 1000)),
            ("invocations", .number(Double(invocations))), ("failures", .number(Double(failures))),
            ("fuel_per_invocation", .number(Double(fuel))), ("peak_memory_pages", .number(Double(peakPages))),
            ("invocation_us_mean", .number(Double(loopNanos) / Double(invocations) / 1000)),
            ("invocation_us_median", .number(pct(times, 0.5))), ("invocation_us_p99", .number(pct(times, 0.99))),
            ("rss_kib_before", .number(Double(rssBefore))), ("rss_kib_after", .number(Double(rssAfter))),
            ("warm_invocations", .number(Double(s.warmInvocations))), ("traps", .number(Double(s.traps))),
            ("replacements", .number(Double(s.replacements))),
            ("pool_cold_starts", .number(Double(s.coldStarts))),
        ])
        if a.flag("json") {
            print(doc.text)
        } else {
            print("cold start: median \(pct(cold, 0.5)) µs, p90 \(pct(cold, 0.9)) µs over \(cold.count)")
            print("invocation: mean \(Double(loopNanos) / Double(invocations) / 1000) µs, median \(pct(times, 0.5)) µs, p99 \(pct(times, 0.99)) µs over \(invocations) (\(failures) failed, fuel \(fuel) each, peak memory \(peakPages) pages)")
            print("RSS: \(rssBefore) KiB before, \(rssAfter) KiB after")
        }
        return failures == 0 || trapsOK ? ExitCode.success : ExitCode.failure
    }

    /// Resident set size of this process (VmRSS in /proc/self/status), KiB; 0 when unknown.
    static func rssKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
