// `ledge model inspect|run|verify|eval` (not built yet).

enum ModelCommand {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge: 'ledge model inspect|run|verify|eval' is not built yet")
        return ExitCode.failure
    }
}
