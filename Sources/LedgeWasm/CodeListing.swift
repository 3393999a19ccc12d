// A readable listing of the internal code a module was translated into (for `ledge wasm dump`; positions
// and branch targets are indices in the module-wide code): shows
// which constants, compares and address computations the translator folded, per function.

extension Module {
    /// Number of functions defined in the module (imports excluded).
    public var definedFunctionCount: Int { functions.count }

    /// The translated code of defined function `index` (imports excluded), or of all when nil.
    public func codeListing(function index: Int? = nil) -> String {
        var out = ""
        let count = functions.count
        for k in 0..<count where index == nil || index == k {
            let m = functions[k]
            let end = k + 1 < count ? Int(functions[k + 1].entry) : code.count
            out += "func \(k) (index \(k + imports.filter { $0.kind == .function }.count)): params \(m.paramCount), locals \(m.localCount), slots \(m.slotCount)\n"
            // Clamped: a function whose code is empty (or a module with none) lists no instructions.
            let first = min(Int(m.entry), code.count)
            for pc in first..<max(first, min(end, code.count)) {
                let i = code[pc]
                out += "  \(pc): \(i.op) a=\(i.a) b=\(i.b) c=\(i.c) imm=\(i.imm)\n"
            }
        }
        return out
    }
}
