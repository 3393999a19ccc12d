// Builds the sandbox test modules once per test process: Tests/Fixtures/functions/*.c with `ledge fn build`
// (the C SDK, Debian's wasi-libc), *.wat with wabt's wat2wasm, and a generated module with a huge data segment.
import Foundation
@testable import LedgeCLI
import LedgeCore
import LedgeNode
import LedgeTestSupport

enum FunctionFixtures {
    static let source = TestPaths.repoRoot.appendingPathComponent("Tests/Fixtures/functions").path
    static let out: String = {
        let dir = NSTemporaryDirectory() + "ledge-sandbox-fixtures-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: String] = [:]

    /// The compiled module for fixture `name` (without extension), built on first use.
    static func path(_ name: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let p = built[name] { return p }
        let dst = "\(out)/\(name).wasm"
        if FileManager.default.fileExists(atPath: "\(source)/\(name).c") {
            let builder = FunctionBuilder(sdk: TestPaths.repoRoot.appendingPathComponent("edge-config/sdk").path)
            _ = try builder.build(source: "\(source)/\(name).c", output: dst, verbose: false)
        } else if FileManager.default.fileExists(atPath: "\(source)/\(name).wat") {
            try wat2wasm("\(source)/\(name).wat", dst)
        } else if name == "hostile_bigdata" {
            // An 8 MiB data segment in a module whose memory starts at 130 pages (8 MiB + the event buffer).
            let wat = "\(out)/hostile_bigdata.wat"
            let data = String(repeating: "A", count: 8 << 20)
            try """
            ;; Hostile: a huge data segment (8 MiB) and the memory to hold it.
            (module
              (memory (export "memory") 130)
              (data (i32.const 0) "\(data)")
              (func (export "ledge_alloc") (param i32) (result i32) (i32.const 8388608))
              (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
            """.write(toFile: wat, atomically: true, encoding: .utf8)
            try wat2wasm(wat, dst)
        } else {
            throw BuildError(message: "no fixture named \(name)")
        }
        built[name] = dst
        return dst
    }

    static func wat2wasm(_ src: String, _ dst: String) throws {
        let (status, text) = try Tool.capture("/usr/bin/wat2wasm", [src, "-o", dst])
        guard status == 0 else { throw BuildError(message: "wat2wasm \(src) failed (apt-get install wabt): \(text)") }
    }

    /// A function config for a fixture with test-sized limits.
    static func config(_ name: String, fixture: String? = nil, triggers: [String] = ["in/#"], allow: [String] = ["out/#"],
                       limits: (inout FunctionLimits) -> Void = { _ in }) throws -> FunctionConfig {
        var l = FunctionLimits()
        l.fuel = 5_000_000
        l.timeoutMs = 2_000
        l.memoryPages = 64
        l.callDepth = 500
        l.maxPublishes = 8
        l.kvQuotaBytes = 4096
        limits(&l)
        return FunctionConfig(name: name, module: try path(fixture ?? name), triggers: triggers, allowPublish: allow,
                              models: [], limits: l, settings: [])
    }
}

/// Invokes `runtime` with a text topic and payload.
func invoke(_ runtime: FunctionRuntime, topic: String = "in/x", _ payload: String) -> InvocationResult {
    Array(topic.utf8).withUnsafeBytes { t in Array(payload.utf8).withUnsafeBytes { p in runtime.invoke(topic: t, payload: p) } }
}

/// The reason when `r` trapped, else nil.
func trapReason(_ r: InvocationResult) -> String? {
    if case .trapped(let s) = r.outcome { return s }
    return nil
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; false on timeout.
func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { return false }
        usleep(20_000)
    }
    return true
}
