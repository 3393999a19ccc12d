// `ledge fn new|build|invoke` (not built yet).

enum FunctionCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge fn new|build|invoke' is not built yet")
        return ExitCode.failure
    }
}
