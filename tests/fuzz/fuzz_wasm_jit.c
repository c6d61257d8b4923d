/* libFuzzer target: the JIT against the interpreter (differential).
 *
 * Every input is loaded twice, with limits.jit = 0 (interpreted) and
 * limits.jit = 1 (compiled to machine code when the JIT covers the whole
 * module; otherwise interpreted too, which is fine); both loads must fail or
 * succeed alike. An import-free module without a start function is then
 * instantiated in both tiers (same outcome, same state) and up to 16 of its
 * exported functions whose params are all i32/i64/f32/f64 are called in
 * both with the same argument sets (all zeros, then edge values, small
 * numbers and random bits chosen by a hash of the input) under the same
 * small fuel budget (20000 units, or at most 64 for one set, so that fuel
 * runs out part-way). After every call both must agree on the return code,
 * the trap kind, the results (bit-exact, but any two NaNs are equal), the
 * fuel left, the whole default linear memory, the exported globals and the
 * sizes of exported tables (their elements too after instantiation and
 * after the last call). A difference prints both outcomes to stderr and
 * abort()s, so libFuzzer keeps the input as a crash.
 *
 * Modules with a start function are not instantiated: it runs inside
 * cx_wasm_instance_new(), before any fuel can be set, so a looping one would
 * be a libFuzzer timeout rather than a finding.
 *
 * NaN payloads: WebAssembly leaves the bits of a NaN produced by arithmetic
 * nondeterministic, so a module that stores such a NaN or reinterprets it
 * may legitimately differ between two engines. Results and globals compare
 * NaNs as equal; memory is compared byte for byte (both tiers run on the
 * same CPU and are meant to agree), so a memory mismatch whose differing
 * bytes lie within a NaN in both says so in the diagnostic. */
#include <cortex/error.h>
#include <cortex/wasm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FUNCS  16    /* exported functions called per input */
#define MAX_VALS   16    /* params or results of a called function */
#define NSETS      4     /* argument sets per function */
#define FUEL       20000 /* per call, as fuzz_wasm */
#define FUEL_SHORT 64    /* set 2 runs out of fuel early: at most this */

/* ---- hashing and a PRNG (splitmix64) --------------------------------------- */

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return mix64(h ^ n);
}

static uint64_t rnext(uint64_t *s) {
    *s += 0x9E3779B97F4A7C15ull;
    return mix64(*s);
}

/* ---- edge values ------------------------------------------------------------- */

static const int32_t EDGE_I32[] = {
    0,         1,       -1,      2,        7,     31,     32,        33,        63,
    64,        0x7F,    0x80,    0xFF,     0x100, 0x7FFF, 0x8000,    0xFFFF,    0x10000,
    0xFFFC,    0x1FFFF, 0x20000, -0x10000, -2,    -8,     INT32_MIN, INT32_MAX, INT32_MIN + 1,
    0x7FFFFFF0};
static const int64_t EDGE_I64[] = {
    0,        1,       -1,         2,          63,           64,
    0xFFFF,   0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,   0x100000000,
    -0x10000, -2,      INT64_MIN,  INT64_MAX,  -0x100000000, INT64_MIN + 1,
    32,       0x1FFFF};
/* Signed zeros, one, infinities, NaNs (quiet, negative, signalling, with
 * payloads), denormals, the largest finite, the bounds of the integer
 * conversions and their neighbours, halves for rounding. */
static const uint32_t EDGE_F32[] = {0x00000000u, 0x80000000u, 0x3F800000u, 0xBF800000u, 0x7F800000u,
                                    0xFF800000u, 0x7FC00000u, 0xFFC00000u, 0x7FA00001u, 0x7FC12345u,
                                    0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu, 0x4F000000u, 0xCF000000u,
                                    0x4EFFFFFFu, 0x4F800000u, 0x5F000000u, 0xDF000000u, 0x5F800000u,
                                    0x3F000000u, 0x40200000u, 0xBF7FFFFFu, 0x3EFFFFFFu};
