// Errors of the engine: WasmError for decoding/validation/linking, Trap for run-time failures.

public struct WasmError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case malformed, invalid, unlinkable, uninstantiable }
    public let kind: Kind
    public let section: String?
    public let offset: Int?
    public let message: String

    public init(kind: Kind, section: String? = nil, offset: Int? = nil, message: String) {
        self.kind = kind
        self.section = section
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var s = "\(kind): \(message)"
        if let section { s += " (in \(section) section" + (offset.map { " at byte offset \($0)" } ?? "") + ")" }
        else if let offset { s += " (at byte offset \(offset))" }
        return s
    }
}

public enum TrapReason: Equatable, Sendable {
    case unreachable, integerDivideByZero, integerOverflow, invalidConversionToInteger,
         outOfBoundsMemoryAccess, outOfBoundsTableAccess, undefinedElement, uninitializedElement,
         indirectCallTypeMismatch, callStackExhausted, outOfFuel, deadlineExceeded,
         memoryLimitExceeded, exit(Int32), host(String)

    /// Spec wording where one exists.
    public var message: String {
        switch self {
        case .unreachable: "unreachable"
        case .integerDivideByZero: "integer divide by zero"
        case .integerOverflow: "integer overflow"
        case .invalidConversionToInteger: "invalid conversion to integer"
        case .outOfBoundsMemoryAccess: "out of bounds memory access"
        case .outOfBoundsTableAccess: "out of bounds table access"
        case .undefinedElement: "undefined element"
        case .uninitializedElement: "uninitialized element"
        case .indirectCallTypeMismatch: "indirect call type mismatch"
        case .callStackExhausted: "call stack exhausted"
        case .outOfFuel: "out of fuel"
        case .deadlineExceeded: "deadline exceeded"
        case .memoryLimitExceeded: "memory limit exceeded"
        case .exit(let code): "exit with code \(code)"
        case .host(let reason): reason
        }
    }
}

public struct Trap: Error, CustomStringConvertible, Sendable {
    public let reason: TrapReason
    public init(_ reason: TrapReason) { self.reason = reason }
    public init(reason: TrapReason) { self.reason = reason }
    public var description: String { reason.message }
}
