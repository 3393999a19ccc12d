// An exclusive lock on a node's data directory (flock on `<dir>/node.lock`), so two nodes never share one
// SQLite database and inbound journal. Held for the life of the object; the kernel drops it if the process dies.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct DirectoryLockError: Error, CustomStringConvertible {
    public let directory: String
    public let reason: String
    public var description: String { "data directory \(directory): \(reason)" }
}

public final class DirectoryLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws at once (never waits): in use by another process, or not writable.
    public init(directory: String) throws(DirectoryLockError) {
        path = directory + "/node.lock"
        let f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard f >= 0 else {
            throw DirectoryLockError(directory: directory, reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if flock(f, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            var owner = ""
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(f, &buf, buf.count, 0)
            if n > 0 { owner = String(decoding: buf[0..<n], as: UTF8.self).trimmingNewlines() }
            close(f)
            if e == EWOULDBLOCK {
                throw DirectoryLockError(directory: directory,
                                         reason: "already in use by another node\(owner.isEmpty ? "" : " (pid \(owner))"); give each node its own data_dir")
            }
            throw DirectoryLockError(directory: directory, reason: "cannot lock \(path): \(String(cString: strerror(e)))")
        }
        fd = f
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(f, 0)
        _ = pid.withUnsafeBytes { pwrite(f, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }  // closing the descriptor releases the flock
}

private extension String {
    func trimmingNewlines() -> String {
        var s = Substring(self)
        while let c = s.last, c == "\n" || c == "\r" || c == " " { s = s.dropLast() }
        return String(s)
    }
}
