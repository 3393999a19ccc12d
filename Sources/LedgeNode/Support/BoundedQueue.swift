// A bounded multi-producer queue of events for one function: back-pressure by refusal, counted by the caller.

/// A FIFO with a fixed capacity. `push` never blocks: it returns false when full.
public final class BoundedQueue<Element>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var ring: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var busy = 0

    public init(capacity: Int) { ring = Array(repeating: nil, count: max(1, capacity)) }

    public var capacity: Int { ring.count }

    /// Adds `e`; false when the queue is full or closed.
    public func push(_ e: Element) -> Bool {
        lock.withLock {
            guard !closed, count < ring.count else { return false }
            ring[(head + count) % ring.count] = e
            count += 1
            lock.signal()
            return true
        }
    }

    /// Takes the oldest element, waiting while empty; nil once closed and empty.
    /// The caller must call `done()` after handling it (so `waitIdle` knows when work has finished).
    public func pop() -> Element? {
        lock.withLock {
            while count == 0 && !closed { lock.wait() }
            guard count > 0 else { return nil }
            let e = ring[head]
            ring[head] = nil
            head = (head + 1) % ring.count
            count -= 1
            busy += 1
            return e
        }
    }

    /// Marks one popped element as handled.
    public func done() {
        lock.withLock {
            busy -= 1
            lock.broadcast()
        }
    }

    /// Elements waiting.
    public var depth: Int { lock.withLock { count } }

    /// Stops accepting; workers drain what is queued, then `pop` returns nil.
    public func close() {
        lock.withLock {
            closed = true
            lock.broadcast()
        }
    }

    /// Waits until the queue is empty and nothing popped is still being handled, or the deadline passes.
    @discardableResult
    public func waitIdle(untilNanos deadline: UInt64) -> Bool {
        lock.withLock {
            while count > 0 || busy > 0 {
                if !lock.wait(untilNanos: deadline) && Clock.monotonicNanos() >= deadline { return false }
            }
            return true
        }
    }
}
