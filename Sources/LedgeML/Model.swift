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
    /// The int8 kernel path chosen for this CPU ("portable", "avx2", "avx512vnni", "neon", "neondot").
    public var kernelPath: String { String(cString: ledge_kernels_path()) }
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
        let plan = try Planner.plan(file, separate: separateTensors)
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

    /// Runs the kernels on whatever the inputs hold.
    @inline(__always) func execute() {
        for k in plan.kernels { k.run(arena) }
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
        for (k, t) in inputTensors.enumerated() {
            let n = t.elementCount, base = arena + inputOffsets[k]
            if t.type == .float32 {
                base.assumingMemoryBound(to: Float.self).update(from: src + pos, count: n)
            } else {
                let q = base.assumingMemoryBound(to: Int8.self)
                let s = t.scale, z = t.zeroPoint
                for i in 0..<n { q[i] = quantizeToInt8(src[pos + i], scale: s, zeroPoint: z) }
            }
            pos += n
        }
        execute()
        pos = 0
        for (k, t) in outputTensors.enumerated() {
            let n = t.elementCount, base = arena + outputOffsets[k]
            if t.type == .float32 {
                (dst + pos).update(from: base.assumingMemoryBound(to: Float.self), count: n)
            } else {
                let q = base.assumingMemoryBound(to: Int8.self)
                let s = t.scale, z = t.zeroPoint
                for i in 0..<n { dst[pos + i] = dequantizeInt8(q[i], scale: s, zeroPoint: z) }
            }
            pos += n
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
    public var inputBytes: Int { inputTensors.reduce(0) { $0 + $1.elementCount * ($1.type.byteSize ?? 0) } }
    public var outputBytes: Int { outputTensors.reduce(0) { $0 + $1.elementCount * ($1.type.byteSize ?? 0) } }

    /// Raw in/out: the input tensors' bytes in their own types (int8, or float32 for models with
    /// QUANTIZE/DEQUANTIZE inside), concatenated; the same for outputs. This is what goldens hold.
    public func invokeRaw(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ModelError) {
        guard input.count == inputBytes else { throw ModelError("raw input has \(input.count) bytes; the model takes \(inputBytes)") }
        guard output.count >= outputBytes else { throw ModelError("raw output buffer has \(output.count) bytes; the model produces \(outputBytes)") }
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        var pos = 0
        for (k, t) in inputTensors.enumerated() {
            let n = t.elementCount * (t.type.byteSize ?? 0)
            (arena + inputOffsets[k]).copyMemory(from: src + pos, byteCount: n)
            pos += n
        }
        execute()
        pos = 0
        for (k, t) in outputTensors.enumerated() {
            let n = t.elementCount * (t.type.byteSize ?? 0)
            (dst + pos).copyMemory(from: arena + outputOffsets[k], byteCount: n)
            pos += n
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
