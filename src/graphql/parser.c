/* GraphQL parser: recursive descent over the lexer, building gq_node trees
 * in the arena. Grammar and error messages follow graphql-js 16 (which
 * accepts executable and type-system definitions in one document). Recursion
 * is bounded by limits.max_parse_depth so hostile nesting cannot exhaust a
 * coroutine stack. */
#include "gql_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct P {
    gq_lexer lx;
    cx_arena *a;
    size_t depth, max_depth;
    gq_parse_error *err;
    bool failed;
} P;

typedef struct vec {
    gq_node **v;
    uint32_t n, cap;
} vec;

static bool vpush(vec *v, gq_node *n) {
    if (v->n == v->cap) {
        uint32_t c = v->cap ? v->cap * 2 : 8;
        gq_node **nv = realloc(v->v, c * sizeof *nv);
        if (!nv) return false;
        v->v = nv;
        v->cap = c;
    }
    v->v[v->n++] = n;
    return true;
}

static gq_list vdone(P *p, vec *v) {
    gq_list l = {NULL, 0};
    if (v->n) {
        l.v = cx_arena_alloc(p->a, v->n * sizeof *l.v);
        if (l.v) {
            memcpy(l.v, v->v, v->n * sizeof *l.v);
            l.n = v->n;
        }
    }
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
    return l;
}

