// WASI preview1 for functions built against wasi-libc: stdout/stderr go to the function's log (rate-limited,
// one log line per text line; stdout at info, stderr at warn), no args beyond the name, no stdin, no files.
import LedgeWasm

enum WASIForFunctions {
    static func define(into imports: inout Imports, context ctx: InvocationContext) {
        let wasi = WASI(args: [ctx.function.name], environment: [:], stdin: []) { fd, bytes in
            let level: Int32 = fd == 2 ? 2 : 1
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard ctx.admitLogLine() else { return }
                let text = line.prefix(HostAPI.maxLogLineBytes)
                ctx.logSink.log(function: ctx.function.name, level: level, message: String(decoding: text, as: UTF8.self))
            }
        }
        wasi.define(into: &imports)
    }
}
