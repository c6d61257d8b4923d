/* cortex wasm run FILE.wasm [--invoke NAME] [--fuel N] [--interp] [ARG...]
 * cortex wasm spec [-v] [--interp] SCRIPT.json [...]   (wast2json output; ends
 *                                                       "N passed, N failed")
 *
 * --interp loads modules with limits.jit = 0: the interpreter runs them even
 * where the JIT would (the test suite runs the spec scripts both ways).
 *
 * The spec runner drives the embedding API exactly as a host would: modules
 * are decoded with cx_wasm_module_new, linked through an import set holding
 * the "spectest" host objects and every registered instance, and invoked with
 * typed values. Text-format assert_malformed commands cannot apply to a binary
 * engine and are counted as skipped.
 */
#include <cortex/arena.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <cortex/wasm.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- spectest host module ---- */

static int host_print(cx_wasm_instance *i, void *d, const cx_wasm_val *a, cx_wasm_val *r) {
    (void)i, (void)d, (void)a, (void)r;
    return 0;
}

typedef struct spec {
    const char *dir;
    cx_wasm_imports *reg;
    cx_wasm_instance **insts;
    cx_wasm_module **mods;
    size_t ninsts, cap;
    struct {
        const char *name;
        cx_wasm_instance *inst;
    } named[256];
    size_t nnamed;
    cx_wasm_instance *cur;
    cx_wasm_func *hostf[8];
    cx_wasm_global *hostg[4];
    cx_wasm_table *table;
    cx_wasm_memory *memory;
    int passed, failed, skipped;
    const char *file;
    bool verbose;
    bool interp; /* --interp: no JIT */
} spec;

static void spec_setup(spec *s) {
    static const uint8_t I = CX_WASM_I32, L = CX_WASM_I64, F = CX_WASM_F32, D = CX_WASM_F64;
    static const uint8_t i_f[] = {CX_WASM_I32, CX_WASM_F32}, d_d[] = {CX_WASM_F64, CX_WASM_F64};
    struct {
        const char *name;
        const uint8_t *p;
        uint32_t n;
    } fs[] = {{"print", NULL, 0},       {"print_i32", &I, 1}, {"print_i64", &L, 1},
              {"print_f32", &F, 1},     {"print_f64", &D, 1}, {"print_i32_f32", i_f, 2},
              {"print_f64_f64", d_d, 2}};
    s->reg = cx_wasm_imports_new();
    for (int i = 0; i < 7; i++) {
        s->hostf[i] = cx_wasm_func_new(fs[i].p, fs[i].n, NULL, 0, host_print, NULL);
        cx_wasm_imports_add_func(s->reg, "spectest", fs[i].name, s->hostf[i]);
    }
    cx_wasm_val v;
    v.type = CX_WASM_I32, v.of.i32 = 666;
    s->hostg[0] = cx_wasm_global_new(v, false);
    v.type = CX_WASM_I64, v.of.i64 = 666;
    s->hostg[1] = cx_wasm_global_new(v, false);
    v.type = CX_WASM_F32, v.of.f32 = 666.6f;
    s->hostg[2] = cx_wasm_global_new(v, false);
    v.type = CX_WASM_F64, v.of.f64 = 666.6;
    s->hostg[3] = cx_wasm_global_new(v, false);
    cx_wasm_imports_add_global(s->reg, "spectest", "global_i32", s->hostg[0]);
    cx_wasm_imports_add_global(s->reg, "spectest", "global_i64", s->hostg[1]);
    cx_wasm_imports_add_global(s->reg, "spectest", "global_f32", s->hostg[2]);
    cx_wasm_imports_add_global(s->reg, "spectest", "global_f64", s->hostg[3]);
    s->table = cx_wasm_table_new(CX_WASM_FUNCREF, 10, 20);
    cx_wasm_imports_add_table(s->reg, "spectest", "table", s->table);
    s->memory = cx_wasm_memory_new(1, 2);
    cx_wasm_imports_add_memory(s->reg, "spectest", "memory", s->memory);
}

