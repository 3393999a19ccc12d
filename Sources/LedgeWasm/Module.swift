// A decoded, validated and translated module: immutable, Sendable, shared by all its instances.

struct FunctionMeta {
    var entry: Int32          // first instruction in the module's code
    var paramCount: Int32
    var localCount: Int32     // params + declared locals
    var slotCount: Int32      // locals + maximum operand stack height
    var resultCount: Int32
    var typeIndex: Int32
}

public final class Module: @unchecked Sendable {
    let info: ModuleInfo
    let code: UnsafeMutableBufferPointer<Instruction>
    let functions: UnsafeMutableBufferPointer<FunctionMeta>
    let typeIDs: [Int]
    public let imports: [ImportInfo]
    public let exports: [ExportInfo]

    public init(bytes: [UInt8]) throws(WasmError) {
        let info = try ModuleParser(bytes: bytes).parse()
        let ctx = try Self.validate(info)
        var code: [Instruction] = []
        var metas: [FunctionMeta] = []
        var usesDataCount = false
        for (k, body) in info.codes.enumerated() {
            let type = info.types[Int(info.functions[k])]
            let entry = code.count
            var fc = FunctionCompiler(ctx: ctx, bytes: bytes, body: body, type: type, codeBase: code)
            code = []
            let out: (code: [Instruction], slots: Int, usesDataCount: Bool)
            do { out = try fc.compile() } catch {
                // A malformed encoding anywhere in the code section wins over a validation error.
                if error.kind == .invalid { for b in info.codes { try BodySkimmer.skim(bytes, b) } }
                throw error
            }
            code = out.code
            usesDataCount = usesDataCount || out.usesDataCount
            metas.append(FunctionMeta(entry: Int32(entry), paramCount: Int32(type.params.count),
                                      localCount: Int32(type.params.count + body.locals.count),
                                      slotCount: Int32(out.slots + type.results.count + 1),
                                      resultCount: Int32(type.results.count), typeIndex: Int32(info.functions[k])))
        }
        self.info = info
        let codeStorage = UnsafeMutableBufferPointer<Instruction>.allocate(capacity: max(code.count, 1))
        _ = codeStorage.initialize(from: code)
        self.code = UnsafeMutableBufferPointer(rebasing: codeStorage[0..<code.count])
        // At least one element is allocated (a non-nil base), but the buffer covers only the initialised
        // ones: a module without functions has `functions.count == 0`.
        let storage = UnsafeMutableBufferPointer<FunctionMeta>.allocate(capacity: max(metas.count, 1))
        _ = storage.initialize(from: metas)
        self.functions = UnsafeMutableBufferPointer(rebasing: storage[0..<metas.count])
        self.typeIDs = info.types.map { TypeInterner.id($0) }
        self.imports = info.imports
        self.exports = info.exports
    }

    deinit {
        code.deallocate()
        functions.deallocate()
    }

    /// The function type of function `index` (imports first).
    func functionType(_ index: Int) -> FunctionType {
        info.types[Int(info.allFunctionTypes[index])]
    }

    public func exportedFunctionType(_ name: String) -> FunctionType? {
        guard let e = exports.first(where: { $0.name.utf8.elementsEqual(name.utf8) && $0.kind == .function }) else { return nil }
        return functionType(Int(e.index))
    }

    // MARK: module-level validation

    static func invalid(_ section: String, _ message: String) -> WasmError {
        WasmError(kind: .invalid, section: section, message: message)
    }

    static func constType(_ e: ConstExpr, _ info: ModuleInfo, section: String) throws(WasmError) -> ValueType {
        switch e {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        case .refNull(let t): return t
        case .refFunc(let f):
            guard Int(f) < info.importedFunctionTypes.count + info.functions.count else { throw invalid(section, "unknown function \(f)") }
            return .funcRef
        case .globalGet(let g):
            guard Int(g) < info.importedGlobals.count else { throw invalid(section, "unknown global \(g)") }
            guard !info.importedGlobals[Int(g)].mutable else { throw invalid(section, "constant expression required") }
            return info.importedGlobals[Int(g)].type
        }
    }

