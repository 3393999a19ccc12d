// MQTTConfig: everything an MQTTClient needs: broker URL, identity, session, TLS, credentials, will.

/// Client settings. Defaults: MQTT 5, a persistent session kept 1 hour, keepalive 30 s,
/// reconnect between 0.5 s and 30 s with jitter.
public struct MQTTConfig: Sendable {
    public enum ProtocolVersion: Sendable, Equatable { case v5, v311 }

    /// TLS files (PEM). `caFile` nil uses the system CA folder `/etc/ssl/certs`.
    public struct TLSConfig: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// Skip the host-name check (testing only; the certificate chain is still verified).
        public var insecureSkipHostnameCheck: Bool
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecureSkipHostnameCheck: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecureSkipHostnameCheck = insecureSkipHostnameCheck
        }
    }

    /// The last will: published by the broker when the client vanishes without DISCONNECT.
    public struct Will: Sendable, Equatable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: Int32
        public var retain: Bool
        public init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    public var url: String
    public var clientID: String
    public var protocolVersion: ProtocolVersion = .v5
    /// Start a fresh session on every connect (MQTT 5 clean start / 3.1.1 clean session).
    public var cleanStart: Bool = false
    /// MQTT 5: how long the broker keeps the session after a disconnect (0 = ends with the connection).
    public var sessionExpirySeconds: UInt32 = 3600
    public var keepAliveSeconds: Int = 30
    public var username: String?
    public var password: String?
    public var tls: TLSConfig?
    public var will: Will?
    /// Reconnect delays (exponential with jitter between these bounds).
    public var reconnectDelayMinMs: Int = 500
    public var reconnectDelayMaxMs: Int = 30_000
    /// QoS 1/2 messages in flight at once in libmosquitto (more are queued inside it). With MQTT 5 the
    /// broker's receive maximum lowers it; MQTT 3.1.1 has no such negotiation, so keep it at or below
    /// the broker's `max_inflight_messages` there (mosquitto acknowledges and drops QoS 2 PUBLISHes
    /// beyond it from a 3.1.1 client).
    public var maxInflight: Int = 64
    /// MQTT 5 receive maximum announced in CONNECT: incoming QoS 1/2 messages the broker may have
    /// unacknowledged at once. libmosquitto drops the connection (protocol error) when a broker sends
    /// more than this. mosquitto 2.0.11 frees a QoS 2 slot at PUBREC instead of PUBCOMP, so it sends
    /// more than a small receive maximum allows (seen: 30 outstanding against 20, 25 against 5); the
    /// default is the protocol's largest value so the broker's own window (`max_inflight_messages`)
    /// is what bounds the flow. libmosquitto keeps only QoS 2 messages awaiting PUBREL in memory.
    public var receiveMaximum: Int = 65535

    public init(url: String, clientID: String) {
        self.url = url
        self.clientID = clientID
    }

    var backoff: Backoff { Backoff(minMs: reconnectDelayMinMs, maxMs: reconnectDelayMaxMs) }

    /// Checks the settings that do not need the network; throws a clear error for the first problem.
    public func validate() throws(MQTTError) {
        _ = try BrokerURL(url)
        if clientID.utf8.count > 65535 { throw MQTTError(code: .invalidConfig, message: "client id is longer than 65535 bytes") }
        if clientID.isEmpty && !cleanStart {
            throw MQTTError(code: .invalidConfig, message: "a persistent session (cleanStart = false) needs a non-empty client id")
        }
        if !(5...65535).contains(keepAliveSeconds) {
            throw MQTTError(code: .invalidConfig, message: "keepAliveSeconds \(keepAliveSeconds) outside 5...65535")
        }
        if reconnectDelayMinMs <= 0 || reconnectDelayMaxMs < reconnectDelayMinMs {
            throw MQTTError(code: .invalidConfig, message: "reconnect delays must satisfy 0 < min (\(reconnectDelayMinMs)) <= max (\(reconnectDelayMaxMs))")
        }
        if !(1...65535).contains(maxInflight) { throw MQTTError(code: .invalidConfig, message: "maxInflight \(maxInflight) outside 1...65535") }
        if !(1...65535).contains(receiveMaximum) { throw MQTTError(code: .invalidConfig, message: "receiveMaximum \(receiveMaximum) outside 1...65535") }
        if password != nil && username == nil { throw MQTTError(code: .invalidConfig, message: "a password needs a username") }
        if let will {
            if !isValidTopicName(will.topic) { throw MQTTError(code: .invalidTopic, message: "will topic '\(will.topic)' is not a valid topic name") }
            if !(0...2).contains(will.qos) { throw MQTTError(code: .invalidQoS, message: "will qos \(will.qos) outside 0...2") }
        }
        if let tls {
            for (what, file) in [("caFile", tls.caFile), ("certFile", tls.certFile), ("keyFile", tls.keyFile)] {
                if let file, !fileReadable(file) {
                    throw MQTTError(code: .tls, message: "TLS \(what) '\(file)' does not exist or is not readable")
                }
            }
            if (tls.certFile == nil) != (tls.keyFile == nil) {
                throw MQTTError(code: .tls, message: "TLS needs both certFile and keyFile, or neither")
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func fileReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }
