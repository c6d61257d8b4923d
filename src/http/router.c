/* Routers: registration, groups, mounts, freezing and the root handler.
 *
 * Every router of a tree shares its root's radix tree: a group's route is
 * inserted there under its full pattern at once, so conflicts surface at
 * registration. Middleware, on the other hand, may be added after routes,
 * so chains are laid out only when the tree freezes; that also makes every
 * chain one contiguous array the request path can point ctx->chain at.
 *
 * A mutex on the root orders registration against the (lazy) freeze; after
 * the freeze the hot path reads one atomic flag and otherwise only
 * read-only memory. */
#include "radix.h"
#include "message.h"
#include <cortex/error.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The answers the router gives by itself; each runs behind the root's
 * middleware. */
enum { FB_BAD_PATH, FB_NOT_FOUND, FB_NOT_ALLOWED, FB_OPTIONS, FB_COUNT };

struct cx_router {
    cx_router *parent; /* NULL for a root */
    char *prefix;      /* relative to the parent; "" for none */
    size_t prefix_len;
    cx_mw *mw;
    unsigned nmw, capmw;
    cx_router **kids; /* groups and mounted routers, owned */
    unsigned nkids, capkids;
    cx_rroute **routes; /* this router's own, owned */
    unsigned nroutes, caproutes;

    /* Used on the root only. */
    cx_rnode *tree;
    atomic_bool frozen;
    pthread_mutex_t lock;
    uint32_t all_allowed; /* for "OPTIONS *" */
    cx_mw *fallback;      /* FB_COUNT chains of nmw + 1 links */
};

/* ---- small helpers -------------------------------------------------------- */

static int grow(void *arrp, unsigned *cap, unsigned need, size_t elem) {
    void **arr = arrp;
    if (need <= *cap) return CX_OK;
    unsigned ncap = *cap ? *cap * 2 : 4;
    while (ncap < need) ncap *= 2;
    void *na = realloc(*arr, (size_t)ncap * elem);
    if (!na) return CX_ENOMEM;
    *arr = na;
    *cap = ncap;
    return CX_OK;
}

static cx_router *root_of(const cx_router *r) {
    while (r->parent) r = r->parent;
    return (cx_router *)r;
}

static bool is_frozen(cx_router *root) {
    return atomic_load_explicit(&root->frozen, memory_order_acquire);
}

static cx_router *router_alloc(cx_router *parent, const char *prefix, size_t len) {
    cx_router *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->prefix = malloc(len + 1);
    if (!r->prefix) {
        free(r);
        return NULL;
    }
    memcpy(r->prefix, prefix, len);
    r->prefix[len] = '\0';
    r->prefix_len = len;
    r->parent = parent;
    atomic_init(&r->frozen, false);
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

static void route_free(cx_rroute *rt) {
    if (!rt) return;
    free(rt->rel);
    free(rt->full);
    free(rt->chain);
    free(rt);
}

static void router_destroy(cx_router *r) {
    for (unsigned i = 0; i < r->nkids; i++) router_destroy(r->kids[i]);
    for (unsigned i = 0; i < r->nroutes; i++) route_free(r->routes[i]);
    cx_radix_free(r->tree);
    pthread_mutex_destroy(&r->lock);
    free(r->kids);
    free(r->routes);
    free(r->mw);
    free(r->fallback);
    free(r->prefix);
    free(r);
}

int cx_router_new(cx_router **out) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    cx_router *r = router_alloc(NULL, "", 0);
    if (!r) return CX_ENOMEM;
    if (!(r->tree = cx_radix_new())) {
        router_destroy(r);
        return CX_ENOMEM;
    }
    *out = r;
    return CX_OK;
}

void cx_router_free(cx_router *r) {
    if (r && !r->parent) router_destroy(r);
}

/* ---- patterns ------------------------------------------------------------- */

/* The prefixes of r and its ancestors, then rel, into buf (which holds
 * CX_ROUTER_MAX_PATTERN + 1 bytes). */
