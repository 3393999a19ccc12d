// The interpreter: one loop with a dense switch over the translated code; an explicit frame stack
// (no native recursion per Wasm call), fuel and deadline checks at function entry and on branches back
// to a loop header (which carry the loop body's cost).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@inline(__always) func lo32(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v) }
@inline(__always) func s32(_ v: UInt64) -> Int32 { Int32(truncatingIfNeeded: v) }
@inline(__always) func f32(_ v: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: v)) }
@inline(__always) func f64(_ v: UInt64) -> Double { Double(bitPattern: v) }
@inline(__always) func bits(_ v: Float) -> UInt64 { UInt64(v.bitPattern) }
@inline(__always) func bits(_ v: Double) -> UInt64 { v.bitPattern }
@inline(__always) func b(_ v: Bool) -> UInt64 { v ? 1 : 0 }

// Guest memory access at any alignment. A fixed-size memcpy compiles to one load or store; the standard
// library's generic loadUnaligned/storeBytes were left as out-of-line calls in the large loop.
@inline(__always) func ldm<T: FixedWidthInteger>(_ p: UnsafeMutableRawPointer, _: T.Type) -> T {
    var v: T = 0
    memcpy(&v, p, MemoryLayout<T>.size)
    return v
}

@inline(__always) func stm<T: FixedWidthInteger>(_ p: UnsafeMutableRawPointer, _ v: T) {
    var x = v
    memcpy(p, &x, MemoryLayout<T>.size)
}

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Fuel accounting for one execution: the loop counts a slice down; refills account and check limits.
struct FuelMeter {
    var limit: UInt64?
    var deadline: UInt64?
    var used: UInt64 = 0
    var given: Int64 = 0

    /// Called when the slice ran out (`counter` < 0). Returns the new counter or throws.
    mutating func refill(_ counter: Int64) throws(Trap) -> Int64 {
        used &+= UInt64(given &- counter)
        given = counter   // accounted: `finish` after a throw adds nothing twice
        if let limit, used > limit { throw Trap(.outOfFuel) }
        if let deadline, monotonicNanos() >= deadline { throw Trap(.deadlineExceeded) }
        var slice: Int64 = 1 << 40
        if let limit { slice = Int64(min(limit - used, UInt64(slice))) }
        if deadline != nil { slice = min(slice, 20_000) }
        given = slice
        return slice
    }

    mutating func finish(_ counter: Int64) { used &+= UInt64(given &- counter); given = counter }
}

extension InstanceState {
    /// Runs `f` with its arguments in `stack.slots[0...]`; results are left in `stack.slots[0...]`.
    func run(_ f: FunctionInstance, stack outer: ExecutionStack) throws(Trap) {
        var s = outer
        if s.busy {
            // Re-entered from a host function: use a separate stack.
            let nested = ExecutionStack()
            for k in 0..<max(f.type.params.count, 1) { nested.slots[k] = outer.slots[k] }
            s = nested
        }
        s.busy = true
        defer { s.busy = false }
        var meter = FuelMeter(limit: limitsStorage.fuel, deadline: limitsStorage.deadlineNanos)
        var counter: Int64 = 0
        defer { if s !== outer { for k in 0..<f.type.results.count { outer.slots[k] = s.slots[k] } } }
        do {
            counter = try meter.refill(0)
            try interpret(f, s, &counter, &meter)
            meter.finish(counter)
            fuelUsed = meter.used
        } catch {
            meter.finish(counter)
            fuelUsed = meter.used
            throw error
        }
    }

    static func callHost(_ f: FunctionInstance, args: UnsafeMutablePointer<UInt64>, end: UnsafeMutablePointer<UInt64>, caller: InstanceState?) throws(Trap) {
        let host = f.host!
        let t = host.type
        guard args + t.params.count + t.results.count <= end else { throw Trap(.callStackExhausted) }
        let results = args + t.params.count
        for k in 0..<t.results.count { results[k] = 0 }
        var call = HostCall(args: args, results: results, type: t, memoryInstance: caller?.memories.first, state: caller)
        try host.body(&call)
        for k in 0..<t.results.count { args[k] = results[k] }
    }

    func interpret(_ entry: FunctionInstance, _ s: ExecutionStack, _ counter: inout Int64, _ meter: inout FuelMeter) throws(Trap) {
        let stackEnd = s.slots + ExecutionStack.slotCapacity
        if entry.host != nil {
            try Self.callHost(entry, args: s.slots, end: stackEnd, caller: nil)
            return
        }
        guard let owner = entry.owner else { throw Trap(.host("the function's instance no longer exists")) }
        let maxDepth = min(limitsStorage.maxCallDepth, ExecutionStack.frameCapacity - 1)
        var r = Registers(owner, sp: s.slots, stackEnd: stackEnd, frames: s.frames, maxDepth: maxDepth)
        let m0 = r.metas[entry.index]
        guard r.sp + Int(m0.slotCount) <= stackEnd else { throw Trap(.callStackExhausted) }
        for k in Int(m0.paramCount)..<Int(m0.localCount) { r.sp[k] = 0 }
        r.pc = Int(m0.entry)
        try Self.loop(r, &counter, &meter)
    }

