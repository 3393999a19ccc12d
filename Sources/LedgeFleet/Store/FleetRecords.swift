// Rows of the coordinator's state: nodes, artifacts, rollouts, and per-node executions.
import LedgeCore

/// A node as the coordinator knows it.
public struct NodeRecord: Sendable, Equatable, Codable {
    public var id: String
    public var online: Bool
    public var labels: [String: String]
    public var agentVersion: String?
    /// Milliseconds since 1970 of the last status or report.
    public var lastSeenMs: Int64
    public var reported: ReportedState?
    /// The last desired state published for the node (nil: none yet).
    public var desired: DesiredState?

    public init(id: String, online: Bool = false, labels: [String: String] = [:], agentVersion: String? = nil,
                lastSeenMs: Int64 = 0, reported: ReportedState? = nil, desired: DesiredState? = nil) {
        self.id = id
        self.online = online
        self.labels = labels
        self.agentVersion = agentVersion
        self.lastSeenMs = lastSeenMs
        self.reported = reported
        self.desired = desired
    }
}

/// An artifact in the store. Its bytes live in the store's blob folder, named by hash.
public struct ArtifactRecord: Sendable, Equatable, Codable {
    public var sha256: String
    public var kind: ArtifactKind
    public var name: String
    public var version: String
    public var size: Int
    public var signed: SignedManifest
    public var createdMs: Int64

    public init(sha256: String, kind: ArtifactKind, name: String, version: String, size: Int, signed: SignedManifest, createdMs: Int64) {
        self.sha256 = sha256
        self.kind = kind
        self.name = name
        self.version = version
        self.size = size
        self.signed = signed
        self.createdMs = createdMs
    }
}

/// Where a rollout is.
public enum RolloutState: String, Codable, Sendable, CaseIterable {
    case running
    case paused
    case succeeded
    case failed
    case aborted
    case rolledBack = "rolled_back"

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .aborted || self == .rolledBack }
}

/// An operator's request the coordinator applies on its next step (the CLI writes it into the store).
public enum RolloutCommand: String, Codable, Sendable {
    case pause, resume, abort, rollback
}

public struct RolloutRecord: Sendable, Equatable, Codable {
    public var id: String
    public var plan: RolloutPlan
    public var state: RolloutState
    /// Index of the wave being rolled out or soaked.
    public var wave: Int
    /// When the current wave's nodes were all released (ms), nil while still releasing.
    public var waveStartedMs: Int64
    /// When every node of the current wave finished activating (start of the soak), or nil.
    public var soakStartedMs: Int64?
    public var createdMs: Int64
    public var updatedMs: Int64
    public var message: String
    /// Mean/std of predictions per model before the update (from the canary nodes), for the drift gate.
    public var baseline: [String: PredictionStats]
    public var pendingCommand: RolloutCommand?

    public init(id: String, plan: RolloutPlan, state: RolloutState = .running, wave: Int = 0, waveStartedMs: Int64,
                soakStartedMs: Int64? = nil, createdMs: Int64, updatedMs: Int64, message: String = "",
                baseline: [String: PredictionStats] = [:], pendingCommand: RolloutCommand? = nil) {
        self.id = id
        self.plan = plan
        self.state = state
        self.wave = wave
        self.waveStartedMs = waveStartedMs
        self.soakStartedMs = soakStartedMs
        self.createdMs = createdMs
        self.updatedMs = updatedMs
        self.message = message
        self.baseline = baseline
        self.pendingCommand = pendingCommand
    }
}

/// One node's part in one rollout.
public struct ExecutionRecord: Sendable, Equatable, Codable {
    public var rollout: String
    public var node: String
    public var wave: Int
    public var state: ExecutionState
    /// When the desired state was published to the node (ms), nil while queued.
    public var releasedMs: Int64?
    /// The desired-state generation published to the node for this rollout.
    public var generation: Int?
    public var updatedMs: Int64
    public var message: String
    /// What the node ran before (for rollback).
    public var previous: [ActiveArtifact]

    public init(rollout: String, node: String, wave: Int, state: ExecutionState = .queued, releasedMs: Int64? = nil,
                generation: Int? = nil, updatedMs: Int64, message: String = "", previous: [ActiveArtifact] = []) {
        self.generation = generation
        self.rollout = rollout
        self.node = node
        self.wave = wave
        self.state = state
        self.releasedMs = releasedMs
        self.updatedMs = updatedMs
        self.message = message
        self.previous = previous
    }
}
