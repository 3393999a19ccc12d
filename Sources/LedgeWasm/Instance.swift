// An instantiated module: linking, segment initialization, the start function and the public invoke API.

/// A function export resolved once and invoked many times.
public struct ExportedFunction: @unchecked Sendable {
    let function: FunctionInstance
    public var type: FunctionType { function.type }
}

/// The state of an instance. Its own functions point back at it (a cycle the `Instance` handle breaks
/// when it goes away and nothing else holds those functions).
final class InstanceState {
    let module: Module
    weak var handle: Instance?
    var functions: [FunctionInstance] = []
    var tables: [TableInstance] = []
    var memories: [MemoryInstance] = []
    var globals: [GlobalInstance] = []
    /// Pointers to the globals' cells, for the interpreter.
    var globalCells: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    var droppedElements: [Bool]
    var droppedData: [Bool]
    /// Element segments evaluated at instantiation (slot encodings).
    var elementItems: [[UInt64]] = []
    var keepAlive: [AnyObject] = []
    var limitsStorage: Limits
    var stack: ExecutionStack?
    var fuelUsed: UInt64 = 0

    var limits: Limits {
        get { limitsStorage }
        set {
            limitsStorage = newValue
            for m in memories { m.limitPages = min(m.type.max ?? 65536, newValue.maxMemoryPages) }
            for t in tables { t.limitElements = newValue.maxTableElements }
        }
    }

    /// True when memory.grow or table.grow was refused by the limits (not by the module's own maximum)
    /// since the last reset; reading with `reset` clears it.
    func growRefusedByLimits(reset: Bool) -> (memory: Bool, table: Bool) {
        let m = memories.contains { $0.refusedByLimit }
        let t = tables.contains { $0.refusedByLimit }
        if reset {
            for x in memories { x.refusedByLimit = false }
            for x in tables { x.refusedByLimit = false }
        }
        return (m, t)
    }

    init(module: Module, imports: Imports, limits: Limits) throws {
        self.module = module
        self.limitsStorage = limits
        let info = module.info
        self.droppedElements = Array(repeating: false, count: info.elements.count)
        self.droppedData = Array(repeating: false, count: info.datas.count)
        self.globalCells = .allocate(capacity: max(info.importedGlobals.count + info.globals.count, 1))

        // Imports.
        for imp in info.imports {
            guard let v = imports.lookup(module: imp.module, name: imp.name) else {
                throw WasmError(kind: .unlinkable, section: "import", message: "unknown import \"\(imp.module)\" \"\(imp.name)\"")
            }
            let mismatch = WasmError(kind: .unlinkable, section: "import", message: "incompatible import type for \"\(imp.module)\" \"\(imp.name)\"")
            switch (imp.type, v) {
            case (.function(let t), .function(let f)):
                guard f.function.type == t else { throw mismatch }
                functions.append(f.function)
            case (.table(let t), .table(let table)):
                guard table.type.element == t.element, Self.limitsMatch(table.size, table.type.max, t.min, t.max) else { throw mismatch }
                tables.append(table)
            case (.memory(let t), .memory(let m)):
                guard Self.limitsMatch(m.pages, m.type.max, t.min, t.max) else { throw mismatch }
                memories.append(m)
            case (.global(let t), .global(let g)):
                guard g.type == t else { throw mismatch }
                globals.append(g)
            default:
                throw mismatch
            }
        }
        // Own functions point back at this state: if instantiation fails from here on, break that cycle
        // (as the handle does when it goes away), or every failed instantiation would leak.
        var instantiated = false
        defer { if !instantiated { releaseAfterFailedInstantiation() } }
        // Definitions.
        for (k, typeIndex) in info.functions.enumerated() {
            functions.append(FunctionInstance(owner: self, index: k, type: info.types[Int(typeIndex)], typeID: module.typeIDs[Int(typeIndex)]))
        }
        for t in info.tables {
            guard t.min <= limits.maxTableElements else {
                throw WasmError(kind: .uninstantiable, section: "table",
                                message: "table minimum of \(t.min) elements exceeds the limit of \(limits.maxTableElements) elements")
            }
            let table = TableInstance(type: t)
            table.limitElements = limits.maxTableElements
            tables.append(table)
        }
        for m in info.memories {
            guard m.min <= limits.maxMemoryPages else {
                throw WasmError(kind: .uninstantiable, section: "memory",
                                message: "memory minimum of \(m.min) pages exceeds the limit of \(limits.maxMemoryPages) pages")
            }
            memories.append(MemoryInstance(type: m))
        }
        for m in memories { m.limitPages = min(m.type.max ?? 65536, limits.maxMemoryPages) }
        for (g, e) in info.globals {
            globals.append(GlobalInstance(type: g, value: Value.from(bits: evaluate(e), type: g.type)))
        }
        for (k, g) in globals.enumerated() { globalCells[k] = g.cell }
        for seg in info.elements { elementItems.append(seg.items.map { evaluate($0) }) }

        // Active element and data segments, in order; a failure leaves earlier writes in place.
        for (k, seg) in info.elements.enumerated() {
            switch seg.mode {
            case .active(let table, let offset):
                let d = UInt32(truncatingIfNeeded: evaluate(offset))
                try initTable(table: Int(table), segment: k, dst: d, src: 0, count: UInt32(seg.items.count))
                droppedElements[k] = true
            case .declarative:
                droppedElements[k] = true
            case .passive: break
            }
        }
        for (k, seg) in info.datas.enumerated() {
            if case .active(_, let offset) = seg.mode {
                let d = UInt32(truncatingIfNeeded: evaluate(offset))
                try initMemory(segment: k, dst: d, src: 0, count: UInt32(seg.bytes.count))
                droppedData[k] = true
            }
        }
        if let s = info.start {
            _ = try execute(functions[Int(s)], [])
        }
        instantiated = true
    }

