;; Test plugin for tests/unit/test_wasm_plugin.c (compiled by cmake/modules/wasm.cmake).
;; Middleware: a request for "/blocked..." is answered 403 (short-circuit);
;; any other gets status 0 (continue) with a header added to the response and a
;; context value ("wasm-user") for the handler.
(module
  (memory (export "memory") 1)
  (func (export "cx_plugin_alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 16) "403\nContent-Type: text/plain\n\nblocked by wasm\n")
  (data (i32.const 256) "0\nX-Wasm-Filter: passed\nCx-Ctx-wasm-user: alice\n\n")
  ;; "GET /blocked": the 8 bytes after "GET " are "/blocked" (little-endian i64)
  (func (export "cx_plugin_handle") (param $p i32) (param $n i32) (result i64)
    (if (i32.and (i32.ge_u (local.get $n) (i32.const 12))
                 (i64.eq (i64.load offset=4 (local.get $p)) (i64.const 7234306451255878191)))
      (then (return (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 46)))))
    (i64.or (i64.shl (i64.const 256) (i64.const 32)) (i64.const 49))))
