// Typed, path-tracking access to a JSON config document: every failure names the file and the key.

/// A position in a config document: a JSON value plus the file and key path it came from.
public struct ConfigNode: Sendable {
    public let value: JSONValue
    public let file: String
    public let path: String

    public init(value: JSONValue, file: String, path: String = "") {
        self.value = value
        self.file = file
        self.path = path
    }

    /// Reads and parses a JSON file.
    public static func load(file: String) throws(ConfigError) -> ConfigNode {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(file) } catch {
            throw ConfigError(.unreadable, file: file, key: "", "cannot read: \(error)")
        }
        do {
            return ConfigNode(value: try JSONValue.parse(bytes), file: file)
        } catch {
            throw ConfigError(.syntax, file: file, key: "", "\(error)")
        }
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func fail(_ code: ConfigError.Code = .invalidValue, _ message: String) -> ConfigError {
        ConfigError(code, file: file, key: path, message)
    }

    /// The member `key`, or nil when absent (or null).
    public func optional(_ key: String) throws(ConfigError) -> ConfigNode? {
        guard case .object = value else { throw fail(.wrongType, "expected an object, found \(value.kindName)") }
        guard let v = value[key], v != .null else { return nil }
        return ConfigNode(value: v, file: file, path: child(key))
    }

    /// The member `key`, or an error naming it.
    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let n = try optional(key) else {
            throw ConfigError(.missingKey, file: file, key: child(key), "missing (required)")
        }
        return n
    }

    /// Fails on a member not in `known` (catches typos such as "trigers").
    public func checkKeys(_ known: Set<String>) throws(ConfigError) {
        guard case .object(let members) = value else { throw fail(.wrongType, "expected an object, found \(value.kindName)") }
        for (k, _) in members where !known.contains(k) {
            let list = known.sorted().joined(separator: ", ")
            throw ConfigError(.unknownKey, file: file, key: child(k), "unknown key (expected one of: \(list))")
        }
    }

    public func string() throws(ConfigError) -> String {
        guard let s = value.stringValue else { throw fail(.wrongType, "expected a string, found \(value.kindName)") }
        return s
    }

    public func bool() throws(ConfigError) -> Bool {
        guard let b = value.boolValue else { throw fail(.wrongType, "expected true or false, found \(value.kindName)") }
        return b
    }

    public func double() throws(ConfigError) -> Double {
        guard let d = value.doubleValue else { throw fail(.wrongType, "expected a number, found \(value.kindName)") }
        return d
    }

    /// An integer within `range`.
    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigError) -> Int {
        let d = try double()
        guard d == d.rounded(), d >= -9.0e18, d <= 9.0e18 else { throw fail(.wrongType, "expected an integer, found \(d)") }
        let n = Int(d)
        guard range.contains(n) else { throw fail(.invalidValue, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(n)") }
        return n
    }

    public func array() throws(ConfigError) -> [ConfigNode] {
        guard let a = value.arrayValue else { throw fail(.wrongType, "expected an array, found \(value.kindName)") }
        return a.enumerated().map { ConfigNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    public func stringArray() throws(ConfigError) -> [String] {
        var out: [String] = []
        for n in try array() { out.append(try n.string()) }
        return out
    }

    public func members() throws(ConfigError) -> [(String, ConfigNode)] {
        guard let o = value.objectValue else { throw fail(.wrongType, "expected an object, found \(value.kindName)") }
        return o.map { ($0.0, ConfigNode(value: $0.1, file: file, path: child($0.0))) }
    }

    /// One of the given words.
    public func oneOf(_ words: [String]) throws(ConfigError) -> String {
        let s = try string()
        guard words.contains(s) else { throw fail(.invalidValue, "expected one of \(words.joined(separator: ", ")), found \"\(s)\"") }
        return s
    }
}
