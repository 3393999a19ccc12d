// Collects an artifact's chunks into a partial file with a bitmap beside it, so a download resumes after a restart.
import Foundation
import LedgeCore

/// A partial download of one artifact. Chunks arrive in any order; duplicates and damaged chunks are ignored.
public final class ChunkAssembler {
    public let sha256: String
    public let size: Int
    public let chunkSize: Int
    public let total: Int
    private var have: [Bool]
    private let path: String
    private var buffer: [UInt8]

    /// Resumes from `path` (+ `.map`) when a previous partial download of the same artifact exists.
    public init(sha256: String, size: Int, chunkSize: Int, path: String) throws(UpdateError) {
        guard chunkSize > 0, size >= 0 else { throw UpdateError(.badDesired, sha256, "bad size \(size) or chunk size \(chunkSize)") }
        self.sha256 = sha256
        self.size = size
        self.chunkSize = chunkSize
        self.total = ArtifactChunk.count(size: size, chunkSize: chunkSize)
        self.path = path
        have = [Bool](repeating: false, count: total)
        buffer = [UInt8](repeating: 0, count: size)
        if let map = FileManager.default.contents(atPath: path + ".map"), map.count == total,
           let data = FileManager.default.contents(atPath: path), data.count == size {
            buffer = Array(data)
            have = map.map { $0 == 1 }
        }
    }

    public var missing: [Int] { have.indices.filter { !have[$0] } }
    public var isComplete: Bool { !have.contains(false) }
    public var receivedCount: Int { have.filter { $0 }.count }

    /// Takes one decoded chunk; returns true when it was new and fitted.
    @discardableResult
    public func add(_ chunk: ArtifactChunk) -> Bool {
        guard chunk.total == total, chunk.index < total, !have[chunk.index] else { return false }
        let start = chunk.index * chunkSize
        let expected = min(chunkSize, size - start)
        guard chunk.data.count == expected || (size == 0 && chunk.data.isEmpty) else { return false }
        buffer.replaceSubrange(start..<(start + expected), with: chunk.data)
        have[chunk.index] = true
        return true
    }

    /// Saves the partial file and its bitmap (not fsynced: a lost chunk is only fetched again).
    public func checkpoint() {
        _ = FileManager.default.createFile(atPath: path, contents: Data(buffer))
        _ = FileManager.default.createFile(atPath: path + ".map", contents: Data(have.map { $0 ? 1 : 0 }))
    }

    /// The whole artifact once complete.
    public var bytes: [UInt8] { buffer }

    public func discard() {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".map")
    }
}
