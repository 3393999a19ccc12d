// Validates one function body and translates it into slot-addressed internal code in the same pass.
// Operand stack entry h lives in slot (localCount + h); branch targets and value moves are resolved here.

struct ValidationContext {
    var types: [FunctionType]
    var functionTypes: [UInt32]          // all functions, imports first
    var importedFunctionCount: Int
    var tables: [TableType]
    var memoryCount: Int
    var globals: [GlobalType]
    var elementTypes: [ValueType]
    var dataCount: UInt32?
    var dataSegments: Int
    var declaredRefs: Set<UInt32>
}

struct FunctionCompiler {
    enum FrameKind { case block, loop, ifThen, elseBranch, function }
    struct Frame {
        var kind: FrameKind
        var params: [ValueType]
        var results: [ValueType]
        var height: Int
        var unreachable = false      // stack-polymorphic (after br, return, unreachable)
        var dead = false             // began in unreachable code: emit nothing
        var loopPC = 0
        var pending: [Int] = []      // instruction indices whose `b` must point at the end
        var elseJump: Int? = nil     // the `brIfNot` of an `if`
        var backEdges: [Int] = []    // loop: branches back to its start, charged the body's fuel when taken
        var startCount = 0           // loop: the instruction counter at its start
        var labelTypes: [ValueType] { kind == .loop ? params : results }
    }

    let ctx: ValidationContext
    var r: ByteReader
    let localTypes: [ValueType]
    let localCount: Int
    let resultTypes: [ValueType]
    var code: [Instruction]
    var vals: [ValueType?] = []
    /// Where each operand's value lives: its own stack slot, or a local (folded `local.get`).
    var srcs: [Int32] = []
    /// Index of the instruction that produced each operand into its own slot (-1 if none).
    var producers: [Int] = []
    /// Slot of the most recently popped operand.
    var popped: Int32 = 0
    var poppedProducer = -1
    var frames: [Frame] = []
    var maxHeight = 0
    /// Highest code position that is a branch target bound so far: no peephole may merge an instruction
    /// at or after it with the one before it.
    var barrier = 0
    var fuelIndex = 0
    /// Instructions outside every loop: charged once by the function-entry `fuel`.
    var fuelCount = 0
    /// All instructions so far; a loop's cost per iteration is the count of its body.
    var instructionCount = 0
    var loopDepth = 0
    var usesDataCount = false

    init(ctx: ValidationContext, bytes: [UInt8], body: CodeBody, type: FunctionType, codeBase: [Instruction]) {
        self.ctx = ctx
        self.r = ByteReader(bytes, start: body.start, end: body.end, section: "code")
        self.localTypes = type.params + body.locals
        self.localCount = localTypes.count
        self.resultTypes = type.results
        self.code = codeBase
    }

    func invalid(_ message: String, at offset: Int? = nil) -> WasmError {
        WasmError(kind: .invalid, section: "code", offset: offset ?? r.pos, message: message)
    }

    // MARK: operand stack

    var reachable: Bool { let f = frames[frames.count - 1]; return !f.unreachable && !f.dead }
    var top: Int32 { Int32(localCount + vals.count) }        // slot of the next push
    func slot(_ height: Int) -> Int32 { Int32(localCount + height) }

    mutating func push(_ t: ValueType?) {
        vals.append(t)
        srcs.append(slot(vals.count - 1))
        producers.append(-1)
        if vals.count > maxHeight { maxHeight = vals.count }
    }

    /// Pushes an operand that is read from local `index` until materialized.
    mutating func pushLocal(_ t: ValueType?, _ index: Int) {
        vals.append(t)
        srcs.append(Int32(index))
        producers.append(-1)
        if vals.count > maxHeight { maxHeight = vals.count }
    }

    /// Emits `inst` (whose `a` is the destination: the next stack slot) and pushes its result.
    mutating func emitResult(_ inst: Instruction, _ t: ValueType?) {
        let reach = reachable
        emit(inst)
        push(t)
        if reach { producers[producers.count - 1] = code.count - 1 }
    }

    /// Copies operands [from, count) that live elsewhere into their own slots.
    mutating func materialize(from: Int) {
        var k = from
        while k < vals.count {
            if srcs[k] != slot(k) {
                emitCopy(slot(k), srcs[k])
                srcs[k] = slot(k)
            }
            producers[k] = -1
            k += 1
        }
    }

    mutating func materializeAll() { materialize(from: 0) }
    mutating func materializeTop(_ n: Int) { materialize(from: max(0, vals.count - n)) }

    /// Before local `index` changes: operands still reading it get their own copy.
    mutating func materializeLocal(_ index: Int) {
        for k in 0..<vals.count where srcs[k] == Int32(index) {
            emitCopy(slot(k), srcs[k])
            srcs[k] = slot(k)
            producers[k] = -1
        }
    }

    mutating func pop() throws(WasmError) -> ValueType? {
        let f = frames[frames.count - 1]
        if vals.count == f.height {
            if f.unreachable { return nil }
            throw invalid("type mismatch (operand stack underflow)")
        }
        popped = srcs.removeLast()
        poppedProducer = producers.removeLast()
        return vals.removeLast()
    }

