/* Input values: coercion of variables (JSON) and literals (AST) per the
 * spec's section 3.x/6.x input coercion rules, with graphql-js's messages;
 * printing of default values for introspection; inspect() of JSON values. */
#include "gql_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text helpers ----------------------------------------------------------- */

char *gq_json_quote(cx_arena *a, const char *s, size_t n) {
    cx_buf b = {0};
    cx_json_writer w;
    cx_json_writer_init(&w, &b, CX_JSON_REPLACE_INVALID);
    cx_json_write_string(&w, s, n);
    char *r = cx_arena_strndup(a, b.data ? b.data : "\"\"", b.data ? b.len : 2);
    cx_buf_free(&b);
    return r;
}

static void put_number(cx_buf *b, double d) {
    cx_json_writer w;
    cx_json_writer_init(&w, b, 0);
    if (isnan(d))
        cx_buf_puts(b, "NaN");
    else if (isinf(d))
        cx_buf_puts(b, d > 0 ? "Infinity" : "-Infinity");
    else
        cx_json_write_double(&w, d);
}

/* Containers inspect() does not open: empty ones and those nested deeper
 * than two levels. Writes them and returns false; true when the caller
 * writes the items. */
static bool inspect_shallow(cx_buf *b, size_t n, int depth, const char *empty, const char *deep) {
    if (n && depth <= 2) return true;
    cx_buf_puts(b, n ? deep : empty);
    return false;
}

static void inspect_into(cx_buf *b, const cx_json *v, int depth) {
    switch (cx_json_typeof(v)) {
    case CX_JSON_NULL:
        cx_buf_puts(b, "null");
        break;
    case CX_JSON_BOOL: {
        bool x = false;
        cx_json_bool(v, &x);
        cx_buf_puts(b, x ? "true" : "false");
        break;
    }
    case CX_JSON_NUMBER: {
        double d = 0;
        cx_json_double(v, &d);
        put_number(b, d);
        break;
    }
    case CX_JSON_STRING: {
        cx_json_writer w;
        cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
        cx_str s = cx_json_str(v);
        cx_json_write_string(&w, s.ptr, s.len);
        break;
    }
    case CX_JSON_ARRAY: {
        size_t n = cx_json_len(v);
        if (!inspect_shallow(b, n, depth, "[]", "[Array]")) break;
        size_t m = n < 10 ? n : 10;
        cx_buf_putc(b, '[');
        for (size_t i = 0; i < m; i++) {
            if (i) cx_buf_puts(b, ", ");
            inspect_into(b, cx_json_at(v, i), depth + 1);
        }
        if (n - m == 1) cx_buf_puts(b, ", ... 1 more item");
        if (n - m > 1) cx_buf_printf(b, ", ... %zu more items", n - m);
        cx_buf_putc(b, ']');
        break;
    }
    case CX_JSON_OBJECT: {
        size_t n = cx_json_len(v);
        if (!inspect_shallow(b, n, depth, "{}", "[Object]")) break;
        cx_buf_puts(b, "{ ");
        for (size_t i = 0; i < n; i++) {
            if (i) cx_buf_puts(b, ", ");
            cx_str k = cx_json_key_at(v, i);
            cx_buf_append(b, k.ptr, k.len);
            cx_buf_puts(b, ": ");
            inspect_into(b, cx_json_value_at(v, i), depth + 1);
        }
        cx_buf_puts(b, " }");
        break;
    }
    default:
        cx_buf_puts(b, "undefined");
        break;
    }
}

char *gq_inspect_json(cx_arena *a, const cx_json *v) {
    cx_buf b = {0};
    inspect_into(&b, v, 1);
    char *r = cx_arena_strndup(a, b.data ? b.data : "", b.len);
    cx_buf_free(&b);
    return r;
}

/* ---- suggestions -------------------------------------------------------------- */

static int natural_compare(const char *a, const char *b) {
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (ac >= '0' && ac <= '9' && bc >= '0' && bc <= '9') {
            long an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + ac - '0';
                ac = ai < al ? (unsigned char)a[ai] : 0;
            } while (ac >= '0' && ac <= '9' && an > 0);
            do {
                ++bi;
                bn = bn * 10 + bc - '0';
                bc = bi < bl ? (unsigned char)b[bi] : 0;
            } while (bc >= '0' && bc <= '9' && bn > 0);
            if (an != bn) return an < bn ? -1 : 1;
        } else {
            if (ac != bc) return ac < bc ? -1 : 1;
            ++ai;
            ++bi;
        }
    }
    return (int)al - (int)bl;
}

