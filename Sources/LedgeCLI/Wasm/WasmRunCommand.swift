// `ledge wasm run`: runs a WASI command module, or invokes one export with typed arguments.
import Foundation
import LedgeWasm

enum WasmRunCommand {
    static func main(_ rawArgs: [String]) throws -> Int32 {
        // Everything after `--args` (or `--`) belongs to the guest program.
        var own = rawArgs
        var programArgs: [String] = []
        if let i = rawArgs.firstIndex(where: { $0 == "--args" || $0 == "--" }) {
            own = Array(rawArgs[..<i])
            programArgs = Array(rawArgs[(i + 1)...])
        }
        let a = try Arguments(own, flags: ["json", "stats"])
        try a.checkKnown(["invoke", "fuel", "timeout-ms", "max-pages", "env", "json", "stats"])
        guard let path = a.positionals.first else { throw UsageError("name a .wasm file") }
        let invokeArgs = Array(a.positionals.dropFirst())
        if a.value("invoke") == nil, !invokeArgs.isEmpty {
            throw UsageError("unexpected arguments \(invokeArgs) (guest arguments go after --args)")
        }

        var limits = Limits()
        if let fuel = try a.int("fuel") {
            guard fuel > 0 else { throw UsageError("--fuel must be positive") }
            limits.fuel = UInt64(fuel)
        }
        if let ms = try a.int("timeout-ms") {
            guard ms > 0 else { throw UsageError("--timeout-ms must be positive") }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            limits.deadlineNanos = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec) + UInt64(ms) * 1_000_000
        }
        if let pages = try a.int("max-pages") {
            guard pages >= 0, pages <= 65536 else { throw UsageError("--max-pages must be within 0…65536") }
            limits.maxMemoryPages = UInt32(pages)
        }
        var environment: [String: String] = [:]
        for kv in a.values("env") {
            guard let eq = kv.firstIndex(of: "=") else { throw UsageError("--env expects KEY=VALUE, got '\(kv)'") }
            environment[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }

        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            printError("ledge wasm run: cannot read \(path): \(error.localizedDescription)")
            return ExitCode.usage
        }
        let module: Module
        do { module = try Module(bytes: bytes) } catch {
            printError("ledge wasm run: \(path): \(error)")
            return ExitCode.usage
        }

        // stdin is read only when the guest can read it, so a terminal never blocks a module that does not.
        let readsStdin = module.imports.contains { $0.module == WASI.moduleName && $0.name == "fd_read" }
        let stdinBytes = readsStdin ? Array(FileHandle.standardInput.readDataToEndOfFile()) : []
        let wasi = WASI(args: [path] + programArgs, environment: environment, stdin: stdinBytes) { fd, buffer in
            WasmRunCommand.writeAll(fd == 2 ? 2 : 1, buffer)
        }
        var imports = Imports()
        wasi.define(into: &imports)

        let started = DispatchTime.now().uptimeNanoseconds
        let instance: Instance
        do { instance = try Instance(module: module, imports: imports, limits: limits) } catch let trap as Trap {
            return report(trap, path: path)
        } catch {
            printError("ledge wasm run: \(path): \(error)")
            return ExitCode.usage
        }
        let instantiated = DispatchTime.now().uptimeNanoseconds
        let code = try execute(instance, module: module, a: a, invokeArgs: invokeArgs, path: path)
        if a.flag("stats") {
            let done = DispatchTime.now().uptimeNanoseconds
            func ms(_ n: UInt64) -> String { String(format: "%.3f", Double(n) / 1e6) }
            printError("ledge wasm run: instantiate \(ms(instantiated - started)) ms, run \(ms(done - instantiated)) ms, "
                + "fuel \(instance.fuelConsumed), memory \(instance.memoryPages) pages (peak \(instance.peakMemoryPages)), "
                + "exit \(code)")
        }
        return code
    }

    /// Runs `_start`, or the function named by `--invoke`; returns the exit code.
    static func execute(_ instance: Instance, module: Module, a: Arguments, invokeArgs: [String], path: String) throws -> Int32 {
        if let name = a.value("invoke") {
            return try invoke(instance, module: module, name: name, args: invokeArgs, path: path, json: a.flag("json"))
        }
        guard module.exports.contains(where: { $0.name == "_start" && $0.kind == .function }) else {
            throw UsageError("\(path) exports no _start; name a function with --invoke")
        }
        do {
            _ = try instance.invoke("_start", [])
            return ExitCode.success
        } catch let trap as Trap {
            return report(trap, path: path)
        } catch {
            printError("ledge wasm run: \(path): \(error)")
            return ExitCode.failure
        }
    }

    /// Invokes `name` with arguments parsed by its parameter types and prints one result per line.
    static func invoke(_ instance: Instance, module: Module, name: String, args: [String], path: String,
                       json: Bool) throws -> Int32 {
        guard let type = instance.function(named: name)?.type else {
            throw UsageError("\(path) exports no function '\(name)'")
        }
        guard args.count == type.params.count else {
            throw UsageError("'\(name)' takes \(type.params.count) arguments \(type.params.map(WasmValueText.name)), got \(args.count)")
        }
        var values: [Value] = []
        for (i, (text, t)) in zip(args, type.params).enumerated() {
            guard let v = WasmValueText.parse(text, as: t) else {
                throw UsageError("argument \(i + 1) '\(text)' is not a valid \(WasmValueText.name(t))")
            }
            values.append(v)
        }
        do {
            let results = try instance.invoke(name, values)
            if json {
                print(WasmValueText.json(results))
            } else {
                for r in results { print(WasmValueText.format(r)) }
            }
            return ExitCode.success
        } catch let trap as Trap {
            return report(trap, path: path)
        }
    }

    /// A trap ends the run: `exit(code)` is the guest's exit code, anything else is reported with exit 3.
    static func report(_ trap: Trap, path: String) -> Int32 {
        if case .exit(let code) = trap.reason { return code }
        printError("ledge wasm run: \(path): trap: \(trap.reason.message)")
        return ExitCode.trapped
    }

    /// Writes a guest buffer to a host fd, retrying short writes.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard var p = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            p += n
            left -= n
        }
    }
}
