// MQTTClient: a libmosquitto client with its own loop thread, reconnect with backoff and jitter.
import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libmosquitto's global init, done once per process.
private let mosquittoLibrary: Int32 = mosquitto_lib_init()

/// An MQTT connection that keeps itself up. Callbacks run on the client's loop thread (see the
/// module comment). Set callbacks before `start()`; `publish`/`subscribe` work from any thread.
/// The object must stay alive until `stop()` returns (deinit calls `stop()`).
public final class MQTTClient: @unchecked Sendable {
    public let config: MQTTConfig
    public let endpoint: BrokerURL
    private let mosq: OpaquePointer
    /// What libmosquitto hands back to every callback as `obj` (kept alive by this client).
    private let target: CallbackTarget
    private let state = ConditionLock()

    // Protected by `state`.
    private var _onMessage: (@Sendable (MQTTMessage) -> Void)?
    private var _onConnect: (@Sendable (Bool) -> Void)?
    private var _onDisconnect: (@Sendable (Int32) -> Void)?
    private var _onPublished: (@Sendable (Int32) -> Void)?
    private var _onSubscribed: (@Sendable (Int32) -> Void)?
    private var connectObservers: [@Sendable (Bool) -> Void] = []
    private var disconnectObservers: [@Sendable (Int32) -> Void] = []
    private var connectFailureObservers: [@Sendable (ConnectFailure) -> Void] = []
    private var publishedObservers: [@Sendable (Int32, Int32) -> Void] = []
    private var subscriptions: [(filter: String, qos: Int32)] = []
    private var running = false
    private var started = false
    private var connected = false
    private var abortRequested = false
    private var thread: NativeThread?
    private var _connects = 0
    private var _lastConnectResult: Int32 = -1

    /// Called for every message received (topic, payload, qos, retain).
    public var onMessage: (@Sendable (MQTTMessage) -> Void)? {
        get { state.withLock { _onMessage } } set { state.withLock { _onMessage = newValue } }
    }
    /// Called after each successful CONNACK with the broker's session-present flag.
    public var onConnect: (@Sendable (_ sessionPresent: Bool) -> Void)? {
        get { state.withLock { _onConnect } } set { state.withLock { _onConnect = newValue } }
    }
    /// Called when the connection ends (0 = we asked for it); reconnecting follows unless stopped.
    public var onDisconnect: (@Sendable (_ reason: Int32) -> Void)? {
        get { state.withLock { _onDisconnect } } set { state.withLock { _onDisconnect = newValue } }
    }
    /// PUBACK (QoS 1) or PUBCOMP (QoS 2) received for a message id; QoS 0: when written to the socket.
    public var onPublished: (@Sendable (_ messageID: Int32) -> Void)? {
        get { state.withLock { _onPublished } } set { state.withLock { _onPublished = newValue } }
    }
    /// SUBACK received for a subscribe's message id.
    public var onSubscribed: (@Sendable (_ messageID: Int32) -> Void)? {
        get { state.withLock { _onSubscribed } } set { state.withLock { _onSubscribed = newValue } }
    }

    /// Adds a connect observer besides `onConnect` (for components such as the outbox).
    public func addConnectObserver(_ f: @escaping @Sendable (_ sessionPresent: Bool) -> Void) { state.withLock { connectObservers.append(f) } }
    /// Adds a disconnect observer besides `onDisconnect`.
    public func addDisconnectObserver(_ f: @escaping @Sendable (_ reason: Int32) -> Void) { state.withLock { disconnectObservers.append(f) } }
    /// Told after each failed connection attempt (TCP/TLS connect failed or the broker refused CONNECT),
    /// on the loop thread, with the reason and the delay before the next attempt.
    public func addConnectFailureObserver(_ f: @escaping @Sendable (ConnectFailure) -> Void) { state.withLock { connectFailureObservers.append(f) } }
    /// Adds a publish-acknowledgement observer besides `onPublished`; gets the message id and the
    /// MQTT 5 reason code (0 success; >= 0x80 the broker refused the message).
    public func addPublishedObserver(_ f: @escaping @Sendable (_ messageID: Int32, _ reasonCode: Int32) -> Void) { state.withLock { publishedObservers.append(f) } }

    /// True between a successful CONNACK and the loss of the connection.
    public var isConnected: Bool { state.withLock { connected } }
    /// Successful connections so far (reconnects included).
    public var connectCount: Int { state.withLock { _connects } }
    /// The last CONNACK result (0 accepted; MQTT reason code otherwise; -1 none yet).
    public var lastConnectResult: Int32 { state.withLock { _lastConnectResult } }

