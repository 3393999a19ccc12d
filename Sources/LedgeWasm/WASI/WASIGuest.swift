// Bounds-checked access to the calling instance's memory for the WASI functions: a bad pointer is a fault.

/// A guest address range outside memory (or no memory at all): the call answers `fault`.
struct WASIFault: Error {}

/// The caller's linear memory, seen through checked little-endian loads and stores.
struct WASIGuest {
    let memory: Memory

    init(_ call: HostCall) throws(WASIFault) {
        do { memory = try call.memory } catch { throw WASIFault() }
    }

    /// `base + index * stride` without wrapping past 4 GiB.
    static func offset(_ base: UInt32, _ index: UInt32, stride: UInt32) throws(WASIFault) -> UInt32 {
        let (scaled, o1) = index.multipliedReportingOverflow(by: stride)
        let (sum, o2) = base.addingReportingOverflow(scaled)
        guard !o1, !o2 else { throw WASIFault() }
        return sum
    }

    func bytes(_ address: UInt32, _ count: UInt32) throws(WASIFault) -> UnsafeRawBufferPointer {
        do { return try memory.bytes(at: address, count: count) } catch { throw WASIFault() }
    }

    func mutableBytes(_ address: UInt32, _ count: UInt32) throws(WASIFault) -> UnsafeMutableRawBufferPointer {
        do { return try memory.mutableBytes(at: address, count: count) } catch { throw WASIFault() }
    }

    func loadU32(_ address: UInt32) throws(WASIFault) -> UInt32 {
        UInt32(littleEndian: try bytes(address, 4).loadUnaligned(as: UInt32.self))
    }

    func storeU32(_ address: UInt32, _ value: UInt32) throws(WASIFault) {
        try mutableBytes(address, 4).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    func storeU64(_ address: UInt32, _ value: UInt64) throws(WASIFault) {
        try mutableBytes(address, 8).storeBytes(of: value.littleEndian, as: UInt64.self)
    }
}
