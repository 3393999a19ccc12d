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

    /// Adds the `ledge` module's functions, bound to `ctx`, to `imports`.
    static func define(into imports: inout Imports, context ctx: InvocationContext) {
        imports.define(module: "ledge", name: "publish", HostFunction(i32x5) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let topicBytes = try mem.bytes(at: call.i32(0), count: call.i32(1))
            let payloadLen = call.i32(3)
            let qos = Int32(bitPattern: call.i32(4))
            let limits = ctx.function.limits
            guard Int(payloadLen) <= limits.maxPublishBytes else {
                throw Trap(reason: .host("publish payload limit: \(payloadLen) bytes > max_publish_bytes \(limits.maxPublishBytes)"))
            }
            let payload = try mem.bytes(at: call.i32(2), count: payloadLen)
            guard ctx.publishes < limits.maxPublishes else {
                throw Trap(reason: .host("publish limit: more than max_publishes \(limits.maxPublishes) in one invocation"))
            }
            guard (0...2).contains(qos) else { call.result(0, .i32(UInt32(bitPattern: HostErrorCode.invalid.rawValue))); return }
            guard let topic = String(validating: topicBytes, as: UTF8.self), TopicFilter.isValidName(topic) else {
                call.result(0, .i32(UInt32(bitPattern: HostErrorCode.invalid.rawValue)))
                return
            }
            guard ctx.mayPublish(topic) else {
                throw Trap(reason: .host("publish denied: topic \"\(topic)\" is outside allow_publish"))
            }
            ctx.publishes += 1
            ctx.publishedBytes += Int(payloadLen)
            let ok = ctx.sink.publish(function: ctx.function.name, topic: topic, payload: payload, qos: qos)
            call.result(0, .i32(ok ? 0 : UInt32(bitPattern: HostErrorCode.unavailable.rawValue)))
        })

        imports.define(module: "ledge", name: "kv_get", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let key = Array(try mem.bytes(at: call.i32(0), count: call.i32(1)))
            let out = try mem.mutableBytes(at: call.i32(2), count: call.i32(3))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            guard !key.isEmpty, key.count <= 1024 else { call.result(0, .i32(code(.invalid))); return }
            let value: [UInt8]?
            do { value = try kv.get(key) } catch { call.result(0, .i32(code(.io))); return }
            guard let value else { call.result(0, .i32(code(.notFound))); return }
            guard value.count <= out.count else { call.result(0, .i32(code(.buffer))); return }
            value.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(value.count)))
        })

        imports.define(module: "ledge", name: "kv_set", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let key = Array(try mem.bytes(at: call.i32(0), count: call.i32(1)))
            let value = Array(try mem.bytes(at: call.i32(2), count: call.i32(3)))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            guard !key.isEmpty, key.count <= 1024 else { call.result(0, .i32(code(.invalid))); return }
            do {
                try kv.set(key, value)
                call.result(0, .i32(0))
            } catch is KVQuotaExceeded {
                call.result(0, .i32(code(.quota)))
            } catch {
                call.result(0, .i32(code(.io)))
            }
        })

        imports.define(module: "ledge", name: "kv_delete", HostFunction(i32x2) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let key = Array(try mem.bytes(at: call.i32(0), count: call.i32(1)))
            guard let kv = ctx.kv else { call.result(0, .i32(code(.unavailable))); return }
            do {
                call.result(0, .i32(try kv.delete(key) ? 0 : code(.notFound)))
            } catch {
                call.result(0, .i32(code(.io)))
            }
        })

        imports.define(module: "ledge", name: "infer", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let name = try mem.bytes(at: call.i32(0), count: call.i32(1))
            let inCount = call.i32(3)
            let outCap = call.i32(5)
            guard inCount <= 1 << 24, outCap <= 1 << 24 else { throw Trap(reason: .host("infer: element count too large")) }
            let input = try mem.bytes(at: call.i32(2), count: inCount &* 4)
            let output = try mem.mutableBytes(at: call.i32(4), count: outCap &* 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            guard Int(inCount) == model.inputCount else { call.result(0, .i32(code(.model))); return }
            // Wasm memory is little-endian like every target we run on; copy to aligned buffers.
            let n: Int
            do {
                n = try withUnsafeTemporaryAllocation(of: Float.self, capacity: Int(inCount)) { inBuf in
                    try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, Int(outCap))) { outBuf in
                        UnsafeMutableRawBufferPointer(inBuf).copyMemory(from: input)
                        let n = try model.infer(UnsafeBufferPointer(inBuf), UnsafeMutableBufferPointer(rebasing: outBuf[0..<Int(outCap)]))
                        output.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(outBuf)[0..<(n * 4)]))
                        return n
                    }
                }
            } catch {
                ctx.logSink.log(function: ctx.function.name, level: 3, message: "infer: \(error)")
                call.result(0, .i32(code(.model)))
                return
            }
            call.result(0, .i32(UInt32(n)))
        })

        imports.define(module: "ledge", name: "log", HostFunction(FunctionType(params: [.i32, .i32, .i32], results: [])) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let level = Int32(bitPattern: call.i32(0))
            let text = try mem.bytes(at: call.i32(1), count: min(call.i32(2), 4096))
            guard ctx.admitLogLine() else { return }
            ctx.logSink.log(function: ctx.function.name, level: level, message: String(decoding: text, as: UTF8.self))
        })

        imports.define(module: "ledge", name: "now_ms", HostFunction(FunctionType(params: [], results: [.i64])) { (call: inout HostCall) throws(Trap) in
            call.result(0, .i64(UInt64(bitPattern: Clock.wallMillis())))
        })

        imports.define(module: "ledge", name: "json_number", HostFunction(i32x5) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let json = try mem.bytes(at: call.i32(0), count: call.i32(1))
            let key = try mem.bytes(at: call.i32(2), count: call.i32(3))
            let out = try mem.mutableBytes(at: call.i32(4), count: 8)
            guard let v = JSONScan.number(in: json, key: key) else { call.result(0, .i32(code(.notFound))); return }
            out.storeBytes(of: v.bitPattern.littleEndian, as: UInt64.self)
            call.result(0, .i32(0))
        })

        imports.define(module: "ledge", name: "config", HostFunction(i32x4) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let key = String(decoding: try mem.bytes(at: call.i32(0), count: call.i32(1)), as: UTF8.self)
            let out = try mem.mutableBytes(at: call.i32(2), count: call.i32(3))
            guard let value = ctx.settings[key] else { call.result(0, .i32(code(.notFound))); return }
            guard value.count <= out.count else { call.result(0, .i32(code(.buffer))); return }
            value.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(value.count)))
        })

        imports.define(module: "ledge", name: "model_floats", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let name = try mem.bytes(at: call.i32(0), count: call.i32(1))
            let key = String(decoding: try mem.bytes(at: call.i32(2), count: call.i32(3)), as: UTF8.self)
            let cap = call.i32(5)
            guard cap <= 1 << 20 else { throw Trap(reason: .host("model_floats: capacity too large")) }
            let out = try mem.mutableBytes(at: call.i32(4), count: cap &* 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            guard let values = model.manifest.floats(at: key) else { call.result(0, .i32(code(.notFound))); return }
            guard values.count <= Int(cap) else { call.result(0, .i32(code(.buffer))); return }
            values.withUnsafeBytes { out.copyMemory(from: $0) }
            call.result(0, .i32(UInt32(values.count)))
        })

        imports.define(module: "ledge", name: "model_features", HostFunction(i32x6) { (call: inout HostCall) throws(Trap) in
            let mem = try call.memory
            let name = try mem.bytes(at: call.i32(0), count: call.i32(1))
            let json = try mem.bytes(at: call.i32(2), count: call.i32(3))
            let cap = call.i32(5)
            guard cap <= 1 << 20 else { throw Trap(reason: .host("model_features: capacity too large")) }
            let out = try mem.mutableBytes(at: call.i32(4), count: cap &* 4)
            guard let model = ctx.model(named: name) else { call.result(0, .i32(code(.notFound))); return }
            let n = withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, Int(cap))) { buf -> Int? in
                guard let n = model.features(fromJSON: json, into: buf) else { return nil }
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
