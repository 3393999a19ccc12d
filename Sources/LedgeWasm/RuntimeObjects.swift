// Run-time objects shared between instances: functions, linear memories, tables and globals.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A function of some instance, or a host function. Referenced by tables, globals and other instances.
final class FunctionInstance: @unchecked Sendable {
    let type: FunctionType
    let typeID: Int
    /// Defined function index within its module (wasm functions), or -1 (host functions).
    let index: Int
    let host: HostFunction?
    let owner: InstanceState?
    let ownerID: ObjectIdentifier?

    init(host: HostFunction) {
        self.type = host.type
        self.typeID = TypeInterner.id(host.type)
        self.index = -1
        self.host = host
        self.owner = nil
        self.ownerID = nil
    }

    init(owner: InstanceState, index: Int, type: FunctionType, typeID: Int) {
        self.type = type
        self.typeID = typeID
        self.index = index
        self.host = nil
        self.owner = owner
        self.ownerID = ObjectIdentifier(owner)
    }

    var bits: UInt64 { UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())) }

    static func from(bits: UInt64) -> FunctionInstance? {
        guard bits != 0, let p = UnsafeRawPointer(bitPattern: UInt(bits)) else { return nil }
        return Unmanaged<FunctionInstance>.fromOpaque(p).takeUnretainedValue()
    }
}

/// Gives each distinct function type a process-wide number so call_indirect compares one integer.
enum TypeInterner {
    private static let table = Mutex<[FunctionType: Int]>([:])

    static func id(_ type: FunctionType) -> Int {
        table.withLock { t in
            if let id = t[type] { return id }
            let id = t.count + 1
            t[type] = id
            return id
        }
    }
}

/// A linear memory: a malloc'd byte region grown with realloc (new bytes zeroed).
public final class MemoryInstance: @unchecked Sendable {
    public let type: MemoryType
    var base: UnsafeMutableRawPointer
    var byteCount: Int
    /// Pages this memory may reach (its own maximum and the instance's limit).
    var limitPages: UInt32
    var peakPages: UInt32
    /// Set when a grow was refused by `limitPages` (the host's limit) rather than the module's own maximum.
    var refusedByLimit = false

    public init(type: MemoryType) {
        self.type = type
        self.byteCount = Int(type.min) * 65536
        self.base = calloc(max(byteCount, 1), 1)!
        self.limitPages = type.max ?? 65536
        self.peakPages = type.min
    }

    deinit { free(base) }

    public var pages: UInt32 { UInt32(byteCount / 65536) }

    /// Grows by `delta` pages; returns the old size in pages or -1 (as UInt32) when refused.
    func grow(_ delta: UInt32) -> UInt32 {
        let old = pages
        let new = UInt64(old) + UInt64(delta)
        guard new <= UInt64(min(limitPages, type.max ?? 65536)), new <= 65536 else {
            if new <= UInt64(type.max ?? 65536) && new <= 65536 { refusedByLimit = true }
            return UInt32.max
        }
        if delta == 0 { return old }
        let newBytes = Int(new) * 65536
        guard let p = realloc(base, newBytes) else { return UInt32.max }
        memset(p + byteCount, 0, newBytes - byteCount)
        base = p
        byteCount = newBytes
        if UInt32(new) > peakPages { peakPages = UInt32(new) }
        return old
    }

    /// A checked view for hosts.
    public var view: Memory { Memory(instance: self) }
}

/// A table of references: slot encodings plus strong references that keep referenced functions alive.
public final class TableInstance: @unchecked Sendable {
    public let type: TableType
    var elements: [UInt64]
    var keep: [FunctionInstance?]
    /// Elements this table may reach by table.grow (the instance's limit).
    var limitElements: UInt32 = 10_000_000
    /// Set when a grow was refused by `limitElements` rather than the table's own maximum.
    var refusedByLimit = false

    public init(type: TableType, initial: Value? = nil) {
        self.type = type
        let bits = initial?.bits ?? 0
        self.elements = Array(repeating: bits, count: Int(type.min))
        if case .funcRef(let r)? = initial {
            self.keep = Array(repeating: r?.function, count: Int(type.min))
        } else {
            self.keep = type.element == .funcRef ? Array(repeating: nil, count: Int(type.min)) : []
        }
    }

    public var size: UInt32 { UInt32(elements.count) }

    @inline(__always) func set(_ i: Int, _ bits: UInt64) {
        elements[i] = bits
        if type.element == .funcRef { keep[i] = FunctionInstance.from(bits: bits) }
    }

    func grow(_ delta: UInt32, _ bits: UInt64) -> UInt32 {
        let old = UInt64(elements.count)
        let new = old + UInt64(delta)
        guard new <= UInt64(type.max ?? UInt32.max), new <= UInt64(limitElements) else {
            if new <= UInt64(type.max ?? UInt32.max) { refusedByLimit = true }
            return UInt32.max
        }
        elements.append(contentsOf: repeatElement(bits, count: Int(delta)))
        if type.element == .funcRef { keep.append(contentsOf: repeatElement(FunctionInstance.from(bits: bits), count: Int(delta))) }
        return UInt32(old)
    }

    public func element(at index: UInt32) -> Value? {
        guard Int(index) < elements.count else { return nil }
        return Value.from(bits: elements[Int(index)], type: type.element)
    }
}

/// A global variable in a stable heap cell (instances read it through a pointer).
public final class GlobalInstance: @unchecked Sendable {
    public let type: GlobalType
    let cell: UnsafeMutablePointer<UInt64>
    var keep: FunctionInstance?

    public init(type: GlobalType, value: Value) {
        self.type = type
        self.cell = .allocate(capacity: 1)
        self.cell.initialize(to: value.bits)
        if case .funcRef(let r) = value { keep = r?.function }
    }

    deinit { cell.deallocate() }

    public var value: Value {
        get { Value.from(bits: cell.pointee, type: type.type) }
        set {
            cell.pointee = newValue.bits
            if case .funcRef(let r) = newValue { keep = r?.function }
        }
    }
}

/// Anything an instance can import or export.
public enum ExternalValue: Sendable {
    case function(FunctionRef)
    case table(TableInstance)
    case memory(MemoryInstance)
    case global(GlobalInstance)
}
