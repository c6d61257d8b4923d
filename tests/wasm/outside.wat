;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Points its response outside its memory: the host must answer 502.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "cx_plugin_handle") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 65000) (i64.const 32)) (i64.const 4096))))
