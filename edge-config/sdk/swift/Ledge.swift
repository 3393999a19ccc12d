// Ledge.swift: the Embedded Swift SDK for Ledge functions (ABI version 1). Add this one file to a function.
//
// It exports `ledge_alloc`, `ledge_init` and `ledge_on_event` and forwards them to your `Handler`:
//
//     enum Handler: LedgeHandler {
//         static func onEvent(_ event: Event) -> Int32 { ... return 0 }
//     }
//
// Host calls are declared in sdk/c/ledge.h (the bridging header `ledge fn build` passes to swiftc), so the
// error codes (LEDGE_E_*) are the same as in C. The wrappers below are safe: they pass exact pointers
// and lengths, and turn results into Swift values.

/// What a function implements. `initialize` runs once per instance, before the first event.
public protocol LedgeHandler {
    static func initialize() -> Int32
    static func onEvent(_ event: Event) -> Int32
}

extension LedgeHandler {
    public static func initialize() -> Int32 { 0 }
}

/// One incoming message: its topic and payload, valid during `onEvent` only.
public struct Event {
    public let topic: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer

    /// The topic as a String (allocates).
    public var topicString: String { String(decoding: topic, as: UTF8.self) }

    /// The `index`-th level of the topic (0-based), as bytes.
    public func topicLevel(_ index: Int) -> UnsafeRawBufferPointer? {
        var level = 0
        var start = 0
        for i in 0...topic.count {
            if i == topic.count || topic[i] == UInt8(ascii: "/") {
                if level == index { return UnsafeRawBufferPointer(rebasing: topic[start..<i]) }
                level += 1
                start = i + 1
            }
        }
        return nil
    }

    /// The number under `key` in the payload's top-level JSON object.
    public func number(_ key: StaticString) -> Double? {
        var out: Double = 0
        let r = ledge_json_number(payload.baseAddress, Int32(payload.count), key.utf8Start, Int32(key.utf8CodeUnitCount), &out)
        return r == 0 ? out : nil
    }
}

// MARK: Exports

@_expose(wasm, "ledge_alloc")
@_cdecl("ledge_alloc")
public func _ledgeAlloc(_ size: Int32) -> UnsafeMutableRawPointer? {
    UnsafeMutableRawPointer.allocate(byteCount: Int(max(size, 1)), alignment: 16)
}

@_expose(wasm, "ledge_init")
@_cdecl("ledge_init")
public func _ledgeInit() -> Int32 { Handler.initialize() }

@_expose(wasm, "ledge_on_event")
@_cdecl("ledge_on_event")
public func _ledgeOnEvent(_ topic: UnsafeRawPointer?, _ topicLen: Int32, _ payload: UnsafeRawPointer?, _ payloadLen: Int32) -> Int32 {
    let event = Event(topic: UnsafeRawBufferPointer(start: topic, count: Int(topicLen)),
                      payload: UnsafeRawBufferPointer(start: payload, count: Int(payloadLen)))
    return Handler.onEvent(event)
}

// MARK: Host calls

public enum Ledge {
    public enum Level: Int32 { case debug = 0, info = 1, warn = 2, error = 3 }

    /// Publishes `payload` to `topic`; returns 0 or a negative LEDGE_E_* code.
    @discardableResult
    public static func publish(_ topic: [UInt8], _ payload: [UInt8], qos: Int32 = 1) -> Int32 {
        topic.withUnsafeBufferPointer { t in
            payload.withUnsafeBufferPointer { p in
                t.withMemoryRebound(to: CChar.self) { tc in
                    ledge_publish(tc.baseAddress, Int32(t.count), p.baseAddress, Int32(p.count), qos)
                }
            }
        }
    }

    public static func log(_ message: String, level: Level = .info) {
        var m = message
        m.withUTF8 { b in
            b.withMemoryRebound(to: CChar.self) { ledge_log(level.rawValue, $0.baseAddress, Int32($0.count)) }
        }
    }

    public static func nowMs() -> Int64 { ledge_now_ms() }

