// Hostile and edge-case modules: deep nesting and unterminated bodies in the validator/translator,
// unbounded recursion, memory.grow limits, 32-bit shifts, float→int boundaries, br_table bounds,
// back-edge fuel. Each must end in a value, a trap or a typed error — never a crash or a hang.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Testing

/// Minimal binary encoder for one exported function `f: [] -> []` with a raw body.
enum RawModule {
    static func leb(_ n: Int) -> [UInt8] {
        var n = n, out: [UInt8] = []
        repeat {
            var b = UInt8(n & 0x7F)
            n >>= 7
            if n != 0 { b |= 0x80 }
            out.append(b)
        } while n != 0
        return out
    }

    static func section(_ id: UInt8, _ payload: [UInt8]) -> [UInt8] { [id] + leb(payload.count) + payload }

    static func function(body: [UInt8]) -> [UInt8] {
        let code = [0x00] + body + [0x0B]
        return [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
            + section(1, [0x01, 0x60, 0x00, 0x00])
            + section(3, [0x01, 0x00])
            + section(7, [0x01, 0x01, 0x66, 0x00, 0x00])
            + section(10, [0x01] + leb(code.count) + code)
    }
}

@Suite("Hostile modules")
struct HostileModuleTests {
    static let depth = 100_000

    func call(_ bytes: [UInt8], _ name: String = "f", _ args: [Value] = [], limits: Limits = Limits(fuel: 50_000_000)) throws -> [Value] {
        let instance = try Instance(module: try Module(bytes: bytes), imports: Imports(), limits: limits)
        return try instance.invoke(name, args)
    }

    func trap(_ body: () throws -> [Value]) -> TrapReason? {
        do { _ = try body(); return nil } catch let t as Trap { return t.reason } catch { return .host("\(error)") }
    }

    @Test("100,000 nested blocks, loops and ifs validate and run without exhausting the host stack")
    func deepNesting() throws {
        let n = Self.depth
        for open in [[UInt8]([0x02, 0x40]), [0x03, 0x40], [0x41, 0x01, 0x04, 0x40]] {
            let body = Array([[UInt8]](repeating: open, count: n).joined()) + [UInt8](repeating: 0x0B, count: n)
            #expect(try call(RawModule.function(body: body)) == [])
        }
    }

    @Test("an unterminated deep body is malformed, with section and byte offset")
    func unterminated() {
        let bytes = RawModule.function(body: Array([[UInt8]](repeating: [0x02, 0x40], count: Self.depth).joined()))
        do {
            _ = try Module(bytes: bytes)
            Issue.record("accepted an unterminated body")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.section == "code")
            #expect(error.offset != nil)
        }
    }

    @Test("unbounded recursion traps with call stack exhausted; the instance stays usable")
    func recursion() throws {
        let bytes = try assemble("""
        (module
          (func $r (export "r") (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1))))
          (func (export "ok") (result i32) (i32.const 7)))
        """)
        let instance = try Instance(module: try Module(bytes: bytes), imports: Imports(), limits: Limits(fuel: 100_000_000))
        #expect(trap { try instance.invoke("r", [.i32(0)]) } == .callStackExhausted)
        #expect(try instance.invoke("ok", []) == [.i32(7)])
    }

    @Test("memory.grow: -1, past the maximum, past 65,536 pages and past the sandbox limit return -1")
    func memoryGrow() throws {
        let bytes = try assemble("""
        (module (memory 1 65536)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "size") (result i32) (memory.size))
          (func (export "last") (result i32) (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))
        """)
        let instance = try Instance(module: try Module(bytes: bytes), imports: Imports(), limits: Limits(maxMemoryPages: 4))
        #expect(try instance.invoke("grow", [.i32(UInt32.max)]) == [.i32(UInt32.max)])
        #expect(try instance.invoke("grow", [.i32(65536)]) == [.i32(UInt32.max)])
        #expect(try instance.invoke("grow", [.i32(4)]) == [.i32(UInt32.max)])    // 1 + 4 > limit 4
        #expect(try instance.invoke("grow", [.i32(3)]) == [.i32(1)])
        #expect(try instance.invoke("size", []) == [.i32(4)])
        #expect(try instance.invoke("last", []) == [.i32(0)])
        #expect(try instance.invoke("grow", [.i32(0)]) == [.i32(4)])
    }

    @Test("an offset near 4 GiB traps instead of wrapping around")
    func offsetOverflow() throws {
        let bytes = try assemble("""
        (module (memory 1)
          (func (export "f") (param i32) (result i32) (i32.load offset=4294967295 (local.get 0)))
          (func (export "g") (param i32) (result i32) (i32.load offset=8 (i32.add (local.get 0) (i32.const -4)))))
        """)
        #expect(trap { try call(bytes, "f", [.i32(1)]) } == .outOfBoundsMemoryAccess)
        // (x - 4) wraps to 32 bits before the offset is added: x = 2 reads at 2^32 - 2 + 8, out of bounds.
        #expect(trap { try call(bytes, "g", [.i32(2)]) } == .outOfBoundsMemoryAccess)
        #expect(try call(bytes, "g", [.i32(4)]) == [.i32(0)])
    }

