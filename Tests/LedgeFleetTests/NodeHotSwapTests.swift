// A real `Node` (function in Wasm compiled by clang, a real int8 model (a frozen copy of cmapss-rul 1.0.0), update agent) under a steady
// stream of events while the coordinator rolls out a new model version: no event is lost or reordered, the
// version changes exactly once between two events, and a model that fails its golden pair never goes live.
import Foundation
import Testing
import LedgeCore
@testable import LedgeFleet
import LedgeMQTT
import LedgeNode
import LedgeTestSupport

@Suite(.serialized) struct NodeHotSwapTests {
    /// A frozen copy of cmapss-rul 1.0.0 (the first trained model): the test patches its output scale to make
    /// variants, so it must not change when models/cmapss-rul is retrained.
    static let modelDir = TestPaths.repoRoot.appendingPathComponent("Tests/LedgeFleetTests/Fixtures/cmapss-rul-1.0.0").path

    static func compileProbe(into dir: URL) throws -> String {
        let src = TestPaths.repoRoot.appendingPathComponent("Tests/LedgeFleetTests/Fixtures/swap_probe.c").path
        let out = dir.appendingPathComponent("swap_probe.wasm").path
        let (status, text) = try Tool.capture("/opt/swift/usr/bin/clang",
                                              ["--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,-z,stack-size=16384", "-o", out, src])
        guard status == 0 else { throw UpdateError(.install, src, "clang failed (\(status)): \(text)") }
        return out
    }

