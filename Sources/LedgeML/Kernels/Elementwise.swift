// ADD, SUB, MUL on int8 with NumPy broadcasting, as TFLite's reference integer kernels: ADD/SUB rescale
// both inputs to a common scale with a 20-bit left shift, MUL requantizes the product.

final class ElementwiseKernel: Kernel {
    enum Op { case add, sub, mul }
    let op: Op
    let a: Operand, b: Operand
    let output: Int, count: Int
    /// Element index of each operand per output element; nil when the operand has the output's shape.
    let indexA: Owned<Int32>?, indexB: Owned<Int32>?
    let offA: Int32, offB: Int32, zout: Int32
    let mA: QuantizedMultiplier, mB: QuantizedMultiplier, mOut: QuantizedMultiplier
    let leftShift: Int32
    let actMin: Int32, actMax: Int32

    /// An operand: an arena tensor or a constant owned by the kernel.
    enum Operand {
        case arena(Int)
        case constant(Owned<Int8>)
        func pointer(_ arena: UnsafeMutableRawPointer) -> UnsafePointer<Int8> {
            switch self {
            case .arena(let o): return UnsafePointer((arena + o).assumingMemoryBound(to: Int8.self))
            case .constant(let c): return UnsafePointer(c.pointer)
            }
        }
    }

    init(op: Op, a: Operand, b: Operand, output: Int, count: Int, indexA: [Int32]?, indexB: [Int32]?,
         offA: Int32, offB: Int32, zout: Int32, mA: QuantizedMultiplier, mB: QuantizedMultiplier,
         mOut: QuantizedMultiplier, leftShift: Int32, actMin: Int32, actMax: Int32) {
        self.op = op; self.a = a; self.b = b; self.output = output; self.count = count
        self.indexA = indexA.map { Owned($0) }; self.indexB = indexB.map { Owned($0) }
        self.offA = offA; self.offB = offB; self.zout = zout
        self.mA = mA; self.mB = mB; self.mOut = mOut; self.leftShift = leftShift
        self.actMin = actMin; self.actMax = actMax
    }

    var macs: Int { count }

    func run(_ arena: UnsafeMutableRawPointer) {
        let pa = a.pointer(arena), pb = b.pointer(arena)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let ia = indexA?.pointer, ib = indexB?.pointer
        for i in 0..<count {
            let va = Int32(pa[ia.map { Int($0[i]) } ?? i]) &+ offA
            let vb = Int32(pb[ib.map { Int($0[i]) } ?? i]) &+ offB
            var r: Int32
            switch op {
            case .mul:
                r = zout &+ mOut.apply(va &* vb)
            case .add, .sub:
                let sa = mA.apply(va &* (1 &<< leftShift))
                let sb = mB.apply(vb &* (1 &<< leftShift))
                r = mOut.apply(op == .add ? sa &+ sb : sa &- sb) &+ zout
            }
            y[i] = Int8(truncatingIfNeeded: min(max(r, actMin), actMax))
        }
    }
}

extension Planner {
    /// For each output element, the flat index into an operand of shape `s` broadcast to `out`; nil if equal.
    static func broadcastIndex(_ s: [Int], to out: [Int]) -> [Int32]? {
        if s == out { return nil }
        let rank = out.count
        let padded = Array(repeating: 1, count: rank - s.count) + s
        var strides = Array(repeating: 0, count: rank)
        var st = 1
        for d in stride(from: rank - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 ? 0 : st
            st *= padded[d]
        }
        let total = out.reduce(1, *)
        var result = [Int32](repeating: 0, count: total)
        var idx = Array(repeating: 0, count: rank)
        for i in 0..<total {
            var o = 0
            for d in 0..<rank { o += idx[d] * strides[d] }
            result[i] = Int32(o)
            var d = rank - 1
            while d >= 0 { idx[d] += 1; if idx[d] < out[d] { break }; idx[d] = 0; d -= 1 }
        }
        return result
    }

    func elementwise(_ op: FileOperator, _ code: BuiltinOp) throws(ModelError) -> [any Kernel] {
        let x1 = try required(op, 0), x2 = try required(op, 1), y = try output(op)
        try expectInt8(op, x1, "input 1"); try expectInt8(op, x2, "input 2"); try expectInt8(op, y, "output")
        // Shapes must broadcast to the output.
        let rank = y.shape.count
        for s in [x1.shape, x2.shape] {
            guard s.count <= rank else { throw fail(op, "input shape \(s) has more dimensions than the output \(y.shape)") }
            let padded = Array(repeating: 1, count: rank - s.count) + s
            for d in 0..<rank where !(padded[d] == y.shape[d] || padded[d] == 1) {
                throw fail(op, "input shape \(s) does not broadcast to the output \(y.shape)")
            }
        }
        func operand(_ t: FileTensor) throws(ModelError) -> ElementwiseKernel.Operand {
            t.isConstant ? .constant(Owned(file.int8Data(t))) : .arena(try at(op, t))
        }
        let range = try activation(op, try options(op)?.u8(0) ?? 0, y)
        let kind: ElementwiseKernel.Op
        var mA = QuantizedMultiplier(multiplier: 0, shift: 0), mB = mA, mOut = mA
        let leftShift: Int32 = 20
        switch code {
        case .mul:
            kind = .mul
            mOut = QuantizedMultiplier(Double(x1.scale * x2.scale / y.scale))
        default:
            kind = code == .add ? .add : .sub
            let twiceMax = Double(2 * max(x1.scale, x2.scale))
            mA = QuantizedMultiplier(Double(x1.scale) / twiceMax)
            mB = QuantizedMultiplier(Double(x2.scale) / twiceMax)
            mOut = QuantizedMultiplier(twiceMax / Double(Float(1 << leftShift) * y.scale))
        }
        return [ElementwiseKernel(op: kind, a: try operand(x1), b: try operand(x2), output: try at(op, y),
                                  count: y.elementCount,
                                  indexA: Planner.broadcastIndex(x1.shape, to: y.shape),
                                  indexB: Planner.broadcastIndex(x2.shape, to: y.shape),
                                  offA: -x1.zeroPoint, offB: -x2.zeroPoint, zout: y.zeroPoint,
                                  mA: mA, mB: mB, mOut: mOut, leftShift: leftShift, actMin: range.0, actMax: range.1)]
    }
}
