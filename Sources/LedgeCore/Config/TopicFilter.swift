// MQTT topic-name and topic-filter syntax and matching (MQTT 3.1.1 §4.7 / MQTT 5 §4.7).

public enum TopicFilter {
    /// A topic a message can be published to: non-empty, no wildcards, no NUL, at most 65,535 bytes.
    public static func isValidName(_ topic: String) -> Bool {
        let u = topic.utf8
        return !u.isEmpty && u.count <= 65_535 && !u.contains(UInt8(ascii: "+")) && !u.contains(UInt8(ascii: "#")) && !u.contains(0)
    }

    /// A filter: `+` only as a whole level, `#` only as the whole last level.
    public static func isValidFilter(_ filter: String) -> Bool {
        let u = Array(filter.utf8)
        guard !u.isEmpty, u.count <= 65_535, !u.contains(0) else { return false }
        let levels = u.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (i, level) in levels.enumerated() {
            if level.contains(UInt8(ascii: "#")) && (level.count != 1 || i != levels.count - 1) { return false }
            if level.contains(UInt8(ascii: "+")) && level.count != 1 { return false }
        }
        return true
    }

    /// True when `topic` matches `filter`. Filters starting with a wildcard do not match `$`-topics.
    public static func matches(filter: String, topic: String) -> Bool {
        var f = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).makeIterator()
        var t = topic.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).makeIterator()
        if topic.utf8.first == UInt8(ascii: "$"), let c = filter.utf8.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "#") {
            return false
        }
        while true {
            let fl = f.next()
            let tl = t.next()
            switch (fl, tl) {
            case (nil, nil): return true
            case (let fl?, _) where fl.count == 1 && fl.first == UInt8(ascii: "#"): return true
            case (let fl?, _?) where fl.count == 1 && fl.first == UInt8(ascii: "+"): continue
            case (let fl?, let tl?): if !fl.elementsEqual(tl) { return false }
            default: return false
            }
        }
    }
}
