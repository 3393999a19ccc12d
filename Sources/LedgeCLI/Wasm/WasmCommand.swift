// `ledge wasm run|spectest`: dispatches to the WebAssembly tools.

enum WasmCommand {
    static let usage = """
    usage: ledge wasm run FILE.wasm [--fuel N] [--timeout-ms N] [--max-pages N] [--env KEY=VALUE]… [--stats]
                                    [--invoke NAME [ARG…] [--json]] [--args ARG…]
           ledge wasm spectest [--core] [--jobs N] [--cache DIR] [--timeout S] [--in-process] [--json] DIR|FILE.wast…

    run       runs a WASI command module (_start) and exits with its exit code, or invokes
              an export with arguments parsed by its signature and prints the results.
              Malformed/invalid/unlinkable module: exit 2; trap: exit 3. --stats prints
              times, fuel used and memory pages to stderr.
    spectest  converts .wast scripts with wast2json (cached by content hash) and runs every
              command, each script in a worker process (--in-process: in this one) with a
              time limit per script (--timeout, default 300 s); --core leaves out simd_* and
              *relaxed* files. Prints a line per script, failures by .wast line, and last
              `N passed, M failed, K skipped`. Exit 1 if any failed.
    """

    static func main(_ args: [String]) -> Int32 {
        guard let sub = args.first else {
            printError(usage)
            return ExitCode.usage
        }
        let rest = Array(args.dropFirst())
        switch sub {
        case "run": return runCommand("wasm run") { try WasmRunCommand.main(rest) }
        case "spectest": return runCommand("wasm spectest") { try SpectestCommand.main(rest) }
        case SpectestCommand.workerName: return SpectestCommand.worker(rest)
        case "--help", "-h", "help":
            print(usage)
            return ExitCode.success
        default:
            printError("ledge wasm: unknown subcommand '\(sub)'\n\n\(usage)")
            return ExitCode.usage
        }
    }
}
