// CONV_2D, int8 with per-channel weights: patches gathered (padding filled with the input zero point, so
// the folded zero-point term is exact at borders), then the int8 GEMM, then per-channel requantization.

/// Geometry of a 2-D window op over NHWC tensors.
struct Window {
    var batches: Int, inH: Int, inW: Int, inC: Int
    var outH: Int, outW: Int, outC: Int
    var kH: Int, kW: Int
    var strideH: Int, strideW: Int
    var dilationH: Int, dilationW: Int
    var padTop: Int, padLeft: Int

    /// TFLite's output size and padding for SAME (0) / VALID (1).
    static func padding(same: Bool, inSize: Int, filter: Int, stride: Int, dilation: Int) -> (out: Int, pad: Int) {
        let eff = (filter - 1) * dilation + 1
        let out = same ? (inSize + stride - 1) / stride : (inSize - eff + stride) / stride
        let total = max(0, (out - 1) * stride + eff - inSize)
        return (out, total / 2)
    }
}

final class ConvKernel: Kernel {
    let g: Window
    let weights: PackedWeights        // [outC][kH*kW*inC], packed for the model's kernel path
    let bias: Owned<Int32>            // bias − zp_in·Σw per output channel
    let multipliers: Owned<Int32>, shifts: Owned<Int32>
    let input: Int, output: Int
    let inputZeroPoint: Int8, outputZeroPoint: Int32, actMin: Int32, actMax: Int32
    enum Mode {
        /// 1×1, stride 1, no padding: the input already is the patch matrix.
        case direct
        /// One filter row, horizontal stride and dilation 1: each output row is one GEMM over a padded copy
        /// of its input row, consecutive patches overlapping (column stride inC).
        case rows
        /// Anything else: patches gathered in blocks of output pixels.
        case gather
    }
    let mode: Mode
    /// Output pixels per GEMM call (gather mode).
    let block: Int
    let scratch: Owned<Int8>
    let accumulators: Owned<Int32>

    init(g: Window, weights: [Int8], path: Int32, bias: [Int32], multipliers: [QuantizedMultiplier], input: Int,
         output: Int, inputZeroPoint: Int32, outputZeroPoint: Int32, actMin: Int32, actMax: Int32) {
        self.g = g
        let depth = g.kH * g.kW * g.inC
        var folded = bias
        for c in 0..<g.outC {
            var s: Int32 = 0
            for k in 0..<depth { s &+= Int32(weights[c * depth + k]) }
            folded[c] = folded[c] &+ (0 &- inputZeroPoint) &* s
        }
        self.weights = PackedWeights(weights, rows: g.outC, depth: depth, path: path)
        self.bias = Owned(folded)
        self.multipliers = Owned(multipliers.map { $0.multiplier })
        self.shifts = Owned(multipliers.map { $0.shift })
        self.input = input; self.output = output
        self.inputZeroPoint = Int8(truncatingIfNeeded: inputZeroPoint)
        self.outputZeroPoint = outputZeroPoint; self.actMin = actMin; self.actMax = actMax
        if g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outH == g.inH && g.outW == g.inW {
            mode = .direct
        } else if g.kH == 1 && g.strideW == 1 && g.dilationW == 1 {
            mode = .rows
        } else {
            mode = .gather
        }
        switch mode {
        case .direct:
            block = max(1, min(g.outH * g.outW, 256))
            scratch = Owned(repeating: 0, count: 1)
        case .rows:
            block = g.outW
            scratch = Owned(repeating: 0, count: (g.outW + g.kW - 1) * g.inC)
        case .gather:
            // About 16 KB of patches per block keeps them in L1 next to the packed weights.
            block = max(1, min(g.outH * g.outW, max(8, 16384 / max(depth, 1)) / 8 * 8))
            scratch = Owned(repeating: 0, count: block * depth)
        }
        accumulators = Owned(repeating: 0, count: block * g.outC)
    }