    static func loop(_ start: Registers, _ counterRef: inout Int64, _ meter: inout FuelMeter) throws(Trap) {
        var r = start
        var sp = r.sp
        var pc = r.code + r.pc
        var code = r.code
        var mem = r.mem
        var memSize = r.memSize
        var globals = r.globals
        var metas = r.metas
        var counter = counterRef
        defer { counterRef = counter }
        @inline(__always) func addr(_ i: Instruction, _ base: UInt64, _ size: UInt64, _ mem: UnsafeMutableRawPointer, _ memSize: UInt64) throws(Trap) -> UnsafeMutableRawPointer {
            let ea = UInt64(lo32(base) &+ i.uc) &+ i.imm
            guard ea &+ size <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return mem + Int(bitPattern: UInt(ea))
        }
        @inline(__always) func addr(_ offset: UInt64, _ base: UInt64, _ size: UInt64, _ mem: UnsafeMutableRawPointer, _ memSize: UInt64) throws(Trap) -> UnsafeMutableRawPointer {
            let ea = UInt64(lo32(base)) &+ offset
            guard ea &+ size <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return mem + Int(bitPattern: UInt(ea))
        }
        @inline(__always) func addrIdx(_ i: Instruction, _ sp: UnsafeMutablePointer<UInt64>, _ size: UInt64, _ mem: UnsafeMutableRawPointer, _ memSize: UInt64) throws(Trap) -> UnsafeMutableRawPointer {
            let index = lo32(sp[Int(i.uc)]) &<< UInt32(truncatingIfNeeded: i.imm &>> 32)
            let ea = UInt64(lo32(sp[Int(i.ub)]) &+ index) &+ (i.imm & 0xFFFF_FFFF)
            guard ea &+ size <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
            return mem + Int(bitPattern: UInt(ea))
        }
        while true {
            let i = pc.pointee
            pc += 1
            switch i.op {
            case .unreachable: throw Trap(.unreachable)
            case .nop: break
            case .br:
                // Branches back to a loop carry the loop body's fuel cost in imm's high half (0 otherwise).
                pc = code + Int(i.ub)
                counter &-= Int64(i.imm &>> 32)
                if counter < 0 { counter = try meter.refill(counter) }
            case .brIf: if lo32(sp[Int(i.ua)]) != 0 { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfNot: if lo32(sp[Int(i.ua)]) == 0 { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brTable:
                let n = i.uc - 1
                let v = lo32(sp[Int(i.ua)])
                pc = code + Int((pc + Int(v < n ? v : n)).pointee.ub)
            case .ret:
                if r.depth == 0 { return }
                r.depth &-= 1
                let fr = r.frames[r.depth]
                sp = fr.fp
                if fr.instance.toOpaque() != r.inst.toOpaque() {
                    r.switchTo(fr.instance.takeUnretainedValue())
                    code = r.code; metas = r.metas; globals = r.globals
                }
                pc = code + fr.returnPC
                r.reloadMemory()
                mem = r.mem; memSize = r.memSize
            case .call:
                let m = metas[Int(i.ua)]
                let argBase = sp + Int(i.ub)
                guard r.depth < r.maxDepth, argBase + Int(m.slotCount) <= r.stackEnd else { throw Trap(.callStackExhausted) }
                r.frames[r.depth] = CallFrame(returnPC: pc - code, fp: sp, instance: r.inst)
                r.depth &+= 1
                var k = Int(m.paramCount)
                let n = Int(m.localCount)
                while k < n { argBase[k] = 0; k &+= 1 }
                sp = argBase
                pc = code + Int(m.entry)
            case .callImport, .callIndirect:
                r.sp = sp; r.pc = pc - code
                try r.callSlow(i)
                sp = r.sp; code = r.code; pc = code + r.pc; metas = r.metas; globals = r.globals; mem = r.mem; memSize = r.memSize
            case .fuel:
                counter &-= Int64(bitPattern: i.imm)
                if counter < 0 { counter = try meter.refill(counter) }
            case .copy: sp[Int(i.ua)] = sp[Int(i.ub)]
            case .copy2:
                sp[Int(i.ua)] = sp[Int(i.ub)]
                sp[Int(i.uc)] = sp[Int(UInt32(truncatingIfNeeded: i.imm))]
            case .i32XorRotlImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) ^ lo32(sp[Int(i.uc)]).rotl(lo32(i.imm)))
            case .i32XorShrUImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) ^ (lo32(sp[Int(i.uc)]) &>> lo32(i.imm)))
            case .i32MulAdd: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &+ lo32(sp[Int(i.uc)]) &* lo32(sp[Int(UInt32(truncatingIfNeeded: i.imm))]))
            case .i32LoadIdx: sp[Int(i.ua)] = UInt64(ldm(try addrIdx(i, sp, 4, mem, memSize), UInt32.self))
            case .i64LoadIdx: sp[Int(i.ua)] = ldm(try addrIdx(i, sp, 8, mem, memSize), UInt64.self)
            case .i32Load8UIdx: sp[Int(i.ua)] = UInt64(ldm(try addrIdx(i, sp, 1, mem, memSize), UInt8.self))
            case .i32StoreIdx: stm(try addrIdx(i, sp, 4, mem, memSize), lo32(sp[Int(i.ua)]) as UInt32)
            case .i64StoreIdx: stm(try addrIdx(i, sp, 8, mem, memSize), sp[Int(i.ua)] as UInt64)
            case .i32Store8Idx: stm(try addrIdx(i, sp, 1, mem, memSize), UInt8(truncatingIfNeeded: sp[Int(i.ua)]) as UInt8)
            case .i32AddImm2:
                sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ua)]) &+ lo32(i.imm))
                sp[Int(i.uc)] = UInt64(lo32(sp[Int(i.uc)]) &+ UInt32(truncatingIfNeeded: i.imm &>> 32))
            case .f64AddImm: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) + f64(i.imm))
            case .f64SubImm: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) - f64(i.imm))
            case .f64MulImm: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) * f64(i.imm))
            case .i32LoadShl:
                let ea = UInt64((lo32(sp[Int(i.ub)]) &<< UInt32(truncatingIfNeeded: i.imm &>> 32)) &+ i.uc) &+ (i.imm & 0xFFFF_FFFF)
                guard ea &+ 4 <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
                sp[Int(i.ua)] = UInt64(ldm(mem + Int(bitPattern: UInt(ea)), UInt32.self))
            case .f64AddLoad: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) + f64(ldm(try addr(i.imm, sp[Int(i.uc)], 8, mem, memSize), UInt64.self)))
            case .f64SubLoad: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) - f64(ldm(try addr(i.imm, sp[Int(i.uc)], 8, mem, memSize), UInt64.self)))
            case .f64SubLoadRev: sp[Int(i.ua)] = bits(f64(ldm(try addr(i.imm, sp[Int(i.uc)], 8, mem, memSize), UInt64.self)) - f64(sp[Int(i.ub)]))
            case .f64MulLoad: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) * f64(ldm(try addr(i.imm, sp[Int(i.uc)], 8, mem, memSize), UInt64.self)))
            case .i32LoadAbs:
                guard i.imm &+ 4 <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
                sp[Int(i.ua)] = UInt64(ldm(mem + Int(i.imm), UInt32.self))
            case .i64LoadAbs:
                guard i.imm &+ 8 <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
                sp[Int(i.ua)] = ldm(mem + Int(i.imm), UInt64.self)
            case .i32AddShlImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &+ (lo32(sp[Int(i.uc)]) &<< lo32(i.imm)))
            case .select: sp[Int(i.ua)] = lo32(sp[Int(UInt32(truncatingIfNeeded: i.imm))]) != 0 ? sp[Int(i.ub)] : sp[Int(i.uc)]
            case .const_: sp[Int(i.ua)] = i.imm
            case .globalGet: sp[Int(i.ua)] = globals[Int(i.ub)].pointee
            case .globalSet: globals[Int(i.ub)].pointee = sp[Int(i.ua)]
            case .globalSetRef:
                let g = r.inst.takeUnretainedValue().globals[Int(i.ub)]
                g.cell.pointee = sp[Int(i.ua)]
                if g.type.type == .funcRef { g.keep = FunctionInstance.from(bits: sp[Int(i.ua)]) }

            case .i32Load: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 4, mem, memSize), UInt32.self))
            case .i64Load: sp[Int(i.ua)] = ldm(try addr(i, sp[Int(i.ub)], 8, mem, memSize), UInt64.self)
            case .i32Load8S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: Int32(ldm(try addr(i, sp[Int(i.ub)], 1, mem, memSize), Int8.self))))
            case .i32Load8U: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 1, mem, memSize), UInt8.self))
            case .i32Load16S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: Int32(ldm(try addr(i, sp[Int(i.ub)], 2, mem, memSize), Int16.self))))
            case .i32Load16U: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 2, mem, memSize), UInt16.self))
            case .i64Load8S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(ldm(try addr(i, sp[Int(i.ub)], 1, mem, memSize), Int8.self)))
            case .i64Load8U: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 1, mem, memSize), UInt8.self))
            case .i64Load16S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(ldm(try addr(i, sp[Int(i.ub)], 2, mem, memSize), Int16.self)))
            case .i64Load16U: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 2, mem, memSize), UInt16.self))
            case .i64Load32S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(ldm(try addr(i, sp[Int(i.ub)], 4, mem, memSize), Int32.self)))
            case .i64Load32U: sp[Int(i.ua)] = UInt64(ldm(try addr(i, sp[Int(i.ub)], 4, mem, memSize), UInt32.self))
            case .i32Store: stm(try addr(i, sp[Int(i.ub)], 4, mem, memSize), lo32(sp[Int(i.ua)]) as UInt32)
            case .i64Store: stm(try addr(i, sp[Int(i.ub)], 8, mem, memSize), sp[Int(i.ua)] as UInt64)
            case .i32Store8, .i64Store8: stm(try addr(i, sp[Int(i.ub)], 1, mem, memSize), UInt8(truncatingIfNeeded: sp[Int(i.ua)]) as UInt8)
            case .i32Store16, .i64Store16: stm(try addr(i, sp[Int(i.ub)], 2, mem, memSize), UInt16(truncatingIfNeeded: sp[Int(i.ua)]) as UInt16)
            case .i64Store32: stm(try addr(i, sp[Int(i.ub)], 4, mem, memSize), UInt32(truncatingIfNeeded: sp[Int(i.ua)]) as UInt32)
            case .memorySize: sp[Int(i.ua)] = memSize / 65536
            case .memoryGrow:
                let m = r.inst.takeUnretainedValue().memories[0]
                sp[Int(i.ua)] = UInt64(m.grow(lo32(sp[Int(i.ua)])))
                r.mem = m.base
                r.memSize = UInt64(m.byteCount)
                mem = m.base
                memSize = UInt64(m.byteCount)
            case .memoryFill:
                let d = UInt64(lo32(sp[Int(i.ua)])), v = UInt8(truncatingIfNeeded: sp[Int(i.ua) + 1]), n = UInt64(lo32(sp[Int(i.ua) + 2]))
                guard d + n <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
                memset(mem + Int(d), Int32(v), Int(n))
            case .memoryCopy:
                let d = UInt64(lo32(sp[Int(i.ua)])), src = UInt64(lo32(sp[Int(i.ua) + 1])), n = UInt64(lo32(sp[Int(i.ua) + 2]))
                guard d + n <= memSize, src + n <= memSize else { throw Trap(.outOfBoundsMemoryAccess) }
                memmove(mem + Int(d), mem + Int(src), Int(n))
            case .memoryInit:
                try r.inst.takeUnretainedValue().initMemory(segment: Int(i.ub), dst: lo32(sp[Int(i.ua)]), src: lo32(sp[Int(i.ua) + 1]), count: lo32(sp[Int(i.ua) + 2]))
            case .dataDrop: r.inst.takeUnretainedValue().droppedData[Int(i.ub)] = true

            case .refIsNull: sp[Int(i.ua)] = b(sp[Int(i.ub)] == 0)
            case .refFunc: sp[Int(i.ua)] = r.inst.takeUnretainedValue().functions[Int(i.ub)].bits
            case .tableGet:
                let t = r.inst.takeUnretainedValue().tables[Int(i.ub)]
                let idx = Int(lo32(sp[Int(i.ua)]))
                guard idx < t.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                sp[Int(i.ua)] = t.elements[idx]
            case .tableSet:
                let t = r.inst.takeUnretainedValue().tables[Int(i.ub)]
                let idx = Int(lo32(sp[Int(i.ua)]))
                guard idx < t.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                t.set(idx, sp[Int(i.ua) + 1])
            case .tableSize: sp[Int(i.ua)] = UInt64(r.inst.takeUnretainedValue().tables[Int(i.ub)].elements.count)
            case .tableGrow:
                let t = r.inst.takeUnretainedValue().tables[Int(i.ub)]
                sp[Int(i.ua)] = UInt64(t.grow(lo32(sp[Int(i.ua) + 1]), sp[Int(i.ua)]))
            case .tableFill:
                let t = r.inst.takeUnretainedValue().tables[Int(i.ub)]
                let d = Int(lo32(sp[Int(i.ua)])), v = sp[Int(i.ua) + 1], n = Int(lo32(sp[Int(i.ua) + 2]))
                guard d + n <= t.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                for k in 0..<n { t.set(d + k, v) }
            case .tableCopy:
                let o = r.inst.takeUnretainedValue()
                let dt = o.tables[Int(i.ub)], st = o.tables[Int(i.uc)]
                let d = Int(lo32(sp[Int(i.ua)])), src = Int(lo32(sp[Int(i.ua) + 1])), n = Int(lo32(sp[Int(i.ua) + 2]))
                guard d + n <= dt.elements.count, src + n <= st.elements.count else { throw Trap(.outOfBoundsTableAccess) }
                if d <= src { for k in 0..<n { dt.set(d + k, st.elements[src + k]) } }
                else { for k in (0..<n).reversed() { dt.set(d + k, st.elements[src + k]) } }
            case .tableInit:
                try r.inst.takeUnretainedValue().initTable(table: Int(i.ub), segment: Int(i.uc), dst: lo32(sp[Int(i.ua)]), src: lo32(sp[Int(i.ua) + 1]), count: lo32(sp[Int(i.ua) + 2]))
            case .elemDrop: r.inst.takeUnretainedValue().droppedElements[Int(i.ub)] = true
            case .i32AddImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &+ lo32(i.imm))
            case .i32SubImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &- lo32(i.imm))
            case .i32MulImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &* lo32(i.imm))
            case .i32AndImm: sp[Int(i.ua)] = sp[Int(i.ub)] & i.imm
            case .i32OrImm: sp[Int(i.ua)] = sp[Int(i.ub)] | i.imm
            case .i32XorImm: sp[Int(i.ua)] = sp[Int(i.ub)] ^ i.imm
            case .i32ShlImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &<< lo32(i.imm))
            case .i32ShrSImm: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: s32(sp[Int(i.ub)]) &>> s32(i.imm)))
            case .i32ShrUImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &>> lo32(i.imm))
            case .i32RotlImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).rotl(lo32(i.imm)))
            case .i32RotrImm: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).rotr(lo32(i.imm)))
            case .i32EqImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) == lo32(i.imm))
            case .i32NeImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) != lo32(i.imm))
            case .i32LtSImm: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) < s32(i.imm))
            case .i32LtUImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) < lo32(i.imm))
            case .i32GtSImm: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) > s32(i.imm))
            case .i32GtUImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) > lo32(i.imm))
            case .i32LeSImm: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) <= s32(i.imm))
            case .i32LeUImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) <= lo32(i.imm))
            case .i32GeSImm: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) >= s32(i.imm))
            case .i32GeUImm: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) >= lo32(i.imm))
            case .i64AddImm: sp[Int(i.ua)] = sp[Int(i.ub)] &+ i.imm
            case .i64SubImm: sp[Int(i.ua)] = sp[Int(i.ub)] &- i.imm
            case .i64MulImm: sp[Int(i.ua)] = sp[Int(i.ub)] &* i.imm
            case .i64AndImm: sp[Int(i.ua)] = sp[Int(i.ub)] & i.imm
            case .i64OrImm: sp[Int(i.ua)] = sp[Int(i.ub)] | i.imm
            case .i64XorImm: sp[Int(i.ua)] = sp[Int(i.ub)] ^ i.imm
            case .i64ShlImm: sp[Int(i.ua)] = sp[Int(i.ub)] &<< i.imm
            case .i64ShrSImm: sp[Int(i.ua)] = UInt64(bitPattern: Int64(bitPattern: sp[Int(i.ub)]) &>> Int64(bitPattern: i.imm))
            case .i64ShrUImm: sp[Int(i.ua)] = sp[Int(i.ub)] &>> i.imm
            case .i64EqImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] == i.imm)
            case .i64NeImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] != i.imm)
            case .i64LtSImm: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) < Int64(bitPattern: i.imm))
            case .i64LtUImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] < i.imm)
            case .i64GtSImm: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) > Int64(bitPattern: i.imm))
            case .i64GtUImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] > i.imm)
            case .i64LeSImm: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) <= Int64(bitPattern: i.imm))
            case .i64LeUImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] <= i.imm)
            case .i64GeSImm: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) >= Int64(bitPattern: i.imm))
            case .i64GeUImm: sp[Int(i.ua)] = b(sp[Int(i.ub)] >= i.imm)
            // compare and branch
            case .brIfEq: if lo32(sp[Int(i.ua)]) == lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfNe: if lo32(sp[Int(i.ua)]) != lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLtS: if s32(sp[Int(i.ua)]) < s32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLtU: if lo32(sp[Int(i.ua)]) < lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGtS: if s32(sp[Int(i.ua)]) > s32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGtU: if lo32(sp[Int(i.ua)]) > lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLeS: if s32(sp[Int(i.ua)]) <= s32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLeU: if lo32(sp[Int(i.ua)]) <= lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGeS: if s32(sp[Int(i.ua)]) >= s32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGeU: if lo32(sp[Int(i.ua)]) >= lo32(sp[Int(i.uc)]) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfEqImm: if lo32(sp[Int(i.ua)]) == lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfNeImm: if lo32(sp[Int(i.ua)]) != lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLtSImm: if s32(sp[Int(i.ua)]) < s32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLtUImm: if lo32(sp[Int(i.ua)]) < lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGtSImm: if s32(sp[Int(i.ua)]) > s32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGtUImm: if lo32(sp[Int(i.ua)]) > lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLeSImm: if s32(sp[Int(i.ua)]) <= s32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfLeUImm: if lo32(sp[Int(i.ua)]) <= lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGeSImm: if s32(sp[Int(i.ua)]) >= s32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }
            case .brIfGeUImm: if lo32(sp[Int(i.ua)]) >= lo32(i.imm) { pc = code + Int(i.ub); counter &-= Int64(i.imm &>> 32); if counter < 0 { counter = try meter.refill(counter) } }

            // i32 comparisons
            case .i32Eqz: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) == 0)
            case .i32Eq: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) == lo32(sp[Int(i.uc)]))
            case .i32Ne: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) != lo32(sp[Int(i.uc)]))
            case .i32LtS: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) < s32(sp[Int(i.uc)]))
            case .i32LtU: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) < lo32(sp[Int(i.uc)]))
            case .i32GtS: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) > s32(sp[Int(i.uc)]))
            case .i32GtU: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) > lo32(sp[Int(i.uc)]))
            case .i32LeS: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) <= s32(sp[Int(i.uc)]))
            case .i32LeU: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) <= lo32(sp[Int(i.uc)]))
            case .i32GeS: sp[Int(i.ua)] = b(s32(sp[Int(i.ub)]) >= s32(sp[Int(i.uc)]))
            case .i32GeU: sp[Int(i.ua)] = b(lo32(sp[Int(i.ub)]) >= lo32(sp[Int(i.uc)]))
            // i64 comparisons
            case .i64Eqz: sp[Int(i.ua)] = b(sp[Int(i.ub)] == 0)
            case .i64Eq: sp[Int(i.ua)] = b(sp[Int(i.ub)] == sp[Int(i.uc)])
            case .i64Ne: sp[Int(i.ua)] = b(sp[Int(i.ub)] != sp[Int(i.uc)])
            case .i64LtS: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) < Int64(bitPattern: sp[Int(i.uc)]))
            case .i64LtU: sp[Int(i.ua)] = b(sp[Int(i.ub)] < sp[Int(i.uc)])
            case .i64GtS: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) > Int64(bitPattern: sp[Int(i.uc)]))
            case .i64GtU: sp[Int(i.ua)] = b(sp[Int(i.ub)] > sp[Int(i.uc)])
            case .i64LeS: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) <= Int64(bitPattern: sp[Int(i.uc)]))
            case .i64LeU: sp[Int(i.ua)] = b(sp[Int(i.ub)] <= sp[Int(i.uc)])
            case .i64GeS: sp[Int(i.ua)] = b(Int64(bitPattern: sp[Int(i.ub)]) >= Int64(bitPattern: sp[Int(i.uc)]))
            case .i64GeU: sp[Int(i.ua)] = b(sp[Int(i.ub)] >= sp[Int(i.uc)])
            // float comparisons
            case .f32Eq: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) == f32(sp[Int(i.uc)]))
            case .f32Ne: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) != f32(sp[Int(i.uc)]))
            case .f32Lt: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) < f32(sp[Int(i.uc)]))
            case .f32Gt: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) > f32(sp[Int(i.uc)]))
            case .f32Le: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) <= f32(sp[Int(i.uc)]))
            case .f32Ge: sp[Int(i.ua)] = b(f32(sp[Int(i.ub)]) >= f32(sp[Int(i.uc)]))
            case .f64Eq: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) == f64(sp[Int(i.uc)]))
            case .f64Ne: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) != f64(sp[Int(i.uc)]))
            case .f64Lt: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) < f64(sp[Int(i.uc)]))
            case .f64Gt: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) > f64(sp[Int(i.uc)]))
            case .f64Le: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) <= f64(sp[Int(i.uc)]))
            case .f64Ge: sp[Int(i.ua)] = b(f64(sp[Int(i.ub)]) >= f64(sp[Int(i.uc)]))
            // i32 arithmetic
            case .i32Clz: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).leadingZeroBitCount)
            case .i32Ctz: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).trailingZeroBitCount)
            case .i32Popcnt: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).nonzeroBitCount)
            case .i32Add: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &+ lo32(sp[Int(i.uc)]))
            case .i32Sub: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &- lo32(sp[Int(i.uc)]))
            case .i32Mul: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &* lo32(sp[Int(i.uc)]))
            case .i32DivS:
                let x = s32(sp[Int(i.ub)]), y = s32(sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                if x == Int32.min && y == -1 { throw Trap(.integerOverflow) }
                sp[Int(i.ua)] = UInt64(UInt32(bitPattern: x / y))
            case .i32DivU:
                let x = lo32(sp[Int(i.ub)]), y = lo32(sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = UInt64(x / y)
            case .i32RemS:
                let x = s32(sp[Int(i.ub)]), y = s32(sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = y == -1 ? 0 : UInt64(UInt32(bitPattern: x % y))
            case .i32RemU:
                let x = lo32(sp[Int(i.ub)]), y = lo32(sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = UInt64(x % y)
            case .i32And: sp[Int(i.ua)] = sp[Int(i.ub)] & sp[Int(i.uc)]
            case .i32Or: sp[Int(i.ua)] = sp[Int(i.ub)] | sp[Int(i.uc)]
            case .i32Xor: sp[Int(i.ua)] = sp[Int(i.ub)] ^ sp[Int(i.uc)]
            case .i32Shl: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &<< lo32(sp[Int(i.uc)]))
            case .i32ShrS: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: s32(sp[Int(i.ub)]) &>> s32(sp[Int(i.uc)])))
            case .i32ShrU: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]) &>> lo32(sp[Int(i.uc)]))
            case .i32Rotl: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).rotl(lo32(sp[Int(i.uc)])))
            case .i32Rotr: sp[Int(i.ua)] = UInt64(lo32(sp[Int(i.ub)]).rotr(lo32(sp[Int(i.uc)])))
            // i64 arithmetic
            case .i64Clz: sp[Int(i.ua)] = UInt64(sp[Int(i.ub)].leadingZeroBitCount)
            case .i64Ctz: sp[Int(i.ua)] = UInt64(sp[Int(i.ub)].trailingZeroBitCount)
            case .i64Popcnt: sp[Int(i.ua)] = UInt64(sp[Int(i.ub)].nonzeroBitCount)
            case .i64Add: sp[Int(i.ua)] = sp[Int(i.ub)] &+ sp[Int(i.uc)]
            case .i64Sub: sp[Int(i.ua)] = sp[Int(i.ub)] &- sp[Int(i.uc)]
            case .i64Mul: sp[Int(i.ua)] = sp[Int(i.ub)] &* sp[Int(i.uc)]
            case .i64DivS:
                let x = Int64(bitPattern: sp[Int(i.ub)]), y = Int64(bitPattern: sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                if x == Int64.min && y == -1 { throw Trap(.integerOverflow) }
                sp[Int(i.ua)] = UInt64(bitPattern: x / y)
            case .i64DivU:
                let x = sp[Int(i.ub)], y = sp[Int(i.uc)]
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = x / y
            case .i64RemS:
                let x = Int64(bitPattern: sp[Int(i.ub)]), y = Int64(bitPattern: sp[Int(i.uc)])
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = y == -1 ? 0 : UInt64(bitPattern: x % y)
            case .i64RemU:
                let x = sp[Int(i.ub)], y = sp[Int(i.uc)]
                if y == 0 { throw Trap(.integerDivideByZero) }
                sp[Int(i.ua)] = x % y
            case .i64And: sp[Int(i.ua)] = sp[Int(i.ub)] & sp[Int(i.uc)]
            case .i64Or: sp[Int(i.ua)] = sp[Int(i.ub)] | sp[Int(i.uc)]
            case .i64Xor: sp[Int(i.ua)] = sp[Int(i.ub)] ^ sp[Int(i.uc)]
            case .i64Shl: sp[Int(i.ua)] = sp[Int(i.ub)] &<< sp[Int(i.uc)]
            case .i64ShrS: sp[Int(i.ua)] = UInt64(bitPattern: Int64(bitPattern: sp[Int(i.ub)]) &>> Int64(bitPattern: sp[Int(i.uc)]))
            case .i64ShrU: sp[Int(i.ua)] = sp[Int(i.ub)] &>> sp[Int(i.uc)]
            case .i64Rotl: sp[Int(i.ua)] = sp[Int(i.ub)].rotl(sp[Int(i.uc)])
            case .i64Rotr: sp[Int(i.ua)] = sp[Int(i.ub)].rotr(sp[Int(i.uc)])
            // f32 arithmetic
            case .f32Abs: sp[Int(i.ua)] = sp[Int(i.ub)] & 0x7FFF_FFFF
            case .f32Neg: sp[Int(i.ua)] = (sp[Int(i.ub)] ^ 0x8000_0000) & 0xFFFF_FFFF
            case .f32Ceil: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]).rounded(.up))
            case .f32Floor: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]).rounded(.down))
            case .f32Trunc: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]).rounded(.towardZero))
            case .f32Nearest: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]).rounded(.toNearestOrEven))
            case .f32Sqrt: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]).squareRoot())
            case .f32Add: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]) + f32(sp[Int(i.uc)]))
            case .f32Sub: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]) - f32(sp[Int(i.uc)]))
            case .f32Mul: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]) * f32(sp[Int(i.uc)]))
            case .f32Div: sp[Int(i.ua)] = bits(f32(sp[Int(i.ub)]) / f32(sp[Int(i.uc)]))
            case .f32Min: sp[Int(i.ua)] = bits(FloatOps.min(f32(sp[Int(i.ub)]), f32(sp[Int(i.uc)])))
            case .f32Max: sp[Int(i.ua)] = bits(FloatOps.max(f32(sp[Int(i.ub)]), f32(sp[Int(i.uc)])))
            case .f32Copysign: sp[Int(i.ua)] = (sp[Int(i.ub)] & 0x7FFF_FFFF) | (sp[Int(i.uc)] & 0x8000_0000)
            // f64 arithmetic
            case .f64Abs: sp[Int(i.ua)] = sp[Int(i.ub)] & 0x7FFF_FFFF_FFFF_FFFF
            case .f64Neg: sp[Int(i.ua)] = sp[Int(i.ub)] ^ 0x8000_0000_0000_0000
            case .f64Ceil: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]).rounded(.up))
            case .f64Floor: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]).rounded(.down))
            case .f64Trunc: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]).rounded(.towardZero))
            case .f64Nearest: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]).rounded(.toNearestOrEven))
            case .f64Sqrt: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]).squareRoot())
            case .f64Add: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) + f64(sp[Int(i.uc)]))
            case .f64Sub: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) - f64(sp[Int(i.uc)]))
            case .f64Mul: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) * f64(sp[Int(i.uc)]))
            case .f64Div: sp[Int(i.ua)] = bits(f64(sp[Int(i.ub)]) / f64(sp[Int(i.uc)]))
            case .f64Min: sp[Int(i.ua)] = bits(FloatOps.min(f64(sp[Int(i.ub)]), f64(sp[Int(i.uc)])))
            case .f64Max: sp[Int(i.ua)] = bits(FloatOps.max(f64(sp[Int(i.ub)]), f64(sp[Int(i.uc)])))
            case .f64Copysign: sp[Int(i.ua)] = (sp[Int(i.ub)] & 0x7FFF_FFFF_FFFF_FFFF) | (sp[Int(i.uc)] & 0x8000_0000_0000_0000)
            // conversions
            case .i32WrapI64: sp[Int(i.ua)] = sp[Int(i.ub)] & 0xFFFF_FFFF
            case .i32TruncF32S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: try FloatOps.truncI32S(Double(f32(sp[Int(i.ub)])))))
            case .i32TruncF32U: sp[Int(i.ua)] = UInt64(try FloatOps.truncI32U(Double(f32(sp[Int(i.ub)]))))
            case .i32TruncF64S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: try FloatOps.truncI32S(f64(sp[Int(i.ub)]))))
            case .i32TruncF64U: sp[Int(i.ua)] = UInt64(try FloatOps.truncI32U(f64(sp[Int(i.ub)])))
            case .i64ExtendI32S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(s32(sp[Int(i.ub)])))
            case .i64ExtendI32U: sp[Int(i.ua)] = sp[Int(i.ub)] & 0xFFFF_FFFF
            case .i64TruncF32S: sp[Int(i.ua)] = UInt64(bitPattern: try FloatOps.truncI64S(Double(f32(sp[Int(i.ub)]))))
            case .i64TruncF32U: sp[Int(i.ua)] = try FloatOps.truncI64U(Double(f32(sp[Int(i.ub)])))
            case .i64TruncF64S: sp[Int(i.ua)] = UInt64(bitPattern: try FloatOps.truncI64S(f64(sp[Int(i.ub)])))
            case .i64TruncF64U: sp[Int(i.ua)] = try FloatOps.truncI64U(f64(sp[Int(i.ub)]))
            case .f32ConvertI32S: sp[Int(i.ua)] = bits(Float(s32(sp[Int(i.ub)])))
            case .f32ConvertI32U: sp[Int(i.ua)] = bits(Float(lo32(sp[Int(i.ub)])))
            case .f32ConvertI64S: sp[Int(i.ua)] = bits(Float(Int64(bitPattern: sp[Int(i.ub)])))
            case .f32ConvertI64U: sp[Int(i.ua)] = bits(Float(sp[Int(i.ub)]))
            case .f32DemoteF64: sp[Int(i.ua)] = bits(FloatOps.demote(f64(sp[Int(i.ub)])))
            case .f64ConvertI32S: sp[Int(i.ua)] = bits(Double(s32(sp[Int(i.ub)])))
            case .f64ConvertI32U: sp[Int(i.ua)] = bits(Double(lo32(sp[Int(i.ub)])))
            case .f64ConvertI64S: sp[Int(i.ua)] = bits(Double(Int64(bitPattern: sp[Int(i.ub)])))
            case .f64ConvertI64U: sp[Int(i.ua)] = bits(Double(sp[Int(i.ub)]))
            case .f64PromoteF32: sp[Int(i.ua)] = bits(FloatOps.promote(f32(sp[Int(i.ub)])))
            case .i32ReinterpretF32, .i64ReinterpretF64, .f32ReinterpretI32, .f64ReinterpretI64: sp[Int(i.ua)] = sp[Int(i.ub)]
            case .i32Extend8S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: sp[Int(i.ub)]))))
            case .i32Extend16S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: sp[Int(i.ub)]))))
            case .i64Extend8S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: sp[Int(i.ub)])))
            case .i64Extend16S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: sp[Int(i.ub)])))
            case .i64Extend32S: sp[Int(i.ua)] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: sp[Int(i.ub)])))
            case .i32TruncSatF32S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: FloatOps.satI32S(Double(f32(sp[Int(i.ub)])))))
            case .i32TruncSatF32U: sp[Int(i.ua)] = UInt64(FloatOps.satI32U(Double(f32(sp[Int(i.ub)]))))
            case .i32TruncSatF64S: sp[Int(i.ua)] = UInt64(UInt32(bitPattern: FloatOps.satI32S(f64(sp[Int(i.ub)]))))
            case .i32TruncSatF64U: sp[Int(i.ua)] = UInt64(FloatOps.satI32U(f64(sp[Int(i.ub)])))
            case .i64TruncSatF32S: sp[Int(i.ua)] = UInt64(bitPattern: FloatOps.satI64S(Double(f32(sp[Int(i.ub)]))))
            case .i64TruncSatF32U: sp[Int(i.ua)] = FloatOps.satI64U(Double(f32(sp[Int(i.ub)])))
            case .i64TruncSatF64S: sp[Int(i.ua)] = UInt64(bitPattern: FloatOps.satI64S(f64(sp[Int(i.ub)])))
            case .i64TruncSatF64U: sp[Int(i.ua)] = FloatOps.satI64U(f64(sp[Int(i.ub)]))
            }
        }
    }
}

