// The node's log: leveled lines on standard error, `LEVEL component: message`, with a wall-clock stamp.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum LogLevel: Int, Comparable, Sendable {
    case debug = 0, info, warn, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    public init?(name: String) {
        switch name {
        case "debug": self = .debug
        case "info": self = .info
        case "warn": self = .warn
        case "error": self = .error
        default: return nil
        }
    }
    var tag: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }
}

public enum Log {
    nonisolated(unsafe) public static var level: LogLevel = .info
    private static let lock = ConditionLock()

    public static func write(_ level: LogLevel, _ component: String, _ message: String) {
        guard level >= Log.level else { return }
        let ms = Clock.wallMillis()
        var tm = tm()
        var secs = time_t(ms / 1000)
        gmtime_r(&secs, &tm)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let millis = Int(ms % 1000)
        let stamp = "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)).\(millis < 10 ? "00" : millis < 100 ? "0" : "")\(millis)"
        let line = "\(stamp) \(level.tag) \(component): \(message)\n"
        lock.withLock {
            var l = line
            l.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
        }
    }

    public static func debug(_ c: String, _ m: @autoclosure () -> String) { if level <= .debug { write(.debug, c, m()) } }
    public static func info(_ c: String, _ m: String) { write(.info, c, m) }
    public static func warn(_ c: String, _ m: String) { write(.warn, c, m) }
    public static func error(_ c: String, _ m: String) { write(.error, c, m) }
}
