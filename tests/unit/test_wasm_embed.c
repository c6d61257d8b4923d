/* The wasm embedding API not covered elsewhere: standalone memories, tables
 * and globals shared through imports, importing every export of another
 * instance, exports by (name, length, kind), result types, the per-instance
 * user pointer, the WASI exit code, and the handler and middleware entry
 * points of a mount registered on a router by hand (through a real server).
 *
 * The guests are inline binaries of these texts (wat2wasm):
 *
 * importer: (module (type $t (func (result i32)))
 *   (import "host" "mem" (memory 1 4)) (import "host" "tab" (table 2 10 funcref))
 *   (import "host" "g" (global $g (mut i32))) (import "host" "gc" (global $gc i64))
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 *   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
 *   (func (export "size") (result i32) memory.size)
 *   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
 *   (func (export "getg") (result i32) global.get $g)
 *   (func (export "setg") (param i32) local.get 0 global.set $g)
 *   (func (export "getgc") (result i64) global.get $gc)
 *   (func (export "tsize") (result i32) table.size 0)
 *   (func (export "calltab") (param i32) (result i32) local.get 0 call_indirect (type $t)))
 * provider: (module (memory (export "mem") 1 4) (table (export "tab") 2 10 funcref)
 *   (global (export "g") (mut i32) (i32.const 5)) (global (export "gc") i64 (i64.const 99))
 *   (func $f42 (result i32) i32.const 42)
 *   (func (export "mix") (param i32 i64) (result f64 i32 i64 f32) ...)
 *   (elem (i32.const 1) $f42) (export "f42" (func $f42)) (export "a\00b" (func $f42))
 *   (data (i32.const 8) "\2a\00\00\00"))
 * exit: (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 *   (func (export "quit") (param i32) local.get 0 call $exit unreachable)
 *   (func (export "user_ok") (result i32) i32.const 1))
 * iovs: (module (import "wasi_snapshot_preview1" "fd_write"
 *     (func $w (param i32 i32 i32 i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (func (export "writev") (param $n i32) (result i32)
 *     (call $w (i32.const 1) (i32.const 0) (local.get $n) (i32.const 65532))))
 * user: (module (import "env" "peek" (func $peek (result i32)))
 *   (func (export "run") (result i32) call $peek))
 * echo: a plugin answering "200", Content-Type: text/plain, X-Plugin: echo and
 *   the request bytes it was given as the body (the head is stored just
 *   below the request, at 4096 - 45).
 * filter, trap: tests/wasm/filter.wat and tests/wasm/trap.wat. */
#include "harness.h"
#include "test_server.h"
#include <arpa/inet.h>
#include <cortex/cortex.h>
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const unsigned char importer_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x05, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01,
    0x7e, 0x02, 0x31, 0x04, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01,
    0x04, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x01, 0x02, 0x0a, 0x04,
    0x68, 0x6f, 0x73, 0x74, 0x01, 0x67, 0x03, 0x7f, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x02, 0x67,
    0x63, 0x03, 0x7e, 0x00, 0x03, 0x0a, 0x09, 0x01, 0x02, 0x00, 0x01, 0x00, 0x03, 0x04, 0x00, 0x01,
    0x07, 0x46, 0x09, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x00, 0x01, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x02, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x03,
    0x04, 0x67, 0x65, 0x74, 0x67, 0x00, 0x04, 0x04, 0x73, 0x65, 0x74, 0x67, 0x00, 0x05, 0x05, 0x67,
    0x65, 0x74, 0x67, 0x63, 0x00, 0x06, 0x05, 0x74, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x07, 0x07, 0x63,
    0x61, 0x6c, 0x6c, 0x74, 0x61, 0x62, 0x00, 0x08, 0x0a, 0x3e, 0x09, 0x07, 0x00, 0x20, 0x00, 0x28,
    0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x3f,
    0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x24, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x01, 0x0b, 0x05, 0x00, 0xfc, 0x10, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
};

static const unsigned char provider_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x02, 0x60, 0x00, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7e, 0x04, 0x7c, 0x7f, 0x7e, 0x7d, 0x03, 0x03, 0x02, 0x00, 0x01, 0x04,
    0x05, 0x01, 0x70, 0x01, 0x02, 0x0a, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x06, 0x0c, 0x02,
    0x7f, 0x01, 0x41, 0x05, 0x0b, 0x7e, 0x00, 0x42, 0xe3, 0x00, 0x0b, 0x07, 0x28, 0x07, 0x03,
    0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x01, 0x67, 0x03, 0x00,
    0x02, 0x67, 0x63, 0x03, 0x01, 0x03, 0x6d, 0x69, 0x78, 0x00, 0x01, 0x03, 0x66, 0x34, 0x32,
    0x00, 0x00, 0x03, 0x61, 0x00, 0x62, 0x00, 0x00, 0x09, 0x07, 0x01, 0x00, 0x41, 0x01, 0x0b,
    0x01, 0x00, 0x0a, 0x1b, 0x02, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x14, 0x00, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x20, 0x00, 0x20, 0x01, 0x43, 0x00, 0x00, 0x00, 0x40,
    0x0b, 0x0b, 0x0a, 0x01, 0x00, 0x41, 0x08, 0x0b, 0x04, 0x2a, 0x00, 0x00, 0x00,
};

static const unsigned char exit_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x01, 0x7f,
    0x00, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x24, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f,
    0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69,
    0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00,
    0x00, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x12, 0x02, 0x04, 0x71, 0x75, 0x69, 0x74,
    0x00, 0x01, 0x07, 0x75, 0x73, 0x65, 0x72, 0x5f, 0x6f, 0x6b, 0x00, 0x02, 0x0a, 0x0e,
    0x02, 0x07, 0x00, 0x20, 0x00, 0x10, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x01, 0x0b,
};

