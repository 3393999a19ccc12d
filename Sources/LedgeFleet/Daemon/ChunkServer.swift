// Answers nodes' chunk requests: reads the artifact by hash and publishes the asked-for chunks.
import Foundation
import LedgeCore
import LedgeMQTT

/// Serves chunks from the store's blobs. Called on the coordinator's queue only.
final class ChunkServer {
    let store: FleetStore
    let client: MQTTClient
    let chunkSize: Int
    /// A small cache of recently served artifacts (hash → bytes).
    private var cache: [(sha: String, bytes: [UInt8])] = []
    /// When each (hash, chunk) was last sent, to answer many nodes' identical requests once.
    private var recent: [String: [Int: Int64]] = [:]
    private(set) var chunksSent = 0
    var log: (String) -> Void = { _ in }

    init(store: FleetStore, client: MQTTClient, chunkSize: Int) {
        self.store = store
        self.client = client
        self.chunkSize = chunkSize
    }

    func handle(topicHash: String, payload: [UInt8], now: Int64) {
        guard let req = try? FleetJSON.decode(ChunkRequest.self, payload, what: "chunk request"), req.sha256 == topicHash else {
            log("chunks: ignoring a malformed request on \(topicHash)")
            return
        }
        guard let bytes = load(req.sha256) else {
            log("chunks: node \(req.node) asked for unknown artifact \(req.sha256)")
            return
        }
        let total = ArtifactChunk.count(size: bytes.count, chunkSize: chunkSize)
        var sent = recent[req.sha256] ?? [:]
        for i in req.chunks.prefix(ChunkRequest.maxIndices) where i >= 0 && i < total {
            if let t = sent[i], now - t < 300 { continue }
            let start = i * chunkSize
            let end = min(bytes.count, start + chunkSize)
            let frame = ArtifactChunk(index: i, total: total, data: Array(bytes[start..<end])).encoded()
            do {
                _ = try client.publish(topic: FleetTopics.chunks(req.sha256), payload: frame, qos: 1, retain: false)
                sent[i] = now
                chunksSent += 1
            } catch {
                log("chunks: publish failed: \(error)")
                break
            }
        }
        recent[req.sha256] = sent
    }

    /// The stored bytes of artifact `sha`. A blob that no longer matches its hash (damaged or tampered on the
    /// coordinator's disk) is still served, with a warning: the node is where trust is decided, and it refuses the
    /// artifact on its own hash and signature check and reports `hash_mismatch`, so the execution fails fast instead
    /// of every node waiting for chunks that never come.
    private func load(_ sha: String) -> [UInt8]? {
        if let hit = cache.first(where: { $0.sha == sha }) { return hit.bytes }
        guard let bytes = try? store.artifactBytes(sha256: sha) else { return nil }
        let actual = SHA256.hex(bytes)
        if actual != sha { log("chunks: WARNING: stored artifact \(sha) hashes to \(actual) (damaged or tampered); nodes will refuse it") }
        cache.append((sha, bytes))
        if cache.count > 4 { cache.removeFirst() }
        return bytes
    }
}
