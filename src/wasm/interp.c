/* The interpreter: direct-threaded dispatch over compiled cells.
 *
 * Each cell that starts an operation holds its handler's address, so the
 * dispatch is one indirect jump (`goto *pc->op`), and immediates follow the
 * operation cell. Values are 8-byte slots on the instance's value stack; a
 * function's frame is its locals (params first) then its operand stack. Call
 * frames live in a separate array, so wasm recursion never grows the C stack
 * and exhaustion is a clean trap.
 *
 * Fuel and the deadline share one down-counter (`budget`), decremented at
 * function entry and loop headers; only when it reaches zero does the slow
 * path look at the fuel reserve and the clock.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include "fminmax.h"
#include "jit.h"
#include "ops.h"
#include "simd.h"
#include "wasm_int.h"

#define BUDGET_CHUNK 4096

static inline bool qnan32(float x) {
    return x != x;
}

uint64_t cx_wasm_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Slow path of the budget: the new budget from the fuel reserve, after a
 * look at the clock; 0 with *trap set when either is exhausted. (The budget
 * is returned rather than written through a pointer so that it can live in
 * a register in run().) */
static int64_t refill(cx_wasm_instance *E, int *trap) {
    if (E->deadline && cx_wasm_now_ns() > E->deadline) {
        *trap = CX_WASM_TRAP_DEADLINE;
        return 0;
    }
    if (!E->fuel_on) return BUDGET_CHUNK;
    if (E->fuel == 0) {
        *trap = CX_WASM_TRAP_FUEL;
        return 0;
    }
    uint64_t chunk = E->fuel < BUDGET_CHUNK ? E->fuel : BUDGET_CHUNK;
    E->fuel -= chunk;
    return (int64_t)chunk;
}

/* the same, for the JIT's slow path */
int64_t cx_wasm_refill(cx_wasm_instance *E, int *trap) {
    return refill(E, trap);
}

static uint64_t eval_ref(cx_wasm_instance *I, const constexpr *ce) {
    if (ce->op == 0xD2) return (uint64_t)(uintptr_t)I->fptr[ce->val];
    if (ce->op == 0x23) return I->globals[ce->val]->val;
    return 0;
}

/* Call a host function with args at sp[1-np..0]; results replace them. */
static int call_host(cx_wasm_instance *I, cx_wasm_func *f, uint64_t *args) {
    const functype *ft = f->type;
    uint32_t np = ft->vparams, nr = ft->vresults;
    cx_wasm_val abuf[16], rbuf[16];
    cx_wasm_val *a = np <= 16 ? abuf : malloc(np * sizeof *a);
    cx_wasm_val *r = nr <= 16 ? rbuf : malloc(nr * sizeof *r);
    int rc = CX_ENOMEM;
    if (a && r) {
        cx_wasm_slots_to_vals(ft->types, np, args, a);
        for (uint32_t i = 0, j = ft->nparams; i < nr; i++, j++) {
            memset(&r[i], 0, sizeof r[i]);
            r[i].type = ft->types[j];
            j += ft->types[j] == CX_WASM_V128;
        }
        rc = f->host(I, f->host_data, a, r);
        if (rc == 0) cx_wasm_vals_to_slots(ft->types + ft->nparams, nr, r, args);
    }
    if (a != abuf) free(a);
    if (r != rbuf) free(r);
    if (rc > 0) return CX_WASM_TRAP_EXIT;
    return rc ? CX_WASM_TRAP_HOST : 0;
}

/* The handler table and the dispatch must come from one copy of this
 * function: label addresses are only valid inside the body that took them,
 * so the compiler may neither clone nor inline it (a clone specialised for
 * the labels_out call would hand out addresses of another body). */
