/* Differential tests of the two execution tiers of the wasm runtime: every
 * module is loaded twice, interpreted (limits.jit = 0) and compiled to
 * machine code where the platform has a JIT (limits.jit = 1), and both
 * instances must agree on everything a caller can observe.
 *
 * jit_differential_random_modules generates valid modules as bytes with a
 * type-directed generator (a fixed-seed PRNG; nothing external at test
 * time): integer and float arithmetic with edge operands, conversions
 * (trapping and saturating), sign extension, locals of all four types,
 * mutable exported globals, select (plain and typed), loads and stores of
 * every width at random offsets and addresses (in bounds, a byte either
 * side of the end of a page, far out), memory.size/grow, block/loop/if
 * with empty, single and multi-value block types (with params),
 * br/br_if/br_table/return/unreachable (with extra values beneath a
 * branch's own), loops bounded by a counter local (a few iterations, or a
 * few hundred), expressions holding more values than the JIT has
 * registers, an acyclic call graph plus one bounded recursive function,
 * call_indirect through a table (matching, mismatching, null and
 * out-of-range slots) and an imported host function that reads, writes and
 * grows the caller's memory. Half the functions are "safe" (in-bounds
 * addresses, nonzero divisors, ...) so that calls get far; the others trap
 * in every way. Every exported function is called with several argument
 * sets (0, -1, INT_MIN/MAX, NaN with payloads, -0.0, inf, denormals, the
 * bounds of every conversion, ...), under plenty of fuel or very little,
 * and the return code, trap kind, results (bit-exact; two NaNs are equal),
 * fuel left, memory and exported globals are compared after each call.
 * Values that would otherwise be dropped are folded into an accumulator
 * global (global 0), so that a wrong one shows.
 *
 * NaN payloads: WebAssembly leaves the payload (and sign) of a NaN produced
 * by arithmetic nondeterministic, so the generator keeps such NaNs away
 * from everything that exposes bits (reinterpret, stores, copysign's sign
 * operand, params, host arguments, the accumulator): it tracks which float
 * values are "exact" (constants, loads, params, abs/neg/copysign of exact
 * values, conversions from integers) and canonicalizes the others on the
 * way into such a sink (x == x ? x : canonical NaN).
 *
 * The JIT compiles a module only when it covers all its instructions, so
 * most modules leave out the groups it does not cover yet (FEAT_*); the
 * summary line says how many modules ran as machine code.
 *
 * A mismatch prints the module's seed, the function, its arguments and both
 * outcomes, and writes the module to /tmp/jit_fail_<seed>.wasm (wasm2wat,
 * wasm-validate); the run goes on, the first few reported.
 * CX_WASM_JIT_SEED=<seed> runs that one module again,
 * CX_WASM_JIT_MODULES=<n> changes how many modules are generated and
 * CX_WASM_JIT_DUMP=<dir> writes every module there.
 *
 * The other tests run fixed modules (the binary of the text below,
 * wat2wasm) in both tiers: unbounded recursion (direct, indirect, and
 * through a frame with many locals against a small value stack) ends with
 * CX_WASM_TRAP_STACK_EXHAUSTED, at the same depth under max_call_depth; an
 * infinite loop with fuel ends with CX_WASM_TRAP_FUEL, with a deadline
 * with CX_WASM_TRAP_DEADLINE; and the fuel a call takes, and the budget at
 * which it runs out, are the same in both.
 *
 *   (module
 *     (type $t (func (param i32) (result i32)))
 *     (table 1 funcref) (elem (i32.const 0) $rec_ind)
 *     (func $rec (export "rec") (param i32) (result i32)
 *       local.get 0 i32.const 1 i32.add call $rec)
 *     (func $rec_ind (export "rec_ind") (param i32) (result i32)
 *       local.get 0 i32.const 1 i32.add i32.const 0 call_indirect (type $t))
 *     (func $fat (export "fat") (param i64) (result i64)
 *       (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
 *              f64 f64 f64 f64 f64 f64 f64 f64 i32 i32 i32 i32 i32 i32 i32 i32)
 *       local.get 0 i64.const 1 i64.add call $fat)
 *     (func (export "spin") (loop br 0))
 *     (func $leaf (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
 *     (func (export "spin_call") (local i32)
 *       (loop local.get 0 call $leaf local.set 0 br 0))
 *     (func (export "count") (param i32) (result i32) (local i32)
 *       (loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_u br_if 0)
 *       local.get 1)
 *     (func $down (export "down") (param i32) (result i32)
 *       local.get 0
 *       if (result i32) local.get 0 i32.const 1 i32.sub call $down i32.const 1 i32.add
 *       else i32.const 0 end)
 *     (func (export "calls") (param i32) (result i32) (local i32 i32)
 *       (block (loop local.get 2 local.get 0 i32.ge_u br_if 1
 *         local.get 1 call $leaf i32.const 1 i32.add local.set 1
 *         local.get 2 i32.const 1 i32.add local.set 2 br 0))
 *       local.get 1))
 */
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "harness.h"
#if __has_include("wasm/jit.h")
#include "wasm/wasm_int.h"
#define JIT_COMPILED(m) ((m)->jit_code != NULL) /* machine code for the whole module */
#else
#define JIT_COMPILED(m) false
#endif

/* ---- PRNG (splitmix64) ---------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint32_t rbelow(rng *r, uint32_t n) {
    return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

static bool rchance(rng *r, uint32_t pct) {
    return rbelow(r, 100) < pct;
}

/* ---- byte buffers and LEB128 ---------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put_n(bytes *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) abort();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put(bytes *b, uint8_t v) {
    put_n(b, &v, 1);
}

static void put_u32(bytes *b, uint32_t v) {
    do {
        uint8_t c = v & 0x7F;
        v >>= 7;
        put(b, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

static void put_s64(bytes *b, int64_t v) {
    for (;;) {
        uint8_t c = (uint8_t)(v & 0x7F);
        v >>= 7; /* arithmetic shift */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        put(b, (uint8_t)(c | (done ? 0 : 0x80)));
        if (done) return;
    }
}

static void put_name(bytes *b, const char *s) {
    put_u32(b, (uint32_t)strlen(s));
    put_n(b, s, strlen(s));
}

static void put_section(bytes *mod, uint8_t id, const bytes *content) {
    put(mod, id);
    put_u32(mod, (uint32_t)content->n);
    put_n(mod, content->p, content->n);
}