static int lex_distance(const char *input, const char *option, int threshold) {
    if (!strcmp(input, option)) return 0;
    size_t il = strlen(input), ol = strlen(option);
    char *a = malloc(ol + 1), *b = malloc(il + 1);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    for (size_t i = 0; i <= ol; i++)
        a[i] = (char)((option[i] >= 'A' && option[i] <= 'Z') ? option[i] + 32 : option[i]);
    for (size_t i = 0; i <= il; i++)
        b[i] = (char)((input[i] >= 'A' && input[i] <= 'Z') ? input[i] + 32 : input[i]);
    int result = -1;
    if (!strcmp(a, b)) {
        result = 1;
        goto out;
    }
    if (ol < il) {
        char *t = a;
        a = b;
        b = t;
        size_t tl = ol;
        ol = il;
        il = tl;
    }
    if ((int)(ol - il) > threshold) goto out;
    int *rows = malloc(3 * (il + 1) * sizeof *rows);
    if (!rows) goto out;
#define ROW(r) (rows + ((r) % 3) * (il + 1))
    for (size_t j = 0; j <= il; j++) ROW(0)[j] = (int)j;
    for (size_t i = 1; i <= ol; i++) {
        int *up = ROW(i - 1), *cur = ROW(i);
        int smallest = cur[0] = (int)i;
        for (size_t j = 1; j <= il; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int c = up[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            if (up[j - 1] + cost < c) c = up[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                int dd = ROW(i - 2)[j - 2] + 1;
                if (dd < c) c = dd;
            }
            if (c < smallest) smallest = c;
            cur[j] = c;
        }
        if (smallest > threshold) {
            free(rows);
            goto out;
        }
    }
    {
        int d = ROW(ol)[il];
        result = d <= threshold ? d : -1;
    }
#undef ROW
    free(rows);
out:
    free(a);
    free(b);
    return result;
}

typedef struct scored {
    const char *s;
    int d;
} scored;

static int cmp_scored(const void *x, const void *y) {
    const scored *a = x, *b = y;
    if (a->d != b->d) return a->d - b->d;
    return natural_compare(a->s, b->s);
}

size_t gq_suggestion_list(cx_arena *a, const char *input, const char **options, size_t n,
                          const char ***out) {
    *out = NULL;
    if (!n) return 0;
    scored *sc = malloc(n * sizeof *sc);
    if (!sc) return 0;
    int threshold = (int)(strlen(input) * 4 / 10) + 1;
    /* floor(len * 0.4): integer math matches for all lengths */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < m; j++) dup |= !strcmp(sc[j].s, options[i]);
        if (dup) continue;
        int d = lex_distance(input, options[i], threshold);
        if (d >= 0) sc[m++] = (scored){options[i], d};
    }
    qsort(sc, m, sizeof *sc, cmp_scored);
    const char **r = m ? cx_arena_alloc(a, m * sizeof *r) : NULL;
    if (m && !r) m = 0;
    for (size_t i = 0; i < m; i++) r[i] = sc[i].s;
    free(sc);
    *out = r;
    return m;
}

char *gq_did_you_mean(cx_arena *a, const char *input, const char **options, size_t n,
                      const char *sub) {
    const char **sug;
    size_t m = input ? gq_suggestion_list(a, input, options, n, &sug) : n;
    if (!input) sug = options;
    if (!m) return "";
    cx_buf b = {0};
    cx_buf_puts(&b, " Did you mean ");
    if (sub) cx_buf_printf(&b, "%s ", sub);
    if (m == 1)
        cx_buf_printf(&b, "\"%s\"?", sug[0]);
    else if (m == 2)
        cx_buf_printf(&b, "\"%s\" or \"%s\"?", sug[0], sug[1]);
    else {
        size_t k = m < 5 ? m : 5;
        for (size_t i = 0; i + 1 < k; i++) cx_buf_printf(&b, "\"%s\", ", sug[i]);
        cx_buf_printf(&b, "or \"%s\"?", sug[k - 1]);
    }
    char *r = cx_arena_strndup(a, b.data, b.len);
    cx_buf_free(&b);
    return r ? r : "";
}

/* ---- variable coercion (coerceInputValue) --------------------------------------- */

typedef struct path_buf {
    char s[512];
    size_t n;
} path_buf;

static void cerr(cx_arena *a, gq_cerrs *e, const path_buf *p, const cx_json *bad, const char *msg) {
    if (e->n >= sizeof e->v / sizeof *e->v) return;
    gq_cerr *x = &e->v[e->n++];
    x->msg = cx_arena_strdup(a, msg ? msg : "");
    x->path = cx_arena_strndup(a, p->s, p->n);
    x->bad = bad;
}

