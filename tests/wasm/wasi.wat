;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Imports WASI (as a libc-using plugin would) and writes to stdout, which the
;; mount discards, then answers.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "200\nContent-Type: text/plain\n\nwasi ok\n")
  (data (i32.const 128) "log line from the plugin\n")
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "cx_plugin_handle") (param i32 i32) (result i64)
    ;; one iovec at 64: {ptr 128, len 25}; the count written goes to 72
    (i32.store (i32.const 64) (i32.const 128))
    (i32.store (i32.const 68) (i32.const 25))
    (if (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72))
      (then unreachable))
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 38))))
