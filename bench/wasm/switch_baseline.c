/* The comparison baseline: a deliberately plain "switch over raw bytecode"
 * interpreter, as a naive engine would be written: it decodes LEB128
 * immediates on every execution, finds the end of a block by scanning
 * forward, and recurses on the C stack for calls. It supports only what the
 * fib kernel needs (i32 integer ops, locals, blocks/loops/if, br/br_if,
 * call, return) and is used by bench_wasm to measure the speedup of the
 * real interpreter's compiled, direct-threaded form on the same function. */
#include <stdint.h>
#include <string.h>

typedef struct sb_func {
    uint32_t nparams, nlocals; /* nlocals includes params */
    int has_result;
    const uint8_t *code, *end;
} sb_func;

typedef struct sb_module {
    sb_func funcs[256];
    uint32_t nfuncs, nimports;
    struct {
        char name[32];
        uint32_t index;
    } exports[64];
    uint32_t nexports;
} sb_module;

static uint32_t sb_uleb(const uint8_t **p) {
    uint32_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint32_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int32_t sb_sleb(const uint8_t **p) {
    int32_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (int32_t)((uint32_t)(b & 0x7F) << shift);
        shift += 7;
    } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) v |= (int32_t)(~0u << shift);
    return v;
}

/* Parse just enough of a module (types, function and code sections; no
 * imported functions). Returns 0 or -1. */
static int sb_load(sb_module *m, const uint8_t *bin, size_t len) {
    const uint8_t *p = bin + 8, *end = bin + len;
    uint32_t tparams[256], tresults[256], ftype[256], ntypes = 0;
    memset(m, 0, sizeof *m);
    while (p < end) {
        uint8_t id = *p++;
        uint32_t size = sb_uleb(&p);
        const uint8_t *s = p;
        p += size;
        if (id == 1) {
            ntypes = sb_uleb(&s);
            if (ntypes > 256) return -1;
            for (uint32_t i = 0; i < ntypes; i++) {
                s++; /* 0x60 */
                tparams[i] = sb_uleb(&s);
                s += tparams[i];
                tresults[i] = sb_uleb(&s);
                s += tresults[i];
            }
        } else if (id == 2) {
            if (sb_uleb(&s) != 0) return -1;
        } else if (id == 3) {
            m->nfuncs = sb_uleb(&s);
            if (m->nfuncs > 256) return -1;
            for (uint32_t i = 0; i < m->nfuncs; i++) ftype[i] = sb_uleb(&s);
        } else if (id == 7) {
            uint32_t n = sb_uleb(&s);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t nl = sb_uleb(&s);
                const uint8_t *name = s;
                s += nl;
                uint8_t kind = *s++;
                uint32_t idx = sb_uleb(&s);
                if (kind == 0 && nl < 32 && m->nexports < 64) {
                    memcpy(m->exports[m->nexports].name, name, nl);
                    m->exports[m->nexports].name[nl] = 0;
                    m->exports[m->nexports++].index = idx;
                }
            }
        } else if (id == 10) {
            uint32_t n = sb_uleb(&s);
            for (uint32_t i = 0; i < n && i < m->nfuncs; i++) {
                uint32_t bsize = sb_uleb(&s);
                const uint8_t *b = s, *bend = s + bsize;
                s = bend;
                sb_func *f = &m->funcs[i];
                f->nparams = tparams[ftype[i]];
                f->has_result = tresults[ftype[i]] != 0;
                f->nlocals = f->nparams;
                uint32_t groups = sb_uleb(&b);
                for (uint32_t g = 0; g < groups; g++) {
                    f->nlocals += sb_uleb(&b);
                    b++;
                }
                f->code = b;
                f->end = bend;
            }
        }
    }
    return 0;
}

/* Skip to just after the `end` (or to the `else` when stop_at_else) that
 * closes the block whose body starts at p. */
static const uint8_t *sb_skip(const uint8_t *p, int stop_at_else) {
    int depth = 0;
    for (;;) {
        uint8_t op = *p++;
        switch (op) {
        case 0x02:
        case 0x03:
        case 0x04:
            p++, depth++;
            break;
        case 0x05:
            if (depth == 0 && stop_at_else) return p;
            break;
        case 0x0B:
            if (depth == 0) return p;
            depth--;
            break;
        case 0x0C:
        case 0x0D:
        case 0x10:
        case 0x20:
        case 0x21:
        case 0x22:
            sb_uleb(&p);
            break;
        case 0x41:
            sb_sleb(&p);
            break;
        default:
            break;
        }
    }
}