static const unsigned char iovs_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x02, 0x60, 0x04, 0x7f, 0x7f, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x23, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69,
    0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65,
    0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x03, 0x02, 0x01,
    0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
    0x02, 0x00, 0x06, 0x77, 0x72, 0x69, 0x74, 0x65, 0x76, 0x00, 0x01, 0x0a, 0x10, 0x01, 0x0e, 0x00,
    0x41, 0x01, 0x41, 0x00, 0x20, 0x00, 0x41, 0xfc, 0xff, 0x03, 0x10, 0x00, 0x0b,
};

static const unsigned char user_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
    0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x70, 0x65, 0x65,
    0x6b, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75,
    0x6e, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
};

static const unsigned char echo_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x03, 0x03, 0x02, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x2f, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0f, 0x63, 0x78, 0x5f,
    0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x00, 0x10, 0x63,
    0x78, 0x5f, 0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x68, 0x61, 0x6e, 0x64, 0x6c, 0x65, 0x00,
    0x01, 0x0a, 0x17, 0x02, 0x05, 0x00, 0x41, 0x80, 0x20, 0x0b, 0x0f, 0x00, 0x42, 0xd3, 0x1f, 0x42,
    0x20, 0x86, 0x20, 0x01, 0x41, 0x2d, 0x6a, 0xad, 0x84, 0x0b, 0x0b, 0x34, 0x01, 0x00, 0x41, 0xd3,
    0x1f, 0x0b, 0x2d, 0x32, 0x30, 0x30, 0x0a, 0x43, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x54,
    0x79, 0x70, 0x65, 0x3a, 0x20, 0x74, 0x65, 0x78, 0x74, 0x2f, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x0a,
    0x58, 0x2d, 0x50, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x3a, 0x20, 0x65, 0x63, 0x68, 0x6f, 0x0a, 0x0a,
};

static const unsigned char filter_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x03, 0x03, 0x02, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x2f, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0f, 0x63, 0x78, 0x5f,
    0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x00, 0x10, 0x63,
    0x78, 0x5f, 0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x68, 0x61, 0x6e, 0x64, 0x6c, 0x65, 0x00,
    0x01, 0x0a, 0x36, 0x02, 0x05, 0x00, 0x41, 0x80, 0x20, 0x0b, 0x2e, 0x00, 0x20, 0x01, 0x41, 0x0c,
    0x4f, 0x20, 0x00, 0x29, 0x03, 0x04, 0x42, 0xaf, 0xc4, 0xb1, 0xfb, 0xb6, 0xec, 0xda, 0xb2, 0xe4,
    0x00, 0x51, 0x71, 0x04, 0x40, 0x42, 0x10, 0x42, 0x20, 0x86, 0x42, 0x2e, 0x84, 0x0f, 0x0b, 0x42,
    0x80, 0x02, 0x42, 0x20, 0x86, 0x42, 0x31, 0x84, 0x0b, 0x0b, 0x6b, 0x02, 0x00, 0x41, 0x10, 0x0b,
    0x2e, 0x34, 0x30, 0x33, 0x0a, 0x43, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x54, 0x79, 0x70,
    0x65, 0x3a, 0x20, 0x74, 0x65, 0x78, 0x74, 0x2f, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x0a, 0x0a, 0x62,
    0x6c, 0x6f, 0x63, 0x6b, 0x65, 0x64, 0x20, 0x62, 0x79, 0x20, 0x77, 0x61, 0x73, 0x6d, 0x0a, 0x00,
    0x41, 0x80, 0x02, 0x0b, 0x31, 0x30, 0x0a, 0x58, 0x2d, 0x57, 0x61, 0x73, 0x6d, 0x2d, 0x46, 0x69,
    0x6c, 0x74, 0x65, 0x72, 0x3a, 0x20, 0x70, 0x61, 0x73, 0x73, 0x65, 0x64, 0x0a, 0x43, 0x78, 0x2d,
    0x43, 0x74, 0x78, 0x2d, 0x77, 0x61, 0x73, 0x6d, 0x2d, 0x75, 0x73, 0x65, 0x72, 0x3a, 0x20, 0x61,
    0x6c, 0x69, 0x63, 0x65, 0x0a, 0x0a,
};

static const unsigned char trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x03, 0x03, 0x02, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x2f, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0f, 0x63, 0x78, 0x5f,
    0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x00, 0x10, 0x63,
    0x78, 0x5f, 0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x68, 0x61, 0x6e, 0x64, 0x6c, 0x65, 0x00,
    0x01, 0x0a, 0x0b, 0x02, 0x05, 0x00, 0x41, 0x80, 0x20, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

#define MOD(name) name##_wasm, sizeof name##_wasm

static cx_wasm_module *load(const unsigned char *b, size_t n) {
    cx_wasm_module *m = NULL;
    char err[CX_WASM_ERROR_MAX];
    int rc = cx_wasm_module_new(b, n, NULL, &m, err);
    if (rc) fprintf(stderr, "  module: %d %s\n", rc, err);
    return m;
}

static cx_wasm_val I32(int32_t v) {
    cx_wasm_val x = {.type = CX_WASM_I32};
    x.of.i32 = v;
    return x;
}

static cx_wasm_val I64(int64_t v) {
    cx_wasm_val x = {.type = CX_WASM_I64};
    x.of.i64 = v;
    return x;
}

/* Call an export of inst; the i32 result (or -999 when absent, -998 on error). */
static int32_t call_i32(cx_wasm_instance *inst, const char *name, const cx_wasm_val *args,
                        uint32_t nargs) {
    cx_wasm_func *f = cx_wasm_instance_func(inst, name);
    if (!f) return -999;
    cx_wasm_val r[1] = {{0}};
    uint32_t nr = cx_wasm_func_result_count(f);
    if (cx_wasm_call(inst, f, args, nargs, r, nr, NULL)) return -998;
    return r[0].of.i32;
}

