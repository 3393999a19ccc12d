// The commands of one converted .wast file (wast2json's JSON), decoded into typed values.

/// A concrete argument or result value, as raw bits (floats keep their NaN payloads).
public enum SpecValue: Sendable, Equatable, CustomStringConvertible {
    case i32(UInt32)
    case i64(UInt64)
    case f32(UInt32)
    case f64(UInt64)
    case v128([UInt8])
    case funcRef(isNull: Bool)
    case externRef(UInt32?)

    public var description: String {
        switch self {
        case .i32(let v): return "\(v):i32"
        case .i64(let v): return "\(v):i64"
        case .f32(let v): return "0x\(String(v, radix: 16)):f32"
        case .f64(let v): return "0x\(String(v, radix: 16)):f64"
        case .v128(let b): return "v128(\(b))"
        case .funcRef(let isNull): return isNull ? "null:funcref" : "func:funcref"
        case .externRef(let r): return r.map { "\($0):externref" } ?? "null:externref"
        }
    }
}

/// What an assertion expects of one result.
public indirect enum SpecExpected: Sendable, Equatable, CustomStringConvertible {
    case exact(SpecValue)
    case canonicalNaN32, arithmeticNaN32, canonicalNaN64, arithmeticNaN64
    /// Any non-null reference of that kind (`(ref.func)`, `(ref.extern)` with no index).
    case anyFuncRef, anyExternRef
    /// One lane pattern per lane for a v128 result with NaN lanes, as text; compared lane-wise.
    case v128Lanes(laneType: String, lanes: [String])
    case either([SpecExpected])

    public var description: String {
        switch self {
        case .exact(let v): return v.description
        case .canonicalNaN32: return "nan:canonical:f32"
        case .arithmeticNaN32: return "nan:arithmetic:f32"
        case .canonicalNaN64: return "nan:canonical:f64"
        case .arithmeticNaN64: return "nan:arithmetic:f64"
        case .anyFuncRef: return "non-null funcref"
        case .anyExternRef: return "non-null externref"
        case .v128Lanes(let t, let lanes): return "v128 \(t) \(lanes)"
        case .either(let options): return "either(" + options.map(\.description).joined(separator: " | ") + ")"
        }
    }
}

/// An `invoke` or `get` on a (possibly named) module instance.
public struct SpecAction: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case invoke, get }
    public var kind: Kind
    public var module: String?
    public var field: String
    public var args: [SpecValue]
}

/// One command of a script, with the .wast line it came from.
public struct SpecCommand: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case module, register, action
        case assertReturn = "assert_return"
        case assertTrap = "assert_trap"
        case assertExhaustion = "assert_exhaustion"
        case assertInvalid = "assert_invalid"
        case assertMalformed = "assert_malformed"
        case assertUnlinkable = "assert_unlinkable"
        case assertUninstantiable = "assert_uninstantiable"
    }

    public var kind: Kind
    public var line: Int
    /// `module`: the module's `$name`; `register`: the instance registered (nil = the latest).
    public var name: String?
    /// `register`: the import module name it is registered as.
    public var registerAs: String?
    /// Module commands: the file (beside the JSON) holding the module.
    public var filename: String?
    /// "binary" or "text" for assertion modules.
    public var moduleType: String?
    public var action: SpecAction?
    public var expected: [SpecExpected]
    /// The failure text an assertion expects (trap message, validation error...).
    public var text: String?
}

/// A decoding error in a wast2json document: where (line of the .wast, when known) and why.
public struct SpecScriptError: Error, CustomStringConvertible, Sendable {
    public let line: Int?
    public let message: String
    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

/// A whole converted script.
public struct SpecScript: Sendable {
    public var sourceFilename: String
    public var commands: [SpecCommand]

    /// Decodes wast2json's JSON output.
    public init(json bytes: [UInt8]) throws(SpecScriptError) {
        let doc: SpecJSON
        do { doc = try SpecJSONParser.parse(bytes) } catch { throw SpecScriptError(line: nil, message: error.description) }
        guard let list = doc["commands"]?.arrayValue else { throw SpecScriptError(line: nil, message: "no 'commands' list") }
        sourceFilename = doc["source_filename"]?.stringValue ?? "?"
        commands = []
        commands.reserveCapacity(list.count)
        for item in list { commands.append(try Self.command(item)) }
    }

