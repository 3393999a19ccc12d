// The artifact manifest (what is signed) and the signed envelope nodes verify before activating anything.
import Foundation

/// What an artifact holds.
public enum ArtifactKind: String, Codable, Sendable, CaseIterable {
    case model
    case function
}

/// A smoke test carried inside the signed manifest: a golden input must give the golden output.
public struct SmokeTest: Codable, Sendable, Equatable {
    /// Float inputs, flattened over every model input.
    public var input: [Float]
    /// Expected float outputs.
    public var output: [Float]
    /// Largest allowed absolute difference per output element.
    public var tolerance: Float

    public init(input: [Float], output: [Float], tolerance: Float) {
        self.input = input
        self.output = output
        self.tolerance = tolerance
    }
}

/// The signed description of one artifact file. Content-addressed by `sha256`.
public struct ArtifactManifest: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var kind: ArtifactKind
    /// Lower-case hex SHA-256 of the artifact bytes.
    public var sha256: String
    public var size: Int
    /// ISO 8601 creation time (informational).
    public var created: String?
    /// For models: a golden pair the node checks after loading. Functions pass `ledge_init` instead.
    public var smoke: SmokeTest?
    /// A section owned elsewhere (e.g. the model's own manifest.json), kept verbatim.
    public var info: JSONValue?

    public init(name: String, version: String, kind: ArtifactKind, sha256: String, size: Int,
                created: String? = nil, smoke: SmokeTest? = nil, info: JSONValue? = nil) {
        self.name = name
        self.version = version
        self.kind = kind
        self.sha256 = sha256
        self.size = size
        self.created = created
        self.smoke = smoke
        self.info = info
    }

    /// A manifest for `bytes`, with hash and size computed.
    public static func describing(_ bytes: [UInt8], name: String, version: String, kind: ArtifactKind,
                                  smoke: SmokeTest? = nil, info: JSONValue? = nil) throws(ArtifactError) -> ArtifactManifest {
        let m = ArtifactManifest(name: name, version: version, kind: kind, sha256: SHA256.hex(bytes), size: bytes.count,
                                 created: ISO8601DateFormatter().string(from: Date()), smoke: smoke, info: info)
        try m.validate()
        return m
    }

    /// Checks the fields: name form, version, hash form, size.
    public func validate() throws(ArtifactError) {
        guard Self.isValidName(name) else {
            throw ArtifactError(.badManifest, "name", "'\(name)' must be 1-64 of [a-z0-9._-], starting with a letter or digit")
        }
        _ = try SemanticVersion(version)
        guard SHA256.isHexDigest(sha256) else { throw ArtifactError(.badManifest, "sha256", "'\(sha256)' is not 64 lower-case hex digits") }
        guard size >= 0 else { throw ArtifactError(.badManifest, "size", "negative size \(size)") }
        if let s = smoke, s.input.isEmpty || s.output.isEmpty || !(s.tolerance >= 0) {
            throw ArtifactError(.badManifest, "smoke", "needs non-empty input and output and a tolerance >= 0")
        }
    }

    public static func isValidName(_ n: String) -> Bool {
        let u = Array(n.utf8)
        guard (1...64).contains(u.count) else { return false }
        func ok(_ c: UInt8) -> Bool { (97...122).contains(c) || (48...57).contains(c) || c == 45 || c == 46 || c == 95 }
        return u.allSatisfy(ok) && ((97...122).contains(u[0]) || (48...57).contains(u[0]))
    }

    /// Canonical JSON bytes (sorted keys): what gets signed.
    public func canonicalJSON() -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! enc.encode(self))
    }
}

/// A manifest with its Ed25519 signature. The exact manifest bytes travel as a string so that
/// verification never depends on re-encoding.
public struct SignedManifest: Codable, Sendable, Equatable {
    /// The manifest JSON text exactly as signed.
    public var manifest: String
    /// Id of the signing key (see `PublicKey.keyID`).
    public var keyID: String
    /// Hex Ed25519 signature of `signingDomain + manifest`.
    public var signature: String

    enum CodingKeys: String, CodingKey { case manifest, keyID = "key_id", signature }

    /// Domain separation so a manifest signature cannot be replayed as something else.
    public static let signingDomain = Array("ledge-artifact-manifest-v1\n".utf8)

    public init(manifest: String, keyID: String, signature: String) {
        self.manifest = manifest
        self.keyID = keyID
        self.signature = signature
    }

    /// Signs `manifest` with `key`.
    public static func sign(_ manifest: ArtifactManifest, with key: SecretKey) throws(ArtifactError) -> SignedManifest {
        try manifest.validate()
        let bytes = manifest.canonicalJSON()
        let sig = key.sign(signingDomain + bytes)
        return SignedManifest(manifest: String(decoding: bytes, as: UTF8.self), keyID: key.publicKey.keyID, signature: Hex.encode(sig))
    }

    /// The manifest without checking the signature (for display only; never activate on this).
    public func unverifiedManifest() throws(ArtifactError) -> ArtifactManifest {
        do { return try JSONDecoder().decode(ArtifactManifest.self, from: Data(manifest.utf8)) } catch {
            throw ArtifactError(.badManifest, "manifest", "cannot decode: \(error)")
        }
    }

    /// Checks the signature against the trusted keys and returns the validated manifest.
    /// Errors: `unknownKey` when no trusted key has `keyID`, `badSignature` when it does not verify.
    public func verify(trusting keys: [PublicKey]) throws(ArtifactError) -> ArtifactManifest {
        guard let key = keys.first(where: { $0.keyID == keyID }) else {
            throw ArtifactError(.unknownKey, "signature", "key \(keyID) is not among the \(keys.count) trusted release keys")
        }
        guard let sig = try? Hex.decode(signature, context: "signature"), sig.count == Signing.signatureByteCount else {
            throw ArtifactError(.badSignature, "signature", "not a 64-byte hex signature")
        }
        guard key.verify(sig, of: Self.signingDomain + Array(manifest.utf8)) else {
            throw ArtifactError(.badSignature, "signature", "does not verify with key \(keyID)")
        }
        let m = try unverifiedManifest()
        try m.validate()
        return m
    }
}

extension ArtifactManifest {
    /// Checks that `bytes` are the artifact this manifest describes (size, then SHA-256).
    public func check(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) {
        guard bytes.count == size else {
            throw ArtifactError(.sizeMismatch, "\(name)@\(version)", "expected \(size) bytes, got \(bytes.count)")
        }
        let h = Hex.encode(SHA256.digest(bytes))
        guard h == sha256 else {
            throw ArtifactError(.hashMismatch, "\(name)@\(version)", "SHA-256 is \(h), manifest says \(sha256)")
        }
    }
}
