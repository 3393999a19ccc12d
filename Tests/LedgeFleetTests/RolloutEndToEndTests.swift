// End to end over a real mosquitto: coordinator + update agents, good rollout in waves, refused artifacts.
import Foundation
import Testing
import LedgeCore
@testable import LedgeFleet
import LedgeNode
import LedgeTestSupport

@Suite(.serialized) struct RolloutEndToEndTests {
    static func plan(_ name: String, _ version: String, waves: [PlanWave], gates: HealthGates = HealthGates(), onFail: GateAction = .pause) -> RolloutPlan {
        RolloutPlan(name: "\(name) \(version)", artifacts: [PlanArtifact(name: name, version: version)], selector: ["site": "a"],
                    waves: waves, gates: gates, maxParallelDownloads: 2, onGateFailure: onFail, nodeTimeoutSeconds: 20)
    }

    @Test func goodVersionRollsOutInWavesThenRefusesTamperedAndUnknownKey() throws {
        let h = try FleetHarness()
        defer { h.stop() }
        for i in 0..<5 { try h.addNode("n\(i)") }
        #expect(h.wait(10) { (try? h.coordinator.store.nodes().filter(\.online).count) == 5 })

        let v1 = try h.push(randomBytes(50_000, seed: 1), name: "rul-fn", version: "1.0.0")
        try h.startRollout(Self.plan("rul-fn", "1.0.0", waves: [PlanWave(percent: 100)]), id: "r1")
        #expect(h.wait(30) { try h.rollout("r1")?.state == .succeeded })
        #expect(h.activators.values.allSatisfy { $0.active["function/rul-fn"] == "1.0.0" })

        let v2 = try h.push(randomBytes(70_000, seed: 2), name: "rul-fn", version: "2.0.0")
        let started = Date()
        try h.startRollout(Self.plan("rul-fn", "2.0.0", waves: [PlanWave(canary: 1, soakSeconds: 0.2), PlanWave(percent: 50, soakSeconds: 0.2), PlanWave(percent: 100)]), id: "r2")
        #expect(h.wait(40) { try h.rollout("r2")?.state == .succeeded }, "r2: \(String(describing: try? h.rollout("r2")?.message))")
        let took = Date().timeIntervalSince(started)
        #expect(h.activators.values.allSatisfy { $0.active["function/rul-fn"] == "2.0.0" })
        let execs = try h.coordinator.store.executions(rollout: "r2")
        #expect(execs.count == 5 && execs.allSatisfy { $0.state == .succeeded })
        #expect(Set(execs.map(\.wave)) == [0, 1, 2])
        // Every node reports v2 active and v1 kept as previous.
        #expect(h.wait(5) { try h.coordinator.store.nodes().allSatisfy { $0.reported?.active.first?.sha256 == v2.sha256 && $0.reported?.previous.first?.sha256 == v1.sha256 } })
        print("rollout of v2 in 3 waves over 5 nodes converged in \(String(format: "%.2f", took)) s")

        // A version signed by a key the nodes do not trust: refused by the canary, the rollout pauses there.
        let rogue = SecretKey.generate()
        try h.push(randomBytes(10_000, seed: 3), name: "rul-fn", version: "3.0.0", key: rogue)
        try h.startRollout(Self.plan("rul-fn", "3.0.0", waves: [PlanWave(canary: 1), PlanWave(percent: 100)]), id: "r3")
        #expect(h.wait(20) { try h.rollout("r3")?.state == .paused })
        let e3 = try h.coordinator.store.executions(rollout: "r3")
        #expect(e3.filter { $0.state == .failed }.count == 1)
        #expect(e3.filter { $0.releasedMs != nil }.count == 1, "nobody outside the canary was released")
        #expect(e3.first { $0.state == .failed }?.message.contains("refused") == true)
        #expect(h.activators.values.allSatisfy { $0.active["function/rul-fn"] == "2.0.0" })
    }

