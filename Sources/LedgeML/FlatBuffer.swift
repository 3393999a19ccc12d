// A minimal, bounds-checked FlatBuffers reader: tables through vtables, offsets, vectors, strings.
// Every read is checked against the buffer; a bad file gives ModelError with the byte offset, never a trap.

/// Read-only view of a FlatBuffers byte buffer. All positions are absolute byte offsets.
struct FlatBuffer {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    func check(_ pos: Int, _ size: Int, _ what: String) throws(ModelError) {
        guard pos >= 0, size >= 0, pos <= bytes.count, size <= bytes.count - pos else {
            throw ModelError(offset: pos, "\(what): \(size) bytes at \(pos) run past the end of the \(bytes.count)-byte file")
        }
    }

    func u8(_ pos: Int, _ what: String) throws(ModelError) -> UInt8 {
        try check(pos, 1, what)
        return bytes[pos]
    }

    func u16(_ pos: Int, _ what: String) throws(ModelError) -> UInt16 {
        try check(pos, 2, what)
        return UInt16(bytes[pos]) | UInt16(bytes[pos + 1]) << 8
    }

    func u32(_ pos: Int, _ what: String) throws(ModelError) -> UInt32 {
        try check(pos, 4, what)
        return UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
    }

    func i32(_ pos: Int, _ what: String) throws(ModelError) -> Int32 {
        Int32(bitPattern: try u32(pos, what))
    }

    func u64(_ pos: Int, _ what: String) throws(ModelError) -> UInt64 {
        let lo = UInt64(try u32(pos, what)), hi = UInt64(try u32(pos + 4, what))
        return lo | hi << 32
    }

    func f32(_ pos: Int, _ what: String) throws(ModelError) -> Float {
        Float(bitPattern: try u32(pos, what))
    }

    /// Follows a uoffset stored at `pos` to the position it points to.
    func indirect(_ pos: Int, _ what: String) throws(ModelError) -> Int {
        let off = Int(try u32(pos, what))
        let target = pos + off
        try check(target, 0, what)
        return target
    }

    /// The root table (the uoffset at byte 0).
    func root() throws(ModelError) -> FBTable {
        guard bytes.count >= 8 else { throw ModelError(offset: 0, "file is \(bytes.count) bytes, too short for a FlatBuffer") }
        return try table(at: try indirect(0, "root table offset"), "root table")
    }

    /// A table whose start is `pos`: reads and checks its vtable.
    func table(at pos: Int, _ what: String) throws(ModelError) -> FBTable {
        let soff = Int(try i32(pos, "\(what) vtable offset"))
        let vt = pos - soff
        guard vt >= 0, vt <= bytes.count - 4 else {
            throw ModelError(offset: pos, "\(what): vtable at \(vt) is outside the file")
        }
        let vtSize = Int(try u16(vt, "\(what) vtable size"))
        let tableSize = Int(try u16(vt + 2, "\(what) table size"))
        guard vtSize >= 4, vtSize % 2 == 0 else { throw ModelError(offset: vt, "\(what): vtable size \(vtSize) is invalid") }
        try check(vt, vtSize, "\(what) vtable")
        try check(pos, tableSize, "\(what) table")
        return FBTable(buffer: self, pos: pos, vtable: vt, vtableSize: vtSize, tableSize: tableSize, what: what)
    }
}

/// One table: fields are looked up by slot number (0-based field id in the schema).
struct FBTable {
    let buffer: FlatBuffer
    let pos: Int
    let vtable: Int
    let vtableSize: Int
    let tableSize: Int
    let what: String

