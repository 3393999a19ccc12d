// The rollout engine: releases waves, follows node reports, times out, soaks, judges gates, pauses or rolls back.
import LedgeCore

/// Drives every unfinished rollout one step at a time. Not thread-safe: the coordinator calls it from one queue.
public final class RolloutEngine: @unchecked Sendable {
    public let store: FleetStore
    public let publisher: DesiredPublisher
    /// Chunk size announced in desired states.
    public var chunkSize: Int
    /// Log lines (the daemon prints them).
    public var log: (String) -> Void = { _ in }
    /// Resolved artifacts per rollout (plans never change once started).
    private var resolved: [String: [ArtifactRecord]] = [:]

    public init(store: FleetStore, publisher: DesiredPublisher, chunkSize: Int = ArtifactChunk.defaultChunkSize) {
        self.store = store
        self.publisher = publisher
        self.chunkSize = chunkSize
    }

    // MARK: Starting

    /// Resolves the plan's artifacts in the store; errors name the missing one.
    public func resolveArtifacts(_ plan: RolloutPlan) throws(FleetError) -> [ArtifactRecord] {
        let all = try store.artifacts()
        var out: [ArtifactRecord] = []
        for (i, a) in plan.artifacts.enumerated() {
            let found = all.first { r in
                if let h = a.sha256 { return r.sha256 == h }
                return r.name == a.name && r.version == a.version
            }
            guard let found else {
                let what = a.sha256 ?? "\(a.name ?? "?")@\(a.version ?? "?")"
                throw FleetError(.unknownArtifact, "artifacts[\(i)]", "no artifact \(what) in the store (push it first)")
            }
            out.append(found)
        }
        var seen = Set<String>()
        for r in out where !seen.insert("\(r.kind.rawValue)/\(r.name)").inserted {
            throw FleetError(.badPlan, "artifacts", "two versions of \(r.kind.rawValue) \(r.name) in one plan")
        }
        return out
    }

    /// The plan's artifacts of a started rollout (resolved once).
    func artifacts(of r: RolloutRecord) throws(FleetError) -> [ArtifactRecord] {
        if let hit = resolved[r.id] { return hit }
        let arts = try resolveArtifacts(r.plan)
        resolved[r.id] = arts
        return arts
    }

    /// The dry run: which nodes fall in which wave.
    public func preview(_ plan: RolloutPlan, seed: String) throws(FleetError) -> [(node: String, wave: Int)] {
        _ = try resolveArtifacts(plan)
        let nodes = try store.nodes().filter { plan.selects($0.labels) }
        return WavePlanner.assign(nodes: nodes.map(\.id), plan: plan, seed: seed, preferFirst: Set(nodes.filter(\.online).map(\.id)))
    }

    /// Creates a rollout (state running, wave 0) with one queued execution per selected node.
    @discardableResult
    public func start(_ plan: RolloutPlan, id: String, now: Int64) throws(FleetError) -> RolloutRecord {
        try plan.validate()
        guard try store.rollout(id) == nil else { throw FleetError(.badState, id, "a rollout with this id exists") }
        _ = try resolveArtifacts(plan)
        let nodes = try store.nodes().filter { plan.selects($0.labels) }
        guard !nodes.isEmpty else { throw FleetError(.noNodes, "selector", "no known node matches \(plan.selector)") }
        let assignment = WavePlanner.assign(nodes: nodes.map(\.id), plan: plan, seed: id, preferFirst: Set(nodes.filter(\.online).map(\.id)))
        let byID = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        let canaries = assignment.filter { $0.wave == 0 }.compactMap { byID[$0.node]?.reported?.health }
        var baseline = PredictionStats.pooled(canaries)
        if baseline.isEmpty { baseline = PredictionStats.pooled(nodes.compactMap { $0.reported?.health }) }
        let rollout = RolloutRecord(id: id, plan: plan, waveStartedMs: now, createdMs: now, updatedMs: now,
                                    message: "wave 1 of \(plan.waves.count) releasing", baseline: baseline)
        let execs = assignment.map { a in
            ExecutionRecord(rollout: id, node: a.node, wave: a.wave, updatedMs: now, previous: byID[a.node]?.reported?.active ?? [])
        }
        try store.insertRollout(rollout, executions: execs)
        log("rollout \(id) started: \(execs.count) node(s) in \(plan.waves.count) wave(s)")
        return rollout
    }

    // MARK: Node reports