static void bytes_free(bytes *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- value types and edge values ------------------------------------------ */

#define I32 CX_WASM_I32
#define I64 CX_WASM_I64
#define F32 CX_WASM_F32
#define F64 CX_WASM_F64

static const uint8_t VTYPES[4] = {I32, I64, F32, F64};

static uint8_t rtype(rng *r) {
    return VTYPES[rbelow(r, 4)];
}

static bool isfloat(uint8_t t) {
    return t == F32 || t == F64;
}

static int tslot(uint8_t t) {
    return t == I32 ? 0 : t == I64 ? 1 : t == F32 ? 2 : 3;
}

static const int32_t EDGE_I32[] = {
    0,           1,          -1,          2,       3,      7,      13,        31,
    32,          33,         63,          64,      65,     255,    256,       -256,
    0x7FFF,      0x8000,     0xFFFF,      0x10000, 65532,  131064, INT32_MIN, INT32_MAX,
    -2147483647, 0x55555555, -0x55555556, 0x42,    0x7EA9, 1000};
/* Parsed once (edges_init) into the arrays below: powers of two and the
 * bounds of every integer conversion, their neighbours, signed zeros,
 * infinities, denormals and ties for nearest. */
static const char EDGES_I64[] =
    "0 1 -1 2 13 31 32 63 64 65 127 0x7FFFFFFF 0x80000000 0xFFFFFFFF 0x100000000 -0x80000000 "
    "-9223372036854775808 9223372036854775807 -9223372036854775807 0x5555555555555555 "
    "0xAAAAAAAAAAAAAAAA 9007199254740993";
static const char EDGES_F32[] =
    "0 -0 1 -1 0.5 1.5 2.5 -2.5 0.49999997 -0.99999994 inf -inf 1e-45 -1.1754942e-38 "
    "1.17549435e-38 3.40282347e38 -3.40282347e38 2147483648 -2147483648 2147483520 4294967296 "
    "4294967040 9223372036854775808 -9223372036854775808 18446744073709551616 -2147483904 "
    "8388609 16777217 1e10 -1e-10";
static const char EDGES_F64[] =
    "0 -0 1 -1 0.5 1.5 2.5 -2.5 0.49999999999999994 -0.9999999999999999 inf -inf 5e-324 "
    "-2.2250738585072009e-308 2.2250738585072014e-308 1.7976931348623157e308 "
    "-1.7976931348623157e308 2147483647.9 -2147483648.9 -2147483649 2147483648 4294967295.9 "
    "4294967296 9223372036854775808 -9223372036854775808 9223372036854774784 "
    "18446744073709551616 18446744073709549568 9007199254740993 1e300 -1e-300 "
    "3.4028235677973366e38 1.401298464324817e-45";
static const uint32_t NAN_F32[] = {0x7FC00000u, 0xFFC00000u, 0x7FA00001u, 0x7FC12345u, 0xFF812345u};
static const uint64_t NAN_F64[] = {0x7FF8000000000000ull, 0xFFF8000000000000ull,
                                   0x7FF0000000000001ull, 0x7FF8000000012345ull,
                                   0xFFF4000000000abcull};

static int64_t EDGE_I64[64];
static uint32_t EDGE_F32[64];
static uint64_t EDGE_F64[64];
static uint32_t n_edge_i64, n_edge_f32, n_edge_f64;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t f32_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static uint64_t f64_bits(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static void edges_init(void) {
    if (n_edge_i64) return;
    char *e;
    for (const char *p = EDGES_I64; n_edge_i64 < COUNT(EDGE_I64); p = e) {
        uint64_t v = strtoull(p, &e, 0);
        if (e == p) break;
        EDGE_I64[n_edge_i64++] = (int64_t)v;
    }
    for (const char *p = EDGES_F32; n_edge_f32 < COUNT(EDGE_F32); p = e) {
        float v = strtof(p, &e);
        if (e == p) break;
        EDGE_F32[n_edge_f32++] = f32_bits(v);
    }
    for (const char *p = EDGES_F64; n_edge_f64 < COUNT(EDGE_F64); p = e) {
        double v = strtod(p, &e);
        if (e == p) break;
        EDGE_F64[n_edge_f64++] = f64_bits(v);
    }
}

static int32_t rand_i32(rng *r) {
    switch (rbelow(r, 5)) {
    case 0:
    case 1:
        return EDGE_I32[rbelow(r, COUNT(EDGE_I32))];
    case 2:
        return (int32_t)rnext(r);
    default:
        return (int32_t)rbelow(r, 200) - 100;
    }
}

static int64_t rand_i64(rng *r) {
    switch (rbelow(r, 5)) {
    case 0:
    case 1:
        return EDGE_I64[rbelow(r, n_edge_i64)];
    case 2:
        return (int64_t)rnext(r);
    case 3:
        return (int64_t)(int32_t)rnext(r);
    default:
        return (int64_t)rbelow(r, 200) - 100;
    }
}

static uint32_t rand_f32(rng *r) {
    switch (rbelow(r, 8)) {
    case 0:
    case 1:
    case 2:
        return EDGE_F32[rbelow(r, n_edge_f32)];
    case 3:
        return NAN_F32[rbelow(r, COUNT(NAN_F32))];
    case 4:
        return (uint32_t)rnext(r);
    default:
        return f32_bits((float)((int)rbelow(r, 2000) - 1000) / 8.0f);
    }
}

static uint64_t rand_f64(rng *r) {
    switch (rbelow(r, 8)) {
    case 0:
    case 1:
    case 2:
        return EDGE_F64[rbelow(r, n_edge_f64)];
    case 3:
        return NAN_F64[rbelow(r, COUNT(NAN_F64))];
    case 4:
        return rnext(r);
    default:
        return f64_bits((double)((int)rbelow(r, 2000) - 1000) / 16.0);
    }
}

/* ---- opcodes --------------------------------------------------------------- */

enum {
    OP_UNREACHABLE = 0x00,
    OP_NOP = 0x01,
    OP_BLOCK = 0x02,
    OP_LOOP = 0x03,
    OP_IF = 0x04,
    OP_ELSE = 0x05,
    OP_END = 0x0B,
    OP_BR = 0x0C,
    OP_BR_IF = 0x0D,
    OP_BR_TABLE = 0x0E,
    OP_RETURN = 0x0F,
    OP_CALL = 0x10,
    OP_CALL_INDIRECT = 0x11,
    OP_DROP = 0x1A,
    OP_SELECT = 0x1B,
    OP_SELECT_T = 0x1C,
    OP_LOCAL_GET = 0x20,
    OP_LOCAL_SET = 0x21,
    OP_LOCAL_TEE = 0x22,
    OP_GLOBAL_GET = 0x23,
    OP_GLOBAL_SET = 0x24,
    OP_MEMORY_SIZE = 0x3F,
    OP_MEMORY_GROW = 0x40,
    OP_I32_CONST = 0x41,
    OP_I64_CONST = 0x42,
    OP_F32_CONST = 0x43,
    OP_F64_CONST = 0x44,
    OP_F32_EQ = 0x5B,
    OP_F64_EQ = 0x61,
    OP_I32_ADD = 0x6A,
    OP_I32_SUB = 0x6B,
    OP_I32_REM_U = 0x70,
    OP_I32_AND = 0x71,
    OP_I32_OR = 0x72,
    OP_I64_OR = 0x84,
    OP_F64_CONVERT_I32_S = 0xB7,
    OP_F32_CONVERT_I32_S = 0xB2,
};

/* How an operation treats the exactness of float values (see the top). */
enum {
    K_PLAIN,      /* float result may be a nondeterministic NaN */
    K_PRESERVE,   /* abs, neg: exact when the operand is */
    K_ALWAYS,     /* from integer bits: always exact */
    K_NEED_EXACT, /* reinterpret to integer: the operand must be exact */
    K_COPYSIGN,   /* exact when both operands are; the sign operand must be exact */
    K_DIV,        /* integer div/rem: the divisor is chosen with care */
    K_TRUNC,      /* trapping float-to-int */
};

typedef struct opinfo {
    uint16_t opc;    /* 0xFC00 | sub for the 0xFC prefix */
    uint8_t r, a, b; /* result, operand types (b 0: unary) */
    uint8_t kind;
} opinfo;

static const opinfo OPS[] = {
    /* i32 results */
    {0x45, I32, I32, 0, K_PLAIN},
    {0x67, I32, I32, 0, K_PLAIN},
    {0x68, I32, I32, 0, K_PLAIN},
    {0x69, I32, I32, 0, K_PLAIN},
    {0xC0, I32, I32, 0, K_PLAIN},
    {0xC1, I32, I32, 0, K_PLAIN},
    {0x50, I32, I64, 0, K_PLAIN},
    {0xA7, I32, I64, 0, K_PLAIN},
    {0xA8, I32, F32, 0, K_TRUNC},
    {0xA9, I32, F32, 0, K_TRUNC},
    {0xAA, I32, F64, 0, K_TRUNC},
    {0xAB, I32, F64, 0, K_TRUNC},
    {0xFC00, I32, F32, 0, K_PLAIN},
    {0xFC01, I32, F32, 0, K_PLAIN},
    {0xFC02, I32, F64, 0, K_PLAIN},
    {0xFC03, I32, F64, 0, K_PLAIN},
    {0xBC, I32, F32, 0, K_NEED_EXACT},
    {0x46, I32, I32, I32, K_PLAIN},
    {0x47, I32, I32, I32, K_PLAIN},
    {0x48, I32, I32, I32, K_PLAIN},
    {0x49, I32, I32, I32, K_PLAIN},
    {0x4A, I32, I32, I32, K_PLAIN},
    {0x4B, I32, I32, I32, K_PLAIN},
    {0x4C, I32, I32, I32, K_PLAIN},
    {0x4D, I32, I32, I32, K_PLAIN},
    {0x4E, I32, I32, I32, K_PLAIN},
    {0x4F, I32, I32, I32, K_PLAIN},
    {0x6A, I32, I32, I32, K_PLAIN},
    {0x6B, I32, I32, I32, K_PLAIN},
    {0x6C, I32, I32, I32, K_PLAIN},
    {0x6D, I32, I32, I32, K_DIV},
    {0x6E, I32, I32, I32, K_DIV},
    {0x6F, I32, I32, I32, K_DIV},
    {0x70, I32, I32, I32, K_DIV},
    {0x71, I32, I32, I32, K_PLAIN},
    {0x72, I32, I32, I32, K_PLAIN},
    {0x73, I32, I32, I32, K_PLAIN},
    {0x74, I32, I32, I32, K_PLAIN},
    {0x75, I32, I32, I32, K_PLAIN},
    {0x76, I32, I32, I32, K_PLAIN},
    {0x77, I32, I32, I32, K_PLAIN},
    {0x78, I32, I32, I32, K_PLAIN},
    {0x51, I32, I64, I64, K_PLAIN},
    {0x52, I32, I64, I64, K_PLAIN},
    {0x53, I32, I64, I64, K_PLAIN},
    {0x54, I32, I64, I64, K_PLAIN},
    {0x55, I32, I64, I64, K_PLAIN},
    {0x56, I32, I64, I64, K_PLAIN},
    {0x57, I32, I64, I64, K_PLAIN},
    {0x58, I32, I64, I64, K_PLAIN},
    {0x59, I32, I64, I64, K_PLAIN},
    {0x5A, I32, I64, I64, K_PLAIN},
    {0x5B, I32, F32, F32, K_PLAIN},
    {0x5C, I32, F32, F32, K_PLAIN},
    {0x5D, I32, F32, F32, K_PLAIN},
    {0x5E, I32, F32, F32, K_PLAIN},
    {0x5F, I32, F32, F32, K_PLAIN},
    {0x60, I32, F32, F32, K_PLAIN},
    {0x61, I32, F64, F64, K_PLAIN},
    {0x62, I32, F64, F64, K_PLAIN},
    {0x63, I32, F64, F64, K_PLAIN},
    {0x64, I32, F64, F64, K_PLAIN},
    {0x65, I32, F64, F64, K_PLAIN},
    {0x66, I32, F64, F64, K_PLAIN},
    /* i64 results */
    {0x79, I64, I64, 0, K_PLAIN},
    {0x7A, I64, I64, 0, K_PLAIN},
    {0x7B, I64, I64, 0, K_PLAIN},
    {0xC2, I64, I64, 0, K_PLAIN},
    {0xC3, I64, I64, 0, K_PLAIN},
    {0xC4, I64, I64, 0, K_PLAIN},
    {0xAC, I64, I32, 0, K_PLAIN},
    {0xAD, I64, I32, 0, K_PLAIN},
    {0xAE, I64, F32, 0, K_TRUNC},
    {0xAF, I64, F32, 0, K_TRUNC},
    {0xB0, I64, F64, 0, K_TRUNC},
    {0xB1, I64, F64, 0, K_TRUNC},
    {0xFC04, I64, F32, 0, K_PLAIN},
    {0xFC05, I64, F32, 0, K_PLAIN},
    {0xFC06, I64, F64, 0, K_PLAIN},
    {0xFC07, I64, F64, 0, K_PLAIN},
    {0xBD, I64, F64, 0, K_NEED_EXACT},
    {0x7C, I64, I64, I64, K_PLAIN},
    {0x7D, I64, I64, I64, K_PLAIN},
    {0x7E, I64, I64, I64, K_PLAIN},
    {0x7F, I64, I64, I64, K_DIV},
    {0x80, I64, I64, I64, K_DIV},
    {0x81, I64, I64, I64, K_DIV},
    {0x82, I64, I64, I64, K_DIV},
    {0x83, I64, I64, I64, K_PLAIN},
    {0x84, I64, I64, I64, K_PLAIN},
    {0x85, I64, I64, I64, K_PLAIN},
    {0x86, I64, I64, I64, K_PLAIN},
    {0x87, I64, I64, I64, K_PLAIN},
    {0x88, I64, I64, I64, K_PLAIN},
    {0x89, I64, I64, I64, K_PLAIN},
    {0x8A, I64, I64, I64, K_PLAIN},
    /* f32 results */
    {0x8B, F32, F32, 0, K_PRESERVE},
    {0x8C, F32, F32, 0, K_PRESERVE},
    {0x8D, F32, F32, 0, K_PLAIN},
    {0x8E, F32, F32, 0, K_PLAIN},
    {0x8F, F32, F32, 0, K_PLAIN},
    {0x90, F32, F32, 0, K_PLAIN},
    {0x91, F32, F32, 0, K_PLAIN},
    {0xB2, F32, I32, 0, K_ALWAYS},
    {0xB3, F32, I32, 0, K_ALWAYS},
    {0xB4, F32, I64, 0, K_ALWAYS},
    {0xB5, F32, I64, 0, K_ALWAYS},
    {0xB6, F32, F64, 0, K_PLAIN},
    {0xBE, F32, I32, 0, K_ALWAYS},
    {0x92, F32, F32, F32, K_PLAIN},
    {0x93, F32, F32, F32, K_PLAIN},
    {0x94, F32, F32, F32, K_PLAIN},
    {0x95, F32, F32, F32, K_PLAIN},
    {0x96, F32, F32, F32, K_PLAIN},
    {0x97, F32, F32, F32, K_PLAIN},
    {0x98, F32, F32, F32, K_COPYSIGN},
    /* f64 results */
    {0x99, F64, F64, 0, K_PRESERVE},
    {0x9A, F64, F64, 0, K_PRESERVE},
    {0x9B, F64, F64, 0, K_PLAIN},
    {0x9C, F64, F64, 0, K_PLAIN},
    {0x9D, F64, F64, 0, K_PLAIN},
    {0x9E, F64, F64, 0, K_PLAIN},
    {0x9F, F64, F64, 0, K_PLAIN},
    {0xB7, F64, I32, 0, K_ALWAYS},
    {0xB8, F64, I32, 0, K_ALWAYS},
    {0xB9, F64, I64, 0, K_ALWAYS},
    {0xBA, F64, I64, 0, K_ALWAYS},
    {0xBB, F64, F32, 0, K_PLAIN},
    {0xBF, F64, I64, 0, K_ALWAYS},
    {0xA0, F64, F64, F64, K_PLAIN},
    {0xA1, F64, F64, F64, K_PLAIN},
    {0xA2, F64, F64, F64, K_PLAIN},
    {0xA3, F64, F64, F64, K_PLAIN},
    {0xA4, F64, F64, F64, K_PLAIN},
    {0xA5, F64, F64, F64, K_PLAIN},
    {0xA6, F64, F64, F64, K_COPYSIGN},
};

/* OPS by result type, and the type-preserving unary and binary ones. */
static const opinfo *ops_by_result[4][COUNT(OPS)];
static int nops_by_result[4];
static const opinfo *unops_same[4][COUNT(OPS)], *binops_same[4][COUNT(OPS)];
static int nunops_same[4], nbinops_same[4];

static void ops_init(void) {
    if (nops_by_result[0]) return;
    for (size_t i = 0; i < COUNT(OPS); i++) {
        const opinfo *o = &OPS[i];
        int s = tslot(o->r);
        ops_by_result[s][nops_by_result[s]++] = o;
        if (o->a == o->r && o->b == 0) unops_same[s][nunops_same[s]++] = o;
        if (o->a == o->r && o->b == o->r) binops_same[s][nbinops_same[s]++] = o;
    }
}

typedef struct memop {
    uint8_t opc, t, log2;
} memop;

static const memop LOADS[] = {{0x28, I32, 2}, {0x29, I64, 3}, {0x2A, F32, 2}, {0x2B, F64, 3},
                              {0x2C, I32, 0}, {0x2D, I32, 0}, {0x2E, I32, 1}, {0x2F, I32, 1},
                              {0x30, I64, 0}, {0x31, I64, 0}, {0x32, I64, 1}, {0x33, I64, 1},
                              {0x34, I64, 2}, {0x35, I64, 2}};
static const memop STORES[] = {{0x36, I32, 2}, {0x37, I64, 3}, {0x38, F32, 2},
                               {0x39, F64, 3}, {0x3A, I32, 0}, {0x3B, I32, 1},
                               {0x3C, I64, 0}, {0x3D, I64, 1}, {0x3E, I64, 2}};

/* ---- the module being generated ------------------------------------------- */

/* Groups of instructions a module may leave out. The JIT compiles a module
 * only when it supports every instruction in it (see src/wasm/jit.c), and
 * these it does not yet: most modules leave all of them out, so that they
 * run as machine code; the others run interpreted in both tiers until the
 * JIT covers them (and then are compared for real). */
enum {
    FEAT_SAT = 1,    /* 0xFC 0..7: saturating float-to-int */
    FEAT_TRUNC = 2,  /* trapping float-to-int */
    FEAT_MINMAX = 4, /* f32/f64 min, max */
    FEAT_CVT_U64 = 8 /* f32/f64.convert_i64_u */
};

#define MAXP      5 /* params or results of a generated type */
#define MAXTYPES  100
#define MAXFUNCS  16 /* the host import (0), the generated functions, rec (last) */
#define MAXGLOB   8
#define MAXLOCALS 48
#define MAXLABELS 32
#define MAXNEST   4 /* structured instructions open at once */
#define MAXLOOPS  3 /* loops open at once (one counter local each) */
#define MAXDEPTH  6 /* expression depth */
#define COST_MAX  20000.0

typedef struct sig {
    uint8_t np, nr;
    uint8_t p[MAXP], r[MAXP];
} sig;

typedef struct gmod {
    rng r;
    sig types[MAXTYPES];
    int ntypes;
    int nfuncs;          /* import included */
    int ftype[MAXFUNCS]; /* type index of each function */
    double fcost[MAXFUNCS];
    bytes fcode[MAXFUNCS]; /* bodies of defined functions (locals + code) */
    int nglobals;          /* the last one is immutable */
    uint8_t gtype[MAXGLOB];
    bool gexact[MAXGLOB];
    uint64_t ginit[MAXGLOB];
    int tsize;     /* table: slot i holds function i for i < nfuncs, then nulls */
    unsigned feat; /* FEAT_*: the groups of instructions this module may use */
} gmod;

static int type_index(gmod *M, const uint8_t *p, int np, const uint8_t *r, int nr) {
    for (int i = 0; i < M->ntypes; i++) {
        const sig *s = &M->types[i];
        if (s->np == np && s->nr == nr && !memcmp(s->p, p, (size_t)np) &&
            !memcmp(s->r, r, (size_t)nr))
            return i;
    }
    if (M->ntypes == MAXTYPES) return -1;
    sig *s = &M->types[M->ntypes];
    s->np = (uint8_t)np;
    s->nr = (uint8_t)nr;
    memcpy(s->p, p, (size_t)np);
    memcpy(s->r, r, (size_t)nr);
    return M->ntypes++;
}

/* ---- one function being generated ----------------------------------------- */

enum { L_EXACT = 1, L_RESERVED = 2 };

typedef struct label {
    uint8_t n;
    uint8_t t[MAXP];
    bool loop; /* only the loop's own counted back edge targets it */
} label;

typedef struct fn {
    gmod *M;
    rng *r;
    bytes *code;
    int self;
    const sig *sg;
    int nlocals;
    uint8_t lt[MAXLOCALS], lflags[MAXLOCALS];
    int counter[MAXLOOPS], scratch32, scratch64;
    label labels[MAXLABELS];
    int nlabels;
    int depth, nest, loops;
    double mult, cost;
    int size, size_max;
    bool safe; /* traps only in callees: in-bounds addresses, no zero divisors, ... */
} fn;

static bool gen_expr(fn *F, uint8_t t);
static void gen_values(fn *F, const uint8_t *ts, int n);
static void gen_stmts(fn *F, int n);
static void gen_structured(fn *F, const uint8_t *R, int nr);

static void op(fn *F, uint8_t b) {
    put(F->code, b);
    F->cost += F->mult;
}

static void op_fc(fn *F, uint32_t sub) {
    op(F, 0xFC);
    put_u32(F->code, sub);
}

static void emit_opinfo(fn *F, const opinfo *o) {
    if (o->opc >= 0xFC00)
        op_fc(F, o->opc & 0xFF);
    else
        op(F, (uint8_t)o->opc);
}

static void i32_const(fn *F, int32_t v) {
    op(F, OP_I32_CONST);
    put_s64(F->code, v);
}

static void emit_const(fn *F, uint8_t t) {
    rng *r = F->r;
    switch (t) {
    case I32:
        i32_const(F, rand_i32(r));
        break;
    case I64:
        op(F, OP_I64_CONST);
        put_s64(F->code, rand_i64(r));
        break;
    case F32: {
        uint32_t b = rand_f32(r);
        op(F, OP_F32_CONST);
        put_n(F->code, &b, 4);
        break;
    }
    default: {
        uint64_t b = rand_f64(r);
        op(F, OP_F64_CONST);
        put_n(F->code, &b, 8);
        break;
    }
    }
}

static bool budget_left(const fn *F) {
    return F->size < F->size_max && F->cost < COST_MAX;
}

static void push_label(fn *F, const uint8_t *t, int n, bool loop) {
    label *l = &F->labels[F->nlabels++];
    l->n = (uint8_t)n;
    memcpy(l->t, t, (size_t)n);
    l->loop = loop;
}

/* A random local of type t: writable ones only, or also the loop counters
 * (readable). -1 when there is none. */
static int pick_local(fn *F, uint8_t t, bool write) {
    int c[MAXLOCALS], n = 0;
    for (int i = 0; i < F->nlocals; i++) {
        if (F->lt[i] != t) continue;
        if ((F->lflags[i] & L_RESERVED) &&
            (write || t != I32 || i == F->scratch32 || i == F->scratch64))
            continue;
        c[n++] = i;
    }
    return n ? c[rbelow(F->r, (uint32_t)n)] : -1;
}

/* Stack [x] -> [x, or the canonical NaN when x is a NaN]: exact. */
static void canon(fn *F, uint8_t t) {
    int s = t == F32 ? F->scratch32 : F->scratch64;
    op(F, OP_LOCAL_TEE);
    put_u32(F->code, (uint32_t)s);
    if (t == F32) {
        uint32_t b = 0x7FC00000u;
        op(F, OP_F32_CONST);
        put_n(F->code, &b, 4);
    } else {
        uint64_t b = 0x7FF8000000000000ull;
        op(F, OP_F64_CONST);
        put_n(F->code, &b, 8);
    }
    op(F, OP_LOCAL_GET);
    put_u32(F->code, (uint32_t)s);
    op(F, OP_LOCAL_GET);
    put_u32(F->code, (uint32_t)s);
    op(F, t == F32 ? OP_F32_EQ : OP_F64_EQ);
    op(F, OP_SELECT);
}

/* A value of type t whose bits are deterministic. */
static void gen_exact(fn *F, uint8_t t) {
    if (!gen_expr(F, t) && isfloat(t)) canon(F, t);
}

/* Values for params (floats exact: params of generated functions are). */
static void gen_args(fn *F, const sig *s) {
    for (int i = 0; i < s->np; i++) gen_exact(F, s->p[i]);
}

static bool gen_leaf(fn *F, uint8_t t) {
    rng *r = F->r;
    uint32_t k = rbelow(r, 10);
    if (k < 4) {
        int l = pick_local(F, t, false);
        if (l >= 0) {
            op(F, OP_LOCAL_GET);
            put_u32(F->code, (uint32_t)l);
            return !isfloat(t) || (F->lflags[l] & L_EXACT);
        }
    } else if (k == 4) {
        gmod *M = F->M;
        int c[MAXGLOB], n = 0;
        for (int g = 0; g < M->nglobals; g++)
            if (M->gtype[g] == t) c[n++] = g;
        if (n) {
            int g = c[rbelow(r, (uint32_t)n)];
            op(F, OP_GLOBAL_GET);
            put_u32(F->code, (uint32_t)g);
            return M->gexact[g];
        }
    }
    emit_const(F, t);
    return true;
}

/* The address of an access of 2^log2 bytes at offset off: mostly in bounds,
 * sometimes right at the end of a page (by a byte either way) or past it. */
static void gen_addr(fn *F, int log2, uint32_t off) {
    rng *r = F->r;
    uint32_t k = rbelow(r, 100);
    if (k < 8 && off < 65536) {
        /* the end of page 1, or of page 2 once grown; safe: exactly in bounds */
        int32_t end = !F->safe && rchance(r, 30) ? 131072 : 65536;
        int32_t d = F->safe ? 0 : (int32_t)rbelow(r, 3) - 1;
        i32_const(F, end - (1 << log2) - (int32_t)off + d);
        return;
    }
    if (F->safe) { /* below 32 KiB (and offsets below 28 KiB) */
        if (k < 20) {
            i32_const(F, (int32_t)rbelow(r, 1024));
        } else {
            static const int32_t masks[] = {0x7FF8, 0x3FF, 0x7FFF, 0xFFF, 0x7F};
            gen_expr(F, I32);
            i32_const(F, masks[rbelow(r, COUNT(masks))]);
            op(F, OP_I32_AND);
        }
        return;
    }
    if (k < 12) {
        i32_const(F, (int32_t)rbelow(r, 1024));
    } else if (k < 17) {
        i32_const(F, 65536 - (int32_t)rbelow(r, 16)); /* the last bytes of page 1 */
    } else if (k < 19) {
        i32_const(F, 131072 - (int32_t)rbelow(r, 16)); /* of page 2, when grown */
    } else if (k < 21) {
        i32_const(F, rchance(r, 50) ? (int32_t)rnext(r) : -(int32_t)rbelow(r, 8));
    } else if (k < 90) {
        static const int32_t masks[] = {0xFFF8, 0x3FF, 0x7FFF, 0xFFF, 0x7F, 0xFFFF, 0x1FFF8};
        if (k < 75 || pick_local(F, I32, false) < 0) {
            gen_expr(F, I32);
        } else {
            op(F, OP_LOCAL_GET);
            put_u32(F->code, (uint32_t)pick_local(F, I32, false));
        }
        i32_const(F, masks[rbelow(r, COUNT(masks))]);
        op(F, OP_I32_AND);
    } else {
        gen_expr(F, I32); /* anything */
    }
}

/* A random offset for an access (chosen before its address). */
static uint32_t rand_offset(fn *F) {
    rng *r = F->r;
    uint32_t k = rbelow(r, 100), off;
    if (k < 70)
        off = 0;
    else if (k < 92)
        off = rbelow(r, 64);
    else if (F->safe)
        off = rbelow(r, 0x7000); /* + a safe address (< 0x8000) + 8 stays in page 1 */
    else if (k < 98)
        off = rbelow(r, 70000);
    else
        off = 0xFFFFFFFFu - rbelow(r, 8);
    return off;
}

static void put_memarg(fn *F, int log2, uint32_t off) {
    put_u32(F->code, rbelow(F->r, (uint32_t)log2 + 1)); /* alignment hint */
    put_u32(F->code, off);
}

/* The divisor of an integer div/rem: often nonzero, sometimes a constant
 * (which a compiler may strength-reduce), sometimes anything. */
static void gen_divisor(fn *F, uint8_t t) {
    rng *r = F->r;
    static const int32_t consts[] = {1, -1, 2, 3, 5, 7, 10, 16, -7, 641, INT32_MAX, INT32_MIN, 0};
    if (F->safe) { /* a constant other than 0 and -1, or x & INT_MAX | 1 */
        if (rchance(r, 40)) {
            int32_t c = consts[rbelow(r, COUNT(consts) - 1)];
            if (c == -1) c = -3;
            if (t == I32) {
                i32_const(F, c);
            } else {
                op(F, OP_I64_CONST);
                put_s64(F->code, c);
            }
            return;
        }
        gen_expr(F, t);
        if (t == I32) {
            i32_const(F, INT32_MAX);
            op(F, OP_I32_AND);
            i32_const(F, 1);
            op(F, OP_I32_OR);
        } else {
            op(F, OP_I64_CONST);
            put_s64(F->code, INT64_MAX);
            op(F, 0x83); /* i64.and */
            op(F, OP_I64_CONST);
            put_s64(F->code, 1);
            op(F, OP_I64_OR);
        }
        return;
    }
    switch (rbelow(r, 5)) {
    case 0:
        gen_expr(F, t);
        break;
    case 1: {
        int32_t c = consts[rbelow(r, COUNT(consts))];
        if (t == I32) {
            i32_const(F, c);
        } else {
            op(F, OP_I64_CONST);
            put_s64(F->code, rchance(r, 20) ? INT64_MIN : (int64_t)c);
        }
        break;
    }
    default:
        gen_expr(F, t);
        if (t == I32) {
            i32_const(F, 1);
            op(F, OP_I32_OR);
        } else {
            op(F, OP_I64_CONST);
            put_s64(F->code, 1);
            op(F, OP_I64_OR);
        }
        break;
    }
}

static bool op_allowed(const fn *F, const opinfo *o) {
    unsigned need = 0;
    if (o->opc >= 0xFC00)
        need = FEAT_SAT;
    else if (o->kind == K_TRUNC)
        need = F->safe ? FEAT_SAT : FEAT_TRUNC; /* safe: the saturating one instead */
    else if (o->opc == 0x96 || o->opc == 0x97 || o->opc == 0xA4 || o->opc == 0xA5)
        need = FEAT_MINMAX;
    else if (o->opc == 0xB5 || o->opc == 0xBA)
        need = FEAT_CVT_U64;
    return (F->M->feat & need) == need;
}

/* A random allowed operation of tab[0..n) (each type has ones always allowed). */
static const opinfo *pick_op(fn *F, const opinfo *const *tab, int n) {
    for (;;) {
        const opinfo *o = tab[rbelow(F->r, (uint32_t)n)];
        if (op_allowed(F, o)) return o;
    }
}

static bool gen_op(fn *F, uint8_t t) {
    rng *r = F->r;
    int s = tslot(t);
    const opinfo *o = pick_op(F, ops_by_result[s], nops_by_result[s]);
    /* half the i32 operations are tests: pick them less, so i32 values are
     * not mostly 0 and 1 */
    if (o->opc >= 0x45 && o->opc <= 0x66 && rchance(r, 60))
        o = pick_op(F, ops_by_result[s], nops_by_result[s]);
    bool ea = true, eb = true;
    if (o->kind == K_NEED_EXACT) {
        gen_exact(F, o->a);
    } else if (o->kind == K_TRUNC && rchance(r, 50)) {
        /* an input that is in range more often: a converted i32 */
        gen_expr(F, I32);
        op(F, o->a == F32 ? OP_F32_CONVERT_I32_S : OP_F64_CONVERT_I32_S);
    } else {
        ea = gen_expr(F, o->a);
    }
    if (o->b) {
        if (o->kind == K_DIV)
            gen_divisor(F, o->b);
        else if (o->kind == K_COPYSIGN)
            gen_exact(F, o->b);
        else
            eb = gen_expr(F, o->b);
    }
    if (o->kind == K_TRUNC && F->safe) { /* the saturating one instead */
        static const uint8_t trunc[8] = {0xA8, 0xA9, 0xAA, 0xAB, 0xAE, 0xAF, 0xB0, 0xB1};
        int i = 0;
        while (trunc[i] != o->opc) i++;
        op_fc(F, (uint32_t)i);
        return true;
    }
    emit_opinfo(F, o);
    if (!isfloat(t)) return true;
    switch (o->kind) {
    case K_PRESERVE:
        return ea;
    case K_ALWAYS:
        return true;
    case K_COPYSIGN:
        return ea && eb;
    default:
        return false;
    }
}

static bool gen_load(fn *F, uint8_t t) {
    const memop *c[COUNT(LOADS)];
    int n = 0;
    for (size_t i = 0; i < COUNT(LOADS); i++)
        if (LOADS[i].t == t) c[n++] = &LOADS[i];
    const memop *m = c[rbelow(F->r, (uint32_t)n)];
    uint32_t off = rand_offset(F);
    gen_addr(F, m->log2, off);
    op(F, m->opc);
    put_memarg(F, m->log2, off);
    return true; /* memory only ever holds exact floats */
}

static void gen_store(fn *F) {
    const memop *m = &STORES[rbelow(F->r, COUNT(STORES))];
    uint32_t off = rand_offset(F);
    gen_addr(F, m->log2, off);
    gen_exact(F, m->t);
    op(F, m->opc);
    put_memarg(F, m->log2, off);
}

/* Global 0 accumulates values that would otherwise be lost: acc = acc * 31 +
 * bits(v), the value canonicalized first unless it is exact. Stack [v] -> []. */
#define ACC 0

static void mix(fn *F, uint8_t t, bool exact) {
    switch (t) {
    case I32:
        op(F, 0xAD);
        break; /* i64.extend_i32_u */
    case I64:
        break;
    case F32:
        if (!exact) canon(F, F32);
        op(F, 0xBC); /* i32.reinterpret_f32 */
        op(F, 0xAD);
        break;
    default:
        if (!exact) canon(F, F64);
        op(F, 0xBD); /* i64.reinterpret_f64 */
        break;
    }
    op(F, OP_GLOBAL_GET);
    put_u32(F->code, ACC);
    op(F, OP_I64_CONST);
    put_s64(F->code, 31);
    op(F, 0x7E); /* i64.mul */
    op(F, 0x7C); /* i64.add */
    op(F, OP_GLOBAL_SET);
    put_u32(F->code, ACC);
}

/* Drop or accumulate the values of types ts[from..to) on top of the stack. */
static void consume(fn *F, const uint8_t *ts, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
        if (rchance(F->r, 70))
            mix(F, ts[i], false);
        else
            op(F, OP_DROP);
    }
}

/* The host import: (i32, i64, f64) -> i64, function and slot 0. */
static void gen_host_call(fn *F) {
    gen_expr(F, I32);
    gen_expr(F, I64);
    gen_exact(F, F64);
    if (rchance(F->r, 70)) {
        op(F, OP_CALL);
        put_u32(F->code, 0);
    } else {
        i32_const(F, 0);
        op(F, OP_CALL_INDIRECT);
        put_u32(F->code, (uint32_t)F->M->ftype[0]);
        put(F->code, 0);
    }
    F->cost += F->mult * 4;
}

/* A callee above self whose cost fits and whose first result is t (t 0:
 * any function). -1 when none. */
static int pick_callee(fn *F, uint8_t t) {
    gmod *M = F->M;
    int c[MAXFUNCS], n = 0;
    for (int j = F->self + 1; j < M->nfuncs; j++) {
        const sig *s = &M->types[M->ftype[j]];
        if (t && (s->nr == 0 || s->r[0] != t)) continue;
        if (F->cost + F->mult * (M->fcost[j] + 2) > COST_MAX) continue;
        c[n++] = j;
    }
    return n ? c[rbelow(F->r, (uint32_t)n)] : -1;
}

/* A call (direct or through the table) of callee j, leaving its results. */
static void gen_call(fn *F, int j) {
    gmod *M = F->M;
    rng *r = F->r;
    const sig *s = &M->types[M->ftype[j]];
    gen_args(F, s);
    if (rchance(r, 55)) {
        op(F, OP_CALL);
        put_u32(F->code, (uint32_t)j);
        F->cost += F->mult * (M->fcost[j] + 2);
        return;
    }
    uint32_t k = F->safe ? 0 : rbelow(r, 16);
    double worst = M->fcost[j];
    if (k < 9) {
        i32_const(F, j);
    } else if (k == 9) { /* another slot above self: a type mismatch if its type differs */
        i32_const(F, F->self + 1 + (int32_t)rbelow(r, (uint32_t)(M->nfuncs - F->self - 1)));
    } else if (k == 10) {
        i32_const(F, M->nfuncs + (int32_t)rbelow(r, (uint32_t)(M->tsize - M->nfuncs)));
    } else if (k == 11) {
        i32_const(F, rchance(r, 50) ? M->tsize + (int32_t)rbelow(r, 100) : -1);
    } else { /* any slot above self, computed */
        gen_expr(F, I32);
        i32_const(F, M->tsize - (F->self + 1));
        op(F, OP_I32_REM_U);
        i32_const(F, F->self + 1);
        op(F, OP_I32_ADD);
        for (int i = F->self + 1; i < M->nfuncs; i++)
            if (M->ftype[i] == M->ftype[j] && M->fcost[i] > worst) worst = M->fcost[i];
    }
    op(F, OP_CALL_INDIRECT);
    put_u32(F->code, (uint32_t)M->ftype[j]);
    put(F->code, 0);
    F->cost += F->mult * (worst + 2);
}

/* The index of a random label that ordinary branches may target whose types
 * start with t (t 0: any). -1 when none. */
static int pick_label(fn *F, uint8_t t) {
    int c[MAXLABELS], n = 0;
    for (int i = 0; i < F->nlabels; i++) {
        const label *l = &F->labels[i];
        if (l->loop) continue;
        if (t && (l->n == 0 || l->t[0] != t)) continue;
        c[n++] = i;
    }
    return n ? c[rbelow(F->r, (uint32_t)n)] : -1;
}

static uint32_t label_depth(const fn *F, int i) {
    return (uint32_t)(F->nlabels - 1 - i);
}

/* br_if to label i: [its values, cond] -> its values. */
static void gen_br_if(fn *F, int i) {
    const label *l = &F->labels[i];
    uint8_t t[MAXP];
    int n = l->n;
    memcpy(t, l->t, (size_t)n);
    gen_values(F, t, n);
    gen_expr(F, I32);
    op(F, OP_BR_IF);
    put_u32(F->code, label_depth(F, i));
}

static bool gen_expr(fn *F, uint8_t t) {
    rng *r = F->r;
    if (F->depth >= MAXDEPTH || !budget_left(F) || rchance(r, 30)) return gen_leaf(F, t);
    F->depth++;
    F->size++;
    bool exact = false;
    uint32_t k = rbelow(r, 100);
    if (k < 44) {
        exact = gen_op(F, t);
    } else if (k < 54) {
        exact = gen_load(F, t);
    } else if (k < 59) {
        int l = pick_local(F, t, true);
        if (l >= 0 && (F->lflags[l] & L_EXACT)) {
            gen_exact(F, t);
            exact = true;
        } else {
            exact = gen_expr(F, t);
        }
        if (l >= 0) {
            op(F, OP_LOCAL_TEE);
            put_u32(F->code, (uint32_t)l);
        }
    } else if (k < 65) {
        bool e1 = gen_expr(F, t), e2 = gen_expr(F, t);
        gen_expr(F, I32);
        if (rchance(r, 50)) {
            op(F, OP_SELECT);
        } else {
            op(F, OP_SELECT_T);
            put_u32(F->code, 1);
            put(F->code, t);
        }
        exact = e1 && e2;
    } else if (k < 74) {
        int j = pick_callee(F, t);
        if (t == I64 && (j < 0 || rchance(r, 30))) {
            gen_host_call(F);
        } else if (j >= 0) {
            gen_call(F, j);
            const sig *cs = &F->M->types[F->M->ftype[j]];
            consume(F, cs->r, 1, cs->nr);
        } else {
            exact = gen_op(F, t);
        }
    } else if (k < 86 && F->nest < MAXNEST) {
        uint8_t R[MAXP];
        int nr = 1;
        R[0] = t;
        if (rchance(r, 25)) {
            nr += 1 + (int)rbelow(r, 2);
            for (int i = 1; i < nr; i++) R[i] = rtype(r);
        }
        gen_structured(F, R, nr);
        consume(F, R, 1, nr);
    } else if (k < 90) {
        int i = pick_label(F, t);
        if (i >= 0) {
            gen_br_if(F, i);
            consume(F, F->labels[i].t, 1, F->labels[i].n);
        } else {
            exact = gen_op(F, t);
        }
    } else if (k < 92 && F->depth < MAXDEPTH - 1) {
        /* many values live at once (more than the JIT's registers), then folded */
        int n = 6 + (int)rbelow(r, 8);
        int save = F->depth;
        F->depth = MAXDEPTH - 1; /* the terms: leaves or one operation deep */
        for (int i = 0; i < n; i++) gen_expr(F, t);
        F->depth = save;
        int s = tslot(t);
        for (int i = 1; i < n; i++) {
            const opinfo *o = pick_op(F, binops_same[s], nbinops_same[s]);
            while (F->safe && o->kind == K_DIV) o = pick_op(F, binops_same[s], nbinops_same[s]);
            if (o->kind == K_COPYSIGN) canon(F, t);
            emit_opinfo(F, o);
        }
    } else if (k < 95 && t == I32) {
        if (rchance(r, 50)) {
            op(F, OP_MEMORY_SIZE);
        } else {
            if (rchance(r, 70))
                i32_const(F, (int32_t)rbelow(r, 2));
            else
                gen_expr(F, I32);
            op(F, OP_MEMORY_GROW);
        }
        put(F->code, 0);
        exact = true;
    } else {
        exact = gen_op(F, t);
    }
    F->depth--;
    return exact || !isfloat(t);
}

/* Push values of types ts[0..n): one by one, or from one producer of them
 * all (a call, a block, a br_if). */
static void gen_values(fn *F, const uint8_t *ts, int n) {
    rng *r = F->r;
    if (n >= 2 && budget_left(F) && F->depth < MAXDEPTH && rchance(r, 35)) {
        F->depth++;
        uint32_t k = rbelow(r, 3);
        gmod *M = F->M;
        bool done = false;
        if (k == 0) {
            int c[MAXFUNCS], nc = 0;
            for (int j = F->self + 1; j < M->nfuncs; j++) {
                const sig *s = &M->types[M->ftype[j]];
                if (s->nr == n && !memcmp(s->r, ts, (size_t)n) &&
                    F->cost + F->mult * (M->fcost[j] + 2) <= COST_MAX)
                    c[nc++] = j;
            }
            if (nc) {
                gen_call(F, c[rbelow(r, (uint32_t)nc)]);
                done = true;
            }
        } else if (k == 1) {
            int c[MAXLABELS], nc = 0;
            for (int i = 0; i < F->nlabels; i++) {
                const label *l = &F->labels[i];
                if (!l->loop && l->n == n && !memcmp(l->t, ts, (size_t)n)) c[nc++] = i;
            }
            if (nc) {
                gen_br_if(F, c[rbelow(r, (uint32_t)nc)]);
                done = true;
            }
        } else if (F->nest < MAXNEST) {
            gen_structured(F, ts, n);
            done = true;
        }
        F->depth--;
        if (done) return;
    }
    for (int i = 0; i < n; i++) gen_expr(F, ts[i]);
}

/* Pop values of types ts[0..n) into writable locals, or drop them. */
static void pop_values(fn *F, const uint8_t *ts, int n) {
    for (int i = n - 1; i >= 0; i--) {
        int l = pick_local(F, ts[i], true);
        if (l >= 0 && rchance(F->r, 70)) {
            if ((F->lflags[l] & L_EXACT) && isfloat(ts[i])) canon(F, ts[i]);
            op(F, OP_LOCAL_SET);
            put_u32(F->code, (uint32_t)l);
        } else {
            consume(F, ts, i, i + 1);
        }
    }
}

/* A branch that ends the current block: br (with junk values beneath its
 * own), br_table, return or unreachable. */
static void gen_term(fn *F) {
    rng *r = F->r;
    uint32_t k = rbelow(r, 100);
    if (k < 45) {
        int i = pick_label(F, 0);
        if (rchance(r, 30)) gen_expr(F, rtype(r));
        label l = F->labels[i];
        gen_values(F, l.t, l.n);
        op(F, OP_BR);
        put_u32(F->code, label_depth(F, i));
    } else if (k < 75) {
        int i = pick_label(F, 0);
        label l = F->labels[i];
        int c[MAXLABELS], nc = 0;
        for (int j = 0; j < F->nlabels; j++) {
            const label *m = &F->labels[j];
            if (!m->loop && m->n == l.n && !memcmp(m->t, l.t, l.n)) c[nc++] = j;
        }
        int nt = (int)rbelow(r, 5);
        gen_values(F, l.t, l.n);
        if (rchance(r, 50))
            i32_const(F, (int32_t)rbelow(r, (uint32_t)nt + 2));
        else
            gen_expr(F, I32);
        op(F, OP_BR_TABLE);
        put_u32(F->code, (uint32_t)nt);
        for (int j = 0; j < nt; j++) put_u32(F->code, label_depth(F, c[rbelow(r, (uint32_t)nc)]));
        put_u32(F->code, label_depth(F, c[rbelow(r, (uint32_t)nc)]));
    } else if (k < 96 || F->safe) {
        gen_values(F, F->sg->r, F->sg->nr);
        op(F, OP_RETURN);
    } else {
        op(F, OP_UNREACHABLE);
    }
}

/* Replace the top value (type t) by an operation on it. */
static void transform_top(fn *F, uint8_t t) {
    rng *r = F->r;
    int s = tslot(t);
    if (rchance(r, 50)) {
        const opinfo *o = pick_op(F, binops_same[s], nbinops_same[s]);
        if (o->kind == K_DIV)
            gen_divisor(F, t);
        else if (o->kind == K_COPYSIGN)
            gen_exact(F, t);
        else
            gen_expr(F, t);
        emit_opinfo(F, o);
    } else {
        emit_opinfo(F, pick_op(F, unops_same[s], nunops_same[s]));
    }
}

static bool same_types(const uint8_t *a, int na, const uint8_t *b, int nb) {
    return na == nb && !memcmp(a, b, (size_t)na);
}

/* The body of a block whose label is pushed, with its params P on the stack;
 * leaves its results R (or ends in a branch). */
static void gen_body(fn *F, const uint8_t *P, int np, const uint8_t *R, int nr) {
    rng *r = F->r;
    bool keep = false;
    if (np > 0) {
        if (rchance(r, 40)) transform_top(F, P[np - 1]);
        if (same_types(P, np, R, nr) && rchance(r, 60))
            keep = true;
        else
            pop_values(F, P, np);
    }
    gen_stmts(F, (int)rbelow(r, 4));
    if (keep) {
        if (rchance(r, 10)) gen_term(F);
    } else if (rchance(r, 12)) {
        gen_term(F);
    } else {
        gen_values(F, R, nr);
    }
}

static void put_blocktype(fn *F, const uint8_t *P, int np, const uint8_t *R, int nr) {
    if (np == 0 && nr == 0) {
        put(F->code, 0x40);
    } else if (np == 0 && nr == 1) {
        put(F->code, R[0]);
    } else {
        int ti = type_index(F->M, P, np, R, nr);
        if (ti < 0) abort(); /* checked by the caller */
        put_s64(F->code, ti);
    }
}

/* A loop run N times (1..6, sometimes 50..299) by its counter local: params P,
 * results R. */
static void gen_loop(fn *F, const uint8_t *P, int np, const uint8_t *R, int nr) {
    rng *r = F->r;
    int cnt = F->counter[F->loops];
    int32_t n = 1 + (int32_t)rbelow(r, 6);
    if (rchance(r, 15) && F->cost + F->mult * 300 * 20 < COST_MAX) n = 50 + (int32_t)rbelow(r, 250);
    /* the params first: a loop in them at this level reuses the counter */
    gen_values(F, P, np);
    i32_const(F, n);
    op(F, OP_LOCAL_SET);
    put_u32(F->code, (uint32_t)cnt);
    double mult = F->mult;
    op(F, OP_LOOP);
    put_blocktype(F, P, np, R, nr);
    push_label(F, P, np, true);
    F->mult *= n;
    F->loops++;
    /* params -> params for the next iteration */
    if (rchance(r, 50)) {
        if (np > 0 && rchance(r, 60)) transform_top(F, P[np - 1]);
        gen_stmts(F, (int)rbelow(r, 3));
    } else {
        pop_values(F, P, np);
        gen_stmts(F, (int)rbelow(r, 3));
        gen_values(F, P, np);
    }
    op(F, OP_LOCAL_GET);
    put_u32(F->code, (uint32_t)cnt);
    i32_const(F, 1);
    op(F, OP_I32_SUB);
    op(F, OP_LOCAL_TEE);
    put_u32(F->code, (uint32_t)cnt);
    op(F, OP_BR_IF);
    put_u32(F->code, 0);
    /* the last iteration falls through: params -> results */
    gen_body(F, P, np, R, nr);
    F->loops--;
    F->nlabels--;
    F->mult = mult;
    op(F, OP_END);
}

/* Leave values of types R[0..nr) through block, if/else, if without else
 * (params == results) or a counted loop, with random params. */
static void gen_structured(fn *F, const uint8_t *R, int nr) {
    rng *r = F->r;
    if (F->nest >= MAXNEST || F->nlabels >= MAXLABELS - 1) {
        for (int i = 0; i < nr; i++) gen_expr(F, R[i]);
        return;
    }
    uint8_t P[MAXP];
    int np = 0;
    uint32_t kind = rbelow(r, 11); /* 0-3 block, 4-6 if/else, 7 if, 8-10 loop */
    if (kind == 7 && nr <= 3) {
        np = nr;
        memcpy(P, R, (size_t)nr);
    } else {
        if (kind == 7) kind = 0;
        if (rchance(r, 40)) {
            np = 1 + (int)rbelow(r, 2);
            for (int i = 0; i < np; i++) P[i] = rtype(r);
        }
    }
    if ((np > 0 || nr > 1) && type_index(F->M, P, np, R, nr) < 0) { /* type table full */
        for (int i = 0; i < nr; i++) gen_expr(F, R[i]);
        return;
    }
    if (kind >= 8 && F->loops >= MAXLOOPS) kind = 0;
    F->nest++;
    if (kind >= 8) {
        gen_loop(F, P, np, R, nr);
    } else if (kind >= 4) {
        gen_values(F, P, np);
        gen_expr(F, I32);
        op(F, OP_IF);
        put_blocktype(F, P, np, R, nr);
        push_label(F, R, nr, false);
        gen_body(F, P, np, R, nr);
        if (kind != 7 || rchance(r, 50)) {
            op(F, OP_ELSE);
            gen_body(F, P, np, R, nr);
        }
        F->nlabels--;
        op(F, OP_END);
    } else {
        gen_values(F, P, np);
        op(F, OP_BLOCK);
        put_blocktype(F, P, np, R, nr);
        push_label(F, R, nr, false);
        gen_body(F, P, np, R, nr);
        F->nlabels--;
        op(F, OP_END);
    }
    F->nest--;
}

static void gen_stmt(fn *F) {
    rng *r = F->r;
    gmod *M = F->M;
    F->size++;
    uint32_t k = rbelow(r, 100);
    if (k < 20) {
        uint8_t t = rtype(r);
        int l = pick_local(F, t, true);
        if (l < 0) return;
        if (F->lflags[l] & L_EXACT)
            gen_exact(F, t);
        else
            gen_expr(F, t);
        op(F, OP_LOCAL_SET);
        put_u32(F->code, (uint32_t)l);
    } else if (k < 28) {
        int g = (int)rbelow(r, (uint32_t)M->nglobals - 1); /* the last one is immutable */
        if (M->gexact[g])
            gen_exact(F, M->gtype[g]);
        else
            gen_expr(F, M->gtype[g]);
        op(F, OP_GLOBAL_SET);
        put_u32(F->code, (uint32_t)g);
    } else if (k < 45) {
        gen_store(F);
    } else if (k < 52) {
        uint8_t t = rtype(r);
        bool exact = gen_expr(F, t);
        if (rchance(r, 80))
            mix(F, t, exact);
        else
            op(F, OP_DROP);
    } else if (k < 62) {
        int j = pick_callee(F, 0);
        if (j < 0 || rchance(r, 25)) {
            gen_host_call(F);
            mix(F, I64, true);
        } else {
            gen_call(F, j);
            consume(F, M->types[M->ftype[j]].r, 0, M->types[M->ftype[j]].nr);
        }
    } else if (k < 80) {
        uint8_t R[MAXP];
        int nr = rchance(r, 50) ? 0 : 1 + (int)rbelow(r, 2);
        for (int i = 0; i < nr; i++) R[i] = rtype(r);
        gen_structured(F, R, nr);
        consume(F, R, 0, nr);
    } else if (k < 88) {
        int i = pick_label(F, 0);
        gen_br_if(F, i);
        consume(F, F->labels[i].t, 0, F->labels[i].n);
    } else if (k < 92) {
        if (rchance(r, 70))
            i32_const(F, (int32_t)rbelow(r, 2));
        else
            gen_expr(F, I32);
        op(F, OP_MEMORY_GROW);
        put(F->code, 0);
        consume(F, VTYPES, 0, 1);
    } else {
        op(F, OP_NOP);
    }
}

static void gen_stmts(fn *F, int n) {
    for (int i = 0; i < n && budget_left(F); i++) gen_stmt(F);
}

/* Locals: params, 1..3 of each type, the loop counters and the two NaN
 * scratch locals. Float params are exact (callers pass exact values). */
static void fn_init(fn *F, gmod *M, int self, bytes *code) {
    memset(F, 0, sizeof *F);
    F->M = M;
    F->r = &M->r;
    F->code = code;
    F->self = self;
    F->sg = &M->types[M->ftype[self]];
    F->mult = 1;
    F->size_max = 30 + (int)rbelow(F->r, 170);
    F->safe = rchance(F->r, 50);
    for (int i = 0; i < F->sg->np; i++) {
        F->lt[F->nlocals] = F->sg->p[i];
        F->lflags[F->nlocals++] = L_EXACT;
    }
    for (int t = 0; t < 4; t++) {
        int n = 1 + (int)rbelow(F->r, 3);
        for (int i = 0; i < n; i++) {
            F->lt[F->nlocals] = VTYPES[t];
            F->lflags[F->nlocals++] = rchance(F->r, 50) ? L_EXACT : 0;
        }
    }
    for (int i = 0; i < MAXLOOPS; i++) {
        F->counter[i] = F->nlocals;
        F->lt[F->nlocals] = I32;
        F->lflags[F->nlocals++] = L_RESERVED;
    }
    F->scratch32 = F->nlocals;
    F->lt[F->nlocals] = F32;
    F->lflags[F->nlocals++] = L_RESERVED;
    F->scratch64 = F->nlocals;
    F->lt[F->nlocals] = F64;
    F->lflags[F->nlocals++] = L_RESERVED;
    /* the declared locals, one entry each */
    put_u32(code, (uint32_t)(F->nlocals - F->sg->np));
    for (int i = F->sg->np; i < F->nlocals; i++) {
        put_u32(code, 1);
        put(code, F->lt[i]);
    }
    push_label(F, F->sg->r, F->sg->nr, false);
}

/* Before the function's end (stack-neutral, so also valid after a branch):
 * most params and locals into the accumulator. */
static void epilogue(fn *F) {
    for (int i = 0; i < F->nlocals; i++) {
        if ((F->lflags[i] & L_RESERVED) || rchance(F->r, 30)) continue;
        op(F, OP_LOCAL_GET);
        put_u32(F->code, (uint32_t)i);
        mix(F, F->lt[i], (F->lflags[i] & L_EXACT) != 0);
    }
}

static void gen_function(gmod *M, int self) {
    fn F;
    bytes *code = &M->fcode[self];
    fn_init(&F, M, self, code);
    gen_stmts(&F, 1 + (int)rbelow(&M->r, 5));
    gen_body(&F, NULL, 0, F.sg->r, F.sg->nr);
    epilogue(&F);
    op(&F, OP_END);
    M->fcost[self] = F.cost;
}

/* rec (i32 n, i64 acc, f64 x) -> i64: n &= mask; n ? f(rec(n - 1, e1, e2), e3) : e4 */
static void gen_rec(gmod *M, int self) {
    fn F;
    bytes *code = &M->fcode[self];
    fn_init(&F, M, self, code);
    F.lflags[0] |= L_RESERVED; /* n stays the depth */
    uint32_t mask = rchance(&M->r, 80) ? 15 : 63;
    op(&F, OP_LOCAL_GET);
    put_u32(code, 0);
    i32_const(&F, (int32_t)mask);
    op(&F, OP_I32_AND);
    op(&F, OP_LOCAL_TEE);
    put_u32(code, 0);
    op(&F, OP_IF);
    put(code, I64);
    uint8_t t64 = I64;
    push_label(&F, &t64, 1, false);
    gen_stmts(&F, (int)rbelow(&M->r, 3));
    op(&F, OP_LOCAL_GET);
    put_u32(code, 0);
    i32_const(&F, 1);
    op(&F, OP_I32_SUB);
    gen_expr(&F, I64);
    gen_exact(&F, F64);
    op(&F, OP_CALL);
    put_u32(code, (uint32_t)self);
    gen_expr(&F, I64);
    emit_opinfo(&F, binops_same[1][rbelow(&M->r, (uint32_t)nbinops_same[1])]);
    op(&F, OP_ELSE);
    gen_stmts(&F, (int)rbelow(&M->r, 2));
    gen_expr(&F, I64);
    F.nlabels--;
    op(&F, OP_END);
    epilogue(&F);
    op(&F, OP_END);
    M->fcost[self] = F.cost * (mask + 1);
}

/* A random signature for generated functions. */
static void rand_sig(rng *r, sig *s) {
    s->np = (uint8_t)rbelow(r, 5);
    for (int i = 0; i < s->np; i++) s->p[i] = rtype(r);
    uint32_t k = rbelow(r, 10);
    s->nr = (uint8_t)(k < 2 ? 0 : k < 7 ? 1 : k < 9 ? 2 : 3);
    for (int i = 0; i < s->nr; i++) s->r[i] = rtype(r);
}

/* Generate the whole module for `seed` into out. */
static void gen_module(uint64_t seed, bytes *out) {
    ops_init();
    edges_init();
    gmod *M = calloc(1, sizeof *M);
    if (!M) abort();
    M->r.s = seed;
    rng *r = &M->r;
    if (rchance(r, 35))
        for (unsigned f = 1; f <= FEAT_CVT_U64; f <<= 1) M->feat |= rchance(r, 50) ? f : 0;
    const uint8_t host_p[3] = {I32, I64, F64}, host_r[1] = {I64};
    int host_t = type_index(M, host_p, 3, host_r, 1);
    int ngen = 6 + (int)rbelow(r, 7); /* generated functions besides rec */
    M->nfuncs = 1 + ngen + 1;
    M->ftype[0] = host_t;
    sig pool[5];
    int npool = 2 + (int)rbelow(r, 4);
    for (int i = 0; i < npool; i++) rand_sig(r, &pool[i]);
    for (int i = 1; i <= ngen; i++) {
        const sig *s = &pool[rbelow(r, (uint32_t)npool)];
        M->ftype[i] = type_index(M, s->p, s->np, s->r, s->nr);
    }
    M->ftype[M->nfuncs - 1] = host_t; /* rec shares the host's type */
    M->tsize = M->nfuncs + 2;
    M->nglobals = 3 + (int)rbelow(r, 4);
    for (int g = 0; g < M->nglobals; g++) {
        M->gtype[g] = g == ACC ? I64 : rtype(r);
        M->gexact[g] = g == M->nglobals - 1 || rchance(r, 50);
        switch (M->gtype[g]) {
        case I32:
            M->ginit[g] = (uint32_t)rand_i32(r);
            break;
        case I64:
            M->ginit[g] = (uint64_t)rand_i64(r);
            break;
        case F32:
            M->ginit[g] = rand_f32(r);
            break;
        default:
            M->ginit[g] = rand_f64(r);
            break;
        }
    }
    /* callees first, so that their costs are known */
    gen_rec(M, M->nfuncs - 1);
    for (int i = ngen; i >= 1; i--) gen_function(M, i);

    static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    put_n(out, header, 8);
    bytes s = {0};
    /* types */
    put_u32(&s, (uint32_t)M->ntypes);
    for (int i = 0; i < M->ntypes; i++) {
        const sig *t = &M->types[i];
        put(&s, 0x60);
        put_u32(&s, t->np);
        put_n(&s, t->p, t->np);
        put_u32(&s, t->nr);
        put_n(&s, t->r, t->nr);
    }
    put_section(out, 1, &s);
    s.n = 0;
    /* imports */
    put_u32(&s, 1);
    put_name(&s, "env");
    put_name(&s, "host");
    put(&s, 0x00);
    put_u32(&s, (uint32_t)host_t);
    put_section(out, 2, &s);
    s.n = 0;
    /* functions */
    put_u32(&s, (uint32_t)(M->nfuncs - 1));
    for (int i = 1; i < M->nfuncs; i++) put_u32(&s, (uint32_t)M->ftype[i]);
    put_section(out, 3, &s);
    s.n = 0;
    /* table */
    put_u32(&s, 1);
    put(&s, 0x70);
    put(&s, 0x01);
    put_u32(&s, (uint32_t)M->tsize);
    put_u32(&s, (uint32_t)M->tsize);
    put_section(out, 4, &s);
    s.n = 0;
    /* memory: 1 page, at most 2 */
    put_u32(&s, 1);
    put(&s, 0x01);
    put_u32(&s, 1);
    put_u32(&s, 2);
    put_section(out, 5, &s);
    s.n = 0;
    /* globals: mutable but the last */
    put_u32(&s, (uint32_t)M->nglobals);
    for (int g = 0; g < M->nglobals; g++) {
        put(&s, M->gtype[g]);
        put(&s, g == M->nglobals - 1 ? 0 : 1);
        switch (M->gtype[g]) {
        case I32:
            put(&s, OP_I32_CONST);
            put_s64(&s, (int32_t)(uint32_t)M->ginit[g]);
            break;
        case I64:
            put(&s, OP_I64_CONST);
            put_s64(&s, (int64_t)M->ginit[g]);
            break;
        case F32: {
            uint32_t b = (uint32_t)M->ginit[g];
            put(&s, OP_F32_CONST);
            put_n(&s, &b, 4);
            break;
        }
        default:
            put(&s, OP_F64_CONST);
            put_n(&s, &M->ginit[g], 8);
            break;
        }
        put(&s, OP_END);
    }
    put_section(out, 6, &s);
    s.n = 0;
    /* exports: f1.., rec, g0.., mem, tab */
    put_u32(&s, (uint32_t)(M->nfuncs - 1 + M->nglobals + 2));
    char name[16];
    for (int i = 1; i < M->nfuncs; i++) {
        if (i == M->nfuncs - 1)
            snprintf(name, sizeof name, "rec");
        else
            snprintf(name, sizeof name, "f%d", i);
        put_name(&s, name);
        put(&s, 0x00);
        put_u32(&s, (uint32_t)i);
    }
    for (int g = 0; g < M->nglobals; g++) {
        snprintf(name, sizeof name, "g%d", g);
        put_name(&s, name);
        put(&s, 0x03);
        put_u32(&s, (uint32_t)g);
    }
    put_name(&s, "mem");
    put(&s, 0x02);
    put_u32(&s, 0);
    put_name(&s, "tab");
    put(&s, 0x01);
    put_u32(&s, 0);
    put_section(out, 7, &s);
    s.n = 0;
    /* elements: slot i = function i */
    put_u32(&s, 1);
    put(&s, 0x00);
    put(&s, OP_I32_CONST);
    put_s64(&s, 0);
    put(&s, OP_END);
    put_u32(&s, (uint32_t)M->nfuncs);
    for (int i = 0; i < M->nfuncs; i++) put_u32(&s, (uint32_t)i);
    put_section(out, 9, &s);
    s.n = 0;
    /* code */
    put_u32(&s, (uint32_t)(M->nfuncs - 1));
    for (int i = 1; i < M->nfuncs; i++) {
        put_u32(&s, (uint32_t)M->fcode[i].n);
        put_n(&s, M->fcode[i].p, M->fcode[i].n);
    }
    put_section(out, 10, &s);
    s.n = 0;
    /* data: a few random runs */
    int nd = 1 + (int)rbelow(r, 3);
    put_u32(&s, (uint32_t)nd);
    for (int d = 0; d < nd; d++) {
        uint32_t len = 1 + rbelow(r, 64);
        put(&s, 0x00);
        put(&s, OP_I32_CONST);
        put_s64(&s, (int32_t)(rchance(r, 50) ? rbelow(r, 1024) : rbelow(r, 65536 - len)));
        put(&s, OP_END);
        put_u32(&s, len);
        for (uint32_t i = 0; i < len; i++) put(&s, (uint8_t)rnext(r));
    }
    put_section(out, 11, &s);
    bytes_free(&s);
    for (int i = 0; i < MAXFUNCS; i++) bytes_free(&M->fcode[i]);
    free(M);
}

/* ---- the host import -------------------------------------------------------- */

/* (i32 a, i64 b, f64 c) -> i64: a mix of its arguments and of the caller's
 * memory at a & 0xFFF8; stores the mix there; grows the memory by a page
 * when (a & 0xFF) == 0x42; traps when a == 0x7EA9. */
static int host_fn(cx_wasm_instance *inst, void *data, const cx_wasm_val *a, cx_wasm_val *res) {
    (void)data;
    if (a[0].of.i32 == 0x7EA9) return CX_EINVAL;
    uint64_t h = (uint64_t)(uint32_t)a[0].of.i32 * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)a[1].of.i64 + (h << 7);
    h ^= a[2].of.f64_bits * 0xC2B2AE3D27D4EB4Full;
    cx_wasm_memory *mem = cx_wasm_instance_default_memory(inst);
    uint64_t off = (uint32_t)a[0].of.i32 & 0xFFF8u, m = 0;
    if (mem && cx_wasm_memory_read(mem, off, &m, 8) == 0) {
        h += m;
        cx_wasm_memory_write(mem, off, &h, 8);
    }
    if ((a[0].of.i32 & 0xFF) == 0x42 && mem) cx_wasm_memory_grow(mem, 1);
    res[0].of.i64 = (int64_t)h;
    return 0;
}