static const uint64_t EDGE_F64[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3FF0000000000000ull, 0xBFF0000000000000ull,
    0x7FF0000000000000ull, 0xFFF0000000000000ull, 0x7FF8000000000000ull, 0xFFF8000000000000ull,
    0x7FF0000000000001ull, 0x7FF8000000012345ull, 0x0000000000000001ull, 0x800FFFFFFFFFFFFFull,
    0x7FEFFFFFFFFFFFFFull, 0x41E0000000000000ull, 0xC1E0000000000000ull, 0x41DFFFFFFFC00000ull,
    0xC1E0000000200000ull, 0x41F0000000000000ull, 0x43E0000000000000ull, 0xC3E0000000000000ull,
    0x43F0000000000000ull, 0x3FE0000000000000ull, 0x4004000000000000ull, 0xBFE0000000000000ull};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool numeric(uint8_t t) {
    return t == CX_WASM_I32 || t == CX_WASM_I64 || t == CX_WASM_F32 || t == CX_WASM_F64;
}

/* An argument of type t for argument set `set` (0: zero). */
static cx_wasm_val make_arg(uint8_t t, int set, uint64_t *rs) {
    cx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    if (set == 0) return v;
    uint64_t r = rnext(rs);
    uint32_t mode = (uint32_t)(r & 3), pick = (uint32_t)(r >> 8);
    int32_t small = (int32_t)(pick % 19) - 2; /* -2..16: counts, indices, addresses */
    uint64_t bits = rnext(rs);
    switch (t) {
    case CX_WASM_I32:
        v.of.i32 = mode <= 1 ? EDGE_I32[pick % COUNT(EDGE_I32)] : mode == 2 ? small : (int32_t)bits;
        break;
    case CX_WASM_I64:
        v.of.i64 = mode <= 1 ? EDGE_I64[pick % COUNT(EDGE_I64)] : mode == 2 ? small : (int64_t)bits;
        break;
    case CX_WASM_F32:
        if (mode <= 1)
            v.of.f32_bits = EDGE_F32[pick % COUNT(EDGE_F32)];
        else if (mode == 2)
            v.of.f32 = (float)small * 0.5f;
        else
            v.of.f32_bits = (uint32_t)bits;
        break;
    default: /* CX_WASM_F64 */
        if (mode <= 1)
            v.of.f64_bits = EDGE_F64[pick % COUNT(EDGE_F64)];
        else if (mode == 2)
            v.of.f64 = (double)small * 0.5;
        else
            v.of.f64_bits = bits;
        break;
    }
    return v;
}

/* ---- the two tiers ----------------------------------------------------------- */

typedef struct side {
    const char *name;
    cx_wasm_module *m;
    cx_wasm_instance *inst;
} side;

static side S[2]; /* [0] interpreter, [1] JIT */
static const uint8_t *cur_data;
static size_t cur_size;

static bool is_nan32(uint32_t b) {
    return (b & 0x7F800000u) == 0x7F800000u && (b & 0x007FFFFFu);
}
static bool is_nan64(uint64_t b) {
    return (b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0x000FFFFFFFFFFFFFull);
}

/* The export index of function f in side s, -1 when f is not exported. */
static int func_export(const side *s, const cx_wasm_func *f) {
    uint32_t ne = cx_wasm_module_export_count(s->m);
    for (uint32_t i = 0; i < ne; i++) {
        const char *name;
        int kind;
        if (cx_wasm_module_export(s->m, i, &name, &kind) != 0 || kind != 0) continue;
        if (cx_wasm_instance_func(s->inst, name) == f) return (int)i;
    }
    return -1;
}

