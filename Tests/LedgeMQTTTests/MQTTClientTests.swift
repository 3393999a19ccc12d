// MQTTClient against a real mosquitto: round trips, reconnects, persistent sessions, last will.
import Foundation
import Testing
import LedgeMQTT
import LedgeTestSupport

/// A client wired to recorders, for tests.
final class TestClient: @unchecked Sendable {
    let client: MQTTClient
    let messages = Recorder<MQTTMessage>()
    let connects = Recorder<Bool>()
    let disconnects = Recorder<Int32>()
    let published = Recorder<Int32>()
    let subscribed = Recorder<Int32>()

    init(_ config: MQTTConfig) throws {
        client = try MQTTClient(config: config)
        let (m, c, d, p, s) = (messages, connects, disconnects, published, subscribed)
        client.onMessage = { m.add($0) }
        client.onConnect = { c.add($0) }
        client.onDisconnect = { d.add($0) }
        client.onPublished = { p.add($0) }
        client.onSubscribed = { s.add($0) }
    }

    convenience init(broker: TestBroker, id: String, version: MQTTConfig.ProtocolVersion = .v5, clean: Bool = true,
                     configure: (inout MQTTConfig) -> Void = { _ in }) throws {
        var c = MQTTConfig(url: broker.url, clientID: id)
        c.protocolVersion = version
        c.cleanStart = clean
        c.reconnectDelayMinMs = 50
        c.reconnectDelayMaxMs = 400
        configure(&c)
        try self.init(c)
    }

    /// Starts and waits for the first CONNACK.
    func startAndWait() throws {
        try client.start()
        let ok = connects.wait(count: 1).count >= 1
        #expect(ok, "client \(client.config.clientID) did not connect")
    }

    /// Subscribes and waits for the SUBACK (the client must be connected).
    func subscribeAndWait(_ filter: String, qos: Int32) throws {
        let before = subscribed.all.count
        try client.subscribe(filter, qos: qos)
        let ok = subscribed.wait(count: before + 1).count > before
        #expect(ok, "no SUBACK for \(filter)")
    }

    deinit { client.stop() }
}

@Suite(.serialized)
struct MQTTClientTests {
    static let cases: [(Int32, MQTTConfig.ProtocolVersion)] = [(0, .v5), (1, .v5), (2, .v5), (0, .v311), (1, .v311), (2, .v311)]

    @Test("publish/subscribe round trip", arguments: cases)
    func roundTrip(qos: Int32, version: MQTTConfig.ProtocolVersion) throws {
        let broker = try TestBroker()
        let sub = try TestClient(broker: broker, id: "sub-\(qos)", version: version)
        let pub = try TestClient(broker: broker, id: "pub-\(qos)", version: version)
        try sub.startAndWait()
        try sub.subscribeAndWait("test/+/rt", qos: qos)
        try pub.startAndWait()
        var mids: [Int32] = []
        for i in 0..<50 {
            mids.append(try pub.client.publish(topic: "test/\(i % 3)/rt", text: "msg \(i)", qos: qos, retain: false))
        }
        let got = sub.messages.wait(count: 50)
        #expect(got.count == 50)
        #expect(got.map(\.text) == (0..<50).map { "msg \($0)" }, "order and content kept")
        #expect(got.allSatisfy { $0.qos == qos && !$0.retain })
        #expect(got.map(\.topic) == (0..<50).map { "test/\($0 % 3)/rt" })
        let acked = pub.published.wait(count: 50)
        #expect(Set(acked) == Set(mids), "every publish acknowledged (QoS 0: written)")
        #expect(pub.client.isConnected && sub.client.isConnected)
        // No connection was lost on the way (mosquitto 2.0.11 overruns a small MQTT 5 receive maximum
        // with QoS 2, and libmosquitto then drops the connection as a protocol error).
        #expect(sub.disconnects.all.isEmpty && pub.disconnects.all.isEmpty, "no disconnect during the round trip")
        #expect(sub.client.connectCount == 1)
    }

