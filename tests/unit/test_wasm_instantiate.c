/* Instantiation with the engine's default limits: many instances in a row
 * and alive at once, on several threads, freed on another thread; the value
 * stack and call frames still trap cleanly when exhausted and still hold a
 * recursion right up to the limits (the last slots before the guard page),
 * also when an instance reuses a stack region a previous one left dirty;
 * and no mapping is leaked. No timing here: bench/wasm/instantiate.c
 * measures. The module is the binary of this text (wat2wasm):
 *
 *   (module
 *     (memory 1)
 *     (global $started (export "started") (mut i32) (i32.const 0))
 *     (func $f (export "f") (result i32) i32.const 42)
 *     (func $rec (export "rec") (param i32) (result i32)
 *       local.get 0
 *       i32.eqz
 *       if (result i32)
 *         i32.const 0
 *       else
 *         local.get 0
 *         i32.const 1
 *         i32.sub
 *         call $rec
 *         i32.const 1
 *         i32.add
 *       end)
 *     (func $fat (export "fat") (param i32) (result i32)
 *       (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
 *              i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
 *              i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
 *              i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *       local.get 0
 *       i32.eqz
 *       if (result i32)
 *         i32.const 0
 *       else
 *         local.get 0
 *         i32.const 1
 *         i32.sub
 *         call $fat
 *         i32.const 1
 *         i32.add
 *       end)
 *     (func $inf (export "inf") call $inf)
 *     (func $start global.get $started i32.const 1 i32.add global.set $started)
 *     (start $start))
 */
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"

static const unsigned char inst_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x01, 0x01, 0x02, 0x02, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x21, 0x05, 0x07,
    0x73, 0x74, 0x61, 0x72, 0x74, 0x65, 0x64, 0x03, 0x00, 0x01, 0x66, 0x00, 0x00, 0x03, 0x72, 0x65,
    0x63, 0x00, 0x01, 0x03, 0x66, 0x61, 0x74, 0x00, 0x02, 0x03, 0x69, 0x6e, 0x66, 0x00, 0x03, 0x08,
    0x01, 0x04, 0x0a, 0x43, 0x05, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04,
    0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x41, 0x01, 0x6a, 0x0b, 0x0b,
    0x17, 0x01, 0x40, 0x7e, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x10, 0x02, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x04, 0x00, 0x10, 0x03, 0x0b, 0x09, 0x00, 0x23,
    0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x0b,
};

static cx_wasm_module *module(void) {
    cx_wasm_module *m = NULL;
    char err[CX_WASM_ERROR_MAX];
    if (cx_wasm_module_new(inst_module, sizeof inst_module, NULL, &m, err)) {
        fprintf(stderr, "module: %s\n", err);
        return NULL;
    }
    return m;
}

/* name(arg) -> *out; returns the cx_wasm_call code, *trap the kind. */
static int call1(cx_wasm_instance *inst, const char *name, int32_t arg, int32_t *out,
                 cx_wasm_trap *trap) {
    cx_wasm_func *f = cx_wasm_instance_func(inst, name);
    if (!f) return CX_ENOTFOUND;
    cx_wasm_val a = {.type = CX_WASM_I32, .of.i32 = arg}, r = {0};
    int rc = cx_wasm_call(inst, f, &a, cx_wasm_func_param_count(f), &r,
                          cx_wasm_func_result_count(f), trap);
    if (out) *out = r.of.i32;
    return rc;
}

/* One instance: start function ran, f() = 42, rec(n) = n. */
static int use_once(const cx_wasm_module *m, const cx_wasm_limits *lim, int32_t n) {
    cx_wasm_instance *inst = NULL;
    if (cx_wasm_instance_new(m, NULL, lim, &inst, NULL, NULL)) return -1;
    int bad = cx_wasm_global_get(cx_wasm_instance_global(inst, "started")).of.i32 != 1;
    int32_t r = 0;
    if (call1(inst, "f", 0, &r, NULL) || r != 42) bad = 1;
    if (call1(inst, "rec", n, &r, NULL) || r != n) bad = 1;
    cx_wasm_instance_free(inst);
    return bad ? -1 : 0;
}

/* Largest n in [0, hi) for which name(n) returns n; name(n+1) must then trap
 * with CX_WASM_TRAP_STACK_EXHAUSTED. -1 on anything else. */