static bool fail(P *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail(P *p, uint32_t line, uint32_t col, const char *fmt, ...) {
    if (p->failed) return false;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->failed = true;
    p->err->message = gq_printf(p->a, "Syntax Error: %s", msg);
    p->err->line = line;
    p->err->col = col;
    return false;
}

static bool lexfail(P *p) {
    if (p->failed) return false;
    p->failed = true;
    p->err->message = p->lx.errmsg;
    p->err->line = p->lx.eline;
    p->err->col = p->lx.ecol;
    return false;
}

static bool advance(P *p) {
    if (!gq_lex_next(&p->lx)) return lexfail(p);
    return true;
}

static const char *tokdesc(P *p, char *buf, size_t n) {
    gq_tok k = p->lx.kind;
    if (k == GT_NAME || k == GT_INT || k == GT_FLOAT || k == GT_STRING || k == GT_BLOCK_STRING) {
        snprintf(buf, n, "%s \"%.*s\"", gq_tok_desc(k),
                 (int)p->lx.tval_len > 200 ? 200 : (int)p->lx.tval_len, p->lx.tval);
        return buf;
    }
    return gq_tok_desc(k);
}

static bool unexpected(P *p) {
    char b[300];
    return fail(p, p->lx.tline, p->lx.tcol, "Unexpected %s.", tokdesc(p, b, sizeof b));
}

static inline bool peek(P *p, gq_tok k) {
    return p->lx.kind == k;
}

static bool expect(P *p, gq_tok k) {
    if (p->lx.kind == k) return advance(p);
    char b[300];
    return fail(p, p->lx.tline, p->lx.tcol, "Expected %s, found %s.", gq_tok_desc(k),
                tokdesc(p, b, sizeof b));
}

static bool optional(P *p, gq_tok k, bool *got) {
    *got = p->lx.kind == k;
    return *got ? advance(p) : true;
}

static bool peek_kw(P *p, const char *kw) {
    return p->lx.kind == GT_NAME && strcmp(p->lx.tval, kw) == 0;
}

static bool expect_kw(P *p, const char *kw) {
    if (peek_kw(p, kw)) return advance(p);
    char b[300];
    return fail(p, p->lx.tline, p->lx.tcol, "Expected \"%s\", found %s.", kw,
                tokdesc(p, b, sizeof b));
}

static gq_node *node(P *p, gq_kind k) {
    gq_node *n = cx_arena_calloc(p->a, sizeof *n);
    if (!n) {
        fail(p, p->lx.tline, p->lx.tcol, "out of memory");
        return NULL;
    }
    n->kind = (uint16_t)k;
    n->line = p->lx.tline;
    n->col = p->lx.tcol;
    n->start = (uint32_t)p->lx.tstart;
    return n;
}

static bool enter(P *p) {
    if (++p->depth > p->max_depth)
        return fail(p, p->lx.tline, p->lx.tcol,
                    "Document exceeds the maximum nesting depth of %zu.", p->max_depth);
    return true;
}

static const char *parse_name(P *p) {
    if (!peek(p, GT_NAME)) {
        expect(p, GT_NAME);
        return NULL;
    }
    const char *s = p->lx.tval;
    return advance(p) ? s : NULL;
}

static gq_node *parse_named_type(P *p) {
    gq_node *n = node(p, GN_NAMED_TYPE);
    if (!n || !(n->name = parse_name(p))) return NULL;
    return n;
}

static gq_node *parse_type(P *p) {
    if (!enter(p)) return NULL;
    gq_node *t;
    if (peek(p, GT_BRACKET_L)) {
        t = node(p, GN_LIST_TYPE);
        if (!t || !advance(p)) return NULL;
        if (!(t->type = parse_type(p)) || !expect(p, GT_BRACKET_R)) return NULL;
    } else if (!(t = parse_named_type(p)))
        return NULL;
    if (peek(p, GT_BANG)) {
        gq_node *nn = node(p, GN_NON_NULL_TYPE);
        if (!nn) return NULL;
        nn->line = t->line;
        nn->col = t->col;
        nn->start = t->start;
        nn->type = t;
        if (!advance(p)) return NULL;
        t = nn;
    }
    p->depth--;
    return t;
}

static gq_node *parse_value(P *p, bool is_const);

static gq_node *parse_variable(P *p) {
    gq_node *n = node(p, GN_VARIABLE);
    if (!n || !expect(p, GT_DOLLAR) || !(n->name = parse_name(p))) return NULL;
    return n;
}

static gq_node *parse_value(P *p, bool is_const) {
    if (!enter(p)) return NULL;
    gq_node *n = NULL;
    bool got;
    switch (p->lx.kind) {
    case GT_BRACKET_L: {
        n = node(p, GN_LIST);
        if (!n || !advance(p)) return NULL;
        vec v = {0};
        for (;;) {
            if (!optional(p, GT_BRACKET_R, &got)) goto lfail;
            if (got) break;
            gq_node *it = parse_value(p, is_const);
            if (!it || !vpush(&v, it)) goto lfail;
        }
        n->sel = vdone(p, &v);
        break;
    lfail:
        free(v.v);
        return NULL;
    }
    case GT_BRACE_L: {
        n = node(p, GN_OBJECT);
        if (!n || !advance(p)) return NULL;
        vec v = {0};
        for (;;) {
            if (!optional(p, GT_BRACE_R, &got)) goto ofail;
            if (got) break;
            gq_node *f = node(p, GN_OBJECT_FIELD);
            if (!f || !(f->name = parse_name(p)) || !expect(p, GT_COLON)) goto ofail;
            if (!(f->val = parse_value(p, is_const)) || !vpush(&v, f)) goto ofail;
        }
        n->sel = vdone(p, &v);
        break;
    ofail:
        free(v.v);
        return NULL;
    }
    case GT_INT:
    case GT_FLOAT:
    case GT_STRING:
    case GT_BLOCK_STRING:
        n = node(p, p->lx.kind == GT_INT ? GN_INT : p->lx.kind == GT_FLOAT ? GN_FLOAT : GN_STRING);
        if (!n) return NULL;
        n->flags = p->lx.kind == GT_BLOCK_STRING;
        n->value = p->lx.tval;
        n->value_len = p->lx.tval_len;
        if (!advance(p)) return NULL;
        break;
    case GT_NAME:
        if (!strcmp(p->lx.tval, "true") || !strcmp(p->lx.tval, "false")) {
            n = node(p, GN_BOOLEAN);
            if (!n) return NULL;
            n->flags = p->lx.tval[0] == 't';
        } else if (!strcmp(p->lx.tval, "null")) {
            n = node(p, GN_NULL);
        } else {
            n = node(p, GN_ENUM);
        }
        if (!n) return NULL;
        n->value = p->lx.tval;
        n->value_len = p->lx.tval_len;
        if (!advance(p)) return NULL;
        break;
    case GT_DOLLAR:
        if (is_const) {
            uint32_t l = p->lx.tline, c = p->lx.tcol;
            if (!advance(p)) return NULL;
            if (peek(p, GT_NAME)) {
                fail(p, l, c, "Unexpected variable \"$%s\" in constant value.", p->lx.tval);
                return NULL;
            }
            unexpected(p);
            return NULL;
        }
        n = parse_variable(p);
        if (!n) return NULL;
        break;
    default:
        unexpected(p);
        return NULL;
    }
    p->depth--;
    return n;
}

static bool parse_arguments(P *p, bool is_const, gq_list *out) {
    if (!peek(p, GT_PAREN_L)) return true;
    if (!advance(p)) return false;
    vec v = {0};
    bool got;
    do {
        gq_node *a = node(p, GN_ARGUMENT);
        if (!a || !(a->name = parse_name(p)) || !expect(p, GT_COLON) ||
            !(a->val = parse_value(p, is_const)) || !vpush(&v, a))
            goto bad;
        if (!optional(p, GT_PAREN_R, &got)) goto bad;
    } while (!got);
    *out = vdone(p, &v);
    return true;
bad:
    free(v.v);
    return false;
}

static bool parse_directives(P *p, bool is_const, gq_list *out) {
    vec v = {0};
    while (peek(p, GT_AT)) {
        gq_node *d = node(p, GN_DIRECTIVE);
        if (!d || !advance(p) || !(d->name = parse_name(p)) ||
            !parse_arguments(p, is_const, &d->args) || !vpush(&v, d)) {
            free(v.v);
            return false;
        }
    }
    *out = vdone(p, &v);
    return true;
}

static bool parse_description(P *p, const char **out) {
    *out = NULL;
    if (peek(p, GT_STRING) || peek(p, GT_BLOCK_STRING)) {
        *out = p->lx.tval;
        return advance(p);
    }
    return true;
}

static gq_node *parse_selection_set(P *p, gq_node *owner);

static gq_node *parse_selection(P *p) {
    if (peek(p, GT_SPREAD)) {
        gq_node *n = node(p, GN_SPREAD);
        if (!n || !advance(p)) return NULL;
        bool on = peek_kw(p, "on");
        if (!on && peek(p, GT_NAME)) {
            n->name = p->lx.tval;
            n->nline = p->lx.tline;
            n->ncol = p->lx.tcol;
            if (!advance(p) || !parse_directives(p, false, &n->dirs)) return NULL;
            return n;
        }
        n->kind = GN_INLINE;
        if (on) {
            if (!advance(p) || !(n->type = parse_named_type(p))) return NULL;
        }
        if (!parse_directives(p, false, &n->dirs) || !parse_selection_set(p, n)) return NULL;
        return n;
    }
    gq_node *f = node(p, GN_FIELD);
    if (!f || !(f->name = parse_name(p))) return NULL;
    bool got;
    if (!optional(p, GT_COLON, &got)) return NULL;
    if (got) {
        f->alias = f->name;
        if (!(f->name = parse_name(p))) return NULL;
    }
    if (!parse_arguments(p, false, &f->args) || !parse_directives(p, false, &f->dirs)) return NULL;
    if (peek(p, GT_BRACE_L) && !parse_selection_set(p, f)) return NULL;
    return f;
}

static gq_node *parse_selection_set(P *p, gq_node *owner) {
    if (!enter(p)) return NULL;
    owner->sline = p->lx.tline;
    owner->scol = p->lx.tcol;
    if (!expect(p, GT_BRACE_L)) return NULL;
    vec v = {0};
    bool got;
    do {
        gq_node *s = parse_selection(p);
        if (!s || !vpush(&v, s)) {
            free(v.v);
            return NULL;
        }
        if (!optional(p, GT_BRACE_R, &got)) {
            free(v.v);
            return NULL;
        }
    } while (!got);
    owner->sel = vdone(p, &v);
    owner->has_sel = true;
    p->depth--;
    return owner;
}

static gq_node *parse_operation(P *p) {
    gq_node *op = node(p, GN_OPERATION);
    if (!op) return NULL;
    if (peek(p, GT_BRACE_L)) {
        op->flags = GQ_QUERY;
        return parse_selection_set(p, op) ? op : NULL;
    }
    if (!parse_description(p, &op->desc)) return NULL;
    if (!peek(p, GT_NAME)) {
        expect(p, GT_NAME);
        return NULL;
    }
    const char *kw = p->lx.tval;
    if (!strcmp(kw, "query"))
        op->flags = GQ_QUERY;
    else if (!strcmp(kw, "mutation"))
        op->flags = GQ_MUTATION;
    else if (!strcmp(kw, "subscription"))
        op->flags = GQ_SUBSCRIPTION;
    else {
        unexpected(p);
        return NULL;
    }
    if (!advance(p)) return NULL;
    op->nline = p->lx.tline;
    op->ncol = p->lx.tcol;
    if (peek(p, GT_NAME) && !(op->name = parse_name(p))) return NULL;
    if (peek(p, GT_PAREN_L)) {
        if (!advance(p)) return NULL;
        vec v = {0};
        bool got;
        do {
            gq_node *d = node(p, GN_VARDEF);
            if (!d || !vpush(&v, d) || !parse_description(p, &d->desc)) goto bad;
            gq_node *var = parse_variable(p);
            if (!var) goto bad;
            d->nline = var->line;
            d->ncol = var->col + 1;
            d->name = var->name;
            d->val = NULL;
            if (!expect(p, GT_COLON) || !(d->type = parse_type(p))) goto bad;
            if (!optional(p, GT_EQUALS, &got)) goto bad;
            if (got && !(d->val = parse_value(p, true))) goto bad;
            if (!parse_directives(p, true, &d->dirs)) goto bad;
            if (!optional(p, GT_PAREN_R, &got)) goto bad;
        } while (!got);
        op->args = vdone(p, &v);
        goto ok;
    bad:
        free(v.v);
        return NULL;
    }
ok:
    if (!parse_directives(p, false, &op->dirs) || !parse_selection_set(p, op)) return NULL;
    return op;
}

static const char *parse_fragment_name(P *p) {
    if (peek_kw(p, "on")) {
        unexpected(p);
        return NULL;
    }
    return parse_name(p);
}

static gq_node *parse_fragment_def(P *p) {
    gq_node *f = node(p, GN_FRAGMENT_DEF);
    if (!f || !parse_description(p, &f->desc) || !expect_kw(p, "fragment")) return NULL;
    f->nline = p->lx.tline;
    f->ncol = p->lx.tcol;
    if (!(f->name = parse_fragment_name(p)) || !expect_kw(p, "on") ||
        !(f->type = parse_named_type(p)) || !parse_directives(p, false, &f->dirs) ||
        !parse_selection_set(p, f))
        return NULL;
    return f;
}

/* ---- type system ---------------------------------------------------------- */

static gq_node *parse_input_value_def(P *p) {
    gq_node *n = node(p, GN_INPUT_VALUE_DEF);
    bool got;
    if (!n || !parse_description(p, &n->desc) || !(n->name = parse_name(p)) ||
        !expect(p, GT_COLON) || !(n->type = parse_type(p)) || !optional(p, GT_EQUALS, &got))
        return NULL;
    if (got && !(n->val = parse_value(p, true))) return NULL;
    if (!parse_directives(p, true, &n->dirs)) return NULL;
    return n;
}

/* optionalMany(open, item, close): nothing if open is absent, else >= 1 item. */
typedef gq_node *(*item_fn)(P *p);
static bool optional_many(P *p, gq_tok open, item_fn fn, gq_tok close, gq_list *out) {
    if (!peek(p, open)) return true;
    if (!advance(p)) return false;
    vec v = {0};
    bool got;
    do {
        gq_node *n = fn(p);
        if (!n || !vpush(&v, n)) {
            free(v.v);
            return false;
        }
        if (!optional(p, close, &got)) {
            free(v.v);
            return false;
        }
    } while (!got);
    *out = vdone(p, &v);
    return true;
}

static gq_node *parse_field_def(P *p) {
    gq_node *n = node(p, GN_FIELD_DEF);
    if (!n || !parse_description(p, &n->desc) || !(n->name = parse_name(p)) ||
        !optional_many(p, GT_PAREN_L, parse_input_value_def, GT_PAREN_R, &n->args) ||
        !expect(p, GT_COLON) || !(n->type = parse_type(p)) || !parse_directives(p, true, &n->dirs))
        return NULL;
    return n;
}

static gq_node *parse_enum_value_def(P *p) {
    gq_node *n = node(p, GN_ENUM_VALUE_DEF);
    if (!n || !parse_description(p, &n->desc)) return NULL;
    if (peek_kw(p, "true") || peek_kw(p, "false") || peek_kw(p, "null")) {
        char b[300];
        fail(p, p->lx.tline, p->lx.tcol, "%s is reserved and cannot be used for an enum value.",
             tokdesc(p, b, sizeof b));
        return NULL;
    }
    if (!(n->name = parse_name(p)) || !parse_directives(p, true, &n->dirs)) return NULL;
    return n;
}

static bool delimited_many(P *p, gq_tok delim, gq_list *out) {
    vec v = {0};
    bool got;
    if (!optional(p, delim, &got)) return false;
    do {
        gq_node *t = parse_named_type(p);
        if (!t || !vpush(&v, t) || !optional(p, delim, &got)) {
            free(v.v);
            return false;
        }
    } while (got);
    *out = vdone(p, &v);
    return true;
}

static gq_node *parse_optype_def(P *p) {
    gq_node *n = node(p, GN_OPTYPE_DEF);
    if (!n) return NULL;
    const char *kw = p->lx.kind == GT_NAME ? p->lx.tval : "";
    if (!strcmp(kw, "query"))
        n->flags = GQ_QUERY;
    else if (!strcmp(kw, "mutation"))
        n->flags = GQ_MUTATION;
    else if (!strcmp(kw, "subscription"))
        n->flags = GQ_SUBSCRIPTION;
    else {
        unexpected(p);
        return NULL;
    }
    if (!advance(p) || !expect(p, GT_COLON) || !(n->type = parse_named_type(p))) return NULL;
    return n;
}

static gq_node *parse_dirloc(P *p) {
    gq_node *n = node(p, GN_NAMED_TYPE);
    uint32_t l = p->lx.tline, c = p->lx.tcol;
    const char *name = n ? parse_name(p) : NULL;
    if (!name) return NULL;
    if (gq_dirloc_from_name(name) < 0) {
        fail(p, l, c, "Unexpected Name \"%s\".", name);
        return NULL;
    }
    n->name = name;
    return n;
}

static gq_node *parse_type_system(P *p, bool extend) {
    gq_node *n = node(p, GN_SCHEMA_DEF);
    if (!n) return NULL;
    if (!extend && !parse_description(p, &n->desc)) return NULL;
    if (extend && !advance(p)) return NULL; /* "extend" */
    const char *kw = p->lx.kind == GT_NAME ? p->lx.tval : "";
    bool got;
    if (!strcmp(kw, "schema")) {
        n->kind = extend ? GN_SCHEMA_EXT : GN_SCHEMA_DEF;
        if (!advance(p) || !parse_directives(p, true, &n->dirs)) return NULL;
        if (extend && !peek(p, GT_BRACE_L)) {
            if (!n->dirs.n) return unexpected(p), NULL;
            return n;
        }
        if (!expect(p, GT_BRACE_L)) return NULL;
        vec v = {0};
        do {
            gq_node *o = parse_optype_def(p);
            if (!o || !vpush(&v, o) || !optional(p, GT_BRACE_R, &got)) {
                free(v.v);
                return NULL;
            }
        } while (!got);
        n->sel = vdone(p, &v);
        return n;
    }
    if (!strcmp(kw, "scalar")) {
        n->kind = extend ? GN_SCALAR_EXT : GN_SCALAR_DEF;
        if (!advance(p) || !(n->name = parse_name(p)) || !parse_directives(p, true, &n->dirs))
            return NULL;
        if (extend && !n->dirs.n) return unexpected(p), NULL;
        return n;
    }
    if (!strcmp(kw, "type") || !strcmp(kw, "interface")) {
        bool obj = kw[0] == 't';
        n->kind = obj ? (extend ? GN_OBJECT_EXT : GN_OBJECT_DEF)
                      : (extend ? GN_INTERFACE_EXT : GN_INTERFACE_DEF);
        if (!advance(p) || !(n->name = parse_name(p))) return NULL;
        if (peek_kw(p, "implements")) {
            if (!advance(p) || !delimited_many(p, GT_AMP, &n->ifaces)) return NULL;
        }
        if (!parse_directives(p, true, &n->dirs) ||
            !optional_many(p, GT_BRACE_L, parse_field_def, GT_BRACE_R, &n->sel))
            return NULL;
        if (extend && !n->ifaces.n && !n->dirs.n && !n->sel.n) return unexpected(p), NULL;
        return n;
    }
    if (!strcmp(kw, "union")) {
        n->kind = extend ? GN_UNION_EXT : GN_UNION_DEF;
        if (!advance(p) || !(n->name = parse_name(p)) || !parse_directives(p, true, &n->dirs))
            return NULL;
        if (peek(p, GT_EQUALS)) {
            if (!advance(p) || !delimited_many(p, GT_PIPE, &n->ifaces)) return NULL;
        }
        if (extend && !n->dirs.n && !n->ifaces.n) return unexpected(p), NULL;
        return n;
    }
    if (!strcmp(kw, "enum")) {
        n->kind = extend ? GN_ENUM_EXT : GN_ENUM_DEF;
        if (!advance(p) || !(n->name = parse_name(p)) || !parse_directives(p, true, &n->dirs) ||
            !optional_many(p, GT_BRACE_L, parse_enum_value_def, GT_BRACE_R, &n->sel))
            return NULL;
        if (extend && !n->dirs.n && !n->sel.n) return unexpected(p), NULL;
        return n;
    }
    if (!strcmp(kw, "input")) {
        n->kind = extend ? GN_INPUT_EXT : GN_INPUT_DEF;
        if (!advance(p) || !(n->name = parse_name(p)) || !parse_directives(p, true, &n->dirs) ||
            !optional_many(p, GT_BRACE_L, parse_input_value_def, GT_BRACE_R, &n->sel))
            return NULL;
        if (extend && !n->dirs.n && !n->sel.n) return unexpected(p), NULL;
        return n;
    }
    if (!extend && !strcmp(kw, "directive")) {
        n->kind = GN_DIRECTIVE_DEF;
        if (!advance(p) || !expect(p, GT_AT) || !(n->name = parse_name(p)) ||
            !optional_many(p, GT_PAREN_L, parse_input_value_def, GT_PAREN_R, &n->args))
            return NULL;
        if (peek_kw(p, "repeatable")) {
            n->flags = 1;
            if (!advance(p)) return NULL;
        }
        if (!expect_kw(p, "on")) return NULL;
        vec v = {0};
        if (!optional(p, GT_PIPE, &got)) return NULL;
        do {
            gq_node *l = parse_dirloc(p);
            if (!l || !vpush(&v, l) || !optional(p, GT_PIPE, &got)) {
                free(v.v);
                return NULL;
            }
        } while (got);
        n->sel = vdone(p, &v);
        return n;
    }
    unexpected(p);
    return NULL;
}

static gq_node *parse_definition(P *p) {
    if (peek(p, GT_BRACE_L)) return parse_operation(p);
    bool has_desc = peek(p, GT_STRING) || peek(p, GT_BLOCK_STRING);
    /* keyword: the token after the description, if any (one-token lookahead
     * on a copy of the lexer) */
    gq_lexer save = p->lx;
    if (has_desc && !gq_lex_next(&save)) {
        p->lx = save;
        lexfail(p);
        return NULL;
    }
    if (has_desc && save.kind == GT_BRACE_L) {
        fail(p, p->lx.tline, p->lx.tcol,
             "Unexpected description, descriptions are not supported on shorthand queries.");
        return NULL;
    }
    const char *kw = save.kind == GT_NAME ? save.tval : NULL;
    if (kw) {
        static const char *const ts[] = {"schema", "scalar", "type",  "interface",
                                         "union",  "enum",   "input", "directive"};
        for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
            if (!strcmp(kw, ts[i])) return parse_type_system(p, false);
        if (!strcmp(kw, "query") || !strcmp(kw, "mutation") || !strcmp(kw, "subscription"))
            return parse_operation(p);
        if (!strcmp(kw, "fragment")) return parse_fragment_def(p);
        if (has_desc) {
            fail(p, p->lx.tline, p->lx.tcol,
                 "Unexpected description, only GraphQL definitions support descriptions.");
            return NULL;
        }
        if (!strcmp(kw, "extend")) return parse_type_system(p, true);
    }
    /* unexpected(keywordToken) */
    char b[300];
    gq_lexer cur = p->lx;
    p->lx = save;
    fail(p, save.tline, save.tcol, "Unexpected %s.", tokdesc(p, b, sizeof b));
    p->lx = cur;
    return NULL;
}

gq_node *gq_parse(cx_arena *a, const char *src, size_t len, const cx_gql_limits *lim,
                  gq_parse_error *err) {
    cx_gql_limits dl;
    if (!lim) {
        cx_gql_limits_defaults(&dl);
        lim = &dl;
    }
    P p = {0};
    p.a = a;
    p.err = err;
    p.max_depth = lim->max_parse_depth ? lim->max_parse_depth : CX_GQL_DEFAULT_MAX_PARSE_DEPTH;
    err->message = NULL;
    err->line = err->col = 0;
    size_t maxsize =
        lim->max_document_size ? lim->max_document_size : CX_GQL_DEFAULT_MAX_DOCUMENT_SIZE;
    if (len > maxsize) {
        fail(&p, 1, 1, "Document is larger than the limit of %zu bytes.", maxsize);
        return NULL;
    }
    gq_lex_init(&p.lx, a, src, len);
    p.lx.max_tokens = lim->max_tokens ? lim->max_tokens : CX_GQL_DEFAULT_MAX_TOKENS;
    gq_node *doc = node(&p, GN_DOCUMENT);
    if (!doc || !advance(&p)) return NULL;
    vec v = {0};
    do {
        gq_node *d = parse_definition(&p);
        if (!d || !vpush(&v, d)) {
            free(v.v);
            if (!p.failed) fail(&p, 1, 1, "out of memory");
            return NULL;
        }
    } while (!peek(&p, GT_EOF));
    doc->sel = vdone(&p, &v);
    return doc;
}