    @Test("QoS 2 with MQTT 5: 500 messages, many in flight, one connection", arguments: [MQTTConfig.ProtocolVersion.v5, .v311])
    func qos2Burst(version: MQTTConfig.ProtocolVersion) throws {
        let broker = try TestBroker()
        let sub = try TestClient(broker: broker, id: "sub-burst", version: version)
        // MQTT 5: the broker's CONNACK receive maximum (100, TestBroker's max_inflight_messages) caps the
        // 200 asked for. 3.1.1 has no such negotiation: mosquitto acknowledges and drops QoS 2 messages
        // beyond max_inflight_messages, so a 3.1.1 client must not ask for more (seen: 100 of 500 lost).
        let pub = try TestClient(broker: broker, id: "pub-burst", version: version) { $0.maxInflight = version == .v5 ? 200 : 100 }
        try sub.startAndWait()
        try sub.subscribeAndWait("burst/#", qos: 2)
        try pub.startAndWait()
        for i in 0..<500 { try pub.client.publish(topic: "burst/x", text: "\(i)", qos: 2, retain: false) }
        let got = sub.messages.wait(count: 500, timeout: 20)
        #expect(got.map(\.text) == (0..<500).map { "\($0)" })
        #expect(sub.disconnects.all.isEmpty)
    }

    @Test("QoS 1 publish while the broker is down is kept by libmosquitto and sent after the reconnect")
    func qos1QueuedWhileDown() throws {
        let broker = try TestBroker()
        let sub = try TestClient(broker: broker, id: "sub-queued", clean: false)
        try sub.startAndWait()
        try sub.subscribeAndWait("queued/#", qos: 1)
        let pub = try TestClient(broker: broker, id: "pub-queued")
        try pub.startAndWait()
        broker.stop()
        #expect(pub.disconnects.wait(count: 1).count == 1)
        var mids: [Int32] = []
        for i in 0..<5 { mids.append(try pub.client.publish(topic: "queued/a", text: "q\(i)", qos: 1, retain: false)) }
        #expect(mids.allSatisfy { $0 > 0 }, "queued publishes get a message id")
        do { try pub.client.publish(topic: "queued/a", text: "x", qos: 0, retain: false); Issue.record("QoS 0 accepted while down") } catch {
            #expect(error.code == .notConnected)
        }
        try broker.start()
        let got = sub.messages.wait(count: 5, timeout: 15)
        #expect(got.map(\.text) == ["q0", "q1", "q2", "q3", "q4"])
        #expect(Set(pub.published.wait(count: 5)) == Set(mids))
    }

    @Test func binaryAndEmptyPayloadsAndRetain() throws {
        let broker = try TestBroker()
        let pub = try TestClient(broker: broker, id: "pub-bin")
        try pub.startAndWait()
        let bytes: [UInt8] = (0..<1000).map { UInt8($0 % 256) }
        try pub.client.publish(topic: "bin/data", payload: bytes, qos: 1, retain: true)
        try pub.client.publish(topic: "bin/empty", payload: [], qos: 1, retain: false)
        pub.published.wait(count: 2)
        let sub = try TestClient(broker: broker, id: "sub-bin")
        try sub.startAndWait()
        try sub.subscribeAndWait("bin/#", qos: 1)
        let retained = sub.messages.wait(count: 1)
        #expect(retained.first?.payload == bytes && retained.first?.retain == true)
        try pub.client.publish(topic: "bin/empty", payload: [], qos: 1, retain: false)
        let all = sub.messages.wait(count: 2)
        #expect(all.count == 2 && all[1].payload.isEmpty && all[1].topic == "bin/empty")
    }

