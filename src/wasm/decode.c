/* The module decoder: sections in order, each bounded by its declared size
 * and by the limits; function bodies are handed to the validator/compiler.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "jit.h"
#include "reader.h"
#include "simd.h"

void cx_wasm_err(char *err, const char *fmt, ...) {
    if (!err || err[0]) return; /* keep the first (innermost) message */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, CX_WASM_ERROR_MAX, fmt, ap);
    va_end(ap);
}

void cx_wasm_limits_defaults(cx_wasm_limits *l) {
    l->max_module_size = CX_WASM_DEFAULT_MAX_MODULE_SIZE;
    l->max_types = CX_WASM_DEFAULT_MAX_TYPES;
    l->max_functions = CX_WASM_DEFAULT_MAX_FUNCTIONS;
    l->max_imports = CX_WASM_DEFAULT_MAX_IMPORTS;
    l->max_exports = CX_WASM_DEFAULT_MAX_EXPORTS;
    l->max_globals = CX_WASM_DEFAULT_MAX_GLOBALS;
    l->max_segments = CX_WASM_DEFAULT_MAX_SEGMENTS;
    l->max_params = CX_WASM_DEFAULT_MAX_PARAMS;
    l->max_locals = CX_WASM_DEFAULT_MAX_LOCALS;
    l->max_nesting = CX_WASM_DEFAULT_MAX_NESTING;
    l->max_body_size = CX_WASM_DEFAULT_MAX_BODY_SIZE;
    l->max_memory_pages = CX_WASM_DEFAULT_MAX_MEMORY_PAGES;
    l->max_table_size = CX_WASM_DEFAULT_MAX_TABLE_SIZE;
    l->max_call_depth = CX_WASM_DEFAULT_MAX_CALL_DEPTH;
    l->stack_slots = CX_WASM_DEFAULT_STACK_SLOTS;
    l->jit = CX_WASM_DEFAULT_JIT;
    l->start_fuel = 0; /* unbounded: the caller bounds calls with fuel and deadlines */
    l->start_timeout_ms = 0;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

static int fail(reader *r, const char *msg) {
    return rd_fail(r, msg);
}

static int limit(reader *r, const char *what) {
    cx_wasm_err(r->err, "limit exceeded: %s", what);
    return CX_ELIMIT;
}

/* Strict UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static bool utf8_ok(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static int rd_name(reader *r, char **out, uint32_t *len) {
    uint32_t n;
    const uint8_t *s;
    TRY(rd_u32(r, &n));
    TRY(rd_bytes(r, n, &s));
    if (!utf8_ok(s, n)) return fail(r, "malformed UTF-8 encoding");
    char *c = malloc((size_t)n + 1);
    if (!c) return CX_ENOMEM;
    memcpy(c, s, n);
    c[n] = 0;
    *out = c;
    if (len) *len = n;
    return 0;
}

static bool is_valtype(uint8_t t) {
    return t == 0x7F || t == 0x7E || t == 0x7D || t == 0x7C || t == 0x7B || t == 0x70 || t == 0x6F;
}

static int rd_valtype(reader *r, uint8_t *t) {
    TRY(rd_u8(r, t));
    if (!is_valtype(*t)) return fail(r, "malformed value type");
    return 0;
}

static int rd_reftype(reader *r, uint8_t *t) {
    TRY(rd_u8(r, t));
    if (*t != 0x70 && *t != 0x6F) return fail(r, "malformed reference type");
    return 0;
}

static int rd_limits(reader *r, limits *l, uint32_t bound, const char *what) {
    uint8_t flag;
    TRY(rd_u8(r, &flag));
    if (flag > 1) return fail(r, "integer too large");
    TRY(rd_u32(r, &l->min));
    l->has_max = flag == 1;
    l->max = UINT32_MAX;
    if (l->has_max) {
        TRY(rd_u32(r, &l->max));
        if (l->max < l->min) return fail(r, "size minimum must not be greater than maximum");
    }
    if (l->min > bound || (l->has_max && l->max > bound)) {
        cx_wasm_err(r->err, "%s", what);
        return CX_EPARSE;
    }
    return 0;
}

static int rd_memlimits(reader *r, limits *l) {
    return rd_limits(r, l, 65536, "memory size must be at most 65536 pages (4GiB)");
}

static int rd_tabletype(reader *r, uint8_t *et, limits *l) {
    TRY(rd_reftype(r, et));
    return rd_limits(r, l, UINT32_MAX, "table size");
}

static int rd_globaltype(reader *r, uint8_t *t, bool *mut) {
    uint8_t m;
    TRY(rd_valtype(r, t));
    TRY(rd_u8(r, &m));
    if (m > 1) return fail(r, "malformed mutability");
    *mut = m == 1;
    return 0;
}

static uint8_t global_type(const cx_wasm_module *m, uint32_t i) {
    return m->globals[i].type;
}

/* A constant expression of type `want`. In 2.0, global.get may name only
 * imported globals, which must be immutable. */
static int rd_constexpr(cx_wasm_module *m, reader *r, uint8_t want, constexpr *ce,
                        uint32_t nglobals_visible) {
    uint8_t op, type = 0;
    TRY(rd_u8(r, &op));
    ce->op = op;
    switch (op) {
    case 0x41: {
        int64_t v;
        TRY(rd_sleb(r, 32, &v));
        ce->val = (uint32_t)v;
        type = 0x7F;
        break;
    }
    case 0x42: {
        int64_t v;
        TRY(rd_sleb(r, 64, &v));
        ce->val = (uint64_t)v;
        type = 0x7E;
        break;
    }
    case 0x43: {
        const uint8_t *b;
        TRY(rd_bytes(r, 4, &b));
        uint32_t v;
        memcpy(&v, b, 4);
        ce->val = v;
        type = 0x7D;
        break;
    }
    case 0x44: {
        const uint8_t *b;
        TRY(rd_bytes(r, 8, &b));
        memcpy(&ce->val, b, 8);
        type = 0x7C;
        break;
    }
    case 0xFD: { /* v128.const */
        uint32_t sub;
        const uint8_t *b;
        TRY(rd_u32(r, &sub));
        if (sub != 0x0C) return fail(r, "constant expression required");
        TRY(rd_bytes(r, 16, &b));
        memcpy(&ce->val, b, 8);
        memcpy(&ce->hi, b + 8, 8);
        type = 0x7B;
        break;
    }
    case 0xD0:
        TRY(rd_reftype(r, &type));
        ce->val = type;
        break;
    case 0xD2: {
        uint32_t f;
        TRY(rd_u32(r, &f));
        if (f >= m->nfuncs) return fail(r, "unknown function");
        m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
        ce->val = f;
        type = 0x70;
        break;
    }
    case 0x23: {
        uint32_t g;
        TRY(rd_u32(r, &g));
        if (g >= nglobals_visible || g >= m->nglobal_imports) return fail(r, "unknown global");
        if (m->globals[g].mut) return fail(r, "constant expression required");
        ce->val = g;
        type = global_type(m, g);
        break;
    }
    default:
        return fail(r, "constant expression required");
    }
    uint8_t end;
    TRY(rd_u8(r, &end));
    if (end != 0x0B) return fail(r, "constant expression required");
    if (type != want) return fail(r, "type mismatch");
    return 0;
}

static uint32_t expand(uint8_t *out, const uint8_t *types, uint32_t n) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out) out[k] = types[i];
        k++;
        if (types[i] == CX_WASM_V128) {
            if (out) out[k] = V128_HI;
            k++;
        }
    }
    return k;
}