static bool json_is_int(const cx_json *v, double *d) {
    if (cx_json_typeof(v) != CX_JSON_NUMBER) return false;
    cx_json_double(v, d);
    return isfinite(*d) && floor(*d) == *d;
}

static char *enum_names_suggest(cx_arena *a, const gq_type *t, const char *input) {
    const char **names = malloc((t->nvalues + 1) * sizeof *names);
    if (!names) return "";
    for (uint32_t i = 0; i < t->nvalues; i++) names[i] = t->values[i].name;
    char *r = gq_did_you_mean(a, input, names, t->nvalues, "the enum value");
    free(names);
    return r;
}

/* parseValue of a leaf type; NULL message on success. */
static const char *parse_leaf(const cx_gql_schema *s, cx_arena *a, const gq_type *t,
                              const cx_json *v, gq_val *out) {
    cx_json_type jt = cx_json_typeof(v);
    double d = 0;
    if (t->ref.kind == GK_ENUM) {
        if (jt != CX_JSON_STRING) {
            char *vs = gq_inspect_json(a, v);
            return gq_printf(a, "Enum \"%s\" cannot represent non-string value: %s.%s", t->name, vs,
                             enum_names_suggest(a, t, vs));
        }
        const char *str = cx_json_cstr(v);
        for (uint32_t i = 0; i < t->nvalues; i++)
            if (!strcmp(t->values[i].name, str)) {
                out->kind = GV_ENUM;
                out->s = t->values[i].name;
                return NULL;
            }
        return gq_printf(a, "Value \"%s\" does not exist in \"%s\" enum.%s", str, t->name,
                         enum_names_suggest(a, t, str));
    }
    if (t == s->t_int) {
        if (!json_is_int(v, &d))
            return gq_printf(a, "Int cannot represent non-integer value: %s",
                             gq_inspect_json(a, v));
        if (d > 2147483647.0 || d < -2147483648.0)
            return gq_printf(a, "Int cannot represent non 32-bit signed integer value: %s",
                             gq_inspect_json(a, v));
        out->kind = GV_INT;
        out->i = (int64_t)d;
        return NULL;
    }
    if (t == s->t_float) {
        if (jt != CX_JSON_NUMBER || (cx_json_double(v, &d), !isfinite(d)))
            return gq_printf(a, "Float cannot represent non numeric value: %s",
                             gq_inspect_json(a, v));
        out->kind = GV_FLOAT;
        out->f = d;
        return NULL;
    }
    if (t == s->t_string) {
        if (jt != CX_JSON_STRING)
            return gq_printf(a, "String cannot represent a non string value: %s",
                             gq_inspect_json(a, v));
        cx_str x = cx_json_str(v);
        out->kind = GV_STRING;
        out->s = x.ptr;
        out->n = x.len;
        return NULL;
    }
    if (t == s->t_boolean) {
        if (jt != CX_JSON_BOOL)
            return gq_printf(a, "Boolean cannot represent a non boolean value: %s",
                             gq_inspect_json(a, v));
        out->kind = GV_BOOL;
        cx_json_bool(v, &out->b);
        return NULL;
    }
    if (t == s->t_id) {
        if (jt == CX_JSON_STRING) {
            cx_str x = cx_json_str(v);
            out->kind = GV_STRING;
            out->s = x.ptr;
            out->n = x.len;
            return NULL;
        }
        if (json_is_int(v, &d)) {
            cx_buf b = {0};
            put_number(&b, d);
            out->kind = GV_STRING;
            out->s = cx_arena_strndup(a, b.data, b.len);
            out->n = b.len;
            cx_buf_free(&b);
            return NULL;
        }
        return gq_printf(a, "ID cannot represent value: %s", gq_inspect_json(a, v));
    }
    /* custom scalar */
    if (t->scalar && t->scalar->parse) {
        const char *msg = NULL;
        int rc = t->scalar->parse(v, &msg, a, t->scalar->ud);
        if (rc) return msg ? msg : gq_printf(a, "Expected type \"%s\".", t->name);
    }
    out->kind = GV_JSON;
    out->json = v;
    return NULL;
}

/* Nesting of input objects coerce() follows; recursive input types with a
 * deeply nested variable would otherwise recurse as deep as the JSON. */
#define GQ_MAX_INPUT_DEPTH 64

