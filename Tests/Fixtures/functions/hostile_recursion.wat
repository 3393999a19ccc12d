;; Hostile: unbounded recursion (not a tail call, no linear-memory stack). Verdict: call stack exhausted.
(module
  (memory (export "memory") 2)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func $deep (param $n i32) (result i32)
    (i32.add (call $deep (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32)
    (call $deep (i32.const 0))))
