// Backoff: exponential reconnect delays with jitter ("equal jitter": half fixed, half random).

/// Reconnect delay policy: attempt n waits between d/2 and d, where d = min(max, min * 2^n).
public struct Backoff: Sendable, Equatable {
    public var minMs: Int
    public var maxMs: Int
    public init(minMs: Int, maxMs: Int) {
        self.minMs = max(1, minMs)
        self.maxMs = max(self.minMs, maxMs)
    }

    /// The ceiling for attempt `n` (0-based), before jitter.
    public func ceiling(attempt n: Int) -> Int {
        let shift = min(n, 30)
        let d = minMs.multipliedReportingOverflow(by: 1 << shift)
        return d.overflow ? maxMs : min(maxMs, d.partialValue)
    }

    /// A jittered delay for attempt `n`.
    public func delayMs<R: RandomNumberGenerator>(attempt n: Int, using rng: inout R) -> Int {
        let d = ceiling(attempt: n)
        let half = d / 2
        return half + Int.random(in: 0...(d - half), using: &rng)
    }

    public func delayMs(attempt n: Int) -> Int {
        var rng = SystemRandomNumberGenerator()
        return delayMs(attempt: n, using: &rng)
    }
}
