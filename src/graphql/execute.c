/* Execution (spec section 6) with graphql-js 16's semantics.
 *
 * The response's "data" is written straight into a buffer while fields are
 * resolved in document order. Null propagation needs no result tree: every
 * nullable position remembers where its value began, and when a non-null
 * error bubbles up to it the buffer is cut back there and "null" written.
 * Errors travel up as a "pending" error that is located (path + field nodes)
 * at the first position that catches it, exactly like locatedError().
 *
 * Batching (cx_gql_loader): a resolver whose key is not loaded yet suspends.
 * The executor writes a placeholder and goes on with every other field, so a
 * whole level's keys are queued; when the pass ends with suspended fields,
 * each loader with queued keys gets one batch call and the pass runs again.
 * Resolver results (values and errors) are remembered by response path, so
 * the next pass only calls the suspended resolvers again and descends one
 * level further: N loading levels take N batch calls and N + 1 passes. The
 * last pass has no suspension and its output is the response, byte for byte
 * the one an unbatched execution writes. Mutation root fields run serially:
 * each one is driven to completion before the next one starts. */
#include "gql_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xpath {
    const struct xpath *prev;
    const char *key; /* NULL: index */
    int64_t idx;
} xpath;

/* Hash of a whole response path (for the resolver memo; computed only for
 * fields with a resolver). Keys are the document's strings, so their
 * addresses are stable for the request. */
static uint64_t path_hash(const xpath *p) {
    uint64_t h = 1469598103934665603ull;
    for (; p; p = p->prev)
        h = (h ^ (p->key ? (uint64_t)(uintptr_t)p->key : (uint64_t)p->idx * 2 + 1)) *
            1099511628211ull;
    return h ^ (h >> 29);
}

/* A remembered resolver result (see "Batching" above). */
typedef struct memo {
    uint64_t hash;
    const xpath *path; /* copied into the arena */
    int rc;
    const char *errmsg;
    cx_gql_value v;
} memo;

typedef struct X {
    const cx_gql_schema *s;
    cx_arena *a;
    gq_errors errs;
    gq_vars vars;
    const gq_node *doc;
    void *context;
    cx_buf out;        /* data */
    gq_error *pending; /* error bubbling up (not yet recorded) */
    bool pending_located;
    /* batching */
    cx_gql_loader **loaders; /* loaders with queued keys */
    size_t nloaders, caploaders;
    size_t suspended; /* fields suspended in this pass */
    bool last_round;  /* max_batch_rounds reached: suspending is an error */
    size_t rounds, max_rounds;
    memo *memo; /* open addressing, capmemo a power of two */
    size_t nmemo, capmemo;
    struct plan **plans; /* selection plans: hash chains, capplans a power of two */
    size_t nplans, capplans;
} X;

struct cx_gql_info {
    X *x;
    const cx_gql_value *parent;
    const gq_field *field;
    const gq_type *ptype;
    const char **argn;
    gq_val *argv;
    uint32_t nargs;
    const char *errmsg;
    bool suspended; /* a cx_gql_loader_load() queued its key */
};

/* ---- batching: suspension and the resolver memo ------------------------------------- */

int gq_exec_suspend_on(cx_gql_info *info, cx_gql_loader *l) {
    X *x = info->x;
    info->suspended = true;
    if (!l) return 0;
    if (x->nloaders == x->caploaders) {
        size_t c = x->caploaders ? x->caploaders * 2 : 4;
        cx_gql_loader **v = cx_arena_alloc(x->a, c * sizeof *v);
        if (!v) return CX_ENOMEM;
        if (x->nloaders) memcpy(v, x->loaders, x->nloaders * sizeof *v);
        x->loaders = v;
        x->caploaders = c;
    }
    x->loaders[x->nloaders++] = l;
    return 0;
}

static bool path_eq(const xpath *a, const xpath *b) {
    for (; a && b; a = a->prev, b = b->prev) {
        if (a->idx != b->idx || !a->key != !b->key) return false;
        if (a->key && a->key != b->key && strcmp(a->key, b->key)) return false;
    }
    return !a && !b;
}

static memo *memo_find(X *x, const xpath *p, uint64_t h) {
    if (!x->nmemo) return NULL;
    for (size_t i = h & (x->capmemo - 1);; i = (i + 1) & (x->capmemo - 1)) {
        memo *m = &x->memo[i];
        if (!m->path) return NULL;
        if (m->hash == h && path_eq(m->path, p)) return m;
    }
}

static const xpath *path_copy(X *x, const xpath *p) {
    if (!p) return NULL;
    xpath *c = cx_arena_alloc(x->a, sizeof *c);
    if (!c) return NULL;
    *c = *p;
    c->prev = NULL;
    if (p->prev && !(c->prev = path_copy(x, p->prev))) return NULL;
    return c;
}

/* Remember a resolver's result; failure to remember only costs a new call. */
static void memo_put(X *x, const xpath *p, uint64_t h, int rc, const char *errmsg,
                     const cx_gql_value *v) {
    if (2 * (x->nmemo + 1) > x->capmemo) {
        size_t c = x->capmemo ? x->capmemo * 2 : 64;
        memo *t = cx_arena_calloc(x->a, c * sizeof *t);
        if (!t) return;
        for (size_t k = 0; k < x->capmemo; k++)
            if (x->memo[k].path) {
                size_t i = x->memo[k].hash & (c - 1);
                while (t[i].path) i = (i + 1) & (c - 1);
                t[i] = x->memo[k];
            }
        x->memo = t;
        x->capmemo = c;
    }
    const xpath *cp = path_copy(x, p);
    if (!cp) return;
    size_t i = h & (x->capmemo - 1);
    while (x->memo[i].path) i = (i + 1) & (x->capmemo - 1);
    x->memo[i] = (memo){h, cp, rc, errmsg, *v};
    x->nmemo++;
}

/* Dispatch every loader with queued keys (one batch call each). */
static void dispatch_loaders(X *x) {
    size_t n = x->nloaders;
    cx_gql_loader **v = x->loaders;
    x->nloaders = x->caploaders = 0;
    x->loaders = NULL;
    for (size_t i = 0; i < n; i++) cx_gql_loader_dispatch(v[i]); /* errors land in the keys */
}

/* ---- errors ------------------------------------------------------------------ */

gq_error *gq_err_add(gq_errors *e, const char *msg) {
    if (e->n == e->cap) {
        uint32_t c = e->cap ? e->cap * 2 : 8;
        gq_error *v = cx_arena_alloc(e->arena, c * sizeof *v);
        if (!v) return NULL;
        if (e->n) memcpy(v, e->v, e->n * sizeof *v);
        e->v = v;
        e->cap = c;
    }
    gq_error *x = &e->v[e->n++];
    memset(x, 0, sizeof *x);
    x->message = (char *)msg;
    return x;
}

