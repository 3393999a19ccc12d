// One function on the node: its compiled module (shared through the content-hash cache), a pool of warm
// instances (up to its concurrency), and invocation under its limits. A trapped instance is discarded and
// replaced; cold starts (instantiate + ledge_init + event buffer) are counted and timed.
import LedgeCore
import LedgeWasm

/// Why a function could not be loaded (exit 2 in `ledge fn invoke`).
public struct FunctionLoadError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let module: String
    public let reason: String
    public var description: String { "function \"\(function)\" (\(module)): \(reason)" }
}

/// Why an instance could not be made: a limit, a trap in the start function or ledge_init, or a failing init.
public struct InstantiationFailure: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// A warm instance with its event buffer (allocated once in guest memory with `ledge_alloc`).
final class WarmInstance {
    let instance: Instance
    let context: InvocationContext
    /// Holding an export keeps the instance's functions alive: it is dropped first in deinit, so the
    /// instance can free its state when it goes.
    private var onEventRef: ExportedFunction?
    var onEvent: ExportedFunction { onEventRef! }
    let buffer: UInt32
    let bufferSize: UInt32
    var invocations = 0

    init(instance: Instance, context: InvocationContext, onEvent: ExportedFunction, buffer: UInt32, bufferSize: UInt32) {
        self.instance = instance
        self.context = context
        self.onEventRef = onEvent
        self.buffer = buffer
        self.bufferSize = bufferSize
    }

    deinit { onEventRef = nil }
}

public final class FunctionRuntime: @unchecked Sendable {
    public let config: FunctionConfig
    public let module: Module
    /// Whether the module imports WASI (C built against wasi-libc); only then are those imports made.
    let usesWASI: Bool
    let models: [String: LoadedModel]
    let sink: PublishSink
    let kv: KeyValueStore?
    let logSink: FunctionLogSink
    let logLimiter: LogLimiter
    /// Make a fresh instance right after a trap (the node does; `ledge fn invoke` runs once and does not).
    public var replaceAfterTrap = true
    private let lock = ConditionLock()
    private var pool: [WarmInstance] = []
    private var stats = FunctionStats()
    /// Largest topic accepted with an event.
    public static let maxTopicBytes = 1024
    /// Largest table a function may define or grow to (elements).
    public static let maxTableElements: UInt32 = 100_000

    /// Loads (or takes from `cache`) the module and checks it against ABI v1. No instance is made yet.
    public init(config: FunctionConfig, models: [String: LoadedModel], sink: PublishSink, kv: KeyValueStore?,
                logSink: FunctionLogSink = NodeLogSink(), cache: ModuleCache) throws(FunctionLoadError) {
        self.config = config
        self.models = models.filter { config.models.contains($0.key) }
        self.sink = sink
        self.kv = kv
        self.logSink = logSink
        self.logLimiter = LogLimiter(perSecond: config.limits.logLinesPerSecond)
        do {
            module = try cache.module(path: config.module)
        } catch {
            throw FunctionLoadError(function: config.name, module: config.module, reason: "\(error)")
        }
        usesWASI = module.imports.contains { $0.module == WASI.moduleName }
        let probe = InvocationContext(function: config, models: self.models, sink: sink, kv: kv, logSink: logSink, logLimiter: logLimiter)
        if let problem = ABICheck.problem(module, host: Self.hostImports(probe)) {
            throw FunctionLoadError(function: config.name, module: config.module, reason: problem)
        }
    }

    /// Every import the host offers a function, bound to `ctx`.
    static func hostImports(_ ctx: InvocationContext, wasi: Bool = true) -> Imports {
        var imports = Imports()
        HostAPI.define(into: &imports, context: ctx)
        if wasi { WASIForFunctions.define(into: &imports, context: ctx) }
        return imports
    }

    /// A snapshot of the counters.
    public var statistics: FunctionStats { lock.withLock { var s = stats; s.logLinesSuppressed = logLimiter.suppressedSoFar; return s } }

    /// Warm instances idle in the pool now.
    public var warmInstances: Int { lock.withLock { pool.count } }

    /// Counts an event refused before running.
    func countDropped(oversize: Bool) {
        lock.withLock { if oversize { stats.oversize += 1 } else { stats.dropped += 1 } }
    }

    func wasmLimits(now: UInt64) -> Limits {
        let l = config.limits
        var wl = Limits()
        wl.maxMemoryPages = l.memoryPages
        wl.maxCallDepth = l.callDepth
        wl.maxTableElements = Self.maxTableElements
        wl.fuel = l.fuel
        wl.deadlineNanos = now &+ UInt64(l.timeoutMs) &* 1_000_000
        return wl
    }

