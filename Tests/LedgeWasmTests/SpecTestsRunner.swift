// Tests of the spec runner's own parts: JSON reader, script decoding, NaN patterns, cache, failure reports.
import Foundation
import LedgeTestSupport
@testable import LedgeWasm
import Testing

@Suite("Spec runner parts")
struct SpecRunnerPartsTests {
    @Test("JSON reader: nesting, escapes, numbers")
    func json() throws {
        let text = #"{"a": [1, -2.5e3, true, false, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00", "e": {}, "l": []}"#
        let v = try SpecJSONParser.parse(Array(text.utf8))
        #expect(v["a"]?.arrayValue?.count == 5)
        #expect(v["a"]?.arrayValue?.first?.intValue == 1)
        #expect(v["a"]?.arrayValue?[1] == .number("-2.5e3"))
        #expect(v["a"]?.arrayValue?[2] == .bool(true))
        #expect(v["a"]?.arrayValue?[4] == .null)
        #expect(v["s"]?.stringValue == "q\"\\/\né😀")
        #expect(v["e"] == .object([:]))
        #expect(v["l"] == .array([]))
    }

    @Test("JSON reader: errors name the byte offset", arguments: [
        (#"{"a": }"#, 6), (#"[1, 2"#, 5), (#"{"a" 1}"#, 5), (#""abc"#, 4), (#"[1] x"#, 4), (#"{"a": "\q"}"#, 9),
    ])
    func jsonErrors(_ text: String, _ offset: Int) {
        #expect {
            _ = try SpecJSONParser.parse(Array(text.utf8))
        } throws: { error in
            (error as? SpecJSONError)?.offset == offset
        }
    }