    public init(config: MQTTConfig) throws(MQTTError) {
        try config.validate()
        _ = mosquittoLibrary
        self.config = config
        self.endpoint = try BrokerURL(config.url)
        // The callback target goes to mosquitto_new as the callbacks' `obj`; it points back at this
        // client once init is done (no global table; each client finds itself from `obj`).
        let target = CallbackTarget()
        guard let m = mosquitto_new(config.clientID.isEmpty ? nil : config.clientID, config.cleanStart,
                                    Unmanaged.passUnretained(target).toOpaque()) else {
            throw MQTTError(code: .mosquitto, message: "mosquitto_new failed for client id '\(config.clientID)' (out of memory or invalid id)")
        }
        self.mosq = m
        self.target = target
        do throws(MQTTError) { try configure() } catch {
            mosquitto_destroy(m)
            throw error
        }
        target.client = self
        installCallbacks()
    }

    deinit {
        stop()
        mosquitto_destroy(mosq)
    }

    private func check(_ rc: Int32, _ what: String) throws(MQTTError) {
        if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.mosq(rc, what) }
    }

    private func configure() throws(MQTTError) {
        let c = config
        try check(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, c.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311), "set protocol version")
        try check(mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, Int32(c.maxInflight)), "set maxInflight")
        if c.protocolVersion == .v5 {
            try check(mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, Int32(c.receiveMaximum)), "set receiveMaximum")
        }
        try check(mosquitto_threaded_set(mosq, true), "set threaded")
        if let u = c.username { try check(mosquitto_username_pw_set(mosq, u, c.password), "set username/password") }
        if let w = c.will {
            let rc = w.payload.withUnsafeBytes { p in
                mosquitto_will_set_v5(mosq, w.topic, Int32(p.count), p.baseAddress, w.qos, w.retain, nil)
            }
            try check(rc, "set last will on '\(w.topic)'")
        }
        if endpoint.tls || c.tls != nil {
            let t = c.tls ?? MQTTConfig.TLSConfig()
            let rc = mosquitto_tls_set(mosq, t.caFile, t.caFile == nil ? "/etc/ssl/certs" : nil, t.certFile, t.keyFile, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                throw MQTTError(code: .tls, mosquittoCode: rc, message: "TLS setup refused (ca \(t.caFile ?? "/etc/ssl/certs"), cert \(t.certFile ?? "none"), key \(t.keyFile ?? "none"))")
            }
            if t.insecureSkipHostnameCheck { try check(mosquitto_tls_insecure_set(mosq, true), "set TLS insecure") }
        }
    }

    // MARK: life cycle

    /// Starts the loop thread: connects in the background and keeps reconnecting until `stop()`.
    public func start() throws(MQTTError) {
        try state.withLock { () throws(MQTTError) in
            if started { throw MQTTError(code: .state, message: "client '\(config.clientID)' was already started") }
            started = true
            running = true
        }
        let t = NativeThread(name: "ledge-mqtt") { [unowned self] in self.runLoop() }
        state.withLock { thread = t }
    }

    /// Sends DISCONNECT (so no last will), stops reconnecting and joins the loop thread.
    /// Must not be called from a callback.
    public func stop() {
        let t: NativeThread? = state.withLock {
            running = false
            state.broadcast()
            let t = thread
            thread = nil
            return t
        }
        guard let t else { return }
        precondition(!t.isCurrent, "MQTTClient.stop() called from its own callback thread")
        mosquitto_disconnect_v5(mosq, 0, nil)  // wakes the loop's select
        t.join()
    }

    /// Drops the TCP connection without DISCONNECT, as a crash or a cable pull would. The broker
    /// then publishes the last will. With `reconnect` false the client also stops (a "dead" client).
    public func dropConnection(reconnect: Bool) {
        let t: NativeThread? = state.withLock {
            if !reconnect { running = false; abortRequested = true }
            state.broadcast()
            return reconnect ? nil : thread
        }
        let fd = mosquitto_socket(mosq)
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        if let t {
            t.join()
            state.withLock { thread = nil }
        }
    }

    private var isRunning: Bool { state.withLock { running } }

    private func runLoop() {
        var attempt = 0
        let backoff = config.backoff
        var props: OpaquePointer?
        if config.protocolVersion == .v5 {
            mosquitto_property_add_int32(&props, 17 /* MQTT_PROP_SESSION_EXPIRY_INTERVAL */, config.sessionExpirySeconds)
        }
        defer { mosquitto_property_free_all(&props) }
        while isRunning {
            let before = connectCount
            var rc = mosquitto_connect_bind_v5(mosq, endpoint.host, Int32(endpoint.port), Int32(config.keepAliveSeconds), nil, props)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                while isRunning {
                    rc = mosquitto_loop(mosq, 1000, 1)
                    if rc != MOSQ_ERR_SUCCESS.rawValue { break }
                }
            }
            if !isRunning { break }
            markDisconnected(reason: rc)
            let connected = connectCount > before
            if connected { attempt = 0 }
            let delay = backoff.delayMs(attempt: attempt)
            attempt += 1
            if !connected {
                let why: String
                if rc == MOSQ_ERR_ERRNO.rawValue {
                    why = String(cString: strerror(errno))
                } else if rc == MOSQ_ERR_SUCCESS.rawValue || rc == MOSQ_ERR_CONN_LOST.rawValue || rc == MOSQ_ERR_NO_CONN.rawValue {
                    let refused = state.withLock { _lastConnectResult }
                    why = refused > 0 ? "the broker refused the connection (CONNACK reason \(refused))" : "the connection closed before the broker accepted it"
                } else {
                    why = String(cString: mosquitto_strerror(rc))
                }
                let failure = ConnectFailure(attempt: attempt, reason: why, retryInMs: delay)
                for f in state.withLock({ connectFailureObservers }) { f(failure) }
            }
            let deadline = monotonicNanos() + UInt64(delay) * 1_000_000
            state.withLock {
                while running && monotonicNanos() < deadline { state.wait(untilNanos: deadline) }
            }
        }
        let abort = state.withLock { abortRequested }
        if !abort {
            // Clean exit: send DISCONNECT and let the loop write it out.
            mosquitto_disconnect_v5(mosq, 0, nil)
            for _ in 0..<20 where mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS.rawValue {}
        } else {
            // Make sure the socket is gone without a DISCONNECT.
            for _ in 0..<5 where mosquitto_loop(mosq, 10, 1) == MOSQ_ERR_SUCCESS.rawValue {}
        }
        markDisconnected(reason: 0)
    }

    /// Records a lost connection when libmosquitto did not report it (failed connect).
    private func markDisconnected(reason: Int32) {
        let observers: [@Sendable (Int32) -> Void] = state.withLock {
            guard connected else { return [] }
            connected = false
            return (_onDisconnect.map { [$0] } ?? []) + disconnectObservers
        }
        for f in observers { f(reason) }
    }

    // MARK: operations

    /// Publishes a message; returns its message id. QoS 1/2 messages are queued by libmosquitto while
    /// the connection is down (libmosquitto then reports MOSQ_ERR_NO_CONN although it kept the message;
    /// this returns the message id) and sent when it returns, within this process; messages in flight
    /// when a connection drops are sent again (DUP) after the reconnect. QoS 0 needs a connection.
    @discardableResult
    public func publish(topic: String, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        guard isValidTopicName(topic) else { throw MQTTError(code: .invalidTopic, message: "cannot publish to '\(topic)': not a valid topic name") }
        guard (0...2).contains(qos) else { throw MQTTError(code: .invalidQoS, message: "qos \(qos) outside 0...2 (topic '\(topic)')") }
        guard payload.count <= 268_435_455 else {
            throw MQTTError(code: .payloadTooLarge, message: "payload of \(payload.count) bytes exceeds the MQTT limit (topic '\(topic)')")
        }
        var mid: Int32 = 0
        let rc = mosquitto_publish_v5(mosq, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain, nil)
        if rc != MOSQ_ERR_SUCCESS.rawValue && !(qos > 0 && rc == MOSQ_ERR_NO_CONN.rawValue) { throw MQTTError.mosq(rc, "publish to '\(topic)'") }
        return mid
    }

    /// Publishes with a NUL-terminated topic the caller has already validated (`isValidTopicName`);
    /// no allocation. Used by the outbox's send path.
    @discardableResult
    public func publish(validatedTopic topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let rc = mosquitto_publish_v5(mosq, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain, nil)
        if rc != MOSQ_ERR_SUCCESS.rawValue && !(qos > 0 && rc == MOSQ_ERR_NO_CONN.rawValue) {
            throw MQTTError.mosq(rc, "publish to '\(String(cString: topic))'")
        }
        return mid
    }

    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        var result: Result<Int32, MQTTError> = .success(0)
        payload.withUnsafeBytes { p in
            do throws(MQTTError) { result = .success(try publish(topic: topic, payload: p, qos: qos, retain: retain)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    @discardableResult
    public func publish(topic: String, text: String, qos: Int32, retain: Bool) throws(MQTTError) -> Int32 {
        try publish(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// Subscribes (now when connected, and again after every reconnect without a session).
    /// Returns the message id of the SUBSCRIBE sent now, or nil when it will be sent on connect.
    @discardableResult
    public func subscribe(_ filter: String, qos: Int32) throws(MQTTError) -> Int32? {
        guard isValidTopicFilter(filter) else { throw MQTTError(code: .invalidTopic, message: "cannot subscribe to '\(filter)': not a valid topic filter") }
        guard (0...2).contains(qos) else { throw MQTTError(code: .invalidQoS, message: "qos \(qos) outside 0...2 (filter '\(filter)')") }
        let isConnected = state.withLock {
            subscriptions.removeAll { $0.filter == filter }
            subscriptions.append((filter, qos))
            return connected
        }
        guard isConnected else { return nil }
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_v5(mosq, &mid, filter, qos, 0, nil)
        if rc == MOSQ_ERR_NO_CONN.rawValue { return nil }
        if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.mosq(rc, "subscribe to '\(filter)'") }
        return mid
    }

    /// Removes a subscription.
    public func unsubscribe(_ filter: String) throws(MQTTError) {
        let isConnected = state.withLock {
            subscriptions.removeAll { $0.filter == filter }
            return connected
        }
        guard isConnected else { return }
        let rc = mosquitto_unsubscribe_v5(mosq, nil, filter, nil)
        if rc != MOSQ_ERR_SUCCESS.rawValue && rc != MOSQ_ERR_NO_CONN.rawValue { throw MQTTError.mosq(rc, "unsubscribe from '\(filter)'") }
    }

    // MARK: callbacks from libmosquitto (loop thread)

    /// The client behind a callback's `obj` (the `CallbackTarget` given to mosquitto_new).
    private static func client(_ obj: UnsafeMutableRawPointer?) -> MQTTClient {
        Unmanaged<CallbackTarget>.fromOpaque(obj!).takeUnretainedValue().client!
    }

    private func installCallbacks() {
        mosquitto_connect_v5_callback_set(mosq) { _, obj, rc, flags, _ in
            MQTTClient.client(obj).handleConnect(rc: rc, sessionPresent: flags & 1 != 0)
        }
        mosquitto_disconnect_v5_callback_set(mosq) { _, obj, rc, _ in
            MQTTClient.client(obj).markDisconnected(reason: rc)
        }
        mosquitto_publish_v5_callback_set(mosq) { _, obj, mid, reason, _ in
            MQTTClient.client(obj).handlePublished(mid: mid, reason: reason)
        }
        mosquitto_message_v5_callback_set(mosq) { _, obj, msg, _ in
            guard let msg else { return }
            MQTTClient.client(obj).handleMessage(msg.pointee)
        }
        mosquitto_subscribe_v5_callback_set(mosq) { _, obj, mid, _, _, _ in
            MQTTClient.client(obj).state.withLock { MQTTClient.client(obj)._onSubscribed }?(mid)
        }
    }

    private func handleConnect(rc: Int32, sessionPresent: Bool) {
        let (subs, observers) = state.withLock { () -> ([(filter: String, qos: Int32)], [@Sendable (Bool) -> Void]) in
            _lastConnectResult = rc
            guard rc == 0 else { return ([], []) }
            connected = true
            _connects += 1
            return (subscriptions, (_onConnect.map { [$0] } ?? []) + connectObservers)
        }
        guard rc == 0 else { return }
        // Always (re)subscribe, also on a resumed session: SUBSCRIBE is idempotent, and a filter added
        // since the session was created (e.g. the update agent's `desired` topic after trusted keys were
        // configured) would otherwise never reach the broker.
        for s in subs { mosquitto_subscribe_v5(mosq, nil, s.filter, s.qos, 0, nil) }
        for f in observers { f(sessionPresent) }
    }

    private func handlePublished(mid: Int32, reason: Int32) {
        let (main, observers) = state.withLock { (_onPublished, publishedObservers) }
        main?(mid)
        for f in observers { f(mid, reason) }
    }

    private func handleMessage(_ m: mosquitto_message) {
        guard let f = state.withLock({ _onMessage }) else { return }
        let topic = m.topic.map { String(cString: $0) } ?? ""
        let payload: [UInt8]
        if let p = m.payload, m.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: p, count: Int(m.payloadlen)))
        } else {
            payload = []
        }
        f(MQTTMessage(topic: topic, payload: payload, qos: m.qos, retain: m.retain))
    }
}

/// The object passed to `mosquitto_new` as user data: libmosquitto returns it to each callback as
/// `obj`. It holds the client unowned (the client owns it; callbacks only run while the client's loop
/// thread runs, which `stop()`/deinit join before the client goes away).
private final class CallbackTarget: @unchecked Sendable {
    unowned(unsafe) var client: MQTTClient?
}

/// One failed connection attempt, as told to `addConnectFailureObserver`.
public struct ConnectFailure: Sendable {
    /// 1 for the first failure since the last successful connection.
    public let attempt: Int
    public let reason: String
    public let retryInMs: Int
}
