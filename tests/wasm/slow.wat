;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Counts to twenty million before answering (~20 ms compiled, ~100 ms
;; interpreted): calls that overlap on the pool.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 16) "200\nContent-Type: text/plain\n\nslow done\n")
  (func (export "cx_plugin_handle") (param i32 i32) (result i64)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20000000))))
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 40))))
