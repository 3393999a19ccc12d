// `ledge replay` (not built yet).

enum ReplayCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge replay' is not built yet")
        return ExitCode.failure
    }
}
