// MEAN, int8: the three reference paths of TFLite's reduce kernel, chosen at load time exactly as it
// chooses them: 4-D keep_dims over axes {1,2} (integer multiplier), equal in/out quantization (integer
// division), otherwise QuantizedMeanOrSum with 1/n folded into the integer multiplier.

final class MeanKernel: Kernel {
    enum Mode {
        case spatial(QuantizedMultiplier)   // reference_integer_ops::Mean
        case sameParams                     // reference_ops::Mean (sum / n, truncating)
        case rescale(QuantizedMultiplier)   // reference_ops::QuantizedMeanOrSum (1/n folded in)
    }
    let mode: Mode
    let outIndex: Owned<Int32>   // input element → output element
    let sums: Owned<Int32>
    let inCount: Int, outCount: Int, n: Int32
    let input: Int, output: Int
    let inputZeroPoint: Int32, outputZeroPoint: Int32

    init(mode: Mode, outIndex: [Int32], outCount: Int, reduced: Int, input: Int, output: Int,
         inputZeroPoint: Int32, outputZeroPoint: Int32) {
        self.mode = mode
        self.outIndex = Owned(outIndex)
        self.sums = Owned(repeating: 0, count: outCount)
        self.inCount = outIndex.count; self.outCount = outCount; self.n = Int32(reduced)
        self.input = input; self.output = output
        self.inputZeroPoint = inputZeroPoint; self.outputZeroPoint = outputZeroPoint
    }

    var macs: Int { 0 }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let s = sums.pointer, idx = outIndex.pointer
        s.update(repeating: 0, count: outCount)
        for i in 0..<inCount { s[Int(idx[i])] &+= Int32(x[i]) }
        switch mode {
        case .spatial(let m):
            for o in 0..<outCount {
                var acc = m.apply(s[o] &- n &* inputZeroPoint)
                acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n
                acc &+= outputZeroPoint
                y[o] = Int8(truncatingIfNeeded: min(max(acc, -128), 127))
            }
        case .sameParams:
            for o in 0..<outCount { y[o] = Int8(truncatingIfNeeded: s[o] / n) }
        case .rescale(let m):
            for o in 0..<outCount {
                let v = m.apply(s[o] &- inputZeroPoint &* n) &+ outputZeroPoint
                y[o] = Int8(truncatingIfNeeded: min(max(v, -128), 127))
            }
        }
    }
}

extension QuantizedMultiplier {
    /// QuantizedMeanOrSum's folding of 1/n into the multiplier: shift by floor(log2 n) (at most 32 and
    /// keeping the exponent ≥ −31), divide the widened multiplier by n.
    func dividedBy(_ n: Int) -> QuantizedMultiplier {
        var shift = Int32(63 - UInt64(n).leadingZeroBitCount)
        shift = min(shift, 32)
        shift = min(shift, 31 + self.shift)
        let m = Int32(truncatingIfNeeded: (Int64(multiplier) << Int64(shift)) / Int64(n))
        return QuantizedMultiplier(multiplier: m, shift: self.shift - shift)
    }
}