static int full_pattern(const cx_router *r, const char *rel, char *buf, size_t *out_len) {
    size_t rl = strlen(rel), n = rl;
    for (const cx_router *g = r; g; g = g->parent) n += g->prefix_len;
    if (n > CX_ROUTER_MAX_PATTERN) return CX_ELIMIT;
    size_t at = n - rl;
    memcpy(buf + at, rel, rl);
    for (const cx_router *g = r; g; g = g->parent) {
        at -= g->prefix_len;
        memcpy(buf + at, g->prefix, g->prefix_len);
    }
    buf[n] = '\0';
    *out_len = n;
    return CX_OK;
}

static int route_new(const cx_router *r, int slot, const char *rel, cx_handler_fn fn, void *data,
                     cx_rroute **out) {
    char buf[CX_ROUTER_MAX_PATTERN + 1];
    size_t n;
    int rc = full_pattern(r, rel, buf, &n);
    if (rc) return rc;
    cx_rroute *rt = calloc(1, sizeof *rt);
    if (!rt) return CX_ENOMEM;
    rt->slot = slot;
    rt->fn = fn;
    rt->data = data;
    rt->rel = strdup(rel);
    rt->full = strndup(buf, n);
    rt->full_len = n;
    rc = rt->rel && rt->full ? cx_radix_check(rt->full, n, rt->names, &rt->nparams) : CX_ENOMEM;
    if (rc) {
        route_free(rt);
        return rc;
    }
    *out = rt;
    return CX_OK;
}

/* A group or mount prefix: "" or "/" for none, else a pattern without a
 * trailing '/' or a wildcard. Sets *len to the length to keep. */
static int check_prefix(const char *prefix, size_t *len) {
    if (!prefix) return CX_EINVAL;
    size_t n = strlen(prefix);
    if (n == 0 || (n == 1 && prefix[0] == '/')) {
        *len = 0;
        return CX_OK;
    }
    cx_str names[CX_MAX_PARAMS];
    unsigned np;
    int rc = cx_radix_check(prefix, n, names, &np);
    if (rc) return rc;
    if (prefix[n - 1] == '/' || strstr(prefix, "/*")) return CX_EINVAL;
    *len = n;
    return CX_OK;
}

/* ---- registration --------------------------------------------------------- */

static int add_route(cx_router *r, int slot, const char *pattern, cx_handler_fn fn, void *data) {
    if (!r || !pattern || !fn) return CX_EINVAL;
    if (pattern[0] && pattern[0] != '/') return CX_EINVAL;
    cx_router *root = root_of(r);
    pthread_mutex_lock(&root->lock);
    cx_rroute *rt = NULL;
    int rc = is_frozen(root) ? CX_ESTATE : CX_OK;
    if (!rc) rc = grow(&r->routes, &r->caproutes, r->nroutes + 1, sizeof *r->routes);
    if (!rc) rc = route_new(r, slot, pattern, fn, data, &rt);
    if (!rc) rc = cx_radix_insert(root->tree, rt->full, rt->full_len, rt);
    if (!rc)
        r->routes[r->nroutes++] = rt;
    else
        route_free(rt);
    pthread_mutex_unlock(&root->lock);
    return rc;
}

int cx_router_add(cx_router *r, cx_method m, const char *pattern, cx_handler_fn fn, void *data) {
    int k = (int)m;
    if (k <= CX_METHOD_OTHER || k >= CX_METHOD_COUNT_) return CX_EINVAL;
    return add_route(r, k, pattern, fn, data);
}

int cx_router_get(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_GET, pattern, fn, data);
}

int cx_router_post(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_POST, pattern, fn, data);
}

int cx_router_put(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_PUT, pattern, fn, data);
}

int cx_router_delete(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_DELETE, pattern, fn, data);
}

int cx_router_patch(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_PATCH, pattern, fn, data);
}

int cx_router_options(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_METHOD_OPTIONS, pattern, fn, data);
}

int cx_router_any(cx_router *r, const char *pattern, cx_handler_fn fn, void *data) {
    return add_route(r, CX_RADIX_ANY, pattern, fn, data);
}