    /// A progress event from a node: moves its execution forward (never to succeeded: that needs the reported state).
    public func handleEvent(node: String, event: NodeEvent, now: Int64) throws(FleetError) {
        guard let rid = event.rollout, let r = try store.rollout(rid), !r.state.isFinished || event.state == .rolledBack else { return }
        guard var e = try store.execution(rollout: rid, node: node), e.releasedMs != nil else { return }
        if let g = e.generation, event.generation < g { return }
        let next: ExecutionState
        switch event.state {
        case .succeeded: return
        case .queued, .canceled, .timedOut: return
        default: next = event.state
        }
        guard e.state.canMove(to: next) else { return }
        e.state = next
        e.updatedMs = now
        e.message = event.message ?? next.rawValue
        try store.updateExecution(e)
    }

    /// A node's retained reported state: stored, and used to finish executions (success only when the node
    /// really runs the new version at the released generation).
    public func handleReported(node: String, reported: ReportedState, now: Int64) throws(FleetError) {
        var rec = try store.node(node) ?? NodeRecord(id: node)
        rec.reported = reported
        rec.lastSeenMs = now
        try store.upsertNode(rec)
        for r in try store.unfinishedRollouts() where !r.state.isFinished {
            let arts = try artifacts(of: r)
            guard var e = try store.execution(rollout: r.id, node: node),
                  let gen = e.generation, reported.generation >= gen else { continue }
            let shas = Set(arts.map(\.sha256))
            let failed = reported.failures.first { shas.contains($0.sha256) }
            let running = shas.isSubset(of: Set(reported.active.map(\.sha256)))
            var next: ExecutionState? = nil
            if let failed {
                next = failed.code == "rolled_back" ? .rolledBack : .failed
                e.message = "\(failed.code): \(failed.message)"
            } else if running {
                next = .succeeded
                e.message = "running"
            }
            if let next, e.state != next, e.state.canMove(to: next) {
                e.state = next
                e.updatedMs = now
                try store.updateExecution(e)
            }
        }
    }

    /// A node's retained status (presence and labels).
    public func handleStatus(node: String, status: NodeStatus, now: Int64) throws(FleetError) {
        var rec = try store.node(node) ?? NodeRecord(id: node)
        rec.online = status.online
        rec.labels = status.labels
        rec.agentVersion = status.version ?? rec.agentVersion
        rec.lastSeenMs = now
        try store.upsertNode(rec)
    }

    // MARK: Stepping

    /// One pass over every unfinished rollout.
    public func step(now: Int64) throws(FleetError) {
        for r in try store.unfinishedRollouts() {
            try step(r, now: now)
        }
    }

