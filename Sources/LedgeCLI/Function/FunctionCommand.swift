// `ledge fn new|build|invoke`: scaffold a function, compile it to Wasm, run one invocation outside a node.
import Foundation
import LedgeCore
import LedgeNode
import LedgeWasm

enum FunctionCommand {
    static let help = """
    usage: ledge fn new NAME --lang swift|c [--dir DIR]
           ledge fn build SRC -o OUT.wasm [--verbose]
           ledge fn invoke MODULE.wasm --event JSON [--topic T] [--fuel N] [--memory-pages N] [--timeout-ms N]
                           [--allow-publish FILTER]… [--model NAME=PATH]… [--config KEY=VALUE]… [--json]
           ledge fn bench MODULE.wasm [--event JSON] [--invocations N] [--cold-starts N] [same limits as invoke]

    build:  compiles SRC (a .swift/.c file or a folder of them) with the toolchain's swiftc/clang and
            Debian's wasi-libc, adds the SDK, and reports the module's size, imports and exports.
    invoke: exit 0 when it ran, 3 when it trapped or a limit refused the event (the reason printed),
            2 when the module is malformed, invalid, breaks ABI v1 or imports what the host does not provide
            (named). Other limits: --max-publishes N --max-publish-bytes N --max-event-bytes N --call-depth N
            --kv-quota-bytes N --log-lines-per-s N.
    """

    static func main(_ args: [String]) -> Int32 {
        guard let sub = args.first else { printError(help); return ExitCode.usage }
        let rest = Array(args.dropFirst())
        switch sub {
        case "build": return runCommand("fn build") { try build(rest) }
        case "new": return runCommand("fn new") { try scaffold(rest) }
        case "invoke": return runCommand("fn invoke") { try invoke(rest) }
        case "bench": return runCommand("fn bench") { try FunctionBench.run(rest) }
        case "--help", "help": print(help); return ExitCode.success
        default: printError("ledge fn: unknown subcommand '\(sub)'\n\(help)"); return ExitCode.usage
        }
    }