#if defined(__clang__)
#define ONE_COPY __attribute__((noinline)) /* clang has no noclone; it does not clone this */
#else
#define ONE_COPY __attribute__((noinline, noclone))
#endif
ONE_COPY static int run(cx_wasm_instance *E, cx_wasm_func *entry, uint64_t *io,
                        const void *const **labels_out) {
#define ADDR_(n) &&L_##n,
#define FADDR_(n, e)                                                                               \
    &&L_##n##_L, &&L_##n##_C, &&L_##n##_LL, &&L_##n##_LC, &&L_##n##_T, &&L_##n##_LT, &&L_##n##_CT, \
        &&L_##n##_LLT, &&L_##n##_LCT,
#define BADDR_(n, e) &&L_BR_##n, &&L_BR_##n##_L, &&L_BR_##n##_C, &&L_BR_##n##_LL, &&L_BR_##n##_LC,
#define BLADDR_(n, e)                                                                              \
    &&L_BRL_##n, &&L_BRL_##n##_L, &&L_BRL_##n##_C, &&L_BRL_##n##_LL, &&L_BRL_##n##_LC,
#define LTADDR_(n, T, c)   &&L_##n##_T,
#define LLTADDR_(n, T, c)  &&L_##n##_LT,
#define LACADDR_(n, T, c)  &&L_##n##_AC,
#define LALCADDR_(n, T, c) &&L_##n##_ALC,
#define LSACADDR_(n, T, c) &&L_##n##_SAC,
#define LALLADDR_(n, T, c) &&L_##n##_ALL,
#define SLADDR_(n, T)      &&L_##n##_L,
#define SLLADDR_(n, T)     &&L_##n##_LL,
#define CADDR_(n1, n2, T, e1, e2)                                                                  \
    &&L_##n1##__##n2, &&L_##n1##__##n2##_LC, &&L_##n1##__##n2##_LL, &&L_##n1##__##n2##_LT,
#define LOADDR_(ln, T, n, e) &&L_##ln##__##n##_L, &&L_##ln##__##n##_ALL, &&L_##ln##__##n##_ALC,
#define BAADDR_(n, e)        &&L_BRA_##n##_LL, &&L_BRA_##n##_LC, &&L_BRAL_##n##_LL, &&L_BRAL_##n##_LC,
#define SIADDR_(n, sub)      &&L_##n,
    static const void *const labels[] = {
        CX_WASM_OPS(ADDR_) CX_WASM_FUSE32(FADDR_) CX_WASM_FUSE64(FADDR_) CX_WASM_CMP32(BADDR_)
            CX_WASM_CMP32(BLADDR_) CX_WASM_LOADS(LTADDR_) CX_WASM_LOADS(LLTADDR_)
                CX_WASM_LOADS(LACADDR_) CX_WASM_LOADS(LALCADDR_) CX_WASM_LOADS(LSACADDR_)
                    CX_WASM_LOADS(LALLADDR_) CX_WASM_STORES(SLADDR_) CX_WASM_STORES(SLLADDR_)
                        CX_WASM_COMBOS(CADDR_) CX_WASM_LOADOPS(LOADDR_) CX_WASM_CMP32(BAADDR_)
                            CX_WASM_SIMD_INLINE(SIADDR_)};
#undef SIADDR_
#undef BAADDR_
#undef CADDR_
#undef LOADDR_
#undef BLADDR_
#undef LTADDR_
#undef LLTADDR_
#undef SLADDR_
#undef LACADDR_
#undef LALCADDR_
#undef LSACADDR_
#undef LALLADDR_
#undef SLLADDR_
    _Static_assert(sizeof labels / sizeof labels[0] == OP_COUNT_, "handler table");
#undef ADDR_
#undef FADDR_
#undef BADDR_
    if (labels_out) {
        *labels_out = labels;
        return 0;
    }
    uint64_t *const base0 = E->stack_base;
    const uint32_t depth0 = E->depth;
    frame *const frames = E->frames;
    /* the call-frame stack as pointers: a push is three stores and a compare */
    frame *fsp = frames + depth0;
    frame *const fend = frames + E->lim.max_call_depth;
    int64_t budget = 0;
    int kind = 0;
    uint32_t np = entry->type->nparams;
    const cell *pc = NULL;
    uint64_t *fp = base0;
    uint64_t *sp = base0 + np - 1;
    cx_wasm_func *f = entry;
    cx_wasm_instance *I = E;
    cx_wasm_memory *mem = NULL;
    /* the current memory's base and size, kept in locals (registers) for the
     * loads and stores; re-read whenever they may change: on calls, returns,
     * host calls and memory.grow */
    uint8_t *mbase = NULL;
    uint64_t msize = 0;
#define MEM_SYNC()                                                                                 \
    do {                                                                                           \
        mem = I->mem;                                                                              \
        mbase = mem ? mem->data : NULL;                                                            \
        msize = mem ? mem->size : 0;                                                               \
    } while (0)
    if (base0 + np + entry->type->nresults + 1 > E->stack_end || fsp + 1 >= fend) {
        kind = CX_WASM_TRAP_STACK_EXHAUSTED;
        goto out;
    }
    if (io != base0) memcpy(base0, io, np * sizeof *io);
    MEM_SYNC();
    *fsp++ = (frame){NULL, NULL, NULL};

/* the empty asm makes the compiler step pc before loading the next handler
 * (add; jmp *-8(pc)) instead of copying it first (mov; add; jmp): one
 * instruction less per dispatch */
#define NEXT()                                                                                     \
    do {                                                                                           \
        pc++;                                                                                      \
        __asm__("" : "+r"(pc));                                                                    \
        goto *pc[-1].op;                                                                           \
    } while (0)
#define TRAP(k)                                                                                    \
    do {                                                                                           \
        kind = (k);                                                                                \
        goto out;                                                                                  \
    } while (0)
#define TARGET(c) ((const cell *)(c).op)
/* one unit of the budget: taken backward branches (loop iterations) */
#define FUEL()                                                                                     \
    do {                                                                                           \
        if (--budget <= 0) {                                                                       \
            int k_ = 0;                                                                            \
            budget = refill(E, &k_);                                                               \
            if (k_) TRAP(k_);                                                                      \
        }                                                                                          \
    } while (0)

/* Bulk operations (memory.copy/fill/init, table.copy/fill/init) also take
 * `units` from the budget: one per KiB of memory or 256 table elements.
 * Charged before the work, so that fuel runs out before a large operation
 * rather than after, and so that the clock is looked at between any two
 * large ones: at one unit each, 4096 of them (a budget chunk) could fill
 * gigabytes between two looks and run far past the deadline. A deficit may
 * exceed a chunk, hence the loop; FUEL() keeps its one-unit form because
 * routing it through this loop cost the kernels 28-40 % more instructions
 * (the budget no longer stayed in a register). */
#define CHARGE_BULK(units)                                                                         \
    do {                                                                                           \
        budget -= (int64_t)(units);                                                                \
        while (budget <= 0) {                                                                      \
            int k_ = 0;                                                                            \
            int64_t more_ = refill(E, &k_);                                                        \
            if (k_) TRAP(k_);                                                                      \
            budget += more_;                                                                       \
        }                                                                                          \
    } while (0)

do_call:
    if (f->host) {
        uint32_t fnp = f->type->nparams, fnr = f->type->nresults;
        uint64_t *args = sp - fnp + 1;
        if (args + fnr > E->stack_end) TRAP(CX_WASM_TRAP_STACK_EXHAUSTED);
        if (E->nest >= CX_WASM_MAX_NEST) TRAP(CX_WASM_TRAP_STACK_EXHAUSTED);
        E->stack_base = sp + 1;
        E->depth = (uint32_t)(fsp - frames);
        E->nest++;
        int rc = call_host(I, f, args);
        E->nest--;
        E->stack_base = base0;
        E->depth = depth0;
        if (rc) TRAP(rc);
        if (pc) MEM_SYNC(); /* the host may have grown the memory */
        sp = args + fnr - 1;
        if (!pc) goto done; /* the entry itself was a host function */
        NEXT();
    }
/* Push a frame for wasm code `c` whose arguments end at sp; `inst_switch`
 * runs after the caller's instance is saved in the frame. */
#define ENTER(c, inst_switch)                                                                      \
    do {                                                                                           \
        if (fsp >= fend) TRAP(CX_WASM_TRAP_STACK_EXHAUSTED);                                       \
        /* room has 4 to spare: the declared locals are zeroed four at a time                      \
         * (stores past them land in the frame's own operand stack) */                             \
        if (sp + (c)->room > E->stack_end) TRAP(CX_WASM_TRAP_STACK_EXHAUSTED);                     \
        uint64_t *nfp = sp + (c)->fp_off, *z = sp + 1;                                             \
        for (uint32_t n = (c)->nzero4; n; n--, z += 4) z[0] = z[1] = z[2] = z[3] = 0;              \
        sp += (c)->ndecl;                                                                          \
        *fsp++ = (frame){pc, fp, I};                                                               \
        fp = nfp;                                                                                  \
        inst_switch;                                                                               \
        pc = (c)->cells;                                                                           \
        FUEL();                                                                                    \
        NEXT();                                                                                    \
    } while (0)
    {
        const code *c = f->code;
        ENTER(
            c, if (f->inst != I) { /* the locals stay current within one instance */
                                   I = f->inst;
                                   MEM_SYNC();
            });
    }

L_UNREACHABLE:
    TRAP(CX_WASM_TRAP_UNREACHABLE);
L_BR:
    pc = TARGET(pc[0]);
    NEXT();
L_BR_DROP : {
    uint64_t packed = pc[1].u;
    uint32_t arity = (uint32_t)packed;
    uint64_t *dst = fp + (packed >> 32);
    memmove(dst, sp - arity + 1, (size_t)arity * 8);
    sp = dst + arity - 1;
    pc = TARGET(pc[0]);
    NEXT();
}
L_BR_IF:
    if ((uint32_t)*sp--)
        pc = TARGET(pc[0]);
    else
        pc++;
    NEXT();
L_BR_IF_DROP:
    if ((uint32_t)*sp--) goto L_BR_DROP;
    pc += 2;
    NEXT();
L_BR_UNLESS:
    if (!(uint32_t)*sp--)
        pc = TARGET(pc[0]);
    else
        pc++;
    NEXT();
L_BR_IF_L:
    pc = (uint32_t)fp[pc[0].u] ? TARGET(pc[1]) : pc + 2;
    NEXT();
L_BR_UNLESS_L:
    pc = !(uint32_t)fp[pc[0].u] ? TARGET(pc[1]) : pc + 2;
    NEXT();
    /* back edges of loops: charge the iteration, jump past LOOP_FUEL */
L_BR_LOOP:
    FUEL();
    pc = TARGET(pc[0]);
    NEXT();
L_BR_IF_LOOP:
    if ((uint32_t)*sp--) {
        FUEL();
        pc = TARGET(pc[0]);
    } else
        pc++;
    NEXT();
L_BR_UNLESS_LOOP:
    if (!(uint32_t)*sp--) {
        FUEL();
        pc = TARGET(pc[0]);
    } else
        pc++;
    NEXT();
L_BR_IF_L_LOOP:
    if ((uint32_t)fp[pc[0].u]) {
        FUEL();
        pc = TARGET(pc[1]);
    } else
        pc += 2;
    NEXT();
L_BR_TABLE : {
    uint64_t n = pc[0].u;
    uint32_t i = (uint32_t)*sp--;
    if (i > n) i = (uint32_t)n;
    pc = pc + 1 + 2 * (size_t)i;
    goto L_BR_DROP;
}
L_RETURN1:
    fp[0] = sp[0];
    sp = fp;
    goto pop_frame;
L_RETURN : {
    uint32_t n = (uint32_t)pc[0].u;
    memmove(fp, sp - n + 1, (size_t)n * 8);
    sp = fp + n - 1;
}
pop_frame : {
    frame *fr = --fsp;
    pc = fr->ret_pc;
    fp = fr->fp;
    if (!pc) goto done;
    if (fr->inst != I) {
        I = fr->inst;
        MEM_SYNC();
    }
    NEXT();
}
L_CALL:
    f = I->fptr[pc[0].u];
    pc++;
    goto do_call;
    /* a function defined in this module: no host call, no instance change */
L_CALL_LOCAL : {
    const code *c = (const code *)pc[0].op;
    pc++;
    ENTER(c, (void)0);
}
L_CALL_INDIRECT : {
    cx_wasm_table *t = I->tables[pc[1].u];
    uint32_t i = (uint32_t)*sp--;
    if (i >= t->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    f = t->elems[i];
    if (!f) TRAP(CX_WASM_TRAP_UNINIT_ELEMENT);
    if (!functype_eq(f->type, &I->mod->types[pc[0].u])) TRAP(CX_WASM_TRAP_INDIRECT_TYPE);
    pc += 2;
    goto do_call;
}
L_LOOP_FUEL:
    FUEL();
    NEXT();
L_DROP:
    sp--;
    NEXT();
L_SELECT : {
    uint32_t c = (uint32_t)sp[0];
    sp -= 2;
    if (!c) sp[0] = sp[1];
    NEXT();
}
L_LOCAL_GET:
    *++sp = fp[pc[0].u];
    pc++;
    NEXT();
L_LOCAL_SET:
    fp[pc[0].u] = *sp--;
    pc++;
    NEXT();
L_LOCAL_TEE:
    fp[pc[0].u] = *sp;
    pc++;
    NEXT();
L_GLOBAL_GET:
    *++sp = I->globals[pc[0].u]->val;
    pc++;
    NEXT();
L_GLOBAL_SET:
    I->globals[pc[0].u]->val = *sp--;
    pc++;
    NEXT();
L_CONST:
    *++sp = pc[0].u;
    pc++;
    NEXT();
L_TABLE_GET : {
    cx_wasm_table *t = I->tables[pc[0].u];
    uint32_t i = (uint32_t)sp[0];
    if (i >= t->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    sp[0] = (uint64_t)(uintptr_t)t->elems[i];
    pc++;
    NEXT();
}
L_TABLE_SET : {
    cx_wasm_table *t = I->tables[pc[0].u];
    uint64_t v = sp[0];
    uint32_t i = (uint32_t)sp[-1];
    sp -= 2;
    if (i >= t->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    t->elems[i] = (void *)(uintptr_t)v;
    pc++;
    NEXT();
}
L_TABLE_SIZE:
    *++sp = I->tables[pc[0].u]->size;
    pc++;
    NEXT();
L_TABLE_GROW : {
    cx_wasm_table *t = I->tables[pc[0].u];
    uint32_t n = (uint32_t)sp[0];
    void *init = (void *)(uintptr_t)sp[-1];
    sp--;
    sp[0] = (uint32_t)cx_wasm_table_grow_n(t, n, init, I->lim.max_table_size);
    pc++;
    NEXT();
}
L_TABLE_FILL : {
    cx_wasm_table *t = I->tables[pc[0].u];
    uint32_t n = (uint32_t)sp[0];
    void *v = (void *)(uintptr_t)sp[-1];
    uint32_t d = (uint32_t)sp[-2];
    sp -= 3;
    if ((uint64_t)d + n > t->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    CHARGE_BULK(n >> 8);
    for (uint32_t k = 0; k < n; k++) t->elems[d + k] = v;
    pc++;
    NEXT();
}
L_TABLE_COPY : {
    cx_wasm_table *td = I->tables[pc[0].u], *ts = I->tables[pc[1].u];
    uint32_t n = (uint32_t)sp[0], s = (uint32_t)sp[-1], d = (uint32_t)sp[-2];
    sp -= 3;
    if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    CHARGE_BULK(n >> 8);
    if (n) memmove(td->elems + d, ts->elems + s, (size_t)n * sizeof(void *));
    pc += 2;
    NEXT();
}
L_TABLE_INIT : {
    const elem_seg *seg = &I->mod->elems[pc[0].u];
    cx_wasm_table *t = I->tables[pc[1].u];
    uint32_t n = (uint32_t)sp[0], s = (uint32_t)sp[-1], d = (uint32_t)sp[-2];
    sp -= 3;
    uint32_t len = I->elem_dropped[pc[0].u] ? 0 : seg->count;
    if ((uint64_t)s + n > len || (uint64_t)d + n > t->size) TRAP(CX_WASM_TRAP_TABLE_OOB);
    CHARGE_BULK(n >> 8);
    for (uint32_t k = 0; k < n; k++)
        t->elems[d + k] = (void *)(uintptr_t)eval_ref(I, &seg->items[s + k]);
    pc += 2;
    NEXT();
}
L_ELEM_DROP:
    I->elem_dropped[pc[0].u] = 1;
    pc++;
    NEXT();
    /* fixed-width SIMD: one call per operation (see simd.h) */
L_SIMD : {
    int k = 0;
    uint64_t *nsp = cx_wasm_simd_exec(pc, sp, mbase, msize, &k);
    if (!nsp) TRAP(k);
    sp = nsp;
    pc += (uint32_t)pc[0].u >> 16;
    NEXT();
}
/* The SIMD operations run inline (ops.h): operands are copied between
 * the slots and vector variables with memcpy, lanes little-endian; the
 * cells are OP_SIMD's (pc[0]: sub-opcode, lane << 8, cells << 16; pc[1]:
 * a memory offset or shuffle indexes). */
#define V_LANE()   ((uint32_t)(pc[0].u >> 8) & 0xFF)
#define V_BYTES(p) ((uint8_t *)(p))
#define V_ADDR(a, n)                                                                               \
    ({                                                                                             \
        uint64_t ea_ = (uint64_t)(uint32_t)(a) + pc[1].u;                                          \
        if (ea_ + (n) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                      \
        mbase + ea_;                                                                               \
    })
L_V128_LOAD:
    memcpy(sp, V_ADDR(sp[0], 16), 16);
    sp++;
    pc += 2;
    NEXT();
L_V128_STORE:
    memcpy(V_ADDR(sp[-2], 16), sp - 1, 16);
    sp -= 3;
    pc += 2;
    NEXT();
L_I8X16_SHUFFLE : { /* each result byte written in place: cheaper than
                     * assembling the result first */
    uint8_t a[32], *r = V_BYTES(sp - 3);
    memcpy(a, sp - 3, 32);
    for (int k = 0; k < 16; k++) r[k] = a[V_BYTES(&pc[1])[k] & 31];
    sp -= 2;
    pc += 3;
    NEXT();
}
#define V_SPLAT(name, T)                                                                           \
    L_##name : {                                                                                   \
        T x_ = (T)sp[0], r_[16 / sizeof(T)];                                                       \
        for (size_t k = 0; k < 16 / sizeof(T); k++) r_[k] = x_;                                    \
        memcpy(sp, r_, 16);                                                                        \
        sp++;                                                                                      \
        pc++;                                                                                      \
        NEXT();                                                                                    \
    }
    V_SPLAT(I8X16_SPLAT, uint8_t)
    V_SPLAT(I16X8_SPLAT, uint16_t)
    V_SPLAT(I32X4_SPLAT, uint32_t)
    V_SPLAT(I64X2_SPLAT, uint64_t)
    V_SPLAT(F32X4_SPLAT, uint32_t)
    V_SPLAT(F64X2_SPLAT, uint64_t)
    /* lane access: the lane immediate was validated; R converts the lane */
#define V_EXTRACT(name, T, R)                                                                      \
    L_##name : {                                                                                   \
        T x_;                                                                                      \
        memcpy(&x_, V_BYTES(sp - 1) + V_LANE() * sizeof(T), sizeof(T));                            \
        sp--;                                                                                      \
        sp[0] = (R)x_;                                                                             \
        pc++;                                                                                      \
        NEXT();                                                                                    \
    }
#define V_REPLACE(name, T)                                                                         \
    L_##name : {                                                                                   \
        T x_ = (T)sp[0];                                                                           \
        sp--;                                                                                      \
        memcpy(V_BYTES(sp - 1) + V_LANE() * sizeof(T), &x_, sizeof(T));                            \
        pc++;                                                                                      \
        NEXT();                                                                                    \
    }
    V_EXTRACT(I8X16_EXTRACT_LANE_S, int8_t, uint32_t)
    V_EXTRACT(I8X16_EXTRACT_LANE_U, uint8_t, uint32_t)
    V_EXTRACT(I16X8_EXTRACT_LANE_S, int16_t, uint32_t)
    V_EXTRACT(I16X8_EXTRACT_LANE_U, uint16_t, uint32_t)
    V_EXTRACT(I32X4_EXTRACT_LANE, uint32_t, uint32_t)
    V_EXTRACT(I64X2_EXTRACT_LANE, uint64_t, uint64_t)
    V_EXTRACT(F32X4_EXTRACT_LANE, uint32_t, uint32_t)
    V_EXTRACT(F64X2_EXTRACT_LANE, uint64_t, uint64_t)
    V_REPLACE(I8X16_REPLACE_LANE, uint8_t)
    V_REPLACE(I16X8_REPLACE_LANE, uint16_t)
    V_REPLACE(I32X4_REPLACE_LANE, uint32_t)
    V_REPLACE(I64X2_REPLACE_LANE, uint64_t)
    V_REPLACE(F32X4_REPLACE_LANE, uint32_t)
    V_REPLACE(F64X2_REPLACE_LANE, uint64_t)
    /* v128.loadN_lane: i v -> v; v128.storeN_lane: i v -> */
#define V_LOAD_LANE(name, n)                                                                       \
    L_##name : {                                                                                   \
        const uint8_t *p_ = V_ADDR(sp[-2], n);                                                     \
        sp[-2] = sp[-1];                                                                           \
        sp[-1] = sp[0];                                                                            \
        sp--;                                                                                      \
        memcpy(V_BYTES(sp - 1) + V_LANE() * (n), p_, n);                                           \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
#define V_STORE_LANE(name, n)                                                                      \
    L_##name : memcpy(V_ADDR(sp[-2], n), V_BYTES(sp - 1) + V_LANE() * (n), n);                     \
    sp -= 3;                                                                                       \
    pc += 2;                                                                                       \
    NEXT();
    V_LOAD_LANE(V128_LOAD8_LANE, 1)
    V_LOAD_LANE(V128_LOAD16_LANE, 2)
    V_LOAD_LANE(V128_LOAD32_LANE, 4)
    V_LOAD_LANE(V128_LOAD64_LANE, 8)
    V_STORE_LANE(V128_STORE8_LANE, 1)
    V_STORE_LANE(V128_STORE16_LANE, 2)
    V_STORE_LANE(V128_STORE32_LANE, 4)
    V_STORE_LANE(V128_STORE64_LANE, 8)
L_V128_NOT:
    sp[-1] = ~sp[-1];
    sp[0] = ~sp[0];
    pc++;
    NEXT();
    /* two-operand lane arithmetic on GNU C vectors (unsigned: wrapping) */
#define V_BIN(name, T, expr)                                                                       \
    L_##name : {                                                                                   \
        typedef T vec_ __attribute__((vector_size(16)));                                           \
        vec_ a, b;                                                                                 \
        memcpy(&a, sp - 3, 16);                                                                    \
        memcpy(&b, sp - 1, 16);                                                                    \
        a = (expr);                                                                                \
        memcpy(sp - 3, &a, 16);                                                                    \
        sp -= 2;                                                                                   \
        pc++;                                                                                      \
        NEXT();                                                                                    \
    }
    V_BIN(V128_AND, uint64_t, a & b)
    V_BIN(V128_ANDNOT, uint64_t, a & ~b)
    V_BIN(V128_OR, uint64_t, a | b)
    V_BIN(V128_XOR, uint64_t, a ^ b)
    V_BIN(I8X16_ADD, uint8_t, a + b)
    V_BIN(I8X16_SUB, uint8_t, a - b)
    V_BIN(I16X8_ADD, uint16_t, a + b)
    V_BIN(I16X8_SUB, uint16_t, a - b)
    V_BIN(I16X8_MUL, uint16_t, a * b)
    V_BIN(I32X4_ADD, uint32_t, a + b)
    V_BIN(I32X4_SUB, uint32_t, a - b)
    V_BIN(I32X4_MUL, uint32_t, a * b)
    V_BIN(I64X2_ADD, uint64_t, a + b)
    V_BIN(I64X2_SUB, uint64_t, a - b)
    V_BIN(I64X2_MUL, uint64_t, a * b)
    V_BIN(F32X4_ADD, float, a + b)
    V_BIN(F32X4_SUB, float, a - b)
    V_BIN(F32X4_MUL, float, a *b)
    V_BIN(F32X4_DIV, float, a / b)
    V_BIN(F64X2_ADD, double, a + b)
    V_BIN(F64X2_SUB, double, a - b)
    V_BIN(F64X2_MUL, double, a *b)
    V_BIN(F64X2_DIV, double, a / b)
L_SELECT_V128 : {
    uint32_t c = (uint32_t)sp[0];
    sp -= 3; /* the first operand's upper half */
    if (!c) sp[-1] = sp[1], sp[0] = sp[2];
    NEXT();
}
L_GLOBAL_GET_V128 : {
    const cx_wasm_global *gl = I->globals[pc[0].u];
    sp[1] = gl->val;
    sp[2] = gl->hi;
    sp += 2;
    pc++;
    NEXT();
}
L_GLOBAL_SET_V128 : {
    cx_wasm_global *gl = I->globals[pc[0].u];
    gl->val = sp[-1];
    gl->hi = sp[0];
    sp -= 2;
    pc++;
    NEXT();
}

#define LOAD(name, T, conv)                                                                        \
    L_##name : {                                                                                   \
        uint64_t ea = (uint64_t)(uint32_t)sp[0] + pc[0].u;                                         \
        pc++;                                                                                      \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        sp[0] = (conv);                                                                            \
        NEXT();                                                                                    \
    }
    LOAD(I32_LOAD, uint32_t, v)
    LOAD(I64_LOAD, uint64_t, v)
    LOAD(F32_LOAD, uint32_t, v)
    LOAD(F64_LOAD, uint64_t, v)
    LOAD(I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)
    LOAD(I32_LOAD8_U, uint8_t, v)
    LOAD(I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)
    LOAD(I32_LOAD16_U, uint16_t, v)
    LOAD(I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)
    LOAD(I64_LOAD8_U, uint8_t, v)
    LOAD(I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)
    LOAD(I64_LOAD16_U, uint16_t, v)
    LOAD(I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)
    LOAD(I64_LOAD32_U, uint32_t, v)
    /* "local.get a; load": the address comes from local a */
#define LOAD_L(name, T, conv)                                                                      \
    L_##name##_L : {                                                                               \
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[0].u] + pc[1].u;                                   \
        pc += 2;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        *++sp = (conv);                                                                            \
        NEXT();                                                                                    \
    }
    LOAD_L(I32_LOAD, uint32_t, v)
    LOAD_L(I64_LOAD, uint64_t, v)
    LOAD_L(F32_LOAD, uint32_t, v)
    LOAD_L(F64_LOAD, uint64_t, v)
    LOAD_L(I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)
    LOAD_L(I32_LOAD8_U, uint8_t, v)
    LOAD_L(I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)
    LOAD_L(I32_LOAD16_U, uint16_t, v)
    LOAD_L(I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)
    LOAD_L(I64_LOAD8_U, uint8_t, v)
    LOAD_L(I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)
    LOAD_L(I64_LOAD16_U, uint16_t, v)
    LOAD_L(I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)
    LOAD_L(I64_LOAD32_U, uint32_t, v)
