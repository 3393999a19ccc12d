// The coordinator daemon: MQTT in (status, reported, events, chunk requests), engine steps, desired states out.
import Foundation
import LedgeCore
import LedgeMQTT

/// Publishes desired states retained at QoS 1.
final class MQTTDesiredPublisher: DesiredPublisher, @unchecked Sendable {
    let client: MQTTClient
    init(client: MQTTClient) { self.client = client }

    func publishDesired(node: String, state: DesiredState) throws(FleetError) {
        do { _ = try client.publish(topic: FleetTopics.desired(node), payload: FleetJSON.encode(state), qos: 1, retain: true) } catch {
            throw FleetError(.transport, FleetTopics.desired(node), "\(error)")
        }
    }
}

/// Runs until `stop()`. Every message and every engine step runs on one serial queue.
public final class Coordinator: @unchecked Sendable {
    public let config: CoordinatorConfig
    public let store: SQLiteFleetStore
    public let engine: RolloutEngine
    private let client: MQTTClient
    private let chunks: ChunkServer
    private let queue = DispatchQueue(label: "ledge.coordinator")
    private var timer: DispatchSourceTimer?
    public var log: @Sendable (String) -> Void = { print($0) }

    public init(config: CoordinatorConfig) throws {
        self.config = config
        store = try SQLiteFleetStore(directory: config.stateDir)
        var mc = MQTTConfig(url: config.broker, clientID: config.clientID)
        mc.cleanStart = false
        mc.username = config.username
        mc.password = config.password
        if let ca = config.caFile { mc.tls = MQTTConfig.TLSConfig(caFile: ca) }
        mc.maxInflight = 256
        client = try MQTTClient(config: mc)
        engine = RolloutEngine(store: store, publisher: MQTTDesiredPublisher(client: client), chunkSize: config.chunkSize)
        chunks = ChunkServer(store: store, client: client, chunkSize: config.chunkSize)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func start() throws {
        let logger = log
        engine.log = logger
        chunks.log = logger
        client.onMessage = { [weak self] m in
            guard let self else { return }
            self.queue.async { self.handle(m) }
        }
        try client.start()
        for f in [FleetTopics.allStatus, FleetTopics.allReported, FleetTopics.allEvents, FleetTopics.allChunkRequests] {
            _ = try client.subscribe(f, qos: 1)
        }
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + .milliseconds(config.tickMs), repeating: .milliseconds(config.tickMs))
        t.setEventHandler { [weak self] in self?.tick() }
        t.resume()
        timer = t
        log("coordinator: broker \(config.broker), state \(config.stateDir)")
    }

    public func stop() {
        timer?.cancel()
        queue.sync {}
        client.stop()
    }

    /// Runs `body` on the coordinator's queue (tests use it to read consistent state).
    public func sync<T>(_ body: () throws -> T) rethrows -> T { try queue.sync(execute: body) }

    private func tick() {
        do { try engine.step(now: Self.nowMs()) } catch { log("coordinator: step failed: \(error)") }
    }

    private func handle(_ m: MQTTMessage) {
        let now = Self.nowMs()
        do {
            if let node = FleetTopics.nodeID(in: m.topic, leaf: "status") {
                guard !m.payload.isEmpty else { return }
                try engine.handleStatus(node: node, status: try FleetJSON.decode(NodeStatus.self, m.payload, what: m.topic), now: now)
            } else if let node = FleetTopics.nodeID(in: m.topic, leaf: "reported") {
                guard !m.payload.isEmpty else { return }
                try engine.handleReported(node: node, reported: try FleetJSON.decode(ReportedState.self, m.payload, what: m.topic), now: now)
            } else if let node = FleetTopics.nodeID(in: m.topic, leaf: "events") {
                try engine.handleEvent(node: node, event: try FleetJSON.decode(NodeEvent.self, m.payload, what: m.topic), now: now)
            } else if let sha = FleetTopics.artifactHash(in: m.topic, leaf: "request") {
                chunks.handle(topicHash: sha, payload: m.payload, now: now)
            }
        } catch {
            log("coordinator: \(m.topic): \(error)")
        }
    }
}
