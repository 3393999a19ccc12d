// A small command-line argument reader: positionals, `--flag`, `--key value`, `--key=value`, repeated keys.

/// A usage error: the command line was not of the expected form. Exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Command-line arguments of one subcommand, consumed as they are read so leftovers can be reported.
public struct Arguments {
    public private(set) var positionals: [String] = []
    private var options: [(name: String, value: String?)] = []

    /// Splits `args`. Names in `flags` take no value; every other `--name` takes the next word as its value.
    public init(_ args: [String], flags: Set<String> = []) throws(UsageError) {
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("--") || a == "-" {
                positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            var name = String(a.dropFirst(2))
            if let eq = name.firstIndex(of: "=") {
                let value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
                options.append((name, value))
            } else if flags.contains(name) {
                options.append((name, nil))
            } else {
                guard i < args.count else { throw UsageError("option --\(name) needs a value") }
                options.append((name, args[i]))
                i += 1
            }
        }
    }

    /// True when `--name` was given (as a flag).
    public func flag(_ name: String) -> Bool { options.contains { $0.name == name } }

    /// The last value of `--name`, if given.
    public func value(_ name: String) -> String? { options.last { $0.name == name }?.value ?? nil }

    /// Every value of a repeatable `--name`, in order.
    public func values(_ name: String) -> [String] { options.filter { $0.name == name }.compactMap { $0.value } }

    /// The value of `--name`, or a usage error naming it.
    public func required(_ name: String) throws(UsageError) -> String {
        guard let v = value(name) else { throw UsageError("missing --\(name)") }
        return v
    }

    /// `--name` parsed as an integer, if given; a usage error if it is not one.
    public func int(_ name: String) throws(UsageError) -> Int? {
        guard let v = value(name) else { return nil }
        guard let n = Int(v) else { throw UsageError("--\(name) expects an integer, got '\(v)'") }
        return n
    }

    /// `--name` parsed as a number, if given; a usage error if it is not one.
    public func double(_ name: String) throws(UsageError) -> Double? {
        guard let v = value(name) else { return nil }
        guard let n = Double(v) else { throw UsageError("--\(name) expects a number, got '\(v)'") }
        return n
    }

    /// Fails when an option outside `known` was given.
    public func checkKnown(_ known: Set<String>) throws(UsageError) {
        if let bad = options.first(where: { !known.contains($0.name) }) {
            throw UsageError("unknown option --\(bad.name)")
        }
    }
}