static void spec_teardown(spec *s) {
    for (size_t i = s->ninsts; i-- > 0;) {
        cx_wasm_instance_free(s->insts[i]);
        cx_wasm_module_free(s->mods[i]);
    }
    free(s->insts);
    free(s->mods);
    for (int i = 0; i < 7; i++) cx_wasm_func_free(s->hostf[i]);
    for (int i = 0; i < 4; i++) cx_wasm_global_free(s->hostg[i]);
    cx_wasm_table_free(s->table);
    cx_wasm_memory_free(s->memory);
    cx_wasm_imports_free(s->reg);
}

static int load_module(spec *s, const char *file, cx_wasm_module **out, char *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, file);
    size_t len;
    uint8_t *bin = read_file(path, &len);
    if (!bin) {
        snprintf(err, CX_WASM_ERROR_MAX, "cannot read module %.64s", file);
        return CX_ENOENT;
    }
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.jit = !s->interp;
    int rc = cx_wasm_module_new(bin, len, &lim, out, err);
    free(bin);
    return rc;
}

static void fail(spec *s, int line, const char *fmt, const char *a) {
    s->failed++;
    fprintf(stderr, "FAIL %s:%d: ", s->file, line);
    fprintf(stderr, fmt, a ? a : "");
    fputc('\n', stderr);
}

static int keep(spec *s, cx_wasm_module *m, cx_wasm_instance *inst) {
    if (s->ninsts == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        cx_wasm_instance **ni = realloc(s->insts, nc * sizeof *ni);
        if (!ni) return -1;
        s->insts = ni;
        cx_wasm_module **nm = realloc(s->mods, nc * sizeof *nm);
        if (!nm) return -1;
        s->mods = nm;
        s->cap = nc;
    }
    s->insts[s->ninsts] = inst;
    s->mods[s->ninsts++] = m;
    return 0;
}

static cx_wasm_instance *lookup(spec *s, const cx_json *name) {
    const char *n = cx_json_cstr(name);
    if (!n) return s->cur;
    for (size_t i = s->nnamed; i-- > 0;)
        if (!strcmp(s->named[i].name, n)) return s->named[i].inst;
    return NULL;
}

static uint8_t type_of(const char *t) {
    if (!t) return 0;
    if (!strcmp(t, "i32")) return CX_WASM_I32;
    if (!strcmp(t, "i64")) return CX_WASM_I64;
    if (!strcmp(t, "f32")) return CX_WASM_F32;
    if (!strcmp(t, "f64")) return CX_WASM_F64;
    if (!strcmp(t, "externref")) return CX_WASM_EXTERNREF;
    if (!strcmp(t, "funcref")) return CX_WASM_FUNCREF;
    if (!strcmp(t, "v128")) return CX_WASM_V128;
    return 0;
}

/* Lane width in bytes of a v128 constant's "lane_type" (0: unknown). */
static unsigned lane_width(const char *lt, bool *is_float) {
    static const struct {
        const char *name;
        unsigned width;
        bool fl;
    } lanes[] = {{"i8", 1, false},  {"i16", 2, false}, {"i32", 4, false},
                 {"i64", 8, false}, {"f32", 4, true},  {"f64", 8, true}};
    for (size_t i = 0; lt && i < sizeof lanes / sizeof lanes[0]; i++)
        if (!strcmp(lt, lanes[i].name)) {
            *is_float = lanes[i].fl;
            return lanes[i].width;
        }
    return 0;
}

/* A v128 {"lane_type", "value": [lanes]}: parse into out (got NULL), or
 * compare with got lane by lane, NaN patterns allowed in float lanes.
 * Returns 0 (parsed, or equal), 1 (different) or -1 (malformed). */