static bool same_signature(const cx_wasm_func *a, const cx_wasm_func *b) {
    uint32_t np = cx_wasm_func_param_count(a), nr = cx_wasm_func_result_count(a);
    if (np != cx_wasm_func_param_count(b) || nr != cx_wasm_func_result_count(b)) return false;
    for (uint32_t i = 0; i < np; i++)
        if (cx_wasm_func_param_type(a, i) != cx_wasm_func_param_type(b, i)) return false;
    for (uint32_t i = 0; i < nr; i++)
        if (cx_wasm_func_result_type(a, i) != cx_wasm_func_result_type(b, i)) return false;
    return true;
}

/* Values of the two tiers: bit-exact, NaNs equal, funcrefs by null-ness,
 * signature and (when exported) export. by_export: look exports up. */
static bool same_val(const cx_wasm_val *a, const cx_wasm_val *b, bool by_export) {
    if (a->type != b->type) return false;
    switch (a->type) {
    case CX_WASM_I32:
        return a->of.i32 == b->of.i32;
    case CX_WASM_I64:
        return a->of.i64 == b->of.i64;
    case CX_WASM_F32:
        return a->of.f32_bits == b->of.f32_bits ||
               (is_nan32(a->of.f32_bits) && is_nan32(b->of.f32_bits));
    case CX_WASM_F64:
        return a->of.f64_bits == b->of.f64_bits ||
               (is_nan64(a->of.f64_bits) && is_nan64(b->of.f64_bits));
    case CX_WASM_V128:
        return memcmp(a->of.v128, b->of.v128, 16) == 0;
    case CX_WASM_FUNCREF:
        if (!a->of.ref || !b->of.ref) return !a->of.ref == !b->of.ref;
        if (!same_signature(a->of.ref, b->of.ref)) return false;
        return !by_export || func_export(&S[0], a->of.ref) == func_export(&S[1], b->of.ref);
    default:
        return a->of.ref == b->of.ref; /* externref: only ever null here */
    }
}

static void print_val(const cx_wasm_val *v) {
    switch (v->type) {
    case CX_WASM_I32:
        fprintf(stderr, "i32:%d (0x%08x)", v->of.i32, (unsigned)v->of.i32);
        break;
    case CX_WASM_I64:
        fprintf(stderr, "i64:%lld (0x%016llx)", (long long)v->of.i64,
                (unsigned long long)v->of.i64);
        break;
    case CX_WASM_F32:
        fprintf(stderr, "f32:%a (0x%08x)", (double)v->of.f32, (unsigned)v->of.f32_bits);
        break;
    case CX_WASM_F64:
        fprintf(stderr, "f64:%a (0x%016llx)", v->of.f64, (unsigned long long)v->of.f64_bits);
        break;
    case CX_WASM_V128:
        fprintf(stderr, "v128:");
        for (int i = 0; i < 16; i++) fprintf(stderr, "%02x", v->of.v128[i]);
        break;
    case CX_WASM_FUNCREF:
        fprintf(stderr, "funcref:%p", v->of.ref);
        break;
    case CX_WASM_EXTERNREF:
        fprintf(stderr, "externref:%p", v->of.ref);
        break;
    default:
        fprintf(stderr, "type 0x%02x?", v->type);
        break;
    }
}

static void print_vals(const char *label, const cx_wasm_val *v, uint32_t n) {
    fprintf(stderr, "  %s (%u):", label, n);
    for (uint32_t i = 0; i < n; i++) {
        fprintf(stderr, i ? ", " : " ");
        print_val(&v[i]);
    }
    fprintf(stderr, "\n");
}

/* Where a mismatch happened: set by the caller before comparing. */
typedef struct where {
    const char *stage; /* "instantiate", "call" */
    const char *func;  /* export name, or NULL */
    uint32_t export_index;
    int set;
    uint64_t fuel;
    const cx_wasm_val *args;
    uint32_t nargs;
} where;

