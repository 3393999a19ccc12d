// Host services for running a function outside a node (`ledge fn invoke`, smoke tests): publishes are
// collected in memory, key-value pairs live in memory with the same quota rule, logs are collected.

/// Collects what a function publishes.
public final class CollectingSink: PublishSink, @unchecked Sendable {
    public struct Message: Sendable { public let topic: String; public let payload: [UInt8]; public let qos: Int32 }
    private let lock = ConditionLock()
    private var items: [Message] = []
    public init() {}
    public func publish(function: String, topic: String, payload: UnsafeRawBufferPointer, qos: Int32) -> Bool {
        lock.withLock { items.append(Message(topic: topic, payload: Array(payload), qos: qos)) }
        return true
    }
    public var messages: [Message] { lock.withLock { items } }
}

/// An in-memory key-value namespace with a byte quota (keys + values).
public final class MemoryKVStore: KeyValueStore, @unchecked Sendable {
    private let lock = ConditionLock()
    private var map: [[UInt8]: [UInt8]] = [:]
    private let quota: Int
    public init(quotaBytes: Int) { quota = quotaBytes }
    public func get(_ key: [UInt8]) throws -> [UInt8]? { lock.withLock { map[key] } }
    public func set(_ key: [UInt8], _ value: [UInt8]) throws {
        try lock.withLock {
            let used = map.reduce(0) { $0 + $1.key.count + $1.value.count } - (map[key].map { $0.count + key.count } ?? 0)
            if used + key.count + value.count > quota { throw KVQuotaExceeded() }
            map[key] = value
        }
    }
    public func delete(_ key: [UInt8]) throws -> Bool { lock.withLock { map.removeValue(forKey: key) != nil } }
}

/// Collects log lines.
public final class CollectingLogSink: FunctionLogSink, @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [(Int32, String)] = []
    public init() {}
    public func log(function: String, level: Int32, message: String) { lock.withLock { items.append((level, message)) } }
    public var lines: [(level: Int32, message: String)] { lock.withLock { items.map { (level: $0.0, message: $0.1) } } }
}

/// Drops what a function publishes and logs, counting it (benchmarks: nothing accumulates).
public final class DiscardingSink: PublishSink, FunctionLogSink, @unchecked Sendable {
    private let lock = ConditionLock()
    private var published = 0
    private var logged = 0
    public init() {}
    public func publish(function: String, topic: String, payload: UnsafeRawBufferPointer, qos: Int32) -> Bool {
        lock.withLock { published += 1 }
        return true
    }
    public func log(function: String, level: Int32, message: String) { lock.withLock { logged += 1 } }
    public var counts: (published: Int, logged: Int) { lock.withLock { (published, logged) } }
}
