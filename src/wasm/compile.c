/* Function bodies: one pass that validates (operand and control stacks, as in
 * the specification's algorithm) and emits the direct-threaded form.
 *
 * Every value takes one 8-byte slot, so the validator's type-stack height is
 * also the slot height: branches know statically how many slots to keep and
 * where to move them, and the interpreter never searches for a label.
 * Forward branch targets are chained through their own cells and patched
 * at the block's end; a last pass turns cell indexes into addresses.
 */
#include <stdlib.h>
#include "ops.h"
#include "reader.h"
#include "simd.h"

#define UNKNOWN 0

enum { K_BLOCK, K_LOOP, K_IF, K_ELSE, K_FUNC };

typedef struct ctl {
    uint8_t kind;
    bool unreachable;
    uint32_t height;
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t start;      /* loop: first cell */
    uint32_t patch;      /* chain of forward references (cell index + 1) */
    uint32_t else_patch; /* if: the BR_UNLESS target cell + 1 */
} ctl;

typedef struct cg {
    cx_wasm_module *m;
    code *c;
    reader r;
    const void *const *ops;
    uint8_t *vals;
    uint32_t nvals, capvals, maxvals;
    ctl *ctls;
    uint32_t nctls, capctls;
    cell *cells;
    uint32_t ncells, capcells;
    uint32_t *targets; /* cells holding a target index */
    uint32_t ntargets, captargets;
    bool oom;
    int last_op;       /* last emitted operation, for fusion (-1: none) */
    uint32_t last_pos; /* its cell */
    int prev_op;       /* the one before it (-1: none or fused away) */
    uint32_t prev_pos;
    int prev2_op; /* and the one before that (-1: unknown) */
    uint32_t prev2_pos;
    uint32_t barrier; /* no fusion across a label at or before this cell */
} cg;

static const uint8_t one_type[256] = {[0x7F] = 0x7F, [0x7E] = 0x7E, [0x7D] = 0x7D, [0x7C] = 0x7C,
                                      [0x7B] = 0x7B, [0x70] = 0x70, [0x6F] = 0x6F};
static const uint8_t v128_slots[2] = {CX_WASM_V128, V128_HI}; /* a v128's two stack entries */

static int err(cg *g, const char *msg) {
    return rd_fail(&g->r, msg);
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

/* ---- emission ---- */
static uint32_t emit_u(cg *g, uint64_t v) {
    if (!cx_wasm_grow((void **)&g->cells, &g->capcells, g->ncells + 1, sizeof(cell))) {
        g->oom = true;
        return 0;
    }
    g->cells[g->ncells].u = v;
    return g->ncells++;
}

static void emit_op(cg *g, int op) {
    uint32_t i = emit_u(g, 0);
    if (!g->oom) g->cells[i].op = g->ops ? g->ops[op] : NULL;
    g->prev2_op = g->prev_op;
    g->prev2_pos = g->prev_pos;
    g->prev_op = g->last_op;
    g->prev_pos = g->last_pos;
    g->last_op = op;
    g->last_pos = i;
}

/* ---- superinstructions (see ops.h) ---- */
#define FAM_BASE_(n, e) OP_##n,
static const int16_t fam_base[] = {CX_WASM_FUSE32(FAM_BASE_) CX_WASM_FUSE64(FAM_BASE_)};
static const int16_t cmp_base[] = {CX_WASM_CMP32(FAM_BASE_)};
#undef FAM_BASE_
#define NFAMS     ((int)(sizeof fam_base / sizeof fam_base[0]))
#define NCMPS     ((int)(sizeof cmp_base / sizeof cmp_base[0]))
#define FAM_FIRST OP_I32_ADD_L

/* Family of a fusable operation (base or fused form) and its form (-1 for
 * the plain stack form), or -1. */
static int family(int op, int *form) {
    if (op >= FAM_FIRST && op < FAM_FIRST + NFAMS * NFORMS) {
        *form = (op - FAM_FIRST) % NFORMS;
        return (op - FAM_FIRST) / NFORMS;
    }
    for (int i = 0; i < NFAMS; i++)
        if (fam_base[i] == op) {
            *form = -1;
            return i;
        }
    return -1;
}

static int fam_op(int fam, int form) {
    return FAM_FIRST + fam * NFORMS + form;
}

static void set_op(cg *g, uint32_t at, int op) {
    if (!g->oom) g->cells[at].op = g->ops ? g->ops[op] : NULL;
}

/* Cells an operation occupies (for the fusable ones), so that fusion only
 * looks at an operation that is the very last thing emitted. */
static uint32_t fam_cells(int form) {
    return form < 0 ? 1 : form == FORM_LL || form == FORM_LC ? 3 : 2;
}

/* The last emitted operation, if it may be fused with what follows: it ends
 * at the current cell and no label lies on or inside it (bar its start). */
static bool fusable_last(cg *g, int op, uint32_t ncells_op) {
    return !g->oom && g->last_op == op && g->last_pos >= g->barrier &&
           g->last_pos + ncells_op == g->ncells;
}

/* Two-operation superinstructions (ops.h): the inner and outer operations of
 * each, and the first of its four forms. */
#define COMBO_ROW_(n1, n2, T, e1, e2) {OP_##n1, OP_##n2, OP_##n1##__##n2},
static const int16_t combos[][3] = {CX_WASM_COMBOS(COMBO_ROW_)};
#undef COMBO_ROW_
#define LOADOP_ROW_(ln, T, n, e) {OP_##ln, OP_##n, OP_##ln##__##n##_L},
static const int16_t loadops[][3] = {CX_WASM_LOADOPS(LOADOP_ROW_)};
#undef LOADOP_ROW_
enum { CF_S, CF_LC, CF_LL, CF_LT };

/* Whether the previous operation is `op` occupying `n` cells right before
 * the last one, with no label inside either. */
static bool fusable_prev(cg *g, int op, uint32_t n) {
    return !g->oom && g->prev_op == op && g->prev_pos >= g->barrier &&
           g->prev_pos + n == g->last_pos;
}

/* "n1 (stack, _LC or _LL form); n2" or "load (_L, _ALL, _ALC); n2" as one
 * operation, for the pairs listed in ops.h; n2 is a plain stack operation. */
static bool fuse_pair(cg *g, int op) {
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
        if (combos[i][1] != op) continue;
        int f1 = family(combos[i][0], &(int){0});
        int form = -1;
        if (fusable_last(g, combos[i][0], 1))
            form = CF_S;
        else if (fusable_last(g, fam_op(f1, FORM_LC), 3))
            form = CF_LC;
        else if (fusable_last(g, fam_op(f1, FORM_LL), 3))
            form = CF_LL;
        if (form < 0) continue;
        set_op(g, g->last_pos, combos[i][2] + form);
        g->last_op = combos[i][2] + form;
        g->prev_op = -1;
        return true;
    }
    for (size_t i = 0; i < sizeof loadops / sizeof loadops[0]; i++) {
        if (loadops[i][1] != op) continue;
        int k = loadops[i][0] - OP_I32_LOAD, to = -1;
        if (fusable_last(g, OP_I32_LOAD_L + k, 3))
            to = loadops[i][2];
        else if (fusable_last(g, OP_I32_LOAD_ALL + k, 4))
            to = loadops[i][2] + 1;
        else if (fusable_last(g, OP_I32_LOAD_ALC + k, 4))
            to = loadops[i][2] + 2;
        if (to < 0) continue;
        set_op(g, g->last_pos, to);
        g->last_op = to;
        g->prev_op = -1;
        return true;
    }
    return false;
}

