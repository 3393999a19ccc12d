// The parsed TFLite graph: tensors, operators and constant data, read from the flatbuffer with every
// offset checked. No arithmetic happens here; the planner turns this into kernels.

/// Builtin operator codes (BuiltinOperator in TFLite's schema) that LedgeML knows by name.
enum BuiltinOp: Int32 {
    case add = 0, averagePool2D = 1, concatenation = 2, conv2D = 3, depthwiseConv2D = 4
    case dequantize = 6, fullyConnected = 9, logistic = 14, maxPool2D = 17, mul = 18
    case relu = 19, relu6 = 21, reshape = 22, softmax = 25, tanh = 28
    case mean = 40, sub = 41, squeeze = 43, stridedSlice = 45, expandDims = 70
    case leakyRelu = 98, quantize = 114
}

/// Names of builtin operators for error messages (from the schema; the common ones).
func builtinName(_ code: Int32) -> String {
    if let op = BuiltinOp(rawValue: code) {
        switch op {
        case .add: return "ADD"
        case .averagePool2D: return "AVERAGE_POOL_2D"
        case .concatenation: return "CONCATENATION"
        case .conv2D: return "CONV_2D"
        case .depthwiseConv2D: return "DEPTHWISE_CONV_2D"
        case .dequantize: return "DEQUANTIZE"
        case .fullyConnected: return "FULLY_CONNECTED"
        case .logistic: return "LOGISTIC"
        case .maxPool2D: return "MAX_POOL_2D"
        case .mul: return "MUL"
        case .relu: return "RELU"
        case .relu6: return "RELU6"
        case .reshape: return "RESHAPE"
        case .softmax: return "SOFTMAX"
        case .tanh: return "TANH"
        case .mean: return "MEAN"
        case .sub: return "SUB"
        case .squeeze: return "SQUEEZE"
        case .stridedSlice: return "STRIDED_SLICE"
        case .expandDims: return "EXPAND_DIMS"
        case .leakyRelu: return "LEAKY_RELU"
        case .quantize: return "QUANTIZE"
        }
    }
    let others: [Int32: String] = [
        5: "DEPTH_TO_SPACE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 10: "HASHTABLE_LOOKUP", 11: "L2_NORMALIZATION",
        12: "L2_POOL_2D", 13: "LOCAL_RESPONSE_NORMALIZATION", 16: "LSTM", 20: "RELU_N1_TO_1",
        23: "RESIZE_BILINEAR", 24: "RNN", 26: "SPACE_TO_DEPTH", 27: "SVDF", 32: "CUSTOM", 34: "PAD",
        36: "GATHER", 37: "BATCH_TO_SPACE_ND", 38: "SPACE_TO_BATCH_ND", 39: "TRANSPOSE", 42: "DIV",
        44: "UNIDIRECTIONAL_SEQUENCE_LSTM", 47: "BIDIRECTIONAL_SEQUENCE_RNN", 48: "EXP", 49: "TOPK_V2",
        50: "SPLIT", 53: "CAST", 54: "PRELU", 55: "MAXIMUM", 56: "ARG_MAX", 57: "MINIMUM", 58: "LESS",
        59: "NEG", 60: "PADV2", 67: "TRANSPOSE_CONV", 74: "SUM", 75: "SQRT", 76: "RSQRT", 77: "SHAPE",
        80: "REDUCE_MAX", 83: "PACK", 88: "UNPACK", 92: "SQUARE", 97: "RESIZE_NEAREST_NEIGHBOR",
        99: "SQUARED_DIFFERENCE", 102: "SPLIT_V", 117: "HARD_SWISH", 126: "BATCH_MATMUL", 150: "GELU",
    ]
    return others[code] ?? "builtin operator \(code)"
}

/// One tensor of the graph as stored in the file.
struct FileTensor {
    let index: Int
    let name: String
    let shape: [Int]
    let type: ElementType
    /// Constant contents (byte range into the file), nil for activations.
    let data: Range<Int>?
    let scales: [Float]
    let zeroPoints: [Int64]
    let quantizedDimension: Int
    let fileOffset: Int

