// Per-operator planning: validates each operator's tensors and options and builds its kernel with
// TFLite's reference parameters (multipliers, shifts, activation ranges).

extension Planner {
    func build(_ op: FileOperator) throws(ModelError) -> [any Kernel] {
        guard op.customName == nil, let code = BuiltinOp(rawValue: op.code) else {
            throw fail(op, "operator \(op.name) is not supported (supported: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE, SQUEEZE, EXPAND_DIMS, CONCATENATION, STRIDED_SLICE, ADD, SUB, MUL, LOGISTIC, TANH, SOFTMAX, RELU, RELU6, LEAKY_RELU, QUANTIZE, DEQUANTIZE)")
        }
        switch code {
        case .fullyConnected: return [try fullyConnected(op)]
        case .conv2D: return [try conv(op)]
        case .depthwiseConv2D: return [try depthwise(op)]
        case .maxPool2D: return [try pool(op, isMax: true)]
        case .averagePool2D: return [try pool(op, isMax: false)]
        case .mean: return [try mean(op)]
        case .reshape, .squeeze, .expandDims: return [try reshape(op)]
        case .quantize: return [try quantize(op)]
        case .dequantize: return [try dequantize(op)]
        case .relu, .relu6, .leakyRelu, .logistic, .tanh: return [try lookup(op, code)]
        case .add, .sub, .mul: return try elementwise(op, code)
        case .concatenation: return try concatenation(op)
        case .stridedSlice: return [try stridedSlice(op)]
        case .softmax: return [try softmax(op)]
        }
    }

    /// Per-channel (or per-tensor, broadcast) requantization multipliers of a conv-like op.
    func channelMultipliers(_ op: FileOperator, input: FileTensor, filter: FileTensor, output: FileTensor,
                            channels: Int, doubleProduct: Bool) throws(ModelError) -> [QuantizedMultiplier] {
        let scales = filter.scales
        guard scales.count == 1 || scales.count == channels else {
            throw fail(op, "filter '\(filter.name)' has \(scales.count) scales for \(channels) output channels")
        }
        for z in filter.zeroPoints where z != 0 {
            throw fail(op, "filter '\(filter.name)' has nonzero zero point \(z); int8 weights must be symmetric")
        }
        return (0..<channels).map { c in
            let fs = scales.count == 1 ? scales[0] : scales[c]
            let real: Double
            if doubleProduct {
                real = Double(input.scale) * Double(fs) / Double(output.scale)
            } else {
                real = Double(input.scale * fs) / Double(output.scale)
            }
            return QuantizedMultiplier(real)
        }
    }

    func biasData(_ op: FileOperator, _ i: Int, count: Int) throws(ModelError) -> [Int32] {
        guard let b = try input(op, i, optional: true) else { return Array(repeating: 0, count: count) }
        try constant(op, b, "bias")
        guard b.type == .int32 else { throw fail(op, "bias '\(b.name)' is \(b.type); int32 expected") }
        guard b.elementCount == count else { throw fail(op, "bias '\(b.name)' has \(b.elementCount) values for \(count) channels") }
        return file.int32Data(b)
    }

