/* Unit tests of the WebAssembly embedding API: decode/validate limits,
 * host imports, typed calls, traps, fuel, deadline, memory accessors,
 * exported globals/tables and many instances of one module. The module
 * below is the binary of this text (wat2wasm):
 *
 *   (module
 *     (import "env" "add3" (func $add3 (param i32) (result i32)))
 *     (memory (export "mem") 1 4)
 *     (global $g (export "g") (mut i32) (i32.const 7))
 *     (table (export "tab") 2 funcref)
 *     (data (i32.const 16) "hello")
 *     (func (export "call_host") (param i32) (result i32) local.get 0 call $add3)
 *     (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
 *     (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 *     (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
 *     (func (export "spin") (loop br 0))
 *     (func $rec (export "rec") (param i32) (result i32) local.get 0 call $rec)
 *     (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
 *     (func $fib (export "fib") (param i32) (result i32) ...recursive fib...)
 *     (func (export "swap") (param i64 f64) (result f64 i64) local.get 1 local.get 0)
 *     (func (export "bump") (result i32) ...g += 1; g...)
 *     (func (export "boom") unreachable))
 */
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static const unsigned char test_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1f, 0x06, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x60, 0x02,
    0x7e, 0x7c, 0x02, 0x7c, 0x7e, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76,
    0x04, 0x61, 0x64, 0x64, 0x33, 0x00, 0x00, 0x03, 0x0c, 0x0b, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00,
    0x00, 0x00, 0x04, 0x05, 0x03, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01,
    0x04, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x07, 0x0b, 0x07, 0x61, 0x0e, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x00, 0x01, 0x67, 0x03, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x09, 0x63, 0x61, 0x6c,
    0x6c, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x04, 0x6c,
    0x6f, 0x61, 0x64, 0x00, 0x03, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x04, 0x04, 0x73, 0x70,
    0x69, 0x6e, 0x00, 0x05, 0x03, 0x72, 0x65, 0x63, 0x00, 0x06, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00,
    0x07, 0x03, 0x66, 0x69, 0x62, 0x00, 0x08, 0x04, 0x73, 0x77, 0x61, 0x70, 0x00, 0x09, 0x04, 0x62,
    0x75, 0x6d, 0x70, 0x00, 0x0a, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x00, 0x0b, 0x0a, 0x6c, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b,
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x06, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x1c, 0x00, 0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7f, 0x20,
    0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x08, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x08,
    0x6a, 0x0b, 0x0b, 0x06, 0x00, 0x20, 0x01, 0x20, 0x00, 0x0b, 0x0b, 0x00, 0x23, 0x00, 0x41, 0x01,
    0x6a, 0x24, 0x00, 0x23, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x0b, 0x0b, 0x01, 0x00, 0x41, 0x10,
    0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
static const unsigned int test_module_len = 311;

static int add3(cx_wasm_instance *inst, void *data, const cx_wasm_val *a, cx_wasm_val *r) {
    (void)inst;
    int *calls = data;
    (*calls)++;
    if (a[0].of.i32 == -1) return CX_EINVAL; /* host failure becomes a trap */
    r[0].of.i32 = a[0].of.i32 + 3;
    return 0;
}

typedef struct fixture {
    cx_wasm_module *mod;
    cx_wasm_imports *im;
    cx_wasm_func *host;
    cx_wasm_instance *inst;
    int calls;
} fixture;

static int setup(fixture *f, const cx_wasm_limits *lim) {
    memset(f, 0, sizeof *f);
    char err[CX_WASM_ERROR_MAX];
    if (cx_wasm_module_new(test_module, test_module_len, lim, &f->mod, err)) return -1;
    uint8_t i32 = CX_WASM_I32;
    f->host = cx_wasm_func_new(&i32, 1, &i32, 1, add3, &f->calls);
    f->im = cx_wasm_imports_new();
    cx_wasm_imports_add_func(f->im, "env", "add3", f->host);
    return cx_wasm_instance_new(f->mod, f->im, lim, &f->inst, NULL, err);
}

