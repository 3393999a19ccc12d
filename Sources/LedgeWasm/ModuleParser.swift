// Binary decoder: reads sections of a module into ModuleInfo, checking structure (malformed errors).

struct ModuleParser {
    let bytes: [UInt8]

    static let sectionNames = ["custom", "type", "import", "function", "table", "memory", "global",
                               "export", "start", "element", "code", "data", "data count"]
    /// Position of each section id in the required order (custom sections excluded).
    static func orderRank(_ id: UInt8) -> Int {
        switch id {
        case 1...9: Int(id)
        case 12: 10
        case 10: 11
        case 11: 12
        default: 0
        }
    }

    func parse() throws(WasmError) -> ModuleInfo {
        var r = ByteReader(bytes)
        guard bytes.count >= 4 else { throw WasmError(kind: .malformed, offset: 0, message: "unexpected end (magic header)") }
        guard bytes[0] == 0, bytes[1] == 0x61, bytes[2] == 0x73, bytes[3] == 0x6D else {
            throw WasmError(kind: .malformed, offset: 0, message: "magic header not detected")
        }
        guard bytes.count >= 8 else { throw WasmError(kind: .malformed, offset: 4, message: "unexpected end (unknown binary version)") }
        guard bytes[4] == 1, bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 else {
            throw WasmError(kind: .malformed, offset: 4, message: "unknown binary version")
        }
        r.pos = 8
        var info = ModuleInfo()
        var lastRank = 0
        var sawFunctionSection = false
        var sawCodeSection = false
        while !r.atEnd {
            let idOffset = r.pos
            let id = try r.byte()
            guard id <= 12 else { throw WasmError(kind: .malformed, offset: idOffset, message: "malformed section id \(id)") }
            let name = Self.sectionNames[Int(id)]
            r.section = name
            let size = Int(try r.u32())
            guard r.end - r.pos >= size else { throw r.malformed("section size exceeds module size (unexpected end)") }
            if id != 0 {
                let rank = Self.orderRank(id)
                guard rank > lastRank else {
                    throw WasmError(kind: .malformed, section: name, offset: idOffset, message: "unexpected content after last section (section out of order or duplicated)")
                }
                lastRank = rank
            }
            var s = ByteReader(bytes, start: r.pos, end: r.pos + size, section: name)
            switch id {
            case 0: _ = try s.name(); s.pos = s.end
            case 1: try parseTypes(&s, &info)
            case 2: try parseImports(&s, &info)
            case 3: sawFunctionSection = true; try parseFunctions(&s, &info)
            case 4: try parseTables(&s, &info)
            case 5: try parseMemories(&s, &info)
            case 6: try parseGlobals(&s, &info)
            case 7: try parseExports(&s, &info)
            case 8: info.start = try s.u32()
            case 9: try parseElements(&s, &info)
            case 10: sawCodeSection = true; try parseCode(&s, &info)
            case 11: try parseData(&s, &info)
            case 12: info.dataCount = try s.u32()
            default: break
            }
            guard s.pos == s.end else { throw s.malformed("section size mismatch") }
            r.pos += size
        }
        _ = sawFunctionSection
        _ = sawCodeSection
        guard info.functions.count == info.codes.count else {
            throw WasmError(kind: .malformed, section: "code", message: "function and code section have inconsistent lengths")
        }
        if let dc = info.dataCount, Int(dc) != info.datas.count {
            throw WasmError(kind: .malformed, section: "data", message: "data count and data section have inconsistent lengths")
        }
        return info
    }

    // MARK: types

    static func valueType(_ r: inout ByteReader) throws(WasmError) -> ValueType {
        let at = r.pos
        switch try r.byte() {
        case 0x7F: return .i32
        case 0x7E: return .i64
        case 0x7D: return .f32
        case 0x7C: return .f64
        case 0x7B: return .v128
        case 0x70: return .funcRef
        case 0x6F: return .externRef
        case let b: throw r.malformed("malformed value type 0x\(String(b, radix: 16))", at: at)
        }
    }

