// cmapss-rul: predicts the remaining useful life of turbofan engines from C-MAPSS telemetry events.
//
// Each event is one engine cycle: {"unit":U,"cycle":C,"s2":…,…,"s21":…} on plant/<site>/engine/<U>/telemetry.
// The function keeps each unit's last `window` cycles of the model's features (names, normalisation and
// window come from the model's manifest), pads short histories by repeating the first cycle (as the model
// was trained), runs the int8 model through the host, and publishes
//   plant/<site>/engine/<U>/rul    {"unit":U,"cycle":C,"rul":R}
//   plant/<site>/engine/<U>/alert  {"unit":U,"cycle":C,"rul":R,"threshold":T}   when R < alert_below.

let model: StaticString = "cmapss-rul"

/// Per-unit history of normalised feature rows, oldest first, at most `window` rows.
struct History {
    var rows: [[Float]] = []
    var lastCycle = 0
}

var window = 30
var featureCount = 14
var outputScale: Float = 1
var outputOffset: Float = 0
var alertBelow: Double = 20
var histories: [History] = []
var input: [Float] = []
var output: [Float] = [0]

enum Handler: LedgeHandler {
    static func initialize() -> Int32 {
        guard let w = Ledge.modelFloats(model, "window"), w.count == 1, w[0] >= 1 else {
            Ledge.log("manifest has no window", level: .error)
            return Int32(LEDGE_E_NOT_FOUND)
        }
        window = Int(w[0])
        guard let mean = Ledge.modelFloats(model, "normalization.mean", capacity: 256), !mean.isEmpty else {
            Ledge.log("manifest has no normalization.mean", level: .error)
            return Int32(LEDGE_E_NOT_FOUND)
        }
        featureCount = mean.count
        if let s = Ledge.modelFloats(model, "output_transform.scale"), s.count == 1 { outputScale = s[0] }
        if let o = Ledge.modelFloats(model, "output_transform.offset"), o.count == 1 { outputOffset = o[0] }
        if let t = Ledge.configNumber("alert_below") { alertBelow = t }
        input = [Float](repeating: 0, count: window * featureCount)
        return 0
    }

    static func onEvent(_ event: Event) -> Int32 {
        guard let u = event.number("unit"), let c = event.number("cycle"), u >= 0, u < 100_000 else {
            Ledge.log("event without a numeric unit and cycle", level: .warn)
            return Int32(LEDGE_E_INVALID)
        }
        let unit = Int(u)
        let cycle = Int(c)
        var row = [Float](repeating: 0, count: featureCount)
        let n = row.withUnsafeMutableBufferPointer { Ledge.modelFeatures(model, event, into: $0) }
        guard n == Int32(featureCount) else {
            Ledge.log("event lacks a model feature", level: .warn)
            return n < 0 ? n : Int32(LEDGE_E_INVALID)
        }

        while histories.count <= unit { histories.append(History()) }
        if cycle <= histories[unit].lastCycle { histories[unit].rows.removeAll() }  // a new run of this unit
        histories[unit].lastCycle = cycle
        histories[unit].rows.append(row)
        if histories[unit].rows.count > window { histories[unit].rows.removeFirst() }

        // Window: the last `window` rows, padded at the front with the first row.
        let rows = histories[unit].rows
        let pad = window - rows.count
        for r in 0..<window {
            let src = rows[max(0, r - pad)]
            for f in 0..<featureCount { input[r * featureCount + f] = src[f] }
        }
        let got = Ledge.infer(model, input, &output)
        guard got >= 1 else { return got < 0 ? got : Int32(LEDGE_E_MODEL) }
        let rul = Double(output[0] * outputScale + outputOffset)

        let site = event.topicLevel(1) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        var topic = Text("plant/")
        topic.append(site)
        topic.append("/engine/")
        topic.append(unit)
        var payload = Text("{\"unit\":")
        payload.append(unit)
        payload.append(",\"cycle\":")
        payload.append(cycle)
        payload.append(",\"rul\":")
        payload.append(rul, decimals: 1)

        var rulTopic = topic
        rulTopic.append("/rul")
        var rulPayload = payload
        rulPayload.append("}")
        let r = Ledge.publish(rulTopic.bytes, rulPayload.bytes)
        if r < 0 { return r }

        if rul < alertBelow {
            topic.append("/alert")
            payload.append(",\"threshold\":")
            payload.append(alertBelow, decimals: 1)
            payload.append("}")
            let a = Ledge.publish(topic.bytes, payload.bytes)
            if a < 0 { return a }
        }
        return 0
    }
}