static void teardown(fixture *f) {
    cx_wasm_instance_free(f->inst);
    cx_wasm_imports_free(f->im);
    cx_wasm_func_free(f->host);
    cx_wasm_module_free(f->mod);
}

static cx_wasm_val I32(int32_t v) {
    cx_wasm_val x;
    x.type = CX_WASM_I32;
    x.of.i32 = v;
    return x;
}

static int call1(fixture *f, const char *name, cx_wasm_val *args, uint32_t n, cx_wasm_val *res,
                 cx_wasm_trap *trap) {
    cx_wasm_func *fn = cx_wasm_instance_func(f->inst, name);
    if (!fn) return -999;
    return cx_wasm_call(f->inst, fn, args, n, res, cx_wasm_func_result_count(fn), trap);
}

TEST(decode_rejects_garbage) {
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *m = NULL;
    CHECK_EQ(cx_wasm_module_new((const uint8_t *)"\0asm\2\0\0\0", 8, NULL, &m, err), CX_EPARSE);
    CHECK(m == NULL);
    CHECK_EQ(cx_wasm_module_new((const uint8_t *)"junk", 4, NULL, &m, err), CX_EPARSE);
    CHECK_EQ(cx_wasm_module_new(test_module, test_module_len - 1, NULL, &m, err), CX_EPARSE);
    CHECK_EQ(cx_wasm_validate(test_module, test_module_len, NULL, err), 0);
}

TEST(decode_limits) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_functions = 3;
    char err[CX_WASM_ERROR_MAX];
    CHECK_EQ(cx_wasm_validate(test_module, test_module_len, &lim, err), CX_ELIMIT);
    cx_wasm_limits_defaults(&lim);
    lim.max_module_size = 10;
    CHECK_EQ(cx_wasm_validate(test_module, test_module_len, &lim, err), CX_ELIMIT);
}

TEST(imports_and_exports_listed) {
    cx_wasm_module *m = NULL;
    CHECK_EQ(cx_wasm_module_new(test_module, test_module_len, NULL, &m, NULL), 0);
    CHECK_EQ(cx_wasm_module_import_count(m), 1);
    const char *mod, *name;
    int kind;
    CHECK_EQ(cx_wasm_module_import(m, 0, &mod, &name, &kind), 0);
    CHECK_STR(mod, "env");
    CHECK_STR(name, "add3");
    CHECK_EQ(kind, 0);
    CHECK(cx_wasm_module_export_count(m) >= 10);
    cx_wasm_module_free(m);
}

TEST(missing_import_fails) {
    cx_wasm_module *m = NULL;
    cx_wasm_instance *inst = NULL;
    CHECK_EQ(cx_wasm_module_new(test_module, test_module_len, NULL, &m, NULL), 0);
    CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), CX_ENOTFOUND);
    CHECK(inst == NULL);
    cx_wasm_module_free(m);
}

TEST(host_call_and_results) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_val a = I32(39), r;
    CHECK_EQ(call1(&f, "call_host", &a, 1, &r, NULL), 0);
    CHECK_EQ(r.of.i32, 42);
    CHECK_EQ(f.calls, 1);
    cx_wasm_trap trap;
    a = I32(-1);
    CHECK_EQ(call1(&f, "call_host", &a, 1, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_HOST);
    a = I32(25);
    CHECK_EQ(call1(&f, "fib", &a, 1, &r, NULL), 0);
    CHECK_EQ(r.of.i32, 75025);
    teardown(&f);
}