static int v128_lanes(const cx_json *j, uint8_t *out, const uint8_t *got16) {
    bool compare = got16 != NULL;
    bool fl = false;
    unsigned w = lane_width(cx_json_cstr(cx_json_get(j, "lane_type")), &fl);
    const cx_json *vals = cx_json_get(j, "value");
    if (!w || cx_json_len(vals) != 16 / w) return -1;
    for (unsigned k = 0; k < 16 / w; k++) {
        const char *s = cx_json_cstr(cx_json_at(vals, k));
        if (!s) return -1;
        uint64_t got = 0, want;
        if (compare) memcpy(&got, got16 + k * w, w);
        if (compare && fl && !strncmp(s, "nan:", 4)) {
            uint64_t sign = (uint64_t)1 << (w * 8 - 1);
            uint64_t quiet = w == 4 ? 0x7FC00000u : 0x7FF8000000000000ull;
            got &= ~sign;
            if (!strcmp(s, "nan:canonical") ? got != quiet : (got & quiet) != quiet) return 1;
            continue;
        }
        want = strtoull(s, NULL, 10);
        if (w < 8) want &= ((uint64_t)1 << (w * 8)) - 1;
        if (!compare)
            memcpy(out + k * w, &want, w);
        else if (got != want)
            return 1;
    }
    return 0;
}

/* Parse one JSON value {"type","value"} into v. Returns -1 if unsupported. */
static int parse_val(const cx_json *j, cx_wasm_val *v) {
    uint8_t t = type_of(cx_json_cstr(cx_json_get(j, "type")));
    memset(v, 0, sizeof *v);
    v->type = t;
    if (t == CX_WASM_V128) return v128_lanes(j, v->of.v128, NULL);
    const char *s = cx_json_cstr(cx_json_get(j, "value"));
    if (!t || !s) return -1;
    if (t == CX_WASM_EXTERNREF || t == CX_WASM_FUNCREF) {
        if (!strcmp(s, "null"))
            v->of.ref = NULL;
        else
            v->of.ref = (void *)(uintptr_t)(strtoull(s, NULL, 10) + 1);
        return 0;
    }
    v->of.f64_bits = strtoull(s, NULL, 10);
    if (t == CX_WASM_I32 || t == CX_WASM_F32) v->of.f64_bits &= 0xFFFFFFFFu;
    return 0;
}

