// Artifact transfer in hashed chunks: the binary chunk frame and the JSON request for missing chunks.
//
// Protocol: the desired state names each artifact's size and chunk size. A node keeps a partial file and
// a bitmap of chunks it has verified; it publishes a `ChunkRequest` listing missing indices (at most
// `ChunkRequest.maxIndices` per request) on `artifacts/<sha>/request` and subscribes to
// `artifacts/<sha>/chunks`. The coordinator answers each request by publishing those chunks. After a
// disconnect the node asks again for what is still missing, so a download resumes where it stopped.
// Each chunk carries the SHA-256 of its data; a bad chunk is dropped and asked for again.

/// One chunk frame: magic "LDC1", index u32 BE, total u32 BE, data length u32 BE, SHA-256 of data (32), data.
public struct ArtifactChunk: Sendable, Equatable {
    public static let magic: [UInt8] = Array("LDC1".utf8)
    public static let headerSize = 4 + 4 + 4 + 4 + 32
    public static let defaultChunkSize = 64 * 1024

    public var index: Int
    public var total: Int
    public var data: [UInt8]

    public init(index: Int, total: Int, data: [UInt8]) {
        self.index = index
        self.total = total
        self.data = data
    }

    public static func count(size: Int, chunkSize: Int) -> Int {
        guard chunkSize > 0 else { return 0 }
        return size == 0 ? 1 : (size + chunkSize - 1) / chunkSize
    }

    /// The framed bytes.
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerSize + data.count)
        out += Self.magic
        for v in [UInt32(index), UInt32(total), UInt32(data.count)] {
            out += [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
        }
        out += SHA256.digest(data)
        out += data
        return out
    }

    /// Parses and checks a frame (magic, lengths, chunk hash).
    public static func decode(_ bytes: [UInt8]) throws(ArtifactError) -> ArtifactChunk {
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic else {
            throw ArtifactError(.badManifest, "chunk", "not a chunk frame (\(bytes.count) bytes)")
        }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        let index = u32(4), total = u32(8), length = u32(12)
        guard bytes.count == headerSize + length else {
            throw ArtifactError(.sizeMismatch, "chunk \(index)", "frame says \(length) data bytes, has \(bytes.count - headerSize)")
        }
        guard index < total else { throw ArtifactError(.badManifest, "chunk \(index)", "index beyond total \(total)") }
        let data = Array(bytes[headerSize...])
        guard SHA256.digest(data) == Array(bytes[16..<48]) else {
            throw ArtifactError(.hashMismatch, "chunk \(index)", "chunk data does not match its hash")
        }
        return ArtifactChunk(index: index, total: total, data: data)
    }
}

/// Node → coordinator: send me these chunks of artifact `sha256`.
public struct ChunkRequest: Codable, Sendable, Equatable {
    public static let maxIndices = 256
    public var node: String
    public var sha256: String
    public var chunks: [Int]

    public init(node: String, sha256: String, chunks: [Int]) {
        self.node = node
        self.sha256 = sha256
        self.chunks = chunks
    }
}
