// MQTT topic names under `ledge/v1/` for node state, artifacts in chunks, and the coordinator's request/response API.

public enum FleetTopics {
    public static let prefix = "ledge/v1"

    public static func status(_ node: String) -> String { "\(prefix)/nodes/\(node)/status" }
    public static func desired(_ node: String) -> String { "\(prefix)/nodes/\(node)/desired" }
    public static func reported(_ node: String) -> String { "\(prefix)/nodes/\(node)/reported" }
    public static func events(_ node: String) -> String { "\(prefix)/nodes/\(node)/events" }
    public static func metrics(_ node: String) -> String { "\(prefix)/nodes/\(node)/metrics" }

    /// Filters the coordinator subscribes to.
    public static let allStatus = "\(prefix)/nodes/+/status"
    public static let allReported = "\(prefix)/nodes/+/reported"
    public static let allEvents = "\(prefix)/nodes/+/events"
    public static let allMetrics = "\(prefix)/nodes/+/metrics"

    /// Node → coordinator: `ChunkRequest` for missing chunks of one artifact.
    public static func chunkRequests(_ sha256: String) -> String { "\(prefix)/artifacts/\(sha256)/request" }
    public static let allChunkRequests = "\(prefix)/artifacts/+/request"
    /// Coordinator → nodes: one binary `ArtifactChunk` per message (QoS 1, not retained).
    public static func chunks(_ sha256: String) -> String { "\(prefix)/artifacts/\(sha256)/chunks" }

    /// CLI → coordinator requests; responses go to the `reply_to` topic named in each request.
    public static let coordinatorRequests = "\(prefix)/coordinator/requests"
    public static func coordinatorReplies(_ client: String) -> String { "\(prefix)/coordinator/replies/\(client)" }

    /// The node id in `ledge/v1/nodes/<id>/<leaf>`, or nil.
    public static func nodeID(in topic: String, leaf: String) -> String? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "ledge", parts[1] == "v1", parts[2] == "nodes", parts[4] == leaf, !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }

    /// The artifact hash in `ledge/v1/artifacts/<sha>/<leaf>`, or nil.
    public static func artifactHash(in topic: String, leaf: String) -> String? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "ledge", parts[1] == "v1", parts[2] == "artifacts", parts[4] == leaf, !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }

    /// A node id must be a single topic level: 1-64 of [A-Za-z0-9._-].
    public static func isValidNodeID(_ id: String) -> Bool {
        let u = Array(id.utf8)
        return (1...64).contains(u.count) && u.allSatisfy { (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 46 || $0 == 95 }
    }
}