static bool match_val(const cx_json *j, const cx_wasm_val *got) {
    uint8_t t = type_of(cx_json_cstr(cx_json_get(j, "type")));
    if (t == CX_WASM_V128) return got->type == t && v128_lanes(j, NULL, got->of.v128) == 0;
    const char *s = cx_json_cstr(cx_json_get(j, "value"));
    if (t != got->type || !s) return false;
    if (t == CX_WASM_F32 && !strncmp(s, "nan:", 4)) {
        uint32_t b = got->of.f32_bits & 0x7FFFFFFFu;
        if (!strcmp(s, "nan:canonical")) return b == 0x7FC00000u;
        return (b & 0x7FC00000u) == 0x7FC00000u;
    }
    if (t == CX_WASM_F64 && !strncmp(s, "nan:", 4)) {
        uint64_t b = got->of.f64_bits & 0x7FFFFFFFFFFFFFFFull;
        if (!strcmp(s, "nan:canonical")) return b == 0x7FF8000000000000ull;
        return (b & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
    }
    if (t == CX_WASM_EXTERNREF || t == CX_WASM_FUNCREF) {
        if (!strcmp(s, "null")) return got->of.ref == NULL;
        if (t == CX_WASM_FUNCREF) return got->of.ref != NULL;
        return (uintptr_t)got->of.ref == strtoull(s, NULL, 10) + 1;
    }
    uint64_t want = strtoull(s, NULL, 10);
    if (t == CX_WASM_I32 || t == CX_WASM_F32) return got->of.f32_bits == (uint32_t)want;
    return got->of.f64_bits == want;
}

#define MAXV 64

/* Run an action. Returns 0 ok, 1 trap (*trap set), -1 harness error (msg). */
static int do_action(spec *s, const cx_json *act, cx_wasm_val *res, uint32_t *nres,
                     cx_wasm_trap *trap, const char **msg) {
    cx_wasm_instance *inst = lookup(s, cx_json_get(act, "module"));
    const char *type = cx_json_cstr(cx_json_get(act, "type"));
    const char *field = cx_json_cstr(cx_json_get(act, "field"));
    size_t flen = cx_json_len(cx_json_get(act, "field"));
    *msg = "no module";
    if (!inst || !type || !field) return -1;
    if (!strcmp(type, "get")) {
        cx_wasm_global *g = cx_wasm_instance_export(inst, field, flen, 3);
        *msg = "no such global";
        if (!g) return -1;
        res[0] = cx_wasm_global_get(g);
        *nres = 1;
        return 0;
    }
    cx_wasm_func *f = cx_wasm_instance_export(inst, field, flen, 0);
    *msg = "no such export";
    if (!f) return -1;
    const cx_json *args = cx_json_get(act, "args");
    cx_wasm_val a[MAXV];
    uint32_t na = (uint32_t)cx_json_len(args);
    *msg = "unsupported value";
    if (na > MAXV || cx_wasm_func_result_count(f) > MAXV) return -1;
    for (uint32_t i = 0; i < na; i++)
        if (parse_val(cx_json_at(args, i), &a[i])) return -1;
    *nres = cx_wasm_func_result_count(f);
    int rc = cx_wasm_call(inst, f, a, na, res, *nres, trap);
    *msg = "call rejected (arity/type)";
    if (rc == CX_EINVAL) return -1;
    return rc ? 1 : 0;
}

static void cmd_module(spec *s, const cx_json *c, int line) {
    char err[CX_WASM_ERROR_MAX] = "";
    cx_wasm_module *m = NULL;
    s->cur = NULL;
    int rc = load_module(s, cx_json_cstr(cx_json_get(c, "filename")), &m, err);
    if (rc) {
        fail(s, line, "module rejected: %s", err);
        return;
    }
    cx_wasm_instance *inst = NULL;
    rc = cx_wasm_instance_new(m, s->reg, NULL, &inst, NULL, err);
    if (rc) {
        fail(s, line, "instantiation failed: %s", err);
        cx_wasm_module_free(m);
        return;
    }
    if (keep(s, m, inst)) {
        cx_wasm_instance_free(inst);
        cx_wasm_module_free(m);
        return;
    }
    s->cur = inst;
    const char *name = cx_json_cstr(cx_json_get(c, "name"));
    if (name && s->nnamed < 256) {
        s->named[s->nnamed].name = name;
        s->named[s->nnamed++].inst = inst;
    }
    s->passed++;
}

static void run_command(spec *s, const cx_json *c) {
    const char *type = cx_json_cstr(cx_json_get(c, "type"));
    int64_t line = 0;
    cx_json_int64(cx_json_get(c, "line"), &line);
    if (!type) return;
    if (!strcmp(type, "module")) {
        cmd_module(s, c, (int)line);
    } else if (!strcmp(type, "register")) {
        cx_wasm_instance *inst = lookup(s, cx_json_get(c, "name"));
        const char *as = cx_json_cstr(cx_json_get(c, "as"));
        if (!inst || !as)
            fail(s, (int)line, "register: no module%s", NULL);
        else
            cx_wasm_imports_add_instance(s->reg, as, inst);
    } else if (!strcmp(type, "assert_return") || !strcmp(type, "action")) {
        cx_wasm_val res[MAXV];
        uint32_t nres = 0;
        cx_wasm_trap trap = 0;
        const char *msg;
        int rc = do_action(s, cx_json_get(c, "action"), res, &nres, &trap, &msg);
        if (rc < 0) {
            fail(s, (int)line, "%s", msg);
            return;
        }
        if (rc > 0) {
            fail(s, (int)line, "trapped: %s", cx_wasm_trap_message(trap));
            return;
        }
        const cx_json *exp = cx_json_get(c, "expected");
        if (!strcmp(type, "assert_return")) {
            if (cx_json_len(exp) != nres) {
                fail(s, (int)line, "wrong result count%s", NULL);
                return;
            }
            for (uint32_t i = 0; i < nres; i++)
                if (!match_val(cx_json_at(exp, i), &res[i])) {
                    char buf[64];
                    snprintf(buf, sizeof buf, "result %u: got 0x%" PRIx64, i, res[i].of.f64_bits);
                    fail(s, (int)line, "%s", buf);
                    return;
                }
        }
        s->passed++;
    } else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion")) {
        const cx_json *act = cx_json_get(c, "action");
        if (!act) { /* old-style: instantiation traps */
            char err[CX_WASM_ERROR_MAX] = "";
            cx_wasm_module *m = NULL;
            cx_wasm_instance *inst = NULL;
            int rc = load_module(s, cx_json_cstr(cx_json_get(c, "filename")), &m, err);
            if (!rc) rc = cx_wasm_instance_new(m, s->reg, NULL, &inst, NULL, err);
            if (rc == CX_EPROTO)
                s->passed++;
            else
                fail(s, (int)line, "expected instantiation trap%s", NULL);
            if (inst && keep(s, m, inst) == 0) return;
            cx_wasm_instance_free(inst);
            cx_wasm_module_free(m);
            return;
        }
        cx_wasm_val res[MAXV];
        uint32_t nres = 0;
        cx_wasm_trap trap = 0;
        const char *msg;
        int rc = do_action(s, act, res, &nres, &trap, &msg);
        if (rc < 0)
            fail(s, (int)line, "%s", msg);
        else if (rc == 0)
            fail(s, (int)line, "expected trap: %s", cx_json_cstr(cx_json_get(c, "text")));
        else if (!strcmp(type, "assert_exhaustion") && trap != CX_WASM_TRAP_STACK_EXHAUSTED)
            fail(s, (int)line, "expected exhaustion, got %s", cx_wasm_trap_message(trap));
        else
            s->passed++;
    } else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed")) {
        const char *mt = cx_json_cstr(cx_json_get(c, "module_type"));
        if (mt && strcmp(mt, "binary") != 0) {
            s->skipped++;
            return;
        }
        char err[CX_WASM_ERROR_MAX] = "";
        cx_wasm_module *m = NULL;
        int rc = load_module(s, cx_json_cstr(cx_json_get(c, "filename")), &m, err);
        if (rc == CX_ENOENT)
            fail(s, (int)line, "%s", err);
        else if (rc == 0)
            fail(s, (int)line, "module accepted, expected: %s",
                 cx_json_cstr(cx_json_get(c, "text")));
        else
            s->passed++;
        if (s->verbose && rc)
            fprintf(stderr, "  %s:%d: %s (want %s)\n", s->file, (int)line, err,
                    cx_json_cstr(cx_json_get(c, "text")));
        cx_wasm_module_free(m);
    } else if (!strcmp(type, "assert_unlinkable") || !strcmp(type, "assert_uninstantiable")) {
        char err[CX_WASM_ERROR_MAX] = "";
        cx_wasm_module *m = NULL;
        cx_wasm_instance *inst = NULL;
        int rc = load_module(s, cx_json_cstr(cx_json_get(c, "filename")), &m, err);
        if (rc) {
            fail(s, (int)line, "module rejected: %s", err);
            return;
        }
        rc = cx_wasm_instance_new(m, s->reg, NULL, &inst, NULL, err);
        bool want_trap = !strcmp(type, "assert_uninstantiable");
        if (rc == 0)
            fail(s, (int)line, "instantiation succeeded%s", NULL);
        else if (want_trap != (rc == CX_EPROTO))
            fail(s, (int)line, "wrong failure: %s", err);
        else
            s->passed++;
        if (inst && keep(s, m, inst) == 0) return;
        cx_wasm_instance_free(inst);
        cx_wasm_module_free(m);
    } else {
        s->skipped++;
    }
}

