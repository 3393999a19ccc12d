// NodeSchema: the node database's tables (outbox, kv, kv_usage, invocation_stats, node_state) as migrations.

/// The node's schema. Apply with `try db.migrate(NodeSchema.migrations)` (idempotent).
public enum NodeSchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, sql: """
        CREATE TABLE IF NOT EXISTS outbox (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            topic   TEXT    NOT NULL,
            payload BLOB    NOT NULL,
            qos     INTEGER NOT NULL,
            retain  INTEGER NOT NULL,
            size    INTEGER NOT NULL,   -- topic bytes + payload bytes (the outbox's byte bound)
            created INTEGER NOT NULL    -- append time, ms since the Unix epoch
        );
        CREATE TABLE IF NOT EXISTS kv (
            namespace TEXT NOT NULL,
            key       BLOB NOT NULL,
            value     BLOB NOT NULL,
            PRIMARY KEY (namespace, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kv_usage (
            namespace TEXT PRIMARY KEY,
            bytes     INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS invocation_stats (
            function    TEXT    NOT NULL,
            version     TEXT    NOT NULL,
            day         INTEGER NOT NULL,
            invocations INTEGER NOT NULL DEFAULT 0,
            errors      INTEGER NOT NULL DEFAULT 0,
            traps       INTEGER NOT NULL DEFAULT 0,
            total_us    INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (function, version, day)
        ) WITHOUT ROWID;
        """),
        // 2: small named values of the node (the inbound progress mark of the outbox, ...).
        Migration(version: 2, sql: """
        CREATE TABLE IF NOT EXISTS node_state (
            key   TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        """),
    ]

    /// The node database's connection options: the defaults with 1 KiB pages (outbox commits are small
    /// and frequent; every commit writes whole pages to the WAL).
    public static var options: Database.Options {
        var o = Database.Options()
        o.pageSize = 1024
        return o
    }

    /// Opens the node database at `path` and brings its schema up to date.
    public static func open(path: String, options: Database.Options = NodeSchema.options) throws(StoreError) -> Database {
        let db = try Database(path: path, options: options)
        try db.migrate(migrations)
        return db
    }
}
