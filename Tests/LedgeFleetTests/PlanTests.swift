// Tests for rollout plans: parsing with clear errors, selectors, wave assignment, health gates.
import Foundation
import Testing
@testable import LedgeFleet
import LedgeCore
import LedgeTestSupport

@Suite struct PlanTests {
    static let good = """
    {"name": "rul v2", "artifacts": [{"name": "cmapss-rul", "version": "2.0.0"}],
     "selector": {"site": "plant-a"},
     "waves": [{"canary": 1, "soak_seconds": 5}, {"percent": 50, "soak_seconds": 5}, {"percent": 100}],
     "gates": {"max_activation_failures": 0, "max_prediction_shift": 3},
     "max_parallel_downloads": 4, "on_gate_failure": "rollback", "node_timeout_seconds": 60}
    """

    @Test func parsesAGoodPlan() throws {
        let p = try RolloutPlan.parse(Array(Self.good.utf8))
        #expect(p.waves.count == 3)
        #expect(p.onGateFailure == .rollback)
        #expect(p.gates(forWave: 2).maxPredictionShift == 3)
        #expect(p.selects(["site": "plant-a", "hw": "pi4"]))
        #expect(!p.selects(["site": "plant-b"]))
        #expect(!p.selects([:]))
    }

    @Test(arguments: [
        ("{\"name\": \"x\"}", "artifacts"),
        ("{\"name\": \"x\", \"artifacts\": [], \"waves\": [{\"percent\": 100}]}", "artifacts"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\"}], \"waves\": [{\"percent\": 100}]}", "artifacts[0]"),
        ("{\"name\": \"x\", \"artifacts\": [{\"sha256\": \"zz\"}], \"waves\": [{\"percent\": 100}]}", "sha256"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"canary\": 1}, {\"percent\": 50}]}", "percent 100"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 60}, {\"percent\": 50}]}", "waves[1].percent"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}, {\"canary\": 2}]}", "waves[1]"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"canary\": 1, \"percent\": 5}]}", "exactly one"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"on_gate_failure\": \"explode\"}", "on_gate_failure"),
        ("[1,2", "plan"),
        // Unknown keys at every level are errors naming their path (a misspelt gate must not vanish).
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"gates\": {\"max_errros\": 1}}", "gates.max_errros: unknown key"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100, \"gates\": {\"max_p99\": 3}}]}", "waves[0].gates.max_p99"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\", \"kind\": \"model\"}], \"waves\": [{\"percent\": 100}]}", "artifacts[0].kind"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100, \"soak\": 5}]}", "waves[0].soak"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"timeout\": 5}", "timeout: unknown key"),
        // Gate limits are numbers >= 0, in the plan's gates and in a wave's.
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"gates\": {\"min_predictions\": -1}}", "gates.min_predictions: must be >= 0"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100, \"gates\": {\"max_prediction_shift\": -2}}]}", "waves[0].gates.max_prediction_shift"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"gates\": {\"min_predictions\": \"ten\"}}", "min_predictions"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100, \"gates\": {\"min_predictions\": 2.5}}]}", "waves[0].gates.min_predictions: expected a whole number"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"canary\": 1.5}, {\"percent\": 100}]}", "waves[0].canary: expected a whole number"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"gates\": {\"max_function_error_rate\": 5}}", "max_function_error_rate: is a fraction"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}], \"max_parallel_downloads\": 1e20}", "max_parallel_downloads: expected a whole number"),
        ("{\"name\": \"x\", \"artifacts\": [{\"name\": \"a\", \"version\": \"1.0.0\"}], \"waves\": [{\"percent\": 100}, {\"percent\": 100, \"gates\": {\"min_predictions\": \"x\"}}]}", "waves[1].gates.min_predictions"),
    ])
    func rejectsBadPlansNamingTheField(json: String, mention: String) {
        do {
            _ = try RolloutPlan.parse(Array(json.utf8))
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.code == .badPlan)
            #expect(error.description.contains(mention), "\(error.description) should mention \(mention)")
        }
    }

    @Test func wavesSplitCanaryThenPercentages() throws {
        let p = try RolloutPlan.parse(Array(Self.good.utf8))
        let nodes = (0..<20).map { "n\($0)" }
        let a = WavePlanner.assign(nodes: nodes, plan: p, seed: "r1")
        #expect(WavePlanner.sizes(a, waves: 3) == [1, 9, 10])
        #expect(Set(a.map(\.node)) == Set(nodes))
        // Stable for the same seed, different for another.
        #expect(WavePlanner.assign(nodes: nodes.reversed(), plan: p, seed: "r1").map(\.node) == a.map(\.node))
        #expect(WavePlanner.assign(nodes: nodes, plan: p, seed: "r2").map(\.node) != a.map(\.node))
        // Tiny fleets: every node lands somewhere, the canary first.
        let one = WavePlanner.assign(nodes: ["only"], plan: p, seed: "r1")
        #expect(one.count == 1 && one[0].wave == 0)
        #expect(WavePlanner.sizes(WavePlanner.assign(nodes: ["a", "b", "c"], plan: p, seed: "x"), waves: 3) == [1, 1, 1])
    }

    @Test func gatesFlagEachSignal() {
        let gates = HealthGates(maxActivationFailures: 0, maxFunctionErrorRate: 0.1, maxInferenceP99Ms: 20, maxPredictionShift: 3, minPredictionStd: 0.5)
        let base = ["rul": PredictionStats(mean: 100, std: 10)]
        let fine = NodeHealth(invocations: 100, functionErrors: 5, inferences: 100, inferenceP99Ms: 5, predictionMean: ["rul": 104], predictionStd: ["rul": 9])
        #expect(GateEvaluator.evaluate(gates: gates, healths: [fine, fine], activationFailures: 0, baseline: base).isEmpty)
        let drifted = NodeHealth(invocations: 100, functionErrors: 50, inferences: 100, inferenceP99Ms: 45, predictionMean: ["rul": 20], predictionStd: ["rul": 1])
        let v = GateEvaluator.evaluate(gates: gates, healths: [drifted], activationFailures: 1, baseline: base)
        #expect(Set(v.map(\.gate)) == ["max_activation_failures", "max_function_error_rate", "max_inference_p99_ms", "max_prediction_shift"])
        #expect(v.first { $0.gate == "max_prediction_shift" }!.observed == 8)
    }

    @Test func fewestPredictionsCountsEveryNodeThatReports() {
        let a = NodeHealth(predictionMean: ["rul": 1], predictionStd: ["rul": 0], predictionCount: ["rul": 25])
        let b = NodeHealth(predictionCount: ["rul": 0])  // swapped, no prediction yet: no mean, count 0
        let old = NodeHealth(predictionMean: ["rul": 1], predictionStd: ["rul": 0])  // an older node: no counts
        #expect(PredictionStats.fewest([a]) == 25)
        #expect(PredictionStats.fewest([a, b]) == 0)
        #expect(PredictionStats.fewest([a, old]) == 25)
        #expect(PredictionStats.fewest([old]) == nil)
        #expect(PredictionStats.fewest([]) == nil)
        // Reports of older nodes decode without the field; the field round-trips.
        let decoded = try? JSONDecoder().decode(NodeHealth.self, from: Data(#"{"activation_failures":0,"invocations":1,"function_errors":0,"inferences":1,"prediction_mean":{},"prediction_std":{}}"#.utf8))
        #expect(decoded?.predictionCount == nil)
        let again = try? JSONDecoder().decode(NodeHealth.self, from: JSONEncoder().encode(a))
        #expect(again?.predictionCount == ["rul": 25])
    }

    @Test func pooledPredictionStats() throws {
        let s = try #require(PredictionStats.pool([(mean: 0, std: 1), (mean: 2, std: 1)]))
        #expect(s.mean == 1)
        #expect(abs(s.std - 2.0.squareRoot()) < 1e-12)
    }
}

/// The coordinator's config file: unknown keys and out-of-range values are errors naming the file and key.
@Suite struct CoordinatorConfigTests {
    func write(_ json: String) throws -> String {
        let path = try TestPaths.scratch("coordcfg").appendingPathComponent("coordinator.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsAGoodConfig() throws {
        let c = try CoordinatorConfig.read(path: try write(#"{"broker": "mqtt://127.0.0.1:1883", "state_dir": "/tmp/x", "tick_ms": 200}"#))
        #expect(c.tickMs == 200 && c.stateDir == "/tmp/x" && c.clientID == "ledge-coordinator")
    }

    @Test(arguments: [
        (#"{"broker": "mqtt://127.0.0.1:1883", "state_dir": "/tmp/x", "bogus": 1}"#, "bogus: unknown key"),
        (#"{"broker": "mqtt://127.0.0.1:1883", "state_dir": "/tmp/x", "tick": 200}"#, "tick: unknown key"),
        (#"{"broker": "mqtt://127.0.0.1:1883", "state_dir": "/tmp/x", "tick_ms": 1}"#, "tick_ms"),
        (#"{"broker": "mqtt://127.0.0.1:1883"}"#, "state_dir"),
    ])
    func rejectsBadConfigsNamingTheKey(json: String, mention: String) throws {
        let path = try write(json)
        do {
            _ = try CoordinatorConfig.read(path: path)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.code == .badConfig)
            #expect(error.description.contains(mention), "\(error.description) should mention \(mention)")
            #expect(error.description.contains("coordinator.json"))
        }
    }
}
