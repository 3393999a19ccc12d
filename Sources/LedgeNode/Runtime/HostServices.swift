// What the host API reaches outside the instance: where publishes go and where key-value pairs live.

/// Receives what functions publish. The node's implementation appends to the durable outbox.
public protocol PublishSink: AnyObject, Sendable {
    /// Takes a message; returns false when it cannot be accepted now (outbox full under the refuse policy).
    func publish(function: String, topic: String, payload: UnsafeRawBufferPointer, qos: Int32) -> Bool
}

/// A function's key-value namespace.
public protocol KeyValueStore: AnyObject, Sendable {
    func get(_ key: [UInt8]) throws -> [UInt8]?
    /// Throws `KVQuotaExceeded` when the namespace would exceed its quota.
    func set(_ key: [UInt8], _ value: [UInt8]) throws
    func delete(_ key: [UInt8]) throws -> Bool
}

/// Thrown by a KeyValueStore whose quota a write would exceed.
public struct KVQuotaExceeded: Error {}

/// Receives a function's log lines (and WASI stdout/stderr).
public protocol FunctionLogSink: AnyObject, Sendable {
    func log(function: String, level: Int32, message: String)
}

/// The default sink: the node's log.
public final class NodeLogSink: FunctionLogSink {
    public init() {}
    public func log(function: String, level: Int32, message: String) {
        let l: LogLevel = level <= 0 ? .debug : level == 1 ? .info : level == 2 ? .warn : .error
        Log.write(l, "fn/\(function)", message)
    }
}