    @discardableResult
    mutating func pop(_ expected: ValueType) throws(WasmError) -> Int32 {
        let t = try pop()
        if let t, t != expected { throw invalid("type mismatch (expected \(expected), found \(t))") }
        return popped
    }

    mutating func pop(_ types: [ValueType]) throws(WasmError) {
        for t in types.reversed() { try pop(t) }
    }

    mutating func setUnreachable() {
        let h = frames[frames.count - 1].height
        vals.removeSubrange(h...)
        srcs.removeSubrange(h...)
        producers.removeSubrange(h...)
        frames[frames.count - 1].unreachable = true
    }

    mutating func emit(_ i: Instruction) {
        if reachable { code.append(i) }
    }

    /// Whether the last emitted instruction may be replaced or merged with the next one.
    var canFuseWithLast: Bool { reachable && code.count > barrier }

    /// Emits `dst ← src`, merged with a directly preceding copy into one `copy2` when no label lies between.
    mutating func emitCopy(_ dst: Int32, _ src: Int32) {
        guard reachable else { return }
        if canFuseWithLast, let last = code.last, last.op == .copy {
            code[code.count - 1] = Instruction(.copy2, a: last.a, b: last.b, c: dst, imm: UInt64(UInt32(bitPattern: src)))
            return
        }
        code.append(Instruction(.copy, a: dst, b: src))
    }

    /// Marks the current position as a branch target.
    mutating func bindLabel() { barrier = code.count }

    // MARK: branches

    func label(_ depth: UInt32) throws(WasmError) -> Int {
        guard Int(depth) < frames.count else { throw invalid("unknown label \(depth)") }
        return frames.count - 1 - Int(depth)
    }

    /// Emits moves of the label's values (on top of the stack) into the label's result slots.
    mutating func emitMoves(to frameIndex: Int) {
        let f = frames[frameIndex]
        let n = f.labelTypes.count
        let src = vals.count - n
        let dst = f.kind == .function ? -localCount : f.height
        if src == dst { return }
        for k in 0..<n { emitCopy(slot(dst + k), slot(src + k)) }
    }

    /// Emits a jump (moves already done) to the label and records a patch if it is forward.
    mutating func emitJump(_ op: Op, a: Int32 = 0, to frameIndex: Int) {
        emitJump(Instruction(op, a: a), to: frameIndex)
    }

    /// Emits branch `inst` (its `b` becomes the target) to the label. A conditional branch to the
    /// function label becomes a skip over a `ret`.
    mutating func emitJump(_ inst: Instruction, to frameIndex: Int) {
        var i = inst
        if frames[frameIndex].kind == .function {
            // Only reached for unconditional branches: conditional ones to the function label need moves.
            code.append(Instruction(.ret))
            return
        }
        if frames[frameIndex].kind == .loop {
            i.b = Int32(frames[frameIndex].loopPC)
            frames[frameIndex].backEdges.append(code.count)
        } else {
            frames[frameIndex].pending.append(code.count)
            i.b = -1
        }
        code.append(i)
    }

    /// If the condition just popped (slot `cond`) was computed by the last emitted instruction, an i32
    /// comparison, removes it and returns the compare-and-branch that jumps when it holds (or fails).
    mutating func takeFusedCondition(_ cond: Int32, producer: Int, negate: Bool) -> Instruction? {
        guard canFuseWithLast, producer >= 0, producer == code.count - 1, code[producer].a == cond else { return nil }
        let c = code[producer]
        guard let op = OpFolding.branch(c.op, negate: negate) else { return nil }
        code.removeLast()
        if c.op == .i32Eqz { return Instruction(op, a: c.b) }
        return Instruction(op, a: c.b, c: c.c, imm: c.imm)
    }

    func needsMoves(_ frameIndex: Int) -> Bool {
        let f = frames[frameIndex]
        if f.kind == .function { return true }
        let n = f.labelTypes.count
        return n > 0 && vals.count - n != f.height
    }

    mutating func checkLabelValues(_ frameIndex: Int, pushLabelTypes: Bool = false) throws(WasmError) {
        // The label's types must be on top of the stack (popped and pushed back).
        let types = frames[frameIndex].labelTypes
        var saved: [ValueType?] = []
        for t in types.reversed() {
            let v = try pop()
            if let v, v != t { throw invalid("type mismatch (branch value \(v), label expects \(t))") }
            saved.append(v)
        }
        if pushLabelTypes { for t in types { push(t) } } else { for v in saved.reversed() { push(v) } }
    }

    // MARK: fuel

    /// At a loop's end: its back edges charge the loop body's instruction count (kept in imm's high half).
    mutating func patchBackEdges(_ f: Frame) {
        let cost = UInt64(max(1, min(instructionCount - f.startCount, 1 << 30)))
        for k in f.backEdges { code[k].imm = (code[k].imm & 0xFFFF_FFFF) | (cost << 32) }
    }

