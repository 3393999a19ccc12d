// Inference never touches the heap: the test executable's malloc family counts this thread's
// allocations (CAllocCounter), and a run of many predictions after load must count zero.
import CAllocCounter
import LedgeML
import Testing

@Suite struct NoAllocationTests {
    @Test func counterSeesAllocations() {
        #expect(alloc_counter_active() == 1, "the interposed malloc is not in use")
        alloc_counter_start()
        let a = [Int](repeating: 1, count: 1000)
        let n = alloc_counter_stop()
        #expect(a.count == 1000)
        #expect(n >= 1, "an array allocation must be counted")
    }

    @Test func predictDoesNotAllocate() throws {
        var folders = RealModels.folders.map { $0 + "/model.tflite" }
        for name in ["conv_3x3_same_s2_17", "mlp_tanh_sigmoid", "concat_channels", "strided_slice", "add_broadcast",
                     "depthwise_m2", "mean_axis1", "softmax_10", "avgpool_same_s1", "mul_broadcast"] {
            folders.append(ModelsDir.path(name) + "/model.tflite")
        }
        for path in folders {
            let m = try Model(path: path)
            let input = [Float](repeating: 0.3, count: m.inputCount)
            var output = [Float](repeating: 0, count: m.outputCount)
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { o in
                    try m.predict(i, into: o)   // warm-up
                    alloc_counter_start()
                    for _ in 0..<50 { try m.predict(i, into: o) }
                    let n = alloc_counter_stop()
                    #expect(n == 0, "\(path): \(n) allocations in 50 inferences")
                }
            }
        }
    }
}
