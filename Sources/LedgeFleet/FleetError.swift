// Typed errors of the coordinator: plans, store, rollouts, transport.

/// A coordinator problem: a code, where it happened, and why.
public struct FleetError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case badPlan = "bad_plan"
        case unknownArtifact = "unknown_artifact"
        case unknownRollout = "unknown_rollout"
        case noNodes = "no_nodes"
        case badState = "bad_state"
        case store = "store"
        case transport = "transport"
        case badConfig = "bad_config"
        case badArtifact = "bad_artifact"
    }
    public let code: Code
    public let context: String
    public let message: String

    public init(_ code: Code, _ context: String, _ message: String) {
        self.code = code
        self.context = context
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(context): \(message)" }
}