    deinit {
        globalCells.deallocate()
    }

    /// Breaks the cycle between this state and its own functions after instantiation threw.
    private func releaseAfterFailedInstantiation() {
        let info = module.info
        let importedTables = info.imports.filter { $0.kind == .table }.count
        let importedGlobals = info.imports.filter { $0.kind == .global }.count
        if tables.count == importedTables + info.tables.count && globals.count == importedGlobals + info.globals.count {
            releaseIfUnshared()
        } else {
            // Failed while defining: no segment has run, nothing outside holds these objects.
            for t in tables.dropFirst(importedTables) { t.keep = [] }
            for g in globals.dropFirst(importedGlobals) { g.keep = nil }
            functions.removeAll()
        }
    }

    static func limitsMatch(_ size: UInt32, _ max: UInt32?, _ wantMin: UInt32, _ wantMax: UInt32?) -> Bool {
        guard size >= wantMin else { return false }
        if let wantMax {
            guard let max, max <= wantMax else { return false }
        }
        return true
    }

    func evaluate(_ e: ConstExpr) -> UInt64 {
        switch e {
        case .i32(let v): UInt64(v)
        case .i64(let v): v
        case .f32(let v): UInt64(v)
        case .f64(let v): v
        case .refNull: 0
        case .refFunc(let f): functions[Int(f)].bits
        case .globalGet(let g): globals[Int(g)].cell.pointee
        }
    }

    func initTable(table: Int, segment: Int, dst: UInt32, src: UInt32, count: UInt32) throws(Trap) {
        let t = tables[table]
        let items = droppedElements[segment] ? [] : elementItems[segment]
        guard UInt64(src) + UInt64(count) <= UInt64(items.count), UInt64(dst) + UInt64(count) <= UInt64(t.elements.count) else {
            throw Trap(.outOfBoundsTableAccess)
        }
        for k in 0..<Int(count) { t.set(Int(dst) + k, items[Int(src) + k]) }
    }

    func initMemory(segment: Int, dst: UInt32, src: UInt32, count: UInt32) throws(Trap) {
        let bytes = droppedData[segment] ? [] : module.info.datas[segment].bytes
        guard let m = memories.first else { throw Trap(.outOfBoundsMemoryAccess) }
        guard UInt64(src) + UInt64(count) <= UInt64(bytes.count), UInt64(dst) + UInt64(count) <= UInt64(m.byteCount) else {
            throw Trap(.outOfBoundsMemoryAccess)
        }
        if count > 0 {
            bytes.withUnsafeBytes { (m.base + Int(dst)).copyMemory(from: $0.baseAddress! + Int(src), byteCount: Int(count)) }
        }
    }

