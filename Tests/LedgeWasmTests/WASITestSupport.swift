// Helpers for the WASI tests: compile a C fixture against wasi-libc, run it with a capturing WASI host.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Synchronization

/// Compiles `Tests/Fixtures/wasi/<name>.c` with the toolchain's clang and Debian's wasi-libc.
enum WASIFixture {
    static let clang = "/opt/swift/usr/bin/clang"

    struct CompileError: Error, CustomStringConvertible {
        let description: String
    }

    static func compile(_ name: String) throws -> [UInt8] {
        let source = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/wasi/\(name).c")
        let dir = try TestPaths.scratch("wasi-\(name)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("\(name).wasm")
        let (status, text) = try Tool.capture(clang, [
            "--target=wasm32-wasi", "-nostdlibinc", "-isystem", "/usr/include/wasm32-wasi", "-O2", "-Wall", "-Werror",
            "-nostdlib", "/usr/lib/wasm32-wasi/crt1-command.o", "-L/usr/lib/wasm32-wasi", "-lc",
            "-Wl,--strip-all", source.path, "-o", output.path,
        ])
        guard status == 0 else { throw CompileError(description: "clang failed on \(name).c: \(text)") }
        return Array(try Data(contentsOf: output))
    }
}

extension WASIFixture {
    /// Compiles the same fixture for the host and returns what it prints to stdout.
    static func runNative(_ name: String) throws -> String {
        let source = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/wasi/\(name).c")
        let dir = try TestPaths.scratch("native-\(name)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent(name)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: clang)
        cc.arguments = ["-O2", source.path, "-o", exe.path, "-lm"]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw CompileError(description: "native clang failed on \(name).c") }
        let run = Process()
        run.executableURL = exe
        let out = Pipe()
        run.standardOutput = out
        try run.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// What a guest wrote to stdout and stderr.
final class CapturedOutput: Sendable {
    private let streams = Mutex<[Int32: [UInt8]]>([:])

    var sink: WASI.Output {
        { fd, bytes in self.streams.withLock { $0[fd, default: []].append(contentsOf: bytes) } }
    }

    func text(_ fd: Int32) -> String { String(decoding: streams.withLock { $0[fd] ?? [] }, as: UTF8.self) }
}

/// The end of a WASI command run: normal return from `_start`, or the exit code, or another trap.
enum WASIRunEnd: Equatable {
    case returned
    case exit(Int32)
    case trap(TrapReason)
}

/// Instantiates `bytes` with a WASI host and calls `_start`.
func runWASI(_ bytes: [UInt8], args: [String] = ["prog"], environment: [String: String] = [:], stdin: [UInt8] = [],
             limits: Limits = Limits(fuel: 500_000_000)) throws -> (WASIRunEnd, CapturedOutput) {
    let out = CapturedOutput()
    let wasi = WASI(args: args, environment: environment, stdin: stdin, output: out.sink)
    var imports = Imports()
    wasi.define(into: &imports)
    let instance = try Instance(module: try Module(bytes: bytes), imports: imports, limits: limits)
    do {
        _ = try instance.invoke("_start", [])
        return (.returned, out)
    } catch let t as Trap {
        if case .exit(let code) = t.reason { return (.exit(code), out) }
        return (.trap(t.reason), out)
    }
}
