// Database: one SQLite connection (WAL, synchronous, busy timeout), a statement cache and transactions.
import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One SQLite connection for one owner.
///
/// Thread-safety: calls are not locked individually. The owner serialises them: either use the
/// connection from one thread, or wrap each unit of work in `withLock { }` (a recursive lock, so
/// `transaction` inside `withLock` is fine). Two owners should open two `Database`s on one file.
public final class Database: @unchecked Sendable {
    /// Connection options; the defaults suit a device with an SD card.
    public struct Options: Sendable {
        public enum Synchronous: String, Sendable { case off = "OFF", normal = "NORMAL", full = "FULL" }
        /// WAL journal (readers never block the writer). Turn off only for read-only media.
        public var wal: Bool = true
        /// `NORMAL` with WAL: a commit survives a process crash (`kill -9`); the last commits
        /// before a power loss can be lost, the file is never corrupted. `FULL` syncs every commit.
        public var synchronous: Synchronous = .normal
        /// How long a writer waits for another connection's write lock before `SQLITE_BUSY`.
        public var busyTimeoutMs: Int32 = 5_000
        public var readOnly: Bool = false
        /// Create the file when missing.
        public var create: Bool = true
        /// WAL pages after which SQLite checkpoints automatically (SQLite's default is 1000).
        public var walAutoCheckpointPages: Int32 = 1000
        /// Page size for a new file (a power of two, 512...65536); nil keeps SQLite's default (4096).
        /// Every commit writes whole pages to the WAL, so small pages cost fewer bytes for small commits.
        public var pageSize: Int? = nil
        public init() {}
    }

    let handle: OpaquePointer
    public let path: String
    public let options: Options
    private var cache: [String: Statement] = [:]
    private var transactionDepth = 0
    private let lock = RecursiveLock()

    /// Opens (and by default creates) the database at `path`; `":memory:"` gives a private in-memory one.
    public init(path: String, options: Options = .init()) throws(StoreError) {
        var flags = options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if options.create && !options.readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX  // the owner serialises; see the type's comment
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw StoreError(code: .open, resultCode: rc, message: "cannot open database '\(path)': \(message)")
        }
        self.handle = db
        self.path = path
        self.options = options
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMs)
        do throws(StoreError) {
            if let size = options.pageSize, !options.readOnly, try scalar("PRAGMA page_count")?.int == 0 {
                try execute("PRAGMA page_size=\(size)")
            }
            if options.wal && !options.readOnly && path != ":memory:" {
                let mode = try scalarString("PRAGMA journal_mode=WAL")
                if mode?.lowercased() != "wal" {
                    throw StoreError(code: .open, message: "cannot switch '\(path)' to WAL (journal_mode is \(mode ?? "unknown"))", sql: "PRAGMA journal_mode=WAL")
                }
                sqlite3_wal_autocheckpoint(db, options.walAutoCheckpointPages)
            }
            try execute("PRAGMA synchronous=\(options.synchronous.rawValue)")
            try execute("PRAGMA foreign_keys=ON")
        } catch {
            cache.removeAll()
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit {
        cache.removeAll()  // finalize statements first
        sqlite3_close_v2(handle)
    }

    /// Runs `body` holding this connection's recursive lock (for owners that share it between threads).
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs one or more statements with no parameters and no results.
    public func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(err)
            throw StoreError(code: .sqlite, resultCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A prepared statement for `sql`, cached by its text; returned reset with no bindings.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try Statement(db: handle, sql: sql)
        cache[sql] = s
        return s
    }

    /// Prepares, binds, runs to completion; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        try prepare(sql).run(values)
        return changes
    }

    /// Every row of a query (allocates; for tools, tests and cold paths).
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        try prepare(sql).rows(values)
    }

    /// The first column of the first row, or nil when there is no row.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> SQLValue? {
        let s = try prepare(sql)
        defer { s.reset() }
        if !values.isEmpty || s.parameterCount > 0 { try s.bind(values) }
        return try s.step() ? s.value(0) : nil
    }

    func scalarString(_ sql: String) throws(StoreError) -> String? {
        try scalar(sql)?.string
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
    /// Row id of the last INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// True inside an explicit transaction.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE, so it takes the write lock up front and waits
    /// for it with the busy timeout); nested calls use savepoints. Rolls back when `body` throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let depth = transactionDepth
        if depth == 0 { try execute("BEGIN IMMEDIATE") } else { try execute("SAVEPOINT ledge_sp\(depth)") }
        transactionDepth += 1
        do {
            let result = try body()
            transactionDepth -= 1
            if depth == 0 { try commitOrRollback() } else { try execute("RELEASE ledge_sp\(depth)") }
            return result
        } catch {
            transactionDepth = depth
            if depth == 0 {
                if inTransaction { try? execute("ROLLBACK") }
            } else {
                try? execute("ROLLBACK TO ledge_sp\(depth)")
                try? execute("RELEASE ledge_sp\(depth)")
            }
            throw error
        }
    }

    private func commitOrRollback() throws(StoreError) {
        do { try execute("COMMIT") } catch {
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Checkpoints the WAL into the main file (TRUNCATE: the WAL file shrinks to zero).
    public func checkpoint() throws(StoreError) {
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        if rc != SQLITE_OK && rc != SQLITE_BUSY { throw StoreError.sqlite(handle, rc, sql: "wal_checkpoint(TRUNCATE)") }
    }

    /// SQLite's version string (for reports).
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

/// A small recursive pthread mutex (heap-allocated so its address never moves).
final class RecursiveLock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(m, &attr)
        pthread_mutexattr_destroy(&attr)
    }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func lock() { pthread_mutex_lock(m) }
    func unlock() { pthread_mutex_unlock(m) }
}
