/* DataLoader-style batching: keys queued while one level of a query is
 * resolved are loaded with one batch call; results stay cached for the
 * request. Everything lives in the request arena. */
#include "gql_int.h"
#include <string.h>

typedef struct lslot {
    const char *key;
    cx_gql_value value;
    int state; /* 0 queued, 1 loaded, <0 error */
} lslot;

struct cx_gql_loader {
    cx_arena *a;
    cx_gql_batch_fn fn;
    void *ud;
    lslot *slots;
    size_t n, cap;
    size_t calls;
};

cx_gql_loader *cx_gql_loader_new(cx_arena *a, cx_gql_batch_fn fn, void *ud) {
    if (!a || !fn) return NULL;
    cx_gql_loader *l = cx_arena_calloc(a, sizeof *l);
    if (!l) return NULL;
    l->a = a;
    l->fn = fn;
    l->ud = ud;
    return l;
}

static lslot *find(cx_gql_loader *l, const char *key) {
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->slots[i].key, key)) return &l->slots[i];
    return NULL;
}

int cx_gql_loader_queue(cx_gql_loader *l, const char *key) {
    if (!l || !key) return CX_EINVAL;
    lslot *s = find(l, key);
    if (s) return (int)(s - l->slots);
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 16;
        lslot *v = cx_arena_alloc(l->a, c * sizeof *v);
        if (!v) return CX_ENOMEM;
        if (l->n) memcpy(v, l->slots, l->n * sizeof *v);
        l->slots = v;
        l->cap = c;
    }
    s = &l->slots[l->n];
    memset(s, 0, sizeof *s);
    s->key = cx_arena_strdup(l->a, key);
    if (!s->key) return CX_ENOMEM;
    return (int)l->n++;
}

int cx_gql_loader_dispatch(cx_gql_loader *l) {
    if (!l) return CX_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) m += l->slots[i].state == 0;
    if (!m) return 0;
    const char **keys = cx_arena_alloc(l->a, m * sizeof *keys);
    cx_gql_value *vals = cx_arena_calloc(l->a, m * sizeof *vals);
    size_t *idx = cx_arena_alloc(l->a, m * sizeof *idx);
    if (!keys || !vals || !idx) return CX_ENOMEM;
    size_t j = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->slots[i].state == 0) {
            idx[j] = i;
            keys[j++] = l->slots[i].key;
        }
    l->calls++;
    int rc = l->fn(keys, m, vals, l->a, l->ud);
    for (size_t k = 0; k < m; k++) {
        lslot *s = &l->slots[idx[k]];
        if (rc) {
            s->state = rc < 0 ? rc : CX_EIO;
        } else {
            s->state = 1;
            s->value = vals[k];
        }
    }
    return rc < 0 ? rc : 0;
}

int cx_gql_loader_get(cx_gql_loader *l, const char *key, cx_gql_value *out) {
    if (!l || !key || !out) return CX_EINVAL;
    lslot *s = find(l, key);
    if (!s) return CX_ENOENT;
    if (s->state == 0) return CX_EAGAIN;
    if (s->state < 0) return s->state;
    *out = s->value;
    return 0;
}

size_t cx_gql_loader_calls(const cx_gql_loader *l) {
    return l ? l->calls : 0;
}
