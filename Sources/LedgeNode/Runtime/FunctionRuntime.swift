// One function on the node: its compiled module, a pool of warm instances, and invocation under limits.
import LedgeCore
import LedgeWasm

/// Why a function could not be loaded.
public struct FunctionLoadError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let module: String
    public let reason: String
    public var description: String { "function \"\(function)\" (\(module)): \(reason)" }
}

/// A warm instance with its event buffer (allocated once in guest memory with `ledge_alloc`).
final class WarmInstance {
    let instance: Instance
    let context: InvocationContext
    let onEvent: ExportedFunction
    let buffer: UInt32
    let bufferSize: UInt32

    init(instance: Instance, context: InvocationContext, onEvent: ExportedFunction, buffer: UInt32, bufferSize: UInt32) {
        self.instance = instance
        self.context = context
        self.onEvent = onEvent
        self.buffer = buffer
        self.bufferSize = bufferSize
    }
}

public final class FunctionRuntime: @unchecked Sendable {
    public let config: FunctionConfig
    let module: Module
    let models: [String: LoadedModel]
    let sink: PublishSink
    let kv: KeyValueStore?
    let logSink: FunctionLogSink
    private let lock = ConditionLock()
    private var pool: [WarmInstance] = []
    private var stats = FunctionStats()
    /// Largest topic accepted with an event.
    static let maxTopicBytes = 1024

    /// Loads (or takes from `cache`) the module and checks its exports and imports. No instance is made yet.
    public init(config: FunctionConfig, models: [String: LoadedModel], sink: PublishSink, kv: KeyValueStore?,
                logSink: FunctionLogSink = NodeLogSink(), cache: ModuleCache) throws(FunctionLoadError) {
        self.config = config
        self.models = models.filter { config.models.contains($0.key) }
        self.sink = sink
        self.kv = kv
        self.logSink = logSink
        do {
            module = try cache.module(path: config.module)
        } catch {
            throw FunctionLoadError(function: config.name, module: config.module, reason: "\(error)")
        }
        for required in ["ledge_on_event", "ledge_alloc", "memory"] where !module.exports.contains(where: { $0.name == required }) {
            throw FunctionLoadError(function: config.name, module: config.module, reason: "the module does not export \(required) (function ABI v1)")
        }
        for imp in module.imports where imp.module != "ledge" && imp.module != "wasi_snapshot_preview1" {
            throw FunctionLoadError(function: config.name, module: config.module,
                                    reason: "the module imports \(imp.module).\(imp.name), which the host does not provide")
        }
        if let bad = module.imports.first(where: { $0.module == "ledge" && !HostAPI.names.contains($0.name) }) {
            throw FunctionLoadError(function: config.name, module: config.module,
                                    reason: "the module imports ledge.\(bad.name), which ABI v1 does not have")
        }
    }

    /// A snapshot of the counters.
    public var statistics: FunctionStats { lock.withLock { stats } }

    /// Counts an event refused before running.
    func countDropped(oversize: Bool) {
        lock.withLock { if oversize { stats.oversize += 1 } else { stats.dropped += 1 } }
    }

    /// Makes a new instance: instantiate, `ledge_init`, allocate the event buffer. This is a cold start.
    func makeInstance() throws -> WarmInstance {
        let ctx = InvocationContext(function: config, models: models, sink: sink, kv: kv, logSink: logSink)
        var imports = Imports()
        HostAPI.define(into: &imports, context: ctx)
        if module.imports.contains(where: { $0.module == "wasi_snapshot_preview1" }) {
            WASIForFunctions.define(into: &imports, context: ctx)
        }
        let limits = config.limits
        var wl = Limits()
        wl.maxMemoryPages = limits.memoryPages
        wl.maxCallDepth = limits.callDepth
        wl.fuel = limits.fuel
        wl.deadlineNanos = Clock.monotonicNanos() &+ UInt64(limits.timeoutMs) &* 1_000_000
        let instance = try Instance(module: module, imports: imports, limits: wl)
        // C modules linked as WASI reactors run their constructors in _initialize.
        if let reactorInit = instance.function(named: "_initialize") {
            _ = try instance.invoke(reactorInit, [])
        }
        if let initFn = instance.function(named: "ledge_init") {
            let rc = try instance.invokeI32(initFn)
            guard rc == 0 else {
                throw FunctionLoadError(function: config.name, module: config.module, reason: "ledge_init returned \(Int32(bitPattern: rc))")
            }
        }
        guard let onEvent = instance.function(named: "ledge_on_event"), let alloc = instance.function(named: "ledge_alloc") else {
            throw FunctionLoadError(function: config.name, module: config.module, reason: "missing ledge_on_event or ledge_alloc")
        }
        let size = UInt32(limits.maxEventBytes + Self.maxTopicBytes)
        wl.deadlineNanos = Clock.monotonicNanos() &+ UInt64(limits.timeoutMs) &* 1_000_000
        wl.fuel = limits.fuel
        instance.limits = wl
        let buffer = try instance.invokeI32(alloc, size)
        guard buffer != 0 else {
            throw FunctionLoadError(function: config.name, module: config.module, reason: "ledge_alloc(\(size)) returned null")
        }
        return WarmInstance(instance: instance, context: ctx, onEvent: onEvent, buffer: buffer, bufferSize: size)
    }

