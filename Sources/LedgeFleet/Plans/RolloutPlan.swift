// A rollout plan (JSON): which artifacts, which nodes, in which waves, with which health gates.
import Foundation
import LedgeCore

/// Names one artifact of the store, by name and version (or by hash).
public struct PlanArtifact: Codable, Sendable, Equatable {
    public var name: String?
    public var version: String?
    public var sha256: String?

    public init(name: String? = nil, version: String? = nil, sha256: String? = nil) {
        self.name = name
        self.version = version
        self.sha256 = sha256
    }
}

/// Health limits checked at the end of a wave's soak. A nil limit is not checked.
public struct HealthGates: Codable, Sendable, Equatable {
    /// Nodes of the wave whose activation failed (smoke test, verification, rollback) — at most this many.
    public var maxActivationFailures: Int?
    /// Function errors / invocations over the wave's nodes.
    public var maxFunctionErrorRate: Double?
    /// Worst inference latency p99 reported by a node of the wave, in milliseconds.
    public var maxInferenceP99Ms: Double?
    /// Largest shift of a model's mean prediction from the baseline, in baseline standard deviations
    /// (the baseline's own spread, floored at `minPredictionStd`).
    public var maxPredictionShift: Double?
    public var minPredictionStd: Double?
    /// Predictions each node of the wave must have served (per model, in its report's window) before the
    /// prediction shift is judged; until then the wave keeps soaking, for at most `predictionWait(soakSeconds:)`
    /// (then the shift is judged on what there is). A node that just swapped models has only seconds of
    /// predictions, and the mean of a handful is not a shift of the distribution.
    public var minPredictions: Int?
    /// The longest a wave waits for `minPredictions`: 3 × its soak, at least 10 s (also for a wave without soak).
    public static func predictionWait(soakSeconds: Double) -> Double { max(3 * soakSeconds, 10) }

    enum CodingKeys: String, CodingKey {
        case maxActivationFailures = "max_activation_failures", maxFunctionErrorRate = "max_function_error_rate"
        case maxInferenceP99Ms = "max_inference_p99_ms", maxPredictionShift = "max_prediction_shift"
        case minPredictionStd = "min_prediction_std", minPredictions = "min_predictions"
    }

    public init(maxActivationFailures: Int? = 0, maxFunctionErrorRate: Double? = nil, maxInferenceP99Ms: Double? = nil,
                maxPredictionShift: Double? = nil, minPredictionStd: Double? = nil, minPredictions: Int? = nil) {
        self.maxActivationFailures = maxActivationFailures
        self.maxFunctionErrorRate = maxFunctionErrorRate
        self.maxInferenceP99Ms = maxInferenceP99Ms
        self.maxPredictionShift = maxPredictionShift
        self.minPredictionStd = minPredictionStd
        self.minPredictions = minPredictions
    }
}

extension HealthGates {
    /// Every limit is a finite number ≥ 0 (a negative limit would fail every wave, NaN none).
    func validate(field: String, _ bad: (String, String) -> FleetError) throws(FleetError) {
        let counts: [(String, Int?)] = [("max_activation_failures", maxActivationFailures), ("min_predictions", minPredictions)]
        for (k, v) in counts { if let v, v < 0 { throw bad("\(field).\(k)", "must be >= 0, got \(v)") } }
        let reals: [(String, Double?)] = [("max_function_error_rate", maxFunctionErrorRate), ("max_inference_p99_ms", maxInferenceP99Ms),
                                          ("max_prediction_shift", maxPredictionShift), ("min_prediction_std", minPredictionStd)]
        for (k, v) in reals { if let v, !(v >= 0 && v.isFinite) { throw bad("\(field).\(k)", "must be a number >= 0, got \(v)") } }
        if let r = maxFunctionErrorRate, r > 1 { throw bad("\(field).max_function_error_rate", "is a fraction of invocations: must be <= 1, got \(r)") }
    }
}

/// One wave: either a fixed canary count or a cumulative percentage of the selected nodes.
public struct PlanWave: Codable, Sendable, Equatable {
    public var canary: Int?
    public var percent: Double?
    /// How long the wave's nodes must run the new version before its gates are judged.
    public var soakSeconds: Double
    /// Overrides the plan's gates for this wave.
    public var gates: HealthGates?

