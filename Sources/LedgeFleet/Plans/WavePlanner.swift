// Splits the selected nodes into waves: a stable shuffled order, a canary count, then cumulative percentages.
import LedgeCore

public enum WavePlanner {
    /// Wave index per node, for `nodes` (ids) under `plan`. The order is a hash of (seed, node id), so the same
    /// rollout always picks the same canaries, and different rollouts spread the risk over different nodes.
    /// Nodes in `preferFirst` (the online ones) come first in that order, so canaries are nodes that can answer now.
    public static func assign(nodes: [String], plan: RolloutPlan, seed: String, preferFirst: Set<String> = []) -> [(node: String, wave: Int)] {
        let hashed = nodes.map { ($0, SHA256.hex(Array((seed + "\n" + $0).utf8))) }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
        let ordered = hashed.filter { preferFirst.contains($0) } + hashed.filter { !preferFirst.contains($0) }
        let n = ordered.count
        var ends: [Int] = []
        for w in plan.waves {
            let prev = ends.last ?? 0
            var end: Int
            if let c = w.canary { end = min(n, c) }
            else { end = Int((Double(n) * (w.percent ?? 100) / 100).rounded(.up)) }
            end = max(prev, min(n, end))
            ends.append(end)
        }
        if let last = ends.indices.last { ends[last] = n }
        var out: [(String, Int)] = []
        var wave = 0
        for (i, node) in ordered.enumerated() {
            while wave < ends.count - 1 && i >= ends[wave] { wave += 1 }
            out.append((node, wave))
        }
        return out
    }

    /// Count of nodes per wave.
    public static func sizes(_ assignment: [(node: String, wave: Int)], waves: Int) -> [Int] {
        var s = [Int](repeating: 0, count: waves)
        for a in assignment { s[a.wave] += 1 }
        return s
    }
}