void gq_err_loc(gq_errors *e, gq_error *err, const gq_node *n) {
    if (!err || !n) return;
    gq_loc *l = cx_arena_alloc(e->arena, (err->nlocs + 1) * sizeof *l);
    if (!l) return;
    if (err->nlocs) memcpy(l, err->locs, err->nlocs * sizeof *l);
    l[err->nlocs].line = n->line;
    l[err->nlocs].col = n->col;
    err->locs = l;
    err->nlocs++;
}

static gq_error *new_error(X *x, const char *msg) {
    gq_error *e = cx_arena_calloc(x->a, sizeof *e);
    if (e) e->message = (char *)(msg ? msg : "out of memory");
    return e;
}

static void set_path(X *x, gq_error *e, const xpath *p) {
    uint32_t n = 0;
    for (const xpath *q = p; q; q = q->prev) n++;
    e->path = n ? cx_arena_alloc(x->a, n * sizeof *e->path) : NULL;
    e->npath = e->path ? n : 0;
    e->has_path = true;
    uint32_t i = n;
    for (const xpath *q = p; q && e->path; q = q->prev) {
        i--;
        e->path[i].key = q->key;
        e->path[i].index = q->idx;
    }
}

/* locatedError: give the pending error locations and a path if it has none. */
static void locate(X *x, const gq_node *const *nodes, uint32_t nn, const xpath *p) {
    gq_error *e = x->pending;
    if (!e || x->pending_located) return;
    if (!e->nlocs)
        for (uint32_t i = 0; i < nn; i++) gq_err_loc(&x->errs, e, nodes[i]);
    set_path(x, e, p);
    x->pending_located = true;
}

static void record_pending(X *x) {
    if (!x->pending) return;
    gq_error *d = gq_err_add(&x->errs, x->pending->message);
    if (d) *d = *x->pending;
    x->pending = NULL;
    x->pending_located = false;
}

static void throw_msg(X *x, const char *msg) {
    x->pending = new_error(x, msg);
    x->pending_located = false;
}

/* ---- output helpers ------------------------------------------------------------- */

/* One byte: the common case without a call (responses are written a byte
 * at a time between values). */
static inline void out_c(cx_buf *b, char c) {
    if (b->len < b->cap)
        b->data[b->len++] = c;
    else
        cx_buf_putc(b, c);
}

static void put_i64(cx_buf *b, long long v) {
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do tmp[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) tmp[--i] = '-';
    cx_buf_append(b, tmp + i, sizeof tmp - i);
}

static void put_str(cx_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) {
            /* non-ASCII: let the JSON writer check the UTF-8 (messages quote
             * the caller's bytes, which may be invalid) */
            cx_json_writer w;
            cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
            cx_json_write_string(&w, s, n);
            return;
        }
    cx_buf_reserve(b, n + 2);
    cx_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        cx_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            cx_buf_puts(b, "\\\"");
            break;
        case '\\':
            cx_buf_puts(b, "\\\\");
            break;
        case '\n':
            cx_buf_puts(b, "\\n");
            break;
        case '\r':
            cx_buf_puts(b, "\\r");
            break;
        case '\t':
            cx_buf_puts(b, "\\t");
            break;
        case '\b':
            cx_buf_puts(b, "\\b");
            break;
        case '\f':
            cx_buf_puts(b, "\\f");
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cx_buf_append(b, u, 6);
        }
        }
    }
    cx_buf_append(b, s + run, n - run);
    cx_buf_putc(b, '"');
}

static void put_double(cx_buf *b, double d) {
    cx_json_writer w;
    cx_json_writer_init(&w, b, 0);
    cx_json_write_double(&w, d);
}

static void put_json(cx_buf *b, const cx_json *v) {
    cx_json_writer w;
    cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
    cx_json_write_value(&w, v);
}

/* ---- JS-like conversions for result coercion ---------------------------------------- */

static bool js_number_from_string(const char *s, size_t n, double *out) {
    size_t i = 0, j = n;
    while (i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
                     s[i] == '\v'))
        i++;
    while (j > i && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n' || s[j - 1] == '\r' ||
                     s[j - 1] == '\f' || s[j - 1] == '\v'))
        j--;
    if (i == j) {
        *out = 0;
        return true;
    }
    char buf[128];
    if (j - i >= sizeof buf) return false;
    memcpy(buf, s + i, j - i);
    buf[j - i] = 0;
    if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X' || buf[1] == 'o' || buf[1] == 'O' ||
                          buf[1] == 'b' || buf[1] == 'B')) {
        int base = (buf[1] | 32) == 'x' ? 16 : (buf[1] | 32) == 'o' ? 8 : 2;
        if (!buf[2]) return false;
        double v = 0;
        for (char *p = buf + 2; *p; p++) {
            int d = *p >= '0' && *p <= '9'                 ? *p - '0'
                    : (*p | 32) >= 'a' && (*p | 32) <= 'f' ? (*p | 32) - 'a' + 10
                                                           : 99;
            if (d >= base) return false;
            v = v * base + d;
        }
        *out = v;
        return true;
    }
    const char *p = buf;
    if (*p == '+' || *p == '-') p++;
    if (!strcmp(p, "Infinity")) {
        *out = buf[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    /* only decimal literal characters */
    for (const char *q = p; *q; q++)
        if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
              *q == '-'))
            return false;
    char *end;
    double v = strtod(buf, &end);
    if (*end) return false;
    *out = v;
    return true;
}

/* The JSON value of v as a cx_json node (for inspect), or NULL. */
static char *inspect_value(X *x, const cx_gql_value *v) {
    switch (v->kind) {
    case CX_GQL_JSON:
        return gq_inspect_json(x->a, v->json);
    case CX_GQL_NULL:
        return "null";
    case CX_GQL_UNDEFINED:
        return "undefined";
    case CX_GQL_BOOL:
        return v->b ? "true" : "false";
    case CX_GQL_INT:
        return gq_printf(x->a, "%lld", (long long)v->i);
    case CX_GQL_FLOAT: {
        cx_buf b = {0};
        put_double(&b, v->f);
        char *r = cx_arena_strndup(x->a, b.data ? b.data : "NaN", b.data ? b.len : 3);
        cx_buf_free(&b);
        return r;
    }
    case CX_GQL_STRING:
        return gq_json_quote(x->a, v->s, v->n);
    case CX_GQL_LIST:
        return "[Array]";
    case CX_GQL_OBJECT:
        return "{}";
    }
    return "undefined";
}

