// The decoded (not yet translated) shape of a module: sections' contents as plain values.

enum ConstExpr: Equatable, Sendable {
    case i32(UInt32), i64(UInt64), f32(UInt32), f64(UInt64)
    case refNull(ValueType)
    case refFunc(UInt32)
    case globalGet(UInt32)
}

enum ElementMode: Equatable, Sendable {
    case passive, declarative
    case active(table: UInt32, offset: ConstExpr)
}

struct ElementSegment: Sendable {
    var type: ValueType
    var mode: ElementMode
    var items: [ConstExpr]
}

enum DataMode: Equatable, Sendable {
    case passive
    case active(memory: UInt32, offset: ConstExpr)
}

struct DataSegment: Sendable {
    var mode: DataMode
    var bytes: [UInt8]
}

struct CodeBody: Sendable {
    var locals: [ValueType]
    var start: Int      // first instruction byte
    var end: Int        // one past the final `end` opcode
}

struct ModuleInfo: Sendable {
    var types: [FunctionType] = []
    var imports: [ImportInfo] = []
    var functions: [UInt32] = []            // type index per defined function
    var tables: [TableType] = []            // defined tables
    var memories: [MemoryType] = []         // defined memories
    var globals: [(GlobalType, ConstExpr)] = []
    var exports: [ExportInfo] = []
    var start: UInt32?
    var elements: [ElementSegment] = []
    var datas: [DataSegment] = []
    var dataCount: UInt32?
    var codes: [CodeBody] = []

    // Index spaces including imports.
    var importedFunctionTypes: [UInt32] = []
    var importedTables: [TableType] = []
    var importedMemories: [MemoryType] = []
    var importedGlobals: [GlobalType] = []

    var allFunctionTypes: [UInt32] { importedFunctionTypes + functions }
    var allTables: [TableType] { importedTables + tables }
    var allMemories: [MemoryType] { importedMemories + memories }
    var allGlobals: [GlobalType] { importedGlobals + globals.map { $0.0 } }
}
