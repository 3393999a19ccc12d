// Parsing command-line text into typed wasm values and printing results as `VALUE:TYPE`.
import LedgeWasm

enum WasmValueText {
    static func name(_ t: ValueType) -> String {
        switch t {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .v128: return "v128"
        case .funcRef: return "funcref"
        case .externRef: return "externref"
        }
    }

    /// Integers: signed or unsigned decimal, or `0x` hex. Floats: decimal, `inf`, `nan`, hex floats, or raw bits
    /// as `bits:0x…`. References: `null` (externref also takes a number).
    static func parse(_ text: String, as type: ValueType) -> Value? {
        switch type {
        case .i32:
            if let v = integer(text, bits: 32) { return .i32(UInt32(truncatingIfNeeded: v)) }
        case .i64:
            if let v = integer(text, bits: 64) { return .i64(v) }
        case .f32:
            if let b = rawBits(text), b <= UInt64(UInt32.max) { return .f32(UInt32(b)) }
            if let f = Float(text) { return .f32(f.bitPattern) }
        case .f64:
            if let b = rawBits(text) { return .f64(b) }
            if let d = Double(text) { return .f64(d.bitPattern) }
        case .funcRef:
            if text == "null" { return .funcRef(nil) }
        case .externRef:
            if text == "null" { return .externRef(nil) }
            if let n = UInt32(text) { return .externRef(n) }
        case .v128:
            return nil
        }
        return nil
    }

    /// The bit pattern of an integer in `bits` bits; nil if it does not fit as signed or unsigned.
    static func integer(_ text: String, bits: Int) -> UInt64? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        let magnitude: UInt64?
        if s.hasPrefix("0x") || s.hasPrefix("0X") { magnitude = UInt64(s.dropFirst(2), radix: 16) } else { magnitude = UInt64(s) }
        guard let m = magnitude else { return nil }
        let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        if negative {
            guard m <= (UInt64(1) << UInt64(bits - 1)) else { return nil }
            return (0 &- m) & mask
        }
        guard m <= mask else { return nil }
        return m
    }

    static func rawBits(_ text: String) -> UInt64? {
        guard text.hasPrefix("bits:0x") else { return nil }
        return UInt64(text.dropFirst(7), radix: 16)
    }

    /// `42:i32`, `-1:i64`, `1.5:f32`, `nan:0x7fc00000:f32` (NaN with its bits), `null:funcref`.
    static func format(_ v: Value) -> String {
        switch v {
        case .i32(let x): return "\(Int32(bitPattern: x)):i32"
        case .i64(let x): return "\(Int64(bitPattern: x)):i64"
        case .f32(let b):
            let f = Float(bitPattern: b)
            return f.isNaN ? "nan:0x\(String(b, radix: 16)):f32" : "\(f):f32"
        case .f64(let b):
            let d = Double(bitPattern: b)
            return d.isNaN ? "nan:0x\(String(b, radix: 16)):f64" : "\(d):f64"
        case .funcRef(let r): return r == nil ? "null:funcref" : "function:funcref"
        case .externRef(let r): return (r.map { String($0) } ?? "null") + ":externref"
        }
    }

    /// `[{"type":"i32","value":"42"}, …]`: values as text (integers signed decimal, floats also with their bits).
    static func json(_ values: [Value]) -> String {
        let items = values.map { v -> String in
            let text = format(v)
            let cut = text.lastIndex(of: ":")!
            var item = "{\"type\":\"\(text[text.index(after: cut)...])\",\"value\":\"\(text[..<cut])\""
            switch v {
            case .f32(let b): item += ",\"bits\":\(b)"
            case .f64(let b): item += ",\"bits\":\(b)"
            default: break
            }
            return item + "}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