int cx_router_use(cx_router *r, cx_handler_fn mw, void *data) {
    if (!r || !mw) return CX_EINVAL;
    cx_router *root = root_of(r);
    pthread_mutex_lock(&root->lock);
    int rc = is_frozen(root) ? CX_ESTATE : grow(&r->mw, &r->capmw, r->nmw + 1, sizeof *r->mw);
    if (!rc) r->mw[r->nmw++] = (cx_mw){mw, data};
    pthread_mutex_unlock(&root->lock);
    return rc;
}

cx_router *cx_router_group(cx_router *r, const char *prefix) {
    size_t len;
    if (!r || check_prefix(prefix, &len)) return NULL;
    cx_router *root = root_of(r), *g = NULL;
    pthread_mutex_lock(&root->lock);
    if (!is_frozen(root) && !grow(&r->kids, &r->capkids, r->nkids + 1, sizeof *r->kids) &&
        (g = router_alloc(r, prefix, len)))
        r->kids[r->nkids++] = g;
    pthread_mutex_unlock(&root->lock);
    return g;
}

/* ---- mounting ------------------------------------------------------------- */

typedef struct graft {
    cx_rroute **routes;
    const cx_router **owners;
    char **fulls; /* the new full patterns */
    unsigned n;
} graft;

static unsigned count_routes(const cx_router *r) {
    unsigned n = r->nroutes;
    for (unsigned i = 0; i < r->nkids; i++) n += count_routes(r->kids[i]);
    return n;
}

static void collect(const cx_router *r, graft *g) {
    for (unsigned i = 0; i < r->nroutes; i++) {
        g->routes[g->n] = r->routes[i];
        g->owners[g->n++] = r;
    }
    for (unsigned i = 0; i < r->nkids; i++) collect(r->kids[i], g);
}

/* New full patterns for every collected route (sub already hangs under its
 * new parent), inserted into the root's tree; all or nothing. */
static int graft_insert(cx_router *root, graft *g) {
    char buf[CX_ROUTER_MAX_PATTERN + 1];
    cx_str names[CX_MAX_PARAMS];
    unsigned np, done = 0;
    int rc = CX_OK;
    for (unsigned k = 0; k < g->n && !rc; k++) {
        size_t n;
        rc = full_pattern(g->owners[k], g->routes[k]->rel, buf, &n);
        if (!rc) rc = cx_radix_check(buf, n, names, &np);
        if (!rc && !(g->fulls[k] = strndup(buf, n))) rc = CX_ENOMEM;
    }
    for (; done < g->n && !rc; done++)
        rc = cx_radix_insert(root->tree, g->fulls[done], strlen(g->fulls[done]), g->routes[done]);
    if (rc && done > 0) done--; /* the failed one left nothing behind */
    while (rc && done > 0) {
        done--;
        cx_radix_remove(root->tree, g->fulls[done], strlen(g->fulls[done]), g->routes[done]);
    }
    return rc;
}

static void graft_commit(graft *g) {
    for (unsigned k = 0; k < g->n; k++) {
        cx_rroute *rt = g->routes[k];
        free(rt->full);
        rt->full = g->fulls[k];
        rt->full_len = strlen(rt->full);
        g->fulls[k] = NULL;
        cx_radix_check(rt->full, rt->full_len, rt->names, &rt->nparams);
    }
}

static int mount_locked(cx_router *root, cx_router *r, char *prefix, size_t len, cx_router *sub) {
    int rc = grow(&r->kids, &r->capkids, r->nkids + 1, sizeof *r->kids);
    if (rc) return rc;
    graft g = {0};
    unsigned n = count_routes(sub);
    g.routes = calloc(n + 1, sizeof *g.routes);
    g.owners = calloc(n + 1, sizeof *g.owners);
    g.fulls = calloc(n + 1, sizeof *g.fulls);
    char *old_prefix = sub->prefix;
    if (g.routes && g.owners && g.fulls) {
        collect(sub, &g);
        sub->parent = r;
        sub->prefix = prefix;
        sub->prefix_len = len;
        rc = graft_insert(root, &g);
    } else {
        rc = CX_ENOMEM;
    }
    if (rc == CX_OK) {
        graft_commit(&g);
        cx_radix_free(sub->tree);
        sub->tree = NULL;
        free(old_prefix);
        r->kids[r->nkids++] = sub;
    } else {
        sub->parent = NULL;
        sub->prefix = old_prefix;
        sub->prefix_len = strlen(old_prefix);
        free(prefix);
    }
    for (unsigned k = 0; k < g.n; k++) free(g.fulls[k]);
    free(g.routes);
    free(g.owners);
    free(g.fulls);
    return rc;
}

