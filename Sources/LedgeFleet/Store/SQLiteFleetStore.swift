// The SQLite implementation of FleetStore (WAL): one file for rows, a folder of blobs named by SHA-256.
import Foundation
import LedgeCore
import LedgeStore

/// State in `<dir>/coordinator.db` and artifact bytes in `<dir>/artifacts/<sha256>`. Safe to share between
/// threads (calls hold the connection's lock), and between processes (SQLite WAL with a busy timeout): the
/// CLI opens the same folder with `--state DIR` while the coordinator runs.
public final class SQLiteFleetStore: FleetStore, @unchecked Sendable {
    public let directory: String
    let db: Database

    static let migrations: [Migration] = [
        Migration(version: 1, sql: """
        CREATE TABLE nodes (id TEXT PRIMARY KEY, online INTEGER NOT NULL, labels TEXT NOT NULL, agent_version TEXT,
            last_seen_ms INTEGER NOT NULL, reported TEXT, desired TEXT);
        CREATE TABLE artifacts (sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
            size INTEGER NOT NULL, signed TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE (kind, name, version));
        CREATE TABLE rollouts (id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL, pending_command TEXT,
            created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
        CREATE TABLE executions (rollout TEXT NOT NULL REFERENCES rollouts(id), node TEXT NOT NULL, wave INTEGER NOT NULL,
            state TEXT NOT NULL, body TEXT NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (rollout, node));
        CREATE INDEX executions_state ON executions (state);
        """),
    ]

    public init(directory: String) throws(FleetError) {
        self.directory = directory
        do { try FileManager.default.createDirectory(atPath: directory + "/artifacts", withIntermediateDirectories: true) } catch {
            throw FleetError(.store, directory, "cannot create the state folder: \(error.localizedDescription)")
        }
        do {
            db = try Database(path: directory + "/coordinator.db")
            _ = try db.withLock { () throws(StoreError) in try db.migrate(Self.migrations) }
        } catch {
            throw FleetError(.store, directory + "/coordinator.db", error.description)
        }
    }

    // MARK: Helpers

    @discardableResult
    private func locked<T>(_ what: String, _ body: () throws -> T) throws(FleetError) -> T {
        do { return try db.withLock { () throws -> T in try body() } } catch let e as FleetError { throw e } catch {
            throw FleetError(.store, what, "\(error)")
        }
    }

    private static func json<T: Encodable>(_ v: T) -> SQLValue { .text(String(decoding: FleetJSON.encode(v), as: UTF8.self)) }

    private static func decode<T: Decodable>(_ t: T.Type, _ v: SQLValue, _ what: String) throws -> T {
        guard let s = v.string else { throw FleetError(.store, what, "missing JSON column") }
        return try FleetJSON.decode(T.self, Array(s.utf8), what: what)
    }

    // MARK: Nodes

    public func upsertNode(_ n: NodeRecord) throws(FleetError) {
        try locked("nodes") {
            try db.run("""
            INSERT INTO nodes (id, online, labels, agent_version, last_seen_ms, reported, desired) VALUES (?,?,?,?,?,?,?)
            ON CONFLICT(id) DO UPDATE SET online=excluded.online, labels=excluded.labels, agent_version=excluded.agent_version,
              last_seen_ms=excluded.last_seen_ms, reported=excluded.reported, desired=excluded.desired
            """, [.text(n.id), .integer(n.online ? 1 : 0), Self.json(n.labels), n.agentVersion.map { .text($0) } ?? .null,
                  .integer(n.lastSeenMs), n.reported.map { Self.json($0) } ?? .null, n.desired.map { Self.json($0) } ?? .null])
        }
    }

    private func nodeRow(_ r: [SQLValue]) throws -> NodeRecord {
        NodeRecord(id: r[0].string ?? "", online: r[1].int == 1, labels: try Self.decode([String: String].self, r[2], "labels"),
                   agentVersion: r[3].string, lastSeenMs: r[4].int ?? 0,
                   reported: r[5].isNull ? nil : try Self.decode(ReportedState.self, r[5], "reported"),
                   desired: r[6].isNull ? nil : try Self.decode(DesiredState.self, r[6], "desired"))
    }

