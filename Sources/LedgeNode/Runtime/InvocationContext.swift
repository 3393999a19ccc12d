// Per-instance state the host calls see: the function's config, its services, and the current invocation's counters.
import LedgeCore

/// Shared by the host functions of one instance. An instance runs on one thread at a time, so this does too.
public final class InvocationContext: @unchecked Sendable {
    public let function: FunctionConfig
    let models: [String: LoadedModel]
    let sink: PublishSink
    let kv: KeyValueStore?
    let logSink: FunctionLogSink
    let settings: [String: [UInt8]]
    let allowPublish: [String]
    let logLimiter: LogLimiter

    // Per invocation.
    public internal(set) var publishes = 0
    public internal(set) var publishedBytes = 0

    init(function: FunctionConfig, models: [String: LoadedModel], sink: PublishSink, kv: KeyValueStore?, logSink: FunctionLogSink,
         logLimiter: LogLimiter) {
        self.function = function
        self.models = models
        self.sink = sink
        self.kv = kv
        self.logSink = logSink
        self.logLimiter = logLimiter
        var s: [String: [UInt8]] = [:]
        for (k, v) in function.settings { s[k] = Array(v.utf8) }
        self.settings = s
        self.allowPublish = function.allowPublish
    }

    /// Resets the per-invocation counters.
    func beginInvocation() {
        publishes = 0
        publishedBytes = 0
    }

    /// True when `topic` is one the function may publish to: inside allow_publish and outside `ledge/`.
    func mayPublish(_ topic: String) -> Bool {
        if topic.hasPrefix("ledge/") || topic.hasPrefix("$") { return false }
        return allowPublish.contains { TopicFilter.matches(filter: $0, topic: topic) }
    }

    /// Rate-limits log lines (shared by the function's instances); the rest are counted and reported once.
    func admitLogLine() -> Bool {
        logLimiter.admit { n in
            logSink.log(function: function.name, level: 2,
                        message: "\(n) log lines suppressed (log_lines_per_s \(function.limits.logLinesPerSecond))")
        }
    }
}
