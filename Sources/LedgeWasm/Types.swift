// Public value and type vocabulary of the engine: value types, values, function types, import/export info.

public enum ValueType: Equatable, Hashable, Sendable {
    case i32, i64, f32, f64, v128, funcRef, externRef

    var isRef: Bool { self == .funcRef || self == .externRef }
}

/// A reference to a function (of any instance). Opaque; compared by identity.
public struct FunctionRef: Equatable, @unchecked Sendable {
    let function: FunctionInstance
    public static func == (a: FunctionRef, b: FunctionRef) -> Bool { a.function === b.function }
    /// The type of the referenced function.
    public var type: FunctionType { function.type }
}

/// Floats carried as raw bits so NaN payloads survive.
public enum Value: Equatable, Sendable {
    case i32(UInt32), i64(UInt64), f32(UInt32), f64(UInt64)
    case funcRef(FunctionRef?)   // opaque reference; nil = null
    case externRef(UInt32?)      // host-chosen value; nil = null

    public var type: ValueType {
        switch self {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        case .f64: .f64
        case .funcRef: .funcRef
        case .externRef: .externRef
        }
    }

    /// The slot encoding of this value (refs: 0 = null).
    var bits: UInt64 {
        switch self {
        case .i32(let v): UInt64(v)
        case .i64(let v): v
        case .f32(let v): UInt64(v)
        case .f64(let v): v
        case .funcRef(let r): r.map { UInt64(UInt(bitPattern: Unmanaged.passUnretained($0.function).toOpaque())) } ?? 0
        case .externRef(let v): v.map { UInt64($0) + 1 } ?? 0
        }
    }

    /// Decodes slot bits of the given type.
    static func from(bits: UInt64, type: ValueType) -> Value {
        switch type {
        case .i32: .i32(UInt32(truncatingIfNeeded: bits))
        case .i64: .i64(bits)
        case .f32: .f32(UInt32(truncatingIfNeeded: bits))
        case .f64: .f64(bits)
        case .v128: .i64(bits)
        case .funcRef: .funcRef(FunctionInstance.from(bits: bits).map { FunctionRef(function: $0) })
        case .externRef: .externRef(bits == 0 ? nil : UInt32(truncatingIfNeeded: bits - 1))
        }
    }

    /// The default (zero) value of a type.
    static func zero(_ type: ValueType) -> Value { from(bits: 0, type: type) }
}

/// Names compare by their exact UTF-8 bytes (Swift's String equality would merge canonical equivalents).
struct NameKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ s: String) { bytes = Array(s.utf8) }
}

public struct FunctionType: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var params: [ValueType]
    public var results: [ValueType]
    public init(params: [ValueType], results: [ValueType]) {
        self.params = params
        self.results = results
    }
    public var description: String { "\(params) -> \(results)" }
}

public struct TableType: Equatable, Sendable {
    public var element: ValueType
    public var min: UInt32
    public var max: UInt32?
}

public struct MemoryType: Equatable, Sendable {
    public var min: UInt32
    public var max: UInt32?
}

public struct GlobalType: Equatable, Sendable {
    public var type: ValueType
    public var mutable: Bool
}

public enum ExternalKind: Equatable, Sendable {
    case function, table, memory, global
}

public enum ImportType: Equatable, Sendable {
    case function(FunctionType)
    case table(TableType)
    case memory(MemoryType)
    case global(GlobalType)

    public var kind: ExternalKind {
        switch self {
        case .function: .function
        case .table: .table
        case .memory: .memory
        case .global: .global
        }
    }
}

public struct ImportInfo: Equatable, Sendable {
    public var module: String
    public var name: String
    public var type: ImportType
    public var kind: ExternalKind { type.kind }
    /// The function type when the import is a function.
    public var functionType: FunctionType? {
        if case .function(let t) = type { return t }
        return nil
    }
}

public struct ExportInfo: Equatable, Sendable {
    public var name: String
    public var kind: ExternalKind
    public var index: UInt32
}
