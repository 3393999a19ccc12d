// A real mosquitto broker on a free loopback port, started and stopped by a test.
import Foundation

public enum TestBrokerError: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(port: Int, log: String)
    public var description: String {
        switch self {
        case .notInstalled: return "mosquitto is not installed (run tools/setup)"
        case .didNotStart(let port, let log): return "mosquitto did not start on port \(port): \(log)"
        }
    }
}

/// A private mosquitto on 127.0.0.1 with persistence in its own folder. `stop()` (or deinit) ends it.
public final class TestBroker: @unchecked Sendable {
    public let port: Int
    public let folder: URL
    private var process: ChildProcess?

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    public init(port: Int? = nil) throws {
        self.port = try port ?? FreePort.find()
        self.folder = try TestPaths.scratch("broker")
        try start()
    }

    /// Starts (or restarts) the broker on the same port with the same persistence folder.
    public func start() throws {
        let exe = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let exe else { throw TestBrokerError.notInstalled }
        let conf = folder.appendingPathComponent("mosquitto.conf")
        let text = """
        listener \(port) 127.0.0.1
        allow_anonymous true
        persistence true
        persistence_location \(folder.path)/
        autosave_interval 1
        max_queued_messages 100000
        max_inflight_messages 100
        log_dest file \(folder.path)/mosquitto.log
        \(getuid() == 0 ? "user root" : "")

        """
        try text.write(to: conf, atomically: true, encoding: .utf8)
        let p = try ChildProcess(executable: exe, arguments: ["-c", conf.path])
        process = p
        // Wait until the port accepts connections (at most 5 s).
        for _ in 0..<250 {
            if FreePort.isListening(port) { return }
            if !p.isRunning { break }
            usleep(20_000)
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
        throw TestBrokerError.didNotStart(port: port, log: log)
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file) and waits for it (at most 5 s, then
    /// SIGKILL).
    public func stop() {
        guard let p = process else { return }
        p.stop()
        process = nil
    }

    /// Kills the broker with SIGKILL (no persistence saved): a crash.
    public func kill() {
        process?.kill9()
        process = nil
    }

    deinit { stop() }
}

/// Loopback port helpers.
public enum FreePort {
    /// A port the kernel says is free now on 127.0.0.1.
    public static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// True when something accepts TCP connections on 127.0.0.1:port.
    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