    /// Breaks the cycle between this state and its own functions when nothing outside holds them.
    func releaseIfUnshared() {
        let imported = module.info.importedFunctionTypes.count
        let ownTables = tables.count - module.info.tables.count
        let ownGlobals = globals.count - module.info.globals.count
        for k in ownTables..<tables.count where !isKnownUniquelyReferenced(&tables[k]) { return }
        for k in ownGlobals..<globals.count where !isKnownUniquelyReferenced(&globals[k]) { return }
        // Drop the tables' and globals' references before checking the functions (a saved copy of them
        // would itself make every referenced function look shared), and rebuild them from the slot bits
        // if something outside still holds a function.
        for t in tables[ownTables...] { t.keep = [] }
        for g in globals[ownGlobals...] { g.keep = nil }
        for k in imported..<functions.count where !isKnownUniquelyReferenced(&functions[k]) {
            for t in tables[ownTables...] where t.type.element == .funcRef { t.keep = t.elements.map { FunctionInstance.from(bits: $0) } }
            for g in globals[ownGlobals...] where g.type.type == .funcRef { g.keep = FunctionInstance.from(bits: g.cell.pointee) }
            return
        }
        functions.removeAll()
    }

    // MARK: API used by the public handle

    func export(named name: String) -> ExternalValue? {
        guard let e = module.exports.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else { return nil }
        let i = Int(e.index)
        switch e.kind {
        case .function: return .function(FunctionRef(function: functions[i]))
        case .table: return .table(tables[i])
        case .memory: return .memory(memories[i])
        case .global: return .global(globals[i])
        }
    }

    func function(named name: String) -> ExportedFunction? {
        guard case .function(let f)? = export(named: name) else { return nil }
        return ExportedFunction(function: f.function)
    }

    func exportedGlobal(named name: String) -> GlobalInstance? {
        guard case .global(let g)? = export(named: name) else { return nil }
        return g
    }

    func exportedTable(named name: String) -> TableInstance? {
        guard case .table(let t)? = export(named: name) else { return nil }
        return t
    }

    func exportedMemory(named name: String) -> MemoryInstance? {
        guard case .memory(let m)? = export(named: name) else { return nil }
        return m
    }

    var memory: Memory? { memories.first.map { Memory(instance: $0) } }
    var memoryPages: UInt32 { memories.first?.pages ?? 0 }
    var peakMemoryPages: UInt32 { memories.first?.peakPages ?? 0 }
    var fuelConsumed: UInt64 { fuelUsed }

    func invoke(_ name: String, _ args: [Value]) throws -> [Value] {
        guard let f = function(named: name) else {
            throw WasmError(kind: .unlinkable, message: "no exported function named \"\(name)\"")
        }
        return try invoke(f, args)
    }

    func invoke(_ function: ExportedFunction, _ args: [Value]) throws(Trap) -> [Value] {
        let t = function.function.type
        guard args.count == t.params.count, zip(args, t.params).allSatisfy({ $0.type == $1 }) else {
            throw Trap(.host("argument mismatch: expected \(t.params), got \(args.map { $0.type })"))
        }
        return try execute(function.function, args)
    }

    func invokeI32(_ function: ExportedFunction) throws(Trap) -> UInt32 {
        try executeI32(function.function, 0, 0, 0, 0, count: 0)
    }
    func invokeI32(_ function: ExportedFunction, _ a: UInt32) throws(Trap) -> UInt32 {
        try executeI32(function.function, a, 0, 0, 0, count: 1)
    }
    func invokeI32(_ function: ExportedFunction, _ a: UInt32, _ b: UInt32) throws(Trap) -> UInt32 {
        try executeI32(function.function, a, b, 0, 0, count: 2)
    }
    func invokeI32(_ function: ExportedFunction, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) throws(Trap) -> UInt32 {
        try executeI32(function.function, a, b, c, d, count: 4)
    }

    func executeI32(_ f: FunctionInstance, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, count: Int) throws(Trap) -> UInt32 {
        let t = f.type
        guard t.params.count == count, t.params.allSatisfy({ $0 == .i32 }), t.results.count <= 1 else {
            throw Trap(.host("invokeI32: function type \(t) does not take \(count) i32 arguments"))
        }
        let s = stackForExecution()
        s.slots[0] = UInt64(a); s.slots[1] = UInt64(b); s.slots[2] = UInt64(c); s.slots[3] = UInt64(d)
        try run(f, stack: s)
        return UInt32(truncatingIfNeeded: s.slots[0])
    }

