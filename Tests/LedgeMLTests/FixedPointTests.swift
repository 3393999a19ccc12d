// TFLite's fixed-point helpers on known values (ties, saturation, multiplier decomposition) and the planner's
// arena reuse.
@testable import LedgeML
import Testing

@Suite struct FixedPointTests {
    @Test func saturatingRoundingDoublingHighMul() {
        #expect(LedgeML.saturatingRoundingDoublingHighMul(Int32.min, Int32.min) == Int32.max)
        #expect(LedgeML.saturatingRoundingDoublingHighMul(1 << 30, 1 << 30) == 1 << 29)
        #expect(LedgeML.saturatingRoundingDoublingHighMul(-(1 << 30), 1 << 30) == -(1 << 29))
        // 3 · 2^30 · 2 / 2^32 = 1.5. gemmlowp's nudge is 2^30 for a non-negative product and 1 − 2^30 for a
        // negative one, then the division truncates: +1.5 → 2, but −1.5 → −1 and −2.5 → −2 (values checked
        // against the reference C expression).
        #expect(LedgeML.saturatingRoundingDoublingHighMul(3, 1 << 30) == 2)
        #expect(LedgeML.saturatingRoundingDoublingHighMul(-3, 1 << 30) == -1)
        #expect(LedgeML.saturatingRoundingDoublingHighMul(-5, 1 << 30) == -2)
    }

    @Test func roundingDivideByPOT() {
        #expect(LedgeML.roundingDivideByPOT(5, 1) == 3)
        #expect(LedgeML.roundingDivideByPOT(-5, 1) == -3)
        #expect(LedgeML.roundingDivideByPOT(4, 1) == 2)
        #expect(LedgeML.roundingDivideByPOT(-6, 2) == -2)
        #expect(LedgeML.roundingDivideByPOT(7, 0) == 7)
    }

    @Test func quantizeMultiplier() {
        #expect(QuantizedMultiplier(0.5) == QuantizedMultiplier(multiplier: 1 << 30, shift: 0))
        #expect(QuantizedMultiplier(1.0) == QuantizedMultiplier(multiplier: 1 << 30, shift: 1))
        #expect(QuantizedMultiplier(0.75) == QuantizedMultiplier(multiplier: 1_610_612_736, shift: 0))
        #expect(QuantizedMultiplier(0) == QuantizedMultiplier(multiplier: 0, shift: 0))
        #expect(QuantizedMultiplier(1e-12).multiplier == 0)  // exponent below −31 flushes to zero
        // Rounds up to 2^31 → halved, exponent incremented.
        #expect(QuantizedMultiplier(0.99999999999).shift == 1)
    }

    @Test func doubleVersusSingleRounding() {
        // 3560 · 0.0077240354 = 27.4976: double rounding reaches 28, single rounding 27 (seen in LiteRT's FC).
        let m = QuantizedMultiplier(0.007724035487416993)
        #expect(multiplyByQuantizedMultiplierDoubleRounding(3560, m.multiplier, m.shift) == 28)
        #expect(multiplyByQuantizedMultiplierSingleRounding(3560, m.multiplier, m.shift) == 27)
    }

    @Test func activationRanges() throws {
        #expect(try activationRange(.none, scale: 0.1, zeroPoint: 3, opName: "t") == (-128, 127))
        #expect(try activationRange(.relu, scale: 0.1, zeroPoint: 3, opName: "t") == (3, 127))
        #expect(try activationRange(.relu6, scale: 0.1, zeroPoint: -100, opName: "t") == (-100, -40))
        #expect(try activationRange(.reluN1To1, scale: 0.5, zeroPoint: 0, opName: "t") == (-2, 2))
        #expect(throws: ModelError.self) { try activationRange(.tanh, scale: 1, zeroPoint: 0, opName: "t") }
    }

    @Test func quantizeRoundsHalfAwayFromZero() {
        #expect(quantizeToInt8(0.25, scale: 0.5, zeroPoint: 0) == 1)
        #expect(quantizeToInt8(-0.25, scale: 0.5, zeroPoint: 0) == -1)
        #expect(quantizeToInt8(1000, scale: 0.5, zeroPoint: 0) == 127)
        #expect(quantizeToInt8(-1000, scale: 0.5, zeroPoint: 10) == -128)
    }

    @Test func arenaIsReused() throws {
        let m = try Model(path: ModelsDir.path("conv1d_like") + "/model.tflite")
        let activations = m.tensors.filter { !$0.isConstant }
        let sum = activations.reduce(0) { $0 + $1.info.elementCount * ($1.info.type.byteSize ?? 0) }
        #expect(m.arenaBytes < sum, "arena \(m.arenaBytes) vs \(sum) bytes of activations")
        #expect(m.macs > 0)
        #expect(["portable", "avx2", "avx512vnni", "neon", "neondot"].contains(m.kernelPath))
    }
}
