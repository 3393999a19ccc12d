// Migrations: numbered schema steps applied in order, tracked in SQLite's `user_version`.

/// One schema step. Versions start at 1 and increase by one.
public struct Migration: Sendable {
    public let version: Int
    public let sql: String
    public init(version: Int, sql: String) {
        self.version = version
        self.sql = sql
    }
}

extension Database {
    /// The schema version recorded in the file (`PRAGMA user_version`).
    public var userVersion: Int {
        get throws(StoreError) { Int(try scalar("PRAGMA user_version")?.int ?? 0) }
    }

    /// Applies every migration newer than the file's `user_version`, each in its own transaction.
    /// Fails with `.migration` when the file is newer than the list (written by a newer program).
    /// Returns the number of migrations applied.
    @discardableResult
    public func migrate(_ migrations: [Migration]) throws(StoreError) -> Int {
        for (i, m) in migrations.enumerated() where m.version != i + 1 {
            throw StoreError(code: .migration, message: "migration list must be numbered 1...n; entry \(i) has version \(m.version)")
        }
        let current = try userVersion
        if current > migrations.count {
            throw StoreError(code: .migration, message: "database '\(path)' has schema version \(current), newer than this program's \(migrations.count)")
        }
        var applied = 0
        for m in migrations where m.version > current {
            do {
                try transaction {
                    try execute(m.sql)
                    try execute("PRAGMA user_version=\(m.version)")
                }
            } catch let e as StoreError {
                throw StoreError(code: .migration, resultCode: e.resultCode, message: "migration \(m.version) failed on '\(path)': \(e.message)", sql: e.sql)
            } catch {
                throw StoreError(code: .migration, message: "migration \(m.version) failed on '\(path)': \(error)")
            }
            applied += 1
        }
        return applied
    }
}
