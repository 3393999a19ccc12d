// The error every config reader throws: which file, which key, what was expected and what was found.

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case unreadable, syntax, missingKey, wrongType, invalidValue, unknownKey
    }
    public let code: Code
    public let file: String
    /// Dotted path of the key, e.g. `functions[0].limits.fuel`; empty for the whole document.
    public let key: String
    public let message: String

    public init(_ code: Code, file: String, key: String, _ message: String) {
        self.code = code
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