#define STORE(name, T)                                                                             \
    L_##name : {                                                                                   \
        T v = (T)sp[0];                                                                            \
        uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[0].u;                                        \
        sp -= 2;                                                                                   \
        pc++;                                                                                      \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        memcpy(mbase + ea, &v, sizeof v);                                                          \
        NEXT();                                                                                    \
    }
    STORE(I32_STORE, uint32_t)
    STORE(I64_STORE, uint64_t)
    STORE(F32_STORE, uint32_t)
    STORE(F64_STORE, uint64_t)
    STORE(I32_STORE8, uint8_t)
    STORE(I32_STORE16, uint16_t)
    STORE(I64_STORE8, uint8_t)
    STORE(I64_STORE16, uint16_t)
    STORE(I64_STORE32, uint32_t)

L_MEMORY_SIZE:
    *++sp = mem->pages;
    NEXT();
L_MEMORY_GROW:
    sp[0] = (uint32_t)cx_wasm_memory_grow_pages(mem, (uint32_t)sp[0], I->lim.max_memory_pages);
    MEM_SYNC();
    NEXT();
L_MEMORY_INIT : {
    const data_seg *seg = &I->mod->datas[pc[0].u];
    uint32_t n = (uint32_t)sp[0], s = (uint32_t)sp[-1], d = (uint32_t)sp[-2];
    sp -= 3;
    uint32_t len = I->data_dropped[pc[0].u] ? 0 : seg->len;
    if ((uint64_t)s + n > len || (uint64_t)d + n > mem->size) TRAP(CX_WASM_TRAP_MEMORY_OOB);
    CHARGE_BULK(n >> 10);
    if (n) memcpy(mem->data + d, seg->bytes + s, n);
    pc++;
    NEXT();
}
L_DATA_DROP:
    I->data_dropped[pc[0].u] = 1;
    pc++;
    NEXT();
