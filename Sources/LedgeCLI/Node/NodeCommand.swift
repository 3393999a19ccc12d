// `ledge node --config FILE [--broker URL] [--data-dir DIR]`: runs a node until SIGINT/SIGTERM, then drains.
import LedgeCore
import LedgeNode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum NodeCommand {
    static let help = """
    usage: ledge node --config FILE [--broker URL] [--data-dir DIR] [--log-level debug|info|warn|error]

    Runs a node: subscribes to the trigger topics of the functions in FILE, runs each matching event
    through its function, and publishes what functions publish through the durable outbox.
    --broker and --data-dir override the config's broker.url and data_dir.
    SIGINT/SIGTERM drain in-flight events, flush the outbox and exit 0.
    """

    static func main(_ args: [String]) -> Int32 {
        runCommand("node") {
            let a = try Arguments(args, flags: ["help"])
            if a.flag("help") { print(help); return ExitCode.success }
            try a.checkKnown(["config", "broker", "data-dir", "log-level", "help"])
            var config = try NodeConfig.load(file: try a.required("config"))
            if let b = a.value("broker") {
                guard b.hasPrefix("mqtt://") || b.hasPrefix("mqtts://") else { throw UsageError("--broker expects mqtt://host:port") }
                config.broker.url = b
            }
            if let d = a.value("data-dir") { config.dataDir = d }
            if let l = a.value("log-level") {
                guard LogLevel(name: l) != nil else { throw UsageError("--log-level expects debug, info, warn or error") }
                config.logLevel = l
            }

            // Block the stop signals in every thread (threads inherit the mask), then wait for them here.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            signal(SIGPIPE, SIG_IGN)

            let node: Node
            do {
                node = try Node(config: config)
            } catch let e as ConfigError {
                printError("ledge node: \(e)")
                return ExitCode.usage
            }
            try node.start()
            var sig: Int32 = 0
            sigwait(&set, &sig)
            Log.info("node", "received \(sig == SIGINT ? "SIGINT" : "SIGTERM"), draining")
            node.shutdown()
            return ExitCode.success
        }
    }
}
