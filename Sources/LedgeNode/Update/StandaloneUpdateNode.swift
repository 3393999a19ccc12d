// A node that runs only the update agent on its own MQTT connection: presence (status with last will) plus the
// agent. Used by `ledge fleet agent` and tools/fleet-sim until the full node embeds the agent on its client.
import Foundation
import LedgeCore
import LedgeMQTT

public final class StandaloneUpdateNode: @unchecked Sendable {
    public let agent: UpdateAgent
    public let client: MQTTClient
    public let nodeID: String
    public let labels: [String: String]

    public init(config: UpdateAgentConfig, broker: String, labels: [String: String], activator: ArtifactActivator,
                smokeTester: ArtifactSmokeTester) throws {
        nodeID = config.nodeID
        self.labels = labels
        var mc = MQTTConfig(url: broker, clientID: "ledge-node-" + config.nodeID)
        mc.cleanStart = false
        mc.will = MQTTConfig.Will(topic: FleetTopics.status(config.nodeID),
                                  payload: FleetJSON.encode(NodeStatus(online: false, version: Self.agentVersion, labels: labels)), qos: 1, retain: true)
        mc.reconnectDelayMinMs = 200
        mc.reconnectDelayMaxMs = 2000
        client = try MQTTClient(config: mc)
        agent = try UpdateAgent(config: config, client: client, activator: activator, smokeTester: smokeTester)
    }

    public static let agentVersion = "ledge-update/1"

    public func start() throws {
        let status = FleetJSON.encode(NodeStatus(online: true, version: Self.agentVersion, labels: labels))
        let topic = FleetTopics.status(nodeID)
        let c = client
        client.addConnectObserver { _ in _ = try? c.publish(topic: topic, payload: status, qos: 1, retain: true) }
        let a = agent
        client.onMessage = { m in a.handle(m) }
        try client.start()
        try agent.start()
    }

    /// Stops the agent, marks the node offline (retained) and disconnects.
    public func stop(markOffline: Bool = true) {
        agent.stop()
        if markOffline {
            _ = try? client.publish(topic: FleetTopics.status(nodeID),
                                    payload: FleetJSON.encode(NodeStatus(online: false, version: Self.agentVersion, labels: labels)), qos: 1, retain: true)
            usleep(50_000)
        }
        client.stop()
    }
}
