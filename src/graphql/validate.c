/* Validation (spec section 5): graphql-js's specifiedRules, run in one walk.
 *
 * graphql-js visits the document once with every rule in parallel, keeping
 * type information (parent type, field, input type ...) on stacks; errors
 * therefore come out in document order, and at one node in rule order. This
 * walker does the same: on entering and leaving each node it runs the checks
 * of the rules that look at that node, in specifiedRules order. Rules that
 * need the whole operation (variable usage through fragments) use a second,
 * smaller walk over the operation and the fragments it references. */
#include "gql_int.h"
#include <stdlib.h>
#include <string.h>

#define MAXD 512

typedef struct V {
    const cx_gql_schema *s;
    cx_arena *a;
    gq_errors *errs;
    const gq_node *doc;
    size_t max_errors;
    bool aborted;
    /* type info stacks */
    const gq_tref *type[MAXD];
    int ntype;
    const gq_type *parent[MAXD];
    int nparent;
    const gq_field *fdef[MAXD];
    int nfdef;
    const gq_tref *input[MAXD];
    int ninput;
    const gq_ivdef *dflt[MAXD]; /* input value def whose default applies */
    int ndflt;
    const gq_directive *directive;
    const gq_ivdef *argument;
    /* rule state */
    int op_count;
    const gq_node *cur_op;
    const char *known_ops[256];
    int nknown_ops;
    /* unique input field names: one frame per object value */
    const gq_node **ifn_stack[64];
    int nifn;
    int voct_skip; /* depth of a subtree ValuesOfCorrectType does not look into */
    /* fragment cycle detection */
    const char **visited_frags;
    uint32_t nvisited;
    /* field pairs OverlappingFieldsCanBeMerged may still compare: quadratic
     * documents stop being checked instead of stalling the server */
    size_t overlap_budget;
    /* MaxIntrospectionDepthRule: entry depths per fragment name, for the
     * whole document; a field whose subtree this rule skips */
    const char *frag_names[128];
    int checked_depth[128], exceeded_depth[128];
    uint32_t nfragdepth;
    const gq_node *intro_skip;
} V;

/* usage collected by the variable walk */
typedef struct usage {
    const gq_node *node;
    const gq_tref *type;
    const gq_ivdef *dflt;
    const gq_tref *parent_input;
} usage;

static bool stop(V *v) {
    return v->aborted;
}

static gq_error *report(V *v, const char *msg) {
    if (v->aborted) return NULL;
    if (v->errs->n >= v->max_errors) {
        gq_err_add(v->errs, "Too many validation errors, error limit reached. Validation aborted.");
        v->aborted = true;
        return NULL;
    }
    return gq_err_add(v->errs, msg);
}

static void loc(V *v, gq_error *e, const gq_node *n) {
    gq_err_loc(v->errs, e, n);
}

static void loc_at(V *v, gq_error *e, uint32_t line, uint32_t col) {
    gq_node tmp = {0};
    tmp.line = line;
    tmp.col = col;
    gq_err_loc(v->errs, e, &tmp);
}

/* ---- helpers ------------------------------------------------------------------- */

static const gq_node *fragment(V *v, const char *name) {
    for (uint32_t i = 0; i < v->doc->sel.n; i++) {
        const gq_node *d = v->doc->sel.v[i];
        if (d->kind == GN_FRAGMENT_DEF && !strcmp(d->name, name)) return d;
    }
    return NULL;
}

static char *ast_type_str(cx_arena *a, const gq_node *t) {
    if (t->kind == GN_LIST_TYPE) return gq_printf(a, "[%s]", ast_type_str(a, t->type));
    if (t->kind == GN_NON_NULL_TYPE) return gq_printf(a, "%s!", ast_type_str(a, t->type));
    return (char *)t->name;
}

typedef struct nvec {
    const gq_node **v;
    uint32_t n, cap;
} nvec;

static void npush(nvec *x, const gq_node *n) {
    if (x->n == x->cap) {
        uint32_t c = x->cap ? x->cap * 2 : 16;
        const gq_node **nv = realloc(x->v, c * sizeof *nv);
        if (!nv) return;
        x->v = nv;
        x->cap = c;
    }
    x->v[x->n++] = n;
}

/* getFragmentSpreads: spreads of a selection set, graphql-js's stack order. */
static void fragment_spreads(const gq_node *set_owner, nvec *out) {
    nvec stack = {0};
    npush(&stack, set_owner);
    while (stack.n) {
        const gq_node *o = stack.v[--stack.n];
        for (uint32_t i = 0; i < o->sel.n; i++) {
            const gq_node *s = o->sel.v[i];
            if (s->kind == GN_SPREAD)
                npush(out, s);
            else if (s->has_sel)
                npush(&stack, s);
        }
    }
    free(stack.v);
}

/* getRecursivelyReferencedFragments */
static void referenced_fragments(V *v, const gq_node *op, nvec *out) {
    nvec todo = {0};
    npush(&todo, op);
    const char **names = NULL;
    uint32_t nn = 0;
    while (todo.n) {
        const gq_node *o = todo.v[--todo.n];
        nvec spreads = {0};
        fragment_spreads(o, &spreads);
        for (uint32_t i = 0; i < spreads.n; i++) {
            const char *name = spreads.v[i]->name;
            bool have = false;
            for (uint32_t j = 0; j < nn && !have; j++) have = !strcmp(names[j], name);
            if (have) continue;
            const char **nv = realloc(names, (nn + 1) * sizeof *nv);
            if (!nv) break;
            names = nv;
            names[nn++] = name;
            const gq_node *f = fragment(v, name);
            if (f) {
                npush(out, f);
                npush(&todo, f);
            }
        }
        free(spreads.v);
    }
    free(names);
    free(todo.v);
}

static const gq_field *field_def(V *v, const gq_type *pt, const char *name) {
    if (!pt) return NULL;
    if (!strcmp(name, "__schema") && pt == v->s->query) return &v->s->f_schema;
    if (!strcmp(name, "__type") && pt == v->s->query) return &v->s->f_type;
    if (!strcmp(name, "__typename") && gq_is_composite(pt)) return &v->s->f_typename;
    return gq_type_field(pt, name);
}

#define TOP(st, n) ((n) > 0 ? (st)[(n)-1] : NULL)
#define PUSH(st, n, x)                                                                             \
    do {                                                                                           \
        if ((n) < MAXD) (st)[(n)++] = (x);                                                         \
    } while (0)
#define POP(n)                                                                                     \
    do {                                                                                           \
        if ((n) > 0) (n)--;                                                                        \
    } while (0)

/* ---- the type-info walk ------------------------------------------------------------ */

typedef struct walker walker;
struct walker {
    V *v;
    void (*enter)(walker *w, const gq_node *n, const gq_node *parent);
    void (*leave)(walker *w, const gq_node *n, const gq_node *parent);
    bool skip_vardefs; /* the variable-usage walk does not look into definitions */
    usage *uses;
    uint32_t nuses, capuses;
    int depth;
};

static void walk(walker *w, const gq_node *n, const gq_node *parent);

static void walk_list(walker *w, const gq_list *l, const gq_node *parent) {
    for (uint32_t i = 0; i < l->n && !stop(w->v); i++) walk(w, l->v[i], parent);
}

static void walk_value(walker *w, const gq_node *n, const gq_node *parent);

/* The selection set of n (an operation, fragment or field) with the type
 * on top of v->type as its parent type; enter() sees it as (NULL, n). */
static void walk_selection(walker *w, const gq_node *n) {
    V *v = w->v;
    gq_type *nt = gq_named(TOP(v->type, v->ntype));
    PUSH(v->parent, v->nparent, gq_is_composite(nt) ? nt : NULL);
    if (w->enter) w->enter(w, NULL, n);
    walk_list(w, &n->sel, n);
    POP(v->nparent);
}