L_MEMORY_COPY : {
    uint32_t n = (uint32_t)sp[0], s = (uint32_t)sp[-1], d = (uint32_t)sp[-2];
    sp -= 3;
    if ((uint64_t)s + n > mem->size || (uint64_t)d + n > mem->size) TRAP(CX_WASM_TRAP_MEMORY_OOB);
    CHARGE_BULK(n >> 10);
    if (n) memmove(mem->data + d, mem->data + s, n);
    NEXT();
}
L_MEMORY_FILL : {
    uint32_t n = (uint32_t)sp[0], v = (uint32_t)sp[-1], d = (uint32_t)sp[-2];
    sp -= 3;
    if ((uint64_t)d + n > mem->size) TRAP(CX_WASM_TRAP_MEMORY_OOB);
    CHARGE_BULK(n >> 10);
    if (n) memset(mem->data + d, (int)(v & 0xFF), n);
    NEXT();
}
L_REF_IS_NULL:
    sp[0] = sp[0] == 0;
    NEXT();
L_REF_FUNC:
    *++sp = (uint64_t)(uintptr_t)I->fptr[pc[0].u];
    pc++;
    NEXT();

    /* ---- numeric ---- */
#define UN32(name, expr)                                                                           \
    L_##name : {                                                                                   \
        uint32_t a = (uint32_t)sp[0];                                                              \
        sp[0] = (uint32_t)(expr);                                                                  \
        NEXT();                                                                                    \
    }
