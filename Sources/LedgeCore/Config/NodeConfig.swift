// The node's configuration (`ledge node --config FILE`): identity, broker, storage, models and functions.

/// Per-function limits, enforced on every invocation.
public struct FunctionLimits: Sendable, Equatable {
    public var fuel: UInt64 = 50_000_000
    public var timeoutMs: Int = 1_000
    public var memoryPages: UInt32 = 256
    public var callDepth: Int = 1_000
    public var maxEventBytes: Int = 65_536
    public var maxPublishBytes: Int = 16_384
    public var maxPublishes: Int = 16
    public var concurrency: Int = 1
    public var queueLength: Int = 4_096
    public var kvQuotaBytes: Int = 1 << 20
    public var logLinesPerSecond: Int = 20
    public init() {}
}

/// One function bound to trigger topics.
public struct FunctionConfig: Sendable {
    public var name: String
    /// Absolute path of the compiled `.wasm` module.
    public var module: String
    public var triggers: [String]
    public var allowPublish: [String]
    public var models: [String]
    public var limits: FunctionLimits
    /// Free-form settings the function reads with the `config` host call (strings and numbers as text).
    public var settings: [(String, String)]

    public init(name: String, module: String, triggers: [String], allowPublish: [String], models: [String],
                limits: FunctionLimits, settings: [(String, String)]) {
        self.name = name
        self.module = module
        self.triggers = triggers
        self.allowPublish = allowPublish
        self.models = models
        self.limits = limits
        self.settings = settings
    }
}

/// A model the node loads: a folder with `manifest.json` and the `.tflite` it names, or a bare `.tflite`.
public struct ModelConfig: Sendable {
    public var name: String
    /// Absolute path of the model folder or file.
    public var path: String
}

/// MQTT connection settings.
public struct BrokerConfig: Sendable {
    public var url: String = "mqtt://127.0.0.1:1883"
    public var clientID: String?
    public var protocolVersion: String = "v5"
    public var keepAliveSeconds: Int = 30
    public var sessionExpirySeconds: Int = 86_400
    public var username: String?
    public var password: String?
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
}

/// Store-and-forward settings for everything the node publishes.
public struct OutboxSettings: Sendable {
    public var maxRows: Int = 100_000
    public var maxBytes: Int = 64 << 20
    public var overflow: String = "refuse"
    public var commitEvery: Int = 64
    public var commitIntervalMs: Int = 20
}

/// How the node takes events in: crash-safe journal, optional de-duplication by message id.
public struct InboundSettings: Sendable {
    /// Journal each event before libmosquitto's acknowledgement leaves, so a crash loses none.
    public var journal: Bool = true
    /// Top-level JSON fields that identify a message; empty: no de-duplication.
    public var dedupFields: [String] = []
    /// How many recent message ids are remembered for de-duplication.
    public var dedupWindow: Int = 100_000
}

/// The update agent's settings (`"update"`); the agent runs when `trusted_keys` is not empty.
public struct UpdateSettings: Sendable {
    /// Seconds after an activation during which a high error rate rolls the version back locally.
    public var probationSeconds: Double = 30
    public var maxErrorRate: Double = 0.5
    public var minInvocations: Int = 10
    /// Seconds between reported-state publications (health for the coordinator's gates).
    public var reportIntervalSeconds: Double = 5
    public init() {}
}

public struct NodeConfig: Sendable {
    public var nodeID: String
    public var broker: BrokerConfig
    /// Absolute path of the data directory (SQLite database, artifacts).
    public var dataDir: String
    public var labels: [(String, String)]
    public var models: [ModelConfig]
    public var functions: [FunctionConfig]
    public var outbox: OutboxSettings
    public var inbound = InboundSettings()
    /// Ed25519 public keys (base64) whose signatures the update agent accepts.
    public var trustedKeys: [String]
    public var update = UpdateSettings()
    public var metricsIntervalSeconds: Int
    public var logLevel: String
    /// The file the config was read from.
    public var file: String

    /// Reads and checks a node config. Relative paths are resolved against the config file's folder.
    public static func load(file: String) throws(ConfigError) -> NodeConfig {
        let root = try ConfigNode.load(file: file)
        return try parse(root)
    }

    public static func parse(_ root: ConfigNode) throws(ConfigError) -> NodeConfig {
        try root.checkKeys(["node_id", "broker", "data_dir", "labels", "models", "functions", "outbox", "inbound",
                            "trusted_keys", "update", "metrics_interval_s", "log_level"])
        let base = FileIO.directory(of: root.file)
        let idNode = try root.required("node_id")
        let nodeID = try idNode.string()
        guard !nodeID.isEmpty, nodeID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw idNode.fail(.invalidValue, "expected letters, digits, '-', '_' or '.', found \"\(nodeID)\"")
        }