static void walk(walker *w, const gq_node *n, const gq_node *parent) {
    V *v = w->v;
    if (stop(v) || ++w->depth > MAXD - 8) {
        w->depth--;
        return;
    }
    const gq_tref *t;
    switch (n->kind) {
    case GN_OPERATION: {
        const gq_type *root = n->flags == GQ_QUERY      ? v->s->query
                              : n->flags == GQ_MUTATION ? v->s->mutation
                                                        : v->s->subscription;
        PUSH(v->type, v->ntype, root ? &root->ref : NULL);
        if (w->enter) w->enter(w, n, parent);
        if (!w->skip_vardefs) walk_list(w, &n->args, n);
        walk_list(w, &n->dirs, n);
        walk_selection(w, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ntype);
        break;
    }
    case GN_FRAGMENT_DEF:
    case GN_INLINE: {
        const gq_tref *ot;
        if (n->type)
            ot = (const gq_tref *)gq_schema_type(v->s, n->type->name);
        else
            ot = (const gq_tref *)gq_named(TOP(v->type, v->ntype));
        PUSH(v->type, v->ntype, ot && gq_is_output_type(ot) ? ot : NULL);
        if (w->enter) w->enter(w, n, parent);
        if (n->type) walk(w, n->type, n);
        walk_list(w, &n->dirs, n);
        walk_selection(w, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ntype);
        break;
    }
    case GN_FIELD: {
        const gq_type *pt = TOP(v->parent, v->nparent);
        const gq_field *fd = field_def(v, pt, n->name);
        t = fd ? fd->type : NULL;
        PUSH(v->fdef, v->nfdef, fd);
        PUSH(v->type, v->ntype, t && gq_is_output_type(t) ? t : NULL);
        if (w->enter) w->enter(w, n, parent);
        walk_list(w, &n->args, n);
        walk_list(w, &n->dirs, n);
        if (n->has_sel) walk_selection(w, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ntype);
        POP(v->nfdef);
        break;
    }
    case GN_SPREAD:
        if (w->enter) w->enter(w, n, parent);
        walk_list(w, &n->dirs, n);
        if (w->leave) w->leave(w, n, parent);
        break;
    case GN_DIRECTIVE:
        v->directive = gq_schema_directive(v->s, n->name);
        if (w->enter) w->enter(w, n, parent);
        walk_list(w, &n->args, n);
        if (w->leave) w->leave(w, n, parent);
        v->directive = NULL;
        break;
    case GN_ARGUMENT: {
        const gq_ivdef *ad = NULL;
        if (v->directive)
            ad = gq_find_arg(v->directive->args, v->directive->nargs, n->name);
        else {
            const gq_field *fd = TOP(v->fdef, v->nfdef);
            if (fd) ad = gq_find_arg(fd->args, fd->nargs, n->name);
        }
        v->argument = ad;
        PUSH(v->dflt, v->ndflt, ad);
        PUSH(v->input, v->ninput, ad && ad->type && gq_is_input_type(ad->type) ? ad->type : NULL);
        if (w->enter) w->enter(w, n, parent);
        walk_value(w, n->val, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ninput);
        POP(v->ndflt);
        v->argument = NULL;
        break;
    }
    case GN_VARDEF: {
        const gq_tref *it = gq_tref_from_ast(v->s, v->a, n->type);
        PUSH(v->input, v->ninput, it && gq_is_input_type(it) ? it : NULL);
        if (w->enter) w->enter(w, n, parent);
        walk(w, n->type, n);
        if (n->val) {
            PUSH(v->dflt, v->ndflt, NULL);
            walk_value(w, n->val, n);
            POP(v->ndflt);
        }
        walk_list(w, &n->dirs, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ninput);
        break;
    }
    case GN_NAMED_TYPE:
    case GN_LIST_TYPE:
    case GN_NON_NULL_TYPE:
        if (w->enter) w->enter(w, n, parent);
        if (n->type) walk(w, n->type, n);
        break;
    default:
        if (n->kind >= GN_VARIABLE && n->kind <= GN_OBJECT_FIELD)
            walk_value(w, n, parent);
        else if (w->enter)
            w->enter(w, n, parent);
        break;
    }
    w->depth--;
}

static void walk_value(walker *w, const gq_node *n, const gq_node *parent) {
    V *v = w->v;
    if (stop(v) || ++w->depth > MAXD - 8) {
        w->depth--;
        return;
    }
    if (n->kind == GN_LIST) {
        const gq_tref *lt = gq_nullable((gq_tref *)TOP(v->input, v->ninput));
        const gq_tref *it = lt && lt->kind == GK_LIST ? lt->of : lt;
        PUSH(v->dflt, v->ndflt, NULL);
        PUSH(v->input, v->ninput, it && gq_is_input_type(it) ? it : NULL);
        if (w->enter) w->enter(w, n, parent);
        for (uint32_t i = 0; i < n->sel.n; i++) walk_value(w, n->sel.v[i], n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ninput);
        POP(v->ndflt);
    } else if (n->kind == GN_OBJECT) {
        if (w->enter) w->enter(w, n, parent);
        for (uint32_t i = 0; i < n->sel.n; i++) walk_value(w, n->sel.v[i], n);
        if (w->leave) w->leave(w, n, parent);
    } else if (n->kind == GN_OBJECT_FIELD) {
        gq_type *ot = gq_named(TOP(v->input, v->ninput));
        const gq_ivdef *f = NULL;
        if (ot && ot->ref.kind == GK_INPUT_OBJECT)
            f = gq_find_arg(ot->ifields, ot->nifields, n->name);
        PUSH(v->dflt, v->ndflt, f);
        PUSH(v->input, v->ninput, f && f->type && gq_is_input_type(f->type) ? f->type : NULL);
        if (w->enter) w->enter(w, n, parent);
        walk_value(w, n->val, n);
        if (w->leave) w->leave(w, n, parent);
        POP(v->ninput);
        POP(v->ndflt);
    } else {
        if (w->enter) w->enter(w, n, parent);
        if (w->leave) w->leave(w, n, parent);
    }
    w->depth--;
}

/* ---- variable usages ------------------------------------------------------------------ */

static void usage_enter(walker *w, const gq_node *n, const gq_node *parent) {
    (void)parent;
    if (!n || n->kind != GN_VARIABLE) return;
    V *v = w->v;
    if (w->nuses == w->capuses) {
        uint32_t c = w->capuses ? w->capuses * 2 : 16;
        usage *u = realloc(w->uses, c * sizeof *u);
        if (!u) return;
        w->uses = u;
        w->capuses = c;
    }
    usage *u = &w->uses[w->nuses++];
    u->node = n;
    u->type = TOP(v->input, v->ninput);
    u->dflt = TOP(v->dflt, v->ndflt);
    u->parent_input = v->ninput >= 2 ? v->input[v->ninput - 2] : NULL;
}

/* getRecursiveVariableUsages: a fresh type-info walk of op, then of each
 * referenced fragment. */
static usage *recursive_usages(V *parentv, const gq_node *op, uint32_t *n) {
    V v = *parentv;
    v.ntype = v.nparent = v.nfdef = v.ninput = v.ndflt = 0;
    v.directive = NULL;
    walker w = {.v = &v, .enter = usage_enter, .skip_vardefs = true};
    walk(&w, op, NULL);
    nvec frags = {0};
    referenced_fragments(parentv, op, &frags);
    for (uint32_t i = 0; i < frags.n; i++) {
        v.ntype = v.nparent = v.nfdef = v.ninput = v.ndflt = 0;
        walk(&w, frags.v[i], NULL);
    }
    free(frags.v);
    *n = w.nuses;
    return w.uses;
}

/* ---- rules ---------------------------------------------------------------------------- */

static bool is_required_arg(const gq_ivdef *d) {
    return gq_is_nonnull(d->type) && !d->default_ast;
}

static void rule_known_type(V *v, const gq_node *n) {
    if (gq_schema_type(v->s, n->name)) return;
    const char **names = malloc((v->s->ntypes + 1) * sizeof *names);
    if (!names) return;
    for (uint32_t i = 0; i < v->s->ntypes; i++) names[i] = v->s->types[i]->name;
    char *dym = gq_did_you_mean(v->a, n->name, names, v->s->ntypes, NULL);
    free(names);
    gq_error *e = report(v, gq_printf(v->a, "Unknown type \"%s\".%s", n->name, dym));
    loc(v, e, n);
}

