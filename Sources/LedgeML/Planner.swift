// The load-time planner: tensor lifetimes → one arena (greedy first fit), then one kernel per operator
// with all parameters (packed weights, folded zero points, multipliers) computed up front.

/// The result of planning: kernels in execution order and where every activation tensor lives.
struct Plan {
    var kernels: [any Kernel]
    var offsets: [Int?]
    var arenaBytes: Int
    var opNames: [String]
}

struct Planner {
    let file: ModelFile
    /// The kernel path weights are packed for.
    let path: Int32
    var offsets: [Int?]
    var arenaBytes = 0

    static func plan(_ file: ModelFile, path: Int32, separate: Bool = false) throws(ModelError) -> Plan {
        var p = Planner(file: file, path: path, offsets: Array(repeating: nil, count: file.tensors.count))
        try p.allocate(separate: separate)
        var kernels: [any Kernel] = []
        for op in file.operators {
            kernels.append(contentsOf: try p.build(op))
        }
        return Plan(kernels: kernels, offsets: p.offsets, arenaBytes: p.arenaBytes, opNames: file.operators.map(\.name))
    }

    /// Lifetimes of activation tensors, then greedy placement (largest first, lowest free offset).
    mutating func allocate(separate: Bool) throws(ModelError) {
        let ops = file.operators
        var first = Array(repeating: Int.max, count: file.tensors.count)
        var last = Array(repeating: -1, count: file.tensors.count)
        for t in file.inputs { first[t] = -1; last[t] = max(last[t], -1) }
        for (i, op) in ops.enumerated() {
            for t in op.inputs where t >= 0 && !file.tensors[t].isConstant {
                if first[t] == Int.max {
                    throw ModelError(offset: op.fileOffset, "operator \(i) (\(op.name)) reads tensor \(t) '\(file.tensors[t].name)' before anything writes it")
                }
                last[t] = max(last[t], i)
            }
            for t in op.outputs {
                if file.tensors[t].isConstant {
                    throw ModelError(offset: op.fileOffset, "operator \(i) (\(op.name)) writes constant tensor \(t) '\(file.tensors[t].name)'")
                }
                if first[t] == Int.max { first[t] = i }
                last[t] = max(last[t], i)
            }
        }
        for t in file.outputs {
            if first[t] == Int.max { throw ModelError("graph output tensor \(t) '\(file.tensors[t].name)' is never written") }
            last[t] = ops.count
        }
        struct Item { let t: Int; let size: Int; let first: Int; let last: Int }
        var items: [Item] = []
        for t in file.tensors where first[t.index] != Int.max {
            guard let es = t.type.byteSize else {
                throw ModelError(offset: t.fileOffset, "tensor \(t.index) '\(t.name)' has unsupported type \(t.type)")
            }
            items.append(Item(t: t.index, size: (t.elementCount * es + 63) & ~63, first: first[t.index], last: last[t.index]))
        }
        items.sort { $0.size != $1.size ? $0.size > $1.size : $0.t < $1.t }
        var placed: [(offset: Int, item: Item)] = []
        for it in items {
            let conflicts = placed.filter { separate || ($0.item.first <= it.last && it.first <= $0.item.last) }
                .sorted { $0.offset < $1.offset }
            var offset = 0
            for c in conflicts {
                if offset + it.size <= c.offset { break }
                offset = max(offset, c.offset + c.item.size)
            }
            placed.append((offset, it))
            offsets[it.t] = offset
            arenaBytes = max(arenaBytes, offset + it.size)
        }
        arenaBytes = max(arenaBytes, 64)
        guard arenaBytes <= ModelFile.maxArenaBytes else {
            throw ModelError("the activations need an arena of \(arenaBytes) bytes, more than the \(ModelFile.maxArenaBytes)-byte limit")
        }
    }

    // MARK: helpers for building kernels

    func fail(_ op: FileOperator, _ message: String) -> ModelError {
        ModelError(offset: op.fileOffset, "operator \(op.index) (\(op.name)): \(message)")
    }

    func input(_ op: FileOperator, _ i: Int, optional: Bool = false) throws(ModelError) -> FileTensor? {
        guard i < op.inputs.count, op.inputs[i] >= 0 else {
            if optional { return nil }
            throw fail(op, "input \(i) is missing")
        }
        return file.tensors[op.inputs[i]]
    }

    func required(_ op: FileOperator, _ i: Int) throws(ModelError) -> FileTensor {
        guard let t = try input(op, i) else { throw fail(op, "input \(i) is missing") }
        return t
    }

    func output(_ op: FileOperator, _ i: Int = 0) throws(ModelError) -> FileTensor {
        guard i < op.outputs.count else { throw fail(op, "output \(i) is missing") }
        return file.tensors[op.outputs[i]]
    }

    /// Arena offset of an activation tensor (constants have none).
    func at(_ op: FileOperator, _ t: FileTensor) throws(ModelError) -> Int {
        guard let o = offsets[t.index] else { throw fail(op, "tensor '\(t.name)' is constant where an activation is expected") }
        return o
    }

    func expectInt8(_ op: FileOperator, _ t: FileTensor, _ role: String, quantized: Bool = true) throws(ModelError) {
        guard t.type == .int8 else {
            throw fail(op, "\(role) '\(t.name)' is \(t.type); only int8 is supported for this operator")
        }
        if quantized && (t.scales.isEmpty || !(t.scale > 0) || !t.scale.isFinite) {
            throw fail(op, "\(role) '\(t.name)' has no valid quantization scale")
        }
        if quantized && !(-128...127).contains(t.zeroPoint) {
            throw fail(op, "\(role) '\(t.name)' has zero point \(t.zeroPoint) outside int8")
        }
    }

    func constant(_ op: FileOperator, _ t: FileTensor, _ role: String) throws(ModelError) {
        guard t.isConstant else { throw fail(op, "\(role) '\(t.name)' must be a constant tensor") }
    }

    func activation(_ op: FileOperator, _ raw: UInt8, _ out: FileTensor) throws(ModelError) -> (Int32, Int32) {
        guard let act = FusedActivation(rawValue: raw) else { throw fail(op, "unknown fused activation \(raw)") }
        return try activationRange(act, scale: out.scale, zeroPoint: out.zeroPoint, opName: "operator \(op.index) (\(op.name))")
    }

    func options(_ op: FileOperator) -> FBTable? { op.options }
}