    @Test("JSON reader: deep nesting is an error, not a stack overflow")
    func jsonDepth() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: SpecJSONError.self) { _ = try SpecJSONParser.parse(Array(text.utf8)) }
    }

    @Test("script decoding: values, NaN patterns, references, actions")
    func decode() throws {
        let text = #"""
        {"source_filename": "t.wast", "commands": [
          {"type": "module", "line": 1, "name": "$M", "filename": "t.0.wasm"},
          {"type": "assert_return", "line": 2, "action": {"type": "invoke", "module": "$M", "field": "f",
            "args": [{"type": "i32", "value": "4294967295"}, {"type": "f32", "value": "2143289344"},
                     {"type": "externref", "value": "7"}, {"type": "i64", "value": "-1"}]},
           "expected": [{"type": "f64", "value": "nan:canonical"}, {"type": "f32", "value": "nan:arithmetic"},
                        {"type": "funcref"}, {"type": "externref", "value": "null"}, {"type": "funcref", "value": "null"}]},
          {"type": "assert_trap", "line": 3, "action": {"type": "get", "field": "g"}, "text": "unreachable", "expected": [{"type": "i32"}]},
          {"type": "assert_malformed", "line": 4, "filename": "t.1.wat", "text": "x", "module_type": "text"},
          {"type": "register", "line": 5, "as": "other"}
        ]}
        """#
        let s = try SpecScript(json: Array(text.utf8))
        #expect(s.sourceFilename == "t.wast")
        #expect(s.commands.map(\.kind) == [.module, .assertReturn, .assertTrap, .assertMalformed, .register])
        #expect(s.commands[0].name == "$M")
        let a = try #require(s.commands[1].action)
        #expect(a.module == "$M" && a.field == "f" && a.kind == .invoke)
        #expect(a.args == [.i32(0xffff_ffff), .f32(0x7fc0_0000), .externRef(7), .i64(UInt64.max)])
        #expect(s.commands[1].expected == [.canonicalNaN64, .arithmeticNaN32, .anyFuncRef, .exact(.externRef(nil)), .exact(.funcRef(isNull: true))])
        #expect(s.commands[2].action?.kind == .get && s.commands[2].text == "unreachable" && s.commands[2].expected.isEmpty)
        #expect(s.commands[3].moduleType == "text")
        #expect(s.commands[4].registerAs == "other" && s.commands[4].name == nil)
    }

    @Test("script decoding: bad documents are errors with the .wast line")
    func decodeErrors() {
        #expect(throws: SpecScriptError.self) { _ = try SpecScript(json: Array(#"{"x": 1}"#.utf8)) }
        #expect {
            _ = try SpecScript(json: Array(#"{"commands": [{"type": "assert_return", "line": 9, "action": {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "zz"}]}}]}"#.utf8))
        } throws: { ($0 as? SpecScriptError)?.line == 9 }
        #expect {
            _ = try SpecScript(json: Array(#"{"commands": [{"type": "assert_bogus", "line": 3}]}"#.utf8))
        } throws: { ($0 as? SpecScriptError)?.line == 3 }
    }

    @Test("NaN patterns: canonical and arithmetic, both widths")
    func nanPatterns() {
        #expect(SpecMatch.matches(.f32(0x7fc0_0000), .canonicalNaN32))
        #expect(SpecMatch.matches(.f32(0xffc0_0000), .canonicalNaN32))
        #expect(!SpecMatch.matches(.f32(0x7fc0_0001), .canonicalNaN32))
        #expect(SpecMatch.matches(.f32(0x7fc0_0001), .arithmeticNaN32))
        #expect(!SpecMatch.matches(.f32(0x7fa0_0000), .arithmeticNaN32))  // signalling NaN
        #expect(!SpecMatch.matches(.f32(0x7f80_0000), .arithmeticNaN32))  // infinity
        #expect(SpecMatch.matches(.f64(0xfff8_0000_0000_0000), .canonicalNaN64))
        #expect(!SpecMatch.matches(.f64(0x7ff8_0000_0000_0001), .canonicalNaN64))
        #expect(SpecMatch.matches(.f64(0x7ffc_0000_0000_0000), .arithmeticNaN64))
        #expect(!SpecMatch.matches(.f64(0x7ff4_0000_0000_0000), .arithmeticNaN64))
        #expect(!SpecMatch.matches(.f32(0x7fc0_0000), .canonicalNaN64))  // wrong width
        #expect(SpecMatch.mismatch([.i32(1)], [.exact(.i32(1)), .exact(.i32(2))]) != nil)
        #expect(SpecMatch.mismatch([.i32(1), .i64(2)], [.exact(.i32(1)), .exact(.i64(2))]) == nil)
    }

    @Test("event lines round-trip")
    func eventLines() throws {
        let e = SpecEvent(kind: .assertTrap, line: 42, outcome: .failed, message: "expected trap\nbut got 1")
        let back = try #require(SpecEvent(encoded: Substring(e.encoded)))
        #expect(back.kind == .assertTrap && back.line == 42 && back.outcome == .failed && back.message == "expected trap but got 1")
        #expect(SpecEvent(encoded: "nonsense") == nil)
    }

    @Test("converter reuses the cache while the .wast is unchanged")
    func cache() throws {
        let dir = try TestPaths.scratch("wastcache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wast = dir.appendingPathComponent("tiny.wast")
        try "(module (func (export \"f\") (result i32) (i32.const 1)))\n(assert_return (invoke \"f\") (i32.const 1))\n"
            .write(to: wast, atomically: true, encoding: .utf8)
        let converter = SpecConverter(cacheRoot: dir.appendingPathComponent("cache").path)
        let first = try converter.convert(wast.path)
        #expect(!first.reused)
        let script = try SpecScript(json: Array(try Data(contentsOf: URL(fileURLWithPath: first.jsonPath))))
        #expect(script.commands.map(\.kind) == [.module, .assertReturn])
        #expect(FileManager.default.fileExists(atPath: first.folder + "/tiny.0.wasm"))
        #expect(try converter.convert(wast.path).reused)
        try "(module)\n".write(to: wast, atomically: true, encoding: .utf8)
        let third = try converter.convert(wast.path)
        #expect(!third.reused)
        #expect(try SpecScript(json: Array(try Data(contentsOf: URL(fileURLWithPath: third.jsonPath)))).commands.count == 1)
    }

    @Test("converter reports a .wast that wast2json rejects")
    func convertError() throws {
        let dir = try TestPaths.scratch("wastbad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wast = dir.appendingPathComponent("bad.wast")
        try "(module (func (i32.bogus)))\n".write(to: wast, atomically: true, encoding: .utf8)
        #expect {
            _ = try SpecConverter(cacheRoot: dir.appendingPathComponent("cache").path).convert(wast.path)
        } throws: { error in
            "\(error)".contains("bad.wast") && "\(error)".contains("wast2json failed")
        }
    }

    @Test("a missing converter is named in the error")
    func missingTool() throws {
        let dir = try TestPaths.scratch("wastnotool")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wast = dir.appendingPathComponent("t.wast")
        try "(module)\n".write(to: wast, atomically: true, encoding: .utf8)
        let converter = SpecConverter(cacheRoot: dir.appendingPathComponent("cache").path, tool: "ledge-no-such-wast2json")
        #expect {
            _ = try converter.convert(wast.path)
        } throws: { error in
            "\(error)".contains("ledge-no-such-wast2json") && "\(error)".contains("not installed")
        }
    }

    @Test("script discovery: --core leaves out SIMD and relaxed files; a missing path is an error")
    func discovery() throws {
        let dir = try TestPaths.scratch("wastlist")
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in ["a.wast", "simd_x.wast", "relaxed_y.wast", "b.txt"] {
            try "".write(to: dir.appendingPathComponent(n), atomically: true, encoding: .utf8)
        }
        #expect(try SpecConverter.scripts(in: [dir.path], core: false).map { SpecFiles.baseName($0) } == ["a", "relaxed_y", "simd_x"])
        #expect(try SpecConverter.scripts(in: [dir.path], core: true).map { SpecFiles.baseName($0) } == ["a"])
        #expect(throws: SpecFileError.self) { _ = try SpecConverter.scripts(in: [dir.path + "/nope"], core: true) }
    }
}
