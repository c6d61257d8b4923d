;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Answers "plugin v1": two versions of this file exercise hot reload.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 16) "200\nContent-Type: text/plain\nX-Version: v1\n\nplugin v1\n")
  (func (export "cx_plugin_handle") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 54))))