    var macs: Int { g.batches * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let outC = g.outC, inC = g.inC, pixels = g.outH * g.outW
        let acc = accumulators.pointer
        for b in 0..<g.batches {
            switch mode {
            case .direct:
                var p0 = 0
                while p0 < pixels {
                    let n = min(block, pixels - p0)
                    weights.run(UnsafePointer(x + (b * pixels + p0) * inC), cols: n, bias: bias.pointer, acc)
                    finish(acc, count: n, y + (b * pixels + p0) * outC)
                    p0 += n
                }
            case .rows:
                let row = scratch.pointer, width = g.outW + g.kW - 1
                for oy in 0..<g.outH {
                    let iy = oy * g.strideH - g.padTop
                    // Padded input row: pixel px holds input column px − padLeft, or the zero point outside.
                    if iy < 0 || iy >= g.inH {
                        row.update(repeating: inputZeroPoint, count: width * inC)
                    } else {
                        let lo = min(width, max(0, g.padLeft)), hi = min(width, g.padLeft + g.inW)
                        if lo > 0 { row.update(repeating: inputZeroPoint, count: lo * inC) }
                        if hi > lo {
                            (row + lo * inC).update(from: x + ((b * g.inH + iy) * g.inW + lo - g.padLeft) * inC,
                                                    count: (hi - lo) * inC)
                        }
                        if hi < width { (row + max(hi, lo) * inC).update(repeating: inputZeroPoint, count: (width - max(hi, lo)) * inC) }
                    }
                    weights.run(UnsafePointer(row), cols: g.outW, ldx: inC, bias: bias.pointer, acc)
                    finish(acc, count: g.outW, y + (b * g.outH + oy) * g.outW * outC)
                }
            case .gather:
                let depth = g.kH * g.kW * inC, p = scratch.pointer
                var p0 = 0
                while p0 < pixels {
                    let n = min(block, pixels - p0)
                    // Taps outside the input hold the input zero point, so the folded −zp_in·Σw term is exact
                    // at the borders.
                    for j in 0..<n {
                        let oy = (p0 + j) / g.outW, ox = (p0 + j) % g.outW
                        var dst = p + j * depth
                        for ky in 0..<g.kH {
                            let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                            for kx in 0..<g.kW {
                                let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                                if iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW {
                                    dst.update(from: x + ((b * g.inH + iy) * g.inW + ix) * inC, count: inC)
                                } else {
                                    dst.update(repeating: inputZeroPoint, count: inC)
                                }
                                dst += inC
                            }
                        }
                    }
                    weights.run(UnsafePointer(p), cols: n, bias: bias.pointer, acc)
                    finish(acc, count: n, y + (b * pixels + p0) * outC)
                    p0 += n
                }
            }
        }
    }

    /// Per-channel requantization of `count` output pixels.
    @inline(__always) func finish(_ acc: UnsafeMutablePointer<Int32>, count: Int, _ out: UnsafeMutablePointer<Int8>) {
        weights.requantize(acc, count: count * g.outC, channels: g.outC, multipliers: multipliers.pointer,
                           shifts: shifts.pointer, zeroPoint: outputZeroPoint, min: actMin, max: actMax,
                           singleRounding: false, out)
    }
}

/// DEPTHWISE_CONV_2D, int8 per-channel: direct loops as the reference (taps outside the input skipped).
final class DepthwiseKernel: Kernel {
    let g: Window
    let multiplier: Int
    let weights: Owned<Int8>         // [kH][kW][outC]
    let bias: Owned<Int32>
    let multipliers: Owned<Int32>, shifts: Owned<Int32>
    let input: Int, output: Int
    let inputOffset: Int32, outputZeroPoint: Int32, actMin: Int32, actMax: Int32
    let accumulators: Owned<Int32>

    init(g: Window, depthMultiplier: Int, weights: [Int8], bias: [Int32], multipliers: [QuantizedMultiplier],
         input: Int, output: Int, inputZeroPoint: Int32, outputZeroPoint: Int32, actMin: Int32, actMax: Int32) {
        self.g = g; self.multiplier = depthMultiplier
        self.weights = Owned(weights); self.bias = Owned(bias)
        self.multipliers = Owned(multipliers.map { $0.multiplier })
        self.shifts = Owned(multipliers.map { $0.shift })
        self.input = input; self.output = output
        self.inputOffset = 0 &- inputZeroPoint
        self.outputZeroPoint = outputZeroPoint; self.actMin = actMin; self.actMax = actMax
        accumulators = Owned(repeating: 0, count: g.outC)
    }

    var macs: Int { g.batches * g.outH * g.outW * g.outC * g.kH * g.kW }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let w = weights.pointer, acc = accumulators.pointer
        let outC = g.outC, inC = g.inC, m = multiplier
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    acc.update(from: bias.pointer, count: outC)
                    for ky in 0..<g.kH {
                        let iy = oy * g.strideH - g.padTop + ky * g.dilationH
                        if iy < 0 || iy >= g.inH { continue }
                        for kx in 0..<g.kW {
                            let ix = ox * g.strideW - g.padLeft + kx * g.dilationW
                            if ix < 0 || ix >= g.inW { continue }
                            let xin = x + ((b * g.inH + iy) * g.inW + ix) * inC
                            let wk = w + (ky * g.kW + kx) * outC
                            if m == 1 {
                                for c in 0..<outC { acc[c] &+= Int32(wk[c]) &* (Int32(xin[c]) &+ inputOffset) }
                            } else {  // output channel c = ic·m + j reads input channel ic (no division per tap)
                                var c = 0
                                for ic in 0..<inC {
                                    let xv = Int32(xin[ic]) &+ inputOffset
                                    for _ in 0..<m { acc[c] &+= Int32(wk[c]) &* xv; c += 1 }
                                }
                            }
                        }
                    }
                    let out = y + ((b * g.outH + oy) * g.outW + ox) * outC
                    for c in 0..<outC {
                        var v = multiplyByQuantizedMultiplier(acc[c], multipliers.pointer[c], shifts.pointer[c]) &+ outputZeroPoint
                        v = min(max(v, actMin), actMax)
                        out[c] = Int8(truncatingIfNeeded: v)
                    }
                }
            }
        }
    }
}
