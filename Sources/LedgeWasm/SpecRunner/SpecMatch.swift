// Converting script values to engine values and comparing results with expectations (NaN patterns included).

enum SpecMatch {
    /// The engine value for a script value; nil for kinds the engine's `Value` cannot carry (v128).
    static func value(_ v: SpecValue) -> Value? {
        switch v {
        case .i32(let x): return .i32(x)
        case .i64(let x): return .i64(x)
        case .f32(let x): return .f32(x)
        case .f64(let x): return .f64(x)
        case .externRef(let r): return .externRef(r)
        case .funcRef(let isNull): return isNull ? .funcRef(nil) : nil
        case .v128: return nil
        }
    }

    /// Whether one result satisfies one expectation.
    static func matches(_ v: Value, _ e: SpecExpected) -> Bool {
        switch (e, v) {
        case (.exact(let want), _):
            switch (want, v) {
            case (.i32(let a), .i32(let b)): return a == b
            case (.i64(let a), .i64(let b)): return a == b
            case (.f32(let a), .f32(let b)): return a == b
            case (.f64(let a), .f64(let b)): return a == b
            case (.externRef(let a), .externRef(let b)): return a == b
            case (.funcRef(let isNull), .funcRef(let r)): return isNull == (r == nil)
            default: return false
            }
        case (.canonicalNaN32, .f32(let b)): return b & 0x7fff_ffff == 0x7fc0_0000
        case (.arithmeticNaN32, .f32(let b)): return b & 0x7fc0_0000 == 0x7fc0_0000
        case (.canonicalNaN64, .f64(let b)): return b & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
        case (.arithmeticNaN64, .f64(let b)): return b & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
        case (.anyFuncRef, .funcRef(let r)): return r != nil
        case (.anyExternRef, .externRef(let r)): return r != nil
        case (.either(let options), _): return options.contains { matches(v, $0) }
        default: return false
        }
    }

    /// nil when `values` satisfy `expected`; otherwise what differs.
    static func mismatch(_ values: [Value], _ expected: [SpecExpected]) -> String? {
        guard values.count == expected.count else {
            return "expected \(expected.count) results \(expected), got \(describe(values))"
        }
        for (i, (v, e)) in zip(values, expected).enumerated() where !matches(v, e) {
            return "result \(i): expected \(e), got \(describe([v]))"
        }
        return nil
    }

    static func describe(_ values: [Value]) -> String {
        "[" + values.map { v -> String in
            switch v {
            case .i32(let x): return "\(x):i32"
            case .i64(let x): return "\(x):i64"
            case .f32(let x): return "0x\(String(x, radix: 16)):f32"
            case .f64(let x): return "0x\(String(x, radix: 16)):f64"
            case .funcRef(let r): return r == nil ? "null:funcref" : "func:funcref"
            case .externRef(let r): return r.map { "\($0):externref" } ?? "null:externref"
            }
        }.joined(separator: ", ") + "]"
    }

    /// Trap messages agree when one starts with the other ("uninitialized element 2" vs "uninitialized element").
    static func sameTrap(_ got: String, _ expected: String?) -> Bool {
        guard let expected, !expected.isEmpty else { return true }
        return got.hasPrefix(expected) || expected.hasPrefix(got)
    }
}
