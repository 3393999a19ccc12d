// Decode-only pass over function bodies: finds malformed encodings (which take precedence over
// validation errors, as in the reference decoder) without type checking.

enum BodySkimmer {
    /// Throws the first malformed error in the body, if any.
    static func skim(_ bytes: [UInt8], _ body: CodeBody) throws(WasmError) {
        var r = ByteReader(bytes, start: body.start, end: body.end, section: "code")
        var depth = 1
        while depth > 0 {
            let at = r.pos
            let op = try r.byte()
            switch op {
            case 0x00, 0x01, 0x0F, 0x1A, 0x1B, 0x45...0xC4, 0xD1: break
            case 0x02, 0x03, 0x04: _ = try r.s33(); depth += 1
            case 0x05: break
            case 0x0B: depth -= 1
            case 0x0C, 0x0D, 0x10, 0x20...0x26, 0xD2: _ = try r.u32()
            case 0x0E:
                let n = try r.u32()
                guard Int(n) < r.end - r.pos else { throw r.malformed("unexpected end of section or function") }
                for _ in 0...n { _ = try r.u32() }
            case 0x11: _ = try r.u32(); _ = try r.u32()
            case 0x1C:
                let n = try r.u32()
                guard Int(n) <= r.end - r.pos else { throw r.malformed("unexpected end of section or function") }
                for _ in 0..<n { _ = try ModuleParser.valueType(&r) }
            case 0x28...0x3E: _ = try r.u32(); _ = try r.u32()
            case 0x3F, 0x40:
                let z = r.pos
                guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: z) }
            case 0x41: _ = try r.s32()
            case 0x42: _ = try r.s64()
            case 0x43: _ = try r.u32Fixed()
            case 0x44: _ = try r.u64Fixed()
            case 0xD0: _ = try ModuleParser.refType(&r)
            case 0xFC:
                let sub = try r.u32()
                switch sub {
                case 0...7: break
                case 8: _ = try r.u32(); _ = try r.byte()
                case 9, 13, 15, 16, 17: _ = try r.u32()
                case 10: _ = try r.byte(); _ = try r.byte()
                case 11: _ = try r.byte()
                case 12, 14: _ = try r.u32(); _ = try r.u32()
                default: throw r.malformed("illegal opcode 0xfc \(sub)", at: at)
                }
            case 0xFD: throw WasmError(kind: .malformed, section: "code", offset: at, message: "SIMD not supported")
            default: throw r.malformed("illegal opcode 0x\(String(op, radix: 16))", at: at)
            }
        }
        guard r.atEnd else { throw r.malformed("section size mismatch (data after function end)") }
    }
}