/* Emit a numeric op, fused with preceding local.get/const operands when no
 * label lies between them: "local.get b; i32.add" becomes "i32.add_L b",
 * "local.get a; i32.const c; i32.add" becomes "i32.add_LC a c". */
static void emit_num(cg *g, int op) {
    int form;
    int fam = family(op, &form);
    if (fam >= 0 && !g->oom && g->last_pos >= g->barrier && g->last_pos + 2 == g->ncells &&
        (g->last_op == OP_LOCAL_GET || g->last_op == OP_CONST)) {
        bool local = g->last_op == OP_LOCAL_GET;
        if (g->prev_op == OP_LOCAL_GET && g->prev_pos + 2 == g->last_pos &&
            g->prev_pos >= g->barrier) {
            uint32_t at = g->prev_pos;
            int f = fam_op(fam, local ? FORM_LL : FORM_LC);
            set_op(g, at, f);
            g->cells[at + 2] = g->cells[at + 3];
            g->ncells = at + 3;
            g->last_op = f;
            g->last_pos = at;
            g->prev_op = g->prev2_op; /* what preceded the local.get */
            g->prev_pos = g->prev2_pos;
            g->prev2_op = -1;
            return;
        }
        int f = fam_op(fam, local ? FORM_L : FORM_C);
        set_op(g, g->last_pos, f);
        g->last_op = f;
        return;
    }
    if (fam >= 0 && form < 0 && fuse_pair(g, op)) return;
    emit_op(g, op);
}

/* "op; local.set d" for a fusable op: the result goes straight to the local.
 * Also "local.get a; local.set d" and "const c; local.set d". */
static bool fuse_set(cg *g, uint32_t d) {
    int pre_op = g->prev_op;
    uint32_t pre_pos = g->prev_pos;
    int form;
    int fam = family(g->last_op, &form);
    int to = -1;
    if (fam >= 0 && form < 0 && fusable_last(g, g->last_op, 1) && g->prev_op >= FAM_FIRST)
        for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
            int f1 = family(combos[i][0], &(int){0});
            if (combos[i][1] != g->last_op || !fusable_prev(g, fam_op(f1, FORM_L), 2)) continue;
            /* "n1_L b; n2; local.set d" */
            uint32_t at = g->prev_pos;
            set_op(g, at, combos[i][2] + CF_LT);
            g->ncells = at + 2;
            emit_u(g, d);
            g->last_op = combos[i][2] + CF_LT;
            g->last_pos = at;
            g->prev_op = -1;
            return true;
        }
    if (fam >= 0 && form <= FORM_LC && fusable_last(g, g->last_op, fam_cells(form))) {
        static const int8_t set_form[] = {
            [FORM_L] = FORM_LT, [FORM_C] = FORM_CT, [FORM_LL] = FORM_LLT, [FORM_LC] = FORM_LCT};
        to = fam_op(fam, form < 0 ? FORM_T : set_form[form]);
    } else if (g->last_op >= OP_I32_LOAD && g->last_op <= OP_I64_LOAD32_U &&
               fusable_last(g, g->last_op, 2))
        to = OP_I32_LOAD_T + (g->last_op - OP_I32_LOAD);
    else if (g->last_op >= OP_I32_LOAD_L && g->last_op <= OP_I64_LOAD32_U_L &&
             fusable_last(g, g->last_op, 3))
        to = OP_I32_LOAD_LT + (g->last_op - OP_I32_LOAD_L);
    else if (fusable_last(g, OP_LOCAL_GET, 2)) {
        if (g->prev_op == OP_LOCAL_COPY && g->prev_pos + 3 == g->last_pos &&
            g->prev_pos >= g->barrier) { /* two copies in a row: one operation */
            uint32_t at = g->prev_pos;
            set_op(g, at, OP_LOCAL_COPY2);
            g->cells[at + 3] = g->cells[at + 4];
            g->ncells = at + 4;
            emit_u(g, d);
            g->last_op = OP_LOCAL_COPY2;
            g->last_pos = at;
            g->prev_op = -1;
            return true;
        }
        to = OP_LOCAL_COPY;
    } else if (fusable_last(g, OP_CONST, 2))
        to = OP_LOCAL_SET_C;
    if (to < 0) return false;
    set_op(g, g->last_pos, to);
    emit_u(g, d);
    g->last_op = to;
    g->prev_op = -1;
    /* An operation that reads only locals and writes local d may run before
     * a "local.get x" (x != d) just before it, so that the local.get can
     * fuse with what follows ("local.get n; <i += 2>; local.get i; i32.ne"). */
    bool neutral = to == OP_LOCAL_COPY || to == OP_LOCAL_SET_C ||
                   (to >= OP_I32_LOAD_LT && to <= OP_I64_LOAD32_U_LT) ||
                   (fam >= 0 && (to == fam_op(fam, FORM_LLT) || to == fam_op(fam, FORM_LCT)));
    if (neutral && !g->oom && pre_op == OP_LOCAL_GET && pre_pos >= g->barrier &&
        pre_pos + 2 == g->last_pos && g->cells[pre_pos + 1].u != d) {
        uint64_t x = g->cells[pre_pos + 1].u;
        const void *get = g->cells[pre_pos].op;
        uint32_t n = g->ncells - g->last_pos;
        memmove(&g->cells[pre_pos], &g->cells[g->last_pos], n * sizeof(cell));
        g->prev_op = to;
        g->prev_pos = pre_pos;
        g->last_pos = pre_pos + n;
        g->cells[g->last_pos].op = get;
        g->cells[g->last_pos + 1].u = x;
        g->last_op = OP_LOCAL_GET;
    }
    return true;
}