static bool coerce_inner(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const cx_json *v,
                         gq_val *out, gq_cerrs *e, path_buf *p);

static bool coerce(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const cx_json *v,
                   gq_val *out, gq_cerrs *e, path_buf *p) {
    memset(out, 0, sizeof *out);
    if (++e->depth > GQ_MAX_INPUT_DEPTH) {
        e->depth--;
        cerr(a, e, p, v, "Input value is nested too deeply.");
        return false;
    }
    bool ok = coerce_inner(s, a, t, v, out, e, p);
    e->depth--;
    return ok;
}

static bool coerce_inner(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const cx_json *v,
                         gq_val *out, gq_cerrs *e, path_buf *p) {
    bool isnull = cx_json_typeof(v) == CX_JSON_NULL;
    if (t->kind == GK_NON_NULL) {
        if (!isnull) return coerce(s, a, t->of, v, out, e, p);
        cerr(a, e, p, v,
             gq_printf(a, "Expected non-nullable type \"%s\" not to be null.", gq_tref_str(a, t)));
        return false;
    }
    if (isnull) {
        out->kind = GV_NULL;
        return true;
    }
    if (t->kind == GK_LIST) {
        if (cx_json_typeof(v) == CX_JSON_ARRAY) {
            size_t n = cx_json_len(v);
            out->kind = GV_LIST;
            out->n = n;
            out->items = n ? cx_arena_calloc(a, n * sizeof *out->items) : NULL;
            if (n && !out->items) return false;
            bool ok = true;
            for (size_t i = 0; i < n; i++) {
                size_t save = p->n;
                int w = snprintf(p->s + p->n, sizeof p->s - p->n, "[%zu]", i);
                if (w > 0 && (size_t)w < sizeof p->s - p->n) p->n += (size_t)w;
                ok &= coerce(s, a, t->of, cx_json_at(v, i), &out->items[i], e, p);
                p->n = save;
            }
            return ok;
        }
        out->kind = GV_LIST;
        out->n = 1;
        out->items = cx_arena_calloc(a, sizeof *out->items);
        if (!out->items) return false;
        return coerce(s, a, t->of, v, &out->items[0], e, p);
    }
    const gq_type *nt = (const gq_type *)t;
    if (nt->ref.kind == GK_INPUT_OBJECT) {
        if (cx_json_typeof(v) != CX_JSON_OBJECT) {
            cerr(a, e, p, v, gq_printf(a, "Expected type \"%s\" to be an object.", nt->name));
            return false;
        }
        bool ok = true;
        out->kind = GV_OBJECT;
        out->items = cx_arena_calloc(a, (nt->nifields + 1) * sizeof *out->items);
        out->keys = cx_arena_calloc(a, (nt->nifields + 1) * sizeof *out->keys);
        if (!out->items || !out->keys) return false;
        for (uint32_t i = 0; i < nt->nifields; i++) {
            const gq_ivdef *f = &nt->ifields[i];
            const cx_json *fv = cx_json_get(v, f->name);
            if (!fv) {
                if (f->default_ast) {
                    if (gq_default_value(s, a, f, &out->items[out->n]))
                        out->keys[out->n++] = f->name;
                } else if (gq_is_nonnull(f->type)) {
                    cerr(a, e, p, v,
                         gq_printf(a, "Field \"%s\" of required type \"%s\" was not provided.",
                                   f->name, gq_tref_str(a, f->type)));
                    ok = false;
                }
                continue;
            }
            size_t save = p->n;
            int w = snprintf(p->s + p->n, sizeof p->s - p->n, ".%s", f->name);
            if (w > 0 && (size_t)w < sizeof p->s - p->n) p->n += (size_t)w;
            ok &= coerce(s, a, f->type, fv, &out->items[out->n], e, p);
            p->n = save;
            out->keys[out->n++] = f->name;
        }
        size_t nk = cx_json_len(v);
        for (size_t i = 0; i < nk; i++) {
            cx_str k = cx_json_key_at(v, i);
            bool known = false;
            for (uint32_t j = 0; j < nt->nifields && !known; j++)
                known = strlen(nt->ifields[j].name) == k.len &&
                        !memcmp(nt->ifields[j].name, k.ptr, k.len);
            if (known) continue;
            const char **names = malloc((nt->nifields + 1) * sizeof *names);
            if (!names) return false;
            for (uint32_t j = 0; j < nt->nifields; j++) names[j] = nt->ifields[j].name;
            char *key = cx_arena_strndup(a, k.ptr, k.len);
            char *dym = gq_did_you_mean(a, key, names, nt->nifields, NULL);
            free(names);
            cerr(a, e, p, v,
                 gq_printf(a, "Field \"%s\" is not defined by type \"%s\".%s", key, nt->name, dym));
            ok = false;
        }
        if (nt->one_of) {
            if (out->n != 1) {
                cerr(a, e, p, v,
                     gq_printf(a, "Exactly one key must be specified for OneOf type \"%s\".",
                               nt->name));
                ok = false;
            } else if (out->items[0].kind == GV_NULL) {
                size_t save = p->n;
                int w = snprintf(p->s + p->n, sizeof p->s - p->n, ".%s", out->keys[0]);
                if (w > 0 && (size_t)w < sizeof p->s - p->n) p->n += (size_t)w;
                cerr(a, e, p, cx_json_get(v, out->keys[0]),
                     gq_printf(a, "Field \"%s\" must be non-null.", out->keys[0]));
                p->n = save;
                ok = false;
            }
        }
        return ok;
    }
    const char *msg = parse_leaf(s, a, nt, v, out);
    if (msg) {
        cerr(a, e, p, v, msg);
        return false;
    }
    return true;
}

