// OutboxConfig: bounds, overflow policy, commit batching and send window of the durable outbox.

/// Outbox settings.
///
/// Durability: appends are buffered in memory and committed in one transaction every `commitEvery`
/// appends or `commitIntervalMs`, whichever comes first. A committed row survives `kill -9`
/// (WAL, `synchronous=NORMAL`) and is sent after restart; rows still in the batching window
/// (at most `commitEvery` appends or `commitIntervalMs` of them) are lost if the process dies.
/// Set `durableAppend = true` to make `append` return only after its row is committed
/// (group commit: concurrent appends share one commit, no batching delay).
public struct OutboxConfig: Sendable {
    public enum Overflow: String, Sendable, Equatable {
        /// `append` throws `.full` (the function's publish sees an error).
        case refuse
        /// The oldest stored rows are deleted to make room (counted, logged once per burst).
        case dropOldest = "drop_oldest"
    }

    /// Most rows stored (committed and not yet acknowledged, plus the batch being built).
    public var maxRows: Int = 100_000
    /// Most bytes stored (topic + payload bytes).
    public var maxBytes: Int = 64 * 1024 * 1024
    public var overflow: Overflow = .refuse
    /// Commit after this many appends...
    public var commitEvery: Int = 256
    /// ...or this long after the first uncommitted append.
    public var commitIntervalMs: Int = 100
    /// `append` returns after the row is committed (see the type comment).
    public var durableAppend: Bool = false
    /// Messages published and not yet acknowledged at once.
    public var maxInflight: Int = 32
    /// Largest payload accepted.
    public var maxPayloadBytes: Int = 256 * 1024
    /// A message unacknowledged this long while connected is published again (at-least-once).
    public var resendAfterMs: Int = 30_000
    /// Where the outbox writes its few log lines (full bursts, commit failures). Default: stderr.
    public var log: (@Sendable (String) -> Void)?

    public init() {}

    func validate() throws(OutboxError) {
        func bad(_ m: String) -> OutboxError { OutboxError(code: .invalidConfig, message: m) }
        if maxRows < 1 { throw bad("maxRows \(maxRows) must be at least 1") }
        if maxBytes < 1 { throw bad("maxBytes \(maxBytes) must be at least 1") }
        if commitEvery < 1 { throw bad("commitEvery \(commitEvery) must be at least 1") }
        if commitIntervalMs < 0 { throw bad("commitIntervalMs \(commitIntervalMs) must not be negative") }
        if !(1...65535).contains(maxInflight) { throw bad("maxInflight \(maxInflight) outside 1...65535") }
        if maxPayloadBytes < 0 || maxPayloadBytes > 268_435_455 { throw bad("maxPayloadBytes \(maxPayloadBytes) outside 0...268435455") }
        if resendAfterMs < 100 { throw bad("resendAfterMs \(resendAfterMs) must be at least 100") }
    }
}
