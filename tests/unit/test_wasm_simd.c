/* v128 through the embedding API: typed calls with v128 arguments and
 * results mixed with scalars, a host function taking and returning a v128,
 * v128 globals made by the host and by the module, select, block results,
 * locals laid out around v128 slots, bounds-checked v128 loads, and the
 * validator's SIMD errors. The lane-wise operations themselves are covered
 * by the spec's simd group (tests/integration/test_wasm_spec.sh).
 *
 * simd_wasm is wat2wasm of:
 * (module
 *   (import "host" "vmul" (func $vmul (param v128 i32) (result v128)))
 *   (import "host" "gv" (global $gv (mut v128)))
 *   (global $own v128 (v128.const i32x4 1 2 3 4))
 *   (memory 1)
 *   (func (export "add") (param v128 v128) (result v128)
 *     local.get 0 local.get 1 i32x4.add)
 *   (func (export "mix") (param i32 v128 f64) (result f64 v128 i32)
 *     local.get 2 local.get 1 local.get 0)
 *   (func (export "callhost") (param v128) (result v128)
 *     local.get 0 i32.const 3 call $vmul)
 *   (func (export "swapg") (param v128) (result v128)
 *     global.get $gv local.get 0 global.set $gv)
 *   (func (export "own") (result v128) global.get $own)
 *   (func (export "sel") (param v128 v128 i32) (result v128)
 *     local.get 0 local.get 1 local.get 2 select)
 *   (func (export "load") (param i32) (result v128) local.get 0 v128.load)
 *   (func (export "locals") (param i32) (result v128 i64)
 *     (local v128 i64 v128)
 *     local.get 0 i32x4.splat local.set 1
 *     i64.const 7 local.set 2
 *     local.get 1 local.get 1 i32x4.add local.tee 3
 *     local.get 1 i32x4.sub local.set 1
 *     local.get 1 local.get 2)
 *   (func (export "blk") (param v128 i32) (result v128)
 *     block (result v128) local.get 0 local.get 1 br_if 0 drop v128.const i64x2 -1 -1 end))
 *
 * badlane: i32x4.extract_lane 4; badalign: v128.load align=32; badtype:
 * i32.eqz of a v128 (wat2wasm --no-check). */
#include "harness.h"
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <stdio.h>
#include <string.h>

static const unsigned char simd_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x31, 0x08, 0x60, 0x02, 0x7b, 0x7f, 0x01,
    0x7b, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b, 0x60, 0x03, 0x7f, 0x7b, 0x7c, 0x03, 0x7c, 0x7b, 0x7f,
    0x60, 0x01, 0x7b, 0x01, 0x7b, 0x60, 0x00, 0x01, 0x7b, 0x60, 0x03, 0x7b, 0x7b, 0x7f, 0x01, 0x7b,
    0x60, 0x01, 0x7f, 0x01, 0x7b, 0x60, 0x01, 0x7f, 0x02, 0x7b, 0x7e, 0x02, 0x18, 0x02, 0x04, 0x68,
    0x6f, 0x73, 0x74, 0x04, 0x76, 0x6d, 0x75, 0x6c, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x02,
    0x67, 0x76, 0x03, 0x7b, 0x01, 0x03, 0x0a, 0x09, 0x01, 0x02, 0x03, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x16, 0x01, 0x7b, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0b, 0x07, 0x42,
    0x09, 0x03, 0x61, 0x64, 0x64, 0x00, 0x01, 0x03, 0x6d, 0x69, 0x78, 0x00, 0x02, 0x08, 0x63, 0x61,
    0x6c, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x03, 0x05, 0x73, 0x77, 0x61, 0x70, 0x67, 0x00, 0x04,
    0x03, 0x6f, 0x77, 0x6e, 0x00, 0x05, 0x03, 0x73, 0x65, 0x6c, 0x00, 0x06, 0x04, 0x6c, 0x6f, 0x61,
    0x64, 0x00, 0x07, 0x06, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x73, 0x00, 0x08, 0x03, 0x62, 0x6c, 0x6b,
    0x00, 0x09, 0x0a, 0x84, 0x01, 0x09, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xae, 0x01, 0x0b,
    0x08, 0x00, 0x20, 0x02, 0x20, 0x01, 0x20, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x41, 0x03, 0x10,
    0x00, 0x0b, 0x08, 0x00, 0x23, 0x00, 0x20, 0x00, 0x24, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x01, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x1b, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xfd, 0x00,
    0x04, 0x00, 0x0b, 0x26, 0x03, 0x01, 0x7b, 0x01, 0x7e, 0x01, 0x7b, 0x20, 0x00, 0xfd, 0x11, 0x21,
    0x01, 0x42, 0x07, 0x21, 0x02, 0x20, 0x01, 0x20, 0x01, 0xfd, 0xae, 0x01, 0x22, 0x03, 0x20, 0x01,
    0xfd, 0xb1, 0x01, 0x21, 0x01, 0x20, 0x01, 0x20, 0x02, 0x0b, 0x1e, 0x00, 0x02, 0x7b, 0x20, 0x00,
    0x20, 0x01, 0x0d, 0x00, 0x1a, 0xfd, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0b, 0x0b};