static int32_t deepest(cx_wasm_instance *inst, const char *name, int32_t hi) {
    int32_t lo = 0; /* name(lo) works */
    while (hi - lo > 1) {
        int32_t mid = lo + (hi - lo) / 2, r = -1;
        cx_wasm_trap k = CX_WASM_TRAP_NONE;
        int rc = call1(inst, name, mid, &r, &k);
        if (rc == 0 && r == mid)
            lo = mid;
        else if (rc == CX_EPROTO && k == CX_WASM_TRAP_STACK_EXHAUSTED)
            hi = mid;
        else
            return -1;
    }
    int32_t r = -1;
    cx_wasm_trap k = CX_WASM_TRAP_NONE;
    if (call1(inst, name, lo, &r, NULL) || r != lo) return -1;
    if (call1(inst, name, lo + 1, &r, &k) != CX_EPROTO || k != CX_WASM_TRAP_STACK_EXHAUSTED)
        return -1;
    return lo;
}

static int maps_count(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

TEST(default_limits_many_in_a_row) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    int bad = 0;
    for (int i = 0; i < 3000; i++) bad += use_once(m, NULL, i % 200) != 0;
    CHECK_EQ(bad, 0);
    cx_wasm_module_free(m);
}

TEST(default_limits_many_alive) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    enum { N = 64 };
    cx_wasm_instance *v[N] = {0};
    for (int round = 0; round < 3; round++) {
        int made = 0, bad = 0;
        for (int i = 0; i < N; i++) {
            if (cx_wasm_instance_new(m, NULL, NULL, &v[i], NULL, NULL)) break;
            made++;
            int32_t r = 0;
            if (call1(v[i], "rec", 500 + i, &r, NULL) || r != 500 + i) bad++;
        }
        CHECK_EQ(made, N);
        /* every instance has its own stack: calls interleave freely */
        for (int i = 0; i < made; i++) {
            int32_t r = 0;
            if (call1(v[i], "rec", i, &r, NULL) || r != i) bad++;
        }
        CHECK_EQ(bad, 0);
        for (int i = made - 1; i >= 0; i--) cx_wasm_instance_free(v[i]);
    }
    cx_wasm_module_free(m);
}

TEST(call_depth_limit_holds_and_traps) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    /* twice: the second instance reuses the first one's dirty region */
    for (int round = 0; round < 2; round++) {
        cx_wasm_instance *inst = NULL;
        CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), 0);
        if (!inst) break;
        int32_t d = deepest(inst, "rec", 2 * CX_WASM_DEFAULT_MAX_CALL_DEPTH);
        /* a small frame: the call depth is what runs out, just below it */
        CHECK(d >= CX_WASM_DEFAULT_MAX_CALL_DEPTH - 4 && d < CX_WASM_DEFAULT_MAX_CALL_DEPTH);
        cx_wasm_instance_free(inst);
    }
    cx_wasm_module_free(m);
}

TEST(value_stack_limit_holds_and_traps) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    int32_t first = -1;
    for (int round = 0; round < 3; round++) {
        cx_wasm_instance *inst = NULL;
        CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), 0);
        if (!inst) break;
        /* 65 slots of locals per frame: the value stack runs out first, so
         * the deepest call writes the slots right below the end of the
         * stack — all of them usable, the next one a clean trap */
        int32_t d = deepest(inst, "fat", CX_WASM_DEFAULT_MAX_CALL_DEPTH);
        CHECK(d > (int32_t)(CX_WASM_DEFAULT_STACK_SLOTS / 80) &&
              d < (int32_t)(CX_WASM_DEFAULT_STACK_SLOTS / 65));
        if (round == 0) first = d;
        CHECK_EQ(d, first); /* the same on a reused region */
        /* the instance is still good after the traps */
        int32_t r = 0;
        CHECK_EQ(call1(inst, "f", 0, &r, NULL), 0);
        CHECK_EQ(r, 42);
        cx_wasm_instance_free(inst);
    }
    /* a deeper call limit: small frames fill the whole default value stack */
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_call_depth = 1000000;
    cx_wasm_instance *inst = NULL;
    CHECK_EQ(cx_wasm_instance_new(m, NULL, &lim, &inst, NULL, NULL), 0);
    if (inst) {
        int32_t d = deepest(inst, "rec", 1000000);
        CHECK(d > (int32_t)(CX_WASM_DEFAULT_STACK_SLOTS / 16) &&
              d < (int32_t)CX_WASM_DEFAULT_STACK_SLOTS);
        cx_wasm_instance_free(inst);
    }
    cx_wasm_module_free(m);
}

