// OutboxBatch: appends waiting for their commit, packed in one reusable byte buffer (no per-append allocation).

/// Uncommitted appends: topics and payloads packed back to back in `bytes`, described by `entries`.
/// Two batches are swapped between appenders and the committer, so capacity is reused.
struct OutboxBatch {
    struct Entry {
        var offset: Int
        var topicLength: Int
        var payloadLength: Int
        var qos: Int32
        var retain: Bool
        var createdMs: Int64
        var seq: UInt64
        var size: Int { topicLength + payloadLength }
    }
    var bytes: [UInt8] = []
    var entries: [Entry] = []
    var byteCount = 0  // topic + payload bytes of all entries

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func reserve(entries n: Int, bytes b: Int) {
        entries.reserveCapacity(n)
        bytes.reserveCapacity(b)
    }

    mutating func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool, createdMs: Int64, seq: UInt64) {
        let offset = bytes.count
        bytes.append(contentsOf: topic)
        bytes.append(0)  // NUL keeps the topic usable as a C string if ever needed
        bytes.append(contentsOf: payload)
        entries.append(Entry(offset: offset, topicLength: topic.count, payloadLength: payload.count, qos: qos, retain: retain, createdMs: createdMs, seq: seq))
        byteCount += topic.count + payload.count
    }

    /// Appends another batch's entries after this one's (used to retry a failed commit).
    mutating func append(contentsOf other: OutboxBatch) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        for var e in other.entries {
            e.offset += base
            entries.append(e)
        }
        byteCount += other.byteCount
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        byteCount = 0
    }
}

/// Checks topic bytes the way `isValidTopicName` checks a String, plus UTF-8 validity.
/// Returns nil when valid, or why not.
func topicProblem(_ t: UnsafeRawBufferPointer) -> String? {
    if t.isEmpty { return "topic is empty" }
    if t.count > 65535 { return "topic is \(t.count) bytes, more than 65535" }
    var i = 0
    while i < t.count {
        let b = t[i]
        if b == UInt8(ascii: "+") || b == UInt8(ascii: "#") { return "topic contains a wildcard ('+' or '#') at byte \(i)" }
        if b == 0 { return "topic contains a NUL byte at byte \(i)" }
        if b < 0x80 { i += 1; continue }
        // Multi-byte UTF-8 sequence: lead byte, then continuation bytes; reject overlongs and surrogates.
        let n: Int
        var cp: UInt32
        if b & 0xE0 == 0xC0 { n = 2; cp = UInt32(b & 0x1F) } else if b & 0xF0 == 0xE0 { n = 3; cp = UInt32(b & 0x0F) } else if b & 0xF8 == 0xF0 { n = 4; cp = UInt32(b & 0x07) } else {
            return "topic is not valid UTF-8 at byte \(i)"
        }
        if i + n > t.count { return "topic is not valid UTF-8 at byte \(i) (truncated sequence)" }
        for k in 1..<n {
            let c = t[i + k]
            if c & 0xC0 != 0x80 { return "topic is not valid UTF-8 at byte \(i + k)" }
            cp = cp << 6 | UInt32(c & 0x3F)
        }
        let minimum: UInt32 = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000
        if cp < minimum || cp > 0x10FFFF || (0xD800...0xDFFF).contains(cp) { return "topic is not valid UTF-8 at byte \(i)" }
        i += n
    }
    return nil
}