static const unsigned char badlane_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0xfd, 0x1b, 0x04, 0x0b};
static const unsigned char badalign_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01,
    0x7f, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0a,
    0x0a, 0x01, 0x08, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x05, 0x00, 0x0b};
static const unsigned char badtype_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01,
    0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0x45, 0x0b};

static cx_wasm_val V4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    cx_wasm_val v = {.type = CX_WASM_V128};
    uint32_t l[4] = {a, b, c, d};
    memcpy(v.of.v128, l, 16);
    return v;
}
static uint32_t lane(const cx_wasm_val *v, int k) {
    uint32_t x;
    memcpy(&x, v->of.v128 + 4 * k, 4);
    return x;
}
static cx_wasm_val I32(int32_t x) {
    return (cx_wasm_val){.type = CX_WASM_I32, .of.i32 = x};
}

/* host "vmul": each i32 lane times the i32 */
static int vmul(cx_wasm_instance *inst, void *data, const cx_wasm_val *a, cx_wasm_val *r) {
    (void)inst;
    ++*(int *)data;
    if (a[0].type != CX_WASM_V128 || a[1].type != CX_WASM_I32 || r[0].type != CX_WASM_V128)
        return -1;
    uint32_t l[4];
    memcpy(l, a[0].of.v128, 16);
    for (int k = 0; k < 4; k++) l[k] *= (uint32_t)a[1].of.i32;
    memcpy(r[0].of.v128, l, 16);
    return 0;
}

typedef struct fixture {
    cx_wasm_module *m;
    cx_wasm_imports *im;
    cx_wasm_func *host;
    cx_wasm_global *gv;
    cx_wasm_instance *inst;
    int calls;
} fixture;

static bool setup(fixture *f) {
    memset(f, 0, sizeof *f);
    char err[CX_WASM_ERROR_MAX] = "";
    if (cx_wasm_module_new(simd_wasm, sizeof simd_wasm, NULL, &f->m, err)) {
        fprintf(stderr, "  module: %s\n", err);
        return false;
    }
    uint8_t p[2] = {CX_WASM_V128, CX_WASM_I32}, r[1] = {CX_WASM_V128};
    f->host = cx_wasm_func_new(p, 2, r, 1, vmul, &f->calls);
    f->gv = cx_wasm_global_new(V4(9, 8, 7, 6), true);
    f->im = cx_wasm_imports_new();
    if (!f->host || !f->gv || !f->im) return false;
    if (cx_wasm_imports_add_func(f->im, "host", "vmul", f->host) ||
        cx_wasm_imports_add_global(f->im, "host", "gv", f->gv))
        return false;
    if (cx_wasm_instance_new(f->m, f->im, NULL, &f->inst, NULL, err)) {
        fprintf(stderr, "  instance: %s\n", err);
        return false;
    }
    return true;
}

static void teardown(fixture *f) {
    cx_wasm_instance_free(f->inst);
    cx_wasm_imports_free(f->im);
    cx_wasm_func_free(f->host);
    cx_wasm_global_free(f->gv);
    cx_wasm_module_free(f->m);
}