    /// The model bytes with the output scale multiplied by `factor` (a variant that loads and runs, with other outputs).
    static func scaledModel(_ factor: Float) throws -> [UInt8] {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: modelDir + "/model.tflite")))
        let manifest = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: modelDir + "/manifest.json"))))
        guard case .array(let outs)? = manifest["outputs"], let scale = outs.first?["scale"]?.doubleValue else {
            throw UpdateError(.install, "manifest", "no output scale")
        }
        let want = withUnsafeBytes(of: Float(scale).bitPattern.littleEndian) { Array($0) }
        let hits = (0...(bytes.count - 4)).filter { Array(bytes[$0..<($0 + 4)]) == want }
        guard hits.count == 1 else { throw UpdateError(.install, "model", "output scale found \(hits.count) times") }
        let new = withUnsafeBytes(of: (Float(scale) * factor).bitPattern.littleEndian) { Array($0) }
        bytes.replaceSubrange(hits[0]..<(hits[0] + 4), with: new)
        return bytes
    }

    /// The golden pair of `bytes` (run through the node's own model loader).
    static func golden(_ bytes: [UInt8], in dir: URL) throws -> SmokeTest {
        let path = dir.appendingPathComponent("golden-\(SHA256.hex(bytes).prefix(8)).tflite").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let m = try LoadedModel(name: "g", path: path)
        let input = (0..<m.inputCount).map { Float($0 % 11) * 0.1 - 0.5 }
        var out = [Float](repeating: 0, count: m.outputCount)
        _ = try input.withUnsafeBufferPointer { i in try out.withUnsafeMutableBufferPointer { try m.infer(i, $0) } }
        return SmokeTest(input: input, output: out, tolerance: 1e-4)
    }

    func push(_ h: FleetHarness, _ bytes: [UInt8], version: String, smoke: SmokeTest) throws -> ArtifactRecord {
        let info = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.modelDir + "/manifest.json"))))
        let m = try ArtifactManifest.describing(bytes, name: "cmapss-rul", version: version, kind: .model, smoke: smoke, info: info)
        let signed = try SignedManifest.sign(m, with: h.releaseKey)
        let rec = ArtifactRecord(sha256: m.sha256, kind: .model, name: "cmapss-rul", version: version, size: bytes.count, signed: signed, createdMs: 0)
        try h.coordinator.store.putArtifact(rec, bytes: bytes)
        return rec
    }

    @Test func modelSwapMidStreamLosesAndReordersNothing() throws {
        let h = try FleetHarness(chunkSize: 16 * 1024)
        defer { h.stop() }
        let wasm = try Self.compileProbe(into: h.root)
        let cfgPath = h.root.appendingPathComponent("node.json").path
        let cfg = """
        {"node_id": "hs-1", "broker": {"url": "\(h.broker.url)"}, "data_dir": "\(h.root.appendingPathComponent("node").path)",
         "labels": {"site": "a"}, "models": [{"name": "cmapss-rul", "path": "\(Self.modelDir)"}],
         "functions": [{"name": "probe", "module": "\(wasm)", "triggers": ["hs/in"], "allow_publish": ["hs/out"],
                        "models": ["cmapss-rul"], "limits": {"max_event_bytes": 1024, "queue": 20000}}],
         "trusted_keys": ["\(h.releaseKey.publicKey.hex)"], "update": {"probation_s": 5, "report_interval_s": 1},
         "metrics_interval_s": 0, "log_level": "warn"}
        """
        FileManager.default.createFile(atPath: cfgPath, contents: Data(cfg.utf8))
        let node = try Node(config: try NodeConfig.load(file: cfgPath))
        try node.start()
        defer { node.shutdown(timeoutSeconds: 5) }
        #expect(h.wait(10) { try h.coordinator.store.node("hs-1")?.online == true })

        // Release 10.0.0 (the committed model, above any committed version) through the coordinator, then a broken
        // 10.5.0 and a good 11.0.0.
        let v1Bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.modelDir + "/model.tflite")))
        let v1 = try push(h, v1Bytes, version: "10.0.0", smoke: try Self.golden(v1Bytes, in: h.root))
        try h.startRollout(RolloutEndToEndTests.plan("cmapss-rul", "10.0.0", waves: [PlanWave(percent: 100)]), id: "hs-r1")
        #expect(h.wait(20) { try h.rollout("hs-r1")?.state == .succeeded })

        // Broken: the bytes of a variant with the golden pair of 10.0.0. Refused by the smoke test, never live.
        let brokenBytes = try Self.scaledModel(0.5)
        _ = try push(h, brokenBytes, version: "10.5.0", smoke: try Self.golden(v1Bytes, in: h.root))
        try h.startRollout(RolloutEndToEndTests.plan("cmapss-rul", "10.5.0", waves: [PlanWave(percent: 100)]), id: "hs-r2")
        #expect(h.wait(20) { try h.coordinator.store.executions(rollout: "hs-r2").first?.state == .failed })
        #expect(try h.coordinator.store.executions(rollout: "hs-r2").first?.message.contains("smoke_test_failed") == true)
        #expect(node.servedByVersion.allSatisfy { $0.version != "10.5.0" })

        // The stream: seq 0..<n on hs/in, one publisher, QoS 1; 11.0.0 is rolled out while it flows.
        let received = Locked<[(seq: Int, y: Int)]>([])
        var sc = MQTTConfig(url: h.broker.url, clientID: "hs-sub")
        sc.cleanStart = true
        let sub = try MQTTClient(config: sc)
        sub.onMessage = { m in
            guard let doc = try? JSONValue.parse(m.payload), let s = doc["seq"]?.doubleValue, let y = doc["y"]?.doubleValue else { return }
            received.withLock { $0.append((Int(s), Int(y))) }
        }
        try sub.start()
        _ = try sub.subscribe("hs/out", qos: 1)
        let pub = try MQTTClient(config: MQTTConfig(url: h.broker.url, clientID: "hs-pub"))
        try pub.start()
        defer { pub.stop(); sub.stop() }
        usleep(300_000)

        let v2Bytes = try Self.scaledModel(0.5)
        let v2Smoke = try Self.golden(v2Bytes, in: h.root)
        let n = 3000
        let v2 = try push(h, v2Bytes + [0], version: "11.0.0", smoke: v2Smoke)   // distinct bytes from the broken 10.5.0
        for seq in 0..<n {
            _ = try pub.publish(topic: "hs/in", text: "{\"seq\":\(seq)}", qos: 1, retain: false)
            if seq == n / 4 {
                try h.startRollout(RolloutEndToEndTests.plan("cmapss-rul", "11.0.0", waves: [PlanWave(percent: 100)]), id: "hs-r3")
            }
            usleep(1_000)
        }
        #expect(h.wait(30) { received.withLock { $0.count } >= n }, "received \(received.withLock { $0.count }) of \(n)")
        #expect(h.wait(20) { try h.rollout("hs-r3")?.state == .succeeded })
        let got = received.withLock { $0 }
        #expect(got.map(\.seq) == Array(0..<n), "every event once, in order")
        // One version change, between two events, from 10.0.0's output to 11.0.0's.
        var changes = 0
        for i in 1..<got.count where got[i].y != got[i - 1].y { changes += 1 }
        #expect(changes == 1, "\(changes) output changes")
        #expect(got.first?.y != got.last?.y)
        let served = node.servedByVersion
        let count = { (v: String) in served.filter { $0.version == v }.map(\.count).reduce(0, +) }
        #expect(count("10.0.0") > 0 && count("11.0.0") > 0)
        #expect(count("10.0.0") + count("11.0.0") == n, "\(served)")
        #expect(h.wait(5) { try h.coordinator.store.node("hs-1")?.reported?.active.first?.sha256 == v2.sha256 })
        #expect(try h.coordinator.store.node("hs-1")?.reported?.previous.first?.sha256 == v1.sha256)
    }
}
