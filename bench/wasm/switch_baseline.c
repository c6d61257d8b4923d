/* The comparison baseline: a deliberately plain "switch over raw bytecode"
 * interpreter, as a naive engine would be written: one `switch` on the
 * opcode byte per instruction, LEB128 immediates decoded on every execution,
 * the end of a block found by scanning forward when a branch leaves it, an
 * operand stack of 8-byte values in memory, calls recursing on the C stack.
 * It does check memory bounds and division by zero (a wasm engine must).
 * It supports the MVP subset the benchmark kernels use (i32/i64/f32/f64
 * arithmetic and comparisons, the common conversions, loads/stores, one
 * memory with active data segments, globals, blocks/loops/if, br/br_if/
 * br_table, call, select, return) and is used by bench_wasm to measure the
 * speedup of the real interpreter's compiled form on the same kernels.
 * Bench-only code: the input is the trusted kernels.wasm, so the module
 * parser does not validate. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct sb_func {
    uint32_t type;
    uint32_t nlocals; /* includes params */
    const uint8_t *code, *end;
} sb_func;

typedef struct sb_module {
    sb_func funcs[256];
    uint32_t nfuncs;
    uint32_t tparams[256], tresults[256], ntypes;
    struct {
        char name[32];
        uint32_t index;
    } exports[64];
    uint32_t nexports;
    uint8_t *mem;
    uint64_t mem_size;
    uint64_t globals[16];
    uint32_t nglobals;
} sb_module;

static uint64_t sb_uleb(const uint8_t **p) {
    uint64_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int64_t sb_sleb(const uint8_t **p) {
    uint64_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= ~0ull << shift;
    return (int64_t)v;
}

/* A constant initialiser (i32/i64.const then end). */
static uint64_t sb_const_expr(const uint8_t **p) {
    uint8_t op = *(*p)++;
    uint64_t v = 0;
    if (op == 0x41)
        v = (uint32_t)sb_sleb(p);
    else if (op == 0x42)
        v = (uint64_t)sb_sleb(p);
    (*p)++; /* end */
    return v;
}

/* Parse just enough of a module. Returns 0 or -1 (imports are refused). */
static int sb_load(sb_module *m, const uint8_t *bin, size_t len) {
    const uint8_t *p = bin + 8, *end = bin + len;
    uint32_t ftype[256];
    free(m->mem);
    memset(m, 0, sizeof *m);
    while (p < end) {
        uint8_t id = *p++;
        uint64_t size = sb_uleb(&p);
        const uint8_t *s = p;
        p += size;
        if (id == 1) {
            m->ntypes = (uint32_t)sb_uleb(&s);
            if (m->ntypes > 256) return -1;
            for (uint32_t i = 0; i < m->ntypes; i++) {
                s++; /* 0x60 */
                m->tparams[i] = (uint32_t)sb_uleb(&s);
                s += m->tparams[i];
                m->tresults[i] = (uint32_t)sb_uleb(&s);
                s += m->tresults[i];
            }
        } else if (id == 2) {
            if (sb_uleb(&s) != 0) return -1;
        } else if (id == 3) {
            m->nfuncs = (uint32_t)sb_uleb(&s);
            if (m->nfuncs > 256) return -1;
            for (uint32_t i = 0; i < m->nfuncs; i++) ftype[i] = (uint32_t)sb_uleb(&s);
        } else if (id == 5) {
            if (sb_uleb(&s) != 1) return -1;
            uint8_t flags = *s++;
            uint64_t pages = sb_uleb(&s);
            if (flags & 1) sb_uleb(&s);
            m->mem_size = pages * 65536;
            m->mem = calloc(1, (size_t)m->mem_size + 1);
            if (!m->mem) return -1;
        } else if (id == 6) {
            m->nglobals = (uint32_t)sb_uleb(&s);
            if (m->nglobals > 16) return -1;
            for (uint32_t i = 0; i < m->nglobals; i++) {
                s += 2; /* type, mutability */
                m->globals[i] = sb_const_expr(&s);
            }
        } else if (id == 7) {
            uint32_t n = (uint32_t)sb_uleb(&s);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t nl = (uint32_t)sb_uleb(&s);
                const uint8_t *name = s;
                s += nl;
                uint8_t kind = *s++;
                uint32_t idx = (uint32_t)sb_uleb(&s);
                if (kind == 0 && nl < 32 && m->nexports < 64) {
                    memcpy(m->exports[m->nexports].name, name, nl);
                    m->exports[m->nexports].name[nl] = 0;
                    m->exports[m->nexports++].index = idx;
                }
            }
        } else if (id == 10) {
            uint32_t n = (uint32_t)sb_uleb(&s);
            for (uint32_t i = 0; i < n && i < m->nfuncs; i++) {
                uint64_t bsize = sb_uleb(&s);
                const uint8_t *b = s, *bend = s + bsize;
                s = bend;
                sb_func *f = &m->funcs[i];
                f->type = ftype[i];
                f->nlocals = m->tparams[f->type];
                uint32_t groups = (uint32_t)sb_uleb(&b);
                for (uint32_t g = 0; g < groups; g++) {
                    f->nlocals += (uint32_t)sb_uleb(&b);
                    b++;
                }
                if (f->nlocals > 256) return -1;
                f->code = b;
                f->end = bend;
            }
        } else if (id == 11) {
            uint32_t n = (uint32_t)sb_uleb(&s);
            for (uint32_t i = 0; i < n; i++) {
                if (sb_uleb(&s) != 0) return -1; /* active, memory 0 only */
                uint64_t off = sb_const_expr(&s);
                uint64_t dl = sb_uleb(&s);
                if (!m->mem || off + dl > m->mem_size) return -1;
                memcpy(m->mem + off, s, (size_t)dl);
                s += dl;
            }
        }
    }
    return 0;
}

