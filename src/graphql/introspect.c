/* Introspection (spec section 4): resolvers of the __Schema, __Type,
 * __Field, __InputValue, __EnumValue and __Directive fields over the schema's
 * own structures. Values are opaque C objects (cx_gql_object) pointing at
 * the schema's types, fields and so on; __Type values point at a gq_tref so
 * list and non-null wrappers are types too. */
#include "gql_int.h"
#include <string.h>

int gq_intro_resolve(const cx_gql_schema *s, cx_arena *a, const gq_type *pt, const gq_field *f,
                     const cx_gql_value *src, cx_gql_info *info, cx_gql_value *out);

static cx_gql_value str(const char *s) {
    return s ? cx_gql_string(s, strlen(s)) : cx_gql_null();
}

static cx_gql_value obj(const void *p, const char *tn) {
    return p ? cx_gql_object(p, tn) : cx_gql_null();
}

static bool include_deprecated(cx_gql_info *info) {
    bool b = false;
    cx_gql_arg_bool(info, "includeDeprecated", &b);
    return b;
}

static int ivlist(cx_arena *a, const gq_ivdef *v, uint32_t n, bool dep, cx_gql_value *out) {
    cx_gql_value *items = n ? cx_arena_alloc(a, n * sizeof *items) : NULL;
    if (n && !items) return CX_ENOMEM;
    size_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (dep || !v[i].deprecation) items[m++] = cx_gql_object(&v[i], "__InputValue");
    *out = cx_gql_list(items, m);
    return 0;
}

static const char *kind_name(int k) {
    static const char *const names[] = {"SCALAR", "OBJECT",       "INTERFACE", "UNION",
                                        "ENUM",   "INPUT_OBJECT", "LIST",      "NON_NULL"};
    return names[k];
}

static int type_field(const cx_gql_schema *s, cx_arena *a, const gq_tref *r, const char *name,
                      cx_gql_info *info, cx_gql_value *out) {
    const gq_type *t = (r->kind == GK_LIST || r->kind == GK_NON_NULL) ? NULL : (const gq_type *)r;
    (void)s;
    if (!strcmp(name, "kind")) {
        *out = str(kind_name(r->kind));
    } else if (!strcmp(name, "name")) {
        *out = str(t ? t->name : NULL);
    } else if (!strcmp(name, "description")) {
        *out = str(t ? t->desc : NULL);
    } else if (!strcmp(name, "specifiedByURL")) {
        *out = str(t && t->ref.kind == GK_SCALAR ? t->specified_by : NULL);
    } else if (!strcmp(name, "fields")) {
        if (!t || (t->ref.kind != GK_OBJECT && t->ref.kind != GK_INTERFACE)) {
            *out = cx_gql_null();
            return 0;
        }
        bool dep = include_deprecated(info);
        cx_gql_value *items = t->nfields ? cx_arena_alloc(a, t->nfields * sizeof *items) : NULL;
        if (t->nfields && !items) return CX_ENOMEM;
        size_t m = 0;
        for (uint32_t i = 0; i < t->nfields; i++)
            if (dep || !t->fields[i].deprecation)
                items[m++] = cx_gql_object(&t->fields[i], "__Field");
        *out = cx_gql_list(items, m);
    } else if (!strcmp(name, "interfaces")) {
        if (!t || (t->ref.kind != GK_OBJECT && t->ref.kind != GK_INTERFACE)) {
            *out = cx_gql_null();
            return 0;
        }
        cx_gql_value *items = t->nifaces ? cx_arena_alloc(a, t->nifaces * sizeof *items) : NULL;
        if (t->nifaces && !items) return CX_ENOMEM;
        for (uint32_t i = 0; i < t->nifaces; i++)
            items[i] = cx_gql_object(&t->ifaces[i]->ref, "__Type");
        *out = cx_gql_list(items, t->nifaces);
    } else if (!strcmp(name, "possibleTypes")) {
        if (!t || !gq_is_abstract(t)) {
            *out = cx_gql_null();
            return 0;
        }
        cx_gql_value *items = t->nmembers ? cx_arena_alloc(a, t->nmembers * sizeof *items) : NULL;
        if (t->nmembers && !items) return CX_ENOMEM;
        for (uint32_t i = 0; i < t->nmembers; i++)
            items[i] = cx_gql_object(&t->members[i]->ref, "__Type");
        *out = cx_gql_list(items, t->nmembers);
    } else if (!strcmp(name, "enumValues")) {
        if (!t || t->ref.kind != GK_ENUM) {
            *out = cx_gql_null();
            return 0;
        }
        bool dep = include_deprecated(info);
        cx_gql_value *items = t->nvalues ? cx_arena_alloc(a, t->nvalues * sizeof *items) : NULL;
        if (t->nvalues && !items) return CX_ENOMEM;
        size_t m = 0;
        for (uint32_t i = 0; i < t->nvalues; i++)
            if (dep || !t->values[i].deprecation)
                items[m++] = cx_gql_object(&t->values[i], "__EnumValue");
        *out = cx_gql_list(items, m);
    } else if (!strcmp(name, "inputFields")) {
        if (!t || t->ref.kind != GK_INPUT_OBJECT) {
            *out = cx_gql_null();
            return 0;
        }
        return ivlist(a, t->ifields, t->nifields, include_deprecated(info), out);
    } else if (!strcmp(name, "ofType")) {
        *out = t ? cx_gql_null() : obj(r->of, "__Type");
    } else if (!strcmp(name, "isOneOf")) {
        *out = t && t->ref.kind == GK_INPUT_OBJECT ? cx_gql_bool(t->one_of) : cx_gql_null();
    } else
        *out = cx_gql_null();
    return 0;
}