int cx_wasm_functype_set(functype *ft, const uint8_t *params, uint32_t np, const uint8_t *results,
                         uint32_t nr) {
    uint32_t sp = expand(NULL, params, np), sr = expand(NULL, results, nr);
    uint8_t *t = malloc((size_t)sp + sr + 1);
    if (!t) return CX_ENOMEM;
    expand(t, params, np);
    expand(t + sp, results, nr);
    *ft = (functype){.nparams = sp, .nresults = sr, .vparams = np, .vresults = nr, .types = t};
    return 0;
}

static int sec_type(cx_wasm_module *m, reader *r) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n > m->lim.max_types) return limit(r, "types");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    m->types = calloc(n ? n : 1, sizeof *m->types);
    if (!m->types) return CX_ENOMEM;
    m->ntypes = n;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        uint32_t np, nr;
        TRY(rd_u8(r, &form));
        if (form != 0x60) return fail(r, "integer representation too long");
        TRY(rd_u32(r, &np));
        if (np > m->lim.max_params) return limit(r, "params");
        if ((size_t)(r->end - r->p) < np) return fail(r, "unexpected end");
        const uint8_t *pt = r->p;
        for (uint32_t k = 0; k < np; k++) {
            uint8_t t;
            TRY(rd_valtype(r, &t));
        }
        TRY(rd_u32(r, &nr));
        if (nr > m->lim.max_params) return limit(r, "results");
        if ((size_t)(r->end - r->p) < nr) return fail(r, "unexpected end");
        const uint8_t *rt = r->p;
        for (uint32_t k = 0; k < nr; k++) {
            uint8_t t;
            TRY(rd_valtype(r, &t));
        }
        TRY(cx_wasm_functype_set(&m->types[i], pt, np, rt, nr));
    }
    return 0;
}