    func fullyConnected(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), w = try required(op, 1), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, w, "weights"); try expectInt8(op, y, "output")
        try constant(op, w, "weights")
        guard w.shape.count == 2 else { throw fail(op, "weights '\(w.name)' must be 2-D, got shape \(w.shape)") }
        let units = w.shape[0], depth = w.shape[1]
        guard depth > 0, x.elementCount % depth == 0 else {
            throw fail(op, "input of \(x.elementCount) elements is not a multiple of the weights' depth \(depth)")
        }
        let batches = x.elementCount / depth
        guard y.elementCount == batches * units else {
            throw fail(op, "output '\(y.name)' has \(y.elementCount) elements, expected \(batches)×\(units)")
        }
        let opts = options(op)
        if let f = try opts?.u8(1), f != 0 { throw fail(op, "shuffled weights format \(f) is not supported") }
        let range = try activation(op, try opts?.u8(0) ?? 0, y)
        let mults = try channelMultipliers(op, input: x, filter: w, output: y, channels: units,
                                           doubleProduct: false)
        return FullyConnectedKernel(weights: file.int8Data(w), path: path, bias: try biasData(op, 2, count: units),
                                    inputZeroPoint: x.zeroPoint, multipliers: mults, units: units, depth: depth,
                                    batches: batches, input: try at(op, x), output: try at(op, y),
                                    outputZeroPoint: y.zeroPoint, actMin: range.0, actMax: range.1)
    }

    func window(_ op: FileOperator, x: FileTensor, y: FileTensor, kH: Int, kW: Int, outC: Int,
                padding: UInt8, strideW: Int, strideH: Int, dilW: Int, dilH: Int) throws(ModelError) -> Window {
        guard x.shape.count == 4, y.shape.count == 4 else {
            throw fail(op, "input and output must be 4-D NHWC, got \(x.shape) and \(y.shape)")
        }
        guard strideW > 0, strideH > 0, dilW > 0, dilH > 0, kH > 0, kW > 0 else {
            throw fail(op, "strides, dilations and filter sizes must be positive")
        }
        guard padding <= 1 else { throw fail(op, "unknown padding \(padding)") }
        let h = Window.padding(same: padding == 0, inSize: x.shape[1], filter: kH, stride: strideH, dilation: dilH)
        let w = Window.padding(same: padding == 0, inSize: x.shape[2], filter: kW, stride: strideW, dilation: dilW)
        guard y.shape[0] == x.shape[0], y.shape[1] == h.out, y.shape[2] == w.out, y.shape[3] == outC else {
            throw fail(op, "output shape \(y.shape) does not match [\(x.shape[0]), \(h.out), \(w.out), \(outC)] computed from the input \(x.shape)")
        }
        return Window(batches: x.shape[0], inH: x.shape[1], inW: x.shape[2], inC: x.shape[3],
                      outH: h.out, outW: w.out, outC: outC, kH: kH, kW: kW, strideH: strideH, strideW: strideW,
                      dilationH: dilH, dilationW: dilW, padTop: h.pad, padLeft: w.pad)
    }

    func conv(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), w = try required(op, 1), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, w, "filter"); try expectInt8(op, y, "output")
        try constant(op, w, "filter")
        guard w.shape.count == 4 else { throw fail(op, "filter must be 4-D OHWI, got \(w.shape)") }
        guard x.shape.count == 4, w.shape[3] == x.shape[3] else {
            throw fail(op, "filter \(w.shape) does not match the input channels of \(x.shape) (grouped convolution is not supported)")
        }
        let o = options(op)
        let g = try window(op, x: x, y: y, kH: w.shape[1], kW: w.shape[2], outC: w.shape[0],
                           padding: try o?.u8(0) ?? 0, strideW: Int(try o?.i32(1) ?? 1), strideH: Int(try o?.i32(2) ?? 1),
                           dilW: Int(try o?.i32(4, 1) ?? 1), dilH: Int(try o?.i32(5, 1) ?? 1))
        let range = try activation(op, try o?.u8(3) ?? 0, y)
        let mults = try channelMultipliers(op, input: x, filter: w, output: y, channels: g.outC, doubleProduct: true)
        return ConvKernel(g: g, weights: file.int8Data(w), path: path, bias: try biasData(op, 2, count: g.outC), multipliers: mults,
                          input: try at(op, x), output: try at(op, y), inputZeroPoint: x.zeroPoint,
                          outputZeroPoint: y.zeroPoint, actMin: range.0, actMax: range.1)
    }

    func depthwise(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), w = try required(op, 1), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, w, "filter"); try expectInt8(op, y, "output")
        try constant(op, w, "filter")
        guard w.shape.count == 4, w.shape[0] == 1, x.shape.count == 4 else {
            throw fail(op, "filter must be [1, H, W, C], got \(w.shape)")
        }
        let outC = w.shape[3], inC = x.shape[3]
        guard inC > 0, outC % inC == 0 else { throw fail(op, "output channels \(outC) are not a multiple of input channels \(inC)") }
        let o = options(op)
        let g = try window(op, x: x, y: y, kH: w.shape[1], kW: w.shape[2], outC: outC,
                           padding: try o?.u8(0) ?? 0, strideW: Int(try o?.i32(1) ?? 1), strideH: Int(try o?.i32(2) ?? 1),
                           dilW: Int(try o?.i32(5, 1) ?? 1), dilH: Int(try o?.i32(6, 1) ?? 1))
        let range = try activation(op, try o?.u8(4) ?? 0, y)
        let mults = try channelMultipliers(op, input: x, filter: w, output: y, channels: outC, doubleProduct: true)
        return DepthwiseKernel(g: g, depthMultiplier: outC / inC, weights: file.int8Data(w),
                               bias: try biasData(op, 2, count: outC), multipliers: mults,
                               input: try at(op, x), output: try at(op, y), inputZeroPoint: x.zeroPoint,
                               outputZeroPoint: y.zeroPoint, actMin: range.0, actMax: range.1)
    }

    func pool(_ op: FileOperator, isMax: Bool) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, y, "output")
        guard x.scale == y.scale, x.zeroPoint == y.zeroPoint else {
            throw fail(op, "input and output quantization differ (scale \(x.scale)/\(y.scale), zero point \(x.zeroPoint)/\(y.zeroPoint))")
        }
        guard let o = options(op) else { throw fail(op, "pool options are missing") }
        let g = try window(op, x: x, y: y, kH: Int(try o.i32(4)), kW: Int(try o.i32(3)), outC: x.shape.count == 4 ? x.shape[3] : 0,
                           padding: try o.u8(0), strideW: Int(try o.i32(1)), strideH: Int(try o.i32(2)), dilW: 1, dilH: 1)
        let range = try activation(op, try o.u8(5), y)
        return PoolKernel(g: g, isMax: isMax, input: try at(op, x), output: try at(op, y), actMin: range.0, actMax: range.1)
    }

    func mean(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), a = try required(op, 1), y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, y, "output")
        try constant(op, a, "axis")
        let rank = x.shape.count
        var axes: [Int] = []
        for v in file.intData(a) {
            let ax = v < 0 ? v + rank : v
            guard ax >= 0, ax < rank else { throw fail(op, "axis \(v) is out of range for rank \(rank)") }
            if !axes.contains(ax) { axes.append(ax) }
        }
        let keepDims = try options(op)?.bool(0) ?? false
        // Output index of every input element (row-major), with reduced axes collapsed.
        var outDims: [Int] = []
        for (i, d) in x.shape.enumerated() where !axes.contains(i) { outDims.append(d) }
        let outCount = outDims.reduce(1, *)
        guard y.elementCount == outCount else { throw fail(op, "output has \(y.elementCount) elements, expected \(outCount)") }
        var map = [Int32](repeating: 0, count: x.elementCount)
        var idx = [Int](repeating: 0, count: rank)
        for i in 0..<x.elementCount {
            var o = 0
            for d in 0..<rank where !axes.contains(d) { o = o * x.shape[d] + idx[d] }
            map[i] = Int32(o)
            var d = rank - 1
            while d >= 0 { idx[d] += 1; if idx[d] < x.shape[d] { break }; idx[d] = 0; d -= 1 }
        }
        let reduced = axes.reduce(1) { $0 * x.shape[$1] }
        guard reduced > 0 else { throw fail(op, "reduces over an empty axis") }
        // The original (unnormalized) axis list decides the special 4-D path, as in the reference.
        let raw = file.intData(a)
        let mode: MeanKernel.Mode
        if keepDims && rank == 4 && raw.count == 2 && Set(raw) == [1, 2] {
            mode = .rescale(QuantizedMultiplier(Double(x.scale) / Double(y.scale)).dividedBy(reduced))
        } else if x.zeroPoint == y.zeroPoint && x.scale == y.scale {
            mode = .sameParams
        } else {
            mode = .rescale(QuantizedMultiplier(Double(x.scale) / Double(y.scale)).dividedBy(reduced))
        }
        return MeanKernel(mode: mode, outIndex: map, outCount: outCount, reduced: reduced, input: try at(op, x),
                          output: try at(op, y), inputZeroPoint: x.zeroPoint, outputZeroPoint: y.zeroPoint)
    }

    func reshape(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        guard x.type == y.type, let es = x.type.byteSize else { throw fail(op, "input \(x.type) and output \(y.type) types differ") }
        guard x.elementCount == y.elementCount else {
            throw fail(op, "input \(x.shape) and output \(y.shape) hold different element counts")
        }
        if x.type == .int8 && (x.scale != y.scale || x.zeroPoint != y.zeroPoint) {
            throw fail(op, "input and output quantization differ")
        }
        if x.isConstant, let data = x.data {
            return ConstantKernel(data: Array(file.buffer.bytes[data]), dst: try at(op, y))
        }
        return CopyKernel(src: try at(op, x), dst: try at(op, y), bytes: x.elementCount * es)
    }

    func quantize(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        try expectInt8(op, y, "output")
        guard x.elementCount == y.elementCount else { throw fail(op, "input and output sizes differ") }
        switch x.type {
        case .float32:
            return QuantizeKernel(src: try at(op, x), dst: try at(op, y), count: x.elementCount, scale: y.scale, zeroPoint: y.zeroPoint)
        case .int8:
            try expectInt8(op, x, "input")
            let m = QuantizedMultiplier(Double(x.scale) / Double(y.scale))
            let zin = x.zeroPoint, zout = y.zeroPoint
            let table = LookupKernel.table { v in m.apply(v - zin) + zout }
            return LookupKernel(table: table, src: try at(op, x), dst: try at(op, y), count: x.elementCount)
        default:
            throw fail(op, "quantizing from \(x.type) is not supported (float32 or int8 input)")
        }
    }

    func dequantize(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), y = try output(op)
        try expectInt8(op, x, "input")
        guard y.type == .float32 else { throw fail(op, "output is \(y.type); float32 expected") }
        guard x.elementCount == y.elementCount else { throw fail(op, "input and output sizes differ") }
        return DequantizeKernel(src: try at(op, x), dst: try at(op, y), count: x.elementCount, scale: x.scale, zeroPoint: x.zeroPoint)
    }
}
