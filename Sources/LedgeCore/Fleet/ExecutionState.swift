// Per-node execution states of a rollout and the legal moves between them.

/// Where one node is with one rollout's artifact. Terminal states end the execution.
public enum ExecutionState: String, Codable, Sendable, CaseIterable {
    case queued
    case downloading
    case verifying
    case activating
    case succeeded
    case failed
    case rolledBack = "rolled_back"
    case timedOut = "timed_out"
    case canceled

    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .rolledBack, .timedOut, .canceled: return true
        default: return false
        }
    }

    public var isInProgress: Bool { self == .downloading || self == .verifying || self == .activating }

    /// True when moving from `self` to `next` is allowed. Progress moves forward; any live state may fail,
    /// time out or be canceled; a success may still be rolled back (probation, or an operator rollback);
    /// a timed-out execution may still complete late (the node reported after the deadline).
    public func canMove(to next: ExecutionState) -> Bool {
        if self == next { return false }
        switch (self, next) {
        case (.queued, .downloading), (.queued, .verifying), (.queued, .activating), (.queued, .succeeded):
            return true
        case (.downloading, .verifying), (.downloading, .activating), (.downloading, .succeeded):
            return true
        case (.verifying, .activating), (.verifying, .succeeded):
            return true
        case (.activating, .succeeded):
            return true
        case (.succeeded, .rolledBack), (.succeeded, .failed):
            return true
        case (.timedOut, .succeeded), (.timedOut, .failed), (.timedOut, .rolledBack):
            return true
        case (_, .failed), (_, .rolledBack), (_, .timedOut), (_, .canceled):
            return !isTerminal
        default:
            return false
        }
    }
}
