/* Internal structures shared by the decoder, compiler and interpreter. */
#ifndef CX_WASM_INT_H
#define CX_WASM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/error.h>
#include <cortex/wasm.h>

#define WASM_PAGE 65536u
/* Host calls in progress on one instance, nested (a host function calling
 * back into wasm that calls the host again...): each level takes C stack,
 * so past this a call traps (stack exhausted) instead of overflowing it. */
#define CX_WASM_MAX_NEST 16

/* One cell of compiled code: a handler address or an immediate. */
typedef union cell {
    const void *op;
    uint64_t u;
    int64_t i;
} cell;

/* A function type in slots: a v128 takes two, its type then V128_HI (see
 * simd.h), so nparams/nresults count slots; vparams/vresults count values. */
typedef struct functype {
    uint32_t nparams, nresults;
    uint32_t vparams, vresults;
    uint8_t *types; /* params then results */
} functype;

typedef struct limits {
    uint32_t min, max; /* max UINT32_MAX: none */
    bool has_max;
} limits;

typedef struct code {
    uint32_t nlocals;   /* slots of params + declared locals (a v128 takes two) */
    uint32_t nvars;     /* params + declared locals, as the code indexes them */
    uint32_t *var_slot; /* slot of each local when one is a v128, else NULL */
    uint32_t nparams;   /* of the function's type (copied here for the call path) */
    uint32_t nresults;
    uint32_t max_height; /* operand stack slots needed above the locals */
    /* the call path's arithmetic, precomputed from the above */
    int64_t fp_off;      /* 1 - nparams: the callee's frame starts at sp + fp_off */
    uint32_t ndecl;      /* nlocals - nparams: sp moves up by this many slots */
    uint32_t room;       /* slots a call needs above sp: ndecl + max_height + 6 */
    uint32_t nzero4;     /* declared (non-param) locals, in groups of four */
    const uint8_t *body; /* expression bytes (in the module copy) */
    uint32_t body_len;
    uint8_t *local_types; /* nlocals */
    cell *cells;          /* compiled form */
    uint32_t ncells;
    const void *jit; /* machine code (jit.c), NULL when interpreted */
} code;

typedef struct import {
    char *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;  /* 0 func 1 table 2 mem 3 global */
    uint32_t type; /* func: type index */
    limits lim;    /* table/mem */
    uint8_t vtype; /* table elem type / global type */
    bool mut;
} import;

typedef struct constexpr {
    uint8_t op;   /* 0x41 i32, 0x42 i64, 0x43 f32, 0x44 f64, 0xD0 ref.null, 0xD2 ref.func, 0x23
                     global.get */
    uint64_t val; /* value or index */
    uint64_t hi;  /* v128.const: bytes 8..15 */
}
constexpr;

typedef struct global_def {
    uint8_t type;
    bool mut;
    constexpr init;
} global_def;

typedef struct export {
    char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
}
export;

typedef struct elem_seg {
    uint8_t mode; /* 0 active 1 passive 2 declarative */
    uint8_t type;
    uint32_t table;
    constexpr offset;
    uint32_t count;
    constexpr *items;
} elem_seg;

typedef struct data_seg {
    uint8_t mode; /* 0 active 1 passive */
    uint32_t memory;
    constexpr offset;
    const uint8_t *bytes;
    uint32_t len;
} data_seg;

struct cx_wasm_module {
    uint8_t *bin; /* private copy of the binary */
    size_t bin_len;
    uint32_t ntypes;
    functype *types;
    uint32_t nimports;
    import *imports;
    uint32_t nfuncs, nfunc_imports; /* total and imported */
    uint32_t *func_type;            /* per function (imports first) */
    code *codes;                    /* nfuncs - nfunc_imports */
    uint32_t ntables, ntable_imports;
    limits *table_lim;
    uint8_t *table_type;
    uint32_t nmems, nmem_imports;
    limits *mem_lim;
    uint32_t nglobals, nglobal_imports;
    global_def *globals; /* all, imports first (init unused for imports) */
    uint32_t nexports;
    export *exports;
    bool has_start;
    uint32_t start;
    uint32_t nelems;
    elem_seg *elems;
    uint32_t ndatas;
    data_seg *datas;
    bool has_datacount;
    uint32_t datacount;
    uint8_t *declared_funcs; /* bitmap: functions ref.func may name */
    cx_wasm_limits lim;
    void *jit_code; /* the JIT's code region (entry trampoline first), or NULL */
    size_t jit_size;
    const void *jit_exit; /* where compiled code leaves with a trap kind */
};

