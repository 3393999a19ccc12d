// OutboxStats: counters and gauges of the outbox, read with `Outbox.stats`.

/// A snapshot of the outbox's counters (since this `Outbox` was created) and gauges.
public struct OutboxStats: Sendable, Equatable {
    /// Appends accepted.
    public var appended: Int = 0
    /// Rows committed to SQLite.
    public var committed: Int = 0
    /// Publishes handed to the MQTT client (resends included).
    public var sent: Int = 0
    /// Publishes sent again after a timeout or a reconnect.
    public var resent: Int = 0
    /// Rows deleted after the broker acknowledged them.
    public var acked: Int = 0
    /// Rows deleted by the drop-oldest policy.
    public var dropped: Int = 0
    /// Appends refused by the refuse policy.
    public var refused: Int = 0
    /// Commit transactions done, and those that failed.
    public var commits: Int = 0
    public var commitErrors: Int = 0
    /// Appended, not yet committed.
    public var pendingRows: Int = 0
    /// Committed, not yet acknowledged (the rows in the table).
    public var storedRows: Int = 0
    public var storedBytes: Int = 0
    /// Published and waiting for an acknowledgement.
    public var inflight: Int = 0
}