/* Skip the immediates of the instruction whose opcode was just read. */
static const uint8_t *sb_skip_imm(uint8_t op, const uint8_t *p) {
    switch (op) {
    case 0x02:
    case 0x03:
    case 0x04:
        return p + 1;
    case 0x0C:
    case 0x0D:
    case 0x10:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x3F:
    case 0x40:
        sb_uleb(&p);
        return p;
    case 0x0E: {
        uint64_t n = sb_uleb(&p);
        for (uint64_t i = 0; i <= n; i++) sb_uleb(&p);
        return p;
    }
    case 0x11:
        sb_uleb(&p);
        sb_uleb(&p);
        return p;
    case 0x41:
    case 0x42:
        sb_sleb(&p);
        return p;
    case 0x43:
        return p + 4;
    case 0x44:
        return p + 8;
    case 0xFC:
        sb_uleb(&p);
        return p;
    default:
        if (op >= 0x28 && op <= 0x3E) {
            sb_uleb(&p);
            sb_uleb(&p);
        }
        return p;
    }
}

/* Skip to just after the `end` (or to the `else` when stop_at_else) that
 * closes the block whose body starts at p. */
static const uint8_t *sb_skip(const uint8_t *p, int stop_at_else) {
    int depth = 0;
    for (;;) {
        uint8_t op = *p++;
        if (op == 0x02 || op == 0x03 || op == 0x04)
            depth++;
        else if (op == 0x05 && depth == 0 && stop_at_else)
            return p;
        else if (op == 0x0B) {
            if (depth == 0) return p;
            depth--;
        }
        p = sb_skip_imm(op, p);
    }
}

typedef struct sb_ctl {
    const uint8_t *cont; /* loop: its start */
    const uint8_t *body; /* first instruction of the block */
    int is_loop;
    uint32_t height, arity;
} sb_ctl;

