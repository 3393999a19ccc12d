// Rate limit for a function's log lines (ledge.log and WASI stdout/stderr), shared by all its instances.

/// At most `perSecond` lines per one-second window; the rest are counted and reported once per window.
final class LogLimiter: @unchecked Sendable {
    let perSecond: Int
    private let lock = ConditionLock()
    private var windowStart: UInt64 = 0
    private var inWindow = 0
    private var suppressed = 0
    /// Lines dropped by the limit since start.
    private(set) var suppressedTotal = 0

    init(perSecond: Int) { self.perSecond = perSecond }

    /// True when a line may be written now. When a new window opens after suppressed lines, `report` is
    /// called (outside the lock) with how many were suppressed.
    func admit(report: (Int) -> Void) -> Bool {
        let now = Clock.monotonicNanos()
        var reportCount = 0
        let ok: Bool = lock.withLock {
            if now &- windowStart >= 1_000_000_000 {
                reportCount = suppressed
                windowStart = now
                inWindow = 0
                suppressed = 0
            }
            if inWindow < perSecond {
                inWindow += 1
                return true
            }
            suppressed += 1
            suppressedTotal += 1
            return false
        }
        if reportCount > 0 { report(reportCount) }
        return ok
    }

    var suppressedSoFar: Int { lock.withLock { suppressedTotal } }
}
