// The node: loads models and functions from the config, connects to the broker, routes events to
// functions, sends what they publish through the durable outbox, reports status, and drains on SIGINT/SIGTERM.
import LedgeCore
import LedgeMQTT
import LedgeStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class Node: @unchecked Sendable {
    public let config: NodeConfig
    /// The connection function KV uses (the outbox has a connection of its own).
    let database: Database
    /// Held while the node lives: no second node on the same data directory.
    let dataLock: DirectoryLock
    let outbox: Outbox
    let client: MQTTClient
    public private(set) var models: [String: LoadedModel] = [:]
    public private(set) var runtimes: [FunctionRuntime] = []
    let router: EventRouter
    let cache = ModuleCache()
    /// Inbound crash safety and de-duplication (see InboundJournal, InboundDedup); nil when off.
    let journal: InboundJournal?
    let progress: InboundProgress?
    let dedup: InboundDedup?
    private var duplicatesDropped = 0
    private var journalErrors = 0
    private var recoveredEvents = 0
    private var metricsThread: WorkerThread?
    private let stopLock = ConditionLock()
    private var stopping = false
    public private(set) var eventsReceived = 0
    /// The update agent (runs when the config lists trusted release keys) and its hot-swap activator.
    public private(set) var agent: UpdateAgent?
    private var activator: NodeActivator?

    var statusTopic: String { "ledge/v1/nodes/\(config.nodeID)/status" }
    /// True while the node's MQTT connection is up.
    public var isConnected: Bool { client.isConnected }

    /// Opens storage, loads models and functions. A model or function that fails to load is reported and
    /// left out; the node still serves the others.
    public init(config: NodeConfig) throws {
        self.config = config
        Log.level = LogLevel(name: config.logLevel) ?? .info
        try FileIO.makeDirectories(config.dataDir)
        dataLock = try DirectoryLock(directory: config.dataDir)
        database = try NodeSchema.open(path: config.dataDir + "/node.sqlite")
        // The MQTT client first: a bad broker URL or TLS file fails here, before any thread is started.
        var mc = MQTTConfig(url: config.broker.url, clientID: config.broker.clientID ?? "ledge-node-\(config.nodeID)")
        mc.protocolVersion = config.broker.protocolVersion == "v311" ? .v311 : .v5
        mc.cleanStart = false
        mc.sessionExpirySeconds = UInt32(config.broker.sessionExpirySeconds)
        mc.keepAliveSeconds = config.broker.keepAliveSeconds
        mc.username = config.broker.username
        mc.password = config.broker.password
        if config.broker.caFile != nil || config.broker.certFile != nil {
            mc.tls = MQTTConfig.TLSConfig(caFile: config.broker.caFile, certFile: config.broker.certFile, keyFile: config.broker.keyFile)
        }
        mc.will = MQTTConfig.Will(topic: "ledge/v1/nodes/\(config.nodeID)/status",
                                  payload: Array(Self.statusPayload(config: config, online: false).utf8), qos: 1, retain: true)
        client = try MQTTClient(config: mc)
        var oc = OutboxConfig()
        oc.maxRows = config.outbox.maxRows
        oc.maxBytes = config.outbox.maxBytes
        oc.overflow = config.outbox.overflow == "drop_oldest" ? .dropOldest : .refuse
        oc.commitEvery = config.outbox.commitEvery
        oc.commitIntervalMs = config.outbox.commitIntervalMs
        // The outbox thread gets a connection of its own; function KV uses `database`.
        outbox = try Outbox(database: try NodeSchema.open(path: config.dataDir + "/node.sqlite"), config: oc)
        if config.inbound.journal {
            let done = outbox.persistedProgress
            let ob = outbox
            let j = try InboundJournal(directory: config.dataDir, doneThrough: done, persistedDone: { ob.persistedProgress })
            let p = InboundProgress(doneThrough: done)
            outbox.trackProgress { p.doneThrough }
            journal = j
            progress = p
        } else {
            journal = nil
            progress = nil
        }
        dedup = config.inbound.dedupFields.isEmpty ? nil : InboundDedup(fields: config.inbound.dedupFields, window: config.inbound.dedupWindow)


        var loaded: [String: LoadedModel] = [:]
        for m in config.models {
            do {
                let model = try LoadedModel(name: m.name, path: m.path)
                loaded[m.name] = model
                Log.info("node", "model \(m.name) \(model.manifest.version) loaded from \(m.path)")
            } catch {
                Log.error("node", "model \(m.name) not loaded: \(error)")
            }
        }
        let sink = OutboxSink(outbox: outbox)
        for f in config.functions {
            if let missing = f.models.first(where: { loaded[$0] == nil }) {
                Log.error("node", "function \(f.name) not started: its model \(missing) is not loaded")
                continue
            }
            do {
                let kv = SQLiteKVStore(database: database, namespace: f.name, quotaBytes: f.limits.kvQuotaBytes)
                let rt = try FunctionRuntime(config: f, models: loaded, sink: sink, kv: kv, cache: cache)
                if let err = rt.prewarm() {
                    Log.error("node", "function \(f.name) not started: \(err)")
                    continue
                }
                let s = rt.statistics
                Log.info("node", "function \(f.name) ready (cold start \(Int(s.meanColdStartMicros)) µs), triggers \(f.triggers.joined(separator: ", "))")
                runtimes.append(rt)
            } catch {
                Log.error("node", "function \(f.name) not started: \(error)")
            }
        }
        models = loaded
        router = EventRouter(runtimes: runtimes, progress: progress)
        if !config.trustedKeys.isEmpty { try makeUpdateAgent() }
    }

    /// The update agent on the node's own MQTT connection, hot-swapping through `NodeActivator`.
    private func makeUpdateAgent() throws {
        var keys: [PublicKey] = []
        for (i, k) in config.trustedKeys.enumerated() {
            do { keys.append(try PublicKey(encoded: k)) } catch {
                throw ConfigError(.invalidValue, file: config.file, key: "trusted_keys[\(i)]", error.description)
            }
        }
        var uc = UpdateAgentConfig(nodeID: config.nodeID, stateDir: config.dataDir + "/update", trustedKeys: keys)
        uc.probationSeconds = config.update.probationSeconds
        uc.maxProbationErrorRate = config.update.maxErrorRate
        uc.minProbationInvocations = config.update.minInvocations
        uc.reportIntervalSeconds = config.update.reportIntervalSeconds
        let act = NodeActivator(node: self, models: models, stateDir: uc.stateDir)
        let a = try UpdateAgent(config: uc, client: client, activator: act, smokeTester: act)
        a.log = { line in
            // The agent's lines start with "update: "; the log already names the component.
            Log.info("update", line.hasPrefix("update: ") ? String(line.dropFirst(8)) : line)
        }
        activator = act
        agent = a
    }

    /// Inferences served per model version, e.g. "cmapss-rul 1.0.0: 6000, cmapss-rul 2.0.0: 7096".
    public var servedByVersion: [(model: String, version: String, count: Int)] {
        if let activator { return activator.served }
        return models.sorted { $0.key < $1.key }.flatMap { name, m in m.served.map { (name, $0.version, $0.count) } }
    }

    /// A node dropped without `shutdown()` (or whose init threw after the outbox started) still stops the
    /// outbox's thread, so nothing outlives it.
    deinit { outbox.close() }

    static func statusPayload(config: NodeConfig, online: Bool) -> String {
        var labels: [(String, JSONValue)] = []
        for (k, v) in config.labels { labels.append((k, .string(v))) }
        return JSONValue.object([
            ("state", .string(online ? "online" : "offline")),
            ("node", .string(config.nodeID)),
            ("version", .string(nodeVersion)),
            ("labels", .object(labels)),
        ]).text
    }

    public static let nodeVersion = "0.1.0"

    /// Starts serving: workers, outbox drain, MQTT connection and subscriptions.
    public func start() throws {
        router.start()
        let filters = router.filters
        let r = router
        let agent = self.agent
        // Events journalled before an unclean stop whose results were not committed run again first.
        if let j = journal, let p = progress, !j.recovered.isEmpty {
            Log.info("node", "running \(j.recovered.count) event(s) again that were taken in before an unclean stop")
            for ev in j.recovered {
                var e = IncomingEvent(topic: ev.topic, payload: ev.payload, receivedNanos: Clock.monotonicNanos())
                e.seq = ev.seq
                p.begin(ev.seq)
                r.route(e)
                p.finish(ev.seq)
            }
            recoveredEvents = j.recovered.count
            j.forgetRecovered()
        }
        client.onMessage = { [weak self] msg in
            guard let self else { return }
            if let agent, agent.handle(msg) { return }
            self.takeIn(msg, router: r)
        }
        let status = Self.statusPayload(config: config, online: true)
        let topic = statusTopic
        client.addConnectObserver { [weak self] sessionPresent in
            guard let self else { return }
            Log.info("node", "connected to \(self.config.broker.url) (session \(sessionPresent ? "resumed" : "new"))")
            _ = try? self.client.publish(topic: topic, text: status, qos: 1, retain: true)
        }
        let url = config.broker.url
        client.addConnectFailureObserver { f in
            // Every failure at first, then only at doubling attempts (the backoff already spaces them).
            guard f.attempt <= 3 || f.attempt & (f.attempt - 1) == 0 else { return }
            Log.warn("node", "cannot connect to \(url): \(f.reason); retrying in \(f.retryInMs) ms (attempt \(f.attempt)); publishes are kept in the outbox")
        }
        client.addDisconnectObserver { [weak self] reason in
            guard let self, !self.stopLock.withLock({ self.stopping }) else { return }  // a clean shutdown
            Log.warn("node", "disconnected from the broker (reason \(reason)); reconnecting, publishes are kept in the outbox")
        }
        for f in filters { _ = try client.subscribe(f, qos: 1) }
        outbox.attach(client)
        try agent?.start()
        try client.start()
        Log.info("node", "node \(config.nodeID) serving \(runtimes.count) function(s), \(models.count) model(s)")
        if config.metricsIntervalSeconds > 0 {
            metricsThread = WorkerThread(name: "metrics") { [weak self] in self?.metricsLoop() }
        }
    }

    /// One incoming message (MQTT loop thread): de-duplicate, journal, route. libmosquitto has queued
    /// the PUBACK already; with the client's own loop thread it reaches the socket after this returns,
    /// so the journal write comes first.
    private func takeIn(_ msg: MQTTMessage, router r: EventRouter) {
        // Only events some function takes are de-duplicated and journalled (not, say, update traffic): the
        // router calls `admit` once, before the first matching function gets the event.
        var duplicate = false
        var seq: UInt64 = 0
        var journalError: Int32 = 0
        r.route(IncomingEvent(topic: msg.topic, payload: msg.payload, receivedNanos: Clock.monotonicNanos())) { e in
            var t = msg.topic
            return t.withUTF8 { tb in
                msg.payload.withUnsafeBytes { pb in
                    let topic = UnsafeRawBufferPointer(tb)
                    if let d = dedup, d.isDuplicate(topic: topic, payload: pb) { duplicate = true; return false }
                    guard let j = journal, let p = progress else { return true }
                    (seq, journalError) = j.append(topic: topic, payload: pb)
                    e.seq = seq
                    p.begin(seq)
                    return true
                }
            }
        }
        if seq != 0 { progress?.finish(seq) }
        stopLock.withLock {
            eventsReceived += 1
            if duplicate { duplicatesDropped += 1 }
            if journalError != 0 { journalErrors += 1 }
        }
        if journalError != 0 {
            Log.warn("node", "inbound journal write failed (errno \(journalError)); event on \(msg.topic) is not crash-safe")
        }
    }

    /// Publishes counters on `ledge/v1/nodes/<id>/metrics` every metrics interval until stopped.
    private func metricsLoop() {
        let interval = UInt64(config.metricsIntervalSeconds) * 1_000_000_000
        var next = Clock.monotonicNanos() &+ interval
        while true {
            let stop: Bool = stopLock.withLock {
                while !stopping && Clock.monotonicNanos() < next { stopLock.wait(untilNanos: next) }
                return stopping
            }
            if stop { return }
            next &+= interval
            let text = metricsDocument().text
            try? outbox.append(topic: "ledge/v1/nodes/\(config.nodeID)/metrics", text: text, qos: 0, retain: false)
        }
    }

    /// Counters of the node, its functions, models and outbox, as JSON.
    public func metricsDocument() -> JSONValue {
        var fns: [(String, JSONValue)] = []
        for rt in router.currentRuntimes {
            let s = rt.statistics
            fns.append((rt.config.name, .object([
                ("invocations", .number(Double(s.invocations))), ("errors", .number(Double(s.errors))),
                ("traps", .number(Double(s.traps))), ("dropped", .number(Double(s.dropped))),
                ("oversize", .number(Double(s.oversize))), ("publishes", .number(Double(s.publishes))),
                ("cold_starts", .number(Double(s.coldStarts))),
                ("cold_start_us_mean", .number(s.meanColdStartMicros.rounded())),
                ("invocation_us_mean", .number((s.meanInvocationMicros * 10).rounded() / 10)),
                ("cold_start_us_max", .number(Double(s.coldStartNanosMax / 1000))),
                ("instances_replaced", .number(Double(s.replacements))),
                ("log_lines_suppressed", .number(Double(s.logLinesSuppressed))),
                ("traps_by_reason", .object(s.trapsByReason.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })),
            ])))
        }
        let o = outbox.stats
        let (received, dups, jerrs) = stopLock.withLock { (eventsReceived, duplicatesDropped, journalErrors) }
        let served = servedByVersion.map { s in
            JSONValue.object([("model", .string(s.model)), ("version", .string(s.version)), ("inferences", .number(Double(s.count)))])
        }
        return .object([
            ("node", .string(config.nodeID)),
            ("served", .array(served)),
            ("events_received", .number(Double(received))),
            ("inbound", .object([("duplicates_dropped", .number(Double(dups))), ("journal_errors", .number(Double(jerrs))),
                                 ("recovered", .number(Double(recoveredEvents))),
                                 ("in_flight", .number(Double(progress?.inFlight ?? 0)))])),
            ("functions", .object(fns)),
            ("outbox", .object([("appended", .number(Double(o.appended))), ("acked", .number(Double(o.acked))),
                                ("dropped", .number(Double(o.dropped))), ("refused", .number(Double(o.refused))),
                                ("pending", .number(Double(o.pendingRows)))])),
        ])
    }

    /// Drains: stop taking events, run what is queued, flush the outbox and wait (bounded) for the broker
    /// to acknowledge it, publish offline status, disconnect. What is not acknowledged stays in the outbox.
    public func shutdown(timeoutSeconds: Int = 10) {
        stopLock.withLock { stopping = true; stopLock.broadcast() }
        metricsThread?.join()
        agent?.stop()
        let deadline = Clock.monotonicNanos() &+ UInt64(timeoutSeconds) * 1_000_000_000
        client.onMessage = nil
        if !router.drainAndStop(deadlineNanos: deadline) {
            Log.warn("node", "some queued events did not run before the drain timeout")
        }
        try? outbox.flush()
        let left = max(1, Int((Int64(deadline) - Int64(Clock.monotonicNanos())) / 1_000_000))
        if !outbox.drain(timeout: .milliseconds(left)) {
            Log.warn("node", "\(outbox.stats.pendingRows) message(s) not yet acknowledged stay in the outbox for the next start")
        }
        _ = try? client.publish(topic: statusTopic, text: Self.statusPayload(config: config, online: false), qos: 1, retain: true)
        Clock.sleep(millis: 50)
        client.stop()
        outbox.close()
        let served = servedByVersion.map { "\($0.model) \($0.version): \($0.count)" }.joined(separator: ", ")
        if !served.isEmpty { Log.info("node", "served by version: \(served)") }
        Log.info("node", "stopped")
    }
}

/// Appends function publishes to the outbox.
final class OutboxSink: PublishSink, @unchecked Sendable {
    let outbox: Outbox
    init(outbox: Outbox) { self.outbox = outbox }
    func publish(function: String, topic: String, payload: UnsafeRawBufferPointer, qos: Int32) -> Bool {
        var topic = topic
        return topic.withUTF8 { t in
            do {
                try outbox.append(topic: UnsafeRawBufferPointer(t), payload: payload, qos: qos, retain: false)
                return true
            } catch {
                return false
            }
        }
    }
}