    /// The function's setting `key` from the node config, as text.
    public static func config(_ key: StaticString) -> String? {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = buf.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { ledge_config(key.utf8Start, Int32(key.utf8CodeUnitCount), $0.baseAddress, Int32($0.count)) }
        }
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<Int(n)], as: UTF8.self)
    }

    /// The setting `key` as a number (decimal text such as "20" or "12.5").
    public static func configNumber(_ key: StaticString) -> Double? {
        guard let s = config(key) else { return nil }
        return parseDecimal(Array(s.utf8))
    }

    /// Runs `model` on `input`; fills `output` and returns the count, or a negative LEDGE_E_* code.
    public static func infer(_ model: StaticString, _ input: [Float], _ output: inout [Float]) -> Int32 {
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                ledge_infer(model.utf8Start, Int32(model.utf8CodeUnitCount), i.baseAddress, Int32(i.count), o.baseAddress, Int32(o.count))
            }
        }
    }

    /// Numbers from the model's manifest at a dotted key, e.g. "window" or "output_transform.scale".
    public static func modelFloats(_ model: StaticString, _ key: StaticString, capacity: Int = 64) -> [Float]? {
        var out = [Float](repeating: 0, count: capacity)
        let n = out.withUnsafeMutableBufferPointer { o in
            ledge_model_floats(model.utf8Start, Int32(model.utf8CodeUnitCount), key.utf8Start, Int32(key.utf8CodeUnitCount),
                               o.baseAddress, Int32(o.count))
        }
        guard n >= 0 else { return nil }
        return Array(out[0..<Int(n)])
    }

    /// The model's input features read from a JSON event and normalised as its manifest says, into `out`.
    public static func modelFeatures(_ model: StaticString, _ event: Event, into out: UnsafeMutableBufferPointer<Float>) -> Int32 {
        ledge_model_features(model.utf8Start, Int32(model.utf8CodeUnitCount), event.payload.baseAddress,
                             Int32(event.payload.count), out.baseAddress, Int32(out.count))
    }

    // Key-value store (the function's own namespace in the node's SQLite database).

    @discardableResult
    public static func kvSet(_ key: [UInt8], _ value: [UInt8]) -> Int32 {
        key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { v in
            ledge_kv_set(k.baseAddress, Int32(k.count), v.baseAddress, Int32(v.count)) } }
    }

    public static func kvGet(_ key: [UInt8], capacity: Int = 1024) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: capacity)
        let n = key.withUnsafeBufferPointer { k in buf.withUnsafeMutableBufferPointer { b in
            ledge_kv_get(k.baseAddress, Int32(k.count), b.baseAddress, Int32(b.count)) } }
        guard n >= 0 else { return nil }
        return Array(buf[0..<Int(n)])
    }

    @discardableResult
    public static func kvDelete(_ key: [UInt8]) -> Int32 {
        key.withUnsafeBufferPointer { k in ledge_kv_delete(k.baseAddress, Int32(k.count)) }
    }
}

// MARK: Text helpers (Embedded Swift has no float printing or parsing)

/// A growable byte buffer for building topics and JSON payloads without Foundation.
public struct Text {
    public var bytes: [UInt8] = []
    public init() { bytes.reserveCapacity(128) }
    public init(_ s: StaticString) { bytes = Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }

    public mutating func append(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    public mutating func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
    public mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func append(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var v = n.magnitude
        var digits: [UInt8] = []
        repeat { digits.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 } while v > 0
        bytes.append(contentsOf: digits.reversed())
    }

    /// Appends `x` with `decimals` digits after the point (rounded half away from zero).
    public mutating func append(_ x: Double, decimals: Int) {
        guard x.isFinite else { append("null"); return }
        var scale: Double = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (x.magnitude * scale).rounded()
        if x < 0 && scaled > 0 { bytes.append(UInt8(ascii: "-")) }
        let whole = Int(scaled / scale)
        append(whole)
        if decimals > 0 {
            bytes.append(UInt8(ascii: "."))
            var frac = Int(scaled - Double(whole) * scale)
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: decimals)
            var i = decimals - 1
            while i >= 0 { digits[i] = UInt8(ascii: "0") + UInt8(frac % 10); frac /= 10; i -= 1 }
            bytes.append(contentsOf: digits)
        }
    }
}

/// Parses decimal text ("-12.5", "20") into a Double; nil when it is not one.
public func parseDecimal(_ s: [UInt8]) -> Double? {
    var i = 0
    var negative = false
    if i < s.count, s[i] == UInt8(ascii: "-") { negative = true; i += 1 }
    var value: Double = 0
    var digits = 0
    while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") {
        value = value * 10 + Double(s[i] - UInt8(ascii: "0")); i += 1; digits += 1
    }
    if i < s.count, s[i] == UInt8(ascii: ".") {
        i += 1
        var scale: Double = 0.1
        while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") {
            value += Double(s[i] - UInt8(ascii: "0")) * scale; scale /= 10; i += 1; digits += 1
        }
    }
    guard digits > 0, i == s.count else { return nil }
    return negative ? -value : value
}