    mutating func finishFuelRegion() {
        if fuelIndex < code.count && code[fuelIndex].op == .fuel { code[fuelIndex].imm = UInt64(max(1, fuelCount)) }
    }

    // MARK: body

    static func blockType(_ r: inout ByteReader, _ ctx: ValidationContext) throws(WasmError) -> ([ValueType], [ValueType]) {
        let at = r.pos
        let v = try r.s33()
        switch v {
        case -64: return ([], [])
        case -1: return ([], [.i32])
        case -2: return ([], [.i64])
        case -3: return ([], [.f32])
        case -4: return ([], [.f64])
        case -5: throw WasmError(kind: .malformed, section: "code", offset: at, message: "SIMD not supported (v128 block type)")
        case -16: return ([], [.funcRef])
        case -17: return ([], [.externRef])
        case 0...:
            guard v < ctx.types.count else { throw WasmError(kind: .invalid, section: "code", offset: at, message: "unknown type \(v)") }
            let t = ctx.types[Int(v)]
            return (t.params, t.results)
        default:
            throw WasmError(kind: .malformed, section: "code", offset: at, message: "malformed block type")
        }
    }

    mutating func readMemarg(naturalLog2: UInt32) throws(WasmError) -> UInt64 {
        let at = r.pos
        let align = try r.u32()
        let offset = try r.u32()
        guard ctx.memoryCount > 0 else { throw invalid("unknown memory 0", at: at) }
        guard align <= naturalLog2 else { throw invalid("alignment must not be larger than natural", at: at) }
        return UInt64(offset)
    }

    mutating func checkType(_ t: ValueType) throws(WasmError) {
        if t == .v128 { throw WasmError(kind: .malformed, section: "code", offset: r.pos, message: "SIMD not supported (v128 value)") }
    }

    mutating func compile() throws(WasmError) -> (code: [Instruction], slots: Int, usesDataCount: Bool) {
        for t in localTypes { try checkType(t) }
        frames.append(Frame(kind: .function, params: [], results: resultTypes, height: 0))
        bindLabel()
        fuelIndex = code.count
        code.append(Instruction(.fuel, imm: 1))
        while true {
            let at = r.pos
            if r.atEnd { throw r.malformed("unexpected end of section or function") }
            let op = try r.byte()
            instructionCount += 1
            if loopDepth == 0 { fuelCount += 1 }
            if op == 0x0B && frames.count == 1 {
                // End of the function.
                materializeAll()
                try pop(resultTypes)
                guard vals.isEmpty else { throw invalid("type mismatch (values remain at end of function)", at: at) }
                if reachable {
                    // Results are at the bottom of the operand stack: move them to the frame base.
                    for k in 0..<resultTypes.count { emitCopy(Int32(k), slot(k)) }
                    code.append(Instruction(.ret))
                }
                finishFuelRegion()
                guard r.atEnd else { throw r.malformed("section size mismatch (data after function end)") }
                return (code, localCount + maxHeight, usesDataCount)
            }
            try instruction(op, at: at)
        }
    }

    /// local.set: retarget the producing instruction to write the local directly when safe.
    mutating func setLocal(_ i: Int) throws(WasmError) {
        let v = try pop(localTypes[i])
        let prod = poppedProducer
        guard reachable else { return }
        if srcs.contains(Int32(i)) { materializeLocal(i) }
        if prod >= 0 && prod == code.count - 1 && v == slot(vals.count) {
            code[prod].a = Int32(i)
            mergeIncrements(prod)
        } else if v != Int32(i) {
            emitCopy(Int32(i), v)
        }
    }

    /// Two consecutive in-place increments of locals (`x += k1; y += k2`, typical loop counters and
    /// pointers) become one `i32AddImm2` when no label lies between them.
    mutating func mergeIncrements(_ k: Int) {
        guard k > 0, barrier < k, k == code.count - 1 else { return }
        let cur = code[k], prev = code[k - 1]
        guard cur.op == .i32AddImm, cur.a == cur.b, prev.op == .i32AddImm, prev.a == prev.b, Int(prev.a) < localCount else { return }
        code[k - 1] = Instruction(.i32AddImm2, a: prev.a, c: cur.a, imm: UInt64(lo32(prev.imm)) | UInt64(lo32(cur.imm)) << 32)
        code.removeLast()
    }

    /// If operand slot `slot` was just filled by the last emitted instruction, a constant, removes that
    /// instruction and returns the constant (to fold it into the consumer).
    mutating func takeConstant(_ slot: Int32, producer: Int) -> UInt64? {
        guard canFuseWithLast, producer >= 0, producer == code.count - 1 else { return nil }
        let c = code[producer]
        guard c.op == .const_, c.a == slot else { return nil }
        code.removeLast()
        return c.imm
    }

    /// A memory address computed by the last instruction as `x + constant` becomes (x, constant) for the
    /// access to add itself (with the same 32-bit wrap-around); otherwise (address, 0).
    mutating func foldAddend(_ address: Int32, producer: Int) -> (Int32, Int32) {
        guard canFuseWithLast, producer >= 0, producer == code.count - 1 else { return (address, 0) }
        let c = code[producer]
        guard c.op == .i32AddImm, c.a == address else { return (address, 0) }
        code.removeLast()
        return (c.b, Int32(bitPattern: lo32(c.imm)))
    }

