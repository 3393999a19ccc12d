// The int8 GEMM behind every weighted kernel: weights packed once at load time for one kernel path (the
// portable Swift loop, or a C SIMD path of CLedgeKernels: AVX2, AVX-512 VNNI, NEON, NEON dot product).
import CLedgeKernels

/// A rows × depth int8 weight matrix packed for one kernel path. The path is fixed when the weights are
/// packed, so a loaded model keeps using the layout it was packed for.
final class PackedWeights {
    let path: Int32
    let rows: Int, depth: Int
    let packed: UnsafeMutableRawPointer
    let bytes: Int

    /// `weights` is row-major [rows][depth], values in −127...127.
    init(_ weights: [Int8], rows: Int, depth: Int, path: Int32) {
        self.path = path; self.rows = rows; self.depth = depth
        bytes = max(64, Int(ledge_pack_size(path, Int32(rows), Int32(depth))))
        packed = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        packed.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        weights.withUnsafeBufferPointer { w in
            if let base = w.baseAddress, rows > 0, depth > 0 {
                ledge_pack(path, base, Int32(rows), Int32(depth), packed)
            }
        }
    }

    deinit { packed.deallocate() }

    /// out[c·rows + r] = bias[r] + Σ_k w[r][k] · x[c·ldx + k] for c < cols (32-bit wrapping sums); `ldx`
    /// defaults to depth, a smaller one makes columns overlap (a 1-D convolution over its input in place).
    @inline(__always)
    func run(_ x: UnsafePointer<Int8>, cols: Int, ldx: Int? = nil, bias: UnsafePointer<Int32>?, _ out: UnsafeMutablePointer<Int32>) {
        let ld = ldx ?? depth
        if path == Int32(LEDGE_PATH_PORTABLE) {
            Gemm.portable(UnsafePointer(packed.assumingMemoryBound(to: Int8.self)), x, rows: rows, depth: depth,
                          cols: cols, ldx: ld, bias: bias, out)
        } else {
            ledge_gemm_packed(path, packed, x, Int64(ld), Int32(rows), Int32(depth), Int32(cols), bias, out)
        }
    }

    /// Requantizes `count` accumulators laid out [count/channels][channels] into int8 (TFLite's
    /// MultiplyByQuantizedMultiplier per channel, + zero point, clamped): the Swift loop on the portable
    /// path, the C kernels (SIMD where the path has it) otherwise.
    @inline(__always)
    func requantize(_ acc: UnsafePointer<Int32>, count: Int, channels: Int, multipliers: UnsafePointer<Int32>,
                    shifts: UnsafePointer<Int32>, zeroPoint: Int32, min lo: Int32, max hi: Int32, singleRounding: Bool,
                    _ out: UnsafeMutablePointer<Int8>) {
        if path == Int32(LEDGE_PATH_PORTABLE) {
            Gemm.requantize(acc, count: count, channels: channels, multipliers: multipliers, shifts: shifts,
                            zeroPoint: zeroPoint, min: lo, max: hi, singleRounding: singleRounding, out)
        } else {
            ledge_requantize(path, acc, Int64(count), Int32(channels), multipliers, shifts, zeroPoint, lo, hi,
                             singleRounding ? 1 : 0, out)
        }
    }
}

enum Gemm {
    /// The portable requantization loop (TFLite's reference arithmetic from FixedPoint.swift).
    static func requantize(_ acc: UnsafePointer<Int32>, count: Int, channels: Int, multipliers: UnsafePointer<Int32>,
                           shifts: UnsafePointer<Int32>, zeroPoint: Int32, min lo: Int32, max hi: Int32,
                           singleRounding: Bool, _ out: UnsafeMutablePointer<Int8>) {
        var i = 0
        while i < count {
            let n = Swift.min(channels, count - i)
            for c in 0..<n {
                let a = acc[i + c]
                var v = singleRounding
                    ? multiplyByQuantizedMultiplierSingleRounding(a, multipliers[c], shifts[c])
                    : multiplyByQuantizedMultiplierDoubleRounding(a, multipliers[c], shifts[c])
                v = Swift.min(Swift.max(v &+ zeroPoint, lo), hi)
                out[i + c] = Int8(truncatingIfNeeded: v)
            }
            i += channels
        }
    }

    /// The path models loaded now are packed for.
    static var currentPath: Int32 { Int32(ledge_kernels_current()) }

    /// Portable Swift: wrapping arithmetic on unsafe pointers, so the inner loop has no checks and
    /// vectorizes (vpmovsxbw + vpmaddwd on x86-64). Four rows at a time share each load of x.
    static func portable(_ w: UnsafePointer<Int8>, _ x: UnsafePointer<Int8>, rows: Int, depth: Int, cols: Int,
                         ldx: Int? = nil, bias: UnsafePointer<Int32>?, _ out: UnsafeMutablePointer<Int32>) {
        let ld = ldx ?? depth
        for c in 0..<cols {
            let xc = x + c * ld
            var r = 0
            while r + 4 <= rows {
                let w0 = w + r * depth, w1 = w0 + depth, w2 = w1 + depth, w3 = w2 + depth
                var a0: Int32 = 0, a1: Int32 = 0, a2: Int32 = 0, a3: Int32 = 0
                for k in 0..<depth {
                    let xv = Int32(xc[k])
                    a0 &+= Int32(w0[k]) &* xv
                    a1 &+= Int32(w1[k]) &* xv
                    a2 &+= Int32(w2[k]) &* xv
                    a3 &+= Int32(w3[k]) &* xv
                }
                let o = out + c * rows + r
                o[0] = a0 &+ (bias?[r] ?? 0)
                o[1] = a1 &+ (bias?[r + 1] ?? 0)
                o[2] = a2 &+ (bias?[r + 2] ?? 0)
                o[3] = a3 &+ (bias?[r + 3] ?? 0)
                r += 4
            }
            while r < rows {
                let wr = w + r * depth
                var acc: Int32 = bias?[r] ?? 0
                for k in 0..<depth { acc &+= Int32(wr[k]) &* Int32(xc[k]) }
                out[c * rows + r] = acc
                r += 1
            }
        }
    }
}
