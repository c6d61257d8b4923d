/* The baseline JIT: validated function bodies compiled once, at module load,
 * into x86-64 machine code; a single pass over the bytecode, no IR.
 *
 * Model. Compiled code keeps the interpreter's frame layout: a function's
 * locals then its operand stack live in 8-byte slots on the instance's value
 * stack (rbx points at the frame), arguments are the caller's top slots and
 * results replace them. So the two tiers call each other freely and a trap
 * or a limit means the same thing in both. What the compiler adds is a
 * *virtual* operand stack: an entry is a constant, a not-yet-read local, a
 * register, or its slot; operations take their operands where they are (an
 * ALU operation reads a local straight from memory, a constant becomes an
 * immediate) and leave results in registers. At every control-flow join
 * (block boundaries, branches, calls) the entries are written back to their
 * slots, so a join never has to reconcile two register assignments: this is
 * what keeps a one-pass compiler simple, and loops still run in registers
 * within their bodies, where the time goes.
 *
 * Registers: rbx frame, r12 the per-entry context (jctx), r13 the memory's
 * base and r14 its size (bounds checks are `lea; cmp; ja` before each
 * access), r15 the fuel budget (one unit per function entry and loop
 * iteration, exactly as the interpreter charges). rax, rcx, rdx, rsi, rdi
 * and r8-r10 hold operand-stack entries, xmm0-7 floats; r11 is scratch.
 *
 * Stacks. wasm calls within the module (direct, and indirect ones that land
 * in it) are machine calls on a stack of the instance's own (beside its value
 * stack, under a guard page), so wasm recursion never grows the C stack of
 * the thread or coroutine that runs it, and its depth is bounded by the same
 * call-depth counter the interpreter uses. Calls into C (a host function, an
 * other instance's export, the fuel refill, memory.grow) switch back to the C
 * stack first. A trap anywhere jumps to the entry trampoline's exit, which
 * restores the C stack: no unwinding.
 *
 * Coverage is per module, all or nothing: a module is compiled when every
 * instruction of every function is one the JIT emits, which is everything but
 * SIMD, the table instructions and the bulk memory ones other than
 * memory.copy and memory.fill (and rounding or popcnt on CPUs without SSE4.1
 * / POPCNT). The rarer numeric operations (float min/max, float-to-integer
 * truncations, u64-to-float) are calls to C. Otherwise the whole
 * module is interpreted, as is any module loaded with `limits.jit = 0`. Mixing
 * tiers within a module would make a recursion that crosses them nest on the
 * C stack, which neither tier alone ever does.
 */
#include "jit.h"
#include <stddef.h>
#include <stdlib.h>
#include "reader.h"

#if defined(__x86_64__) && defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#include "fminmax.h"
#include "ops.h"
#include "x64.h"

/* The context of one entry into compiled code (on the C stack of the entry). */
typedef struct jctx {
    cx_wasm_instance *inst;
    uint64_t *stack_end; /* of the value stack */
    void *c_rsp;         /* the C stack, for calls into C */
    void *jit_rsp;       /* the machine stack at the last call into C */
    int64_t budget;
    uint32_t depth, max_depth;
    cx_wasm_memory *mem;
    const void *exit; /* the trampoline's exit: eax holds a trap kind */
    cx_wasm_global **globals;
    const void *target; /* call_indirect: the compiled function to call, or NULL */
} jctx;

#define CTX(field) X_M(R12, (int32_t)offsetof(jctx, field))

typedef int (*tramp_fn)(jctx *x, uint64_t *fp, const void *fn, void *jit_sp);

/* ---- the slow paths, called from compiled code ---- */

static int jit_refill(jctx *x) {
    int k = 0;
    x->budget = cx_wasm_refill(x->inst, &k);
    return k;
}

static int jit_memory_grow(jctx *x, uint64_t *slot) {
    cx_wasm_instance *I = x->inst;
    *slot = (uint32_t)cx_wasm_memory_grow_pages(I->mem, (uint32_t)*slot, I->lim.max_memory_pages);
    return 0;
}

/* Bulk operations take fuel by size, as the interpreter's CHARGE_BULK. */
static int charge(jctx *x, uint64_t units) {
    x->budget -= (int64_t)units;
    while (x->budget <= 0) {
        int k = 0;
        int64_t more = cx_wasm_refill(x->inst, &k);
        if (k) return k;
        x->budget += more;
    }
    return 0;
}

/* memory.copy and memory.fill: a[0] destination, a[1] source or value, a[2] length */
static int jit_memory_copy(jctx *x, uint64_t *a) {
    cx_wasm_memory *m = x->inst->mem;
    uint32_t d = (uint32_t)a[0], s = (uint32_t)a[1], n = (uint32_t)a[2];
    if ((uint64_t)s + n > m->size || (uint64_t)d + n > m->size) return CX_WASM_TRAP_MEMORY_OOB;
    int k = charge(x, n >> 10);
    if (!k && n) memmove(m->data + d, m->data + s, n);
    return k;
}
static int jit_memory_fill(jctx *x, uint64_t *a) {
    cx_wasm_memory *m = x->inst->mem;
    uint32_t d = (uint32_t)a[0], n = (uint32_t)a[2];
    if ((uint64_t)d + n > m->size) return CX_WASM_TRAP_MEMORY_OOB;
    int k = charge(x, n >> 10);
    if (!k && n) memset(m->data + d, (int)(a[1] & 0xFF), n);
    return k;
}

/* Float to integer, k as in 0xFC 0..7 (i32/i64 result, f32/f64 source,
 * signed/unsigned); trapping or saturating. A float promotes exactly to
 * double, so one set of bounds serves both sources: valid inputs are those
 * whose truncation fits. */
static int float_to_int(unsigned k, bool sat, uint64_t *v) {
    bool wide = k & 4, dbl = k & 2, sgn = !(k & 1);
    double x = dbl ? F64(*v) : (double)F32(*v);
    double hi = wide ? (sgn ? 9223372036854775808.0 : 18446744073709551616.0)
                     : (sgn ? 2147483648.0 : 4294967296.0);
    bool lo_ok = !sgn ? x > -1.0 : wide ? x >= -9223372036854775808.0 : x > -2147483649.0;
    if (x != x) {
        *v = 0;
        return sat ? 0 : CX_WASM_TRAP_INVALID_CONVERSION;
    }
    if (lo_ok && x < hi) {
        if (wide)
            *v = sgn ? (uint64_t)(int64_t)x : (uint64_t)x;
        else
            *v = sgn ? (uint32_t)(int32_t)x : (uint32_t)x;
        return 0;
    }
    if (!sat) return CX_WASM_TRAP_INT_OVERFLOW;
    if (!lo_ok)
        *v = !sgn ? 0 : wide ? (uint64_t)INT64_MIN : (uint32_t)INT32_MIN;
    else
        *v = !sgn ? (wide ? UINT64_MAX : UINT32_MAX) : wide ? (uint64_t)INT64_MAX : INT32_MAX;
    return 0;
}

/* The numeric operations compiled as calls: float min/max (the NaN and
 * signed-zero rules of fminmax.h), truncations, u64-to-float conversions.
 * op: the opcode, or 0x100 + n for 0xFC n. top: the operand stack's top slot. */
static int jit_numeric(jctx *x, uint64_t op, uint64_t *top) {
    (void)x;
    switch (op) {
    case 0x96:
        top[-1] = BF32(min32(F32(top[-1]), F32(top[0])));
        return 0;
    case 0x97:
        top[-1] = BF32(max32(F32(top[-1]), F32(top[0])));
        return 0;
    case 0xA4:
        top[-1] = BF64(min64(F64(top[-1]), F64(top[0])));
        return 0;
    case 0xA5:
        top[-1] = BF64(max64(F64(top[-1]), F64(top[0])));
        return 0;
    case 0xB5:
        top[0] = BF32((float)top[0]);
        return 0;
    case 0xBA:
        top[0] = BF64((double)top[0]);
        return 0;
    default:
        if (op >= 0x100) return float_to_int((unsigned)(op - 0x100), true, top);
        return float_to_int((unsigned)(op < 0xAE ? op - 0xA8 : op - 0xAE + 4), false, top);
    }
}

/* A function outside this instance's compiled code (a host function, an
 * export of another instance), arguments at args, results replacing them:
 * the interpreter's nested entry, on the C stack. Such calls are the only
 * way compiled code nests on the C stack, hence their own bound. A host
 * function that calls back into this instance enters compiled code again
 * below the current machine stack (jit_sp). */
static int call_out(jctx *x, cx_wasm_func *f, uint64_t *args) {
    cx_wasm_instance *I = x->inst;
    if (I->nest >= CX_WASM_MAX_NEST) return CX_WASM_TRAP_STACK_EXHAUSTED;
    void *sp0 = I->jit_sp;
    I->jit_sp = x->jit_rsp;
    I->nest++;
    int k = cx_wasm_call_nested(I, f, args, x->depth);
    I->nest--;
    I->jit_sp = sp0;
    return k;
}

static int jit_call(jctx *x, uint64_t fi, uint64_t *args) {
    return call_out(x, x->inst->fptr[fi], args);
}

/* tt: the table index << 32 | the type index */
static int jit_call_indirect(jctx *x, uint64_t tt, uint64_t i, uint64_t *args) {
    cx_wasm_instance *I = x->inst;
    cx_wasm_table *t = I->tables[tt >> 32];
    uint32_t type = (uint32_t)tt;
    if ((uint32_t)i >= t->size) return CX_WASM_TRAP_TABLE_OOB;
    cx_wasm_func *f = t->elems[(uint32_t)i];
    if (!f) return CX_WASM_TRAP_UNINIT_ELEMENT;
    if (!functype_eq(f->type, &I->mod->types[type])) return CX_WASM_TRAP_INDIRECT_TYPE;
    if (!f->host && f->inst == I) { /* compiled code of this module: the caller calls it */
        x->target = f->code->jit;
        return 0;
    }
    x->target = NULL;
    return call_out(x, f, args);
}

/* ---- which functions the JIT compiles ---- */

enum { T_I32 = 0x7F, T_I64 = 0x7E, T_F32 = 0x7D, T_F64 = 0x7C };

typedef struct cpu {
    bool sse41, popcnt;
} cpu;

