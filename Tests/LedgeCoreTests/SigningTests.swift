// Tests for SHA-256, Ed25519 keys and signed manifests (libsodium, real keys).
import Foundation
import Testing
@testable import LedgeCore

@Suite struct SigningTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var h = SHA256Hasher()
        h.update(Array("a".utf8)); h.update(Array("bc".utf8))
        #expect(Hex.encode(h.finish()) == SHA256.hex(Array("abc".utf8)))
    }

    @Test func hexRoundTripAndErrors() throws {
        #expect(try Hex.decode("00ffA0") == [0, 255, 160])
        #expect(throws: ArtifactError.self) { try Hex.decode("abc") }
        #expect(throws: ArtifactError.self) { try Hex.decode("zz") }
    }

    @Test func rfc8032TestVector1() throws {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed = try Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let key = try SecretKey.fromSeed(seed)
        #expect(key.publicKey.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(Hex.encode(key.sign([])) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    }

    @Test func signAndVerifyManifest() throws {
        let key = SecretKey.generate()
        let bytes = Array("model bytes".utf8)
        let m = try ArtifactManifest.describing(bytes, name: "cmapss-rul", version: "2.0.0", kind: .model,
                                                smoke: SmokeTest(input: [1, 2], output: [3], tolerance: 0.5))
        let signed = try SignedManifest.sign(m, with: key)
        let back = try signed.verify(trusting: [key.publicKey])
        #expect(back == m)
        try bytes.withUnsafeBytes { try back.check($0) }
        // Survives a JSON round trip of the envelope.
        let again = try JSONDecoder().decode(SignedManifest.self, from: JSONEncoder().encode(signed))
        #expect(try again.verify(trusting: [key.publicKey]) == m)
    }

    @Test func refusesUnknownKeyTamperingAndWrongBytes() throws {
        let key = SecretKey.generate(), other = SecretKey.generate()
        let bytes = Array("v1".utf8)
        let m = try ArtifactManifest.describing(bytes, name: "f", version: "1.0.0", kind: .function)
        let signed = try SignedManifest.sign(m, with: key)
        #expect(throws: ArtifactError.self) { try signed.verify(trusting: [other.publicKey]) }
        do { _ = try signed.verify(trusting: [other.publicKey]) } catch { #expect(error.code == .unknownKey) }

        var tampered = signed
        tampered.manifest = tampered.manifest.replacingOccurrences(of: "1.0.0", with: "9.0.0")
        do { _ = try tampered.verify(trusting: [key.publicKey]); Issue.record("tampered manifest accepted") } catch {
            #expect(error.code == .badSignature)
        }
        // A signature by another key claiming the trusted key's id.
        var forged = try SignedManifest.sign(m, with: other)
        forged.keyID = key.publicKey.keyID
        do { _ = try forged.verify(trusting: [key.publicKey]); Issue.record("forged accepted") } catch {
            #expect(error.code == .badSignature)
        }
        let wrong = Array("v2".utf8)
        var failure: ArtifactError?
        wrong.withUnsafeBytes { b in
            do { try m.check(b) } catch { failure = error as? ArtifactError }
        }
        #expect(failure?.code == .hashMismatch)
    }

    @Test func manifestValidation() {
        let h = SHA256.hex([])
        #expect(throws: ArtifactError.self) { try ArtifactManifest(name: "Bad Name", version: "1.0.0", kind: .model, sha256: h, size: 0).validate() }
        #expect(throws: ArtifactError.self) { try ArtifactManifest(name: "ok", version: "1.0", kind: .model, sha256: h, size: 0).validate() }
        #expect(throws: ArtifactError.self) { try ArtifactManifest(name: "ok", version: "1.0.0", kind: .model, sha256: "xyz", size: 0).validate() }
    }

    @Test func keyFilesRoundTrip() throws {
        let dir = try TemporaryFolder()
        let key = SecretKey.generate()
        let paths = try KeyFile.write(secret: key, directory: dir.path, name: "release")
        let back = try KeyFile.read(path: paths.secret).secret(path: paths.secret)
        #expect(back.bytes == key.bytes)
        #expect(try KeyFile.read(path: paths.public).public() == key.publicKey)
        let attrs = try FileManager.default.attributesOfItem(atPath: paths.secret)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        #expect(throws: ArtifactError.self) { try KeyFile.write(secret: key, directory: dir.path, name: "release") }
        #expect(throws: ArtifactError.self) { try KeyFile.read(path: paths.public).secret() }
    }
}

/// A scratch folder removed when the value goes away.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "ledge-core-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
