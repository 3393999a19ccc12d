// The outcome of one invocation: the function's return code or the trap that ended it, with resource use.

public struct InvocationResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// `ledge_on_event` returned this code (0 = ok).
        case returned(Int32)
        /// The invocation trapped; the reason names the limit or fault.
        case trapped(String)
        /// The event was refused before running (too large, or the function is not loaded).
        case refused(String)
    }
    public var outcome: Outcome
    public var fuelUsed: UInt64 = 0
    public var nanos: UInt64 = 0
    public var peakMemoryPages: UInt32 = 0
    public var publishes = 0
    public var coldStart = false

    public var succeeded: Bool { outcome == .returned(0) }
}