    /// Makes sure at least one warm instance exists (the node pre-warms at start). Errors are returned, not thrown.
    public func prewarm() -> String? {
        let start = Clock.monotonicNanos()
        do {
            let w = try makeInstance()
            let ns = Clock.monotonicNanos() &- start
            lock.withLock {
                recordColdStart(ns)
                pool.append(w)
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func recordColdStart(_ ns: UInt64) {
        stats.coldStarts += 1
        stats.coldStartNanosTotal &+= ns
        stats.coldStartNanosMax = max(stats.coldStartNanosMax, ns)
    }

    /// Runs one event through the function under its limits. Thread-safe; up to `concurrency` run at once
    /// (the caller's worker count bounds it).
    public func invoke(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> InvocationResult {
        let limits = config.limits
        guard payload.count <= limits.maxEventBytes else {
            countDropped(oversize: true)
            return InvocationResult(outcome: .refused("event of \(payload.count) bytes exceeds max_event_bytes \(limits.maxEventBytes)"))
        }
        guard topic.count <= Self.maxTopicBytes else {
            countDropped(oversize: true)
            return InvocationResult(outcome: .refused("topic longer than \(Self.maxTopicBytes) bytes"))
        }
        var result = InvocationResult(outcome: .returned(0))
        let start = Clock.monotonicNanos()
        var warm = lock.withLock { pool.popLast() }
        if warm == nil {
            do {
                warm = try makeInstance()
            } catch {
                let reason = "instantiation failed: \(error)"
                lock.withLock { stats.traps += 1; stats.trapsByReason[reason, default: 0] += 1 }
                return InvocationResult(outcome: .trapped(reason))
            }
            result.coldStart = true
            let ns = Clock.monotonicNanos() &- start
            lock.withLock { recordColdStart(ns) }
        }
        let w = warm!
        let runStart = Clock.monotonicNanos()
        w.context.beginInvocation()
        var keep = true
        do {
            // Copy topic and payload into the instance's event buffer.
            guard let mem = w.instance.memory else { throw Trap(reason: .host("the module has no memory")) }
            let dst = try mem.mutableBytes(at: w.buffer, count: UInt32(topic.count + payload.count))
            if topic.count > 0 { UnsafeMutableRawBufferPointer(rebasing: dst[0..<topic.count]).copyMemory(from: topic) }
            if payload.count > 0 { UnsafeMutableRawBufferPointer(rebasing: dst[topic.count...]).copyMemory(from: payload) }
            var wl = w.instance.limits
            wl.fuel = limits.fuel
            wl.deadlineNanos = runStart &+ UInt64(limits.timeoutMs) &* 1_000_000
            w.instance.limits = wl
            let rc = try w.instance.invokeI32(w.onEvent, w.buffer, UInt32(topic.count),
                                              w.buffer &+ UInt32(topic.count), UInt32(payload.count))
            result.outcome = .returned(Int32(bitPattern: rc))
        } catch let trap as Trap {
            result.outcome = .trapped(Self.describe(trap))
            keep = false
        } catch {
            result.outcome = .trapped("\(error)")
            keep = false
        }
        let end = Clock.monotonicNanos()
        result.nanos = end &- runStart
        result.fuelUsed = w.instance.fuelConsumed
        result.peakMemoryPages = w.instance.peakMemoryPages
        result.publishes = w.context.publishes
        lock.withLock {
            stats.invocations += 1
            stats.invocationNanosTotal &+= result.nanos
            stats.fuelTotal &+= result.fuelUsed
            stats.publishes += result.publishes
            stats.peakMemoryPages = max(stats.peakMemoryPages, result.peakMemoryPages)
            switch result.outcome {
            case .returned(let c): if c != 0 { stats.errors += 1 }
            case .trapped(let reason):
                stats.traps += 1
                stats.trapsByReason[Self.reasonKey(reason), default: 0] += 1
            case .refused: break
            }
            // A trapped instance may be in any state: discard it; the next event gets a fresh one.
            if keep && pool.count < config.limits.concurrency { pool.append(w) }
        }
        return result
    }

    /// The trap reason as users read it, naming the limit for limit traps.
    static func describe(_ trap: Trap) -> String {
        switch trap.reason {
        case .outOfFuel: return "out of fuel (fuel limit)"
        case .deadlineExceeded: return "deadline exceeded (timeout_ms)"
        case .memoryLimitExceeded: return "memory limit (memory_pages)"
        case .callStackExhausted: return "call stack exhausted (call_depth)"
        case .host(let s): return s
        default: return trap.description
        }
    }

    /// A short key for counting traps by kind (the text before a colon).
    static func reasonKey(_ reason: String) -> String {
        if let colon = reason.firstIndex(of: ":") { return String(reason[..<colon]) }
        return reason
    }
}