int cx_router_mount(cx_router *r, const char *prefix, cx_router *sub) {
    size_t len;
    if (!r || !sub || sub->parent || sub == root_of(r)) return CX_EINVAL;
    int rc = check_prefix(prefix, &len);
    if (rc) return rc;
    char *copy = strndup(prefix, len);
    if (!copy) return CX_ENOMEM;
    cx_router *root = root_of(r);
    pthread_mutex_lock(&root->lock);
    pthread_mutex_lock(&sub->lock);
    if (is_frozen(root) || is_frozen(sub)) {
        free(copy);
        rc = CX_ESTATE;
    } else {
        rc = mount_locked(root, r, copy, len, sub);
    }
    pthread_mutex_unlock(&sub->lock);
    pthread_mutex_unlock(&root->lock);
    return rc;
}

/* ---- freezing ------------------------------------------------------------- */

/* base: the middleware of r's ancestors, outermost first. */
static int freeze_chains(cx_router *r, const cx_mw *base, unsigned nbase) {
    unsigned n = nbase + r->nmw;
    cx_mw *mine = malloc(((size_t)n + 1) * sizeof *mine);
    if (!mine) return CX_ENOMEM;
    if (nbase) memcpy(mine, base, nbase * sizeof *mine);
    if (r->nmw) memcpy(mine + nbase, r->mw, r->nmw * sizeof *mine);
    int rc = CX_OK;
    for (unsigned i = 0; i < r->nroutes && !rc; i++) {
        cx_rroute *rt = r->routes[i];
        cx_mw *chain = malloc(((size_t)n + 1) * sizeof *chain);
        if (!chain) {
            rc = CX_ENOMEM;
            break;
        }
        memcpy(chain, mine, n * sizeof *chain);
        chain[n] = (cx_mw){rt->fn, rt->data};
        free(rt->chain);
        rt->chain = chain;
        rt->chain_len = n + 1;
    }
    for (unsigned i = 0; i < r->nkids && !rc; i++) rc = freeze_chains(r->kids[i], mine, n);
    free(mine);
    return rc;
}

static uint32_t methods_of(const cx_router *r) {
    uint32_t m = 0;
    for (unsigned i = 0; i < r->nroutes; i++) {
        int s = r->routes[i]->slot;
        m |= s == CX_RADIX_ANY ? ((1u << CX_METHOD_COUNT_) - 2) : CX_RADIX_BIT(s);
        if (s == CX_METHOD_GET) m |= CX_RADIX_BIT(CX_METHOD_HEAD);
    }
    for (unsigned i = 0; i < r->nkids; i++) m |= methods_of(r->kids[i]);
    return m | CX_RADIX_BIT(CX_METHOD_OPTIONS);
}

static int fb_bad_path(cx_ctx *ctx);
static int fb_not_found(cx_ctx *ctx);
static int fb_not_allowed(cx_ctx *ctx);
static int fb_options(cx_ctx *ctx);

static int freeze_fallbacks(cx_router *root) {
    static const cx_handler_fn fns[FB_COUNT] = {fb_bad_path, fb_not_found, fb_not_allowed,
                                                fb_options};
    unsigned n = root->nmw + 1;
    cx_mw *fb = malloc((size_t)FB_COUNT * n * sizeof *fb);
    if (!fb) return CX_ENOMEM;
    for (unsigned k = 0; k < FB_COUNT; k++) {
        if (root->nmw) memcpy(fb + k * n, root->mw, root->nmw * sizeof *fb);
        fb[k * n + root->nmw] = (cx_mw){fns[k], root};
    }
    free(root->fallback);
    root->fallback = fb;
    return CX_OK;
}