static int sec_import(cx_wasm_module *m, reader *r) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n > m->lim.max_imports) return limit(r, "imports");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    if (!m->imports) return CX_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        import *im = &m->imports[i];
        m->nimports = i + 1;
        TRY(rd_name(r, &im->module, &im->module_len));
        TRY(rd_name(r, &im->name, &im->name_len));
        TRY(rd_u8(r, &im->kind));
        switch (im->kind) {
        case 0:
            TRY(rd_u32(r, &im->type));
            if (im->type >= m->ntypes) return fail(r, "unknown type");
            m->nfunc_imports++;
            break;
        case 1:
            TRY(rd_tabletype(r, &im->vtype, &im->lim));
            m->ntable_imports++;
            break;
        case 2:
            TRY(rd_memlimits(r, &im->lim));
            m->nmem_imports++;
            break;
        case 3:
            TRY(rd_globaltype(r, &im->vtype, &im->mut));
            m->nglobal_imports++;
            break;
        default:
            return fail(r, "malformed import kind");
        }
    }
    return 0;
}

/* After the import section: allocate per-index arrays with the imports. */
static int import_arrays(cx_wasm_module *m, reader *r, uint32_t nfuncs, uint32_t ntables,
                         uint32_t nmems, uint32_t nglobals) {
    (void)r;
    free(m->func_type);
    m->func_type = calloc((size_t)nfuncs + 1, sizeof *m->func_type);
    free(m->table_lim);
    free(m->table_type);
    m->table_lim = calloc((size_t)ntables + 1, sizeof *m->table_lim);
    m->table_type = calloc((size_t)ntables + 1, 1);
    free(m->mem_lim);
    m->mem_lim = calloc((size_t)nmems + 1, sizeof *m->mem_lim);
    free(m->globals);
    m->globals = calloc((size_t)nglobals + 1, sizeof *m->globals);
    free(m->declared_funcs);
    m->declared_funcs = calloc((size_t)nfuncs / 8 + 1, 1);
    if (!m->func_type || !m->table_lim || !m->table_type || !m->mem_lim || !m->globals ||
        !m->declared_funcs)
        return CX_ENOMEM;
    uint32_t f = 0, t = 0, me = 0, g = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        import *im = &m->imports[i];
        switch (im->kind) {
        case 0:
            m->func_type[f++] = im->type;
            break;
        case 1:
            m->table_lim[t] = im->lim;
            m->table_type[t++] = im->vtype;
            break;
        case 2:
            m->mem_lim[me++] = im->lim;
            break;
        default:
            m->globals[g].type = im->vtype;
            m->globals[g++].mut = im->mut;
        }
    }
    return 0;
}

/* Counts read ahead by the caller so the arrays can be sized once. */
typedef struct counts {
    uint32_t funcs, tables, mems, globals;
} counts;

static int sec_function(cx_wasm_module *m, reader *r, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        TRY(rd_u32(r, &t));
        if (t >= m->ntypes) return fail(r, "unknown type");
        m->func_type[m->nfunc_imports + i] = t;
    }
    m->nfuncs = m->nfunc_imports + n;
    return 0;
}

