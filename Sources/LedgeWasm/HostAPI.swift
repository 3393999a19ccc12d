// What hosts see: host functions, the call view (arguments, results, memory) and the checked memory view.

/// A function implemented by the host. The body reads arguments and writes results through `HostCall`.
public struct HostFunction: Sendable {
    public let type: FunctionType
    let body: @Sendable (inout HostCall) throws(Trap) -> Void

    public init(_ type: FunctionType, _ body: @escaping @Sendable (inout HostCall) throws(Trap) -> Void) {
        self.type = type
        self.body = body
    }
}

/// The view of the calling instance given to a host function during the call.
/// Argument accessors and `result` are bounds-checked against the function type (out-of-range indices
/// read 0 / are ignored).
public struct HostCall {
    let args: UnsafeMutablePointer<UInt64>
    let results: UnsafeMutablePointer<UInt64>
    let type: FunctionType
    let memoryInstance: MemoryInstance?
    let state: InstanceState?
    /// The instance whose code made the call (nil when invoked directly by the host or while starting).
    public var instance: Instance? { state?.handle }

    @inline(__always) func arg(_ i: Int) -> UInt64 { i >= 0 && i < type.params.count ? args[i] : 0 }

    public func i32(_ index: Int) -> UInt32 { UInt32(truncatingIfNeeded: arg(index)) }
    public func i64(_ index: Int) -> UInt64 { arg(index) }
    public func f32(_ index: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: arg(index))) }
    public func f64(_ index: Int) -> Double { Double(bitPattern: arg(index)) }
    public func value(_ index: Int) -> Value {
        guard index >= 0 && index < type.params.count else { return .i32(0) }
        return Value.from(bits: args[index], type: type.params[index])
    }
    public var argumentCount: Int { type.params.count }

    public mutating func result(_ index: Int, _ value: Value) {
        guard index >= 0 && index < type.results.count else { return }
        results[index] = value.bits
    }
    public mutating func returnI32(_ v: UInt32) { result(0, .i32(v)) }
    public mutating func returnI64(_ v: UInt64) { result(0, .i64(v)) }
    public mutating func returnF32(_ v: Float) { result(0, .f32(v.bitPattern)) }
    public mutating func returnF64(_ v: Double) { result(0, .f64(v.bitPattern)) }

    /// Memory 0 of the calling instance.
    public var memory: Memory {
        get throws(Trap) {
            guard let m = memoryInstance else { throw Trap(.host("the calling instance has no memory")) }
            return Memory(instance: m)
        }
    }
}

/// A checked window on a linear memory. Pointers handed out are valid until the memory grows.
public struct Memory {
    let instance: MemoryInstance

    public var byteCount: Int { instance.byteCount }
    public var pages: UInt32 { instance.pages }

    @inline(__always) func check(_ address: UInt32, _ count: UInt64) throws(Trap) -> UnsafeMutableRawPointer {
        guard UInt64(address) + count <= UInt64(instance.byteCount) else { throw Trap(.outOfBoundsMemoryAccess) }
        return instance.base + Int(address)
    }

    public func bytes(at address: UInt32, count: UInt32) throws(Trap) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: try check(address, UInt64(count)), count: Int(count))
    }
    public func mutableBytes(at address: UInt32, count: UInt32) throws(Trap) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: try check(address, UInt64(count)), count: Int(count))
    }
    public func read(at address: UInt32, count: UInt32) throws(Trap) -> [UInt8] {
        Array(try bytes(at: address, count: count))
    }
    public func write(_ bytes: some Collection<UInt8>, at address: UInt32) throws(Trap) {
        let p = try check(address, UInt64(bytes.count))
        var k = 0
        for b in bytes { p.storeBytes(of: b, toByteOffset: k, as: UInt8.self); k += 1 }
    }

    public func loadU8(at a: UInt32) throws(Trap) -> UInt8 { try check(a, 1).load(as: UInt8.self) }
    public func loadU16(at a: UInt32) throws(Trap) -> UInt16 { UInt16(littleEndian: try check(a, 2).loadUnaligned(as: UInt16.self)) }
    public func loadU32(at a: UInt32) throws(Trap) -> UInt32 { UInt32(littleEndian: try check(a, 4).loadUnaligned(as: UInt32.self)) }
    public func loadU64(at a: UInt32) throws(Trap) -> UInt64 { UInt64(littleEndian: try check(a, 8).loadUnaligned(as: UInt64.self)) }
    public func loadF32(at a: UInt32) throws(Trap) -> Float { Float(bitPattern: try loadU32(at: a)) }
    public func loadF64(at a: UInt32) throws(Trap) -> Double { Double(bitPattern: try loadU64(at: a)) }
    public func storeU8(_ v: UInt8, at a: UInt32) throws(Trap) { try check(a, 1).storeBytes(of: v, as: UInt8.self) }
    public func storeU16(_ v: UInt16, at a: UInt32) throws(Trap) { try check(a, 2).storeBytes(of: v.littleEndian, as: UInt16.self) }
    public func storeU32(_ v: UInt32, at a: UInt32) throws(Trap) { try check(a, 4).storeBytes(of: v.littleEndian, as: UInt32.self) }
    public func storeU64(_ v: UInt64, at a: UInt32) throws(Trap) { try check(a, 8).storeBytes(of: v.littleEndian, as: UInt64.self) }
    public func storeF32(_ v: Float, at a: UInt32) throws(Trap) { try storeU32(v.bitPattern, at: a) }
    public func storeF64(_ v: Double, at a: UInt32) throws(Trap) { try storeU64(v.bitPattern, at: a) }
}

/// Values offered to a module at instantiation, by module and field name.
public struct Imports {
    var entries: [NameKey: [NameKey: ExternalValue]] = [:]
    var keep: [Instance] = []

    public init() {}

    public mutating func define(module: String, name: String, _ function: HostFunction) {
        entries[NameKey(module), default: [:]][NameKey(name)] = .function(FunctionRef(function: FunctionInstance(host: function)))
    }

    public mutating func define(module: String, name: String, _ external: ExternalValue) {
        entries[NameKey(module), default: [:]][NameKey(name)] = external
    }

    /// Makes all exports of `instance` importable under `moduleName`.
    public mutating func register(_ instance: Instance, as moduleName: String) {
        keep.append(instance)
        for e in instance.module.exports {
            if let v = instance.export(named: e.name) { entries[NameKey(moduleName), default: [:]][NameKey(e.name)] = v }
        }
    }

    public func lookup(module: String, name: String) -> ExternalValue? { entries[NameKey(module)]?[NameKey(name)] }
}
