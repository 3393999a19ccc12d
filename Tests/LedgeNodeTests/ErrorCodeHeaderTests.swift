// The host's error codes are the ones edge-config/sdk/c/ledge.h lists (the one header both SDKs use).
import Foundation
import Testing
import LedgeNode
import LedgeTestSupport

@Suite struct ErrorCodeHeaderTests {
    @Test func hostCodesMatchTheSDKHeader() throws {
        let header = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("edge-config/sdk/c/ledge.h"), encoding: .utf8)
        var fromHeader: [String: Int32] = [:]
        for line in header.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("LEDGE_E_"), let eq = t.firstIndex(of: "=") else { continue }
            let name = t[t.index(t.startIndex, offsetBy: 8)..<eq].trimmingCharacters(in: .whitespaces)
            let value = t[t.index(after: eq)...].prefix { $0 == "-" || $0 == " " || $0.isNumber }.trimmingCharacters(in: .whitespaces)
            fromHeader[name] = Int32(value)
        }
        // LEDGE_E_NOT_FOUND ↔ notFound, …
        func swiftName(_ c: String) -> String {
            let parts = c.lowercased().split(separator: "_")
            return parts.first.map(String.init)! + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }
        #expect(fromHeader.count == HostErrorCode.allCases.count, "\(fromHeader)")
        for (name, value) in fromHeader {
            let code = HostErrorCode(rawValue: value)
            #expect(code != nil, "LEDGE_E_\(name) = \(value) has no HostErrorCode")
            #expect(code.map { "\($0)" } == swiftName(name), "LEDGE_E_\(name)")
        }
    }
}
