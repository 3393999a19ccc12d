// Durable file replacement: write a temporary file, fsync it, rename it over the target, fsync the folder.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum AtomicFile {
    /// Writes `bytes` to `path` so that a crash leaves either the old or the new content, never a mix.
    static func write(_ bytes: [UInt8], to path: String) throws(UpdateError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw UpdateError(.install, tmp, "open failed: \(String(cString: strerror(errno)))") }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { b in Glibc.write(fd, b.baseAddress! + off, b.count - off) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = String(cString: strerror(errno))
                close(fd); unlink(tmp)
                throw UpdateError(.install, tmp, "write failed: \(why)")
            }
            off += n
        }
        guard fsync(fd) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd); unlink(tmp)
            throw UpdateError(.install, tmp, "fsync failed: \(why)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw UpdateError(.install, path, "rename failed: \(why)")
        }
        syncFolder(of: path)
    }

    /// fsync of the folder holding `path`, so the rename itself is durable.
    static func syncFolder(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}
