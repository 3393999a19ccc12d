;; Hostile: imports a function the host does not have. Verdict: refused at load, the import named.
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32) (call $system (i32.const 0))))