static int dir_location(const gq_node *parent) {
    switch (parent->kind) {
    case GN_OPERATION:
        return parent->flags == GQ_QUERY      ? GL_QUERY
               : parent->flags == GQ_MUTATION ? GL_MUTATION
                                              : GL_SUBSCRIPTION;
    case GN_FIELD:
        return GL_FIELD;
    case GN_SPREAD:
        return GL_FRAGMENT_SPREAD;
    case GN_INLINE:
        return GL_INLINE_FRAGMENT;
    case GN_FRAGMENT_DEF:
        return GL_FRAGMENT_DEFINITION;
    case GN_VARDEF:
        return GL_VARIABLE_DEFINITION;
    default:
        return -1;
    }
}

static void rule_unique_directives(V *v, const gq_list *dirs) {
    for (uint32_t i = 0; i < dirs->n; i++) {
        const gq_directive *d = gq_schema_directive(v->s, dirs->v[i]->name);
        if (!d || d->repeatable) continue;
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(dirs->v[j]->name, dirs->v[i]->name)) continue;
            gq_error *e = report(v, gq_printf(v->a,
                                              "The directive \"@%s\" can only be used once at "
                                              "this location.",
                                              d->name));
            loc(v, e, dirs->v[j]);
            loc(v, e, dirs->v[i]);
            break;
        }
    }
}

static void rule_unique_args(V *v, const gq_list *args) {
    for (uint32_t i = 0; i < args->n; i++) {
        bool first = true;
        uint32_t cnt = 0;
        for (uint32_t j = 0; j < args->n; j++)
            if (!strcmp(args->v[j]->name, args->v[i]->name)) {
                if (j < i) first = false;
                cnt++;
            }
        if (!first || cnt < 2) continue;
        gq_error *e = report(
            v, gq_printf(v->a, "There can be only one argument named \"%s\".", args->v[i]->name));
        for (uint32_t j = 0; j < args->n; j++)
            if (!strcmp(args->v[j]->name, args->v[i]->name)) loc(v, e, args->v[j]);
    }
}

/* -- values -- */

static char *enum_dym(V *v, const gq_type *t, const char *input) {
    const char **names = malloc((t->nvalues + 1) * sizeof *names);
    if (!names) return "";
    for (uint32_t i = 0; i < t->nvalues; i++) names[i] = t->values[i].name;
    char *r = gq_did_you_mean(v->a, input, names, t->nvalues, "the enum value");
    free(names);
    return r;
}

static void valid_value_node(V *v, const gq_node *n) {
    const gq_tref *lt = TOP(v->input, v->ninput);
    if (!lt) return;
    const gq_type *t = gq_named(lt);
    char *pv = gq_print_ast_value(v->a, n);
    const char *msg = NULL;
    if (!gq_is_leaf(t)) {
        msg =
            gq_printf(v->a, "Expected value of type \"%s\", found %s.", gq_tref_str(v->a, lt), pv);
    } else if (t->ref.kind == GK_ENUM) {
        if (n->kind != GN_ENUM)
            msg = gq_printf(v->a, "Enum \"%s\" cannot represent non-enum value: %s.%s", t->name, pv,
                            enum_dym(v, t, pv));
        else {
            bool found = false;
            for (uint32_t i = 0; i < t->nvalues && !found; i++)
                found = !strcmp(t->values[i].name, n->value);
            if (!found)
                msg = gq_printf(v->a, "Value \"%s\" does not exist in \"%s\" enum.%s", pv, t->name,
                                enum_dym(v, t, pv));
        }
    } else if (t == v->s->t_int) {
        if (n->kind != GN_INT)
            msg = gq_printf(v->a, "Int cannot represent non-integer value: %s", pv);
        else {
            double d = strtod(n->value, NULL);
            if (d > 2147483647.0 || d < -2147483648.0)
                msg = gq_printf(v->a, "Int cannot represent non 32-bit signed integer value: %s",
                                n->value);
        }
    } else if (t == v->s->t_float) {
        if (n->kind != GN_INT && n->kind != GN_FLOAT)
            msg = gq_printf(v->a, "Float cannot represent non numeric value: %s", pv);
    } else if (t == v->s->t_string) {
        if (n->kind != GN_STRING)
            msg = gq_printf(v->a, "String cannot represent a non string value: %s", pv);
    } else if (t == v->s->t_boolean) {
        if (n->kind != GN_BOOLEAN)
            msg = gq_printf(v->a, "Boolean cannot represent a non boolean value: %s", pv);
    } else if (t == v->s->t_id) {
        if (n->kind != GN_STRING && n->kind != GN_INT)
            msg = gq_printf(v->a, "ID cannot represent a non-string and non-integer value: %s", pv);
    } else {
        gq_val out;
        if (t->scalar && t->scalar->parse && !gq_value_from_ast(v->s, v->a, lt, n, NULL, &out))
            msg = gq_printf(v->a, "Expected value of type \"%s\", found %s.", gq_tref_str(v->a, lt),
                            pv);
    }
    if (msg) loc(v, report(v, msg), n);
}

static void voct_enter(V *v, const gq_node *n) {
    if (v->voct_skip) {
        v->voct_skip++;
        return;
    }
    switch (n->kind) {
    case GN_LIST: {
        const gq_tref *pt = v->ninput >= 2 ? v->input[v->ninput - 2] : NULL;
        const gq_tref *t = gq_nullable((gq_tref *)pt);
        if (!t || t->kind != GK_LIST) {
            valid_value_node(v, n);
            v->voct_skip = 1;
        }
        break;
    }
    case GN_OBJECT: {
        const gq_tref *lt = TOP(v->input, v->ninput);
        gq_type *t = gq_named(lt);
        if (!t || t->ref.kind != GK_INPUT_OBJECT) {
            valid_value_node(v, n);
            v->voct_skip = 1;
            break;
        }
        for (uint32_t i = 0; i < t->nifields; i++) {
            const gq_ivdef *f = &t->ifields[i];
            bool have = false;
            for (uint32_t j = 0; j < n->sel.n && !have; j++)
                have = !strcmp(n->sel.v[j]->name, f->name);
            if (!have && is_required_arg(f)) {
                gq_error *e = report(v, gq_printf(v->a,
                                                  "Field \"%s.%s\" of required type \"%s\" was not "
                                                  "provided.",
                                                  t->name, f->name, gq_tref_str(v->a, f->type)));
                loc(v, e, n);
            }
        }
        if (t->one_of) {
            /* keyMap keys: distinct names */
            uint32_t distinct = 0;
            const gq_node *only = NULL;
            for (uint32_t j = 0; j < n->sel.n; j++) {
                bool dup = false;
                for (uint32_t k = 0; k < j; k++)
                    dup |= !strcmp(n->sel.v[k]->name, n->sel.v[j]->name);
                if (!dup) distinct++;
                only = n->sel.v[j];
            }
            if (distinct != 1) {
                gq_error *e =
                    report(v, gq_printf(v->a,
                                        "OneOf Input Object \"%s\" must specify exactly one "
                                        "key.",
                                        t->name));
                loc(v, e, n);
            } else if (!only->val || only->val->kind == GN_NULL) {
                gq_error *e = report(
                    v, gq_printf(v->a, "Field \"%s.%s\" must be non-null.", t->name, only->name));
                loc(v, e, n);
            }
        }
        break;
    }
    case GN_OBJECT_FIELD: {
        const gq_tref *pt = v->ninput >= 2 ? v->input[v->ninput - 2] : NULL;
        gq_type *ptn = gq_named(pt);
        if (!TOP(v->input, v->ninput) && ptn && ptn->ref.kind == GK_INPUT_OBJECT &&
            !gq_find_arg(ptn->ifields, ptn->nifields, n->name)) {
            const char **names = malloc((ptn->nifields + 1) * sizeof *names);
            if (!names) break;
            for (uint32_t i = 0; i < ptn->nifields; i++) names[i] = ptn->ifields[i].name;
            char *dym = gq_did_you_mean(v->a, n->name, names, ptn->nifields, NULL);
            free(names);
            gq_error *e = report(v, gq_printf(v->a, "Field \"%s\" is not defined by type \"%s\".%s",
                                              n->name, ptn->name, dym));
            loc(v, e, n);
        }
        break;
    }
    case GN_NULL: {
        const gq_tref *t = TOP(v->input, v->ninput);
        if (gq_is_nonnull(t)) {
            gq_error *e = report(v, gq_printf(v->a, "Expected value of type \"%s\", found null.",
                                              gq_tref_str(v->a, t)));
            loc(v, e, n);
        }
        break;
    }
    case GN_ENUM:
    case GN_INT:
    case GN_FLOAT:
    case GN_STRING:
    case GN_BOOLEAN:
        valid_value_node(v, n);
        break;
    default:
        break;
    }
}

