// Scores of `ledge model eval`: RMSE and the PHM08 score for RUL regression; precision, recall, F1 and
// PR-AUC (average precision, as scikit-learn computes it) for binary classification.
import Foundation

enum EvalMetrics {
    static func rmse(_ pred: [Double], _ truth: [Double]) -> Double {
        guard !pred.isEmpty else { return .nan }
        var s = 0.0
        for (p, t) in zip(pred, truth) { s += (p - t) * (p - t) }
        return (s / Double(pred.count)).squareRoot()
    }

    /// PHM08 score: d = pred − truth; e^(−d/13) − 1 when early (d < 0), e^(d/10) − 1 when late; summed.
    static func phm08(_ pred: [Double], _ truth: [Double]) -> Double {
        var s = 0.0
        for (p, t) in zip(pred, truth) {
            let d = p - t
            s += d < 0 ? exp(-d / 13) - 1 : exp(d / 10) - 1
        }
        return s
    }

    struct Confusion: Equatable {
        var tp = 0, fp = 0, fn = 0, tn = 0
        var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        var f1: Double {
            let p = precision, r = recall
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
    }

    /// A row is positive when its score ≥ threshold.
    static func confusion(scores: [Double], labels: [Bool], threshold: Double) -> Confusion {
        var c = Confusion()
        for (s, y) in zip(scores, labels) {
            switch (s >= threshold, y) {
            case (true, true): c.tp += 1
            case (true, false): c.fp += 1
            case (false, true): c.fn += 1
            case (false, false): c.tn += 1
            }
        }
        return c
    }

    /// Average precision: Σ over distinct score thresholds (high to low) of (R_k − R_{k−1}) · P_k; tied scores
    /// form one step. 0 when there are no positives.
    static func averagePrecision(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return 0 }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0, lastRecall = 0.0, ap = 0.0
        var i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            let recall = Double(tp) / Double(positives)
            ap += (recall - lastRecall) * Double(tp) / Double(tp + fp)
            lastRecall = recall
        }
        return ap
    }
}