bool gq_coerce_json(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const cx_json *v,
                    gq_val *out, gq_cerrs *errs) {
    path_buf p = {.n = 0};
    return coerce(s, a, t, v, out, errs, &p);
}

/* ---- literals (valueFromAST) ------------------------------------------------------ */

const gq_val *gq_vars_get(const gq_vars *vars, const char *name) {
    if (!vars) return NULL;
    for (uint32_t i = 0; i < vars->n; i++)
        if (!strcmp(vars->names[i], name))
            return vars->vals[i].kind == GV_UNDEF ? NULL : &vars->vals[i];
    return NULL;
}

static bool missing_var(const gq_node *v, const gq_vars *vars) {
    return v->kind == GN_VARIABLE && !gq_vars_get(vars, v->name);
}

static bool is_int_text(const char *s) {
    if (*s == '-') s++;
    if (*s == '0') return s[1] == 0;
    if (*s < '1' || *s > '9') return false;
    while (*s >= '0' && *s <= '9') s++;
    return *s == 0;
}

/* An untyped literal as JSON text, for custom scalars' parse callback. */
static void untyped_json(cx_buf *b, const gq_node *v, const gq_vars *vars);

static bool leaf_literal(const cx_gql_schema *s, cx_arena *a, const gq_type *t, const gq_node *v,
                         const gq_vars *vars, gq_val *out) {
    if (t->ref.kind == GK_ENUM) {
        if (v->kind != GN_ENUM) return false;
        for (uint32_t i = 0; i < t->nvalues; i++)
            if (!strcmp(t->values[i].name, v->value)) {
                out->kind = GV_ENUM;
                out->s = t->values[i].name;
                return true;
            }
        return false;
    }
    if (t == s->t_int) {
        if (v->kind != GN_INT) return false;
        double d = strtod(v->value, NULL);
        if (d > 2147483647.0 || d < -2147483648.0) return false;
        out->kind = GV_INT;
        out->i = (int64_t)d;
        return true;
    }
    if (t == s->t_float) {
        if (v->kind != GN_INT && v->kind != GN_FLOAT) return false;
        out->kind = GV_FLOAT;
        out->f = strtod(v->value, NULL);
        return true;
    }
    if (t == s->t_string) {
        if (v->kind != GN_STRING) return false;
        out->kind = GV_STRING;
        out->s = v->value;
        out->n = v->value_len;
        return true;
    }
    if (t == s->t_boolean) {
        if (v->kind != GN_BOOLEAN) return false;
        out->kind = GV_BOOL;
        out->b = v->flags;
        return true;
    }
    if (t == s->t_id) {
        if (v->kind != GN_STRING && v->kind != GN_INT) return false;
        out->kind = GV_STRING;
        out->s = v->value;
        out->n = v->value_len;
        return true;
    }
    /* custom scalar: the literal as JSON (variables substituted) */
    cx_buf b = {0};
    untyped_json(&b, v, vars);
    const cx_json *j = NULL;
    int rc = b.data ? cx_json_parse(a, b.data, b.len, NULL, &j, NULL) : CX_EINVAL;
    cx_buf_free(&b);
    if (rc) return false;
    if (t->scalar && t->scalar->parse) {
        const char *msg = NULL;
        if (t->scalar->parse(j, &msg, a, t->scalar->ud)) return false;
    }
    out->kind = GV_JSON;
    out->json = j;
    return true;
}

