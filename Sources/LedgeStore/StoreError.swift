// Typed errors for LedgeStore: a code, the SQLite result code, the message and the SQL involved.
import CSQLite

/// An error from the store: what failed (`code`), SQLite's own result code, a message and the SQL.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is; compare with the static members.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// SQLite returned an error; see `resultCode`.
        public static let sqlite = Code(rawValue: "sqlite")
        /// The database could not be opened.
        public static let open = Code(rawValue: "open")
        /// A KV namespace would exceed its byte quota.
        public static let quotaExceeded = Code(rawValue: "quota_exceeded")
        /// An argument was rejected before reaching SQLite (empty key, bad index, ...).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// A migration failed or the file is newer than this program knows.
        public static let migration = Code(rawValue: "migration")
        /// The database holds something other than what the reader expected.
        public static let corrupt = Code(rawValue: "corrupt")
    }

    public let code: Code
    /// SQLite's extended result code (0 when the error did not come from SQLite).
    public let resultCode: Int32
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Code, resultCode: Int32 = 0, message: String, sql: String? = nil) {
        self.code = code
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
    }

    /// True when SQLite said the database was busy or locked (another writer held it too long).
    public var isBusy: Bool { resultCode & 0xff == SQLITE_BUSY || resultCode & 0xff == SQLITE_LOCKED }

    public var description: String {
        var s = "store error [\(code)"
        if resultCode != 0 { s += " \(resultCode) \(String(cString: sqlite3_errstr(resultCode)))" }
        s += "]: \(message)"
        if let sql { s += " (SQL: \(sql))" }
        return s
    }

    /// Builds an error from a connection's current error state.
    static func sqlite(_ db: OpaquePointer?, _ rc: Int32, sql: String?) -> StoreError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
        return StoreError(code: .sqlite, resultCode: extended != 0 ? extended : rc, message: message, sql: sql)
    }
}
