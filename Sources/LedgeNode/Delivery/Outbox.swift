// Outbox: durable delivery. Publishes are appended to SQLite (batched commits), drained to the
// broker in id order with a bounded in-flight window, and deleted only when acknowledged.
import LedgeStore
import LedgeMQTT
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The node's outbox. Thread model: `append` may be called from any thread (worker threads of the
/// function pools); one outbox thread ("ledge-outbox") owns the database connection: it commits
/// batches, publishes through the attached client, and deletes acknowledged rows. Give the outbox
/// a `Database` of its own (it uses that connection from its thread only).
///
/// Delivery is at least once: a row is deleted after PUBACK/PUBCOMP (QoS 0: once written to the
/// socket). Rows are published in id order (so order per topic and QoS holds; MQTT does not order
/// messages of different QoS levels on one topic against each other); after a restart or a resend
/// timeout, a message may arrive twice. See `OutboxConfig` for what a crash can lose.
public final class Outbox: @unchecked Sendable {
    public let config: OutboxConfig
    let db: Database
    let cond = ConditionLock()
    let log: @Sendable (String) -> Void
    let pendingCap: Int

    // Shared state, protected by `cond`.
    var batch = OutboxBatch()
    var spare = OutboxBatch()
    var firstPendingNs: UInt64 = 0
    var acks: [Int32] = []
    var ackSpare: [Int32] = []
    var connectEvents = 0
    var connected = false
    var closed = false
    var stopping = false
    var workerDone = false
    var appendSeq: UInt64 = 0
    var committedSeq: UInt64 = 0
    var failedRanges: [ClosedRange<UInt64>] = []
    var lastCommitError: StoreError?
    var flushRequested = false
    var counters = OutboxStats()
    var client: MQTTClient?
    /// Inbound progress: where the mark comes from, the value taken with the batch being committed,
    /// and the value stored in `node_state` (see `trackProgress`).
    var progressSource: (@Sendable () -> UInt64)?
    var pendingMark: UInt64 = 0
    var storedMark: UInt64 = 0
    var nextMarkNs: UInt64 = 0

    // Worker-only state (touched by the outbox thread alone).
    struct Inflight { var rowID: Int64; var qos: Int32; var size: Int; var sentNs: UInt64; var dropped: Bool }
    var inflight: [Int32: Inflight] = [:]
    var resend: [Int64] = []
    var toDelete: [Int64] = []
    var firstDeleteNs: UInt64 = 0
    var cursor: Int64 = 0
    var maxRowID: Int64 = 0
    var seenConnects = 0
    var sendBlockedUntilNs: UInt64 = 0
    var retryNotBeforeNs: UInt64 = 0
    var burstActive = false
    var burstStartLosses = 0
    var lastLosses = 0
    var lastLossNs: UInt64 = 0
    var nextHousekeepingNs: UInt64 = 0
    var thread: NativeThread?