static int sec_table(cx_wasm_module *m, reader *r, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = m->ntable_imports + i;
        TRY(rd_tabletype(r, &m->table_type[k], &m->table_lim[k]));
    }
    m->ntables = m->ntable_imports + n;
    return 0;
}

static int sec_memory(cx_wasm_module *m, reader *r, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) TRY(rd_memlimits(r, &m->mem_lim[m->nmem_imports + i]));
    m->nmems = m->nmem_imports + n;
    if (m->nmems > 1) return fail(r, "multiple memories");
    return 0;
}

static int sec_global(cx_wasm_module *m, reader *r, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        global_def *g = &m->globals[m->nglobal_imports + i];
        TRY(rd_globaltype(r, &g->type, &g->mut));
        TRY(rd_constexpr(m, r, g->type, &g->init, m->nglobal_imports + i));
    }
    m->nglobals = m->nglobal_imports + n;
    return 0;
}

static int sec_export(cx_wasm_module *m, reader *r) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n > m->lim.max_exports) return limit(r, "exports");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports) return CX_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        export *e = &m->exports[i];
        m->nexports = i + 1;
        TRY(rd_name(r, &e->name, &e->name_len));
        TRY(rd_u8(r, &e->kind));
        TRY(rd_u32(r, &e->index));
        uint32_t bound = e->kind == 0   ? m->nfuncs
                         : e->kind == 1 ? m->ntables
                         : e->kind == 2 ? m->nmems
                         : e->kind == 3 ? m->nglobals
                                        : 0;
        if (e->kind > 3) return fail(r, "malformed export kind");
        if (e->index >= bound) {
            static const char *const what[] = {"unknown function", "unknown table",
                                               "unknown memory", "unknown global"};
            return fail(r, what[e->kind]);
        }
        if (e->kind == 0) m->declared_funcs[e->index / 8] |= (uint8_t)(1u << (e->index % 8));
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name_len == e->name_len &&
                memcmp(m->exports[k].name, e->name, e->name_len) == 0)
                return fail(r, "duplicate export name");
    }
    return 0;
}

static int sec_elem(cx_wasm_module *m, reader *r) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n > m->lim.max_segments) return limit(r, "element segments");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems) return CX_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        elem_seg *e = &m->elems[i];
        m->nelems = i + 1;
        uint32_t flags;
        TRY(rd_u32(r, &flags));
        if (flags > 7) return fail(r, "malformed elements segment kind");
        e->type = 0x70;
        e->mode = (flags & 1) ? ((flags & 2) ? 2 : 1) : 0;
        if (e->mode == 0) {
            if (flags & 2) TRY(rd_u32(r, &e->table));
            if (e->table >= m->ntables) return fail(r, "unknown table");
            TRY(rd_constexpr(m, r, 0x7F, &e->offset, m->nglobals));
        }
        bool exprs = flags & 4;
        if (flags & 3) { /* explicit elemkind / reftype */
            if (exprs)
                TRY(rd_reftype(r, &e->type));
            else {
                uint8_t k;
                TRY(rd_u8(r, &k));
                if (k != 0) return fail(r, "malformed element kind");
            }
        }
        TRY(rd_u32(r, &e->count));
        if (e->count > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
        e->items = calloc(e->count ? e->count : 1, sizeof *e->items);
        if (!e->items) return CX_ENOMEM;
        for (uint32_t k = 0; k < e->count; k++) {
            if (exprs)
                TRY(rd_constexpr(m, r, e->type, &e->items[k], m->nglobals));
            else {
                uint32_t f;
                TRY(rd_u32(r, &f));
                if (f >= m->nfuncs) return fail(r, "unknown function");
                m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
                e->items[k] = (constexpr){.op = 0xD2, .val = f};
            }
        }
        if (e->mode == 0 && m->table_type[e->table] != e->type) return fail(r, "type mismatch");
    }
    return 0;
}

