// Bounds-checked cursor over module bytes: LEB128 integers, floats, names, with precise malformed errors.

struct ByteReader {
    let bytes: [UInt8]
    var pos: Int
    var end: Int
    var section: String?

    init(_ bytes: [UInt8], start: Int = 0, end: Int? = nil, section: String? = nil) {
        self.bytes = bytes
        self.pos = start
        self.end = end ?? bytes.count
        self.section = section
    }

    var atEnd: Bool { pos >= end }

    func malformed(_ message: String, at offset: Int? = nil) -> WasmError {
        WasmError(kind: .malformed, section: section, offset: offset ?? pos, message: message)
    }

    mutating func byte() throws(WasmError) -> UInt8 {
        guard pos < end else { throw malformed(section == nil || section == "code" ? "unexpected end" : "unexpected end of section or function") }
        let b = bytes[pos]
        pos += 1
        return b
    }

    mutating func u32() throws(WasmError) -> UInt32 {
        let start = pos
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let b = try byte()
            if shift == 28 {
                if b & 0x80 != 0 { throw malformed("integer representation too long", at: start) }
                if b & 0x70 != 0 { throw malformed("integer too large", at: start) }
            }
            result |= UInt32(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func s32() throws(WasmError) -> Int32 {
        Int32(truncatingIfNeeded: try signed(bits: 32))
    }

    mutating func s64() throws(WasmError) -> Int64 {
        try signed(bits: 64)
    }

    mutating func s33() throws(WasmError) -> Int64 {
        try signed(bits: 33)
    }

    /// Signed LEB128 of at most `bits` bits; unused bits of the last byte must be sign bits.
    mutating func signed(bits: Int) throws(WasmError) -> Int64 {
        let start = pos
        let maxBytes = (bits + 6) / 7
        var result: Int64 = 0
        var shift = 0
        var count = 0
        while true {
            let b = try byte()
            count += 1
            if count == maxBytes {
                if b & 0x80 != 0 { throw malformed("integer representation too long", at: start) }
                // The sign bit and every unused bit above it must agree.
                let used = bits - shift
                let mask = UInt8((0x7F >> (used - 1)) << (used - 1)) & 0x7F
                let high = b & mask
                if high != 0 && high != mask { throw malformed("integer too large", at: start) }
            }
            result |= Int64(b & 0x7F) << shift
            shift += 7
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 { result |= -1 << shift }
                return result
            }
        }
    }

    mutating func u64Fixed() throws(WasmError) -> UInt64 {
        guard end - pos >= 8 else { pos = end; throw malformed("unexpected end") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * i) }
        pos += 8
        return v
    }

    mutating func u32Fixed() throws(WasmError) -> UInt32 {
        guard end - pos >= 4 else { pos = end; throw malformed("unexpected end") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * i) }
        pos += 4
        return v
    }

    mutating func take(_ n: Int) throws(WasmError) -> ArraySlice<UInt8> {
        guard n >= 0, end - pos >= n else { throw malformed("unexpected end of section or function") }
        let s = bytes[pos..<(pos + n)]
        pos += n
        return s
    }

    mutating func name() throws(WasmError) -> String {
        let start = pos
        let n = Int(try u32())
        guard end - pos >= n else { throw malformed("unexpected end of section or function") }
        let s = bytes[pos..<(pos + n)]
        pos += n
        guard let str = validUTF8(s) else { throw malformed("malformed UTF-8 encoding", at: start) }
        return str
    }

    private func validUTF8(_ s: ArraySlice<UInt8>) -> String? {
        var i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            var need = 0
            var min: UInt32 = 0
            var cp: UInt32
            if b < 0x80 { i += 1; continue }
            else if b & 0xE0 == 0xC0 { need = 1; cp = UInt32(b & 0x1F); min = 0x80 }
            else if b & 0xF0 == 0xE0 { need = 2; cp = UInt32(b & 0x0F); min = 0x800 }
            else if b & 0xF8 == 0xF0 { need = 3; cp = UInt32(b & 0x07); min = 0x10000 }
            else { return nil }
            guard s.endIndex - i > need else { return nil }
            for k in 1...need {
                let c = s[i + k]
                guard c & 0xC0 == 0x80 else { return nil }
                cp = (cp << 6) | UInt32(c & 0x3F)
            }
            if cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) { return nil }
            i += need + 1
        }
        return String(decoding: s, as: UTF8.self)
    }
}
