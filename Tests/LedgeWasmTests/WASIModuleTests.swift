// WASI host functions driven by small hand-written modules (assembled with wabt's wat2wasm at test time):
// no memory, wrong signatures, exit from deep calls, a shared stdin, and exact bytes handed to the sink.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Testing

/// Assembles WebAssembly text with Debian's wat2wasm.
func assemble(_ wat: String) throws -> [UInt8] {
    let dir = try TestPaths.scratch("wat")
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("m.wat"), output = dir.appendingPathComponent("m.wasm")
    try wat.write(to: input, atomically: true, encoding: .utf8)
    let (status, text) = try Tool.capture("/usr/bin/wat2wasm", [input.path, "-o", output.path])
    guard status == 0 else { throw WASIFixture.CompileError(description: "wat2wasm: \(text)") }
    return Array(try Data(contentsOf: output))
}

@Suite("WASI with hand-written modules")
struct WASIModuleTests {
    func instantiate(_ wat: String, wasi: WASI) throws -> Instance {
        var imports = Imports()
        wasi.define(into: &imports)
        return try Instance(module: try Module(bytes: try assemble(wat)), imports: imports, limits: Limits(fuel: 10_000_000))
    }

    @Test("a module without memory gets fault, not a trap")
    func noMemory() throws {
        let out = CapturedOutput()
        let instance = try instantiate("""
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
              (func (export "go") (result i32) (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0))))
            """, wasi: WASI(args: [], output: out.sink))
        #expect(try instance.invoke("go", []) == [.i32(21)])
        #expect(out.text(1).isEmpty)
    }

    @Test("a WASI import with the wrong signature does not link")
    func wrongSignature() throws {
        #expect {
            _ = try instantiate("""
                (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))))
                """, wasi: WASI(args: [], output: { _, _ in }))
        } throws: { error in
            (error as? WasmError)?.kind == .unlinkable
        }
    }

    @Test("an unknown name in the WASI module does not link")
    func unknownName() throws {
        #expect {
            _ = try instantiate("""
                (module (import "wasi_snapshot_preview1" "fd_teleport" (func (param i32) (result i32))))
                """, wasi: WASI(args: [], output: { _, _ in }))
        } throws: { error in
            (error as? WasmError)?.kind == .unlinkable
        }
    }

    @Test("proc_exit deep in the call stack ends the whole call with its code")
    func exitFromDepth() throws {
        let instance = try instantiate("""
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (func $down (param i32)
                (if (i32.eqz (local.get 0)) (then (call $exit (i32.const 42))))
                (call $down (i32.sub (local.get 0) (i32.const 1)))
                unreachable)
              (func (export "go") (call $down (i32.const 100))))
            """, wasi: WASI(args: [], output: { _, _ in }))
        #expect { _ = try instance.invoke("go", []) } throws: { ($0 as? Trap)?.reason == .exit(42) }
    }

    @Test("fd_write gathers iovecs in order, skips empty ones, and reports the byte count")
    func gather() throws {
        let out = CapturedOutput()
        let instance = try instantiate("""
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
              (memory 1)
              (data (i32.const 100) "abcdef")
              ;; iovecs at 0: (100, 2) (0, 0) (103, 3)
              (data (i32.const 0) "\\64\\00\\00\\00\\02\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\67\\00\\00\\00\\03\\00\\00\\00")
              (func (export "go") (param i32) (result i32 i32)
                (call $w (local.get 0) (i32.const 0) (i32.const 3) (i32.const 200))
                (i32.load (i32.const 200))))
            """, wasi: WASI(args: [], output: out.sink))
        #expect(try instance.invoke("go", [.i32(2)]) == [.i32(0), .i32(5)])
        #expect(out.text(2) == "abdef")
        #expect(try instance.invoke("go", [.i32(0)]) == [.i32(8), .i32(5)])  // stdin is not writable
    }

    @Test("one WASI value shares its stdin cursor between instances")
    func sharedStdin() throws {
        let wat = """
            (module
              (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
              (memory 1)
              (func (export "read3") (result i32 i32)
                (i32.store (i32.const 0) (i32.const 100))
                (i32.store (i32.const 4) (i32.const 3))
                (call $r (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
                (i32.load (i32.const 8)))
              (func (export "byte") (param i32) (result i32) (i32.load8_u (i32.add (i32.const 100) (local.get 0)))))
            """
        let wasi = WASI(args: [], stdin: Array("hello".utf8), output: { _, _ in })
        let a = try instantiate(wat, wasi: wasi), b = try instantiate(wat, wasi: wasi)
        #expect(try a.invoke("read3", []) == [.i32(0), .i32(3)])
        #expect(try b.invoke("read3", []) == [.i32(0), .i32(2)])
        #expect(try b.invoke("byte", [.i32(0)]) == [.i32(UInt32(UInt8(ascii: "l")))])
        #expect(try a.invoke("read3", []) == [.i32(0), .i32(0)])  // end of file
    }

    @Test("args_sizes_get and environ_sizes_get count strings and NUL-terminated bytes")
    func sizes() throws {
        let instance = try instantiate("""
            (module
              (import "wasi_snapshot_preview1" "args_sizes_get" (func $a (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_sizes_get" (func $e (param i32 i32) (result i32)))
              (memory 1)
              (func (export "go") (result i32 i32 i32 i32 i32 i32)
                (call $a (i32.const 0) (i32.const 4)) (i32.load (i32.const 0)) (i32.load (i32.const 4))
                (call $e (i32.const 8) (i32.const 12)) (i32.load (i32.const 8)) (i32.load (i32.const 12))))
            """, wasi: WASI(args: ["prog", "é"], environment: ["A": "1", "BB": ""], output: { _, _ in }))
        // "prog\\0" + "é\\0" (2 UTF-8 bytes) = 8; "A=1\\0" + "BB=\\0" = 8.
        #expect(try instance.invoke("go", []) == [.i32(0), .i32(2), .i32(8), .i32(0), .i32(2), .i32(8)])
    }
}