static int sec_data(cx_wasm_module *m, reader *r) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n > m->lim.max_segments) return limit(r, "data segments");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    if (m->has_datacount && n != m->datacount)
        return fail(r, "data count and data section have inconsistent lengths");
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas) return CX_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        data_seg *d = &m->datas[i];
        m->ndatas = i + 1;
        uint32_t flags;
        TRY(rd_u32(r, &flags));
        if (flags > 2) return fail(r, "malformed data segment kind");
        d->mode = flags == 1 ? 1 : 0;
        if (flags == 2) TRY(rd_u32(r, &d->memory));
        if (d->mode == 0) {
            if (d->memory >= m->nmems) return fail(r, "unknown memory");
            TRY(rd_constexpr(m, r, 0x7F, &d->offset, m->nglobals));
        }
        TRY(rd_u32(r, &d->len));
        TRY(rd_bytes(r, d->len, &d->bytes));
    }
    return 0;
}

static int sec_code(cx_wasm_module *m, reader *r, bool emit) {
    uint32_t n;
    TRY(rd_u32(r, &n));
    if (n != m->nfuncs - m->nfunc_imports)
        return fail(r, "function and code section have inconsistent lengths");
    if (n > (size_t)(r->end - r->p)) return fail(r, "unexpected end");
    m->codes = calloc(n ? n : 1, sizeof *m->codes);
    if (!m->codes) return CX_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        const uint8_t *body;
        TRY(rd_u32(r, &size));
        if (size > m->lim.max_body_size) return limit(r, "function body size");
        TRY(rd_bytes(r, size, &body));
        reader b = {body, body + size, r->err};
        code *c = &m->codes[i];
        const functype *ft = &m->types[m->func_type[m->nfunc_imports + i]];
        uint32_t ngroups;
        TRY(rd_u32(&b, &ngroups));
        /* first pass: count values and slots (a v128 takes two) */
        const uint8_t *save = b.p;
        uint64_t total = ft->vparams, slots = ft->nparams;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt;
            uint8_t t;
            TRY(rd_u32(&b, &cnt));
            TRY(rd_valtype(&b, &t));
            total += cnt;
            slots += t == CX_WASM_V128 ? 2 * (uint64_t)cnt : cnt;
            if (total > UINT32_MAX) return fail(r, "too many locals");
        }
        if (slots > m->lim.max_locals) return limit(r, "locals");
        c->nvars = (uint32_t)total;
        c->nlocals = (uint32_t)slots;
        c->local_types = malloc(slots ? slots : 1);
        if (!c->local_types) return CX_ENOMEM;
        memcpy(c->local_types, ft->types, ft->nparams);
        b.p = save;
        uint32_t k = ft->nparams;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt;
            uint8_t t;
            TRY(rd_u32(&b, &cnt));
            TRY(rd_valtype(&b, &t));
            if (t != CX_WASM_V128) {
                memset(c->local_types + k, t, cnt);
                k += cnt;
            } else
                for (uint32_t j = 0; j < cnt; j++, k += 2)
                    c->local_types[k] = t, c->local_types[k + 1] = V128_HI;
        }
        if (slots != total) { /* some local is a v128: index -> slot */
            c->var_slot = malloc(total * sizeof *c->var_slot);
            if (!c->var_slot) return CX_ENOMEM;
            for (uint32_t v = 0, sl = 0; v < total; v++) {
                c->var_slot[v] = sl;
                sl += c->local_types[sl] == CX_WASM_V128 ? 2 : 1;
            }
        }
        c->body = b.p;
        c->body_len = (uint32_t)(b.end - b.p);
        TRY(cx_wasm_compile_body(m, i, emit, r->err));
    }
    return 0;
}

