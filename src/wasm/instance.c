/* Instances: import resolution, allocation of memory/tables/globals,
 * segment initialisation, the start function, and the call entry point.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "wasm_int.h"

struct imp_entry {
    char *module, *name;
    size_t module_len, name_len;
    int kind;
    void *obj;
};

struct cx_wasm_imports {
    struct imp_entry *v;
    uint32_t n, cap;
};

const char *cx_wasm_trap_message(cx_wasm_trap t) {
    switch (t) {
    case CX_WASM_TRAP_NONE:
        return "no trap";
    case CX_WASM_TRAP_UNREACHABLE:
        return "unreachable";
    case CX_WASM_TRAP_MEMORY_OOB:
        return "out of bounds memory access";
    case CX_WASM_TRAP_TABLE_OOB:
        return "out of bounds table access";
    case CX_WASM_TRAP_DIV_ZERO:
        return "integer divide by zero";
    case CX_WASM_TRAP_INT_OVERFLOW:
        return "integer overflow";
    case CX_WASM_TRAP_INVALID_CONVERSION:
        return "invalid conversion to integer";
    case CX_WASM_TRAP_UNINIT_ELEMENT:
        return "uninitialized element";
    case CX_WASM_TRAP_INDIRECT_TYPE:
        return "indirect call type mismatch";
    case CX_WASM_TRAP_STACK_EXHAUSTED:
        return "call stack exhausted";
    case CX_WASM_TRAP_FUEL:
        return "fuel exhausted";
    case CX_WASM_TRAP_DEADLINE:
        return "deadline exceeded";
    case CX_WASM_TRAP_HOST:
        return "host function failed";
    case CX_WASM_TRAP_EXIT:
        return "exit";
    }
    return "unknown trap";
}

/* ---- host objects ---- */

static bool valtype_ok(const uint8_t *t, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) switch (t[i]) {
        case CX_WASM_I32:
        case CX_WASM_I64:
        case CX_WASM_F32:
        case CX_WASM_F64:
        case CX_WASM_V128:
        case CX_WASM_FUNCREF:
        case CX_WASM_EXTERNREF:
            break;
        default:
            return false;
        }
    return true;
}

cx_wasm_func *cx_wasm_func_new(const uint8_t *params, uint32_t nparams, const uint8_t *results,
                               uint32_t nresults, cx_wasm_host_fn fn, void *data) {
    if (!fn || (nparams && !params) || (nresults && !results)) return NULL;
    if (!valtype_ok(params, nparams) || !valtype_ok(results, nresults)) return NULL;
    cx_wasm_func *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    if (cx_wasm_functype_set(&f->own_type, params, nparams, results, nresults)) {
        free(f);
        return NULL;
    }
    f->type = &f->own_type;
    f->host = fn;
    f->host_data = data;
    return f;
}

void cx_wasm_func_free(cx_wasm_func *f) {
    if (!f) return;
    free(f->own_type.types);
    free(f);
}

/* Small linear memories come from the heap (reused memory, already mapped:
 * a plugin instantiated per request does not pay page faults each time);
 * large ones from mmap, where untouched pages cost nothing and mremap grows
 * without copying. */
#define SMALL_MEMORY (1u << 20)