static bool type_ok(const functype *ft) {
    for (uint32_t i = 0; i < ft->nparams + ft->nresults; i++)
        if (ft->types[i] == CX_WASM_V128) return false;
    return true;
}

/* Skip a block type; false for one the JIT does not take (v128). */
static bool skip_blocktype(const cx_wasm_module *m, reader *r) {
    uint8_t b = *r->p;
    if (b == 0x7B) return false;
    if (b == 0x40 || b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x70 || b == 0x6F) {
        r->p++;
        return true;
    }
    int64_t idx;
    return rd_sleb(r, 33, &idx) == 0 && type_ok(&m->types[idx]);
}

static bool numeric_ok(uint8_t op, const cpu *cpu) {
    if (op == 0x69 || op == 0x7B) return cpu->popcnt;
    if ((op >= 0x8D && op <= 0x90) || (op >= 0x9B && op <= 0x9E)) return cpu->sse41;
    return op >= 0x45 && op <= 0xC4;
}

/* Step over the immediates of op (the body is valid); false for an
 * instruction the JIT does not compile. */
static bool skip_op(const cx_wasm_module *m, reader *r, uint8_t op, const cpu *cpu) {
    uint32_t a, b;
    int64_t s;
    const uint8_t *q;
    switch (op) {
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0B:
    case 0x0F:
    case 0x1A:
    case 0x1B:
        return true;
    case 0x02:
    case 0x03:
    case 0x04:
        return skip_blocktype(m, r);
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x21:
    case 0x22:
        return rd_u32(r, &a) == 0;
    case 0x23:
    case 0x24:
        return rd_u32(r, &a) == 0 && m->globals[a].type != CX_WASM_V128;
    case 0x0E:
        if (rd_u32(r, &a)) return false;
        for (uint64_t i = 0; i <= a; i++)
            if (rd_u32(r, &b)) return false;
        return true;
    case 0x10:
        return rd_u32(r, &a) == 0 && type_ok(&m->types[m->func_type[a]]);
    case 0x11:
        return rd_u32(r, &a) == 0 && rd_u32(r, &b) == 0 && type_ok(&m->types[a]);
    case 0x1C:
        return rd_u32(r, &a) == 0 && a == 1 && rd_u32(r, &b) == 0 && b != CX_WASM_V128;
    case 0x3F:
    case 0x40:
    case 0xD2:
        return rd_u32(r, &a) == 0;
    case 0xD0:
        return rd_bytes(r, 1, &q) == 0;
    case 0xD1:
        return true;
    case 0xFC: /* the saturating truncations, memory.copy and memory.fill */
        if (rd_u32(r, &a)) return false;
        if (a <= 7) return true;
        if (a == 10) return rd_bytes(r, 2, &q) == 0;
        if (a == 11) return rd_bytes(r, 1, &q) == 0;
        return false;
    case 0x41:
        return rd_sleb(r, 32, &s) == 0;
    case 0x42:
        return rd_sleb(r, 64, &s) == 0;
    case 0x43:
        return rd_bytes(r, 4, &q) == 0;
    case 0x44:
        return rd_bytes(r, 8, &q) == 0;
    default:
        if (op >= 0x28 && op <= 0x3E) return rd_u32(r, &a) == 0 && rd_u32(r, &b) == 0;
        return numeric_ok(op, cpu);
    }
}

static bool supported(const cx_wasm_module *m, uint32_t def, const cpu *cpu) {
    const code *c = &m->codes[def];
    if (c->var_slot || !type_ok(&m->types[m->func_type[m->nfunc_imports + def]]))
        return false; /* a v128 local, parameter or result */
    for (uint32_t i = 0; i < c->nlocals; i++)
        if (c->local_types[i] == CX_WASM_V128) return false;
    reader r = {c->body, c->body + c->body_len, NULL};
    while (r.p < r.end)
        if (!skip_op(m, &r, *r.p++, cpu)) return false;
    return true;
}

/* ---- compiler state ---- */

/* Where a virtual operand-stack entry's value is. */
enum { K_SLOT, K_GPR, K_XMM, K_CONST, K_LOCAL, K_CC };

typedef struct ent {
    uint8_t kind, type;
    uint8_t reg; /* K_GPR, K_XMM */
    uint8_t cc;  /* K_CC: the condition under which the value is 1 */
    uint32_t local;
    uint64_t val; /* K_CONST: bits, zero-extended for 32-bit types */
} ent;

typedef struct lbl {
    uint8_t kind; /* 0x02 block (and the function), 0x03 loop, 0x04 if */
    bool has_else;
    uint32_t height; /* entries below the block's parameters */
    uint32_t nparams, nresults;
    const uint8_t *ptypes, *rtypes;
    size_t loop_at;  /* loop: its header */
    size_t else_fix; /* if: the jump to the else arm (SIZE_MAX: none) */
    size_t *fix;     /* forward branches to the end */
    uint32_t nfix, capfix;
} lbl;

typedef struct pair {
    size_t at, to; /* a rel32 and what it targets (a def index, a trap kind, a resume point) */
} pair;

typedef struct jmod {
    cx_wasm_module *m;
    cpu cpu;
    xbuf b;
    size_t *entry; /* per defined function: its offset in b */
    pair *calls;   /* direct calls: rel32, callee def index */
    uint32_t ncalls, capcalls;
    bool oom;
} jmod;

typedef struct jfn {
    jmod *jm;
    const cx_wasm_module *m;
    const code *c;
    xbuf *b;
    reader r;
    ent *st;
    uint32_t n, cap, maxn;
    uint32_t lazy_lo;           /* no K_LOCAL entry below this */
    uint32_t dirty_lo;          /* every entry below this is in its slot */
    int32_t gown[16], xown[16]; /* entry owning a register, -1 none */
    uint32_t reserved;          /* registers galloc must not hand out */
    lbl *ls;
    uint32_t nl, capl;
    bool dead;           /* the code being read is unreachable */
    uint32_t dead_depth; /* blocks opened in it */
    pair *traps;         /* rel32 to a trap stub: kind (TRAP_EAX: kind in eax) */
    uint32_t ntraps, captraps;
    pair *fuels; /* jle to the refill stub, where to resume */
    uint32_t nfuels, capfuels;
    uint32_t pinned[11]; /* the pinned locals */
    int8_t pinreg[11];   /* and their registers (PIN_X + n: xmm n) */
    uint32_t npinned;
    uint32_t pinmask; /* general registers taken by pinned locals */
} jfn;

/* Locals used in loops live in registers for the whole function: up to four
 * integers in rbp, r8, r9, r10 (which leave the operand pool) and seven
 * floats in xmm8-14. They go to their slots around calls. */
#define PIN_X 16
static const int pin_gpr[] = {RBP, R8, R9, R10};

#define TRAP_EAX 0xFF

static const int gpool[] = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10};
#define NGPOOL 8
#define NXPOOL 8

static void add_pair(jfn *J, pair **arr, uint32_t *n, uint32_t *cap, size_t at, size_t to) {
    if (!cx_wasm_grow((void **)arr, cap, *n + 1, sizeof **arr)) {
        J->jm->oom = true;
        return;
    }
    (*arr)[(*n)++] = (pair){at, to};
}

static void trap_jcc(jfn *J, int cc, int kind) {
    size_t at = x_jcc(J->b, cc);
    add_pair(J, &J->traps, &J->ntraps, &J->captraps, at, (size_t)kind);
}
static void trap_jmp(jfn *J, int kind) {
    size_t at = x_jmp(J->b);
    add_pair(J, &J->traps, &J->ntraps, &J->captraps, at, (size_t)kind);
}

static bool is64(uint8_t t) {
    return t != T_I32 && t != T_F32;
}
static bool isfloat(uint8_t t) {
    return t == T_F32 || t == T_F64;
}
static xmem HOME(jfn *J, uint32_t i) {
    return X_M(RBX, (int32_t)(8 * ((uint64_t)J->c->nlocals + i)));
}
static xmem LOC(uint32_t l) {
    return X_M(RBX, (int32_t)(8 * (uint64_t)l));
}
static int pin_of(jfn *J, uint32_t l) {
    for (uint32_t k = 0; k < J->npinned; k++)
        if (J->pinned[k] == l) return J->pinreg[k];
    return -1;
}

static void pins_save(jfn *J) {
    for (uint32_t k = 0; k < J->npinned; k++) {
        uint32_t l = J->pinned[k];
        int p = J->pinreg[k];
        if (p >= PIN_X)
            x_sse_store(J->b, true, LOC(l), p - PIN_X);
        else
            x_store(J->b, true, LOC(l), p);
    }
}
static void pins_load(jfn *J) {
    for (uint32_t k = 0; k < J->npinned; k++) {
        uint32_t l = J->pinned[k];
        int p = J->pinreg[k];
        if (p >= PIN_X)
            x_sse_rm(J->b, true, SSE_LOAD, p - PIN_X, LOC(l));
        else
            x_load(J->b, J->c->local_types[l] != T_I32, p, LOC(l));
    }
}

/* ---- the virtual stack ---- */

static ent *push(jfn *J, uint8_t kind, uint8_t type) {
    if (!cx_wasm_grow((void **)&J->st, &J->cap, J->n + 1, sizeof *J->st)) {
        J->jm->oom = true;
        J->n = 0; /* keep going on entry 0; the result is discarded */
    }
    ent *e = &J->st[J->n];
    *e = (ent){.kind = kind, .type = type};
    if (kind != K_SLOT && J->n < J->dirty_lo) J->dirty_lo = J->n;
    J->n++;
    if (J->n > J->maxn) J->maxn = J->n;
    return e;
}

static void release(jfn *J, ent *e) {
    if (e->kind == K_GPR) J->gown[e->reg] = -1;
    if (e->kind == K_XMM) J->xown[e->reg] = -1;
}

static void pop(jfn *J) {
    if (J->n == 0) return;
    release(J, &J->st[--J->n]);
    if (J->lazy_lo > J->n) J->lazy_lo = J->n;
    if (J->dirty_lo > J->n) J->dirty_lo = J->n;
}