/* ---- running one module in both tiers ------------------------------------- */

typedef struct tier {
    cx_wasm_module *mod;
    cx_wasm_instance *inst;
} tier;

typedef struct stats {
    long modules, functions, calls, ok, traps[CX_WASM_TRAP_EXIT + 1], fuel_calls;
    long mismatches, load_failures, reported;
    long compiled, compiled_calls, interp_compiled; /* modules the JIT compiled, their calls */
    uint64_t units; /* fuel used by the calls with plenty: function entries + loop iterations */
    size_t bytes;
} stats;

#define REPORT_CAP 8
#define NARGSETS   8

static void print_val(FILE *f, const cx_wasm_val *v) {
    switch (v->type) {
    case I32:
        fprintf(f, "i32:%" PRId32 " (0x%08" PRIx32 ")", v->of.i32, (uint32_t)v->of.i32);
        break;
    case I64:
        fprintf(f, "i64:%" PRId64 " (0x%016" PRIx64 ")", v->of.i64, (uint64_t)v->of.i64);
        break;
    case F32:
        fprintf(f, "f32:%.9g (0x%08" PRIx32 ")", (double)v->of.f32, v->of.f32_bits);
        break;
    case F64:
        fprintf(f, "f64:%.17g (0x%016" PRIx64 ")", v->of.f64, v->of.f64_bits);
        break;
    default:
        fprintf(f, "type 0x%02x", v->type);
        break;
    }
}

