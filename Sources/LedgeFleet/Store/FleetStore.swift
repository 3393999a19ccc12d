// The coordinator's state behind one small protocol, so SQLite can be replaced (e.g. by PostgreSQL).
import LedgeCore

/// Everything the coordinator and the CLI read and write. Implementations serialise their own access.
public protocol FleetStore: AnyObject, Sendable {
    // Nodes.
    func upsertNode(_ node: NodeRecord) throws(FleetError)
    func node(_ id: String) throws(FleetError) -> NodeRecord?
    func nodes() throws(FleetError) -> [NodeRecord]

    // Artifacts (metadata here, bytes by hash).
    func putArtifact(_ record: ArtifactRecord, bytes: [UInt8]) throws(FleetError)
    func artifact(sha256: String) throws(FleetError) -> ArtifactRecord?
    func artifacts() throws(FleetError) -> [ArtifactRecord]
    func artifactBytes(sha256: String) throws(FleetError) -> [UInt8]?

    // Rollouts and executions.
    func insertRollout(_ rollout: RolloutRecord, executions: [ExecutionRecord]) throws(FleetError)
    /// Writes the rollout; never touches its pending command.
    func updateRollout(_ rollout: RolloutRecord) throws(FleetError)
    func rollout(_ id: String) throws(FleetError) -> RolloutRecord?
    func rollouts() throws(FleetError) -> [RolloutRecord]
    /// Records an operator command for the engine (the CLI calls it; the daemon may run in another process).
    func setPendingCommand(_ command: RolloutCommand, rollout id: String) throws(FleetError)
    /// Reads and clears the pending command in one step.
    func takePendingCommand(rollout id: String) throws(FleetError) -> RolloutCommand?
    func executions(rollout id: String) throws(FleetError) -> [ExecutionRecord]
    /// One node's execution in one rollout (what every node report needs, without reading the others).
    func execution(rollout id: String, node: String) throws(FleetError) -> ExecutionRecord?
    /// Rollouts that are running or paused.
    func unfinishedRollouts() throws(FleetError) -> [RolloutRecord]
    func updateExecution(_ execution: ExecutionRecord) throws(FleetError)

    /// Runs `body` atomically (all or nothing).
    func atomically<T>(_ body: () throws(FleetError) -> T) throws(FleetError) -> T
}