static void header(const char *what, const where *w) {
    fprintf(stderr,
            "\n==== fuzz_wasm_jit: MISMATCH (interpreter vs JIT): %s\n"
            "  input: %zu bytes, hash 0x%016llx\n",
            what, cur_size, (unsigned long long)hash_bytes(cur_data, cur_size));
    if (!w) return;
    fprintf(stderr, "  stage: %s\n", w->stage);
    if (w->func) {
        fprintf(stderr, "  function: export #%u \"%s\", argument set %d, fuel budget %llu\n",
                w->export_index, w->func, w->set, (unsigned long long)w->fuel);
        print_vals("args", w->args, w->nargs);
    }
}

static void die(void) {
    fprintf(stderr, "====\n");
    abort();
}

/* Default memory of both tiers: same size, same bytes. */
static void check_memory(const where *w) {
    cx_wasm_memory *ma = cx_wasm_instance_default_memory(S[0].inst);
    cx_wasm_memory *mb = cx_wasm_instance_default_memory(S[1].inst);
    size_t na = cx_wasm_memory_size(ma), nb = cx_wasm_memory_size(mb);
    if (!ma != !mb || na != nb) {
        header("memory size", w);
        fprintf(stderr, "  interp: %zu bytes%s, jit: %zu bytes%s\n", na, ma ? "" : " (none)", nb,
                mb ? "" : " (none)");
        die();
    }
    if (na == 0) return;
    const uint8_t *a = cx_wasm_memory_ptr(ma, 0, na), *b = cx_wasm_memory_ptr(mb, 0, nb);
    if (!a || !b || memcmp(a, b, na) == 0) return;
    size_t first = 0, last = 0, ndiff = 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i] == b[i]) continue;
        if (!ndiff++) first = i;
        last = i;
    }
    header("memory contents", w);
    fprintf(stderr, "  %zu differing bytes in [0x%zx, 0x%zx] of %zu\n", ndiff, first, last, na);
    size_t lo = first & ~(size_t)15, hi = lo + 32 < na ? lo + 32 : na;
    for (int k = 0; k < 2; k++) {
        const uint8_t *p = k ? b : a;
        fprintf(stderr, "  %-6s @0x%06zx:", k ? "jit" : "interp", lo);
        for (size_t i = lo; i < hi; i++) fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    /* A NaN whose payload differs? (see the top): an f64 or f32 window
     * holding every differing byte that is a NaN in both. */
    bool nan = false;
    for (size_t width = 8; width >= 4 && !nan; width -= 4) {
        if (last - first >= width) continue;
        for (size_t at = last + 1 >= width ? last + 1 - width : 0; at <= first && !nan; at++) {
            if (at + width > na) break;
            uint64_t x = 0, y = 0;
            memcpy(&x, a + at, width);
            memcpy(&y, b + at, width);
            nan = width == 8 ? is_nan64(x) && is_nan64(y)
                             : is_nan32((uint32_t)x) && is_nan32((uint32_t)y);
        }
    }
    if (nan) fprintf(stderr, "  (the differing bytes are inside a NaN in both: a NaN payload)\n");
    die();
}