static uint8_t *pages_alloc(uint64_t bytes) {
    if (bytes == 0) return NULL;
    void *p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void pages_free(uint8_t *p, uint64_t bytes) {
    if (p) munmap(p, (size_t)bytes);
}

static void mem_release(cx_wasm_memory *m) {
    if (m->mapped)
        pages_free(m->data, m->size);
    else
        free(m->data);
    m->data = NULL;
}

/* Resize m->data to `bytes` (larger), new bytes zero. */
static int mem_resize(cx_wasm_memory *m, uint64_t bytes) {
    if (!m->mapped && bytes <= SMALL_MEMORY) {
        uint8_t *d = realloc(m->data, (size_t)bytes);
        if (!d) return -1;
        memset(d + m->size, 0, (size_t)(bytes - m->size));
        m->data = d;
        return 0;
    }
    if (!m->mapped) {
        uint8_t *d = pages_alloc(bytes);
        if (!d) return -1;
        if (m->size) memcpy(d, m->data, (size_t)m->size);
        free(m->data);
        m->data = d;
        m->mapped = true;
        return 0;
    }
    void *q = mremap(m->data, (size_t)m->size, (size_t)bytes, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) return -1;
    m->data = q;
    return 0;
}

int cx_wasm_memory_grow_pages(cx_wasm_memory *m, uint32_t delta, uint32_t limit) {
    uint64_t np = (uint64_t)m->pages + delta;
    if (np > m->max_pages || np > limit || np > 65536) return -1;
    if (delta == 0) return (int)m->pages;
    if (mem_resize(m, np * WASM_PAGE)) return -1;
    uint32_t old = m->pages;
    m->pages = (uint32_t)np;
    m->size = np * WASM_PAGE;
    return (int)old;
}

int cx_wasm_table_grow_n(cx_wasm_table *t, uint32_t delta, void *init, uint32_t limit) {
    uint64_t ns = (uint64_t)t->size + delta;
    if (ns > t->max || ns > limit) return -1;
    if (delta == 0) return (int)t->size;
    void **e = realloc(t->elems, (size_t)ns * sizeof *e);
    if (!e) return -1;
    for (uint64_t i = t->size; i < ns; i++) e[i] = init;
    t->elems = e;
    uint32_t old = t->size;
    t->size = (uint32_t)ns;
    return (int)old;
}

static int mem_init(cx_wasm_memory *m, uint32_t min, uint32_t max) {
    uint64_t bytes = (uint64_t)min * WASM_PAGE;
    m->mapped = bytes > SMALL_MEMORY;
    m->data = bytes == 0 ? NULL : m->mapped ? pages_alloc(bytes) : calloc(1, (size_t)bytes);
    if (bytes && !m->data) return CX_ENOMEM;
    m->pages = min;
    m->size = bytes;
    m->max_pages = max;
    return 0;
}

cx_wasm_memory *cx_wasm_memory_new(uint32_t min_pages, uint32_t max_pages) {
    if (min_pages > 65536 || min_pages > max_pages) return NULL;
    cx_wasm_memory *m = calloc(1, sizeof *m);
    if (!m || mem_init(m, min_pages, max_pages)) {
        free(m);
        return NULL;
    }
    return m;
}

void cx_wasm_memory_free(cx_wasm_memory *m) {
    if (!m) return;
    mem_release(m);
    free(m);
}

static int table_init(cx_wasm_table *t, uint8_t type, uint32_t min, uint32_t max) {
    t->elems = calloc(min ? min : 1, sizeof(void *));
    if (!t->elems) return CX_ENOMEM;
    t->size = min;
    t->max = max;
    t->type = type;
    return 0;
}

cx_wasm_table *cx_wasm_table_new(uint8_t elem_type, uint32_t min, uint32_t max) {
    if ((elem_type != 0x70 && elem_type != 0x6F) || min > max ||
        min > CX_WASM_DEFAULT_MAX_TABLE_SIZE)
        return NULL;
    cx_wasm_table *t = calloc(1, sizeof *t);
    if (!t || table_init(t, elem_type, min, max)) {
        free(t);
        return NULL;
    }
    return t;
}

void cx_wasm_table_free(cx_wasm_table *t) {
    if (!t) return;
    free(t->elems);
    free(t);
}

static uint64_t val_bits(cx_wasm_val v) {
    switch (v.type) {
    case CX_WASM_I32:
    case CX_WASM_F32:
        return v.of.f32_bits;
    case CX_WASM_FUNCREF:
    case CX_WASM_EXTERNREF:
        return (uint64_t)(uintptr_t)v.of.ref;
    default: /* i64, f64; a v128's low half */
        return v.of.f64_bits;
    }
}

static cx_wasm_val bits_val(uint8_t type, uint64_t b) {
    cx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = type;
    if (type == CX_WASM_FUNCREF || type == CX_WASM_EXTERNREF)
        v.of.ref = (void *)(uintptr_t)b;
    else
        v.of.f64_bits = b;
    if (type == CX_WASM_I32 || type == CX_WASM_F32) v.of.f64_bits = (uint32_t)b;
    return v;
}

void cx_wasm_slots_to_vals(const uint8_t *types, uint32_t nvals, const uint64_t *slots,
                           cx_wasm_val *out) {
    for (uint32_t i = 0, j = 0; i < nvals; i++, j++) {
        out[i] = bits_val(types[j], slots[j]);
        if (types[j] == CX_WASM_V128) memcpy(out[i].of.v128, &slots[j++], 16);
    }
}

void cx_wasm_vals_to_slots(const uint8_t *types, uint32_t nvals, const cx_wasm_val *v,
                           uint64_t *slots) {
    for (uint32_t i = 0, j = 0; i < nvals; i++, j++) {
        cx_wasm_val x = v[i];
        x.type = types[j]; /* the declared type decides, not what a host left there */
        if (types[j] == CX_WASM_V128)
            memcpy(&slots[j++], x.of.v128, 16);
        else
            slots[j] = val_bits(x);
    }
}

static void store_global(cx_wasm_global *g, cx_wasm_val v) {
    if (g->type == CX_WASM_V128) {
        memcpy(&g->val, v.of.v128, 8);
        memcpy(&g->hi, v.of.v128 + 8, 8);
    } else
        g->val = val_bits(v);
}

cx_wasm_global *cx_wasm_global_new(cx_wasm_val v, bool mutable_) {
    if (!valtype_ok(&v.type, 1)) return NULL;
    cx_wasm_global *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->type = v.type;
    g->mut = mutable_;
    store_global(g, v);
    return g;
}

void cx_wasm_global_free(cx_wasm_global *g) {
    free(g);
}

cx_wasm_val cx_wasm_global_get(const cx_wasm_global *g) {
    cx_wasm_val v = bits_val(g->type, g->val);
    if (g->type == CX_WASM_V128) {
        memcpy(v.of.v128, &g->val, 8);
        memcpy(v.of.v128 + 8, &g->hi, 8);
    }
    return v;
}

int cx_wasm_global_set(cx_wasm_global *g, cx_wasm_val v) {
    if (!g) return CX_EINVAL;
    if (!g->mut) return CX_ESTATE;
    if (v.type != g->type) return CX_EINVAL;
    store_global(g, v);
    return 0;
}

/* ---- import sets ---- */

cx_wasm_imports *cx_wasm_imports_new(void) {
    return calloc(1, sizeof(cx_wasm_imports));
}

void cx_wasm_imports_free(cx_wasm_imports *im) {
    if (!im) return;
    for (uint32_t i = 0; i < im->n; i++) free(im->v[i].module), free(im->v[i].name);
    free(im->v);
    free(im);
}

static int imp_addn(cx_wasm_imports *im, const char *module, size_t ml, const char *name, size_t nl,
                    int kind, void *obj) {
    if (!im || !module || !name || !obj) return CX_EINVAL;
    for (uint32_t i = 0; i < im->n; i++) {
        struct imp_entry *e = &im->v[i];
        if (e->module_len == ml && e->name_len == nl && !memcmp(e->module, module, ml) &&
            !memcmp(e->name, name, nl)) {
            e->kind = kind;
            e->obj = obj;
            return 0;
        }
    }
    if (im->n == im->cap) {
        uint32_t nc = im->cap ? im->cap * 2 : 16;
        struct imp_entry *v = realloc(im->v, nc * sizeof *v);
        if (!v) return CX_ENOMEM;
        im->v = v;
        im->cap = nc;
    }
    struct imp_entry *e = &im->v[im->n];
    e->module = malloc(ml + 1);
    e->name = malloc(nl + 1);
    if (!e->module || !e->name) {
        free(e->module), free(e->name);
        return CX_ENOMEM;
    }
    memcpy(e->module, module, ml);
    e->module[ml] = 0;
    memcpy(e->name, name, nl);
    e->name[nl] = 0;
    e->module_len = ml;
    e->name_len = nl;
    e->kind = kind;
    e->obj = obj;
    im->n++;
    return 0;
}

static int imp_add(cx_wasm_imports *im, const char *module, const char *name, int kind, void *obj) {
    if (!module || !name) return CX_EINVAL;
    return imp_addn(im, module, strlen(module), name, strlen(name), kind, obj);
}

int cx_wasm_imports_add_func(cx_wasm_imports *im, const char *mo, const char *n, cx_wasm_func *f) {
    return imp_add(im, mo, n, 0, f);
}
int cx_wasm_imports_add_table(cx_wasm_imports *im, const char *mo, const char *n,
                              cx_wasm_table *t) {
    return imp_add(im, mo, n, 1, t);
}
int cx_wasm_imports_add_memory(cx_wasm_imports *im, const char *mo, const char *n,
                               cx_wasm_memory *m) {
    return imp_add(im, mo, n, 2, m);
}
int cx_wasm_imports_add_global(cx_wasm_imports *im, const char *mo, const char *n,
                               cx_wasm_global *g) {
    return imp_add(im, mo, n, 3, g);
}

static void *export_obj(cx_wasm_instance *inst, const export *e) {
    switch (e->kind) {
    case 0:
        return inst->fptr[e->index];
    case 1:
        return inst->tables[e->index];
    case 2:
        return inst->mem;
    default:
        return inst->globals[e->index];
    }
}

int cx_wasm_imports_add_instance(cx_wasm_imports *im, const char *module, cx_wasm_instance *inst) {
    /* Checked up front, like imp_add: an instance without exports must not
     * make a NULL name look valid. */
    if (!im || !module || !inst) return CX_EINVAL;
    for (uint32_t i = 0; i < inst->mod->nexports; i++) {
        const export *e = &inst->mod->exports[i];
        int rc = imp_addn(im, module, strlen(module), e->name, e->name_len, e->kind,
                          export_obj(inst, e));
        if (rc) return rc;
    }
    return 0;
}

/* ---- instantiation ---- */

static bool limits_match(uint64_t size, uint64_t max, bool has_max, const limits *want) {
    if (size < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

static uint64_t eval_const(cx_wasm_instance *I, const constexpr *ce) {
    switch (ce->op) {
    case 0xD2:
        return (uint64_t)(uintptr_t)I->fptr[ce->val];
    case 0xD0:
        return 0;
    case 0x23:
        return I->globals[ce->val]->val;
    default:
        return ce->val;
    }
}

static int resolve(cx_wasm_instance *I, const cx_wasm_imports *im, char *err) {
    const cx_wasm_module *m = I->mod;
    uint32_t f = 0, t = 0, g = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *ip = &m->imports[i];
        const struct imp_entry *e = NULL;
        for (uint32_t k = 0; im && k < im->n; k++)
            if (im->v[k].module_len == ip->module_len && im->v[k].name_len == ip->name_len &&
                !memcmp(im->v[k].module, ip->module, ip->module_len) &&
                !memcmp(im->v[k].name, ip->name, ip->name_len)) {
                e = &im->v[k];
                break;
            }
        if (!e) {
            cx_wasm_err(err, "unknown import %s.%s", ip->module, ip->name);
            return CX_ENOTFOUND;
        }
        bool ok = e->kind == ip->kind;
        if (ok) switch (ip->kind) {
            case 0: {
                cx_wasm_func *fn = e->obj;
                ok = functype_eq(fn->type, &m->types[ip->type]);
                I->fptr[f++] = fn;
                break;
            }
            case 1: {
                cx_wasm_table *tb = e->obj;
                ok = tb->type == ip->vtype &&
                     limits_match(tb->size, tb->max, tb->max != UINT32_MAX, &ip->lim);
                I->tables[t++] = tb;
                break;
            }
            case 2: {
                cx_wasm_memory *mm = e->obj;
                ok = limits_match(mm->pages, mm->max_pages, mm->max_pages != UINT32_MAX, &ip->lim);
                I->mem = mm;
                break;
            }
            default: {
                cx_wasm_global *gl = e->obj;
                ok = gl->type == ip->vtype && gl->mut == ip->mut;
                I->globals[g++] = gl;
            }
            }
        if (!ok) {
            cx_wasm_err(err, "incompatible import type %s.%s", ip->module, ip->name);
            return CX_EINVAL;
        }
    }
    return 0;
}

/* ---- the value stack and call frames ----
 *
 * Both live in one private anonymous mapping per instance, taken on the
 * first call: [guard page][machine stack][frames][value stack][guard page],
 * where the machine stack is the JIT's (jit.c: compiled wasm calls are
 * machine calls, kept off the C stack) and is empty when the module has no
 * compiled code. With the default limits
 * that is ~750 KiB of address space, of which a small call touches a page
 * or two: untouched pages cost neither time nor memory, and the kernel
 * hands out zeroed pages only as a deep call reaches them, so a program
 * that needs the whole stack still gets it.
 *
 * Mapping and unmapping per instance is not free either: munmap of touched
 * pages must flush the TLB of every CPU running this process (an IPI, tens
 * to hundreds of µs on a loaded VM). So a freed instance's region goes to a
 * small per-thread cache and the next instance on that thread reuses it,
 * pages already present: instantiate-call-free in a loop (a plugin served
 * per request, all on one pool thread) makes no system call for its stack.
 * Before this, both blocks came from malloc, and blocks this size made
 * glibc map/trim its heap on every instance (0.5-0.8 ms each on a pool
 * thread, mostly page faults).
 *
 * A reused region holds the previous instance's stack values; wasm cannot
 * read them (validated code pops only what it pushed, and the interpreter
 * zeroes a frame's locals on entry) and the host sees only its arguments.
 * The cache holds at most STACK_CACHE regions per thread (only their
 * touched pages are resident) and is released when the thread exits.
 *
 * The interpreter checks both bounds explicitly before it writes (call
 * depth against max_call_depth, stack_end against a frame's size), so the
 * guard page only turns an interpreter bug into a clean crash instead of a
 * silent overwrite. */

#define STACK_CACHE 4

typedef struct stack_cache {
    void *region[STACK_CACHE];
    size_t bytes[STACK_CACHE];
    unsigned n;
} stack_cache;

/* The engine's only process-wide state: the key under which each thread
 * keeps its cache, made once. */
static struct {
    pthread_once_t once;
    pthread_key_t key;
    bool ok;
} cx_wasm_stack_runtime = {.once = PTHREAD_ONCE_INIT};

static void cache_release(void *p) {
    stack_cache *c = p;
    for (unsigned i = 0; i < c->n; i++) munmap(c->region[i], c->bytes[i]);
    free(c);
}

static void cache_init(void) {
    cx_wasm_stack_runtime.ok = pthread_key_create(&cx_wasm_stack_runtime.key, cache_release) == 0;
}

/* This thread's cache, made on first use; NULL when it cannot be (then
 * regions are simply mapped and unmapped). */
static stack_cache *cache_get(void) {
    pthread_once(&cx_wasm_stack_runtime.once, cache_init);
    if (!cx_wasm_stack_runtime.ok) return NULL;
    pthread_key_t key = cx_wasm_stack_runtime.key;
    stack_cache *c = pthread_getspecific(key);
    if (!c && (c = calloc(1, sizeof *c)) && pthread_setspecific(key, c)) {
        free(c);
        c = NULL;
    }
    return c;
}

static size_t page_size(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static size_t round_up(size_t n, size_t page) {
    return (n + page - 1) / page * page;
}

static size_t stack_bytes(const cx_wasm_instance *I) {
    return (size_t)(I->lim.stack_slots ? I->lim.stack_slots : 1024) * sizeof(uint64_t);
}
static size_t frames_bytes(const cx_wasm_instance *I) {
    return ((size_t)I->lim.max_call_depth + 2) * sizeof(frame);
}

/* The JIT's machine stack: a return address (8 bytes) a wasm frame, with
 * room for the slack of nested entries; none without compiled code. */
static size_t machine_bytes(const cx_wasm_instance *I, size_t page) {
    if (!I->mod->jit_code) return 0;
    return round_up(((size_t)I->lim.max_call_depth + 64) * 48 + 16384, page);
}

/* The whole mapping: machine stack, frames and value stack each rounded to
 * pages, plus the two guards. 0 when it would not fit in a size_t. */
static size_t region_bytes(const cx_wasm_instance *I, size_t page) {
    size_t f = round_up(frames_bytes(I), page), s = round_up(stack_bytes(I), page);
    size_t j = machine_bytes(I, page);
    if (f < frames_bytes(I) || s < stack_bytes(I) || f > SIZE_MAX / 4 || s > SIZE_MAX / 4 ||
        j > SIZE_MAX / 4)
        return 0;
    return page + j + f + s + page;
}

static uint8_t *region_new(size_t total, size_t page) {
    stack_cache *c = cache_get();
    for (unsigned i = 0; c && i < c->n; i++)
        if (c->bytes[i] == total) {
            uint8_t *r = c->region[i];
            c->n--;
            c->region[i] = c->region[c->n];
            c->bytes[i] = c->bytes[c->n];
            return r;
        }
    uint8_t *r = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) return NULL;
    if (mprotect(r + total - page, page, PROT_NONE) || mprotect(r, page, PROT_NONE)) {
        munmap(r, total);
        return NULL;
    }
    return r;
}

static void region_free(uint8_t *r, size_t total) {
    stack_cache *c = cache_get();
    if (c && c->n < STACK_CACHE) {
        c->region[c->n] = r;
        c->bytes[c->n++] = total;
        return;
    }
    munmap(r, total);
}

/* The stack is placed at the end of its pages so that it ends exactly at
 * the guard page: an overrun faults on the first byte past stack_end. */
static int stack_map(cx_wasm_instance *I) {
    size_t page = page_size(), total = region_bytes(I, page);
    uint8_t *r = total ? region_new(total, page) : NULL;
    if (!r) return CX_ENOMEM;
    uint8_t *guard = r + total - page;
    I->jit_stack = r + page;
    I->jit_stack_size = machine_bytes(I, page);
    I->frames = (frame *)(void *)(r + page + I->jit_stack_size);
    I->stack = (uint64_t *)(void *)(guard - stack_bytes(I));
    I->stack_end = (uint64_t *)(void *)guard;
    I->stack_base = I->stack;
    return 0;
}

static void stack_unmap(cx_wasm_instance *I) {
    if (!I->frames) return;
    region_free((uint8_t *)I->jit_stack - page_size(), region_bytes(I, page_size()));
    I->frames = NULL;
    I->jit_stack = NULL;
    I->stack = I->stack_end = I->stack_base = NULL;
}

void cx_wasm_instance_free(cx_wasm_instance *I) {
    if (!I) return;
    const cx_wasm_module *m = I->mod;
    if (I->own_tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++) free(I->own_tables[i].elems);
    free(I->own_tables);
    if (I->has_own_mem) mem_release(&I->own_mem);
    free(I->funcs);
    free(I->fptr);
    free(I->tables);
    free(I->globals);
    free(I->own_globals);
    free(I->elem_dropped);
    free(I->data_dropped);
    stack_unmap(I);
    free(I);
}

static int set_trap(cx_wasm_trap *trap, cx_wasm_trap k, char *err) {
    if (trap) *trap = k;
    cx_wasm_err(err, "%s", cx_wasm_trap_message(k));
    return CX_EPROTO;
}

int cx_wasm_instance_new(const cx_wasm_module *m, const cx_wasm_imports *im,
                         const cx_wasm_limits *lim, cx_wasm_instance **out, cx_wasm_trap *trap,
                         char *err) {
    if (err) err[0] = 0;
    if (trap) *trap = CX_WASM_TRAP_NONE;
    if (!m || !out) return CX_EINVAL;
    *out = NULL;
    cx_wasm_instance *I = calloc(1, sizeof *I);
    if (!I) return CX_ENOMEM;
    I->mod = m;
    if (lim)
        I->lim = *lim;
    else
        cx_wasm_limits_defaults(&I->lim);
    uint32_t nown = m->nfuncs - m->nfunc_imports;
    uint32_t ntown = m->ntables - m->ntable_imports;
    uint32_t ngown = m->nglobals - m->nglobal_imports;
    I->funcs = calloc(nown + 1, sizeof *I->funcs);
    I->fptr = calloc((size_t)m->nfuncs + 1, sizeof *I->fptr);
    I->tables = calloc((size_t)m->ntables + 1, sizeof *I->tables);
    I->own_tables = calloc((size_t)ntown + 1, sizeof *I->own_tables);
    I->globals = calloc((size_t)m->nglobals + 1, sizeof *I->globals);
    I->own_globals = calloc((size_t)ngown + 1, sizeof *I->own_globals);
    I->elem_dropped = calloc((size_t)m->nelems + 1, 1);
    I->data_dropped = calloc((size_t)m->ndatas + 1, 1);
    int rc = CX_ENOMEM;
    if (!I->funcs || !I->fptr || !I->tables || !I->own_tables || !I->globals || !I->own_globals ||
        !I->elem_dropped || !I->data_dropped)
        goto fail;
    if ((rc = resolve(I, im, err))) goto fail;
    for (uint32_t i = 0; i < nown; i++) {
        cx_wasm_func *f = &I->funcs[i];
        f->type = &m->types[m->func_type[m->nfunc_imports + i]];
        f->inst = I;
        f->code = &m->codes[i];
        I->fptr[m->nfunc_imports + i] = f;
    }
    for (uint32_t i = 0; i < ngown; i++) {
        cx_wasm_global *g = &I->own_globals[i];
        const global_def *d = &m->globals[m->nglobal_imports + i];
        g->type = d->type;
        g->mut = d->mut;
        g->val = eval_const(I, &d->init);
        if (d->init.op == 0x23)
            g->hi = I->globals[d->init.val]->hi;
        else if (d->init.op == 0xFD)
            g->hi = d->init.hi;
        I->globals[m->nglobal_imports + i] = g;
    }
    for (uint32_t i = 0; i < ntown; i++) {
        const limits *l = &m->table_lim[m->ntable_imports + i];
        if (l->min > I->lim.max_table_size) {
            cx_wasm_err(err, "limit exceeded: table size");
            rc = CX_ELIMIT;
            goto fail;
        }
        if ((rc = table_init(&I->own_tables[i], m->table_type[m->ntable_imports + i], l->min,
                             l->has_max ? l->max : UINT32_MAX)))
            goto fail;
        I->tables[m->ntable_imports + i] = &I->own_tables[i];
    }
    if (m->nmems > m->nmem_imports) {
        const limits *l = &m->mem_lim[0];
        if (l->min > I->lim.max_memory_pages) {
            cx_wasm_err(err, "limit exceeded: memory size");
            rc = CX_ELIMIT;
            goto fail;
        }
        if ((rc = mem_init(&I->own_mem, l->min, l->has_max ? l->max : UINT32_MAX))) goto fail;
        I->has_own_mem = true;
        I->mem = &I->own_mem;
    }
    /* Segments in order; a failing one traps after the earlier ones landed. */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *e = &m->elems[i];
        if (e->mode == 0) {
            cx_wasm_table *t = I->tables[e->table];
            uint32_t off = (uint32_t)eval_const(I, &e->offset);
            if ((uint64_t)off + e->count > t->size) {
                rc = set_trap(trap, CX_WASM_TRAP_TABLE_OOB, err);
                goto trapped;
            }
            for (uint32_t k = 0; k < e->count; k++)
                t->elems[off + k] = (void *)(uintptr_t)eval_const(I, &e->items[k]);
        }
        if (e->mode != 1) I->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data_seg *d = &m->datas[i];
        if (d->mode != 0) continue;
        uint32_t off = (uint32_t)eval_const(I, &d->offset);
        if ((uint64_t)off + d->len > I->mem->size) {
            rc = set_trap(trap, CX_WASM_TRAP_MEMORY_OOB, err);
            goto trapped;
        }
        if (d->len) memcpy(I->mem->data + off, d->bytes, d->len);
        I->data_dropped[i] = 1;
    }
    if (m->has_start) {
        cx_wasm_trap k;
        cx_wasm_instance_set_fuel(I, I->lim.start_fuel);
        if (I->lim.start_timeout_ms)
            I->deadline = cx_wasm_now_ns() + (uint64_t)I->lim.start_timeout_ms * 1000000u;
        rc = cx_wasm_call(I, I->fptr[m->start], NULL, 0, NULL, 0, &k);
        cx_wasm_instance_set_fuel(I, 0); /* the caller's to set from here */
        I->deadline = 0;
        if (rc) {
            rc = set_trap(trap, k, err);
            goto trapped;
        }
    }
    *out = I;
    return 0;
trapped:
    /* Earlier segments may have written this instance's functions into an
     * imported table, so it must live on: the caller frees it. */
    *out = I;
    return rc;
fail:
    cx_wasm_instance_free(I);
    return rc;
}

/* ---- calls ---- */

/* The value stack and call frames, mapped on the first call (see above). */
static int ensure_stack(cx_wasm_instance *I) {
    return I->frames ? 0 : stack_map(I);
}

int cx_wasm_call(cx_wasm_instance *inst, cx_wasm_func *f, const cx_wasm_val *args, uint32_t nargs,
                 cx_wasm_val *results, uint32_t nresults, cx_wasm_trap *trap) {
    if (trap) *trap = CX_WASM_TRAP_NONE;
    if (!inst || !f) return CX_EINVAL;
    const functype *ft = f->type;
    if (nargs != ft->vparams || nresults < ft->vresults || (nargs && !args) ||
        (ft->vresults && !results))
        return CX_EINVAL;
    for (uint32_t i = 0, j = 0; i < nargs; i++, j++) {
        if (args[i].type != ft->types[j]) return CX_EINVAL;
        j += ft->types[j] == CX_WASM_V128;
    }
    int rc = ensure_stack(inst);
    if (rc) return rc;
    uint32_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    uint64_t buf[16];
    uint64_t *io = n <= 16 ? buf : malloc(n * sizeof *io);
    if (!io) return CX_ENOMEM;
    cx_wasm_vals_to_slots(ft->types, nargs, args, io);
    cx_wasm_trap k;
    cx_wasm_exec(inst, f, io, &k);
    if (k == CX_WASM_TRAP_NONE)
        cx_wasm_slots_to_vals(ft->types + ft->nparams, ft->vresults, io, results);
    if (io != buf) free(io);
    if (trap) *trap = k;
    if (k == CX_WASM_TRAP_NONE) return 0;
    return (k == CX_WASM_TRAP_FUEL || k == CX_WASM_TRAP_DEADLINE) ? CX_ELIMIT : CX_EPROTO;
}

/* ---- accessors ---- */

void cx_wasm_instance_set_fuel(cx_wasm_instance *I, uint64_t fuel) {
    I->fuel = fuel;
    I->fuel_on = fuel != 0;
}
uint64_t cx_wasm_instance_fuel_left(const cx_wasm_instance *I) {
    return I->fuel;
}
void cx_wasm_instance_set_deadline(cx_wasm_instance *I, uint64_t deadline_ns) {
    I->deadline = deadline_ns;
}
void cx_wasm_instance_set_user(cx_wasm_instance *I, void *user) {
    I->user = user;
}
void *cx_wasm_instance_user(const cx_wasm_instance *I) {
    return I->user;
}
int cx_wasm_exit_code(const cx_wasm_instance *I) {
    return I->exit_code;
}

void *cx_wasm_instance_export(cx_wasm_instance *I, const char *name, size_t len, int kind) {
    if (!I || !name) return NULL;
    for (uint32_t i = 0; i < I->mod->nexports; i++) {
        const export *e = &I->mod->exports[i];
        if (e->kind == kind && e->name_len == len && !memcmp(e->name, name, len))
            return export_obj(I, e);
    }
    return NULL;
}

static void *find_export(cx_wasm_instance *I, const char *name, int kind) {
    return name ? cx_wasm_instance_export(I, name, strlen(name), kind) : NULL;
}

cx_wasm_func *cx_wasm_instance_func(cx_wasm_instance *I, const char *name) {
    return find_export(I, name, 0);
}
cx_wasm_table *cx_wasm_instance_table(cx_wasm_instance *I, const char *name) {
    return find_export(I, name, 1);
}
cx_wasm_memory *cx_wasm_instance_memory(cx_wasm_instance *I, const char *name) {
    return find_export(I, name, 2);
}
cx_wasm_global *cx_wasm_instance_global(cx_wasm_instance *I, const char *name) {
    return find_export(I, name, 3);
}
cx_wasm_memory *cx_wasm_instance_default_memory(cx_wasm_instance *I) {
    return I ? I->mem : NULL;
}

uint32_t cx_wasm_func_param_count(const cx_wasm_func *f) {
    return f->type->vparams;
}
uint32_t cx_wasm_func_result_count(const cx_wasm_func *f) {
    return f->type->vresults;
}
/* The type of value i among n values stored in slots (a v128 takes two). */
static uint8_t nth_type(const uint8_t *types, uint32_t n, uint32_t i) {
    if (i >= n) return 0;
    for (uint32_t k = 0; k < i; k++) types += *types == CX_WASM_V128 ? 2 : 1;
    return *types;
}
uint8_t cx_wasm_func_param_type(const cx_wasm_func *f, uint32_t i) {
    return nth_type(f->type->types, f->type->vparams, i);
}
uint8_t cx_wasm_func_result_type(const cx_wasm_func *f, uint32_t i) {
    return nth_type(f->type->types + f->type->nparams, f->type->vresults, i);
}

size_t cx_wasm_memory_size(const cx_wasm_memory *m) {
    return m ? (size_t)m->size : 0;
}

void *cx_wasm_memory_ptr(cx_wasm_memory *m, uint64_t off, size_t n) {
    if (!m || off > m->size || n > m->size - off) return NULL;
    return m->data + off;
}

int cx_wasm_memory_read(const cx_wasm_memory *m, uint64_t off, void *dst, size_t n) {
    if (!m || off > m->size || n > m->size - off) return CX_ERANGE;
    if (n) memcpy(dst, m->data + off, n);
    return 0;
}

int cx_wasm_memory_write(cx_wasm_memory *m, uint64_t off, const void *src, size_t n) {
    if (!m || off > m->size || n > m->size - off) return CX_ERANGE;
    if (n) memcpy(m->data + off, src, n);
    return 0;
}

int64_t cx_wasm_memory_grow(cx_wasm_memory *m, uint32_t delta) {
    if (!m) return -1;
    return cx_wasm_memory_grow_pages(m, delta, 65536);
}

uint32_t cx_wasm_table_size(const cx_wasm_table *t) {
    return t ? t->size : 0;
}

int cx_wasm_table_get(const cx_wasm_table *t, uint32_t i, cx_wasm_val *out) {
    if (!t || i >= t->size) return CX_ERANGE;
    out->type = t->type;
    out->of.ref = t->elems[i];
    return 0;
}

int cx_wasm_table_set(cx_wasm_table *t, uint32_t i, cx_wasm_val v) {
    if (!t || i >= t->size) return CX_ERANGE;
    if (v.type != t->type) return CX_EINVAL;
    t->elems[i] = v.of.ref;
    return 0;
}
