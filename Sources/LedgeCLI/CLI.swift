// The `ledge` command: dispatches `ledge <command> …` to the command groups, one folder each.

public enum CLI {
    /// One top-level command: its name, a one-line summary and its entry point.
    struct Command: Sendable {
        let name: String
        let summary: String
        let run: @Sendable ([String]) -> Int32
    }

    static let commands: [Command] = [
        Command(name: "node", summary: "run a node: subscribe, run functions on events, publish", run: NodeCommand.main),
        Command(name: "replay", summary: "publish a C-MAPSS file as telemetry events", run: ReplayCommand.main),
        Command(name: "fn", summary: "function tools: new, build, invoke", run: FunctionCommand.main),
        Command(name: "wasm", summary: "WebAssembly tools: run, spectest", run: WasmCommand.main),
        Command(name: "model", summary: "model tools: inspect, run, verify, eval", run: ModelCommand.main),
        Command(name: "bench", summary: "benchmarks: bench model FILE, bench gemm --rows M --depth K [--cols N]", run: BenchCommand.main),
        Command(name: "coordinator", summary: "run the fleet coordinator", run: FleetCommands.coordinator),
        Command(name: "keys", summary: "release keys: generate", run: FleetCommands.keys),
        Command(name: "artifact", summary: "artifacts: push, list", run: FleetCommands.artifact),
        Command(name: "fleet", summary: "fleet registry: nodes", run: FleetCommands.fleet),
        Command(name: "rollout", summary: "rollouts: plan, start, status, pause, resume, abort, rollback", run: FleetCommands.rollout),
    ]

    /// Runs `ledge` with `args` (without the program name) and returns the exit code.
    public static func run(_ args: [String]) -> Int32 {
        guard let first = args.first, first != "--help", first != "-h", first != "help" else {
            print(usage)
            return args.isEmpty ? ExitCode.usage : ExitCode.success
        }
        if first == "--version" || first == "version" {
            print("ledge \(version)")
            return ExitCode.success
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            printError("ledge: unknown command '\(first)'\n\n\(usage)")
            return ExitCode.usage
        }
        return command.run(Array(args.dropFirst()))
    }

    public static let version = "0.1.0"

    static var usage: String {
        var s = "usage: ledge <command> [options]\n\ncommands:\n"
        for c in commands { s += "  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.summary + "\n" }
        return s
    }
}

/// Runs a command body, turning usage errors into exit code 2 with a message.
func runCommand(_ name: String, _ body: () throws -> Int32) -> Int32 {
    do {
        return try body()
    } catch let e as UsageError {
        printError("ledge \(name): \(e.message)")
        return ExitCode.usage
    } catch {
        printError("ledge \(name): \(error)")
        return ExitCode.failure
    }
}
