// SHA-256 through libsodium: one-shot digests and a streaming hasher for files and chunks.
import CSodium

/// SHA-256 digests (32 bytes), printed as lower-case hex.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        _ = Sodium.ready
        var out = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeBufferPointer { b in
            _ = crypto_hash_sha256(&out, b.baseAddress, UInt64(b.count))
        }
        return out
    }

    /// The digest of a byte range, without copying.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        _ = Sodium.ready
        var out = [UInt8](repeating: 0, count: byteCount)
        _ = crypto_hash_sha256(&out, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        return out
    }

    /// Lower-case hex digest of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(digest(bytes)) }

    /// True when `text` looks like a hex SHA-256 (64 lower-case hex digits).
    public static func isHexDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// Incremental SHA-256 (for files read in blocks).
public struct SHA256Hasher: ~Copyable {
    private var state = crypto_hash_sha256_state()

    public init() {
        _ = Sodium.ready
        _ = crypto_hash_sha256_init(&state)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        _ = crypto_hash_sha256_update(&state, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SHA256.byteCount)
        _ = crypto_hash_sha256_final(&state, &out)
        return out
    }
}