TEST(v128_types_of_exports_and_host_functions) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_func *mix = cx_wasm_instance_func(f.inst, "mix");
    CHECK_EQ(cx_wasm_func_param_count(mix), 3);
    CHECK_EQ(cx_wasm_func_param_type(mix, 0), CX_WASM_I32);
    CHECK_EQ(cx_wasm_func_param_type(mix, 1), CX_WASM_V128);
    CHECK_EQ(cx_wasm_func_param_type(mix, 2), CX_WASM_F64);
    CHECK_EQ(cx_wasm_func_param_type(mix, 3), 0);
    CHECK_EQ(cx_wasm_func_result_count(mix), 3);
    CHECK_EQ(cx_wasm_func_result_type(mix, 0), CX_WASM_F64);
    CHECK_EQ(cx_wasm_func_result_type(mix, 1), CX_WASM_V128);
    CHECK_EQ(cx_wasm_func_result_type(mix, 2), CX_WASM_I32);
    CHECK_EQ(cx_wasm_func_param_count(f.host), 2);
    CHECK_EQ(cx_wasm_func_param_type(f.host, 1), CX_WASM_I32);
    CHECK_EQ(cx_wasm_func_result_type(f.host, 0), CX_WASM_V128);
    /* a host function's types must be value types */
    uint8_t bad[2] = {0x01, 0x42};
    CHECK(cx_wasm_func_new(bad, 1, NULL, 0, vmul, NULL) == NULL);
    CHECK(cx_wasm_func_new(NULL, 0, bad + 1, 1, vmul, NULL) == NULL);
    teardown(&f);
}

TEST(v128_arguments_and_results_mixed_with_scalars) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_val a[2] = {V4(1, 2, 3, 0xFFFFFFFF), V4(10, 20, 30, 2)}, r[3];
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "add"), a, 2, r, 1, NULL), 0);
    CHECK_EQ(r[0].type, CX_WASM_V128);
    CHECK_EQ(lane(&r[0], 0), 11);
    CHECK_EQ(lane(&r[0], 3), 1); /* wraps */
    cx_wasm_val m[3] = {I32(-5), V4(7, 6, 5, 4), {.type = CX_WASM_F64, .of.f64 = 2.5}};
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "mix"), m, 3, r, 3, NULL), 0);
    CHECK(r[0].type == CX_WASM_F64 && r[0].of.f64 == 2.5);
    CHECK(r[1].type == CX_WASM_V128 && lane(&r[1], 0) == 7 && lane(&r[1], 3) == 4);
    CHECK(r[2].type == CX_WASM_I32 && r[2].of.i32 == -5);
    /* a scalar where a v128 is declared is refused */
    m[1] = I32(1);
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "mix"), m, 3, r, 3, NULL),
             CX_EINVAL);
    teardown(&f);
}

TEST(v128_through_a_host_function) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_val a = V4(1, 2, 3, 0x40000000), r;
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "callhost"), &a, 1, &r, 1, NULL),
             0);
    CHECK_EQ(f.calls, 1);
    CHECK_EQ(lane(&r, 0), 3);
    CHECK_EQ(lane(&r, 2), 9);
    CHECK_EQ(lane(&r, 3), 0xC0000000u);
    teardown(&f);
}

TEST(v128_globals_host_and_module) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_val a = V4(1, 1, 1, 1), r;
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "swapg"), &a, 1, &r, 1, NULL), 0);
    CHECK(lane(&r, 0) == 9 && lane(&r, 3) == 6); /* the host's initial value */
    cx_wasm_val g = cx_wasm_global_get(f.gv);    /* the module's store reached the host */
    CHECK(g.type == CX_WASM_V128 && lane(&g, 0) == 1 && lane(&g, 3) == 1);
    CHECK_EQ(cx_wasm_global_set(f.gv, V4(5, 0, 0, 0xABCDEF01)), 0);
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "swapg"), &a, 1, &r, 1, NULL), 0);
    CHECK(lane(&r, 0) == 5 && lane(&r, 3) == 0xABCDEF01);
    CHECK_EQ(cx_wasm_global_set(f.gv, I32(1)), CX_EINVAL);
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "own"), NULL, 0, &r, 1, NULL), 0);
    CHECK(lane(&r, 0) == 1 && lane(&r, 1) == 2 && lane(&r, 2) == 3 && lane(&r, 3) == 4);
    cx_wasm_global *imm = cx_wasm_global_new(V4(1, 2, 3, 4), false);
    CHECK(imm != NULL);
    CHECK_EQ(cx_wasm_global_set(imm, V4(0, 0, 0, 0)), CX_ESTATE);
    cx_wasm_global_free(imm);
    teardown(&f);
}