    static func validate(_ info: ModuleInfo) throws(WasmError) -> ValidationContext {
        for t in info.functions where Int(t) >= info.types.count { throw invalid("function", "unknown type \(t)") }
        for t in info.types { if t.params.contains(.v128) || t.results.contains(.v128) { throw WasmError(kind: .malformed, section: "type", message: "SIMD not supported (v128 type)") } }
        let tables = info.allTables
        for t in tables { if let max = t.max, t.min > max { throw invalid("table", "size minimum must not be greater than maximum") } }
        let memories = info.allMemories
        guard memories.count <= 1 else { throw invalid("memory", "multiple memories") }
        for m in memories {
            if m.min > 65536 || (m.max ?? 0) > 65536 { throw invalid("memory", "memory size must be at most 65536 pages (4GiB)") }
            if let max = m.max, m.min > max { throw invalid("memory", "size minimum must not be greater than maximum") }
        }
        var refs = Set<UInt32>()
        for (g, e) in info.globals {
            if g.type == .v128 { throw WasmError(kind: .malformed, section: "global", message: "SIMD not supported (v128 global)") }
            guard try constType(e, info, section: "global") == g.type else { throw invalid("global", "type mismatch (global initializer)") }
            if case .refFunc(let f) = e { refs.insert(f) }
        }
        for g in info.importedGlobals where g.type == .v128 {
            throw WasmError(kind: .malformed, section: "import", message: "SIMD not supported (v128 global)")
        }
        let functionCount = info.importedFunctionTypes.count + info.functions.count
        var names = Set<NameKey>()
        for e in info.exports {
            guard names.insert(NameKey(e.name)).inserted else { throw invalid("export", "duplicate export name \"\(e.name)\"") }
            switch e.kind {
            case .function:
                guard Int(e.index) < functionCount else { throw invalid("export", "unknown function \(e.index)") }
                refs.insert(e.index)
            case .table: guard Int(e.index) < tables.count else { throw invalid("export", "unknown table \(e.index)") }
            case .memory: guard Int(e.index) < memories.count else { throw invalid("export", "unknown memory \(e.index)") }
            case .global: guard Int(e.index) < info.allGlobals.count else { throw invalid("export", "unknown global \(e.index)") }
            }
        }
        if let s = info.start {
            guard Int(s) < functionCount else { throw invalid("start", "unknown function \(s)") }
            let t = info.types[Int(info.allFunctionTypes[Int(s)])]
            guard t.params.isEmpty && t.results.isEmpty else { throw invalid("start", "start function must have type [] -> []") }
        }
        for seg in info.elements {
            if case .active(let table, let offset) = seg.mode {
                guard Int(table) < tables.count else { throw invalid("element", "unknown table \(table)") }
                guard try constType(offset, info, section: "element") == .i32 else { throw invalid("element", "type mismatch (offset must be i32)") }
                guard tables[Int(table)].element == seg.type else { throw invalid("element", "type mismatch (segment and table element types differ)") }
            }
            for item in seg.items {
                guard try constType(item, info, section: "element") == seg.type else { throw invalid("element", "type mismatch (element expression)") }
                if case .refFunc(let f) = item { refs.insert(f) }
            }
        }
        for seg in info.datas {
            if case .active(let mem, let offset) = seg.mode {
                guard Int(mem) < memories.count else { throw invalid("data", "unknown memory \(mem)") }
                guard try constType(offset, info, section: "data") == .i32 else { throw invalid("data", "type mismatch (offset must be i32)") }
            }
        }
        return ValidationContext(types: info.types, functionTypes: info.allFunctionTypes,
                                 importedFunctionCount: info.importedFunctionTypes.count, tables: tables,
                                 memoryCount: memories.count, globals: info.allGlobals,
                                 elementTypes: info.elements.map { $0.type }, dataCount: info.dataCount, dataSegments: info.datas.count,
                                 declaredRefs: refs)
    }
}
