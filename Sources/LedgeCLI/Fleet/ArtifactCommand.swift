// `ledge artifact push|list`: sign an artifact with a release key and add it to the coordinator's store.
import Foundation
import LedgeCore
import LedgeFleet

enum ArtifactCommand {
    static let usage = """
    usage: ledge artifact push FILE --kind model|function --name N --version V --key KEY [--smoke FILE] [--info FILE] --state DIR [--json]
           ledge artifact list --state DIR [--json]
      --smoke FILE  JSON {"input": [floats], "output": [floats], "tolerance": t}: the golden pair a node checks
                    (required for a model)
      --info FILE   JSON kept verbatim in the manifest (e.g. the model's manifest.json)
    """

    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, flags: ["json"])
        switch a.positionals.first {
        case "push": return try push(a)
        case "list": return try list(a)
        default: throw UsageError(usage)
        }
    }

    static func push(_ a: Arguments) throws -> Int32 {
        try a.checkKnown(["kind", "name", "version", "key", "smoke", "info", "state", "config", "json"])
        guard a.positionals.count == 2 else { throw UsageError("push takes one FILE\n" + usage) }
        let file = a.positionals[1]
        let kindText = try a.required("kind")
        guard let kind = ArtifactKind(rawValue: kindText) else { throw UsageError("--kind must be model or function, got '\(kindText)'") }
        guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("cannot read \(file)") }
        let keyPath = try a.required("key")
        let key = try KeyFile.read(path: keyPath).secret(path: keyPath)
        var smoke: SmokeTest? = nil
        if let p = a.value("smoke") {
            guard let d = FileManager.default.contents(atPath: p) else { throw UsageError("cannot read --smoke \(p)") }
            do { smoke = try JSONDecoder().decode(SmokeTest.self, from: d) } catch {
                throw UsageError("--smoke \(p): \(FleetJSON.describe(error))")
            }
        }
        if kind == .model {
            // Nodes activate a model only after its golden pair matches: without one no node could ever take it.
            guard smoke != nil else {
                throw UsageError("a model needs --smoke FILE (its golden input/output pair; nodes refuse a model without one)")
            }
            guard data.count >= 8, Array(data[4..<8]) == Array("TFL3".utf8) else {
                throw UsageError("\(file) is not a TFLite model (no TFL3 file identifier at byte 4)")
            }
        }
        var info: JSONValue? = nil
        if let p = a.value("info") {
            guard let d = FileManager.default.contents(atPath: p) else { throw UsageError("cannot read --info \(p)") }
            do { info = try JSONDecoder().decode(JSONValue.self, from: d) } catch { throw UsageError("--info \(p): not JSON") }
        }
        let bytes = Array(data)
        let manifest = try ArtifactManifest.describing(bytes, name: try a.required("name"), version: try a.required("version"),
                                                       kind: kind, smoke: smoke, info: info)
        let signed = try SignedManifest.sign(manifest, with: key)
        let store = try FleetCLI.store(a, create: true)
        let rec = ArtifactRecord(sha256: manifest.sha256, kind: kind, name: manifest.name, version: manifest.version,
                                 size: manifest.size, signed: signed, createdMs: FleetCLI.nowMs())
        try store.putArtifact(rec, bytes: bytes)
        if a.flag("json") { FleetCLI.printJSON(rec) } else {
            print("pushed \(kind.rawValue) \(manifest.name)@\(manifest.version) \(manifest.sha256) (\(manifest.size) bytes, key \(signed.keyID)\(smoke == nil ? "" : ", with smoke test"))")
        }
        return ExitCode.success
    }

    static func list(_ a: Arguments) throws -> Int32 {
        try a.checkKnown(["state", "config", "json"])
        let arts = try FleetCLI.store(a).artifacts()
        if a.flag("json") { FleetCLI.printJSON(arts); return ExitCode.success }
        print(FleetCLI.table(["KIND", "NAME", "VERSION", "SIZE", "KEY", "SHA256"],
                             arts.map { [$0.kind.rawValue, $0.name, $0.version, String($0.size), $0.signed.keyID, $0.sha256] }))
        return ExitCode.success
    }
}
