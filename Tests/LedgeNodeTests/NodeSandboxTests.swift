// Hostile functions inside a running node (real mosquitto, real SQLite): every hostile module on one
// trigger topic gives its verdict on every event, modules that cannot start are reported and left out,
// a full queue drops and counts, nothing reaches a forbidden topic, and a well-behaved function on the same
// node answers every one of its events throughout.
import Foundation
import Testing
import LedgeCore
import LedgeMQTT
@testable import LedgeNode
import LedgeTestSupport

@Suite(.serialized) struct NodeSandboxTests {
    /// name, fixture, extra limits JSON, allow_publish, trigger.
    static let hostile: [(String, String, String, [String])] = [
        ("loop", "hostile_loop", #""fuel": 2000000"#, ["out/#"]),
        ("memory", "hostile_memory", #""memory_pages": 48"#, ["out/#"]),
        ("recursion", "hostile_recursion", #""call_depth": 200"#, ["out/#"]),
        ("tablegrow", "hostile_tablegrow", "", ["out/#"]),
        ("flood", "hostile_flood", #""max_publishes": 4"#, ["out/flood"]),
        ("topic", "hostile_topic", "", ["plant/+/rul"]),
        ("pointer", "hostile_pointer", "", ["out/#"]),
        ("divzero", "hostile_divzero", "", ["out/#"]),
    ]
    /// Modules the node must refuse to start (and keep serving the others).
    static let unstartable: [(String, String)] = [("table", "hostile_table"), ("bigdata", "hostile_bigdata"),
                                                   ("import", "hostile_import"), ("badsig", "hostile_badsig")]

    func function(_ name: String, _ fixture: String, limits: String, allow: [String], trigger: String) throws -> String {
        let allowJSON = allow.map { "\"\($0)\"" }.joined(separator: ", ")
        // Defaults for the test, overridden by `limits` (a JSON members fragment).
        var members: [String: String] = ["\"timeout_ms\"": "2000", "\"memory_pages\"": "64", "\"kv_quota_bytes\"": "4096"]
        for part in limits.split(separator: ",") where part.contains(":") {
            let kv = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            members[kv[0]] = kv[1]
        }
        let limitsJSON = members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return """
        {"name": "\(name)", "module": "\(try FunctionFixtures.path(fixture))", "triggers": ["\(trigger)"],
         "allow_publish": [\(allowJSON)], "limits": {\(limitsJSON)}}
        """
    }

    @Test func hostileFunctionsTrapWhileAWellBehavedOneKeepsAnswering() throws {
        let broker = try TestBroker()
        let data = try TestPaths.scratch("node-sandbox")
        var fns = [try function("well", "well_behaved", limits: "", allow: ["out/echo"], trigger: "in/well")]
        for (name, fixture, limits, allow) in Self.hostile {
            fns.append(try function(name, fixture, limits: limits, allow: allow, trigger: "in/hostile"))
        }
        for (name, fixture) in Self.unstartable {
            fns.append(try function(name, fixture, limits: "", allow: ["out/#"], trigger: "in/hostile"))
        }
        // A slow function with a two-event queue: a burst overflows it.
        fns.append(try function("slow", "hostile_loop", limits: #""fuel": 400000000000, "timeout_ms": 100, "queue": 2"#,
                                allow: ["out/#"], trigger: "in/slow"))
        let json = """
        {"node_id": "sandbox-node", "broker": {"url": "\(broker.url)"}, "data_dir": "\(data.path)",
         "functions": [\(fns.joined(separator: ",\n"))], "metrics_interval_s": 0, "log_level": "error"}
        """
        let config = try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "sandbox.json"))
        let node = try Node(config: config)
        let started = Set(node.runtimes.map(\.config.name))
        #expect(started == Set(["well", "slow"] + Self.hostile.map(\.0)), "\(started)")
        try node.start()
        defer { node.shutdown(timeoutSeconds: 5) }

        let echoes = Locked<[Int: Int]>([:])
        let forbidden = Locked<[String]>([])
        let floods = Locked(0)
        var cc = MQTTConfig(url: broker.url, clientID: "sandbox-consumer")
        cc.cleanStart = true
        let consumer = try MQTTClient(config: cc)
        consumer.onMessage = { m in
            if m.topic == "out/echo", let doc = try? JSONValue.parse(m.payload), let n = doc["n"]?.doubleValue,
               let c = doc["count"]?.doubleValue {
                echoes.withLock { $0[Int(n)] = Int(c) }
            } else if m.topic == "out/flood" {
                floods.withLock { $0 += 1 }
            } else if !m.topic.hasPrefix("in/") && m.topic != "ledge/v1/nodes/sandbox-node/status" {
                forbidden.withLock { $0.append(m.topic) }
            }
        }
        _ = try consumer.subscribe("#", qos: 1)
        try consumer.start()
        defer { consumer.stop() }
        var pc = MQTTConfig(url: broker.url, clientID: "sandbox-publisher")
        pc.cleanStart = true
        let publisher = try MQTTClient(config: pc)
        try publisher.start()
        defer { publisher.stop() }
        #expect(eventually(seconds: 10) { consumer.isConnected && publisher.isConnected })
        Clock.sleep(millis: 300)

        let rounds = 12
        for i in 1...rounds {
            // hostile_topic reads "which", hostile_pointer reads "call" (a different host call each round).
            _ = try publisher.publish(topic: "in/hostile", text: #"{"which":\#(i % 2),"call":\#(i % 24)}"#, qos: 1, retain: false)
            _ = try publisher.publish(topic: "in/well", text: #"{"n":\#(i)}"#, qos: 1, retain: false)
        }
        for _ in 0..<20 { _ = try publisher.publish(topic: "in/slow", text: "{}", qos: 1, retain: false) }

        #expect(eventually(seconds: 60) { echoes.current.count == rounds })
        let got = echoes.current
        #expect(got.count == rounds)
        // The count lives in SQLite KV and is incremented once per event, in order.
        #expect(Set(got.values) == Set(1...rounds))

        func stats(_ name: String) -> FunctionStats { node.runtimes.first { $0.config.name == name }!.statistics }
        #expect(eventually(seconds: 60) { Self.hostile.allSatisfy { stats($0.0).invocations == rounds } })
        let verdicts = ["loop": "out of fuel", "memory": "memory limit", "recursion": "call stack exhausted",
                        "tablegrow": "table limit", "flood": "publish limit", "topic": "publish denied",
                        "pointer": "out-of-bounds pointer", "divzero": "integer divide by zero"]
        for (name, verdict) in verdicts {
            let s = stats(name)
            #expect(s.traps == rounds, "\(name): \(s.trapsByReason)")
            #expect(s.trapsByReason[verdict] == rounds, "\(name): \(s.trapsByReason)")
            #expect(s.discarded == rounds && s.replacements == rounds, "\(name)")
        }
        let well = stats("well")
        #expect(well.traps == 0 && well.errors == 0 && well.invocations == rounds)
        #expect(well.coldStarts == 1)  // one prewarmed instance served every event

        // The slow function's burst: some ran (each ending at its deadline), the rest were dropped and counted.
        #expect(eventually(seconds: 30) { let s = stats("slow"); return s.invocations + s.dropped == 20 })
        let slow = stats("slow")
        #expect(slow.dropped > 0)
        #expect(slow.trapsByReason["deadline exceeded"] == slow.invocations)

        Clock.sleep(millis: 300)
        #expect(forbidden.current.isEmpty, "\(forbidden.current)")
        #expect(floods.current == 4 * rounds)  // max_publishes 4 went out before each flood trapped
        let metrics = node.metricsDocument()
        #expect(metrics["functions"]?["loop"]?["traps"]?.doubleValue == Double(rounds))
    }
}