#define BIN32(name, expr)                                                                          \
    L_##name : {                                                                                   \
        uint32_t b = (uint32_t)sp[0], a = (uint32_t)sp[-1];                                        \
        sp--;                                                                                      \
        sp[0] = (uint32_t)(expr);                                                                  \
        NEXT();                                                                                    \
    }
#define UN64(name, expr)                                                                           \
    L_##name : {                                                                                   \
        uint64_t a = sp[0];                                                                        \
        sp[0] = (uint64_t)(expr);                                                                  \
        NEXT();                                                                                    \
    }
#define BIN64(name, expr)                                                                          \
    L_##name : {                                                                                   \
        uint64_t b = sp[0], a = sp[-1];                                                            \
        sp--;                                                                                      \
        sp[0] = (uint64_t)(expr);                                                                  \
        NEXT();                                                                                    \
    }
#define CMP64(name, expr)                                                                          \
    L_##name : {                                                                                   \
        uint64_t b = sp[0], a = sp[-1];                                                            \
        sp--;                                                                                      \
        sp[0] = (uint32_t)(expr);                                                                  \
        NEXT();                                                                                    \
    }
#define S32(x) ((int32_t)(x))
#define S64(x) ((int64_t)(x))
    UN32(I32_EQZ, a == 0)
    BIN32(I32_EQ, a == b)
    BIN32(I32_NE, a != b)
    BIN32(I32_LT_S, S32(a) < S32(b))
    BIN32(I32_LT_U, a < b)
    BIN32(I32_GT_S, S32(a) > S32(b))
    BIN32(I32_GT_U, a > b)
    BIN32(I32_LE_S, S32(a) <= S32(b))
    BIN32(I32_LE_U, a <= b)
    BIN32(I32_GE_S, S32(a) >= S32(b))
    BIN32(I32_GE_U, a >= b)
L_I64_EQZ:
    sp[0] = sp[0] == 0;
    NEXT();
    CMP64(I64_EQ, a == b)
    CMP64(I64_NE, a != b)
    CMP64(I64_LT_S, S64(a) < S64(b))
    CMP64(I64_LT_U, a < b)
    CMP64(I64_GT_S, S64(a) > S64(b))
    CMP64(I64_GT_U, a > b)
    CMP64(I64_LE_S, S64(a) <= S64(b))
    CMP64(I64_LE_U, a <= b)
    CMP64(I64_GE_S, S64(a) >= S64(b))
    CMP64(I64_GE_U, a >= b)
    CMP64(F32_EQ, F32(a) == F32(b))
    CMP64(F32_NE, F32(a) != F32(b))
    CMP64(F32_LT, F32(a) < F32(b))
    CMP64(F32_GT, F32(a) > F32(b))
    CMP64(F32_LE, F32(a) <= F32(b))
    CMP64(F32_GE, F32(a) >= F32(b))
    CMP64(F64_EQ, F64(a) == F64(b))
    CMP64(F64_NE, F64(a) != F64(b))
    CMP64(F64_LT, F64(a) < F64(b))
    CMP64(F64_GT, F64(a) > F64(b))
    CMP64(F64_LE, F64(a) <= F64(b))
    CMP64(F64_GE, F64(a) >= F64(b))
    UN32(I32_CLZ, a ? __builtin_clz(a) : 32)
    UN32(I32_CTZ, a ? __builtin_ctz(a) : 32)
    UN32(I32_POPCNT, __builtin_popcount(a))
    BIN32(I32_ADD, a + b)
    BIN32(I32_SUB, a - b)
    BIN32(I32_MUL, a * b)
L_I32_DIV_S : {
    int32_t b = S32(sp[0]), a = S32(sp[-1]);
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    if (a == INT32_MIN && b == -1) TRAP(CX_WASM_TRAP_INT_OVERFLOW);
    sp--;
    sp[0] = (uint32_t)(a / b);
    NEXT();
}
L_I32_DIV_U : {
    uint32_t b = (uint32_t)sp[0], a = (uint32_t)sp[-1];
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = a / b;
    NEXT();
}
L_I32_REM_S : {
    int32_t b = S32(sp[0]), a = S32(sp[-1]);
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = b == -1 ? 0 : (uint32_t)(a % b);
    NEXT();
}
L_I32_REM_U : {
    uint32_t b = (uint32_t)sp[0], a = (uint32_t)sp[-1];
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = a % b;
    NEXT();
}
    BIN32(I32_AND, a & b)
    BIN32(I32_OR, a | b)
    BIN32(I32_XOR, a ^ b)
    BIN32(I32_SHL, a << (b & 31))
    BIN32(I32_SHR_S, S32(a) >> (b & 31))
    BIN32(I32_SHR_U, a >> (b & 31))
    BIN32(I32_ROTL, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))
    BIN32(I32_ROTR, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))
    UN64(I64_CLZ, a ? __builtin_clzll(a) : 64)
    UN64(I64_CTZ, a ? __builtin_ctzll(a) : 64)
    UN64(I64_POPCNT, __builtin_popcountll(a))
    BIN64(I64_ADD, a + b)
    BIN64(I64_SUB, a - b)
    BIN64(I64_MUL, a * b)
