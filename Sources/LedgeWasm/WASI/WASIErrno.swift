// WASI preview1 error numbers and constants used by the host functions (values from the preview1 witx).

/// The `errno` values a WASI preview1 call returns (0 = success).
public enum WASIErrno: UInt32, Sendable {
    case success = 0
    case acces = 2
    case badf = 8
    case fault = 21
    case inval = 28
    case io = 29
    case nosys = 52
    case spipe = 70
    case notcapable = 76
}

/// Other preview1 constants.
enum WASIConst {
    static let filetypeCharacterDevice: UInt8 = 2
    static let rightFdRead: UInt64 = 1 << 1
    static let rightFdWrite: UInt64 = 1 << 6
    static let clockRealtime: UInt32 = 0
    static let clockMonotonic: UInt32 = 1
    static let clockProcessCPU: UInt32 = 2
    static let clockThreadCPU: UInt32 = 3
    /// The most iovecs one fd_read/fd_write takes (POSIX IOV_MAX).
    static let maxIovecs: UInt32 = 1024
}
