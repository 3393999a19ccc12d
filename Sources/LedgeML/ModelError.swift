// The one error type of LedgeML: what went wrong, and where in the model file (byte offset) when known.

/// A model could not be read, planned or run. `offset` is the byte offset in the model file when the
/// problem is tied to a place in it (a bad vtable, an out-of-bounds vector), else nil.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let offset: Int?
    public let message: String

    public init(offset: Int? = nil, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "model error at byte \(offset): \(message)" }
        return "model error: \(message)"
    }
}
