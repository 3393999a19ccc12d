// TFLite's integer requantization, bit for bit: QuantizeMultiplier, SaturatingRoundingDoublingHighMul,
// RoundingDivideByPOT and MultiplyByQuantizedMultiplier with the default double rounding
// (not the TFLITE_SINGLE_ROUNDING build option).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real multiplier as int32 fixed point M (Q31) and a power-of-two exponent: real ≈ M · 2^shift / 2^31.
struct QuantizedMultiplier: Equatable {
    var multiplier: Int32
    var shift: Int32

    /// TFLite's QuantizeMultiplier: frexp, round half away from zero, 2^31 folded into the exponent,
    /// exponents below −31 flush to zero.
    init(_ real: Double) {
        if real == 0 || !real.isFinite { multiplier = 0; shift = 0; return }
        var exp: Int32 = 0
        let frac = frexp(real, &exp)
        var q = Int64((frac * 2147483648.0).rounded(.toNearestOrAwayFromZero))
        if q == 1 << 31 { q /= 2; exp += 1 }
        if exp < -31 { exp = 0; q = 0 }
        if exp > 30 { exp = 30; q = (1 << 31) - 1 }
        multiplier = Int32(truncatingIfNeeded: q)
        shift = exp
    }

    init(multiplier: Int32, shift: Int32) { self.multiplier = multiplier; self.shift = shift }

    @inline(__always) func apply(_ x: Int32) -> Int32 {
        multiplyByQuantizedMultiplier(x, multiplier, shift)
    }
}

/// (a·b·2 + 2^31 rounding) >> 32 with ties away from zero; only INT32_MIN·INT32_MIN saturates.
@inline(__always) func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
    if a == b && a == Int32.min { return Int32.max }
    let ab = Int64(a) &* Int64(b)
    let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
    return Int32(truncatingIfNeeded: (ab &+ nudge) / (1 << 31))
}

/// x / 2^exponent rounded to nearest, ties away from zero (exponent in 0...31).
@inline(__always) func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
    let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(exponent)) - 1)
    let remainder = x & mask
    let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)
    return (x >> exponent) &+ (remainder > threshold ? 1 : 0)
}

/// TFLite's MultiplyByQuantizedMultiplier.
@inline(__always) func multiplyByQuantizedMultiplier(_ x: Int32, _ m: Int32, _ shift: Int32) -> Int32 {
    if singleRounding { return multiplyByQuantizedMultiplierSingleRounding(x, m, shift) }
    return multiplyByQuantizedMultiplierDoubleRounding(x, m, shift)
}

/// Which TFLite build we match (see FixedPoint.swift's header).
let singleRounding = false

/// TFLITE_SINGLE_ROUNDING: one rounding of x·M / 2^(31−shift), half up (toward +∞), in 64 bits.
@inline(__always) func multiplyByQuantizedMultiplierSingleRounding(_ x: Int32, _ m: Int32, _ shift: Int32) -> Int32 {
    let total = Int64(31 - shift)
    let round = Int64(1) << (total - 1)
    return Int32(truncatingIfNeeded: (Int64(x) &* Int64(m) &+ round) >> total)
}

/// The default build: SaturatingRoundingDoublingHighMul then RoundingDivideByPOT.
@inline(__always) func multiplyByQuantizedMultiplierDoubleRounding(_ x: Int32, _ m: Int32, _ shift: Int32) -> Int32 {
    let left = shift > 0 ? shift : 0
    let right = shift > 0 ? 0 : -shift
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (1 &<< left), m), right)
}

/// std::round on Float (half away from zero).
@inline(__always) func tfliteRound(_ x: Float) -> Float { x.rounded(.toNearestOrAwayFromZero) }

/// Float to Int32 as C's static_cast for values in range; saturates outside (C would be undefined).
@inline(__always) func toInt32(_ x: Float) -> Int32 {
    if x.isNaN { return 0 }
    if x >= 2147483520 { return Int32.max }
    if x <= -2147483648 { return Int32.min }
    return Int32(x)
}

/// Fused activation functions (ActivationFunctionType in the schema).
enum FusedActivation: UInt8 {
    case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4, signBit = 5
}

/// CalculateActivationRangeQuantized for int8: the clamp range of a fused activation on the output.
func activationRange(_ act: FusedActivation, scale: Float, zeroPoint: Int32, opName: String) throws(ModelError) -> (Int32, Int32) {
    let qmin: Int32 = -128, qmax: Int32 = 127
    func q(_ f: Float) -> Int32 { zeroPoint &+ toInt32(tfliteRound(f / scale)) }
    switch act {
    case .none: return (qmin, qmax)
    case .relu: return (max(qmin, q(0)), qmax)
    case .relu6: return (max(qmin, q(0)), min(qmax, q(6)))
    case .reluN1To1: return (max(qmin, q(-1)), min(qmax, q(1)))
    case .tanh, .signBit:
        throw ModelError("\(opName): fused activation \(act) is not supported on int8 outputs")
    }
}