static inline float sb_f32(uint64_t v) {
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, 4);
    return f;
}
static inline double sb_f64(uint64_t v) {
    double d;
    memcpy(&d, &v, 8);
    return d;
}
static inline uint64_t sb_bf32(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}
static inline uint64_t sb_bf64(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

/* Run function fi with args; returns its result (or 0). *err = -1 on an
 * unsupported opcode, -2 on a trap. */
static uint64_t sb_call(sb_module *m, uint32_t fi, const uint64_t *args, int *err) {
    const sb_func *f = &m->funcs[fi];
    uint32_t nparams = m->tparams[f->type], has_result = m->tresults[f->type] != 0;
    uint64_t locals[256], stack[256];
    sb_ctl ctl[64];
    uint32_t sp = 0, nctl = 0;
    memset(locals, 0, f->nlocals * sizeof *locals);
    memcpy(locals, args, nparams * sizeof *args);
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
            uint32_t c = (uint32_t)stack[--sp];
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
            if (nctl == 0) return has_result ? stack[sp - 1] : 0;
            nctl--;
            break;
        case 0x0C:
        case 0x0D:
        case 0x0E: {
            uint32_t d;
            if (op == 0x0E) {
                uint64_t n = sb_uleb(&p);
                uint32_t i = (uint32_t)stack[--sp];
                if (i > n) i = (uint32_t)n;
                for (uint32_t k = 0; k < i; k++) sb_uleb(&p);
                d = (uint32_t)sb_uleb(&p);
            } else {
                d = (uint32_t)sb_uleb(&p);
                if (op == 0x0D && !(uint32_t)stack[--sp]) break;
            }
            if (d >= nctl) return has_result ? stack[sp - 1] : 0; /* function label */
            sb_ctl *t = &ctl[nctl - 1 - d];
            if (t->is_loop) {
                sp = t->height;
                nctl -= d;
                p = t->cont + 2;
            } else {
                uint64_t v = t->arity ? stack[sp - 1] : 0;
                sp = t->height;
                if (t->arity) stack[sp++] = v;
                p = sb_skip(t->body, 0);
                nctl -= d + 1;
            }
            break;
        }
        case 0x0F:
            return has_result ? stack[sp - 1] : 0;
        case 0x10: {
            uint32_t callee = (uint32_t)sb_uleb(&p);
            uint32_t t = m->funcs[callee].type;
            sp -= m->tparams[t];
            uint64_t r = sb_call(m, callee, &stack[sp], err);
            if (*err) return 0;
            if (m->tresults[t]) stack[sp++] = r;
            break;
        }
        case 0x1A:
            sp--;
            break;
        case 0x1B: {
            uint32_t c = (uint32_t)stack[--sp];
            sp--;
            if (!c) stack[sp - 1] = stack[sp];
            break;
        }
        case 0x20:
            stack[sp++] = locals[sb_uleb(&p)];
            break;
        case 0x21:
            locals[sb_uleb(&p)] = stack[--sp];
            break;
        case 0x22:
            locals[sb_uleb(&p)] = stack[sp - 1];
            break;
        case 0x23:
            stack[sp++] = m->globals[sb_uleb(&p)];
            break;
        case 0x24:
            m->globals[sb_uleb(&p)] = stack[--sp];
            break;
#define SB_LOAD(code, T, conv)                                                                     \
    case code: {                                                                                   \
        sb_uleb(&p);                                                                               \
        uint64_t ea = (uint32_t)stack[sp - 1] + sb_uleb(&p);                                       \
        if (ea + sizeof(T) > m->mem_size) {                                                        \
            *err = -2;                                                                             \
            return 0;                                                                              \
        }                                                                                          \
        T v;                                                                                       \
        memcpy(&v, m->mem + ea, sizeof v);                                                         \
        stack[sp - 1] = (conv);                                                                    \
        break;                                                                                     \
    }
            SB_LOAD(0x28, uint32_t, v)
            SB_LOAD(0x29, uint64_t, v)
            SB_LOAD(0x2A, uint32_t, v)
            SB_LOAD(0x2B, uint64_t, v)
            SB_LOAD(0x2C, int8_t, (uint32_t)(int32_t)v)
            SB_LOAD(0x2D, uint8_t, v)
            SB_LOAD(0x2E, int16_t, (uint32_t)(int32_t)v)
            SB_LOAD(0x2F, uint16_t, v)
            SB_LOAD(0x30, int8_t, (uint64_t)(int64_t)v)
            SB_LOAD(0x31, uint8_t, v)
            SB_LOAD(0x32, int16_t, (uint64_t)(int64_t)v)
            SB_LOAD(0x33, uint16_t, v)
            SB_LOAD(0x34, int32_t, (uint64_t)(int64_t)v)
            SB_LOAD(0x35, uint32_t, v)
#define SB_STORE(code, T)                                                                          \
    case code: {                                                                                   \
        sb_uleb(&p);                                                                               \
        T v = (T)stack[--sp];                                                                      \
        uint64_t ea = (uint32_t)stack[--sp] + sb_uleb(&p);                                         \
        if (ea + sizeof(T) > m->mem_size) {                                                        \
            *err = -2;                                                                             \
            return 0;                                                                              \
        }                                                                                          \
        memcpy(m->mem + ea, &v, sizeof v);                                                         \
        break;                                                                                     \
    }
            SB_STORE(0x36, uint32_t)
            SB_STORE(0x37, uint64_t)
            SB_STORE(0x38, uint32_t)
            SB_STORE(0x39, uint64_t)
            SB_STORE(0x3A, uint8_t)
            SB_STORE(0x3B, uint16_t)
            SB_STORE(0x3C, uint8_t)
            SB_STORE(0x3D, uint16_t)
            SB_STORE(0x3E, uint32_t)
        case 0x41:
            stack[sp++] = (uint32_t)sb_sleb(&p);
            break;
        case 0x42:
            stack[sp++] = (uint64_t)sb_sleb(&p);
            break;
        case 0x43: {
            uint32_t v;
            memcpy(&v, p, 4);
            p += 4;
            stack[sp++] = v;
            break;
        }
        case 0x44:
            memcpy(&stack[sp++], p, 8);
            p += 8;
            break;
#define SB_UN(code, expr)                                                                          \
    case code: {                                                                                   \
        uint64_t a = stack[sp - 1];                                                                \
        stack[sp - 1] = (uint64_t)(expr);                                                          \
        break;                                                                                     \
    }
#define SB_BIN(code, expr)                                                                         \
    case code: {                                                                                   \
        uint64_t b = stack[--sp], a = stack[sp - 1];                                               \
        stack[sp - 1] = (uint64_t)(expr);                                                          \
        break;                                                                                     \
    }
#define SB_DIV(code, T, expr)                                                                      \
    case code: {                                                                                   \
        T b = (T)stack[--sp], a = (T)stack[sp - 1];                                                \
        if (b == 0) {                                                                              \
            *err = -2;                                                                             \
            return 0;                                                                              \
        }                                                                                          \
        stack[sp - 1] = (uint64_t)(expr);                                                          \
        break;                                                                                     \
    }
#define U32(x) ((uint32_t)(x))
#define I32(x) ((int32_t)(x))
#define I64(x) ((int64_t)(x))
            SB_UN(0x45, U32(a) == 0)
            SB_BIN(0x46, U32(a) == U32(b))
            SB_BIN(0x47, U32(a) != U32(b))
            SB_BIN(0x48, I32(a) < I32(b))
            SB_BIN(0x49, U32(a) < U32(b))
            SB_BIN(0x4A, I32(a) > I32(b))
            SB_BIN(0x4B, U32(a) > U32(b))
            SB_BIN(0x4C, I32(a) <= I32(b))
            SB_BIN(0x4D, U32(a) <= U32(b))
            SB_BIN(0x4E, I32(a) >= I32(b))
            SB_BIN(0x4F, U32(a) >= U32(b))
            SB_UN(0x50, a == 0)
            SB_BIN(0x51, a == b)
            SB_BIN(0x52, a != b)
            SB_BIN(0x53, I64(a) < I64(b))
            SB_BIN(0x54, a < b)
            SB_BIN(0x55, I64(a) > I64(b))
            SB_BIN(0x56, a > b)
            SB_BIN(0x57, I64(a) <= I64(b))
            SB_BIN(0x58, a <= b)
            SB_BIN(0x59, I64(a) >= I64(b))
            SB_BIN(0x5A, a >= b)
            SB_BIN(0x61, sb_f64(a) == sb_f64(b))
            SB_BIN(0x62, sb_f64(a) != sb_f64(b))
            SB_BIN(0x63, sb_f64(a) < sb_f64(b))
            SB_BIN(0x64, sb_f64(a) > sb_f64(b))
            SB_BIN(0x65, sb_f64(a) <= sb_f64(b))
            SB_BIN(0x66, sb_f64(a) >= sb_f64(b))
            SB_UN(0x67, U32(a) ? __builtin_clz(U32(a)) : 32)
            SB_UN(0x68, U32(a) ? __builtin_ctz(U32(a)) : 32)
            SB_UN(0x69, __builtin_popcount(U32(a)))
            SB_BIN(0x6A, U32(a + b))
            SB_BIN(0x6B, U32(a - b))
            SB_BIN(0x6C, U32(U32(a) * U32(b)))
            SB_DIV(0x6D, int32_t, U32(b == -1 ? (int32_t)(0u - U32(a)) : a / b))
            SB_DIV(0x6E, uint32_t, a / b)
            SB_DIV(0x6F, int32_t, U32(b == -1 ? 0 : a % b))
            SB_DIV(0x70, uint32_t, a % b)
            SB_BIN(0x71, U32(a & b))
            SB_BIN(0x72, U32(a | b))
            SB_BIN(0x73, U32(a ^ b))
            SB_BIN(0x74, U32(U32(a) << (b & 31)))
            SB_BIN(0x75, U32(I32(a) >> (b & 31)))
            SB_BIN(0x76, U32(a) >> (b & 31))
            SB_BIN(0x77, U32((U32(a) << (b & 31)) | (U32(a) >> ((32 - (b & 31)) & 31))))
            SB_BIN(0x78, U32((U32(a) >> (b & 31)) | (U32(a) << ((32 - (b & 31)) & 31))))
            SB_BIN(0x7C, a + b)
            SB_BIN(0x7D, a - b)
            SB_BIN(0x7E, a * b)
            SB_DIV(0x80, uint64_t, a / b)
            SB_DIV(0x82, uint64_t, a % b)
            SB_BIN(0x83, a & b)
            SB_BIN(0x84, a | b)
            SB_BIN(0x85, a ^ b)
            SB_BIN(0x86, a << (b & 63))
            SB_BIN(0x87, I64(a) >> (b & 63))
            SB_BIN(0x88, a >> (b & 63))
            SB_BIN(0x89, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
            SB_BIN(0x8A, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))
            SB_BIN(0x92, sb_bf32(sb_f32(a) + sb_f32(b)))
            SB_BIN(0x93, sb_bf32(sb_f32(a) - sb_f32(b)))
            SB_BIN(0x94, sb_bf32(sb_f32(a) * sb_f32(b)))
            SB_BIN(0x95, sb_bf32(sb_f32(a) / sb_f32(b)))
            SB_UN(0x99, a & 0x7FFFFFFFFFFFFFFFull)
            SB_UN(0x9A, a ^ 0x8000000000000000ull)
            SB_UN(0x9F, sb_bf64(sqrt(sb_f64(a))))
            SB_BIN(0xA0, sb_bf64(sb_f64(a) + sb_f64(b)))
            SB_BIN(0xA1, sb_bf64(sb_f64(a) - sb_f64(b)))
            SB_BIN(0xA2, sb_bf64(sb_f64(a) * sb_f64(b)))
            SB_BIN(0xA3, sb_bf64(sb_f64(a) / sb_f64(b)))
            SB_UN(0xA7, U32(a))
            SB_UN(0xAC, (uint64_t)(int64_t)I32(a))
            SB_UN(0xAD, U32(a))
            SB_UN(0xB7, sb_bf64((double)I32(a)))
            SB_UN(0xB8, sb_bf64((double)U32(a)))
            SB_UN(0xB9, sb_bf64((double)I64(a)))
            SB_UN(0xBA, sb_bf64((double)a))
            SB_UN(0xBB, sb_bf64((double)sb_f32(a)))
            SB_UN(0xB6, sb_bf32((float)sb_f64(a)))
            SB_UN(0xBC, a)
            SB_UN(0xBD, a)
            SB_UN(0xBE, a)
            SB_UN(0xBF, a)
            SB_UN(0xC0, U32(I32((int8_t)a)))
            SB_UN(0xC1, U32(I32((int16_t)a)))
        default:
            *err = -1;
            return 0;
        }
    }
}

/* Call the exported kernel `name` with one i32 argument. */
static uint64_t sb_invoke(sb_module *m, const char *name, int32_t arg, int *err) {
    for (uint32_t i = 0; i < m->nexports; i++)
        if (!strcmp(m->exports[i].name, name)) {
            uint64_t a = (uint32_t)arg;
            *err = 0;
            return sb_call(m, m->exports[i].index, &a, err);
        }
    *err = -1;
    return 0;
}

/* A kernel's raw result as the checksum bench_wasm prints. */
static double sb_result(const char *k, uint64_t r) {
    if (!strcmp(k, "matmul")) return sb_f64(r);
    if (!strcmp(k, "sha256") || !strcmp(k, "coremark")) return (double)(uint32_t)r;
    return (double)(int32_t)r;
}
