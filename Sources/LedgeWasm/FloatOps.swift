// Float semantics WebAssembly pins down: min/max with NaN and signed zeros, NaN-preserving
// promote/demote, and trapping or saturating float-to-int truncation.

extension UInt32 {
    @inline(__always) func rotl(_ k: UInt32) -> UInt32 { let s = k & 31; return (self &<< s) | (self &>> ((32 &- s) & 31)) }
    @inline(__always) func rotr(_ k: UInt32) -> UInt32 { let s = k & 31; return (self &>> s) | (self &<< ((32 &- s) & 31)) }
}

extension UInt64 {
    @inline(__always) func rotl(_ k: UInt64) -> UInt64 { let s = k & 63; return (self &<< s) | (self &>> ((64 &- s) & 63)) }
    @inline(__always) func rotr(_ k: UInt64) -> UInt64 { let s = k & 63; return (self &>> s) | (self &<< ((64 &- s) & 63)) }
}

enum FloatOps {
    @inline(__always) static func min<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == 0 && b == 0 { return a.sign == .minus ? a : b }
        return a < b ? a : b
    }

    @inline(__always) static func max<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == 0 && b == 0 { return a.sign == .minus ? b : a }
        return a > b ? a : b
    }

    /// f32 -> f64 keeping the NaN payload (quieted).
    @inline(__always) static func promote(_ x: Float) -> Double {
        if x.isNaN {
            let b = x.bitPattern
            let sign = UInt64(b >> 31) << 63
            let payload = UInt64(b & 0x003F_FFFF) << 29
            return Double(bitPattern: sign | 0x7FF8_0000_0000_0000 | payload)
        }
        return Double(x)
    }

    /// f64 -> f32 keeping the top NaN payload bits (quieted).
    @inline(__always) static func demote(_ x: Double) -> Float {
        if x.isNaN {
            let b = x.bitPattern
            let sign = UInt32(b >> 63) << 31
            let payload = UInt32((b >> 29) & 0x003F_FFFF)
            return Float(bitPattern: sign | 0x7FC0_0000 | payload)
        }
        return Float(x)
    }

    static func truncI32S(_ x: Double) throws(Trap) -> Int32 {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t >= -2147483648.0 && t <= 2147483647.0 else { throw Trap(.integerOverflow) }
        return Int32(t)
    }

    static func truncI32U(_ x: Double) throws(Trap) -> UInt32 {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t >= 0 && t <= 4294967295.0 else { throw Trap(.integerOverflow) }
        return UInt32(t)
    }

    static func truncI64S(_ x: Double) throws(Trap) -> Int64 {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t >= -9223372036854775808.0 && t < 9223372036854775808.0 else { throw Trap(.integerOverflow) }
        return Int64(t)
    }

    static func truncI64U(_ x: Double) throws(Trap) -> UInt64 {
        if x.isNaN { throw Trap(.invalidConversionToInteger) }
        let t = x.rounded(.towardZero)
        guard t >= 0 && t < 18446744073709551616.0 else { throw Trap(.integerOverflow) }
        return UInt64(t)
    }

    static func satI32S(_ x: Double) -> Int32 {
        if x.isNaN { return 0 }
        if x <= -2147483648.0 { return .min }
        if x >= 2147483647.0 { return .max }
        return Int32(x.rounded(.towardZero))
    }

    static func satI32U(_ x: Double) -> UInt32 {
        if x.isNaN || x <= 0 { return 0 }
        if x >= 4294967295.0 { return .max }
        return UInt32(x.rounded(.towardZero))
    }

    static func satI64S(_ x: Double) -> Int64 {
        if x.isNaN { return 0 }
        if x <= -9223372036854775808.0 { return .min }
        if x >= 9223372036854775808.0 { return .max }
        return Int64(x.rounded(.towardZero))
    }

    static func satI64U(_ x: Double) -> UInt64 {
        if x.isNaN || x <= 0 { return 0 }
        if x >= 18446744073709551616.0 { return .max }
        return UInt64(x.rounded(.towardZero))
    }
}
