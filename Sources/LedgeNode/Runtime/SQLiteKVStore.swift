// A function's key-value namespace in the node's SQLite database, with its byte quota. The node opens one
// connection for all functions' KV (the outbox thread owns its own); every call holds that connection's lock.
import LedgeStore

public final class SQLiteKVStore: KeyValueStore, @unchecked Sendable {
    let store: KVStore

    public init(database: Database, namespace: String, quotaBytes: Int) {
        store = KVStore(database: database, namespace: namespace, quotaBytes: quotaBytes)
    }

    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try store.database.withLock { () throws(StoreError) in try store.get(key) }
    }

    public func set(_ key: [UInt8], _ value: [UInt8]) throws {
        let failure: StoreError? = store.database.withLock { () -> StoreError? in
            do { try store.set(key, value); return nil } catch { return error as? StoreError }
        }
        if let failure {
            if failure.code == .quotaExceeded { throw KVQuotaExceeded() }
            throw failure
        }
    }

    public func delete(_ key: [UInt8]) throws -> Bool {
        try store.database.withLock { () throws(StoreError) in try store.delete(key) }
    }

    /// Bytes used (keys + values).
    public func usage() throws -> Int {
        try store.database.withLock { () throws(StoreError) in try store.usage() }
    }
}
