// Checks a module against the function ABI v1 before any instance is made: the exports it must have (with
// their types) and that every import is one the host provides with the same type. A failure names the item.
import LedgeCore
import LedgeWasm

enum ABICheck {
    static let onEventType = FunctionType(params: [.i32, .i32, .i32, .i32], results: [.i32])
    static let allocType = FunctionType(params: [.i32], results: [.i32])
    static let initType = FunctionType(params: [], results: [.i32])

    /// `(i32, i32) -> i32` as users write it.
    static func text(_ t: FunctionType) -> String {
        let p = "(" + t.params.map { String(describing: $0) }.joined(separator: ", ") + ")"
        switch t.results.count {
        case 0: return p + " -> ()"
        case 1: return p + " -> " + String(describing: t.results[0])
        default: return p + " -> (" + t.results.map { String(describing: $0) }.joined(separator: ", ") + ")"
        }
    }

    /// Nil when `module` fits ABI v1 with the host imports in `host`; otherwise the reason.
    static func problem(_ module: Module, host: Imports) -> String? {
        guard module.exports.contains(where: { $0.name == "memory" && $0.kind == .memory }) else {
            return "the module does not export its memory as \"memory\" (function ABI v1)"
        }
        let required: [(String, FunctionType)] = [("ledge_on_event", onEventType), ("ledge_alloc", allocType)]
        for (name, type) in required {
            guard let t = module.exportedFunctionType(name) else { return "the module does not export \(name) (function ABI v1)" }
            guard t == type else { return "the module exports \(name) as \(text(t)), ABI v1 expects \(text(type))" }
        }
        if let t = module.exportedFunctionType("ledge_init"), t != initType {
            return "the module exports ledge_init as \(text(t)), ABI v1 expects \(text(initType))"
        }
        for imp in module.imports {
            let name = "\(imp.module).\(imp.name)"
            guard imp.module == "ledge" || imp.module == WASI.moduleName else {
                return "the module imports \(name), which the host does not provide (only ledge.* and \(WASI.moduleName).*)"
            }
            guard case .function(let ref)? = host.lookup(module: imp.module, name: imp.name) else {
                return imp.module == "ledge" ? "the module imports \(name), which ABI v1 does not have"
                                             : "the module imports \(name), which the host does not provide"
            }
            guard let want = imp.functionType else { return "the module imports \(name) as a \(imp.kind), the host provides a function" }
            guard want == ref.type else { return "the module imports \(name) as \(text(want)), the host provides \(text(ref.type))" }
        }
        return nil
    }
}