static void val_json(cx_buf *b, const gq_val *v);

static void untyped_json(cx_buf *b, const gq_node *v, const gq_vars *vars) {
    cx_json_writer w;
    switch (v->kind) {
    case GN_INT:
    case GN_FLOAT: {
        double d = strtod(v->value, NULL);
        put_number(b, d);
        break;
    }
    case GN_STRING:
    case GN_ENUM:
        cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
        cx_json_write_string(&w, v->value, v->value_len);
        break;
    case GN_BOOLEAN:
        cx_buf_puts(b, v->flags ? "true" : "false");
        break;
    case GN_NULL:
        cx_buf_puts(b, "null");
        break;
    case GN_VARIABLE: {
        const gq_val *x = gq_vars_get(vars, v->name);
        if (x)
            val_json(b, x);
        else
            cx_buf_puts(b, "null");
        break;
    }
    case GN_LIST:
        cx_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->sel.n; i++) {
            if (i) cx_buf_putc(b, ',');
            untyped_json(b, v->sel.v[i], vars);
        }
        cx_buf_putc(b, ']');
        break;
    case GN_OBJECT:
        cx_buf_putc(b, '{');
        for (uint32_t i = 0; i < v->sel.n; i++) {
            if (i) cx_buf_putc(b, ',');
            cx_json_writer_init(&w, b, 0);
            cx_json_write_string(&w, v->sel.v[i]->name, strlen(v->sel.v[i]->name));
            cx_buf_putc(b, ':');
            untyped_json(b, v->sel.v[i]->val, vars);
        }
        cx_buf_putc(b, '}');
        break;
    default:
        cx_buf_puts(b, "null");
        break;
    }
}

static void val_json(cx_buf *b, const gq_val *v) {
    cx_json_writer w;
    switch (v->kind) {
    case GV_NULL:
    case GV_UNDEF:
        cx_buf_puts(b, "null");
        break;
    case GV_BOOL:
        cx_buf_puts(b, v->b ? "true" : "false");
        break;
    case GV_INT:
        cx_buf_printf(b, "%lld", (long long)v->i);
        break;
    case GV_FLOAT:
        put_number(b, v->f);
        break;
    case GV_STRING:
    case GV_ENUM:
        cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
        cx_json_write_string(&w, v->s, v->kind == GV_ENUM ? strlen(v->s) : v->n);
        break;
    case GV_LIST:
        cx_buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) cx_buf_putc(b, ',');
            val_json(b, &v->items[i]);
        }
        cx_buf_putc(b, ']');
        break;
    case GV_OBJECT:
        cx_buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i) cx_buf_putc(b, ',');
            cx_json_writer_init(&w, b, 0);
            cx_json_write_string(&w, v->keys[i], strlen(v->keys[i]));
            cx_buf_putc(b, ':');
            val_json(b, &v->items[i]);
        }
        cx_buf_putc(b, '}');
        break;
    case GV_JSON:
        cx_json_stringify(b, v->json, 0);
        break;
    }
}

