// Converts .wast files to wast2json output in a cache folder, reused while the .wast is unchanged.

/// Turns `.wast` scripts into JSON command lists and binary modules with Debian's `wast2json`.
public struct SpecConverter: Sendable {
    /// Folder holding one subfolder per script: `<cacheRoot>/<name>/<name>.json`, its modules, and a `stamp`.
    public var cacheRoot: String
    /// The converter program (looked up on PATH).
    public var tool: String

    public init(cacheRoot: String, tool: String = "wast2json") {
        self.cacheRoot = cacheRoot
        self.tool = tool
    }

    /// A converted script: the JSON path and the folder its module files are in.
    public struct Converted: Sendable {
        public var name: String
        public var folder: String
        public var jsonPath: String
        /// True when the cache already held this exact version.
        public var reused: Bool
    }

    /// Converts `wastPath` unless the cache holds the result for the same content.
    public func convert(_ wastPath: String) throws(SpecFileError) -> Converted {
        let name = SpecFiles.baseName(wastPath)
        let folder = cacheRoot + "/" + name
        let json = folder + "/" + name + ".json"
        let stampPath = folder + "/stamp"
        let stamp = "wast2json --enable-all " + SpecHash.hex(try SpecFiles.read(wastPath)) + "\n"
        if SpecFiles.exists(json), let old = try? SpecFiles.read(stampPath), old == Array(stamp.utf8) {
            return Converted(name: name, folder: folder, jsonPath: json, reused: true)
        }
        if SpecFiles.exists(folder) { SpecFiles.removeFolder(folder) }
        try SpecFiles.makeDirectories(folder)
        let log = folder + "/wast2json.log"
        let status = try SpecFiles.run([tool, "--enable-all", wastPath, "-o", json], stderrPath: log)
        guard status == 0, SpecFiles.exists(json) else {
            let text = (try? SpecFiles.read(log)).map { String(decoding: $0.prefix(400), as: UTF8.self) } ?? ""
            throw SpecFileError(path: wastPath, message: "\(tool) failed with status \(status): \(text)")
        }
        try SpecFiles.write(stampPath, Array(stamp.utf8))
        return Converted(name: name, folder: folder, jsonPath: json, reused: false)
    }

    /// The `.wast` files named by `paths` (files, or folders scanned one level), sorted, optionally without
    /// the SIMD and relaxed-SIMD proposals (`core`).
    public static func scripts(in paths: [String], core: Bool) throws(SpecFileError) -> [String] {
        var out: [String] = []
        for p in paths {
            if SpecFiles.isDirectory(p) {
                for n in try SpecFiles.list(p) where n.hasSuffix(".wast") { out.append(p + "/" + n) }
            } else if SpecFiles.exists(p) {
                out.append(p)
            } else {
                throw SpecFileError(path: p, message: "no such file or folder")
            }
        }
        if core {
            out = out.filter { path in
                let name = SpecFiles.baseName(path)
                return !name.hasPrefix("simd_") && !name.contains("relaxed")
            }
        }
        return out
    }
}