static int run_script(spec *s, const char *path) {
    size_t len;
    uint8_t *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "cortex wasm spec: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    cx_arena *arena = cx_arena_new(0, 0);
    const cx_json *doc = NULL;
    cx_json_error jerr;
    int rc = arena ? cx_json_parse(arena, (const char *)text, len, NULL, &doc, &jerr) : -1;
    free(text);
    if (rc) {
        fprintf(stderr, "cortex wasm spec: %s: bad JSON\n", path);
        cx_arena_free(arena);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    s->dir = dir;
    s->file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    spec_setup(s);
    const cx_json *cmds = cx_json_get(doc, "commands");
    for (size_t i = 0; i < cx_json_len(cmds); i++) run_command(s, cx_json_at(cmds, i));
    spec_teardown(s);
    s->ninsts = s->cap = s->nnamed = 0;
    s->insts = NULL;
    s->mods = NULL;
    s->cur = NULL;
    cx_arena_free(arena);
    return 0;
}

static int cmd_spec(int argc, char **argv) {
    spec s;
    memset(&s, 0, sizeof s);
    int errors = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            s.verbose = true;
            continue;
        }
        if (!strcmp(argv[i], "--interp")) {
            s.interp = true;
            continue;
        }
        if (run_script(&s, argv[i])) errors++;
    }
    if (s.skipped) printf("%d skipped (text-format or unsupported commands)\n", s.skipped);
    printf("%d passed, %d failed\n", s.passed, s.failed + errors);
    return s.failed || errors ? 1 : 0;
}