L_I64_DIV_S : {
    int64_t b = S64(sp[0]), a = S64(sp[-1]);
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    if (a == INT64_MIN && b == -1) TRAP(CX_WASM_TRAP_INT_OVERFLOW);
    sp--;
    sp[0] = (uint64_t)(a / b);
    NEXT();
}
L_I64_DIV_U : {
    uint64_t b = sp[0], a = sp[-1];
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = a / b;
    NEXT();
}
L_I64_REM_S : {
    int64_t b = S64(sp[0]), a = S64(sp[-1]);
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = b == -1 ? 0 : (uint64_t)(a % b);
    NEXT();
}
L_I64_REM_U : {
    uint64_t b = sp[0], a = sp[-1];
    if (b == 0) TRAP(CX_WASM_TRAP_DIV_ZERO);
    sp--;
    sp[0] = a % b;
    NEXT();
}
    BIN64(I64_AND, a & b)
    BIN64(I64_OR, a | b)
    BIN64(I64_XOR, a ^ b)
    BIN64(I64_SHL, a << (b & 63))
    BIN64(I64_SHR_S, S64(a) >> (b & 63))
    BIN64(I64_SHR_U, a >> (b & 63))
    BIN64(I64_ROTL, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
    BIN64(I64_ROTR, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))

    /* floats: sign operations are pure bit operations (no NaN change) */
    UN64(F32_ABS, a & 0x7FFFFFFFu)
    UN64(F32_NEG, (a ^ 0x80000000u) & 0xFFFFFFFFu)
    UN64(F32_CEIL, BF32(qnan32(F32(a)) ? F32(a) + F32(a) : ceilf(F32(a))))
    UN64(F32_FLOOR, BF32(qnan32(F32(a)) ? F32(a) + F32(a) : floorf(F32(a))))
    UN64(F32_TRUNC, BF32(qnan32(F32(a)) ? F32(a) + F32(a) : truncf(F32(a))))
    UN64(F32_NEAREST, BF32(qnan32(F32(a)) ? F32(a) + F32(a) : nearbyintf(F32(a))))
    UN64(F32_SQRT, BF32(qnan32(F32(a)) ? F32(a) + F32(a) : sqrtf(F32(a))))
    BIN64(F32_ADD, BF32(F32(a) + F32(b)))
    BIN64(F32_SUB, BF32(F32(a) - F32(b)))
    BIN64(F32_MUL, BF32(F32(a) * F32(b)))
    BIN64(F32_DIV, BF32(F32(a) / F32(b)))
    BIN64(F32_MIN, BF32(min32(F32(a), F32(b))))
    BIN64(F32_MAX, BF32(max32(F32(a), F32(b))))
    BIN64(F32_COPYSIGN, (a & 0x7FFFFFFFu) | (b & 0x80000000u))
    UN64(F64_ABS, a & 0x7FFFFFFFFFFFFFFFull)
    UN64(F64_NEG, a ^ 0x8000000000000000ull)
    UN64(F64_CEIL, BF64(F64(a) != F64(a) ? F64(a) + F64(a) : ceil(F64(a))))
    UN64(F64_FLOOR, BF64(F64(a) != F64(a) ? F64(a) + F64(a) : floor(F64(a))))
    UN64(F64_TRUNC, BF64(F64(a) != F64(a) ? F64(a) + F64(a) : trunc(F64(a))))
    UN64(F64_NEAREST, BF64(F64(a) != F64(a) ? F64(a) + F64(a) : nearbyint(F64(a))))
    UN64(F64_SQRT, BF64(F64(a) != F64(a) ? F64(a) + F64(a) : sqrt(F64(a))))
    BIN64(F64_ADD, BF64(F64(a) + F64(b)))
    BIN64(F64_SUB, BF64(F64(a) - F64(b)))
    BIN64(F64_MUL, BF64(F64(a) * F64(b)))
    BIN64(F64_DIV, BF64(F64(a) / F64(b)))
    BIN64(F64_MIN, BF64(min64(F64(a), F64(b))))
    BIN64(F64_MAX, BF64(max64(F64(a), F64(b))))
    BIN64(F64_COPYSIGN, (a & 0x7FFFFFFFFFFFFFFFull) | (b & 0x8000000000000000ull))

    /* conversions */
    UN64(I32_WRAP_I64, (uint32_t)a)
#define TRUNC(name, FT, GET, lo_ok, hi_ok, T, RT)                                                  \
    L_##name : {                                                                                   \
        FT x = GET(sp[0]);                                                                         \
        if (x != x) TRAP(CX_WASM_TRAP_INVALID_CONVERSION);                                         \
        if (!(lo_ok && hi_ok)) TRAP(CX_WASM_TRAP_INT_OVERFLOW);                                    \
        sp[0] = (RT)(T)x;                                                                          \
        NEXT();                                                                                    \
    }
    TRUNC(I32_TRUNC_F32_S, float, F32, x >= -2147483648.0f, x < 2147483648.0f, int32_t, uint32_t)
    TRUNC(I32_TRUNC_F32_U, float, F32, x > -1.0f, x < 4294967296.0f, uint32_t, uint32_t)
    TRUNC(I32_TRUNC_F64_S, double, F64, x > -2147483649.0, x < 2147483648.0, int32_t, uint32_t)
    TRUNC(I32_TRUNC_F64_U, double, F64, x > -1.0, x < 4294967296.0, uint32_t, uint32_t)
    UN64(I64_EXTEND_I32_S, (int64_t)(int32_t)a)
    UN64(I64_EXTEND_I32_U, (uint32_t)a)
    TRUNC(I64_TRUNC_F32_S, float, F32, x >= -9223372036854775808.0f, x < 9223372036854775808.0f,
          int64_t, uint64_t)
    TRUNC(I64_TRUNC_F32_U, float, F32, x > -1.0f, x < 18446744073709551616.0f, uint64_t, uint64_t)
    TRUNC(I64_TRUNC_F64_S, double, F64, x >= -9223372036854775808.0, x < 9223372036854775808.0,
          int64_t, uint64_t)
    TRUNC(I64_TRUNC_F64_U, double, F64, x > -1.0, x < 18446744073709551616.0, uint64_t, uint64_t)
    UN64(F32_CONVERT_I32_S, BF32((float)(int32_t)a))
    UN64(F32_CONVERT_I32_U, BF32((float)(uint32_t)a))
    UN64(F32_CONVERT_I64_S, BF32((float)(int64_t)a))
    UN64(F32_CONVERT_I64_U, BF32((float)a))
    UN64(F32_DEMOTE_F64, BF32((float)F64(a)))
    UN64(F64_CONVERT_I32_S, BF64((double)(int32_t)a))
    UN64(F64_CONVERT_I32_U, BF64((double)(uint32_t)a))
    UN64(F64_CONVERT_I64_S, BF64((double)(int64_t)a))
    UN64(F64_CONVERT_I64_U, BF64((double)a))
    UN64(F64_PROMOTE_F32, BF64((double)F32(a)))
    UN64(I32_REINTERPRET_F32, a)
    UN64(I64_REINTERPRET_F64, a)
    UN64(F32_REINTERPRET_I32, a)
    UN64(F64_REINTERPRET_I64, a)
    UN32(I32_EXTEND8_S, (int32_t)(int8_t)a)
    UN32(I32_EXTEND16_S, (int32_t)(int16_t)a)
    UN64(I64_EXTEND8_S, (int64_t)(int8_t)a)
    UN64(I64_EXTEND16_S, (int64_t)(int16_t)a)
    UN64(I64_EXTEND32_S, (int64_t)(int32_t)a)
