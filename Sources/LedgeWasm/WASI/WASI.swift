// WASI preview1 subset for C programs built against wasi-libc: stdio, args, environ, clocks, random, exit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Host functions for the import module `wasi_snapshot_preview1`.
///
/// Offers: `fd_write` to fds 1 and 2 (handed to `output`), `fd_read` from fd 0 (the `stdin` bytes), `args_*`,
/// `environ_*`, `clock_time_get`/`clock_res_get` (realtime, monotonic, process and thread CPU time),
/// `random_get`, `fd_fdstat_get`, `fd_seek`/`fd_tell` (stdio is not seekable: `spipe`), `fd_close`,
/// `fd_prestat_get` (no preopened folders: `badf`), `sched_yield`, and `proc_exit`, which ends the run with
/// `Trap(.exit(code))`. Every other preview1 function links and answers `nosys` (52), so no file or socket
/// is reachable. A guest pointer outside memory makes the call answer `fault` (21); it never traps the host.
/// More than 1024 iovecs in one call (POSIX IOV_MAX) answer `inval`, so host work per call stays bounded.
///
/// One `WASI` value may serve many instances; the stdin cursor is shared by all of them.
public struct WASI: Sendable {
    /// Receives what the guest writes: the fd (1 = stdout, 2 = stderr) and the bytes, valid during the call.
    public typealias Output = @Sendable (Int32, UnsafeRawBufferPointer) -> Void

    public static let moduleName = "wasi_snapshot_preview1"

    let args: StringTable
    let environ: StringTable
    let stdin: StdinBuffer
    let output: Output

    /// - Parameters:
    ///   - args: the program's argv, program name first.
    ///   - environment: variables shown to the guest as `KEY=VALUE`, sorted by key.
    ///   - stdin: the bytes fd 0 reads; end of file after them.
    ///   - output: the sink for fds 1 and 2.
    public init(args: [String], environment: [String: String] = [:], stdin: [UInt8] = [],
                output: @escaping Output) {
        self.args = StringTable(args)
        self.environ = StringTable(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        self.stdin = StdinBuffer(stdin)
        self.output = output
    }

    /// Defines every preview1 function in `imports` under `wasi_snapshot_preview1`.
    public func define(into imports: inout Imports) {
        for (name, params) in WASISignatures.all {
            let type = WASISignatures.type(params, name: name)
            let body = handler(name)
            imports.define(module: Self.moduleName, name: name, HostFunction(type, body))
        }
    }

    /// The body for one function name; unknown or unsupported names answer `nosys`.
    func handler(_ name: String) -> @Sendable (inout HostCall) throws(Trap) -> Void {
        let wasi = self
        switch name {
        case "proc_exit":
            return { (call: inout HostCall) throws(Trap) in throw Trap(.exit(Int32(bitPattern: call.i32(0)))) }
        case "args_sizes_get": return Self.answer { c throws(WASIFault) in try wasi.args.sizes(&c) }
        case "args_get": return Self.answer { c throws(WASIFault) in try wasi.args.get(&c) }
        case "environ_sizes_get": return Self.answer { c throws(WASIFault) in try wasi.environ.sizes(&c) }
        case "environ_get": return Self.answer { c throws(WASIFault) in try wasi.environ.get(&c) }
        case "fd_write": return Self.answer { c throws(WASIFault) in try wasi.fdWrite(&c) }
        case "fd_read": return Self.answer { c throws(WASIFault) in try wasi.fdRead(&c) }
        case "fd_fdstat_get": return Self.answer { c throws(WASIFault) in try WASI.fdFdstatGet(&c) }
        case "fd_seek", "fd_tell":
            return Self.answer { c throws(WASIFault) in WASI.isStdio(c.i32(0)) ? .spipe : .badf }
        case "fd_close": return Self.answer { c throws(WASIFault) in WASI.isStdio(c.i32(0)) ? .success : .badf }
        case "fd_prestat_get", "fd_prestat_dir_name": return Self.answer { _ throws(WASIFault) in .badf }
        case "fd_fdstat_set_flags":
            return Self.answer { c throws(WASIFault) in WASI.isStdio(c.i32(0)) ? .notcapable : .badf }
        case "clock_time_get": return Self.answer { c throws(WASIFault) in try WASIClock.time(&c) }
        case "clock_res_get": return Self.answer { c throws(WASIFault) in try WASIClock.resolution(&c) }
        case "random_get": return Self.answer { c throws(WASIFault) in try WASIRandom.fill(&c) }
        case "sched_yield": return Self.answer { _ throws(WASIFault) in .success }
        default: return Self.answer { _ throws(WASIFault) in .nosys }
        }
    }

    /// Wraps a body returning an errno into a host function body; a bad guest pointer answers `fault`.
    static func answer(_ body: @escaping @Sendable (inout HostCall) throws(WASIFault) -> WASIErrno)
        -> @Sendable (inout HostCall) throws(Trap) -> Void {
        return { (call: inout HostCall) throws(Trap) in
            let errno: WASIErrno
            do { errno = try body(&call) } catch { errno = .fault }
            call.result(0, .i32(errno.rawValue))
        }
    }

    static func isStdio(_ fd: UInt32) -> Bool { fd <= 2 }

    /// fd_write(fd, iovs, iovs_len, nwritten_ptr): gathers the iovecs to the output sink.
    func fdWrite(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let fd = c.i32(0), iovs = c.i32(1), count = c.i32(2), resultPtr = c.i32(3)
        guard fd == 1 || fd == 2 else { return .badf }
        guard count <= WASIConst.maxIovecs else { return .inval }
        let memory = try WASIGuest(c)
        var total: UInt32 = 0
        for i in 0..<count {
            let entry = try WASIGuest.offset(iovs, i, stride: 8)
            let base = try memory.loadU32(entry)
            let len = try memory.loadU32(entry &+ 4)
            if len == 0 { continue }
            let bytes = try memory.bytes(base, len)
            output(Int32(fd), bytes)
            total &+= len
        }
        try memory.storeU32(resultPtr, total)
        return .success
    }

    /// fd_read(fd, iovs, iovs_len, nread_ptr): scatters stdin bytes into the iovecs; 0 read at end of file.
    func fdRead(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let fd = c.i32(0), iovs = c.i32(1), count = c.i32(2), resultPtr = c.i32(3)
        guard fd == 0 else { return .badf }
        guard count <= WASIConst.maxIovecs else { return .inval }
        let memory = try WASIGuest(c)
        var total: UInt32 = 0
        for i in 0..<count {
            let entry = try WASIGuest.offset(iovs, i, stride: 8)
            let base = try memory.loadU32(entry)
            let len = try memory.loadU32(entry &+ 4)
            if len == 0 { continue }
            let target = try memory.mutableBytes(base, len)
            let n = stdin.read(into: target)
            total &+= UInt32(n)
            if n < Int(len) { break }
        }
        try memory.storeU32(resultPtr, total)
        return .success
    }

    /// fd_fdstat_get(fd, ptr): stdio fds are character devices that can read (0) or write (1, 2).
    static func fdFdstatGet(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let fd = c.i32(0), ptr = c.i32(1)
        guard isStdio(fd) else { return .badf }
        let memory = try WASIGuest(c)
        let out = try memory.mutableBytes(ptr, 24)
        for i in 0..<24 { out[i] = 0 }
        out[0] = WASIConst.filetypeCharacterDevice
        let rights = fd == 0 ? WASIConst.rightFdRead : WASIConst.rightFdWrite
        out.storeBytes(of: rights.littleEndian, toByteOffset: 8, as: UInt64.self)
        return .success
    }
}

/// Argument or environment strings laid out the way `*_get` writes them: NUL-terminated, back to back.
struct StringTable: Sendable {
    let blob: [UInt8]
    let offsets: [UInt32]

