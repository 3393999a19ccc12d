// A child process for tests (brokers, nodes) that can always be stopped.
//
// Foundation's `Process` spawns with the calling thread's signal mask, and the threads that run Swift
// Testing's tests are libdispatch workers, which block SIGTERM, SIGINT, SIGHUP and SIGUSR1/2. A broker
// spawned from such a thread never sees its SIGTERM, and `waitUntilExit()` then hangs the test run
// (on 2 cores it starves the whole cooperative pool). This type spawns with an empty signal mask and
// default dispositions, and `stop` waits a bounded time before it falls back to SIGKILL.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct ChildProcessError: Error, CustomStringConvertible {
    public let executable: String
    public let code: Int32
    public var description: String { "could not start \(executable): \(String(cString: strerror(code)))" }
}

public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; stdout and stderr go to `outputPath` (or /dev/null).
    public init(executable: String, arguments: [String], outputPath: String? = nil,
                environment: [String: String]? = nil) throws {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let out = outputPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = envStrings.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attr, argv, envp)
        guard rc == 0 else { throw ChildProcessError(executable: executable, code: rc) }
        pid = child
    }

    /// True while the child has not exited (reaps it when it has).
    public var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || r < 0 { exitStatus = status; return false }
        return true
    }

    /// Sends `signal` (default SIGTERM), waits up to `graceSeconds`, then SIGKILLs and reaps.
    /// Returns true when the child ended within the grace period.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, graceSeconds: Double = 5) -> Bool {
        guard isRunning else { return true }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(graceSeconds)
        while Date() < deadline {
            if !isRunning { return true }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        while isRunning { usleep(5_000) }
        return false
    }

    /// Sends SIGKILL and reaps: a crash, for tests of crash safety.
    public func kill9() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        while isRunning { usleep(5_000) }
    }

    deinit { if isRunning { kill9() } }
}