    static func command(_ j: SpecJSON) throws(SpecScriptError) -> SpecCommand {
        let line = j["line"]?.intValue ?? 0
        guard let typeName = j["type"]?.stringValue else { throw SpecScriptError(line: line, message: "command without a type") }
        guard let kind = SpecCommand.Kind(rawValue: typeName) else {
            throw SpecScriptError(line: line, message: "unknown command type '\(typeName)'")
        }
        var c = SpecCommand(kind: kind, line: line, expected: [])
        c.name = j["name"]?.stringValue
        c.registerAs = j["as"]?.stringValue
        c.filename = j["filename"]?.stringValue
        c.moduleType = j["module_type"]?.stringValue
        c.text = j["text"]?.stringValue
        if let a = j["action"] {
            guard let field = a["field"]?.stringValue else { throw SpecScriptError(line: line, message: "action without a field") }
            let k: SpecAction.Kind
            switch a["type"]?.stringValue {
            case "invoke": k = .invoke
            case "get": k = .get
            case let other: throw SpecScriptError(line: line, message: "unknown action type '\(other ?? "none")'")
            }
            var args: [SpecValue] = []
            for v in a["args"]?.arrayValue ?? [] {
                guard case .exact(let value) = try expected(v, line: line) else {
                    throw SpecScriptError(line: line, message: "argument is a pattern, not a value")
                }
                args.append(value)
            }
            c.action = SpecAction(kind: k, module: a["module"]?.stringValue, field: field, args: args)
        }
        // Only assert_return carries expected values; other commands list the result types alone.
        if kind == .assertReturn {
            for v in j["expected"]?.arrayValue ?? [] { c.expected.append(try expected(v, line: line)) }
        }
        return c
    }

    static func expected(_ v: SpecJSON, line: Int) throws(SpecScriptError) -> SpecExpected {
        guard let type = v["type"]?.stringValue else { throw SpecScriptError(line: line, message: "value without a type") }
        if type == "either" {
            var options: [SpecExpected] = []
            for o in v["values"]?.arrayValue ?? [] { options.append(try expected(o, line: line)) }
            return .either(options)
        }
        let text = v["value"]?.stringValue
        func bits<T: FixedWidthInteger>(_: T.Type) throws(SpecScriptError) -> T {
            guard let text else { throw SpecScriptError(line: line, message: "\(type) value missing") }
            if let u = T(text) { return u }
            // Some writers use signed decimal; accept it as two's complement.
            if let s = Int64(text), s < 0, s >= Int64.min >> (64 - T.bitWidth) { return T(truncatingIfNeeded: s) }
            throw SpecScriptError(line: line, message: "bad \(type) value '\(text)'")
        }
        switch type {
        case "i32": return .exact(.i32(try bits(UInt32.self)))
        case "i64": return .exact(.i64(try bits(UInt64.self)))
        case "f32":
            if text == "nan:canonical" { return .canonicalNaN32 }
            if text == "nan:arithmetic" { return .arithmeticNaN32 }
            return .exact(.f32(try bits(UInt32.self)))
        case "f64":
            if text == "nan:canonical" { return .canonicalNaN64 }
            if text == "nan:arithmetic" { return .arithmeticNaN64 }
            return .exact(.f64(try bits(UInt64.self)))
        case "funcref":
            guard let text else { return .anyFuncRef }
            if text == "null" { return .exact(.funcRef(isNull: true)) }
            return .anyFuncRef
        case "externref":
            guard let text else { return .anyExternRef }
            if text == "null" { return .exact(.externRef(nil)) }
            guard let n = UInt32(text) else { throw SpecScriptError(line: line, message: "bad externref '\(text)'") }
            return .exact(.externRef(n))
        case "v128":
            guard let laneType = v["lane_type"]?.stringValue, let lanes = v["value"]?.arrayValue?.compactMap(\.stringValue) else {
                throw SpecScriptError(line: line, message: "v128 value without lanes")
            }
            if lanes.contains(where: { $0.hasPrefix("nan:") }) { return .v128Lanes(laneType: laneType, lanes: lanes) }
            guard let bytes = v128Bytes(laneType: laneType, lanes: lanes) else {
                throw SpecScriptError(line: line, message: "bad v128 lanes \(lanes) of \(laneType)")
            }
            return .exact(.v128(bytes))
        default:
            throw SpecScriptError(line: line, message: "unknown value type '\(type)'")
        }
    }

    /// Little-endian bytes of a v128 given as lanes of decimal bit patterns.
    static func v128Bytes(laneType: String, lanes: [String]) -> [UInt8]? {
        let width: Int
        switch laneType {
        case "i8": width = 1
        case "i16": width = 2
        case "i32", "f32": width = 4
        case "i64", "f64": width = 8
        default: return nil
        }
        guard lanes.count * width == 16 else { return nil }
        var out: [UInt8] = []
        for lane in lanes {
            let value: UInt64
            if let u = UInt64(lane) { value = u } else if let s = Int64(lane) { value = UInt64(bitPattern: s) } else { return nil }
            for i in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
        }
        return out
    }
}
