;; Hostile: divides by zero. Verdict: integer divide by zero.
(module
  (memory (export "memory") 2)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32)
    (i32.div_u (i32.const 1) (i32.sub (local.get 1) (local.get 1)))))