        var broker = BrokerConfig()
        if let b = try root.optional("broker") {
            try b.checkKeys(["url", "client_id", "protocol", "keepalive_s", "session_expiry_s", "username", "password",
                             "ca_file", "cert_file", "key_file"])
            if let u = try b.optional("url") {
                broker.url = try u.string()
                guard broker.url.hasPrefix("mqtt://") || broker.url.hasPrefix("mqtts://") else {
                    throw u.fail(.invalidValue, "expected mqtt://host:port or mqtts://host:port, found \"\(broker.url)\"")
                }
            }
            broker.clientID = try b.optional("client_id")?.string()
            if let p = try b.optional("protocol") { broker.protocolVersion = try p.oneOf(["v5", "v311"]) }
            if let k = try b.optional("keepalive_s") { broker.keepAliveSeconds = try k.int(in: 5...3600) }
            if let s = try b.optional("session_expiry_s") { broker.sessionExpirySeconds = try s.int(in: 0...Int(UInt32.max)) }
            broker.username = try b.optional("username")?.string()
            broker.password = try b.optional("password")?.string()
            broker.caFile = try b.optional("ca_file").map { (n) throws(ConfigError) in FileIO.resolve(try n.string(), relativeTo: base) }
            broker.certFile = try b.optional("cert_file").map { (n) throws(ConfigError) in FileIO.resolve(try n.string(), relativeTo: base) }
            broker.keyFile = try b.optional("key_file").map { (n) throws(ConfigError) in FileIO.resolve(try n.string(), relativeTo: base) }
        }

        let dataDir = FileIO.resolve(try root.required("data_dir").string(), relativeTo: base)

        var labels: [(String, String)] = []
        if let l = try root.optional("labels") {
            for (k, v) in try l.members() { labels.append((k, try v.string())) }
        }

        var models: [ModelConfig] = []
        if let ms = try root.optional("models") {
            for m in try ms.array() {
                try m.checkKeys(["name", "path"])
                let name = try m.required("name").string()
                if models.contains(where: { $0.name == name }) { throw m.fail(.invalidValue, "duplicate model name \"\(name)\"") }
                models.append(ModelConfig(name: name, path: FileIO.resolve(try m.required("path").string(), relativeTo: base)))
            }
        }

        var functions: [FunctionConfig] = []
        for f in try root.required("functions").array() {
            let fn = try parseFunction(f, base: base, models: models)
            if functions.contains(where: { $0.name == fn.name }) { throw f.fail(.invalidValue, "duplicate function name \"\(fn.name)\"") }
            functions.append(fn)
        }

        var outbox = OutboxSettings()
        if let o = try root.optional("outbox") {
            try o.checkKeys(["max_rows", "max_bytes", "overflow", "commit_every", "commit_interval_ms"])
            if let n = try o.optional("max_rows") { outbox.maxRows = try n.int(in: 1...100_000_000) }
            if let n = try o.optional("max_bytes") { outbox.maxBytes = try n.int(in: 1024...Int(Int64.max)) }
            if let n = try o.optional("overflow") { outbox.overflow = try n.oneOf(["refuse", "drop_oldest"]) }
            if let n = try o.optional("commit_every") { outbox.commitEvery = try n.int(in: 1...100_000) }
            if let n = try o.optional("commit_interval_ms") { outbox.commitIntervalMs = try n.int(in: 0...60_000) }
        }

        var inbound = InboundSettings()
        if let i = try root.optional("inbound") {
            try i.checkKeys(["journal", "dedup_fields", "dedup_window"])
            if let j = try i.optional("journal") { inbound.journal = try j.bool() }
            if let f = try i.optional("dedup_fields") {
                inbound.dedupFields = try f.stringArray()
                if inbound.dedupFields.contains(where: { $0.isEmpty || $0.contains("\"") }) {
                    throw f.fail(.invalidValue, "field names must be non-empty and without quotes")
                }
            }
            if let w = try i.optional("dedup_window") { inbound.dedupWindow = try w.int(in: 1...10_000_000) }
        }

        var update = UpdateSettings()
        if let u = try root.optional("update") {
            try u.checkKeys(["probation_s", "max_error_rate", "min_invocations", "report_interval_s"])
            if let n = try u.optional("probation_s") { update.probationSeconds = Double(try n.int(in: 0...86_400)) }
            if let n = try u.optional("max_error_rate") {
                update.maxErrorRate = try n.double()
                guard (0...1).contains(update.maxErrorRate) else { throw n.fail(.invalidValue, "expected a rate in [0, 1]") }
            }
            if let n = try u.optional("min_invocations") { update.minInvocations = try n.int(in: 1...1_000_000) }
            if let n = try u.optional("report_interval_s") { update.reportIntervalSeconds = Double(try n.int(in: 1...3_600)) }
        }

