// WASI preview1 for functions built against wasi-libc: stdout/stderr go to the node log, no args, no stdin.
import LedgeWasm

enum WASIForFunctions {
    static func define(into imports: inout Imports, context ctx: InvocationContext) {
        let wasi = WASI(args: [ctx.function.name], environment: [:], stdin: []) { fd, bytes in
            guard ctx.admitLogLine() else { return }
            var text = String(decoding: bytes, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
            if text.isEmpty { return }
            ctx.logSink.log(function: ctx.function.name, level: fd == 2 ? 2 : 1, message: text)
        }
        wasi.define(into: &imports)
    }
}