/* ---- standalone host objects ------------------------------------------------------- */

TEST(memory_new_grow_free) {
    cx_wasm_memory *m = cx_wasm_memory_new(1, 3);
    CHECK(m != NULL);
    CHECK_EQ(cx_wasm_memory_size(m), 65536);
    /* Zero-filled, readable and writable up to its size only. */
    uint8_t b[4] = {9, 9, 9, 9};
    CHECK_EQ(cx_wasm_memory_read(m, 65532, b, 4), 0);
    CHECK(b[0] == 0 && b[3] == 0);
    CHECK_EQ(cx_wasm_memory_write(m, 65533, "abcd", 4), CX_ERANGE);
    CHECK_EQ(cx_wasm_memory_write(m, 100, "abcd", 4), 0);
    /* Grow returns the old size in pages; the contents stay; past max: -1. */
    CHECK_EQ(cx_wasm_memory_grow(m, 0), 1);
    CHECK_EQ(cx_wasm_memory_grow(m, 1), 1);
    CHECK_EQ(cx_wasm_memory_size(m), 2 * 65536);
    CHECK_EQ(cx_wasm_memory_write(m, 65536 + 10, "x", 1), 0);
    CHECK_EQ(cx_wasm_memory_read(m, 100, b, 4), 0);
    CHECK(!memcmp(b, "abcd", 4));
    CHECK_EQ(cx_wasm_memory_grow(m, 2), -1); /* 4 > max 3 */
    CHECK_EQ(cx_wasm_memory_size(m), 2 * 65536);
    CHECK_EQ(cx_wasm_memory_grow(m, 1), 2);
    CHECK_EQ(cx_wasm_memory_grow(m, 1), -1);
    CHECK_EQ(cx_wasm_memory_grow(m, UINT32_MAX), -1);
    cx_wasm_memory_free(m);
    /* No maximum: growth stops at the 4 GiB of wasm32 (65536 pages). */
    m = cx_wasm_memory_new(0, UINT32_MAX);
    CHECK(m != NULL);
    CHECK_EQ(cx_wasm_memory_size(m), 0);
    CHECK(cx_wasm_memory_ptr(m, 0, 1) == NULL);
    CHECK_EQ(cx_wasm_memory_grow(m, 65537), -1);
    CHECK_EQ(cx_wasm_memory_grow(m, 2), 0);
    CHECK_EQ(cx_wasm_memory_size(m), 2 * 65536);
    cx_wasm_memory_free(m);
    /* Refused: min above max, min above 65536 pages. */
    CHECK(cx_wasm_memory_new(3, 2) == NULL);
    CHECK(cx_wasm_memory_new(65537, UINT32_MAX) == NULL);
    CHECK_EQ(cx_wasm_memory_grow(NULL, 1), -1);
    cx_wasm_memory_free(NULL); /* a no-op */
}

TEST(table_new_free) {
    cx_wasm_table *t = cx_wasm_table_new(CX_WASM_FUNCREF, 2, 10);
    CHECK(t != NULL);
    CHECK_EQ(cx_wasm_table_size(t), 2);
    cx_wasm_val v;
    CHECK_EQ(cx_wasm_table_get(t, 1, &v), 0);
    CHECK_EQ(v.type, CX_WASM_FUNCREF);
    CHECK(v.of.ref == NULL); /* starts null */
    CHECK_EQ(cx_wasm_table_get(t, 2, &v), CX_ERANGE);
    cx_wasm_val ext = {.type = CX_WASM_EXTERNREF};
    ext.of.ref = &v;
    CHECK_EQ(cx_wasm_table_set(t, 0, ext), CX_EINVAL); /* wrong element type */
    cx_wasm_table_free(t);
    /* externref tables hold any host pointer. */
    t = cx_wasm_table_new(CX_WASM_EXTERNREF, 1, 1);
    CHECK(t != NULL);
    CHECK_EQ(cx_wasm_table_set(t, 0, ext), 0);
    CHECK_EQ(cx_wasm_table_get(t, 0, &v), 0);
    CHECK(v.of.ref == (void *)&v);
    cx_wasm_table_free(t);
    t = cx_wasm_table_new(CX_WASM_FUNCREF, 0, 0); /* empty is fine */
    CHECK(t != NULL);
    CHECK_EQ(cx_wasm_table_size(t), 0);
    cx_wasm_table_free(t);
    /* Refused: element types other than funcref/externref, min above max,
     * min above the table size limit. */
    CHECK(cx_wasm_table_new(CX_WASM_I32, 1, 1) == NULL);
    CHECK(cx_wasm_table_new(CX_WASM_FUNCREF, 5, 4) == NULL);
    CHECK(cx_wasm_table_new(CX_WASM_FUNCREF, CX_WASM_DEFAULT_MAX_TABLE_SIZE + 1, UINT32_MAX) ==
          NULL);
    cx_wasm_table_free(NULL);
}