    var elementCount: Int { shape.reduce(1, *) }
    var scale: Float { scales.first ?? 0 }
    var zeroPoint: Int32 { Int32(truncatingIfNeeded: zeroPoints.first ?? 0) }
    var isConstant: Bool { data != nil }
}

/// One operator node: builtin code, tensor indices (−1 = optional input absent) and its options table.
struct FileOperator {
    let index: Int
    let code: Int32
    let customName: String?
    let inputs: [Int]
    let outputs: [Int]
    let options: FBTable?
    let fileOffset: Int

    var name: String { customName.map { "CUSTOM(\($0))" } ?? builtinName(code) }
}

/// The whole parsed model (subgraph 0).
struct ModelFile {
    /// Limits that keep a hostile file from making the loader allocate or compute without bound.
    static let maxTensorElements = 1 << 26
    static let maxArenaBytes = 1 << 28
    let buffer: FlatBuffer
    let tensors: [FileTensor]
    let operators: [FileOperator]
    let inputs: [Int]
    let outputs: [Int]
    let description: String?

    init(bytes: [UInt8]) throws(ModelError) {
        let fb = FlatBuffer(bytes)
        buffer = fb
        guard bytes.count >= 8 else { throw ModelError(offset: 0, "file is \(bytes.count) bytes, too short for a TFLite model") }
        if !(bytes[4] == 0x54 && bytes[5] == 0x46 && bytes[6] == 0x4C && bytes[7] == 0x33) {
            throw ModelError(offset: 4, "file identifier is not \"TFL3\": not a TFLite model")
        }
        let model = try fb.root()
        let version = try model.u32(0)
        guard version == 3 else { throw ModelError(offset: model.pos, "schema version \(version) is not 3") }
        description = try model.string(3, "description")

        // Operator codes: the builtin code is the larger of the deprecated byte and the int32 field.
        let codeTables = try model.tables(1, "operator_codes")
        var codes: [(Int32, String?)] = []
        for t in codeTables {
            let dep = Int32(Int8(bitPattern: try t.u8(0)))
            let code = max(dep, try t.i32(3))
            let custom = code == 32 ? (try t.string(1, "custom_code") ?? "?") : nil
            codes.append((code, custom))
        }

        // Buffers: inline data vector, or offset/size into the file (large models).
        let bufferTables = try model.tables(4, "buffers")
        var buffers: [Range<Int>?] = []
        for b in bufferTables {
            if let v = try b.vector(0, elementSize: 1, "data"), v.count > 0 {
                buffers.append(v.start..<(v.start + v.count))
            } else {
                let off = try b.u64(1), size = try b.u64(2)
                if off > 1 {
                    guard off <= UInt64(bytes.count), size <= UInt64(bytes.count) - off else {
                        throw ModelError(offset: b.pos, "buffer data at \(off) of \(size) bytes runs past the end of the file")
                    }
                    buffers.append(Int(off)..<Int(off + size))
                } else {
                    buffers.append(nil)
                }
            }
        }

        let subgraphs = try model.tables(2, "subgraphs")
        guard let sg = subgraphs.first else { throw ModelError(offset: model.pos, "model has no subgraph") }
        if subgraphs.count > 1 {
            throw ModelError(offset: subgraphs[1].pos, "model has \(subgraphs.count) subgraphs; only single-subgraph models are supported")
        }

        var tensors: [FileTensor] = []
        for (i, t) in try sg.tables(0, "tensors").enumerated() {
            let shape = try t.ints(0, "shape") ?? []
            for d in shape where d < 0 || d > 1 << 24 {
                throw ModelError(offset: t.pos, "tensor \(i): dimension \(d) is invalid (dynamic shapes are not supported)")
            }
            let type = ElementType(code: Int(try t.u8(1)))
            let bufIndex = Int(try t.u32(2))
            let name = try t.string(3, "name") ?? "tensor\(i)"
            var scales: [Float] = [], zps: [Int64] = [], qdim = 0
            if let q = try t.table(4, "quantization") {
                scales = try q.floats(2, "scale") ?? []
                zps = try q.int64s(3, "zero_point") ?? []
                qdim = Int(try q.i32(6))
            }
            var data: Range<Int>? = nil
            if bufIndex != 0 {
                guard bufIndex < buffers.count else {
                    throw ModelError(offset: t.pos, "tensor \(i) '\(name)': buffer index \(bufIndex) out of range (\(buffers.count) buffers)")
                }
                data = buffers[bufIndex]
            }
            var elements = 1
            for d in shape {
                let (m, o) = elements.multipliedReportingOverflow(by: d)
                guard !o, m <= ModelFile.maxTensorElements else {
                    throw ModelError(offset: t.pos, "tensor \(i) '\(name)': shape \(shape) has more than \(ModelFile.maxTensorElements) elements")
                }
                elements = m
            }
            if let data, let size = type.byteSize, data.count != elements * size {
                throw ModelError(offset: data.lowerBound, "tensor \(i) '\(name)': constant data is \(data.count) bytes, shape \(shape) of \(type) needs \(elements * size)")
            }
            tensors.append(FileTensor(index: i, name: name, shape: shape, type: type, data: data, scales: scales,
                                      zeroPoints: zps, quantizedDimension: qdim, fileOffset: t.pos))
        }
        self.tensors = tensors

        func checkIndices(_ list: [Int], _ what: String, _ pos: Int, optional: Bool) throws(ModelError) {
            for t in list where !(t >= 0 && t < tensors.count) && !(optional && t == -1) {
                throw ModelError(offset: pos, "\(what): tensor index \(t) out of range (\(tensors.count) tensors)")
            }
        }
        inputs = try sg.ints(1, "inputs") ?? []
        outputs = try sg.ints(2, "outputs") ?? []
        try checkIndices(inputs, "subgraph inputs", sg.pos, optional: false)
        try checkIndices(outputs, "subgraph outputs", sg.pos, optional: false)

        var ops: [FileOperator] = []
        for (i, o) in try sg.tables(3, "operators").enumerated() {
            let idx = Int(try o.u32(0))
            guard idx < codes.count else {
                throw ModelError(offset: o.pos, "operator \(i): opcode index \(idx) out of range (\(codes.count) codes)")
            }
            let ins = try o.ints(1, "inputs") ?? [], outs = try o.ints(2, "outputs") ?? []
            try checkIndices(ins, "operator \(i) (\(builtinName(codes[idx].0))) inputs", o.pos, optional: true)
            try checkIndices(outs, "operator \(i) (\(builtinName(codes[idx].0))) outputs", o.pos, optional: false)
            ops.append(FileOperator(index: i, code: codes[idx].0, customName: codes[idx].1, inputs: ins, outputs: outs,
                                    options: try o.table(4, "builtin_options"), fileOffset: o.pos))
        }
        operators = ops
    }