/// The interpreter's machine state for the current frame and instance.
struct Registers {
    var sp: UnsafeMutablePointer<UInt64>
    var pc = 0
    var inst: Unmanaged<InstanceState>
    var code: UnsafeMutablePointer<Instruction>
    var metas: UnsafeMutablePointer<FunctionMeta>
    var globals: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    var mem: UnsafeMutableRawPointer
    var memSize: UInt64
    var depth = 0
    let stackEnd: UnsafeMutablePointer<UInt64>
    let frames: UnsafeMutablePointer<CallFrame>
    let maxDepth: Int

    init(_ o: InstanceState, sp: UnsafeMutablePointer<UInt64>, stackEnd: UnsafeMutablePointer<UInt64>, frames: UnsafeMutablePointer<CallFrame>, maxDepth: Int) {
        self.sp = sp
        self.inst = Unmanaged.passUnretained(o)
        self.code = o.module.code.baseAddress!
        self.metas = o.module.functions.baseAddress!
        self.globals = o.globalCells
        self.mem = o.memories.first?.base ?? UnsafeMutableRawPointer(bitPattern: 8)!
        self.memSize = UInt64(o.memories.first?.byteCount ?? 0)
        self.stackEnd = stackEnd
        self.frames = frames
        self.maxDepth = maxDepth
    }

