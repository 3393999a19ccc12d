// The public model: load a TFLite int8 model, plan it once, then run it with no allocation per inference.
import CLedgeKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded, planned int8 TFLite model. One per thread; not used concurrently.
public final class Model {
    let file: ModelFile
    let plan: Plan
    let arena: UnsafeMutableRawPointer
    let inputTensors: [FileTensor]
    let outputTensors: [FileTensor]
    let inputOffsets: [Int]
    let outputOffsets: [Int]

    /// Where each input/output lives in the arena and how it converts, precomputed for the hot path.
    struct IOSlot { let offset: Int, count: Int, bytes: Int, isFloat: Bool, scale: Float, zeroPoint: Int32 }
    let inputIO: [IOSlot]
    let outputIO: [IOSlot]

    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    /// Total elements over all inputs (the length `predict` expects).
    public let inputCount: Int
    /// Total elements over all outputs.
    public let outputCount: Int
    /// Bytes of the activation arena planned at load time.
    public var arenaBytes: Int { plan.arenaBytes }
    /// Multiply-accumulates per inference.
    public let macs: Int
    /// The int8 kernel path this model's weights were packed for ("portable", "avx2", "avx512vnni", "neon",
    /// "neondot"): the best this CPU supports, unless `Model.selectKernelPath` chose another before loading.
    public var kernelPath: String { String(cString: ledge_kernels_path_name(path)) }
    let path: Int32
    /// Operator names in execution order.
    public var operatorNames: [String] { plan.opNames }

    public convenience init(path: String) throws(ModelError) {
        try self.init(bytes: try Model.readFile(path))
    }

    public convenience init(bytes: [UInt8]) throws(ModelError) {
        try self.init(bytes: bytes, separateTensors: false)
    }

