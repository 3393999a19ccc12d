// Typed errors for artifacts: hashing, keys, signatures, manifests, versions.

/// An artifact problem: a code, what was being checked, and why it failed.
public struct ArtifactError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case badHex = "bad_hex"
        case badKey = "bad_key"
        case badKeyFile = "bad_key_file"
        case badSignature = "bad_signature"
        case unknownKey = "unknown_key"
        case hashMismatch = "hash_mismatch"
        case sizeMismatch = "size_mismatch"
        case badManifest = "bad_manifest"
        case badVersion = "bad_version"
        case io = "io"
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