/* Exported globals (values) and tables (sizes; elements when `elems`). */
static void check_exports(const where *w, bool elems) {
    uint32_t ne = cx_wasm_module_export_count(S[0].m);
    for (uint32_t i = 0; i < ne; i++) {
        const char *name;
        int kind;
        if (cx_wasm_module_export(S[0].m, i, &name, &kind) != 0) continue;
        if (kind == 3) {
            cx_wasm_global *ga = cx_wasm_instance_global(S[0].inst, name);
            cx_wasm_global *gb = cx_wasm_instance_global(S[1].inst, name);
            if (!ga || !gb) continue;
            cx_wasm_val a = cx_wasm_global_get(ga), b = cx_wasm_global_get(gb);
            if (same_val(&a, &b, true)) continue;
            header("exported global", w);
            fprintf(stderr, "  global: export #%u \"%s\"\n  interp: ", i, name);
            print_val(&a);
            fprintf(stderr, "\n  jit:    ");
            print_val(&b);
            fprintf(stderr, "\n");
            die();
        } else if (kind == 1) {
            cx_wasm_table *ta = cx_wasm_instance_table(S[0].inst, name);
            cx_wasm_table *tb = cx_wasm_instance_table(S[1].inst, name);
            if (!ta || !tb) continue;
            uint32_t na = cx_wasm_table_size(ta), nb = cx_wasm_table_size(tb);
            if (na != nb) {
                header("exported table size", w);
                fprintf(stderr, "  table \"%s\": interp %u, jit %u elements\n", name, na, nb);
                die();
            }
            for (uint32_t k = 0; elems && k < na; k++) {
                cx_wasm_val a, b;
                if (cx_wasm_table_get(ta, k, &a) != 0 || cx_wasm_table_get(tb, k, &b) != 0) break;
                if (same_val(&a, &b, false)) continue;
                header("exported table element", w);
                fprintf(stderr, "  table \"%s\"[%u]: interp ", name, k);
                print_val(&a);
                fprintf(stderr, ", jit ");
                print_val(&b);
                fprintf(stderr, "\n");
                die();
            }
        }
    }
}

static void check_state(const where *w, bool elems) {
    check_memory(w);
    check_exports(w, elems);
}

/* Whether the (valid) module has a start section. */
static bool has_start(const uint8_t *d, size_t n) {
    size_t p = 8;
    while (p < n) {
        uint8_t id = d[p++];
        uint64_t len = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (p >= n || shift > 28) return true; /* cannot happen once valid */
            uint8_t b = d[p++];
            len |= (uint64_t)(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
        }
        if (id == 8) return true;
        if (len > n - p) return true;
        p += (size_t)len;
    }
    return false;
}

/* Calls export i (a function) in both tiers with every argument set;
 * false when it is not called (a param that is not a number, too many
 * params or results). */