    func stackForExecution() -> ExecutionStack {
        if let s = stack { return s }
        let s = ExecutionStack()
        stack = s
        return s
    }

    func execute(_ f: FunctionInstance, _ args: [Value]) throws(Trap) -> [Value] {
        let s = stackForExecution()
        for (k, a) in args.enumerated() { s.slots[k] = a.bits }
        try run(f, stack: s)
        return f.type.results.enumerated().map { Value.from(bits: s.slots[$0.offset], type: $0.element) }
    }
}

/// An instance of a module. Used by one thread at a time.
public final class Instance {
    let state: InstanceState
    public var module: Module { state.module }

    /// Links `imports`, allocates memories, tables and globals, applies segments and runs the start function.
    /// Throws `WasmError` (.unlinkable / .uninstantiable) or `Trap` (segment out of bounds, start function).
    public init(module: Module, imports: Imports, limits: Limits = Limits()) throws {
        state = try InstanceState(module: module, imports: imports, limits: limits)
        state.handle = self
    }

    deinit { state.releaseIfUnshared() }

    /// May be changed between invocations.
    public var limits: Limits {
        get { state.limits }
        set { state.limits = newValue }
    }

    public func export(named name: String) -> ExternalValue? { state.export(named: name) }
    public func function(named name: String) -> ExportedFunction? { state.function(named: name) }
    public func exportedGlobal(named name: String) -> GlobalInstance? { state.exportedGlobal(named: name) }
    public func exportedTable(named name: String) -> TableInstance? { state.exportedTable(named: name) }
    public func exportedMemory(named name: String) -> MemoryInstance? { state.exportedMemory(named: name) }

    /// Memory 0, for the host between calls (e.g. to write an event).
    public var memory: Memory? { state.memory }
    public var memoryPages: UInt32 { state.memoryPages }
    public var peakMemoryPages: UInt32 { state.peakMemoryPages }
    /// Fuel used by the last invocation (so far, while it runs).
    public var fuelConsumed: UInt64 { state.fuelUsed }
    /// Whether memory.grow / table.grow was refused by `limits` since the last call with `reset: true`
    /// (a host that treats reaching its limit as a fault checks this after an invocation).
    public func growRefusedByLimits(reset: Bool = true) -> (memory: Bool, table: Bool) { state.growRefusedByLimits(reset: reset) }

    /// Throws `Trap`, or `WasmError` if there is no such exported function.
    public func invoke(_ name: String, _ args: [Value]) throws -> [Value] { try state.invoke(name, args) }
    public func invoke(_ function: ExportedFunction, _ args: [Value]) throws(Trap) -> [Value] { try state.invoke(function, args) }

    /// Allocation-free calls for functions taking i32 arguments and returning at most one i32 (0 if none).
    public func invokeI32(_ function: ExportedFunction) throws(Trap) -> UInt32 { try state.invokeI32(function) }
    public func invokeI32(_ function: ExportedFunction, _ a: UInt32) throws(Trap) -> UInt32 { try state.invokeI32(function, a) }
    public func invokeI32(_ function: ExportedFunction, _ a: UInt32, _ b: UInt32) throws(Trap) -> UInt32 { try state.invokeI32(function, a, b) }
    public func invokeI32(_ function: ExportedFunction, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) throws(Trap) -> UInt32 {
        try state.invokeI32(function, a, b, c, d)
    }
}

/// The slot stack and frame stack of executions started on an instance (allocated once, lazily;
/// untouched pages cost no memory).
final class ExecutionStack {
    static let slotCapacity = 1 << 20
    static let frameCapacity = 100_000
    let slots: UnsafeMutablePointer<UInt64>
    let frames: UnsafeMutablePointer<CallFrame>
    var busy = false

    init() {
        slots = .allocate(capacity: Self.slotCapacity)
        frames = .allocate(capacity: Self.frameCapacity)
    }

    deinit {
        slots.deallocate()
        frames.deallocate()
    }
}

struct CallFrame {
    var returnPC: Int
    var fp: UnsafeMutablePointer<UInt64>
    var instance: Unmanaged<InstanceState>
}