    enum CodingKeys: String, CodingKey { case canary, percent, soakSeconds = "soak_seconds", gates }

    public init(canary: Int? = nil, percent: Double? = nil, soakSeconds: Double = 0, gates: HealthGates? = nil) {
        self.canary = canary
        self.percent = percent
        self.soakSeconds = soakSeconds
        self.gates = gates
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        canary = try c.decodeIfPresent(Int.self, forKey: .canary)
        percent = try c.decodeIfPresent(Double.self, forKey: .percent)
        soakSeconds = try c.decodeIfPresent(Double.self, forKey: .soakSeconds) ?? 0
        gates = try c.decodeIfPresent(HealthGates.self, forKey: .gates)
    }
}

/// What a failed gate does.
public enum GateAction: String, Codable, Sendable {
    case pause
    case rollback
}

public struct RolloutPlan: Codable, Sendable, Equatable {
    public var name: String
    public var artifacts: [PlanArtifact]
    /// Label selector: every key must equal (a value `*` only requires the label to exist).
    public var selector: [String: String]
    public var waves: [PlanWave]
    public var gates: HealthGates
    public var maxParallelDownloads: Int
    public var onGateFailure: GateAction
    /// A node still not done this long after its wave started is timed out (offline nodes count as pending until then).
    public var nodeTimeoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case name, artifacts, selector, waves, gates, maxParallelDownloads = "max_parallel_downloads"
        case onGateFailure = "on_gate_failure", nodeTimeoutSeconds = "node_timeout_seconds"
    }

    public init(name: String, artifacts: [PlanArtifact], selector: [String: String] = [:], waves: [PlanWave],
                gates: HealthGates = HealthGates(), maxParallelDownloads: Int = 10, onGateFailure: GateAction = .pause,
                nodeTimeoutSeconds: Double = 600) {
        self.name = name
        self.artifacts = artifacts
        self.selector = selector
        self.waves = waves
        self.gates = gates
        self.maxParallelDownloads = maxParallelDownloads
        self.onGateFailure = onGateFailure
        self.nodeTimeoutSeconds = nodeTimeoutSeconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        artifacts = try c.decode([PlanArtifact].self, forKey: .artifacts)
        selector = try c.decodeIfPresent([String: String].self, forKey: .selector) ?? [:]
        waves = try c.decode([PlanWave].self, forKey: .waves)
        gates = try c.decodeIfPresent(HealthGates.self, forKey: .gates) ?? HealthGates()
        maxParallelDownloads = try c.decodeIfPresent(Int.self, forKey: .maxParallelDownloads) ?? 10
        onGateFailure = try c.decodeIfPresent(GateAction.self, forKey: .onGateFailure) ?? .pause
        nodeTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .nodeTimeoutSeconds) ?? 600
    }

    /// Parses and validates a plan; errors name the field and the problem.
    public static func parse(_ bytes: [UInt8], source: String = "plan") throws(FleetError) -> RolloutPlan {
        // Unknown keys are errors: a misspelt gate must not silently vanish from a rollout.
        if let doc = try? JSONValue.parse(bytes) { try checkKeys(doc, source: source) }
        let plan: RolloutPlan
        do { plan = try JSONDecoder().decode(RolloutPlan.self, from: Data(bytes)) } catch {
            throw FleetError(.badPlan, source, FleetJSON.describe(error))
        }
        try plan.validate(source: source)
        return plan
    }

    static let planKeys = ["name", "artifacts", "selector", "waves", "gates", "max_parallel_downloads", "on_gate_failure",
                           "node_timeout_seconds"]
    static let artifactKeys = ["name", "version", "sha256"]
    static let waveKeys = ["canary", "percent", "soak_seconds", "gates"]
    static let gateKeys = ["max_activation_failures", "max_function_error_rate", "max_inference_p99_ms", "max_prediction_shift",
                           "min_prediction_std", "min_predictions"]

    /// Fields that count something: whole numbers.
    static let countKeys: Set<String> = ["canary", "max_parallel_downloads", "max_activation_failures", "min_predictions"]

    /// Names the first key the plan format does not know, with its path (e.g. `waves[1].gates.max_errros`), and
    /// the first number that is not finite or not whole where it counts something (the decoder's own message for
    /// 2.5 in a count names no field).
    static func checkKeys(_ doc: JSONValue, source: String) throws(FleetError) {
        func check(_ v: JSONValue?, _ allowed: [String], _ path: String) throws(FleetError) {
            guard case .object(let pairs)? = v else { return }
            for (k, x) in pairs {
                let at = path.isEmpty ? k : path + "." + k
                guard allowed.contains(k) else {
                    throw FleetError(.badPlan, "\(source): \(at)", "unknown key (expected one of \(allowed.joined(separator: ", ")))")
                }
                guard case .number(let n) = x else { continue }
                guard n.isFinite else { throw FleetError(.badPlan, "\(source): \(at)", "not a finite number") }
                if countKeys.contains(k), n != n.rounded() || abs(n) > 1e9 {
                    throw FleetError(.badPlan, "\(source): \(at)", "expected a whole number, got \(n)")
                }
            }
        }
        try check(doc, planKeys, "")
        try check(doc["gates"], gateKeys, "gates")
        if case .array(let arts)? = doc["artifacts"] {
            for (i, a) in arts.enumerated() { try check(a, artifactKeys, "artifacts[\(i)]") }
        }
        if case .array(let waves)? = doc["waves"] {
            for (i, w) in waves.enumerated() {
                try check(w, waveKeys, "waves[\(i)]")
                try check(w["gates"], gateKeys, "waves[\(i)].gates")
            }
        }
    }

    public static func read(path: String) throws(FleetError) -> RolloutPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FleetError(.badPlan, path, "cannot read the file")
        }
        return try parse(Array(data), source: path)
    }

    public func validate(source: String = "plan") throws(FleetError) {
        func bad(_ field: String, _ why: String) -> FleetError { FleetError(.badPlan, "\(source): \(field)", why) }
        guard !name.isEmpty else { throw bad("name", "must not be empty") }
        guard !artifacts.isEmpty else { throw bad("artifacts", "names no artifact") }
        for (i, a) in artifacts.enumerated() {
            if let h = a.sha256 {
                guard SHA256.isHexDigest(h) else { throw bad("artifacts[\(i)].sha256", "not 64 lower-case hex digits") }
            } else {
                guard a.name != nil, a.version != nil else { throw bad("artifacts[\(i)]", "needs sha256, or name and version") }
            }
        }
        guard !waves.isEmpty else { throw bad("waves", "at least one wave is needed") }
        var lastPercent = 0.0
        for (i, w) in waves.enumerated() {
            let f = "waves[\(i)]"
            switch (w.canary, w.percent) {
            case (let c?, nil):
                guard i == 0 else { throw bad(f, "only the first wave may be a canary count") }
                guard c >= 1 else { throw bad(f + ".canary", "must be at least 1") }
            case (nil, let p?):
                guard p > lastPercent, p <= 100 else { throw bad(f + ".percent", "must grow from wave to wave within (0, 100], got \(p) after \(lastPercent)") }
                lastPercent = p
            default:
                throw bad(f, "give exactly one of canary or percent")
            }
            guard w.soakSeconds >= 0, w.soakSeconds.isFinite else { throw bad(f + ".soak_seconds", "must be >= 0") }
            if let g = w.gates { try g.validate(field: f + ".gates", bad) }
        }
        try gates.validate(field: "gates", bad)
        if waves.count > 1 || waves[0].percent != nil {
            guard lastPercent == 100 else { throw bad("waves", "the last wave must reach percent 100 (it reaches \(lastPercent))") }
        }
        guard maxParallelDownloads >= 1 else { throw bad("max_parallel_downloads", "must be at least 1") }
        guard nodeTimeoutSeconds > 0 else { throw bad("node_timeout_seconds", "must be > 0") }
    }

    /// The gates for wave `index` (its own, else the plan's).
    public func gates(forWave index: Int) -> HealthGates { waves[index].gates ?? gates }

    /// True when `labels` satisfy the selector.
    public func selects(_ labels: [String: String]) -> Bool {
        selector.allSatisfy { key, want in
            guard let have = labels[key] else { return false }
            return want == "*" || have == want
        }
    }
}
