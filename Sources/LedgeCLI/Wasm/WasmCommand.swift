// `ledge wasm run|spectest` (not built yet).

enum WasmCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge wasm run|spectest' is not built yet")
        return ExitCode.failure
    }
}
