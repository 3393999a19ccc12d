// `ledge fleet agent`: a node process running only the update agent (presence + updates), for fleet-sim.
import Foundation
import LedgeCore
import LedgeNode

enum AgentCommand {
    static func run(_ a: Arguments) throws -> Int32 {
        try a.checkKnown(["node", "broker", "dir", "trust", "label", "probation", "report-interval", "json"])
        let node = try a.required("node")
        var keys: [PublicKey] = []
        for t in a.values("trust") {
            if FileManager.default.fileExists(atPath: t) { keys.append(try KeyFile.read(path: t).public()) } else { keys.append(try PublicKey(encoded: t)) }
        }
        var labels: [String: String] = [:]
        for l in a.values("label") {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw UsageError("--label expects k=v, got '\(l)'") }
            labels[kv[0]] = kv[1]
        }
        var cfg = UpdateAgentConfig(nodeID: node, stateDir: try a.required("dir"), trustedKeys: keys)
        if let p = try a.double("probation") { cfg.probationSeconds = p }
        if let r = try a.double("report-interval") { cfg.reportIntervalSeconds = r }
        let activator = StandaloneActivator()
        let n = try StandaloneUpdateNode(config: cfg, broker: try a.required("broker"), labels: labels,
                                         activator: activator, smokeTester: StandaloneSmokeTester())
        n.agent.log = { line in print("[\(node)] \(line)"); fflushStdout() }
        try n.start()
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { stop.signal() }
            s.resume()
            sources.append(s)
        }
        stop.wait()
        n.stop()
        return ExitCode.success
    }
}
