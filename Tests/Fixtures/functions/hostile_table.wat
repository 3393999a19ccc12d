;; Hostile: a giant table (50 million function references, 800 MB if the host made it).
;; Verdict: table limit, before anything is allocated.
(module
  (memory (export "memory") 2)
  (table 50000000 funcref)
  (func (export "ledge_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
