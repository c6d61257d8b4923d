/* Schema: built from SDL (the user's text plus the built-in SDL of the
 * specified scalars, directives and introspection types), in graphql-js's
 * type order so introspection lists types exactly as graphql-js does. */
#include "gql_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gq_dirloc_names[GL_COUNT] = {"QUERY",
                                               "MUTATION",
                                               "SUBSCRIPTION",
                                               "FIELD",
                                               "FRAGMENT_DEFINITION",
                                               "FRAGMENT_SPREAD",
                                               "INLINE_FRAGMENT",
                                               "VARIABLE_DEFINITION",
                                               "SCHEMA",
                                               "SCALAR",
                                               "OBJECT",
                                               "FIELD_DEFINITION",
                                               "ARGUMENT_DEFINITION",
                                               "INTERFACE",
                                               "UNION",
                                               "ENUM",
                                               "ENUM_VALUE",
                                               "INPUT_OBJECT",
                                               "INPUT_FIELD_DEFINITION",
                                               "DIRECTIVE_DEFINITION"};

int gq_dirloc_from_name(const char *name) {
    for (int i = 0; i < GL_COUNT; i++)
        if (!strcmp(gq_dirloc_names[i], name)) return i;
    return -1;
}

void cx_gql_limits_defaults(cx_gql_limits *l) {
    memset(l, 0, sizeof *l);
    l->max_document_size = CX_GQL_DEFAULT_MAX_DOCUMENT_SIZE;
    l->max_tokens = CX_GQL_DEFAULT_MAX_TOKENS;
    l->max_parse_depth = CX_GQL_DEFAULT_MAX_PARSE_DEPTH;
    l->max_errors = CX_GQL_DEFAULT_MAX_ERRORS;
    l->max_batch_rounds = CX_GQL_DEFAULT_MAX_BATCH_ROUNDS;
}