static void set_gpr(jfn *J, uint32_t i, int r) {
    J->st[i].kind = K_GPR;
    J->st[i].reg = (uint8_t)r;
    J->gown[r] = (int32_t)i;
    if (i < J->dirty_lo) J->dirty_lo = i;
}
static void set_xmm(jfn *J, uint32_t i, int x) {
    J->st[i].kind = K_XMM;
    J->st[i].reg = (uint8_t)x;
    J->xown[x] = (int32_t)i;
    if (i < J->dirty_lo) J->dirty_lo = i;
}

/* Materialise a pending comparison as 0/1 in r. */
static void cc_to(jfn *J, int cc, int r) {
    x_setcc(J->b, cc, r);
    x_movzx8_rr(J->b, r, r);
}

/* Write entry i's value to dst (a slot or a local). Uses r11. */
static void store_to(jfn *J, uint32_t i, xmem dst) {
    ent *e = &J->st[i];
    xbuf *b = J->b;
    switch (e->kind) {
    case K_GPR:
        x_store(b, true, dst, e->reg);
        break;
    case K_XMM:
        if (is64(e->type)) {
            x_sse_store(b, true, dst, e->reg);
        } else {
            x_movq_rx(b, false, R11, e->reg);
            x_store(b, true, dst, R11);
        }
        break;
    case K_CONST:
        if ((int64_t)e->val == (int32_t)e->val) {
            x_store_imm32(b, true, dst, (int32_t)e->val);
        } else {
            x_mov_ri(b, R11, e->val);
            x_store(b, true, dst, R11);
        }
        break;
    case K_LOCAL: {
        int p = pin_of(J, e->local);
        if (p >= PIN_X && is64(e->type)) {
            x_sse_store(b, true, dst, p - PIN_X);
        } else if (p >= PIN_X) {
            x_movq_rx(b, false, R11, p - PIN_X);
            x_store(b, true, dst, R11);
        } else if (p >= 0) {
            x_store(b, true, dst, p);
        } else if (LOC(e->local).disp != dst.disp) {
            x_load(b, true, R11, LOC(e->local));
            x_store(b, true, dst, R11);
        }
        break;
    }
    case K_SLOT:
        if (HOME(J, i).disp == dst.disp) break;
        x_load(b, true, R11, HOME(J, i));
        x_store(b, true, dst, R11);
        break;
    case K_CC:
        cc_to(J, e->cc, R11);
        x_store(b, true, dst, R11);
        break;
    }
}

static void spill(jfn *J, uint32_t i) {
    store_to(J, i, HOME(J, i));
    release(J, &J->st[i]);
    J->st[i].kind = K_SLOT;
}

/* Every entry to its slot: the state at any control-flow join. Only moves,
 * so the flags of a pending comparison survive it. */
static void flush(jfn *J) {
    for (uint32_t i = J->dirty_lo; i < J->n; i++)
        if (J->st[i].kind != K_SLOT) spill(J, i);
    J->dirty_lo = J->n;
    J->lazy_lo = J->n;
}

/* A free register of the pool, spilling the deepest owner when none is. */
static int galloc(jfn *J) {
    int victim = -1;
    for (int k = 0; k < NGPOOL; k++) {
        int r = gpool[k];
        if ((J->reserved | J->pinmask) & (1u << r)) continue;
        if (J->gown[r] < 0) return r;
        if (victim < 0 || J->gown[r] < J->gown[victim]) victim = r;
    }
    spill(J, (uint32_t)J->gown[victim]);
    return victim;
}
static int xalloc(jfn *J) {
    int victim = -1;
    for (int x = 0; x < NXPOOL; x++) {
        if (J->xown[x] < 0) return x;
        if (victim < 0 || J->xown[x] < J->xown[victim]) victim = x;
    }
    spill(J, (uint32_t)J->xown[victim]);
    return victim;
}

/* Load entry i's value into register r (free), as a general register. */
static void load_gpr(jfn *J, uint32_t i, int r) {
    ent *e = &J->st[i];
    xbuf *b = J->b;
    bool w = is64(e->type);
    switch (e->kind) {
    case K_GPR:
        if (e->reg != r) x_mov_rr(b, true, r, e->reg);
        break;
    case K_XMM:
        x_movq_rx(b, w, r, e->reg);
        break;
    case K_CONST:
        x_mov_ri(b, r, e->val);
        break;
    case K_LOCAL: {
        int p = pin_of(J, e->local);
        if (p >= PIN_X)
            x_movq_rx(b, w, r, p - PIN_X);
        else if (p >= 0)
            x_mov_rr(b, w, r, p);
        else
            x_load(b, w, r, LOC(e->local));
        break;
    }
    case K_SLOT:
        x_load(b, w, r, HOME(J, i));
        break;
    case K_CC:
        cc_to(J, e->cc, r);
        break;
    }
    release(J, e);
    set_gpr(J, i, r);
}

/* Entry i in a general register (its own, which the caller may clobber). */
static int use_gpr(jfn *J, uint32_t i) {
    if (J->st[i].kind == K_GPR) return J->st[i].reg;
    int r = galloc(J);
    load_gpr(J, i, r);
    return r;
}

/* Entry i in a specific register r: its owner (if another) goes to its slot. */
static void use_gpr_in(jfn *J, uint32_t i, int r) {
    ent *e = &J->st[i];
    if (e->kind == K_GPR && e->reg == r) return;
    if (J->gown[r] >= 0) spill(J, (uint32_t)J->gown[r]);
    load_gpr(J, i, r);
}

static int use_xmm(jfn *J, uint32_t i) {
    ent *e = &J->st[i];
    if (e->kind == K_XMM) return e->reg;
    xbuf *b = J->b;
    bool dbl = is64(e->type);
    int x = xalloc(J);
    switch (e->kind) {
    case K_GPR:
        x_movq_xr(b, dbl, x, e->reg);
        break;
    case K_CONST:
        x_mov_ri(b, R11, e->val);
        x_movq_xr(b, dbl, x, R11);
        break;
    case K_LOCAL: {
        int p = pin_of(J, e->local);
        if (p >= PIN_X)
            x_movaps(b, x, p - PIN_X);
        else if (p >= 0)
            x_movq_xr(b, dbl, x, p);
        else
            x_sse_rm(b, dbl, SSE_LOAD, x, LOC(e->local));
        break;
    }
    case K_SLOT:
        x_sse_rm(b, dbl, SSE_LOAD, x, HOME(J, i));
        break;
    default:
        break;
    }
    release(J, e);
    set_xmm(J, i, x);
    return x;
}

/* Entry i as a memory operand, if it is one (a slot or a local). */
static bool as_mem(jfn *J, uint32_t i, xmem *m) {
    ent *e = &J->st[i];
    if (e->kind == K_SLOT)
        *m = HOME(J, i);
    else if (e->kind == K_LOCAL && pin_of(J, e->local) < 0)
        *m = LOC(e->local);
    else
        return false;
    return true;
}

/* Entry i's register if it reads a pinned local (PIN_X + n: xmm n), else -1. */
static int as_pin(jfn *J, uint32_t i) {
    ent *e = &J->st[i];
    return e->kind == K_LOCAL ? pin_of(J, e->local) : -1;
}

/* Entry i as an immediate for an operation of width w. */
static bool as_imm(jfn *J, uint32_t i, bool w, int32_t *v) {
    ent *e = &J->st[i];
    if (e->kind != K_CONST) return false;
    if (w && (int64_t)e->val != (int32_t)e->val) return false;
    *v = (int32_t)e->val;
    return true;
}

/* Before local l is written: entries still reading it lazily take their value now. */
static void local_written(jfn *J, uint32_t l) {
    for (uint32_t i = J->lazy_lo; i + 1 < J->n; i++)
        if (J->st[i].kind == K_LOCAL && J->st[i].local == l) spill(J, i);
}

/* Swap the top two entries; neither may be K_SLOT (a slot is positional). */
static void swap_top2(jfn *J) {
    uint32_t a = J->n - 2, bi = J->n - 1;
    ent t = J->st[a];
    J->st[a] = J->st[bi];
    J->st[bi] = t;
    for (uint32_t i = a; i <= bi; i++) {
        ent *e = &J->st[i];
        if (e->kind == K_GPR) J->gown[e->reg] = (int32_t)i;
        if (e->kind == K_XMM) J->xown[e->reg] = (int32_t)i;
    }
    if (J->lazy_lo > a) J->lazy_lo = a;
}

static void mem_reload(jfn *J) {
    if (J->m->nmems == 0) return;
    x_load(J->b, true, R11, CTX(mem));
    x_load(J->b, true, R13, X_M(R11, (int32_t)offsetof(cx_wasm_memory, data)));
    x_load(J->b, true, R14, X_M(R11, (int32_t)offsetof(cx_wasm_memory, size)));
}

/* Call C function fn(ctx, rsi, rdx, rcx) on the C stack; the argument
 * registers (never pinned) are set by the caller and the virtual stack is
 * flushed. A non-zero return is a trap kind. */
static void call_c(jfn *J, const void *fn, bool reload_mem) {
    xbuf *b = J->b;
    pins_save(J);
    x_store(b, true, CTX(budget), R15);
    x_mov_rr(b, true, RDI, R12);
    x_store(b, true, CTX(jit_rsp), RSP);
    x_load(b, true, RSP, CTX(c_rsp));
    x_mov_ri(b, RAX, (uint64_t)(uintptr_t)fn);
    x_call_r(b, RAX);
    x_load(b, true, RSP, CTX(jit_rsp));
    x_load(b, true, R15, CTX(budget));
    pins_load(J);
    if (reload_mem) mem_reload(J);
    x_test_rr(b, false, RAX, RAX);
    trap_jcc(J, CC_NE, TRAP_EAX);
}

/* One unit of fuel: at function entry and at each loop header. */
static void fuel(jfn *J) {
    x_alu_ri(J->b, ALU_SUB, true, R15, 1);
    size_t at = x_jcc(J->b, CC_LE);
    add_pair(J, &J->fuels, &J->nfuels, &J->capfuels, at, J->b->len);
}

/* ---- control flow ---- */

static const uint8_t one_type[256] = {
    [0x7F] = 0x7F, [0x7E] = 0x7E, [0x7D] = 0x7D, [0x7C] = 0x7C, [0x70] = 0x70, [0x6F] = 0x6F};