TEST(global_new_get_set_free) {
    cx_wasm_val odd = {.type = 0x42};
    CHECK(cx_wasm_global_new(odd, true) == NULL); /* not a value type */
    cx_wasm_global *g = cx_wasm_global_new(I32(-7), true);
    CHECK(g != NULL);
    CHECK_EQ(cx_wasm_global_get(g).type, CX_WASM_I32);
    CHECK_EQ(cx_wasm_global_get(g).of.i32, -7);
    CHECK_EQ(cx_wasm_global_set(g, I32(8)), 0);
    CHECK_EQ(cx_wasm_global_get(g).of.i32, 8);
    CHECK_EQ(cx_wasm_global_set(g, I64(8)), CX_EINVAL); /* wrong type */
    cx_wasm_global_free(g);
    g = cx_wasm_global_new(I64(INT64_MIN), false);
    CHECK_EQ(cx_wasm_global_get(g).of.i64, INT64_MIN);
    CHECK_EQ(cx_wasm_global_set(g, I64(1)), CX_ESTATE); /* immutable */
    CHECK_EQ(cx_wasm_global_get(g).of.i64, INT64_MIN);
    cx_wasm_global_free(g);
    /* Float bits survive exactly (a NaN payload). */
    cx_wasm_val f = {.type = CX_WASM_F64};
    f.of.f64_bits = 0x7ff8000000000123ull;
    g = cx_wasm_global_new(f, true);
    CHECK(cx_wasm_global_get(g).of.f64_bits == 0x7ff8000000000123ull);
    cx_wasm_global_free(g);
    f.type = CX_WASM_F32;
    f.of.f64_bits = 0;
    f.of.f32_bits = 0x7fc00042u;
    g = cx_wasm_global_new(f, false);
    CHECK(cx_wasm_global_get(g).of.f32_bits == 0x7fc00042u);
    cx_wasm_global_free(g);
    cx_wasm_global_free(NULL);
}

/* ---- host objects imported by a module ----------------------------------------------- */

typedef struct host_set {
    cx_wasm_memory *mem;
    cx_wasm_table *tab;
    cx_wasm_global *g, *gc;
    cx_wasm_imports *im;
} host_set;

static void host_set_make(host_set *h, uint32_t mem_min, uint32_t mem_max, bool g_mut) {
    h->mem = cx_wasm_memory_new(mem_min, mem_max);
    h->tab = cx_wasm_table_new(CX_WASM_FUNCREF, 2, 10);
    h->g = cx_wasm_global_new(I32(5), g_mut);
    h->gc = cx_wasm_global_new(I64(99), false);
    h->im = cx_wasm_imports_new();
    CHECK_EQ(cx_wasm_imports_add_memory(h->im, "host", "mem", h->mem), 0);
    CHECK_EQ(cx_wasm_imports_add_table(h->im, "host", "tab", h->tab), 0);
    CHECK_EQ(cx_wasm_imports_add_global(h->im, "host", "g", h->g), 0);
    CHECK_EQ(cx_wasm_imports_add_global(h->im, "host", "gc", h->gc), 0);
}

static void host_set_free(host_set *h) {
    cx_wasm_imports_free(h->im);
    cx_wasm_memory_free(h->mem);
    cx_wasm_table_free(h->tab);
    cx_wasm_global_free(h->g);
    cx_wasm_global_free(h->gc);
}

TEST(imports_add_memory_table_global) {
    cx_wasm_module *imp = load(MOD(importer)), *prov = load(MOD(provider));
    CHECK(imp && prov);
    if (!imp || !prov) return;
    host_set h;
    host_set_make(&h, 1, 4, true);
    cx_wasm_instance *a = NULL, *b = NULL;
    char err[CX_WASM_ERROR_MAX];
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, err), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &b, NULL, err), 0);
    if (!a || !b) return;
    /* One memory: a store by one instance or the host is seen by all. */
    cx_wasm_val st[2] = {I32(64), I32(0x1234)};
    CHECK_EQ(call_i32(a, "store", st, 2), 0);
    cx_wasm_val at = I32(64);
    CHECK_EQ(call_i32(b, "load", &at, 1), 0x1234);
    uint32_t v = 0;
    CHECK_EQ(cx_wasm_memory_read(h.mem, 64, &v, 4), 0);
    CHECK_EQ(v, 0x1234);
    CHECK_EQ(cx_wasm_memory_write(h.mem, 64, "\x01\x00\x00\x00", 4), 0);
    CHECK_EQ(call_i32(a, "load", &at, 1), 1);
    CHECK(cx_wasm_instance_default_memory(a) == h.mem);
    /* Growth from wasm or from the host is seen by both, up to max 4. */
    CHECK_EQ(call_i32(a, "size", NULL, 0), 1);
    cx_wasm_val one = I32(1);
    CHECK_EQ(call_i32(a, "grow", &one, 1), 1);
    CHECK_EQ(cx_wasm_memory_grow(h.mem, 1), 2);
    CHECK_EQ(call_i32(b, "size", NULL, 0), 3);
    cx_wasm_val two = I32(2);
    CHECK_EQ(call_i32(b, "grow", &two, 1), -1);
    CHECK_EQ(call_i32(b, "grow", &one, 1), 3);
    /* One mutable global. */
    CHECK_EQ(call_i32(a, "getg", NULL, 0), 5);
    cx_wasm_val nine = I32(9);
    call_i32(a, "setg", &nine, 1);
    CHECK_EQ(call_i32(b, "getg", NULL, 0), 9);
    CHECK_EQ(cx_wasm_global_get(h.g).of.i32, 9);
    CHECK_EQ(cx_wasm_global_set(h.g, I32(-3)), 0);
    CHECK_EQ(call_i32(a, "getg", NULL, 0), -3);
    cx_wasm_func *getgc = cx_wasm_instance_func(a, "getgc");
    cx_wasm_val r64;
    CHECK_EQ(cx_wasm_call(a, getgc, NULL, 0, &r64, 1, NULL), 0);
    CHECK_EQ(r64.of.i64, 99);
    /* One table: a function stored by the host is called by index; an
     * empty slot traps. */
    cx_wasm_instance *p = NULL;
    CHECK_EQ(cx_wasm_instance_new(prov, NULL, NULL, &p, NULL, err), 0);
    CHECK_EQ(call_i32(a, "tsize", NULL, 0), 2);
    cx_wasm_val fr = {.type = CX_WASM_FUNCREF};
    fr.of.ref = cx_wasm_instance_func(p, "f42");
    CHECK_EQ(cx_wasm_table_set(h.tab, 1, fr), 0);
    CHECK_EQ(call_i32(b, "calltab", &one, 1), 42);
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    cx_wasm_val zero = I32(0), res;
    CHECK_EQ(cx_wasm_call(a, cx_wasm_instance_func(a, "calltab"), &zero, 1, &res, 1, &trap),
             CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_UNINIT_ELEMENT);
    cx_wasm_instance_free(a);
    cx_wasm_instance_free(b);
    cx_wasm_instance_free(p);
    host_set_free(&h);
    cx_wasm_module_free(imp);
    cx_wasm_module_free(prov);
}