static int freeze_root(cx_router *root) {
    if (atomic_load_explicit(&root->frozen, memory_order_acquire)) return CX_OK;
    pthread_mutex_lock(&root->lock);
    int rc = CX_OK;
    if (!atomic_load_explicit(&root->frozen, memory_order_relaxed)) {
        rc = freeze_chains(root, NULL, 0);
        if (!rc) rc = freeze_fallbacks(root);
        root->all_allowed = methods_of(root);
        if (!rc) atomic_store_explicit(&root->frozen, true, memory_order_release);
    }
    pthread_mutex_unlock(&root->lock);
    return rc;
}

int cx_router_freeze(cx_router *r) {
    return r ? freeze_root(root_of(r)) : CX_EINVAL;
}

/* ---- matching ------------------------------------------------------------- */

int cx_router_match(const cx_router *cr, cx_method m, cx_str path, cx_route_match *out) {
    if (!cr || !out || !path.ptr || path.len == 0 || path.ptr[0] != '/') return CX_EINVAL;
    cx_router *root = root_of(cr);
    int rc = freeze_root(root);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    cx_str vals[CX_MAX_PARAMS];
    unsigned nv = 0;
    const cx_rroute *rt = cx_radix_find(root->tree, m, path, vals, &nv);
    out->allowed = cx_radix_allowed(root->tree, path);
    if (!rt) return CX_ENOTFOUND;
    out->chain = rt->chain;
    out->chain_len = rt->chain_len;
    out->handler = rt->fn;
    out->data = rt->data;
    out->pattern = (cx_str){rt->full, rt->full_len};
    for (unsigned i = 0; i < nv; i++) out->params[i] = (cx_route_param){rt->names[i], vals[i]};
    out->nparams = nv;
    return CX_OK;
}

static const char *const allow_order[] = {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS",
                                          "PATCH",   "POST",   "PUT", "TRACE"};
static const cx_method allow_methods[] = {CX_METHOD_CONNECT, CX_METHOD_DELETE,  CX_METHOD_GET,
                                          CX_METHOD_HEAD,    CX_METHOD_OPTIONS, CX_METHOD_PATCH,
                                          CX_METHOD_POST,    CX_METHOD_PUT,     CX_METHOD_TRACE};

/* Copy what fits of s into buf at `at`, always leaving room for the NUL. */
static void put_clipped(char *buf, size_t cap, size_t at, const char *s, size_t l) {
    if (!buf || at + 1 >= cap) return;
    size_t room = cap - 1 - at;
    memcpy(buf + at, s, l < room ? l : room);
}

size_t cx_router_allow_format(uint32_t allowed, char *buf, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < sizeof allow_methods / sizeof allow_methods[0]; i++) {
        if (!(allowed & CX_RADIX_BIT(allow_methods[i]))) continue;
        if (n) {
            put_clipped(buf, cap, n, ", ", 2);
            n += 2;
        }
        size_t l = strlen(allow_order[i]);
        put_clipped(buf, cap, n, allow_order[i], l);
        n += l;
    }
    if (buf && cap) buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* ---- the root handler ----------------------------------------------------- */

static bool is_asterisk(cx_str p) {
    return p.len == 1 && p.ptr[0] == '*';
}

/* The methods the request's path answers to (all of the router's for
 * "OPTIONS *"). */
static uint32_t request_allowed(cx_ctx *ctx) {
    const cx_router *root = cx_ctx_data(ctx);
    cx_str path = cx_req_path(ctx->req);
    if (is_asterisk(path)) return root->all_allowed;
    return path.len && path.ptr[0] == '/' ? cx_radix_allowed(root->tree, path) : 0;
}

