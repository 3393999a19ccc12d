// Checked access to the calling instance's memory for one host call: every pointer/length pair is checked
// against the memory's current size, and a bad one traps naming the call and the argument.
import LedgeWasm

struct GuestMemory {
    let memory: Memory
    /// The host call, as the trap reason names it (`ledge.publish`).
    let call: StaticString

    init(_ host: inout HostCall, _ call: StaticString) throws(Trap) {
        self.call = call
        do {
            memory = try host.memory
        } catch {
            throw Trap(.host("out-of-bounds pointer: ledge.\(call) was called by a module without memory"))
        }
    }

    /// The trap for `[ptr, ptr+len)` outside memory.
    func outOfBounds(_ arg: StaticString, _ ptr: UInt32, _ len: UInt64) -> Trap {
        Trap(.host("out-of-bounds pointer: ledge.\(call) \(arg) [0x\(String(ptr, radix: 16)), +\(len)) is outside the instance's memory (\(memory.byteCount) bytes)"))
    }

    /// `len` bytes at `ptr`, read-only.
    func bytes(_ arg: StaticString, _ ptr: UInt32, _ len: UInt64) throws(Trap) -> UnsafeRawBufferPointer {
        guard len <= UInt64(UInt32.max), UInt64(ptr) &+ len <= UInt64(memory.byteCount) else { throw outOfBounds(arg, ptr, len) }
        return try memory.bytes(at: ptr, count: UInt32(len))
    }

    /// `len` bytes at `ptr`, writable.
    func mutableBytes(_ arg: StaticString, _ ptr: UInt32, _ len: UInt64) throws(Trap) -> UnsafeMutableRawBufferPointer {
        guard len <= UInt64(UInt32.max), UInt64(ptr) &+ len <= UInt64(memory.byteCount) else { throw outOfBounds(arg, ptr, len) }
        return try memory.mutableBytes(at: ptr, count: UInt32(len))
    }
}