    init(_ strings: [String]) {
        var blob: [UInt8] = []
        var offsets: [UInt32] = []
        for s in strings {
            offsets.append(UInt32(blob.count))
            blob.append(contentsOf: s.utf8)
            blob.append(0)
        }
        self.blob = blob
        self.offsets = offsets
    }

    /// `*_sizes_get(count_ptr, buf_size_ptr)`.
    func sizes(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let memory = try WASIGuest(c)
        try memory.storeU32(c.i32(0), UInt32(offsets.count))
        try memory.storeU32(c.i32(1), UInt32(blob.count))
        return .success
    }

    /// `*_get(pointers_ptr, buf_ptr)`: one u32 pointer per string, then the strings.
    func get(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let list = c.i32(0), buf = c.i32(1)
        let memory = try WASIGuest(c)
        let target = try memory.mutableBytes(buf, UInt32(blob.count))
        blob.withUnsafeBytes { target.copyMemory(from: $0) }
        for (i, o) in offsets.enumerated() {
            try memory.storeU32(try WASIGuest.offset(list, UInt32(i), stride: 4), buf &+ o)
        }
        return .success
    }
}

/// The bytes fd 0 reads, with a cursor shared by every instance using the same `WASI`.
final class StdinBuffer: Sendable {
    private let bytes: [UInt8]
    private let cursor = Mutex(0)

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Copies up to `target.count` bytes and advances; returns how many were copied.
    func read(into target: UnsafeMutableRawBufferPointer) -> Int {
        cursor.withLock { pos in
            let n = min(target.count, bytes.count - pos)
            if n > 0 {
                bytes.withUnsafeBytes { src in
                    target.baseAddress!.copyMemory(from: src.baseAddress! + pos, byteCount: n)
                }
            }
            pos += n
            return n
        }
    }
}

/// clock_time_get and clock_res_get over the host's POSIX clocks.
enum WASIClock {
    static func posixClock(_ id: UInt32) -> clockid_t? {
        switch id {
        case WASIConst.clockRealtime: return CLOCK_REALTIME
        case WASIConst.clockMonotonic: return CLOCK_MONOTONIC
        case WASIConst.clockProcessCPU: return CLOCK_PROCESS_CPUTIME_ID
        case WASIConst.clockThreadCPU: return CLOCK_THREAD_CPUTIME_ID
        default: return nil
        }
    }

    static func nanos(_ t: timespec) -> UInt64 { UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec) }

    /// clock_time_get(id, precision: i64, time_ptr).
    static func time(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        guard let clock = posixClock(c.i32(0)) else { return .inval }
        var t = timespec()
        guard clock_gettime(clock, &t) == 0 else { return .inval }
        try WASIGuest(c).storeU64(c.i32(2), nanos(t))
        return .success
    }

    /// clock_res_get(id, resolution_ptr).
    static func resolution(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        guard let clock = posixClock(c.i32(0)) else { return .inval }
        var t = timespec()
        guard clock_getres(clock, &t) == 0 else { return .inval }
        try WASIGuest(c).storeU64(c.i32(1), max(1, nanos(t)))
        return .success
    }
}

/// random_get(buf, len) from the kernel's entropy source (getentropy, at most 256 bytes a call).
enum WASIRandom {
    static func fill(_ c: inout HostCall) throws(WASIFault) -> WASIErrno {
        let target = try WASIGuest(c).mutableBytes(c.i32(0), c.i32(1))
        var done = 0
        while done < target.count {
            let n = min(256, target.count - done)
            guard getentropy(target.baseAddress! + done, n) == 0 else { return .io }
            done += n
        }
        return .success
    }
}
