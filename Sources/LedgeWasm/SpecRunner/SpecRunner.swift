// Runs the commands of one converted spec script against the engine and reports an event per command.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Executes wast2json scripts: modules, registrations, actions and every assertion kind.
public struct SpecRunner {
    /// Limits for every instance, so no case can hang or exhaust the host (fuel is per call).
    public var limits: Limits
    /// Each instance must finish its work within this many seconds of being created.
    public var instanceSeconds: UInt64

    public init(limits: Limits = Limits(fuel: 4_000_000_000), instanceSeconds: UInt64 = 120) {
        self.limits = limits
        self.instanceSeconds = instanceSeconds
    }

    /// The limits for an instance created now: `limits` with a deadline `instanceSeconds` from now.
    func limitsFromNow() -> Limits {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        var l = limits
        l.deadlineNanos = UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec) + instanceSeconds * 1_000_000_000
        return l
    }

    /// Runs a converted script. `folder` holds the module files it names. `onEvent` sees each outcome as it
    /// happens (a worker process streams them); the result gathers them.
    public func run(_ script: SpecScript, name: String, folder: String,
                    onEvent: (SpecEvent) -> Void = { _ in }) -> SpecFileResult {
        var session = SpecSession(runner: self, folder: folder)
        var result = SpecFileResult(name: name)
        for command in script.commands {
            let event = session.execute(command)
            result.add(event)
            onEvent(event)
        }
        return result
    }

    /// Converts (or reuses) and runs one `.wast` file in this process.
    public func run(wast path: String, converter: SpecConverter) -> SpecFileResult {
        let name = SpecFiles.baseName(path)
        do {
            let converted = try converter.convert(path)
            let script = try SpecScript(json: try SpecFiles.read(converted.jsonPath))
            return run(script, name: name, folder: converted.folder)
        } catch {
            var r = SpecFileResult(name: name)
            r.add(SpecEvent(kind: .module, line: 0, outcome: .failed, message: "cannot load script: \(error)"))
            return r
        }
    }
}

/// The state of one script run: named instances, the latest one, and the registered import namespaces.
struct SpecSession {
    let runner: SpecRunner
    let folder: String
    var imports: Imports
    var current: Instance?
    var named: [String: Instance] = [:]
    /// Every instance made, kept alive for the whole script: in the spec's store nothing is freed, and
    /// functions shared through tables, globals and registrations refer back to their instance weakly.
    var all: [Instance] = []
    /// When the latest `module` command failed: its line, so later commands can say why they have no instance.
    var failedModuleLine: Int?

    init(runner: SpecRunner, folder: String) {
        self.runner = runner
        self.folder = folder
        self.imports = SpecHost.imports()
    }

