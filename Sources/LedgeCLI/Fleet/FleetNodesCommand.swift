// `ledge fleet nodes [--selector k=v]` (the registry) and `ledge fleet agent` (a node running only the update agent).
import Foundation
import LedgeCore
import LedgeFleet

enum FleetNodesCommand {
    static let usage = """
    usage: ledge fleet nodes [--selector k=v[,k=v]] --state DIR [--json]
           ledge fleet agent --node ID --broker URL --dir DIR --trust PUBFILE [--trust …] [--label k=v …] [--probation S]
    """

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        switch a.positionals.first {
        case "nodes": return try nodes(a)
        case "agent": return try AgentCommand.run(a)
        default: throw UsageError(usage)
        }
    }

    struct NodeRow: Encodable {
        let id: String
        let online: Bool
        let labels: [String: String]
        let active: [ActiveArtifact]
        let generation: Int?
        let lastSeenMs: Int64
        let health: NodeHealth?
    }

    static func nodes(_ a: Arguments) throws -> Int32 {
        try a.checkKnown(["selector", "state", "config", "json"])
        let sel = try FleetCLI.selector(a.values("selector"))
        let nodes = try FleetCLI.store(a).nodes().filter { n in sel.allSatisfy { k, v in n.labels[k] != nil && (v == "*" || n.labels[k] == v) } }
        if a.flag("json") {
            FleetCLI.printJSON(nodes.map { NodeRow(id: $0.id, online: $0.online, labels: $0.labels, active: $0.reported?.active ?? [],
                                                   generation: $0.reported?.generation, lastSeenMs: $0.lastSeenMs, health: $0.reported?.health) })
            return ExitCode.success
        }
        let now = FleetCLI.nowMs()
        print(FleetCLI.table(["NODE", "STATE", "LABELS", "RUNNING", "FAILURES", "SEEN"], nodes.map { n in
            [n.id, n.online ? "online" : "offline",
             n.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
             (n.reported?.active ?? []).map { "\($0.name)@\($0.version)" }.joined(separator: ","),
             (n.reported?.failures ?? []).map { "\($0.name)@\($0.version):\($0.code)" }.joined(separator: ","),
             FleetCLI.age(n.lastSeenMs, now: now)]
        }))
        print("\(nodes.count) node(s), \(nodes.filter(\.online).count) online")
        return ExitCode.success
    }
}