        var config = NodeConfig(
            nodeID: nodeID, broker: broker, dataDir: dataDir, labels: labels, models: models,
            functions: functions, outbox: outbox,
            trustedKeys: try root.optional("trusted_keys")?.stringArray() ?? [],
            metricsIntervalSeconds: try root.optional("metrics_interval_s")?.int(in: 0...86_400) ?? 10,
            logLevel: try root.optional("log_level")?.oneOf(["debug", "info", "warn", "error"]) ?? "info",
            file: root.file)
        config.inbound = inbound
        config.update = update
        return config
    }

    static func parseFunction(_ f: ConfigNode, base: String, models: [ModelConfig]) throws(ConfigError) -> FunctionConfig {
        try f.checkKeys(["name", "module", "triggers", "allow_publish", "models", "limits", "config"])
        let name = try f.required("name").string()
        let module = FileIO.resolve(try f.required("module").string(), relativeTo: base)
        let trigNode = try f.required("triggers")
        let triggers = try trigNode.stringArray()
        if triggers.isEmpty { throw trigNode.fail(.invalidValue, "expected at least one topic filter") }
        for (i, t) in triggers.enumerated() where !TopicFilter.isValidFilter(t) {
            throw ConfigError(.invalidValue, file: f.file, key: "\(trigNode.path)[\(i)]", "not a valid MQTT topic filter: \"\(t)\"")
        }
        let allowNode = try f.optional("allow_publish")
        let allow = try allowNode?.stringArray() ?? []
        for (i, t) in allow.enumerated() where !TopicFilter.isValidFilter(t) {
            throw ConfigError(.invalidValue, file: f.file, key: "\(allowNode!.path)[\(i)]", "not a valid MQTT topic filter: \"\(t)\"")
        }
        let modelNode = try f.optional("models")
        let usedModels = try modelNode?.stringArray() ?? []
        for m in usedModels where !models.contains(where: { $0.name == m }) {
            throw modelNode!.fail(.invalidValue, "unknown model \"\(m)\" (declare it under \"models\")")
        }
        var limits = FunctionLimits()
        if let l = try f.optional("limits") {
            try l.checkKeys(["fuel", "timeout_ms", "memory_pages", "call_depth", "max_event_bytes", "max_publish_bytes",
                             "max_publishes", "concurrency", "queue", "kv_quota_bytes", "log_lines_per_s"])
            if let n = try l.optional("fuel") { limits.fuel = UInt64(try n.int(in: 1_000...Int(Int64.max))) }
            if let n = try l.optional("timeout_ms") { limits.timeoutMs = try n.int(in: 1...600_000) }
            if let n = try l.optional("memory_pages") { limits.memoryPages = UInt32(try n.int(in: 1...65_536)) }
            if let n = try l.optional("call_depth") { limits.callDepth = try n.int(in: 16...100_000) }
            if let n = try l.optional("max_event_bytes") { limits.maxEventBytes = try n.int(in: 16...(16 << 20)) }
            if let n = try l.optional("max_publish_bytes") { limits.maxPublishBytes = try n.int(in: 16...(16 << 20)) }
            if let n = try l.optional("max_publishes") { limits.maxPublishes = try n.int(in: 0...10_000) }
            if let n = try l.optional("concurrency") { limits.concurrency = try n.int(in: 1...64) }
            if let n = try l.optional("queue") { limits.queueLength = try n.int(in: 1...1_000_000) }
            if let n = try l.optional("kv_quota_bytes") { limits.kvQuotaBytes = try n.int(in: 0...Int(Int32.max)) }
            if let n = try l.optional("log_lines_per_s") { limits.logLinesPerSecond = try n.int(in: 0...100_000) }
        }
        var settings: [(String, String)] = []
        if let c = try f.optional("config") {
            for (k, v) in try c.members() {
                switch v.value {
                case .string(let s): settings.append((k, s))
                case .number(let d): settings.append((k, JSONValue.format(d)))
                case .bool(let b): settings.append((k, b ? "true" : "false"))
                default: throw v.fail(.wrongType, "expected a string, number or boolean, found \(v.value.kindName)")
                }
            }
        }
        return FunctionConfig(name: name, module: module, triggers: triggers, allowPublish: allow,
                              models: usedModels, limits: limits, settings: settings)
    }
}