static void read_blocktype(jfn *J, uint32_t *np, const uint8_t **pt, uint32_t *nr,
                           const uint8_t **rt) {
    uint8_t b = *J->r.p;
    *np = *nr = 0;
    *pt = *rt = NULL;
    if (b == 0x40) {
        J->r.p++;
    } else if (one_type[b]) {
        J->r.p++;
        *rt = &one_type[b];
        *nr = 1;
    } else {
        int64_t idx = 0;
        (void)rd_sleb(&J->r, 33, &idx);
        const functype *ft = &J->m->types[idx];
        *np = ft->nparams, *pt = ft->types;
        *nr = ft->nresults, *rt = ft->types + ft->nparams;
    }
}

static lbl *push_label(jfn *J, uint8_t kind, uint32_t np, const uint8_t *pt, uint32_t nr,
                       const uint8_t *rt) {
    if (!cx_wasm_grow((void **)&J->ls, &J->capl, J->nl + 1, sizeof *J->ls)) {
        J->jm->oom = true;
        J->nl = 1; /* keep going; the result is discarded */
    }
    lbl *L = &J->ls[J->nl++];
    *L = (lbl){.kind = kind,
               .height = J->n - np,
               .nparams = np,
               .nresults = nr,
               .ptypes = pt,
               .rtypes = rt,
               .loop_at = J->b->len,
               .else_fix = SIZE_MAX};
    return L;
}

static void truncate_to(jfn *J, uint32_t h) {
    while (J->n > h) pop(J);
}

static void copy_slots(jfn *J, xmem from, xmem to, uint32_t k) {
    if (from.disp == to.disp) return;
    for (uint32_t i = 0; i < k; i++) {
        x_load(J->b, true, R11, X_M(RBX, from.disp + (int32_t)(8 * i)));
        x_store(J->b, true, X_M(RBX, to.disp + (int32_t)(8 * i)), R11);
    }
}

static void emit_return(jfn *J) {
    uint32_t nr = J->c->nresults;
    copy_slots(J, HOME(J, J->n - nr), LOC(0), nr);
    x_alu_mi(J->b, ALU_SUB, false, CTX(depth), 1);
    x_ret(J->b);
}

/* Jump to label L from the flushed state, the branch's values on top. */
static void emit_jump(jfn *J, lbl *L) {
    if (L == J->ls) {
        emit_return(J);
        return;
    }
    uint32_t k = L->kind == 0x03 ? L->nparams : L->nresults;
    copy_slots(J, HOME(J, J->n - k), HOME(J, L->height), k);
    size_t at = x_jmp(J->b);
    if (L->kind == 0x03) {
        x_patch32(J->b, at, L->loop_at);
    } else if (cx_wasm_grow((void **)&L->fix, &L->capfix, L->nfix + 1, sizeof *L->fix)) {
        L->fix[L->nfix++] = at;
    } else {
        J->jm->oom = true;
    }
}

/* Pop the condition on top and flush: the condition code under which it is
 * true (flags set by a fused comparison or by a test emitted here). */
static int pop_cond(jfn *J) {
    ent *e = &J->st[J->n - 1];
    if (e->kind == K_CC) {
        int cc = e->cc;
        pop(J);
        flush(J);
        return cc;
    }
    int r = use_gpr(J, J->n - 1);
    pop(J); /* r keeps the value: flush only uses r11 */
    flush(J);
    x_test_rr(J->b, false, r, r);
    return CC_NE;
}

static void br_if(jfn *J, uint32_t depth) {
    int cc = pop_cond(J);
    lbl *L = &J->ls[J->nl - 1 - depth];
    uint32_t k = L->kind == 0x03 ? L->nparams : L->nresults;
    if (L != J->ls && J->n - k == L->height) { /* no values to move: a plain jcc */
        size_t at = x_jcc(J->b, cc);
        if (L->kind == 0x03) {
            x_patch32(J->b, at, L->loop_at);
        } else if (cx_wasm_grow((void **)&L->fix, &L->capfix, L->nfix + 1, sizeof *L->fix)) {
            L->fix[L->nfix++] = at;
        } else {
            J->jm->oom = true;
        }
        return;
    }
    size_t skip = x_jcc(J->b, cc ^ 1);
    emit_jump(J, L);
    x_patch32(J->b, skip, J->b->len);
}

static void br_table(jfn *J) {
    uint32_t nt = 0;
    (void)rd_u32(&J->r, &nt);
    uint32_t *t = malloc(((size_t)nt + 1) * sizeof *t);
    if (!t) {
        J->jm->oom = true;
        return;
    }
    for (uint32_t i = 0; i <= nt; i++) (void)rd_u32(&J->r, &t[i]);
    int r = use_gpr(J, J->n - 1);
    pop(J);
    flush(J);
    xbuf *b = J->b;
    x_mov_ri(b, R11, nt); /* an index past the end takes the default */
    x_alu_rr(b, ALU_CMP, false, r, R11);
    x_cmov(b, CC_A, false, r, R11);
    size_t lea = x_lea_rip(b, R11);
    x_movsxd_load(b, r, X_MX(R11, r, 4, 0));
    x_alu_rr(b, ALU_ADD, true, r, R11);
    x_jmp_r(b, r);
    size_t table = b->len;
    x_patch32(b, lea, table);
    for (uint32_t i = 0; i <= nt; i++) x_u32(b, 0);
    for (uint32_t i = 0; i <= nt; i++) {
        uint32_t rel = (uint32_t)(b->len - table);
        if (!b->oom) memcpy(b->p + table + 4 * (size_t)i, &rel, 4);
        emit_jump(J, &J->ls[J->nl - 1 - t[i]]);
    }
    free(t);
    J->dead = true;
}

static void op_if(jfn *J) {
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    read_blocktype(J, &np, &pt, &nr, &rt);
    int cc = pop_cond(J);
    size_t at = x_jcc(J->b, cc ^ 1);
    lbl *L = push_label(J, 0x04, np, pt, nr, rt);
    L->else_fix = at;
}

static void op_else(jfn *J) {
    lbl *L = &J->ls[J->nl - 1];
    if (!J->dead) {
        flush(J);
        size_t at = x_jmp(J->b);
        if (cx_wasm_grow((void **)&L->fix, &L->capfix, L->nfix + 1, sizeof *L->fix))
            L->fix[L->nfix++] = at;
        else
            J->jm->oom = true;
    }
    truncate_to(J, L->height);
    for (uint32_t i = 0; i < L->nparams; i++) push(J, K_SLOT, L->ptypes[i]);
    x_patch32(J->b, L->else_fix, J->b->len);
    L->else_fix = SIZE_MAX;
    L->has_else = true;
    J->dead = false;
}

static void op_end(jfn *J) {
    lbl *L = &J->ls[J->nl - 1];
    bool reach = !J->dead;
    if (!J->dead) flush(J);
    if (J->nl == 1) { /* the function's end */
        if (reach) emit_return(J);
        J->nl--;
        return;
    }
    if (L->else_fix != SIZE_MAX) { /* an if without else: params pass through */
        x_patch32(J->b, L->else_fix, J->b->len);
        reach = true;
    }
    for (uint32_t i = 0; i < L->nfix; i++) x_patch32(J->b, L->fix[i], J->b->len);
    reach = reach || L->nfix > 0;
    free(L->fix);
    truncate_to(J, L->height);
    for (uint32_t i = 0; i < L->nresults; i++) push(J, K_SLOT, L->rtypes[i]);
    J->nl--;
    J->dead = !reach;
}

/* ---- operations ---- */

/* The top entry becomes a comparison result: left in the flags when a
 * branch consumes it next, else 0/1 in a register. */
static void set_cc(jfn *J, int cc) {
    uint32_t i = J->n - 1;
    ent *e = &J->st[i];
    uint8_t next = J->r.p < J->r.end ? *J->r.p : 0;
    if (next == 0x0D || next == 0x04) {
        release(J, e);
        e->kind = K_CC;
        e->cc = (uint8_t)cc;
        e->type = T_I32;
        if (i < J->dirty_lo) J->dirty_lo = i;
        return;
    }
    int r;
    if (e->kind == K_GPR) {
        r = e->reg;
    } else {
        release(J, e);
        e->kind = K_SLOT; /* owns nothing while a register is found */
        r = galloc(J);    /* (a spill only moves: the flags survive) */
    }
    cc_to(J, cc, r);
    e->type = T_I32;
    set_gpr(J, i, r);
}

/* ra (the left operand's register) op= right operand (top), then pop it. */
static void alu_right(jfn *J, int alu, bool w, int ra) {
    uint32_t ib = J->n - 1;
    int32_t imm;
    xmem m;
    int p = as_pin(J, ib);
    if (as_imm(J, ib, w, &imm))
        x_alu_ri(J->b, alu, w, ra, imm);
    else if (as_mem(J, ib, &m))
        x_alu_rm(J->b, alu, w, ra, m);
    else if (p >= 0 && p < PIN_X)
        x_alu_rr(J->b, alu, w, ra, p);
    else
        x_alu_rr(J->b, alu, w, ra, use_gpr(J, ib));
    pop(J);
}

static void ibin(jfn *J, int alu, bool w, bool commutes) {
    ent *a = &J->st[J->n - 2], *bb = &J->st[J->n - 1];
    if (commutes && (a->kind == K_LOCAL || a->kind == K_CONST) && bb->kind == K_GPR) swap_top2(J);
    int ra = use_gpr(J, J->n - 2);
    alu_right(J, alu, w, ra);
}

static void icmp(jfn *J, bool w, int cc) {
    int ra = use_gpr(J, J->n - 2);
    alu_right(J, ALU_CMP, w, ra);
    set_cc(J, cc);
}

static void imul(jfn *J, bool w) {
    ent *a = &J->st[J->n - 2], *bb = &J->st[J->n - 1];
    if ((a->kind == K_LOCAL || a->kind == K_CONST) && bb->kind == K_GPR) swap_top2(J);
    int ra = use_gpr(J, J->n - 2);
    uint32_t ib = J->n - 1;
    int32_t imm;
    xmem m;
    int p = as_pin(J, ib);
    if (as_imm(J, ib, w, &imm))
        x_imul_rri(J->b, w, ra, ra, imm);
    else if (as_mem(J, ib, &m))
        x_imul_rm(J->b, w, ra, m);
    else if (p >= 0 && p < PIN_X)
        x_imul_rr(J->b, w, ra, p);
    else
        x_imul_rr(J->b, w, ra, use_gpr(J, ib));
    pop(J);
}