    static func refType(_ r: inout ByteReader) throws(WasmError) -> ValueType {
        let at = r.pos
        switch try r.byte() {
        case 0x70: return .funcRef
        case 0x6F: return .externRef
        case let b: throw r.malformed("malformed reference type 0x\(String(b, radix: 16))", at: at)
        }
    }

    func count(_ r: inout ByteReader) throws(WasmError) -> Int {
        let n = Int(try r.u32())
        // Every element takes at least one byte: a larger count cannot fit.
        guard n <= r.end - r.pos else { throw r.malformed("unexpected end of section or function (count \(n) too large)") }
        return n
    }

    func parseTypes(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let at = r.pos
            guard try r.byte() == 0x60 else { throw r.malformed("integer representation too long (expected function type 0x60)", at: at) }
            var params: [ValueType] = []
            for _ in 0..<(try count(&r)) { params.append(try Self.valueType(&r)) }
            var results: [ValueType] = []
            for _ in 0..<(try count(&r)) { results.append(try Self.valueType(&r)) }
            info.types.append(FunctionType(params: params, results: results))
        }
    }

    func limits(_ r: inout ByteReader) throws(WasmError) -> (UInt32, UInt32?) {
        let at = r.pos
        let flag = try r.byte()
        switch flag {
        case 0: return (try r.u32(), nil)
        case 1: return (try r.u32(), try r.u32())
        default: throw r.malformed("integer too large (limits flag \(flag))", at: at)
        }
    }

    func tableType(_ r: inout ByteReader) throws(WasmError) -> TableType {
        let t = try Self.refType(&r)
        let (min, max) = try limits(&r)
        return TableType(element: t, min: min, max: max)
    }

    func memoryType(_ r: inout ByteReader) throws(WasmError) -> MemoryType {
        let (min, max) = try limits(&r)
        return MemoryType(min: min, max: max)
    }

    func globalType(_ r: inout ByteReader) throws(WasmError) -> GlobalType {
        let t = try Self.valueType(&r)
        let at = r.pos
        let m = try r.byte()
        guard m <= 1 else { throw r.malformed("malformed mutability", at: at) }
        return GlobalType(type: t, mutable: m == 1)
    }

    func parseImports(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let module = try r.name()
            let name = try r.name()
            let at = r.pos
            let kind = try r.byte()
            let type: ImportType
            switch kind {
            case 0:
                let idx = try r.u32()
                guard Int(idx) < info.types.count else {
                    throw WasmError(kind: .invalid, section: r.section, offset: at, message: "unknown type \(idx)")
                }
                info.importedFunctionTypes.append(idx)
                type = .function(info.types[Int(idx)])
            case 1:
                let t = try tableType(&r); info.importedTables.append(t); type = .table(t)
            case 2:
                let m = try memoryType(&r); info.importedMemories.append(m); type = .memory(m)
            case 3:
                let g = try globalType(&r); info.importedGlobals.append(g); type = .global(g)
            default:
                throw r.malformed("malformed import kind \(kind)", at: at)
            }
            info.imports.append(ImportInfo(module: module, name: name, type: type))
        }
    }

    func parseFunctions(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) { info.functions.append(try r.u32()) }
    }

    func parseTables(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) { info.tables.append(try tableType(&r)) }
    }

    func parseMemories(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) { info.memories.append(try memoryType(&r)) }
    }

    /// A constant expression: constant instructions up to `end`. Type checks happen in validation.
    static func constExpr(_ r: inout ByteReader) throws(WasmError) -> [ConstExpr] {
        var out: [ConstExpr] = []
        while true {
            let at = r.pos
            let op = try r.byte()
            switch op {
            case 0x0B: return out
            case 0x41: out.append(.i32(UInt32(bitPattern: try r.s32())))
            case 0x42: out.append(.i64(UInt64(bitPattern: try r.s64())))
            case 0x43: out.append(.f32(try r.u32Fixed()))
            case 0x44: out.append(.f64(try r.u64Fixed()))
            case 0xD0: out.append(.refNull(try refType(&r)))
            case 0xD2: out.append(.refFunc(try r.u32()))
            case 0x23: out.append(.globalGet(try r.u32()))
            default:
                // Decode far enough to tell malformed from non-constant.
                if OpcodeTable.isKnown(op) {
                    throw WasmError(kind: .invalid, section: r.section, offset: at, message: "constant expression required")
                }
                throw r.malformed("illegal opcode 0x\(String(op, radix: 16))", at: at)
            }
        }
    }

    func parseGlobals(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let g = try globalType(&r)
            let at = r.pos
            let e = try Self.constExpr(&r)
            info.globals.append((g, try Self.single(e, at: at, section: r.section)))
        }
    }

    static func single(_ e: [ConstExpr], at: Int, section: String?) throws(WasmError) -> ConstExpr {
        guard e.count == 1 else {
            throw WasmError(kind: .invalid, section: section, offset: at, message: "type mismatch (constant expression must produce exactly one value)")
        }
        return e[0]
    }

    func parseExports(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let name = try r.name()
            let at = r.pos
            let k = try r.byte()
            let kind: ExternalKind
            switch k {
            case 0: kind = .function
            case 1: kind = .table
            case 2: kind = .memory
            case 3: kind = .global
            default: throw r.malformed("malformed export kind \(k)", at: at)
            }
            info.exports.append(ExportInfo(name: name, kind: kind, index: try r.u32()))
        }
    }

    func parseElements(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let at = r.pos
            let flags = try r.u32()
            guard flags <= 7 else { throw r.malformed("malformed elements segment kind \(flags)", at: at) }
            var mode: ElementMode
            var table: UInt32 = 0
            if flags & 2 != 0 && flags & 1 == 0 { table = try r.u32() }
            if flags & 1 == 0 {
                let eat = r.pos
                mode = .active(table: table, offset: try Self.single(try Self.constExpr(&r), at: eat, section: r.section))
            } else {
                mode = flags & 2 != 0 ? .declarative : .passive
            }
            var type: ValueType = .funcRef
            var items: [ConstExpr] = []
            let usesExprs = flags & 4 != 0
            if flags & 3 != 0 {
                if usesExprs { type = try Self.refType(&r) } else {
                    let kat = r.pos
                    guard try r.byte() == 0 else { throw r.malformed("malformed element kind", at: kat) }
                }
            }
            let n = try count(&r)
            for _ in 0..<n {
                if usesExprs {
                    let eat = r.pos
                    items.append(try Self.single(try Self.constExpr(&r), at: eat, section: r.section))
                } else {
                    items.append(.refFunc(try r.u32()))
                }
            }
            info.elements.append(ElementSegment(type: type, mode: mode, items: items))
        }
    }

    func parseCode(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let size = Int(try r.u32())
            guard r.end - r.pos >= size else { throw r.malformed("unexpected end of section or function") }
            var b = ByteReader(bytes, start: r.pos, end: r.pos + size, section: "code")
            var locals: [ValueType] = []
            var total: UInt64 = 0
            for _ in 0..<(try count(&b)) {
                let n = try b.u32()
                total += UInt64(n)
                guard total <= 50_000 else { throw b.malformed("too many locals") }
                let t = try Self.valueType(&b)
                locals.append(contentsOf: repeatElement(t, count: Int(n)))
            }
            info.codes.append(CodeBody(locals: locals, start: b.pos, end: b.end))
            r.pos += size
        }
    }

    func parseData(_ r: inout ByteReader, _ info: inout ModuleInfo) throws(WasmError) {
        for _ in 0..<(try count(&r)) {
            let at = r.pos
            let flags = try r.u32()
            var mode: DataMode
            switch flags {
            case 0:
                let eat = r.pos
                mode = .active(memory: 0, offset: try Self.single(try Self.constExpr(&r), at: eat, section: r.section))
            case 1: mode = .passive
            case 2:
                let mem = try r.u32()
                let eat = r.pos
                mode = .active(memory: mem, offset: try Self.single(try Self.constExpr(&r), at: eat, section: r.section))
            default: throw r.malformed("malformed data segment kind \(flags)", at: at)
            }
            let n = Int(try r.u32())
            info.datas.append(DataSegment(mode: mode, bytes: Array(try r.take(n))))
        }
    }
}
