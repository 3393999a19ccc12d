// Tests for semantic versions, topic names, chunk frames, fleet documents and execution state moves.
import Foundation
import Testing
@testable import LedgeCore

@Suite struct FleetDocumentTests {
    @Test func semanticVersionOrdering() throws {
        let order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"]
        let vs = try order.map { try SemanticVersion($0) }
        for i in 0..<(vs.count - 1) { #expect(vs[i] < vs[i + 1], "\(vs[i]) < \(vs[i + 1])") }
        #expect(try SemanticVersion("1.2.3+build.5") == SemanticVersion("1.2.3"))
        for bad in ["1", "1.2", "01.2.3", "1.2.3-", "a.b.c", "1.2.3+", "1.2.-3"] {
            #expect(throws: ArtifactError.self, "\(bad)") { try SemanticVersion(bad) }
        }
    }

    @Test func topicsParse() {
        #expect(FleetTopics.desired("n1") == "ledge/v1/nodes/n1/desired")
        #expect(FleetTopics.nodeID(in: "ledge/v1/nodes/n-7/status", leaf: "status") == "n-7")
        #expect(FleetTopics.nodeID(in: "ledge/v1/nodes/n-7/x/status", leaf: "status") == nil)
        #expect(FleetTopics.nodeID(in: "ledge/v1/nodes//status", leaf: "status") == nil)
        let h = SHA256.hex([1])
        #expect(FleetTopics.artifactHash(in: FleetTopics.chunkRequests(h), leaf: "request") == h)
        #expect(FleetTopics.isValidNodeID("gw-01.plant_a"))
        #expect(!FleetTopics.isValidNodeID("a/b"))
        #expect(!FleetTopics.isValidNodeID("a+"))
    }

    @Test func chunkFramesRoundTripAndRejectDamage() throws {
        let data = (0..<1000).map { UInt8($0 & 255) }
        let c = ArtifactChunk(index: 3, total: 5, data: data)
        var bytes = c.encoded()
        #expect(try ArtifactChunk.decode(bytes) == c)
        bytes[bytes.count - 1] ^= 1
        #expect(throws: ArtifactError.self) { try ArtifactChunk.decode(bytes) }
        #expect(throws: ArtifactError.self) { try ArtifactChunk.decode(Array(bytes.prefix(20))) }
        #expect(throws: ArtifactError.self) { try ArtifactChunk.decode(ArtifactChunk(index: 5, total: 5, data: []).encoded()) }
        #expect(ArtifactChunk.count(size: 0, chunkSize: 10) == 1)
        #expect(ArtifactChunk.count(size: 10, chunkSize: 10) == 1)
        #expect(ArtifactChunk.count(size: 11, chunkSize: 10) == 2)
    }

    @Test func documentsRoundTrip() throws {
        let key = SecretKey.generate()
        let m = try ArtifactManifest.describing([1, 2, 3], name: "m", version: "1.0.0", kind: .model)
        let art = DesiredArtifact(kind: .model, name: "m", version: "1.0.0", sha256: m.sha256, size: 3, chunkSize: 2,
                                  signed: try SignedManifest.sign(m, with: key))
        let d = DesiredState(generation: 4, rollout: "r1", artifacts: [art])
        #expect(try FleetJSON.decode(DesiredState.self, FleetJSON.encode(d), what: "desired") == d)
        #expect(art.chunkCount == 2)
        let r = ReportedState(generation: 4, active: [ActiveArtifact(kind: .model, name: "m", version: "1.0.0", sha256: m.sha256)],
                              health: NodeHealth(invocations: 10, functionErrors: 1))
        #expect(try FleetJSON.decode(ReportedState.self, FleetJSON.encode(r), what: "reported") == r)
        #expect(r.health.functionErrorRate == 0.1)
        do { _ = try FleetJSON.decode(DesiredState.self, Array("{\"generation\":\"x\"}".utf8), what: "desired"); Issue.record("accepted") } catch {
            #expect(error.description.contains("generation"))
        }
    }

    @Test func executionStateMoves() {
        #expect(ExecutionState.queued.canMove(to: .downloading))
        #expect(ExecutionState.downloading.canMove(to: .failed))
        #expect(!ExecutionState.succeeded.canMove(to: .downloading))
        #expect(ExecutionState.succeeded.canMove(to: .rolledBack))
        #expect(!ExecutionState.failed.canMove(to: .succeeded))
        #expect(!ExecutionState.canceled.canMove(to: .timedOut))
        #expect(ExecutionState.timedOut.canMove(to: .succeeded))
        #expect(ExecutionState.allCases.filter(\.isTerminal).count == 5)
    }
}
