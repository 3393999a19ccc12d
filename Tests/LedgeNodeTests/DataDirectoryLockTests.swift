// Two nodes never share a data directory: the second one's init fails at once with a clear error (and
// nothing it started is left running), while the first keeps its lock until it is gone.
import Foundation
import Testing
import LedgeCore
@testable import LedgeNode
import LedgeTestSupport

@Suite struct DataDirectoryLockTests {
    func config(dataDir: String, broker: String) throws -> NodeConfig {
        let json = """
        {"node_id": "lock-test", "broker": {"url": "\(broker)"}, "data_dir": "\(dataDir)",
         "models": [], "functions": [], "metrics_interval_s": 0, "log_level": "error"}
        """
        return try NodeConfig.parse(ConfigNode(value: try JSONValue.parse(json), file: "lock.json"))
    }

    @Test func secondNodeOnTheSameDataDirectoryIsRefused() throws {
        let dir = try TestPaths.scratch("lock").path
        let port = try FreePort.find()
        let first = try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:\(port)"))
        do {
            _ = try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:\(port)"))
            Issue.record("a second node opened the same data directory")
        } catch let e as DirectoryLockError {
            #expect(e.description.contains("already in use by another node (pid \(getpid()))"), "\(e)")
            #expect(e.description.contains(dir))
        }
        _ = first
    }

    @Test func lockIsReleasedWhenTheNodeGoes() throws {
        let dir = try TestPaths.scratch("lock").path
        let port = try FreePort.find()
        do { _ = try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:\(port)")) }
        let again = try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:\(port)"))
        _ = again
    }

    @Test func badBrokerPortIsAnErrorNotACrash() throws {
        let dir = try TestPaths.scratch("lock").path
        #expect(throws: (any Error).self) { try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:99999")) }
        // The directory is free again (nothing of the failed node holds it).
        _ = try Node(config: try config(dataDir: dir, broker: "mqtt://127.0.0.1:\(try FreePort.find())"))
    }
}
