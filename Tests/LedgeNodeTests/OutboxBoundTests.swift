// The outbox's bound (rows and bytes) and its overflow policies, refuse and drop_oldest, with counted
// losses and one log line per burst.
import Foundation
import Testing
import LedgeNode
import LedgeStore

@Suite
struct OutboxBoundTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ l: String) { lock.lock(); lines.append(l); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    @Test("refuse: the append past maxRows throws .full; nothing stored is lost")
    func refuseByRows() throws {
        let path = try OutboxFixtures.databasePath()
        var config = OutboxConfig()
        config.maxRows = 10
        config.overflow = .refuse
        let outbox = try Outbox(database: try Database(path: path), config: config)
        for i in 0..<10 { try outbox.append(topic: "r/a", text: "\(i)", qos: 1, retain: false) }
        var refused = 0
        for i in 10..<15 {
            do { try outbox.append(topic: "r/a", text: "\(i)", qos: 1, retain: false) } catch {
                #expect(error.code == .full && error.message.contains("10 rows of 10"))
                refused += 1
            }
        }
        #expect(refused == 5)
        try outbox.flush()
        #expect(outbox.stats.refused == 5 && outbox.stats.storedRows == 10)
        outbox.close()
        let db = try Database(path: path)
        #expect(try db.query("SELECT payload FROM outbox ORDER BY id").map { String(decoding: $0[0].bytes ?? [], as: UTF8.self) } == (0..<10).map { "\($0)" })
    }

    @Test("refuse: the byte bound counts topic + payload bytes")
    func refuseByBytes() throws {
        var config = OutboxConfig()
        config.maxBytes = 1000
        let outbox = try Outbox(database: try Database(path: try OutboxFixtures.databasePath()), config: config)
        defer { outbox.close() }
        let payload = [UInt8](repeating: 7, count: 97)  // + 3 topic bytes = 100 bytes a message
        for _ in 0..<10 { try outbox.append(topic: "b/x", payload: payload, qos: 1, retain: false) }
        #expect(throws: OutboxError.self) { try outbox.append(topic: "b/x", payload: payload, qos: 1, retain: false) }
        #expect(outbox.stats.refused == 1)
    }

    @Test("drop_oldest: the newest maxRows stay, the rest are dropped, counted, and logged once per burst")
    func dropOldest() throws {
        let path = try OutboxFixtures.databasePath()
        let lines = Lines()
        var config = OutboxConfig()
        config.maxRows = 10
        config.overflow = .dropOldest
        config.commitEvery = 4
        config.log = { lines.add($0) }
        let outbox = try Outbox(database: try Database(path: path), config: config)
        for i in 0..<25 { try outbox.append(topic: "d/\(i % 2)", text: "\(i)", qos: 1, retain: false) }
        try outbox.flush()
        let s = outbox.stats
        #expect(s.dropped == 15 && s.storedRows == 10 && s.refused == 0)
        // The housekeeping tick (1 s) logs the burst once; it ends 2 s after the last drop.
        #expect(OutboxFixtures.eventually(timeout: 6) { lines.all.contains { $0.contains("burst over") } })
        let full = lines.all.filter { $0.contains("outbox full") }
        #expect(full.count == 1, "one line for the burst: \(lines.all)")
        #expect(lines.all.contains { $0.contains("burst over: 15 messages dropped") })
        outbox.close()
        let db = try Database(path: path)
        #expect(try db.query("SELECT payload FROM outbox ORDER BY id").map { String(decoding: $0[0].bytes ?? [], as: UTF8.self) } == (15..<25).map { "\($0)" })
    }

    @Test("drop_oldest by bytes keeps the newest messages that fit")
    func dropOldestByBytes() throws {
        var config = OutboxConfig()
        config.maxBytes = 500
        config.overflow = .dropOldest
        let outbox = try Outbox(database: try Database(path: try OutboxFixtures.databasePath()), config: config)
        defer { outbox.close() }
        for _ in 0..<20 { try outbox.append(topic: "z/y", payload: [UInt8](repeating: 1, count: 97), qos: 1, retain: false) }  // 100 bytes each
        try outbox.flush()
        let s = outbox.stats
        #expect(s.storedRows == 5 && s.storedBytes == 500 && s.dropped == 15)
    }

    @Test("a reopened outbox enforces the bound against the rows it finds")
    func boundAcrossRestart() throws {
        let path = try OutboxFixtures.databasePath()
        var config = OutboxConfig()
        config.maxRows = 8
        do {
            let outbox = try Outbox(database: try Database(path: path), config: config)
            for i in 0..<8 { try outbox.append(topic: "x/a", text: "\(i)", qos: 1, retain: false) }
            outbox.close()
        }
        let again = try Outbox(database: try Database(path: path), config: config)
        defer { again.close() }
        #expect(again.stats.storedRows == 8)
        #expect(throws: OutboxError.self) { try again.append(topic: "x/a", text: "more", qos: 1, retain: false) }
    }
}
