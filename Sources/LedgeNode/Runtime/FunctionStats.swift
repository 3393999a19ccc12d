// Counters and timings of one function: invocations, errors, traps by reason, cold starts, pool reuse, queue drops.

/// A snapshot-able set of counters; guarded by the owning runtime's lock.
public struct FunctionStats: Sendable {
    public var invocations = 0
    /// Invocations that returned a non-zero code.
    public var errors = 0
    public var traps = 0
    public var trapsByReason: [String: Int] = [:]
    public var coldStarts = 0
    public var coldStartNanosTotal: UInt64 = 0
    public var coldStartNanosMax: UInt64 = 0
    public var coldStartNanosLast: UInt64 = 0
    /// Instances that could not be made (a limit, a trap or a failing ledge_init while starting).
    public var coldStartFailures = 0
    /// Invocations that ran on a reused (warm) instance.
    public var warmInvocations = 0
    /// Instances thrown away after a trap, and fresh ones made to replace them.
    public var discarded = 0
    public var replacements = 0
    public var invocationNanosMax: UInt64 = 0
    /// Log lines dropped by log_lines_per_s.
    public var logLinesSuppressed = 0
    public var invocationNanosTotal: UInt64 = 0
    public var fuelTotal: UInt64 = 0
    /// Events refused because the queue was full.
    public var dropped = 0
    /// Events refused because they were larger than max_event_bytes.
    public var oversize = 0
    public var publishes = 0
    public var peakMemoryPages: UInt32 = 0

    public init() {}

    public var meanColdStartMicros: Double { coldStarts == 0 ? 0 : Double(coldStartNanosTotal) / Double(coldStarts) / 1000 }
    public var meanInvocationMicros: Double { invocations == 0 ? 0 : Double(invocationNanosTotal) / Double(invocations) / 1000 }
}