    /// Opens the outbox on `database` (creating its table if needed) and starts its thread.
    /// Rows left by an earlier run are sent once a client is attached.
    public init(database: Database, config: OutboxConfig = .init()) throws(OutboxError) {
        try config.validate()
        self.config = config
        self.db = database
        self.log = config.log ?? { line in
            let text = Array("ledge outbox: \(line)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        self.pendingCap = max(config.commitEvery * 4, 1024)
        do throws(StoreError) {
            try database.migrate(NodeSchema.migrations)
            if let row = try database.query("SELECT count(*), total(size), coalesce(max(id), 0) FROM outbox").first {
                counters.storedRows = Int(row[0].int ?? 0)
                counters.storedBytes = Int(row[1].double ?? 0)
                maxRowID = row[2].int ?? 0
            }
            if let v = try database.scalar("SELECT value FROM node_state WHERE key = 'inbound_done'")?.int { storedMark = UInt64(max(0, v)) }
        } catch {
            throw OutboxError(code: .store, message: "cannot open the outbox in '\(database.path)'", store: error)
        }
        batch.reserve(entries: config.commitEvery, bytes: config.commitEvery * 256)
        spare.reserve(entries: config.commitEvery, bytes: config.commitEvery * 256)
        acks.reserveCapacity(config.maxInflight * 2)
        ackSpare.reserveCapacity(config.maxInflight * 2)
        toDelete.reserveCapacity(config.commitEvery)
        inflight.reserveCapacity(config.maxInflight)
        // Weak, not unowned: if the owner drops the outbox without close() (e.g. a Node whose init throws
        // later), the worker keeps it alive until close() instead of touching a deinitialising object.
        thread = NativeThread(name: "ledge-outbox") { [weak self] in self?.workerLoop() }
    }

    deinit { close() }

    // MARK: append

    /// Appends a message. Returns once it is in the current batch (or, with `durableAppend`, once
    /// committed). Throws `.full` under the refuse policy, `.tooLarge`, `.invalidTopic`,
    /// `.invalidQoS`, `.closed`, or `.store` when a durable commit failed.
    public func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool) throws(OutboxError) {
        if let problem = topicProblem(topic) {
            throw OutboxError(code: .invalidTopic, message: "cannot publish to '\(String(decoding: topic.prefix(200), as: UTF8.self))': \(problem)")
        }
        guard (0...2).contains(qos) else {
            throw OutboxError(code: .invalidQoS, message: "qos \(qos) outside 0...2 (topic '\(String(decoding: topic.prefix(200), as: UTF8.self))')")
        }
        let size = topic.count + payload.count
        if payload.count > config.maxPayloadBytes || size > config.maxBytes {
            throw OutboxError(code: .tooLarge, message: "message to '\(String(decoding: topic.prefix(200), as: UTF8.self))' is \(payload.count) payload bytes; the limits are \(config.maxPayloadBytes) per payload and \(config.maxBytes) in total")
        }
        let created = Outbox.wallClockMs()
        cond.lock()
        defer { cond.unlock() }
        if closed { throw OutboxError(code: .closed, message: "the outbox is closed") }
        // Back-pressure: the committer is behind by more than `pendingCap` appends.
        while batch.count >= pendingCap && !closed {
            if lastCommitError != nil {
                throw OutboxError(code: .store, message: "the outbox cannot commit (disk problem?); \(batch.count) appends are waiting", store: lastCommitError)
            }
            cond.broadcast()
            cond.wait(untilNanos: monotonicNanos() + 100_000_000)
        }
        if closed { throw OutboxError(code: .closed, message: "the outbox is closed") }
        if config.overflow == .refuse {
            let rows = counters.storedRows + batch.count
            let bytes = counters.storedBytes + batch.byteCount
            if rows + 1 > config.maxRows || bytes + size > config.maxBytes {
                counters.refused += 1
                throw OutboxError(code: .full, message: "outbox full (\(rows) rows of \(config.maxRows), \(bytes) bytes of \(config.maxBytes)); message to '\(String(decoding: topic.prefix(200), as: UTF8.self))' refused")
            }
        }
        appendSeq += 1
        let seq = appendSeq
        if batch.isEmpty { firstPendingNs = monotonicNanos() }
        batch.append(topic: topic, payload: payload, qos: qos, retain: retain, createdMs: created, seq: seq)
        counters.appended += 1
        if batch.count == 1 || batch.count >= config.commitEvery || config.durableAppend { cond.broadcast() }
        guard config.durableAppend else { return }
        while committedSeq < seq && !workerDone {
            cond.wait(untilNanos: monotonicNanos() + 100_000_000)
        }
        if committedSeq < seq || failedRanges.contains(where: { $0.contains(seq) }) {
            throw OutboxError(code: .store, message: "the message was not stored: its commit failed", store: lastCommitError)
        }
    }

    /// Appends a message with a String topic and byte payload.
    public func append(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(OutboxError) {
        var t = topic
        var result: OutboxError?
        t.withUTF8 { tb in
            payload.withUnsafeBytes { pb in
                do throws(OutboxError) { try append(topic: UnsafeRawBufferPointer(tb), payload: pb, qos: qos, retain: retain) } catch { result = error }
            }
        }
        if let result { throw result }
    }

    /// Appends a message with a String topic and String payload (UTF-8).
    public func append(topic: String, text: String, qos: Int32, retain: Bool) throws(OutboxError) {
        try append(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    // MARK: client

    /// Starts sending through `client` (which may be connected or not yet); rows are published
    /// whenever it is connected. Call once, before or after `client.start()`.
    public func attach(_ client: MQTTClient) {
        client.addPublishedObserver { [weak self] mid, _ in
            guard let self else { return }
            self.cond.withLock {
                self.acks.append(mid)
                self.cond.broadcast()
            }
        }
        client.addConnectObserver { [weak self] _ in
            guard let self else { return }
            self.cond.withLock {
                self.connected = true
                self.connectEvents += 1
                self.cond.broadcast()
            }
        }
        client.addDisconnectObserver { [weak self] _ in
            guard let self else { return }
            self.cond.withLock { self.connected = false }
        }
        let isUp = client.isConnected
        cond.withLock {
            self.client = client
            if isUp { connected = true }
            cond.broadcast()
        }
    }

    // MARK: inbound progress

    /// Stores an inbound progress mark with the publishes: at each commit the outbox takes `source()`
    /// (every inbound event with a sequence number up to it has finished, so its publishes are in the
    /// batch being committed or an earlier one) and writes it in the same transaction. With no
    /// publishes, the mark is still committed about once a second when it moved. Call before appending.
    public func trackProgress(_ source: @escaping @Sendable () -> UInt64) {
        cond.withLock { progressSource = source }
    }

    /// The inbound progress mark committed last (read at open from the database).
    public var persistedProgress: UInt64 { cond.withLock { storedMark } }

    // MARK: flush, drain, close

    /// Commits every append made before this call; returns when they are on disk (in the WAL).
    /// Throws `.store` when the commit keeps failing for 10 s.
    public func flush() throws(OutboxError) {
        cond.lock()
        defer { cond.unlock() }
        let target = appendSeq
        let deadline = monotonicNanos() + 10_000_000_000
        while committedSeq < target && !workerDone && monotonicNanos() < deadline {
            flushRequested = true
            cond.broadcast()
            cond.wait(untilNanos: min(deadline, monotonicNanos() + 50_000_000))
        }
        if committedSeq < target {
            throw OutboxError(code: .store, message: "flush could not commit \(target - committedSeq) appends", store: lastCommitError)
        }
    }

    /// Waits until every appended message has been acknowledged (the table is empty) or `timeout`
    /// passes; true when empty. Used at shutdown, before `client.stop()`.
    public func drain(timeout: Duration) -> Bool {
        let c = timeout.components
        let ns = UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
        let deadline = monotonicNanos() + ns
        cond.lock()
        defer { cond.unlock() }
        while !(batch.isEmpty && counters.storedRows == 0) && !workerDone && monotonicNanos() < deadline {
            flushRequested = true
            cond.broadcast()
            cond.wait(untilNanos: min(deadline, monotonicNanos() + 20_000_000))
        }
        return batch.isEmpty && counters.storedRows == 0
    }

    /// A snapshot of the counters.
    public var stats: OutboxStats {
        cond.withLock {
            var s = counters
            s.pendingRows = batch.count
            return s
        }
    }

    /// Commits what is pending, deletes what was acknowledged, and stops the outbox thread.
    /// Unacknowledged rows stay in the table for the next run. Later appends throw `.closed`.
    public func close() {
        let t: NativeThread? = cond.withLock {
            closed = true
            stopping = true
            cond.broadcast()
            let t = thread
            thread = nil
            return t
        }
        t?.join()
    }

    static func wallClockMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec / 1_000_000)
    }
}