    @Test("shift counts are taken modulo the width; float→int truncation traps just past the range")
    func arithmeticEdges() throws {
        let bytes = try assemble("""
        (module
          (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
          (func (export "shl32") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 32)))
          (func (export "shl64") (param i64) (result i64) (i64.shl (local.get 0) (i64.const 65)))
          (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
          (func (export "truncf") (param f32) (result i32) (i32.trunc_f32_u (local.get 0))))
        """)
        #expect(try call(bytes, "shl", [.i32(1), .i32(33)]) == [.i32(2)])
        #expect(try call(bytes, "shl32", [.i32(5)]) == [.i32(5)])
        #expect(try call(bytes, "shl64", [.i64(1)]) == [.i64(2)])
        #expect(try call(bytes, "trunc", [.f64((2147483647.9).bitPattern)]) == [.i32(2147483647)])
        #expect(trap { try call(bytes, "trunc", [.f64((2147483648.0).bitPattern)]) } == .integerOverflow)
        #expect(try call(bytes, "trunc", [.f64((-2147483648.9).bitPattern)]) == [.i32(UInt32(bitPattern: Int32.min))])
        #expect(trap { try call(bytes, "trunc", [.f64((-2147483649.0).bitPattern)]) } == .integerOverflow)
        #expect(trap { try call(bytes, "trunc", [.f64(Double.nan.bitPattern)]) } == .invalidConversionToInteger)
        #expect(try call(bytes, "truncf", [.f32(Float(-0.9).bitPattern)]) == [.i32(0)])
        #expect(trap { try call(bytes, "truncf", [.f32(Float(4294967296).bitPattern)]) } == .integerOverflow)
    }

    @Test("br_table: an index past the end takes the default, including 2^32 - 1")
    func brTable() throws {
        let bytes = try assemble("""
        (module (func (export "f") (param i32) (result i32)
          (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
          (i32.const 30)))
        """)
        #expect(try call(bytes, "f", [.i32(0)]) == [.i32(10)])
        #expect(try call(bytes, "f", [.i32(1)]) == [.i32(20)])
        #expect(try call(bytes, "f", [.i32(2)]) == [.i32(30)])
        #expect(try call(bytes, "f", [.i32(UInt32.max)]) == [.i32(30)])
    }

    @Test("endless loops of every back-edge kind run out of fuel; fuel used is near the limit")
    func backEdgeFuel() throws {
        let bytes = try assemble("""
        (module
          (func (export "br") (loop (br 0)))
          (func (export "br_if") (param i32) (loop (br_if 0 (i32.ne (local.get 0) (i32.const 7)))))
          (func (export "br_table") (param i32) (block (loop (br_table 0 1 (local.get 0)))))
          (func (export "count") (param i32) (result i32) (local i32)
            (loop (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                  (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
            (local.get 1)))
        """)
        let module = try Module(bytes: bytes)
        for (name, args) in [("br", [Value]()), ("br_if", [.i32(3)]), ("br_table", [.i32(0)])] {
            let instance = try Instance(module: module, imports: Imports(), limits: Limits(fuel: 1_000_000))
            #expect(trap { try instance.invoke(name, args) } == .outOfFuel)
            #expect(instance.fuelConsumed >= 1_000_000 && instance.fuelConsumed < 1_000_100)
        }
        let instance = try Instance(module: module, imports: Imports(), limits: Limits(fuel: 100_000_000))
        #expect(try instance.invoke("count", [.i32(100_000)]) == [.i32(100_000)])
        // About one unit per instruction: the loop body has 9 instructions.
        #expect(instance.fuelConsumed > 800_000 && instance.fuelConsumed < 1_000_100)
    }

    @Test("folded forms keep the values of locals they read or write through local.tee")
    func foldingKeepsTees() throws {
        let bytes = try assemble("""
        (module (memory 1)
          (data (i32.const 0) "\\01\\00\\00\\00\\02\\00\\00\\00\\03\\00\\00\\00\\04\\00\\00\\00")
          ;; (x << 2) + 4 as an address, with the shift also kept in a local: load + local must both be right.
          (func (export "scaled") (param i32) (result i32) (local i32)
            (i32.add (i32.load (i32.add (local.tee 1 (i32.shl (local.get 0) (i32.const 2))) (i32.const 4)))
                     (i32.mul (local.get 1) (i32.const 100))))
          ;; base + (i << 2) where the sum is also kept: indexed load + local.
          (func (export "indexed") (param i32 i32) (result i32) (local i32)
            (i32.add (i32.load (local.tee 2 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
                     (i32.mul (local.get 2) (i32.const 100))))
          ;; a*b + c with the product kept; xor with a rotation; compare-and-branch on a constant.
          (func (export "muladd") (param i32 i32 i32) (result i32) (local i32)
            (i32.add (i32.add (local.get 2) (local.tee 3 (i32.mul (local.get 0) (local.get 1)))) (local.get 3)))
          (func (export "xorrot") (param i32 i32) (result i32)
            (i32.xor (local.get 0) (i32.rotl (local.get 1) (i32.const 7))))
          (func (export "count") (param i32) (result i32) (local i32 i32)
            (block (loop (br_if 1 (i32.ge_u (local.get 1) (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (local.set 2 (i32.add (local.get 2) (i32.const 3)))
              (br 0)))
            (i32.add (local.get 1) (local.get 2))))
        """)
        let instance = try Instance(module: try Module(bytes: bytes), imports: Imports(), limits: Limits(fuel: 10_000_000))
        // x = 1: address 8 holds 3; local = 4.
        #expect(try instance.invoke("scaled", [.i32(1)]) == [.i32(3 + 400)])
        // base 4 + (1 << 2) = 8 holds 3; local = 8.
        #expect(try instance.invoke("indexed", [.i32(4), .i32(1)]) == [.i32(3 + 800)])
        #expect(try instance.invoke("muladd", [.i32(6), .i32(7), .i32(5)]) == [.i32(5 + 42 + 42)])
        let x: UInt32 = 0xDEAD_BEEF, y: UInt32 = 0x1234_5678
        #expect(try instance.invoke("xorrot", [.i32(x), .i32(y)]) == [.i32(x ^ ((y << 7) | (y >> 25)))])
        #expect(try instance.invoke("count", [.i32(10)]) == [.i32(10 + 30)])
    }
}