    /// Constant int8 contents of a tensor.
    func int8Data(_ t: FileTensor) -> [Int8] {
        guard let r = t.data else { return [] }
        return buffer.bytes[r].map { Int8(bitPattern: $0) }
    }

    /// Constant int32 contents of a tensor (little-endian).
    func int32Data(_ t: FileTensor) -> [Int32] {
        guard let r = t.data else { return [] }
        var out: [Int32] = []
        out.reserveCapacity(r.count / 4)
        var p = r.lowerBound
        let b = buffer.bytes
        while p + 4 <= r.upperBound {
            out.append(Int32(bitPattern: UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24))
            p += 4
        }
        return out
    }

    /// Constant int64 contents (for shape-like inputs stored as int64).
    func int64Data(_ t: FileTensor) -> [Int64] {
        guard let r = t.data else { return [] }
        var out: [Int64] = []
        var p = r.lowerBound
        let b = buffer.bytes
        while p + 8 <= r.upperBound {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[p + k]) << (8 * UInt64(k)) }
            out.append(Int64(bitPattern: v))
            p += 8
        }
        return out
    }

    /// Constant integer contents (int32 or int64) as [Int], for axis/shape operands.
    func intData(_ t: FileTensor) -> [Int] {
        switch t.type {
        case .int64: return int64Data(t).map { Int($0) }
        default: return int32Data(t).map { Int($0) }
        }
    }
}
