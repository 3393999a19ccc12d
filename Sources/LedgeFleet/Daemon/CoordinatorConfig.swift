// The coordinator's config file (JSON): broker, state folder, chunk size, step interval.
import Foundation
import LedgeCore

public struct CoordinatorConfig: Codable, Sendable, Equatable {
    /// `mqtt://host:port` or `mqtts://host:port`.
    public var broker: String
    public var clientID: String
    /// Folder of the SQLite file and the artifact blobs.
    public var stateDir: String
    public var chunkSize: Int
    /// Milliseconds between engine steps.
    public var tickMs: Int
    public var username: String?
    public var password: String?
    public var caFile: String?

    enum CodingKeys: String, CodingKey {
        case broker, clientID = "client_id", stateDir = "state_dir", chunkSize = "chunk_size", tickMs = "tick_ms"
        case username, password, caFile = "ca_file"
    }

    public init(broker: String, stateDir: String, clientID: String = "ledge-coordinator", chunkSize: Int = ArtifactChunk.defaultChunkSize, tickMs: Int = 250) {
        self.broker = broker
        self.stateDir = stateDir
        self.clientID = clientID
        self.chunkSize = chunkSize
        self.tickMs = tickMs
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        broker = try c.decode(String.self, forKey: .broker)
        stateDir = try c.decode(String.self, forKey: .stateDir)
        clientID = try c.decodeIfPresent(String.self, forKey: .clientID) ?? "ledge-coordinator"
        chunkSize = try c.decodeIfPresent(Int.self, forKey: .chunkSize) ?? ArtifactChunk.defaultChunkSize
        tickMs = try c.decodeIfPresent(Int.self, forKey: .tickMs) ?? 250
        username = try c.decodeIfPresent(String.self, forKey: .username)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
    }

    static let allowedKeys = ["broker", "client_id", "state_dir", "chunk_size", "tick_ms", "username", "password", "ca_file"]

    /// Reads and checks a config file; errors name the file and field.
    public static func read(path: String) throws(FleetError) -> CoordinatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw FleetError(.badConfig, path, "cannot read the file") }
        // Unknown keys are errors, as in the node config (a misspelt key must not silently fall back).
        if case .object(let pairs)? = try? JSONValue.parse(Array(data)) {
            for (k, _) in pairs where !allowedKeys.contains(k) {
                throw FleetError(.badConfig, "\(path): \(k)", "unknown key (expected one of \(allowedKeys.joined(separator: ", ")))")
            }
        }
        let c: CoordinatorConfig
        do { c = try JSONDecoder().decode(CoordinatorConfig.self, from: data) } catch {
            throw FleetError(.badConfig, path, FleetJSON.describe(error))
        }
        guard (1024...(1 << 20)).contains(c.chunkSize) else { throw FleetError(.badConfig, "\(path): chunk_size", "must be 1024...1048576") }
        guard (10...10_000).contains(c.tickMs) else { throw FleetError(.badConfig, "\(path): tick_ms", "must be 10...10000") }
        guard !c.stateDir.isEmpty else { throw FleetError(.badConfig, "\(path): state_dir", "must not be empty") }
        return c
    }
}
