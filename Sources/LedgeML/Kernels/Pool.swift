// MAX_POOL_2D and AVERAGE_POOL_2D, int8: windows clipped to the input as the reference kernels do;
// average rounds half away from zero by the count of valid taps.

final class PoolKernel: Kernel {
    let g: Window
    let isMax: Bool
    let input: Int, output: Int
    let actMin: Int32, actMax: Int32

    init(g: Window, isMax: Bool, input: Int, output: Int, actMin: Int32, actMax: Int32) {
        self.g = g; self.isMax = isMax; self.input = input; self.output = output
        self.actMin = actMin; self.actMax = actMax
    }

    var macs: Int { 0 }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let C = g.inC
        for b in 0..<g.batches {
            for oy in 0..<g.outH {
                let y0 = oy * g.strideH - g.padTop
                let fy0 = max(0, -y0), fy1 = min(g.kH, g.inH - y0)
                for ox in 0..<g.outW {
                    let x0 = ox * g.strideW - g.padLeft
                    let fx0 = max(0, -x0), fx1 = min(g.kW, g.inW - x0)
                    let out = y + ((b * g.outH + oy) * g.outW + ox) * C
                    for c in 0..<C {
                        if isMax {
                            var m: Int32 = -128
                            if fy0 < fy1 && fx0 < fx1 {
                                for fy in fy0..<fy1 {
                                    for fx in fx0..<fx1 {
                                        m = max(m, Int32(x[((b * g.inH + y0 + fy) * g.inW + x0 + fx) * C + c]))
                                    }
                                }
                            }
                            out[c] = Int8(truncatingIfNeeded: min(max(m, actMin), actMax))
                        } else {
                            var sum: Int32 = 0, count: Int32 = 0
                            if fy0 < fy1 && fx0 < fx1 {
                                for fy in fy0..<fy1 {
                                    for fx in fx0..<fx1 {
                                        sum &+= Int32(x[((b * g.inH + y0 + fy) * g.inW + x0 + fx) * C + c])
                                        count += 1
                                    }
                                }
                            }
                            if count == 0 { out[c] = 0; continue }
                            var avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count
                            avg = min(max(avg, actMin), actMax)
                            out[c] = Int8(truncatingIfNeeded: avg)
                        }
                    }
                }
            }
        }
    }
}
