// Outcomes of spec commands: one event per command, tallies per command kind, and their text forms.

/// The outcome of one command.
public struct SpecEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable { case passed, failed, skipped }
    public var kind: SpecCommand.Kind
    public var line: Int
    public var outcome: Outcome
    /// Why it failed (or was skipped).
    public var message: String

    public init(kind: SpecCommand.Kind, line: Int, outcome: Outcome, message: String = "") {
        self.kind = kind
        self.line = line
        self.outcome = outcome
        self.message = message
    }

    /// One line for a worker process to stream: `outcome kind line message` (message without newlines).
    public var encoded: String {
        let flat = message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return "\(outcome.rawValue) \(kind.rawValue) \(line) \(flat)"
    }

    /// Reads a line written by `encoded`; nil when it is not one.
    public init?(encoded text: Substring) {
        let parts = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let o = Outcome(rawValue: String(parts[0])),
              let k = SpecCommand.Kind(rawValue: String(parts[1])), let l = Int(parts[2]) else { return nil }
        self.init(kind: k, line: l, outcome: o, message: parts.count > 3 ? String(parts[3]) : "")
    }
}

/// Passed/failed/skipped counts per command kind.
public struct SpecTally: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var passed = 0, failed = 0, skipped = 0
        public var total: Int { passed + failed + skipped }
    }

    public private(set) var byKind: [SpecCommand.Kind: Counts] = [:]

    public init() {}

    public mutating func add(_ event: SpecEvent) {
        var c = byKind[event.kind, default: Counts()]
        switch event.outcome {
        case .passed: c.passed += 1
        case .failed: c.failed += 1
        case .skipped: c.skipped += 1
        }
        byKind[event.kind] = c
    }

    public mutating func add(_ other: SpecTally) {
        for (k, c) in other.byKind {
            var mine = byKind[k, default: Counts()]
            mine.passed += c.passed
            mine.failed += c.failed
            mine.skipped += c.skipped
            byKind[k] = mine
        }
    }

    public var total: Counts {
        var t = Counts()
        for c in byKind.values {
            t.passed += c.passed
            t.failed += c.failed
            t.skipped += c.skipped
        }
        return t
    }

    /// `N passed, M failed, K skipped`.
    public var summary: String {
        let t = total
        return "\(t.passed) passed, \(t.failed) failed, \(t.skipped) skipped"
    }

    /// One line per command kind that occurred, in the spec's order.
    public var breakdown: [String] {
        SpecCommand.Kind.allCases.compactMap { k in
            guard let c = byKind[k] else { return nil }
            return "  \(k.rawValue): \(c.passed) passed, \(c.failed) failed, \(c.skipped) skipped"
        }
    }
}

/// What running one script gave.
public struct SpecFileResult: Sendable {
    public var name: String
    public var tally = SpecTally()
    /// Failed events, in order.
    public var failures: [SpecEvent] = []

    public init(name: String) { self.name = name }

    public mutating func add(_ event: SpecEvent) {
        tally.add(event)
        if event.outcome == .failed { failures.append(event) }
    }

    /// `name: N passed, M failed, K skipped` and then, if any failed, the failing lines.
    public var report: String {
        var s = "\(name): \(tally.summary)"
        if !failures.isEmpty {
            let shown = failures.prefix(20)
            s += "\n" + shown.map { "  line \($0.line) \($0.kind.rawValue): \($0.message)" }.joined(separator: "\n")
            if failures.count > shown.count { s += "\n  … and \(failures.count - shown.count) more failures" }
        }
        return s
    }
}
