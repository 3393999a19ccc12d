// The kernel protocol every planned operator implements, and the constant-data store kernels own.

/// One planned operator: reads and writes tensors at fixed arena offsets; never allocates in `run`.
protocol Kernel: AnyObject {
    /// Runs the operator on the arena.
    func run(_ arena: UnsafeMutableRawPointer)
    /// Multiply-accumulates per run (0 for data movement).
    var macs: Int { get }
}

/// An owned, aligned buffer of `count` elements allocated at load time and freed with its owner.
final class Owned<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(_ values: [T]) {
        count = values.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: 64)
        pointer = raw.bindMemory(to: T.self, capacity: max(count, 1))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    init(repeating v: T, count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: 64)
        pointer = raw.bindMemory(to: T.self, capacity: max(count, 1))
        pointer.initialize(repeating: v, count: count)
    }

    deinit {
        pointer.deinitialize(count: count)
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}

/// Copies bytes between tensors (RESHAPE, SQUEEZE, EXPAND_DIMS, concatenation pieces).
final class CopyKernel: Kernel {
    let src: Int, dst: Int, bytes: Int
    init(src: Int, dst: Int, bytes: Int) { self.src = src; self.dst = dst; self.bytes = bytes }
    var macs: Int { 0 }
    func run(_ arena: UnsafeMutableRawPointer) {
        if src != dst { (arena + dst).copyMemory(from: arena + src, byteCount: bytes) }
    }
}

/// Writes constant bytes into an arena tensor (a constant operand of an element-wise op, copied once per run).
final class ConstantKernel: Kernel {
    let data: Owned<UInt8>, dst: Int
    init(data: [UInt8], dst: Int) { self.data = Owned(data); self.dst = dst }
    var macs: Int { 0 }
    func run(_ arena: UnsafeMutableRawPointer) {
        (arena + dst).copyMemory(from: data.pointer, byteCount: data.count)
    }
}

/// Any int8 → int8 function of one element, as a 256-entry table built at load time from the reference
/// arithmetic (RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, int8 QUANTIZE).
final class LookupKernel: Kernel {
    let table: Owned<Int8>
    let src: Int, dst: Int, count: Int
    init(table: [Int8], src: Int, dst: Int, count: Int) {
        self.table = Owned(table); self.src = src; self.dst = dst; self.count = count
    }
    var macs: Int { 0 }
    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + src).assumingMemoryBound(to: UInt8.self)
        let y = (arena + dst).assumingMemoryBound(to: Int8.self)
        let t = table.pointer
        for i in 0..<count { y[i] = t[Int(x[i])] }
    }

    /// Builds the table by evaluating `f` on every int8 value (table index = the value's bit pattern).
    static func table(_ f: (Int32) -> Int32) -> [Int8] {
        (0..<256).map { i in
            let v = Int32(Int8(bitPattern: UInt8(i)))
            return Int8(clamping: f(v))
        }
    }
}
