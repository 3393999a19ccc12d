// Release key files: JSON documents for a secret key (mode 0600) and its public half.
import Foundation

/// The on-disk form of a release key. A secret file holds `secret`; a public file only `public`.
public struct KeyFile: Codable, Sendable {
    public var type: String
    public var keyID: String
    public var publicKey: String
    public var secretKey: String?

    enum CodingKeys: String, CodingKey {
        case type, keyID = "key_id", publicKey = "public", secretKey = "secret"
    }

    public static let secretType = "ledge-ed25519-secret"
    public static let publicType = "ledge-ed25519-public"

    public init(secret: SecretKey) {
        type = Self.secretType
        keyID = secret.publicKey.keyID
        publicKey = secret.publicKey.hex
        secretKey = Hex.encode(secret.bytes)
    }

    public init(public key: PublicKey) {
        type = Self.publicType
        keyID = key.keyID
        publicKey = key.hex
        secretKey = nil
    }

    public func encoded() -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try! enc.encode(self)) + [10]
    }

    /// Reads a key file; errors name the path and what is wrong.
    public static func read(path: String) throws(ArtifactError) -> KeyFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ArtifactError(.io, path, "cannot read key file: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(KeyFile.self, from: data) } catch {
            throw ArtifactError(.badKeyFile, path, "not a ledge key file (\(error))")
        }
    }

    /// The secret key of a secret key file, checked against its public half.
    public func secret(path: String = "key file") throws(ArtifactError) -> SecretKey {
        guard type == Self.secretType, let hex = secretKey else {
            throw ArtifactError(.badKeyFile, path, "not a secret key file (type \(type))")
        }
        let sk = try SecretKey(bytes: try Hex.decode(hex, context: "\(path): secret"))
        guard sk.publicKey.hex == publicKey.lowercased() else {
            throw ArtifactError(.badKeyFile, path, "secret and public halves do not match")
        }
        return sk
    }

    public func `public`() throws(ArtifactError) -> PublicKey { try PublicKey(hex: publicKey) }

    /// Writes `secret` to `directory/name.key` (0600) and `directory/name.pub`; returns both paths.
    public static func write(secret: SecretKey, directory: String, name: String) throws(ArtifactError) -> (secret: String, public: String) {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw ArtifactError(.io, directory, "cannot create folder: \(error.localizedDescription)")
        }
        let sPath = (directory as NSString).appendingPathComponent(name + ".key")
        let pPath = (directory as NSString).appendingPathComponent(name + ".pub")
        guard !fm.fileExists(atPath: sPath) else { throw ArtifactError(.io, sPath, "already exists; refusing to overwrite a key") }
        guard fm.createFile(atPath: sPath, contents: Data(KeyFile(secret: secret).encoded()), attributes: [.posixPermissions: 0o600]) else {
            throw ArtifactError(.io, sPath, "cannot write")
        }
        guard fm.createFile(atPath: pPath, contents: Data(KeyFile(public: secret.publicKey).encoded())) else {
            throw ArtifactError(.io, pPath, "cannot write")
        }
        return (sPath, pPath)
    }
}
