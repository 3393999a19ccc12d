// CONCATENATION and STRIDED_SLICE: pure data movement, planned at load time as an index map
// (output element → input byte) so the run is one gather loop.

/// out[i] = source[index[i]] over one or more inputs laid out by `sources`.
final class GatherKernel: Kernel {
    let sources: [ElementwiseKernel.Operand]
    let which: Owned<UInt16>, index: Owned<Int32>
    let output: Int, count: Int

    init(sources: [ElementwiseKernel.Operand], which: [UInt16], index: [Int32], output: Int) {
        self.sources = sources; self.which = Owned(which); self.index = Owned(index)
        self.output = output; self.count = index.count
    }

    var macs: Int { 0 }

    func run(_ arena: UnsafeMutableRawPointer) {
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        if sources.count == 1 {
            let s = sources[0].pointer(arena)
            for i in 0..<count { y[i] = s[Int(index.pointer[i])] }
            return
        }
        // Few inputs: resolve their pointers once (no allocation: at most 8 handled on the stack path).
        for i in 0..<count {
            y[i] = sources[Int(which.pointer[i])].pointer(arena)[Int(index.pointer[i])]
        }
    }
}

extension Planner {
    func concatenation(_ op: FileOperator) throws(ModelError) -> [any Kernel] {
        let y = try output(op)
        try expectInt8(op, y, "output")
        let rank = y.shape.count
        let rawAxis = Int(try options(op)?.i32(0) ?? 0)
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank else { throw fail(op, "axis \(rawAxis) is out of range for rank \(rank)") }
        if let act = try options(op)?.u8(1), act != 0 { throw fail(op, "fused activation on CONCATENATION is not supported") }
        var sources: [ElementwiseKernel.Operand] = []
        var which: [UInt16] = [], index: [Int32] = []
        var inputs: [FileTensor] = []
        for i in 0..<op.inputs.count {
            let t = try required(op, i)
            try expectInt8(op, t, "input \(i)")
            guard t.scale == y.scale, t.zeroPoint == y.zeroPoint else {
                throw fail(op, "input \(i) quantization (\(t.scale), \(t.zeroPoint)) differs from the output's (\(y.scale), \(y.zeroPoint))")
            }
            guard t.shape.count == rank else { throw fail(op, "input \(i) has rank \(t.shape.count), output \(rank)") }
            for d in 0..<rank where d != axis && t.shape[d] != y.shape[d] {
                throw fail(op, "input \(i) shape \(t.shape) does not match the output \(y.shape) off the axis")
            }
            inputs.append(t)
            sources.append(t.isConstant ? .constant(Owned(file.int8Data(t))) : .arena(try at(op, t)))
        }
        guard inputs.reduce(0, { $0 + $1.shape[axis] }) == y.shape[axis] else {
            throw fail(op, "input sizes along axis \(axis) do not add up to the output's \(y.shape[axis])")
        }
        let outer = y.shape[..<axis].reduce(1, *), inner = y.shape[(axis + 1)...].reduce(1, *)
        for o in 0..<outer {
            for (k, t) in inputs.enumerated() {
                let chunk = t.shape[axis] * inner
                for j in 0..<chunk {
                    which.append(UInt16(k)); index.append(Int32(o * chunk + j))
                }
            }
        }
        return [GatherKernel(sources: sources, which: which, index: index, output: try at(op, y))]
    }

    func stridedSlice(_ op: FileOperator) throws(ModelError) -> any Kernel {
        let x = try required(op, 0), b = try required(op, 1), e = try required(op, 2), s = try required(op, 3)
        let y = try output(op)
        try expectInt8(op, x, "input"); try expectInt8(op, y, "output")
        guard x.scale == y.scale, x.zeroPoint == y.zeroPoint else { throw fail(op, "input and output quantization differ") }
        for t in [b, e, s] { try constant(op, t, "begin/end/strides") }
        let begin = file.intData(b), end = file.intData(e), strides = file.intData(s)
        let rank = x.shape.count
        guard begin.count == end.count, end.count == strides.count, begin.count <= rank else {
            throw fail(op, "begin/end/strides lengths \(begin.count)/\(end.count)/\(strides.count) do not fit rank \(rank)")
        }
        let o = options(op)
        let beginMask = Int(try o?.i32(0) ?? 0), endMask = Int(try o?.i32(1) ?? 0)
        let ellipsis = Int(try o?.i32(2) ?? 0), newAxis = Int(try o?.i32(3) ?? 0), shrink = Int(try o?.i32(4) ?? 0)
        let offsetMode = try o?.bool(5) ?? false
        guard ellipsis == 0, newAxis == 0 else { throw fail(op, "ellipsis and new-axis masks are not supported") }
        // Per axis start, stop, step as the reference StridedSlice computes them.
        var starts: [Int] = [], counts: [Int] = [], steps: [Int] = []
        for d in 0..<rank {
            let dim = x.shape[d]
            guard d < begin.count else { starts.append(0); counts.append(dim); steps.append(1); continue }
            let step = strides[d]
            guard step != 0 else { throw fail(op, "stride 0 on axis \(d)") }
            func clampIndex(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), hi) }
            var start: Int, stop: Int
            if shrink & (1 << d) != 0 {
                var s0 = begin[d]
                if s0 < 0 { s0 += dim }
                guard s0 >= 0, s0 < dim else { throw fail(op, "shrink index \(begin[d]) out of range on axis \(d)") }
                start = s0; stop = s0 + 1
                starts.append(start); counts.append(1); steps.append(1)
                continue
            }
            if beginMask & (1 << d) != 0 {
                start = step > 0 ? 0 : dim - 1
            } else {
                start = begin[d] < 0 ? begin[d] + dim : begin[d]
                start = step > 0 ? clampIndex(start, 0, dim) : clampIndex(start, -1, dim - 1)
            }
            if endMask & (1 << d) != 0 {
                stop = step > 0 ? dim : -1
            } else {
                var e0 = end[d]
                if offsetMode { e0 = begin[d] + end[d] }
                stop = e0 < 0 ? e0 + dim : e0
                stop = step > 0 ? clampIndex(stop, 0, dim) : clampIndex(stop, -1, dim - 1)
            }
            let n = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop + (-step) - 1) / (-step))
            starts.append(start); counts.append(n); steps.append(step)
        }
        let total = counts.reduce(1, *)
        guard total == y.elementCount else {
            throw fail(op, "slice has \(total) elements, the output \(y.shape) holds \(y.elementCount)")
        }
        var inStrides = Array(repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * x.shape[d + 1] }
        var index: [Int32] = []
        index.reserveCapacity(total)
        var idx = Array(repeating: 0, count: rank)
        if total > 0 {
            for _ in 0..<total {
                var off = 0
                for d in 0..<rank { off += (starts[d] + idx[d] * steps[d]) * inStrides[d] }
                index.append(Int32(off))
                var d = rank - 1
                while d >= 0 { idx[d] += 1; if idx[d] < counts[d] { break }; idx[d] = 0; d -= 1 }
            }
        }
        let src: ElementwiseKernel.Operand = x.isConstant ? .constant(Owned(file.int8Data(x))) : .arena(try at(op, x))
        return GatherKernel(sources: [src], which: [], index: index, output: try at(op, y))
    }
}