static void ishift(jfn *J, int digit, bool w) {
    uint32_t ib = J->n - 1;
    if (J->st[ib].kind == K_CONST) {
        uint8_t k = (uint8_t)(J->st[ib].val & (w ? 63 : 31));
        int ra = use_gpr(J, J->n - 2);
        x_shift_i(J->b, digit, w, ra, k);
        pop(J);
        return;
    }
    use_gpr_in(J, ib, RCX);
    J->reserved |= 1u << RCX;
    int ra = use_gpr(J, J->n - 2);
    J->reserved = 0;
    x_shift_cl(J->b, digit, w, ra);
    pop(J);
}

/* div_s, div_u, rem_s, rem_u: dividend in rax, remainder in rdx. */
static void idiv(jfn *J, bool w, bool is_signed, bool rem) {
    uint32_t ia = J->n - 2, ib = J->n - 1;
    xbuf *b = J->b;
    use_gpr_in(J, ia, RAX);
    if (J->gown[RDX] >= 0) spill(J, (uint32_t)J->gown[RDX]);
    J->reserved |= (1u << RAX) | (1u << RDX);
    int rb = use_gpr(J, ib);
    J->reserved = 0;
    x_test_rr(b, w, rb, rb);
    trap_jcc(J, CC_E, CX_WASM_TRAP_DIV_ZERO);
    size_t done = SIZE_MAX;
    if (is_signed) {
        x_alu_ri(b, ALU_CMP, w, rb, -1);
        size_t normal = x_jcc(b, CC_NE);
        if (rem) { /* x rem -1 is 0 (and idiv would fault on INT_MIN) */
            x_alu_rr(b, ALU_XOR, false, RDX, RDX);
            done = x_jmp(b);
        } else { /* INT_MIN / -1 overflows */
            x_mov_ri(b, R11, w ? (uint64_t)INT64_MIN : (uint32_t)INT32_MIN);
            x_alu_rr(b, ALU_CMP, w, RAX, R11);
            trap_jcc(J, CC_E, CX_WASM_TRAP_INT_OVERFLOW);
        }
        x_patch32(b, normal, b->len);
        x_cdq(b, w);
        x_f7(b, 7, w, rb);
    } else {
        x_alu_rr(b, ALU_XOR, false, RDX, RDX);
        x_f7(b, 6, w, rb);
    }
    if (done != SIZE_MAX) x_patch32(b, done, b->len);
    pop(J);
    if (rem) {
        release(J, &J->st[ia]);
        set_gpr(J, ia, RDX);
    }
}

/* clz, ctz, popcnt */
static void ibits(jfn *J, uint8_t kind, bool w) {
    xbuf *b = J->b;
    int ra = use_gpr(J, J->n - 1);
    if (kind == 0) { /* clz = width-1 - bsr, with bsr(0) taken as -1 */
        x_bitscan(b, 0, "\x0F\xBD", w, ra, ra);
        x_mov_ri(b, R11, w ? UINT64_MAX : UINT32_MAX);
        x_cmov(b, CC_E, w, ra, R11);
        x_f7(b, 3, w, ra);
        x_alu_ri(b, ALU_ADD, w, ra, w ? 63 : 31);
    } else if (kind == 1) {
        x_bitscan(b, 0, "\x0F\xBC", w, ra, ra);
        x_mov_ri(b, R11, w ? 64 : 32);
        x_cmov(b, CC_E, w, ra, R11);
    } else {
        x_bitscan(b, 0xF3, "\x0F\xB8", w, ra, ra);
    }
}

static void fbin(jfn *J, bool dbl, uint8_t sse) {
    int xa = use_xmm(J, J->n - 2);
    uint32_t ib = J->n - 1;
    xmem m;
    int p = as_pin(J, ib);
    if (as_mem(J, ib, &m))
        x_sse_rm(J->b, dbl, sse, xa, m);
    else if (p >= PIN_X)
        x_sse_rr(J->b, dbl, sse, xa, p - PIN_X);
    else
        x_sse_rr(J->b, dbl, sse, xa, use_xmm(J, ib));
    pop(J);
}

/* eq ne lt gt le ge */
static void fcmp(jfn *J, bool dbl, int which) {
    xbuf *b = J->b;
    int xa = use_xmm(J, J->n - 2), xb = use_xmm(J, J->n - 1);
    if (which == 2 || which == 4)
        x_ucomis(b, dbl, xb, xa);
    else
        x_ucomis(b, dbl, xa, xb);
    pop(J);
    if (which >= 2) {
        set_cc(J, which <= 3 ? CC_A : CC_AE);
        return;
    }
    /* equality also needs the parity flag (unordered) */
    ent *e = &J->st[J->n - 1];
    release(J, e);
    e->kind = K_SLOT;
    int r = galloc(J);
    x_setcc(b, which == 0 ? CC_E : CC_NE, r);
    x_setcc(b, which == 0 ? CC_NP : CC_P, R11);
    x_movzx8_rr(b, r, r);
    x_movzx8_rr(b, R11, R11);
    x_alu_rr(b, which == 0 ? ALU_AND : ALU_OR, false, r, R11);
    e->type = T_I32;
    set_gpr(J, J->n - 1, r);
}

/* abs, neg, copysign: sign-bit arithmetic in general registers */
static void fsign(jfn *J, bool dbl, int kind) {
    xbuf *b = J->b;
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000u;
    if (kind == 2) { /* copysign */
        int ra = use_gpr(J, J->n - 2);
        J->reserved |= 1u << ra;
        int rb = use_gpr(J, J->n - 1);
        J->reserved = 0;
        x_mov_ri(b, R11, sign);
        x_alu_rr(b, ALU_AND, dbl, rb, R11);
        x_f7(b, 2, dbl, R11);
        x_alu_rr(b, ALU_AND, dbl, ra, R11);
        x_alu_rr(b, ALU_OR, dbl, ra, rb);
        pop(J);
        return;
    }
    int ra = use_gpr(J, J->n - 1);
    x_mov_ri(b, R11, kind == 0 ? ~sign & (dbl ? UINT64_MAX : UINT32_MAX) : sign);
    x_alu_rr(b, kind == 0 ? ALU_AND : ALU_XOR, dbl, ra, R11);
}

static void retype(jfn *J, uint8_t t) {
    J->st[J->n - 1].type = t;
}

/* An operation done by jit_numeric on the flushed operand slots. */
static void numeric_call(jfn *J, uint32_t op, bool binary, uint8_t result) {
    flush(J);
    x_mov_ri(J->b, RSI, op);
    x_lea(J->b, true, RDX, HOME(J, J->n - 1));
    call_c(J, (const void *)jit_numeric, false);
    if (binary) pop(J);
    retype(J, result);
}

/* memory.copy, memory.fill: d, s or v, n on top of the stack */
static void bulk_call(jfn *J, const void *fn) {
    flush(J);
    x_lea(J->b, true, RSI, HOME(J, J->n - 3));
    call_c(J, fn, false);
    pop(J);
    pop(J);
    pop(J);
}

static void int_to_float(jfn *J, bool dbl, bool src64, bool is_signed) {
    uint32_t i = J->n - 1;
    int ra = use_gpr(J, i);
    int x = xalloc(J);
    x_cvtsi2f(J->b, dbl, src64 || !is_signed, x, ra); /* u32: zero-extended, converted as i64 */
    release(J, &J->st[i]);
    J->st[i].type = dbl ? T_F64 : T_F32;
    set_xmm(J, i, x);
}

/* Bounds-check [addr + off, + size) for the address entry i: the memory
 * operand to access (its index register is the entry's, clobberable). */
static xmem mem_at(jfn *J, uint32_t i, uint32_t off, uint32_t size) {
    xbuf *b = J->b;
    int ra = use_gpr(J, i);
    uint64_t end = (uint64_t)off + size;
    if (end > INT32_MAX) {
        x_mov_ri(b, R11, off);
        x_alu_rr(b, ALU_ADD, true, ra, R11);
        off = 0;
        end = size;
    }
    x_lea(b, true, R11, X_M(ra, (int32_t)end));
    x_alu_rr(b, ALU_CMP, true, R11, R14);
    trap_jcc(J, CC_A, CX_WASM_TRAP_MEMORY_OOB);
    return X_MX(R13, ra, 1, (int32_t)off);
}

/* The loads 0x28..0x35: access size, result type, and the instruction: a
 * plain mov (op NULL) of width w, or a sign/zero-extending one. */
static const struct {
    uint8_t size, type;
    bool w;
    const char *op;
} loads[] = {
    {4, T_I32, false, NULL},       {8, T_I64, true, NULL},        {4, T_F32, false, NULL},
    {8, T_F64, true, NULL},        {1, T_I32, false, "\x0F\xBE"}, {1, T_I32, false, "\x0F\xB6"},
    {2, T_I32, false, "\x0F\xBF"}, {2, T_I32, false, "\x0F\xB7"}, {1, T_I64, true, "\x0F\xBE"},
    {1, T_I64, false, "\x0F\xB6"}, {2, T_I64, true, "\x0F\xBF"},  {2, T_I64, false, "\x0F\xB7"},
    {4, T_I64, true, "\x63"},      {4, T_I64, false, NULL},
};

static void load(jfn *J, uint8_t op, uint32_t off) {
    xbuf *b = J->b;
    uint32_t i = J->n - 1;
    const char *ins = loads[op - 0x28].op;
    xmem m = mem_at(J, i, off, loads[op - 0x28].size);
    int ra = J->st[i].reg;
    J->st[i].type = loads[op - 0x28].type;
    if (op == 0x2A || op == 0x2B) {
        J->reserved |= 1u << ra;
        int x = xalloc(J);
        J->reserved = 0;
        x_sse_rm(b, op == 0x2B, SSE_LOAD, x, m);
        release(J, &J->st[i]);
        set_xmm(J, i, x);
    } else if (ins) {
        x_ins(b, 0, loads[op - 0x28].w, ins, (int)strlen(ins), ra, &m, 0, false);
    } else {
        x_load(b, loads[op - 0x28].w, ra, m);
    }
}