char *gq_printf(cx_arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = cx_arena_alloc(a, (size_t)n + 1);
    if (!s) return NULL;
    if ((size_t)n < sizeof small) {
        memcpy(s, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- lookups ---------------------------------------------------------------- */

gq_type *gq_schema_type(const cx_gql_schema *s, const char *name) {
    if (!name) return NULL;
    for (uint32_t i = 0; i < s->ntypes; i++)
        if (!strcmp(s->types[i]->name, name)) return s->types[i];
    return NULL;
}

gq_directive *gq_schema_directive(const cx_gql_schema *s, const char *name) {
    for (uint32_t i = 0; i < s->ndirs; i++)
        if (!strcmp(s->dirs[i]->name, name)) return s->dirs[i];
    return NULL;
}

gq_field *gq_type_field(const gq_type *t, const char *name) {
    if (!t || (t->ref.kind != GK_OBJECT && t->ref.kind != GK_INTERFACE)) return NULL;
    for (uint32_t i = 0; i < t->nfields; i++)
        if (!strcmp(t->fields[i].name, name)) return &t->fields[i];
    return NULL;
}

gq_ivdef *gq_find_arg(gq_ivdef *args, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(args[i].name, name)) return &args[i];
    return NULL;
}

gq_type *gq_named(const gq_tref *t) {
    while (t && (t->kind == GK_LIST || t->kind == GK_NON_NULL)) t = t->of;
    return (gq_type *)t;
}

bool gq_is_leaf(const gq_type *t) {
    return t && (t->ref.kind == GK_SCALAR || t->ref.kind == GK_ENUM);
}
bool gq_is_composite(const gq_type *t) {
    return t &&
           (t->ref.kind == GK_OBJECT || t->ref.kind == GK_INTERFACE || t->ref.kind == GK_UNION);
}
bool gq_is_abstract(const gq_type *t) {
    return t && (t->ref.kind == GK_INTERFACE || t->ref.kind == GK_UNION);
}
bool gq_is_input_type(const gq_tref *t) {
    gq_type *n = gq_named(t);
    return n && (gq_is_leaf(n) || n->ref.kind == GK_INPUT_OBJECT);
}
bool gq_is_output_type(const gq_tref *t) {
    gq_type *n = gq_named(t);
    return n && n->ref.kind != GK_INPUT_OBJECT;
}

bool gq_is_possible(const cx_gql_schema *s, const gq_type *abs, const gq_type *obj) {
    (void)s;
    if (!abs || !obj) return false;
    if (abs->ref.kind == GK_UNION) {
        for (uint32_t i = 0; i < abs->nmembers; i++)
            if (abs->members[i] == obj) return true;
        return false;
    }
    if (abs->ref.kind == GK_INTERFACE) {
        for (uint32_t i = 0; i < obj->nifaces; i++)
            if (obj->ifaces[i] == abs) return true;
    }
    return false;
}

/* isTypeSubTypeOf */
bool gq_is_subtype(const cx_gql_schema *s, const gq_tref *sub, const gq_tref *super) {
    if (sub == super) return true;
    if (super->kind == GK_NON_NULL) {
        if (sub->kind == GK_NON_NULL) return gq_is_subtype(s, sub->of, super->of);
        return false;
    }
    if (sub->kind == GK_NON_NULL) return gq_is_subtype(s, sub->of, super);
    if (super->kind == GK_LIST) {
        if (sub->kind == GK_LIST) return gq_is_subtype(s, sub->of, super->of);
        return false;
    }
    if (sub->kind == GK_LIST) return false;
    const gq_type *a = (const gq_type *)super, *b = (const gq_type *)sub;
    return gq_is_abstract(a) && (b->ref.kind == GK_INTERFACE || b->ref.kind == GK_OBJECT) &&
           gq_is_possible(s, a, b);
}

static void possible_list(const cx_gql_schema *s, const gq_type *t, gq_type *const **v, uint32_t *n,
                          gq_type **one) {
    (void)s;
    if (t->ref.kind == GK_OBJECT) {
        *one = (gq_type *)t;
        *v = one;
        *n = 1;
    } else {
        *v = t->members;
        *n = t->nmembers;
    }
}

bool gq_types_overlap(const cx_gql_schema *s, const gq_type *a, const gq_type *b) {
    if (a == b) return true;
    if (gq_is_abstract(a)) {
        if (gq_is_abstract(b)) {
            gq_type *const *v;
            uint32_t n;
            gq_type *one;
            possible_list(s, b, &v, &n, &one);
            for (uint32_t i = 0; i < n; i++)
                if (gq_is_possible(s, a, v[i])) return true;
            return false;
        }
        return gq_is_possible(s, a, b);
    }
    if (gq_is_abstract(b)) return gq_is_possible(s, b, a);
    return false;
}

char *gq_tref_str(cx_arena *a, const gq_tref *t) {
    if (t->kind == GK_LIST) return gq_printf(a, "[%s]", gq_tref_str(a, t->of));
    if (t->kind == GK_NON_NULL) return gq_printf(a, "%s!", gq_tref_str(a, t->of));
    return (char *)((const gq_type *)t)->name;
}

gq_tref *gq_tref_from_ast(const cx_gql_schema *s, cx_arena *a, const gq_node *n) {
    if (!n) return NULL;
    if (n->kind == GN_NAMED_TYPE) return (gq_tref *)gq_schema_type(s, n->name);
    gq_tref *inner = gq_tref_from_ast(s, a, n->type);
    if (!inner) return NULL;
    gq_tref *t = cx_arena_calloc(a, sizeof *t);
    if (!t) return NULL;
    t->kind = n->kind == GN_LIST_TYPE ? GK_LIST : GK_NON_NULL;
    t->of = inner;
    return t;
}

/* ---- building --------------------------------------------------------------- */

typedef struct B {
    cx_gql_schema *s;
    cx_arena *a;
    cx_buf *errors;
    int nerr;
    int nsoft;      /* of nerr: problems graphql-js finds in validateSchema, which
                       does not stop the other validateSchema checks */
    gq_type **defs; /* all types by definition order: builtins first */
    uint32_t ndefs;
    gq_node **tnodes;
} B;

static void berr(B *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void berr(B *b, const char *fmt, ...) {
    b->nerr++;
    if (!b->errors) return;
    va_list ap;
    va_start(ap, fmt);
    cx_buf_vprintf(b->errors, fmt, ap);
    va_end(ap);
    cx_buf_putc(b->errors, '\n');
}

/* A validateSchema problem found while building: reported like berr, but
 * the remaining validateSchema checks still run. */
#define bsoft(b, ...) (berr(b, __VA_ARGS__), (b)->nsoft++)

static gq_type *find_def(B *b, const char *name) {
    for (uint32_t i = 0; i < b->ndefs; i++)
        if (!strcmp(b->defs[i]->name, name)) return b->defs[i];
    return NULL;
}

static gq_tref *build_tref(B *b, const gq_node *n) {
    if (n->kind == GN_NAMED_TYPE) {
        gq_type *t = find_def(b, n->name);
        if (!t) berr(b, "Unknown type \"%s\".", n->name);
        return (gq_tref *)t;
    }
    gq_tref *inner = build_tref(b, n->type);
    if (!inner) return NULL;
    gq_tref *t = cx_arena_calloc(b->a, sizeof *t);
    if (!t) return NULL;
    t->kind = n->kind == GN_LIST_TYPE ? GK_LIST : GK_NON_NULL;
    t->of = inner;
    return t;
}

static const gq_node *find_dir(const gq_list *dirs, const char *name) {
    for (uint32_t i = 0; i < dirs->n; i++)
        if (!strcmp(dirs->v[i]->name, name)) return dirs->v[i];
    return NULL;
}

static const char *dir_string_arg(const gq_list *dirs, const char *dname, const char *arg,
                                  const char *dflt, bool *present) {
    const gq_node *d = find_dir(dirs, dname);
    *present = d != NULL;
    if (!d) return NULL;
    for (uint32_t i = 0; i < d->args.n; i++)
        if (!strcmp(d->args.v[i]->name, arg) && d->args.v[i]->val->kind == GN_STRING)
            return d->args.v[i]->val->value;
    return dflt;
}

static const char *deprecation(const gq_list *dirs) {
    bool p;
    return dir_string_arg(dirs, "deprecated", "reason", "No longer supported", &p);
}

/* Arguments (owner: "Type.field" or "@directive", for the uniqueness
 * message) or input fields (owner NULL: add_ifields checks those). */
static bool build_ivdefs(B *b, const gq_list *l, const char *owner, gq_ivdef **out, uint32_t *n) {
    *n = l->n;
    *out = l->n ? cx_arena_calloc(b->a, l->n * sizeof **out) : NULL;
    if (l->n && !*out) return false;
    for (uint32_t i = 0; i < l->n; i++) {
        gq_node *d = l->v[i];
        gq_ivdef *iv = &(*out)[i];
        iv->name = d->name;
        iv->desc = d->desc;
        iv->type = build_tref(b, d->type);
        iv->default_ast = d->val;
        iv->deprecation = deprecation(&d->dirs);
        iv->ast = d;
        for (uint32_t j = 0; j < i && owner; j++)
            if (!strcmp((*out)[j].name, d->name))
                berr(b, "Argument \"%s(%s:)\" can only be defined once.", owner, d->name);
    }
    return true;
}

/* Append the fields of node n (definition or extension) to t. */
static bool add_fields(B *b, gq_type *t, const gq_node *n) {
    if (!n->sel.n) return true;
    uint32_t total = t->nfields + n->sel.n;
    gq_field *f = cx_arena_calloc(b->a, total * sizeof *f);
    if (!f) return false;
    if (t->nfields) memcpy(f, t->fields, t->nfields * sizeof *f);
    for (uint32_t i = 0; i < n->sel.n; i++) {
        gq_node *d = n->sel.v[i];
        gq_field *x = &f[t->nfields + i];
        for (uint32_t j = 0; j < t->nfields + i; j++)
            if (!strcmp(f[j].name, d->name))
                berr(b, "Field \"%s.%s\" can only be defined once.", t->name, d->name);
        x->name = d->name;
        x->desc = d->desc;
        x->type = build_tref(b, d->type);
        x->deprecation = deprecation(&d->dirs);
        x->owner = t;
        if (x->type && !gq_is_output_type(x->type))
            bsoft(b, "The type of %s.%s must be Output Type but got: %s.", t->name, d->name,
                  gq_tref_str(b->a, x->type));
        if (!build_ivdefs(b, &d->args, gq_printf(b->a, "%s.%s", t->name, d->name), &x->args,
                          &x->nargs))
            return false;
    }
    t->fields = f;
    t->nfields = total;
    return true;
}

static bool add_list(B *b, gq_type ***arr, uint32_t *n, const gq_list *names, int want,
                     const gq_type *owner) {
    if (!names->n) return true;
    gq_type **v = cx_arena_calloc(b->a, (*n + names->n) * sizeof *v);
    if (!v) return false;
    if (*n) memcpy(v, *arr, *n * sizeof *v);
    for (uint32_t i = 0; i < names->n; i++) {
        gq_type *t = find_def(b, names->v[i]->name);
        if (!t) {
            berr(b, "Unknown type \"%s\".", names->v[i]->name);
            continue;
        }
        bool un = want == GK_OBJECT;
        if (t->ref.kind != want) {
            if (un)
                bsoft(b, "Union type %s can only include Object types, it cannot include %s.",
                      owner->name, t->name);
            else
                bsoft(b, "Type %s must only implement Interface types, it cannot implement %s.",
                      owner->name, t->name);
            continue;
        }
        bool dup = false;
        for (uint32_t j = 0; j < *n; j++) dup |= v[j] == t;
        if (dup) {
            if (un)
                bsoft(b, "Union type %s can only include type %s once.", owner->name, t->name);
            else
                bsoft(b, "Type %s can only implement %s once.", owner->name, t->name);
            continue;
        }
        v[(*n)++] = t;
    }
    *arr = v;
    return true;
}

static bool add_values(B *b, gq_type *t, const gq_node *n) {
    if (!n->sel.n) return true;
    gq_enumval *v = cx_arena_calloc(b->a, (t->nvalues + n->sel.n) * sizeof *v);
    if (!v) return false;
    if (t->nvalues) memcpy(v, t->values, t->nvalues * sizeof *v);
    for (uint32_t i = 0; i < n->sel.n; i++) {
        gq_node *d = n->sel.v[i];
        gq_enumval *x = &v[t->nvalues + i];
        for (uint32_t j = 0; j < t->nvalues + i; j++)
            if (!strcmp(v[j].name, d->name))
                berr(b, "Enum value \"%s.%s\" can only be defined once.", t->name, d->name);
        x->name = d->name;
        x->desc = d->desc;
        x->deprecation = deprecation(&d->dirs);
    }
    t->values = v;
    t->nvalues += n->sel.n;
    return true;
}

static bool add_ifields(B *b, gq_type *t, const gq_node *n) {
    if (!n->sel.n) return true;
    gq_ivdef *extra;
    uint32_t ne;
    if (!build_ivdefs(b, &n->sel, NULL, &extra, &ne)) return false;
    for (uint32_t i = 0; i < ne; i++)
        for (uint32_t j = 0; j < t->nifields + i; j++)
            if (!strcmp(j < t->nifields ? t->ifields[j].name : extra[j - t->nifields].name,
                        extra[i].name))
                berr(b, "Field \"%s.%s\" can only be defined once.", t->name, extra[i].name);
    gq_ivdef *v = cx_arena_calloc(b->a, (t->nifields + ne) * sizeof *v);
    if (!v) return false;
    if (t->nifields) memcpy(v, t->ifields, t->nifields * sizeof *v);
    memcpy(v + t->nifields, extra, ne * sizeof *v);
    t->ifields = v;
    t->nifields += ne;
    return true;
}

static bool fill_type(B *b, gq_type *t, const gq_node *n) {
    bool p;
    const char *url = dir_string_arg(&n->dirs, "specifiedBy", "url", NULL, &p);
    if (url) t->specified_by = url;
    if (find_dir(&n->dirs, "oneOf")) t->one_of = true;
    switch (t->ref.kind) {
    case GK_OBJECT:
    case GK_INTERFACE:
        return add_list(b, &t->ifaces, &t->nifaces, &n->ifaces, GK_INTERFACE, t) &&
               add_fields(b, t, n);
    case GK_UNION:
        return add_list(b, &t->members, &t->nmembers, &n->ifaces, GK_OBJECT, t);
    case GK_ENUM:
        return add_values(b, t, n);
    case GK_INPUT_OBJECT:
        return add_ifields(b, t, n);
    default:
        return true;
    }
}

static int def_kind(int nk) {
    switch (nk) {
    case GN_SCALAR_DEF:
    case GN_SCALAR_EXT:
        return GK_SCALAR;
    case GN_OBJECT_DEF:
    case GN_OBJECT_EXT:
        return GK_OBJECT;
    case GN_INTERFACE_DEF:
    case GN_INTERFACE_EXT:
        return GK_INTERFACE;
    case GN_UNION_DEF:
    case GN_UNION_EXT:
        return GK_UNION;
    case GN_ENUM_DEF:
    case GN_ENUM_EXT:
        return GK_ENUM;
    case GN_INPUT_DEF:
    case GN_INPUT_EXT:
        return GK_INPUT_OBJECT;
    default:
        return -1;
    }
}

static bool is_ext(int nk) {
    return nk >= GN_SCHEMA_EXT;
}

static const char *kind_word(int k) {
    static const char *const w[] = {"scalar", "object", "interface",
                                    "union",  "enum",   "input object"};
    return k >= 0 && k < 6 ? w[k] : "?";
}

/* collectReferencedTypes into the ordered set (ord, *n). */
static void collect(cx_gql_schema *s, gq_type **ord, uint32_t *n, const gq_tref *r) {
    gq_type *t = gq_named(r);
    if (!t) return;
    for (uint32_t i = 0; i < *n; i++)
        if (ord[i] == t) return;
    ord[(*n)++] = t;
    if (t->ref.kind == GK_UNION)
        for (uint32_t i = 0; i < t->nmembers; i++) collect(s, ord, n, &t->members[i]->ref);
    if (t->ref.kind == GK_OBJECT || t->ref.kind == GK_INTERFACE) {
        for (uint32_t i = 0; i < t->nifaces; i++) collect(s, ord, n, &t->ifaces[i]->ref);
        for (uint32_t i = 0; i < t->nfields; i++) {
            collect(s, ord, n, t->fields[i].type);
            for (uint32_t j = 0; j < t->fields[i].nargs; j++)
                collect(s, ord, n, t->fields[i].args[j].type);
        }
    }
    if (t->ref.kind == GK_INPUT_OBJECT)
        for (uint32_t i = 0; i < t->nifields; i++) collect(s, ord, n, t->ifields[i].type);
}

static gq_directive *build_directive(B *b, const gq_node *d) {
    gq_directive *x = cx_arena_calloc(b->a, sizeof *x);
    if (!x) return NULL;
    x->name = d->name;
    x->desc = d->desc;
    x->repeatable = d->flags & 1;
    if (!build_ivdefs(b, &d->args, gq_printf(b->a, "@%s", d->name), &x->args, &x->nargs))
        return NULL;
    x->locnames = d->sel.n ? cx_arena_alloc(b->a, d->sel.n * sizeof *x->locnames) : NULL;
    for (uint32_t i = 0; i < d->sel.n; i++) {
        int l = gq_dirloc_from_name(d->sel.v[i]->name);
        if (l >= 0) x->locations |= 1u << l;
        x->locnames[i] = d->sel.v[i]->name;
    }
    x->nlocnames = d->sel.n;
    return x;
}

/* ---- validateSchema (graphql-js 16's type/validate.js rules) --------------------------- */

static void check_name(B *b, const char *name) {
    if (name[0] == '_' && name[1] == '_')
        berr(b,
             "Name \"%s\" must not begin with \"__\", which is reserved by GraphQL "
             "introspection.",
             name);
}

static bool is_required(const gq_ivdef *d) {
    return gq_is_nonnull(d->type) && !d->default_ast;
}

/* isEqualType: the same wrappers around the same named type. */
static bool type_equal(const gq_tref *x, const gq_tref *y) {
    if (x == y) return true;
    if ((x->kind == GK_NON_NULL && y->kind == GK_NON_NULL) ||
        (x->kind == GK_LIST && y->kind == GK_LIST))
        return type_equal(x->of, y->of);
    return false;
}

static void check_root(B *b, const gq_type *t, const char *what) {
    if (t && t->ref.kind != GK_OBJECT)
        berr(b, "%s root type must be Object type if provided, it cannot be %s.", what, t->name);
}

static void check_args(B *b, const char *owner, const gq_ivdef *args, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const gq_ivdef *d = &args[i];
        check_name(b, d->name);
        if (d->type && !gq_is_input_type(d->type))
            berr(b, "The type of %s(%s:) must be Input Type but got: %s.", owner, d->name,
                 gq_tref_str(b->a, d->type));
        if (d->type && is_required(d) && d->deprecation)
            berr(b, "Required argument %s(%s:) cannot be deprecated.", owner, d->name);
    }
}

static void check_fields(B *b, const gq_type *t) {
    if (!t->nfields) berr(b, "Type %s must define one or more fields.", t->name);
    for (uint32_t i = 0; i < t->nfields; i++) {
        const gq_field *f = &t->fields[i];
        check_name(b, f->name);
        check_args(b, gq_printf(b->a, "%s.%s", t->name, f->name), f->args, f->nargs);
    }
}

static void check_implements(B *b, gq_type *t, const gq_type *it) {
    const cx_gql_schema *s = b->s;
    for (uint32_t j = 0; j < it->nifaces; j++) {
        bool has = false;
        for (uint32_t m = 0; m < t->nifaces; m++) has |= t->ifaces[m] == it->ifaces[j];
        if (has) continue;
        if (it->ifaces[j] == t)
            berr(b, "Type %s cannot implement %s because it would create a circular reference.",
                 t->name, it->name);
        else
            berr(b, "Type %s must implement %s because it is implemented by %s.", t->name,
                 it->ifaces[j]->name, it->name);
    }
    for (uint32_t j = 0; j < it->nfields; j++) {
        const gq_field *f = &it->fields[j];
        const gq_field *of = gq_type_field(t, f->name);
        if (!of) {
            berr(b, "Interface field %s.%s expected but %s does not provide it.", it->name, f->name,
                 t->name);
            continue;
        }
        if (of->type && f->type && !gq_is_subtype(s, of->type, f->type))
            berr(b, "Interface field %s.%s expects type %s but %s.%s is type %s.", it->name,
                 f->name, gq_tref_str(b->a, f->type), t->name, f->name,
                 gq_tref_str(b->a, of->type));
        for (uint32_t m = 0; m < f->nargs; m++) {
            const gq_ivdef *ia = &f->args[m];
            const gq_ivdef *oa = gq_find_arg(of->args, of->nargs, ia->name);
            if (!oa)
                berr(b,
                     "Interface field argument %s.%s(%s:) expected but %s.%s does not "
                     "provide it.",
                     it->name, f->name, ia->name, t->name, f->name);
            else if (ia->type && oa->type && !type_equal(ia->type, oa->type))
                berr(b,
                     "Interface field argument %s.%s(%s:) expects type %s but %s.%s(%s:) is "
                     "type %s.",
                     it->name, f->name, ia->name, gq_tref_str(b->a, ia->type), t->name, f->name,
                     ia->name, gq_tref_str(b->a, oa->type));
        }
        for (uint32_t m = 0; m < of->nargs; m++)
            if (!gq_find_arg(f->args, f->nargs, of->args[m].name) && of->args[m].type &&
                is_required(&of->args[m]))
                berr(b,
                     "Object field %s.%s includes required argument %s that is missing "
                     "from the Interface field %s.%s.",
                     t->name, f->name, of->args[m].name, it->name, f->name);
    }
}

static void check_interfaces(B *b, gq_type *t) {
    for (uint32_t k = 0; k < t->nifaces; k++) {
        gq_type *it = t->ifaces[k];
        if (it == t) {
            berr(b,
                 "Type %s cannot implement itself because it would create a circular "
                 "reference.",
                 t->name);
            continue;
        }
        check_implements(b, t, it);
    }
}

static void check_input_fields(B *b, const gq_type *t) {
    if (!t->nifields) berr(b, "Input Object type %s must define one or more fields.", t->name);
    for (uint32_t j = 0; j < t->nifields; j++) {
        const gq_ivdef *d = &t->ifields[j];
        check_name(b, d->name);
        if (d->type && !gq_is_input_type(d->type))
            berr(b, "The type of %s.%s must be Input Type but got: %s.", t->name, d->name,
                 gq_tref_str(b->a, d->type));
        if (d->type && is_required(d) && d->deprecation)
            berr(b, "Required input field %s.%s cannot be deprecated.", t->name, d->name);
        if (t->one_of && gq_is_nonnull(d->type))
            berr(b, "OneOf input field %s.%s must be nullable.", t->name, d->name);
        if (t->one_of && d->default_ast)
            berr(b, "OneOf input field %s.%s cannot have a default value.", t->name, d->name);
    }
}

/* Input objects that cannot be given a finite value: a cycle of non-null
 * input-object fields. A depth-first search like graphql-js's (each type
 * entered once; every cycle reported once, named by its field path). */
typedef struct cycle_walk {
    const gq_ivdef **path;
    uint32_t n, cap;
} cycle_walk;

static void find_cycles(B *b, cycle_walk *w, gq_type *t) {
    if (t->cycle_seen) return;
    t->cycle_seen = true;
    t->cycle_at = (int32_t)w->n;
    for (uint32_t i = 0; i < t->nifields; i++) {
        const gq_ivdef *d = &t->ifields[i];
        if (!d->type || d->type->kind != GK_NON_NULL || d->type->of->kind != GK_INPUT_OBJECT)
            continue;
        gq_type *ft = (gq_type *)d->type->of;
        if (w->n == w->cap) {
            uint32_t c = w->cap ? w->cap * 2 : 16;
            const gq_ivdef **v = cx_arena_alloc(b->a, c * sizeof *v);
            if (!v) return;
            if (w->n) memcpy(v, w->path, w->n * sizeof *v);
            w->path = v;
            w->cap = c;
        }
        w->path[w->n++] = d;
        if (ft->cycle_at < 0) {
            find_cycles(b, w, ft);
        } else {
            cx_buf p = {0};
            for (uint32_t k = (uint32_t)ft->cycle_at; k < w->n; k++)
                cx_buf_printf(&p, "%s%s", k > (uint32_t)ft->cycle_at ? "." : "", w->path[k]->name);
            berr(b,
                 "Cannot reference Input Object \"%s\" within itself through a series of "
                 "non-null fields: \"%.*s\".",
                 ft->name, (int)p.len, p.data ? p.data : "");
            cx_buf_free(&p);
        }
        w->n--;
    }
    t->cycle_at = -1;
}

static void validate_schema(B *b) {
    cx_gql_schema *s = b->s;
    /* root types (the query root's kind is checked while building) */
    if (!s->query) berr(b, "Query root type must be provided.");
    check_root(b, s->mutation, "Mutation");
    check_root(b, s->subscription, "Subscription");
    /* directives */
    for (uint32_t i = 0; i < s->ndirs; i++) {
        const gq_directive *d = s->dirs[i];
        check_name(b, d->name);
        check_args(b, gq_printf(b->a, "@%s", d->name), d->args, d->nargs);
    }
    /* types */
    for (uint32_t i = 0; i < s->ntypes; i++) s->types[i]->cycle_at = -1;
    cycle_walk w = {0};
    for (uint32_t i = 0; i < s->ntypes; i++) {
        gq_type *t = s->types[i];
        if (t->builtin) continue;
        switch (t->ref.kind) {
        case GK_OBJECT:
        case GK_INTERFACE:
            check_fields(b, t);
            check_interfaces(b, t);
            break;
        case GK_UNION:
            if (!t->nmembers)
                berr(b, "Union type %s must define one or more member types.", t->name);
            break;
        case GK_ENUM:
            if (!t->nvalues) berr(b, "Enum type %s must define one or more values.", t->name);
            for (uint32_t j = 0; j < t->nvalues; j++) check_name(b, t->values[j].name);
            break;
        case GK_INPUT_OBJECT:
            check_input_fields(b, t);
            find_cycles(b, &w, t);
            break;
        default:
            break;
        }
    }
}

static int build(B *b, gq_node *builtin, gq_node *user) {
    cx_gql_schema *s = b->s;
    size_t cap = builtin->sel.n + user->sel.n + 8;
    b->defs = cx_arena_calloc(b->a, cap * sizeof *b->defs);
    b->tnodes = cx_arena_calloc(b->a, cap * sizeof *b->tnodes);
    gq_directive **dirs = cx_arena_calloc(b->a, cap * sizeof *dirs);
    gq_type **user_types = cx_arena_calloc(b->a, cap * sizeof *user_types);
    uint32_t nuser = 0, ndirs = 0;
    if (!b->defs || !b->tnodes || !dirs || !user_types) return CX_ENOMEM;
    gq_node *docs[2] = {builtin, user};
    const gq_node *schema_def = NULL;
    /* pass 1: create named types */
    for (int d = 0; d < 2; d++) {
        for (uint32_t i = 0; i < docs[d]->sel.n; i++) {
            gq_node *n = docs[d]->sel.v[i];
            if (n->kind == GN_OPERATION || n->kind == GN_FRAGMENT_DEF) {
                berr(b, "%s",
                     n->kind == GN_OPERATION ? "An operation definition is not allowed in SDL."
                                             : "A fragment definition is not allowed in SDL.");
                continue;
            }
            int k = def_kind(n->kind);
            if (k < 0 || is_ext(n->kind)) continue;
            gq_type *ex = find_def(b, n->name);
            if (ex) {
                if (ex->builtin && d == 1 && k == GK_SCALAR && n->name[0] != '_') {
                    user_types[nuser++] = ex; /* graphql-js keeps its standard scalar */
                    continue;
                }
                berr(b, "There can be only one type named \"%s\".", n->name);
                continue;
            }
            gq_type *t = cx_arena_calloc(b->a, sizeof *t);
            if (!t) return CX_ENOMEM;
            t->ref.kind = (uint8_t)k;
            t->name = n->name;
            t->desc = n->desc;
            t->ast = n;
            t->builtin = d == 0;
            b->tnodes[b->ndefs] = n;
            b->defs[b->ndefs++] = t;
            if (d == 1) user_types[nuser++] = t;
            if (d == 1 && n->name[0] == '_' && n->name[1] == '_')
                bsoft(b,
                      "Name \"%s\" must not begin with \"__\", which is reserved by GraphQL "
                      "introspection.",
                      n->name);
        }
    }
    /* pass 2: fill definitions, then extensions in order */
    for (uint32_t i = 0; i < b->ndefs; i++) fill_type(b, b->defs[i], b->tnodes[i]);
    for (uint32_t i = 0; i < user->sel.n; i++) {
        gq_node *n = user->sel.v[i];
        if (n->kind == GN_SCHEMA_DEF) {
            if (schema_def) berr(b, "Must provide only one schema definition.");
            schema_def = n;
            s->desc = n->desc;
        }
        if (!is_ext(n->kind) || n->kind == GN_SCHEMA_EXT) continue;
        gq_type *t = find_def(b, n->name);
        if (!t) {
            berr(b, "Cannot extend type \"%s\" because it is not defined.", n->name);
            continue;
        }
        if (t->ref.kind != def_kind(n->kind)) {
            berr(b, "Cannot extend non-%s type \"%s\".", kind_word(def_kind(n->kind)), n->name);
            continue;
        }
        fill_type(b, t, n);
    }
    /* directives: user's, then the specified ones not redefined */
    for (uint32_t i = 0; i < user->sel.n; i++) {
        gq_node *n = user->sel.v[i];
        if (n->kind != GN_DIRECTIVE_DEF) continue;
        for (uint32_t j = 0; j < ndirs; j++)
            if (!strcmp(dirs[j]->name, n->name))
                berr(b, "There can be only one directive named \"@%s\".", n->name);
        gq_directive *x = build_directive(b, n);
        if (!x) return CX_ENOMEM;
        dirs[ndirs++] = x;
    }
    for (uint32_t i = 0; i < builtin->sel.n; i++) {
        gq_node *n = builtin->sel.v[i];
        if (n->kind != GN_DIRECTIVE_DEF) continue;
        bool have = false;
        for (uint32_t j = 0; j < ndirs; j++) have |= !strcmp(dirs[j]->name, n->name);
        if (have) continue;
        gq_directive *x = build_directive(b, n);
        if (!x) return CX_ENOMEM;
        dirs[ndirs++] = x;
    }
    s->dirs = dirs;
    s->ndirs = ndirs;
    /* root types */
    if (schema_def) {
        for (uint32_t i = 0; i < schema_def->sel.n; i++) {
            gq_node *o = schema_def->sel.v[i];
            gq_type *t = find_def(b, o->type->name);
            if (!t) {
                berr(b, "Unknown type \"%s\".", o->type->name);
                continue;
            }
            if (o->flags == GQ_QUERY) s->query = t;
            if (o->flags == GQ_MUTATION) s->mutation = t;
            if (o->flags == GQ_SUBSCRIPTION) s->subscription = t;
        }
    } else {
        for (uint32_t i = 0; i < nuser; i++) {
            if (!strcmp(user_types[i]->name, "Query")) s->query = user_types[i];
            if (!strcmp(user_types[i]->name, "Mutation")) s->mutation = user_types[i];
            if (!strcmp(user_types[i]->name, "Subscription")) s->subscription = user_types[i];
        }
    }
    for (uint32_t i = 0; i < user->sel.n; i++) {
        gq_node *n = user->sel.v[i];
        if (n->kind != GN_SCHEMA_EXT) continue;
        for (uint32_t j = 0; j < n->sel.n; j++) {
            gq_type *t = find_def(b, n->sel.v[j]->type->name);
            if (n->sel.v[j]->flags == GQ_QUERY) s->query = t;
            if (n->sel.v[j]->flags == GQ_MUTATION) s->mutation = t;
            if (n->sel.v[j]->flags == GQ_SUBSCRIPTION) s->subscription = t;
        }
    }
    if (s->query && s->query->ref.kind != GK_OBJECT)
        bsoft(b, "Query root type must be Object type, it cannot be %s.", s->query->name);
    /* typeMap order */
    gq_type **ord = cx_arena_calloc(b->a, (b->ndefs + 1) * sizeof *ord);
    uint32_t n = 0;
    if (!ord) return CX_ENOMEM;
    /* graphql-js: a Set of the SDL types; each is deleted and re-collected in
     * turn, so built-in scalars land right after their first user. */
    for (uint32_t i = 0; i < nuser; i++) {
        bool have = false;
        for (uint32_t j = 0; j < n; j++) have |= ord[j] == user_types[i];
        if (!have) ord[n++] = user_types[i];
    }
    for (uint32_t i = 0; i < nuser; i++) {
        gq_type *t = user_types[i];
        for (uint32_t j = 0; j < n; j++)
            if (ord[j] == t) {
                memmove(ord + j, ord + j + 1, (n - j - 1) * sizeof *ord);
                n--;
                break;
            }
        collect(s, ord, &n, &t->ref);
    }
    for (uint32_t i = 0; i < ndirs; i++)
        for (uint32_t j = 0; j < dirs[i]->nargs; j++) collect(s, ord, &n, dirs[i]->args[j].type);
    collect(s, ord, &n, &find_def(b, "__Schema")->ref);
    s->types = ord;
    s->ntypes = n;
    /* possible types of interfaces, in typeMap order */
    for (uint32_t i = 0; i < n; i++) {
        gq_type *it = ord[i];
        if (it->ref.kind != GK_INTERFACE) continue;
        uint32_t cnt = 0;
        for (uint32_t j = 0; j < n; j++)
            if (ord[j]->ref.kind == GK_OBJECT && gq_is_possible(s, it, ord[j])) cnt++;
        it->members = cnt ? cx_arena_alloc(b->a, cnt * sizeof *it->members) : NULL;
        it->nmembers = 0;
        for (uint32_t j = 0; j < n; j++)
            if (ord[j]->ref.kind == GK_OBJECT && gq_is_possible(s, it, ord[j]))
                it->members[it->nmembers++] = ord[j];
    }
    s->t_string = find_def(b, "String");
    s->t_int = find_def(b, "Int");
    s->t_float = find_def(b, "Float");
    s->t_boolean = find_def(b, "Boolean");
    s->t_id = find_def(b, "ID");
    s->t_schema = find_def(b, "__Schema");
    s->t_type = find_def(b, "__Type");
    return 0;
}

static void meta_fields(cx_gql_schema *s) {
    gq_tref *nn = cx_arena_calloc(s->arena, sizeof *nn);
    gq_tref *snn = cx_arena_calloc(s->arena, sizeof *snn);
    gq_ivdef *arg = cx_arena_calloc(s->arena, sizeof *arg);
    if (!nn || !snn || !arg) return;
    nn->kind = GK_NON_NULL;
    nn->of = &s->t_string->ref;
    snn->kind = GK_NON_NULL;
    snn->of = &s->t_schema->ref;
    s->ref_string_nn = nn;
    s->f_typename.name = "__typename";
    s->f_typename.desc = "The name of the current Object type at runtime.";
    s->f_typename.type = nn;
    s->f_schema.name = "__schema";
    s->f_schema.desc = "Access the current type schema of this server.";
    s->f_schema.type = snn;
    s->f_type.name = "__type";
    s->f_type.desc = "Request the type information of a single type.";
    s->f_type.type = &s->t_type->ref;
    arg->name = "name";
    arg->type = nn;
    s->f_type.args = arg;
    s->f_type.nargs = 1;
}

int cx_gql_schema_parse(const char *text, size_t len, const cx_gql_limits *lim, cx_gql_schema **out,
                        cx_buf *errors) {
    if (!out || (!text && len)) return CX_EINVAL;
    *out = NULL;
    cx_arena *a = cx_arena_new(64 * 1024, 0);
    if (!a) return CX_ENOMEM;
    cx_gql_schema *s = cx_arena_calloc(a, sizeof *s);
    if (!s) {
        cx_arena_free(a);
        return CX_ENOMEM;
    }
    s->arena = a;
    gq_parse_error pe;
    cx_gql_limits big;
    cx_gql_limits_defaults(&big);
    big.max_document_size = 1u << 20;
    gq_node *bi = gq_parse(a, gq_builtin_sdl, strlen(gq_builtin_sdl), &big, &pe);
    gq_node *user = bi ? gq_parse(a, text ? text : "", len, lim, &pe) : NULL;
    if (!user) {
        if (errors)
            cx_buf_printf(errors, "%s (line %u, column %u)\n",
                          pe.message ? pe.message : "out of memory", pe.line, pe.col);
        cx_arena_free(a);
        return CX_EPARSE;
    }
    B b = {.s = s, .a = a, .errors = errors};
    int rc = build(&b, bi, user);
    if (rc == 0 && b.nerr == b.nsoft) validate_schema(&b);
    if (rc == 0 && b.nerr) rc = CX_EINVAL;
    if (rc) {
        cx_arena_free(a);
        return rc;
    }
    meta_fields(s);
    *out = s;
    return 0;
}

void cx_gql_schema_free(cx_gql_schema *s) {
    if (s) cx_arena_free(s->arena);
}

int cx_gql_schema_set_resolver(cx_gql_schema *s, const char *type, const char *field,
                               cx_gql_resolver fn, void *ud) {
    if (!s || !type || !field) return CX_EINVAL;
    gq_type *t = gq_schema_type(s, type);
    if (!t) return CX_ENOTFOUND;
    gq_field *f = gq_type_field(t, field);
    if (!f)
        return t->ref.kind == GK_OBJECT || t->ref.kind == GK_INTERFACE ? CX_ENOTFOUND : CX_EINVAL;
    f->resolve = fn;
    f->resolve_ud = ud;
    return 0;
}

int cx_gql_schema_set_type_resolver(cx_gql_schema *s, const char *abstract_type,
                                    cx_gql_type_resolver fn, void *ud) {
    if (!s || !abstract_type) return CX_EINVAL;
    gq_type *t = gq_schema_type(s, abstract_type);
    if (!t) return CX_ENOTFOUND;
    if (!gq_is_abstract(t)) return CX_EINVAL;
    t->resolve_type = fn;
    t->resolve_type_ud = ud;
    return 0;
}

int cx_gql_schema_set_scalar(cx_gql_schema *s, const char *scalar, const cx_gql_scalar *cb) {
    if (!s || !scalar || !cb) return CX_EINVAL;
    gq_type *t = gq_schema_type(s, scalar);
    if (!t) return CX_ENOTFOUND;
    if (t->ref.kind != GK_SCALAR || t->builtin) return CX_EINVAL;
    cx_gql_scalar *c = cx_arena_alloc(s->arena, sizeof *c);
    if (!c) return CX_ENOMEM;
    *c = *cb;
    t->scalar = c;
    return 0;
}

const char *cx_gql_introspection_query(void) {
    return gq_introspection_query;
}
