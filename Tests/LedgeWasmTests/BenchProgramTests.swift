// The Wasm bench programs (tools/bench-suites/wasm) built by their own build script: each must print the
// same checksum in Ledge's engine as natively, at the small "test" size from programs/list.tsv.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Testing

@Suite("Wasm bench programs: same checksum as native")
struct BenchProgramTests {
    struct Program: Sendable, CustomStringConvertible {
        let name: String
        let testArg: String
        var description: String { name }
    }

    static let suiteDir = TestPaths.repoRoot.appendingPathComponent("tools/bench-suites/wasm")

    static func programs() -> [Program] {
        guard let text = try? String(contentsOf: suiteDir.appendingPathComponent("programs/list.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: "\t")
            return f.count >= 3 ? Program(name: String(f[0]), testArg: String(f[2])) : nil
        }
    }

    /// Builds every program once (wasm + native) with build.sh into a scratch folder shared by the tests.
    static let built: Result<URL, WASIFixture.CompileError> = {
        do {
            let dir = try TestPaths.scratch("wasm-bench-programs")
            let out = try Tool.capture(suiteDir.appendingPathComponent("build.sh").path, [dir.path])
            guard out.status == 0 else { return .failure(.init(description: "build.sh failed: \(out.text)")) }
            return .success(dir)
        } catch {
            return .failure(.init(description: "build.sh could not run: \(error)"))
        }
    }()

    @Test("the list names the six C programs and the Embedded Swift one")
    func list() {
        let names = Set(Self.programs().map(\.name))
        #expect(names == ["matmul", "sha256", "crc32", "quicksort", "nbody", "bytecode", "fannkuch"])
    }

    @Test("checksum in Ledge equals native", arguments: programs())
    func sameChecksum(_ p: Program) throws {
        let dir = try Self.built.get()
        let native = try Tool.capture(dir.appendingPathComponent("\(p.name).native").path, [p.testArg])
        #expect(native.status == 0)
        let expected = native.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.hasPrefix("\(p.name) checksum "), "native output: \(native.text)")

        let bytes = Array(try Data(contentsOf: dir.appendingPathComponent("\(p.name).wasm")))
        let (end, out) = try runWASI(bytes, args: [p.name, p.testArg], limits: Limits(fuel: 2_000_000_000))
        #expect(end == .returned)
        #expect(out.text(1).trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }
}