static int set_allow(cx_ctx *ctx) {
    char allow[128];
    cx_router_allow_format(request_allowed(ctx), allow, sizeof allow);
    return cx_res_header(ctx->res, "Allow", allow);
}

static int fb_bad_path(cx_ctx *ctx) {
    return cx_problem(ctx, 400, "the request path is malformed");
}

static int fb_not_found(cx_ctx *ctx) {
    return cx_problem(ctx, 404, "no route matches the request path");
}

static int fb_not_allowed(cx_ctx *ctx) {
    int rc = cx_problem(ctx, 405, "the path does not support the request method");
    return rc ? rc : set_allow(ctx);
}

static int fb_options(cx_ctx *ctx) {
    cx_res_status(ctx->res, 204);
    cx_buf_reset(cx_res_body(ctx->res));
    return set_allow(ctx);
}

static int fallback_for(cx_router *root, cx_ctx *ctx, cx_str path, bool bad) {
    cx_method m = cx_req_method(ctx->req);
    if (bad) return FB_BAD_PATH;
    if (m == CX_METHOD_OPTIONS && is_asterisk(path)) return FB_OPTIONS;
    if (path.len == 0 || path.ptr[0] != '/') return FB_BAD_PATH;
    if (!cx_radix_allowed(root->tree, path)) return FB_NOT_FOUND;
    return m == CX_METHOD_OPTIONS ? FB_OPTIONS : FB_NOT_ALLOWED;
}

/* The chain for this request; sets the route and its parameters. */
static const cx_mw *select_chain(cx_router *root, cx_ctx *ctx, unsigned *len) {
    cx_str path;
    bool bad = cx_req_path_checked(ctx->req, &path) != CX_OK;
    if (!bad && path.len && path.ptr[0] == '/') {
        cx_str vals[CX_MAX_PARAMS];
        unsigned nv = 0;
        const cx_rroute *rt = cx_radix_find(root->tree, cx_req_method(ctx->req), path, vals, &nv);
        if (rt) {
            for (unsigned i = 0; i < nv; i++) ctx->params[i] = (cx_param_kv){rt->names[i], vals[i]};
            ctx->nparams = nv;
            ctx->route = (cx_str){rt->full, rt->full_len};
            *len = rt->chain_len;
            return rt->chain;
        }
    }
    *len = root->nmw + 1;
    return root->fallback + (size_t)fallback_for(root, ctx, path, bad) * *len;
}

int cx_router_handle(cx_ctx *ctx) {
    if (!ctx || !ctx->req || !ctx->res) return CX_EINVAL;
    cx_router *r = cx_ctx_data(ctx);
    if (!r) return CX_EINVAL;
    cx_router *root = root_of(r);
    int rc = freeze_root(root);
    if (rc) return rc;
    unsigned len;
    const cx_mw *chain = select_chain(root, ctx, &len);
    /* Run the route's chain in place of the caller's, then put the caller's
     * back, so that a router can itself sit inside a chain. */
    const cx_mw *saved = ctx->chain;
    unsigned saved_len = ctx->chain_len, saved_pos = ctx->chain_pos;
    ctx->chain = chain;
    ctx->chain_len = len;
    ctx->chain_pos = 0;
    rc = chain[0].fn(ctx);
    ctx->chain = saved;
    ctx->chain_len = saved_len;
    ctx->chain_pos = saved_pos;
    return rc;
}

/* ---- listing -------------------------------------------------------------- */

int cx_router_walk(const cx_router *r, int (*fn)(void *arg, cx_method method, const char *pattern),
                   void *arg) {
    if (!r || !fn) return CX_EINVAL;
    for (unsigned i = 0; i < r->nroutes; i++) {
        const cx_rroute *rt = r->routes[i];
        int rc =
            fn(arg, rt->slot == CX_RADIX_ANY ? CX_METHOD_OTHER : (cx_method)rt->slot, rt->full);
        if (rc) return rc;
    }
    for (unsigned i = 0; i < r->nkids; i++) {
        int rc = cx_router_walk(r->kids[i], fn, arg);
        if (rc) return rc;
    }
    return CX_OK;
}
