// LedgeStore on real SQLite files: WAL and durability settings, transactions and savepoints, migrations,
// errors that name the statement, and the function KV store with its quota.
import Foundation
import Testing
import LedgeStore
import LedgeTestSupport

struct DatabaseTests {
    func path() throws -> String { try TestPaths.scratch("store").appendingPathComponent("t.sqlite").path }

    @Test("a file database runs in WAL mode with synchronous NORMAL; a second connection reads what was written")
    func walAndSecondConnection() throws {
        let p = try path()
        let a = try Database(path: p)
        #expect(try a.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try a.scalar("PRAGMA synchronous")?.int == 1)
        try a.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        try a.run("INSERT INTO t(v) VALUES (?)", ["one"])
        #expect(a.lastInsertRowID == 1 && a.changes == 1)
        let b = try Database(path: p)
        #expect(try b.query("SELECT v FROM t") == [["one"]])
        #expect(FileManager.default.fileExists(atPath: p + "-wal"))
        try a.checkpoint()
    }

    @Test("a transaction that throws rolls back; a nested one rolls back only its savepoint")
    func transactions() throws {
        let db = try Database(path: try path())
        try db.execute("CREATE TABLE t (v INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t")?.int == 0)
        try db.transaction {
            try db.run("INSERT INTO t VALUES (2)")
            _ = try? db.transaction { () throws -> Void in
                try db.run("INSERT INTO t VALUES (3)")
                throw Boom()
            }
            #expect(db.inTransaction)
        }
        #expect(try db.query("SELECT v FROM t") == [[.integer(2)]])
        #expect(!db.inTransaction)
    }

    @Test("errors carry the SQLite message and the statement")
    func errorsNameTheStatement() throws {
        let db = try Database(path: try path())
        do { try db.execute("SELEKT 1"); Issue.record("bad SQL accepted") } catch {
            #expect(error.code == .sqlite && error.sql == "SELEKT 1" && error.message.contains("syntax error"))
        }
        do { _ = try Database(path: "/nonexistent/dir/x.sqlite"); Issue.record("opened a file in a missing folder") } catch {
            #expect(error.code == .open && error.message.contains("/nonexistent/dir/x.sqlite"))
        }
    }

    @Test("migrations apply once, in order; a file from a newer program is refused")
    func migrations() throws {
        let steps = [Migration(version: 1, sql: "CREATE TABLE a (x)"), Migration(version: 2, sql: "CREATE TABLE b (y)")]
        let db = try Database(path: try path())
        #expect(try db.migrate(steps) == 2)
        #expect(try db.migrate(steps) == 0)
        #expect(try db.userVersion == 2)
        do { try db.migrate(Array(steps.prefix(1))); Issue.record("older program accepted a newer file") } catch {
            #expect(error.code == .migration && error.message.contains("newer"))
        }
        do { try db.migrate([Migration(version: 2, sql: "")]); Issue.record("misnumbered list accepted") } catch {
            #expect(error.code == .migration)
        }
        let broken = try Database(path: try path())
        do { try broken.migrate([Migration(version: 1, sql: "CREATE TABLE c (z); NOT SQL")]); Issue.record("bad migration accepted") } catch {
            #expect(error.code == .migration && error.message.contains("migration 1"))
        }
        #expect(try broken.userVersion == 0, "a failed migration leaves the version")
        #expect(try broken.query("SELECT name FROM sqlite_master WHERE name = 'c'").isEmpty, "and rolls its changes back")
    }

    @Test("the node schema opens twice without change and has its tables")
    func nodeSchema() throws {
        let p = try path()
        _ = try NodeSchema.open(path: p)
        let db = try NodeSchema.open(path: p)
        let names = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0[0].string }
        for t in ["kv", "kv_usage", "node_state", "outbox"] { #expect(names.contains(t)) }
        #expect(try db.userVersion == NodeSchema.migrations.count)
        #expect(try db.scalar("PRAGMA page_size")?.int == 1024, "the node database uses 1 KiB pages")
        #expect(try db.scalar("PRAGMA journal_mode")?.string == "wal")
    }

    @Test("pageSize applies to a new file only")
    func pageSize() throws {
        let p = try path()
        var o = Database.Options()
        o.pageSize = 2048
        do {
            let db = try Database(path: p, options: o)
            try db.execute("CREATE TABLE t (x)")
            #expect(try db.scalar("PRAGMA page_size")?.int == 2048)
        }
        o.pageSize = 8192
        let again = try Database(path: p, options: o)
        #expect(try again.scalar("PRAGMA page_size")?.int == 2048, "an existing file keeps its page size")
    }

    @Test("KV: set, get, overwrite, delete, namespaces apart, quota refused without change")
    func kvStore() throws {
        let db = try NodeSchema.open(path: try path())
        let a = KVStore(database: db, namespace: "fn-a", quotaBytes: 100)
        let b = KVStore(database: db, namespace: "fn-b", quotaBytes: 100)
        try a.set(Array("k".utf8), Array("v1".utf8))
        try a.set(Array("k".utf8), Array("value2".utf8))
        #expect(try a.get(Array("k".utf8)) == Array("value2".utf8))
        #expect(try b.get(Array("k".utf8)) == nil)
        #expect(try a.usage() == 7)
        do { try a.set(Array("big".utf8), [UInt8](repeating: 1, count: 95)); Issue.record("over quota accepted") } catch {
            #expect(error.code == .quotaExceeded && error.message.contains("fn-a"))
        }
        #expect(try a.usage() == 7 && a.keys().count == 1)
        var buf = [UInt8](repeating: 0, count: 3)
        let key = Array("k".utf8)
        let n = try key.withUnsafeBytes { k in try buf.withUnsafeMutableBytes { try a.get(k, into: $0) } }
        #expect(n == 6 && buf == Array("val".utf8), "prefix copied, full length returned")
        #expect(try a.delete(Array("k".utf8)))
        #expect(try !a.delete(Array("k".utf8)))
        #expect(try a.usage() == 0)
        do { try a.set([], [1]); Issue.record("empty key accepted") } catch { #expect(error.code == .invalidArgument) }
    }
}
