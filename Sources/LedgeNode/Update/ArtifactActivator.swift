// What the node runtime implements so the update agent can hot-swap models and functions, and report health.
import LedgeCore

/// Hot-swaps artifacts inside the running node. The lead's runtime implements it; the agent calls it from its
/// own thread, one call at a time. A throw means the version is not running (the agent restores the previous).
public protocol ArtifactActivator: AnyObject, Sendable {
    /// Makes model `name` at `path` the one `infer` uses. Should load and check it before swapping.
    func activate(model name: String, path: String, version: String) throws
    /// Makes function `name` at `path` the one events run. Should instantiate it and pass `ledge_init` first.
    func activate(function name: String, path: String, version: String) throws
    /// Stops using artifact `name` (it left the desired state).
    func deactivate(kind: ArtifactKind, name: String) throws
    /// Runtime signals since `sinceMs` (ms since 1970) for the gates and the probation check.
    func health(sinceMs: Int64) -> NodeHealth
}

/// Checks a freshly written artifact before it is activated (a model's golden pair, a function's init).
public protocol ArtifactSmokeTester: Sendable {
    func test(kind: ArtifactKind, path: String, manifest: ArtifactManifest) throws
}

/// An error of the update path, reported to the coordinator with its code.
public struct UpdateError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case refused = "refused"             // unsigned, unknown key, bad signature, manifest mismatch
        case download = "download_failed"
        case hashMismatch = "hash_mismatch"
        case install = "install_failed"
        case smokeTest = "smoke_test_failed"
        case activation = "activation_failed"
        case rolledBack = "rolled_back"
        case badDesired = "bad_desired"
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
