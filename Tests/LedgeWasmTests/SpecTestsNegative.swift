// The spec runner must catch wrong results: a script of deliberately false assertions fails line by line,
// and a script that would never end is stopped by the runner's limits.
import Foundation
import LedgeTestSupport
@testable import LedgeWasm
import Testing

@Suite("Spec runner catches failures")
struct SpecRunnerNegativeTests {
    /// Each assertion marked `;; bad` states something false about the module and must be reported.
    static let script = """
    (module
      (func (export "one") (result i32) (i32.const 1))
      (func (export "nan") (result f32) (f32.const nan:0x200000))
      (func (export "trap") (unreachable))
      (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (global (export "g") i32 (i32.const 7))
    )
    (assert_return (invoke "one") (i32.const 2)) ;; bad
    (assert_return (invoke "one") (i32.const 1))
    (assert_trap (invoke "one") "unreachable") ;; bad
    (assert_trap (invoke "div" (i32.const 0)) "unreachable") ;; bad
    (assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
    (assert_return (invoke "nan") (f32.const nan:canonical)) ;; bad
    (assert_return (invoke "nan") (f32.const nan:arithmetic)) ;; bad
    (assert_exhaustion (invoke "trap") "call stack exhausted") ;; bad
    (assert_return (get "g") (i32.const 7))
    (assert_return (get "g") (i32.const 8)) ;; bad
    (assert_invalid (module (func (result i32) (i32.const 1))) "type mismatch") ;; bad
    (assert_unlinkable (module (import "spectest" "print_i32" (func (param i32)))) "unknown import") ;; bad
    (assert_trap (module (func $f) (start $f)) "unreachable") ;; bad
    (module binary "\\00asm\\01\\00\\00\\00")
    (assert_malformed (module binary "\\00asm\\01\\00\\00\\00") "unexpected end") ;; bad

    """

    func run(_ text: String, name: String, runner: SpecRunner = SpecRunner()) throws -> SpecFileResult {
        let dir = try TestPaths.scratch("specneg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wast = dir.appendingPathComponent("\(name).wast")
        try text.write(to: wast, atomically: true, encoding: .utf8)
        return runner.run(wast: wast.path, converter: SpecConverter(cacheRoot: dir.appendingPathComponent("cache").path))
    }

    @Test("every false assertion fails, named by its line; every true one passes")
    func falseAssertions() throws {
        let result = try run(Self.script, name: "negative")
        let lines = Self.script.split(separator: "\n", omittingEmptySubsequences: false)
        let bad = lines.indices.filter { lines[$0].hasSuffix(";; bad") }.map { $0 + 1 }
        #expect(result.failures.map(\.line) == bad, Comment(rawValue: result.report))
        #expect(result.tally.total.passed == 5)  // 2 modules, 2 assert_return, 1 assert_trap
        let byLine = Dictionary(result.failures.map { ($0.line, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byLine[8] == "result 0: expected 2:i32, got [1:i32]")
        #expect(byLine[11] == "expected trap 'unreachable', got 'integer divide by zero'")
        #expect(byLine[13]?.contains("nan:canonical") == true)
        #expect(byLine[19]?.contains("expected failure 'unknown import'") == true)
    }

    @Test("a script that would loop forever ends with an out-of-fuel failure")
    func endlessLoopFuel() throws {
        let text = "(module (func (export \"spin\") (loop (br 0))))\n(assert_return (invoke \"spin\"))\n"
        let result = try run(text, name: "spin", runner: SpecRunner(limits: Limits(fuel: 1_000_000)))
        #expect(result.failures.map(\.line) == [2])
        #expect(result.failures.first?.message == "trap: out of fuel")
    }

    @Test("without fuel, the per-instance deadline still ends it")
    func endlessLoopDeadline() throws {
        let text = "(module (func (export \"spin\") (loop (br 0))))\n(assert_return (invoke \"spin\"))\n"
        let result = try run(text, name: "spin", runner: SpecRunner(limits: Limits(), instanceSeconds: 1))
        #expect(result.failures.first?.message == "trap: deadline exceeded")
    }

    @Test("a missing module file or export is a failure of that command, and the run goes on")
    func missingPieces() throws {
        let json = #"""
        {"source_filename": "m.wast", "commands": [
          {"type": "module", "line": 1, "filename": "absent.wasm"},
          {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "f", "args": []}, "expected": []},
          {"type": "register", "line": 3, "as": "x"},
          {"type": "assert_malformed", "line": 4, "filename": "m.1.wat", "text": "x", "module_type": "text"}
        ]}
        """#
        let script = try SpecScript(json: Array(json.utf8))
        let result = SpecRunner().run(script, name: "m", folder: "/nonexistent")
        #expect(result.failures.map(\.line) == [1, 2, 3])
        #expect(result.failures[0].message.contains("absent.wasm"))
        #expect(result.failures[1].message == "no module instance: the module of line 1 failed")
        #expect(result.tally.total.skipped == 1)
    }
}
