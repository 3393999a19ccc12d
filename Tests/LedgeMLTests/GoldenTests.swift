// Every op-level test model under Tests/Models must match its LiteRT reference goldens bit for bit.
import Foundation
import LedgeML
import LedgeTestSupport
import Testing

enum ModelsDir {
    static let root = TestPaths.repoRoot.appendingPathComponent("Tests/Models").path
    static let folders: [String] = Golden.modelFolders(under: root).map { String($0.dropFirst(root.count + 1)) }
    static func path(_ name: String) -> String { root + "/" + name }
}

/// The shipped models under models/ (whatever the models work put there): folders holding model.tflite.
enum RealModels {
    static let root = TestPaths.repoRoot.appendingPathComponent("models").path
    static let folders: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        .map { root + "/" + $0 }
        .filter { FileManager.default.fileExists(atPath: $0 + "/model.tflite") }
    /// Those with golden vectors (written by tools/make-goldens).
    static let withGoldens: [String] = folders.filter { FileManager.default.fileExists(atPath: $0 + "/golden/outputs.bin") }
}

@Suite struct GoldenTests {
    @Test func discoversTheOpModels() {
        #expect(ModelsDir.folders.count >= 30, "found \(ModelsDir.folders)")
    }

    @Test(arguments: ModelsDir.folders)
    func bitExact(_ name: String) throws {
        let r = try Golden.verify(folder: ModelsDir.path(name))
        #expect(r.samples >= 8)
        #expect(r.exact == r.total, "\(name): \(r.exact)/\(r.total) bit-exact, first mismatches \(r.mismatches)")
    }

    /// Every shipped model with goldens is bit-exact too.
    @Test(arguments: RealModels.withGoldens)
    func shippedModelBitExact(_ dir: String) throws {
        let r = try Golden.verify(folder: dir)
        #expect(r.exact == r.total && r.total > 0, "\(dir): \(r.exact)/\(r.total) bit-exact, first mismatches \(r.mismatches)")
    }

    /// The float API gives the same values as the raw path: quantize, run, dequantize.
    @Test func predictMatchesRawOnFloatModel() throws {
        let dir = ModelsDir.path("conv1d_like")
        let model = try Model(path: dir + "/model.tflite")
        #expect(model.inputs[0].type == .float32)
        let inputs = try Data(contentsOf: URL(fileURLWithPath: dir + "/golden/inputs.bin"))
        let outputs = try Data(contentsOf: URL(fileURLWithPath: dir + "/golden/outputs.bin"))
        let floats = inputs.prefix(model.inputBytes).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let expected = outputs.prefix(model.outputBytes).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let got = try model.predict(floats)
        #expect(got == expected)
    }

    /// For an int8-I/O model the host quantizes float input with the input tensor's parameters.
    @Test func predictQuantizesForInt8Model() throws {
        let dir = ModelsDir.path("fc_17_to_3")
        let model = try Model(path: dir + "/model.tflite")
        let info = model.inputs[0], out = model.outputs[0]
        #expect(info.type == .int8 && out.type == .int8)
        let inputs = try Data(contentsOf: URL(fileURLWithPath: dir + "/golden/inputs.bin"))
        let outputs = try Data(contentsOf: URL(fileURLWithPath: dir + "/golden/outputs.bin"))
        // Sample 2 (random) as exactly representable floats.
        let q = Array(inputs[(2 * 17)..<(3 * 17)]).map { Int8(bitPattern: $0) }
        let floats = q.map { Float(Int32($0) - info.zeroPoint) * info.scale }
        let expected = Array(outputs[(2 * 3)..<(3 * 3)]).map { Float(Int32(Int8(bitPattern: $0)) - out.zeroPoint) * out.scale }
        let got = try model.predict(floats)
        #expect(got == expected)
    }
}