static void store(jfn *J, uint8_t op, uint32_t off) {
    static const uint8_t size[] = {4, 8, 4, 8, 1, 2, 1, 2, 4};
    xbuf *b = J->b;
    uint32_t iv = J->n - 1, ia = J->n - 2;
    uint8_t n = size[op - 0x36];
    ent *v = &J->st[iv];
    bool sse = v->kind == K_XMM && (op == 0x38 || op == 0x39);
    int rv = sse ? v->reg : use_gpr(J, iv);
    J->reserved |= 1u << rv;
    if (sse) J->reserved = 0; /* an xmm: no general register to protect */
    xmem m = mem_at(J, ia, off, n);
    J->reserved = 0;
    if (sse)
        x_sse_store(b, op == 0x39, m, rv);
    else if (n == 1)
        x_store8(b, m, rv);
    else if (n == 2)
        x_store16(b, m, rv);
    else
        x_store(b, n == 8, m, rv);
    pop(J);
    pop(J);
}

static void local_get(jfn *J, uint32_t l) {
    if (J->n - J->lazy_lo > 32) { /* bound the scans of local_written */
        for (uint32_t i = J->lazy_lo; i + 16 < J->n; i++)
            if (J->st[i].kind == K_LOCAL) spill(J, i);
        J->lazy_lo = J->n - 16;
    }
    ent *e = push(J, K_LOCAL, J->c->local_types[l]);
    e->local = l;
}

/* Write entry i's value to pinned register p. */
static void set_pinned(jfn *J, uint32_t i, int p) {
    ent *e = &J->st[i];
    xbuf *b = J->b;
    bool w = is64(e->type);
    int q = e->kind == K_LOCAL ? pin_of(J, e->local) : -1;
    if (p >= PIN_X) {
        int x = p - PIN_X;
        if (e->kind == K_XMM)
            x_movaps(b, x, e->reg);
        else if (e->kind == K_GPR)
            x_movq_xr(b, w, x, e->reg);
        else if (e->kind == K_SLOT)
            x_sse_rm(b, w, SSE_LOAD, x, HOME(J, i));
        else if (q >= PIN_X)
            x_movaps(b, x, q - PIN_X);
        else if (q >= 0)
            x_movq_xr(b, w, x, q);
        else if (e->kind == K_LOCAL)
            x_sse_rm(b, w, SSE_LOAD, x, LOC(e->local));
        else {
            if (e->kind == K_CC)
                cc_to(J, e->cc, R11);
            else
                x_mov_ri(b, R11, e->val);
            x_movq_xr(b, w, x, R11);
        }
        return;
    }
    if (e->kind == K_GPR)
        x_mov_rr(b, true, p, e->reg);
    else if (e->kind == K_XMM)
        x_movq_rx(b, w, p, e->reg);
    else if (e->kind == K_CONST)
        x_mov_ri(b, p, e->val);
    else if (e->kind == K_SLOT)
        x_load(b, w, p, HOME(J, i));
    else if (e->kind == K_CC)
        cc_to(J, e->cc, p);
    else if (q >= PIN_X)
        x_movq_rx(b, w, p, q - PIN_X);
    else if (q >= 0)
        x_mov_rr(b, true, p, q);
    else
        x_load(b, w, p, LOC(e->local));
}

static void local_set(jfn *J, uint32_t l, bool tee) {
    uint32_t i = J->n - 1;
    local_written(J, l);
    if (pin_of(J, l) >= 0)
        set_pinned(J, i, pin_of(J, l));
    else
        store_to(J, i, LOC(l));
    if (!tee) {
        pop(J);
    } else if (J->st[i].kind == K_SLOT || J->st[i].kind == K_LOCAL) {
        J->st[i].kind = K_LOCAL; /* the value is now in local l */
        J->st[i].local = l;
        if (i < J->dirty_lo) J->dirty_lo = i;
        if (i < J->lazy_lo) J->lazy_lo = i;
    }
}

static void global_get(jfn *J, uint32_t g) {
    uint8_t t = J->m->globals[g].type;
    xbuf *b = J->b;
    bool fl = isfloat(t);
    int r = fl ? xalloc(J) : galloc(J); /* before r11 is loaded: a spill uses it */
    x_load(b, true, R11, CTX(globals));
    x_load(b, true, R11, X_M(R11, (int32_t)(8 * g)));
    push(J, K_SLOT, t);
    if (fl) {
        x_sse_rm(b, t == T_F64, SSE_LOAD, r, X_M(R11, 0));
        set_xmm(J, J->n - 1, r);
    } else {
        x_load(b, is64(t), r, X_M(R11, 0));
        set_gpr(J, J->n - 1, r);
    }
}

static void global_set(jfn *J, uint32_t g) {
    int r = use_gpr(J, J->n - 1);
    x_load(J->b, true, R11, CTX(globals));
    x_load(J->b, true, R11, X_M(R11, (int32_t)(8 * g)));
    x_store(J->b, true, X_M(R11, 0), r);
    pop(J);
}

static void select_op(jfn *J) {
    uint32_t ic = J->n - 1, ib = J->n - 2, ia = J->n - 3;
    int rc = use_gpr(J, ic);
    J->reserved |= 1u << rc;
    int ra = use_gpr(J, ia);
    J->reserved |= 1u << ra;
    int rb = use_gpr(J, ib);
    J->reserved = 0;
    x_test_rr(J->b, false, rc, rc);
    x_cmov(J->b, CC_E, true, ra, rb);
    pop(J);
    pop(J);
}

static void call_op(jfn *J, uint32_t fi) {
    const cx_wasm_module *m = J->m;
    const functype *ft = &m->types[m->func_type[fi]];
    flush(J);
    uint32_t base = J->n - ft->nparams;
    xbuf *b = J->b;
    if (fi >= m->nfunc_imports) { /* compiled too: a machine call */
        int32_t delta = HOME(J, base).disp;
        pins_save(J);
        x_lea(b, true, RBX, X_M(RBX, delta));
        size_t at = x_call(b);
        if (cx_wasm_grow((void **)&J->jm->calls, &J->jm->capcalls, J->jm->ncalls + 1,
                         sizeof *J->jm->calls))
            J->jm->calls[J->jm->ncalls++] = (pair){at, fi - m->nfunc_imports};
        else
            J->jm->oom = true;
        x_lea(b, true, RBX, X_M(RBX, -delta));
        pins_load(J);
    } else {
        x_mov_ri(b, RSI, fi);
        x_lea(b, true, RDX, HOME(J, base));
        call_c(J, (const void *)jit_call, true);
    }
    truncate_to(J, base);
    for (uint32_t i = 0; i < ft->nresults; i++) push(J, K_SLOT, ft->types[ft->nparams + i]);
}

static void call_indirect_op(jfn *J, uint32_t ti, uint32_t table) {
    const functype *ft = &J->m->types[ti];
    flush(J);
    uint32_t base = J->n - 1 - ft->nparams;
    xbuf *b = J->b;
    x_mov_ri(b, RSI, (uint64_t)table << 32 | ti);
    x_load(b, false, RDX, HOME(J, J->n - 1));
    x_lea(b, true, RCX, HOME(J, base));
    call_c(J, (const void *)jit_call_indirect, true);
    x_load(b, true, RAX, CTX(target)); /* this module's: a machine call */
    x_test_rr(b, true, RAX, RAX);
    size_t done = x_jcc(b, CC_E);
    int32_t delta = HOME(J, base).disp;
    pins_save(J);
    x_lea(b, true, RBX, X_M(RBX, delta));
    x_call_r(b, RAX);
    x_lea(b, true, RBX, X_M(RBX, -delta));
    pins_load(J);
    x_patch32(b, done, b->len);
    truncate_to(J, base);
    for (uint32_t i = 0; i < ft->nresults; i++) push(J, K_SLOT, ft->types[ft->nparams + i]);
}

static void block_op(jfn *J, uint8_t kind) {
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    read_blocktype(J, &np, &pt, &nr, &rt);
    flush(J);
    push_label(J, kind, np, pt, nr, rt);
    if (kind == 0x03) fuel(J);
}

/* Integer operations 0x67..0x8A (i32 then i64, same order). */
static void int_op(jfn *J, uint8_t k, bool w) {
    static const uint8_t logic[] = {ALU_AND, ALU_OR, ALU_XOR};
    static const uint8_t shift[] = {SH_SHL, SH_SAR, SH_SHR, SH_ROL, SH_ROR};
    if (k <= 2)
        ibits(J, k, w); /* clz ctz popcnt */
    else if (k <= 4)
        ibin(J, k == 3 ? ALU_ADD : ALU_SUB, w, k == 3);
    else if (k == 5)
        imul(J, w);
    else if (k <= 9)
        idiv(J, w, !(k & 1), k >= 8); /* div_s div_u rem_s rem_u */
    else if (k <= 12)
        ibin(J, logic[k - 10], w, true);
    else
        ishift(J, shift[k - 13], w);
}

/* Float operations 0x8B..0xA6 (f32 then f64, same order). */
static void float_op(jfn *J, uint8_t k, bool dbl) {
    static const uint8_t round_mode[] = {2, 1, 3, 0}; /* ceil floor trunc nearest */
    static const uint8_t arith[] = {SSE_ADD, SSE_SUB, SSE_MUL, SSE_DIV};
    if (k <= 1 || k == 13) { /* abs neg copysign */
        fsign(J, dbl, k == 13 ? 2 : k);
    } else if (k <= 6) {
        int x = use_xmm(J, J->n - 1);
        if (k == 6)
            x_sse_rr(J->b, dbl, SSE_SQRT, x, x);
        else
            x_round(J->b, dbl, x, x, (uint8_t)(round_mode[k - 2] | 8));
    } else if (k <= 10) {
        fbin(J, dbl, arith[k - 7]);
    } else { /* min max */
        numeric_call(J, (dbl ? 0x99u : 0x8Bu) + k, true, dbl ? T_F64 : T_F32);
    }
}