static void voct_leave(V *v) {
    if (v->voct_skip) v->voct_skip--;
}

/* -- overlapping fields -- */

typedef struct ffield {
    const gq_type *ptype;
    const gq_node *node;
    const gq_field *def;
    int origin; /* 0: the set itself; k: k-th fragment expanded */
} ffield;

typedef struct fmap {
    ffield *v;
    uint32_t n, cap;
} fmap;

static void fm_push(fmap *m, ffield f) {
    if (m->n == m->cap) {
        uint32_t c = m->cap ? m->cap * 2 : 16;
        ffield *nv = realloc(m->v, c * sizeof *nv);
        if (!nv) return;
        m->v = nv;
        m->cap = c;
    }
    m->v[m->n++] = f;
}

static void collect_fields_and_frags(V *v, const gq_type *pt, const gq_node *owner, fmap *m,
                                     int origin, const char ***seen, uint32_t *nseen, int *next,
                                     int depth) {
    if (depth > 64) return;
    for (uint32_t i = 0; i < owner->sel.n; i++) {
        const gq_node *s = owner->sel.v[i];
        if (s->kind == GN_FIELD) {
            fm_push(m, (ffield){pt, s, field_def(v, pt, s->name), origin});
        } else if (s->kind == GN_INLINE) {
            const gq_type *t = s->type ? gq_schema_type(v->s, s->type->name) : pt;
            collect_fields_and_frags(v, t, s, m, origin, seen, nseen, next, depth + 1);
        } else if (s->kind == GN_SPREAD) {
            bool have = false;
            for (uint32_t j = 0; j < *nseen && !have; j++) have = !strcmp((*seen)[j], s->name);
            if (have) continue;
            const char **ns = realloc(*seen, (*nseen + 1) * sizeof *ns);
            if (!ns) continue;
            *seen = ns;
            ns[(*nseen)++] = s->name;
            const gq_node *f = fragment(v, s->name);
            if (!f) continue;
            const gq_type *t = gq_schema_type(v->s, f->type->name);
            collect_fields_and_frags(v, t, f, m, (*next)++, seen, nseen, next, depth + 1);
        }
    }
}

static bool types_conflict(const gq_tref *a, const gq_tref *b) {
    if (a->kind == GK_LIST) return b->kind == GK_LIST ? types_conflict(a->of, b->of) : true;
    if (b->kind == GK_LIST) return true;
    if (a->kind == GK_NON_NULL) return b->kind == GK_NON_NULL ? types_conflict(a->of, b->of) : true;
    if (b->kind == GK_NON_NULL) return true;
    if (gq_is_leaf((const gq_type *)a) || gq_is_leaf((const gq_type *)b)) return a != b;
    return false;
}

static bool same_args(V *v, const gq_node *a, const gq_node *b) {
    if (a->args.n != b->args.n) return false;
    for (uint32_t i = 0; i < a->args.n; i++) {
        const gq_node *x = a->args.v[i], *y = NULL;
        for (uint32_t j = 0; j < b->args.n; j++)
            if (!strcmp(b->args.v[j]->name, x->name)) y = b->args.v[j];
        if (!y) return false;
        if (strcmp(gq_print_ast_value(v->a, x->val), gq_print_ast_value(v->a, y->val)))
            return false;
    }
    return true;
}

typedef struct conflict {
    char *reason;
    nvec f1, f2;
} conflict;

static bool find_conflict(V *v, bool excl, const char *rname, const ffield *a, const ffield *b,
                          conflict *out, int depth);

/* Conflicts between two sub-selection sets (fields of both, compared across). */
static uint32_t sub_conflicts(V *v, bool excl, const gq_type *t1, const gq_node *s1,
                              const gq_type *t2, const gq_node *s2, conflict *outv, uint32_t cap,
                              int depth) {
    fmap m1 = {0}, m2 = {0};
    const char **seen = NULL;
    uint32_t nseen = 0;
    int next = 1;
    collect_fields_and_frags(v, t1, s1, &m1, 0, &seen, &nseen, &next, 0);
    free(seen);
    seen = NULL;
    nseen = 0;
    next = 1;
    collect_fields_and_frags(v, t2, s2, &m2, 0, &seen, &nseen, &next, 0);
    free(seen);
    uint32_t n = 0;
    /* graphql-js: for each response name of the first map, compare with the second */
    for (uint32_t i = 0; i < m1.n && n < cap; i++) {
        const char *k = m1.v[i].node->alias ? m1.v[i].node->alias : m1.v[i].node->name;
        bool firstk = true;
        for (uint32_t j = 0; j < i; j++) {
            const char *kj = m1.v[j].node->alias ? m1.v[j].node->alias : m1.v[j].node->name;
            if (!strcmp(kj, k)) firstk = false;
        }
        if (!firstk) continue;
        for (uint32_t a = i; a < m1.n && n < cap; a++) {
            const char *ka = m1.v[a].node->alias ? m1.v[a].node->alias : m1.v[a].node->name;
            if (strcmp(ka, k)) continue;
            for (uint32_t b = 0; b < m2.n && n < cap; b++) {
                const char *kb = m2.v[b].node->alias ? m2.v[b].node->alias : m2.v[b].node->name;
                if (strcmp(kb, k)) continue;
                if (find_conflict(v, excl, k, &m1.v[a], &m2.v[b], &outv[n], depth + 1)) n++;
            }
        }
    }
    free(m1.v);
    free(m2.v);
    return n;
}

static bool find_conflict(V *v, bool excl, const char *rname, const ffield *a, const ffield *b,
                          conflict *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > 32 || !v->overlap_budget) return false;
    v->overlap_budget--;
    bool me = excl || (a->ptype != b->ptype && a->ptype && b->ptype &&
                       a->ptype->ref.kind == GK_OBJECT && b->ptype->ref.kind == GK_OBJECT);
    char *reason = NULL;
    if (!me) {
        if (strcmp(a->node->name, b->node->name))
            reason = gq_printf(v->a, "\"%s\" and \"%s\" are different fields", a->node->name,
                               b->node->name);
        else if (!same_args(v, a->node, b->node))
            reason = "they have differing arguments";
    }
    const gq_tref *t1 = a->def ? a->def->type : NULL, *t2 = b->def ? b->def->type : NULL;
    if (!reason && t1 && t2 && types_conflict(t1, t2))
        reason = gq_printf(v->a, "they return conflicting types \"%s\" and \"%s\"",
                           gq_tref_str(v->a, t1), gq_tref_str(v->a, t2));
    if (reason) {
        out->reason = gq_printf(v->a, "\"%s\" conflict because %s", rname, reason);
        npush(&out->f1, a->node);
        npush(&out->f2, b->node);
        return true;
    }
    if (a->node->has_sel && b->node->has_sel) {
        /* on the heap: this recursion may run on a small coroutine stack */
        conflict *subs = calloc(16, sizeof *subs);
        if (!subs) return false;
        uint32_t n =
            sub_conflicts(v, me, gq_named(t1), a->node, gq_named(t2), b->node, subs, 16, depth);
        if (!n) {
            free(subs);
            return false;
        }
        cx_buf r = {0};
        cx_buf_printf(&r, "\"%s\" conflict because ", rname);
        npush(&out->f1, a->node);
        npush(&out->f2, b->node);
        for (uint32_t i = 0; i < n; i++) {
            if (i) cx_buf_puts(&r, " and ");
            cx_buf_printf(&r, "subfields %s", subs[i].reason);
            for (uint32_t j = 0; j < subs[i].f1.n; j++) npush(&out->f1, subs[i].f1.v[j]);
            for (uint32_t j = 0; j < subs[i].f2.n; j++) npush(&out->f2, subs[i].f2.v[j]);
            free(subs[i].f1.v);
            free(subs[i].f2.v);
        }
        out->reason = cx_arena_strndup(v->a, r.data, r.len);
        cx_buf_free(&r);
        free(subs);
        return true;
    }
    return false;
}