    mutating func switchTo(_ o: InstanceState) {
        inst = Unmanaged.passUnretained(o)
        code = o.module.code.baseAddress!
        metas = o.module.functions.baseAddress!
        globals = o.globalCells
    }

    mutating func reloadMemory() {
        let o = inst.takeUnretainedValue()
        if let m = o.memories.first { mem = m.base; memSize = UInt64(m.byteCount) } else { memSize = 0 }
    }

    /// call to an import, or call_indirect: may reach a host function or another instance.
    mutating func callSlow(_ i: Instruction) throws(Trap) {
        let o = inst.takeUnretainedValue()
        let f: FunctionInstance
        if i.op == .callImport {
            f = o.functions[Int(i.ua)]
        } else {
            let table = o.tables[Int(i.ua)]
            let idx = Int(lo32(sp[Int(UInt32(truncatingIfNeeded: i.imm))]))
            guard idx < table.elements.count else { throw Trap(.undefinedElement) }
            guard let g = FunctionInstance.from(bits: table.elements[idx]) else { throw Trap(.uninitializedElement) }
            guard g.typeID == o.module.typeIDs[Int(i.uc)] else { throw Trap(.indirectCallTypeMismatch) }
            f = g
        }
        let argBase = sp + Int(i.ub)
        if f.host != nil {
            try InstanceState.callHost(f, args: argBase, end: stackEnd, caller: o)
            reloadMemory()
            return
        }
        let caller = inst
        if f.ownerID != ObjectIdentifier(o) {
            guard let owner = f.owner else { throw Trap(.host("the function's instance no longer exists")) }
            switchTo(owner)
            reloadMemory()
        }
        let m = metas[f.index]
        guard depth < maxDepth, argBase + Int(m.slotCount) <= stackEnd else {
            if f.ownerID != ObjectIdentifier(o) { switchTo(o); reloadMemory() }
            throw Trap(.callStackExhausted)
        }
        frames[depth] = CallFrame(returnPC: pc, fp: sp, instance: caller)
        depth += 1
        var k = Int(m.paramCount)
        while k < Int(m.localCount) { argBase[k] = 0; k += 1 }
        sp = argBase
        pc = Int(m.entry)
    }
}