#define SAT(name, FT, GET, lo, hi, T, RT, MINV, MAXV)                                              \
    L_##name : {                                                                                   \
        FT x = GET(sp[0]);                                                                         \
        RT r;                                                                                      \
        if (x != x)                                                                                \
            r = 0;                                                                                 \
        else if (!(lo))                                                                            \
            r = (RT)(T)(MINV);                                                                     \
        else if (!(hi))                                                                            \
            r = (RT)(T)(MAXV);                                                                     \
        else                                                                                       \
            r = (RT)(T)x;                                                                          \
        sp[0] = r;                                                                                 \
        NEXT();                                                                                    \
    }
    SAT(I32_TRUNC_SAT_F32_S, float, F32, x >= -2147483648.0f, x < 2147483648.0f, int32_t, uint32_t,
        INT32_MIN, INT32_MAX)
    SAT(I32_TRUNC_SAT_F32_U, float, F32, x > -1.0f, x < 4294967296.0f, uint32_t, uint32_t, 0,
        UINT32_MAX)
    SAT(I32_TRUNC_SAT_F64_S, double, F64, x > -2147483649.0, x < 2147483648.0, int32_t, uint32_t,
        INT32_MIN, INT32_MAX)
    SAT(I32_TRUNC_SAT_F64_U, double, F64, x > -1.0, x < 4294967296.0, uint32_t, uint32_t, 0,
        UINT32_MAX)
    SAT(I64_TRUNC_SAT_F32_S, float, F32, x >= -9223372036854775808.0f, x < 9223372036854775808.0f,
        int64_t, uint64_t, INT64_MIN, INT64_MAX)
    SAT(I64_TRUNC_SAT_F32_U, float, F32, x > -1.0f, x < 18446744073709551616.0f, uint64_t, uint64_t,
        0, UINT64_MAX)
    SAT(I64_TRUNC_SAT_F64_S, double, F64, x >= -9223372036854775808.0, x < 9223372036854775808.0,
        int64_t, uint64_t, INT64_MIN, INT64_MAX)
    SAT(I64_TRUNC_SAT_F64_U, double, F64, x > -1.0, x < 18446744073709551616.0, uint64_t, uint64_t,
        0, UINT64_MAX)

    /* superinstructions (see ops.h) */
#define GEN_(name, expr, T)                                                                        \
    L_##name##_L : {                                                                               \
        T b = (T)fp[pc[0].u], a = (T)sp[0];                                                        \
        pc++;                                                                                      \
        sp[0] = (T)(expr);                                                                         \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_C : {                                                                               \
        T b = (T)pc[0].u, a = (T)sp[0];                                                            \
        pc++;                                                                                      \
        sp[0] = (T)(expr);                                                                         \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_LL : {                                                                              \
        T a = (T)fp[pc[0].u], b = (T)fp[pc[1].u];                                                  \
        pc += 2;                                                                                   \
        *++sp = (T)(expr);                                                                         \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_LC : {                                                                              \
        T a = (T)fp[pc[0].u], b = (T)pc[1].u;                                                      \
        pc += 2;                                                                                   \
        *++sp = (T)(expr);                                                                         \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_T : {                                                                               \
        T b = (T)sp[0], a = (T)sp[-1];                                                             \
        sp -= 2;                                                                                   \
        fp[pc[0].u] = (T)(expr);                                                                   \
        pc++;                                                                                      \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_LT : {                                                                              \
        T b = (T)fp[pc[0].u], a = (T)sp[0];                                                        \
        sp--;                                                                                      \
        fp[pc[1].u] = (T)(expr);                                                                   \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_CT : {                                                                              \
        T b = (T)pc[0].u, a = (T)sp[0];                                                            \
        sp--;                                                                                      \
        fp[pc[1].u] = (T)(expr);                                                                   \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_LLT : {                                                                             \
        T a = (T)fp[pc[0].u], b = (T)fp[pc[1].u];                                                  \
        fp[pc[2].u] = (T)(expr);                                                                   \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_LCT : {                                                                             \
        T a = (T)fp[pc[0].u], b = (T)pc[1].u;                                                      \
        fp[pc[2].u] = (T)(expr);                                                                   \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
#define GEN32_(name, expr) GEN_(name, expr, uint32_t)
#define GEN64_(name, expr) GEN_(name, expr, uint64_t)
    CX_WASM_FUSE32(GEN32_)
    CX_WASM_FUSE64(GEN64_)

    /* compare and branch: operands as above, then the target in cell t */
#define TAKE_IF_(cond, CHARGE, t)                                                                  \
    do {                                                                                           \
        if (cond) {                                                                                \
            CHARGE;                                                                                \
            pc = TARGET(pc[t]);                                                                    \
        } else                                                                                     \
            pc += (t) + 1;                                                                         \
        NEXT();                                                                                    \
    } while (0)
#define BRFORMS_(P, name, expr, CHARGE)                                                            \
    L_##P##_##name : {                                                                             \
        uint32_t b = (uint32_t)sp[0], a = (uint32_t)sp[-1];                                        \
        sp -= 2;                                                                                   \
        TAKE_IF_(expr, CHARGE, 0);                                                                 \
    }                                                                                              \
    L_##P##_##name##_L : {                                                                         \
        uint32_t b = (uint32_t)fp[pc[0].u], a = (uint32_t)sp[0];                                   \
        sp--;                                                                                      \
        TAKE_IF_(expr, CHARGE, 1);                                                                 \
    }                                                                                              \
    L_##P##_##name##_C : {                                                                         \
        uint32_t b = (uint32_t)pc[0].u, a = (uint32_t)sp[0];                                       \
        sp--;                                                                                      \
        TAKE_IF_(expr, CHARGE, 1);                                                                 \
    }                                                                                              \
    L_##P##_##name##_LL : {                                                                        \
        uint32_t a = (uint32_t)fp[pc[0].u], b = (uint32_t)fp[pc[1].u];                             \
        TAKE_IF_(expr, CHARGE, 2);                                                                 \
    }                                                                                              \
    L_##P##_##name##_LC : {                                                                        \
        uint32_t a = (uint32_t)fp[pc[0].u], b = (uint32_t)pc[1].u;                                 \
        TAKE_IF_(expr, CHARGE, 2);                                                                 \
    }
#define BRGEN_(name, expr)  BRFORMS_(BR, name, expr, (void)0)
#define BRLGEN_(name, expr) BRFORMS_(BRL, name, expr, FUEL())
    CX_WASM_CMP32(BRGEN_)
    CX_WASM_CMP32(BRLGEN_)

    /* a counter step, then compare and branch (see ops.h) */
#define BRAFORMS_(P, name, expr, CHARGE)                                                           \
    L_##P##_##name##_LL : {                                                                        \
        fp[pc[2].u] = (uint32_t)(fp[pc[0].u] + pc[1].u);                                           \
        uint32_t a = (uint32_t)fp[pc[3].u], b = (uint32_t)fp[pc[4].u];                             \
        TAKE_IF_(expr, CHARGE, 5);                                                                 \
    }                                                                                              \
    L_##P##_##name##_LC : {                                                                        \
        fp[pc[2].u] = (uint32_t)(fp[pc[0].u] + pc[1].u);                                           \
        uint32_t a = (uint32_t)fp[pc[3].u], b = (uint32_t)pc[4].u;                                 \
        TAKE_IF_(expr, CHARGE, 5);                                                                 \
    }
#define BRAGEN_(name, expr)  BRAFORMS_(BRA, name, expr, (void)0)
#define BRALGEN_(name, expr) BRAFORMS_(BRAL, name, expr, FUEL())
    CX_WASM_CMP32(BRAGEN_)
    CX_WASM_CMP32(BRALGEN_)

    /* loads into a local, stores of a local */
#define LOAD_T_(name, T, conv)                                                                     \
    L_##name##_T : {                                                                               \
        uint64_t ea = (uint64_t)(uint32_t)sp[0] + pc[0].u;                                         \
        sp--;                                                                                      \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        fp[pc[1].u] = (conv);                                                                      \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
#define LOAD_LT_(name, T, conv)                                                                    \
    L_##name##_LT : {                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[0].u] + pc[1].u;                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        fp[pc[2].u] = (conv);                                                                      \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
#define STORE_L_(name, T)                                                                          \
    L_##name##_L : {                                                                               \
        T v = (T)fp[pc[0].u];                                                                      \
        uint64_t ea = (uint64_t)(uint32_t)sp[0] + pc[1].u;                                         \
        sp--;                                                                                      \
        pc += 2;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        memcpy(mbase + ea, &v, sizeof v);                                                          \
        NEXT();                                                                                    \
    }
