// BrokerURL: parses `mqtt://host:port` and `mqtts://host:port` (IPv6 in brackets).

/// A parsed broker address.
public struct BrokerURL: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let tls: Bool

    /// Parses `mqtt://host[:port]` (default 1883) or `mqtts://host[:port]` (default 8883).
    public init(_ text: String) throws(MQTTError) {
        let scheme: String
        let rest: Substring
        if let r = schemeSeparator(text) {
            scheme = String(text[..<r.lowerBound]).lowercased()
            rest = text[r.upperBound...]
        } else {
            throw MQTTError(code: .invalidURL, message: "broker URL '\(text)' has no scheme; use mqtt://host:port or mqtts://host:port")
        }
        switch scheme {
        case "mqtt", "tcp": tls = false
        case "mqtts", "ssl", "tls": tls = true
        default: throw MQTTError(code: .invalidURL, message: "broker URL '\(text)': scheme '\(scheme)' is not mqtt or mqtts")
        }
        var hostPort = rest
        if let slash = hostPort.firstIndex(of: "/") {
            if hostPort[slash...] != "/" {
                throw MQTTError(code: .invalidURL, message: "broker URL '\(text)' has a path; only mqtt[s]://host:port is allowed")
            }
            hostPort = hostPort[..<slash]
        }
        if hostPort.contains("@") {
            throw MQTTError(code: .invalidURL, message: "broker URL '\(text)' has credentials; set username/password in the config instead")
        }
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw MQTTError(code: .invalidURL, message: "broker URL '\(text)': IPv6 address has no closing ']'")
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw MQTTError(code: .invalidURL, message: "broker URL '\(text)': junk after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        if host.isEmpty { throw MQTTError(code: .invalidURL, message: "broker URL '\(text)' has no host") }
        var port = tls ? 8883 : 1883
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw MQTTError(code: .invalidURL, message: "broker URL '\(text)': port '\(portText)' is not a number in 1...65535")
            }
            port = p
        }
        self.host = String(host)
        self.port = port
    }
}

/// The range of the first "://" in `s`.
private func schemeSeparator(_ s: String) -> Range<String.Index>? {
    var i = s.startIndex
    while i != s.endIndex {
        if s[i...].hasPrefix("://") { return i..<s.index(i, offsetBy: 3) }
        i = s.index(after: i)
    }
    return nil
}
