// Ed25519 release keys through libsodium: generate, sign, verify, and key ids.
import CSodium
import Foundation

/// An Ed25519 public key (32 bytes) a node trusts to sign releases.
public struct PublicKey: Sendable, Hashable {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ArtifactError) {
        guard bytes.count == Self.byteCount else {
            throw ArtifactError(.badKey, "public key", "expected \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses the hex form (64 hex digits).
    public init(hex: String) throws(ArtifactError) {
        try self.init(bytes: try Hex.decode(hex, context: "public key"))
    }

    /// Parses either form a config may hold: 64 hex digits or base64 (44 characters).
    public init(encoded text: String) throws(ArtifactError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.utf8.count == 64 {
            try self.init(hex: t)
        } else if let d = Data(base64Encoded: t) {
            try self.init(bytes: Array(d))
        } else {
            throw ArtifactError(.badKey, "public key", "neither 64 hex digits nor base64: '\(t.prefix(16))…'")
        }
    }

    public var hex: String { Hex.encode(bytes) }
    public var base64: String { Data(bytes).base64EncodedString() }

    /// A short stable id: the first 8 bytes of SHA-256(public key), in hex.
    public var keyID: String { Hex.encode(SHA256.digest(bytes).prefix(8)) }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key.
    public func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        _ = Sodium.ready
        guard signature.count == Signing.signatureByteCount else { return false }
        return message.withUnsafeBufferPointer { m in
            crypto_sign_verify_detached(signature, m.baseAddress, UInt64(m.count), bytes) == 0
        }
    }
}

/// An Ed25519 secret key (libsodium's 64-byte form: seed followed by the public key).
public struct SecretKey: Sendable {
    public static let byteCount = 64
    public let bytes: [UInt8]
    public let publicKey: PublicKey

    /// A fresh random key pair.
    public static func generate() -> SecretKey {
        _ = Sodium.ready
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        var sk = [UInt8](repeating: 0, count: SecretKey.byteCount)
        _ = crypto_sign_keypair(&pk, &sk)
        return try! SecretKey(bytes: sk)
    }

    /// A key pair derived from a 32-byte seed (deterministic; for tests and reproducible fixtures).
    public static func fromSeed(_ seed: [UInt8]) throws(ArtifactError) -> SecretKey {
        _ = Sodium.ready
        guard seed.count == 32 else { throw ArtifactError(.badKey, "seed", "expected 32 bytes, got \(seed.count)") }
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        var sk = [UInt8](repeating: 0, count: SecretKey.byteCount)
        _ = crypto_sign_seed_keypair(&pk, &sk, seed)
        return try SecretKey(bytes: sk)
    }

    public init(bytes: [UInt8]) throws(ArtifactError) {
        guard bytes.count == Self.byteCount else {
            throw ArtifactError(.badKey, "secret key", "expected \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
        _ = Sodium.ready
        var pk = [UInt8](repeating: 0, count: PublicKey.byteCount)
        _ = crypto_sign_ed25519_sk_to_pk(&pk, bytes)
        self.publicKey = try PublicKey(bytes: pk)
    }

    /// The detached Ed25519 signature (64 bytes) of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        _ = Sodium.ready
        var sig = [UInt8](repeating: 0, count: Signing.signatureByteCount)
        message.withUnsafeBufferPointer { m in
            _ = crypto_sign_detached(&sig, nil, m.baseAddress, UInt64(m.count), bytes)
        }
        return sig
    }
}

public enum Signing {
    public static let signatureByteCount = 64
}
