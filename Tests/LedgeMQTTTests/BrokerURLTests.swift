// Broker URL parsing, config validation and the reconnect backoff policy.
import Testing
import LedgeMQTT

struct BrokerURLTests {
    @Test func parsesURLs() throws {
        #expect(try BrokerURL("mqtt://127.0.0.1:1884") == BrokerURL("mqtt://127.0.0.1:1884"))
        let a = try BrokerURL("mqtt://broker.local:1884")
        #expect(a.host == "broker.local" && a.port == 1884 && !a.tls)
        let b = try BrokerURL("mqtts://broker.local")
        #expect(b.host == "broker.local" && b.port == 8883 && b.tls)
        let c = try BrokerURL("mqtt://h")
        #expect(c.port == 1883)
        let d = try BrokerURL("mqtt://[::1]:2000/")
        #expect(d.host == "::1" && d.port == 2000)
    }

    @Test(arguments: ["broker:1883", "http://h:80", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://h:x",
                      "mqtt://u:p@h:1883", "mqtt://h:1883/path", "mqtt://[::1"])
    func rejectsBadURLs(_ text: String) {
        #expect(throws: MQTTError.self) { try BrokerURL(text) }
        do { _ = try BrokerURL(text) } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message.contains(text))
        }
    }

    @Test func configValidation() {
        var c = MQTTConfig(url: "mqtt://127.0.0.1:1", clientID: "")
        #expect(throws: MQTTError.self) { try c.validate() }  // persistent session needs an id
        c.clientID = "n1"
        #expect(throws: Never.self) { try c.validate() }
        c.keepAliveSeconds = 1
        #expect(throws: MQTTError.self) { try c.validate() }
        c.keepAliveSeconds = 30
        c.will = .init(topic: "a/+", payload: [])
        #expect(throws: MQTTError.self) { try c.validate() }
        c.will = nil
        c.tls = .init(caFile: "/nonexistent/ca.pem")
        do { try c.validate(); Issue.record("missing CA accepted") } catch {
            #expect(error.code == .tls && error.message.contains("/nonexistent/ca.pem"))
        }
        c.tls = nil
        c.password = "p"
        #expect(throws: MQTTError.self) { try c.validate() }
    }

    @Test func backoffGrowsAndJitters() {
        let b = Backoff(minMs: 100, maxMs: 5000)
        #expect(b.ceiling(attempt: 0) == 100)
        #expect(b.ceiling(attempt: 1) == 200)
        #expect(b.ceiling(attempt: 5) == 3200)
        #expect(b.ceiling(attempt: 6) == 5000)
        #expect(b.ceiling(attempt: 200) == 5000)
        var seen = Set<Int>()
        for n in 0..<8 {
            for _ in 0..<50 {
                let d = b.delayMs(attempt: n)
                #expect(d >= b.ceiling(attempt: n) / 2 && d <= b.ceiling(attempt: n))
                seen.insert(d)
            }
        }
        #expect(seen.count > 20, "jitter should spread the delays")
    }
}