TEST(imports_type_mismatches_are_refused) {
    cx_wasm_module *imp = load(MOD(importer));
    CHECK(imp != NULL);
    if (!imp) return;
    cx_wasm_instance *a = NULL;
    host_set h;
    /* A memory without a maximum, where the import asks for max 4. */
    host_set_make(&h, 1, UINT32_MAX, true);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    CHECK(a == NULL);
    host_set_free(&h);
    /* A memory smaller than the import's minimum, or with a larger max. */
    host_set_make(&h, 0, 4, true);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    host_set_free(&h);
    host_set_make(&h, 1, 5, true);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    host_set_free(&h);
    /* An immutable global where a mutable one is imported. */
    host_set_make(&h, 1, 4, false);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    /* Replacing the entry (same name again) fixes it. */
    cx_wasm_global *g = cx_wasm_global_new(I32(1), true);
    CHECK_EQ(cx_wasm_imports_add_global(h.im, "host", "g", g), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), 0);
    CHECK_EQ(call_i32(a, "getg", NULL, 0), 1);
    cx_wasm_instance_free(a);
    a = NULL;
    /* A global of another value type. */
    cx_wasm_global *g64 = cx_wasm_global_new(I64(1), true);
    CHECK_EQ(cx_wasm_imports_add_global(h.im, "host", "g", g64), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    /* A memory given where a table is imported, and a missing name. */
    CHECK_EQ(cx_wasm_imports_add_global(h.im, "host", "g", g), 0);
    CHECK_EQ(cx_wasm_imports_add_memory(h.im, "host", "tab", h.mem), 0);
    CHECK(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL) < 0);
    CHECK(a == NULL);
    cx_wasm_imports *partial = cx_wasm_imports_new();
    CHECK_EQ(cx_wasm_imports_add_memory(partial, "host", "mem", h.mem), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, partial, NULL, &a, NULL, NULL), CX_ENOTFOUND);
    cx_wasm_imports_free(partial);
    /* A table of externref where funcref is imported. */
    cx_wasm_table *et = cx_wasm_table_new(CX_WASM_EXTERNREF, 2, 10);
    CHECK_EQ(cx_wasm_imports_add_table(h.im, "host", "tab", et), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, h.im, NULL, &a, NULL, NULL), CX_EINVAL);
    cx_wasm_table_free(et);
    cx_wasm_global_free(g);
    cx_wasm_global_free(g64);
    host_set_free(&h);
    cx_wasm_module_free(imp);
}

TEST(imports_add_instance_links_every_export) {
    cx_wasm_module *imp = load(MOD(importer)), *prov = load(MOD(provider));
    CHECK(imp && prov);
    if (!imp || !prov) return;
    cx_wasm_instance *p = NULL, *a = NULL;
    char err[CX_WASM_ERROR_MAX];
    CHECK_EQ(cx_wasm_instance_new(prov, NULL, NULL, &p, NULL, err), 0);
    cx_wasm_imports *im = cx_wasm_imports_new();
    CHECK_EQ(cx_wasm_imports_add_instance(im, "host", p), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, im, NULL, &a, NULL, err), 0);
    if (!a) return;
    /* The provider's memory (with its data), table (with its element),
     * mutable global and constant global. */
    cx_wasm_val at = I32(8), one = I32(1);
    CHECK_EQ(call_i32(a, "load", &at, 1), 42);
    CHECK_EQ(call_i32(a, "calltab", &one, 1), 42);
    CHECK_EQ(call_i32(a, "getg", NULL, 0), 5);
    cx_wasm_val seven = I32(7);
    call_i32(a, "setg", &seven, 1);
    CHECK_EQ(cx_wasm_global_get(cx_wasm_instance_global(p, "g")).of.i32, 7);
    CHECK(cx_wasm_instance_default_memory(a) == cx_wasm_instance_memory(p, "mem"));
    cx_wasm_instance_free(a);
    a = NULL;
    /* Under another module name nothing matches. */
    cx_wasm_imports *other = cx_wasm_imports_new();
    CHECK_EQ(cx_wasm_imports_add_instance(other, "elsewhere", p), 0);
    CHECK_EQ(cx_wasm_instance_new(imp, other, NULL, &a, NULL, err), CX_ENOTFOUND);
    /* Errors. */
    CHECK_EQ(cx_wasm_imports_add_instance(other, "host", NULL), CX_EINVAL);
    CHECK_EQ(cx_wasm_imports_add_instance(other, NULL, p), CX_EINVAL);
    cx_wasm_imports_free(other);
    cx_wasm_imports_free(im);
    cx_wasm_instance_free(p);
    cx_wasm_module_free(imp);
    cx_wasm_module_free(prov);
}

TEST(imports_add_instance_null_module_without_exports) {
    /* The smallest module: no imports, no exports. Adding its instance under
     * a NULL module name, or to a NULL set, is refused like the other
     * cx_wasm_imports_add_* functions, even though there is nothing to add. */
    static const unsigned char empty[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    cx_wasm_module *m = load(empty, sizeof empty);
    CHECK(m != NULL);
    if (!m) return;
    cx_wasm_instance *inst = NULL;
    CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), 0);
    cx_wasm_imports *im = cx_wasm_imports_new();
    CHECK(im != NULL);
    CHECK_EQ(cx_wasm_imports_add_instance(im, NULL, inst), CX_EINVAL);
    CHECK_EQ(cx_wasm_imports_add_instance(NULL, "host", inst), CX_EINVAL);
    CHECK_EQ(cx_wasm_imports_add_instance(im, "host", NULL), CX_EINVAL);
    CHECK_EQ(cx_wasm_imports_add_func(im, NULL, "f", NULL), CX_EINVAL); /* the same rule */
    /* With a module name it is a valid no-op. */
    CHECK_EQ(cx_wasm_imports_add_instance(im, "host", inst), 0);
    cx_wasm_imports_free(im);
    cx_wasm_instance_free(inst);
    cx_wasm_module_free(m);
}

