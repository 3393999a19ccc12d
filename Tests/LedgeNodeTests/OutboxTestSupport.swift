// Helpers for the outbox tests: a thread-safe recorder, a subscriber on a real broker, scratch databases.
import Foundation
import LedgeMQTT
import LedgeNode
import LedgeStore
import LedgeTestSupport

/// Collects values from any thread; `wait` blocks until a condition holds or the timeout passes.
final class OutboxRecorder<T: Sendable>: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [T] = []
    func add(_ item: T) { cond.lock(); items.append(item); cond.broadcast(); cond.unlock() }
    var all: [T] { cond.lock(); defer { cond.unlock() }; return items }
    @discardableResult
    func wait(timeout: Double = 10, until done: ([T]) -> Bool) -> [T] {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        defer { cond.unlock() }
        while !done(items) && Date() < deadline { _ = cond.wait(until: min(deadline, Date().addingTimeInterval(0.05))) }
        return items
    }
}

enum OutboxFixtures {
    /// A subscriber on `filter` (QoS 1) that records (topic, text); returns once subscribed.
    /// With `persistent`, the session survives a broker restart (the broker keeps what arrives meanwhile).
    static func subscriber(_ broker: TestBroker, id: String, filter: String, persistent: Bool = false) throws -> (MQTTClient, OutboxRecorder<(String, String)>) {
        var c = MQTTConfig(url: broker.url, clientID: id)
        c.cleanStart = !persistent
        c.reconnectDelayMinMs = 50
        c.reconnectDelayMaxMs = 300
        let client = try MQTTClient(config: c)
        let got = OutboxRecorder<(String, String)>()
        let subscribed = OutboxRecorder<Int32>()
        client.onMessage = { got.add(($0.topic, $0.text)) }
        client.onSubscribed = { subscribed.add($0) }
        try client.subscribe(filter, qos: 1)
        try client.start()
        subscribed.wait { !$0.isEmpty }
        return (client, got)
    }

    /// The outbox's own client for `broker`.
    static func client(_ broker: TestBroker, id: String) throws -> MQTTClient {
        var c = MQTTConfig(url: broker.url, clientID: id)
        c.reconnectDelayMinMs = 50
        c.reconnectDelayMaxMs = 300
        return try MQTTClient(config: c)
    }

    /// A fresh node database path in a scratch folder.
    static func databasePath() throws -> String {
        try TestPaths.scratch("outbox").appendingPathComponent("node.sqlite").path
    }

    static func rowCount(_ path: String) throws -> Int {
        let db = try Database(path: path)
        return Int(try db.scalar("SELECT count(*) FROM outbox")?.int ?? -1)
    }

    /// Waits until `cond` holds (bounded).
    static func eventually(timeout: Double = 10, _ cond: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if cond() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return cond()
    }
}
