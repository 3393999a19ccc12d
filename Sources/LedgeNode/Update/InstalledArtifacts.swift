// The node's installed versions on disk: files by hash, and a state file naming active and previous versions.
import Foundation
import LedgeCore

/// One installed version and where its file is.
public struct InstalledVersion: Codable, Sendable, Equatable {
    public var artifact: ActiveArtifact
    public var path: String
    public var manifest: ArtifactManifest
}

/// Installed artifacts under `root`: `blobs/<sha256>` files and `state.json` (active and previous per kind/name),
/// each replaced atomically. One owner (the agent's thread).
public final class InstalledArtifacts: @unchecked Sendable {
    public let root: String
    public private(set) var active: [String: InstalledVersion] = [:]
    public private(set) var previous: [String: InstalledVersion] = [:]
    /// The desired generation last reconciled.
    public private(set) var generation: Int = 0

    struct StateFile: Codable {
        var generation: Int
        var active: [String: InstalledVersion]
        var previous: [String: InstalledVersion]
    }

    public static func key(_ kind: ArtifactKind, _ name: String) -> String { "\(kind.rawValue)/\(name)" }

    public init(root: String) throws(UpdateError) {
        self.root = root
        do {
            try FileManager.default.createDirectory(atPath: root + "/blobs", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/partial", withIntermediateDirectories: true)
        } catch {
            throw UpdateError(.install, root, "cannot create the update folder: \(error.localizedDescription)")
        }
        if let data = FileManager.default.contents(atPath: statePath) {
            guard let s = try? JSONDecoder().decode(StateFile.self, from: data) else {
                throw UpdateError(.install, statePath, "the state file is not readable JSON; move it away to start fresh")
            }
            active = s.active
            previous = s.previous
            generation = s.generation
        }
    }

    var statePath: String { root + "/state.json" }
    public func blobPath(_ sha256: String) -> String { root + "/blobs/" + sha256 }
    public func partialPath(_ sha256: String) -> String { root + "/partial/" + sha256 }
    public func hasBlob(_ sha256: String) -> Bool { FileManager.default.fileExists(atPath: blobPath(sha256)) }

    /// Writes verified bytes as the blob for their hash (atomic, fsynced).
    public func storeBlob(_ bytes: [UInt8], sha256: String) throws(UpdateError) {
        try AtomicFile.write(bytes, to: blobPath(sha256))
    }

    /// Makes `version` active for its kind/name, keeping the one it replaces as previous. Persisted atomically.
    public func setActive(_ version: InstalledVersion) throws(UpdateError) {
        let k = Self.key(version.artifact.kind, version.artifact.name)
        if let cur = active[k], cur.artifact.sha256 != version.artifact.sha256 { previous[k] = cur }
        active[k] = version
        try save()
    }

    /// Puts the previous version back as active (after a failed smoke test or probation). Returns it.
    @discardableResult
    public func restorePrevious(_ kind: ArtifactKind, _ name: String) throws(UpdateError) -> InstalledVersion? {
        let k = Self.key(kind, name)
        if let prev = previous[k] {
            active[k] = prev
            previous[k] = nil
        } else {
            active[k] = nil
        }
        try save()
        return active[k]
    }

    public func remove(_ kind: ArtifactKind, _ name: String) throws(UpdateError) {
        let k = Self.key(kind, name)
        if let cur = active[k] { previous[k] = cur }
        active[k] = nil
        try save()
    }

    public func setGeneration(_ g: Int) throws(UpdateError) {
        generation = g
        try save()
    }

    func save() throws(UpdateError) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try! enc.encode(StateFile(generation: generation, active: active, previous: previous))
        try AtomicFile.write(Array(data), to: statePath)
        collectGarbage()
    }

    /// Deletes blobs that are neither active nor previous.
    func collectGarbage() {
        let keep = Set(active.values.map(\.artifact.sha256) + previous.values.map(\.artifact.sha256))
        let dir = root + "/blobs"
        for f in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where SHA256.isHexDigest(f) && !keep.contains(f) {
            try? FileManager.default.removeItem(atPath: dir + "/" + f)
        }
    }
}
