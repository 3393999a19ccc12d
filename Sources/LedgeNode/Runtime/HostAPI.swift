// The `ledge` host module, ABI version 1: publish, kv_*, infer, log, now_ms, json_number, config, model_*.
// Every pointer and length is checked against the instance's memory (a bad one traps the call); limits trap
// with the limit named; soft failures return the negative codes of HostErrorCode (sdk/c/ledge.h).
import LedgeCore
import LedgeWasm

enum HostAPI {
    static let i32x2: FunctionType = FunctionType(params: [.i32, .i32], results: [.i32])
    static let i32x4: FunctionType = FunctionType(params: [.i32, .i32, .i32, .i32], results: [.i32])
    static let i32x5: FunctionType = FunctionType(params: [.i32, .i32, .i32, .i32, .i32], results: [.i32])
    static let i32x6: FunctionType = FunctionType(params: [.i32, .i32, .i32, .i32, .i32, .i32], results: [.i32])
    /// Longest key `kv_*` accept.
    static let maxKeyBytes = 1024
    /// Longer log messages are cut to this many bytes.
    static let maxLogLineBytes = 4096

    /// Adds the `ledge` module's functions, bound to `ctx`, to `imports`.
    static func define(into imports: inout Imports, context ctx: InvocationContext) {
        imports.define(module: "ledge", name: "publish", HostFunction(i32x5) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "publish")
            let topicBytes = try mem.bytes("topic", call.i32(0), UInt64(call.i32(1)))
            let payload = try mem.bytes("payload", call.i32(2), UInt64(call.i32(3)))
            let qos = Int32(bitPattern: call.i32(4))
            let limits = ctx.function.limits
            guard payload.count <= limits.maxPublishBytes else {
                throw Trap(.host("publish payload limit: \(payload.count) bytes > max_publish_bytes \(limits.maxPublishBytes)"))
            }
            guard ctx.publishes < limits.maxPublishes else {
                throw Trap(.host("publish limit: more than max_publishes \(limits.maxPublishes) in one invocation"))
            }
            guard (0...2).contains(qos) else { call.result(0, .i32(code(.invalid))); return }
            guard let topic = String(validating: topicBytes, as: UTF8.self), TopicFilter.isValidName(topic) else {
                call.result(0, .i32(code(.invalid)))
                return
            }
            guard ctx.mayPublish(topic) else {
                let why = topic.hasPrefix("ledge/") || topic.hasPrefix("$") ? "the node's own topics are never writable by a function"
                                                                              : "outside allow_publish \(ctx.allowPublish)"
                throw Trap(.host("publish denied: topic \"\(topic)\" (\(why))"))
            }
            ctx.publishes += 1
            ctx.publishedBytes += payload.count
            let ok = ctx.sink.publish(function: ctx.function.name, topic: topic, payload: payload, qos: qos)
            call.result(0, .i32(ok ? 0 : code(.unavailable)))
        })

        imports.define(module: "ledge", name: "kv_get", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "kv_get")
            let key = try mem.bytes("key", call.i32(0), UInt64(call.i32(1)))
            let out = try mem.mutableBytes("buf", call.i32(2), UInt64(call.i32(3)))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            guard !key.isEmpty, key.count <= maxKeyBytes else { call.result(0, .i32(code(.invalid))); return }
            let value: [UInt8]?
            do { value = try kv.get(Array(key)) } catch { ctx.hostError("kv_get", error); call.result(0, .i32(code(.io))); return }
            guard let value else { call.result(0, .i32(code(.notFound))); return }
            guard value.count <= out.count else { call.result(0, .i32(code(.buffer))); return }
            value.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(value.count)))
        })

        imports.define(module: "ledge", name: "kv_set", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "kv_set")
            let key = try mem.bytes("key", call.i32(0), UInt64(call.i32(1)))
            let value = try mem.bytes("value", call.i32(2), UInt64(call.i32(3)))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            guard !key.isEmpty, key.count <= maxKeyBytes else { call.result(0, .i32(code(.invalid))); return }
            guard key.count + value.count <= ctx.function.limits.kvQuotaBytes else { call.result(0, .i32(code(.quota))); return }
            do {
                try kv.set(Array(key), Array(value))
                call.result(0, .i32(0))
            } catch is KVQuotaExceeded {
                call.result(0, .i32(code(.quota)))
            } catch {
                ctx.hostError("kv_set", error)
                call.result(0, .i32(code(.io)))
            }
        })

        imports.define(module: "ledge", name: "kv_delete", HostFunction(i32x2) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "kv_delete")
            let key = try mem.bytes("key", call.i32(0), UInt64(call.i32(1)))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            guard !key.isEmpty, key.count <= maxKeyBytes else { call.result(0, .i32(code(.invalid))); return }
            do {
                call.result(0, .i32(try kv.delete(Array(key)) ? 0 : code(.notFound)))
            } catch {
                ctx.hostError("kv_delete", error)
                call.result(0, .i32(code(.io)))
            }
        })

        imports.define(module: "ledge", name: "infer", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "infer")
            let name = try mem.bytes("model", call.i32(0), UInt64(call.i32(1)))
            let inCount = call.i32(3)
            let outCap = call.i32(5)
            let input = try mem.bytes("in", call.i32(2), UInt64(inCount) * 4)
            let output = try mem.mutableBytes("out", call.i32(4), UInt64(outCap) * 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            guard Int(inCount) == model.inputCount else { call.result(0, .i32(code(.model))); return }
            // Wasm memory is little-endian like every target we run on; copy to aligned buffers.
            let cap = min(Int(outCap), model.outputCount)
            let n: Int
            do {
                n = try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, Int(inCount))) { inBuf in
                    try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, cap)) { outBuf in
                        UnsafeMutableRawBufferPointer(inBuf).copyMemory(from: input)
                        let n = try model.infer(UnsafeBufferPointer(rebasing: inBuf[0..<Int(inCount)]),
                                                UnsafeMutableBufferPointer(rebasing: outBuf[0..<cap]))
                        output.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(outBuf)[0..<(n * 4)]))
                        return n
                    }
                }
            } catch {
                ctx.hostError("infer", error)
                call.result(0, .i32(code(.model)))
                return
            }
            call.result(0, .i32(UInt32(n)))
        })

        imports.define(module: "ledge", name: "log", HostFunction(FunctionType(params: [.i32, .i32, .i32], results: [])) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "log")
            let level = Int32(bitPattern: call.i32(0))
            let all = try mem.bytes("msg", call.i32(1), UInt64(call.i32(2)))
            guard ctx.admitLogLine() else { return }
            let text = UnsafeRawBufferPointer(rebasing: all[0..<min(all.count, maxLogLineBytes)])
            ctx.logSink.log(function: ctx.function.name, level: max(0, min(3, level)), message: String(decoding: text, as: UTF8.self))
        })

        imports.define(module: "ledge", name: "now_ms", HostFunction(FunctionType(params: [], results: [.i64])) { (call: inout HostCall) throws(Trap) in
            call.result(0, .i64(UInt64(bitPattern: Clock.wallMillis())))
        })

        imports.define(module: "ledge", name: "json_number", HostFunction(i32x5) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "json_number")
            let json = try mem.bytes("json", call.i32(0), UInt64(call.i32(1)))
            let key = try mem.bytes("key", call.i32(2), UInt64(call.i32(3)))
            let out = try mem.mutableBytes("out", call.i32(4), 8)
            guard let v = JSONScan.number(in: json, key: key) else { call.result(0, .i32(code(.notFound))); return }
            // A number too large for a double (e.g. 1e400) is no usable reading: invalid, not +inf.
            guard v.isFinite else { call.result(0, .i32(code(.invalid))); return }
            out.storeBytes(of: v.bitPattern.littleEndian, as: UInt64.self)
            call.result(0, .i32(0))
        })

        imports.define(module: "ledge", name: "config", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "config")
            let keyBytes = try mem.bytes("key", call.i32(0), UInt64(call.i32(1)))
            let out = try mem.mutableBytes("buf", call.i32(2), UInt64(call.i32(3)))
            let key = String(decoding: keyBytes, as: UTF8.self)
            guard let value = ctx.settings[key] else { call.result(0, .i32(code(.notFound))); return }
            guard value.count <= out.count else { call.result(0, .i32(code(.buffer))); return }
            value.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(value.count)))
        })

        imports.define(module: "ledge", name: "model_floats", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "model_floats")
            let name = try mem.bytes("model", call.i32(0), UInt64(call.i32(1)))
            let keyBytes = try mem.bytes("key", call.i32(2), UInt64(call.i32(3)))
            let out = try mem.mutableBytes("out", call.i32(4), UInt64(call.i32(5)) * 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            guard let values = model.manifest.floats(at: String(decoding: keyBytes, as: UTF8.self)) else {
                call.result(0, .i32(code(.notFound)))
                return
            }
            guard values.count * 4 <= out.count else { call.result(0, .i32(code(.buffer))); return }
            values.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(values.count)))
        })

        imports.define(module: "ledge", name: "model_features", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try GuestMemory(&call, "model_features")
            let name = try mem.bytes("model", call.i32(0), UInt64(call.i32(1)))
            let json = try mem.bytes("json", call.i32(2), UInt64(call.i32(3)))
            let out = try mem.mutableBytes("out", call.i32(4), UInt64(call.i32(5)) * 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            let cap = min(out.count / 4, 65_536)
            let n = withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, cap)) { buf -> Int? in
                guard let n = model.features(fromJSON: json, into: UnsafeMutableBufferPointer(rebasing: buf[0..<cap])) else { return nil }
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[0..<(n * 4)]))
                return n
            }
            guard let n else { call.result(0, .i32(code(.notFound))); return }
            call.result(0, .i32(UInt32(n)))
        })
    }

    @inline(__always)
    static func code(_ c: HostErrorCode) -> UInt32 { UInt32(bitPattern: c.rawValue) }
}

extension InvocationContext {
    /// Reports a host-side failure behind a soft error code in the function's log (rate-limited).
    func hostError(_ call: String, _ error: any Error) {
        if admitLogLine() { logSink.log(function: function.name, level: 3, message: "ledge.\(call): \(error)") }
    }

    /// The model `name` if this function may use it.
    func model(named name: UnsafeRawBufferPointer) -> LoadedModel? {
        let s = String(decoding: name, as: UTF8.self)
        return models[s]
    }
}

extension HostAPI {
    /// Every import name of the `ledge` module in ABI v1.
    static let names: Set<String> = ["publish", "kv_get", "kv_set", "kv_delete", "infer", "log", "now_ms",
                                     "json_number", "config", "model_floats", "model_features"]
}
