// Judges a wave's health gates from the nodes' reported health and the prediction baseline.
import LedgeCore

/// One broken gate, written for people.
public struct GateViolation: Codable, Sendable, Equatable, CustomStringConvertible {
    public var gate: String
    public var observed: Double
    public var limit: Double
    public var detail: String

    public var description: String { "\(gate): \(detail) (observed \(fmt(observed)), limit \(fmt(limit)))" }

    private func fmt(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// Mean and spread of a model's predictions.
public struct PredictionStats: Codable, Sendable, Equatable {
    public var mean: Double
    public var std: Double
    public init(mean: Double, std: Double) { self.mean = mean; self.std = std }

    /// Pools per-node means/stds (equal weights): mean of means; spread from the pooled second moment.
    public static func pool(_ items: [(mean: Double, std: Double)]) -> PredictionStats? {
        guard !items.isEmpty else { return nil }
        let n = Double(items.count)
        let mean = items.map(\.mean).reduce(0, +) / n
        let second = items.map { $0.std * $0.std + $0.mean * $0.mean }.reduce(0, +) / n
        return PredictionStats(mean: mean, std: max(0, second - mean * mean).squareRoot())
    }

    /// The fewest recent predictions any of these nodes reports for a model that some node has predictions of
    /// (nil when no node reports counts, as older nodes do not).
    public static func fewest(_ healths: [NodeHealth]) -> Int? {
        let models = Set(healths.flatMap(\.predictionMean.keys))
        return healths.compactMap { h in h.predictionCount.flatMap { c in models.map { c[$0] ?? 0 }.min() } }.min()
    }

    /// Pooled stats per model over the nodes' health reports.
    public static func pooled(_ healths: [NodeHealth]) -> [String: PredictionStats] {
        var by: [String: [(Double, Double)]] = [:]
        for h in healths {
            for (model, m) in h.predictionMean { by[model, default: []].append((m, h.predictionStd[model] ?? 0)) }
        }
        return by.compactMapValues { pool($0.map { (mean: $0.0, std: $0.1) }) }
    }
}

public enum GateEvaluator {
    /// Violations of `gates` given the wave's nodes' `healths` (after activation), the number of nodes whose
    /// activation failed, and the baseline prediction stats per model.
    public static func evaluate(gates: HealthGates, healths: [NodeHealth], activationFailures: Int,
                                baseline: [String: PredictionStats]) -> [GateViolation] {
        var out: [GateViolation] = []
        if let limit = gates.maxActivationFailures, activationFailures > limit {
            out.append(GateViolation(gate: "max_activation_failures", observed: Double(activationFailures), limit: Double(limit),
                                     detail: "\(activationFailures) node(s) failed to activate"))
        }
        if let limit = gates.maxFunctionErrorRate {
            let inv = healths.map(\.invocations).reduce(0, +)
            let err = healths.map(\.functionErrors).reduce(0, +)
            let rate = inv == 0 ? 0 : Double(err) / Double(inv)
            if rate > limit {
                out.append(GateViolation(gate: "max_function_error_rate", observed: rate, limit: limit,
                                         detail: "\(err) errors in \(inv) invocations"))
            }
        }
        if let limit = gates.maxInferenceP99Ms {
            let worst = healths.compactMap(\.inferenceP99Ms).max() ?? 0
            if worst > limit {
                out.append(GateViolation(gate: "max_inference_p99_ms", observed: worst, limit: limit, detail: "slowest node's p99 latency"))
            }
        }
        if let limit = gates.maxPredictionShift {
            let now = PredictionStats.pooled(healths)
            for model in now.keys.sorted() {
                guard let base = baseline[model], let cur = now[model] else { continue }
                let spread = max(base.std, gates.minPredictionStd ?? 1e-6)
                let shift = abs(cur.mean - base.mean) / spread
                if shift > limit {
                    out.append(GateViolation(gate: "max_prediction_shift", observed: shift, limit: limit,
                                             detail: "model \(model) mean prediction moved from \(base.mean) to \(cur.mean)"))
                }
            }
        }
        return out
    }
}
