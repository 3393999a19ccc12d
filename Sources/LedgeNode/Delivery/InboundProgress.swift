// InboundProgress: which journalled events have finished in every function they were routed to, as one
// number: the progress mark `doneThrough` (every event with seq <= it is finished). The outbox stores
// the mark in the same transaction as the publishes those events produced.

/// Tracks events in flight by sequence number (begun in increasing order, finished in any order).
/// `begin` holds the event once; each lane that accepts it adds a hold (`retain`) and drops it when the
/// function returned (`finish`). Thread-safe; no allocation once the ring has grown to the queue depth.
public final class InboundProgress: @unchecked Sendable {
    private let lock = ConditionLock()
    private var seqs: [UInt64] = []
    private var holds: [Int32] = []
    private var head = 0
    private var highest: UInt64
    private var done: UInt64

    /// Starts with every event up to `doneThrough` finished.
    public init(doneThrough: UInt64) {
        highest = doneThrough
        done = doneThrough
        seqs.reserveCapacity(1024)
        holds.reserveCapacity(1024)
    }

    /// Registers event `seq` (greater than every earlier one) with one hold, released by `finish`.
    public func begin(_ seq: UInt64) {
        lock.withLock {
            if head > 0 && head * 2 >= seqs.count {
                seqs.removeFirst(head)
                holds.removeFirst(head)
                head = 0
            }
            seqs.append(seq)
            holds.append(1)
            highest = max(highest, seq)
        }
    }

    /// Adds a hold on `seq` (a lane accepted it).
    public func retain(_ seq: UInt64) {
        lock.withLock { if let i = index(seq) { holds[i] += 1 } }
    }

    /// Drops a hold on `seq`; the mark moves past every leading event without holds.
    public func finish(_ seq: UInt64) {
        lock.withLock {
            guard let i = index(seq) else { return }
            holds[i] -= 1
            while head < seqs.count && holds[head] <= 0 {
                done = seqs[head]
                head += 1
            }
            if head == seqs.count { done = highest }
        }
    }

    /// Every event with seq <= this has finished.
    public var doneThrough: UInt64 { lock.withLock { done } }

    /// Events begun and not finished.
    public var inFlight: Int { lock.withLock { seqs.count - head } }

    private func index(_ seq: UInt64) -> Int? {
        var lo = head, hi = seqs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if seqs[mid] < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo < seqs.count && seqs[lo] == seq ? lo : nil
    }
}