typedef enum { J_NONE, J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jkind;

/* Normalise a resolved value to a JS-like kind with scalars extracted. */
static jkind js_kind(const cx_gql_value *v, bool *b, double *d, const char **s, size_t *n) {
    switch (v->kind) {
    case CX_GQL_UNDEFINED:
        return J_NONE;
    case CX_GQL_NULL:
        return J_NULL;
    case CX_GQL_BOOL:
        *b = v->b;
        return J_BOOL;
    case CX_GQL_INT:
        *d = (double)v->i;
        return J_NUM;
    case CX_GQL_FLOAT:
        *d = v->f;
        return J_NUM;
    case CX_GQL_STRING:
        *s = v->s;
        *n = v->n;
        return J_STR;
    case CX_GQL_LIST:
        return J_ARR;
    case CX_GQL_OBJECT:
        return J_OBJ;
    case CX_GQL_JSON:
        switch (cx_json_typeof(v->json)) {
        case CX_JSON_NULL:
            return J_NULL;
        case CX_JSON_BOOL:
            cx_json_bool(v->json, b);
            return J_BOOL;
        case CX_JSON_NUMBER:
            cx_json_double(v->json, d);
            return J_NUM;
        case CX_JSON_STRING: {
            cx_str t = cx_json_str(v->json);
            *s = t.ptr;
            *n = t.len;
            return J_STR;
        }
        case CX_JSON_ARRAY:
            return J_ARR;
        case CX_JSON_OBJECT:
            return J_OBJ;
        default:
            return J_NONE;
        }
    }
    return J_NONE;
}

/* Serialize a leaf value into x->out; false with a pending error. k, b, d,
 * str, n: v as js_kind() saw it (the caller already asked). */
static bool serialize_leaf(X *x, const gq_type *t, const cx_gql_value *v, jkind k, bool b, double d,
                           const char *str, size_t n) {
    const cx_gql_schema *s = x->s;
    cx_buf *o = &x->out;
    if (t == s->t_string && k == J_STR) { /* the most common leaf first */
        put_str(o, str, n);
        return true;
    }
    if (t->ref.kind == GK_ENUM) {
        if (k == J_STR)
            for (uint32_t i = 0; i < t->nvalues; i++)
                if (strlen(t->values[i].name) == n && !memcmp(t->values[i].name, str, n)) {
                    put_str(o, str, n);
                    return true;
                }
        throw_msg(x, gq_printf(x->a, "Enum \"%s\" cannot represent value: %s", t->name,
                               inspect_value(x, v)));
        return false;
    }
    if (t == s->t_int || t == s->t_float) {
        bool isint = t == s->t_int;
        double num = 0;
        bool ok = true;
        if (k == J_BOOL)
            num = b ? 1 : 0;
        else if (k == J_NUM)
            num = d;
        else if (k == J_STR && n > 0)
            ok = js_number_from_string(str, n, &num);
        else
            ok = false;
        if (!ok && k == J_STR && n > 0) num = NAN, ok = true;
        if (isint) {
            if (!ok || !isfinite(num) || floor(num) != num) {
                throw_msg(x, gq_printf(x->a, "Int cannot represent non-integer value: %s",
                                       inspect_value(x, v)));
                return false;
            }
            if (num > 2147483647.0 || num < -2147483648.0) {
                throw_msg(x, gq_printf(x->a,
                                       "Int cannot represent non 32-bit signed integer value: %s",
                                       inspect_value(x, v)));
                return false;
            }
            put_i64(o, (long long)num);
            return true;
        }
        if (!ok || !isfinite(num)) {
            throw_msg(x, gq_printf(x->a, "Float cannot represent non numeric value: %s",
                                   inspect_value(x, v)));
            return false;
        }
        put_double(o, num);
        return true;
    }
    if (t == s->t_string) {
        if (k == J_STR) {
            put_str(o, str, n);
            return true;
        }
        if (k == J_BOOL) {
            cx_buf_puts(o, b ? "\"true\"" : "\"false\"");
            return true;
        }
        if (k == J_NUM && isfinite(d)) {
            cx_buf_putc(o, '"');
            put_double(o, d);
            cx_buf_putc(o, '"');
            return true;
        }
        throw_msg(x, gq_printf(x->a, "String cannot represent value: %s", inspect_value(x, v)));
        return false;
    }
    if (t == s->t_boolean) {
        if (k == J_BOOL) {
            cx_buf_puts(o, b ? "true" : "false");
            return true;
        }
        if (k == J_NUM && isfinite(d)) {
            cx_buf_puts(o, d != 0 ? "true" : "false");
            return true;
        }
        throw_msg(x, gq_printf(x->a, "Boolean cannot represent a non boolean value: %s",
                               inspect_value(x, v)));
        return false;
    }
    if (t == s->t_id) {
        if (k == J_STR) {
            put_str(o, str, n);
            return true;
        }
        if (k == J_NUM && isfinite(d) && floor(d) == d) {
            cx_buf_putc(o, '"');
            put_double(o, d);
            cx_buf_putc(o, '"');
            return true;
        }
        throw_msg(x, gq_printf(x->a, "ID cannot represent value: %s", inspect_value(x, v)));
        return false;
    }
    /* custom scalar */
    cx_gql_value ser = *v;
    if (t->scalar && t->scalar->serialize) {
        const char *msg = NULL;
        if (t->scalar->serialize(v, &ser, &msg, x->a, t->scalar->ud)) {
            throw_msg(x, msg ? msg
                             : gq_printf(x->a, "%s cannot represent value: %s", t->name,
                                         inspect_value(x, v)));
            return false;
        }
    }
    switch (ser.kind) {
    case CX_GQL_JSON:
        put_json(o, ser.json);
        return true;
    case CX_GQL_NULL:
        cx_buf_puts(o, "null");
        return true;
    case CX_GQL_BOOL:
        cx_buf_puts(o, ser.b ? "true" : "false");
        return true;
    case CX_GQL_INT:
        put_i64(o, (long long)ser.i);
        return true;
    case CX_GQL_FLOAT:
        if (isfinite(ser.f))
            put_double(o, ser.f);
        else
            cx_buf_puts(o, "null");
        return true;
    case CX_GQL_STRING:
        put_str(o, ser.s, ser.n);
        return true;
    default:
        break;
    }
    throw_msg(x, gq_printf(x->a,
                           "Expected `%s.serialize(%s)` to return non-nullable value, returned: "
                           "undefined",
                           t->name, inspect_value(x, v)));
    return false;
}

/* ---- field collection ------------------------------------------------------------- */

typedef struct fgroup {
    const char *key;
    const gq_node **nodes;
    uint32_t n, cap;
} fgroup;

typedef struct fset {
    fgroup *g;
    uint32_t n, cap;
    const char **visited;
    uint32_t nvisited, capvisited;
} fset;

static const gq_node *find_fragment(X *x, const char *name) {
    for (uint32_t i = 0; i < x->doc->sel.n; i++) {
        const gq_node *d = x->doc->sel.v[i];
        if (d->kind == GN_FRAGMENT_DEF && !strcmp(d->name, name)) return d;
    }
    return NULL;
}

static bool directive_if(X *x, const gq_node *d, bool *val) {
    for (uint32_t i = 0; i < d->args.n; i++) {
        if (strcmp(d->args.v[i]->name, "if")) continue;
        gq_tref nn = {GK_NON_NULL, &x->s->t_boolean->ref};
        gq_val v;
        if (!gq_value_from_ast(x->s, x->a, &nn, d->args.v[i]->val, &x->vars, &v)) return false;
        *val = v.kind == GV_BOOL && v.b;
        return true;
    }
    return false;
}

static bool should_include(X *x, const gq_list *dirs) {
    for (uint32_t i = 0; i < dirs->n; i++) {
        const gq_node *d = dirs->v[i];
        bool v;
        if (!strcmp(d->name, "skip") && directive_if(x, d, &v) && v) return false;
    }
    for (uint32_t i = 0; i < dirs->n; i++) {
        const gq_node *d = dirs->v[i];
        bool v;
        if (!strcmp(d->name, "include") && directive_if(x, d, &v) && !v) return false;
    }
    return true;
}

static bool fragment_applies(X *x, const gq_node *typecond, const gq_type *t) {
    if (!typecond) return true;
    gq_type *c = gq_schema_type(x->s, typecond->name);
    if (c == t) return true;
    if (c && gq_is_abstract(c)) return gq_is_possible(x->s, c, t);
    return false;
}

static bool fs_add(fset *fs, const gq_node *f) {
    const char *key = f->alias ? f->alias : f->name;
    fgroup *g = NULL;
    for (uint32_t i = 0; i < fs->n; i++)
        if (!strcmp(fs->g[i].key, key)) {
            g = &fs->g[i];
            break;
        }
    if (!g) {
        if (fs->n == fs->cap) {
            uint32_t c = fs->cap ? fs->cap * 2 : 8;
            fgroup *v = realloc(fs->g, c * sizeof *v);
            if (!v) return false;
            fs->g = v;
            fs->cap = c;
        }
        g = &fs->g[fs->n++];
        memset(g, 0, sizeof *g);
        g->key = key;
    }
    if (g->n == g->cap) {
        uint32_t c = g->cap ? g->cap * 2 : 2;
        const gq_node **v = realloc(g->nodes, c * sizeof *v);
        if (!v) return false;
        g->nodes = v;
        g->cap = c;
    }
    g->nodes[g->n++] = f;
    return true;
}

static bool collect(X *x, const gq_type *t, const gq_list *sel, fset *fs) {
    for (uint32_t i = 0; i < sel->n; i++) {
        const gq_node *s = sel->v[i];
        if (!should_include(x, &s->dirs)) continue;
        if (s->kind == GN_FIELD) {
            if (!fs_add(fs, s)) return false;
        } else if (s->kind == GN_INLINE) {
            if (!fragment_applies(x, s->type, t)) continue;
            if (!collect(x, t, &s->sel, fs)) return false;
        } else if (s->kind == GN_SPREAD) {
            bool seen = false;
            for (uint32_t j = 0; j < fs->nvisited; j++) seen |= !strcmp(fs->visited[j], s->name);
            if (seen) continue;
            if (fs->nvisited == fs->capvisited) {
                uint32_t c = fs->capvisited ? fs->capvisited * 2 : 4;
                const char **v = realloc(fs->visited, c * sizeof *v);
                if (!v) return false;
                fs->visited = v;
                fs->capvisited = c;
            }
            fs->visited[fs->nvisited++] = s->name;
            const gq_node *frag = find_fragment(x, s->name);
            if (!frag || !fragment_applies(x, frag->type, t)) continue;
            if (!collect(x, t, &frag->sel, fs)) return false;
        }
    }
    return true;
}

static void fs_free(fset *fs) {
    for (uint32_t i = 0; i < fs->n; i++) free(fs->g[i].nodes);
    free(fs->g);
    free(fs->visited);
}

/* ---- arguments ------------------------------------------------------------------- */

static bool arg_values(X *x, const gq_field *f, const gq_node *fnode, cx_gql_info *info) {
    info->nargs = 0;
    if (!f->nargs) return true;
    info->argn = cx_arena_alloc(x->a, f->nargs * sizeof *info->argn);
    info->argv = cx_arena_calloc(x->a, f->nargs * sizeof *info->argv);
    if (!info->argn || !info->argv) {
        throw_msg(x, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < f->nargs; i++) {
        const gq_ivdef *d = &f->args[i];
        const gq_node *an = NULL;
        for (uint32_t j = 0; j < fnode->args.n; j++)
            if (!strcmp(fnode->args.v[j]->name, d->name)) an = fnode->args.v[j];
        gq_val v;
        if (!an) {
            if (d->default_ast && gq_default_value(x->s, x->a, d, &v)) {
                info->argn[info->nargs] = d->name;
                info->argv[info->nargs++] = v;
            } else if (gq_is_nonnull(d->type)) {
                throw_msg(x, gq_printf(x->a,
                                       "Argument \"%s\" of required type \"%s\" was not provided.",
                                       d->name, gq_tref_str(x->a, d->type)));
                gq_err_loc(&x->errs, x->pending, fnode);
                return false;
            }
            continue;
        }
        const gq_node *vn = an->val;
        bool isnull = vn->kind == GN_NULL;
        if (vn->kind == GN_VARIABLE) {
            const gq_val *vv = gq_vars_get(&x->vars, vn->name);
            if (!vv) {
                if (d->default_ast && gq_default_value(x->s, x->a, d, &v)) {
                    info->argn[info->nargs] = d->name;
                    info->argv[info->nargs++] = v;
                } else if (gq_is_nonnull(d->type)) {
                    throw_msg(x,
                              gq_printf(x->a,
                                        "Argument \"%s\" of required type \"%s\" was provided the "
                                        "variable \"$%s\" which was not provided a runtime value.",
                                        d->name, gq_tref_str(x->a, d->type), vn->name));
                    gq_err_loc(&x->errs, x->pending, vn);
                    return false;
                }
                continue;
            }
            isnull = vv->kind == GV_NULL;
        }
        if (isnull && gq_is_nonnull(d->type)) {
            throw_msg(x,
                      gq_printf(x->a, "Argument \"%s\" of non-null type \"%s\" must not be null.",
                                d->name, gq_tref_str(x->a, d->type)));
            gq_err_loc(&x->errs, x->pending, vn);
            return false;
        }
        if (!gq_value_from_ast(x->s, x->a, d->type, vn, &x->vars, &v)) {
            throw_msg(x, gq_printf(x->a, "Argument \"%s\" has invalid value %s.", d->name,
                                   gq_print_ast_value(x->a, vn)));
            gq_err_loc(&x->errs, x->pending, vn);
            return false;
        }
        info->argn[info->nargs] = d->name;
        info->argv[info->nargs++] = v;
    }
    return true;
}

/* ---- introspection resolvers ---------------------------------------------------------- */

int gq_intro_resolve(const cx_gql_schema *s, cx_arena *a, const gq_type *pt, const gq_field *f,
                     const cx_gql_value *src, cx_gql_info *info, cx_gql_value *out);

/* ---- completion ---------------------------------------------------------------------- */

static const gq_field *field_def(X *x, const gq_type *pt, const char *name) {
    if (name[0] == '_' && name[1] == '_') {
        if (!strcmp(name, "__schema") && pt == x->s->query) return &x->s->f_schema;
        if (!strcmp(name, "__type") && pt == x->s->query) return &x->s->f_type;
        if (!strcmp(name, "__typename")) return &x->s->f_typename;
    }
    return gq_type_field(pt, name);
}

/* A selection set's plan: the fields collected for (object type, field
 * nodes), each group's definition and its JSON key prefix. Built once per
 * request (a 1,000-item list collects its items' fields once, like
 * graphql-js's memoised collectSubfields) and kept until the request ends. */
typedef struct plan {
    const gq_type *t;
    const gq_node *const *nodes;
    uint32_t nn;
    fset fs;
    const gq_field **defs; /* per group; NULL: no such field, skipped */
    const char **keys;     /* per group: "\"key\":" */
    uint32_t *keylens;
    struct plan *next;
} plan;

static size_t plan_slot(const gq_type *t, const gq_node *const *nodes, size_t cap) {
    uint64_t h = ((uint64_t)(uintptr_t)t * 31 + (uint64_t)(uintptr_t)nodes) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

static bool plan_finish(X *x, plan *p) {
    uint32_t n = p->fs.n ? p->fs.n : 1;
    p->defs = cx_arena_alloc(x->a, n * sizeof *p->defs);
    p->keys = cx_arena_alloc(x->a, n * sizeof *p->keys);
    p->keylens = cx_arena_alloc(x->a, n * sizeof *p->keylens);
    if (!p->defs || !p->keys || !p->keylens) return false;
    cx_buf kb = {0};
    for (uint32_t i = 0; i < p->fs.n; i++) {
        const fgroup *g = &p->fs.g[i];
        p->defs[i] = field_def(x, p->t, g->nodes[0]->name);
        kb.len = 0;
        put_str(&kb, g->key, strlen(g->key));
        cx_buf_putc(&kb, ':');
        p->keys[i] = kb.data ? cx_arena_strndup(x->a, kb.data, kb.len) : NULL;
        p->keylens[i] = (uint32_t)kb.len;
        if (!p->keys[i]) {
            cx_buf_free(&kb);
            return false;
        }
    }
    cx_buf_free(&kb);
    return true;
}

/* The plan of the sub-selections of nodes on object type t (NULL: out of
 * memory). */
static const plan *get_plan(X *x, const gq_type *t, const gq_node *const *nodes, uint32_t nn) {
    if (x->capplans) {
        for (plan *p = x->plans[plan_slot(t, nodes, x->capplans)]; p; p = p->next)
            if (p->t == t && p->nodes == nodes && p->nn == nn) return p;
    }
    if (x->nplans >= x->capplans) {
        size_t c = x->capplans ? x->capplans * 4 : 16;
        plan **v = cx_arena_calloc(x->a, c * sizeof *v);
        if (!v) return NULL;
        for (size_t i = 0; i < x->capplans; i++)
            for (plan *p = x->plans[i], *nx; p; p = nx) {
                nx = p->next;
                size_t k = plan_slot(p->t, p->nodes, c);
                p->next = v[k];
                v[k] = p;
            }
        x->plans = v;
        x->capplans = c;
    }
    plan *p = cx_arena_calloc(x->a, sizeof *p);
    if (!p) return NULL;
    p->t = t;
    p->nodes = nodes;
    p->nn = nn;
    size_t k = plan_slot(t, nodes, x->capplans);
    p->next = x->plans[k];
    x->plans[k] = p; /* linked first so that plans_free releases it on failure */
    x->nplans++;
    bool ok = true;
    for (uint32_t i = 0; i < nn && ok; i++)
        if (nodes[i]->has_sel) ok = collect(x, t, &nodes[i]->sel, &p->fs);
    if (!ok || !plan_finish(x, p)) {
        p->t = NULL; /* never found again */
        return NULL;
    }
    return p;
}

static void plans_free(X *x) {
    for (size_t i = 0; i < x->capplans; i++)
        for (plan *p = x->plans[i]; p; p = p->next) fs_free(&p->fs);
    x->plans = NULL;
    x->capplans = x->nplans = 0;
}

static bool execute_fields(X *x, const gq_type *t, const cx_gql_value *src, const plan *p,
                           const xpath *path);

static bool complete(X *x, const gq_tref *rt, const gq_node *const *nodes, uint32_t nn,
                     const gq_field *f, const gq_type *ptype, const xpath *path,
                     const cx_gql_value *v);

static const char *type_of_value(X *x, const gq_type *abs, const cx_gql_value *v) {
    if (abs->resolve_type) return abs->resolve_type(v, x->context, abs->resolve_type_ud);
    if (v->kind == CX_GQL_OBJECT) return v->type_name;
    if (v->kind == CX_GQL_JSON && cx_json_typeof(v->json) == CX_JSON_OBJECT) {
        const cx_json *tn = cx_json_get(v->json, "__typename");
        if (cx_json_typeof(tn) == CX_JSON_STRING) return cx_json_cstr(tn);
    }
    return NULL;
}

static bool complete_object(X *x, const gq_type *ot, const gq_node *const *nodes, uint32_t nn,
                            const xpath *path, const cx_gql_value *v) {
    const plan *p = get_plan(x, ot, nodes, nn);
    if (!p) {
        throw_msg(x, "out of memory");
        return false;
    }
    return execute_fields(x, ot, v, p, path);
}

static bool complete(X *x, const gq_tref *rt, const gq_node *const *nodes, uint32_t nn,
                     const gq_field *f, const gq_type *ptype, const xpath *path,
                     const cx_gql_value *v) {
    if (rt->kind == GK_NON_NULL) {
        size_t mark = x->out.len;
        if (!complete(x, rt->of, nodes, nn, f, ptype, path, v)) return false;
        if (x->out.len - mark == 4 && !memcmp(x->out.data + mark, "null", 4)) {
            x->out.len = mark;
            throw_msg(x, gq_printf(x->a, "Cannot return null for non-nullable field %s.%s.",
                                   ptype->name, f->name));
            return false;
        }
        return true;
    }
    bool b = false;
    double d = 0;
    const char *s = NULL;
    size_t n = 0;
    jkind k = js_kind(v, &b, &d, &s, &n);
    if (k == J_NONE || k == J_NULL) {
        cx_buf_puts(&x->out, "null");
        return true;
    }
    if (rt->kind == GK_LIST) {
        if (k != J_ARR) {
            throw_msg(x, gq_printf(x->a,
                                   "Expected Iterable, but did not find one for field \"%s.%s\".",
                                   ptype->name, f->name));
            return false;
        }
        size_t cnt = v->kind == CX_GQL_LIST ? v->n : cx_json_len(v->json);
        out_c(&x->out, '[');
        for (size_t i = 0; i < cnt; i++) {
            if (i) out_c(&x->out, ',');
            cx_gql_value item;
            if (v->kind == CX_GQL_LIST)
                item = v->items[i];
            else
                item = cx_gql_json(cx_json_at(v->json, i));
            xpath ip = {path, NULL, (int64_t)i};
            size_t mark = x->out.len;
            if (!complete(x, rt->of, nodes, nn, f, ptype, &ip, &item)) {
                locate(x, nodes, nn, &ip);
                if (gq_is_nonnull(rt->of)) return false;
                record_pending(x);
                x->out.len = mark;
                cx_buf_puts(&x->out, "null");
            }
        }
        out_c(&x->out, ']');
        return true;
    }
    const gq_type *t = (const gq_type *)rt;
    if (gq_is_leaf(t)) return serialize_leaf(x, t, v, k, b, d, s, n);
    if (gq_is_abstract(t)) {
        const char *tn = type_of_value(x, t, v);
        if (!tn) {
            throw_msg(x, gq_printf(x->a,
                                   "Abstract type \"%s\" must resolve to an Object type at runtime "
                                   "for field \"%s.%s\". Either the \"%s\" type should provide a "
                                   "\"resolveType\" function or each possible type should provide "
                                   "an \"isTypeOf\" function.",
                                   t->name, ptype->name, f->name, t->name));
            for (uint32_t i = 0; i < nn; i++) gq_err_loc(&x->errs, x->pending, nodes[i]);
            return false;
        }
        const gq_type *rtt = gq_schema_type(x->s, tn);
        const char *msg = NULL;
        if (!rtt)
            msg = gq_printf(x->a,
                            "Abstract type \"%s\" was resolved to a type \"%s\" that does not "
                            "exist inside the schema.",
                            t->name, tn);
        else if (rtt->ref.kind != GK_OBJECT)
            msg = gq_printf(x->a, "Abstract type \"%s\" was resolved to a non-object type \"%s\".",
                            t->name, tn);
        else if (!gq_is_possible(x->s, t, rtt))
            msg = gq_printf(x->a, "Runtime Object type \"%s\" is not a possible type for \"%s\".",
                            rtt->name, t->name);
        if (msg) {
            throw_msg(x, msg);
            for (uint32_t i = 0; i < nn; i++) gq_err_loc(&x->errs, x->pending, nodes[i]);
            return false;
        }
        return complete_object(x, rtt, nodes, nn, path, v);
    }
    return complete_object(x, t, nodes, nn, path, v);
}

/* Execute one field into x->out (the key is already written). Returns false
 * when a non-null error must bubble further up. */
static bool execute_field(X *x, const gq_type *pt, const cx_gql_value *src, const fgroup *g,
                          const xpath *path, const gq_field *f) {
    const gq_node *fn = g->nodes[0];
    cx_gql_info info = {.x = x, .parent = src, .field = f, .ptype = pt};
    cx_gql_value v = {0};
    size_t mark = x->out.len;
    bool ok = true;
    if (f == &x->s->f_typename) {
        v = cx_gql_string(pt->name, strlen(pt->name));
    } else if (!arg_values(x, f, fn, &info)) {
        ok = false;
    } else if (f->resolve) {
        uint64_t ph = path_hash(path);
        const memo *m = memo_find(x, path, ph);
        int rc;
        if (m) {
            rc = m->rc;
            v = m->v;
            info.errmsg = m->errmsg;
        } else {
            rc = f->resolve(&info, &v);
            if (rc == CX_EAGAIN && info.suspended) {
                if (!x->last_round) {
                    /* placeholder: this pass's output is thrown away */
                    x->suspended++;
                    x->out.len = mark;
                    cx_buf_puts(&x->out, "null");
                    return true;
                }
                info.errmsg =
                    gq_printf(x->a, "Batch load rounds limit (%zu) reached.", x->max_rounds);
            } else {
                memo_put(x, path, ph, rc, info.errmsg, &v);
            }
        }
        if (rc) {
            throw_msg(x, info.errmsg ? info.errmsg : cx_strerror(rc));
            ok = false;
        }
    } else if (pt->builtin || f == &x->s->f_schema || f == &x->s->f_type) {
        if (gq_intro_resolve(x->s, x->a, pt, f, src, &info, &v)) {
            throw_msg(x, "out of memory");
            ok = false;
        }
    } else if (src->kind == CX_GQL_JSON && cx_json_typeof(src->json) == CX_JSON_OBJECT) {
        const cx_json *j = cx_json_get(src->json, f->name);
        if (j) v = cx_gql_json(j);
    }
    if (ok) ok = complete(x, f->type, g->nodes, g->n, f, pt, path, &v);
    if (!ok) {
        if (!x->pending) throw_msg(x, "out of memory");
        locate(x, g->nodes, g->n, path);
        x->out.len = mark;
        if (gq_is_nonnull(f->type)) return false;
        record_pending(x);
        cx_buf_puts(&x->out, "null");
    }
    return true;
}

/* Start group i of plan p: its separator and key. NULL (nothing written)
 * when the type has no such field (a skipped group). */
static const gq_field *begin_field(X *x, const plan *p, uint32_t i, bool *first) {
    const gq_field *f = p->defs[i];
    if (!f) return NULL;
    if (!*first) out_c(&x->out, ',');
    *first = false;
    cx_buf_append(&x->out, p->keys[i], p->keylens[i]);
    return f;
}

static bool execute_fields(X *x, const gq_type *t, const cx_gql_value *src, const plan *p,
                           const xpath *path) {
    out_c(&x->out, '{');
    bool first = true;
    for (uint32_t i = 0; i < p->fs.n; i++) {
        const gq_field *f = begin_field(x, p, i, &first);
        if (!f) continue;
        xpath fp = {path, p->fs.g[i].key, 0};
        if (!execute_field(x, t, src, &p->fs.g[i], &fp, f)) return false;
    }
    out_c(&x->out, '}');
    return true;
}

/* One unit of work run in passes until nothing is suspended (see
 * "Batching"): the output and errors of a suspended pass are dropped. */
static bool next_pass(X *x, size_t mark, uint32_t nerrs) {
    if (!x->suspended) return false;
    if (x->rounds++ >= x->max_rounds)
        x->last_round = true;
    else
        dispatch_loaders(x);
    x->out.len = mark;
    x->errs.n = nerrs;
    x->pending = NULL;
    x->pending_located = false;
    x->suspended = 0;
    return true;
}

/* The operation's root fields: together for queries (so a level's keys of
 * every root field share a batch), one after the other for mutations. */
static bool execute_root(X *x, const gq_type *t, const cx_gql_value *src, const plan *p,
                         bool serial) {
    bool ok;
    if (!serial) {
        do ok = execute_fields(x, t, src, p, NULL);
        while (next_pass(x, 0, 0));
        return ok;
    }
    out_c(&x->out, '{');
    bool first = true;
    for (uint32_t i = 0; i < p->fs.n; i++) {
        const gq_field *f = begin_field(x, p, i, &first);
        if (!f) continue;
        const fgroup *g = &p->fs.g[i];
        xpath fp = {NULL, g->key, 0};
        size_t mark = x->out.len;
        uint32_t nerrs = x->errs.n;
        do ok = execute_field(x, t, src, g, &fp, f);
        while (next_pass(x, mark, nerrs));
        if (!ok) return false;
    }
    out_c(&x->out, '}');
    return true;
}

/* ---- resolver info API --------------------------------------------------------------- */

const cx_gql_value *cx_gql_info_parent(const cx_gql_info *info) {
    return info ? info->parent : NULL;
}
void *cx_gql_info_context(const cx_gql_info *info) {
    return info ? info->x->context : NULL;
}
cx_arena *cx_gql_info_arena(const cx_gql_info *info) {
    return info ? info->x->a : NULL;
}
const char *cx_gql_info_field(const cx_gql_info *info) {
    return info ? info->field->name : NULL;
}
const char *cx_gql_info_parent_type(const cx_gql_info *info) {
    return info ? info->ptype->name : NULL;
}
void cx_gql_info_error(cx_gql_info *info, const char *message) {
    if (info && message) info->errmsg = cx_arena_strdup(info->x->a, message);
}

static const gq_val *arg_get(const cx_gql_info *info, const char *name) {
    if (!info || !name) return NULL;
    for (uint32_t i = 0; i < info->nargs; i++)
        if (!strcmp(info->argn[i], name)) return &info->argv[i];
    return NULL;
}

int cx_gql_arg_int(const cx_gql_info *info, const char *name, int64_t *out) {
    const gq_val *v = arg_get(info, name);
    if (!v || v->kind == GV_NULL) return CX_ENOENT;
    if (v->kind != GV_INT) return CX_EINVAL;
    *out = v->i;
    return 0;
}
int cx_gql_arg_float(const cx_gql_info *info, const char *name, double *out) {
    const gq_val *v = arg_get(info, name);
    if (!v || v->kind == GV_NULL) return CX_ENOENT;
    if (v->kind == GV_INT)
        *out = (double)v->i;
    else if (v->kind == GV_FLOAT)
        *out = v->f;
    else
        return CX_EINVAL;
    return 0;
}
int cx_gql_arg_bool(const cx_gql_info *info, const char *name, bool *out) {
    const gq_val *v = arg_get(info, name);
    if (!v || v->kind == GV_NULL) return CX_ENOENT;
    if (v->kind != GV_BOOL) return CX_EINVAL;
    *out = v->b;
    return 0;
}
int cx_gql_arg_string(const cx_gql_info *info, const char *name, const char **out, size_t *len) {
    const gq_val *v = arg_get(info, name);
    if (!v || v->kind == GV_NULL) return CX_ENOENT;
    if (v->kind == GV_ENUM) {
        *out = v->s;
        if (len) *len = strlen(v->s);
        return 0;
    }
    if (v->kind != GV_STRING) return CX_EINVAL;
    *out = cx_arena_strndup(info->x->a, v->s, v->n);
    if (!*out) return CX_ENOMEM;
    if (len) *len = v->n;
    return 0;
}

/* ---- request -------------------------------------------------------------------------- */

static void write_errors(cx_buf *o, const gq_errors *e) {
    cx_buf_puts(o, "\"errors\":[");
    for (uint32_t i = 0; i < e->n; i++) {
        const gq_error *x = &e->v[i];
        if (i) cx_buf_putc(o, ',');
        cx_buf_puts(o, "{\"message\":");
        put_str(o, x->message ? x->message : "", x->message ? strlen(x->message) : 0);
        if (x->nlocs) {
            cx_buf_puts(o, ",\"locations\":[");
            for (uint32_t j = 0; j < x->nlocs; j++)
                cx_buf_printf(o, "%s{\"line\":%u,\"column\":%u}", j ? "," : "", x->locs[j].line,
                              x->locs[j].col);
            cx_buf_putc(o, ']');
        }
        if (x->has_path) {
            cx_buf_puts(o, ",\"path\":[");
            for (uint32_t j = 0; j < x->npath; j++) {
                if (j) cx_buf_putc(o, ',');
                if (x->path[j].key)
                    put_str(o, x->path[j].key, strlen(x->path[j].key));
                else
                    cx_buf_printf(o, "%lld", (long long)x->path[j].index);
            }
            cx_buf_putc(o, ']');
        }
        cx_buf_putc(o, '}');
    }
    cx_buf_putc(o, ']');
}

static bool coerce_variables(X *x, const gq_node *op, const cx_json *inputs) {
    uint32_t n = op->args.n;
    x->vars.n = n;
    x->vars.names = n ? cx_arena_alloc(x->a, n * sizeof *x->vars.names) : NULL;
    x->vars.vals = n ? cx_arena_calloc(x->a, n * sizeof *x->vars.vals) : NULL;
    if (n && (!x->vars.names || !x->vars.vals)) return false;
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        const gq_node *d = op->args.v[i];
        x->vars.names[i] = d->name;
        gq_tref *t = gq_tref_from_ast(x->s, x->a, d->type);
        char *ts = gq_print_ast_value(x->a, d); /* placeholder */
        (void)ts;
        cx_buf tb = {0};
        /* print the AST type */
        const gq_node *tn = d->type;
        char *typestr;
        {
            const gq_node *stack[64];
            int sp = 0;
            while (tn && tn->kind != GN_NAMED_TYPE && sp < 64) {
                stack[sp++] = tn;
                tn = tn->type;
            }
            for (int k = 0; k < sp; k++)
                if (stack[k]->kind == GN_LIST_TYPE) cx_buf_putc(&tb, '[');
            cx_buf_puts(&tb, tn ? tn->name : "");
            for (int k = sp - 1; k >= 0; k--)
                cx_buf_puts(&tb, stack[k]->kind == GN_LIST_TYPE ? "]" : "!");
            typestr = cx_arena_strndup(x->a, tb.data ? tb.data : "", tb.len);
            cx_buf_free(&tb);
        }
        if (!t || !gq_is_input_type(t)) {
            gq_error *e = gq_err_add(&x->errs, gq_printf(x->a,
                                                         "Variable \"$%s\" expected value of type "
                                                         "\"%s\" which cannot be used as an input "
                                                         "type.",
                                                         d->name, typestr));
            gq_err_loc(&x->errs, e, d);
            ok = false;
            continue;
        }
        const cx_json *v =
            cx_json_typeof(inputs) == CX_JSON_OBJECT ? cx_json_get(inputs, d->name) : NULL;
        if (!v) {
            if (d->val) {
                gq_value_from_ast(x->s, x->a, t, d->val, NULL, &x->vars.vals[i]);
            } else if (gq_is_nonnull(t)) {
                gq_error *e = gq_err_add(
                    &x->errs,
                    gq_printf(x->a, "Variable \"$%s\" of required type \"%s\" was not provided.",
                              d->name, typestr));
                gq_err_loc(&x->errs, e, d);
                ok = false;
            }
            continue;
        }
        if (cx_json_typeof(v) == CX_JSON_NULL && gq_is_nonnull(t)) {
            gq_error *e = gq_err_add(
                &x->errs,
                gq_printf(x->a, "Variable \"$%s\" of non-null type \"%s\" must not be null.",
                          d->name, typestr));
            gq_err_loc(&x->errs, e, d);
            ok = false;
            continue;
        }
        gq_cerrs ce;
        ce.n = 0;
        ce.depth = 0;
        if (!gq_coerce_json(x->s, x->a, t, v, &x->vars.vals[i], &ce)) {
            ok = false;
            for (uint32_t k = 0; k < ce.n; k++) {
                char *prefix = gq_printf(x->a, "Variable \"$%s\" got invalid value %s", d->name,
                                         gq_inspect_json(x->a, ce.v[k].bad));
                if (ce.v[k].path && ce.v[k].path[0])
                    prefix = gq_printf(x->a, "%s at \"%s%s\"", prefix, d->name, ce.v[k].path);
                gq_error *e = gq_err_add(&x->errs, gq_printf(x->a, "%s; %s", prefix, ce.v[k].msg));
                gq_err_loc(&x->errs, e, d);
            }
        }
    }
    return ok;
}

int gq_execute_doc(const cx_gql_schema *s, const gq_node *doc, const cx_gql_request *req,
                   size_t max_batch_rounds, cx_arena *a, cx_buf *out, cx_gql_outcome *outcome) {
    X x = {0};
    x.max_rounds = max_batch_rounds ? max_batch_rounds : CX_GQL_DEFAULT_MAX_BATCH_ROUNDS;
    x.s = s;
    x.a = a;
    x.errs.arena = a;
    x.doc = doc;
    x.context = req->context;
    /* operation selection */
    const gq_node *op = NULL;
    const char *msg = NULL;
    for (uint32_t i = 0; i < doc->sel.n; i++) {
        const gq_node *d = doc->sel.v[i];
        if (d->kind != GN_OPERATION) continue;
        if (!req->operation_name) {
            if (op) {
                msg = "Must provide operation name if query contains multiple operations.";
                break;
            }
            op = d;
        } else if (d->name && !strcmp(d->name, req->operation_name))
            op = d;
    }
    if (!msg && !op)
        msg = req->operation_name
                  ? gq_printf(a, "Unknown operation named \"%s\".", req->operation_name)
                  : "Must provide an operation.";
    if (msg) {
        gq_err_add(&x.errs, msg);
        cx_buf_putc(out, '{');
        write_errors(out, &x.errs);
        cx_buf_putc(out, '}');
        if (outcome) *outcome = CX_GQL_REQUEST_ERROR;
        return 0;
    }
    if (!coerce_variables(&x, op, req->variables)) {
        cx_buf_putc(out, '{');
        write_errors(out, &x.errs);
        cx_buf_putc(out, '}');
        if (outcome) *outcome = CX_GQL_REQUEST_ERROR;
        return 0;
    }
    const gq_type *root = op->flags == GQ_QUERY      ? s->query
                          : op->flags == GQ_MUTATION ? s->mutation
                                                     : s->subscription;
    if (outcome) *outcome = CX_GQL_OK;
    if (!root) {
        static const char *const names[] = {"query", "mutation", "subscription"};
        gq_error *e =
            gq_err_add(&x.errs, gq_printf(a, "Schema is not configured to execute %s operation.",
                                          names[op->flags]));
        gq_err_loc(&x.errs, e, op);
        cx_buf_putc(out, '{');
        write_errors(out, &x.errs);
        cx_buf_puts(out, ",\"data\":null}");
        return 0;
    }
    const gq_node *opn[1] = {op};
    const plan *rp = get_plan(&x, root, opn, 1);
    if (!rp) {
        plans_free(&x);
        cx_buf_free(&x.out);
        return CX_ENOMEM;
    }
    bool ok = execute_root(&x, root, &req->root, rp, op->flags == GQ_MUTATION);
    plans_free(&x);
    for (size_t i = 0; i < x.nloaders; i++) gq_loader_release(x.loaders[i]);
    if (!ok) {
        record_pending(&x);
        x.out.len = 0;
        cx_buf_puts(&x.out, "null");
    }
    cx_buf_putc(out, '{');
    if (x.errs.n) {
        write_errors(out, &x.errs);
        cx_buf_putc(out, ',');
    }
    cx_buf_puts(out, "\"data\":");
    cx_buf_append(out, x.out.data, x.out.len);
    cx_buf_putc(out, '}');
    cx_buf_free(&x.out);
    return 0;
}

int cx_gql_execute(const cx_gql_schema *s, const cx_gql_request *req, const cx_gql_limits *lim,
                   cx_arena *a, cx_buf *out, cx_gql_outcome *outcome) {
    if (!s || !req || !a || !out || (!req->query && req->query_len)) return CX_EINVAL;
    cx_gql_limits dl;
    if (!lim) {
        cx_gql_limits_defaults(&dl);
        lim = &dl;
    }
    gq_parse_error pe;
    gq_node *doc = gq_parse(a, req->query ? req->query : "", req->query_len, lim, &pe);
    gq_errors errs = {.arena = a};
    if (!doc) {
        gq_error *e = gq_err_add(&errs, pe.message ? pe.message : "out of memory");
        if (e && pe.line) {
            e->locs = cx_arena_alloc(a, sizeof *e->locs);
            if (e->locs) {
                e->locs[0].line = pe.line;
                e->locs[0].col = pe.col;
                e->nlocs = 1;
            }
        }
        cx_buf_putc(out, '{');
        write_errors(out, &errs);
        cx_buf_putc(out, '}');
        if (outcome) *outcome = CX_GQL_REQUEST_ERROR;
        return 0;
    }
    gq_validate(s, a, doc, lim, &errs);
    if (!errs.n) gq_protect(s, a, doc, lim, &errs);
    if (errs.n) {
        cx_buf_putc(out, '{');
        write_errors(out, &errs);
        cx_buf_putc(out, '}');
        if (outcome)
            *outcome = errs.v[0].message && strstr(errs.v[0].message, "exceeds the limit")
                           ? CX_GQL_LIMIT_EXCEEDED
                           : CX_GQL_REQUEST_ERROR;
        return 0;
    }
    return gq_execute_doc(s, doc, req, lim->max_batch_rounds, a, out, outcome);
}
