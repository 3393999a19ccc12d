// `ledge rollout plan|start|status|list|pause|resume|abort|rollback`.
import Foundation
import LedgeCore
import LedgeFleet

enum RolloutCLI {
    static let usage = """
    usage: ledge rollout plan FILE --state DIR [--json]          dry run: which nodes in which wave
           ledge rollout start FILE [--id ID] --state DIR [--json]
           ledge rollout status ID [--watch] [--interval S] --state DIR [--json]
           ledge rollout list --state DIR [--json]
           ledge rollout pause|resume|abort|rollback ID --state DIR [--json]
    exit status: 0 ok; 1 the rollout failed, was rolled back or aborted (status), or an error; 2 usage
    """

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json", "watch"])
        try a.checkKnown(["state", "config", "json", "watch", "id", "interval"])
        guard let sub = a.positionals.first else { throw UsageError(usage) }
        let rest = Array(a.positionals.dropFirst())
        switch sub {
        case "plan", "start":
            guard rest.count == 1 else { throw UsageError("\(sub) takes one plan FILE\n" + usage) }
            let plan = try RolloutPlan.read(path: rest[0])
            let store = try FleetCLI.store(a)
            let engine = RolloutEngine(store: store, publisher: NoPublisher())
            if sub == "plan" { return try dryRun(plan, engine: engine, json: a.flag("json")) }
            let id = a.value("id") ?? newID(plan)
            let r = try engine.start(plan, id: id, now: FleetCLI.nowMs())
            if a.flag("json") { FleetCLI.printJSON(r) } else { print("rollout \(id) started; the coordinator releases wave 1 on its next step") }
            return ExitCode.success
        case "status":
            guard rest.count == 1 else { throw UsageError("status takes one rollout ID") }
            return try status(rest[0], store: try FleetCLI.store(a), watch: a.flag("watch"), json: a.flag("json"), interval: try a.double("interval") ?? 1)
        case "list":
            let rs = try FleetCLI.store(a).rollouts()
            if a.flag("json") { FleetCLI.printJSON(rs); return ExitCode.success }
            print(FleetCLI.table(["ID", "STATE", "WAVE", "PLAN", "MESSAGE"], rs.map { [$0.id, $0.state.rawValue, "\($0.wave + 1)/\($0.plan.waves.count)", $0.plan.name, $0.message] }))
            return ExitCode.success
        case "pause", "resume", "abort", "rollback":
            guard rest.count == 1 else { throw UsageError("\(sub) takes one rollout ID") }
            let store = try FleetCLI.store(a)
            guard let r = try store.rollout(rest[0]) else { throw FleetError(.unknownRollout, rest[0], "no such rollout") }
            if r.state.isFinished && sub != "rollback" {
                throw FleetError(.badState, r.id, "the rollout is \(r.state.rawValue); nothing to \(sub)")
            }
            try store.setPendingCommand(LedgeFleet.RolloutCommand(rawValue: sub)!, rollout: r.id)
            if a.flag("json") { FleetCLI.printJSON(["rollout": r.id, "command": sub, "status": "recorded"]) } else {
                print("\(sub) recorded for rollout \(r.id); the coordinator applies it on its next step")
            }
            return ExitCode.success
        default:
            throw UsageError(usage)
        }
    }

    static func newID(_ plan: RolloutPlan) -> String {
        let t = Int(Date().timeIntervalSince1970)
        return "r\(t)-" + String(SHA256.hex(Array((plan.name + UUID().uuidString).utf8)).prefix(6))
    }

    struct PlanPreview: Encodable {
        let plan: String
        let artifacts: [String]
        let waves: [[String]]
    }

    static func dryRun(_ plan: RolloutPlan, engine: RolloutEngine, json: Bool) throws -> Int32 {
        let arts = try engine.resolveArtifacts(plan)
        let assignment = try engine.preview(plan, seed: plan.name)
        var waves = [[String]](repeating: [], count: plan.waves.count)
        for a in assignment { waves[a.wave].append(a.node) }
        if json {
            FleetCLI.printJSON(PlanPreview(plan: plan.name, artifacts: arts.map { "\($0.name)@\($0.version)" }, waves: waves))
            return ExitCode.success
        }
        print("plan \(plan.name): \(arts.map { "\($0.kind.rawValue) \($0.name)@\($0.version)" }.joined(separator: ", "))")
        print("selector \(plan.selector.isEmpty ? "(all nodes)" : plan.selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")): \(assignment.count) node(s)")
        for (i, w) in plan.waves.enumerated() {
            let kind = w.canary.map { "canary \($0)" } ?? "to \(Int(w.percent ?? 100))%"
            print("wave \(i + 1) (\(kind), soak \(Int(w.soakSeconds)) s): \(waves[i].count) node(s): \(waves[i].prefix(12).joined(separator: " "))\(waves[i].count > 12 ? " …" : "")")
        }
        print("on gate failure: \(plan.onGateFailure.rawValue); node timeout \(Int(plan.nodeTimeoutSeconds)) s; at most \(plan.maxParallelDownloads) parallel downloads")
        print("(dry run: the order within waves is shown for the plan name as seed; a started rollout uses its id)")
        return ExitCode.success
    }

    struct StatusJSON: Encodable {
        let rollout: RolloutRecord
        let executions: [ExecutionRecord]
        let waves: [WaveSummary]
    }

    struct WaveSummary: Encodable {
        let wave: Int
        let nodes: Int
        let counts: [String: Int]
    }

    static func summaries(_ r: RolloutRecord, _ execs: [ExecutionRecord]) -> [WaveSummary] {
        (0..<r.plan.waves.count).map { w in
            let es = execs.filter { $0.wave == w }
            var counts: [String: Int] = [:]
            for e in es { counts[e.state.rawValue, default: 0] += 1 }
            return WaveSummary(wave: w + 1, nodes: es.count, counts: counts)
        }
    }

    static func render(_ r: RolloutRecord, _ execs: [ExecutionRecord]) -> [String] {
        var lines = ["rollout \(r.id) (\(r.plan.name)): \(r.state.rawValue), wave \(r.wave + 1)/\(r.plan.waves.count) - \(r.message)"]
        for s in summaries(r, execs) {
            let done = s.counts.filter { ExecutionState(rawValue: $0.key)?.isTerminal ?? false }.values.reduce(0, +)
            let ok = s.counts["succeeded"] ?? 0
            let width = 24
            let filled = s.nodes == 0 ? 0 : done * width / s.nodes
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let detail = s.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  wave \(s.wave) [\(bar)] \(ok)/\(s.nodes) ok  \(detail)")
        }
        return lines
    }

    static func status(_ id: String, store: SQLiteFleetStore, watch: Bool, json: Bool, interval: Double) throws -> Int32 {
        let tty = isatty(STDOUT_FILENO) == 1
        var lastLines = 0
        var lastText = ""
        while true {
            guard let r = try store.rollout(id) else { throw FleetError(.unknownRollout, id, "no such rollout") }
            let execs = try store.executions(rollout: id)
            if json {
                if !watch || r.state.isFinished { FleetCLI.printJSON(StatusJSON(rollout: r, executions: execs, waves: summaries(r, execs))) }
            } else {
                let lines = render(r, execs)
                let text = lines.joined(separator: "\n")
                if watch && tty {
                    if lastLines > 0 { print("\u{1B}[\(lastLines)A\u{1B}[J", terminator: "") }
                    print(text)
                    lastLines = lines.count
                } else if text != lastText {
                    print(text)
                }
                lastText = text
                fflushStdout()
            }
            if !watch || r.state.isFinished {
                switch r.state {
                case .succeeded, .running, .paused: return ExitCode.success
                default: return ExitCode.failure
                }
            }
            usleep(UInt32(max(0.1, interval) * 1_000_000))
        }
    }
}

/// The CLI never publishes: the coordinator releases waves itself.
final class NoPublisher: DesiredPublisher, @unchecked Sendable {
    func publishDesired(node: String, state: DesiredState) throws(FleetError) {
        throw FleetError(.transport, node, "the CLI does not publish; the coordinator does")
    }
}
