// A public int8 weight matrix packed for a kernel path, for benchmarks of the raw GEMM/GEMV
// (`ledge bench gemm`) and for callers that want the kernels without a model.
import CLedgeKernels

public final class PackedInt8Matrix {
    let weights: PackedWeights
    public let rows: Int, depth: Int
    /// The kernel path the weights are packed for.
    public var kernelPath: String { String(cString: ledge_kernels_path_name(weights.path)) }

    /// Row-major [rows][depth] weights in −127...127, packed for the current kernel path.
    public init(_ w: [Int8], rows: Int, depth: Int) {
        precondition(w.count == rows * depth, "weights must hold rows × depth values")
        self.rows = rows; self.depth = depth
        weights = PackedWeights(w, rows: rows, depth: depth, path: Int32(ledge_kernels_current()))
    }

    /// out[c·rows + r] = bias[r] + Σ_k w[r][k] · x[c·depth + k]; `x` holds cols × depth values and `out`
    /// rows × cols.
    public func multiply(_ x: UnsafePointer<Int8>, cols: Int, bias: UnsafePointer<Int32>?, into out: UnsafeMutablePointer<Int32>) {
        weights.run(x, cols: cols, bias: bias, out)
    }

    /// Measured int8 MACs per second of the path's multiply-accumulate instruction in a register-only
    /// loop (independent chains), or nil where there is no probe (portable, NEON).
    public static func measuredPeakMACsPerSecond(path: String) -> Double? {
        guard let p = (0..<Int32(LEDGE_PATH_COUNT)).first(where: { String(cString: ledge_kernels_path_name($0)) == path }) else { return nil }
        // Many short runs, the fastest kept: on a shared machine most long runs are interrupted.
        var best = 0.0
        for _ in 0..<200 {
            let t0 = Clock.nanoseconds()
            let macs = ledge_peak_probe(p, 20_000)
            let t1 = Clock.nanoseconds()
            guard macs > 0 else { return nil }
            best = max(best, Double(macs) / (Double(max(t1 - t0, 1)) / 1e9))
        }
        return best
    }

    /// The core clock measured with a chain of dependent additions (one per cycle), in Hz: the fastest of
    /// many sub-millisecond runs.
    public static func measuredClockHz() -> Double {
        var best = 0.0
        for _ in 0..<300 {
            let n: UInt64 = 1_000_000
            let t0 = Clock.nanoseconds()
            ledge_add_chain(n)
            let t1 = Clock.nanoseconds()
            best = max(best, Double(n) / (Double(t1 - t0) / 1e9))
        }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum Clock {
    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