    mutating func execute(_ c: SpecCommand) -> SpecEvent {
        func pass() -> SpecEvent { SpecEvent(kind: c.kind, line: c.line, outcome: .passed) }
        func fail(_ m: String) -> SpecEvent { SpecEvent(kind: c.kind, line: c.line, outcome: .failed, message: m) }
        func skip(_ m: String) -> SpecEvent { SpecEvent(kind: c.kind, line: c.line, outcome: .skipped, message: m) }

        if let type = c.moduleType, type != "binary" { return skip("\(type) module") }
        switch c.kind {
        case .module:
            current = nil
            failedModuleLine = c.line
            switch instantiate(c) {
            case .success(let instance):
                all.append(instance)
                current = instance
                failedModuleLine = nil
                if let name = c.name { named[name] = instance }
                return pass()
            case .failure(let e):
                return fail(e.message)
            }

        case .register:
            guard let instance = c.name.flatMap({ named[$0] }) ?? current else { return fail("no module to register") }
            guard let alias = c.registerAs else { return fail("register without a name") }
            imports.register(instance, as: alias)
            return pass()

        case .action:
            switch perform(c) {
            case .success: return pass()
            case .failure(let e): return fail(e.message)
            }

        case .assertReturn:
            switch perform(c) {
            case .failure(let e): return fail(e.message)
            case .success(let values):
                if let problem = SpecMatch.mismatch(values, c.expected) { return fail(problem) }
                return pass()
            }

        case .assertTrap, .assertExhaustion:
            switch perform(c) {
            case .success(let values): return fail("expected trap '\(c.text ?? "")', got \(SpecMatch.describe(values))")
            case .failure(let e):
                guard let trap = e.trap else { return fail(e.message) }
                if c.kind == .assertExhaustion, trap.reason != .callStackExhausted {
                    return fail("expected call stack exhaustion, got trap '\(trap.reason.message)'")
                }
                guard SpecMatch.sameTrap(trap.reason.message, c.text) else {
                    return fail("expected trap '\(c.text ?? "")', got '\(trap.reason.message)'")
                }
                return pass()
            }

        case .assertInvalid, .assertMalformed:
            let wanted: WasmError.Kind = c.kind == .assertInvalid ? .invalid : .malformed
            do {
                let bytes = try moduleBytes(c)
                _ = try Module(bytes: bytes)
                return fail("module was accepted; expected \(wanted) '\(c.text ?? "")'")
            } catch let e as WasmError {
                if e.kind != wanted { return fail("expected \(wanted) '\(c.text ?? "")', got \(e)") }
                return pass()
            } catch {
                return fail("\(error)")
            }

        case .assertUnlinkable, .assertUninstantiable:
            switch instantiate(c) {
            case .success(let instance):
                all.append(instance)
                return fail("module instantiated; expected failure '\(c.text ?? "")'")
            case .failure(let e):
                if c.kind == .assertUnlinkable {
                    guard e.wasm?.kind == .unlinkable else { return fail("expected unlinkable '\(c.text ?? "")', got \(e.message)") }
                } else {
                    let ok = e.trap != nil || e.wasm?.kind == .uninstantiable
                    guard ok else { return fail("expected uninstantiable '\(c.text ?? "")', got \(e.message)") }
                }
                return pass()
            }
        }
    }

    /// Any failure of a step: an engine error, a trap, or a problem of the script itself.
    struct Failure: Error {
        var wasm: WasmError?
        var trap: Trap?
        var message: String

        init(_ error: any Error) {
            if let e = error as? WasmError {
                wasm = e
                message = e.description
            } else if let t = error as? Trap {
                trap = t
                message = "trap: \(t.reason.message)"
            } else if let f = error as? Failure {
                self = f
                return
            } else {
                message = "\(error)"
            }
        }

        init(message: String) { self.message = message }
    }

    func moduleBytes(_ c: SpecCommand) throws -> [UInt8] {
        guard let file = c.filename else { throw Failure(message: "command names no module file") }
        return try SpecFiles.read(folder + "/" + file)
    }

    func instantiate(_ c: SpecCommand) -> Result<Instance, Failure> {
        do {
            let module = try Module(bytes: try moduleBytes(c))
            return .success(try Instance(module: module, imports: imports, limits: runner.limitsFromNow()))
        } catch {
            return .failure(Failure(error))
        }
    }

    func perform(_ c: SpecCommand) -> Result<[Value], Failure> {
        guard let action = c.action else { return .failure(Failure(message: "command has no action")) }
        guard let instance = action.module.map({ named[$0] }) ?? current else {
            if action.module == nil, let line = failedModuleLine {
                return .failure(Failure(message: "no module instance: the module of line \(line) failed"))
            }
            return .failure(Failure(message: "no module instance for '\(action.module ?? "current")'"))
        }
        do {
            switch action.kind {
            case .invoke:
                var args: [Value] = []
                for a in action.args {
                    guard let v = SpecMatch.value(a) else { return .failure(Failure(message: "unsupported argument \(a)")) }
                    args.append(v)
                }
                return .success(try instance.invoke(action.field, args))
            case .get:
                guard let v = instance.exportedGlobal(named: action.field)?.value else {
                    return .failure(Failure(message: "no exported global '\(action.field)'"))
                }
                return .success([v])
            }
        } catch {
            return .failure(Failure(error))
        }
    }
}