static bool val_same(const cx_wasm_val *a, const cx_wasm_val *b) {
    if (a->type != b->type) return false;
    switch (a->type) {
    case I32:
        return a->of.i32 == b->of.i32;
    case I64:
        return a->of.i64 == b->of.i64;
    case F32:
        return a->of.f32_bits == b->of.f32_bits || (isnan(a->of.f32) && isnan(b->of.f32));
    case F64:
        return a->of.f64_bits == b->of.f64_bits || (isnan(a->of.f64) && isnan(b->of.f64));
    default:
        return false;
    }
}

static void dump_module(uint64_t seed, const bytes *wasm) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/jit_fail_%" PRIu64 ".wasm", seed);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(wasm->p, 1, wasm->n, f);
        fclose(f);
        fprintf(stderr, "    module written to %s\n", path);
    }
}

static int load_tier(const bytes *wasm, uint32_t jit, cx_wasm_imports *im, tier *t, char *err) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.jit = jit;
    memset(t, 0, sizeof *t);
    int rc = cx_wasm_module_new(wasm->p, wasm->n, &lim, &t->mod, err);
    if (rc) return rc;
    cx_wasm_trap trap = CX_WASM_TRAP_NONE;
    return cx_wasm_instance_new(t->mod, im, &lim, &t->inst, &trap, err);
}

