// Fleet commands: coordinator, keys, artifact, fleet, rollout. The CLI reads and writes the coordinator's
// state folder directly (`--state DIR`, or `--config FILE` naming it): SQLite in WAL mode lets the running
// coordinator and the CLI share it; operator commands (pause, resume, abort, rollback) are recorded there and
// applied by the coordinator on its next step.
import Foundation
import LedgeCore
import LedgeFleet

enum FleetCommands {
    static func coordinator(_ args: [String]) -> Int32 { runCommand("coordinator") { try CoordinatorCommand.run(args) } }
    static func keys(_ args: [String]) -> Int32 {
        help(args, KeysCommand.usage) ?? runCommand("keys") { try KeysCommand.run(args) }
    }
    static func artifact(_ args: [String]) -> Int32 {
        help(args, ArtifactCommand.usage) ?? runCommand("artifact") { try ArtifactCommand.run(args) }
    }
    static func fleet(_ args: [String]) -> Int32 {
        help(args, FleetNodesCommand.usage) ?? runCommand("fleet") { try FleetNodesCommand.run(args) }
    }
    static func rollout(_ args: [String]) -> Int32 {
        help(args, RolloutCLI.usage) ?? runCommand("rollout") { try RolloutCLI.run(args) }
    }

    /// `--help` or `-h` anywhere (or `help` first): prints the usage and succeeds.
    static func help(_ args: [String], _ usage: String) -> Int32? {
        guard args.contains("--help") || args.contains("-h") || args.first == "help" else { return nil }
        print(usage)
        return ExitCode.success
    }
}

/// Shared helpers of the fleet commands.
enum FleetCLI {
    /// Opens the state folder from `--state DIR`, else `--config FILE`'s `state_dir`, else `$LEDGE_COORDINATOR_STATE`.
    /// Only `create` (artifact push) may make a new state folder; the other commands read an existing one, so a
    /// mistyped `--state` is an error instead of an empty table.
    static func store(_ a: Arguments, create: Bool = false) throws -> SQLiteFleetStore {
        let dir: String
        if let d = a.value("state") {
            dir = d
        } else if let cfg = a.value("config") {
            dir = try CoordinatorConfig.read(path: cfg).stateDir
        } else if let env = ProcessInfo.processInfo.environment["LEDGE_COORDINATOR_STATE"], !env.isEmpty {
            dir = env
        } else {
            throw UsageError("give --state DIR (the coordinator's state folder) or --config FILE")
        }
        if !create && !FileManager.default.fileExists(atPath: dir + "/coordinator.db") {
            throw UsageError("\(dir) holds no coordinator state (no coordinator.db): check --state, or start `ledge coordinator` first")
        }
        return try SQLiteFleetStore(directory: dir)
    }

    static func printJSON<T: Encodable>(_ v: T) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try! enc.encode(v), as: UTF8.self))
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func age(_ ms: Int64, now: Int64 = nowMs()) -> String {
        if ms == 0 { return "never" }
        let s = max(0, (now - ms) / 1000)
        if s < 120 { return "\(s)s ago" }
        if s < 7200 { return "\(s / 60)m ago" }
        return "\(s / 3600)h ago"
    }

    /// Left-aligned columns.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func selector(_ text: [String]) throws -> [String: String] {
        var s: [String: String] = [:]
        for item in text.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, !kv[0].isEmpty else { throw UsageError("--selector expects k=v[,k=v…], got '\(item)'") }
            s[kv[0]] = kv[1]
        }
        return s
    }
}

/// `ledge coordinator --config FILE`: runs until SIGINT or SIGTERM.
enum CoordinatorCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["help"])
        try a.checkKnown(["config", "help"])
        if a.flag("help") {
            print("usage: ledge coordinator --config FILE   (JSON: broker, state_dir, client_id, chunk_size, tick_ms)")
            return ExitCode.success
        }
        let config = try CoordinatorConfig.read(path: try a.required("config"))
        let c = try Coordinator(config: config)
        c.log = { line in print(line); fflushStdout() }
        try c.start()
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
        c.stop()
        print("coordinator: stopped")
        return ExitCode.success
    }
}

/// `ledge keys generate [--out DIR] [--name NAME] [--json]`.
enum KeysCommand {
    static let usage = "usage: ledge keys generate [--out DIR] [--name NAME] [--json]   writes NAME.key (secret) and NAME.pub"

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["out", "name", "json"])
        guard a.positionals == ["generate"] else { throw UsageError(usage) }
        let key = SecretKey.generate()
        let paths = try KeyFile.write(secret: key, directory: a.value("out") ?? ".", name: a.value("name") ?? "release")
        if a.flag("json") {
            FleetCLI.printJSON(["key_id": key.publicKey.keyID, "public": key.publicKey.hex, "secret_file": paths.secret, "public_file": paths.public])
        } else {
            print("key \(key.publicKey.keyID)\n  secret: \(paths.secret) (keep it off the devices)\n  public: \(paths.public) (list it in the nodes' trusted keys)\n  public key: \(key.publicKey.hex)")
        }
        return ExitCode.success
    }
}

/// Flushes standard output (log lines of long-running commands reach pipes at once).
func fflushStdout() {
    FileHandle.standardOutput.synchronizeFile()
}
