/* DataLoader-style batching. A loader caches one value (or error) per key for
 * the request. Keys asked for with cx_gql_loader_load() while the executor
 * runs are queued and the field suspends; when the executor can make no more
 * progress it dispatches every loader that has queued keys (one batch call
 * each) and runs the suspended fields again (see execute.c). Keys are found
 * through an open-addressing hash index so a 1000-key level costs O(n).
 * Everything lives in the request arena. */
#include "gql_int.h"
#include <string.h>

typedef struct lslot {
    const char *key;
    uint64_t hash;
    cx_gql_value value;
    const char *message; /* error message (state < 0) */
    int state;           /* 0 queued, 1 loaded, <0 error */
} lslot;

struct cx_gql_loader {
    cx_arena *a;
    cx_gql_batch_fn fn;
    void *ud;
    lslot *slots;
    size_t n, cap;
    uint32_t *index; /* slot + 1, 0 = empty; size icap (a power of two) */
    size_t icap;
    size_t queued; /* slots in state 0 */
    size_t calls;
    bool registered; /* in the executor's list of loaders to dispatch */
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

static uint64_t key_hash(const char *k) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *k; k++) h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

static lslot *find(cx_gql_loader *l, const char *key, uint64_t h) {
    if (!l->icap) return NULL;
    for (size_t i = h & (l->icap - 1);; i = (i + 1) & (l->icap - 1)) {
        uint32_t s = l->index[i];
        if (!s) return NULL;
        lslot *e = &l->slots[s - 1];
        if (e->hash == h && !strcmp(e->key, key)) return e;
    }
}

/* Keep the index at most half full. */
static int grow_index(cx_gql_loader *l) {
    if (2 * (l->n + 1) <= l->icap) return 0;
    size_t c = l->icap ? l->icap * 2 : 32;
    uint32_t *ix = cx_arena_calloc(l->a, c * sizeof *ix);
    if (!ix) return CX_ENOMEM;
    for (size_t k = 0; k < l->n; k++) {
        size_t i = l->slots[k].hash & (c - 1);
        while (ix[i]) i = (i + 1) & (c - 1);
        ix[i] = (uint32_t)(k + 1);
    }
    l->index = ix;
    l->icap = c;
    return 0;
}

static int queue(cx_gql_loader *l, const char *key, uint64_t h) {
    if (l->n >= UINT32_MAX - 1) return CX_ENOMEM;
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 16;
        lslot *v = cx_arena_alloc(l->a, c * sizeof *v);
        if (!v) return CX_ENOMEM;
        if (l->n) memcpy(v, l->slots, l->n * sizeof *v);
        l->slots = v;
        l->cap = c;
    }
    if (grow_index(l)) return CX_ENOMEM;
    lslot *s = &l->slots[l->n];
    memset(s, 0, sizeof *s);
    s->key = cx_arena_strdup(l->a, key);
    if (!s->key) return CX_ENOMEM;
    s->hash = h;
    size_t i = h & (l->icap - 1);
    while (l->index[i]) i = (i + 1) & (l->icap - 1);
    l->index[i] = (uint32_t)(l->n + 1);
    l->queued++;
    return (int)l->n++;
}

int cx_gql_loader_queue(cx_gql_loader *l, const char *key) {
    if (!l || !key) return CX_EINVAL;
    uint64_t h = key_hash(key);
    lslot *s = find(l, key, h);
    if (s) return (int)(s - l->slots);
    return queue(l, key, h);
}

int cx_gql_loader_dispatch(cx_gql_loader *l) {
    if (!l) return CX_EINVAL;
    l->registered = false;
    size_t m = l->queued;
    if (!m) return 0;
    const char **keys = cx_arena_alloc(l->a, m * sizeof *keys);
    cx_gql_value *vals = cx_arena_calloc(l->a, m * sizeof *vals);
    const char **msgs = cx_arena_calloc(l->a, m * sizeof *msgs);
    size_t *idx = cx_arena_alloc(l->a, m * sizeof *idx);
    if (!keys || !vals || !msgs || !idx) return CX_ENOMEM;
    size_t j = 0;
    for (size_t i = 0; i < l->n && j < m; i++)
        if (l->slots[i].state == 0) {
            idx[j] = i;
            keys[j++] = l->slots[i].key;
        }
    l->calls++;
    l->queued = 0;
    /* the batch function may wait (it runs on the request's coroutine) */
    int rc = l->fn(keys, m, vals, msgs, l->a, l->ud);
    for (size_t k = 0; k < m; k++) {
        lslot *s = &l->slots[idx[k]];
        if (rc) {
            s->state = rc < 0 ? rc : CX_EIO;
            s->message = msgs[k];
        } else if (msgs[k]) {
            s->state = CX_EIO;
            s->message = msgs[k];
        } else {
            s->state = 1;
            s->value = vals[k];
        }
    }
    return rc < 0 ? rc : 0;
}

int cx_gql_loader_get(cx_gql_loader *l, const char *key, cx_gql_value *out) {
    if (!l || !key || !out) return CX_EINVAL;
    lslot *s = find(l, key, key_hash(key));
    if (!s) return CX_ENOENT;
    if (s->state == 0) return CX_EAGAIN;
    if (s->state < 0) return s->state;
    *out = s->value;
    return 0;
}

int cx_gql_loader_load(cx_gql_info *info, cx_gql_loader *l, const char *key, cx_gql_value *out) {
    if (!info || !l || !key || !out) return CX_EINVAL;
    uint64_t h = key_hash(key);
    lslot *s = find(l, key, h);
    if (!s) {
        int rc = queue(l, key, h);
        if (rc < 0) return rc;
        s = &l->slots[rc];
    }
    if (s->state == 0) {
        if (!l->registered) {
            int rc = gq_exec_suspend_on(info, l);
            if (rc) return rc;
            l->registered = true;
        } else {
            gq_exec_suspend_on(info, NULL);
        }
        return CX_EAGAIN;
    }
    if (s->state < 0) {
        cx_gql_info_error(info, s->message ? s->message : cx_strerror(s->state));
        return s->state;
    }
    *out = s->value;
    return 0;
}

void gq_loader_release(cx_gql_loader *l) {
    if (l) l->registered = false;
}

size_t cx_gql_loader_calls(const cx_gql_loader *l) {
    return l ? l->calls : 0;
}
