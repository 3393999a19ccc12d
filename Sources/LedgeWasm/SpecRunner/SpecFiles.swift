// Small POSIX file helpers for the spec runner (no Foundation): read, write, list, make folders, run a tool.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file-system or process error with the path it concerns and the errno text.
public struct SpecFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }

    static func errno(_ path: String, _ what: String) -> SpecFileError {
        SpecFileError(path: path, message: "\(what): \(String(cString: strerror(Glibc.errno)))")
    }
}

enum SpecFiles {
    /// The whole content of the file at `path`.
    static func read(_ path: String) throws(SpecFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(path, "cannot open") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw .errno(path, "cannot read")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half a file.
    static func write(_ path: String, _ bytes: [UInt8]) throws(SpecFileError) {
        let tmp = path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno(tmp, "cannot create") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                close(fd)
                throw .errno(tmp, "cannot write")
            }
            written += n
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw .errno(path, "cannot rename into place") }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(SpecFileError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if !exists(prefix), mkdir(prefix, 0o755) != 0, Glibc.errno != EEXIST {
                throw .errno(prefix, "cannot create folder")
            }
            prefix += "/"
        }
    }

    /// Removes a folder and everything in it (one level of files, as the cache holds).
    static func removeFolder(_ path: String) {
        if let names = try? list(path) {
            for n in names {
                let p = path + "/" + n
                if isDirectory(p) { removeFolder(p) } else { unlink(p) }
            }
        }
        rmdir(path)
    }

    /// Names in a folder (without "." and ".."), sorted.
    static func list(_ path: String) throws(SpecFileError) -> [String] {
        guard let dir = opendir(path) else { throw .errno(path, "cannot list folder") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Runs `argv` (argv[0] looked up on PATH), with its standard error sent to `stderrPath`.
    /// Returns the exit status (or 128 + signal).
    static func run(_ argv: [String], stderrPath: String) throws(SpecFileError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else {
            let hint = rc == ENOENT ? " (not installed? wast2json comes with Debian's wabt: tools/setup)" : ""
            throw SpecFileError(path: argv[0], message: "cannot start: \(String(cString: strerror(rc)))\(hint)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if Glibc.errno != EINTR { throw .errno(argv[0], "cannot wait") }
        }
        let low = status & 0x7f
        return low == 0 ? (status >> 8) & 0xff : 128 + low
    }

    /// The last path component without its extension.
    static func baseName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = last.lastIndex(of: ".") { return String(last[..<dot]) }
        return last
    }
}

/// A 128-bit content hash (two FNV-1a 64 lanes with different offsets), hex: enough to key a cache.
enum SpecHash {
    static func hex(_ bytes: [UInt8]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for x in bytes {
            a = (a ^ UInt64(x)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(x ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
        a ^= UInt64(bytes.count)
        func h(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return h(a) + h(b)
    }
}
