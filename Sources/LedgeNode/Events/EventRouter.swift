// Routes incoming MQTT messages to the functions whose trigger filters match, through bounded queues,
// and runs each function's workers (one thread per unit of concurrency).
import LedgeCore

/// An incoming event, as taken off the broker.
public struct IncomingEvent: Sendable {
    public let topic: String
    public let payload: [UInt8]
    /// When the node received it (CLOCK_MONOTONIC ns).
    public let receivedNanos: UInt64
    /// Its number in the inbound journal (0: not journalled, not tracked).
    public var seq: UInt64 = 0
}

/// One function's queue and workers.
final class FunctionLane: @unchecked Sendable {
    private var currentRuntime: FunctionRuntime
    private let runtimeLock = ConditionLock()
    let queue: BoundedQueue<IncomingEvent>
    /// The trigger filters (from the config; a hot swap keeps them).
    let triggers: [String]
    var workers: [WorkerThread] = []
    private var lastDropLog: UInt64 = 0
    private var dropsSinceLog = 0
    private var lastTrapLog: UInt64 = 0
    private var trapsSinceLog = 0
    private let logLock = ConditionLock()
    /// Told when an event this lane accepted has run (crash safety of the inbound journal).
    let progress: InboundProgress?

    init(runtime: FunctionRuntime, progress: InboundProgress?) {
        self.currentRuntime = runtime
        self.triggers = runtime.config.triggers
        self.progress = progress
        self.queue = BoundedQueue(capacity: runtime.config.limits.queueLength)
    }

    /// The runtime events run on now. Workers read it once per event, so a swap lands between two events:
    /// queued events stay queued, in order, and run on the new version.
    var runtime: FunctionRuntime { runtimeLock.withLock { currentRuntime } }

    /// Hot swap (update agent): the next event a worker takes runs on `new`. Returns the runtime it replaced.
    @discardableResult
    func swap(to new: FunctionRuntime) -> FunctionRuntime {
        runtimeLock.withLock {
            let old = currentRuntime
            currentRuntime = new
            return old
        }
    }

    func start() {
        for i in 0..<runtime.config.limits.concurrency {
            let q = queue
            workers.append(WorkerThread(name: "fn-\(i)-\(runtime.config.name)") { [self] in
                while let e = q.pop() {
                    handle(e)
                    if e.seq != 0 { progress?.finish(e.seq) }
                    q.done()
                }
            })
        }
    }

    func offer(_ e: IncomingEvent) {
        if e.seq != 0 { progress?.retain(e.seq) }
        if !queue.push(e) {
            if e.seq != 0 { progress?.finish(e.seq) }
            runtime.countDropped(oversize: false)
            logRateLimited(drops: true, "queue full (\(queue.capacity)): event on \(e.topic) dropped")
        }
    }

    private func handle(_ e: IncomingEvent) {
        let runtime = self.runtime
        let result = e.topic.utf8.withContiguousStorageIfAvailable { t in
            e.payload.withUnsafeBytes { p in runtime.invoke(topic: UnsafeRawBufferPointer(t), payload: p) }
        } ?? Array(e.topic.utf8).withUnsafeBytes { t in e.payload.withUnsafeBytes { p in runtime.invoke(topic: t, payload: p) } }
        switch result.outcome {
        case .returned(0): break
        case .returned(let code):
            logRateLimited(drops: false, "event on \(e.topic) returned \(code)")
        case .trapped(let reason):
            logRateLimited(drops: false, "trapped on \(e.topic): \(reason) (instance replaced)")
        case .refused(let reason):
            logRateLimited(drops: false, "refused event on \(e.topic): \(reason)")
        }
    }

    /// Logs at most one line per second per kind, counting the rest.
    private func logRateLimited(drops: Bool, _ message: String) {
        let now = Clock.monotonicNanos()
        let line: String? = logLock.withLock {
            if drops {
                dropsSinceLog += 1
                guard now &- lastDropLog >= 1_000_000_000 else { return nil }
                defer { lastDropLog = now; dropsSinceLog = 0 }
                return dropsSinceLog > 1 ? "\(message) (+\(dropsSinceLog - 1) more)" : message
            } else {
                trapsSinceLog += 1
                guard now &- lastTrapLog >= 1_000_000_000 else { return nil }
                defer { lastTrapLog = now; trapsSinceLog = 0 }
                return trapsSinceLog > 1 ? "\(message) (+\(trapsSinceLog - 1) more since the last report)" : message
            }
        }
        if let line { Log.warn("fn/\(runtime.config.name)", line) }
    }

    func stop(deadlineNanos: UInt64) -> Bool {
        let idle = queue.waitIdle(untilNanos: deadlineNanos)
        queue.close()
        for w in workers { w.join() }
        return idle
    }
}

public final class EventRouter: @unchecked Sendable {
    let lanes: [FunctionLane]

    init(runtimes: [FunctionRuntime], progress: InboundProgress? = nil) {
        lanes = runtimes.map { FunctionLane(runtime: $0, progress: progress) }
    }

    /// Every trigger filter, deduplicated, for subscribing.
    var filters: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for l in lanes { for f in l.triggers where seen.insert(f).inserted { out.append(f) } }
        return out
    }

    func start() { for l in lanes { l.start() } }

    /// The lane of function `name`, if the node runs it.
    func lane(named name: String) -> FunctionLane? { lanes.first { $0.runtime.config.name == name } }

    /// The runtime of every function now (after hot swaps).
    var currentRuntimes: [FunctionRuntime] { lanes.map(\.runtime) }
    /// True when some function's trigger matches `topic` (only such events are journalled).
    /// Hands an event to every function whose triggers match its topic (each filter is matched once).
    /// `admit` runs once, just before the first matching lane gets the event, and only when one matches: it may
    /// stamp the event (the journal's sequence number) or refuse it (a duplicate). Returns true when the event
    /// was handed to at least one lane. Called on the MQTT thread.
    @discardableResult
    func route(_ e: IncomingEvent, admit: (inout IncomingEvent) -> Bool = { _ in true }) -> Bool {
        var event = e
        var admitted = false
        for l in lanes where l.triggers.contains(where: { TopicFilter.matches(filter: $0, topic: e.topic) }) {
            if !admitted {
                guard admit(&event) else { return false }
                admitted = true
            }
            l.offer(event)
        }
        return admitted
    }

    /// Waits until every queued event has run (or the deadline), then stops the workers.
    func drainAndStop(deadlineNanos: UInt64) -> Bool {
        var all = true
        for l in lanes where !l.stop(deadlineNanos: deadlineNanos) { all = false }
        return all
    }
}
