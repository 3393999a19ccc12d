// The outbox against a real mosquitto and real SQLite files: order per topic, deletion only after the
// acknowledgement, store-and-forward while the broker is away, crash safety after an unclean close.
import Foundation
import Testing
import LedgeMQTT
import LedgeNode
import LedgeStore
import LedgeTestSupport

@Suite(.serialized)
struct OutboxDeliveryTests {
    @Test("everything appended arrives, in order per topic and QoS, and the table empties only after acks")
    func deliversInOrder() throws {
        let broker = try TestBroker()
        let (sub, got) = try OutboxFixtures.subscriber(broker, id: "ob-sub", filter: "ob/#")
        defer { sub.stop() }
        let path = try OutboxFixtures.databasePath()
        var config = OutboxConfig()
        config.commitEvery = 64
        config.commitIntervalMs = 10
        let outbox = try Outbox(database: try Database(path: path), config: config)
        let client = try OutboxFixtures.client(broker, id: "ob-pub")
        outbox.attach(client)
        try client.start()
        // MQTT orders messages per topic and QoS level (mosquitto forwards QoS 2 after PUBREL, so mixed
        // levels on one topic overtake each other); ob/2 carries QoS 2, the others QoS 1.
        for i in 0..<1500 { try outbox.append(topic: "ob/\(i % 3)", text: "\(i)", qos: i % 3 == 2 ? 2 : 1, retain: false) }
        let all = got.wait(timeout: 30) { $0.count >= 1500 }
        #expect(all.count == 1500)
        for t in 0..<3 {
            let texts = all.filter { $0.0 == "ob/\(t)" }.map(\.1)
            #expect(texts == stride(from: t, to: 1500, by: 3).map { "\($0)" }, "order kept on ob/\(t)")
        }
        #expect(outbox.drain(timeout: .seconds(10)))
        let s = outbox.stats
        #expect(s.appended == 1500 && s.acked == 1500 && s.storedRows == 0 && s.dropped == 0)
        outbox.close()
        client.stop()
        #expect(try OutboxFixtures.rowCount(path) == 0, "acknowledged rows are deleted")
    }

    @Test("appends while the broker is down wait in SQLite and go out when it is back")
    func storeAndForward() throws {
        let broker = try TestBroker()
        let (sub, got) = try OutboxFixtures.subscriber(broker, id: "sf-sub", filter: "sf/#", persistent: true)
        defer { sub.stop() }
        let path = try OutboxFixtures.databasePath()
        let outbox = try Outbox(database: try Database(path: path))
        let client = try OutboxFixtures.client(broker, id: "sf-pub")
        outbox.attach(client)
        try client.start()
        #expect(OutboxFixtures.eventually { client.isConnected })
        broker.stop()
        #expect(OutboxFixtures.eventually { !client.isConnected })
        for i in 0..<300 { try outbox.append(topic: "sf/a", text: "\(i)", qos: 1, retain: false) }
        try outbox.flush()
        #expect(try OutboxFixtures.rowCount(path) == 300, "all kept on disk while the broker is away")
        try broker.start()
        let all = got.wait(timeout: 30) { $0.count >= 300 }
        #expect(all.map(\.1) == (0..<300).map { "\($0)" }, "all of them, in order")
        #expect(outbox.drain(timeout: .seconds(10)))
        outbox.close()
        client.stop()
    }

    @Test("after an unclean close (the files as kill -9 leaves them) every committed message is delivered")
    func survivesUncleanClose() throws {
        let path = try OutboxFixtures.databasePath()
        let crashed = path.replacingOccurrences(of: "node.sqlite", with: "crashed.sqlite")
        do {
            var config = OutboxConfig()
            config.commitEvery = 100
            let outbox = try Outbox(database: try Database(path: path), config: config)
            for i in 0..<1000 { try outbox.append(topic: "crash/\(i % 4)", text: "\(i)", qos: 1, retain: false) }
            try outbox.flush()
            // Copy the database and its WAL while the outbox still has them open: the state a SIGKILL
            // leaves (committed pages are in the files; nothing was checkpointed or closed).
            for suffix in ["", "-wal"] {
                let from = path + suffix, to = crashed + suffix
                if FileManager.default.fileExists(atPath: from) { try FileManager.default.copyItem(atPath: from, toPath: to) }
            }
            #expect(FileManager.default.fileExists(atPath: crashed + "-wal"), "the copy includes the WAL")
            outbox.close()
        }
        let broker = try TestBroker()
        let (sub, got) = try OutboxFixtures.subscriber(broker, id: "crash-sub", filter: "crash/#")
        defer { sub.stop() }
        let reopened = try Outbox(database: try Database(path: crashed))
        #expect(reopened.stats.storedRows == 1000, "the reopened outbox finds every committed row")
        let client = try OutboxFixtures.client(broker, id: "crash-pub")
        reopened.attach(client)
        try client.start()
        let all = got.wait(timeout: 30) { $0.count >= 1000 }
        #expect(all.count == 1000)
        for t in 0..<4 {
            #expect(all.filter { $0.0 == "crash/\(t)" }.map(\.1) == stride(from: t, to: 1000, by: 4).map { "\($0)" })
        }
        #expect(reopened.drain(timeout: .seconds(10)))
        reopened.close()
        client.stop()
    }

    @Test("bad appends get clear errors and change nothing")
    func badAppends() throws {
        let outbox = try Outbox(database: try Database(path: try OutboxFixtures.databasePath()))
        defer { outbox.close() }
        do { try outbox.append(topic: "a/+", text: "x", qos: 1, retain: false); Issue.record("wildcard accepted") } catch {
            #expect(error.code == .invalidTopic && error.message.contains("a/+"))
        }
        do { try outbox.append(topic: "a", text: "x", qos: 3, retain: false); Issue.record("qos 3 accepted") } catch {
            #expect(error.code == .invalidQoS)
        }
        do { try outbox.append(topic: "a", payload: [UInt8](repeating: 0, count: 300_000), qos: 1, retain: false); Issue.record("too large accepted") } catch {
            #expect(error.code == .tooLarge)
        }
        #expect(outbox.stats.appended == 0)
        var bad = OutboxConfig()
        bad.maxRows = 0
        let memory = try Database(path: ":memory:")
        do { _ = try Outbox(database: memory, config: bad); Issue.record("maxRows 0 accepted") } catch {
            #expect(error.code == .invalidConfig && error.message.contains("maxRows"))
        }
    }
}