    func step(_ initial: RolloutRecord, now: Int64) throws(FleetError) {
        var r = initial
        var execs = try store.executions(rollout: r.id)
        if r.pendingCommand != nil, let cmd = try store.takePendingCommand(rollout: r.id) {
            r.pendingCommand = nil
            try apply(cmd, to: &r, execs: &execs, now: now)
            r.updatedMs = now
            try store.updateRollout(r)
        }
        // Executions in flight time out while paused too: nothing stays in progress forever.
        if r.state == .running || r.state == .paused { try timeOut(&execs, plan: r.plan, now: now) }
        guard r.state == .running else { return }
        let wave = execs.filter { $0.wave == r.wave }
        let gates = r.plan.gates(forWave: r.wave)
        let failures = wave.filter { $0.state == .failed || $0.state == .rolledBack }.count
        if let limit = gates.maxActivationFailures, failures > limit {
            let v = GateViolation(gate: "max_activation_failures", observed: Double(failures), limit: Double(limit),
                                  detail: "\(failures) node(s) of wave \(r.wave + 1) failed to activate")
            try gateFailed(&r, execs: &execs, violations: [v], now: now)
            return
        }
        try release(&r, execs: &execs, now: now)
        let waveNow = execs.filter { $0.wave == r.wave }
        guard waveNow.allSatisfy({ $0.state.isTerminal }) else {
            let done = waveNow.filter { $0.state.isTerminal }.count
            setMessage(&r, "wave \(r.wave + 1) of \(r.plan.waves.count): \(done)/\(waveNow.count) done", now: now)
            try store.updateRollout(r)
            return
        }
        if r.soakStartedMs == nil {
            r.soakStartedMs = now
            setMessage(&r, "wave \(r.wave + 1) soaking for \(Int(r.plan.waves[r.wave].soakSeconds)) s", now: now)
            try store.updateRollout(r)
        }
        let soakSeconds = r.plan.waves[r.wave].soakSeconds
        let soaked = Double(now - (r.soakStartedMs ?? now))
        guard soaked >= soakSeconds * 1000 else { return }
        // Judge the gates on the nodes that run the new version.
        let nodes = Dictionary(uniqueKeysWithValues: try store.nodes().map { ($0.id, $0) })
        let healths = waveNow.filter { $0.state == .succeeded }.compactMap { nodes[$0.node]?.reported?.health }
        // The prediction shift needs enough predictions on every node of the wave: keep soaking (bounded).
        if gates.maxPredictionShift != nil, let need = gates.minPredictions, need > 0, let have = PredictionStats.fewest(healths),
           have < need, soaked < HealthGates.predictionWait(soakSeconds: soakSeconds) * 1000 {
            let m = "wave \(r.wave + 1) soaking: \(have) of \(need) predictions on its slowest node before the shift is judged"
            if r.message != m { setMessage(&r, m, now: now); try store.updateRollout(r) }
            return
        }
        // Predictions are compared over the same recent period (nodes report a time window): with the nodes not yet
        // released (still on the old version) when any are online; in later waves without such nodes, with the canaries
        // (which passed that comparison); else with the baseline kept on the rollout.
        func pooled(_ es: [ExecutionRecord]) -> [String: PredictionStats] {
            PredictionStats.pooled(es.compactMap { nodes[$0.node] }.filter(\.online).compactMap { $0.reported?.health })
        }
        var baseline = pooled(execs.filter { $0.releasedMs == nil })
        if baseline.isEmpty && r.wave > 0 { baseline = pooled(execs.filter { $0.wave == 0 && $0.state == .succeeded }) }
        if baseline.isEmpty { baseline = r.baseline }
        let violations = GateEvaluator.evaluate(gates: gates, healths: healths, activationFailures: failures, baseline: baseline)
        if !violations.isEmpty {
            try gateFailed(&r, execs: &execs, violations: violations, now: now)
            return
        }
        if r.wave == 0 {
            let after = PredictionStats.pooled(healths)
            if !after.isEmpty { r.baseline = after }
        }
        if r.wave + 1 < r.plan.waves.count {
            r.wave += 1
            r.waveStartedMs = now
            r.soakStartedMs = nil
            setMessage(&r, "wave \(r.wave + 1) of \(r.plan.waves.count) releasing", now: now)
            try store.updateRollout(r)
            try release(&r, execs: &execs, now: now)
            try store.updateRollout(r)
        } else {
            let ok = execs.filter { $0.state == .succeeded }.count
            // Success means nodes really run the version: a rollout that no node took is a failure.
            r.state = ok > 0 ? .succeeded : .failed
            setMessage(&r, ok > 0 ? "done: \(ok)/\(execs.count) node(s) run the new version"
                                  : "failed: no node runs the new version (\(execs.count) tried)", now: now)
            try store.updateRollout(r)
            log("rollout \(r.id) \(r.state.rawValue)")
        }
    }

    private func setMessage(_ r: inout RolloutRecord, _ m: String, now: Int64) {
        r.message = m
        r.updatedMs = now
    }

    /// Publishes the desired state to queued nodes of the current wave, at most `maxParallelDownloads` online
    /// nodes in flight at once. Offline nodes are released too: the retained state waits for them.
    private func release(_ r: inout RolloutRecord, execs: inout [ExecutionRecord], now: Int64) throws(FleetError) {
        let nodes = Dictionary(uniqueKeysWithValues: try store.nodes().map { ($0.id, $0) })
        var inFlight = execs.filter { $0.releasedMs != nil && !$0.state.isTerminal && (nodes[$0.node]?.online ?? false) }.count
        let arts = try artifacts(of: r)
        for i in execs.indices where execs[i].wave == r.wave && execs[i].state == .queued && execs[i].releasedMs == nil {
            let online = nodes[execs[i].node]?.online ?? false
            if online && inFlight >= r.plan.maxParallelDownloads { continue }
            let gen = try publish(node: execs[i].node, replacing: arts, rollout: r.id)
            execs[i].releasedMs = now
            execs[i].generation = gen
            execs[i].updatedMs = now
            execs[i].message = online ? "released" : "released; node offline (pending)"
            try store.updateExecution(execs[i])
            if online { inFlight += 1 }
        }
    }