TEST(exhaustion_traps_then_instance_works) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    int bad = 0;
    for (int i = 0; i < 50; i++) {
        cx_wasm_instance *inst = NULL;
        if (cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL)) {
            bad++;
            continue;
        }
        cx_wasm_trap k = CX_WASM_TRAP_NONE;
        if (call1(inst, "inf", 0, NULL, &k) != CX_EPROTO || k != CX_WASM_TRAP_STACK_EXHAUSTED)
            bad++;
        int32_t r = 0;
        if (call1(inst, "rec", 1000, &r, NULL) || r != 1000) bad++;
        cx_wasm_instance_free(inst);
    }
    CHECK_EQ(bad, 0);
    cx_wasm_module_free(m);
}

TEST(small_and_odd_limits) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.stack_slots = 0; /* 0: the engine's minimum (1024 slots) */
    CHECK_EQ(use_once(m, &lim, 10), 0);
    lim.stack_slots = 12; /* not a whole page */
    lim.max_call_depth = 3;
    cx_wasm_instance *inst = NULL;
    cx_wasm_trap k = CX_WASM_TRAP_NONE;
    /* the start function fits; rec(5) needs more frames than allowed */
    CHECK_EQ(cx_wasm_instance_new(m, NULL, &lim, &inst, NULL, NULL), 0);
    if (inst) {
        int32_t r = 0;
        CHECK_EQ(call1(inst, "f", 0, &r, NULL), 0);
        CHECK_EQ(r, 42);
        CHECK_EQ(call1(inst, "rec", 5, &r, &k), CX_EPROTO);
        CHECK_EQ(k, CX_WASM_TRAP_STACK_EXHAUSTED);
        cx_wasm_instance_free(inst);
    }
    cx_wasm_module_free(m);
}

struct worker {
    const cx_wasm_module *m;
    int bad;
    cx_wasm_instance *keep[8]; /* made and called here, freed by the main thread */
};

static void *work(void *p) {
    struct worker *w = p;
    for (int i = 0; i < 1000; i++) w->bad += use_once(w->m, NULL, i % 300) != 0;
    for (int i = 0; i < 8; i++) {
        int32_t r = 0;
        if (cx_wasm_instance_new(w->m, NULL, NULL, &w->keep[i], NULL, NULL) ||
            call1(w->keep[i], "rec", 100, &r, NULL) || r != 100)
            w->bad++;
    }
    return NULL;
}

TEST(threads_and_cross_thread_free) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    struct worker w[2] = {{.m = m}, {.m = m}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    CHECK_EQ(w[0].bad + w[1].bad, 0);
    /* regions of instances made on threads that have exited land here */
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 8; k++) {
            int32_t r = 0;
            if (w[i].keep[k]) {
                CHECK_EQ(call1(w[i].keep[k], "rec", 7, &r, NULL), 0);
                CHECK_EQ(r, 7);
            }
            cx_wasm_instance_free(w[i].keep[k]);
        }
    CHECK_EQ(use_once(m, NULL, 50), 0);
    cx_wasm_module_free(m);
}

TEST(no_mapping_leak) {
    cx_wasm_module *m = module();
    CHECK(m != NULL);
    if (!m) return;
    int before = maps_count();
    if (before < 0) {
        cx_wasm_module_free(m);
        SKIP("no /proc/self/maps");
    }
    /* several region sizes, so that regions also go past the cache */
    static const uint32_t slots[] = {1024, 4096, CX_WASM_DEFAULT_STACK_SLOTS, 100000, 70000};
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        lim.stack_slots = slots[i % 5];
        bad += use_once(m, &lim, i % 100) != 0;
    }
    enum { N = 20 };
    cx_wasm_instance *v[N] = {0};
    for (int i = 0; i < N; i++) {
        lim.stack_slots = slots[i % 5];
        int32_t r = 0;
        if (cx_wasm_instance_new(m, NULL, &lim, &v[i], NULL, NULL) ||
            call1(v[i], "rec", 10, &r, NULL) || r != 10)
            bad++;
    }
    for (int i = 0; i < N; i++) cx_wasm_instance_free(v[i]);
    CHECK_EQ(bad, 0);
    int after = maps_count();
    /* what may stay: this thread's small cache of regions (2 mappings each) */
    CHECK(after <= before + 16);
    if (after > before + 16) fprintf(stderr, "maps: %d before, %d after\n", before, after);
    cx_wasm_module_free(m);
}

TEST_MAIN()