    /// Makes a new instance: instantiate (segments, start function), `_initialize` for wasi-libc reactors,
    /// `ledge_init`, then allocate the event buffer. Each step runs under the function's limits.
    func makeInstance() throws(InstantiationFailure) -> WarmInstance {
        let ctx = InvocationContext(function: config, models: models, sink: sink, kv: kv, logSink: logSink, logLimiter: logLimiter)
        let imports = Self.hostImports(ctx, wasi: usesWASI)
        let instance: Instance
        do {
            instance = try Instance(module: module, imports: imports, limits: wasmLimits(now: Clock.monotonicNanos()))
        } catch let e as WasmError {
            throw InstantiationFailure(reason: Self.describe(e, limits: config.limits))
        } catch let t as Trap {
            throw InstantiationFailure(reason: "instantiation trapped: " + Self.describe(t, limits: config.limits))
        } catch {
            throw InstantiationFailure(reason: "instantiation failed: \(error)")
        }
        func step(_ what: String, _ body: () throws(Trap) -> UInt32) throws(InstantiationFailure) -> UInt32 {
            instance.limits = wasmLimits(now: Clock.monotonicNanos())
            _ = instance.growRefusedByLimits(reset: true)
            do {
                let r = try body()
                if let limit = limitReason(instance) { throw Trap(.host(limit)) }
                return r
            } catch {
                let reason = limitReason(instance) ?? Self.describe(error, limits: config.limits)
                throw InstantiationFailure(reason: "\(what) trapped: \(reason)")
            }
        }
        // Exports are looked up inside each step and not kept: a live ExportedFunction would keep a
        // failed instance's state from being freed.
        if instance.function(named: "_initialize")?.type == FunctionType(params: [], results: []) {
            _ = try step("_initialize") { () throws(Trap) in try instance.invokeI32(instance.function(named: "_initialize")!) }
        }
        if instance.function(named: "ledge_init") != nil {
            let rc = try step("ledge_init") { () throws(Trap) in try instance.invokeI32(instance.function(named: "ledge_init")!) }
            guard rc == 0 else { throw InstantiationFailure(reason: "ledge_init returned \(Int32(bitPattern: rc))") }
        }
        let size = UInt32(config.limits.maxEventBytes + Self.maxTopicBytes)
        let buffer = try step("ledge_alloc") { () throws(Trap) in try instance.invokeI32(instance.function(named: "ledge_alloc")!, size) }
        guard buffer != 0, let mem = instance.memory, UInt64(buffer) + UInt64(size) <= UInt64(mem.byteCount) else {
            throw InstantiationFailure(reason: "ledge_alloc(\(size)) returned \(buffer == 0 ? "null" : "a buffer outside memory")")
        }
        return WarmInstance(instance: instance, context: ctx, onEvent: instance.function(named: "ledge_on_event")!, buffer: buffer, bufferSize: size)
    }

    /// A cold start: makes an instance, counting and timing it.
    private func coldStart() throws(InstantiationFailure) -> WarmInstance {
        let start = Clock.monotonicNanos()
        do {
            let w = try makeInstance()
            let ns = Clock.monotonicNanos() &- start
            lock.withLock {
                stats.coldStarts += 1
                stats.coldStartNanosTotal &+= ns
                stats.coldStartNanosMax = max(stats.coldStartNanosMax, ns)
                stats.coldStartNanosLast = ns
            }
            return w
        } catch {
            lock.withLock { stats.coldStartFailures += 1 }
            throw error
        }
    }

    /// One cold start that is timed, counted and thrown away (benchmarks): nanoseconds, or the failure.
    public func measureColdStart() -> Result<UInt64, InstantiationFailure> {
        let start = Clock.monotonicNanos()
        do {
            _ = try coldStart()
            return .success(Clock.monotonicNanos() &- start)
        } catch {
            return .failure(error)
        }
    }

    /// Fills the pool up to `count` (default: the function's concurrency), so events do not wait on a
    /// cold start. Returns the first error, not thrown.
    public func prewarm(count: Int? = nil) -> String? {
        let target = min(count ?? config.limits.concurrency, config.limits.concurrency)
        while lock.withLock({ pool.count }) < target {
            do {
                let w = try coldStart()
                lock.withLock { pool.append(w) }
            } catch {
                return "\(error)"
            }
        }
        return nil
    }