    @Test func reconnectsAfterBrokerRestart() throws {
        let broker = try TestBroker()
        let sub = try TestClient(broker: broker, id: "sub-restart", clean: false)
        try sub.startAndWait()
        try sub.subscribeAndWait("restart/#", qos: 1)
        broker.stop()
        let lost = sub.disconnects.wait(count: 1)
        #expect(lost.count == 1)
        #expect(!sub.client.isConnected)
        Thread.sleep(forTimeInterval: 0.3)  // a few failed reconnect attempts with backoff
        try broker.start()
        #expect(sub.connects.wait(count: 2).count == 2, "reconnected after the broker came back")
        #expect(sub.client.connectCount == 2)
        let pub = try TestClient(broker: broker, id: "pub-restart")
        try pub.startAndWait()
        try pub.client.publish(topic: "restart/x", text: "after", qos: 1, retain: false)
        #expect(sub.messages.wait(count: 1).first?.text == "after", "subscription works after the restart")
    }

    @Test("QoS 1 messages sent while the client was away arrive with its persistent session", arguments: [MQTTConfig.ProtocolVersion.v5, .v311])
    func persistentSession(version: MQTTConfig.ProtocolVersion) throws {
        let broker = try TestBroker()
        do {
            let first = try TestClient(broker: broker, id: "persist", version: version, clean: false)
            try first.startAndWait()
            #expect(first.connects.all.first == false, "fresh session")
            try first.subscribeAndWait("persist/+", qos: 1)
            first.client.stop()
        }
        let pub = try TestClient(broker: broker, id: "pub-persist", version: version)
        try pub.startAndWait()
        for i in 0..<5 { try pub.client.publish(topic: "persist/a", text: "m\(i)", qos: 1, retain: false) }
        pub.published.wait(count: 5)
        let again = try TestClient(broker: broker, id: "persist", version: version, clean: false)
        try again.startAndWait()
        #expect(again.connects.all.first == true, "session present")
        let got = again.messages.wait(count: 5)
        #expect(got.map(\.text) == ["m0", "m1", "m2", "m3", "m4"])
    }

    @Test("a filter added since the session was created is subscribed on a resumed session too", arguments: [MQTTConfig.ProtocolVersion.v5, .v311])
    func newFilterOnResumedSession(version: MQTTConfig.ProtocolVersion) throws {
        let broker = try TestBroker()
        do {
            let first = try TestClient(broker: broker, id: "resume-new", version: version, clean: false)
            try first.startAndWait()
            try first.subscribeAndWait("old/+", qos: 1)
            first.client.stop()
        }
        // Next run of the same program: one more filter, registered before the connection (as the node
        // does with the update agent's `desired` topic once trusted keys are configured).
        let again = try TestClient(broker: broker, id: "resume-new", version: version, clean: false)
        try again.client.subscribe("old/+", qos: 1)
        try again.client.subscribe("new/+", qos: 1)
        try again.startAndWait()
        #expect(again.connects.all.first == true, "session present")
        _ = again.subscribed.wait(count: 2)
        let pub = try TestClient(broker: broker, id: "pub-resume-new", version: version)
        try pub.startAndWait()
        try pub.client.publish(topic: "new/x", text: "hello", qos: 1, retain: false)
        let got = again.messages.wait(count: 1)
        #expect(got.map(\.text) == ["hello"])
    }

    @Test func connectFailuresAreReportedWithReasonAndBackoff() throws {
        let port = try FreePort.find()
        var config = MQTTConfig(url: "mqtt://127.0.0.1:\(port)", clientID: "refused")
        config.reconnectDelayMinMs = 20
        config.reconnectDelayMaxMs = 100
        let c = try TestClient(config)
        let failures = Recorder<ConnectFailure>()
        c.client.addConnectFailureObserver { failures.add($0) }
        try c.client.start()
        let got = failures.wait(count: 3)
        c.client.stop()
        #expect(got.count >= 3)
        #expect(got.prefix(3).map(\.attempt) == [1, 2, 3])
        #expect(got.allSatisfy { $0.reason.contains("refused") && $0.retryInMs >= 0 }, "\(got.map(\.reason))")
    }