typedef struct sb_ctl {
    const uint8_t *cont; /* loop: its start; block/if: NULL until known */
    const uint8_t *body; /* first instruction of the block */
    int is_loop;
    uint32_t height, arity;
} sb_ctl;

/* Run function fi with args; returns the result (or 0). -1 in *err if an
 * unsupported opcode was met. */
static int32_t sb_call(const sb_module *m, uint32_t fi, const int32_t *args, int *err) {
    const sb_func *f = &m->funcs[fi];
    int32_t locals[64], stack[256];
    sb_ctl ctl[64];
    uint32_t sp = 0, nctl = 0;
    memset(locals, 0, sizeof locals);
    memcpy(locals, args, f->nparams * sizeof *args);
    const uint8_t *p = f->code;
    for (;;) {
        uint8_t op = *p++;
        switch (op) {
        case 0x01:
            break;
        case 0x02:
        case 0x03: {
            uint8_t bt = *p++;
            ctl[nctl++] = (sb_ctl){op == 0x03 ? p - 2 : NULL, p, op == 0x03, sp, bt != 0x40};
            break;
        }
        case 0x04: {
            uint8_t bt = *p++;
            int32_t c = stack[--sp];
            ctl[nctl++] = (sb_ctl){NULL, p, 0, sp, bt != 0x40};
            if (!c) {
                p = sb_skip(p, 1);
                if (p[-1] == 0x0B) nctl--;
            }
            break;
        }
        case 0x05: /* end of the then-arm: skip the else-arm */
            p = sb_skip(p, 0);
            nctl--;
            break;
        case 0x0B:
            if (nctl == 0) return f->has_result ? stack[sp - 1] : 0;
            nctl--;
            break;
        case 0x0C:
        case 0x0D: {
            uint32_t d = sb_uleb(&p);
            if (op == 0x0D && !stack[--sp]) break;
            if (d >= nctl) return f->has_result ? stack[sp - 1] : 0; /* function label */
            sb_ctl *t = &ctl[nctl - 1 - d];
            if (t->is_loop) {
                sp = t->height;
                nctl -= d;
                p = t->cont + 2;
            } else {
                int32_t v = t->arity ? stack[sp - 1] : 0;
                sp = t->height;
                if (t->arity) stack[sp++] = v;
                p = sb_skip(t->body, 0);
                nctl -= d + 1;
            }
            break;
        }
        case 0x0F:
            return f->has_result ? stack[sp - 1] : 0;
        case 0x10: {
            uint32_t callee = sb_uleb(&p);
            const sb_func *g = &m->funcs[callee];
            sp -= g->nparams;
            int32_t r = sb_call(m, callee, &stack[sp], err);
            if (g->has_result) stack[sp++] = r;
            break;
        }
        case 0x1A:
            sp--;
            break;
        case 0x20:
            stack[sp++] = locals[sb_uleb(&p)];
            break;
        case 0x21:
            locals[sb_uleb(&p)] = stack[--sp];
            break;
        case 0x22:
            locals[sb_uleb(&p)] = stack[sp - 1];
            break;
        case 0x41:
            stack[sp++] = sb_sleb(&p);
            break;
        case 0x45:
            stack[sp - 1] = stack[sp - 1] == 0;
            break;
#define SB_BIN(code, expr)                                                                         \
    case code: {                                                                                   \
        int32_t b = stack[--sp], a = stack[sp - 1];                                                \
        (void)a, (void)b;                                                                          \
        stack[sp - 1] = (int32_t)(expr);                                                           \
        break;                                                                                     \
    }
            SB_BIN(0x46, a == b)
            SB_BIN(0x47, a != b)
            SB_BIN(0x48, a < b)
            SB_BIN(0x49, (uint32_t)a < (uint32_t)b)
            SB_BIN(0x4A, a > b)
            SB_BIN(0x4B, (uint32_t)a > (uint32_t)b)
            SB_BIN(0x4C, a <= b)
            SB_BIN(0x4D, (uint32_t)a <= (uint32_t)b)
            SB_BIN(0x4E, a >= b)
            SB_BIN(0x4F, (uint32_t)a >= (uint32_t)b)
            SB_BIN(0x6A, (uint32_t)a + (uint32_t)b)
            SB_BIN(0x6B, (uint32_t)a - (uint32_t)b)
            SB_BIN(0x6C, (uint32_t)a * (uint32_t)b)
            SB_BIN(0x71, a & b)
            SB_BIN(0x72, a | b)
            SB_BIN(0x73, a ^ b)
        default:
            *err = -1;
            return 0;
        }
    }
}
