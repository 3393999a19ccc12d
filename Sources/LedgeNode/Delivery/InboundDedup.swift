// InboundDedup: optional de-duplication of incoming events by a message id made of JSON fields, so a
// redelivery (QoS 1 is at least once) does not run the functions twice. Off unless configured.

/// Remembers the ids of the last `window` events (a 64-bit hash of topic + id field values) and says
/// whether an event was seen already. The id fields are top-level JSON keys of the payload (first
/// occurrence of `"key":`); their raw value text is the id. An event without every id field is never
/// treated as a duplicate. Hash collisions (1 in 2^64 per pair) would drop an event; the window bounds
/// memory (16 bytes per id). Used from the MQTT thread only.
public final class InboundDedup {
    public let fields: [[UInt8]]
    public let window: Int
    private var seen: Set<UInt64> = []
    private var ring: [UInt64]
    private var next = 0
    /// Duplicates dropped so far.
    public private(set) var duplicates = 0

    public init(fields: [String], window: Int) {
        self.fields = fields.map { Array("\"\($0)\"".utf8) }
        self.window = max(1, window)
        ring = Array(repeating: 0, count: self.window)
        seen.reserveCapacity(self.window)
    }

    /// True when an event with the same topic and id was seen within the window (and counts it);
    /// otherwise remembers it and returns false.
    public func isDuplicate(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Bool {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        for b in topic { mix(b) }
        for f in fields {
            guard let v = Self.value(of: f, in: payload) else { return false }
            mix(0)
            for i in v { mix(payload[i]) }
        }
        if h == 0 { h = 1 }  // 0 marks an empty ring slot
        if seen.contains(h) {
            duplicates += 1
            return true
        }
        let old = ring[next]
        if old != 0 { seen.remove(old) }
        ring[next] = h
        next = (next + 1) % window
        seen.insert(h)
        return false
    }

    /// The byte range of the value after the first `"key":` (spaces skipped), up to `,`, `}` or the end;
    /// a string value runs to its closing quote.
    static func value(of key: [UInt8], in p: UnsafeRawBufferPointer) -> Range<Int>? {
        let n = p.count, k = key.count
        guard k > 0, n > k else { return nil }
        var i = 0
        outer: while i + k <= n {
            for j in 0..<k where p[i + j] != key[j] { i += 1; continue outer }
            var s = i + k
            while s < n && p[s] == UInt8(ascii: " ") { s += 1 }
            guard s < n, p[s] == UInt8(ascii: ":") else { i += 1; continue }
            s += 1
            while s < n && p[s] == UInt8(ascii: " ") { s += 1 }
            guard s < n else { return nil }
            var e = s
            if p[s] == UInt8(ascii: "\"") {
                e += 1
                while e < n && p[e] != UInt8(ascii: "\"") { e += p[e] == UInt8(ascii: "\\") ? 2 : 1 }
                return s..<min(n, e + 1)
            }
            while e < n && p[e] != UInt8(ascii: ",") && p[e] != UInt8(ascii: "}") && p[e] != UInt8(ascii: " ") { e += 1 }
            return e > s ? s..<e : nil
        }
        return nil
    }
}
