// The JSON documents nodes and coordinator exchange: status, desired state, reported state, progress events.
import Foundation

/// `nodes/<id>/status` (retained; the node's last will sets `online` false).
public struct NodeStatus: Codable, Sendable, Equatable {
    public var online: Bool
    public var version: String?
    public var labels: [String: String]

    public init(online: Bool, version: String? = nil, labels: [String: String] = [:]) {
        self.online = online
        self.version = version
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case online, state, version, labels }

    /// Accepts `"online": true|false` and the full node's `"state": "online"|"offline"`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let o = try c.decodeIfPresent(Bool.self, forKey: .online) {
            online = o
        } else if let s = try c.decodeIfPresent(String.self, forKey: .state) {
            online = s == "online"
        } else {
            throw DecodingError.keyNotFound(CodingKeys.online, .init(codingPath: [], debugDescription: "needs online or state"))
        }
        version = try c.decodeIfPresent(String.self, forKey: .version)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(online, forKey: .online)
        try c.encodeIfPresent(version, forKey: .version)
        try c.encode(labels, forKey: .labels)
    }
}

/// One artifact a node should run, with its signed manifest and how to fetch it.
public struct DesiredArtifact: Codable, Sendable, Equatable {
    public var kind: ArtifactKind
    public var name: String
    public var version: String
    public var sha256: String
    public var size: Int
    /// Bytes per chunk on `artifacts/<sha>/chunks` (the last chunk may be shorter).
    public var chunkSize: Int
    public var signed: SignedManifest

    enum CodingKeys: String, CodingKey { case kind, name, version, sha256, size, chunkSize = "chunk_size", signed }

    public init(kind: ArtifactKind, name: String, version: String, sha256: String, size: Int, chunkSize: Int, signed: SignedManifest) {
        self.kind = kind
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.size = size
        self.chunkSize = chunkSize
        self.signed = signed
    }

    public var chunkCount: Int { ArtifactChunk.count(size: size, chunkSize: chunkSize) }
}

/// `nodes/<id>/desired` (retained, published by the coordinator).
public struct DesiredState: Codable, Sendable, Equatable {
    /// Increases with every change; a node ignores anything older than what it applied.
    public var generation: Int
    /// The rollout that set this state (for progress events), if any.
    public var rollout: String?
    /// One entry per (kind, name): the version the node should run.
    public var artifacts: [DesiredArtifact]

    public init(generation: Int, rollout: String? = nil, artifacts: [DesiredArtifact]) {
        self.generation = generation
        self.rollout = rollout
        self.artifacts = artifacts
    }
}

/// An artifact version a node runs (or ran before).
public struct ActiveArtifact: Codable, Sendable, Equatable, Hashable {
    public var kind: ArtifactKind
    public var name: String
    public var version: String
    public var sha256: String

    public init(kind: ArtifactKind, name: String, version: String, sha256: String) {
        self.kind = kind
        self.name = name
        self.version = version
        self.sha256 = sha256
    }
}

/// Runtime signals the gates read, over the node's current probation/soak window.
public struct NodeHealth: Codable, Sendable, Equatable {
    public var activationFailures: Int
    public var invocations: Int
    public var functionErrors: Int
    public var inferences: Int
    public var inferenceP99Ms: Double?
    /// Mean and standard deviation of the first output of recent predictions, per model name.
    public var predictionMean: [String: Double]
    public var predictionStd: [String: Double]
    /// How many predictions those figures cover, per model name (absent in reports of older nodes).
    public var predictionCount: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case activationFailures = "activation_failures", invocations, functionErrors = "function_errors", inferences
        case inferenceP99Ms = "inference_p99_ms", predictionMean = "prediction_mean", predictionStd = "prediction_std"
        case predictionCount = "prediction_count"
    }

    public init(activationFailures: Int = 0, invocations: Int = 0, functionErrors: Int = 0, inferences: Int = 0,
                inferenceP99Ms: Double? = nil, predictionMean: [String: Double] = [:], predictionStd: [String: Double] = [:],
                predictionCount: [String: Int]? = nil) {
        self.activationFailures = activationFailures
        self.invocations = invocations
        self.functionErrors = functionErrors
        self.inferences = inferences
        self.inferenceP99Ms = inferenceP99Ms
        self.predictionMean = predictionMean
        self.predictionStd = predictionStd
        self.predictionCount = predictionCount
    }

    public var functionErrorRate: Double { invocations == 0 ? 0 : Double(functionErrors) / Double(invocations) }
}

/// A failure the node reports for one artifact version (refused, smoke test failed, rolled back).
public struct ArtifactFailure: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var sha256: String
    public var code: String
    public var message: String

    public init(name: String, version: String, sha256: String, code: String, message: String) {
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.code = code
        self.message = message
    }
}

/// `nodes/<id>/reported` (retained, published by the node after each reconcile).
public struct ReportedState: Codable, Sendable, Equatable {
    /// The desired generation the node last reconciled.
    public var generation: Int
    public var active: [ActiveArtifact]
    public var previous: [ActiveArtifact]
    public var failures: [ArtifactFailure]
    public var health: NodeHealth

    public init(generation: Int, active: [ActiveArtifact] = [], previous: [ActiveArtifact] = [],
                failures: [ArtifactFailure] = [], health: NodeHealth = NodeHealth()) {
        self.generation = generation
        self.active = active
        self.previous = previous
        self.failures = failures
        self.health = health
    }
}

/// `nodes/<id>/events` (not retained): one step of an update.
public struct NodeEvent: Codable, Sendable, Equatable {
    public var rollout: String?
    public var generation: Int
    public var name: String
    public var version: String
    public var sha256: String
    public var state: ExecutionState
    public var message: String?
    /// Milliseconds since 1970.
    public var at: Int64

    public init(rollout: String?, generation: Int, name: String, version: String, sha256: String,
                state: ExecutionState, message: String? = nil, at: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        self.rollout = rollout
        self.generation = generation
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.state = state
        self.message = message
        self.at = at
    }
}

/// JSON helpers used for every fleet document (sorted keys so retained payloads are stable).
public enum FleetJSON {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! enc.encode(value))
    }

    /// Decodes `bytes` as `T`; the error names `what` and the decoding problem.
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(ArtifactError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw ArtifactError(.badManifest, what, "cannot decode \(T.self): \(describe(error))")
        }
    }

    /// A short readable form of a DecodingError (path and reason).
    public static func describe(_ error: Error) -> String {
        guard let d = error as? DecodingError else { return "\(error)" }
        func path(_ c: [CodingKey]) -> String {  // waves[1].gates.min_predictions
            c.isEmpty ? "(top)" : c.enumerated().map { i, k in k.intValue.map { "[\($0)]" } ?? (i == 0 ? k.stringValue : "." + k.stringValue) }.joined()
        }
        switch d {
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)): expected \(t) (\(c.debugDescription))"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)): missing \(t) value"
        case .keyNotFound(let k, let c): return "\(path(c.codingPath + [k])): required key missing"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(d)"
        }
    }
}