#define STORE_LL_(name, T)                                                                         \
    L_##name##_LL : {                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[0].u] + pc[2].u;                                   \
        T v = (T)fp[pc[1].u];                                                                      \
        pc += 3;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        memcpy(mbase + ea, &v, sizeof v);                                                          \
        NEXT();                                                                                    \
    }
#define LOAD_AC_(name, T, conv)                                                                    \
    L_##name##_AC : {                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)(sp[0] + pc[0].u) + pc[1].u;                             \
        pc += 2;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        sp[0] = (conv);                                                                            \
        NEXT();                                                                                    \
    }
#define LOAD_ALC_(name, T, conv)                                                                   \
    L_##name##_ALC : {                                                                             \
        uint64_t ea = (uint64_t)(uint32_t)(fp[pc[0].u] + pc[1].u) + pc[2].u;                       \
        pc += 3;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        *++sp = (conv);                                                                            \
        NEXT();                                                                                    \
    }
#define LOAD_SAC_(name, T, conv)                                                                   \
    L_##name##_SAC : {                                                                             \
        uint32_t x = ((uint32_t)sp[0] << (pc[0].u & 31)) + (uint32_t)pc[1].u;                      \
        uint64_t ea = (uint64_t)x + pc[2].u;                                                       \
        pc += 3;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        sp[0] = (conv);                                                                            \
        NEXT();                                                                                    \
    }
#define LOAD_ALL_(name, T, conv)                                                                   \
    L_##name##_ALL : {                                                                             \
        uint64_t ea = (uint64_t)(uint32_t)(fp[pc[0].u] + fp[pc[1].u]) + pc[2].u;                   \
        pc += 3;                                                                                   \
        if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                 \
        T v;                                                                                       \
        memcpy(&v, mbase + ea, sizeof v);                                                          \
        *++sp = (conv);                                                                            \
        NEXT();                                                                                    \
    }
    CX_WASM_LOADS(LOAD_SAC_)
    CX_WASM_LOADS(LOAD_ALL_)
    CX_WASM_LOADS(LOAD_AC_)
    CX_WASM_LOADS(LOAD_ALC_)
    CX_WASM_LOADS(LOAD_T_)
    CX_WASM_LOADS(LOAD_LT_)
    CX_WASM_STORES(STORE_L_)
    CX_WASM_STORES(STORE_LL_)

    /* two-operation superinstructions (see ops.h): the inner result v
     * becomes the outer operation's b */
#define COMBO_(n1, n2, T, e1, e2)                                                                  \
    L_##n1##__##n2 : {                                                                             \
        T b = (T)sp[0], a = (T)sp[-1];                                                             \
        T v = (T)(e1);                                                                             \
        a = (T)sp[-2], b = v;                                                                      \
        sp -= 2;                                                                                   \
        sp[0] = (T)(e2);                                                                           \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##n1##__##n2##_LC : {                                                                        \
        T a = (T)fp[pc[0].u], b = (T)pc[1].u;                                                      \
        T v = (T)(e1);                                                                             \
        a = (T)sp[0], b = v;                                                                       \
        sp[0] = (T)(e2);                                                                           \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##n1##__##n2##_LL : {                                                                        \
        T a = (T)fp[pc[0].u], b = (T)fp[pc[1].u];                                                  \
        T v = (T)(e1);                                                                             \
        a = (T)sp[0], b = v;                                                                       \
        sp[0] = (T)(e2);                                                                           \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##n1##__##n2##_LT : {                                                                        \
        T a = (T)sp[0], b = (T)fp[pc[0].u];                                                        \
        T v = (T)(e1);                                                                             \
        a = (T)sp[-1], b = v;                                                                      \
        sp -= 2;                                                                                   \
        fp[pc[1].u] = (T)(e2);                                                                     \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
    CX_WASM_COMBOS(COMBO_)

    /* a load feeding a binary operation: stack x -> x op load */
#define LOADOP_BODY_(T, e)                                                                         \
    if (ea + sizeof(T) > msize) TRAP(CX_WASM_TRAP_MEMORY_OOB);                                     \
    T b;                                                                                           \
    memcpy(&b, mbase + ea, sizeof b);                                                              \
    T a = (T)sp[0];                                                                                \
    sp[0] = (T)(e);                                                                                \
    NEXT();
#define LOADOP_(ln, T, n, e)                                                                       \
    L_##ln##__##n##_L : {                                                                          \
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[0].u] + pc[1].u;                                   \
        pc += 2;                                                                                   \
        LOADOP_BODY_(T, e)                                                                         \
    }                                                                                              \
    L_##ln##__##n##_ALL : {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)(fp[pc[0].u] + fp[pc[1].u]) + pc[2].u;                   \
        pc += 3;                                                                                   \
        LOADOP_BODY_(T, e)                                                                         \
    }                                                                                              \
    L_##ln##__##n##_ALC : {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)(fp[pc[0].u] + pc[1].u) + pc[2].u;                       \
        pc += 3;                                                                                   \
        LOADOP_BODY_(T, e)                                                                         \
    }
    CX_WASM_LOADOPS(LOADOP_)

L_LOCAL_COPY:
    fp[pc[1].u] = fp[pc[0].u];
    pc += 2;
    NEXT();
L_LOCAL_COPY2:
    fp[pc[1].u] = fp[pc[0].u];
    fp[pc[3].u] = fp[pc[2].u];
    pc += 4;
    NEXT();
L_LOCAL_SET_C:
    fp[pc[1].u] = pc[0].u;
    pc += 2;
    NEXT();

done:
    if (io != base0) memcpy(io, base0, (size_t)entry->type->nresults * sizeof *io);
out:
    if (E->fuel_on && budget > 0) E->fuel += (uint64_t)budget;
    E->stack_base = base0;
    E->depth = depth0;
    return kind;
}

const void *const *cx_wasm_op_table(void) {
    const void *const *t = NULL;
    run(NULL, NULL, NULL, &t);
    return t;
}

/* A top-level entry into compiled code: the interpreter's entry checks and
 * fuel accounting, without its dispatch loop. */
static int exec_jit(cx_wasm_instance *E, cx_wasm_func *f, uint64_t *io) {
    uint64_t *base0 = E->stack_base;
    uint32_t np = f->type->nparams, nr = f->type->nresults;
    if (base0 + np + nr + 1 > E->stack_end || E->depth + 1 >= E->lim.max_call_depth)
        return CX_WASM_TRAP_STACK_EXHAUSTED;
    if (io != base0) memcpy(base0, io, np * sizeof *io);
    int64_t budget = 0;
    int k = cx_wasm_jit_run(E, f->code, base0, E->depth + 1, &budget);
    if (E->fuel_on && budget > 0) E->fuel += (uint64_t)budget;
    if (!k && io != base0) memcpy(io, base0, nr * sizeof *io);
    return k;
}

int cx_wasm_call_nested(cx_wasm_instance *E, cx_wasm_func *f, uint64_t *args, uint32_t depth) {
    uint64_t *base0 = E->stack_base;
    uint32_t d0 = E->depth;
    int k;
    if (f->host) {
        uint32_t np = f->type->nparams, nr = f->type->nresults;
        if (args + (np > nr ? np : nr) + 1 > E->stack_end) return CX_WASM_TRAP_STACK_EXHAUSTED;
        E->depth = depth;
        E->stack_base = args + (np > nr ? np : nr);
        k = call_host(E, f, args);
    } else {
        E->depth = depth;
        E->stack_base = args;
        k = run(E, f, args, NULL);
    }
    E->stack_base = base0;
    E->depth = d0;
    return k;
}

int cx_wasm_exec(cx_wasm_instance *E, cx_wasm_func *f, uint64_t *io, cx_wasm_trap *trap) {
    int k = !f->host && f->code->jit && f->inst == E ? exec_jit(E, f, io) : run(E, f, io, NULL);
    if (trap) *trap = (cx_wasm_trap)k;
    return k;
}
