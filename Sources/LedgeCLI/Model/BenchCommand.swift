// `ledge bench model` (not built yet).

enum BenchCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge bench model' is not built yet")
        return ExitCode.failure
    }
}
