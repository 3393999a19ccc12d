// Reads one top-level member of a JSON object straight from bytes, without building a tree or allocating.
// Used on the event path (the `json_number` host call) where payloads are small flat objects.

public enum JSONScan {
    /// The number stored under `key` in the top-level object of `json`, or nil when the key is absent,
    /// its value is not a number, or the text is not a JSON object.
    public static func number(in json: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> Double? {
        guard let range = valueRange(in: json, key: key) else { return nil }
        return parseNumber(UnsafeRawBufferPointer(rebasing: json[range]))
    }

    /// The byte range of the value of `key` in the top-level object, or nil.
    public static func valueRange(in json: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> Range<Int>? {
        var s = Scanner(b: json)
        s.space()
        guard s.take(UInt8(ascii: "{")) else { return nil }
        s.space()
        if s.take(UInt8(ascii: "}")) { return nil }
        while true {
            s.space()
            guard let k = s.stringRange() else { return nil }
            s.space()
            guard s.take(UInt8(ascii: ":")) else { return nil }
            s.space()
            let vStart = s.pos
            guard s.skipValue(depth: 0) else { return nil }
            let vEnd = s.pos
            if keyEquals(json, k, key) { return vStart..<vEnd }
            s.space()
            if s.take(UInt8(ascii: ",")) { continue }
            return nil
        }
    }

    private static func keyEquals(_ json: UnsafeRawBufferPointer, _ k: Range<Int>, _ key: UnsafeRawBufferPointer) -> Bool {
        guard k.count == key.count else { return false }
        var i = 0
        for j in k {
            if json[j] != key[i] { return false }
            i += 1
        }
        return true
    }

    /// Parses a JSON number from bytes (no allocation: digits are copied to a stack buffer for strtod).
    public static func parseNumber(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let n = bytes.count
        guard n > 0, n < 64 else { return nil }
        for c in bytes {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"): continue
            default: return nil
            }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf -> Double? in
            for i in 0..<n { buf[i] = CChar(bitPattern: bytes[i]) }
            buf[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end == buf.baseAddress! + n else { return nil }
            return v
        }
    }

    struct Scanner {
        let b: UnsafeRawBufferPointer
        var pos = 0

        mutating func space() {
            while pos < b.count, b[pos] == 0x20 || b[pos] == 0x0A || b[pos] == 0x0D || b[pos] == 0x09 { pos += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            if pos < b.count, b[pos] == c { pos += 1; return true }
            return false
        }

        /// Skips a string and returns the range of its raw content (escapes left as they are).
        mutating func stringRange() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = pos
            while pos < b.count {
                let c = b[pos]
                if c == UInt8(ascii: "\\") { pos += 2; continue }
                if c == UInt8(ascii: "\"") { pos += 1; return start..<(pos - 1) }
                pos += 1
            }
            return nil
        }

        mutating func skipValue(depth: Int) -> Bool {
            guard depth < 64, pos < b.count else { return false }
            switch b[pos] {
            case UInt8(ascii: "\""): return stringRange() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = b[pos] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                pos += 1
                space()
                if take(close) { return true }
                while true {
                    space()
                    if isObject {
                        guard stringRange() != nil else { return false }
                        space()
                        guard take(UInt8(ascii: ":")) else { return false }
                        space()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    space()
                    if take(UInt8(ascii: ",")) { continue }
                    return take(close)
                }
            default:
                let start = pos
                while pos < b.count {
                    let c = b[pos]
                    if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20
                        || c == 0x0A || c == 0x0D || c == 0x09 { break }
                    pos += 1
                }
                return pos > start
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
