// End to end on real parts: a real mosquitto, the cmapss-rul function compiled from Embedded Swift, the
// committed int8 model, a node, C-MAPSS rows replayed over MQTT, predictions checked against the model
// run directly on the same windows.
import Foundation
import Testing
@testable import LedgeCLI
import LedgeCore
import LedgeML
import LedgeMQTT
import LedgeNode
import LedgeTestSupport

@Suite(.serialized) struct DemoPathTests {
    static let repo = TestPaths.repoRoot.path

    /// Builds the demo function once per test process.
    static let functionModule: String = {
        let out = NSTemporaryDirectory() + "ledge-test-cmapss-rul-\(getpid()).wasm"
        let builder = FunctionBuilder(sdk: repo + "/edge-config/sdk")
        _ = try! builder.build(source: repo + "/edge-config/functions/cmapss-rul", output: out, verbose: false)
        return out
    }()

    func nodeConfig(broker: String, dataDir: String) throws -> NodeConfig {
        let json = """
        {"node_id": "test-node", "broker": {"url": "\(broker)"}, "data_dir": "\(dataDir)",
         "models": [{"name": "cmapss-rul", "path": "\(Self.repo)/models/cmapss-rul"}],
         "functions": [{"name": "cmapss-rul", "module": "\(Self.functionModule)",
           "triggers": ["plant/+/engine/+/telemetry"], "allow_publish": ["plant/+/engine/+/rul", "plant/+/engine/+/alert"],
           "models": ["cmapss-rul"], "config": {"alert_below": 20}}],
         "metrics_interval_s": 0}
        """
        return try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "test.json"))
    }

    /// What the model says for `rows` (one unit's history so far), computed here from the manifest.
    func expectedRUL(_ rows: [[Double]], manifest: ModelManifest, model: Model) throws -> Float {
        let columns = ReplayCommand.columns
        let idx = manifest.features.map { f in columns.firstIndex(of: f)! }
        let window = Int(manifest.floats(at: "window")![0])
        let last = Array(rows.suffix(window))
        let padded = Array(repeating: last[0], count: window - last.count) + last
        var input: [Float] = []
        for r in padded { for (k, i) in idx.enumerated() { input.append((Float(r[i]) - manifest.mean[k]) / manifest.std[k]) } }
        let out = try model.predict(input)
        let scale = manifest.floats(at: "output_transform.scale")?.first ?? 1
        let offset = manifest.floats(at: "output_transform.offset")?.first ?? 0
        return out[0] * scale + offset
    }

    @Test func nodeTurnsTelemetryIntoPredictions() throws {
        let broker = try TestBroker()
        let data = try TestPaths.scratch("node")
        let node = try Node(config: try nodeConfig(broker: broker.url, dataDir: data.path))
        #expect(node.runtimes.count == 1)
        try node.start()
        defer { node.shutdown(timeoutSeconds: 5) }

        let received = Locked<[String: Double]>([:])
        let alerts = Locked(0)
        var cc = MQTTConfig(url: broker.url, clientID: "test-consumer")
        cc.cleanStart = true
        let consumer = try MQTTClient(config: cc)
        consumer.onMessage = { m in
            guard let doc = try? JSONValue.parse(m.payload), let u = doc["unit"]?.doubleValue, let c = doc["cycle"]?.doubleValue,
                  let r = doc["rul"]?.doubleValue else { return }
            if m.topic.hasSuffix("/alert") { alerts.withLock { $0 += 1 } } else { received.withLock { $0["\(Int(u))/\(Int(c))"] = r } }
        }
        _ = try consumer.subscribe("plant/test/engine/+/rul", qos: 1)
        _ = try consumer.subscribe("plant/test/engine/+/alert", qos: 1)
        try consumer.start()
        defer { consumer.stop() }

        var pc = MQTTConfig(url: broker.url, clientID: "test-publisher")
        pc.cleanStart = true
        let publisher = try MQTTClient(config: pc)
        try publisher.start()
        defer { publisher.stop() }
        try waitFor(seconds: 10) { consumer.isConnected && publisher.isConnected }
        Clock.sleep(millis: 300)

        // Engines 1..3 of the real test set, interleaved; plus one malformed payload in the middle.
        let text = try String(contentsOfFile: TestPaths.dataDir.path + "/cmapss/test_FD001.txt", encoding: .utf8)
        var errors: [String] = []
        let rows = ReplayCommand.interleave(ReplayCommand.parseCMAPSS(text, errors: &errors).filter { $0.unit <= 3 })
        #expect(errors.isEmpty)
        for (i, r) in rows.enumerated() {
            if i == 10 { _ = try publisher.publish(topic: "plant/test/engine/1/telemetry", text: "{not json", qos: 1, retain: false) }
            _ = try publisher.publish(topic: "plant/test/engine/\(r.unit)/telemetry", text: ReplayCommand.payload(r), qos: 1, retain: false)
        }
        try waitFor(seconds: 30) { received.current.count >= rows.count }
        let got = received.current
        #expect(got.count == rows.count)

        // Each prediction equals the model run directly on the same window (one decimal in the payload).
        let manifest = try ModelManifest.load(path: Self.repo + "/models/cmapss-rul", name: "cmapss-rul")
        let model = try Model(path: manifest.modelFile)
        var history: [Int: [[Double]]] = [:]
        var checked = 0
        for r in rows {
            history[r.unit, default: []].append(r.values)
            let expected = try expectedRUL(history[r.unit]!, manifest: manifest, model: model)
            let actual = try #require(got["\(r.unit)/\(r.cycle)"])
            #expect(abs(actual - Double(expected)) <= 0.051, "unit \(r.unit) cycle \(r.cycle): \(actual) vs \(expected)")
            checked += 1
        }
        #expect(checked == rows.count)
        let stats = node.runtimes[0].statistics
        #expect(stats.invocations == rows.count + 1)
        #expect(stats.errors == 1)  // the malformed payload: reported, node kept serving
        #expect(stats.traps == 0)
    }

    @Test func badConfigNamesFileAndKey() throws {
        let json = #"{"node_id": "n", "data_dir": "/tmp/x", "functions": [{"name": "f", "module": "m.wasm", "triggers": ["a/#/b"]}]}"#
        #expect(throws: ConfigError.self) {
            try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "bad.json"))
        }
        do {
            _ = try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "bad.json"))
        } catch let e as ConfigError {
            #expect(e.description.contains("bad.json"))
            #expect(e.description.contains("functions[0].triggers[0]"))
        }
    }

    @Test func modelManifestValuesFunctionsReadAreTyped() throws {
        let src = Self.repo + "/models/cmapss-rul"
        let text = try String(contentsOfFile: src + "/manifest.json", encoding: .utf8)
        for (from, to, key) in [("\"scale\": 125.0", "\"scale\": \"125\"", "output_transform.scale"),
                                ("\"scale\": 125.0", "\"scale\": 0", "output_transform.scale"),
                                ("\"window\": 30,", "\"window\": 30.5,", "window")] {
            #expect(text.contains(from), "the committed manifest changed its layout: \(from)")
            let dir = try TestPaths.scratch("manifest")
            try text.replacingOccurrences(of: from, with: to).write(toFile: dir.path + "/manifest.json", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: src + "/model.tflite", toPath: dir.path + "/model.tflite")
            var message = ""
            do throws(ConfigError) {
                _ = try ModelManifest.load(path: dir.path, name: "cmapss-rul")
                Issue.record("accepted \(to)")
            } catch { message = error.description }
            #expect(message.contains(key), "\(message)")
        }
    }

    @Test func missingModuleIsReportedAndNodeStillStarts() throws {
        let broker = try TestBroker()
        let data = try TestPaths.scratch("node")
        var config = try nodeConfig(broker: broker.url, dataDir: data.path)
        var missing = config.functions[0]
        missing.name = "missing"
        missing.module = data.path + "/does-not-exist.wasm"
        config.functions.append(missing)
        let node = try Node(config: config)
        #expect(node.runtimes.map(\.config.name) == ["cmapss-rul"])
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (then fails the test).
func waitFor(seconds: Double, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        usleep(20_000)
    }
}
