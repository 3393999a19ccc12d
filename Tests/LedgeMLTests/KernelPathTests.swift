// Every kernel path this CPU supports gives exactly the portable Swift path's result (odd sizes, extreme
// values, with and without bias), the portable Swift path equals the plain C reference, and whole models
// give the same bits on every path.
import CLedgeKernels
@testable import LedgeML
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct KernelPathTests {
    static let paths: [Int32] = (0..<Int32(LEDGE_PATH_COUNT)).filter { ledge_kernels_available($0) != 0 }
    static let shapes = [(1, 1, 1), (1, 3, 1), (3, 17, 1), (4, 16, 2), (5, 33, 3), (17, 63, 1), (63, 64, 2),
                         (8, 1024, 1), (37, 300, 5), (1, 31, 4), (64, 256, 7), (16, 4, 8), (33, 5, 9),
                         (32, 160, 16), (64, 240, 1), (100, 1030, 3), (3, 2, 13)]

    struct Case {
        let rows: Int, depth: Int, cols: Int
        let w: [Int8], x: [Int8], bias: [Int32]?
    }

    /// Seeded cases: random, extreme (±127 weights against −128 inputs), all-127 inputs without bias.
    static func cases(seed: UInt64) -> [Case] {
        var rng = SplitMix(seed: seed)
        var out: [Case] = []
        for (rows, depth, cols) in shapes {
            for mode in 0..<3 {
                let w: [Int8] = (0..<(rows * depth)).map { _ in
                    mode == 1 ? (rng.next() % 2 == 0 ? -127 : 127) : Int8(Int(rng.next() % 255) - 127)
                }
                let x: [Int8] = (0..<(cols * depth)).map { _ in mode == 1 ? -128 : (mode == 2 ? 127 : Int8(truncatingIfNeeded: rng.next())) }
                let bias: [Int32]? = mode == 2 ? nil : (0..<rows).map { _ in Int32(truncatingIfNeeded: rng.next() % 2_000_001) - 1_000_000 }
                out.append(Case(rows: rows, depth: depth, cols: cols, w: w, x: x, bias: bias))
            }
        }
        return out
    }

    static func portable(_ c: Case) -> [Int32] {
        var out = [Int32](repeating: 0, count: c.rows * c.cols)
        c.w.withUnsafeBufferPointer { w in
            c.x.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { o in
                    if let b = c.bias {
                        b.withUnsafeBufferPointer { bp in
                            Gemm.portable(w.baseAddress!, x.baseAddress!, rows: c.rows, depth: c.depth, cols: c.cols, bias: bp.baseAddress, o.baseAddress!)
                        }
                    } else {
                        Gemm.portable(w.baseAddress!, x.baseAddress!, rows: c.rows, depth: c.depth, cols: c.cols, bias: nil, o.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    @Test func portableIsAlwaysAvailable() {
        #expect(Self.paths.contains(Int32(LEDGE_PATH_PORTABLE)))
        #expect(Model.availableKernelPaths.contains("portable"))
    }

    /// The portable Swift loop against the plain C reference (and so against 32-bit wrapping arithmetic).
    @Test func portableSwiftMatchesCReference() {
        for c in Self.cases(seed: 7) {
            var ref = [Int32](repeating: 0, count: c.rows * c.cols)
            ledge_gemm_s8_reference(c.w, c.x, Int32(c.rows), Int32(c.depth), Int32(c.cols), c.bias, &ref)
            #expect(Self.portable(c) == ref, "\(c.rows)x\(c.depth)x\(c.cols)")
        }
    }

    /// Each path, through its load-time packing, against the portable Swift path.
    @Test(arguments: paths)
    func matchesPortable(_ path: Int32) {
        for c in Self.cases(seed: 42 &+ UInt64(path)) {
            let packed = PackedWeights(c.w, rows: c.rows, depth: c.depth, path: path)
            var got = [Int32](repeating: 0, count: c.rows * c.cols)
            c.x.withUnsafeBufferPointer { x in
                got.withUnsafeMutableBufferPointer { o in
                    if let b = c.bias {
                        b.withUnsafeBufferPointer { packed.run(x.baseAddress!, cols: c.cols, bias: $0.baseAddress, o.baseAddress!) }
                    } else {
                        packed.run(x.baseAddress!, cols: c.cols, bias: nil, o.baseAddress!)
                    }
                }
            }
            #expect(got == Self.portable(c), "path \(String(cString: ledge_kernels_path_name(path))) \(c.rows)x\(c.depth)x\(c.cols)")
        }
    }

    /// Requantization (TFLite's MultiplyByQuantizedMultiplier, both roundings, + zero point, clamp) on each
    /// path against the Swift reference functions, over real multipliers from QuantizedMultiplier with
    /// shifts −31...+8 and accumulators up to the int32 extremes.
    @Test(arguments: paths)
    func requantizeMatchesReference(_ path: Int32) {
        var rng = SplitMix(seed: 99 &+ UInt64(path))
        let channels = 37, pixels = 23
        var mults: [QuantizedMultiplier] = (0..<channels).map { _ in
            QuantizedMultiplier(Double(rng.next() % 1_000_000 + 1) / 1_000_000 * pow(2.0, Double(Int(rng.next() % 40) - 31)))
        }
        mults[0] = QuantizedMultiplier(0.5); mults[1] = QuantizedMultiplier(0.999999999); mults[2] = QuantizedMultiplier(300)
        let m = mults.map(\.multiplier), sh = mults.map(\.shift)
        let acc: [Int32] = (0..<(channels * pixels)).map { i in
            if i % 41 == 0 { return Int32.min }
            if i % 43 == 0 { return Int32.max }
            let r = rng.next()
            return r % 3 == 0 ? Int32(truncatingIfNeeded: r >> 32) : Int32(truncatingIfNeeded: Int64(r >> 44) - (1 << 19))
        }
        for single in [false, true] {
            let packed = PackedWeights([0], rows: 1, depth: 1, path: path)
            var got = [Int8](repeating: 0, count: acc.count)
            acc.withUnsafeBufferPointer { a in
                m.withUnsafeBufferPointer { mp in
                    sh.withUnsafeBufferPointer { sp in
                        got.withUnsafeMutableBufferPointer { o in
                            packed.requantize(a.baseAddress!, count: acc.count, channels: channels, multipliers: mp.baseAddress!,
                                              shifts: sp.baseAddress!, zeroPoint: -7, min: -120, max: 125, singleRounding: single,
                                              o.baseAddress!)
                        }
                    }
                }
            }
            var bad = 0
            for i in 0..<acc.count {
                let c = i % channels
                let v = single ? multiplyByQuantizedMultiplierSingleRounding(acc[i], m[c], sh[c])
                    : multiplyByQuantizedMultiplierDoubleRounding(acc[i], m[c], sh[c])
                if Int8(truncatingIfNeeded: min(max(v &+ -7, -120), 125)) != got[i] { bad += 1 }
            }
            #expect(bad == 0, "path \(String(cString: ledge_kernels_path_name(path))) single \(single): \(bad) differ")
        }
    }

    /// Whole models give the same bits on every path (each model packs for the path selected when it loads).
    @Test func goldensHoldOnEveryPath() throws {
        defer { ledge_kernels_select(ledge_kernels_best()) }
        for p in Model.availableKernelPaths {
            #expect(Model.selectKernelPath(p))
            for name in ["conv_3x3_same_s2_17", "fc_deep_1024", "conv_1x1_63", "fc_batch4_to_1", "concat_channels"] {
                let r = try Golden.verify(folder: ModelsDir.path(name))
                #expect(r.passed, "\(name) on \(p)")
            }
            for dir in RealModels.folders where Golden.modelFolders(under: dir) == [dir] {
                let r = try Golden.verify(folder: dir)
                #expect(r.passed, "\(dir) on \(p)")
            }
        }
    }
}