/* Section order rank (custom sections excluded). */
static int rank(uint8_t id) {
    static const int8_t rk[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id <= 12 ? rk[id] : -1;
}

static int decode(cx_wasm_module *m, bool emit, char *err) {
    reader r = {m->bin, m->bin + m->bin_len, err};
    const uint8_t *hdr;
    if (m->bin_len < 4 || memcmp(m->bin, "\0asm", 4) != 0)
        return fail(&r, "magic header not detected");
    if (m->bin_len < 8) return fail(&r, "unexpected end");
    TRY(rd_bytes(&r, 8, &hdr));
    if (memcmp(hdr + 4, "\1\0\0\0", 4) != 0) return fail(&r, "unknown binary version");
    int last = 0;
    uint32_t nfunc_decl = 0;
    bool have_func = false, have_code = false;
    TRY(import_arrays(m, &r, 0, 0, 0, 0));
    counts cn = {0};
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        const uint8_t *body;
        TRY(rd_u8(&r, &id));
        TRY(rd_u32(&r, &size));
        TRY(rd_bytes(&r, size, &body));
        reader s = {body, body + size, err};
        if (id == 0) {
            char *name;
            TRY(rd_name(&s, &name, NULL));
            free(name);
            continue;
        }
        int rk = rank(id);
        if (rk < 0) return fail(&r, "malformed section id");
        if (rk <= last) return fail(&r, "unexpected content after last section");
        last = rk;
        uint32_t n = 0;
        switch (id) {
        case 1:
            TRY(sec_type(m, &s));
            break;
        case 2:
            TRY(sec_import(m, &s));
            break;
        case 3:
        case 4:
        case 5:
        case 6:
            TRY(rd_u32(&s, &n));
            break;
        case 7:
            TRY(sec_export(m, &s));
            break;
        case 8:
            TRY(rd_u32(&s, &m->start));
            if (m->start >= m->nfuncs) return fail(&s, "unknown function");
            {
                const functype *ft = &m->types[m->func_type[m->start]];
                if (ft->nparams || ft->nresults) return fail(&s, "start function");
            }
            m->has_start = true;
            break;
        case 9:
            TRY(sec_elem(m, &s));
            break;
        case 12:
            TRY(rd_u32(&s, &m->datacount));
            m->has_datacount = true;
            break;
        case 10:
            have_code = true;
            TRY(sec_code(m, &s, emit));
            break;
        case 11:
            TRY(sec_data(m, &s));
            break;
        }
        /* Sections 3-6 need the per-index arrays: size them on first sight. */
        if (id >= 3 && id <= 6) {
            if (id == 3) {
                if (n > m->lim.max_functions ||
                    (uint64_t)n + m->nfunc_imports > m->lim.max_functions)
                    return limit(&s, "functions");
                cn.funcs = n;
                nfunc_decl = n;
                have_func = true;
            }
            if (id == 4) cn.tables = n;
            if (id == 5) cn.mems = n;
            if (id == 6) {
                if ((uint64_t)n + m->nglobal_imports > m->lim.max_globals)
                    return limit(&s, "globals");
                cn.globals = n;
            }
            if (n > (size_t)(s.end - s.p)) return fail(&s, "unexpected end");
            /* (re)size arrays; earlier sections' data is re-filled below */
            uint32_t f0 = m->nfuncs, t0 = m->ntables, me0 = m->nmems, g0 = m->nglobals;
            uint32_t *ft = m->func_type;
            limits *tl = m->table_lim;
            uint8_t *tt = m->table_type;
            limits *ml = m->mem_lim;
            global_def *gd = m->globals;
            m->func_type = NULL, m->table_lim = NULL, m->table_type = NULL, m->mem_lim = NULL,
            m->globals = NULL;
            uint8_t *df = m->declared_funcs;
            m->declared_funcs = NULL;
            int rc =
                import_arrays(m, &s, m->nfunc_imports + cn.funcs, m->ntable_imports + cn.tables,
                              m->nmem_imports + cn.mems, m->nglobal_imports + cn.globals);
            if (rc == 0) {
                if (f0) memcpy(m->func_type, ft, f0 * sizeof *ft);
                if (t0) memcpy(m->table_lim, tl, t0 * sizeof *tl), memcpy(m->table_type, tt, t0);
                if (me0) memcpy(m->mem_lim, ml, me0 * sizeof *ml);
                if (g0) memcpy(m->globals, gd, g0 * sizeof *gd);
            }
            free(ft), free(tl), free(tt), free(ml), free(gd), free(df);
            TRY(rc);
            if (m->nfuncs == 0) m->nfuncs = m->nfunc_imports;
            if (m->ntables == 0) m->ntables = m->ntable_imports;
            if (m->nmems == 0) m->nmems = m->nmem_imports;
            if (m->nglobals == 0) m->nglobals = m->nglobal_imports;
            if (id == 3) TRY(sec_function(m, &s, n));
            if (id == 4) TRY(sec_table(m, &s, n));
            if (id == 5) TRY(sec_memory(m, &s, n));
            if (id == 6) TRY(sec_global(m, &s, n));
        }
        if (id == 2) {
            if (m->nfunc_imports > m->lim.max_functions) return limit(&s, "functions");
            if (m->nglobal_imports > m->lim.max_globals) return limit(&s, "globals");
            TRY(import_arrays(m, &s, m->nfunc_imports, m->ntable_imports, m->nmem_imports,
                              m->nglobal_imports));
            m->nfuncs = m->nfunc_imports;
            m->ntables = m->ntable_imports;
            m->nmems = m->nmem_imports;
            m->nglobals = m->nglobal_imports;
            if (m->nmems > 1) return fail(&s, "multiple memories");
        }
        if (s.p != s.end) return fail(&s, "section size mismatch");
    }
    if (have_func && nfunc_decl && !have_code)
        return fail(&r, "function and code section have inconsistent lengths");
    if (!m->codes && m->nfuncs > m->nfunc_imports)
        return fail(&r, "function and code section have inconsistent lengths");
    if (m->has_datacount && m->datacount != m->ndatas && !(m->datacount && !m->datas))
        return fail(&r, "data count and data section have inconsistent lengths");
    if (m->has_datacount && m->datacount && !m->datas)
        return fail(&r, "data count and data section have inconsistent lengths");
    return 0;
}

