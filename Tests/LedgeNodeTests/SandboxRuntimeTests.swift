// The function runtime on real modules (compiled C and wat fixtures): each hostile module's verdict, the
// instance discarded and replaced, warm pools, the module cache, concurrency, KV in real SQLite with its
// quota, the log rate limit, WASI stdout into the log, and load-time refusals naming what is wrong.
import Foundation
import Testing
import LedgeCore
@testable import LedgeNode
import LedgeStore
import LedgeWasm
import LedgeTestSupport

@Suite struct SandboxRuntimeTests {
    func runtime(_ config: FunctionConfig, sink: CollectingSink = CollectingSink(), logs: CollectingLogSink = CollectingLogSink(),
                 kv: KeyValueStore? = nil, cache: ModuleCache = ModuleCache()) throws -> FunctionRuntime {
        try FunctionRuntime(config: config, models: [:], sink: sink, kv: kv ?? MemoryKVStore(quotaBytes: config.limits.kvQuotaBytes),
                            logSink: logs, cache: cache)
    }

    /// Each hostile module traps with its limit named; the trapped instance is discarded and replaced, and
    /// the same runtime still serves the next event (the hostile one again: same verdict, no state left over).
    @Test(arguments: [
        ("hostile_loop", "{}", "out of fuel"),
        ("hostile_memory", "{}", "memory limit"),
        ("hostile_recursion", "{}", "call stack exhausted"),
        ("hostile_tablegrow", "{}", "table limit"),
        ("hostile_flood", "{}", "publish limit"),
        ("hostile_topic", #"{"which":0}"#, "publish denied"),
        ("hostile_topic", #"{"which":1}"#, "publish denied"),
        ("hostile_divzero", "{}", "integer divide by zero"),
    ])
    func hostileVerdict(_ name: String, _ event: String, _ verdict: String) throws {
        let rt = try runtime(try FunctionFixtures.config(name))
        #expect(rt.prewarm() == nil)
        for round in 0..<2 {
            let r = invoke(rt, event)
            let reason = try #require(trapReason(r), "\(name) round \(round): \(r.outcome)")
            #expect(reason.hasPrefix(verdict), "\(name): \(reason)")
        }
        let s = rt.statistics
        #expect(s.traps == 2)
        #expect(s.trapsByReason[verdict] == 2, "\(s.trapsByReason)")
        #expect(s.discarded == 2)
        #expect(s.replacements == 2)
        #expect(rt.warmInstances == 1)  // replaced, so the next event does not wait on a cold start
    }

    @Test func deadlineEndsALoopThatHasFuelToSpare() throws {
        let rt = try runtime(try FunctionFixtures.config("hostile_loop") { $0.fuel = UInt64(Int64.max); $0.timeoutMs = 30 })
        let start = Date()
        let r = invoke(rt, "{}")
        #expect(trapReason(r)?.hasPrefix("deadline exceeded") == true, "\(r.outcome)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func outOfBoundsPointerIntoEveryHostCallTrapsNamingIt() throws {
        let expected = ["publish topic", "publish payload", "kv_get key", "kv_get buf", "kv_set key", "kv_set value",
                        "kv_delete key", "infer model", "infer in", "infer out", "log msg", "json_number json",
                        "json_number key", "json_number out", "config key", "config buf", "model_floats model",
                        "model_floats key", "model_floats out", "model_features model", "model_features json",
                        "model_features out", "publish payload", "kv_set key"]
        let rt = try runtime(try FunctionFixtures.config("hostile_pointer"))
        for (call, what) in expected.enumerated() {
            let r = invoke(rt, #"{"call":\#(call)}"#)
            let reason = try #require(trapReason(r), "call \(call): \(r.outcome)")
            #expect(reason.hasPrefix("out-of-bounds pointer: ledge.\(what) "), "call \(call): \(reason)")
        }
        #expect(invoke(rt, #"{"call":99}"#).outcome == .returned(0))
        #expect(rt.statistics.trapsByReason["out-of-bounds pointer"] == expected.count)
    }

    @Test func limitsCheckedAtInstantiation() throws {
        let table = try runtime(try FunctionFixtures.config("hostile_table"))
        let err = try #require(table.prewarm())
        #expect(err.hasPrefix("table limit: table minimum of 50000000 elements"), "\(err)")
        let r = invoke(table, "{}")
        #expect(trapReason(r)?.hasPrefix("table limit") == true)

        // 8 MiB of data needs 130 pages: refused under 64, runs under 256.
        let small = try runtime(try FunctionFixtures.config("hostile_bigdata"))
        #expect(trapReason(invoke(small, "{}"))?.hasPrefix("memory limit: memory minimum of 130 pages exceeds the limit of 64") == true)
        let big = try runtime(try FunctionFixtures.config("hostile_bigdata") { $0.memoryPages = 256 })
        #expect(invoke(big, "{}").outcome == .returned(0))
    }

    @Test func loadRefusesModulesOutsideABIv1NamingWhy() throws {
        func loadError(_ fixture: String) -> String? {
            do {
                _ = try runtime(try FunctionFixtures.config(fixture))
                return nil
            } catch let e as FunctionLoadError {
                return e.reason
            } catch {
                return "\(error)"
            }
        }
        #expect(loadError("hostile_import")?.contains("imports env.system, which the host does not provide") == true)
        #expect(loadError("hostile_badsig")?.contains("imports ledge.publish as (i32) -> i32, the host provides (i32, i32, i32, i32, i32) -> i32") == true)
        // Not a module at all.
        let garbage = FunctionFixtures.out + "/garbage.wasm"
        try Data("not a wasm module".utf8).write(to: URL(fileURLWithPath: garbage))
        var c = try FunctionFixtures.config("empty")
        c.module = garbage
        #expect(throws: FunctionLoadError.self) { _ = try runtime(c) }
    }

    @Test func oversizeEventsAreRefusedAndCounted() throws {
        let rt = try runtime(try FunctionFixtures.config("well_behaved") { $0.maxEventBytes = 64 })
        let r = invoke(rt, #"{"n":1,"pad":"\#(String(repeating: "x", count: 100))"}"#)
        guard case .refused(let why) = r.outcome else { Issue.record("\(r.outcome)"); return }
        #expect(why.hasPrefix("event payload limit"))
        #expect(rt.statistics.oversize == 1)
        #expect(rt.statistics.invocations == 0)
    }

    @Test func jsonNumberRefusesNumbersThatDoNotFitADouble() throws {
        let sink = CollectingSink()
        let rt = try runtime(try FunctionFixtures.config("well_behaved"), sink: sink)
        // 1e400 overflows a double: json_number answers LEDGE_E_INVALID, so the function publishes nothing.
        #expect(invoke(rt, #"{"n":1e400}"#).outcome == .returned(-1))
        #expect(invoke(rt, #"{"n":-1e400}"#).outcome == .returned(-1))
        #expect(sink.messages.isEmpty)
        #expect(invoke(rt, #"{"n":1e300}"#).outcome == .returned(0))
        #expect(sink.messages.count == 1)
    }

    @Test func warmInstancesAreReusedAndColdStartsCounted() throws {
        let sink = CollectingSink()
        let logs = CollectingLogSink()
        let rt = try runtime(try FunctionFixtures.config("well_behaved"), sink: sink, logs: logs)
        #expect(rt.prewarm() == nil)
        for i in 1...20 { #expect(invoke(rt, #"{"n":\#(i)}"#).outcome == .returned(0)) }
        let s = rt.statistics
        #expect(s.coldStarts == 1)
        #expect(s.warmInvocations == 20)
        #expect(s.coldStartNanosTotal > 0)
        #expect(sink.messages.count == 20)
        #expect(String(decoding: sink.messages.last!.payload, as: UTF8.self) == #"{"n":20,"count":20}"#)
        // printf through WASI fd_write lands in the function's log.
        #expect(logs.lines.filter { $0.message.hasPrefix("echo n=") }.count == 20)
    }

    @Test func moduleCacheSharesTranslatedCodeByContentHash() throws {
        let cache = ModuleCache()
        let path = try FunctionFixtures.path("well_behaved")
        let copy = FunctionFixtures.out + "/well_behaved_copy.wasm"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let a = try runtime(try FunctionFixtures.config("well_behaved"), cache: cache)
        var c = try FunctionFixtures.config("other", fixture: "well_behaved")
        c.module = copy
        let b = try runtime(c, cache: cache)
        #expect(a.module === b.module)
        #expect(cache.count == 1)
    }

    @Test func concurrencyRunsInstancesInParallelAndPoolStaysBounded() throws {
        // hostile_loop under a fuel limit: each event burns the same CPU, then traps; use well_behaved for
        // the pool bound and a slow loop for parallelism.
        let rt = try runtime(try FunctionFixtures.config("well_behaved") { $0.concurrency = 3 })
        #expect(rt.prewarm() == nil)
        #expect(rt.warmInstances == 3)
        let group = DispatchGroup()
        let failures = Locked(0)
        for t in 0..<6 {
            DispatchQueue.global().async(group: group) {
                for i in 0..<25 where invoke(rt, #"{"n":\#(t * 100 + i)}"#).outcome != .returned(0) { failures.withLock { $0 += 1 } }
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(failures.current == 0)
        #expect(rt.warmInstances <= 3)
        let s = rt.statistics
        #expect(s.invocations == 150)
        // Up to 6 callers at once may each have needed an instance; never more.
        #expect(s.coldStarts >= 3 && s.coldStarts <= 6)
    }

    @Test func kvLivesInSQLitePerFunctionWithAQuota() throws {
        let dir = try TestPaths.scratch("kv")
        let db = try NodeSchema.open(path: dir.path + "/node.sqlite")
        let kvA = SQLiteKVStore(database: db, namespace: "a", quotaBytes: 64)
        let kvB = SQLiteKVStore(database: db, namespace: "b", quotaBytes: 64)
        let logs = CollectingLogSink()
        let a = try runtime(try FunctionFixtures.config("well_behaved"), logs: logs, kv: kvA)
        let b = try runtime(try FunctionFixtures.config("well_behaved"), kv: kvB)
        for i in 1...3 { #expect(invoke(a, #"{"n":\#(i)}"#).outcome == .returned(0)) }
        _ = invoke(b, #"{"n":1}"#)
        #expect(logs.lines.allSatisfy { $0.level < 3 }, "\(logs.lines)")
        func count(_ kv: SQLiteKVStore) throws -> Int64 {
            let v = try #require(try kv.get(Array("count".utf8)))
            return v.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        }
        #expect(try count(kvA) == 3)
        #expect(try count(kvB) == 1)
        // The quota counts keys + values; a write over it is refused and changes nothing.
        #expect(throws: KVQuotaExceeded.self) { try kvA.set(Array("big".utf8), Array(repeating: 1, count: 100)) }
        #expect(try kvA.usage() == 5 + 8)
        #expect(try count(kvA) == 3)
    }

    @Test func logIsRateLimitedAndSuppressionCounted() throws {
        // well_behaved prints one line per event; allow 5 per second.
        let logs = CollectingLogSink()
        let rt = try runtime(try FunctionFixtures.config("well_behaved") { $0.logLinesPerSecond = 5 }, logs: logs)
        for i in 0..<50 { _ = invoke(rt, #"{"n":\#(i)}"#) }
        #expect(logs.lines.filter { $0.message.hasPrefix("echo") }.count <= 10)
        #expect(rt.statistics.logLinesSuppressed >= 40)
    }

    @Test func kvQuotaIsAReturnCodeNotATrap() throws {
        let rt = try runtime(try FunctionFixtures.config("well_behaved") { $0.kvQuotaBytes = 8 })
        // "count" + 8 bytes = 13 > 8: kv_set answers LEDGE_E_QUOTA, the function returns LEDGE_E_IO.
        #expect(invoke(rt, #"{"n":1}"#).outcome == .returned(HostErrorCode.io.rawValue))
        #expect(rt.statistics.traps == 0)
    }
}

/// Discarded instances free their memory (no cycle left between an instance and its functions).
@Suite struct SandboxLeakTests {
    @Test func discardedAndReplacedInstancesAreFreed() throws {
        let rt = try FunctionRuntime(config: try FunctionFixtures.config("well_behaved"), models: [:], sink: CollectingSink(),
                                     kv: MemoryKVStore(quotaBytes: 4096), logSink: CollectingLogSink(), cache: ModuleCache())
        weak var memory: MemoryInstance?
        do {
            let w = try rt.makeInstance()
            memory = w.instance.exportedMemory(named: "memory")
            #expect(memory != nil)
        }
        #expect(memory == nil)

        // The trap path: the trapped instance is discarded, a fresh one replaces it, the old one is freed.
        let trapping = try FunctionRuntime(config: try FunctionFixtures.config("hostile_divzero"), models: [:], sink: CollectingSink(),
                                           kv: nil, logSink: CollectingLogSink(), cache: ModuleCache())
        weak var first: MemoryInstance?
        do {
            let w = try trapping.makeInstance()
            first = w.instance.exportedMemory(named: "memory")
            _ = w.instance  // the instance is dropped with w
        }
        #expect(first == nil)
        for _ in 0..<5 { #expect(trapReason(invoke(trapping, "{}")) != nil) }
        #expect(trapping.warmInstances == 1)
    }
}