/* "i32 comparison; br_if L" (plain branch) as one operation; "i32.eqz; br_if"
 * as BR_UNLESS. Returns the operation emitted or -1. */
static bool fuse_br_if(cg *g) {
    if (fusable_last(g, OP_LOCAL_GET, 2)) {
        set_op(g, g->last_pos, OP_BR_IF_L);
        g->last_op = OP_BR_IF_L;
        return true;
    }
    if (fusable_last(g, OP_I32_EQZ, 1)) {
        set_op(g, g->last_pos, OP_BR_UNLESS);
        g->last_op = OP_BR_UNLESS;
        return true;
    }
    int form;
    int fam = family(g->last_op, &form);
    if (fam < 0 || form > FORM_LC || !fusable_last(g, g->last_op, fam_cells(form))) return false;
    for (int c = 0; c < NCMPS; c++)
        if (cmp_base[c] == fam_base[fam]) {
            static const int8_t bform[] = {
                [FORM_L] = BFORM_L, [FORM_C] = BFORM_C, [FORM_LL] = BFORM_LL, [FORM_LC] = BFORM_LC};
            int op = OP_BR_I32_EQ + c * NBFORMS + (form < 0 ? BFORM_S : bform[form]);
            set_op(g, g->last_pos, op);
            g->last_op = op;
            return true;
        }
    return false;
}

/* A target cell: its index is remembered for the final address pass. */
static uint32_t emit_target(cg *g, uint64_t v) {
    uint32_t i = emit_u(g, v);
    if (!cx_wasm_grow((void **)&g->targets, &g->captargets, g->ntargets + 1, sizeof(uint32_t)))
        g->oom = true;
    else
        g->targets[g->ntargets++] = i;
    return i;
}

/* ---- operand stack ---- */
static int push(cg *g, uint8_t t) {
    if (!cx_wasm_grow((void **)&g->vals, &g->capvals, g->nvals + 1, 1)) return CX_ENOMEM;
    g->vals[g->nvals++] = t;
    if (g->nvals > g->maxvals) g->maxvals = g->nvals;
    return 0;
}

static int pop(cg *g, uint8_t *out) {
    ctl *c = &g->ctls[g->nctls - 1];
    if (g->nvals == c->height) {
        if (c->unreachable) {
            *out = UNKNOWN;
            return 0;
        }
        return err(g, "type mismatch");
    }
    *out = g->vals[--g->nvals];
    return 0;
}

static int pop_expect(cg *g, uint8_t want) {
    uint8_t t;
    TRY(pop(g, &t));
    if (t != want && t != UNKNOWN && want != UNKNOWN) return err(g, "type mismatch");
    return 0;
}

static int pop_n(cg *g, const uint8_t *types, uint32_t n) {
    for (uint32_t i = n; i-- > 0;) TRY(pop_expect(g, types[i]));
    return 0;
}

static int push_n(cg *g, const uint8_t *types, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) TRY(push(g, types[i]));
    return 0;
}

static int push_v128(cg *g) {
    return push_n(g, v128_slots, 2);
}
static int pop_v128(cg *g) {
    return pop_n(g, v128_slots, 2);
}
/* Pop one value of any type; a v128 comes off as both its entries. */
static int pop_val(cg *g, uint8_t *t) {
    TRY(pop(g, t));
    if (*t != V128_HI) return 0;
    *t = CX_WASM_V128;
    return pop_expect(g, CX_WASM_V128);
}

static bool is_num(uint8_t t) {
    return t == 0x7F || t == 0x7E || t == 0x7D || t == 0x7C || t == UNKNOWN;
}
static bool is_ref(uint8_t t) {
    return t == 0x70 || t == 0x6F || t == UNKNOWN;
}

static void set_unreachable(cg *g) {
    ctl *c = &g->ctls[g->nctls - 1];
    g->nvals = c->height;
    c->unreachable = true;
}