    @Test func lastWillWhenClientDies() throws {
        let broker = try TestBroker()
        let watcher = try TestClient(broker: broker, id: "watcher")
        try watcher.startAndWait()
        try watcher.subscribeAndWait("ledge/v1/nodes/+/status", qos: 1)
        let node = try TestClient(broker: broker, id: "node-1") {
            $0.will = .init(topic: "ledge/v1/nodes/node-1/status", payload: Array("offline".utf8), qos: 1, retain: true)
            $0.keepAliveSeconds = 5
        }
        try node.startAndWait()
        try node.client.publish(topic: "ledge/v1/nodes/node-1/status", text: "online", qos: 1, retain: true)
        #expect(watcher.messages.wait(count: 1).last?.text == "online")
        node.client.dropConnection(reconnect: false)
        let got = watcher.messages.wait(count: 2)
        #expect(got.last?.text == "offline" && got.last?.topic == "ledge/v1/nodes/node-1/status")
        // The will is retained: a newcomer sees "offline".
        let late = try TestClient(broker: broker, id: "late")
        try late.startAndWait()
        try late.subscribeAndWait("ledge/v1/nodes/node-1/status", qos: 1)
        #expect(late.messages.wait(count: 1).first?.text == "offline")
    }

    @Test func noWillOnCleanStop() throws {
        let broker = try TestBroker()
        let watcher = try TestClient(broker: broker, id: "watcher2")
        try watcher.startAndWait()
        try watcher.subscribeAndWait("will/#", qos: 1)
        let node = try TestClient(broker: broker, id: "node-2") {
            $0.will = .init(topic: "will/node-2", payload: Array("offline".utf8), qos: 1, retain: false)
        }
        try node.startAndWait()
        node.client.stop()
        #expect(!node.client.isConnected)
        let pub = try TestClient(broker: broker, id: "marker")
        try pub.startAndWait()
        try pub.client.publish(topic: "will/marker", text: "marker", qos: 1, retain: false)
        let got = watcher.messages.wait(timeout: 5) { $0.contains { $0.topic == "will/marker" } }
        #expect(!got.contains { $0.topic == "will/node-2" }, "clean DISCONNECT must not trigger the will")
    }

    @Test func badCallsGiveClearErrors() throws {
        let broker = try TestBroker()
        let c = try TestClient(broker: broker, id: "errs")
        try c.startAndWait()
        do { try c.client.publish(topic: "a/+", text: "x", qos: 0, retain: false); Issue.record("accepted wildcard topic") } catch {
            #expect(error.code == .invalidTopic && error.message.contains("a/+"))
        }
        do { try c.client.publish(topic: "a", text: "x", qos: 3, retain: false); Issue.record("accepted qos 3") } catch {
            #expect(error.code == .invalidQoS)
        }
        do { try c.client.subscribe("a/#/b", qos: 0); Issue.record("accepted bad filter") } catch {
            #expect(error.code == .invalidTopic)
        }
        do { try c.client.start(); Issue.record("started twice") } catch {
            #expect(error.code == .state)
        }
    }

    @Test func unreachableBrokerKeepsTryingAndStopsPromptly() throws {
        let port = try FreePort.find()
        var config = MQTTConfig(url: "mqtt://127.0.0.1:\(port)", clientID: "lonely")
        config.reconnectDelayMinMs = 20
        config.reconnectDelayMaxMs = 5_000
        let c = try TestClient(config)
        try c.client.start()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!c.client.isConnected)
        #expect(c.connects.all.isEmpty)
        let t0 = Date()
        c.client.stop()
        #expect(Date().timeIntervalSince(t0) < 2, "stop interrupts the backoff sleep")
    }

    @Test func publishWhileDisconnected() throws {
        let port = try FreePort.find()
        let c = try TestClient(MQTTConfig(url: "mqtt://127.0.0.1:\(port)", clientID: "offline-pub"))
        do { try c.client.publish(topic: "a", text: "x", qos: 0, retain: false); Issue.record("QoS 0 accepted while never connected") } catch {
            #expect(error.code == .notConnected)
        }
    }
}
