;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Traps (unreachable) in cx_plugin_handle: the host must answer 500.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "cx_plugin_handle") (param i32 i32) (result i64) unreachable))
