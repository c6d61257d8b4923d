;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Answers the number of calls this instance has served (one digit, mod 10):
;; "1" every time with fresh instances, growing with reused ones.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 16) "200\n\nN")
  (func (export "cx_plugin_handle") (param i32 i32) (result i64)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store8 (i32.const 21) (i32.add (i32.const 48) (i32.rem_u (global.get $n) (i32.const 10))))
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 6))))
