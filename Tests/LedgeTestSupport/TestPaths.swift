// Where tests find the repository, the shared data, the spec suite and scratch folders.
import Foundation

public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `$LEDGE_DATA_DIR`, default `../shared/data` beside the repository.
    public static var dataDir: URL {
        if let env = ProcessInfo.processInfo.environment["LEDGE_DATA_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    /// `$LEDGE_WASM_SPEC_DIR`, default `../shared/wasm-spec`.
    public static var wasmSpecDir: URL {
        if let env = ProcessInfo.processInfo.environment["LEDGE_WASM_SPEC_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/wasm-spec")
    }

    /// A fresh empty folder under the system temporary directory.
    public static func scratch(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ledge-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