    static func build(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args.map { $0 == "-o" ? "--output" : $0 }, flags: ["verbose", "json"])
        try a.checkKnown(["output", "verbose", "json"])
        guard a.positionals.count == 1 else { throw UsageError("expected one source (file or folder)") }
        let output = try a.required("output")
        let builder = FunctionBuilder(sdk: try FunctionBuilder.locateSDK())
        let lang: FunctionLanguage
        do {
            lang = try builder.build(source: a.positionals[0], output: output, verbose: a.flag("verbose"))
        } catch let e as BuildError {
            printError("ledge fn build: \(e.message)")
            return ExitCode.failure
        }
        let bytes = try FileIO.read(output)
        let module: Module
        do { module = try Module(bytes: bytes) } catch {
            printError("ledge fn build: the compiled module does not load: \(error)")
            return ExitCode.failure
        }
        let imports = module.imports.map { "\($0.module).\($0.name)" }
        let exports = module.exports.map { $0.name }
        if a.flag("json") {
            print(JSONValue.object([("output", .string(output)), ("language", .string(lang.rawValue)),
                                    ("bytes", .number(Double(bytes.count))),
                                    ("imports", .array(imports.map { .string($0) })),
                                    ("exports", .array(exports.map { .string($0) }))]).text)
        } else {
            print("built \(output) (\(lang.rawValue), \(bytes.count) bytes)")
            print("imports: \(imports.joined(separator: ", "))")
            print("exports: \(exports.joined(separator: ", "))")
        }
        return ExitCode.success
    }

    static func scaffold(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args)
        try a.checkKnown(["lang", "dir"])
        guard a.positionals.count == 1 else { throw UsageError("expected a function NAME") }
        let name = a.positionals[0]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw UsageError("NAME may hold letters, digits, '-' and '_' only")
        }
        let lang = a.value("lang") ?? "swift"
        guard lang == "swift" || lang == "c" else { throw UsageError("--lang expects swift or c") }
        let dir = a.value("dir") ?? name
        if FileManager.default.fileExists(atPath: dir) { throw UsageError("\(dir) already exists") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sdk = try FunctionBuilder.locateSDK()
        if lang == "swift" {
            try FileManager.default.copyItem(atPath: sdk + "/swift/Ledge.swift", toPath: dir + "/Ledge.swift")
            try Scaffold.swift(name: name).write(toFile: dir + "/Function.swift", atomically: true, encoding: .utf8)
        } else {
            try FileManager.default.copyItem(atPath: sdk + "/c/ledge.h", toPath: dir + "/ledge.h")
            try Scaffold.c(name: name).write(toFile: dir + "/function.c", atomically: true, encoding: .utf8)
        }
        try Scaffold.config(name: name).write(toFile: dir + "/function.json", atomically: true, encoding: .utf8)
        print("created \(dir)/ (\(lang)); build it with: ledge fn build \(dir) -o \(name).wasm")
        return ExitCode.success
    }

    static func invoke(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        try a.checkKnown(["event", "topic", "fuel", "memory-pages", "timeout-ms", "allow-publish", "model", "config", "json",
                          "max-publishes", "max-publish-bytes", "call-depth", "max-event-bytes", "kv-quota-bytes", "log-lines-per-s"])
        guard a.positionals.count == 1 else { throw UsageError("expected one MODULE.wasm") }
        let path = a.positionals[0]
        let event = try a.required("event")
        let topic = a.value("topic") ?? "ledge/invoke"
        let config: FunctionConfig
        let models: [String: LoadedModel]
        do { (config, models) = try functionSetup(a, path: path) } catch let e as ModelLoadFailure {
            printError("ledge fn invoke: \(e.message)")
            return ExitCode.usage
        }
        let limits = config.limits
        let sink = CollectingSink()
        let logs = CollectingLogSink()
        let runtime: FunctionRuntime
        do {
            runtime = try FunctionRuntime(config: config, models: models, sink: sink, kv: MemoryKVStore(quotaBytes: limits.kvQuotaBytes),
                                          logSink: logs, cache: ModuleCache())
        } catch {
            printError("ledge fn invoke: \(error)")
            return ExitCode.usage
        }
        runtime.replaceAfterTrap = false
        let result = Array(topic.utf8).withUnsafeBytes { t in Array(event.utf8).withUnsafeBytes { p in runtime.invoke(topic: t, payload: p) } }
        let stats = runtime.statistics
        let (status, code): (String, Int32) = {
            switch result.outcome {
            case .returned(let c): return ("returned \(c)", ExitCode.success)
            case .trapped(let r): return ("trapped: \(r)", ExitCode.trapped)
            case .refused(let r): return ("refused: \(r)", ExitCode.trapped)
            }
        }()
        if a.flag("json") {
            print(JSONValue.object([
                ("status", .string(status)),
                ("published", .array(sink.messages.map { .object([("topic", .string($0.topic)), ("payload", .string(String(decoding: $0.payload, as: UTF8.self)))]) })),
                ("logs", .array(logs.lines.map { .string($0.message) })),
                ("fuel", .number(Double(result.fuelUsed))), ("peak_pages", .number(Double(result.peakMemoryPages))),
                ("microseconds", .number(Double(result.nanos / 1000))),
                ("cold_start_microseconds", .number(Double(stats.coldStartNanosTotal / 1000))),
            ]).text)
        } else {
            for m in sink.messages { print("publish \(m.topic) \(String(decoding: m.payload, as: UTF8.self))") }
            for l in logs.lines { print("log \(["debug", "info", "warn", "error"][Int(max(0, min(3, l.level)))]) \(l.message)") }
            print("\(status); fuel \(result.fuelUsed), peak memory \(result.peakMemoryPages) pages, \(result.nanos / 1000) µs (cold start \(stats.coldStartNanosTotal / 1000) µs)")
        }
        return code
    }

    /// The limits, models and settings given on the command line (shared by invoke and bench).
    static func functionSetup(_ a: Arguments, path: String) throws -> (FunctionConfig, [String: LoadedModel]) {
        var limits = FunctionLimits()
        if let n = try a.int("fuel") { limits.fuel = UInt64(max(0, n)) }
        if let n = try a.int("memory-pages") { limits.memoryPages = UInt32(clamping: n) }
        if let n = try a.int("timeout-ms") { limits.timeoutMs = n }
        if let n = try a.int("max-publishes") { limits.maxPublishes = n }
        if let n = try a.int("max-publish-bytes") { limits.maxPublishBytes = n }
        if let n = try a.int("call-depth") { limits.callDepth = n }
        if let n = try a.int("max-event-bytes") { limits.maxEventBytes = n }
        if let n = try a.int("kv-quota-bytes") { limits.kvQuotaBytes = n }
        if let n = try a.int("log-lines-per-s") { limits.logLinesPerSecond = n }
        guard limits.fuel > 0, limits.timeoutMs > 0, limits.memoryPages > 0, limits.callDepth > 0, limits.maxEventBytes >= 0,
              limits.maxPublishes >= 0, limits.maxPublishBytes >= 0, limits.kvQuotaBytes >= 0, limits.logLinesPerSecond >= 0 else {
            throw UsageError("limits must be positive (--fuel, --timeout-ms, --memory-pages, --call-depth) or non-negative")
        }
        for f in a.values("allow-publish") where !TopicFilter.isValidFilter(f) {
            throw UsageError("--allow-publish: not a valid MQTT topic filter: \"\(f)\"")
        }
        var models: [String: LoadedModel] = [:]
        for spec in a.values("model") {
            guard let eq = spec.firstIndex(of: "=") else { throw UsageError("--model expects NAME=PATH") }
            let name = String(spec[..<eq])
            do { models[name] = try LoadedModel(name: name, path: String(spec[spec.index(after: eq)...])) } catch {
                throw ModelLoadFailure(message: "\(error)")
            }
        }
        var settings: [(String, String)] = []
        for spec in a.values("config") {
            guard let eq = spec.firstIndex(of: "=") else { throw UsageError("--config expects KEY=VALUE") }
            settings.append((String(spec[..<eq]), String(spec[spec.index(after: eq)...])))
        }
        let config = FunctionConfig(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, module: path,
                                    triggers: ["#"], allowPublish: a.values("allow-publish"), models: Array(models.keys),
                                    limits: limits, settings: settings)
        return (config, models)
    }
}

