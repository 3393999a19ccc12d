// `ledge replay --file F --format cmapss --broker URL --prefix P [--rate N]`: publishes a C-MAPSS file as
// JSON telemetry at QoS 1 on P/engine/<unit>/telemetry, engines interleaved cycle by cycle as a plant sends them.
import LedgeCore
import LedgeMQTT
import LedgeNode

enum ReplayCommand {
    static let help = """
    usage: ledge replay --file F --format cmapss --broker URL [--prefix plant/demo] [--rate N] [--limit N] [--qos 0|1|2]

    Publishes each row of a C-MAPSS file (unit, cycle, op1..op3, s1..s21) as one JSON event
    {"unit":U,"cycle":C,"op1":…,"s1":…,…,"s21":…} on <prefix>/engine/<unit>/telemetry, engines interleaved
    cycle by cycle. --rate limits events per second (default: as fast as the broker acknowledges).
    Malformed rows are reported with their line number and skipped. Prints `sent N` at the end.
    Survives broker restarts: the client reconnects with backoff, QoS 1/2 messages published while the
    broker is away wait in libmosquitto, and those in flight when the connection dropped are sent again
    (so the broker may see a message twice, never zero times). At most 1,000 stay unacknowledged.
    """

    /// One telemetry row.
    struct Row {
        let line: Int
        let unit: Int
        let cycle: Int
        let values: [Double]
    }

    static let columns = ["op1", "op2", "op3"] + (1...21).map { "s\($0)" }

    /// Parses a C-MAPSS text file; malformed lines go to `errors` with their line number.
    static func parseCMAPSS(_ text: String, errors: inout [String]) -> [Row] {
        var rows: [Row] = []
        var lineNo = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {  // LF or CRLF
            lineNo += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 26 else {
                errors.append("line \(lineNo): expected 26 columns, found \(fields.count)")
                continue
            }
            guard let unit = Int(fields[0]), let cycle = Int(fields[1]), unit >= 0, cycle >= 0 else {
                errors.append("line \(lineNo): unit and cycle must be non-negative integers")
                continue
            }
            var values: [Double] = []
            values.reserveCapacity(24)
            var bad: String?
            for (i, f) in fields[2...].enumerated() {
                guard let v = Double(f), v.isFinite else { bad = "column \(i + 3) (\(columns[i])) is not a number: \"\(f)\""; break }
                values.append(v)
            }
            if let bad { errors.append("line \(lineNo): \(bad)"); continue }
            rows.append(Row(line: lineNo, unit: unit, cycle: cycle, values: values))
        }
        return rows
    }

    /// Orders rows cycle by cycle across engines: every engine's first row, then every engine's second, ….
    static func interleave(_ rows: [Row]) -> [Row] {
        var byUnit: [Int: [Row]] = [:]
        var unitOrder: [Int] = []
        for r in rows {
            if byUnit[r.unit] == nil { unitOrder.append(r.unit) }
            byUnit[r.unit, default: []].append(r)
        }
        var out: [Row] = []
        out.reserveCapacity(rows.count)
        var step = 0
        while out.count < rows.count {
            for u in unitOrder where step < byUnit[u]!.count { out.append(byUnit[u]![step]) }
            step += 1
        }
        return out
    }

    static func payload(_ r: Row) -> String {
        var s = "{\"unit\":\(r.unit),\"cycle\":\(r.cycle)"
        for (i, v) in r.values.enumerated() { s += ",\"\(columns[i])\":\(JSONValue.format(v))" }
        return s + "}"
    }

    static func main(_ args: [String]) -> Int32 {
        runCommand("replay") {
            let a = try Arguments(args, flags: ["help"])
            if a.flag("help") { print(help); return ExitCode.success }
            try a.checkKnown(["file", "format", "broker", "prefix", "rate", "limit", "qos", "help", "client-id"])
            let file = try a.required("file")
            let format = a.value("format") ?? "cmapss"
            guard format == "cmapss" else { throw UsageError("--format: only 'cmapss' is supported, got '\(format)'") }
            let broker = try a.required("broker")
            let prefix = a.value("prefix") ?? "plant/demo"
            guard TopicFilter.isValidName(prefix + "/engine/1/telemetry") else { throw UsageError("--prefix is not a valid topic prefix: '\(prefix)'") }
            let rate = try a.double("rate") ?? 0
            let limit = try a.int("limit")
            let qos = Int32(try a.int("qos") ?? 1)
            guard (0...2).contains(qos) else { throw UsageError("--qos expects 0, 1 or 2") }

            let bytes: [UInt8]
            do { bytes = try FileIO.read(file) } catch { throw UsageError("cannot read --file: \(error)") }
            var errors: [String] = []
            var rows = interleave(parseCMAPSS(String(decoding: bytes, as: UTF8.self), errors: &errors))
            for e in errors.prefix(20) { printError("ledge replay: \(file): \(e) (skipped)") }
            if errors.count > 20 { printError("ledge replay: \(errors.count - 20) more malformed lines skipped") }
            if let limit { rows = Array(rows.prefix(limit)) }

            var mc = MQTTConfig(url: broker, clientID: a.value("client-id") ?? "ledge-replay-\(Clock.wallMillis() % 1_000_000)")
            mc.cleanStart = true
            mc.sessionExpirySeconds = 0
            mc.maxInflight = 100
            mc.reconnectDelayMinMs = 100
            mc.reconnectDelayMaxMs = 2_000
            let client = try MQTTClient(config: mc)
            let acks = Locked(0)
            client.addPublishedObserver { _, _ in acks.withLock { $0 += 1 } }
            try client.start()
            let connectDeadline = Clock.monotonicNanos() + 10_000_000_000
            while !client.isConnected {
                if Clock.monotonicNanos() > connectDeadline { printError("ledge replay: cannot connect to \(broker)"); return ExitCode.failure }
                Clock.sleep(millis: 10)
            }
            let start = Clock.monotonicNanos()
            var sent = 0
            for r in rows {
                if rate > 0 {
                    let due = start + UInt64(Double(sent) / rate * 1e9)
                    let now = Clock.monotonicNanos()
                    if due > now { Clock.sleep(millis: Int((due - now) / 1_000_000)) }
                }
                // Keep at most a bounded number unacknowledged so a slow broker applies back-pressure.
                while qos > 0 && sent - acks.current > 1000 { Clock.sleep(millis: 1) }
                _ = try client.publish(topic: "\(prefix)/engine/\(r.unit)/telemetry", text: payload(r), qos: qos, retain: false)
                sent += 1
            }
            // Wait for the last acknowledgements; the deadline moves while the broker is away.
            var ackDeadline = Clock.monotonicNanos() + 60_000_000_000
            while acks.current < sent && Clock.monotonicNanos() < ackDeadline {
                if !client.isConnected { ackDeadline = max(ackDeadline, Clock.monotonicNanos() + 30_000_000_000) }
                Clock.sleep(millis: 5)
            }
            let seconds = Double(Clock.monotonicNanos() - start) / 1e9
            client.stop()
            let acked = acks.current
            print("sent \(sent), acknowledged \(acked), malformed \(errors.count), \(String(Int(Double(sent) / max(seconds, 1e-9)))) events/s, reconnects \(max(0, client.connectCount - 1))")
            return acked >= sent ? ExitCode.success : ExitCode.failure
        }
    }
}
