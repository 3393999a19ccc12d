// MQTTError: typed client errors with a code, the libmosquitto result, and context.
import CMosquitto

/// An MQTT client error: what (`code`), libmosquitto's result code when any, and a message.
public struct MQTTError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The broker URL could not be parsed.
        public static let invalidURL = Code(rawValue: "invalid_url")
        /// A configuration value is out of range or inconsistent.
        public static let invalidConfig = Code(rawValue: "invalid_config")
        /// A topic name or filter breaks the MQTT rules.
        public static let invalidTopic = Code(rawValue: "invalid_topic")
        /// QoS outside 0...2.
        public static let invalidQoS = Code(rawValue: "invalid_qos")
        /// Payload larger than MQTT allows.
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// Not connected to the broker (QoS 0 publishes are not queued).
        public static let notConnected = Code(rawValue: "not_connected")
        /// A TLS file is missing or libmosquitto refused the TLS settings.
        public static let tls = Code(rawValue: "tls")
        /// `start` was called twice, or a call came after `stop`.
        public static let state = Code(rawValue: "state")
        /// libmosquitto returned an error; see `mosquittoCode`.
        public static let mosquitto = Code(rawValue: "mosquitto")
    }

    public let code: Code
    /// libmosquitto's `MOSQ_ERR_*` value, 0 when the error did not come from it.
    public let mosquittoCode: Int32
    public let message: String

    public init(code: Code, mosquittoCode: Int32 = 0, message: String) {
        self.code = code
        self.mosquittoCode = mosquittoCode
        self.message = message
    }

    public var description: String {
        var s = "mqtt error [\(code)"
        if mosquittoCode != 0 { s += " \(mosquittoCode) \(String(cString: mosquitto_strerror(mosquittoCode)))" }
        return s + "]: \(message)"
    }

    static func mosq(_ rc: Int32, _ what: String) -> MQTTError {
        let code: Code
        switch rc {
        case Int32(MOSQ_ERR_NO_CONN.rawValue): code = .notConnected
        case Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue): code = .payloadTooLarge
        case Int32(MOSQ_ERR_TLS.rawValue): code = .tls
        default: code = .mosquitto
        }
        return MQTTError(code: code, mosquittoCode: rc, message: "\(what): \(String(cString: mosquitto_strerror(rc)))")
    }
}