static int push_ctl(cg *g, uint8_t kind, const uint8_t *p, uint32_t np, const uint8_t *r,
                    uint32_t nr) {
    if (g->nctls >= g->m->lim.max_nesting) {
        cx_wasm_err(g->r.err, "limit exceeded: nesting");
        return CX_ELIMIT;
    }
    if (!cx_wasm_grow((void **)&g->ctls, &g->capctls, g->nctls + 1, sizeof(ctl))) return CX_ENOMEM;
    ctl *c = &g->ctls[g->nctls++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->params = p, c->nparams = np, c->results = r, c->nresults = nr;
    c->height = g->nvals;
    c->start = g->ncells;
    return push_n(g, p, np);
}

static void patch_chain(cg *g, uint32_t head, uint32_t to) {
    while (head) {
        uint32_t at = head - 1;
        head = (uint32_t)g->cells[at].u;
        g->cells[at].u = to;
    }
}

/* The back-edge form of a plain branch operation, or -1. */
static int loop_variant(int op) {
    switch (op) {
    case OP_BR:
        return OP_BR_LOOP;
    case OP_BR_IF:
        return OP_BR_IF_LOOP;
    case OP_BR_UNLESS:
        return OP_BR_UNLESS_LOOP;
    case OP_BR_IF_L:
        return OP_BR_IF_L_LOOP;
    default:
        if (op >= OP_BR_I32_EQ && op < OP_BR_I32_EQ + NCMPS * NBFORMS)
            return op - OP_BR_I32_EQ + OP_BRL_I32_EQ;
        return -1;
    }
}

/* "i32.add_LCT a c d; (compare and branch)_LL or _LC" as one operation
 * (BRA_/BRAL_, see ops.h), called before the branch target is emitted. */
static void fuse_step(cg *g) {
    int op = g->last_op, base;
    if (op >= OP_BR_I32_EQ && op < OP_BR_I32_EQ + NCMPS * NBFORMS)
        base = OP_BRA_I32_EQ_LL, op -= OP_BR_I32_EQ;
    else if (op >= OP_BRL_I32_EQ && op < OP_BRL_I32_EQ + NCMPS * NBFORMS)
        base = OP_BRAL_I32_EQ_LL, op -= OP_BRL_I32_EQ;
    else
        return;
    int form = op % NBFORMS, cmp = op / NBFORMS;
    if ((form != BFORM_LL && form != BFORM_LC) || !fusable_last(g, g->last_op, 3) ||
        !fusable_prev(g, OP_I32_ADD_LCT, 4))
        return;
    int per = OP_BRA_I32_NE_LL - OP_BRA_I32_EQ_LL; /* operations per comparison */
    int to = base + cmp * per + (form == BFORM_LC);
    uint32_t at = g->prev_pos;
    set_op(g, at, to);
    g->cells[at + 4] = g->cells[at + 5];
    g->cells[at + 5] = g->cells[at + 6];
    g->ncells = at + 6;
    g->last_op = to;
    g->last_pos = at;
    g->prev_op = -1;
}

/* Emit a branch to label `depth`: plain when the stack already has exactly
 * the label's values on top of its height, else with a move of the values. */
static int emit_br(cg *g, uint32_t depth, int plain_op, int drop_op) {
    if (depth >= g->nctls) return err(g, "unknown label");
    ctl *t = &g->ctls[g->nctls - 1 - depth];
    uint32_t arity = t->kind == K_LOOP ? t->nparams : t->nresults;
    uint64_t dest = (uint64_t)g->c->nlocals + t->height;
    uint64_t cur = (uint64_t)g->c->nlocals + g->nvals;
    bool plain = !g->ctls[g->nctls - 1].unreachable && cur == dest + arity;
    if (!(plain && plain_op == OP_BR_IF && fuse_br_if(g))) emit_op(g, plain ? plain_op : drop_op);
    uint32_t at;
    if (t->kind == K_LOOP) {
        /* a plain back edge charges the iteration itself and skips LOOP_FUEL */
        int lo = plain ? loop_variant(g->last_op) : -1;
        if (lo >= 0) {
            set_op(g, g->last_pos, lo);
            g->last_op = lo;
        }
        fuse_step(g);
        at = emit_target(g, t->start + (lo >= 0));
    } else {
        if (plain) fuse_step(g);
        at = emit_target(g, t->patch);
        t->patch = at + 1;
    }
    (void)at;
    if (!plain) emit_u(g, dest << 32 | arity);
    return 0;
}

static const uint8_t *label_types(ctl *t, uint32_t *n) {
    if (t->kind == K_LOOP) {
        *n = t->nparams;
        return t->params;
    }
    *n = t->nresults;
    return t->results;
}

static int read_blocktype(cg *g, const uint8_t **p, uint32_t *np, const uint8_t **r, uint32_t *nr) {
    if (g->r.p >= g->r.end) return err(g, "unexpected end");
    uint8_t b = *g->r.p;
    *np = 0, *nr = 0;
    *p = NULL, *r = NULL;
    if (b == 0x40) {
        g->r.p++;
        return 0;
    }
    if (b == 0x7B) {
        g->r.p++;
        *r = v128_slots;
        *nr = 2;
        return 0;
    }
    if (b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x70 || b == 0x6F) {
        g->r.p++;
        *r = &one_type[b];
        *nr = 1;
        return 0;
    }
    int64_t idx;
    TRY(rd_sleb(&g->r, 33, &idx));
    if (idx < 0 || (uint64_t)idx >= g->m->ntypes) return err(g, "unknown type");
    functype *ft = &g->m->types[idx];
    *p = ft->types, *np = ft->nparams;
    *r = ft->types + ft->nparams, *nr = ft->nresults;
    return 0;
}

/* "ii:i" style signature of the numeric opcodes 0x45..0xC4. */
static const char *num_sig(uint8_t op) {
    if (op == 0x45) return "i:i";
    if (op <= 0x4F) return "ii:i";
    if (op == 0x50) return "I:i";
    if (op <= 0x5A) return "II:i";
    if (op <= 0x60) return "ff:i";
    if (op <= 0x66) return "FF:i";
    if (op <= 0x69) return "i:i";
    if (op <= 0x78) return "ii:i";
    if (op <= 0x7B) return "I:I";
    if (op <= 0x8A) return "II:I";
    if (op <= 0x91) return "f:f";
    if (op <= 0x98) return "ff:f";
    if (op <= 0x9F) return "F:F";
    if (op <= 0xA6) return "FF:F";
    static const char *const conv[] = {"I:i", "f:i", "f:i", "F:i", "F:i", "i:I", "i:I", "f:I",
                                       "f:I", "F:I", "F:I", "i:f", "i:f", "I:f", "I:f", "F:f",
                                       "i:F", "i:F", "I:F", "I:F", "f:F", "f:i", "F:I", "i:f",
                                       "I:F", "i:i", "i:i", "I:I", "I:I", "I:I"};
    return conv[op - 0xA7];
}

static uint8_t sig_type(char c) {
    return c == 'i' ? 0x7F : c == 'I' ? 0x7E : c == 'f' ? 0x7D : 0x7C;
}

/* Pop the parameters and push the results of a signature ('v': a v128). */
static int apply_sig(cg *g, const char *s) {
    const char *colon = strchr(s, ':');
    for (const char *q = colon; q-- > s;)
        TRY(*q == 'v' ? pop_v128(g) : pop_expect(g, sig_type(*q)));
    for (const char *q = colon + 1; *q; q++) TRY(*q == 'v' ? push_v128(g) : push(g, sig_type(*q)));
    return 0;
}

static int need_mem(cg *g) {
    if (g->m->nmems == 0) return err(g, "unknown memory");
    return 0;
}

static int zero_byte(cg *g) {
    uint8_t b;
    TRY(rd_u8(&g->r, &b));
    if (b != 0) return err(g, "zero byte expected");
    return 0;
}

static int memarg(cg *g, uint32_t natural_log2) {
    uint32_t align, offset;
    TRY(rd_u32(&g->r, &align));
    TRY(rd_u32(&g->r, &offset));
    TRY(need_mem(g));
    if (align > natural_log2) return err(g, "alignment must not be larger than natural");
    emit_u(g, offset);
    return 0;
}

static int table_idx(cg *g, uint32_t *t) {
    TRY(rd_u32(&g->r, t));
    if (*t >= g->m->ntables) return err(g, "unknown table");
    return 0;
}

/* local.get/set/tee of a v128 in slot s: the same operations on both slots
 * (so the scalar fusions still apply: a v128 copy becomes LOCAL_COPY2). */
static void emit_set(cg *g, uint32_t d) {
    if (fuse_set(g, d)) return;
    emit_op(g, OP_LOCAL_SET);
    emit_u(g, d);
}
static void emit_get(cg *g, uint32_t s) {
    emit_op(g, OP_LOCAL_GET);
    emit_u(g, s);
}
static int local_v128(cg *g, uint8_t op, uint32_t s) {
    if (op != 0x20) TRY(pop_v128(g));
    if (op != 0x21) TRY(push_v128(g));
    if (op != 0x20) {
        emit_set(g, s + 1);
        emit_set(g, s);
    }
    if (op != 0x21) {
        emit_get(g, s);
        emit_get(g, s + 1);
    }
    return 0;
}

/* The operations the interpreter runs inline, by sub-opcode (0: none). */
static const int16_t simd_inline[256] = {
#define SI_ROW_(n, sub) [sub] = OP_##n,
    CX_WASM_SIMD_INLINE(SI_ROW_)
#undef SI_ROW_
};

/* One 0xFD operation (see simd.h for the cells it compiles to). */
static int simd(cg *g) {
    uint32_t sub, align = 0, offset = 0;
    uint8_t lane = 0;
    const uint8_t *b = NULL;
    TRY(rd_u32(&g->r, &sub));
    const simd_info *si = sub < 256 ? &cx_wasm_simd_info[sub] : NULL;
    if (!si || !si->name) return err(g, "illegal opcode");
    if (si->imm == SIMD_MEM || si->imm == SIMD_MEMLANE) {
        TRY(rd_u32(&g->r, &align));
        TRY(rd_u32(&g->r, &offset));
        TRY(need_mem(g));
        if (align > si->align) return err(g, "alignment must not be larger than natural");
    }
    if (si->imm == SIMD_LANE || si->imm == SIMD_MEMLANE) {
        TRY(rd_u8(&g->r, &lane));
        if (lane >= si->lanes) return err(g, "invalid lane index");
    }
    if (si->imm == SIMD_SHUFFLE || si->imm == SIMD_CONST) TRY(rd_bytes(&g->r, 16, &b));
    if (si->imm == SIMD_SHUFFLE)
        for (int k = 0; k < 16; k++)
            if (b[k] >= si->lanes) return err(g, "invalid lane index");
    TRY(apply_sig(g, si->sig));
    if (si->imm == SIMD_CONST) { /* two plain constants, one per slot */
        uint64_t lo, hi;
        memcpy(&lo, b, 8);
        memcpy(&hi, b + 8, 8);
        emit_op(g, OP_CONST);
        emit_u(g, lo);
        emit_op(g, OP_CONST);
        emit_u(g, hi);
        return 0;
    }
    uint32_t nimm =
        1 + (si->imm == SIMD_MEM || si->imm == SIMD_MEMLANE) + 2 * (si->imm == SIMD_SHUFFLE);
    emit_op(g, simd_inline[sub] ? simd_inline[sub] : OP_SIMD);
    emit_u(g, sub | (uint32_t)lane << 8 | nimm << 16);
    if (si->imm == SIMD_MEM || si->imm == SIMD_MEMLANE) emit_u(g, offset);
    if (si->imm == SIMD_SHUFFLE) {
        uint64_t w[2];
        memcpy(w, b, 16);
        emit_u(g, w[0]);
        emit_u(g, w[1]);
    }
    return 0;
}

static int body(cg *g) {
    cx_wasm_module *m = g->m;
    code *c = g->c;
    reader *r = &g->r;
    for (;;) {
        uint8_t op;
        if (g->oom) return CX_ENOMEM;
        TRY(rd_u8(r, &op));
        switch (op) {
        case 0x00:
            emit_op(g, OP_UNREACHABLE);
            set_unreachable(g);
            break;
        case 0x01:
            break;
        case 0x02:
        case 0x03:
        case 0x04: {
            const uint8_t *p, *res;
            uint32_t np, nr;
            TRY(read_blocktype(g, &p, &np, &res, &nr));
            if (op == 0x04) TRY(pop_expect(g, 0x7F));
            TRY(pop_n(g, p, np));
            TRY(push_ctl(g, op == 0x02 ? K_BLOCK : op == 0x03 ? K_LOOP : K_IF, p, np, res, nr));
            if (op == 0x03) {
                emit_op(g, OP_LOOP_FUEL);
                g->barrier = g->ncells; /* back edges land after LOOP_FUEL */
            }
            if (op == 0x04) {
                if (fusable_last(g, OP_LOCAL_GET, 2)) { /* "local.get c; if" */
                    set_op(g, g->last_pos, OP_BR_UNLESS_L);
                    g->last_op = OP_BR_UNLESS_L;
                } else
                    emit_op(g, OP_BR_UNLESS);
                g->ctls[g->nctls - 1].else_patch = emit_target(g, 0) + 1;
            }
            break;
        }
        case 0x05: {
            ctl *t = &g->ctls[g->nctls - 1];
            if (t->kind != K_IF) return err(g, "else without if");
            TRY(pop_n(g, t->results, t->nresults));
            if (g->nvals != t->height) return err(g, "type mismatch");
            emit_op(g, OP_BR);
            uint32_t at = emit_target(g, t->patch);
            t->patch = at + 1;
            if (!g->oom) g->cells[t->else_patch - 1].u = g->ncells;
            g->barrier = g->ncells;
            t->else_patch = 0;
            t->kind = K_ELSE;
            t->unreachable = false;
            TRY(push_n(g, t->params, t->nparams));
            break;
        }
        case 0x0B: {
            ctl *t = &g->ctls[g->nctls - 1];
            TRY(pop_n(g, t->results, t->nresults));
            if (g->nvals != t->height) return err(g, "type mismatch");
            if (t->kind == K_IF) {
                /* no else: the implicit one passes params through */
                if (t->nparams != t->nresults ||
                    (t->nparams && memcmp(t->params, t->results, t->nparams) != 0))
                    return err(g, "type mismatch");
            }
            if (t->kind == K_FUNC) {
                if (g->oom) return CX_ENOMEM;
                patch_chain(g, t->patch, g->ncells);
                emit_op(g, t->nresults == 1 ? OP_RETURN1 : OP_RETURN);
                if (t->nresults != 1) emit_u(g, t->nresults);
                if (g->oom) return CX_ENOMEM;
                g->nctls--;
                if (r->p != r->end) return err(g, "section size mismatch");
                return 0;
            }
            if (!g->oom) {
                patch_chain(g, t->patch, g->ncells);
                if (t->else_patch) g->cells[t->else_patch - 1].u = g->ncells;
            }
            g->barrier = g->ncells;
            const uint8_t *res = t->results;
            uint32_t nr = t->nresults;
            g->nctls--;
            TRY(push_n(g, res, nr));
            break;
        }
        case 0x0C:
        case 0x0D: {
            uint32_t d;
            TRY(rd_u32(r, &d));
            if (op == 0x0D) TRY(pop_expect(g, 0x7F));
            if (d >= g->nctls) return err(g, "unknown label");
            uint32_t n;
            const uint8_t *lt = label_types(&g->ctls[g->nctls - 1 - d], &n);
            TRY(pop_n(g, lt, n));
            TRY(push_n(g, lt, n));
            TRY(emit_br(g, d, op == 0x0C ? OP_BR : OP_BR_IF,
                        op == 0x0C ? OP_BR_DROP : OP_BR_IF_DROP));
            if (op == 0x0C) set_unreachable(g);
            break;
        }
        case 0x0E: {
            uint32_t n;
            TRY(rd_u32(r, &n));
            if (n > (size_t)(r->end - r->p)) return err(g, "unexpected end");
            TRY(pop_expect(g, 0x7F));
            emit_op(g, OP_BR_TABLE);
            emit_u(g, n);
            uint32_t arity = 0;
            for (uint32_t i = 0; i <= n; i++) {
                uint32_t d;
                TRY(rd_u32(r, &d));
                if (d >= g->nctls) return err(g, "unknown label");
                ctl *t = &g->ctls[g->nctls - 1 - d];
                uint32_t na;
                const uint8_t *lt = label_types(t, &na);
                if (i == 0)
                    arity = na;
                else if (na != arity)
                    return err(g, "type mismatch");
                /* check types without consuming */
                uint32_t save = g->nvals;
                TRY(pop_n(g, lt, na));
                g->nvals = save;
                if (g->ctls[g->nctls - 1].unreachable &&
                    g->nvals < g->ctls[g->nctls - 1].height + na) {
                    /* polymorphic stack: each label still must agree with the known types */
                }
                uint64_t dest = (uint64_t)c->nlocals + t->height;
                uint32_t at;
                if (t->kind == K_LOOP)
                    at = emit_target(g, t->start);
                else {
                    at = emit_target(g, t->patch);
                    t->patch = at + 1;
                }
                (void)at;
                emit_u(g, dest << 32 | na);
            }
            set_unreachable(g);
            break;
        }
        case 0x0F: {
            ctl *f = &g->ctls[0];
            TRY(pop_n(g, f->results, f->nresults));
            emit_op(g, f->nresults == 1 ? OP_RETURN1 : OP_RETURN);
            if (f->nresults != 1) emit_u(g, f->nresults);
            set_unreachable(g);
            break;
        }
        case 0x10: {
            uint32_t fi;
            TRY(rd_u32(r, &fi));
            if (fi >= m->nfuncs) return err(g, "unknown function");
            functype *ft = &m->types[m->func_type[fi]];
            TRY(pop_n(g, ft->types, ft->nparams));
            TRY(push_n(g, ft->types + ft->nparams, ft->nresults));
            if (fi >= m->nfunc_imports) { /* same instance, never a host function */
                emit_op(g, OP_CALL_LOCAL);
                emit_u(g, (uint64_t)(uintptr_t)&m->codes[fi - m->nfunc_imports]);
            } else {
                emit_op(g, OP_CALL);
                emit_u(g, fi);
            }
            break;
        }
        case 0x11: {
            uint32_t ti, tab;
            TRY(rd_u32(r, &ti));
            TRY(table_idx(g, &tab));
            if (ti >= m->ntypes) return err(g, "unknown type");
            if (m->table_type[tab] != 0x70) return err(g, "type mismatch");
            TRY(pop_expect(g, 0x7F));
            functype *ft = &m->types[ti];
            TRY(pop_n(g, ft->types, ft->nparams));
            TRY(push_n(g, ft->types + ft->nparams, ft->nresults));
            emit_op(g, OP_CALL_INDIRECT);
            emit_u(g, ti);
            emit_u(g, tab);
            break;
        }
        case 0x1A: {
            uint8_t t;
            TRY(pop_val(g, &t));
            emit_op(g, OP_DROP);
            if (t == CX_WASM_V128) emit_op(g, OP_DROP);
            break;
        }
        case 0x1B:
        case 0x1C: {
            uint8_t t1, t2, want = UNKNOWN;
            if (op == 0x1C) {
                uint32_t n;
                TRY(rd_u32(r, &n));
                if (n != 1) return err(g, "invalid result arity");
                TRY(rd_u8(r, &want));
                if (!one_type[want]) return err(g, "malformed value type");
            }
            TRY(pop_expect(g, 0x7F));
            TRY(pop_val(g, &t1));
            TRY(pop_val(g, &t2));
            if (op == 0x1B) { /* untyped: numbers and vectors */
                if ((!is_num(t1) && t1 != CX_WASM_V128) || (!is_num(t2) && t2 != CX_WASM_V128))
                    return err(g, "type mismatch");
                if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) return err(g, "type mismatch");
                want = t1 == UNKNOWN ? t2 : t1;
            } else if ((t1 != want && t1 != UNKNOWN) || (t2 != want && t2 != UNKNOWN))
                return err(g, "type mismatch");
            if (want == CX_WASM_V128) {
                TRY(push_v128(g));
                emit_op(g, OP_SELECT_V128);
            } else {
                TRY(push(g, want));
                emit_op(g, OP_SELECT);
            }
            break;
        }
        case 0x20:
        case 0x21:
        case 0x22: {
            uint32_t i;
            TRY(rd_u32(r, &i));
            if (i >= c->nvars) return err(g, "unknown local");
            if (c->var_slot) i = c->var_slot[i]; /* from here on, i is the slot */
            uint8_t t = c->local_types[i];
            if (t == CX_WASM_V128) {
                TRY(local_v128(g, op, i));
                break;
            }
            if (op == 0x20)
                TRY(push(g, t));
            else {
                TRY(pop_expect(g, t));
                if (op == 0x22) TRY(push(g, t));
            }
            if (op == 0x21 && fuse_set(g, i)) break;
            if (op == 0x22 && fuse_set(g, i)) { /* = local.set i; local.get i */
                emit_op(g, OP_LOCAL_GET);
                emit_u(g, i);
                break;
            }
            emit_op(g, op == 0x20 ? OP_LOCAL_GET : op == 0x21 ? OP_LOCAL_SET : OP_LOCAL_TEE);
            emit_u(g, i);
            break;
        }
        case 0x23:
        case 0x24: {
            uint32_t i;
            TRY(rd_u32(r, &i));
            if (i >= m->nglobals) return err(g, "unknown global");
            uint8_t t = m->globals[i].type;
            bool v = t == CX_WASM_V128;
            if (op == 0x24 && !m->globals[i].mut) return err(g, "global is immutable");
            if (op == 0x23)
                TRY(v ? push_v128(g) : push(g, t));
            else
                TRY(v ? pop_v128(g) : pop_expect(g, t));
            if (v)
                emit_op(g, op == 0x23 ? OP_GLOBAL_GET_V128 : OP_GLOBAL_SET_V128);
            else
                emit_op(g, op == 0x23 ? OP_GLOBAL_GET : OP_GLOBAL_SET);
            emit_u(g, i);
            break;
        }
        case 0x25:
        case 0x26: {
            uint32_t t;
            TRY(table_idx(g, &t));
            uint8_t et = m->table_type[t];
            if (op == 0x25) {
                TRY(pop_expect(g, 0x7F));
                TRY(push(g, et));
            } else {
                TRY(pop_expect(g, et));
                TRY(pop_expect(g, 0x7F));
            }
            emit_op(g, op == 0x25 ? OP_TABLE_GET : OP_TABLE_SET);
            emit_u(g, t);
            break;
        }
        case 0x28:
        case 0x29:
        case 0x2A:
        case 0x2B:
        case 0x2C:
        case 0x2D:
        case 0x2E:
        case 0x2F:
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35: {
            static const uint8_t nat[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2};
            static const char rt[] = "iIfFiiiiIIIIII";
            int k = op - 0x28;
            if (fusable_last(g, OP_LOCAL_GET, 2)) { /* "local.get a; load" */
                set_op(g, g->last_pos, OP_I32_LOAD_L + k);
                g->last_op = OP_I32_LOAD_L + k;
                g->prev_op = -1;
            } else if (fusable_last(g, OP_I32_ADD_C, 2) && g->prev_op == OP_I32_SHL_C &&
                       g->prev_pos + 2 == g->last_pos && g->prev_pos >= g->barrier) {
                /* "i32.const s; i32.shl; i32.const c; i32.add; load" */
                uint32_t at = g->prev_pos;
                set_op(g, at, OP_I32_LOAD_SAC + k);
                g->cells[at + 2] = g->cells[at + 3];
                g->ncells = at + 3;
                g->last_op = OP_I32_LOAD_SAC + k;
                g->last_pos = at;
                g->prev_op = -1;
            } else if (fusable_last(g, OP_I32_ADD_C, 2)) { /* "i32.const c; i32.add; load" */
                set_op(g, g->last_pos, OP_I32_LOAD_AC + k);
                g->last_op = OP_I32_LOAD_AC + k;
                g->prev_op = -1;
            } else if (fusable_last(g, OP_I32_ADD_LL,
                                    3)) { /* "local.get a; local.get b; i32.add; load" */
                set_op(g, g->last_pos, OP_I32_LOAD_ALL + k);
                g->last_op = OP_I32_LOAD_ALL + k;
                g->prev_op = -1;
            } else if (fusable_last(g, OP_I32_ADD_LC, 3)) {
                set_op(g, g->last_pos, OP_I32_LOAD_ALC + k);
                g->last_op = OP_I32_LOAD_ALC + k;
                g->prev_op = -1;
            } else
                emit_op(g, OP_I32_LOAD + (op - 0x28));
            TRY(memarg(g, nat[op - 0x28]));
            TRY(pop_expect(g, 0x7F));
            TRY(push(g, sig_type(rt[op - 0x28])));
            break;
        }
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39:
        case 0x3A:
        case 0x3B:
        case 0x3C:
        case 0x3D:
        case 0x3E: {
            static const uint8_t nat[] = {2, 3, 2, 3, 0, 1, 0, 1, 2};
            static const char vt[] = "iIfFiiIII";
            if (fusable_last(g, OP_LOCAL_GET, 2)) { /* "[local.get a;] local.get v; store" */
                if (g->prev_op == OP_LOCAL_GET && g->prev_pos + 2 == g->last_pos &&
                    g->prev_pos >= g->barrier) {
                    uint32_t at = g->prev_pos;
                    set_op(g, at, OP_I32_STORE_LL + (op - 0x36));
                    g->cells[at + 2] = g->cells[at + 3];
                    g->ncells = at + 3;
                    g->last_op = OP_I32_STORE_LL + (op - 0x36);
                    g->last_pos = at;
                } else {
                    set_op(g, g->last_pos, OP_I32_STORE_L + (op - 0x36));
                    g->last_op = OP_I32_STORE_L + (op - 0x36);
                }
                g->prev_op = -1;
            } else
                emit_op(g, OP_I32_STORE + (op - 0x36));
            TRY(memarg(g, nat[op - 0x36]));
            TRY(pop_expect(g, sig_type(vt[op - 0x36])));
            TRY(pop_expect(g, 0x7F));
            break;
        }
        case 0x3F:
        case 0x40:
            TRY(zero_byte(g));
            TRY(need_mem(g));
            if (op == 0x40) TRY(pop_expect(g, 0x7F));
            TRY(push(g, 0x7F));
            emit_op(g, op == 0x3F ? OP_MEMORY_SIZE : OP_MEMORY_GROW);
            break;
        case 0x41: {
            int64_t v;
            TRY(rd_sleb(r, 32, &v));
            TRY(push(g, 0x7F));
            emit_op(g, OP_CONST);
            emit_u(g, (uint32_t)v);
            break;
        }
        case 0x42: {
            int64_t v;
            TRY(rd_sleb(r, 64, &v));
            TRY(push(g, 0x7E));
            emit_op(g, OP_CONST);
            emit_u(g, (uint64_t)v);
            break;
        }
        case 0x43:
        case 0x44: {
            const uint8_t *b;
            uint64_t v = 0;
            TRY(rd_bytes(r, op == 0x43 ? 4 : 8, &b));
            memcpy(&v, b, op == 0x43 ? 4 : 8);
            TRY(push(g, op == 0x43 ? 0x7D : 0x7C));
            emit_op(g, OP_CONST);
            emit_u(g, v);
            break;
        }
        case 0xD0: {
            uint8_t t;
            TRY(rd_u8(r, &t));
            if (t != 0x70 && t != 0x6F) return err(g, "malformed reference type");
            TRY(push(g, t));
            emit_op(g, OP_CONST);
            emit_u(g, 0);
            break;
        }
        case 0xD1: {
            uint8_t t;
            TRY(pop(g, &t));
            if (!is_ref(t)) return err(g, "type mismatch");
            TRY(push(g, 0x7F));
            emit_op(g, OP_REF_IS_NULL);
            break;
        }
        case 0xD2: {
            uint32_t f;
            TRY(rd_u32(r, &f));
            if (f >= m->nfuncs) return err(g, "unknown function");
            if (!(m->declared_funcs[f / 8] & (1u << (f % 8))))
                return err(g, "undeclared function reference");
            TRY(push(g, 0x70));
            emit_op(g, OP_REF_FUNC);
            emit_u(g, f);
            break;
        }
        case 0xFC: {
            uint32_t sub;
            TRY(rd_u32(r, &sub));
            if (sub <= 7) {
                static const char *const s[] = {"f:i", "f:i", "F:i", "F:i",
                                                "f:I", "f:I", "F:I", "F:I"};
                TRY(apply_sig(g, s[sub]));
                emit_op(g, OP_I32_TRUNC_SAT_F32_S + (int)sub);
                break;
            }
            switch (sub) {
            case 8: {
                uint32_t d;
                TRY(rd_u32(r, &d));
                TRY(zero_byte(g));
                TRY(need_mem(g));
                if (!m->has_datacount) return err(g, "data count section required");
                if (d >= m->datacount) return err(g, "unknown data segment");
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                emit_op(g, OP_MEMORY_INIT);
                emit_u(g, d);
                break;
            }
            case 9: {
                uint32_t d;
                TRY(rd_u32(r, &d));
                if (!m->has_datacount) return err(g, "data count section required");
                if (d >= m->datacount) return err(g, "unknown data segment");
                emit_op(g, OP_DATA_DROP);
                emit_u(g, d);
                break;
            }
            case 10:
            case 11:
                TRY(zero_byte(g));
                if (sub == 10) TRY(zero_byte(g));
                TRY(need_mem(g));
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                emit_op(g, sub == 10 ? OP_MEMORY_COPY : OP_MEMORY_FILL);
                break;
            case 12: {
                uint32_t e, t;
                TRY(rd_u32(r, &e));
                TRY(table_idx(g, &t));
                if (e >= m->nelems) return err(g, "unknown elem segment");
                if (m->elems[e].type != m->table_type[t]) return err(g, "type mismatch");
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                emit_op(g, OP_TABLE_INIT);
                emit_u(g, e);
                emit_u(g, t);
                break;
            }
            case 13: {
                uint32_t e;
                TRY(rd_u32(r, &e));
                if (e >= m->nelems) return err(g, "unknown elem segment");
                emit_op(g, OP_ELEM_DROP);
                emit_u(g, e);
                break;
            }
            case 14: {
                uint32_t d, s;
                TRY(table_idx(g, &d));
                TRY(table_idx(g, &s));
                if (m->table_type[d] != m->table_type[s]) return err(g, "type mismatch");
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                TRY(pop_expect(g, 0x7F));
                emit_op(g, OP_TABLE_COPY);
                emit_u(g, d);
                emit_u(g, s);
                break;
            }
            case 15:
            case 16:
            case 17: {
                uint32_t t;
                TRY(table_idx(g, &t));
                uint8_t et = m->table_type[t];
                if (sub == 15) {
                    TRY(pop_expect(g, 0x7F));
                    TRY(pop_expect(g, et));
                    TRY(push(g, 0x7F));
                } else if (sub == 16) {
                    TRY(push(g, 0x7F));
                } else {
                    TRY(pop_expect(g, 0x7F));
                    TRY(pop_expect(g, et));
                    TRY(pop_expect(g, 0x7F));
                }
                emit_op(g, sub == 15 ? OP_TABLE_GROW : sub == 16 ? OP_TABLE_SIZE : OP_TABLE_FILL);
                emit_u(g, t);
                break;
            }
            default:
                return err(g, "illegal opcode");
            }
            break;
        }
        case 0xFD:
            TRY(simd(g));
            break;
        default:
            if (op >= 0x45 && op <= 0xC4) {
                TRY(apply_sig(g, num_sig(op)));
                emit_num(g, OP_I32_EQZ + (op - 0x45));
                break;
            }
            return err(g, "illegal opcode");
        }
    }
}

