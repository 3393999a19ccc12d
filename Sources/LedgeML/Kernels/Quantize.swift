// QUANTIZE float32 → int8 and DEQUANTIZE int8 → float32, as TFLite's AffineQuantize/Dequantize;
// the same functions quantize the host's float input and dequantize its output.

/// round(x / scale) + zero point, clamped to int8 (std::round: half away from zero).
@inline(__always) func quantizeToInt8(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
    let q = toInt32(tfliteRound(x / scale)) &+ zeroPoint
    return Int8(truncatingIfNeeded: min(max(q, -128), 127))
}

/// scale · (q − zero point).
@inline(__always) func dequantizeInt8(_ q: Int8, scale: Float, zeroPoint: Int32) -> Float {
    Float(Double(scale) * Double(Int32(q) - zeroPoint))
}

final class QuantizeKernel: Kernel {
    let src: Int, dst: Int, count: Int, scale: Float, zeroPoint: Int32
    init(src: Int, dst: Int, count: Int, scale: Float, zeroPoint: Int32) {
        self.src = src; self.dst = dst; self.count = count; self.scale = scale; self.zeroPoint = zeroPoint
    }
    var macs: Int { 0 }
    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + src).assumingMemoryBound(to: Float.self)
        let y = (arena + dst).assumingMemoryBound(to: Int8.self)
        for i in 0..<count { y[i] = quantizeToInt8(x[i], scale: scale, zeroPoint: zeroPoint) }
    }
}

final class DequantizeKernel: Kernel {
    let src: Int, dst: Int, count: Int, scale: Float, zeroPoint: Int32
    init(src: Int, dst: Int, count: Int, scale: Float, zeroPoint: Int32) {
        self.src = src; self.dst = dst; self.count = count; self.scale = scale; self.zeroPoint = zeroPoint
    }
    var macs: Int { 0 }
    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + src).assumingMemoryBound(to: Int8.self)
        let y = (arena + dst).assumingMemoryBound(to: Float.self)
        for i in 0..<count { y[i] = dequantizeInt8(x[i], scale: scale, zeroPoint: zeroPoint) }
    }
}
