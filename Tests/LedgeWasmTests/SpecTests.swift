// The WebAssembly core spec suite (wast2json-converted .wast files), run in-process: no command may fail.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Testing

@Suite("Spec suite")
struct SpecTests {
    /// The core scripts (no simd_*, no *relaxed*), found in `$LEDGE_WASM_SPEC_DIR` or ../shared/wasm-spec.
    static let coreScripts: [String] = {
        (try? SpecConverter.scripts(in: [TestPaths.wasmSpecDir.path], core: true)) ?? []
    }()

    static let converter = SpecConverter(cacheRoot: TestPaths.repoRoot.appendingPathComponent(".ledge-cache/wast").path)

    @Test("the spec suite folder is there and holds the core scripts")
    func suiteIsPresent() {
        #expect(Self.coreScripts.count >= 80, "found \(Self.coreScripts.count) core .wast files in \(TestPaths.wasmSpecDir.path)")
    }

    @Test("core script passes", arguments: coreScripts)
    func script(_ path: String) throws {
        let result = SpecRunner().run(wast: path, converter: Self.converter)
        let t = result.tally.total
        #expect(t.total > 0, "\(result.name): no commands ran")
        #expect(t.failed == 0, Comment(rawValue: result.report))
        // Only text-format modules (for text parsers) may be skipped.
        #expect(t.skipped == (result.tally.byKind[.assertMalformed]?.skipped ?? 0))
    }
}
