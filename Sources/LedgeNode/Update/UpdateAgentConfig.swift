// Settings of the node's update agent (from the node config): identity, folder, trusted keys, probation.
import LedgeCore

public struct UpdateAgentConfig: Sendable {
    public var nodeID: String
    /// Folder for blobs, partial downloads and the state file.
    public var stateDir: String
    /// Release keys whose signatures the node accepts. Empty: nothing is ever activated.
    public var trustedKeys: [PublicKey]
    /// After activation, the node watches its function error rate this long before it keeps the version.
    public var probationSeconds: Double = 30
    /// Error rate above which a version in probation is rolled back locally...
    public var maxProbationErrorRate: Double = 0.5
    /// ...once at least this many invocations were seen.
    public var minProbationInvocations: Int = 10
    /// How often the reported state (with fresh health) is republished.
    public var reportIntervalSeconds: Double = 5
    /// Missing chunks are asked for again after this long without progress.
    public var chunkRetrySeconds: Double = 2
    /// A download with no progress for this long fails (it is retried on the next desired state or restart).
    public var downloadStallSeconds: Double = 60

    public init(nodeID: String, stateDir: String, trustedKeys: [PublicKey]) {
        self.nodeID = nodeID
        self.stateDir = stateDir
        self.trustedKeys = trustedKeys
    }
}