static void convert_op(jfn *J, uint8_t op) {
    xbuf *b = J->b;
    uint32_t i = J->n - 1;
    switch (op) {
    case 0xA7: { /* i32.wrap_i64 */
        int r = use_gpr(J, i);
        x_mov_rr(b, false, r, r);
        retype(J, T_I32);
        break;
    }
    case 0xAC: { /* i64.extend_i32_s */
        int r = use_gpr(J, i);
        x_movsxd_rr(b, r, r);
        retype(J, T_I64);
        break;
    }
    case 0xAD: /* i64.extend_i32_u: registers hold i32 zero-extended */
        if (J->st[i].kind != K_CONST) use_gpr(J, i);
        retype(J, T_I64);
        break;
    case 0xA8:
    case 0xA9:
    case 0xAA:
    case 0xAB:
        numeric_call(J, op, false, T_I32);
        break;
    case 0xAE:
    case 0xAF:
    case 0xB0:
    case 0xB1:
        numeric_call(J, op, false, T_I64);
        break;
    case 0xB5:
        numeric_call(J, op, false, T_F32);
        break;
    case 0xBA:
        numeric_call(J, op, false, T_F64);
        break;
    case 0xB2: /* f32/f64.convert_i32_s, _i32_u, _i64_s */
    case 0xB3:
    case 0xB4:
    case 0xB7:
    case 0xB8:
    case 0xB9: {
        unsigned k = op >= 0xB7 ? op - 0xB7u : op - 0xB2u;
        int_to_float(J, op >= 0xB7, k == 2, k != 1);
        break;
    }
    case 0xB6:
    case 0xBB: { /* demote, promote */
        int x = use_xmm(J, i);
        x_sse_rr(b, op == 0xB6, SSE_CVT, x, x);
        retype(J, op == 0xB6 ? T_F32 : T_F64);
        break;
    }
    case 0xBC:
        retype(J, T_I32);
        break; /* reinterpretations: the bits stay */
    case 0xBD:
        retype(J, T_I64);
        break;
    case 0xBE:
        retype(J, T_F32);
        break;
    case 0xBF:
        retype(J, T_F64);
        break;
    case 0xC0:
    case 0xC1:
    case 0xC2:
    case 0xC3: {
        int r = use_gpr(J, i);
        x_movsx_rr(b, op >= 0xC2, (op & 1) ? "\x0F\xBF" : "\x0F\xBE", r, r);
        break;
    }
    case 0xC4: {
        int r = use_gpr(J, i);
        x_movsxd_rr(b, r, r);
        break;
    }
    }
}

static const uint8_t icmp_cc[] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};

static void numeric(jfn *J, uint8_t op) {
    if (op == 0x45 || op == 0x50) {
        int r = use_gpr(J, J->n - 1);
        x_test_rr(J->b, op == 0x50, r, r);
        set_cc(J, CC_E);
    } else if (op <= 0x4F) {
        icmp(J, false, icmp_cc[op - 0x46]);
    } else if (op <= 0x5A) {
        icmp(J, true, icmp_cc[op - 0x51]);
    } else if (op <= 0x60) {
        fcmp(J, false, op - 0x5B);
    } else if (op <= 0x66) {
        fcmp(J, true, op - 0x61);
    } else if (op <= 0x78) {
        int_op(J, op - 0x67, false);
    } else if (op <= 0x8A) {
        int_op(J, op - 0x79, true);
    } else if (op <= 0x98) {
        float_op(J, op - 0x8B, false);
    } else if (op <= 0xA6) {
        float_op(J, op - 0x99, true);
    } else {
        convert_op(J, op);
    }
}

/* ---- one function ---- */

static void body_op(jfn *J, uint8_t op) {
    reader *r = &J->r;
    uint32_t a = 0, b2 = 0;
    int64_t s = 0;
    const uint8_t *q = NULL;
    switch (op) {
    case 0x00:
        trap_jmp(J, CX_WASM_TRAP_UNREACHABLE);
        J->dead = true;
        break;
    case 0x01:
        break;
    case 0x02:
    case 0x03:
        block_op(J, op);
        break;
    case 0x04:
        op_if(J);
        break;
    case 0x05:
        op_else(J);
        break;
    case 0x0B:
        op_end(J);
        break;
    case 0x0C:
        (void)rd_u32(r, &a);
        flush(J);
        emit_jump(J, &J->ls[J->nl - 1 - a]);
        J->dead = true;
        break;
    case 0x0D:
        (void)rd_u32(r, &a);
        br_if(J, a);
        break;
    case 0x0E:
        br_table(J);
        break;
    case 0x0F:
        flush(J);
        emit_return(J);
        J->dead = true;
        break;
    case 0x10:
        (void)rd_u32(r, &a);
        call_op(J, a);
        break;
    case 0x11:
        (void)rd_u32(r, &a);
        (void)rd_u32(r, &b2);
        call_indirect_op(J, a, b2);
        break;
    case 0x1A:
        pop(J);
        break;
    case 0x1C:
        (void)rd_u32(r, &a);
        (void)rd_u32(r, &b2);
        select_op(J);
        break;
    case 0x1B:
        select_op(J);
        break;
    case 0x20:
        (void)rd_u32(r, &a);
        local_get(J, a);
        break;
    case 0x21:
    case 0x22:
        (void)rd_u32(r, &a);
        local_set(J, a, op == 0x22);
        break;
    case 0x23:
        (void)rd_u32(r, &a);
        global_get(J, a);
        break;
    case 0x24:
        (void)rd_u32(r, &a);
        global_set(J, a);
        break;
    case 0x3F: {
        (void)rd_u32(r, &a);
        int g = galloc(J);
        x_mov_rr(J->b, true, g, R14);
        x_shift_i(J->b, SH_SHR, true, g, 16);
        push(J, K_SLOT, T_I32);
        set_gpr(J, J->n - 1, g);
        break;
    }
    case 0x40:
        (void)rd_u32(r, &a);
        flush(J);
        x_lea(J->b, true, RSI, HOME(J, J->n - 1));
        call_c(J, (const void *)jit_memory_grow, true);
        break;
    case 0x41:
        (void)rd_sleb(r, 32, &s);
        push(J, K_CONST, T_I32)->val = (uint32_t)s;
        break;
    case 0x42:
        (void)rd_sleb(r, 64, &s);
        push(J, K_CONST, T_I64)->val = (uint64_t)s;
        break;
    case 0x43: {
        uint32_t v = 0;
        if (rd_bytes(r, 4, &q) == 0) memcpy(&v, q, 4);
        push(J, K_CONST, T_F32)->val = v;
        break;
    }
    case 0x44: {
        uint64_t v = 0;
        if (rd_bytes(r, 8, &q) == 0) memcpy(&v, q, 8);
        push(J, K_CONST, T_F64)->val = v;
        break;
    }
    case 0xD0: /* ref.null */
        if (rd_bytes(r, 1, &q) == 0) push(J, K_CONST, *q)->val = 0;
        break;
    case 0xD1: { /* ref.is_null */
        int g = use_gpr(J, J->n - 1);
        x_test_rr(J->b, true, g, g);
        set_cc(J, CC_E);
        break;
    }
    case 0xD2: { /* ref.func: the instance's function object */
        (void)rd_u32(r, &a);
        int g = galloc(J);
        x_load(J->b, true, g, CTX(inst));
        x_load(J->b, true, g, X_M(g, (int32_t)offsetof(cx_wasm_instance, fptr)));
        x_load(J->b, true, g, X_M(g, (int32_t)(8 * a)));
        push(J, K_SLOT, 0x70);
        set_gpr(J, J->n - 1, g);
        break;
    }
    case 0xFC:
        (void)rd_u32(r, &a);
        if (a <= 7) {
            numeric_call(J, 0x100 + a, false, a < 4 ? T_I32 : T_I64);
        } else {
            (void)rd_bytes(r, a == 10 ? 2 : 1, &q);
            bulk_call(J, a == 10 ? (const void *)jit_memory_copy : (const void *)jit_memory_fill);
        }
        break;
    default:
        if (op >= 0x28 && op <= 0x3E) {
            (void)rd_u32(r, &a);
            (void)rd_u32(r, &b2);
            if (op <= 0x35)
                load(J, op, b2);
            else
                store(J, op, b2);
        } else {
            numeric(J, op);
        }
    }
}

/* Pick the locals to pin: the most used, weighting a use 8x per enclosing
 * loop, among those used in a loop at all and more than four times as often as
 * calls happen (each call stores and reloads every pinned local). */
typedef struct use {
    uint32_t local;
    uint64_t weight;
} use;

static int use_cmp(const void *a, const void *b) {
    const use *x = a, *y = b;
    return x->local < y->local ? -1 : x->local > y->local;
}

/* The uses of locals inside loops, summed per local (sorted by local): the
 * cost is the body's size, whatever the number of locals declared. */
static use *loop_uses(jfn *J, uint32_t *n, uint64_t *calls) {
    const code *c = J->c;
    use *u = NULL;
    uint32_t nu = 0, cap = 0, nopen = 0, loops = 0, l;
    uint8_t *open = malloc(c->body_len + 1u); /* kinds of the open blocks */
    reader r = {c->body, c->body + c->body_len, NULL};
    *calls = 0;
    while (open && r.p < r.end) {
        uint8_t op = *r.p++;
        uint64_t w = 1ull << (3 * (loops < 6 ? loops : 6));
        if (op >= 0x20 && op <= 0x22) {
            if (rd_u32(&r, &l) == 0 && loops && cx_wasm_grow((void **)&u, &cap, nu + 1, sizeof *u))
                u[nu++] = (use){l, w};
            continue;
        }
        if (op == 0x10 || op == 0x11) *calls += w;
        if (op == 0x02 || op == 0x03 || op == 0x04) {
            open[nopen++] = op;
            loops += op == 0x03;
        } else if (op == 0x0B && nopen) {
            loops -= open[--nopen] == 0x03;
        }
        skip_op(J->m, &r, op, &J->jm->cpu);
    }
    free(open);
    if (nu) qsort(u, nu, sizeof *u, use_cmp);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nu; i++) {
        if (k && u[k - 1].local == u[i].local)
            u[k - 1].weight += u[i].weight;
        else
            u[k++] = u[i];
    }
    *n = k;
    return u;
}

/* Pick the locals to pin: the most used, weighting a use 8x per enclosing
 * loop, among those used in a loop at all and more than four times as often
 * as calls happen (each call stores and reloads every pinned local). */