int cx_wasm_compile_body(cx_wasm_module *m, uint32_t def_index, bool emit, char *errbuf) {
    code *c = &m->codes[def_index];
    const functype *ft = &m->types[m->func_type[m->nfunc_imports + def_index]];
    cg g = {.m = m,
            .c = c,
            .r = {c->body, c->body + c->body_len, errbuf},
            .last_op = -1,
            .prev_op = -1,
            .prev2_op = -1};
    g.ops = emit ? cx_wasm_op_table() : NULL;
    int rc = push_ctl(&g, K_FUNC, NULL, 0, ft->types + ft->nparams, ft->nresults);
    if (rc == 0) rc = body(&g);
    if (rc == 0 && g.oom) rc = CX_ENOMEM;
    if (rc == 0 && g.nctls != 0) rc = err(&g, "END opcode expected");
    if (rc == 0 && emit) {
        for (uint32_t i = 0; i < g.ntargets; i++) {
            uint32_t at = g.targets[i];
            g.cells[at].op = &g.cells[g.cells[at].u];
        }
        c->cells = g.cells;
        c->ncells = g.ncells;
        g.cells = NULL;
        c->max_height = g.maxvals;
        c->fp_off = 1 - (int64_t)ft->nparams;
        c->ndecl = c->nlocals - ft->nparams;
        c->room = c->ndecl + g.maxvals + 6;
        c->nzero4 = (c->ndecl + 3) / 4;
        c->nparams = ft->nparams;
        c->nresults = ft->nresults;
    }
    free(g.cells);
    free(g.vals);
    free(g.ctls);
    free(g.targets);
    return rc;
}