void cx_wasm_module_free(cx_wasm_module *m) {
    if (!m) return;
    for (uint32_t i = 0; i < m->ntypes; i++) free(m->types[i].types);
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) free(m->imports[i].module), free(m->imports[i].name);
    free(m->imports);
    if (m->codes)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
            free(m->codes[i].local_types), free(m->codes[i].cells), free(m->codes[i].var_slot);
    cx_wasm_jit_free(m);
    free(m->codes);
    free(m->func_type);
    free(m->table_lim);
    free(m->table_type);
    free(m->mem_lim);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->declared_funcs);
    free(m->bin);
    free(m);
}

static int load(const uint8_t *bytes, size_t len, const cx_wasm_limits *limits, bool emit,
                cx_wasm_module **out, char *err) {
    if (err) err[0] = 0;
    if (!bytes && len) return CX_EINVAL;
    cx_wasm_module *m = calloc(1, sizeof *m);
    if (!m) return CX_ENOMEM;
    if (limits)
        m->lim = *limits;
    else
        cx_wasm_limits_defaults(&m->lim);
    if (len > m->lim.max_module_size) {
        free(m);
        cx_wasm_err(err, "limit exceeded: module size");
        return CX_ELIMIT;
    }
    m->bin = malloc(len ? len : 1);
    if (!m->bin) {
        free(m);
        return CX_ENOMEM;
    }
    if (len) memcpy(m->bin, bytes, len);
    m->bin_len = len;
    int rc = decode(m, emit, err);
    if (rc) {
        cx_wasm_module_free(m);
        return rc;
    }
    if (emit) cx_wasm_jit_compile(m);
    *out = m;
    return 0;
}

int cx_wasm_module_new(const uint8_t *bytes, size_t len, const cx_wasm_limits *limits,
                       cx_wasm_module **out, char *err) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    return load(bytes, len, limits, true, out, err);
}

int cx_wasm_validate(const uint8_t *bytes, size_t len, const cx_wasm_limits *limits, char *err) {
    cx_wasm_module *m = NULL;
    int rc = load(bytes, len, limits, false, &m, err);
    cx_wasm_module_free(m);
    return rc;
}

uint32_t cx_wasm_module_import_count(const cx_wasm_module *m) {
    return m ? m->nimports : 0;
}

int cx_wasm_module_import(const cx_wasm_module *m, uint32_t i, const char **module,
                          const char **name, int *kind) {
    if (!m || i >= m->nimports) return CX_EINVAL;
    if (module) *module = m->imports[i].module;
    if (name) *name = m->imports[i].name;
    if (kind) *kind = m->imports[i].kind;
    return 0;
}

uint32_t cx_wasm_module_export_count(const cx_wasm_module *m) {
    return m ? m->nexports : 0;
}

int cx_wasm_module_export(const cx_wasm_module *m, uint32_t i, const char **name, int *kind) {
    if (!m || i >= m->nexports) return CX_EINVAL;
    if (name) *name = m->exports[i].name;
    if (kind) *kind = m->exports[i].kind;
    return 0;
}