/* ---- exports, signatures, user data, exit ------------------------------------------- */

TEST(instance_export_by_name_length_and_kind) {
    cx_wasm_module *prov = load(MOD(provider));
    CHECK(prov != NULL);
    if (!prov) return;
    cx_wasm_instance *p = NULL;
    CHECK_EQ(cx_wasm_instance_new(prov, NULL, NULL, &p, NULL, NULL), 0);
    if (!p) return;
    cx_wasm_func *f42 = cx_wasm_instance_export(p, "f42", 3, 0);
    CHECK(f42 != NULL);
    CHECK(f42 == cx_wasm_instance_func(p, "f42"));
    /* A name holding a NUL: only reachable with its length. */
    CHECK(cx_wasm_instance_export(p, "a\0b", 3, 0) == f42);
    CHECK(cx_wasm_instance_func(p, "a") == NULL);
    CHECK(cx_wasm_instance_export(p, "a", 1, 0) == NULL);
    /* Each kind. */
    CHECK(cx_wasm_instance_export(p, "tab", 3, 1) == cx_wasm_instance_table(p, "tab"));
    CHECK(cx_wasm_instance_export(p, "mem", 3, 2) == cx_wasm_instance_memory(p, "mem"));
    CHECK(cx_wasm_instance_export(p, "g", 1, 3) == cx_wasm_instance_global(p, "g"));
    CHECK(cx_wasm_instance_export(p, "tab", 3, 1) != NULL);
    /* The right name with the wrong kind, a prefix, a longer name, NULLs. */
    CHECK(cx_wasm_instance_export(p, "mem", 3, 0) == NULL);
    CHECK(cx_wasm_instance_export(p, "f42", 3, 3) == NULL);
    CHECK(cx_wasm_instance_export(p, "f4", 2, 0) == NULL);
    CHECK(cx_wasm_instance_export(p, "f42x", 4, 0) == NULL);
    CHECK(cx_wasm_instance_export(p, "f42", 3, 7) == NULL);
    CHECK(cx_wasm_instance_export(p, NULL, 0, 0) == NULL);
    CHECK(cx_wasm_instance_export(NULL, "f42", 3, 0) == NULL);
    cx_wasm_instance_free(p);
    cx_wasm_module_free(prov);
}

TEST(func_result_types) {
    cx_wasm_module *prov = load(MOD(provider));
    CHECK(prov != NULL);
    if (!prov) return;
    cx_wasm_instance *p = NULL;
    CHECK_EQ(cx_wasm_instance_new(prov, NULL, NULL, &p, NULL, NULL), 0);
    if (!p) return;
    cx_wasm_func *mix = cx_wasm_instance_func(p, "mix");
    CHECK_EQ(cx_wasm_func_result_count(mix), 4);
    CHECK_EQ(cx_wasm_func_result_type(mix, 0), CX_WASM_F64);
    CHECK_EQ(cx_wasm_func_result_type(mix, 1), CX_WASM_I32);
    CHECK_EQ(cx_wasm_func_result_type(mix, 2), CX_WASM_I64);
    CHECK_EQ(cx_wasm_func_result_type(mix, 3), CX_WASM_F32);
    CHECK_EQ(cx_wasm_func_result_type(mix, 4), 0);          /* past the end */
    CHECK_EQ(cx_wasm_func_param_type(mix, 0), CX_WASM_I32); /* params do not leak in */
    cx_wasm_val args[2] = {I32(3), I64(-4)}, r[4];
    CHECK_EQ(cx_wasm_call(p, mix, args, 2, r, 4, NULL), 0);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(r[i].type, cx_wasm_func_result_type(mix, i));
    CHECK(r[0].of.f64 == 1.5);
    CHECK_EQ(r[1].of.i32, 3);
    CHECK_EQ(r[2].of.i64, -4);
    CHECK(r[3].of.f32 == 2.0f);
    cx_wasm_func *f42 = cx_wasm_instance_func(p, "f42");
    CHECK_EQ(cx_wasm_func_result_type(f42, 0), CX_WASM_I32);
    CHECK_EQ(cx_wasm_func_result_type(f42, 1), 0);
    /* A host function reports the types it was made with. */
    uint8_t params[1] = {CX_WASM_I64}, results[2] = {CX_WASM_F32, CX_WASM_EXTERNREF};
    cx_wasm_func *hf = cx_wasm_func_new(params, 1, results, 2, NULL, NULL);
    if (hf) {
        CHECK_EQ(cx_wasm_func_result_type(hf, 0), CX_WASM_F32);
        CHECK_EQ(cx_wasm_func_result_type(hf, 1), CX_WASM_EXTERNREF);
        CHECK_EQ(cx_wasm_func_result_type(hf, 2), 0);
        cx_wasm_func_free(hf);
    }
    cx_wasm_instance_free(p);
    cx_wasm_module_free(prov);
}

typedef struct peek_state {
    cx_wasm_instance *seen;
    void *user;
} peek_state;

/* A host function reading the calling instance's user pointer. */
static int peek(cx_wasm_instance *inst, void *data, const cx_wasm_val *args, cx_wasm_val *res) {
    (void)args;
    peek_state *ps = data;
    ps->seen = inst;
    ps->user = cx_wasm_instance_user(inst);
    res[0].of.i32 = ps->user ? *(int *)ps->user : -1;
    return 0;
}

