// `ledge wasm spectest`: converts .wast scripts and runs each in a worker process, so a crash or a hang
// in one script costs only that script.
import Foundation
import LedgeWasm

enum SpectestCommand {
    /// Hidden subcommand the parent starts per script: `ledge wasm spectest-worker JSON FOLDER NAME`.
    static let workerName = "spectest-worker"

    static func main(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["core", "in-process", "json"])
        try a.checkKnown(["core", "in-process", "json", "jobs", "cache", "timeout"])
        let json = a.flag("json")
        guard !a.positionals.isEmpty else { throw UsageError("name at least one folder or .wast file") }
        let jobs = max(1, try a.int("jobs") ?? 1)
        let timeout = try a.double("timeout") ?? 300
        let cache = a.value("cache") ?? FileManager.default.currentDirectoryPath + "/.ledge-cache/wast"
        let converter = SpecConverter(cacheRoot: cache)
        let scripts: [String]
        do { scripts = try SpecConverter.scripts(in: a.positionals, core: a.flag("core")) } catch {
            throw UsageError(error.description)
        }
        guard !scripts.isEmpty else { throw UsageError("no .wast files in \(a.positionals.joined(separator: " "))") }

        let start = DispatchTime.now()
        let inProcess = a.flag("in-process")
        let results = SpectestPool(count: scripts.count, jobs: jobs).run { i in
            inProcess
                ? SpecRunner().run(wast: scripts[i], converter: converter)
                : runInWorker(scripts[i], converter: converter, timeout: timeout)
        } onResult: { result in
            if json { return }
            print(result.report)
            flushStandardOutput()
        }
        var tally = SpecTally()
        for r in results { tally.add(r.tally) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if json {
            print(try jsonReport(results, tally: tally, seconds: seconds))
            return tally.total.failed == 0 ? ExitCode.success : ExitCode.failure
        }
        print("\(scripts.count) files in \(String(format: "%.1f", seconds)) s; by command:")
        for line in tally.breakdown { print(line) }
        print(tally.summary)
        return tally.total.failed == 0 ? ExitCode.success : ExitCode.failure
    }

    /// `{"passed", "failed", "skipped", "seconds", "byCommand": {kind: counts}, "files": [{name, counts, failures}]}`.
    static func jsonReport(_ results: [SpecFileResult], tally: SpecTally, seconds: Double) throws -> String {
        func counts(_ c: SpecTally.Counts) -> [String: Any] { ["passed": c.passed, "failed": c.failed, "skipped": c.skipped] }
        var byCommand: [String: Any] = [:]
        for (k, c) in tally.byKind { byCommand[k.rawValue] = counts(c) }
        var doc = counts(tally.total)
        doc["seconds"] = (seconds * 1000).rounded() / 1000
        doc["byCommand"] = byCommand
        doc["files"] = results.map { r -> [String: Any] in
            var f = counts(r.tally.total)
            f["name"] = r.name
            f["failures"] = r.failures.map { ["line": $0.line, "command": $0.kind.rawValue, "message": $0.message] }
            return f
        }
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Converts one script here, runs it in a child `ledge` process, and reads the streamed events.
    /// Commands the child never reported (it crashed or ran out of time) count as failed.
    static func runInWorker(_ wast: String, converter: SpecConverter, timeout: Double) -> SpecFileResult {
        let name = URL(fileURLWithPath: wast).deletingPathExtension().lastPathComponent
        var result = SpecFileResult(name: name)
        let script: SpecScript
        let converted: SpecConverter.Converted
        do {
            converted = try converter.convert(wast)
            script = try SpecScript(json: Array(try Data(contentsOf: URL(fileURLWithPath: converted.jsonPath))))
        } catch {
            result.add(SpecEvent(kind: .module, line: 0, outcome: .failed, message: "cannot convert: \(error)"))
            return result
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["wasm", workerName, converted.jsonPath, converted.folder, name]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            result.add(SpecEvent(kind: .module, line: 0, outcome: .failed, message: "cannot start worker: \(error)"))
            return result
        }
        let timer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()

        var seen = 0
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            if let e = SpecEvent(encoded: line) {
                result.add(e)
                seen += 1
            }
        }
        if seen < script.commands.count {
            let why = p.terminationReason == .uncaughtSignal
                ? "worker killed by signal \(p.terminationStatus)" + (p.terminationStatus == SIGTERM ? " (timeout \(Int(timeout)) s)" : "")
                : "worker exited with status \(p.terminationStatus)"
            for (k, c) in script.commands[seen...].enumerated() {
                if let type = c.moduleType, type != "binary" {
                    result.add(SpecEvent(kind: c.kind, line: c.line, outcome: .skipped, message: "\(type) module"))
                    continue
                }
                let message = k == 0 ? "\(why) while running this command" : "not run: \(why)"
                result.add(SpecEvent(kind: c.kind, line: c.line, outcome: .failed, message: message))
            }
        }
        return result
    }

    /// The worker: runs one converted script and writes one line per command to stdout.
    static func worker(_ args: [String]) -> Int32 {
        guard args.count == 3 else {
            printError("usage: ledge wasm \(workerName) JSON FOLDER NAME")
            return ExitCode.usage
        }
        do {
            let script = try SpecScript(json: Array(try Data(contentsOf: URL(fileURLWithPath: args[0]))))
            // One write per event, so a crash loses nothing already decided.
            _ = SpecRunner().run(script, name: args[2], folder: args[1]) { event in
                print(event.encoded)
                flushStandardOutput()
            }
            return ExitCode.success
        } catch {
            printError("ledge wasm \(workerName): \(error)")
            return ExitCode.failure
        }
    }
}

/// Flushes Swift's buffered standard output.
func flushStandardOutput() {
    fflush(nil)
}

/// Runs `count` jobs on up to `jobs` threads and hands results over in order as soon as they are ready.
struct SpectestPool {
    let count: Int
    let jobs: Int

    func run(_ body: @escaping @Sendable (Int) -> SpecFileResult,
             onResult: (SpecFileResult) -> Void) -> [SpecFileResult] {
        final class Shared: @unchecked Sendable {
            let condition = NSCondition()
            var next = 0
            var results: [SpecFileResult?]
            init(_ n: Int) { results = Array(repeating: nil, count: n) }
        }
        let shared = Shared(count)
        let n = count
        for _ in 0..<min(jobs, count) {
            Thread.detachNewThread {
                while true {
                    shared.condition.lock()
                    let i = shared.next
                    shared.next += 1
                    shared.condition.unlock()
                    if i >= n { return }
                    let r = body(i)
                    shared.condition.lock()
                    shared.results[i] = r
                    shared.condition.broadcast()
                    shared.condition.unlock()
                }
            }
        }
        var out: [SpecFileResult] = []
        for i in 0..<count {
            shared.condition.lock()
            while shared.results[i] == nil { shared.condition.wait() }
            let r = shared.results[i]!
            shared.condition.unlock()
            onResult(r)
            out.append(r)
        }
        return out
    }
}