static bool call_export(uint32_t i, const char *name, uint64_t seed) {
    cx_wasm_func *f[2];
    for (int s = 0; s < 2; s++) f[s] = cx_wasm_instance_func(S[s].inst, name);
    if (!f[0] || !f[1]) {
        if (!f[0] != !f[1]) {
            header("exported function lookup", NULL);
            fprintf(stderr, "  \"%s\": interp %p, jit %p\n", name, (void *)f[0], (void *)f[1]);
            die();
        }
        return false;
    }
    uint32_t np = cx_wasm_func_param_count(f[0]), nr = cx_wasm_func_result_count(f[0]);
    if (np > MAX_VALS || nr > MAX_VALS) return false;
    uint8_t pt[MAX_VALS];
    for (uint32_t k = 0; k < np; k++) {
        pt[k] = cx_wasm_func_param_type(f[0], k);
        if (!numeric(pt[k])) return false;
    }
    uint64_t rs = seed ^ mix64(i + 1);
    for (int set = 0; set < NSETS; set++) {
        cx_wasm_val args[MAX_VALS], res[2][MAX_VALS];
        for (uint32_t k = 0; k < np; k++) args[k] = make_arg(pt[k], set, &rs);
        uint64_t fuel = set == 2 ? 1 + rnext(&rs) % FUEL_SHORT : FUEL;
        int rc[2];
        cx_wasm_trap trap[2];
        uint64_t left[2];
        for (int s = 0; s < 2; s++) {
            memset(res[s], 0, sizeof res[s]);
            trap[s] = CX_WASM_TRAP_NONE;
            cx_wasm_instance_set_fuel(S[s].inst, fuel);
            rc[s] = cx_wasm_call(S[s].inst, f[s], args, np, res[s], nr, &trap[s]);
            left[s] = cx_wasm_instance_fuel_left(S[s].inst);
        }
        where w = {"call", name, i, set, fuel, args, np};
        bool same = rc[0] == rc[1] && trap[0] == trap[1] && left[0] == left[1];
        for (uint32_t k = 0; same && rc[0] == 0 && k < nr; k++)
            same = same_val(&res[0][k], &res[1][k], true);
        if (!same) {
            header(rc[0] != rc[1]       ? "return code"
                   : trap[0] != trap[1] ? "trap kind"
                   : left[0] != left[1] ? "fuel left"
                                        : "results",
                   &w);
            for (int s = 0; s < 2; s++) {
                fprintf(stderr, "  %-6s rc %d (%s), trap %d (%s), fuel left %llu\n", S[s].name,
                        rc[s], rc[s] ? cx_strerror(rc[s]) : "ok", (int)trap[s],
                        cx_wasm_trap_message(trap[s]), (unsigned long long)left[s]);
                if (rc[s] == 0) print_vals(S[s].name, res[s], nr);
            }
            die();
        }
        check_state(&w, false);
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cur_data = data;
    cur_size = size;
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.max_module_size = 1 << 20;
    lim.max_memory_pages = 32;
    lim.max_table_size = 10000;
    lim.max_call_depth = 200;
    lim.stack_slots = 1 << 14;
    lim.max_locals = 5000;

    char err[2][CX_WASM_ERROR_MAX];
    int rc[2];
    S[0] = (side){"interp", NULL, NULL};
    S[1] = (side){"jit", NULL, NULL};
    for (int s = 0; s < 2; s++) {
        lim.jit = (uint32_t)s;
        err[s][0] = 0;
        rc[s] = cx_wasm_module_new(data, size, &lim, &S[s].m, err[s]);
    }
    if ((rc[0] == 0) != (rc[1] == 0)) {
        header("module load", NULL);
        for (int s = 0; s < 2; s++)
            fprintf(stderr, "  %-6s rc %d (%s): %s\n", S[s].name, rc[s], cx_strerror(rc[s]),
                    err[s]);
        die();
    }
    cx_wasm_imports *im = NULL;
    cx_wasm_trap trap[2] = {CX_WASM_TRAP_NONE, CX_WASM_TRAP_NONE};
    where w = {"instantiate", NULL, 0, 0, 0, NULL, 0};
    /* Only import-free modules without a start function run (see the top). */
    if (rc[0] != 0 || cx_wasm_module_import_count(S[0].m) != 0 || has_start(data, size)) goto done;
    im = cx_wasm_imports_new();
    if (!im) goto done;
    for (int s = 0; s < 2; s++) {
        lim.jit = (uint32_t)s;
        err[s][0] = 0;
        rc[s] = cx_wasm_instance_new(S[s].m, im, &lim, &S[s].inst, &trap[s], err[s]);
    }
    if (rc[0] != rc[1] || (rc[0] == CX_EPROTO && trap[0] != trap[1])) {
        header("instantiation", &w);
        for (int s = 0; s < 2; s++)
            fprintf(stderr, "  %-6s rc %d (%s), trap %d: %s\n", S[s].name, rc[s],
                    cx_strerror(rc[s]), (int)trap[s], err[s]);
        die();
    }
    if (rc[0] != 0) goto done;
    check_state(&w, true);

    uint64_t seed = hash_bytes(data, size);
    uint32_t ne = cx_wasm_module_export_count(S[0].m), called = 0;
    for (uint32_t i = 0; i < ne && called < MAX_FUNCS; i++) {
        const char *name;
        int kind;
        if (cx_wasm_module_export(S[0].m, i, &name, &kind) != 0 || kind != 0) continue;
        called += call_export(i, name, seed);
    }
    w = (where){"after the calls", NULL, 0, 0, 0, NULL, 0};
    check_state(&w, true);
done:
    for (int s = 0; s < 2; s++) {
        cx_wasm_instance_free(S[s].inst);
        cx_wasm_module_free(S[s].m);
    }
    cx_wasm_imports_free(im);
    return 0;
}