static void rule_overlapping(V *v, const gq_node *owner) {
    const gq_type *pt = TOP(v->parent, v->nparent);
    fmap m = {0};
    const char **seen = NULL;
    uint32_t nseen = 0;
    int next = 1;
    collect_fields_and_frags(v, pt, owner, &m, 0, &seen, &nseen, &next, 0);
    free(seen);
    for (uint32_t i = 0; i < m.n && !stop(v) && v->overlap_budget; i++) {
        const char *k = m.v[i].node->alias ? m.v[i].node->alias : m.v[i].node->name;
        for (uint32_t j = i + 1; j < m.n && !stop(v) && v->overlap_budget; j++) {
            const char *kj = m.v[j].node->alias ? m.v[j].node->alias : m.v[j].node->name;
            if (strcmp(k, kj)) continue;
            if (m.v[i].origin && m.v[i].origin == m.v[j].origin) continue;
            conflict c;
            if (!find_conflict(v, false, k, &m.v[i], &m.v[j], &c, 0)) continue;
            gq_error *e = report(v, gq_printf(v->a,
                                              "Fields %s. Use different aliases on the fields to "
                                              "fetch both if this was intentional.",
                                              c.reason));
            for (uint32_t x = 0; x < c.f1.n; x++) loc(v, e, c.f1.v[x]);
            for (uint32_t x = 0; x < c.f2.n; x++) loc(v, e, c.f2.v[x]);
            free(c.f1.v);
            free(c.f2.v);
        }
    }
    free(m.v);
}

/* -- fragments -- */

static void detect_cycles(V *v, const gq_node *frag, nvec *path, const char **names, int *index,
                          uint32_t *nnames) {
    for (uint32_t i = 0; i < v->nvisited; i++)
        if (!strcmp(v->visited_frags[i], frag->name)) return;
    const char **nv = realloc(v->visited_frags, (v->nvisited + 1) * sizeof *nv);
    if (!nv) return;
    v->visited_frags = nv;
    nv[v->nvisited++] = frag->name;
    nvec spreads = {0};
    fragment_spreads(frag, &spreads);
    if (!spreads.n) return;
    /* spreadPathIndexByFragName[frag] = path->n */
    uint32_t my = *nnames;
    names[my] = frag->name;
    index[my] = (int)path->n;
    (*nnames)++;
    for (uint32_t i = 0; i < spreads.n && !stop(v); i++) {
        const gq_node *sp = spreads.v[i];
        int cyc = -1;
        for (uint32_t j = 0; j < *nnames; j++)
            if (index[j] >= 0 && !strcmp(names[j], sp->name)) cyc = index[j];
        npush(path, sp);
        if (cyc < 0) {
            const gq_node *f = fragment(v, sp->name);
            if (f && *nnames < 255) detect_cycles(v, f, path, names, index, nnames);
        } else {
            cx_buf via = {0};
            for (uint32_t j = (uint32_t)cyc; j + 1 < path->n; j++)
                cx_buf_printf(&via, "%s\"%s\"", j > (uint32_t)cyc ? ", " : "", path->v[j]->name);
            gq_error *e = report(v, via.len ? gq_printf(v->a,
                                                        "Cannot spread fragment \"%s\" within "
                                                        "itself via %.*s.",
                                                        sp->name, (int)via.len, via.data)
                                            : gq_printf(v->a,
                                                        "Cannot spread fragment \"%s\" within "
                                                        "itself.",
                                                        sp->name));
            cx_buf_free(&via);
            for (uint32_t j = (uint32_t)cyc; j < path->n; j++) loc(v, e, path->v[j]);
        }
        path->n--;
    }
    index[my] = -1;
    free(spreads.v);
}

static const gq_type *fragment_type(V *v, const gq_node *typecond) {
    const gq_type *t = typecond ? gq_schema_type(v->s, typecond->name) : NULL;
    return gq_is_composite(t) ? t : NULL;
}

/* -- operation-level rules at leave -- */

static bool allowed_usage(V *v, const gq_tref *vt, const gq_node *vdefault, const gq_tref *lt,
                          const gq_ivdef *ldefault) {
    if (gq_is_nonnull(lt) && !gq_is_nonnull(vt)) {
        bool has_var_default = vdefault && vdefault->kind != GN_NULL;
        bool has_loc_default = ldefault && ldefault->default_ast;
        if (!has_var_default && !has_loc_default) return false;
        return gq_is_subtype(v->s, vt, lt->of);
    }
    return gq_is_subtype(v->s, vt, lt);
}

static void op_leave(V *v, const gq_node *op) {
    uint32_t nu = 0;
    usage *u = recursive_usages(v, op, &nu);
    /* NoUndefinedVariables */
    for (uint32_t i = 0; i < nu && !stop(v); i++) {
        bool def = false;
        for (uint32_t j = 0; j < op->args.n && !def; j++)
            def = !strcmp(op->args.v[j]->name, u[i].node->name);
        if (def) continue;
        gq_error *e = report(
            v, op->name ? gq_printf(v->a,
                                    "Variable \"$%s\" is not defined by operation "
                                    "\"%s\".",
                                    u[i].node->name, op->name)
                        : gq_printf(v->a, "Variable \"$%s\" is not defined.", u[i].node->name));
        loc(v, e, u[i].node);
        loc(v, e, op);
    }
    /* NoUnusedVariables */
    for (uint32_t j = 0; j < op->args.n && !stop(v); j++) {
        bool used = false;
        for (uint32_t i = 0; i < nu && !used; i++)
            used = !strcmp(op->args.v[j]->name, u[i].node->name);
        if (used) continue;
        gq_error *e = report(
            v, op->name ? gq_printf(v->a,
                                    "Variable \"$%s\" is never used in operation "
                                    "\"%s\".",
                                    op->args.v[j]->name, op->name)
                        : gq_printf(v->a, "Variable \"$%s\" is never used.", op->args.v[j]->name));
        loc(v, e, op->args.v[j]);
    }
    /* VariablesInAllowedPosition */
    for (uint32_t i = 0; i < nu && !stop(v); i++) {
        const gq_node *vd = NULL;
        for (uint32_t j = 0; j < op->args.n; j++)
            if (!strcmp(op->args.v[j]->name, u[i].node->name)) {
                vd = op->args.v[j];
                break;
            }
        if (!vd || !u[i].type) continue;
        const gq_tref *st = gq_tref_from_ast(v->s, v->a, vd->type);
        if (!st) continue;
        if (!allowed_usage(v, st, vd->val, u[i].type, u[i].dflt)) {
            gq_error *e = report(v, gq_printf(v->a,
                                              "Variable \"$%s\" of type \"%s\" used in position "
                                              "expecting type \"%s\".",
                                              u[i].node->name, gq_tref_str(v->a, st),
                                              gq_tref_str(v->a, u[i].type)));
            loc(v, e, vd);
            loc(v, e, u[i].node);
        } else {
            gq_type *pt = gq_named(u[i].parent_input);
            if (pt && u[i].parent_input == &pt->ref && pt->ref.kind == GK_INPUT_OBJECT &&
                pt->one_of && !gq_is_nonnull(st)) {
                gq_error *e =
                    report(v, gq_printf(v->a,
                                        "Variable \"$%s\" is of type \"%s\" but must be "
                                        "non-nullable to be used for OneOf Input Object "
                                        "\"%s\".",
                                        u[i].node->name, gq_tref_str(v->a, st), pt->name));
                loc(v, e, vd);
                loc(v, e, u[i].node);
            }
        }
    }
    free(u);
}

