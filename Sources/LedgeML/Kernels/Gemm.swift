// The int8 GEMM entry point of every kernel: the portable Swift loop, or the C SIMD path chosen at run
// time (AVX2, AVX-512 VNNI, NEON, NEON dot product) by CLedgeKernels.
import CLedgeKernels

enum Gemm {
    /// True when CLedgeKernels runs a SIMD path; false means the portable Swift loop below is used.
    nonisolated(unsafe) static var useSIMD: Bool = ledge_kernels_current() != LEDGE_PATH_PORTABLE

    /// out[c*rows + r] = bias[r] + Σ_k w[r*depth + k] · x[c*depth + k].
    @inline(__always)
    static func run(_ w: UnsafePointer<Int8>, _ x: UnsafePointer<Int8>, rows: Int, depth: Int, cols: Int,
                    bias: UnsafePointer<Int32>?, _ out: UnsafeMutablePointer<Int32>) {
        if useSIMD {
            ledge_gemm_s8(w, x, Int32(rows), Int32(depth), Int32(cols), bias, out)
        } else {
            portable(w, x, rows: rows, depth: depth, cols: cols, bias: bias, out)
        }
    }

    /// Portable Swift: wrapping arithmetic on unsafe pointers, so the inner loop has no checks and
    /// vectorizes (vpmovsxbw + vpmaddwd on x86-64).
    static func portable(_ w: UnsafePointer<Int8>, _ x: UnsafePointer<Int8>, rows: Int, depth: Int, cols: Int,
                         bias: UnsafePointer<Int32>?, _ out: UnsafeMutablePointer<Int32>) {
        for c in 0..<cols {
            let xc = x + c * depth
            for r in 0..<rows {
                let wr = w + r * depth
                var acc: Int32 = bias?[r] ?? 0
                for k in 0..<depth { acc &+= Int32(wr[k]) &* Int32(xc[k]) }
                out[c * rows + r] = acc
            }
        }
    }

    /// Re-reads the C side's current path (after `Model.selectKernelPath`).
    static func refresh() { useSIMD = ledge_kernels_current() != LEDGE_PATH_PORTABLE }
}