    /// Runs one event through the function under its limits. Thread-safe: the node's lane runs up to
    /// `concurrency` at once, each on its own warm instance; the pool keeps at most `concurrency` idle ones.
    public func invoke(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> InvocationResult {
        let limits = config.limits
        guard payload.count <= limits.maxEventBytes else {
            countDropped(oversize: true)
            return InvocationResult(outcome: .refused("event payload limit: \(payload.count) bytes > max_event_bytes \(limits.maxEventBytes)"))
        }
        guard topic.count <= Self.maxTopicBytes else {
            countDropped(oversize: true)
            return InvocationResult(outcome: .refused("event topic limit: \(topic.count) bytes > \(Self.maxTopicBytes)"))
        }
        var result = InvocationResult(outcome: .returned(0))
        var warm = lock.withLock { pool.popLast() }
        if warm == nil {
            do {
                warm = try coldStart()
            } catch {
                let reason = "\(error)"
                lock.withLock { countTrap(reason) }
                return InvocationResult(outcome: .trapped(reason))
            }
            result.coldStart = true
        }
        let w = warm!
        let runStart = Clock.monotonicNanos()
        w.context.beginInvocation()
        var keep = true
        do {
            // Copy topic and payload into the instance's event buffer (checked against memory again: a
            // function may have shrunk nothing, but it may have grown and moved nothing either; be exact).
            guard let mem = w.instance.memory else { throw Trap(.host("the module has no memory")) }
            let dst = try mem.mutableBytes(at: w.buffer, count: UInt32(topic.count + payload.count))
            if topic.count > 0 { UnsafeMutableRawBufferPointer(rebasing: dst[0..<topic.count]).copyMemory(from: topic) }
            if payload.count > 0 { UnsafeMutableRawBufferPointer(rebasing: dst[topic.count...]).copyMemory(from: payload) }
            w.instance.limits = wasmLimits(now: runStart)
            _ = w.instance.growRefusedByLimits(reset: true)
            let rc = try w.instance.invokeI32(w.onEvent, w.buffer, UInt32(topic.count),
                                              w.buffer &+ UInt32(topic.count), UInt32(payload.count))
            if let limit = limitReason(w.instance) {
                result.outcome = .trapped(limit)
                keep = false
            } else {
                result.outcome = .returned(Int32(bitPattern: rc))
            }
        } catch {
            // A limit the guest ran into first (memory.grow refused) is the cause of what followed.
            result.outcome = .trapped(limitReason(w.instance) ?? Self.describe(error, limits: limits))
            keep = false
        }
        let end = Clock.monotonicNanos()
        result.nanos = end &- runStart
        result.fuelUsed = w.instance.fuelConsumed
        result.peakMemoryPages = w.instance.peakMemoryPages
        result.publishes = w.context.publishes
        w.invocations += 1
        let replace: Bool = lock.withLock {
            stats.invocations += 1
            if !result.coldStart { stats.warmInvocations += 1 }
            stats.invocationNanosTotal &+= result.nanos
            stats.invocationNanosMax = max(stats.invocationNanosMax, result.nanos)
            stats.fuelTotal &+= result.fuelUsed
            stats.publishes += result.publishes
            stats.peakMemoryPages = max(stats.peakMemoryPages, result.peakMemoryPages)
            switch result.outcome {
            case .returned(let c): if c != 0 { stats.errors += 1 }
            case .trapped(let reason): countTrap(reason)
            case .refused: break
            }
            // A trapped instance may be in any state: discard it and make a fresh one for the pool.
            if keep {
                if pool.count < config.limits.concurrency { pool.append(w) }
                return false
            }
            stats.discarded += 1
            return replaceAfterTrap && pool.count < config.limits.concurrency
        }
        if replace, let fresh = try? coldStart() {
            lock.withLock {
                stats.replacements += 1
                if pool.count < config.limits.concurrency { pool.append(fresh) }
            }
        }
        return result
    }

    private func countTrap(_ reason: String) {
        stats.traps += 1
        stats.trapsByReason[Self.reasonKey(reason), default: 0] += 1
    }

    /// The limit the last run hit by growing memory or a table, if any (the engine refuses the grow, as the
    /// spec allows; the node treats reaching the limit as a fault of the invocation).
    func limitReason(_ instance: Instance) -> String? {
        let hit = instance.growRefusedByLimits(reset: false)
        if hit.memory { return "memory limit: memory.grow beyond memory_pages \(config.limits.memoryPages) (64 KiB pages) refused" }
        if hit.table { return "table limit: table.grow beyond \(Self.maxTableElements) elements refused" }
        return nil
    }

    /// The trap reason as users read it, naming the limit for limit traps.
    static func describe(_ error: any Error, limits: FunctionLimits) -> String {
        if let trap = error as? Trap { return describe(trap, limits: limits) }
        if let e = error as? WasmError { return describe(e, limits: limits) }
        return "\(error)"
    }

    static func describe(_ trap: Trap, limits: FunctionLimits) -> String {
        switch trap.reason {
        case .outOfFuel: return "out of fuel: used the fuel limit of \(limits.fuel) instructions"
        case .deadlineExceeded: return "deadline exceeded: ran longer than timeout_ms \(limits.timeoutMs)"
        case .memoryLimitExceeded: return "memory limit: more than memory_pages \(limits.memoryPages)"
        case .callStackExhausted: return "call stack exhausted: deeper than call_depth \(limits.callDepth) (or the engine's stack)"
        case .exit(let code): return "exit: the function called proc_exit(\(code))"
        case .host(let s): return s
        default: return trap.description
        }
    }

    static func describe(_ e: WasmError, limits: FunctionLimits) -> String {
        switch (e.kind, e.section) {
        case (.uninstantiable, "memory"?): return "memory limit: \(e.message) (memory_pages)"
        case (.uninstantiable, "table"?): return "table limit: \(e.message)"
        default: return "instantiation failed: \(e)"
        }
    }

    /// A short key for counting traps by kind (the text before the first colon).
    static func reasonKey(_ reason: String) -> String {
        if let colon = reason.firstIndex(of: ":") { return String(reason[..<colon]) }
        return reason
    }
}
