// KVStore: a function's key-value namespace in the node database, with a byte quota.

/// One namespace of the `kv` table (one per function). Usage is `key bytes + value bytes` summed
/// over the namespace, kept in `kv_usage` and checked in the same transaction as each write.
/// Uses the database's owner rules (see `Database`); run `NodeSchema.migrations` first.
public struct KVStore: Sendable {
    public let database: Database
    public let namespace: String
    public let quotaBytes: Int
    /// Longest key accepted.
    public static let maxKeyBytes = 1024

    public init(database: Database, namespace: String, quotaBytes: Int) {
        self.database = database
        self.namespace = namespace
        self.quotaBytes = quotaBytes
    }

    private func checkKey(_ key: [UInt8]) throws(StoreError) {
        if key.isEmpty { throw StoreError(code: .invalidArgument, message: "kv key is empty (namespace '\(namespace)')") }
        if key.count > KVStore.maxKeyBytes {
            throw StoreError(code: .invalidArgument, message: "kv key is \(key.count) bytes, longer than \(KVStore.maxKeyBytes) (namespace '\(namespace)')")
        }
    }

    /// The value for `key`, or nil.
    public func get(_ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try checkKey(key)
        let s = try database.prepare("SELECT value FROM kv WHERE namespace = ? AND key = ?")
        defer { s.reset() }
        try s.bind(1, namespace)
        try s.bind(2, key)
        return try s.step() ? s.blob(0) : nil
    }

    /// Copies the value for `key` into `buffer`; returns the value's full length (which may exceed
    /// the buffer: then only the prefix was copied), or nil when absent. No allocation.
    public func get(_ key: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int? {
        if key.isEmpty || key.count > KVStore.maxKeyBytes {
            throw StoreError(code: .invalidArgument, message: "kv key length \(key.count) outside 1...\(KVStore.maxKeyBytes) (namespace '\(namespace)')")
        }
        let s = try database.prepare("SELECT value FROM kv WHERE namespace = ? AND key = ?")
        defer { s.reset() }
        try s.bind(1, namespace)
        try s.bindNoCopy(2, blob: key)
        guard try s.step() else { return nil }
        return s.withBlob(0) { v in
            let n = min(v.count, buffer.count)
            if n > 0 { buffer.baseAddress!.copyMemory(from: v.baseAddress!, byteCount: n) }
            return v.count
        }
    }

    /// Sets `key` to `value`; throws `.quotaExceeded` (and changes nothing) when the namespace would
    /// go over `quotaBytes`.
    public func set(_ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        try checkKey(key)
        try inTransaction { () throws(StoreError) in
            let old = try entrySize(key)
            let used = try usage()
            let new = used - (old ?? 0) + key.count + value.count
            if new > quotaBytes {
                throw StoreError(code: .quotaExceeded,
                                 message: "kv namespace '\(namespace)' would use \(new) bytes, quota is \(quotaBytes) (key \(key.count) + value \(value.count) bytes)")
            }
            let s = try database.prepare("INSERT OR REPLACE INTO kv(namespace, key, value) VALUES (?, ?, ?)")
            try s.bind(1, namespace)
            try s.bind(2, key)
            try s.bind(3, value)
            // Step with the bindings above (`run()` would rebind from an empty list and fail).
            defer { s.reset() }
            try s.step()
            try setUsage(new)
        }
    }

    /// Deletes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ key: [UInt8]) throws(StoreError) -> Bool {
        try checkKey(key)
        return try inTransaction { () throws(StoreError) -> Bool in
            guard let old = try entrySize(key) else { return false }
            try database.run("DELETE FROM kv WHERE namespace = ? AND key = ?", [.text(namespace), .blob(key)])
            try setUsage(max(0, try usage() - old))
            return true
        }
    }

    /// Bytes used by the namespace (keys plus values).
    public func usage() throws(StoreError) -> Int {
        Int(try database.scalar("SELECT bytes FROM kv_usage WHERE namespace = ?", [.text(namespace)])?.int ?? 0)
    }

    /// All keys of the namespace, in byte order (allocates; for tools and tests).
    public func keys() throws(StoreError) -> [[UInt8]] {
        try database.query("SELECT key FROM kv WHERE namespace = ? ORDER BY key", [.text(namespace)]).compactMap { $0[0].bytes }
    }

    /// Removes every key of the namespace (used when a function is uninstalled).
    public func removeAll() throws(StoreError) {
        try inTransaction { () throws(StoreError) in
            try database.run("DELETE FROM kv WHERE namespace = ?", [.text(namespace)])
            try database.run("DELETE FROM kv_usage WHERE namespace = ?", [.text(namespace)])
        }
    }

    private func entrySize(_ key: [UInt8]) throws(StoreError) -> Int? {
        let s = try database.prepare("SELECT length(key) + length(value) FROM kv WHERE namespace = ? AND key = ?")
        defer { s.reset() }
        try s.bind(1, namespace)
        try s.bind(2, key)
        return try s.step() ? s.int(0) : nil
    }

    private func setUsage(_ bytes: Int) throws(StoreError) {
        try database.run("INSERT OR REPLACE INTO kv_usage(namespace, bytes) VALUES (?, ?)", [.text(namespace), .integer(Int64(bytes))])
    }

    private func inTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try database.transaction { try body() }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(code: .sqlite, message: "kv transaction failed: \(error)")
        }
    }
}
