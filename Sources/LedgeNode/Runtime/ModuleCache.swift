// Compiled modules cached by content hash (SHA-256), shared by every instance and function that uses them.
import LedgeCore
import LedgeWasm

public final class ModuleCache: @unchecked Sendable {
    private let lock = ConditionLock()
    private var modules: [String: Module] = [:]

    public init() {}

    /// The compiled module in `path`, decoded, validated and translated once per distinct content.
    public func module(path: String) throws -> Module {
        let bytes = try FileIO.read(path)
        return try module(bytes: bytes)
    }

    public func module(bytes: [UInt8]) throws -> Module {
        let key = SHA256.hex(bytes)
        if let m = lock.withLock({ modules[key] }) { return m }
        let m = try Module(bytes: bytes)
        lock.withLock { modules[key] = m }
        return m
    }

    public var count: Int { lock.withLock { modules.count } }
}
