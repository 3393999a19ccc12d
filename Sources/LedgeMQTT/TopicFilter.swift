// Topic names, topic filters and matching (MQTT 3.1.1 / 5 section 4.7), as pure functions.

/// Longest topic or filter MQTT can carry.
public let maxTopicBytes = 65535

/// True when `t` may be published to: 1...65535 bytes, no `+`, `#` or NUL.
public func isValidTopicName(_ t: String) -> Bool {
    var n = 0
    for b in t.utf8 {
        if b == UInt8(ascii: "+") || b == UInt8(ascii: "#") || b == 0 { return false }
        n += 1
    }
    return n > 0 && n <= maxTopicBytes
}

/// True when `f` is a valid subscription filter: `+` fills a whole level, `#` is a whole last level,
/// no NUL, 1...65535 bytes. `$share/<group>/<filter>` is accepted when the group has no wildcard or `/`
/// and the inner filter is valid.
public func isValidTopicFilter(_ f: String) -> Bool {
    let u = f.utf8
    if u.isEmpty || u.count > maxTopicBytes { return false }
    if let inner = sharedSubscriptionFilter(f) { return inner.isEmpty ? false : isValidFilterBytes(inner.utf8) }
    if f.hasPrefix("$share/") { return false }
    return isValidFilterBytes(Substring(f).utf8)
}

private func isValidFilterBytes(_ u: Substring.UTF8View) -> Bool {
    var prev: UInt8 = UInt8(ascii: "/")  // as if a separator came before the first byte
    var afterHash = false
    for b in u {
        if afterHash || b == 0 { return false }
        if b == UInt8(ascii: "+") || b == UInt8(ascii: "#") {
            if prev != UInt8(ascii: "/") { return false }
            if b == UInt8(ascii: "#") { afterHash = true }
        } else if prev == UInt8(ascii: "+") && b != UInt8(ascii: "/") {
            return false
        }
        prev = b
    }
    return true
}

/// For `$share/<group>/<filter>` the inner filter; nil for other filters or a malformed group.
public func sharedSubscriptionFilter(_ f: String) -> Substring? {
    guard f.hasPrefix("$share/") else { return nil }
    let rest = f.dropFirst(7)
    guard let slash = rest.firstIndex(of: "/") else { return nil }
    let group = rest[..<slash]
    if group.isEmpty || group.contains("+") || group.contains("#") { return nil }
    return rest[rest.index(after: slash)...]
}

/// True when `topic` matches `filter`. Wildcards: `+` one level (possibly empty), `#` this level
/// and everything below, including the parent (`a/#` matches `a`). Filters starting with a wildcard
/// never match topics starting with `$` (`$SYS/...`). A `$share/<group>/` prefix is ignored.
/// Invalid filters or topic names match nothing. No allocation.
public func topicMatches(filter: String, topic: String) -> Bool {
    if let inner = sharedSubscriptionFilter(filter) {
        return isValidTopicName(topic) && !inner.isEmpty && isValidFilterBytes(inner.utf8) && matchBytes(inner.utf8, Substring(topic).utf8)
    }
    guard isValidTopicFilter(filter), isValidTopicName(topic) else { return false }
    return matchBytes(Substring(filter).utf8, Substring(topic).utf8)
}

private func matchBytes(_ f: Substring.UTF8View, _ t: Substring.UTF8View) -> Bool {
    let slash = UInt8(ascii: "/"), plus = UInt8(ascii: "+"), hash = UInt8(ascii: "#")
    if let t0 = t.first, t0 == UInt8(ascii: "$"), let f0 = f.first, f0 == plus || f0 == hash { return false }
    var fi = f.startIndex, ti = t.startIndex
    while fi != f.endIndex {
        let fb = f[fi]
        if fb == hash { return true }  // matches the rest, including nothing
        if fb == plus {
            // Skip one topic level.
            while ti != t.endIndex && t[ti] != slash { ti = t.index(after: ti) }
            fi = f.index(after: fi)
        } else {
            // Compare one literal level.
            while fi != f.endIndex && f[fi] != slash {
                guard ti != t.endIndex, t[ti] == f[fi] else { return false }
                fi = f.index(after: fi); ti = t.index(after: ti)
            }
            if ti != t.endIndex && t[ti] != slash { return false }
        }
        // Both at a level end now.
        if fi == f.endIndex { return ti == t.endIndex }
        // Filter has a '/': step over it.
        fi = f.index(after: fi)
        if ti == t.endIndex {
            // Topic ended: only "/#" can still match (parent rule).
            return fi != f.endIndex && f[fi] == hash && f.index(after: fi) == f.endIndex
        }
        ti = t.index(after: ti)
    }
    return ti == t.endIndex
}
