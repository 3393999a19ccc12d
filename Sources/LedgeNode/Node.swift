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
    let database: Database
    let outbox: Outbox
    let client: MQTTClient
    public private(set) var models: [String: LoadedModel] = [:]
    public private(set) var runtimes: [FunctionRuntime] = []
    let router: EventRouter
    let cache = ModuleCache()
    private var metricsThread: WorkerThread?
    private let stopLock = ConditionLock()
    private var stopping = false
    public private(set) var eventsReceived = 0

    var statusTopic: String { "ledge/v1/nodes/\(config.nodeID)/status" }

    /// Opens storage, loads models and functions. A model or function that fails to load is reported and
    /// left out; the node still serves the others.
    public init(config: NodeConfig) throws {
        self.config = config
        Log.level = LogLevel(name: config.logLevel) ?? .info
        try FileIO.makeDirectories(config.dataDir)
        database = try NodeSchema.open(path: config.dataDir + "/node.sqlite")
        var oc = OutboxConfig()
        oc.maxRows = config.outbox.maxRows
        oc.maxBytes = config.outbox.maxBytes
        oc.overflow = config.outbox.overflow == "drop_oldest" ? .dropOldest : .refuse
        oc.commitEvery = config.outbox.commitEvery
        oc.commitIntervalMs = config.outbox.commitIntervalMs
        outbox = try Outbox(database: database, config: oc)

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
        // Functions' KV gets its own connection: the outbox thread owns `database`.
        let kvDatabase = try NodeSchema.open(path: config.dataDir + "/node.sqlite")
        for f in config.functions {
            if let missing = f.models.first(where: { loaded[$0] == nil }) {
                Log.error("node", "function \(f.name) not started: its model \(missing) is not loaded")
                continue
            }
            do {
                let kv = SQLiteKVStore(database: kvDatabase, namespace: f.name, quotaBytes: f.limits.kvQuotaBytes)
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
        router = EventRouter(runtimes: runtimes)
    }

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
        client.onMessage = { [weak self] msg in
            guard let self else { return }
            self.stopLock.withLock { self.eventsReceived += 1 }
            r.route(IncomingEvent(topic: msg.topic, payload: msg.payload, receivedNanos: Clock.monotonicNanos()))
        }
        let status = Self.statusPayload(config: config, online: true)
        let topic = statusTopic
        client.addConnectObserver { [weak self] sessionPresent in
            guard let self else { return }
            Log.info("node", "connected to \(self.config.broker.url) (session \(sessionPresent ? "resumed" : "new"))")
            _ = try? self.client.publish(topic: topic, text: status, qos: 1, retain: true)
        }
        client.addDisconnectObserver { reason in
            Log.warn("node", "disconnected from the broker (reason \(reason)); reconnecting, publishes are kept in the outbox")
        }
        for f in filters { _ = try client.subscribe(f, qos: 1) }
        outbox.attach(client)
        try client.start()
        Log.info("node", "node \(config.nodeID) serving \(runtimes.count) function(s), \(models.count) model(s)")
        if config.metricsIntervalSeconds > 0 {
            metricsThread = WorkerThread(name: "metrics") { [weak self] in self?.metricsLoop() }
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
        for rt in runtimes {
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
        return .object([
            ("node", .string(config.nodeID)),
            ("events_received", .number(Double(stopLock.withLock { eventsReceived }))),
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
