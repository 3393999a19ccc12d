// Fleet commands: coordinator, keys, artifact, fleet, rollout (not built yet).

enum FleetCommands {
    static func notYet(_ name: String) -> Int32 {
        printError("ledge \(name): not built yet")
        return ExitCode.failure
    }
    static func coordinator(_ args: [String]) -> Int32 { notYet("coordinator") }
    static func keys(_ args: [String]) -> Int32 { notYet("keys") }
    static func artifact(_ args: [String]) -> Int32 { notYet("artifact") }
    static func fleet(_ args: [String]) -> Int32 { notYet("fleet") }
    static func rollout(_ args: [String]) -> Int32 { notYet("rollout") }
}
