// TLS for real: a CA, server and client certificates made with openssl at test time, a mosquitto TLS
// listener that requires client certificates and a password file made with mosquitto_passwd.
import Foundation
import Testing
import LedgeMQTT
import LedgeTestSupport

/// Certificates and a password file in a scratch folder, and a mosquitto TLS listener using them.
final class SecureBroker: @unchecked Sendable {
    let folder: URL
    let port: Int
    private var process: ChildProcess?
    var url: String { "mqtts://127.0.0.1:\(port)" }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    init() throws {
        folder = try TestPaths.scratch("tls")
        port = try FreePort.find()
        // A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a second CA
        // that signed nothing the broker trusts.
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2", "-subj", "/CN=Ledge Test CA"])
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", path("other-ca.key"), "-out", path("other-ca.crt"), "-days", "2", "-subj", "/CN=Other CA"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for (name, cn, ext) in [("server", "localhost", "server.ext"), ("client", "ledge-node-1", "client.ext")] {
            try run("/usr/bin/openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                         "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(cn)"])
            try run("/usr/bin/openssl", ["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                                         "-CAcreateserial", "-out", path("\(name).crt"), "-days", "2", "-extfile", path(ext)])
        }
        try run("/usr/bin/mosquitto_passwd", ["-c", "-b", path("passwd"), "node", "s3cret"])
        let conf = """
        per_listener_settings false
        allow_anonymous false
        password_file \(path("passwd"))
        listener \(port) 127.0.0.1
        cafile \(path("ca.crt"))
        certfile \(path("server.crt"))
        keyfile \(path("server.key"))
        require_certificate true
        persistence false
        log_dest file \(path("mosquitto.log"))
        \(getuid() == 0 ? "user root" : "")

        """
        try conf.write(toFile: path("mosquitto.conf"), atomically: true, encoding: .utf8)
        let exe = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let exe else { throw TestBrokerError.notInstalled }
        let p = try ChildProcess(executable: exe, arguments: ["-c", path("mosquitto.conf")])
        process = p
        for _ in 0..<250 {
            if FreePort.isListening(port) { return }
            if !p.isRunning { break }
            usleep(20_000)
        }
        throw TestBrokerError.didNotStart(port: port, log: (try? String(contentsOfFile: path("mosquitto.log"), encoding: .utf8)) ?? "")
    }

    /// Runs a setup tool (openssl, mosquitto_passwd) to completion; throws with its output on failure.
    private func run(_ exe: String, _ args: [String]) throws {
        let (status, text) = try Tool.capture(exe, args)
        if status != 0 {
            struct ToolFailed: Error, CustomStringConvertible { let description: String }
            throw ToolFailed(description: "\(exe) \(args.joined(separator: " ")) failed: \(text)")
        }
    }

    /// A client config for this broker; pass nil to leave a part out.
    func config(id: String, cert: Bool = true, ca: String = "ca.crt", user: String? = "node", password: String? = "s3cret") -> MQTTConfig {
        var c = MQTTConfig(url: url, clientID: id)
        c.tls = .init(caFile: path(ca), certFile: cert ? path("client.crt") : nil, keyFile: cert ? path("client.key") : nil)
        c.username = user
        c.password = password
        c.reconnectDelayMinMs = 100
        c.reconnectDelayMaxMs = 400
        return c
    }

    deinit { process?.stop() }
}

@Suite(.serialized)
struct MQTTSecurityTests {
    @Test("mTLS with a password: connect, subscribe, publish, receive")
    func mutualTLSRoundTrip() throws {
        let broker = try SecureBroker()
        let sub = try TestClient(broker.config(id: "tls-sub"))
        let pub = try TestClient(broker.config(id: "tls-pub"))
        try sub.startAndWait()
        try sub.subscribeAndWait("secure/#", qos: 1)
        try pub.startAndWait()
        for i in 0..<10 { try pub.client.publish(topic: "secure/x", text: "s\(i)", qos: 1, retain: false) }
        #expect(sub.messages.wait(count: 10).map(\.text) == (0..<10).map { "s\($0)" })
        #expect(pub.client.lastConnectResult == 0)
    }

    @Test("without a client certificate the TLS handshake fails and nothing connects")
    func noClientCertificate() throws {
        let broker = try SecureBroker()
        let c = try TestClient(broker.config(id: "tls-nocert", cert: false))
        try c.client.start()
        Thread.sleep(forTimeInterval: 1.0)
        #expect(!c.client.isConnected && c.connects.all.isEmpty)
        #expect(c.client.connectCount == 0)
    }

    @Test("a broker certificate from another CA is not trusted")
    func wrongCA() throws {
        let broker = try SecureBroker()
        let c = try TestClient(broker.config(id: "tls-wrongca", ca: "other-ca.crt"))
        try c.client.start()
        Thread.sleep(forTimeInterval: 1.0)
        #expect(!c.client.isConnected && c.client.connectCount == 0)
    }

    @Test("a wrong password is refused with a CONNACK reason", arguments: [MQTTConfig.ProtocolVersion.v5, .v311])
    func wrongPassword(version: MQTTConfig.ProtocolVersion) throws {
        let broker = try SecureBroker()
        var config = broker.config(id: "tls-badpw", password: "wrong")
        config.protocolVersion = version
        let c = try TestClient(config)
        try c.client.start()
        let deadline = Date().addingTimeInterval(5)
        while c.client.lastConnectResult <= 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        // MQTT 5: 0x86 bad user name or password (0x87 not authorized); 3.1.1: 4 or 5.
        let rc = c.client.lastConnectResult
        #expect(version == .v5 ? (rc == 0x86 || rc == 0x87) : (rc == 4 || rc == 5), "CONNACK result \(rc)")
        #expect(!c.client.isConnected && c.client.connectCount == 0)
    }

    @Test func missingTLSFilesAreConfigErrors() throws {
        var c = MQTTConfig(url: "mqtts://127.0.0.1:8883", clientID: "x")
        c.tls = .init(caFile: "/nonexistent/ca.crt")
        do { _ = try MQTTClient(config: c); Issue.record("accepted a missing CA file") } catch {
            #expect(error.code == .tls && error.message.contains("/nonexistent/ca.crt"))
        }
        c.tls = .init(caFile: nil, certFile: "/etc/hostname", keyFile: nil)
        do { _ = try MQTTClient(config: c); Issue.record("accepted a cert without a key") } catch {
            #expect(error.code == .tls)
        }
    }
}
