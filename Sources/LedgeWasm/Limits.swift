// Sandbox limits applied to an instance: fuel, wall-clock deadline, memory pages, call depth, table size.

public struct Limits: Sendable {
    /// Fuel for one invocation (about one unit per instruction); nil = unlimited.
    public var fuel: UInt64?
    /// Absolute CLOCK_MONOTONIC time in nanoseconds after which execution traps; nil = none.
    public var deadlineNanos: UInt64?
    /// memory.grow beyond this returns -1; a module whose minimum exceeds it fails to instantiate.
    public var maxMemoryPages: UInt32
    /// Nested calls beyond this trap with `callStackExhausted`.
    public var maxCallDepth: Int
    /// table.grow beyond this returns -1; a module defining a table whose minimum exceeds it fails to instantiate.
    public var maxTableElements: UInt32 = 10_000_000

    public init(fuel: UInt64? = nil, deadlineNanos: UInt64? = nil, maxMemoryPages: UInt32 = 65536, maxCallDepth: Int = 4096) {
        self.fuel = fuel
        self.deadlineNanos = deadlineNanos
        self.maxMemoryPages = maxMemoryPages
        self.maxCallDepth = maxCallDepth
    }
}