/// A --model that could not be loaded.
struct ModelLoadFailure: Error { let message: String }

/// Starting points written by `ledge fn new`.
enum Scaffold {
    static func swift(name: String) -> String {
        """
        // \(name): a Ledge function in Embedded Swift. Build: ledge fn build . -o \(name).wasm

        enum Handler: LedgeHandler {
            static func initialize() -> Int32 { 0 }

            /// Runs for each event on a trigger topic; return 0 when handled.
            static func onEvent(_ event: Event) -> Int32 {
                guard let value = event.number("value") else { return Int32(LEDGE_E_INVALID) }
                var payload = Text("{\\"doubled\\":")
                payload.append(value * 2, decimals: 3)
                payload.append("}")
                return Ledge.publish(Text("out/\(name)").bytes, payload.bytes)
            }
        }

        """
    }

    static func c(name: String) -> String {
        """
        /* \(name): a Ledge function in C. Build: ledge fn build . -o \(name).wasm */
        #include <stdio.h>
        #include "ledge.h"

        __attribute__((export_name("ledge_on_event")))
        int32_t ledge_on_event(const char *topic, int32_t topic_len, const char *payload, int32_t payload_len) {
            double value;
            if (ledge_json_number(payload, payload_len, "value", 5, &value) != LEDGE_OK) return LEDGE_E_INVALID;
            char out[64];
            int n = snprintf(out, sizeof out, "{\\"doubled\\":%.3f}", value * 2);
            return ledge_publish("out/\(name)", \("out/\(name)".utf8.count), out, n, 1);
        }

        """
    }

    static func config(name: String) -> String {
        """
        {
          "name": "\(name)",
          "module": "\(name).wasm",
          "triggers": ["in/\(name)"],
          "allow_publish": ["out/\(name)"],
          "limits": {"fuel": 10000000, "timeout_ms": 100, "memory_pages": 32}
        }

        """
    }
}