static void subscription_rule(V *v, const gq_node *op) {
    if (op->flags != GQ_SUBSCRIPTION || !v->s->subscription) return;
    /* collectFields with no variables: skip/include with literals only */
    typedef struct grp {
        const char *key;
        nvec nodes;
    } grp;
    grp g[64];
    uint32_t ng = 0;
    nvec stack = {0};
    npush(&stack, op);
    const char *visited[64];
    uint32_t nvis = 0;
    /* depth-first in order: recursive helper via explicit recursion */
    struct frame {
        const gq_node *o;
        uint32_t i;
    } fr[64];
    int sp = 0;
    fr[sp++] = (struct frame){op, 0};
    free(stack.v);
    while (sp > 0) {
        struct frame *f = &fr[sp - 1];
        if (f->i >= f->o->sel.n) {
            sp--;
            continue;
        }
        const gq_node *s = f->o->sel.v[f->i++];
        bool skip = false;
        for (uint32_t d = 0; d < s->dirs.n; d++) {
            const gq_node *dn = s->dirs.v[d];
            if (dn->args.n && dn->args.v[0]->val->kind == GN_BOOLEAN) {
                bool b = dn->args.v[0]->val->flags;
                if (!strcmp(dn->name, "skip") && b) skip = true;
                if (!strcmp(dn->name, "include") && !b) skip = true;
            }
        }
        if (skip) continue;
        if (s->kind == GN_FIELD) {
            const char *k = s->alias ? s->alias : s->name;
            uint32_t j;
            for (j = 0; j < ng; j++)
                if (!strcmp(g[j].key, k)) break;
            if (j == ng) {
                if (ng == 64) continue;
                g[ng].key = k;
                memset(&g[ng].nodes, 0, sizeof g[ng].nodes);
                ng++;
            }
            npush(&g[j].nodes, s);
        } else if (s->kind == GN_INLINE) {
            if (s->type) {
                const gq_type *t = gq_schema_type(v->s, s->type->name);
                if (t != v->s->subscription &&
                    !(gq_is_abstract(t) && gq_is_possible(v->s, t, v->s->subscription)))
                    continue;
            }
            if (sp < 64) fr[sp++] = (struct frame){s, 0};
        } else if (s->kind == GN_SPREAD) {
            bool seen = false;
            for (uint32_t j = 0; j < nvis; j++) seen |= !strcmp(visited[j], s->name);
            if (seen || nvis == 64) continue;
            visited[nvis++] = s->name;
            const gq_node *fd = fragment(v, s->name);
            if (!fd) continue;
            const gq_type *t = gq_schema_type(v->s, fd->type->name);
            if (t != v->s->subscription &&
                !(gq_is_abstract(t) && gq_is_possible(v->s, t, v->s->subscription)))
                continue;
            if (sp < 64) fr[sp++] = (struct frame){fd, 0};
        }
    }
    if (ng > 1) {
        gq_error *e = report(v, op->name ? gq_printf(v->a,
                                                     "Subscription \"%s\" must select only one top "
                                                     "level field.",
                                                     op->name)
                                         : "Anonymous Subscription must select only one top level "
                                           "field.");
        for (uint32_t j = 1; j < ng; j++)
            for (uint32_t k = 0; k < g[j].nodes.n; k++) loc(v, e, g[j].nodes.v[k]);
    }
    for (uint32_t j = 0; j < ng; j++) {
        if (g[j].nodes.v[0]->name[0] == '_' && g[j].nodes.v[0]->name[1] == '_') {
            gq_error *e = report(v, op->name ? gq_printf(v->a,
                                                         "Subscription \"%s\" must not select an "
                                                         "introspection top level field.",
                                                         op->name)
                                             : "Anonymous Subscription must not select an "
                                               "introspection top level field.");
            for (uint32_t k = 0; k < g[j].nodes.n; k++) loc(v, e, g[j].nodes.v[k]);
        }
        free(g[j].nodes.v);
    }
}

/* -- suggestions for unknown fields -- */

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *field_suggestion(V *v, const gq_type *t, const char *name) {
    if (gq_is_abstract(t)) {
        /* getSuggestedTypeNames */
        const gq_type *sug[256];
        int cnt[256];
        uint32_t ns = 0;
        for (uint32_t i = 0; i < t->nmembers && ns < 250; i++) {
            const gq_type *pt = t->members[i];
            if (!gq_type_field(pt, name)) continue;
            uint32_t k;
            for (k = 0; k < ns; k++)
                if (sug[k] == pt) break;
            if (k == ns) sug[ns++] = pt;
            cnt[k] = 1;
            for (uint32_t j = 0; j < pt->nifaces && ns < 250; j++) {
                const gq_type *it = pt->ifaces[j];
                if (!gq_type_field(it, name)) continue;
                for (k = 0; k < ns; k++)
                    if (sug[k] == it) break;
                if (k == ns) {
                    sug[ns++] = it;
                    cnt[k] = 0;
                }
                cnt[k]++;
            }
        }
        /* insertion sort with graphql-js's comparator */
        for (uint32_t i = 1; i < ns; i++)
            for (uint32_t j = i; j > 0; j--) {
                const gq_type *a = sug[j - 1], *b = sug[j];
                int d = cnt[j] - cnt[j - 1];
                int c;
                if (d != 0)
                    c = d > 0 ? 1 : -1; /* b before a if b used more */
                else if (a->ref.kind == GK_INTERFACE && gq_is_possible(v->s, a, b))
                    c = -1;
                else if (b->ref.kind == GK_INTERFACE && gq_is_possible(v->s, b, a))
                    c = 1;
                else
                    c = strcmp(a->name, b->name) > 0 ? 1 : -1;
                if (c <= 0) break;
                const gq_type *tt = sug[j - 1];
                sug[j - 1] = sug[j];
                sug[j] = tt;
                int tc = cnt[j - 1];
                cnt[j - 1] = cnt[j];
                cnt[j] = tc;
            }
        if (ns) {
            const char **names = cx_arena_alloc(v->a, ns * sizeof *names);
            if (!names) return "";
            for (uint32_t i = 0; i < ns; i++) names[i] = sug[i]->name;
            return gq_did_you_mean(v->a, NULL, names, ns, "to use an inline fragment on");
        }
    }
    if (t->ref.kind == GK_OBJECT || t->ref.kind == GK_INTERFACE) {
        const char **names = malloc((t->nfields + 1) * sizeof *names);
        if (!names) return "";
        for (uint32_t i = 0; i < t->nfields; i++) names[i] = t->fields[i].name;
        char *r = gq_did_you_mean(v->a, name, names, t->nfields, NULL);
        free(names);
        return r;
    }
    (void)cmp_names;
    return "";
}

/* -- MaxIntrospectionDepthRule (graphql-js's recommendedRules) -- */

#define MAX_LISTS_DEPTH 3

static int frag_slot(V *v, const char *name) {
    for (uint32_t i = 0; i < v->nfragdepth; i++)
        if (!strcmp(v->frag_names[i], name)) return (int)i;
    if (v->nfragdepth == 128) return -1;
    v->frag_names[v->nfragdepth] = name;
    v->checked_depth[v->nfragdepth] = -1;
    v->exceeded_depth[v->nfragdepth] = -1;
    return (int)v->nfragdepth++;
}

