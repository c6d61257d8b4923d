/* Protection limits: field depth, alias count and a static cost estimate,
 * checked after validation so hostile documents are refused before any
 * resolver runs. Cost: every field costs 1; the cost of a list field's
 * selection is multiplied by its "first", "last" or "limit" argument when
 * given as a literal, else by 10. Fragments are followed (a spread already
 * on the current path counts as nothing: validation has refused cycles). */
#include "gql_int.h"
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 10

typedef struct PR {
    const cx_gql_schema *s;
    const gq_node *doc;
    const char *path[64];
    int npath;
} PR;

static const gq_node *frag(PR *p, const char *name) {
    for (uint32_t i = 0; i < p->doc->sel.n; i++) {
        const gq_node *d = p->doc->sel.v[i];
        if (d->kind == GN_FRAGMENT_DEF && !strcmp(d->name, name)) return d;
    }
    return NULL;
}

static size_t list_factor(const gq_node *f) {
    for (uint32_t i = 0; i < f->args.n; i++) {
        const gq_node *a = f->args.v[i];
        if ((!strcmp(a->name, "first") || !strcmp(a->name, "last") || !strcmp(a->name, "limit")) &&
            a->val->kind == GN_INT) {
            long v = strtol(a->val->value, NULL, 10);
            return v < 0 ? 0 : (size_t)v;
        }
    }
    return LIST_DEFAULT;
}

/* Walk a selection set; *depth gets its deepest field nesting; returns cost
 * (saturating). */
static size_t walk(PR *p, const gq_type *t, const gq_node *owner, size_t *depth, int level) {
    size_t cost = 0, deepest = 0;
    if (level > 200) return (size_t)-1;
    for (uint32_t i = 0; i < owner->sel.n; i++) {
        const gq_node *s = owner->sel.v[i];
        size_t d = 0, c = 0;
        if (s->kind == GN_FIELD) {
            const gq_field *f = t ? gq_type_field(t, s->name) : NULL;
            const gq_tref *ft = f ? f->type : NULL;
            c = 1;
            d = 1;
            if (s->has_sel) {
                size_t sd = 0;
                size_t sc = walk(p, gq_named(ft), s, &sd, level + 1);
                const gq_tref *n = gq_nullable((gq_tref *)ft);
                size_t mult = n && n->kind == GK_LIST ? list_factor(s) : 1;
                if (mult && sc > ((size_t)-1 - 1) / mult)
                    c = (size_t)-1;
                else
                    c += sc * mult;
                d += sd;
            }
        } else if (s->kind == GN_INLINE) {
            const gq_type *ct = s->type ? gq_schema_type(p->s, s->type->name) : t;
            c = walk(p, ct, s, &d, level + 1);
        } else if (s->kind == GN_SPREAD) {
            bool on_path = false;
            for (int k = 0; k < p->npath; k++) on_path |= !strcmp(p->path[k], s->name);
            const gq_node *fd = frag(p, s->name);
            if (on_path || !fd || p->npath >= 64) continue;
            p->path[p->npath++] = s->name;
            c = walk(p, gq_schema_type(p->s, fd->type->name), fd, &d, level + 1);
            p->npath--;
        }
        cost = cost > (size_t)-1 - c ? (size_t)-1 : cost + c;
        if (d > deepest) deepest = d;
    }
    *depth = deepest;
    return cost;
}

static size_t count_aliases(const gq_node *n, int level) {
    size_t c = 0;
    if (level > 300) return 0;
    for (uint32_t i = 0; i < n->sel.n; i++) {
        const gq_node *s = n->sel.v[i];
        if (s->kind == GN_FIELD && s->alias) c++;
        if (s->kind != GN_SPREAD) c += count_aliases(s, level + 1);
    }
    return c;
}

void gq_protect(const cx_gql_schema *s, cx_arena *a, const gq_node *doc, const cx_gql_limits *lim,
                gq_errors *errs);

void gq_protect(const cx_gql_schema *s, cx_arena *a, const gq_node *doc, const cx_gql_limits *lim,
                gq_errors *errs) {
    if (!lim || (!lim->max_query_depth && !lim->max_aliases && !lim->max_cost)) return;
    if (lim->max_aliases) {
        size_t n = count_aliases(doc, 0);
        if (n > lim->max_aliases)
            gq_err_add(errs,
                       gq_printf(a, "Document uses %zu aliases, which exceeds the limit of %zu.", n,
                                 lim->max_aliases));
    }
    PR p = {.s = s, .doc = doc};
    for (uint32_t i = 0; i < doc->sel.n; i++) {
        const gq_node *op = doc->sel.v[i];
        if (op->kind != GN_OPERATION) continue;
        const gq_type *root = op->flags == GQ_QUERY      ? s->query
                              : op->flags == GQ_MUTATION ? s->mutation
                                                         : s->subscription;
        size_t depth = 0;
        size_t cost = walk(&p, root, op, &depth, 0);
        if (lim->max_query_depth && depth > lim->max_query_depth) {
            gq_error *e = gq_err_add(errs, gq_printf(a, "Query depth %zu exceeds the limit of %zu.",
                                                     depth, lim->max_query_depth));
            gq_err_loc(errs, e, op);
        }
        if (lim->max_cost && cost > lim->max_cost) {
            gq_error *e = gq_err_add(errs, gq_printf(a, "Query cost %zu exceeds the limit of %zu.",
                                                     cost, lim->max_cost));
            gq_err_loc(errs, e, op);
        }
    }
}
