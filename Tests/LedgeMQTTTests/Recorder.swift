// Recorder: a thread-safe list that tests fill from client callbacks and wait on with a timeout.
import Foundation

/// Collects values from any thread; `wait` blocks until a condition holds or the timeout passes.
final class Recorder<T: Sendable>: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [T] = []

    func add(_ item: T) {
        cond.lock()
        items.append(item)
        cond.broadcast()
        cond.unlock()
    }

    var all: [T] {
        cond.lock()
        defer { cond.unlock() }
        return items
    }

    /// Waits until `count` items arrived (or `timeout` seconds pass); returns what is there.
    @discardableResult
    func wait(count: Int, timeout: Double = 10) -> [T] {
        wait(timeout: timeout) { $0.count >= count }
    }

    /// Waits until `done(items)` holds or the timeout passes; returns the items.
    @discardableResult
    func wait(timeout: Double = 10, until done: ([T]) -> Bool) -> [T] {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        defer { cond.unlock() }
        while !done(items) && Date() < deadline {
            _ = cond.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
        return items
    }
}