/* ---- run ---- */

static int parse_arg(const char *s, uint8_t t, cx_wasm_val *v) {
    char *end;
    errno = 0;
    v->type = t;
    switch (t) {
    case CX_WASM_I32: {
        long long x = strtoll(s, &end, 0);
        if (x < INT32_MIN || x > UINT32_MAX) return -1;
        v->of.i32 = (int32_t)(uint32_t)x;
        break;
    }
    case CX_WASM_I64:
        v->of.i64 = strtoll(s, &end, 0);
        break;
    case CX_WASM_F32:
        v->of.f32 = strtof(s, &end);
        break;
    case CX_WASM_F64:
        v->of.f64 = strtod(s, &end);
        break;
    case CX_WASM_V128: /* 0x and 32 hex digits, printed the same way */
        if (strlen(s) != 34 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
        for (int k = 0; k < 16; k++) {
            char byte[3] = {s[2 + 2 * k], s[3 + 2 * k], 0};
            if (!isxdigit((unsigned char)byte[0]) || !isxdigit((unsigned char)byte[1])) return -1;
            v->of.v128[15 - k] = (uint8_t)strtoul(byte, NULL, 16);
        }
        return 0;
    default:
        return -1;
    }
    return (*end || errno) ? -1 : 0;
}

static void print_val(const cx_wasm_val *v) {
    switch (v->type) {
    case CX_WASM_I32:
        printf("%" PRId32 "\n", v->of.i32);
        break;
    case CX_WASM_I64:
        printf("%" PRId64 "\n", v->of.i64);
        break;
    case CX_WASM_F32:
        printf("%.9g\n", (double)v->of.f32);
        break;
    case CX_WASM_F64:
        printf("%.17g\n", v->of.f64);
        break;
    case CX_WASM_V128: /* as one 128-bit number: lane 0 is the least significant */
        printf("0x");
        for (int k = 15; k >= 0; k--) printf("%02x", v->of.v128[k]);
        printf("\n");
        break;
    default:
        printf("ref %p\n", v->of.ref);
    }
}

static int cmd_run(int argc, char **argv) {
    const char *file = NULL, *invoke = NULL;
    int first_arg = argc;
    uint64_t fuel = 0;
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    for (int i = 0; i < argc; i++) {
        if (file && !strcmp(argv[i], "--")) {
            first_arg = i + 1;
            break;
        }
        if (!strcmp(argv[i], "--invoke") && i + 1 < argc)
            invoke = argv[++i];
        else if (!strcmp(argv[i], "--fuel") && i + 1 < argc)
            fuel = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--interp"))
            lim.jit = 0;
        else if (!file)
            file = argv[i];
        else {
            first_arg = i;
            break;
        }
    }
    if (!file) {
        fprintf(
            stderr,
            "usage: cortex wasm run FILE.wasm [--invoke NAME] [--fuel N] [--interp] [ARG...]\n");
        return 2;
    }
    size_t len;
    uint8_t *bin = read_file(file, &len);
    if (!bin) {
        fprintf(stderr, "cortex wasm: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    char err[CX_WASM_ERROR_MAX] = "";
    cx_wasm_module *m = NULL;
    int rc = cx_wasm_module_new(bin, len, &lim, &m, err);
    free(bin);
    if (rc) {
        fprintf(stderr, "cortex wasm: %s: %s\n", file, err);
        return 1;
    }
    cx_wasm_imports *im = cx_wasm_imports_new();
    const char *wargv[258];
    int wargc = 0;
    wargv[wargc++] = file;
    for (int i = first_arg; i < argc && wargc < 257; i++) wargv[wargc++] = argv[i];
    wargv[wargc] = NULL;
    extern char **environ;
    cx_wasm_wasi_options wo = {wargv, (const char *const *)environ, ".", 1, 2};
    cx_wasm_wasi *wasi = cx_wasm_wasi_new(&wo, im);
    cx_wasm_instance *inst = NULL;
    cx_wasm_trap trap = 0;
    int status = 1;
    rc = cx_wasm_instance_new(m, im, NULL, &inst, &trap, err);
    if (rc) {
        fprintf(stderr, "cortex wasm: instantiate: %s\n", err);
        goto done;
    }
    if (fuel) cx_wasm_instance_set_fuel(inst, fuel);
    const char *name = invoke ? invoke : "_start";
    cx_wasm_func *f = cx_wasm_instance_func(inst, name);
    if (!f) {
        fprintf(stderr, "cortex wasm: no exported function '%s'\n", name);
        goto done;
    }
    uint32_t np = cx_wasm_func_param_count(f), nr = cx_wasm_func_result_count(f);
    int nargs = invoke ? argc - first_arg : 0;
    if (np > 64 || nr > 64) {
        fprintf(stderr,
                "cortex wasm: %s has %u parameters and %u results; the CLI handles 64 of each\n",
                name, np, nr);
        status = 2;
        goto done;
    }
    if ((uint32_t)nargs != np) {
        fprintf(stderr, "cortex wasm: %s takes %u argument%s, %d given\n", name, np,
                np == 1 ? "" : "s", nargs);
        status = 2;
        goto done;
    }
    cx_wasm_val a[64], r[64];
    for (uint32_t i = 0; i < np; i++)
        if (parse_arg(argv[first_arg + (int)i], cx_wasm_func_param_type(f, i), &a[i])) {
            fprintf(stderr, "cortex wasm: bad argument '%s'\n", argv[first_arg + (int)i]);
            status = 2;
            goto done;
        }
    rc = cx_wasm_call(inst, f, a, np, r, nr, &trap);
    if (rc && trap == CX_WASM_TRAP_EXIT) {
        status = cx_wasm_exit_code(inst);
        goto done;
    }
    if (rc) {
        fprintf(stderr, "cortex wasm: trap: %s\n", cx_wasm_trap_message(trap));
        goto done;
    }
    for (uint32_t i = 0; i < nr; i++) print_val(&r[i]);
    status = 0;
done:
    fflush(stdout);
    cx_wasm_instance_free(inst);
    cx_wasm_wasi_free(wasi);
    cx_wasm_imports_free(im);
    cx_wasm_module_free(m);
    return status;
}

int cx_cli_wasm(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "spec")) return cmd_spec(argc - 2, argv + 2);
    fprintf(stderr,
            "usage: cortex wasm run FILE.wasm [--invoke NAME] [--fuel N] [--interp] [ARG...]\n"
            "       cortex wasm spec SCRIPT.json...\n");
    return 2;
}