    static let nodeColumns = "id, online, labels, agent_version, last_seen_ms, reported, desired"

    public func node(_ id: String) throws(FleetError) -> NodeRecord? {
        try locked("nodes") { try db.query("SELECT \(Self.nodeColumns) FROM nodes WHERE id = ?", [.text(id)]).first.map(nodeRow) }
    }

    public func nodes() throws(FleetError) -> [NodeRecord] {
        try locked("nodes") { try db.query("SELECT \(Self.nodeColumns) FROM nodes ORDER BY id").map(nodeRow) }
    }

    // MARK: Artifacts

    public func putArtifact(_ a: ArtifactRecord, bytes: [UInt8]) throws(FleetError) {
        guard SHA256.hex(bytes) == a.sha256, bytes.count == a.size else {
            throw FleetError(.badArtifact, a.name, "bytes do not match the record's hash and size")
        }
        let path = blobPath(a.sha256)
        if !FileManager.default.fileExists(atPath: path) {
            let tmp = path + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
                throw FleetError(.store, tmp, "cannot write artifact bytes")
            }
            guard rename(tmp, path) == 0 else { throw FleetError(.store, path, "cannot rename artifact file") }
        }
        try locked("artifacts") {
            if let row = try db.query("SELECT sha256 FROM artifacts WHERE kind = ? AND name = ? AND version = ?",
                                      [.text(a.kind.rawValue), .text(a.name), .text(a.version)]).first, row[0].string != a.sha256 {
                throw FleetError(.badArtifact, "\(a.name)@\(a.version)", "this version exists with other content (\(row[0].string ?? "")); versions are immutable")
            }
            try db.run("INSERT OR IGNORE INTO artifacts (sha256, kind, name, version, size, signed, created_ms) VALUES (?,?,?,?,?,?,?)",
                       [.text(a.sha256), .text(a.kind.rawValue), .text(a.name), .text(a.version), .integer(Int64(a.size)),
                        Self.json(a.signed), .integer(a.createdMs)])
        }
    }

    func blobPath(_ sha: String) -> String { directory + "/artifacts/" + sha }

    private func artifactRow(_ r: [SQLValue]) throws -> ArtifactRecord {
        ArtifactRecord(sha256: r[0].string ?? "", kind: ArtifactKind(rawValue: r[1].string ?? "") ?? .model, name: r[2].string ?? "",
                       version: r[3].string ?? "", size: Int(r[4].int ?? 0), signed: try Self.decode(SignedManifest.self, r[5], "signed"),
                       createdMs: r[6].int ?? 0)
    }

    static let artifactColumns = "sha256, kind, name, version, size, signed, created_ms"

    public func artifact(sha256: String) throws(FleetError) -> ArtifactRecord? {
        try locked("artifacts") { try db.query("SELECT \(Self.artifactColumns) FROM artifacts WHERE sha256 = ?", [.text(sha256)]).first.map(artifactRow) }
    }

    public func artifacts() throws(FleetError) -> [ArtifactRecord] {
        try locked("artifacts") { try db.query("SELECT \(Self.artifactColumns) FROM artifacts ORDER BY name, created_ms").map(artifactRow) }
    }

    public func artifactBytes(sha256: String) throws(FleetError) -> [UInt8]? {
        guard SHA256.isHexDigest(sha256) else { return nil }
        return FileManager.default.contents(atPath: blobPath(sha256)).map { Array($0) }
    }

    // MARK: Rollouts

    public func insertRollout(_ r: RolloutRecord, executions: [ExecutionRecord]) throws(FleetError) {
        try locked("rollouts") {
            try db.transaction {
                try db.run("INSERT INTO rollouts (id, state, body, pending_command, created_ms, updated_ms) VALUES (?,?,?,?,?,?)",
                           [.text(r.id), .text(r.state.rawValue), Self.json(r), r.pendingCommand.map { .text($0.rawValue) } ?? .null,
                            .integer(r.createdMs), .integer(r.updatedMs)])
                for e in executions { try putExecution(e) }
            }
        }
    }

    public func updateRollout(_ r: RolloutRecord) throws(FleetError) {
        var body = r
        body.pendingCommand = nil
        try locked("rollouts") {
            try db.run("UPDATE rollouts SET state = ?, body = ?, updated_ms = ? WHERE id = ?",
                       [.text(r.state.rawValue), Self.json(body), .integer(r.updatedMs), .text(r.id)])
        }
    }

    public func takePendingCommand(rollout id: String) throws(FleetError) -> RolloutCommand? {
        try locked("rollouts") {
            try db.transaction {
                let cmd = try db.scalar("SELECT pending_command FROM rollouts WHERE id = ?", [.text(id)])?.string
                if cmd != nil { try db.run("UPDATE rollouts SET pending_command = NULL WHERE id = ?", [.text(id)]) }
                return cmd.flatMap(RolloutCommand.init(rawValue:))
            }
        }
    }

    private func rolloutRow(_ row: [SQLValue]) throws -> RolloutRecord {
        var r = try Self.decode(RolloutRecord.self, row[0], "rollout")
        r.pendingCommand = row[1].string.flatMap(RolloutCommand.init(rawValue:))
        return r
    }

    public func rollout(_ id: String) throws(FleetError) -> RolloutRecord? {
        try locked("rollouts") { try db.query("SELECT body, pending_command FROM rollouts WHERE id = ?", [.text(id)]).first.map(rolloutRow) }
    }

    public func rollouts() throws(FleetError) -> [RolloutRecord] {
        try locked("rollouts") { try db.query("SELECT body, pending_command FROM rollouts ORDER BY created_ms, id").map(rolloutRow) }
    }

    public func setPendingCommand(_ command: RolloutCommand, rollout id: String) throws(FleetError) {
        let n = try locked("rollouts") { try db.run("UPDATE rollouts SET pending_command = ? WHERE id = ?", [.text(command.rawValue), .text(id)]) }
        guard n == 1 else { throw FleetError(.unknownRollout, id, "no such rollout") }
    }

    private func putExecution(_ e: ExecutionRecord) throws {
        try db.run("""
        INSERT INTO executions (rollout, node, wave, state, body, updated_ms) VALUES (?,?,?,?,?,?)
        ON CONFLICT(rollout, node) DO UPDATE SET wave=excluded.wave, state=excluded.state, body=excluded.body, updated_ms=excluded.updated_ms
        """, [.text(e.rollout), .text(e.node), .integer(Int64(e.wave)), .text(e.state.rawValue), Self.json(e), .integer(e.updatedMs)])
    }

    public func executions(rollout id: String) throws(FleetError) -> [ExecutionRecord] {
        try locked("executions") {
            try db.query("SELECT body FROM executions WHERE rollout = ? ORDER BY wave, node", [.text(id)]).map { try Self.decode(ExecutionRecord.self, $0[0], "execution") }
        }
    }

    public func execution(rollout id: String, node: String) throws(FleetError) -> ExecutionRecord? {
        try locked("executions") {
            try db.query("SELECT body FROM executions WHERE rollout = ? AND node = ?", [.text(id), .text(node)]).first.map {
                try Self.decode(ExecutionRecord.self, $0[0], "execution")
            }
        }
    }

    public func unfinishedRollouts() throws(FleetError) -> [RolloutRecord] {
        try locked("rollouts") {
            try db.query("SELECT body, pending_command FROM rollouts WHERE state IN ('running', 'paused') OR pending_command IS NOT NULL ORDER BY created_ms, id").map(rolloutRow)
        }
    }

    public func updateExecution(_ e: ExecutionRecord) throws(FleetError) {
        try locked("executions") { try putExecution(e) }
    }

    public func atomically<T>(_ body: () throws(FleetError) -> T) throws(FleetError) -> T {
        try locked("transaction") { try db.transaction { try body() } }
    }
}