bool gq_value_from_ast(const cx_gql_schema *s, cx_arena *a, const gq_tref *t, const gq_node *v,
                       const gq_vars *vars, gq_val *out) {
    memset(out, 0, sizeof *out);
    if (!v) return false;
    if (v->kind == GN_VARIABLE) {
        const gq_val *x = gq_vars_get(vars, v->name);
        if (!x) return false;
        if (x->kind == GV_NULL && gq_is_nonnull(t)) return false;
        *out = *x;
        return true;
    }
    if (t->kind == GK_NON_NULL) {
        if (v->kind == GN_NULL) return false;
        return gq_value_from_ast(s, a, t->of, v, vars, out);
    }
    if (v->kind == GN_NULL) {
        out->kind = GV_NULL;
        return true;
    }
    if (t->kind == GK_LIST) {
        if (v->kind == GN_LIST) {
            out->kind = GV_LIST;
            out->n = v->sel.n;
            out->items = v->sel.n ? cx_arena_calloc(a, v->sel.n * sizeof *out->items) : NULL;
            if (v->sel.n && !out->items) return false;
            for (uint32_t i = 0; i < v->sel.n; i++) {
                if (missing_var(v->sel.v[i], vars)) {
                    if (gq_is_nonnull(t->of)) return false;
                    out->items[i].kind = GV_NULL;
                } else if (!gq_value_from_ast(s, a, t->of, v->sel.v[i], vars, &out->items[i]))
                    return false;
            }
            return true;
        }
        out->kind = GV_LIST;
        out->n = 1;
        out->items = cx_arena_calloc(a, sizeof *out->items);
        return out->items && gq_value_from_ast(s, a, t->of, v, vars, &out->items[0]);
    }
    const gq_type *nt = (const gq_type *)t;
    if (nt->ref.kind == GK_INPUT_OBJECT) {
        if (v->kind != GN_OBJECT) return false;
        out->kind = GV_OBJECT;
        out->items = cx_arena_calloc(a, (nt->nifields + 1) * sizeof *out->items);
        out->keys = cx_arena_calloc(a, (nt->nifields + 1) * sizeof *out->keys);
        if (!out->items || !out->keys) return false;
        for (uint32_t i = 0; i < nt->nifields; i++) {
            const gq_ivdef *f = &nt->ifields[i];
            const gq_node *fn = NULL;
            for (uint32_t j = 0; j < v->sel.n; j++)
                if (!strcmp(v->sel.v[j]->name, f->name)) fn = v->sel.v[j]; /* keyMap: last */
            if (!fn || missing_var(fn->val, vars)) {
                if (f->default_ast) {
                    if (gq_default_value(s, a, f, &out->items[out->n]))
                        out->keys[out->n++] = f->name;
                } else if (gq_is_nonnull(f->type))
                    return false;
                continue;
            }
            if (!gq_value_from_ast(s, a, f->type, fn->val, vars, &out->items[out->n])) return false;
            out->keys[out->n++] = f->name;
        }
        if (nt->one_of && (out->n != 1 || out->items[0].kind == GV_NULL)) return false;
        return true;
    }
    return leaf_literal(s, a, nt, v, vars, out);
}

bool gq_default_value(const cx_gql_schema *s, cx_arena *a, const gq_ivdef *d, gq_val *out) {
    if (!d->default_ast || !d->type) return false;
    return gq_value_from_ast(s, a, d->type, d->default_ast, NULL, out);
}

/* ---- printing (astFromValue + print) ----------------------------------------------- */

static void print_string(cx_buf *b, const char *s, size_t n) {
    cx_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            cx_buf_puts(b, "\\\"");
        else if (c == '\\')
            cx_buf_puts(b, "\\\\");
        else if (c == '\b')
            cx_buf_puts(b, "\\b");
        else if (c == '\t')
            cx_buf_puts(b, "\\t");
        else if (c == '\n')
            cx_buf_puts(b, "\\n");
        else if (c == '\f')
            cx_buf_puts(b, "\\f");
        else if (c == '\r')
            cx_buf_puts(b, "\\r");
        else if (c < 0x20 || c == 0x7F)
            cx_buf_printf(b, "\\u%04X", c);
        else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                 (unsigned char)s[i + 1] <= 0x9F) {
            cx_buf_printf(b, "\\u%04X", (unsigned char)s[i + 1]);
            i++;
        } else
            cx_buf_putc(b, (char)c);
    }
    cx_buf_putc(b, '"');
}

