;; The smallest ABI v1 function: does nothing and returns 0 (for overhead and cold-start benchmarks).
(module
  (memory (export "memory") 2)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
