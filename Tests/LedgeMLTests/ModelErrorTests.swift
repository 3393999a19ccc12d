// Bad input never crashes: truncated, corrupted and non-TFLite files give ModelError with an offset and a
// reason; unsupported operators are named; wrong buffer sizes are rejected.
import Foundation
import LedgeML
import Testing

@Suite struct ModelErrorTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: ModelsDir.path(name) + "/model.tflite")))
    }

    @Test func everyTruncationFailsCleanly() throws {
        let full = try Self.bytes("conv1d_like")
        var failures = 0
        // Every length below 512 and a stride through the rest.
        for n in Array(0..<min(512, full.count)) + Array(stride(from: 512, to: full.count, by: 37)) {
            do {
                let m = try Model(bytes: Array(full.prefix(n)))
                _ = try m.predict([Float](repeating: 0.5, count: m.inputCount))
            } catch {
                failures += 1
                #expect(!error.message.isEmpty)
            }
        }
        #expect(failures > 500, "truncated files must be rejected")
    }

    @Test func truncationReportsOffset() throws {
        let full = try Self.bytes("fc_17_to_3")
        #expect(throws: ModelError.self) { try Model(bytes: Array(full.prefix(full.count / 2))) }
        do {
            _ = try Model(bytes: Array(full.prefix(full.count / 2)))
        } catch {
            #expect(error.offset != nil, "\(error)")
        }
    }

    /// Seeded random corruption: every mutant either loads and runs or throws; none crashes.
    @Test(arguments: ["conv_3x3_same_s2_17", "mlp_tanh_sigmoid", "concat_channels", "strided_slice"])
    func corruptedFilesNeverCrash(_ name: String) throws {
        let full = try Self.bytes(name)
        var rng = SplitMix(seed: 0x5eed ^ UInt64(full.count))
        var loaded = 0, rejected = 0
        for _ in 0..<150 {
            var b = full
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(b.count))
                b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let m = try Model(bytes: b)
                _ = try m.predict([Float](repeating: 0.25, count: m.inputCount))
                loaded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(loaded + rejected == 150)
    }

    @Test func shippedModelsExist() {
        #expect(!RealModels.folders.isEmpty, "no model.tflite under \(RealModels.root)")
    }

    /// The shipped models, truncated at many lengths and with one bit flipped at many offsets
    /// (deterministic): every variant loads and runs, or throws a ModelError with a reason; none crashes
    /// or hangs. Truncations must all be rejected (the root table and buffers reach the end of the file).
    @Test(arguments: RealModels.folders)
    func shippedModelTruncatedAndBitFlipped(_ dir: String) throws {
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/model.tflite")))
        let input = [Float](repeating: 0.5, count: try Model(bytes: full).inputCount)
        func attempt(_ b: [UInt8]) -> Bool {
            do {
                let m = try Model(bytes: b)
                if m.inputCount == input.count { _ = try m.predict(input) } else { _ = try m.predict([Float](repeating: 0, count: m.inputCount)) }
                return true
            } catch {
                #expect(!error.message.isEmpty)
                return false
            }
        }
        var truncatedLoaded = 0, truncations = 0
        let step = max(1, full.count / 400)
        for n in Array(0..<min(64, full.count)) + Array(stride(from: 64, to: full.count, by: step)) {
            truncations += 1
            if attempt(Array(full.prefix(n))) { truncatedLoaded += 1 }
        }
        #expect(truncatedLoaded == 0, "\(truncatedLoaded) of \(truncations) truncated files loaded")
        var loaded = 0, rejected = 0, withOffset = 0
        let flipStep = max(1, full.count / 800)
        for at in stride(from: 0, to: full.count, by: flipStep) {
            var b = full
            b[at] ^= UInt8(1 << (at % 8))
            do {
                let m = try Model(bytes: b)
                _ = try m.predict([Float](repeating: 0.5, count: m.inputCount))
                loaded += 1
            } catch {
                rejected += 1
                if error.offset != nil { withOffset += 1 }
            }
        }
        #expect(loaded + rejected >= min(800, full.count))
        #expect(rejected > 0, "no bit flip was detected in \(dir)")
    }

    @Test func notATFLiteFile() {
        #expect(throws: ModelError.self) { try Model(bytes: Array("hello, this is not a model at all".utf8)) }
        #expect(throws: ModelError.self) { try Model(bytes: []) }
        do { _ = try Model(bytes: [UInt8](repeating: 0xFF, count: 64)) } catch {
            #expect(error.description.contains("TFL3") || error.offset != nil)
        }
    }

    @Test func missingFileIsAnError() {
        do { _ = try Model(path: "/nonexistent/model.tflite"); Issue.record("expected an error") } catch {
            #expect(error.message.contains("cannot open"))
        }
    }

    @Test func unsupportedOperatorIsNamed() {
        do {
            _ = try Model(path: ModelsDir.path("unsupported/pad") + "/model.tflite")
            Issue.record("PAD must be rejected")
        } catch {
            #expect(error.message.contains("PAD"))
            #expect(error.offset != nil)
        }
    }

    @Test func wrongInputSizes() throws {
        let m = try Model(path: ModelsDir.path("fc_17_to_3") + "/model.tflite")
        #expect(throws: ModelError.self) { try m.predict([1, 2, 3]) }
        var out = [Float](repeating: 0, count: 1)
        let input = [Float](repeating: 0, count: m.inputCount)
        #expect(throws: ModelError.self) {
            try input.withUnsafeBufferPointer { i in try out.withUnsafeMutableBufferPointer { o in try m.predict(i, into: o) } }
        }
        #expect(throws: ModelError.self) { try m.invokeRaw([0, 1]) }
    }
}

/// A small seeded generator for reproducible fuzzing.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