    /// `separateTensors` gives every activation its own arena space (no reuse), so that all of them can
    /// be read after a run (debugging against another runtime's intermediate tensors).
    public init(bytes: [UInt8], separateTensors: Bool) throws(ModelError) {
        let file = try ModelFile(bytes: bytes)
        guard !file.inputs.isEmpty, !file.outputs.isEmpty else { throw ModelError("model has no inputs or no outputs") }
        let path = Int32(ledge_kernels_current())
        let plan = try Planner.plan(file, path: path, separate: separateTensors)
        self.path = path
        self.file = file
        self.plan = plan
        arena = UnsafeMutableRawPointer.allocate(byteCount: plan.arenaBytes, alignment: 64)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: plan.arenaBytes)
        func io(_ list: [Int], _ role: String) throws(ModelError) -> ([FileTensor], [Int], [TensorInfo]) {
            var ts: [FileTensor] = [], offs: [Int] = [], infos: [TensorInfo] = []
            for i in list {
                let t = file.tensors[i]
                guard t.type == .int8 || t.type == .float32 else {
                    throw ModelError(offset: t.fileOffset, "\(role) '\(t.name)' is \(t.type); int8 or float32 expected")
                }
                guard let o = plan.offsets[i] else {
                    throw ModelError(offset: t.fileOffset, "\(role) '\(t.name)' is a constant")
                }
                ts.append(t); offs.append(o)
                infos.append(TensorInfo(name: t.name, shape: t.shape, type: t.type, scale: t.scale, zeroPoint: t.zeroPoint))
            }
            return (ts, offs, infos)
        }
        (inputTensors, inputOffsets, inputs) = try io(file.inputs, "input")
        (outputTensors, outputOffsets, outputs) = try io(file.outputs, "output")
        for t in inputTensors + outputTensors where t.type == .int8 && !(t.scale > 0) {
            throw ModelError(offset: t.fileOffset, "int8 model input/output '\(t.name)' has no quantization scale")
        }
        func ioSlots(_ ts: [FileTensor], _ offs: [Int]) -> [IOSlot] {
            (0..<ts.count).map { k in
                IOSlot(offset: offs[k], count: ts[k].elementCount, bytes: ts[k].elementCount * (ts[k].type.byteSize ?? 0),
                       isFloat: ts[k].type == .float32, scale: ts[k].scale, zeroPoint: ts[k].zeroPoint)
            }
        }
        inputIO = ioSlots(inputTensors, inputOffsets)
        outputIO = ioSlots(outputTensors, outputOffsets)
        inputBytes = inputIO.reduce(0) { $0 + $1.bytes }
        outputBytes = outputIO.reduce(0) { $0 + $1.bytes }
        inputCount = inputs.reduce(0) { $0 + $1.elementCount }
        outputCount = outputs.reduce(0) { $0 + $1.elementCount }
        macs = plan.kernels.reduce(0) { $0 + $1.macs }
    }

    deinit { arena.deallocate() }

    static func readFile(_ path: String) throws(ModelError) -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw ModelError("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count {
                if ferror(f) != 0 { throw ModelError("cannot read '\(path)'") }
                break
            }
            if bytes.count > 1 << 30 { throw ModelError("'\(path)' is larger than 1 GiB") }
        }
        return bytes
    }

    /// Runs the kernels on whatever the inputs hold. Index loops only: iterating an array with for-in
    /// goes through a generic iterator that allocates in unoptimized builds.
    @inline(__always) func execute() {
        let kernels = plan.kernels
        var i = 0
        while i < kernels.count { kernels[i].run(arena); i += 1 }
    }

    /// Float in, float out: each input quantized with its tensor's scale and zero point (or copied when
    /// the model takes float32), each output dequantized (or copied). No allocation.
    public func predict(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws(ModelError) {
        guard input.count == inputCount else {
            throw ModelError("input has \(input.count) values; the model takes \(inputCount)")
        }
        guard output.count >= outputCount else {
            throw ModelError("output buffer holds \(output.count) values; the model produces \(outputCount)")
        }
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        var pos = 0
        for k in 0..<inputIO.count {
            let t = inputIO[k], base = arena + t.offset
            if t.isFloat {
                base.assumingMemoryBound(to: Float.self).update(from: src + pos, count: t.count)
            } else {
                let q = base.assumingMemoryBound(to: Int8.self)
                for i in 0..<t.count { q[i] = quantizeToInt8(src[pos + i], scale: t.scale, zeroPoint: t.zeroPoint) }
            }
            pos += t.count
        }
        execute()
        pos = 0
        for k in 0..<outputIO.count {
            let t = outputIO[k], base = arena + t.offset
            if t.isFloat {
                (dst + pos).update(from: base.assumingMemoryBound(to: Float.self), count: t.count)
            } else {
                let q = base.assumingMemoryBound(to: Int8.self)
                for i in 0..<t.count { dst[pos + i] = dequantizeInt8(q[i], scale: t.scale, zeroPoint: t.zeroPoint) }
            }
            pos += t.count
        }
    }

    /// Convenience: allocates the output array.
    public func predict(_ input: [Float]) throws(ModelError) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        var failure: ModelError? = nil
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                do throws(ModelError) { try predict(i, into: o) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// Bytes of all inputs (or outputs) in their own types (int8: 1 byte, float32: 4), concatenated.
    public let inputBytes: Int
    public let outputBytes: Int

    /// Raw in/out: the input tensors' bytes in their own types (int8, or float32 for models with
    /// QUANTIZE/DEQUANTIZE inside), concatenated; the same for outputs. This is what goldens hold.
    public func invokeRaw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ModelError) {
        guard input.count == inputBytes else { throw ModelError("raw input has \(input.count) bytes; the model takes \(inputBytes)") }
        guard output.count >= outputBytes else { throw ModelError("raw output buffer has \(output.count) bytes; the model produces \(outputBytes)") }
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        var pos = 0
        for k in 0..<inputIO.count {
            let t = inputIO[k]
            (arena + t.offset).copyMemory(from: src + pos, byteCount: t.bytes)
            pos += t.bytes
        }
        execute()
        pos = 0
        for k in 0..<outputIO.count {
            let t = outputIO[k]
            (dst + pos).copyMemory(from: arena + t.offset, byteCount: t.bytes)
            pos += t.bytes
        }
    }

    /// Raw int8 in/out for full-integer models (every input and output is int8).
    public func invokeQuantized(_ input: UnsafeBufferPointer<Int8>, into output: UnsafeMutableBufferPointer<Int8>) throws(ModelError) {
        guard inputTensors.allSatisfy({ $0.type == .int8 }), outputTensors.allSatisfy({ $0.type == .int8 }) else {
            throw ModelError("invokeQuantized needs int8 inputs and outputs; this model has float32 ones (use invokeRaw)")
        }
        try invokeRaw(UnsafeRawBufferPointer(input), into: UnsafeMutableRawBufferPointer(output))
    }

    /// Convenience for raw bytes.
    public func invokeRaw(_ input: [UInt8]) throws(ModelError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputBytes)
        var failure: ModelError? = nil
        input.withUnsafeBytes { i in
            out.withUnsafeMutableBytes { o in
                do throws(ModelError) { try invokeRaw(i, into: o) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return out
    }
}