static void free_tier(tier *t) {
    cx_wasm_instance_free(t->inst);
    cx_wasm_module_free(t->mod);
}

/* Compare memory and exported globals; describe the first difference. */
static bool state_same(tier *a, tier *b, int nglobals, char *why, size_t whylen) {
    cx_wasm_memory *ma = cx_wasm_instance_memory(a->inst, "mem");
    cx_wasm_memory *mb = cx_wasm_instance_memory(b->inst, "mem");
    size_t na = cx_wasm_memory_size(ma), nb = cx_wasm_memory_size(mb);
    if (na != nb) {
        snprintf(why, whylen, "memory size %zu vs %zu", na, nb);
        return false;
    }
    const uint8_t *pa = na ? cx_wasm_memory_ptr(ma, 0, na) : NULL;
    const uint8_t *pb = nb ? cx_wasm_memory_ptr(mb, 0, nb) : NULL;
    if (na && memcmp(pa, pb, na) != 0) {
        size_t i = 0;
        while (pa[i] == pb[i]) i++;
        snprintf(why, whylen, "memory differs from byte %zu: %02x vs %02x", i, pa[i], pb[i]);
        return false;
    }
    for (int g = 0; g < nglobals; g++) {
        char name[16];
        snprintf(name, sizeof name, "g%d", g);
        cx_wasm_val va = cx_wasm_global_get(cx_wasm_instance_global(a->inst, name));
        cx_wasm_val vb = cx_wasm_global_get(cx_wasm_instance_global(b->inst, name));
        if (!val_same(&va, &vb)) {
            snprintf(why, whylen, "global %s differs", name);
            return false;
        }
    }
    return true;
}