struct cx_wasm_func {
    const functype *type;
    functype own_type;      /* host functions own theirs */
    cx_wasm_instance *inst; /* NULL for host functions */
    const code *code;       /* wasm functions */
    cx_wasm_host_fn host;
    void *host_data;
};

struct cx_wasm_memory {
    uint8_t *data;
    uint64_t size; /* bytes */
    uint32_t pages, max_pages;
    bool mapped; /* data from mmap (large) rather than the heap */
};

struct cx_wasm_table {
    void **elems;
    uint32_t size, max;
    uint8_t type;
};

struct cx_wasm_global {
    uint64_t val;
    uint64_t hi; /* v128: bytes 8..15 */
    uint8_t type;
    bool mut;
};

typedef struct frame {
    const cell *ret_pc; /* NULL: return to the host */
    uint64_t *fp;
    cx_wasm_instance *inst; /* the caller's */
} frame;

struct cx_wasm_instance {
    const cx_wasm_module *mod;
    cx_wasm_func *funcs;       /* own functions: nfuncs - nfunc_imports */
    cx_wasm_func **fptr;       /* all functions by index */
    cx_wasm_table **tables;    /* all */
    cx_wasm_table *own_tables; /* ntables - imports */
    cx_wasm_memory *mem;       /* memory 0 or NULL */
    cx_wasm_memory own_mem;
    bool has_own_mem;
    cx_wasm_global **globals;
    cx_wasm_global *own_globals;
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
    cx_wasm_limits lim;
    /* execution state */
    uint64_t *stack, *stack_end, *stack_base; /* base: where the next entry starts */
    frame *frames;
    uint32_t depth;
    uint64_t fuel;
    bool fuel_on;
    uint64_t deadline;
    uint32_t clock_tick;
    int exit_code;
    void *user;
    /* the JIT's machine stack (mapped on first use) and, while compiled
     * code has called out into C, how far it is in use */
    void *jit_stack;
    size_t jit_stack_size;
    void *jit_sp;
    uint32_t nest; /* host calls (and compiled code's calls out) in progress: each takes C stack */
};

/* Float values in 8-byte slots: their bits, zero-extended for f32. */
static inline float F32(uint64_t v) {
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, 4);
    return f;
}
static inline double F64(uint64_t v) {
    double d;
    memcpy(&d, &v, 8);
    return d;
}
static inline uint64_t BF32(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}
static inline uint64_t BF64(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

/* Grow *p (*cap elements of elem bytes) to hold need, doubling; false when
 * out of memory (*p is then unchanged). */
static inline bool cx_wasm_grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

/* Type helpers. */
static inline bool functype_eq(const functype *a, const functype *b) {
    return a == b || (a->nparams == b->nparams && a->nresults == b->nresults &&
                      memcmp(a->types, b->types, a->nparams + a->nresults) == 0);
}

/* decode.c: set ft from value types, expanding each v128 to two slots. */
int cx_wasm_functype_set(functype *ft, const uint8_t *params, uint32_t np, const uint8_t *results,
                         uint32_t nr);
/* instance.c: values <-> value-stack slots, by the declared slot types */
void cx_wasm_slots_to_vals(const uint8_t *types, uint32_t nvals, const uint64_t *slots,
                           cx_wasm_val *out);
void cx_wasm_vals_to_slots(const uint8_t *types, uint32_t nvals, const cx_wasm_val *v,
                           uint64_t *slots);

/* compile.c: validate (and if emit, compile) function body i (defined index). */
int cx_wasm_compile_body(cx_wasm_module *m, uint32_t def_index, bool emit, char *err);
/* interp.c: the handler table (indexed by internal op) */
const void *const *cx_wasm_op_table(void);
/* interp.c: run f with args on inst's stack. sp points at the top arg. */
int cx_wasm_exec(cx_wasm_instance *inst, cx_wasm_func *f, uint64_t *args, cx_wasm_trap *trap);
/* instance.c */
uint64_t cx_wasm_now_ns(void);
int cx_wasm_memory_grow_pages(cx_wasm_memory *m, uint32_t delta, uint32_t limit);
int cx_wasm_table_grow_n(cx_wasm_table *t, uint32_t delta, void *init, uint32_t limit);
void cx_wasm_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
