// Runs a short command-line tool (clang, wat2wasm, openssl, …) to completion and returns its exit status and
// its output (stdout and stderr together). Long-running children that must receive signals use ChildProcess.
import Foundation

public enum Tool {
    public static func capture(_ exe: String, _ args: [String]) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