TEST(multi_value_and_types) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_val a[2], r[2];
    a[0].type = CX_WASM_I64, a[0].of.i64 = -5;
    a[1].type = CX_WASM_F64, a[1].of.f64 = 2.5;
    CHECK_EQ(call1(&f, "swap", a, 2, r, NULL), 0);
    CHECK_EQ(r[0].type, CX_WASM_F64);
    CHECK(r[0].of.f64 == 2.5);
    CHECK_EQ(r[1].of.i64, -5);
    /* wrong types or arity are refused before running */
    a[0].type = CX_WASM_I32;
    CHECK_EQ(call1(&f, "swap", a, 2, r, NULL), CX_EINVAL);
    CHECK_EQ(call1(&f, "swap", a, 1, r, NULL), CX_EINVAL);
    teardown(&f);
}

TEST(traps_are_errors) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_val a[2] = {I32(1), I32(0)}, r;
    cx_wasm_trap trap;
    CHECK_EQ(call1(&f, "div", a, 2, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_DIV_ZERO);
    a[0] = I32(INT32_MIN), a[1] = I32(-1);
    CHECK_EQ(call1(&f, "div", a, 2, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_INT_OVERFLOW);
    a[0] = I32(65534);
    CHECK_EQ(call1(&f, "load", a, 1, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
    CHECK_EQ(call1(&f, "boom", NULL, 0, NULL, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_UNREACHABLE);
    a[0] = I32(0);
    CHECK_EQ(call1(&f, "rec", a, 1, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
    /* the instance is still usable after traps */
    a[0] = I32(10);
    CHECK_EQ(call1(&f, "fib", a, 1, &r, NULL), 0);
    CHECK_EQ(r.of.i32, 55);
    teardown(&f);
}

TEST(call_depth_limit) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_call_depth = 50;
    fixture f;
    CHECK_EQ(setup(&f, &lim), 0);
    cx_wasm_val a = I32(20), r;
    cx_wasm_trap trap;
    CHECK_EQ(call1(&f, "fib", &a, 1, &r, &trap), 0);
    a = I32(0);
    CHECK_EQ(call1(&f, "rec", &a, 1, &r, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
    teardown(&f);
}

TEST(fuel_and_deadline) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_trap trap;
    cx_wasm_instance_set_fuel(f.inst, 100000);
    CHECK_EQ(call1(&f, "spin", NULL, 0, NULL, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
    CHECK_EQ(cx_wasm_instance_fuel_left(f.inst), 0);
    cx_wasm_instance_set_fuel(f.inst, 0); /* unlimited */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    cx_wasm_instance_set_deadline(f.inst, now + 20000000u); /* 20 ms */
    CHECK_EQ(call1(&f, "spin", NULL, 0, NULL, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_DEADLINE);
    cx_wasm_instance_set_deadline(f.inst, 0);
    cx_wasm_val a = I32(10), r;
    CHECK_EQ(call1(&f, "fib", &a, 1, &r, NULL), 0);
    teardown(&f);
}

/* Bulk memory operations are charged by size (one unit per KiB), so fuel
 * stops a large fill before it runs and the deadline is looked at between
 * any two large ones. bulk_module is the binary of:
 *
 *   (module (memory (export "mem") 256 256)
 *     (func (export "fill") (param $n i32) (result i32) (local $i i32)
 *       ...$n times: memory.fill 0 1 16777216 (all 16 MiB)...; $i)
 *     (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))
 */
static const unsigned char bulk_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x06, 0x01, 0x01, 0x80, 0x02, 0x80, 0x02, 0x07,
    0x15, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x00,
    0x04, 0x70, 0x65, 0x65, 0x6b, 0x00, 0x01, 0x0a, 0x32, 0x02, 0x28, 0x01, 0x01, 0x7f, 0x02,
    0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41,
    0x80, 0x80, 0x80, 0x08, 0xfc, 0x0b, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c,
    0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b,
};

static int32_t bulk_call(cx_wasm_instance *inst, const char *name, int32_t arg,
                         cx_wasm_trap *trap) {
    cx_wasm_func *fn = cx_wasm_instance_func(inst, name);
    cx_wasm_val a = I32(arg), r = I32(-1);
    int rc = cx_wasm_call(inst, fn, &a, 1, &r, 1, trap);
    return rc ? rc : r.of.i32;
}

TEST(bulk_operations_are_charged_by_size) {
    cx_wasm_module *m = NULL;
    CHECK_EQ(cx_wasm_module_new(bulk_module, sizeof bulk_module, NULL, &m, NULL), 0);
    cx_wasm_instance *inst = NULL;
    CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), 0);
    if (!inst) return;
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    /* 16 MiB cost 16384 units: 10000 of fuel stop the fill before it writes */
    cx_wasm_instance_set_fuel(inst, 10000);
    CHECK_EQ(bulk_call(inst, "fill", 1, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
    cx_wasm_instance_set_fuel(inst, 0);
    CHECK_EQ(bulk_call(inst, "peek", 0, NULL), 0);
    /* with enough fuel it runs, and what it took shows */
    cx_wasm_instance_set_fuel(inst, 100000);
    CHECK_EQ(bulk_call(inst, "fill", 2, &trap), 2);
    CHECK_EQ(bulk_call(inst, "peek", 16777215, NULL), 1);
    uint64_t left = cx_wasm_instance_fuel_left(inst);
    CHECK(left <= 100000 - 2 * 16384 && left > 100000 - 2 * 16384 - 100);
    /* Without fuel, a deadline 20 ms away ends a million 16 MiB fills: the
     * clock is looked at within every fill (at one unit per loop iteration,
     * as before, only after 4096 of them: 64 GiB of memset). The fuel
     * figures above are what pins the charging down; this shows its use. */
    cx_wasm_instance_set_fuel(inst, 0);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    cx_wasm_instance_set_deadline(inst, now + 20000000u);
    CHECK_EQ(bulk_call(inst, "fill", 1000000, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_DEADLINE);
    cx_wasm_instance_free(inst);
    cx_wasm_module_free(m);
}

TEST(memory_accessors_and_grow_limit) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_memory_pages = 2;
    fixture f;
    CHECK_EQ(setup(&f, &lim), 0);
    cx_wasm_memory *mem = cx_wasm_instance_memory(f.inst, "mem");
    CHECK(mem != NULL);
    CHECK(mem == cx_wasm_instance_default_memory(f.inst));
    CHECK_EQ(cx_wasm_memory_size(mem), 65536);
    char buf[6] = {0};
    CHECK_EQ(cx_wasm_memory_read(mem, 16, buf, 5), 0);
    CHECK_STR(buf, "hello");
    CHECK_EQ(cx_wasm_memory_read(mem, 65535, buf, 2), CX_ERANGE);
    CHECK_EQ(cx_wasm_memory_write(mem, UINT64_MAX, buf, 1), CX_ERANGE);
    CHECK(cx_wasm_memory_ptr(mem, 65536, 1) == NULL);
    uint32_t v = 0xdeadbeef;
    CHECK_EQ(cx_wasm_memory_write(mem, 100, &v, 4), 0);
    cx_wasm_val a = I32(100), r;
    CHECK_EQ(call1(&f, "load", &a, 1, &r, NULL), 0);
    CHECK_EQ((uint32_t)r.of.i32, 0xdeadbeef);
    a = I32(1);
    CHECK_EQ(call1(&f, "grow", &a, 1, &r, NULL), 0);
    CHECK_EQ(r.of.i32, 1);
    CHECK_EQ(call1(&f, "grow", &a, 1, &r, NULL), 0);
    CHECK_EQ(r.of.i32, -1); /* instance limit: 2 pages */
    teardown(&f);
}

TEST(globals_and_tables) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_global *g = cx_wasm_instance_global(f.inst, "g");
    CHECK(g != NULL);
    CHECK_EQ(cx_wasm_global_get(g).of.i32, 7);
    CHECK_EQ(cx_wasm_global_set(g, I32(41)), 0);
    cx_wasm_val r;
    CHECK_EQ(call1(&f, "bump", NULL, 0, &r, NULL), 0);
    CHECK_EQ(r.of.i32, 42);
    cx_wasm_val wrong;
    wrong.type = CX_WASM_I64, wrong.of.i64 = 1;
    CHECK_EQ(cx_wasm_global_set(g, wrong), CX_EINVAL);
    cx_wasm_table *t = cx_wasm_instance_table(f.inst, "tab");
    CHECK_EQ(cx_wasm_table_size(t), 2);
    cx_wasm_val e;
    CHECK_EQ(cx_wasm_table_get(t, 0, &e), 0);
    CHECK(e.of.ref == NULL);
    e.type = CX_WASM_FUNCREF, e.of.ref = cx_wasm_instance_func(f.inst, "fib");
    CHECK_EQ(cx_wasm_table_set(t, 1, e), 0);
    CHECK_EQ(cx_wasm_table_get(t, 2, &e), CX_ERANGE);
    teardown(&f);
}

TEST(many_instances_are_isolated) {
    fixture f;
    CHECK_EQ(setup(&f, NULL), 0);
    cx_wasm_instance *more[50];
    for (int i = 0; i < 50; i++)
        CHECK_EQ(cx_wasm_instance_new(f.mod, f.im, NULL, &more[i], NULL, NULL), 0);
    cx_wasm_val a[2] = {I32(0), I32(1234)}, r;
    cx_wasm_func *store = cx_wasm_instance_func(more[3], "store");
    CHECK_EQ(cx_wasm_call(more[3], store, a, 2, NULL, 0, NULL), 0);
    cx_wasm_func *load = cx_wasm_instance_func(more[4], "load");
    CHECK_EQ(cx_wasm_call(more[4], load, a, 1, &r, 1, NULL), 0);
    CHECK_EQ(r.of.i32, 0);
    load = cx_wasm_instance_func(more[3], "load");
    CHECK_EQ(cx_wasm_call(more[3], load, a, 1, &r, 1, NULL), 0);
    CHECK_EQ(r.of.i32, 1234);
    for (int i = 0; i < 50; i++) cx_wasm_instance_free(more[i]);
    teardown(&f);
}

TEST(wasi_imports_register) {
    cx_wasm_imports *im = cx_wasm_imports_new();
    const char *argv[] = {"prog", NULL};
    cx_wasm_wasi_options o = {argv, NULL, NULL, -1, -1};
    cx_wasm_wasi *w = cx_wasm_wasi_new(&o, im);
    CHECK(w != NULL);
    cx_wasm_wasi_free(w);
    cx_wasm_imports_free(im);
}

TEST(cache_hot_reload) {
    char path[] = "/tmp/cx_wasm_cache_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    CHECK_EQ(write(fd, test_module, test_module_len), (long long)test_module_len);
    close(fd);
    cx_wasm_cache *c = cx_wasm_cache_new(NULL);
    cx_wasm_module *a = NULL, *b = NULL, *d = NULL;
    CHECK_EQ(cx_wasm_cache_get(c, path, &a, NULL), 0);
    CHECK_EQ(cx_wasm_cache_get(c, path, &b, NULL), 0);
    CHECK(a == b); /* unchanged file: same compiled module */
    CHECK_EQ(cx_wasm_cache_loads(c), 1);
    /* rewrite the file (new inode): the next get recompiles */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(test_module, 1, test_module_len, f);
        fclose(f);
        rename(tmp, path);
    }
    CHECK_EQ(cx_wasm_cache_get(c, path, &d, NULL), 0);
    CHECK(d != a);
    CHECK_EQ(cx_wasm_cache_loads(c), 2);
    CHECK_EQ(cx_wasm_module_export_count(a), cx_wasm_module_export_count(d)); /* old one alive */
    cx_wasm_cache_release(c, a);
    cx_wasm_cache_release(c, b); /* last reference: the retired module is freed */
    cx_wasm_cache_release(c, d);
    /* a corrupt file is an error, not a crash */
    f = fopen(path, "wb");
    if (f) {
        fwrite("\0asm\1\0\0\0\1", 1, 9, f);
        fclose(f);
    }
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *bad = NULL;
    CHECK_EQ(cx_wasm_cache_get(c, path, &bad, err), CX_EPARSE);
    CHECK_EQ(cx_wasm_cache_get(c, "/nonexistent/x.wasm", &bad, NULL), CX_ENOENT);
    cx_wasm_cache_free(c);
    unlink(path);
}

/* Superinstructions (compile.c fuses operand fetches, result stores, compare
 * + branch, address arithmetic into loads/stores): results, traps and fuel
 * must be exactly those of the unfused sequences. The module (wat2wasm):
 *
 *   (module (memory (export "mem") 1)
 *     (func (export "load_alc") (param i32) (result i32)
 *       local.get 0 i32.const 8 i32.add i32.load offset=4)
 *     (func (export "load_ac") (param i32) (result i32)
 *       local.get 0 i32.const 0 i32.or i32.const 8 i32.add i32.load offset=4)
 *     (func (export "load_sac") (param i32) (result i32)
 *       local.get 0 i32.const 0 i32.or i32.const 2 i32.shl i32.const 8 i32.add
 *       i32.load offset=4)
 *     (func (export "load_all") (param i32 i32) (result i32)
 *       local.get 0 local.get 1 i32.add i32.load offset=4)
 *     (func (export "mix") (param i32) (result i32) (local i32 i32 i32)
 *       loop local.get 1 i32.const 3 i32.mul local.get 1 i32.const 5 i32.rotl
 *         i32.xor local.get 2 i32.add local.set 2 local.get 1 local.set 3
 *         local.get 3 local.set 1 local.get 1 i32.const 1 i32.add local.tee 1
 *         local.get 0 i32.lt_s br_if 0 end local.get 2)
 *     (func (export "store_ll") (param i32 i32) (result i32)
 *       local.get 0 local.get 1 i32.store local.get 0 i32.load)
 *     (func (export "count") (param i32) (local i32)
 *       loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.ne
 *         br_if 0 end))
 */
static const unsigned char fused_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x03, 0x08, 0x07, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x4b, 0x08, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x00, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x6c, 0x63, 0x00, 0x00, 0x07, 0x6c, 0x6f,
    0x61, 0x64, 0x5f, 0x61, 0x63, 0x00, 0x01, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x73, 0x61, 0x63,
    0x00, 0x02, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x6c, 0x6c, 0x00, 0x03, 0x03, 0x6d, 0x69,
    0x78, 0x00, 0x04, 0x08, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6c, 0x6c, 0x00, 0x05, 0x05, 0x63,
    0x6f, 0x75, 0x6e, 0x74, 0x00, 0x06, 0x0a, 0x87, 0x01, 0x07, 0x0a, 0x00, 0x20, 0x00, 0x41, 0x08,
    0x6a, 0x28, 0x02, 0x04, 0x0b, 0x0d, 0x00, 0x20, 0x00, 0x41, 0x00, 0x72, 0x41, 0x08, 0x6a, 0x28,
    0x02, 0x04, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x41, 0x00, 0x72, 0x41, 0x02, 0x74, 0x41, 0x08, 0x6a,
    0x28, 0x02, 0x04, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x28, 0x02, 0x04, 0x0b, 0x2d,
    0x01, 0x03, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x03, 0x6c, 0x20, 0x01, 0x41, 0x05, 0x77, 0x73,
    0x20, 0x02, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x21, 0x03, 0x20, 0x03, 0x21, 0x01, 0x20, 0x01, 0x41,
    0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x48, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x0e, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x13, 0x01, 0x01, 0x7f,
    0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x47, 0x0d, 0x00, 0x0b, 0x0b};
static const unsigned int fused_module_len = 256;

TEST(fused_forms_keep_semantics) {
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *m = NULL;
    cx_wasm_instance *in = NULL;
    CHECK_EQ(cx_wasm_module_new(fused_module, fused_module_len, NULL, &m, err), 0);
    CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &in, NULL, err), 0);
    cx_wasm_memory *mem = cx_wasm_instance_memory(in, "mem");
    uint32_t word = 0xA1B2C3D4u;
    CHECK_EQ(cx_wasm_memory_write(mem, 4, &word, 4), 0);
    cx_wasm_val a[2], r;
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    /* the address wraps at 32 bits before the offset is added: -8 + 8 = 0, +4 */
    const char *loads[] = {"load_alc", "load_ac"};
    for (int i = 0; i < 2; i++) {
        a[0] = I32(-8);
        CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, loads[i]), a, 1, &r, 1, NULL), 0);
        CHECK_EQ((uint32_t)r.of.i32, word);
        a[0] = I32(65536 - 8 - 4); /* last word + offset: out of bounds by 1..4 bytes */
        CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, loads[i]), a, 1, &r, 1, &trap),
                 CX_EPROTO);
        CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
        a[0] = I32(65536 - 8 - 8);
        CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, loads[i]), a, 1, &r, 1, NULL), 0);
    }
    /* a loop of fused arithmetic, copies, tee and compare-and-branch */
    for (int32_t n = 1; n < 300; n += 37) {
        uint32_t s = 0, k = 0;
        do {
            s += (k * 3) ^ ((k << 5) | (k >> 27));
            k++;
        } while ((int32_t)k < n);
        a[0] = I32(n);
        CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "mix"), a, 1, &r, 1, NULL), 0);
        CHECK_EQ((uint32_t)r.of.i32, s);
    }
    /* indexed: (x << 2) wraps to 0, + 8, then offset 4; and local + local */
    a[0] = I32(0x40000000 - 4); /* << 2 = -16: -16 + 8 wraps to -8: out of bounds */
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "load_sac"), a, 1, &r, 1, &trap),
             CX_EPROTO);
    a[0] = I32(0x40000000 - 2); /* << 2 = -8, + 8 = 0, + 4 */
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "load_sac"), a, 1, &r, 1, NULL), 0);
    CHECK_EQ((uint32_t)r.of.i32, word);
    a[0] = I32(-100), a[1] = I32(100); /* wraps to 0, + 4 */
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "load_all"), a, 2, &r, 1, NULL), 0);
    CHECK_EQ((uint32_t)r.of.i32, word);
    a[0] = I32(65536 - 4), a[1] = I32(0);
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "load_all"), a, 2, &r, 1, &trap),
             CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
    a[0] = I32(100), a[1] = I32(-5);
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "store_ll"), a, 2, &r, 1, NULL), 0);
    CHECK_EQ(r.of.i32, -5);
    a[0] = I32(65533);
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "store_ll"), a, 2, &r, 1, &trap),
             CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
    /* fuel: the loop costs one unit at its entry and one per back edge (100),
     * as when every iteration passed a loop-header check (the entry call's
     * unit is taken from the first, empty, budget chunk) */
    cx_wasm_instance_set_fuel(in, 1000);
    a[0] = I32(100);
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "count"), a, 1, NULL, 0, NULL), 0);
    CHECK_EQ(cx_wasm_instance_fuel_left(in), 1000 - 100);
    cx_wasm_instance_set_fuel(in, 50);
    CHECK_EQ(cx_wasm_call(in, cx_wasm_instance_func(in, "count"), a, 1, NULL, 0, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
    cx_wasm_instance_free(in);
    cx_wasm_module_free(m);
}

TEST_MAIN()
