// The node's inbound side on real parts: its persistent QoS 1 session keeps events published while the
// node is stopped, and de-duplication by message id drops a redelivered event.
import Foundation
import Testing
@testable import LedgeCLI
import LedgeCore
import LedgeMQTT
import LedgeNode
import LedgeTestSupport

@Suite(.serialized) struct InboundSessionTests {
    func config(broker: String, dataDir: String, dedup: Bool) throws -> NodeConfig {
        let json = """
        {"node_id": "session-node", "broker": {"url": "\(broker)"}, "data_dir": "\(dataDir)",
         "models": [{"name": "cmapss-rul", "path": "\(DemoPathTests.repo)/models/cmapss-rul"}],
         "functions": [{"name": "cmapss-rul", "module": "\(DemoPathTests.functionModule)",
           "triggers": ["plant/+/engine/+/telemetry"], "allow_publish": ["plant/+/engine/+/rul", "plant/+/engine/+/alert"],
           "models": ["cmapss-rul"]}],
         \(dedup ? #""inbound": {"dedup_fields": ["unit", "cycle"], "dedup_window": 1000},"# : "")
         "metrics_interval_s": 0}
        """
        return try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "test.json"))
    }

    /// A consumer recording predictions as "unit/cycle".
    func consumer(_ broker: TestBroker) throws -> (MQTTClient, Locked<[String]>) {
        let got = Locked<[String]>([])
        var cc = MQTTConfig(url: broker.url, clientID: "session-consumer")
        cc.cleanStart = true
        let c = try MQTTClient(config: cc)
        c.onMessage = { m in
            guard let doc = try? JSONValue.parse(m.payload), let u = doc["unit"]?.doubleValue, let cy = doc["cycle"]?.doubleValue else { return }
            got.withLock { $0.append("\(Int(u))/\(Int(cy))") }
        }
        _ = try c.subscribe("plant/s/engine/+/rul", qos: 1)
        try c.start()
        return (c, got)
    }

    func rows() throws -> [ReplayCommand.Row] {
        let text = try String(contentsOfFile: TestPaths.dataDir.path + "/cmapss/test_FD001.txt", encoding: .utf8)
        var errors: [String] = []
        return ReplayCommand.parseCMAPSS(text, errors: &errors).filter { $0.unit == 1 }
    }

    @Test("events published while the node is stopped are processed when it returns (persistent session)")
    func eventsWhileDown() throws {
        let broker = try TestBroker()
        let data = try TestPaths.scratch("session").path
        let (cons, got) = try consumer(broker)
        defer { cons.stop() }
        var pc = MQTTConfig(url: broker.url, clientID: "session-publisher")
        pc.cleanStart = true
        let pub = try MQTTClient(config: pc)
        try pub.start()
        defer { pub.stop() }
        let all = try rows()
        do {
            let node = try Node(config: try config(broker: broker.url, dataDir: data, dedup: false))
            try node.start()
            try waitFor(seconds: 10) { cons.isConnected && pub.isConnected && node.isConnected }
            Clock.sleep(millis: 200)
            for r in all.prefix(5) { _ = try pub.publish(topic: "plant/s/engine/1/telemetry", text: ReplayCommand.payload(r), qos: 1, retain: false) }
            try waitFor(seconds: 20) { got.current.count >= 5 }
            node.shutdown(timeoutSeconds: 5)
        }
        // The node is gone; its session (clean start off, expiry 1 day) keeps what comes now.
        for r in all[5..<15] { _ = try pub.publish(topic: "plant/s/engine/1/telemetry", text: ReplayCommand.payload(r), qos: 1, retain: false) }
        Clock.sleep(millis: 300)
        #expect(got.current.count == 5, "nothing is processed while the node is down")
        let node = try Node(config: try config(broker: broker.url, dataDir: data, dedup: false))
        try node.start()
        defer { node.shutdown(timeoutSeconds: 5) }
        try waitFor(seconds: 20) { got.current.count >= 15 }
        #expect(got.current == (1...15).map { "1/\($0)" }, "every event once, in order")
    }

    @Test("with dedup_fields a redelivered event (same unit and cycle) runs once")
    func dedupDropsRepeats() throws {
        let broker = try TestBroker()
        let data = try TestPaths.scratch("session").path
        let (cons, got) = try consumer(broker)
        defer { cons.stop() }
        var pc = MQTTConfig(url: broker.url, clientID: "dedup-publisher")
        pc.cleanStart = true
        let pub = try MQTTClient(config: pc)
        try pub.start()
        defer { pub.stop() }
        let node = try Node(config: try config(broker: broker.url, dataDir: data, dedup: true))
        try node.start()
        defer { node.shutdown(timeoutSeconds: 5) }
        try waitFor(seconds: 10) { cons.isConnected && pub.isConnected && node.isConnected }
        Clock.sleep(millis: 200)
        let all = try rows()
        for r in all.prefix(3) {
            for _ in 0..<2 { _ = try pub.publish(topic: "plant/s/engine/1/telemetry", text: ReplayCommand.payload(r), qos: 1, retain: false) }
        }
        try waitFor(seconds: 20) { got.current.count >= 3 }
        Clock.sleep(millis: 300)
        #expect(got.current == ["1/1", "1/2", "1/3"])
        let m = node.metricsDocument()
        #expect(m["inbound"]?["duplicates_dropped"]?.doubleValue == 3)
        #expect(m["events_received"]?.doubleValue == 6)
    }
}