static bool intro_depth(V *v, const gq_node *n, const char **vnames, int *vdepth, uint32_t *nv,
                        int depth, int level) {
    if (level > 256) return false;
    if (n->kind == GN_SPREAD) {
        int slot = frag_slot(v, n->name);
        if (slot < 0) return false;
        if (v->exceeded_depth[slot] >= 0 && v->exceeded_depth[slot] <= depth) return true;
        int vi = -1;
        for (uint32_t i = 0; i < *nv; i++)
            if (!strcmp(vnames[i], n->name)) vi = (int)i;
        if ((vi >= 0 && vdepth[vi] >= depth) ||
            (v->checked_depth[slot] >= 0 && v->checked_depth[slot] >= depth))
            return false;
        const gq_node *f = fragment(v, n->name);
        if (!f) return false;
        if (vi < 0) {
            if (*nv == 128) return false;
            vi = (int)(*nv)++;
            vnames[vi] = n->name;
        }
        vdepth[vi] = depth;
        if (intro_depth(v, f, vnames, vdepth, nv, depth, level + 1)) {
            v->exceeded_depth[slot] = depth;
            return true;
        }
        v->checked_depth[slot] = depth;
        return false;
    }
    if (n->kind == GN_FIELD &&
        (!strcmp(n->name, "fields") || !strcmp(n->name, "interfaces") ||
         !strcmp(n->name, "possibleTypes") || !strcmp(n->name, "inputFields"))) {
        if (++depth >= MAX_LISTS_DEPTH) return true;
    }
    for (uint32_t i = 0; i < n->sel.n; i++)
        if (intro_depth(v, n->sel.v[i], vnames, vdepth, nv, depth, level + 1)) return true;
    return false;
}

static void rule_max_introspection_depth(V *v, const gq_node *field) {
    if (v->intro_skip) return;
    if (strcmp(field->name, "__schema") && strcmp(field->name, "__type")) return;
    const char *vnames[128];
    int vdepth[128];
    uint32_t nv = 0;
    if (intro_depth(v, field, vnames, vdepth, &nv, 0, 0)) {
        loc(v, report(v, "Maximum introspection depth exceeded"), field);
        v->intro_skip = field;
    }
}

/* ---- the main visitor ------------------------------------------------------------------- */

static void main_enter(walker *w, const gq_node *n, const gq_node *parent) {
    V *v = w->v;
    if (!n) { /* a selection set of parent */
        rule_overlapping(v, parent);
        return;
    }
    gq_error *e;
    switch (n->kind) {
    case GN_OPERATION:
        /* UniqueOperationNames */
        if (n->name) {
            const gq_node *prev = NULL;
            for (uint32_t i = 0; i < v->doc->sel.n; i++) {
                const gq_node *d = v->doc->sel.v[i];
                if (d == n) break;
                if (d->kind == GN_OPERATION && d->name && !strcmp(d->name, n->name)) {
                    prev = d;
                    break;
                }
            }
            if (prev) {
                e = report(
                    v, gq_printf(v->a, "There can be only one operation named \"%s\".", n->name));
                loc_at(v, e, prev->nline, prev->ncol);
                loc_at(v, e, n->nline, n->ncol);
            }
        }
        /* LoneAnonymousOperation */
        if (!n->name && v->op_count > 1) {
            e = report(v, "This anonymous operation must be the only defined operation.");
            loc(v, e, n);
        }
        subscription_rule(v, n);
        /* UniqueVariableNames */
        for (uint32_t i = 0; i < n->args.n; i++) {
            bool first = true;
            uint32_t cnt = 0;
            for (uint32_t j = 0; j < n->args.n; j++)
                if (!strcmp(n->args.v[j]->name, n->args.v[i]->name)) {
                    if (j < i) first = false;
                    cnt++;
                }
            if (!first || cnt < 2) continue;
            e = report(v, gq_printf(v->a, "There can be only one variable named \"$%s\".",
                                    n->args.v[i]->name));
            for (uint32_t j = 0; j < n->args.n; j++)
                if (!strcmp(n->args.v[j]->name, n->args.v[i]->name))
                    loc_at(v, e, n->args.v[j]->nline, n->args.v[j]->ncol);
        }
        rule_unique_directives(v, &n->dirs);
        break;
    case GN_FRAGMENT_DEF: {
        /* UniqueFragmentNames */
        for (uint32_t i = 0; i < v->doc->sel.n; i++) {
            const gq_node *d = v->doc->sel.v[i];
            if (d == n) break;
            if (d->kind == GN_FRAGMENT_DEF && !strcmp(d->name, n->name)) {
                e = report(
                    v, gq_printf(v->a, "There can be only one fragment named \"%s\".", n->name));
                loc_at(v, e, d->nline, d->ncol);
                loc_at(v, e, n->nline, n->ncol);
                break;
            }
        }
        /* FragmentsOnCompositeTypes */
        const gq_type *t = gq_schema_type(v->s, n->type->name);
        if (t && !gq_is_composite(t)) {
            e = report(v, gq_printf(v->a,
                                    "Fragment \"%s\" cannot condition on non composite type "
                                    "\"%s\".",
                                    n->name, n->type->name));
            loc(v, e, n->type);
        }
        /* NoFragmentCycles */
        {
            nvec path = {0};
            const char *names[256];
            int index[256];
            uint32_t nn = 0;
            detect_cycles(v, n, &path, names, index, &nn);
            free(path.v);
        }
        rule_unique_directives(v, &n->dirs);
        break;
    }
    case GN_INLINE: {
        if (n->type) {
            const gq_type *t = gq_schema_type(v->s, n->type->name);
            if (t && !gq_is_composite(t)) {
                e = report(v, gq_printf(v->a,
                                        "Fragment cannot condition on non composite type \"%s\".",
                                        n->type->name));
                loc(v, e, n->type);
            }
        }
        /* PossibleFragmentSpreads */
        const gq_type *ft = gq_named(TOP(v->type, v->ntype));
        const gq_type *pt = v->nparent ? v->parent[v->nparent - 1] : NULL;
        if (gq_is_composite(ft) && gq_is_composite(pt) && !gq_types_overlap(v->s, ft, pt)) {
            e = report(v, gq_printf(v->a,
                                    "Fragment cannot be spread here as objects of type \"%s\" can "
                                    "never be of type \"%s\".",
                                    pt->name, ft->name));
            loc(v, e, n);
        }
        rule_unique_directives(v, &n->dirs);
        break;
    }
    case GN_SPREAD: {
        const gq_node *f = fragment(v, n->name);
        if (!f) {
            e = report(v, gq_printf(v->a, "Unknown fragment \"%s\".", n->name));
            loc_at(v, e, n->nline, n->ncol);
        }
        const gq_type *ft = f ? fragment_type(v, f->type) : NULL;
        const gq_type *pt = TOP(v->parent, v->nparent);
        if (ft && gq_is_composite(pt) && !gq_types_overlap(v->s, ft, pt)) {
            e = report(v, gq_printf(v->a,
                                    "Fragment \"%s\" cannot be spread here as objects of type "
                                    "\"%s\" can never be of type \"%s\".",
                                    n->name, pt->name, ft->name));
            loc(v, e, n);
        }
        rule_unique_directives(v, &n->dirs);
        break;
    }
    case GN_FIELD: {
        const gq_tref *t = TOP(v->type, v->ntype);
        /* ScalarLeafs */
        if (t) {
            const gq_type *nt = gq_named(t);
            if (gq_is_leaf(nt)) {
                if (n->has_sel) {
                    e = report(v, gq_printf(v->a,
                                            "Field \"%s\" must not have a selection since type "
                                            "\"%s\" has no subfields.",
                                            n->name, gq_tref_str(v->a, t)));
                    loc_at(v, e, n->sline, n->scol);
                }
            } else if (!n->has_sel) {
                e = report(v, gq_printf(v->a,
                                        "Field \"%s\" of type \"%s\" must have a selection of "
                                        "subfields. Did you mean \"%s { ... }\"?",
                                        n->name, gq_tref_str(v->a, t), n->name));
                loc(v, e, n);
            }
        }
        /* FieldsOnCorrectType */
        const gq_type *pt = v->nparent ? v->parent[v->nparent - 1] : NULL;
        if (pt && !TOP(v->fdef, v->nfdef)) {
            e = report(v, gq_printf(v->a, "Cannot query field \"%s\" on type \"%s\".%s", n->name,
                                    pt->name, field_suggestion(v, pt, n->name)));
            loc(v, e, n);
        }
        rule_unique_directives(v, &n->dirs);
        rule_unique_args(v, &n->args);
        rule_max_introspection_depth(v, n);
        break;
    }
    case GN_VARDEF: {
        const gq_tref *t = gq_tref_from_ast(v->s, v->a, n->type);
        if (t && !gq_is_input_type(t)) {
            e = report(v, gq_printf(v->a, "Variable \"$%s\" cannot be non-input type \"%s\".",
                                    n->name, ast_type_str(v->a, n->type)));
            loc(v, e, n->type);
        }
        rule_unique_directives(v, &n->dirs);
        break;
    }
    case GN_NAMED_TYPE:
        rule_known_type(v, n);
        break;
    case GN_DIRECTIVE: {
        /* KnownDirectives */
        const gq_directive *d = v->directive;
        if (!d) {
            e = report(v, gq_printf(v->a, "Unknown directive \"@%s\".", n->name));
            loc(v, e, n);
        } else {
            int l = dir_location(parent);
            if (l >= 0 && !(d->locations & (1u << l))) {
                e = report(v, gq_printf(v->a, "Directive \"@%s\" may not be used on %s.", n->name,
                                        gq_dirloc_names[l]));
                loc(v, e, n);
            }
            /* KnownArgumentNames on directives */
            for (uint32_t i = 0; i < n->args.n; i++) {
                if (gq_find_arg(d->args, d->nargs, n->args.v[i]->name)) continue;
                const char **names = malloc((d->nargs + 1) * sizeof *names);
                if (!names) continue;
                for (uint32_t j = 0; j < d->nargs; j++) names[j] = d->args[j].name;
                char *dym = gq_did_you_mean(v->a, n->args.v[i]->name, names, d->nargs, NULL);
                free(names);
                e = report(v, gq_printf(v->a, "Unknown argument \"%s\" on directive \"@%s\".%s",
                                        n->args.v[i]->name, n->name, dym));
                loc(v, e, n->args.v[i]);
            }
        }
        rule_unique_args(v, &n->args);
        break;
    }
    case GN_ARGUMENT: {
        /* KnownArgumentNames on fields */
        const gq_field *fd = TOP(v->fdef, v->nfdef);
        const gq_type *pt = TOP(v->parent, v->nparent);
        if (!v->argument && !v->directive && fd && pt) {
            const char **names = malloc((fd->nargs + 1) * sizeof *names);
            if (names) {
                for (uint32_t j = 0; j < fd->nargs; j++) names[j] = fd->args[j].name;
                char *dym = gq_did_you_mean(v->a, n->name, names, fd->nargs, NULL);
                free(names);
                e = report(v, gq_printf(v->a, "Unknown argument \"%s\" on field \"%s.%s\".%s",
                                        n->name, pt->name, fd->name, dym));
                loc(v, e, n);
            }
        }
        break;
    }
    case GN_OBJECT:
        voct_enter(v, n);
        if (v->nifn < 64) v->ifn_stack[v->nifn++] = NULL;
        break;
    case GN_OBJECT_FIELD: {
        voct_enter(v, n);
        /* UniqueInputFieldNames: compare with earlier fields of the same object */
        const gq_node *obj = parent;
        for (uint32_t i = 0; obj && i < obj->sel.n; i++) {
            const gq_node *f = obj->sel.v[i];
            if (f == n) break;
            if (!strcmp(f->name, n->name)) {
                e = report(
                    v, gq_printf(v->a, "There can be only one input field named \"%s\".", n->name));
                loc(v, e, f);
                loc(v, e, n);
                break;
            }
        }
        break;
    }
    case GN_LIST:
    case GN_NULL:
    case GN_ENUM:
    case GN_INT:
    case GN_FLOAT:
    case GN_STRING:
    case GN_BOOLEAN:
    case GN_VARIABLE:
        voct_enter(v, n);
        break;
    default:
        break;
    }
}