    @Test func tamperedBytesAreRefusedByEveryNode() throws {
        let h = try FleetHarness()
        defer { h.stop() }
        for i in 0..<3 { try h.addNode("t\(i)") }
        #expect(h.wait(10) { (try? h.coordinator.store.nodes().filter(\.online).count) == 3 })
        let rec = try h.push(randomBytes(20_000, seed: 9), name: "fn", version: "1.0.0")
        // Tamper with the stored blob after signing (same size, one byte changed).
        let path = h.stateDir + "/artifacts/" + rec.sha256
        var bytes = Array(FileManager.default.contents(atPath: path)!)
        bytes[100] ^= 0xff
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try h.startRollout(Self.plan("fn", "1.0.0", waves: [PlanWave(percent: 100)], gates: HealthGates(maxActivationFailures: 3)), id: "t1")
        #expect(h.wait(20) { try h.coordinator.store.executions(rollout: "t1").allSatisfy { $0.state == .failed } })
        #expect(h.activators.values.allSatisfy { $0.active.isEmpty })
        #expect(h.wait(10) { try h.rollout("t1")?.state == .failed }, "no node runs it: the rollout fails, never 'succeeds'")
        let nodes = try h.coordinator.store.nodes()
        #expect(nodes.allSatisfy { $0.reported?.failures.first?.code == "hash_mismatch" || $0.reported?.failures.first?.code == "download_failed" })
    }
}

@Suite(.serialized) struct ProbationAndResumeTests {
    @Test func errorsInProbationRollTheNodeBackAndTheExecutionSaysSo() throws {
        let h = try FleetHarness()
        defer { h.stop() }
        let act = try h.addNode("p0")
        #expect(h.wait(10) { try h.coordinator.store.node("p0")?.online == true })
        let v1 = try h.push(randomBytes(9_000, seed: 11), name: "fn", version: "1.0.0")
        try h.startRollout(RolloutEndToEndTests.plan("fn", "1.0.0", waves: [PlanWave(percent: 100)]), id: "p1")
        #expect(h.wait(20) { try h.rollout("p1")?.state == .succeeded })
        _ = try h.push(randomBytes(9_000, seed: 12), name: "fn", version: "2.0.0")
        try h.startRollout(RolloutEndToEndTests.plan("fn", "2.0.0", waves: [PlanWave(percent: 100, soakSeconds: 5)]), id: "p2")
        #expect(h.wait(20) { act.active["function/fn"] == "2.0.0" })
        // The new version errs on most events inside its probation window: the node rolls back by itself.
        act.setHealth(NodeHealth(invocations: 40, functionErrors: 30))
        #expect(h.wait(10) { act.active["function/fn"] == "1.0.0" })
        #expect(h.wait(10) { try h.coordinator.store.executions(rollout: "p2").first?.state == .rolledBack })
        let n = try #require(try h.coordinator.store.node("p0"))
        #expect(n.reported?.active.first?.sha256 == v1.sha256)
        #expect(n.reported?.failures.contains { $0.code == "rolled_back" && $0.version == "2.0.0" } == true)
    }

    @Test func predictionShiftWaitsForEnoughPredictions() throws {
        let h = try FleetHarness()
        defer { h.stop() }
        let act = try h.addNode("w0")
        // The node has served only three predictions in its window (as right after a model swap).
        act.setHealth(NodeHealth(inferences: 3, predictionMean: ["rul": 0.9], predictionStd: ["rul": 0.01], predictionCount: ["rul": 3]))
        #expect(h.wait(10) { try h.coordinator.store.node("w0")?.reported?.health.predictionCount == ["rul": 3] })
        _ = try h.push(randomBytes(4_000, seed: 31), name: "fn", version: "1.0.0")
        let gates = HealthGates(maxActivationFailures: 0, maxPredictionShift: 1.5, minPredictionStd: 0.05, minPredictions: 10)
        try h.startRollout(RolloutEndToEndTests.plan("fn", "1.0.0", waves: [PlanWave(percent: 100, soakSeconds: 2)], gates: gates), id: "w1")
        #expect(h.wait(20) { act.active["function/fn"] == "1.0.0" })
        // Soaked, but too few predictions to judge the shift: the wave keeps soaking and says why.
        #expect(h.wait(10) { try h.rollout("w1")?.message.contains("3 of 10 predictions") == true })
        #expect(try h.rollout("w1")?.state == .running)
        // Enough predictions, in line with the baseline: judged, and it passes.
        act.setHealth(NodeHealth(inferences: 40, predictionMean: ["rul": 0.91], predictionStd: ["rul": 0.05], predictionCount: ["rul": 40]))
        #expect(h.wait(10) { try h.rollout("w1")?.state == .succeeded })

        // A wave that never gets enough predictions is not held forever: judged after max(3 × its soak, 10 s).
        act.setHealth(NodeHealth(inferences: 2, predictionMean: ["rul": 0.91], predictionStd: ["rul": 0.05], predictionCount: ["rul": 2]))
        #expect(h.wait(10) { try h.coordinator.store.node("w0")?.reported?.health.predictionCount == ["rul": 2] })
        _ = try h.push(randomBytes(4_000, seed: 32), name: "fn", version: "1.0.1")
        let start = Date()
        try h.startRollout(RolloutEndToEndTests.plan("fn", "1.0.1", waves: [PlanWave(percent: 100, soakSeconds: 1)], gates: gates), id: "w2")
        #expect(h.wait(30) { try h.rollout("w2")?.state == .succeeded })
        #expect(Date().timeIntervalSince(start) >= 9.5, "judged before the 10 s wait although only 2 predictions were in")
    }