    /// Absolute position of field `slot`, or nil when absent (default value).
    func field(_ slot: Int, size: Int) throws(ModelError) -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let off = Int(try buffer.u16(vtable + entry, "\(what) vtable entry"))
        if off == 0 { return nil }
        guard off + size <= tableSize else {
            throw ModelError(offset: pos + off, "\(what): field \(slot) at +\(off) runs past the table's \(tableSize) bytes")
        }
        return pos + off
    }

    func u8(_ slot: Int, _ def: UInt8 = 0) throws(ModelError) -> UInt8 {
        guard let p = try field(slot, size: 1) else { return def }
        return try buffer.u8(p, what)
    }

    func bool(_ slot: Int) throws(ModelError) -> Bool { try u8(slot) != 0 }

    func i32(_ slot: Int, _ def: Int32 = 0) throws(ModelError) -> Int32 {
        guard let p = try field(slot, size: 4) else { return def }
        return try buffer.i32(p, what)
    }

    func u32(_ slot: Int, _ def: UInt32 = 0) throws(ModelError) -> UInt32 {
        guard let p = try field(slot, size: 4) else { return def }
        return try buffer.u32(p, what)
    }

    func u64(_ slot: Int, _ def: UInt64 = 0) throws(ModelError) -> UInt64 {
        guard let p = try field(slot, size: 8) else { return def }
        return try buffer.u64(p, what)
    }

    func f32(_ slot: Int, _ def: Float = 0) throws(ModelError) -> Float {
        guard let p = try field(slot, size: 4) else { return def }
        return try buffer.f32(p, what)
    }

    /// A sub-table field, or nil.
    func table(_ slot: Int, _ name: String) throws(ModelError) -> FBTable? {
        guard let p = try field(slot, size: 4) else { return nil }
        return try buffer.table(at: try buffer.indirect(p, "\(what).\(name)"), "\(what).\(name)")
    }

    /// A vector field of `elementSize`-byte elements, or nil; its bytes are checked to lie in the file.
    func vector(_ slot: Int, elementSize: Int, _ name: String) throws(ModelError) -> FBVector? {
        guard let p = try field(slot, size: 4) else { return nil }
        let start = try buffer.indirect(p, "\(what).\(name)")
        let n = Int(try buffer.u32(start, "\(what).\(name) length"))
        guard n <= (buffer.count - start - 4) / max(elementSize, 1) else {
            throw ModelError(offset: start, "\(what).\(name): vector of \(n) elements runs past the end of the file")
        }
        return FBVector(buffer: buffer, start: start + 4, count: n, elementSize: elementSize, what: "\(what).\(name)")
    }

    func string(_ slot: Int, _ name: String) throws(ModelError) -> String? {
        guard let v = try vector(slot, elementSize: 1, name) else { return nil }
        return String(decoding: buffer.bytes[v.start..<(v.start + v.count)], as: UTF8.self)
    }

    /// A vector of int32 as [Int] (shapes, tensor indices).
    func ints(_ slot: Int, _ name: String) throws(ModelError) -> [Int]? {
        guard let v = try vector(slot, elementSize: 4, name) else { return nil }
        var out: [Int] = []
        out.reserveCapacity(v.count)
        for i in 0..<v.count { out.append(Int(try buffer.i32(v.start + 4 * i, v.what))) }
        return out
    }

    func floats(_ slot: Int, _ name: String) throws(ModelError) -> [Float]? {
        guard let v = try vector(slot, elementSize: 4, name) else { return nil }
        var out: [Float] = []
        out.reserveCapacity(v.count)
        for i in 0..<v.count { out.append(try buffer.f32(v.start + 4 * i, v.what)) }
        return out
    }

    func int64s(_ slot: Int, _ name: String) throws(ModelError) -> [Int64]? {
        guard let v = try vector(slot, elementSize: 8, name) else { return nil }
        var out: [Int64] = []
        out.reserveCapacity(v.count)
        for i in 0..<v.count { out.append(Int64(bitPattern: try buffer.u64(v.start + 8 * i, v.what))) }
        return out
    }

    /// A vector of tables.
    func tables(_ slot: Int, _ name: String) throws(ModelError) -> [FBTable] {
        guard let v = try vector(slot, elementSize: 4, name) else { return [] }
        var out: [FBTable] = []
        out.reserveCapacity(v.count)
        for i in 0..<v.count {
            let p = v.start + 4 * i
            out.append(try buffer.table(at: try buffer.indirect(p, v.what), "\(v.what)[\(i)]"))
        }
        return out
    }
}

/// A checked vector: `count` elements of `elementSize` bytes starting at `start`.
struct FBVector {
    let buffer: FlatBuffer
    let start: Int
    let count: Int
    let elementSize: Int
    let what: String
}
