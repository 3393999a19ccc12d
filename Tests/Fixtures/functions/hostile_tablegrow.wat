;; Hostile: grows a small table by a million elements at a time until refused. Verdict: table limit.
(module
  (memory (export "memory") 2)
  (table $t 1 funcref)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32)
    (block $done
      (loop $again
        (br_if $done (i32.eq (table.grow $t (ref.null func) (i32.const 1000000)) (i32.const -1)))
        (br $again)))
    (i32.const 0)))
