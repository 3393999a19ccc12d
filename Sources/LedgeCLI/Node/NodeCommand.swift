// `ledge node --config FILE` (not built yet).

enum NodeCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge node --config FILE' is not built yet")
        return ExitCode.failure
    }
}
