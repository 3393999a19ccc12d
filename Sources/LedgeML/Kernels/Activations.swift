// RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH on int8: each is a function of one int8 value, so the planner
// evaluates TFLite's reference arithmetic on all 256 inputs once and the kernel is a table lookup.

extension Planner {
    func lookup(_ op: FileOperator, _ code: BuiltinOp) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, y, "output")
        guard x.elementCount == y.elementCount else { throw fail(op, "input and output sizes differ") }
        let zin = x.zeroPoint, zout = y.zeroPoint
        let table: [Int8]
        switch code {
        case .relu, .relu6:
            // ReluPrepare: float quotient widened to double; QuantizedReluX clamps to the quantized range.
            let m = QuantizedMultiplier(Double(x.scale / y.scale))
            let lo = max(-128, zout &+ toInt32(tfliteRound(0 / y.scale)))
            let hi: Int32 = code == .relu ? 127 : min(127, zout &+ toInt32(tfliteRound(6 / y.scale)))
            table = LookupKernel.table { v in min(max(zout &+ m.apply(v &- zin), lo), hi) }
        case .leakyRelu:
            let alpha = try options(op)?.f32(0) ?? 0.2
            let ma = QuantizedMultiplier(Double(x.scale * alpha / y.scale))
            let mi = QuantizedMultiplier(Double(x.scale / y.scale))
            table = LookupKernel.table { v in
                let d = v &- zin
                return min(max(zout &+ (d >= 0 ? mi.apply(d) : ma.apply(d)), -128), 127)
            }
        case .logistic:
            guard y.scale == 1.0 / 256, zout == -128 else {
                throw fail(op, "LOGISTIC output must have scale 1/256 and zero point -128, got \(y.scale) and \(zout)")
            }
            table = try logisticTable(op, inputScale: x.scale, inputZeroPoint: zin)
        case .tanh:
            guard y.scale == 1.0 / 128, zout == 0 else {
                throw fail(op, "TANH output must have scale 1/128 and zero point 0, got \(y.scale) and \(zout)")
            }
            table = try tanhTable(op, inputScale: x.scale, inputZeroPoint: zin)
        default:
            throw fail(op, "not an element-wise activation")
        }
        return LookupKernel(table: table, src: try at(op, x), dst: try at(op, y), count: x.elementCount)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Planner {
    /// TFLite's int8 LUT population (PopulateLookupTable / LUTPopulate): dequantize in float, apply the
    /// float function, round half away from zero with the output scale, add the zero point, clamp.
    static func floatTable(inputScale: Float, inputZeroPoint: Int32, outputScale: Float, outputZeroPoint: Int32,
                           _ f: (Float) -> Float) -> [Int8] {
        let inverse = 1 / outputScale
        return LookupKernel.table { v in
            let dq = inputScale * Float(v - inputZeroPoint)
            let rescaled = tfliteRound(f(dq) * inverse)
            return min(max(toInt32(rescaled + Float(outputZeroPoint)), -128), 127)
        }
    }

    func logisticTable(_ op: FileOperator, inputScale: Float, inputZeroPoint: Int32) throws(ModelError) -> [Int8] {
        Planner.floatTable(inputScale: inputScale, inputZeroPoint: inputZeroPoint, outputScale: 1.0 / 256,
                           outputZeroPoint: -128) { 1 / (1 + expf(-$0)) }
    }

    func tanhTable(_ op: FileOperator, inputScale: Float, inputZeroPoint: Int32) throws(ModelError) -> [Int8] {
        Planner.floatTable(inputScale: inputScale, inputZeroPoint: inputZeroPoint, outputScale: 1.0 / 128,
                           outputZeroPoint: 0) { tanhf($0) }
    }

    func softmax(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, y, "output")
        guard x.elementCount == y.elementCount, let depth = x.shape.last, depth > 0 else {
            throw fail(op, "input \(x.shape) and output \(y.shape) do not match")
        }
        guard y.scale == 1.0 / 256, y.zeroPoint == -128 else {
            throw fail(op, "SOFTMAX output must have scale 1/256 and zero point -128, got \(y.scale) and \(y.zeroPoint)")
        }
        let beta = try options(op)?.f32(0) ?? 1
        let s = -x.scale * beta
        var table = [Float](repeating: 0, count: 256)
        for v in 0...255 { table[255 - v] = expf(s * Float(v)) }
        return SoftmaxKernel(table: table, rows: x.elementCount / depth, depth: depth, input: try at(op, x),
                             output: try at(op, y), outputScale: y.scale, outputZeroPoint: y.zeroPoint)
    }
}

/// SOFTMAX on int8 as TFLite's table-driven kernel (the x86 build): exp(−s·β·(max − x)) from a 256-entry
/// float table, float sum, reciprocal, round half away from zero.
final class SoftmaxKernel: Kernel {
    let table: Owned<Float>
    let rows: Int, depth: Int, input: Int, output: Int
    let outputScale: Float, outputZeroPoint: Int32

    init(table: [Float], rows: Int, depth: Int, input: Int, output: Int, outputScale: Float, outputZeroPoint: Int32) {
        self.table = Owned(table); self.rows = rows; self.depth = depth; self.input = input; self.output = output
        self.outputScale = outputScale; self.outputZeroPoint = outputZeroPoint
    }

    var macs: Int { 0 }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        for r in 0..<rows {
            let xr = x + r * depth, yr = y + r * depth
            var maxVal: Int32 = -128
            for j in 0..<depth { maxVal = max(maxVal, Int32(xr[j])) }
            let t = table.pointer + Int(255 - maxVal)
            var sum: Float = 0
            for j in 0..<depth { sum += t[Int(xr[j])] }
            let inv = 1 / (sum * outputScale)
            for j in 0..<depth {
                let q = toInt32(tfliteRound(t[Int(xr[j])] * inv)) &+ outputZeroPoint
                yr[j] = Int8(truncatingIfNeeded: min(max(q, -128), 127))
            }
        }
    }
}