static void rand_arg(rng *r, uint8_t t, int set, cx_wasm_val *v) {
    memset(v, 0, sizeof *v);
    v->type = t;
    if (set == 0) return; /* all zero */
    switch (t) {
    case I32:
        v->of.i32 = set == 1 ? EDGE_I32[rbelow(r, COUNT(EDGE_I32))] : rand_i32(r);
        break;
    case I64:
        v->of.i64 = set == 1 ? EDGE_I64[rbelow(r, n_edge_i64)] : rand_i64(r);
        break;
    case F32:
        v->of.f32_bits = rand_f32(r);
        break;
    default:
        v->of.f64_bits = rand_f64(r);
        break;
    }
}

typedef struct outcome {
    int rc;
    cx_wasm_trap trap;
    cx_wasm_val res[MAXP];
    uint64_t fuel_left;
} outcome;

static void print_outcome(const char *tier_name, const outcome *o, uint32_t nr) {
    fprintf(stderr, "    %-6s rc %d, trap %d (%s)", tier_name, o->rc, (int)o->trap,
            cx_wasm_trap_message(o->trap));
    if (o->rc == 0) {
        fprintf(stderr, ", results");
        for (uint32_t i = 0; i < nr; i++) {
            fputc(' ', stderr);
            print_val(stderr, &o->res[i]);
        }
    }
    fprintf(stderr, ", fuel left %" PRIu64 "\n", o->fuel_left);
}

