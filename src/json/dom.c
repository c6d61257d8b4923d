/* Reading the tree. Every function takes NULL as "absent". */
#include "json_int.h"
#include <cortex/error.h>

cx_json_type cx_json_typeof(const cx_json *v) {
    return v ? (cx_json_type)v->type : CX_JSON_NONE;
}

const char *cx_json_type_name(cx_json_type t) {
    switch (t) {
    case CX_JSON_NULL:
        return "null";
    case CX_JSON_BOOL:
        return "bool";
    case CX_JSON_NUMBER:
        return "number";
    case CX_JSON_STRING:
        return "string";
    case CX_JSON_ARRAY:
        return "array";
    case CX_JSON_OBJECT:
        return "object";
    case CX_JSON_NONE:
        break;
    }
    return "none";
}

cx_json_num cx_json_number_kind(const cx_json *v) {
    return v && v->type == CX_JSON_NUMBER ? (cx_json_num)v->kind : CX_JSON_NUM_NONE;
}

bool cx_json_is_null(const cx_json *v) {
    return v && v->type == CX_JSON_NULL;
}

size_t cx_json_len(const cx_json *v) {
    if (!v || (v->type != CX_JSON_STRING && !cx__json_is_container(v))) return 0;
    return v->len;
}

const cx_json *cx_json_at(const cx_json *array, size_t i) {
    if (!array || array->type != CX_JSON_ARRAY || i >= array->len) return NULL;
    return &array->a.kids[i];
}

const cx_json *cx_json_getn(const cx_json *object, const char *key, size_t n) {
    if (!object || object->type != CX_JSON_OBJECT || (!key && n)) return NULL;
    /* From the end, so that the last of duplicate keys wins. */
    for (size_t i = object->len; i-- > 0;) {
        const cx_json *k = &object->a.kids[2 * i];
        if (k->len == n && (n == 0 || memcmp(k->a.s, key, n) == 0)) return k + 1;
    }
    return NULL;
}

const cx_json *cx_json_get(const cx_json *object, const char *key) {
    return key ? cx_json_getn(object, key, strlen(key)) : NULL;
}

cx_str cx_json_key_at(const cx_json *object, size_t i) {
    if (!object || object->type != CX_JSON_OBJECT || i >= object->len) return (cx_str){NULL, 0};
    const cx_json *k = &object->a.kids[2 * i];
    return (cx_str){k->a.s, k->len};
}

const cx_json *cx_json_value_at(const cx_json *object, size_t i) {
    if (!object || object->type != CX_JSON_OBJECT || i >= object->len) return NULL;
    return &object->a.kids[2 * i + 1];
}

cx_json_iter cx_json_iterate(const cx_json *v) {
    if (!v || !cx__json_is_container(v) || v->len == 0) return (cx_json_iter){NULL, NULL, false};
    return (cx_json_iter){v->a.kids, v->a.kids + cx__json_nodes(v), v->type == CX_JSON_OBJECT};
}

bool cx_json_next(cx_json_iter *it, cx_str *key, const cx_json **value) {
    if (!it || it->pos == it->end) return false;
    const cx_json *k = NULL;
    if (it->object) k = it->pos++;
    if (key) *key = k ? (cx_str){k->a.s, k->len} : (cx_str){NULL, 0};
    if (value) *value = it->pos;
    it->pos++;
    return true;
}

cx_str cx_json_str(const cx_json *v) {
    if (!v || v->type != CX_JSON_STRING) return (cx_str){NULL, 0};
    return (cx_str){v->a.s, v->len};
}

const char *cx_json_cstr(const cx_json *v) {
    return v && v->type == CX_JSON_STRING ? v->a.s : NULL;
}

int cx_json_int64(const cx_json *v, int64_t *out) {
    if (!v || v->type != CX_JSON_NUMBER || !out) return CX_EINVAL;
    if (v->kind != CX_JSON_NUM_INT) return CX_ERANGE;
    *out = v->b.i;
    return 0;
}

int cx_json_uint64(const cx_json *v, uint64_t *out) {
    if (!v || v->type != CX_JSON_NUMBER || !out) return CX_EINVAL;
    if (v->kind == CX_JSON_NUM_UINT || (v->kind == CX_JSON_NUM_INT && v->b.i >= 0)) {
        *out = v->b.u;
        return 0;
    }
    return CX_ERANGE;
}

int cx_json_double(const cx_json *v, double *out) {
    if (!v || v->type != CX_JSON_NUMBER || !out) return CX_EINVAL;
    switch (v->kind) {
    case CX_JSON_NUM_INT:
        *out = (double)v->b.i;
        break;
    case CX_JSON_NUM_UINT:
        *out = (double)v->b.u;
        break;
    default:
        *out = v->b.d;
        break;
    }
    return 0;
}

int cx_json_bool(const cx_json *v, bool *out) {
    if (!v || v->type != CX_JSON_BOOL || !out) return CX_EINVAL;
    *out = (v->flags & CX_JSON_F_TRUE) != 0;
    return 0;
}

cx_str cx_json_number_text(const cx_json *v) {
    if (!v || v->type != CX_JSON_NUMBER) return (cx_str){NULL, 0};
    return (cx_str){v->a.s, v->len};
}
