/* A module cache with hot reload: path -> compiled module, recompiled when
 * the file's identity (inode, size, mtime) changes. Modules are reference
 * counted so a reload never frees a module that running instances still
 * use: the old one is retired and freed on its last release. One mutex per
 * cache makes it usable from several threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "wasm_int.h"

typedef struct centry {
    char *path; /* NULL: a retired module (no longer current for any path) */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    cx_wasm_module *mod;
    uint32_t refs;
} centry;

struct cx_wasm_cache {
    pthread_mutex_t mu;
    centry *v;
    uint32_t n, cap;
    cx_wasm_limits lim;
    uint64_t reloads;
};

cx_wasm_cache *cx_wasm_cache_new(const cx_wasm_limits *limits) {
    cx_wasm_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (limits)
        c->lim = *limits;
    else
        cx_wasm_limits_defaults(&c->lim);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void cx_wasm_cache_free(cx_wasm_cache *c) {
    if (!c) return;
    for (uint32_t i = 0; i < c->n; i++) {
        free(c->v[i].path);
        cx_wasm_module_free(c->v[i].mod);
    }
    free(c->v);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void drop_entry(cx_wasm_cache *c, uint32_t i) {
    free(c->v[i].path);
    cx_wasm_module_free(c->v[i].mod);
    c->v[i] = c->v[--c->n];
}

static int load(cx_wasm_cache *c, const char *path, const struct stat *st, cx_wasm_module **out,
                char *err) {
    if ((uint64_t)st->st_size > c->lim.max_module_size) {
        cx_wasm_err(err, "limit exceeded: module size");
        return CX_ELIMIT;
    }
    FILE *f = fopen(path, "rb");
    if (!f) return CX_ENOENT;
    size_t len = (size_t)st->st_size;
    uint8_t *buf = malloc(len ? len : 1);
    int rc = CX_ENOMEM;
    if (buf) {
        rc =
            fread(buf, 1, len, f) == len ? cx_wasm_module_new(buf, len, &c->lim, out, err) : CX_EIO;
        free(buf);
    }
    fclose(f);
    return rc;
}

int cx_wasm_cache_get(cx_wasm_cache *c, const char *path, cx_wasm_module **out, char *err) {
    if (err) err[0] = 0;
    if (!c || !path || !out) return CX_EINVAL;
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) return CX_ENOENT;
    pthread_mutex_lock(&c->mu);
    int rc = 0;
    uint32_t i;
    for (i = 0; i < c->n; i++)
        if (c->v[i].path && !strcmp(c->v[i].path, path)) break;
    if (i < c->n) {
        centry *e = &c->v[i];
        if (e->dev == st.st_dev && e->ino == st.st_ino && e->size == st.st_size &&
            e->mtime.tv_sec == st.st_mtim.tv_sec && e->mtime.tv_nsec == st.st_mtim.tv_nsec) {
            e->refs++;
            *out = e->mod;
            goto done;
        }
        /* changed: retire the old module (freed now if nobody holds it) */
        free(e->path);
        e->path = NULL;
        if (e->refs == 0) drop_entry(c, i);
    }
    cx_wasm_module *m = NULL;
    rc = load(c, path, &st, &m, err);
    if (rc) goto done;
    if (c->n == c->cap) {
        uint32_t nc = c->cap ? c->cap * 2 : 8;
        centry *v = realloc(c->v, nc * sizeof *v);
        if (!v) {
            cx_wasm_module_free(m);
            rc = CX_ENOMEM;
            goto done;
        }
        c->v = v;
        c->cap = nc;
    }
    centry *e = &c->v[c->n];
    e->path = strdup(path);
    if (!e->path) {
        cx_wasm_module_free(m);
        rc = CX_ENOMEM;
        goto done;
    }
    c->n++;
    e->dev = st.st_dev, e->ino = st.st_ino, e->size = st.st_size, e->mtime = st.st_mtim;
    e->mod = m;
    e->refs = 1;
    c->reloads++;
    *out = m;
done:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void cx_wasm_cache_release(cx_wasm_cache *c, cx_wasm_module *m) {
    if (!c || !m) return;
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < c->n; i++)
        if (c->v[i].mod == m) {
            if (c->v[i].refs) c->v[i].refs--;
            if (c->v[i].refs == 0 && !c->v[i].path) drop_entry(c, i);
            break;
        }
    pthread_mutex_unlock(&c->mu);
}

uint64_t cx_wasm_cache_loads(cx_wasm_cache *c) {
    if (!c) return 0;
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->reloads;
    pthread_mutex_unlock(&c->mu);
    return n;
}
