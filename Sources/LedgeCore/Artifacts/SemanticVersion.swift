// Semantic versions (MAJOR.MINOR.PATCH[-pre][+build]) with SemVer 2.0 precedence.

public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let major: Int
    public let minor: Int
    public let patch: Int
    public let prerelease: [String]
    public let build: String?

    public init(_ text: String) throws(ArtifactError) {
        var core = Substring(text)
        var build: String? = nil
        if let plus = core.firstIndex(of: "+") {
            build = String(core[core.index(after: plus)...])
            core = core[..<plus]
            if build!.isEmpty { throw ArtifactError(.badVersion, text, "empty build metadata") }
        }
        var pre: [String] = []
        if let dash = core.firstIndex(of: "-") {
            pre = core[core.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            core = core[..<dash]
            if pre.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) {
                throw ArtifactError(.badVersion, text, "bad pre-release identifier")
            }
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw ArtifactError(.badVersion, text, "expected MAJOR.MINOR.PATCH") }
        var nums: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }), p.count <= 9, !(p.count > 1 && p.first == "0"), let n = Int(p) else {
                throw ArtifactError(.badVersion, text, "'\(p)' is not a version number")
            }
            nums.append(n)
        }
        major = nums[0]; minor = nums[1]; patch = nums[2]
        prerelease = pre
        self.build = build
    }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if let build { s += "+" + build }
        return s
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if a.major != b.major { return a.major < b.major }
        if a.minor != b.minor { return a.minor < b.minor }
        if a.patch != b.patch { return a.patch < b.patch }
        if a.prerelease.isEmpty != b.prerelease.isEmpty { return !a.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case let (i?, j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            default: return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    public static func == (a: SemanticVersion, b: SemanticVersion) -> Bool {
        a.major == b.major && a.minor == b.minor && a.patch == b.patch && a.prerelease == b.prerelease
    }

    public func hash(into h: inout Hasher) {
        h.combine(major); h.combine(minor); h.combine(patch); h.combine(prerelease)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try SemanticVersion(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
