// Statement: a prepared SQLite statement; bind, step, read columns; finalized in deinit.
import CSQLite

/// SQLite's "copy the bytes now" destructor marker.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Obtained from `Database.prepare` (cached there) and used by the
/// connection's owner only. Parameter and column indexes are 1-based for binds, 0-based for columns,
/// as in SQLite.
public final class Statement {
    let handle: OpaquePointer
    let db: OpaquePointer
    public let sql: String

    init(db: OpaquePointer, sql: String) throws(StoreError) {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            if let stmt { sqlite3_finalize(stmt) }
            throw StoreError.sqlite(db, rc, sql: sql)
        }
        self.handle = stmt
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Number of `?` parameters.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }
    /// Number of result columns.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// Resets the statement so it can run again and drops all bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: binding

    @inline(__always)
    private func check(_ rc: Int32) throws(StoreError) {
        if rc != SQLITE_OK { throw StoreError.sqlite(db, rc, sql: sql) }
    }

    public func bind(_ index: Int, _ value: Int64) throws(StoreError) { try check(sqlite3_bind_int64(handle, Int32(index), value)) }
    public func bind(_ index: Int, _ value: Int) throws(StoreError) { try check(sqlite3_bind_int64(handle, Int32(index), Int64(value))) }
    public func bind(_ index: Int, _ value: Double) throws(StoreError) { try check(sqlite3_bind_double(handle, Int32(index), value)) }
    public func bindNull(_ index: Int) throws(StoreError) { try check(sqlite3_bind_null(handle, Int32(index))) }
    public func bind(_ index: Int, _ value: String) throws(StoreError) {
        try check(sqlite3_bind_text(handle, Int32(index), value, -1, sqliteTransient))
    }
    public func bind(_ index: Int, _ value: [UInt8]) throws(StoreError) {
        let rc = value.withUnsafeBytes { raw in
            // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
            sqlite3_bind_blob(handle, Int32(index), raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), sqliteTransient)
        }
        try check(rc)
    }
    /// Binds bytes as a blob without copying them. The memory must stay valid until the
    /// statement has been stepped to completion and reset (the hot paths use this).
    public func bindNoCopy(_ index: Int, blob: UnsafeRawBufferPointer) throws(StoreError) {
        try check(sqlite3_bind_blob(handle, Int32(index), blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(blob.count), nil))
    }
    /// Binds UTF-8 bytes as text without copying them (same lifetime rule as `bindNoCopy(_:blob:)`).
    public func bindNoCopy(_ index: Int, text: UnsafeRawBufferPointer) throws(StoreError) {
        let p = (text.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
        try check(sqlite3_bind_text(handle, Int32(index), p, Int32(text.count), nil))
    }
    public func bind(_ index: Int, _ value: SQLValue) throws(StoreError) {
        switch value {
        case .null: try bindNull(index)
        case .integer(let v): try bind(index, v)
        case .real(let v): try bind(index, v)
        case .text(let v): try bind(index, v)
        case .blob(let v): try bind(index, v)
        }
    }
    /// Binds values to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        guard values.count == parameterCount else {
            throw StoreError(code: .invalidArgument, message: "statement takes \(parameterCount) parameters, got \(values.count)", sql: sql)
        }
        for (i, v) in values.enumerated() { try bind(i + 1, v) }
    }

    // MARK: stepping

    /// Advances: true when a row is available, false when done. Errors reset the statement.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let err = StoreError.sqlite(db, rc, sql: sql)
        sqlite3_reset(handle)
        throw err
    }

    /// Runs the statement to completion with these bindings, then resets it.
    public func run(_ values: [SQLValue] = []) throws(StoreError) {
        defer { reset() }
        if !values.isEmpty || parameterCount > 0 { try bind(values) }
        while try step() {}
    }

    /// Runs the statement and returns every row (allocates; not for hot paths).
    public func rows(_ values: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        defer { reset() }
        if !values.isEmpty || parameterCount > 0 { try bind(values) }
        var out: [[SQLValue]] = []
        let n = columnCount
        while try step() {
            var row: [SQLValue] = []
            row.reserveCapacity(n)
            for c in 0..<n { row.append(value(c)) }
            out.append(row)
        }
        return out
    }

    // MARK: columns (valid after `step()` returned true)

    public func isNull(_ column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }
    public func int64(_ column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }
    public func int(_ column: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(column))) }
    public func double(_ column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }
    public func string(_ column: Int) -> String? {
        guard let p = sqlite3_column_text(handle, Int32(column)) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, Int32(column)))
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }
    /// Gives a text column as a NUL-terminated C string without copying (empty for NULL); valid only inside `body`.
    public func withCString<T>(_ column: Int, _ body: (UnsafePointer<CChar>, Int) throws -> T) rethrows -> T {
        if let p = sqlite3_column_text(handle, Int32(column)) {
            let n = Int(sqlite3_column_bytes(handle, Int32(column)))
            return try p.withMemoryRebound(to: CChar.self, capacity: n + 1) { try body($0, n) }
        }
        return try body("", 0)
    }
    public func blob(_ column: Int) -> [UInt8] {
        withBlob(column) { Array($0) }
    }
    /// Gives the column's bytes without copying; the buffer is valid only inside `body`.
    public func withBlob<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let p = sqlite3_column_blob(handle, Int32(column))
        let n = Int(sqlite3_column_bytes(handle, Int32(column)))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }
    public func value(_ column: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(string(column) ?? "")
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }
}
