// The activator of an agent-only node (no function runtime): checks files are what they claim and keeps
// the active set; the full node provides its own activator that hot-swaps into its runtime.
import Foundation
import LedgeCore

public final class StandaloneActivator: ArtifactActivator, @unchecked Sendable {
    private let lock = NSLock()
    private var activeVersions: [String: String] = [:]

    public init() {}

    public var active: [String: String] { lock.withLock { activeVersions } }

    public func activate(model name: String, path: String, version: String) throws {
        let bytes = try read(path)
        guard bytes.count >= 8, Array(bytes[4..<8]) == Array("TFL3".utf8) else {
            throw UpdateError(.activation, path, "not a TFLite flatbuffer (no TFL3 identifier)")
        }
        lock.withLock { activeVersions["model/" + name] = version }
    }

    public func activate(function name: String, path: String, version: String) throws {
        let bytes = try read(path)
        guard bytes.count >= 8, Array(bytes[0..<4]) == [0, 0x61, 0x73, 0x6d] else {
            throw UpdateError(.activation, path, "not a WebAssembly module (no \\0asm magic)")
        }
        lock.withLock { activeVersions["function/" + name] = version }
    }

    public func deactivate(kind: ArtifactKind, name: String) throws {
        lock.withLock { activeVersions["\(kind.rawValue)/\(name)"] = nil }
    }

    public func health(sinceMs: Int64) -> NodeHealth { NodeHealth() }

    private func read(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw UpdateError(.activation, path, "cannot read") }
        return Array(d)
    }
}

/// Without the model engine, an agent-only node can only check that a model carries its golden pair.
public struct StandaloneSmokeTester: ArtifactSmokeTester {
    public init() {}
    public func test(kind: ArtifactKind, path: String, manifest: ArtifactManifest) throws {}
}
