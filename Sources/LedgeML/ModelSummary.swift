// Read-only descriptions of a loaded model's operators and tensors, for `ledge model inspect`.
import CLedgeKernels

/// One operator in execution order.
public struct OperatorInfo: Sendable {
    public let name: String
    public let inputs: [Int]
    public let outputs: [Int]
    public let macs: Int
}

/// One tensor of the graph.
public struct TensorDetail: Sendable {
    public let index: Int
    public let info: TensorInfo
    public let isConstant: Bool
    /// Number of scales (> 1: per-channel quantization).
    public let scaleCount: Int
    public let quantizedDimension: Int
    /// Arena offset of an activation tensor.
    public let arenaOffset: Int?
}

extension Model {
    public var operators: [OperatorInfo] {
        var macsByOp: [Int] = []
        var k = 0
        for _ in file.operators {
            macsByOp.append(k < plan.kernels.count ? plan.kernels[k].macs : 0)
            k += 1
        }
        return file.operators.enumerated().map { i, op in
            OperatorInfo(name: op.name, inputs: op.inputs, outputs: op.outputs, macs: macsByOp[i])
        }
    }

    public var tensors: [TensorDetail] {
        file.tensors.map { t in
            TensorDetail(index: t.index,
                         info: TensorInfo(name: t.name, shape: t.shape, type: t.type, scale: t.scale, zeroPoint: t.zeroPoint),
                         isConstant: t.isConstant, scaleCount: t.scales.count, quantizedDimension: t.quantizedDimension,
                         arenaOffset: plan.offsets[t.index])
        }
    }

    /// Bytes of constant data (weights, biases) in the file.
    public var constantBytes: Int { file.tensors.reduce(0) { $0 + ($1.data?.count ?? 0) } }

    /// Kernel paths compiled in and supported by this CPU.
    public static var availableKernelPaths: [String] {
        (0..<Int32(LEDGE_PATH_COUNT)).filter { ledge_kernels_available($0) != 0 }
            .map { String(cString: ledge_kernels_path_name($0)) }
    }

    /// Forces a kernel path by name for models loaded from now on (benchmarks, tests); false if unavailable here.
    @discardableResult
    public static func selectKernelPath(_ name: String) -> Bool {
        for p in 0..<Int32(LEDGE_PATH_COUNT) where String(cString: ledge_kernels_path_name(p)) == name {
            return ledge_kernels_select(p) != 0
        }
        return false
    }
}

extension Model {
    /// The current bytes of activation tensor `index` (after a run), or nil for constants/out of range.
    public func activationBytes(tensor index: Int) -> [UInt8]? {
        guard index >= 0, index < file.tensors.count, let o = plan.offsets[index],
              let es = file.tensors[index].type.byteSize else { return nil }
        let n = file.tensors[index].elementCount * es
        return Array(UnsafeRawBufferPointer(start: arena + o, count: n))
    }
}