TEST(v128_select_block_and_locals) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_func *sel = cx_wasm_instance_func(f.inst, "sel");
    cx_wasm_val a[3] = {V4(1, 2, 3, 4), V4(5, 6, 7, 8), I32(0)}, r[2];
    CHECK_EQ(cx_wasm_call(f.inst, sel, a, 3, r, 1, NULL), 0);
    CHECK(lane(&r[0], 0) == 5 && lane(&r[0], 3) == 8);
    a[2] = I32(7);
    CHECK_EQ(cx_wasm_call(f.inst, sel, a, 3, r, 1, NULL), 0);
    CHECK(lane(&r[0], 0) == 1 && lane(&r[0], 3) == 4);
    cx_wasm_func *blk = cx_wasm_instance_func(f.inst, "blk");
    cx_wasm_val b[2] = {V4(4, 3, 2, 1), I32(1)};
    CHECK_EQ(cx_wasm_call(f.inst, blk, b, 2, r, 1, NULL), 0);
    CHECK(lane(&r[0], 0) == 4 && lane(&r[0], 3) == 1); /* br_if carried the v128 out */
    b[1] = I32(0);
    CHECK_EQ(cx_wasm_call(f.inst, blk, b, 2, r, 1, NULL), 0);
    CHECK(lane(&r[0], 0) == 0xFFFFFFFF && lane(&r[0], 3) == 0xFFFFFFFF);
    /* locals (i32 param, v128, i64, v128): slots 0, 1-2, 3, 4-5 */
    cx_wasm_val x = I32(21);
    CHECK_EQ(cx_wasm_call(f.inst, cx_wasm_instance_func(f.inst, "locals"), &x, 1, r, 2, NULL), 0);
    CHECK(lane(&r[0], 0) == 21 && lane(&r[0], 3) == 21); /* 2x - x */
    CHECK(r[1].type == CX_WASM_I64 && r[1].of.i64 == 7);
    teardown(&f);
}

TEST(v128_load_is_bounds_checked) {
    fixture f;
    CHECK(setup(&f));
    if (!f.inst) return teardown(&f);
    cx_wasm_func *load = cx_wasm_instance_func(f.inst, "load");
    uint8_t *mem = cx_wasm_memory_ptr(cx_wasm_instance_default_memory(f.inst), 65536 - 16, 16);
    CHECK(mem != NULL);
    if (mem) memset(mem, 0xAB, 16);
    cx_wasm_val a = I32(65536 - 16), r;
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    CHECK_EQ(cx_wasm_call(f.inst, load, &a, 1, &r, 1, &trap), 0);
    CHECK_EQ(lane(&r, 3), 0xABABABABu);
    a = I32(65536 - 15); /* the last byte would be past the end */
    CHECK_EQ(cx_wasm_call(f.inst, load, &a, 1, &r, 1, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
    a = I32(-1);
    CHECK_EQ(cx_wasm_call(f.inst, load, &a, 1, &r, 1, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_MEMORY_OOB);
    teardown(&f);
}

TEST(simd_validation_errors_are_reported) {
    struct {
        const unsigned char *bin;
        size_t len;
        const char *want;
    } cases[] = {
        {badlane_wasm, sizeof badlane_wasm, "invalid lane index"},
        {badalign_wasm, sizeof badalign_wasm, "alignment must not be larger than natural"},
        {badtype_wasm, sizeof badtype_wasm, "type mismatch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cx_wasm_module *m = NULL;
        char err[CX_WASM_ERROR_MAX] = "";
        CHECK(cx_wasm_module_new(cases[i].bin, cases[i].len, NULL, &m, err) != 0);
        CHECK(m == NULL);
        CHECK(strstr(err, cases[i].want) != NULL);
        if (!strstr(err, cases[i].want)) fprintf(stderr, "  got '%s'\n", err);
    }
    /* an unknown SIMD opcode: "local.get 0; i32.eqz" becomes 0xFD 0x9A 0x01
     * (sub-opcode 154, a gap in the table), the same length */
    unsigned char gap[sizeof badtype_wasm];
    memcpy(gap, badtype_wasm, sizeof gap);
    bool patched = false;
    for (size_t i = 0; i + 2 < sizeof gap && !patched; i++)
        if (gap[i] == 0x20 && gap[i + 1] == 0x00 && gap[i + 2] == 0x45) {
            gap[i] = 0xFD, gap[i + 1] = 0x9A, gap[i + 2] = 0x01;
            patched = true;
        }
    CHECK(patched);
    cx_wasm_module *m = NULL;
    char err[CX_WASM_ERROR_MAX] = "";
    CHECK(cx_wasm_module_new(gap, sizeof gap, NULL, &m, err) != 0);
    CHECK(strstr(err, "illegal opcode") != NULL);
}

TEST_MAIN()
