// The `spectest` host module the spec scripts import: print functions, globals, a table and a memory.

enum SpecHost {
    /// Fresh imports holding `spectest` (new table, memory and globals per script, as the reference does).
    static func imports() -> Imports {
        var imports = Imports()
        let prints: [(String, [ValueType])] = [
            ("print", []), ("print_i32", [.i32]), ("print_i64", [.i64]), ("print_f32", [.f32]),
            ("print_f64", [.f64]), ("print_i32_f32", [.i32, .f32]), ("print_f64_f64", [.f64, .f64]),
        ]
        for (name, params) in prints {
            // The scripts only need these to link and return; their output is of no interest.
            imports.define(module: "spectest", name: name, HostFunction(FunctionType(params: params, results: [])) { _ in })
        }
        func global(_ name: String, _ type: ValueType, _ value: Value) {
            let g = GlobalInstance(type: GlobalType(type: type, mutable: false), value: value)
            imports.define(module: "spectest", name: name, .global(g))
        }
        global("global_i32", .i32, .i32(666))
        global("global_i64", .i64, .i64(666))
        global("global_f32", .f32, .f32(Float(666.6).bitPattern))
        global("global_f64", .f64, .f64(Double(666.6).bitPattern))
        imports.define(module: "spectest", name: "table",
                       .table(TableInstance(type: TableType(element: .funcRef, min: 10, max: 20))))
        imports.define(module: "spectest", name: "memory", .memory(MemoryInstance(type: MemoryType(min: 1, max: 2))))
        return imports
    }
}