    /// Publishes a new desired generation for `node`: its current desired artifacts with `arts` put in place
    /// of the same kind and name. Returns the generation.
    @discardableResult
    func publish(node id: String, replacing arts: [ArtifactRecord], removing: [ActiveArtifact] = [], rollout: String?) throws(FleetError) -> Int {
        var rec = try store.node(id) ?? NodeRecord(id: id)
        var list: [DesiredArtifact]
        if let d = rec.desired { list = d.artifacts } else {
            list = []
            for a in rec.reported?.active ?? [] {
                if let stored = try store.artifact(sha256: a.sha256) { list.append(desired(stored)) }
            }
        }
        list.removeAll { d in removing.contains { $0.kind == d.kind && $0.name == d.name } }
        for a in arts {
            list.removeAll { $0.kind == a.kind && $0.name == a.name }
            list.append(desired(a))
        }
        list.sort { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
        let gen = max(rec.desired?.generation ?? 0, rec.reported?.generation ?? 0) + 1
        let state = DesiredState(generation: gen, rollout: rollout, artifacts: list)
        try publisher.publishDesired(node: id, state: state)
        rec.desired = state
        try store.upsertNode(rec)
        return gen
    }

    func desired(_ a: ArtifactRecord) -> DesiredArtifact {
        DesiredArtifact(kind: a.kind, name: a.name, version: a.version, sha256: a.sha256, size: a.size, chunkSize: chunkSize, signed: a.signed)
    }

    /// Released executions that did not finish within the plan's node timeout become timed out.
    private func timeOut(_ execs: inout [ExecutionRecord], plan: RolloutPlan, now: Int64) throws(FleetError) {
        for i in execs.indices {
            guard let rel = execs[i].releasedMs, !execs[i].state.isTerminal,
                  Double(now - rel) > plan.nodeTimeoutSeconds * 1000 else { continue }
            execs[i].state = .timedOut
            execs[i].updatedMs = now
            execs[i].message = "no result within \(Int(plan.nodeTimeoutSeconds)) s (was \(execs[i].message))"
            try store.updateExecution(execs[i])
        }
    }

    private func gateFailed(_ r: inout RolloutRecord, execs: inout [ExecutionRecord], violations: [GateViolation], now: Int64) throws(FleetError) {
        let text = violations.map(\.description).joined(separator: "; ")
        log("rollout \(r.id) wave \(r.wave + 1) gate failed: \(text)")
        switch r.plan.onGateFailure {
        case .pause:
            r.state = .paused
            setMessage(&r, "paused at wave \(r.wave + 1): \(text)", now: now)
        case .rollback:
            try rollBack(&r, execs: &execs, now: now)
            setMessage(&r, "rolled back at wave \(r.wave + 1): \(text)", now: now)
        }
        try store.updateRollout(r)
    }

    private func apply(_ cmd: RolloutCommand, to r: inout RolloutRecord, execs: inout [ExecutionRecord], now: Int64) throws(FleetError) {
        switch cmd {
        case .pause:
            guard r.state == .running else { return }
            r.state = .paused
            r.message = "paused by operator at wave \(r.wave + 1)"
        case .resume:
            guard r.state == .paused else { return }
            r.state = .running
            r.soakStartedMs = nil
            r.message = "resumed at wave \(r.wave + 1)"
        case .abort:
            guard !r.state.isFinished else { return }
            for i in execs.indices where !execs[i].state.isTerminal {
                execs[i].state = .canceled
                execs[i].updatedMs = now
                execs[i].message = "rollout aborted"
                try store.updateExecution(execs[i])
            }
            r.state = .aborted
            r.message = "aborted by operator at wave \(r.wave + 1)"
        case .rollback:
            guard r.state != .rolledBack else { return }
            try rollBack(&r, execs: &execs, now: now)
            r.message = "rolled back by operator"
        }
    }

    /// Gives every released node its previous versions back and cancels the rest.
    private func rollBack(_ r: inout RolloutRecord, execs: inout [ExecutionRecord], now: Int64) throws(FleetError) {
        let arts = try artifacts(of: r)
        for i in execs.indices {
            if execs[i].releasedMs != nil {
                var back: [ArtifactRecord] = []
                var remove: [ActiveArtifact] = []
                for a in arts {
                    if let prev = execs[i].previous.first(where: { $0.kind == a.kind && $0.name == a.name }),
                       let stored = try store.artifact(sha256: prev.sha256) {
                        back.append(stored)
                    } else {
                        remove.append(ActiveArtifact(kind: a.kind, name: a.name, version: a.version, sha256: a.sha256))
                    }
                }
                try publish(node: execs[i].node, replacing: back, removing: remove, rollout: r.id)
                if execs[i].state.canMove(to: .rolledBack) || execs[i].state == .queued {
                    execs[i].state = execs[i].state == .queued ? .canceled : .rolledBack
                }
                // A node that failed keeps its reason (smoke test, refused, hash mismatch) in front.
                execs[i].message = execs[i].state == .failed ? execs[i].message + " (rollout rolled back)" : "rolled back to previous version"
            } else if !execs[i].state.isTerminal {
                execs[i].state = .canceled
                execs[i].message = "rollout rolled back before release"
            }
            execs[i].updatedMs = now
            try store.updateExecution(execs[i])
        }
        r.state = .rolledBack
    }
}