TEST(instance_user_pointer) {
    cx_wasm_module *m = load(MOD(user));
    CHECK(m != NULL);
    if (!m) return;
    peek_state ps = {0};
    uint8_t i32 = CX_WASM_I32;
    cx_wasm_func *hf = cx_wasm_func_new(NULL, 0, &i32, 1, peek, &ps);
    cx_wasm_imports *im = cx_wasm_imports_new();
    CHECK_EQ(cx_wasm_imports_add_func(im, "env", "peek", hf), 0);
    cx_wasm_instance *a = NULL, *b = NULL;
    CHECK_EQ(cx_wasm_instance_new(m, im, NULL, &a, NULL, NULL), 0);
    CHECK_EQ(cx_wasm_instance_new(m, im, NULL, &b, NULL, NULL), 0);
    if (!a || !b) return;
    CHECK(cx_wasm_instance_user(a) == NULL); /* none until set */
    CHECK_EQ(call_i32(a, "run", NULL, 0), -1);
    int ua = 11, ub = 22;
    cx_wasm_instance_set_user(a, &ua);
    cx_wasm_instance_set_user(b, &ub);
    CHECK(cx_wasm_instance_user(a) == &ua);
    /* Each instance keeps its own; the host function sees its caller's. */
    CHECK_EQ(call_i32(a, "run", NULL, 0), 11);
    CHECK(ps.seen == a);
    CHECK_EQ(call_i32(b, "run", NULL, 0), 22);
    CHECK(ps.seen == b && ps.user == &ub);
    cx_wasm_instance_set_user(a, NULL);
    CHECK(cx_wasm_instance_user(a) == NULL);
    CHECK(cx_wasm_instance_user(b) == &ub);
    cx_wasm_instance_free(a);
    cx_wasm_instance_free(b);
    cx_wasm_imports_free(im);
    cx_wasm_func_free(hf);
    cx_wasm_module_free(m);
}

/* A guest linked against WASI (no arguments, environment or directory;
 * output discarded). */
typedef struct wasi_guest {
    cx_wasm_module *m;
    cx_wasm_imports *im;
    cx_wasm_wasi *w;
    cx_wasm_instance *inst;
} wasi_guest;

static void wasi_guest_close(wasi_guest *g) {
    cx_wasm_instance_free(g->inst);
    cx_wasm_wasi_free(g->w);
    cx_wasm_imports_free(g->im);
    cx_wasm_module_free(g->m);
}

/* 0 with every part made, else -1 (what was made is freed). */
static int wasi_guest_open(wasi_guest *g, const unsigned char *b, size_t n) {
    memset(g, 0, sizeof *g);
    cx_wasm_wasi_options o = {NULL, NULL, NULL, -1, -1};
    g->m = load(b, n);
    g->im = cx_wasm_imports_new();
    g->w = g->im ? cx_wasm_wasi_new(&o, g->im) : NULL;
    if (g->m && g->w && cx_wasm_instance_new(g->m, g->im, NULL, &g->inst, NULL, NULL) == 0)
        return 0;
    wasi_guest_close(g);
    return -1;
}

/* fd_write's iovec count is bounded like writev's (IOV_MAX): a host call
 * runs outside fuel and deadline, so a guest must not make it loop for
 * billions of entries. The memory is zeros: every iovec is empty. */
TEST(wasi_iovec_count_is_bounded) {
    wasi_guest g;
    CHECK_EQ(wasi_guest_open(&g, MOD(iovs)), 0);
    if (!g.inst) return;
    cx_wasm_instance *a = g.inst;
    cx_wasm_val n = I32(1024);
    CHECK_EQ(call_i32(a, "writev", &n, 1), 0); /* IOV_MAX empty iovecs: fine */
    n = I32(1025);
    CHECK_EQ(call_i32(a, "writev", &n, 1), 28); /* EINVAL */
    n = I32(-1);
    CHECK_EQ(call_i32(a, "writev", &n, 1), 28);
    wasi_guest_close(&g);
}

TEST(exit_code_after_proc_exit) {
    wasi_guest g;
    CHECK_EQ(wasi_guest_open(&g, MOD(exit)), 0);
    if (!g.inst) return;
    cx_wasm_instance *a = g.inst;
    CHECK_EQ(cx_wasm_exit_code(a), 0); /* nothing exited yet */
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    cx_wasm_val code = I32(7);
    cx_wasm_func *quit = cx_wasm_instance_func(a, "quit");
    int rc = cx_wasm_call(a, quit, &code, 1, NULL, 0, &trap);
    CHECK(rc < 0); /* the call ends there: "unreachable" after it never runs */
    CHECK_EQ(trap, CX_WASM_TRAP_EXIT);
    CHECK_EQ(cx_wasm_exit_code(a), 7);
    /* The instance stays usable; another exit replaces the code. */
    CHECK_EQ(call_i32(a, "user_ok", NULL, 0), 1);
    code = I32(0);
    trap = CX_WASM_TRAP_NONE;
    CHECK(cx_wasm_call(a, quit, &code, 1, NULL, 0, &trap) < 0);
    CHECK_EQ(trap, CX_WASM_TRAP_EXIT);
    CHECK_EQ(cx_wasm_exit_code(a), 0);
    code = I32(255);
    cx_wasm_call(a, quit, &code, 1, NULL, 0, &trap);
    CHECK_EQ(cx_wasm_exit_code(a), 255);
    /* Exit codes are per instance. */
    cx_wasm_instance *b = NULL;
    CHECK_EQ(cx_wasm_instance_new(g.m, g.im, NULL, &b, NULL, NULL), 0);
    CHECK_EQ(cx_wasm_exit_code(b), 0);
    cx_wasm_instance_free(b);
    wasi_guest_close(&g);
}

