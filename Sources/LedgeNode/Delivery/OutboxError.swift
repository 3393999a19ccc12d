// OutboxError: why an append, flush or open of the outbox failed.
import LedgeStore

/// An outbox error with a code, a message naming the topic or setting, and the store error if any.
public struct OutboxError: Error, CustomStringConvertible, Sendable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// The outbox is at `maxRows`/`maxBytes` and the policy is `refuse`.
        public static let full = Code(rawValue: "full")
        /// A payload larger than `maxPayloadBytes`, or a message bigger than `maxBytes`.
        public static let tooLarge = Code(rawValue: "too_large")
        public static let invalidTopic = Code(rawValue: "invalid_topic")
        public static let invalidQoS = Code(rawValue: "invalid_qos")
        public static let invalidConfig = Code(rawValue: "invalid_config")
        /// `close()` was called.
        public static let closed = Code(rawValue: "closed")
        /// SQLite failed; see `store`.
        public static let store = Code(rawValue: "store")
    }
    public let code: Code
    public let message: String
    public let store: StoreError?

    public init(code: Code, message: String, store: StoreError? = nil) {
        self.code = code
        self.message = message
        self.store = store
    }

    public var description: String {
        "outbox error [\(code)]: \(message)" + (store.map { " (\($0))" } ?? "")
    }
}
