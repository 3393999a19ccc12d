// `ledge wasm run|spectest|dump`: dispatches to the WebAssembly tools.
import Foundation
import LedgeWasm

enum WasmCommand {
    static let usage = """
    usage: ledge wasm run FILE.wasm [--fuel N] [--timeout-ms N] [--max-pages N] [--env KEY=VALUE]… [--stats]
                                    [--invoke NAME [ARG…] [--json]] [--args ARG…]
           ledge wasm spectest [--core] [--jobs N] [--cache DIR] [--timeout S] [--in-process] [--json] DIR|FILE.wast…
           ledge wasm dump FILE.wasm [--function N]

    run       runs a WASI command module (_start) and exits with its exit code, or invokes
              an export with arguments parsed by its signature and prints the results.
              Malformed/invalid/unlinkable module: exit 2; trap: exit 3. --stats prints
              times, fuel used and memory pages to stderr.
    spectest  converts .wast scripts with wast2json (cached by content hash) and runs every
              command, each script in a worker process (--in-process: in this one) with a
              time limit per script (--timeout, default 300 s); --core leaves out simd_* and
              *relaxed* files. Prints a line per script, failures by .wast line, and last
              `N passed, M failed, K skipped`. Exit 1 if any failed.
    dump      prints the internal code each defined function was translated into (N counts
              defined functions from 0, imports excluded).
    """

    static func main(_ args: [String]) -> Int32 {
        guard let sub = args.first else {
            printError(usage)
            return ExitCode.usage
        }
        let rest = Array(args.dropFirst())
        // `ledge wasm run --help` (only as the first word: later words may be the guest's own arguments).
        if ["run", "spectest", "dump"].contains(sub), rest.first == "--help" || rest.first == "-h" {
            print(usage)
            return ExitCode.success
        }
        switch sub {
        case "run": return runCommand("wasm run") { try WasmRunCommand.main(rest) }
        case "spectest": return runCommand("wasm spectest") { try SpectestCommand.main(rest) }
        case "dump": return runCommand("wasm dump") { try dump(rest) }
        case SpectestCommand.workerName: return SpectestCommand.worker(rest)
        case "--help", "-h", "help":
            print(usage)
            return ExitCode.success
        default:
            printError("ledge wasm: unknown subcommand '\(sub)'\n\n\(usage)")
            return ExitCode.usage
        }
    }

    static func dump(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: [])
        try a.checkKnown(["function"])
        guard let path = a.positionals.first, a.positionals.count == 1 else { throw UsageError("name one .wasm file") }
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            printError("ledge wasm dump: cannot read \(path): \(error.localizedDescription)")
            return ExitCode.usage
        }
        let module: Module
        do { module = try Module(bytes: bytes) } catch {
            printError("ledge wasm dump: \(path): \(error)")
            return ExitCode.usage
        }
        let function = try a.int("function")
        if let function, function < 0 || function >= module.definedFunctionCount {
            throw UsageError("--function must be within 0..<\(module.definedFunctionCount)")
        }
        print(module.codeListing(function: function), terminator: "")
        return ExitCode.success
    }
}