/* ---- the mount's handler and middleware, registered by hand -------------------------- */

/* Write a guest into dir/name; the path (static storage per call site). */
static void put_guest(const char *dir, const char *name, const unsigned char *b, size_t n,
                      char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ(fwrite(b, 1, n, f), n);
    fclose(f);
}

static int h_after_filter(cx_ctx *ctx) {
    const char *user = cx_ctx_get(ctx, "wasm-user");
    char msg[96];
    snprintf(msg, sizeof msg, "handler saw user=%s", user ? user : "(none)");
    return cx_res_send(cx_ctx_res(ctx), "text/plain", msg, strlen(msg));
}

TEST(mount_handle_and_filter_on_a_router) {
    char dir[] = "/tmp/cx-wasm-embed-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char echo_p[128], filter_p[128], trap_p[128], missing_p[128];
    put_guest(dir, "echo.wasm", MOD(echo), echo_p, sizeof echo_p);
    put_guest(dir, "filter.wasm", MOD(filter), filter_p, sizeof filter_p);
    put_guest(dir, "trap.wasm", MOD(trap), trap_p, sizeof trap_p);
    snprintf(missing_p, sizeof missing_p, "%s/missing.wasm", dir);
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *echo = NULL, *filter = NULL, *trap = NULL, *missing = NULL, *ftrap = NULL;
    CHECK_EQ(cx_wasm_mount_new(cache, echo_p, NULL, &echo), 0);
    CHECK_EQ(cx_wasm_mount_new(cache, filter_p, NULL, &filter), 0);
    CHECK_EQ(cx_wasm_mount_new(cache, trap_p, NULL, &trap), 0);
    CHECK_EQ(cx_wasm_mount_new(cache, missing_p, NULL, &missing), 0);
    CHECK_EQ(cx_wasm_mount_new(cache, trap_p, NULL, &ftrap), 0);
    /* Routes: the handler directly with cx_router_add; the middleware with
     * cx_router_use on a second router. */
    cx_router *r = NULL, *rf = NULL, *rt = NULL;
    CHECK_EQ(cx_router_new(&r), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_GET, "/echo", cx_wasm_mount_handle, echo), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_POST, "/echo", cx_wasm_mount_handle, echo), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_GET, "/trap", cx_wasm_mount_handle, trap), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_GET, "/missing", cx_wasm_mount_handle, missing), 0);
    CHECK_EQ(cx_router_new(&rf), 0);
    CHECK_EQ(cx_router_use(rf, cx_wasm_mount_filter, filter), 0);
    CHECK_EQ(cx_router_add(rf, CX_METHOD_GET, "/*rest", h_after_filter, NULL), 0);
    CHECK_EQ(cx_router_new(&rt), 0);
    CHECK_EQ(cx_router_use(rt, cx_wasm_mount_filter, ftrap), 0);
    CHECK_EQ(cx_router_add(rt, CX_METHOD_GET, "/x", h_after_filter, NULL), 0);
    test_srv a = {0}, b = {0}, c = {0};
    CHECK_EQ(test_srv_start(&a, r), 0);
    CHECK_EQ(test_srv_start(&b, rf), 0);
    CHECK_EQ(test_srv_start(&c, rt), 0);
    char out[8192];
    /* The handler: the plugin's status, headers and body (here the request
     * it received, head and body). */
    CHECK_EQ(test_http(a.port, "GET", "/echo?q=1", NULL, out, sizeof out), 200);
    CHECK(strstr(out, "X-Plugin: echo") || strstr(out, "x-plugin: echo"));
    CHECK(!strncmp(test_http_body(out), "GET /echo?q=1", 13));
    CHECK_EQ(test_http(a.port, "POST", "/echo", "payload-123", out, sizeof out), 200);
    CHECK(strstr(test_http_body(out), "payload-123") != NULL);
    CHECK(!strncmp(test_http_body(out), "POST /echo", 10));
    /* Failures become problem responses: a trap is 500, so is a missing file. */
    CHECK_EQ(test_http(a.port, "GET", "/trap", NULL, out, sizeof out), 500);
    CHECK_EQ(test_http(a.port, "GET", "/missing", NULL, out, sizeof out), 500);
    CHECK(cx_wasm_mount_requests(echo) >= 2);
    /* The middleware: continue (status 0) adds its header and a context
     * value for the handler; an answer stops the chain. */
    CHECK_EQ(test_http(b.port, "GET", "/hello", NULL, out, sizeof out), 200);
    CHECK(strstr(out, "X-Wasm-Filter: passed") || strstr(out, "x-wasm-filter: passed"));
    CHECK_STR(test_http_body(out), "handler saw user=alice");
    CHECK(strstr(out, "Cx-Ctx") == NULL && strstr(out, "cx-ctx") == NULL);
    CHECK_EQ(test_http(b.port, "GET", "/blocked/x", NULL, out, sizeof out), 403);
    CHECK_STR(test_http_body(out), "blocked by wasm\n");
    CHECK(strstr(out, "handler saw") == NULL);
    /* A trapping middleware answers 500 and the handler never runs. */
    CHECK_EQ(test_http(c.port, "GET", "/x", NULL, out, sizeof out), 500);
    CHECK(strstr(out, "handler saw") == NULL);
    test_srv_stop(&a);
    test_srv_stop(&b);
    test_srv_stop(&c);
    cx_router_free(r);
    cx_router_free(rf);
    cx_router_free(rt);
    cx_wasm_mount_free(echo);
    cx_wasm_mount_free(filter);
    cx_wasm_mount_free(trap);
    cx_wasm_mount_free(missing);
    cx_wasm_mount_free(ftrap);
    cx_wasm_cache_free(cache);
    unlink(echo_p);
    unlink(filter_p);
    unlink(trap_p);
    rmdir(dir);
}

TEST_MAIN()