/* Returns false when astFromValue gives null (nothing to print). */
static bool ast_from_value(const cx_gql_schema *s, cx_buf *b, const gq_val *v, const gq_tref *t) {
    if (t->kind == GK_NON_NULL) {
        if (v->kind == GV_NULL) return false;
        return ast_from_value(s, b, v, t->of);
    }
    if (v->kind == GV_NULL) {
        cx_buf_puts(b, "null");
        return true;
    }
    if (v->kind == GV_UNDEF) return false;
    if (t->kind == GK_LIST) {
        if (v->kind == GV_LIST) {
            cx_buf_putc(b, '[');
            bool first = true;
            for (size_t i = 0; i < v->n; i++) {
                cx_buf tmp = {0};
                if (ast_from_value(s, &tmp, &v->items[i], t->of)) {
                    if (!first) cx_buf_puts(b, ", ");
                    first = false;
                    cx_buf_append(b, tmp.data, tmp.len);
                }
                cx_buf_free(&tmp);
            }
            cx_buf_putc(b, ']');
            return true;
        }
        return ast_from_value(s, b, v, t->of);
    }
    const gq_type *nt = (const gq_type *)t;
    if (nt->ref.kind == GK_INPUT_OBJECT) {
        if (v->kind != GV_OBJECT) return false;
        cx_buf_putc(b, '{');
        bool first = true;
        for (uint32_t i = 0; i < nt->nifields; i++) {
            for (size_t j = 0; j < v->n; j++) {
                if (strcmp(v->keys[j], nt->ifields[i].name)) continue;
                cx_buf tmp = {0};
                if (ast_from_value(s, &tmp, &v->items[j], nt->ifields[i].type)) {
                    if (!first) cx_buf_puts(b, ", ");
                    first = false;
                    cx_buf_printf(b, "%s: ", nt->ifields[i].name);
                    cx_buf_append(b, tmp.data, tmp.len);
                }
                cx_buf_free(&tmp);
            }
        }
        cx_buf_putc(b, '}');
        return true;
    }
    switch (v->kind) {
    case GV_BOOL:
        cx_buf_puts(b, v->b ? "true" : "false");
        return true;
    case GV_INT:
        cx_buf_printf(b, "%lld", (long long)v->i);
        return true;
    case GV_FLOAT:
        put_number(b, v->f);
        return true;
    case GV_ENUM:
        if (nt->ref.kind == GK_ENUM) {
            cx_buf_puts(b, v->s);
            return true;
        }
        print_string(b, v->s, strlen(v->s));
        return true;
    case GV_STRING: {
        char *z = strndup(v->s, v->n);
        bool intlike = z && nt == s->t_id && is_int_text(z);
        free(z);
        if (intlike)
            cx_buf_append(b, v->s, v->n);
        else
            print_string(b, v->s, v->n);
        return true;
    }
    case GV_JSON: {
        cx_json_type jt = cx_json_typeof(v->json);
        if (jt == CX_JSON_STRING) {
            cx_str x = cx_json_str(v->json);
            print_string(b, x.ptr, x.len);
        } else if (jt == CX_JSON_NUMBER) {
            double d = 0;
            cx_json_double(v->json, &d);
            put_number(b, d);
        } else if (jt == CX_JSON_BOOL) {
            bool x = false;
            cx_json_bool(v->json, &x);
            cx_buf_puts(b, x ? "true" : "false");
        } else if (jt == CX_JSON_NULL)
            cx_buf_puts(b, "null");
        else
            return false;
        return true;
    }
    default:
        return false;
    }
}

char *gq_default_value_str(const cx_gql_schema *s, cx_arena *a, const gq_ivdef *d) {
    gq_val v;
    if (!gq_default_value(s, a, d, &v)) return NULL;
    cx_buf b = {0};
    char *r = NULL;
    if (ast_from_value(s, &b, &v, d->type)) r = cx_arena_strndup(a, b.data ? b.data : "", b.len);
    cx_buf_free(&b);
    return r;
}

char *gq_print_ast_value(cx_arena *a, const gq_node *v) {
    cx_buf b = {0};
    switch (v->kind) {
    case GN_VARIABLE:
        cx_buf_printf(&b, "$%s", v->name);
        break;
    case GN_INT:
    case GN_FLOAT:
    case GN_ENUM:
        cx_buf_append(&b, v->value, v->value_len);
        break;
    case GN_BOOLEAN:
        cx_buf_puts(&b, v->flags ? "true" : "false");
        break;
    case GN_NULL:
        cx_buf_puts(&b, "null");
        break;
    case GN_STRING:
        if (v->flags) {
            /* printBlockString */
            bool nl = memchr(v->value, '\n', v->value_len) != NULL;
            cx_buf_puts(&b, "\"\"\"");
            (void)nl;
            for (uint32_t i = 0; i < v->value_len; i++) {
                if (i + 2 < v->value_len && !memcmp(v->value + i, "\"\"\"", 3)) {
                    cx_buf_puts(&b, "\\\"\"\"");
                    i += 2;
                } else
                    cx_buf_putc(&b, v->value[i]);
            }
            cx_buf_puts(&b, "\"\"\"");
        } else
            print_string(&b, v->value, v->value_len);
        break;
    case GN_LIST:
        cx_buf_putc(&b, '[');
        for (uint32_t i = 0; i < v->sel.n; i++) {
            if (i) cx_buf_puts(&b, ", ");
            cx_buf_puts(&b, gq_print_ast_value(a, v->sel.v[i]));
        }
        cx_buf_putc(&b, ']');
        break;
    case GN_OBJECT:
        cx_buf_putc(&b, '{');
        for (uint32_t i = 0; i < v->sel.n; i++) {
            if (i) cx_buf_puts(&b, ", ");
            cx_buf_printf(&b, "%s: %s", v->sel.v[i]->name, gq_print_ast_value(a, v->sel.v[i]->val));
        }
        cx_buf_putc(&b, '}');
        break;
    default:
        break;
    }
    char *r = cx_arena_strndup(a, b.data ? b.data : "", b.len);
    cx_buf_free(&b);
    return r;
}