/* Generate, load and run module `seed`; false on any disagreement. */
static bool run_module(uint64_t seed, cx_wasm_func *host, stats *st) {
    bytes wasm = {0};
    gen_module(seed, &wasm);
    const char *dir = getenv("CX_WASM_JIT_DUMP");
    if (dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/jit_%" PRIu64 ".wasm", dir, seed);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(wasm.p, 1, wasm.n, f);
            fclose(f);
        }
    }
    st->modules++;
    st->bytes += wasm.n;
    cx_wasm_imports *im = cx_wasm_imports_new();
    cx_wasm_imports_add_func(im, "env", "host", host);
    tier t[2];
    char err[2][CX_WASM_ERROR_MAX] = {{0}};
    int lrc[2];
    for (int i = 0; i < 2; i++) lrc[i] = load_tier(&wasm, (uint32_t)i, im, &t[i], err[i]);
    bool ok = true;
    if (lrc[0] || lrc[1]) {
        st->load_failures++;
        ok = false;
        if (st->reported++ < REPORT_CAP) {
            fprintf(stderr,
                    "  seed %" PRIu64 ": load/instantiate failed: interp rc %d (%s), "
                    "jit rc %d (%s)%s\n",
                    seed, lrc[0], err[0], lrc[1], err[1],
                    lrc[0] ? " [generator bug]" : " [jit only]");
            dump_module(seed, &wasm);
        }
        goto done;
    }
    bool compiled = JIT_COMPILED(t[1].mod);
    st->compiled += compiled;
    if (JIT_COMPILED(t[0].mod)) { /* limits.jit = 0 must interpret */
        st->interp_compiled++;
        ok = false;
        if (st->reported++ < REPORT_CAP)
            fprintf(stderr, "  seed %" PRIu64 ": compiled with limits.jit = 0\n", seed);
    }
    rng ar = {seed ^ 0xA5A5A5A55A5A5A5Aull};
    uint32_t nexp = cx_wasm_module_export_count(t[0].mod);
    int nglobals = 0;
    for (uint32_t e = 0; e < nexp; e++) {
        const char *name;
        int kind;
        cx_wasm_module_export(t[0].mod, e, &name, &kind);
        if (kind == 3) nglobals++;
    }
    for (uint32_t e = 0; e < nexp && ok; e++) {
        const char *name;
        int kind;
        cx_wasm_module_export(t[0].mod, e, &name, &kind);
        if (kind != 0) continue;
        cx_wasm_func *f[2] = {cx_wasm_instance_func(t[0].inst, name),
                              cx_wasm_instance_func(t[1].inst, name)};
        st->functions++;
        uint32_t np = cx_wasm_func_param_count(f[0]), nr = cx_wasm_func_result_count(f[0]);
        for (int set = 0; set < NARGSETS && ok; set++) {
            cx_wasm_val args[MAXP];
            for (uint32_t i = 0; i < np; i++)
                rand_arg(&ar, cx_wasm_func_param_type(f[0], i), set, &args[i]);
            /* mostly plenty of fuel; sometimes little, to stop a call midway */
            uint64_t fuel = rchance(&ar, 85) ? 1000000000u : 1 + rbelow(&ar, 24);
            if (fuel < 1000) st->fuel_calls++;
            outcome o[2];
            for (int i = 0; i < 2; i++) {
                memset(&o[i], 0, sizeof o[i]);
                cx_wasm_instance_set_fuel(t[i].inst, fuel);
                o[i].rc = cx_wasm_call(t[i].inst, f[i], args, np, o[i].res, nr, &o[i].trap);
                if (o[i].rc == 0) o[i].trap = CX_WASM_TRAP_NONE;
                o[i].fuel_left = cx_wasm_instance_fuel_left(t[i].inst);
            }
            st->calls++;
            st->compiled_calls += compiled;
            if (fuel >= 1000 && o[0].fuel_left <= fuel) st->units += fuel - o[0].fuel_left;
            if (o[0].rc == 0)
                st->ok++;
            else if ((int)o[0].trap > 0 && (int)o[0].trap <= (int)CX_WASM_TRAP_EXIT)
                st->traps[(int)o[0].trap]++;
            char why[128] = "";
            bool same = o[0].rc == o[1].rc && o[0].trap == o[1].trap;
            if (!same) snprintf(why, sizeof why, "return code or trap kind");
            for (uint32_t i = 0; same && o[0].rc == 0 && i < nr; i++)
                if (!val_same(&o[0].res[i], &o[1].res[i])) {
                    same = false;
                    snprintf(why, sizeof why, "result %u", i);
                }
            if (same && o[0].fuel_left != o[1].fuel_left) {
                same = false;
                snprintf(why, sizeof why, "fuel left (fuel given %" PRIu64 ")", fuel);
            }
            if (same) same = state_same(&t[0], &t[1], nglobals, why, sizeof why);
            if (same) continue;
            ok = false;
            st->mismatches++;
            if (st->reported++ < REPORT_CAP) {
                fprintf(stderr, "  seed %" PRIu64 ": %s(", seed, name);
                for (uint32_t i = 0; i < np; i++) {
                    if (i) fprintf(stderr, ", ");
                    print_val(stderr, &args[i]);
                }
                fprintf(stderr, ") [argument set %d, call %ld]: %s differs\n", set, st->calls, why);
                print_outcome("interp", &o[0], nr);
                print_outcome("jit", &o[1], nr);
                dump_module(seed, &wasm);
            }
        }
    }
done:
    for (int i = 0; i < 2; i++) free_tier(&t[i]);
    cx_wasm_imports_free(im);
    bytes_free(&wasm);
    return ok;
}

static uint64_t module_seed(uint64_t i) {
    rng r = {0xC0DE7E57000ull + i * 0x100000001B3ull};
    return rnext(&r);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

TEST(jit_differential_random_modules) {
    uint8_t hp[3] = {I32, I64, F64}, hr[1] = {I64};
    cx_wasm_func *host = cx_wasm_func_new(hp, 3, hr, 1, host_fn, NULL);
    CHECK(host != NULL);
    if (!host) return;
    stats st;
    memset(&st, 0, sizeof st);
    const char *one = getenv("CX_WASM_JIT_SEED");
    const char *count = getenv("CX_WASM_JIT_MODULES");
    long n = count ? strtol(count, NULL, 10) : 500;
    double t0 = now_s();
    if (one) {
        run_module(strtoull(one, NULL, 0), host, &st);
    } else {
        for (long i = 0; i < n; i++) run_module(module_seed((uint64_t)i), host, &st);
    }
    double dt = now_s() - t0;
    fprintf(stderr,
            "  jit differential: %ld modules (%zu bytes), %ld functions, %ld calls in %.2f s: "
            "%ld returned, traps:",
            st.modules, st.bytes, st.functions, st.calls, dt, st.ok);
    for (int k = 1; k <= CX_WASM_TRAP_EXIT; k++)
        if (st.traps[k])
            fprintf(stderr, " %s %ld,", cx_wasm_trap_message((cx_wasm_trap)k), st.traps[k]);
    fprintf(stderr,
            " (%ld calls with little fuel); %" PRIu64 " function entries + loop iterations\n",
            st.fuel_calls, st.units);
    fprintf(stderr, "  machine code for %ld of %ld modules (%ld calls)%s\n", st.compiled,
            st.modules, st.compiled_calls,
            st.compiled ? "" : ": no JIT here, both tiers interpreted");
    if (st.mismatches || st.load_failures)
        fprintf(stderr, "  %ld modules disagreed, %ld failed to load (%ld reported)\n",
                st.mismatches, st.load_failures, st.reported);
    CHECK_EQ(st.load_failures, 0);
    CHECK_EQ(st.mismatches, 0);
    CHECK_EQ(st.interp_compiled, 0);
    cx_wasm_func_free(host);
}

/* ---- fixed modules: stack exhaustion, fuel, deadline ---------------------- */

static const unsigned char limits_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x00, 0x00, 0x03, 0x0a, 0x09, 0x00, 0x00, 0x01, 0x02, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x07, 0x41, 0x08, 0x03, 0x72, 0x65,
    0x63, 0x00, 0x00, 0x07, 0x72, 0x65, 0x63, 0x5f, 0x69, 0x6e, 0x64, 0x00, 0x01, 0x03, 0x66, 0x61,
    0x74, 0x00, 0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x03, 0x09, 0x73, 0x70, 0x69, 0x6e, 0x5f,
    0x63, 0x61, 0x6c, 0x6c, 0x00, 0x05, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x06, 0x04, 0x64,
    0x6f, 0x77, 0x6e, 0x00, 0x07, 0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x00, 0x08, 0x09, 0x07, 0x01,
    0x00, 0x41, 0x00, 0x0b, 0x01, 0x01, 0x0a, 0x99, 0x01, 0x09, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x10, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x41, 0x00, 0x11, 0x00, 0x00,
    0x0b, 0x0f, 0x03, 0x10, 0x7e, 0x08, 0x7c, 0x08, 0x7f, 0x20, 0x00, 0x42, 0x01, 0x7c, 0x10, 0x02,
    0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6c,
    0x0b, 0x0f, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x10, 0x04, 0x21, 0x00, 0x0c, 0x00, 0x0b,
    0x0b, 0x15, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00,
    0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x14, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41,
    0x01, 0x6b, 0x10, 0x07, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x00, 0x0b, 0x0b, 0x25, 0x01, 0x02, 0x7f,
    0x02, 0x40, 0x03, 0x40, 0x20, 0x02, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x01, 0x10, 0x04, 0x41,
    0x01, 0x6a, 0x21, 0x01, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x20,
    0x01, 0x0b,
};

static bool fixed_new(tier *t, uint32_t jit, const cx_wasm_limits *base) {
    cx_wasm_limits lim;
    if (base)
        lim = *base;
    else
        cx_wasm_limits_defaults(&lim);
    lim.jit = jit;
    memset(t, 0, sizeof *t);
    char err[CX_WASM_ERROR_MAX];
    if (cx_wasm_module_new(limits_wasm, sizeof limits_wasm, &lim, &t->mod, err)) return false;
    return cx_wasm_instance_new(t->mod, NULL, &lim, &t->inst, NULL, err) == 0;
}

/* Call name with one i32 or i64 argument (or none); the result's low 32 bits
 * in *res. Returns the call's code. */
static int fixed_call(tier *t, const char *name, int64_t arg, int32_t *res, cx_wasm_trap *trap) {
    cx_wasm_func *f = cx_wasm_instance_func(t->inst, name);
    if (!f) return -999;
    uint32_t np = cx_wasm_func_param_count(f), nr = cx_wasm_func_result_count(f);
    cx_wasm_val a, r;
    memset(&a, 0, sizeof a);
    memset(&r, 0, sizeof r);
    if (np) {
        a.type = cx_wasm_func_param_type(f, 0);
        if (a.type == I64)
            a.of.i64 = arg;
        else
            a.of.i32 = (int32_t)arg;
    }
    *trap = CX_WASM_TRAP_NONE;
    int rc = cx_wasm_call(t->inst, f, &a, np, &r, nr, trap);
    if (res) *res = r.type == I64 ? (int32_t)r.of.i64 : r.of.i32;
    return rc;
}

static const char *tier_name(uint32_t jit) {
    return jit ? "jit" : "interp";
}

TEST(jit_infinite_recursion_exhausts_stack) {
    for (uint32_t jit = 0; jit < 2; jit++) {
        tier t;
        CHECK(fixed_new(&t, jit, NULL));
        if (!t.inst) continue;
        static const char *const rec[] = {"rec", "rec_ind", "fat"};
        for (size_t i = 0; i < COUNT(rec); i++) {
            cx_wasm_trap trap;
            int rc = fixed_call(&t, rec[i], 0, NULL, &trap);
            if (rc != CX_EPROTO || trap != CX_WASM_TRAP_STACK_EXHAUSTED)
                fprintf(stderr, "  %s: %s(0): rc %d, trap %d\n", tier_name(jit), rec[i], rc,
                        (int)trap);
            CHECK_EQ(rc, CX_EPROTO);
            CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
        }
        int32_t v = 0;
        cx_wasm_trap trap;
        CHECK_EQ(fixed_call(&t, "down", 1000, &v, &trap), 0); /* still usable */
        CHECK_EQ(v, 1000);
        free_tier(&t);
    }
    /* a small value stack: the frame with many locals runs out of it */
    for (uint32_t jit = 0; jit < 2; jit++) {
        cx_wasm_limits lim;
        cx_wasm_limits_defaults(&lim);
        lim.stack_slots = 2048;
        tier t;
        CHECK(fixed_new(&t, jit, &lim));
        if (!t.inst) continue;
        cx_wasm_trap trap;
        CHECK_EQ(fixed_call(&t, "fat", 0, NULL, &trap), CX_EPROTO);
        CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
        int32_t v = 0;
        CHECK_EQ(fixed_call(&t, "count", 5, &v, &trap), 0);
        CHECK_EQ(v, 5);
        free_tier(&t);
    }
}

