// `ledge model eval DIR --cmapss DIR | --ai4i FILE [--json]` (not built yet).

enum ModelEval {
    static func main(_ args: [String]) -> Int32 {
        printError("ledge model eval: not built yet")
        return ExitCode.failure
    }
}