    /// A memory access whose address the last instruction computed as `x + y` or `x + (y << k)`: the
    /// indexed form of `op` with (x, y, k), when `op` has one.
    mutating func foldIndexed(_ op: Op, _ address: Int32, producer: Int) -> (Op, Int32, Int32, UInt64)? {
        let indexed: Op? = switch op {
        case .i32Load: .i32LoadIdx
        case .i64Load: .i64LoadIdx
        case .i32Load8U: .i32Load8UIdx
        case .i32Store: .i32StoreIdx
        case .i64Store: .i64StoreIdx
        case .i32Store8, .i64Store8: .i32Store8Idx
        default: nil
        }
        guard let indexed, canFuseWithLast, producer >= 0, producer == code.count - 1 else { return nil }
        let c = code[producer]
        guard c.a == address else { return nil }
        switch c.op {
        case .i32Add:
            code.removeLast()
            return (indexed, c.b, c.c, 0)
        case .i32AddShlImm:
            code.removeLast()
            return (indexed, c.b, c.c, UInt64(lo32(c.imm) & 31))
        default:
            return nil
        }
    }

    /// An address the last instruction computed as `x << k` (an array index scaled by its element size).
    mutating func foldScaled(_ address: Int32, producer: Int) -> (Int32, UInt64)? {
        guard canFuseWithLast, producer >= 0, producer == code.count - 1 else { return nil }
        let c = code[producer]
        guard c.op == .i32ShlImm, c.a == address else { return nil }
        code.removeLast()
        return (c.b, UInt64(lo32(c.imm) & 31))
    }

    /// f64 add/sub/mul where one operand was just loaded by a plain `f64.load` (no folded addend): one
    /// instruction that loads and computes.
    mutating func takeLoadedOperand(_ op: Op, _ x: Int32, _ xProducer: Int, _ y: Int32, _ yProducer: Int) -> Instruction? {
        guard canFuseWithLast, op == .f64Add || op == .f64Sub || op == .f64Mul else { return nil }
        for (other, slot, producer, loadIsRight) in [(x, y, yProducer, true), (y, x, xProducer, false)] where producer >= 0 && producer == code.count - 1 {
            let c = code[producer]
            guard c.op == .i64Load, c.uc == 0, c.a == slot else { continue }
            let fused: Op = switch op {
            case .f64Add: .f64AddLoad
            case .f64Mul: .f64MulLoad
            default: loadIsRight ? .f64SubLoad : .f64SubLoadRev
            }
            code.removeLast()
            return Instruction(fused, a: top, b: other, c: c.b, imm: c.imm)
        }
        return nil
    }

    /// A commutative i32 operation where one operand was just computed by a shift, rotation or multiply
    /// that fuses with it: `i32AddShlImm`, `i32XorRotlImm`, `i32XorShrUImm`, `i32MulAdd`.
    mutating func takeFusedOperand(_ op: Op, _ x: Int32, _ xProducer: Int, _ y: Int32, _ yProducer: Int) -> Instruction? {
        guard canFuseWithLast, op == .i32Add || op == .i32Xor else { return nil }
        for (other, slot, producer) in [(x, y, yProducer), (y, x, xProducer)] where producer >= 0 && producer == code.count - 1 {
            let c = code[producer]
            guard c.a == slot else { continue }
            let fused: Instruction? = switch (op, c.op) {
            case (.i32Add, .i32ShlImm): Instruction(.i32AddShlImm, a: top, b: other, c: c.b, imm: c.imm)
            case (.i32Add, .i32Mul): Instruction(.i32MulAdd, a: top, b: other, c: c.b, imm: UInt64(UInt32(bitPattern: c.c)))
            case (.i32Xor, .i32RotlImm): Instruction(.i32XorRotlImm, a: top, b: other, c: c.b, imm: c.imm)
            case (.i32Xor, .i32ShrUImm): Instruction(.i32XorShrUImm, a: top, b: other, c: c.b, imm: c.imm)
            default: nil
            }
            guard let fused else { continue }
            code.removeLast()
            return fused
        }
        return nil
    }

    mutating func localIndex() throws(WasmError) -> Int {
        let at = r.pos
        let i = Int(try r.u32())
        guard i < localCount else { throw invalid("unknown local \(i)", at: at) }
        return i
    }