/* ProvidedRequiredArguments: each required argument of args[0..na) that
 * node n (a field or directive) does not give. what/sigil/name: how the
 * message names the owner ("Field" "" "f", "Directive" "@" "d"). */
static void required_args(V *v, const gq_node *n, const gq_ivdef *args, uint32_t na,
                          const char *what, const char *sigil, const char *name) {
    for (uint32_t i = 0; i < na; i++) {
        const gq_ivdef *d = &args[i];
        bool have = false;
        for (uint32_t j = 0; j < n->args.n && !have; j++)
            have = !strcmp(n->args.v[j]->name, d->name);
        if (have || !is_required_arg(d)) continue;
        gq_error *e = report(v, gq_printf(v->a,
                                          "%s \"%s%s\" argument \"%s\" of type \"%s\" is "
                                          "required, but it was not provided.",
                                          what, sigil, name, d->name, gq_tref_str(v->a, d->type)));
        loc(v, e, n);
    }
}

static void main_leave(walker *w, const gq_node *n, const gq_node *parent) {
    V *v = w->v;
    (void)parent;
    switch (n->kind) {
    case GN_OPERATION:
        op_leave(v, n);
        break;
    case GN_FIELD: {
        if (v->intro_skip == n) v->intro_skip = NULL;
        /* ProvidedRequiredArguments */
        const gq_field *fd = TOP(v->fdef, v->nfdef);
        if (fd) required_args(v, n, fd->args, fd->nargs, "Field", "", fd->name);
        break;
    }
    case GN_DIRECTIVE: {
        const gq_directive *d = v->directive;
        if (d) required_args(v, n, d->args, d->nargs, "Directive", "@", d->name);
        break;
    }
    case GN_OBJECT:
        if (v->nifn) v->nifn--;
        voct_leave(v);
        break;
    case GN_LIST:
    case GN_NULL:
    case GN_ENUM:
    case GN_INT:
    case GN_FLOAT:
    case GN_STRING:
    case GN_BOOLEAN:
    case GN_VARIABLE:
    case GN_OBJECT_FIELD:
        voct_leave(v);
        break;
    default:
        break;
    }
}

static const char *def_word(int kind) {
    switch (kind) {
    case GN_SCHEMA_DEF:
    case GN_SCHEMA_EXT:
        return "schema";
    default:
        return NULL;
    }
}

void gq_validate(const cx_gql_schema *s, cx_arena *a, const gq_node *doc, const cx_gql_limits *lim,
                 gq_errors *errs) {
    V *v = calloc(1, sizeof *v);
    if (!v) {
        gq_err_add(errs, "out of memory");
        return;
    }
    v->s = s;
    v->a = a;
    v->errs = errs;
    v->doc = doc;
    v->max_errors = lim && lim->max_errors ? lim->max_errors : CX_GQL_DEFAULT_MAX_ERRORS;
    v->overlap_budget = 200000;
    /* ExecutableDefinitions (Document enter) */
    for (uint32_t i = 0; i < doc->sel.n; i++) {
        const gq_node *d = doc->sel.v[i];
        if (d->kind == GN_OPERATION) v->op_count++;
        if (d->kind == GN_OPERATION || d->kind == GN_FRAGMENT_DEF) continue;
        const char *w = def_word(d->kind);
        gq_error *e = report(v, w ? gq_printf(a, "The %s definition is not executable.", w)
                                  : gq_printf(a, "The \"%s\" definition is not executable.",
                                              d->name ? d->name : ""));
        loc(v, e, d);
    }
    walker w = {.v = v, .enter = main_enter, .leave = main_leave};
    for (uint32_t i = 0; i < doc->sel.n && !stop(v); i++) {
        const gq_node *d = doc->sel.v[i];
        if (d->kind == GN_OPERATION || d->kind == GN_FRAGMENT_DEF) walk(&w, d, doc);
    }
    /* NoUnusedFragments (Document leave) */
    if (!stop(v)) {
        nvec used = {0};
        for (uint32_t i = 0; i < doc->sel.n; i++)
            if (doc->sel.v[i]->kind == GN_OPERATION) referenced_fragments(v, doc->sel.v[i], &used);
        for (uint32_t i = 0; i < doc->sel.n && !stop(v); i++) {
            const gq_node *d = doc->sel.v[i];
            if (d->kind != GN_FRAGMENT_DEF) continue;
            bool u = false;
            for (uint32_t j = 0; j < used.n && !u; j++) u = !strcmp(used.v[j]->name, d->name);
            if (u) continue;
            gq_error *e = report(v, gq_printf(a, "Fragment \"%s\" is never used.", d->name));
            loc(v, e, d);
        }
        free(used.v);
    }
    free(v->visited_frags);
    free(v);
}