    @Test func anOfflineNodeIsPendingThenTimedOutNeverFailed() throws {
        let h = try FleetHarness()
        defer { h.stop() }
        try h.addNode("o0")
        try h.addNode("o1")
        #expect(h.wait(10) { (try? h.coordinator.store.nodes().filter(\.online).count) == 2 })
        h.stopNode("o1")
        #expect(h.wait(10) { try h.coordinator.store.node("o1")?.online == false })
        _ = try h.push(randomBytes(5_000, seed: 21), name: "fn", version: "1.0.0")
        var plan = RolloutEndToEndTests.plan("fn", "1.0.0", waves: [PlanWave(percent: 100)])
        plan.nodeTimeoutSeconds = 2
        try h.startRollout(plan, id: "o")
        #expect(h.wait(10) { try h.coordinator.store.execution(rollout: "o", node: "o0")?.state == .succeeded })
        let pending = try #require(try h.coordinator.store.execution(rollout: "o", node: "o1"))
        #expect(pending.state == .queued && pending.releasedMs != nil, "released (retained) and pending while offline")
        #expect(h.wait(10) { try h.coordinator.store.execution(rollout: "o", node: "o1")?.state == .timedOut })
        #expect(h.wait(10) { try h.rollout("o")?.state.isFinished == true })
    }

    @Test func aPartialDownloadResumesWithOnlyTheMissingChunks() throws {
        let dir = try TestPaths.scratch("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = randomBytes(10_000, seed: 5)
        let path = dir.appendingPathComponent("partial").path
        let a = try ChunkAssembler(sha256: SHA256.hex(bytes), size: bytes.count, chunkSize: 1024, path: path)
        for i in [0, 1, 2, 5, 9] {
            let c = ArtifactChunk(index: i, total: 10, data: Array(bytes[(i * 1024)..<min(bytes.count, (i + 1) * 1024)]))
            #expect(a.add(try ArtifactChunk.decode(c.encoded())))
        }
        a.checkpoint()
        // A new agent (after a disconnect or restart) picks up the partial file and asks only for what is missing.
        let b = try ChunkAssembler(sha256: SHA256.hex(bytes), size: bytes.count, chunkSize: 1024, path: path)
        #expect(b.missing == [3, 4, 6, 7, 8])
        #expect(!b.add(ArtifactChunk(index: 0, total: 10, data: Array(bytes[0..<1024]))), "a chunk it has is ignored")
        for i in b.missing { b.add(ArtifactChunk(index: i, total: 10, data: Array(bytes[(i * 1024)..<min(bytes.count, (i + 1) * 1024)]))) }
        #expect(b.isComplete && b.bytes == bytes)
        // A damaged frame never gets in.
        var frame = ArtifactChunk(index: 3, total: 10, data: Array(bytes[3072..<4096])).encoded()
        frame[60] ^= 1
        #expect(throws: ArtifactError.self) { try ArtifactChunk.decode(frame) }
    }
}