    mutating func instruction(_ op: UInt8, at: Int) throws(WasmError) {
        switch op {
        case 0x00:
            emit(Instruction(.unreachable))
            setUnreachable()
        case 0x01: break
        case 0x02, 0x03:
            let (params, results) = try Self.blockType(&r, ctx)
            materializeAll()
            try pop(params)
            let h = vals.count
            for p in params { push(p) }
            var f = Frame(kind: op == 0x02 ? .block : .loop, params: params, results: results, height: h)
            f.dead = !reachable
            if op == 0x03 {
                bindLabel()
                f.loopPC = code.count
                f.startCount = instructionCount
                loopDepth += 1
            }
            frames.append(f)
        case 0x04:
            let (params, results) = try Self.blockType(&r, ctx)
            let cond = try pop(.i32)
            let condProducer = poppedProducer
            materializeAll()
            try pop(params)
            let h = vals.count
            for p in params { push(p) }
            var f = Frame(kind: .ifThen, params: params, results: results, height: h)
            f.dead = !reachable
            if reachable {
                var skip = takeFusedCondition(cond, producer: condProducer, negate: true) ?? Instruction(.brIfNot, a: cond)
                skip.b = -1
                f.elseJump = code.count
                code.append(skip)
            }
            frames.append(f)
        case 0x05:
            var f = frames[frames.count - 1]
            guard f.kind == .ifThen else { throw invalid("else without matching if", at: at) }
            materializeAll()
            try pop(f.results)
            guard vals.count == f.height else { throw invalid("type mismatch (values remain at else)", at: at) }
            if !f.unreachable && !f.dead {
                f.pending.append(code.count)
                code.append(Instruction(.br, b: -1))
            }
            if let j = f.elseJump { code[j].b = Int32(code.count); f.elseJump = nil }
            bindLabel()
            f.kind = .elseBranch
            f.unreachable = false
            frames[frames.count - 1] = f
            for p in f.params { push(p) }
        case 0x0B:
            let f = frames[frames.count - 1]
            materializeAll()
            try pop(f.results)
            guard vals.count == f.height else { throw invalid("type mismatch (values remain at end of block)", at: at) }
            if f.kind == .ifThen && f.params != f.results {
                throw invalid("type mismatch (if without else must have matching param and result types)", at: at)
            }
            frames.removeLast()
            if f.kind == .loop {
                loopDepth -= 1
                patchBackEdges(f)
            }
            for t in f.results { push(t) }
            let endPC = Int32(code.count)
            bindLabel()
            for p in f.pending { code[p].b = endPC }
            if let j = f.elseJump { code[j].b = endPC }
        case 0x0C:
            let d = try r.u32()
            let l = try label(d)
            materializeAll()
            try checkLabelValues(l)
            if reachable {
                emitMoves(to: l)
                emitJump(.br, to: l)
            }
            setUnreachable()
        case 0x0D:
            let d = try r.u32()
            let l = try label(d)
            let cond = try pop(.i32)
            let condProducer = poppedProducer
            materializeAll()
            try checkLabelValues(l, pushLabelTypes: true)
            if reachable {
                if needsMoves(l) {
                    let skip = code.count
                    var skipInst = takeFusedCondition(cond, producer: condProducer, negate: true) ?? Instruction(.brIfNot, a: cond)
                    skipInst.b = -1
                    code.append(skipInst)
                    emitMoves(to: l)
                    emitJump(.br, to: l)
                    code[skip].b = Int32(code.count)
                    bindLabel()
                } else if let fused = takeFusedCondition(cond, producer: condProducer, negate: false) {
                    emitJump(fused, to: l)
                } else {
                    emitJump(.brIf, a: cond, to: l)
                }
            }
        case 0x0E:
            let n = Int(try r.u32())
            guard n < r.end - r.pos else { throw r.malformed("unexpected end of section or function") }
            var depths: [UInt32] = []
            for _ in 0...n { depths.append(try r.u32()) }
            let index = try pop(.i32)
            materializeAll()
            let defaultLabel = try label(depths[n])
            let arity = frames[defaultLabel].labelTypes.count
            for d in depths {
                let l = try label(d)
                guard frames[l].labelTypes.count == arity else { throw invalid("type mismatch (br_table labels have different arities)", at: at) }
                try checkLabelValues(l)
            }
            if reachable {
                code.append(Instruction(.brTable, a: index, c: Int32(depths.count)))
                let first = code.count
                for _ in depths { code.append(Instruction(.br, b: -1)) }
                for (k, d) in depths.enumerated() {
                    let l = frames.count - 1 - Int(d)
                    if needsMoves(l) || frames[l].kind == .loop {
                        // Moves, or a back edge that must charge fuel: an out-of-line `br`.
                        code[first + k].b = Int32(code.count)
                        bindLabel()
                        emitMoves(to: l)
                        emitJump(.br, to: l)
                    } else {
                        frames[l].pending.append(first + k)
                    }
                }
            }
            setUnreachable()
        case 0x0F:
            materializeAll()
            try checkLabelValues(0)
            if reachable {
                emitMoves(to: 0)
                code.append(Instruction(.ret))
            }
            setUnreachable()
        case 0x10:
            let idx = try r.u32()
            guard Int(idx) < ctx.functionTypes.count else { throw invalid("unknown function \(idx)", at: at) }
            let t = ctx.types[Int(ctx.functionTypes[Int(idx)])]
            materializeTop(t.params.count)
            try pop(t.params)
            let base = top
            if Int(idx) < ctx.importedFunctionCount {
                emit(Instruction(.callImport, a: Int32(idx), b: base))
            } else {
                emit(Instruction(.call, a: Int32(Int(idx) - ctx.importedFunctionCount), b: base))
            }
            for t in t.results { push(t) }
        case 0x11:
            let typeIdx = try r.u32()
            let table = try r.u32()
            guard Int(table) < ctx.tables.count else { throw invalid("unknown table \(table)", at: at) }
            guard Int(typeIdx) < ctx.types.count else { throw invalid("unknown type \(typeIdx)", at: at) }
            guard ctx.tables[Int(table)].element == .funcRef else { throw invalid("type mismatch (call_indirect on a non-funcref table)", at: at) }
            let t = ctx.types[Int(typeIdx)]
            let idxSlot = try pop(.i32)
            materializeTop(t.params.count)
            try pop(t.params)
            let base = top
            emit(Instruction(.callIndirect, a: Int32(table), b: base, c: Int32(typeIdx), imm: UInt64(UInt32(bitPattern: idxSlot))))
            for t in t.results { push(t) }
        case 0x1A:
            _ = try pop()
        case 0x1B, 0x1C:
            var declared: ValueType? = nil
            if op == 0x1C {
                let n = try r.u32()
                guard n == 1 else { throw invalid("invalid result arity", at: at) }
                let t = try ModuleParser.valueType(&r)
                try checkType(t)
                declared = t
            }
            let c = try pop(.i32)
            let t2 = try pop()
            let s2 = popped
            let t1 = try pop()
            let s1 = popped
            let a = top
            var t: ValueType? = declared
            if let declared {
                if let t1, t1 != declared { throw invalid("type mismatch", at: at) }
                if let t2, t2 != declared { throw invalid("type mismatch", at: at) }
            } else {
                if let t1, let t2, t1 != t2 { throw invalid("type mismatch", at: at) }
                t = t1 ?? t2
                if let t, t.isRef || t == .v128 { throw invalid("type mismatch (untyped select on a reference)", at: at) }
            }
            emitResult(Instruction(.select, a: a, b: s1, c: s2, imm: UInt64(UInt32(bitPattern: c))), t)
        case 0x20:
            let i = try localIndex()
            pushLocal(localTypes[i], i)
        case 0x21:
            let i = try localIndex()
            try setLocal(i)
        case 0x22:
            let i = try localIndex()
            try setLocal(i)
            pushLocal(localTypes[i], i)
        case 0x23:
            let i = Int(try r.u32())
            guard i < ctx.globals.count else { throw invalid("unknown global \(i)", at: at) }
            emitResult(Instruction(.globalGet, a: top, b: Int32(i)), ctx.globals[i].type)
        case 0x24:
            let i = Int(try r.u32())
            guard i < ctx.globals.count else { throw invalid("unknown global \(i)", at: at) }
            guard ctx.globals[i].mutable else { throw invalid("global is immutable", at: at) }
            let v = try pop(ctx.globals[i].type)
            emit(Instruction(ctx.globals[i].type.isRef ? .globalSetRef : .globalSet, a: v, b: Int32(i)))
        case 0x25:
            let t = try r.u32()
            guard Int(t) < ctx.tables.count else { throw invalid("unknown table \(t)", at: at) }
            materializeTop(1)
            try pop(.i32)
            emit(Instruction(.tableGet, a: top, b: Int32(t)))
            push(ctx.tables[Int(t)].element)
        case 0x26:
            let t = try r.u32()
            guard Int(t) < ctx.tables.count else { throw invalid("unknown table \(t)", at: at) }
            materializeTop(2)
            try pop(ctx.tables[Int(t)].element)
            try pop(.i32)
            emit(Instruction(.tableSet, a: top, b: Int32(t)))
        case 0x28...0x35:
            let (natural, type, iop): (UInt32, ValueType, Op) = switch op {
            case 0x28: (2, .i32, .i32Load)
            case 0x29: (3, .i64, .i64Load)
            case 0x2A: (2, .f32, .i32Load)
            case 0x2B: (3, .f64, .i64Load)
            case 0x2C: (0, .i32, .i32Load8S)
            case 0x2D: (0, .i32, .i32Load8U)
            case 0x2E: (1, .i32, .i32Load16S)
            case 0x2F: (1, .i32, .i32Load16U)
            case 0x30: (0, .i64, .i64Load8S)
            case 0x31: (0, .i64, .i64Load8U)
            case 0x32: (1, .i64, .i64Load16S)
            case 0x33: (1, .i64, .i64Load16U)
            case 0x34: (2, .i64, .i64Load32S)
            default: (2, .i64, .i64Load32U)
            }
            let offset = try readMemarg(naturalLog2: natural)
            let address = try pop(.i32)
            if let (idx, base, index, shift) = foldIndexed(iop, address, producer: poppedProducer) {
                emitResult(Instruction(idx, a: top, b: base, c: index, imm: offset | shift << 32), type)
            } else if iop == .i32Load, let (index, shift) = foldScaled(address, producer: poppedProducer) {
                emitResult(Instruction(.i32LoadShl, a: top, b: index, imm: offset | shift << 32), type)
            } else if iop == .i32Load || iop == .i64Load, let k = takeConstant(address, producer: poppedProducer) {
                // Constant address: the effective address is known now (up to 2^33, checked at run time).
                emitResult(Instruction(iop == .i32Load ? .i32LoadAbs : .i64LoadAbs, a: top, imm: UInt64(lo32(k)) + offset), type)
            } else {
                let (base, addend) = foldAddend(address, producer: poppedProducer)
                if iop == .i32Load, addend != 0, canFuseWithLast, let last = code.last, last.op == .i32ShlImm,
                   last.a == base, Int(base) >= localCount {
                    // (x << k) + constant, the shift's result consumed only by the folded add.
                    code.removeLast()
                    emitResult(Instruction(.i32LoadShl, a: top, b: last.b, c: addend, imm: offset | UInt64(lo32(last.imm) & 31) << 32), type)
                } else {
                    emitResult(Instruction(iop, a: top, b: base, c: addend, imm: offset), type)
                }
            }
        case 0x36...0x3E:
            let (natural, type, iop): (UInt32, ValueType, Op) = switch op {
            case 0x36: (2, .i32, .i32Store)
            case 0x37: (3, .i64, .i64Store)
            case 0x38: (2, .f32, .i32Store)
            case 0x39: (3, .f64, .i64Store)
            case 0x3A: (0, .i32, .i32Store8)
            case 0x3B: (1, .i32, .i32Store16)
            case 0x3C: (0, .i64, .i64Store8)
            case 0x3D: (1, .i64, .i64Store16)
            default: (2, .i64, .i64Store32)
            }
            let offset = try readMemarg(naturalLog2: natural)
            let value = try pop(type)
            let address = try pop(.i32)
            if let (idx, base, index, shift) = foldIndexed(iop, address, producer: poppedProducer) {
                emit(Instruction(idx, a: value, b: base, c: index, imm: offset | shift << 32))
            } else {
                let (base, addend) = foldAddend(address, producer: poppedProducer)
                emit(Instruction(iop, a: value, b: base, c: addend, imm: offset))
            }
        case 0x3F, 0x40:
            let zat = r.pos
            guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: zat) }
            guard ctx.memoryCount > 0 else { throw invalid("unknown memory 0", at: at) }
            if op == 0x40 { materializeTop(1); try pop(.i32) }
            emitResult(Instruction(op == 0x3F ? .memorySize : .memoryGrow, a: top), .i32)
            if op == 0x40 && reachable { producers[producers.count - 1] = -1 }
        case 0x41:
            let v = UInt32(bitPattern: try r.s32())
            emitResult(Instruction(.const_, a: top, imm: UInt64(v)), .i32)
        case 0x42:
            let v = UInt64(bitPattern: try r.s64())
            emitResult(Instruction(.const_, a: top, imm: v), .i64)
        case 0x43:
            let v = try r.u32Fixed()
            emitResult(Instruction(.const_, a: top, imm: UInt64(v)), .f32)
        case 0x44:
            let v = try r.u64Fixed()
            emitResult(Instruction(.const_, a: top, imm: v), .f64)
        case 0x45...0xC4:
            let sig = OpcodeTable.numeric(op)!
            if (0xBC...0xBF).contains(op) {
                // Reinterpretations keep the bits: only the type changes.
                try pop(sig.params[0])
                let src = popped, prod = poppedProducer
                vals.append(sig.result); srcs.append(src); producers.append(prod)
            } else if sig.params.count == 1 {
                let x = try pop(sig.params[0])
                emitResult(Instruction(Op(rawValue: UInt16(op))!, a: top, b: x), sig.result)
            } else {
                let y = try pop(sig.params[1])
                let yProducer = poppedProducer
                let x = try pop(sig.params[0])
                let xProducer = poppedProducer
                let binop = Op(rawValue: UInt16(op))!
                if let f = OpFolding.immediate(binop), let k = takeConstant(y, producer: yProducer) {
                    emitResult(Instruction(f, a: top, b: x, imm: k), sig.result)
                } else if let s = OpFolding.swapped(binop), let f = OpFolding.immediate(s), let k = takeConstant(x, producer: xProducer) {
                    emitResult(Instruction(f, a: top, b: y, imm: k), sig.result)
                } else if let fused = takeFusedOperand(binop, x, xProducer, y, yProducer) {
                    emitResult(fused, sig.result)
                } else if let fused = takeLoadedOperand(binop, x, xProducer, y, yProducer) {
                    emitResult(fused, sig.result)
                } else {
                    emitResult(Instruction(binop, a: top, b: x, c: y), sig.result)
                }
            }
        case 0xD0:
            let t = try ModuleParser.refType(&r)
            emitResult(Instruction(.const_, a: top, imm: 0), t)
        case 0xD1:
            let t = try pop()
            if let t, !t.isRef { throw invalid("type mismatch (ref.is_null on \(t))", at: at) }
            emitResult(Instruction(.refIsNull, a: top, b: popped), .i32)
        case 0xD2:
            let f = try r.u32()
            guard Int(f) < ctx.functionTypes.count else { throw invalid("unknown function \(f)", at: at) }
            guard ctx.declaredRefs.contains(f) else { throw invalid("undeclared function reference", at: at) }
            emitResult(Instruction(.refFunc, a: top, b: Int32(f)), .funcRef)
        case 0xFC:
            try prefixed(at: at)
        case 0xFD:
            throw WasmError(kind: .malformed, section: "code", offset: at, message: "SIMD not supported")
        default:
            throw r.malformed("illegal opcode 0x\(String(op, radix: 16))", at: at)
        }
    }

    mutating func checkDataSegment(_ seg: UInt32, at: Int) throws(WasmError) {
        usesDataCount = true
        guard let dc = ctx.dataCount else {
            if ctx.dataSegments > 0 { throw r.malformed("data count section required", at: at) }
            throw invalid("unknown data segment \(seg)", at: at)
        }
        guard seg < dc else { throw invalid("unknown data segment \(seg)", at: at) }
    }

    mutating func prefixed(at: Int) throws(WasmError) {
        let sub = try r.u32()
        switch sub {
        case 0...7:
            let (from, to): (ValueType, ValueType) = switch sub {
            case 0, 1: (.f32, .i32)
            case 2, 3: (.f64, .i32)
            case 4, 5: (.f32, .i64)
            default: (.f64, .i64)
            }
            let x = try pop(from)
            emitResult(Instruction(Op(rawValue: Op.i32TruncSatF32S.rawValue + UInt16(sub))!, a: top, b: x), to)
        case 8:
            let seg = try r.u32()
            let zat = r.pos
            guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: zat) }
            guard ctx.memoryCount > 0 else { throw invalid("unknown memory 0", at: at) }
            try checkDataSegment(seg, at: at)
            materializeTop(3)
            try pop([.i32, .i32, .i32])
            emit(Instruction(.memoryInit, a: top, b: Int32(seg)))
        case 9:
            let seg = try r.u32()
            try checkDataSegment(seg, at: at)
            emit(Instruction(.dataDrop, b: Int32(seg)))
        case 10:
            let z1at = r.pos
            guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: z1at) }
            guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: z1at + 1) }
            guard ctx.memoryCount > 0 else { throw invalid("unknown memory 0", at: at) }
            materializeTop(3)
            try pop([.i32, .i32, .i32])
            emit(Instruction(.memoryCopy, a: top))
        case 11:
            let zat = r.pos
            guard try r.byte() == 0 else { throw r.malformed("zero byte expected", at: zat) }
            guard ctx.memoryCount > 0 else { throw invalid("unknown memory 0", at: at) }
            materializeTop(3)
            try pop([.i32, .i32, .i32])
            emit(Instruction(.memoryFill, a: top))
        case 12:
            let seg = try r.u32()
            let table = try r.u32()
            guard Int(table) < ctx.tables.count else { throw invalid("unknown table \(table)", at: at) }
            guard Int(seg) < ctx.elementTypes.count else { throw invalid("unknown elem segment \(seg)", at: at) }
            guard ctx.elementTypes[Int(seg)] == ctx.tables[Int(table)].element else { throw invalid("type mismatch (element segment and table types differ)", at: at) }
            materializeTop(3)
            try pop([.i32, .i32, .i32])
            emit(Instruction(.tableInit, a: top, b: Int32(table), c: Int32(seg)))
        case 13:
            let seg = try r.u32()
            guard Int(seg) < ctx.elementTypes.count else { throw invalid("unknown elem segment \(seg)", at: at) }
            emit(Instruction(.elemDrop, b: Int32(seg)))
        case 14:
            let dst = try r.u32()
            let src = try r.u32()
            guard Int(dst) < ctx.tables.count else { throw invalid("unknown table \(dst)", at: at) }
            guard Int(src) < ctx.tables.count else { throw invalid("unknown table \(src)", at: at) }
            guard ctx.tables[Int(dst)].element == ctx.tables[Int(src)].element else { throw invalid("type mismatch (table.copy between different element types)", at: at) }
            materializeTop(3)
            try pop([.i32, .i32, .i32])
            emit(Instruction(.tableCopy, a: top, b: Int32(dst), c: Int32(src)))
        case 15:
            let t = try r.u32()
            guard Int(t) < ctx.tables.count else { throw invalid("unknown table \(t)", at: at) }
            materializeTop(2)
            try pop([ctx.tables[Int(t)].element, .i32])
            emit(Instruction(.tableGrow, a: top, b: Int32(t)))
            push(.i32)
        case 16:
            let t = try r.u32()
            guard Int(t) < ctx.tables.count else { throw invalid("unknown table \(t)", at: at) }
            emit(Instruction(.tableSize, a: top, b: Int32(t)))
            push(.i32)
        case 17:
            let t = try r.u32()
            guard Int(t) < ctx.tables.count else { throw invalid("unknown table \(t)", at: at) }
            materializeTop(3)
            try pop([.i32, ctx.tables[Int(t)].element, .i32])
            emit(Instruction(.tableFill, a: top, b: Int32(t)))
        default:
            throw r.malformed("illegal opcode 0xfc \(sub)", at: at)
        }
    }
}
