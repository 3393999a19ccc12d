// The agent's inbox: the latest desired state, arriving chunks, and a stop flag, behind one condition.
import Foundation

final class UpdateMailbox: @unchecked Sendable {
    private let cond = NSCondition()
    private var desired: [UInt8]?
    private var chunks: [[UInt8]] = []
    private var stopped = false
    private var wakeups = 0

    func putDesired(_ bytes: [UInt8]) {
        cond.lock(); desired = bytes; cond.broadcast(); cond.unlock()
    }

    func putChunk(_ bytes: [UInt8]) {
        cond.lock()
        if chunks.count < 4096 { chunks.append(bytes) }   // bounded: extra chunks are asked for again later
        cond.broadcast()
        cond.unlock()
    }

    func wake() { cond.lock(); wakeups += 1; cond.broadcast(); cond.unlock() }

    func stop() { cond.lock(); stopped = true; cond.broadcast(); cond.unlock() }

    var isStopped: Bool { cond.lock(); defer { cond.unlock() }; return stopped }

    /// Takes the pending desired state, waiting up to `timeout` seconds for one. Nil on timeout or stop.
    func takeDesired(timeout: Double) -> [UInt8]? {
        cond.lock(); defer { cond.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while desired == nil && !stopped && wakeups == 0 {
            if !cond.wait(until: deadline) { break }
        }
        wakeups = 0
        let d = desired
        desired = nil
        return stopped ? nil : d
    }

    /// Takes every queued chunk, waiting up to `timeout` seconds for at least one.
    func takeChunks(timeout: Double) -> [[UInt8]] {
        cond.lock(); defer { cond.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while chunks.isEmpty && !stopped {
            if !cond.wait(until: deadline) { break }
        }
        let c = chunks
        chunks.removeAll(keepingCapacity: true)
        return c
    }

    func dropChunks() { cond.lock(); chunks.removeAll(); cond.unlock() }
}
