// Golden vectors: a model folder with golden/inputs.bin and golden/outputs.bin (written by
// tools/make-goldens with LiteRT's reference kernels), and the bit-exact comparison against them.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of checking one model against its goldens.
public struct GoldenResult: Sendable {
    public let modelPath: String
    public let samples: Int
    /// Output values compared (samples × output elements).
    public let total: Int
    /// Values equal bit for bit.
    public let exact: Int
    /// Largest difference in quantized steps (int8) or ULP-free absolute difference (float32).
    public let maxDifference: Double
    /// A few mismatches: (sample, output value index, expected, got).
    public let mismatches: [(sample: Int, index: Int, expected: Double, got: Double)]

    public var passed: Bool { exact == total && total > 0 }
}

public enum Golden {
    /// Model folders under `path`: the folder itself if it holds model.tflite and golden/, else every
    /// such folder beneath it (sorted).
    public static func modelFolders(under path: String) -> [String] {
        if isFile(path + "/model.tflite") && isFile(path + "/golden/inputs.bin") { return [path] }
        var found: [String] = []
        for name in listDirectory(path).sorted() where !name.hasPrefix(".") {
            let sub = path + "/" + name
            if isDirectory(sub) { found += modelFolders(under: sub) }
        }
        return found
    }

    /// Runs the model in `folder` on every golden input and compares its outputs bit for bit.
    public static func verify(folder: String) throws(ModelError) -> GoldenResult {
        let modelPath = folder + "/model.tflite"
        let model = try Model(path: modelPath)
        let inputs = try Model.readFile(folder + "/golden/inputs.bin")
        let expected = try Model.readFile(folder + "/golden/outputs.bin")
        let inBytes = model.inputBytes, outBytes = model.outputBytes
        guard inBytes > 0, inputs.count % inBytes == 0, !inputs.isEmpty else {
            throw ModelError("\(folder)/golden/inputs.bin has \(inputs.count) bytes, not a multiple of the model's \(inBytes) input bytes")
        }
        let samples = inputs.count / inBytes
        guard expected.count == samples * outBytes else {
            throw ModelError("\(folder)/golden/outputs.bin has \(expected.count) bytes; \(samples) samples need \(samples * outBytes)")
        }
        // Element types of the concatenated output bytes.
        var kinds: [ElementType] = []
        for o in model.outputs { kinds += Array(repeating: o.type, count: o.elementCount) }
        var got = [UInt8](repeating: 0, count: outBytes)
        var exact = 0, total = 0, maxDiff = 0.0
        var mismatches: [(Int, Int, Double, Double)] = []
        for s in 0..<samples {
            var failure: ModelError? = nil
            inputs.withUnsafeBytes { all in
                let slice = UnsafeRawBufferPointer(rebasing: all[(s * inBytes)..<((s + 1) * inBytes)])
                got.withUnsafeMutableBytes { o in
                    do throws(ModelError) { try model.invokeRaw(slice, into: o) } catch { failure = error }
                }
            }
            if let failure { throw failure }
            var pos = 0
            for (i, kind) in kinds.enumerated() {
                let base = s * outBytes + pos
                let e: Double, g: Double, same: Bool
                if kind == .float32 {
                    let eb = le32(expected, base), gb = le32(got, pos)
                    same = eb == gb
                    e = Double(Float(bitPattern: eb)); g = Double(Float(bitPattern: gb))
                    pos += 4
                } else {
                    same = expected[base] == got[pos]
                    e = Double(Int8(bitPattern: expected[base])); g = Double(Int8(bitPattern: got[pos]))
                    pos += 1
                }
                total += 1
                if same { exact += 1 } else {
                    maxDiff = max(maxDiff, abs(e - g))
                    if mismatches.count < 8 { mismatches.append((s, i, e, g)) }
                }
            }
        }
        return GoldenResult(modelPath: modelPath, samples: samples, total: total, exact: exact,
                            maxDifference: maxDiff, mismatches: mismatches)
    }

    static func le32(_ b: [UInt8], _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    static func isFile(_ p: String) -> Bool {
        var st = stat()
        return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func isDirectory(_ p: String) -> Bool {
        var st = stat()
        return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func listDirectory(_ p: String) -> [String] {
        guard let d = opendir(p) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
