// MQTTMessage: one received message (topic, payload bytes, QoS, retain flag).

/// A message delivered to `MQTTClient.onMessage`.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
    public init(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
    /// The payload read as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: payload, as: UTF8.self) }
}