static void choose_pins(jfn *J) {
    uint32_t nu = 0;
    uint64_t calls = 0;
    use *u = loop_uses(J, &nu, &calls);
    for (int fl = 0; fl < 2; fl++) {
        uint32_t cap = fl ? 7 : 4;
        for (uint32_t k = 0; k < cap; k++) {
            use *best = NULL;
            for (uint32_t i = 0; i < nu; i++) {
                uint8_t t = J->c->local_types[u[i].local];
                bool ok = fl ? isfloat(t) : (t == T_I32 || t == T_I64);
                if (ok && u[i].weight > 4 * calls && (!best || u[i].weight > best->weight))
                    best = &u[i];
            }
            if (!best) break;
            J->pinned[J->npinned] = best->local;
            J->pinreg[J->npinned++] = (int8_t)(fl ? PIN_X + 8 + (int)k : pin_gpr[k]);
            if (!fl) J->pinmask |= 1u << pin_gpr[k];
            best->weight = 0; /* taken */
        }
    }
    free(u);
}

static void prologue(jfn *J) {
    xbuf *b = J->b;
    const code *c = J->c;
    x_load(b, false, RAX, CTX(depth)); /* call depth, as the interpreter counts it */
    x_alu_rm(b, ALU_CMP, false, RAX, CTX(max_depth));
    trap_jcc(J, CC_AE, CX_WASM_TRAP_STACK_EXHAUSTED);
    x_alu_ri(b, ALU_ADD, false, RAX, 1);
    x_store(b, false, CTX(depth), RAX);
    x_lea(b, true, R11, HOME(J, c->max_height + 2)); /* value stack room */
    x_alu_rm(b, ALU_CMP, true, R11, CTX(stack_end));
    trap_jcc(J, CC_A, CX_WASM_TRAP_STACK_EXHAUSTED);
    uint32_t z = c->nlocals - c->nparams;
    if (z > 16) {
        x_lea(b, true, RDI, LOC(c->nparams));
        x_mov_ri(b, RCX, z);
        x_alu_rr(b, ALU_XOR, false, RAX, RAX);
        x_rep_stosq(b);
    } else if (z) {
        x_alu_rr(b, ALU_XOR, false, RAX, RAX);
        for (uint32_t l = c->nparams; l < c->nlocals; l++) x_store(b, true, LOC(l), RAX);
    }
    pins_load(J);
    fuel(J);
}

/* The out-of-line paths: fuel refills, then one stub per trap kind. */
static void stubs(jfn *J) {
    xbuf *b = J->b;
    for (uint32_t i = 0; i < J->nfuels; i++) {
        x_patch32(b, J->fuels[i].at, b->len);
        call_c(J, (const void *)jit_refill, false);
        x_patch32(b, x_jmp(b), J->fuels[i].to);
    }
    size_t at[256];
    for (int k = 0; k < 256; k++) at[k] = SIZE_MAX;
    for (uint32_t i = 0; i < J->ntraps; i++) {
        size_t k = J->traps[i].to;
        if (at[k] == SIZE_MAX) {
            at[k] = b->len;
            if (k != TRAP_EAX) x_mov_ri(b, RAX, k);
            x_jmp_m(b, CTX(exit));
        }
        x_patch32(b, J->traps[i].at, at[k]);
    }
}

static void compile_fn(jmod *jm, uint32_t def) {
    const cx_wasm_module *m = jm->m;
    const code *c = &m->codes[def];
    jfn J = {.jm = jm, .m = m, .c = c, .b = &jm->b, .r = {c->body, c->body + c->body_len, NULL}};
    for (int i = 0; i < 16; i++) J.gown[i] = J.xown[i] = -1;
    choose_pins(&J);
    while (jm->b.len & 15) x_byte(&jm->b, 0xCC);
    jm->entry[def] = jm->b.len;
    prologue(&J);
    const functype *ft = &m->types[m->func_type[m->nfunc_imports + def]];
    push_label(&J, 0x02, 0, NULL, ft->nresults, ft->types + ft->nparams);
    while (J.r.p < J.r.end && J.nl > 0 && !jm->oom) {
        uint8_t op = *J.r.p++;
        if (jm->b.len > CX_WASM_JIT_MAX_CODE) jm->oom = true; /* then interpreted */
        if (J.dead) { /* unreachable code: only its block structure matters */
            if (op == 0x02 || op == 0x03 || op == 0x04) {
                skip_op(m, &J.r, op, &jm->cpu);
                J.dead_depth++;
                continue;
            }
            if ((op == 0x0B || op == 0x05) && J.dead_depth) {
                J.dead_depth -= op == 0x0B;
                continue;
            }
            if (op != 0x0B && op != 0x05) {
                skip_op(m, &J.r, op, &jm->cpu);
                continue;
            }
        }
        body_op(&J, op);
    }
    stubs(&J);
    for (uint32_t i = 0; i < J.nl; i++) free(J.ls[i].fix);
    free(J.ls);
    free(J.st);
    free(J.traps);
    free(J.fuels);
}

/* ---- the module ---- */

/* Entry from C: tramp(ctx, fp, fn, jit_sp). Saves the callee-saved
 * registers, switches to the machine stack, calls fn; the exit (also where
 * traps land, eax holding the kind) restores the C stack. */
static size_t emit_trampoline(xbuf *b) {
    static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
    for (int i = 0; i < 6; i++) x_push(b, saved[i]);
    x_alu_ri(b, ALU_SUB, true, RSP, 8); /* 16-byte aligned for calls into C */
    x_mov_rr(b, true, R12, RDI);
    x_mov_rr(b, true, RBX, RSI);
    x_store(b, true, CTX(c_rsp), RSP);
    x_mov_rr(b, true, RSP, RCX);
    x_load(b, true, R15, CTX(budget));
    x_alu_rr(b, ALU_XOR, false, R13, R13);
    x_alu_rr(b, ALU_XOR, false, R14, R14);
    x_load(b, true, R11, CTX(mem));
    x_test_rr(b, true, R11, R11);
    size_t nomem = x_jcc(b, CC_E);
    x_load(b, true, R13, X_M(R11, (int32_t)offsetof(cx_wasm_memory, data)));
    x_load(b, true, R14, X_M(R11, (int32_t)offsetof(cx_wasm_memory, size)));
    x_patch32(b, nomem, b->len);
    x_call_r(b, RDX);
    x_alu_rr(b, ALU_XOR, false, RAX, RAX);
    size_t exit = b->len;
    x_store(b, true, CTX(budget), R15);
    x_load(b, true, RSP, CTX(c_rsp));
    x_alu_ri(b, ALU_ADD, true, RSP, 8);
    for (int i = 5; i >= 0; i--) x_pop(b, saved[i]);
    x_ret(b);
    return exit;
}

static cpu detect_cpu(void) {
    __builtin_cpu_init();
    return (cpu){__builtin_cpu_supports("sse4.1") != 0, __builtin_cpu_supports("popcnt") != 0};
}

void cx_wasm_jit_compile(cx_wasm_module *m) {
    uint32_t ndef = m->nfuncs - m->nfunc_imports, nok = 0;
    if (!m->lim.jit || ndef == 0) return;
    jmod jm = {.m = m, .cpu = detect_cpu()};
    jm.entry = malloc(ndef * sizeof *jm.entry);
    if (!jm.entry) return;
    for (uint32_t i = 0; i < ndef; i++) {
        jm.entry[i] = 0;
        nok += supported(m, i, &jm.cpu);
    }
    bool all = nok == ndef; /* all or nothing: see the comment at the top */
    size_t exit = all ? emit_trampoline(&jm.b) : 0;
    for (uint32_t i = 0; i < ndef && all && !jm.oom && !jm.b.oom; i++) compile_fn(&jm, i);
    for (uint32_t i = 0; i < jm.ncalls; i++)
        x_patch32(&jm.b, jm.calls[i].at, jm.entry[jm.calls[i].to]);
    if (all && !jm.oom && !jm.b.oom) {
        long pg = sysconf(_SC_PAGESIZE);
        size_t size = (jm.b.len + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
        uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem != MAP_FAILED) {
            memcpy(mem, jm.b.p, jm.b.len);
            if (mprotect(mem, size, PROT_READ | PROT_EXEC) == 0) {
                m->jit_code = mem;
                m->jit_size = size;
                m->jit_exit = mem + exit;
                for (uint32_t i = 0; i < ndef; i++) m->codes[i].jit = mem + jm.entry[i];
            } else {
                munmap(mem, size);
            }
        }
    }
    free(jm.entry);
    free(jm.calls);
    free(jm.b.p);
}

void cx_wasm_jit_free(cx_wasm_module *m) {
    if (m->jit_code) munmap(m->jit_code, m->jit_size);
}

/* ---- running ---- */

int cx_wasm_jit_run(cx_wasm_instance *I, const code *c, uint64_t *fp, uint32_t depth,
                    int64_t *budget) {
    if (!I->jit_stack_size) return CX_WASM_TRAP_STACK_EXHAUSTED; /* (mapped by the caller) */
    uintptr_t top =
        I->jit_sp ? (uintptr_t)I->jit_sp - 8 : (uintptr_t)I->jit_stack + I->jit_stack_size;
    top &= ~(uintptr_t)15;
    jctx x = {.inst = I,
              .stack_end = I->stack_end,
              .budget = *budget,
              .depth = depth,
              .max_depth = I->lim.max_call_depth,
              .mem = I->mem,
              .exit = I->mod->jit_exit,
              .globals = I->globals};
    tramp_fn enter = (tramp_fn)(uintptr_t)I->mod->jit_code;
    int k = enter(&x, fp, c->jit, (void *)top);
    *budget = x.budget;
    return k;
}

#else /* no JIT on this platform: everything is interpreted */

void cx_wasm_jit_compile(cx_wasm_module *m) {
    (void)m;
}
void cx_wasm_jit_free(cx_wasm_module *m) {
    (void)m;
}
int cx_wasm_jit_run(cx_wasm_instance *I, const code *c, uint64_t *fp, uint32_t depth,
                    int64_t *budget) {
    (void)I, (void)c, (void)fp, (void)depth, (void)budget;
    return CX_WASM_TRAP_HOST;
}

#endif