/* max_call_depth counts wasm frames: both tiers stop at the same depth. */
TEST(jit_call_depth_limit_is_the_same) {
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_call_depth = 50;
    tier t[2];
    CHECK(fixed_new(&t[0], 0, &lim));
    CHECK(fixed_new(&t[1], 1, &lim));
    if (t[0].inst && t[1].inst) {
        int deepest[2] = {-1, -1};
        for (int i = 0; i < 2; i++) {
            for (int n = 0; n <= 60; n++) {
                int32_t v = -1;
                cx_wasm_trap trap;
                int rc = fixed_call(&t[i], "down", n, &v, &trap);
                if (rc == 0 && v == n) {
                    deepest[i] = n;
                } else {
                    CHECK_EQ(rc, CX_EPROTO);
                    CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
                    break;
                }
            }
        }
        if (deepest[0] != deepest[1])
            fprintf(stderr, "  down(n) with max_call_depth 50: deepest n %d (interp), %d (jit)\n",
                    deepest[0], deepest[1]);
        CHECK(deepest[0] >= 40 && deepest[0] < 60);
        CHECK_EQ(deepest[0], deepest[1]);
        cx_wasm_trap trap;
        CHECK_EQ(fixed_call(&t[1], "rec", 0, NULL, &trap), CX_EPROTO);
        CHECK_EQ(trap, CX_WASM_TRAP_STACK_EXHAUSTED);
    }
    free_tier(&t[0]);
    free_tier(&t[1]);
}

TEST(jit_fuel_stops_infinite_loop) {
    for (uint32_t jit = 0; jit < 2; jit++) {
        tier t;
        CHECK(fixed_new(&t, jit, NULL));
        if (!t.inst) continue;
        static const char *const spin[] = {"spin", "spin_call"};
        for (size_t i = 0; i < COUNT(spin); i++) {
            cx_wasm_instance_set_fuel(t.inst, 100000);
            cx_wasm_trap trap;
            int rc = fixed_call(&t, spin[i], 0, NULL, &trap);
            if (rc != CX_ELIMIT || trap != CX_WASM_TRAP_FUEL)
                fprintf(stderr, "  %s: %s: rc %d, trap %d\n", tier_name(jit), spin[i], rc,
                        (int)trap);
            CHECK_EQ(rc, CX_ELIMIT);
            CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
            CHECK_EQ(cx_wasm_instance_fuel_left(t.inst), 0);
        }
        /* fuel running out inside a finite loop and a recursion */
        cx_wasm_trap trap;
        cx_wasm_instance_set_fuel(t.inst, 500);
        CHECK_EQ(fixed_call(&t, "count", 1000, NULL, &trap), CX_ELIMIT);
        CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
        cx_wasm_instance_set_fuel(t.inst, 500);
        CHECK_EQ(fixed_call(&t, "down", 1000, NULL, &trap), CX_ELIMIT);
        CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
        cx_wasm_instance_set_fuel(t.inst, 0); /* unlimited again */
        int32_t v = 0;
        CHECK_EQ(fixed_call(&t, "count", 100, &v, &trap), 0);
        CHECK_EQ(v, 100);
        free_tier(&t);
    }
}

/* The fuel a call takes (function entries and loop iterations) is the same
 * in both tiers, and so is the point where a tight budget runs out. */
TEST(jit_fuel_left_is_the_same) {
    tier t[2];
    CHECK(fixed_new(&t[0], 0, NULL));
    CHECK(fixed_new(&t[1], 1, NULL));
    if (!t[0].inst || !t[1].inst) {
        free_tier(&t[0]);
        free_tier(&t[1]);
        return;
    }
    static const struct {
        const char *name;
        int32_t arg;
    } calls[] = {{"count", 1}, {"count", 7},   {"count", 1000}, {"calls", 0},
                 {"calls", 5}, {"calls", 300}, {"down", 0},     {"down", 30}};
    for (size_t c = 0; c < COUNT(calls); c++) {
        uint64_t left[2];
        int32_t v[2] = {0, 0};
        for (int i = 0; i < 2; i++) {
            cx_wasm_trap trap;
            cx_wasm_instance_set_fuel(t[i].inst, 1000000);
            CHECK_EQ(fixed_call(&t[i], calls[c].name, calls[c].arg, &v[i], &trap), 0);
            left[i] = cx_wasm_instance_fuel_left(t[i].inst);
        }
        if (left[0] != left[1] || v[0] != v[1])
            fprintf(stderr,
                    "  %s(%d): result %d / %d, fuel left %" PRIu64 " (interp) vs %" PRIu64
                    " (jit)\n",
                    calls[c].name, calls[c].arg, v[0], v[1], left[0], left[1]);
        CHECK_EQ(v[0], v[1]);
        CHECK_EQ(left[0], left[1]);
        /* (the interpreter charges a call one unit less than its entries and
         * iterations: the first unit is free) */
        if (calls[c].arg >= 5) CHECK(1000000 - left[0] >= (uint64_t)calls[c].arg);
        /* around the exact budget the call needs, both tiers stop alike */
        uint64_t need = 1000000 - left[0];
        for (uint64_t fuel = need > 2 ? need - 2 : 1; fuel <= need + 2; fuel++) {
            int rc[2];
            cx_wasm_trap trap[2];
            for (int i = 0; i < 2; i++) {
                cx_wasm_instance_set_fuel(t[i].inst, fuel);
                rc[i] = fixed_call(&t[i], calls[c].name, calls[c].arg, NULL, &trap[i]);
                left[i] = cx_wasm_instance_fuel_left(t[i].inst);
            }
            if (rc[0] != rc[1] || left[0] != left[1])
                fprintf(stderr,
                        "  %s(%d) with fuel %" PRIu64 ": rc %d / %d, fuel left %" PRIu64
                        " / %" PRIu64 "\n",
                        calls[c].name, calls[c].arg, fuel, rc[0], rc[1], left[0], left[1]);
            CHECK_EQ(rc[0], rc[1]);
            CHECK_EQ(trap[0], trap[1]);
            CHECK_EQ(left[0], left[1]);
            if (fuel + 2 <= need) CHECK_EQ(rc[0], CX_ELIMIT);
            if (fuel >= need + 2) CHECK_EQ(rc[0], 0);
        }
    }
    free_tier(&t[0]);
    free_tier(&t[1]);
}

TEST(jit_deadline_stops_infinite_loop) {
    for (uint32_t jit = 0; jit < 2; jit++) {
        tier t;
        CHECK(fixed_new(&t, jit, NULL));
        if (!t.inst) continue;
        static const char *const spin[] = {"spin", "spin_call"};
        for (size_t i = 0; i < COUNT(spin); i++) {
            double t0 = now_s();
            cx_wasm_instance_set_deadline(t.inst, (uint64_t)(t0 * 1e9) + 20000000u); /* 20 ms */
            cx_wasm_trap trap;
            int rc = fixed_call(&t, spin[i], 0, NULL, &trap);
            double dt = now_s() - t0;
            if (rc != CX_ELIMIT || trap != CX_WASM_TRAP_DEADLINE || dt > 5)
                fprintf(stderr, "  %s: %s: rc %d, trap %d after %.3f s\n", tier_name(jit), spin[i],
                        rc, (int)trap, dt);
            CHECK_EQ(rc, CX_ELIMIT);
            CHECK_EQ(trap, CX_WASM_TRAP_DEADLINE);
            CHECK(dt < 5);
        }
        cx_wasm_instance_set_deadline(t.inst, 0);
        int32_t v = 0;
        cx_wasm_trap trap;
        CHECK_EQ(fixed_call(&t, "count", 3, &v, &trap), 0);
        CHECK_EQ(v, 3);
        free_tier(&t);
    }
}

/* A host function that calls back into the instance that called it: the
 * compiled code re-enters below its own machine stack, and both tiers give
 * the same answers. f(n) = h(n - 1) + 3 with h(n) = f(n); each level also
 * runs a loop whose counter is a pinned local across the call. Past
 * CX_WASM_MAX_NEST nested host calls, a stack trap in both tiers. */
static const uint8_t reenter_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68, 0x00, 0x00, 0x03, 0x02, 0x01,
    0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x01, 0x0a, 0x2e, 0x01, 0x2c, 0x01, 0x01, 0x7f,
    0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x41, 0x00, 0x21, 0x01, 0x03, 0x40, 0x20,
    0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x41, 0x03, 0x49, 0x0d, 0x00, 0x0b, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x0b};

typedef struct reenter {
    cx_wasm_instance *inst;
    cx_wasm_func *f;
} reenter;

static int reenter_host(cx_wasm_instance *inst, void *data, const cx_wasm_val *a,
                        cx_wasm_val *res) {
    reenter *r = data;
    (void)inst;
    cx_wasm_trap trap;
    return cx_wasm_call(r->inst, r->f, a, 1, res, 1, &trap) ? -1 : 0;
}

TEST(jit_host_reentry) {
    for (uint32_t jit = 0; jit < 2; jit++) {
        cx_wasm_limits lim;
        cx_wasm_limits_defaults(&lim);
        lim.jit = jit;
        char err[CX_WASM_ERROR_MAX];
        cx_wasm_module *m = NULL;
        CHECK_EQ(cx_wasm_module_new(reenter_wasm, sizeof reenter_wasm, &lim, &m, err), 0);
        CHECK_EQ(JIT_COMPILED(m), jit == 1);
        reenter r = {0};
        static const uint8_t i32[] = {CX_WASM_I32};
        cx_wasm_func *h = cx_wasm_func_new(i32, 1, i32, 1, reenter_host, &r);
        cx_wasm_imports *im = cx_wasm_imports_new();
        CHECK_EQ(cx_wasm_imports_add_func(im, "env", "h", h), 0);
        CHECK_EQ(cx_wasm_instance_new(m, im, NULL, &r.inst, NULL, err), 0);
        r.f = cx_wasm_instance_func(r.inst, "f");
        for (int32_t n = 0; n <= 12; n += 4) {
            cx_wasm_val a = {.type = CX_WASM_I32, .of.i32 = n}, res;
            cx_wasm_trap trap;
            CHECK_EQ(cx_wasm_call(r.inst, r.f, &a, 1, &res, 1, &trap), 0);
            CHECK_EQ(res.of.i32, 3 * n);
        }
        /* deeper than the nesting bound: a trap (the host sees the inner
         * failure and fails in turn), the instance still usable */
        cx_wasm_val a = {.type = CX_WASM_I32, .of.i32 = 200}, res;
        cx_wasm_trap trap;
        CHECK_EQ(cx_wasm_call(r.inst, r.f, &a, 1, &res, 1, &trap), CX_EPROTO);
        a.of.i32 = 5;
        CHECK_EQ(cx_wasm_call(r.inst, r.f, &a, 1, &res, 1, &trap), 0);
        CHECK_EQ(res.of.i32, 15);
        cx_wasm_instance_free(r.inst);
        cx_wasm_imports_free(im);
        cx_wasm_func_free(h);
        cx_wasm_module_free(m);
    }
}

/* A start function that never ends: instantiation is bounded by the
 * limits' start_fuel and start_timeout_ms, in both tiers. */
static const uint8_t startloop_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x08, 0x01,
    0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b};

TEST(jit_start_function_is_bounded) {
    for (uint32_t jit = 0; jit < 2; jit++) {
        for (int how = 0; how < 2; how++) {
            cx_wasm_limits lim;
            cx_wasm_limits_defaults(&lim);
            lim.jit = jit;
            if (how == 0)
                lim.start_fuel = 1000;
            else
                lim.start_timeout_ms = 20;
            char err[CX_WASM_ERROR_MAX];
            cx_wasm_module *m = NULL;
            CHECK_EQ(cx_wasm_module_new(startloop_wasm, sizeof startloop_wasm, &lim, &m, err), 0);
            CHECK_EQ(JIT_COMPILED(m), jit == 1);
            cx_wasm_instance *inst = NULL;
            cx_wasm_trap trap = CX_WASM_TRAP_NONE;
            CHECK_EQ(cx_wasm_instance_new(m, NULL, &lim, &inst, &trap, err), CX_EPROTO);
            CHECK_EQ(trap, (how == 0 ? CX_WASM_TRAP_FUEL : CX_WASM_TRAP_DEADLINE));
            cx_wasm_instance_free(inst);
            cx_wasm_module_free(m);
        }
    }
}

TEST_MAIN()