int gq_intro_resolve(const cx_gql_schema *s, cx_arena *a, const gq_type *pt, const gq_field *f,
                     const cx_gql_value *src, cx_gql_info *info, cx_gql_value *out) {
    const char *name = f->name;
    *out = cx_gql_null();
    if (f == &s->f_schema) {
        *out = cx_gql_object(s, "__Schema");
        return 0;
    }
    if (f == &s->f_type) {
        const char *tn = NULL;
        size_t n;
        if (cx_gql_arg_string(info, "name", &tn, &n) == 0) {
            gq_type *t = gq_schema_type(s, tn);
            *out = obj(t ? &t->ref : NULL, "__Type");
        }
        return 0;
    }
    if (src->kind != CX_GQL_OBJECT || !src->ptr) return 0;
    const char *ptn = pt->name;
    if (!strcmp(ptn, "__Schema")) {
        if (!strcmp(name, "description"))
            *out = str(s->desc);
        else if (!strcmp(name, "types")) {
            cx_gql_value *items = cx_arena_alloc(a, s->ntypes * sizeof *items);
            if (!items) return CX_ENOMEM;
            for (uint32_t i = 0; i < s->ntypes; i++)
                items[i] = cx_gql_object(&s->types[i]->ref, "__Type");
            *out = cx_gql_list(items, s->ntypes);
        } else if (!strcmp(name, "queryType"))
            *out = obj(s->query, "__Type");
        else if (!strcmp(name, "mutationType"))
            *out = obj(s->mutation, "__Type");
        else if (!strcmp(name, "subscriptionType"))
            *out = obj(s->subscription, "__Type");
        else if (!strcmp(name, "directives")) {
            cx_gql_value *items = cx_arena_alloc(a, (s->ndirs + 1) * sizeof *items);
            if (!items) return CX_ENOMEM;
            for (uint32_t i = 0; i < s->ndirs; i++)
                items[i] = cx_gql_object(s->dirs[i], "__Directive");
            *out = cx_gql_list(items, s->ndirs);
        }
        return 0;
    }
    if (!strcmp(ptn, "__Type")) return type_field(s, a, src->ptr, name, info, out);
    if (!strcmp(ptn, "__Field")) {
        const gq_field *x = src->ptr;
        if (!strcmp(name, "name"))
            *out = str(x->name);
        else if (!strcmp(name, "description"))
            *out = str(x->desc);
        else if (!strcmp(name, "args"))
            return ivlist(a, x->args, x->nargs, include_deprecated(info), out);
        else if (!strcmp(name, "type"))
            *out = obj(x->type, "__Type");
        else if (!strcmp(name, "isDeprecated"))
            *out = cx_gql_bool(x->deprecation != NULL);
        else if (!strcmp(name, "deprecationReason"))
            *out = str(x->deprecation);
        return 0;
    }
    if (!strcmp(ptn, "__InputValue")) {
        const gq_ivdef *x = src->ptr;
        if (!strcmp(name, "name"))
            *out = str(x->name);
        else if (!strcmp(name, "description"))
            *out = str(x->desc);
        else if (!strcmp(name, "type"))
            *out = obj(x->type, "__Type");
        else if (!strcmp(name, "defaultValue"))
            *out = str(gq_default_value_str(s, a, x));
        else if (!strcmp(name, "isDeprecated"))
            *out = cx_gql_bool(x->deprecation != NULL);
        else if (!strcmp(name, "deprecationReason"))
            *out = str(x->deprecation);
        return 0;
    }
    if (!strcmp(ptn, "__EnumValue")) {
        const gq_enumval *x = src->ptr;
        if (!strcmp(name, "name"))
            *out = str(x->name);
        else if (!strcmp(name, "description"))
            *out = str(x->desc);
        else if (!strcmp(name, "isDeprecated"))
            *out = cx_gql_bool(x->deprecation != NULL);
        else if (!strcmp(name, "deprecationReason"))
            *out = str(x->deprecation);
        return 0;
    }
    if (!strcmp(ptn, "__Directive")) {
        const gq_directive *x = src->ptr;
        if (!strcmp(name, "name"))
            *out = str(x->name);
        else if (!strcmp(name, "description"))
            *out = str(x->desc);
        else if (!strcmp(name, "isRepeatable"))
            *out = cx_gql_bool(x->repeatable);
        else if (!strcmp(name, "locations")) {
            cx_gql_value *items =
                x->nlocnames ? cx_arena_alloc(a, x->nlocnames * sizeof *items) : NULL;
            if (x->nlocnames && !items) return CX_ENOMEM;
            for (uint32_t i = 0; i < x->nlocnames; i++) items[i] = str(x->locnames[i]);
            *out = cx_gql_list(items, x->nlocnames);
        } else if (!strcmp(name, "args"))
            return ivlist(a, x->args, x->nargs, include_deprecated(info), out);
        return 0;
    }
    return 0;
}
