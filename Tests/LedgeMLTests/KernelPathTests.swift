// Every SIMD GEMM path this CPU supports gives exactly the portable result, on odd sizes and extreme values.
import CLedgeKernels
import LedgeML
import Testing

@Suite struct KernelPathTests {
    static let paths: [Int32] = (0..<Int32(LEDGE_PATH_COUNT)).filter { ledge_kernels_available($0) != 0 }

    @Test func portableIsAlwaysAvailable() {
        #expect(Self.paths.contains(Int32(LEDGE_PATH_PORTABLE)))
        #expect(Model.availableKernelPaths.contains("portable"))
    }

    @Test(arguments: paths)
    func matchesPortable(_ path: Int32) {
        var rng = SplitMix(seed: 42 &+ UInt64(path))
        let shapes = [(1, 1, 1), (3, 17, 1), (4, 16, 2), (5, 33, 3), (17, 63, 1), (63, 64, 2), (8, 1024, 1),
                      (37, 300, 5), (1, 31, 4), (64, 256, 7)]
        for (rows, depth, cols) in shapes {
            for extreme in [false, true] {
                let w: [Int8] = (0..<(rows * depth)).map { _ in extreme ? (rng.next() % 2 == 0 ? -127 : 127) : Int8(Int(rng.next() % 255) - 127) }
                let x: [Int8] = (0..<(cols * depth)).map { _ in extreme ? -128 : Int8(truncatingIfNeeded: rng.next()) }
                let bias: [Int32] = (0..<rows).map { _ in Int32(truncatingIfNeeded: rng.next() % 100_000) - 50_000 }
                var ref = [Int32](repeating: 0, count: rows * cols), got = ref
                ledge_gemm_s8_path(Int32(LEDGE_PATH_PORTABLE), w, x, Int32(rows), Int32(depth), Int32(cols), bias, &ref)
                ledge_gemm_s8_path(path, w, x, Int32(rows), Int32(depth), Int32(cols), bias, &got)
                #expect(got == ref, "path \(String(cString: ledge_kernels_path_name(path))) \(rows)x\(depth)x\(cols)")
                // The C portable loop is itself checked against plain Swift arithmetic.
                for c in 0..<cols {
                    for r in 0..<rows {
                        var acc = bias[r]
                        for k in 0..<depth { acc &+= Int32(w[r * depth + k]) &* Int32(x[c * depth + k]) }
                        if acc != ref[c * rows + r] { Issue.record("portable differs at \(r),\(c)"); return }
                    }
                }
            }
        }
    }

    /// Whole models give the same bits on every path.
    @Test func goldensHoldOnEveryPath() throws {
        for p in Model.availableKernelPaths {
            #expect(Model.selectKernelPath(p))
            for name in ["conv_3x3_same_s2_17", "fc_deep_1024", "conv_1x1_63"] {
                let r = try Golden.verify(folder: ModelsDir.path(name))
                #expect(r.passed, "\(name) on \(p)")
            }
        }
        let best = Model.availableKernelPaths.last ?? "portable"
        Model.selectKernelPath(best)
    }
}
