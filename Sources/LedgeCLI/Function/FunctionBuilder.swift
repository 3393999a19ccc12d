// Compiles a function (Embedded Swift or C) to a Wasm module with the toolchain's own compilers and
// Debian's wasi-libc, adding the SDK (sdk/swift/Ledge.swift or sdk/c/ledge.h + ledge_sdk.c).
import Foundation
import LedgeCore

struct BuildError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

enum FunctionLanguage: String { case swift, c }

struct FunctionBuilder {
    let sdk: String
    let wasiSysroot = "/usr/include/wasm32-wasi"
    let wasiLib = "/usr/lib/wasm32-wasi"

    /// Finds the SDK: $LEDGE_SDK_DIR, else edge-config/sdk above the executable (a checkout), else /usr/share/ledge/sdk.
    static func locateSDK() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["LEDGE_SDK_DIR"], !env.isEmpty { candidates.append(env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("edge-config/sdk").path)
            dir.deleteLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/edge-config/sdk")
        candidates.append("/usr/share/ledge/sdk")
        for c in candidates where FileManager.default.fileExists(atPath: c + "/c/ledge.h") { return c }
        throw BuildError(message: "cannot find the Ledge SDK (ledge.h); set LEDGE_SDK_DIR to the folder holding c/ and swift/")
    }

    /// The sources of a function: a file, or every .swift/.c file in a folder. Decides the language.
    static func sources(of path: String) throws -> (FunctionLanguage, [String]) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw BuildError(message: "\(path): no such file or folder")
        }
        var files: [String]
        if isDir.boolValue {
            files = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                .filter { $0.hasSuffix(".swift") || $0.hasSuffix(".c") }.map { path + "/" + $0 }
        } else {
            files = [path]
        }
        let swift = files.filter { $0.hasSuffix(".swift") }
        let c = files.filter { $0.hasSuffix(".c") }
        if !swift.isEmpty && !c.isEmpty { throw BuildError(message: "\(path): mixes Swift and C sources; use one language per function") }
        if !swift.isEmpty { return (.swift, swift) }
        if !c.isEmpty { return (.c, c) }
        throw BuildError(message: "\(path): no .swift or .c sources")
    }

    /// Debian's compiler-rt builtins for wasm32 (128-bit arithmetic used by wasi-libc), if installed.
    static func builtins() -> [String] {
        let base = "/usr/lib"
        guard let llvms = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        for llvm in llvms.filter({ $0.hasPrefix("llvm-") }).sorted().reversed() {
            let clangDir = "\(base)/\(llvm)/lib/clang"
            for v in (try? FileManager.default.contentsOfDirectory(atPath: clangDir)) ?? [] {
                let a = "\(clangDir)/\(v)/lib/wasi/libclang_rt.builtins-wasm32.a"
                if FileManager.default.fileExists(atPath: a) { return [a] }
            }
        }
        return []
    }

    func build(source: String, output: String, verbose: Bool) throws -> FunctionLanguage {
        let (lang, files) = try Self.sources(of: source)
        guard FileManager.default.fileExists(atPath: wasiLib + "/libc.a") else {
            throw BuildError(message: "Debian's wasi-libc is missing (\(wasiLib)/libc.a): run tools/setup or apt-get install wasi-libc")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ledge-fn-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var objects: [String] = []
        let exports = ["--export=ledge_on_event", "--export=ledge_alloc", "--export-if-defined=ledge_init",
                       "--export-if-defined=_initialize"]
        switch lang {
        case .swift:
            var inputs = files
            if !files.contains(where: { $0.hasSuffix("/Ledge.swift") || $0 == "Ledge.swift" }) { inputs.append(sdk + "/swift/Ledge.swift") }
            let obj = tmp + "/function.o"
            try run(tool("swiftc"), ["-target", "wasm32-unknown-none-wasm", "-enable-experimental-feature", "Embedded",
                                     "-enable-experimental-feature", "Extern", "-wmo", "-parse-as-library", "-Osize",
                                     "-Xfrontend", "-disable-stack-protector", "-module-name", "LedgeFunction",
                                     "-import-objc-header", sdk + "/c/ledge.h", "-Xcc", "-isystem", "-Xcc", wasiSysroot,
                                     "-c"] + inputs + ["-o", obj], verbose: verbose)
            objects.append(obj)
            try run(tool("wasm-ld"), ["--no-entry", "--strip-all", "-z", "stack-size=65536"] + exports + objects
                    + [wasiLib + "/libc.a"] + Self.builtins() + ["-o", output], verbose: verbose)
        case .c:
            for (i, f) in (files + [sdk + "/c/ledge_sdk.c"]).enumerated() {
                let obj = tmp + "/\(i).o"
                try run(tool("clang"), ["--target=wasm32-wasi", "-O2", "-nostdlibinc", "-isystem", wasiSysroot,
                                        "-I", sdk + "/c", "-c", f, "-o", obj], verbose: verbose)
                objects.append(obj)
            }
            try run(tool("wasm-ld"), ["--no-entry", "--strip-all", "-z", "stack-size=65536"] + exports
                    + [wasiLib + "/crt1-reactor.o"] + objects + ["-L", wasiLib, "-lc"] + Self.builtins() + ["-o", output], verbose: verbose)
        }
        return lang
    }

    /// The toolchain's tool: next to `swift` on PATH (clang and wasm-ld come with the Swift toolchain).
    func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw BuildError(message: "\(name) not found on PATH (it comes with the Swift 6 toolchain)")
    }

    func run(_ exe: String, _ args: [String], verbose: Bool) throws {
        if verbose { printError("+ \(exe) \(args.joined(separator: " "))") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err
        try p.run()
        let out = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BuildError(message: "\(URL(fileURLWithPath: exe).lastPathComponent) failed:\n\(String(decoding: out, as: UTF8.self))")
        }
    }
}
