/* Fuzz the router: matching must never crash and must agree with a slow
 * reference matcher; registration must never crash, and whatever it
 * accepts must then match the same way.
 *
 * Input: byte 0 picks the mode, byte 1 the method to match with.
 *   mode even: the rest is a path, matched against a fixed router.
 *   mode odd:  the rest is lines; each but the last registers a route (its
 *              first byte picks the method and whether it goes to the root,
 *              a group "/g" or a router mounted at "/m", the remainder is
 *              the pattern); the last line is a path to match. Every
 *              accepted pattern is then also matched as a path itself.
 *
 * The reference works on whole segments and checks every route: a route
 * matches when each pattern segment matches (static: equal; ":x": any
 * non-empty segment; "*x": the rest, possibly empty); among the routes
 * whose method fits, the best has the greatest sequence of segment kinds
 * (static > param > wildcard, compared left to right), and within that
 * pattern the method itself wins over GET-for-HEAD, which wins over any. */
#include <cortex/error.h>
#include <cortex/router.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 64

typedef struct ref_route {
    char pat[CX_ROUTER_MAX_PATTERN + 1];
    int slot; /* cx_method, 0 for any */
} ref_route;

typedef struct ref_set {
    ref_route r[2 * MAX_ROUTES];
    int n;
} ref_set;

static int h_noop(cx_ctx *ctx) {
    (void)ctx;
    return 0;
}

static int mw_noop(cx_ctx *ctx) {
    return cx_next(ctx);
}

/* ---- the reference -------------------------------------------------------- */

enum { KIND_WILD = 0, KIND_PARAM = 1, KIND_STATIC = 2 };

typedef struct ref_result {
    int kinds[CX_ROUTER_MAX_SEGMENTS + 1];
    int nkinds;
    cx_str values[CX_ROUTER_MAX_PARAMS];
    int nvalues;
} ref_result;

/* Does pattern p match path? Fills the kinds and parameter values. */
static int ref_match(const char *p, cx_str path, ref_result *out) {
    size_t pi = 1, qi = 1, plen = strlen(p);
    out->nkinds = out->nvalues = 0;
    if (path.len == 0 || path.ptr[0] != '/') return 0;
    for (;;) {
        size_t pe = pi;
        while (pe < plen && p[pe] != '/') pe++;
        if (pi < plen && p[pi] == '*') {
            out->kinds[out->nkinds++] = KIND_WILD;
            out->values[out->nvalues++] = (cx_str){path.ptr + qi, path.len - qi};
            return 1;
        }
        if (qi > path.len) return 0; /* the path has no segment left */
        size_t qe = qi;
        while (qe < path.len && path.ptr[qe] != '/') qe++;
        if (pi < plen && p[pi] == ':') {
            if (qe == qi) return 0;
            out->kinds[out->nkinds++] = KIND_PARAM;
            out->values[out->nvalues++] = (cx_str){path.ptr + qi, qe - qi};
        } else {
            if (pe - pi != qe - qi || memcmp(p + pi, path.ptr + qi, pe - pi) != 0) return 0;
            out->kinds[out->nkinds++] = KIND_STATIC;
        }
        bool p_end = pe >= plen, q_end = qe >= path.len;
        if (p_end || q_end) return p_end && q_end;
        pi = pe + 1;
        qi = qe + 1;
    }
}

static int cmp_kinds(const ref_result *a, const ref_result *b) {
    for (int i = 0; i < a->nkinds && i < b->nkinds; i++)
        if (a->kinds[i] != b->kinds[i]) return a->kinds[i] - b->kinds[i];
    return a->nkinds - b->nkinds;
}

/* How well slot fits method m: 3 exactly, 2 GET for HEAD, 1 any, 0 not. */
static int fit(int slot, cx_method m) {
    if (slot == (int)m && slot != 0) return 3;
    if (m == CX_METHOD_HEAD && slot == CX_METHOD_GET) return 2;
    return slot == 0 ? 1 : 0;
}

static uint32_t slot_mask(int slot) {
    if (slot == 0) return ((1u << CX_METHOD_COUNT_) - 2);
    uint32_t m = 1u << slot;
    if (slot == CX_METHOD_GET) m |= 1u << CX_METHOD_HEAD;
    return m;
}

/* The index of the route the reference picks, or -1; *allowed as the
 * router computes it. */
static int ref_pick(const ref_set *set, cx_method m, cx_str path, ref_result *best,
                    uint32_t *allowed) {
    int bi = -1, bfit = 0;
    *allowed = 0;
    for (int i = 0; i < set->n; i++) {
        ref_result r;
        if (set->r[i].slot < 0 || !ref_match(set->r[i].pat, path, &r)) continue;
        *allowed |= slot_mask(set->r[i].slot) | (1u << CX_METHOD_OPTIONS);
        int f = fit(set->r[i].slot, m);
        if (!f) continue;
        int c = bi < 0 ? 1 : cmp_kinds(&r, best);
        if (c > 0 || (c == 0 && f > bfit)) {
            bi = i;
            bfit = f;
            *best = r;
        }
    }
    return bi;
}

/* ---- comparing ------------------------------------------------------------ */

static void check(const cx_router *r, const ref_set *set, cx_method m, cx_str path) {
    cx_route_match mt;
    int rc = cx_router_match(r, m, path, &mt);
    if (path.len == 0 || path.ptr[0] != '/') {
        if (rc != CX_EINVAL) abort();
        return;
    }
    ref_result want;
    uint32_t allowed;
    int idx = ref_pick(set, m, path, &want, &allowed);
    if (mt.allowed != allowed) abort();
    if (idx < 0) {
        if (rc != CX_ENOTFOUND) abort();
        return;
    }
    if (rc != 0 || (int)(intptr_t)mt.data != idx + 1) abort();
    if (strlen(set->r[idx].pat) != mt.pattern.len ||
        memcmp(set->r[idx].pat, mt.pattern.ptr, mt.pattern.len) != 0)
        abort();
    if ((int)mt.nparams != want.nvalues || mt.chain_len < 1 || mt.handler != h_noop) abort();
    for (unsigned i = 0; i < mt.nparams; i++) {
        cx_str v = mt.params[i].value;
        if (v.len != want.values[i].len || v.ptr != want.values[i].ptr) abort();
        if (v.ptr < path.ptr || v.ptr + v.len > path.ptr + path.len) abort();
    }
}

/* ---- a fixed router ------------------------------------------------------- */

static const struct {
    int slot;
    const char *pat;
} fixed_routes[] = {
    {CX_METHOD_GET, "/"},
    {CX_METHOD_GET, "/users"},
    {CX_METHOD_POST, "/users"},
    {CX_METHOD_GET, "/users/new"},
    {CX_METHOD_GET, "/users/:id"},
    {CX_METHOD_PUT, "/users/:id"},
    {CX_METHOD_DELETE, "/users/:id"},
    {CX_METHOD_GET, "/users/:id/posts/:post"},
    {CX_METHOD_GET, "/users/:id/files/*path"},
    {CX_METHOD_GET, "/a/:x/c"},
    {CX_METHOD_GET, "/a/b/d"},
    {CX_METHOD_GET, "/a/*rest"},
    {CX_METHOD_HEAD, "/a/b/d"},
    {CX_METHOD_OPTIONS, "/opt"},
    {0, "/any/:thing"},
    {CX_METHOD_PATCH, "/any/fixed"},
    {CX_METHOD_GET, "/search"},
    {CX_METHOD_GET, "/support"},
    {CX_METHOD_GET, "/s"},
    {CX_METHOD_GET, "/static/*file"},
    {CX_METHOD_GET, "/v1/things:batchGet"},
    {CX_METHOD_GET, "/trailing/"},
    {CX_METHOD_GET, "/:a/:b/:c/end"},
    {CX_METHOD_GET, "/x/y/z/end2"},
    {CX_METHOD_TRACE, "/caf\xc3\xa9"},
};

static cx_router *fixed;
static ref_set fixed_set;

static int add(cx_router *r, int slot, const char *pat, void *data) {
    return slot == 0 ? cx_router_any(r, pat, h_noop, data)
                     : cx_router_add(r, (cx_method)slot, pat, h_noop, data);
}

static void build_fixed(void) {
    if (cx_router_new(&fixed) || cx_router_use(fixed, mw_noop, NULL)) abort();
    for (size_t i = 0; i < sizeof fixed_routes / sizeof *fixed_routes; i++) {
        ref_route *rr = &fixed_set.r[fixed_set.n];
        snprintf(rr->pat, sizeof rr->pat, "%s", fixed_routes[i].pat);
        rr->slot = fixed_routes[i].slot;
        if (add(fixed, rr->slot, rr->pat, (void *)(intptr_t)(fixed_set.n + 1))) abort();
        fixed_set.n++;
    }
}

/* ---- fuzzed registration -------------------------------------------------- */

static cx_method method_of(uint8_t b) {
    return (cx_method)(b % (CX_METHOD_COUNT_ + 1)); /* one past the end too */
}

typedef struct built {
    cx_router *root, *group, *sub;
    ref_set set;
    ref_route sub_routes[MAX_ROUTES];
    int nsub;
} built;

static void register_line(built *b, const uint8_t *line, size_t len) {
    if (len == 0 || b->set.n >= MAX_ROUTES) return;
    char pat[CX_ROUTER_MAX_PATTERN + 64];
    size_t plen = len - 1 < sizeof pat - 1 ? len - 1 : sizeof pat - 1;
    memcpy(pat, line + 1, plen);
    pat[plen] = '\0';
    if (strlen(pat) != plen) return; /* a NUL inside: the C API cannot see it */
    int slot = line[0] % CX_METHOD_COUNT_, where = (line[0] / CX_METHOD_COUNT_) % 3;
    cx_router *to = where == 0 ? b->root : where == 1 ? b->group : b->sub;
    const char *prefix = where == 1 ? "/g" : "";
    ref_route rr;
    if (snprintf(rr.pat, sizeof rr.pat, "%s%s", prefix, pat) >= (int)sizeof rr.pat) rr.pat[0] = 0;
    rr.slot = slot;
    /* The data is the index the route will have in the reference. */
    int idx = where == 2 ? MAX_ROUTES + b->nsub : b->set.n;
    if (add(to, slot, pat, (void *)(intptr_t)(idx + 1)) != 0) return;
    if (where == 2)
        b->sub_routes[b->nsub++] = rr;
    else
        b->set.r[b->set.n++] = rr;
}

/* The sub-router's routes join the reference (under "/m") only if the mount
 * succeeded; their data already points past MAX_ROUTES, so they go there. */
static void mount_sub(built *b) {
    if (cx_router_mount(b->root, "/m", b->sub) != 0) {
        cx_router_free(b->sub);
        b->sub = NULL;
        b->nsub = 0;
        return;
    }
    while (b->set.n < MAX_ROUTES) {
        b->set.r[b->set.n].pat[0] = '\0';
        b->set.r[b->set.n++].slot = -1; /* padding that never matches */
    }
    for (int i = 0; i < b->nsub; i++) {
        ref_route *rr = &b->set.r[b->set.n++];
        if (snprintf(rr->pat, sizeof rr->pat, "/m%s", b->sub_routes[i].pat) >= (int)sizeof rr->pat)
            abort(); /* the router accepted it, so it fits */
        rr->slot = b->sub_routes[i].slot;
    }
}

static void fuzz_registration(const uint8_t *data, size_t size, cx_method m) {
    built b = {0};
    if (cx_router_new(&b.root) || cx_router_new(&b.sub)) abort();
    b.group = cx_router_group(b.root, "/g");
    if (!b.group || cx_router_use(b.group, mw_noop, NULL)) abort();
    const uint8_t *end = data + size, *line = data;
    int lines = 0;
    while (line < end && lines++ < MAX_ROUTES) {
        const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) break; /* the last line is the query */
        register_line(&b, line, (size_t)(nl - line));
        line = nl + 1;
    }
    mount_sub(&b);
    check(b.root, &b.set, m, (cx_str){(const char *)line, (size_t)(end - line)});
    for (int i = 0; i < b.set.n; i++) {
        if (b.set.r[i].slot < 0) continue;
        cx_str p = cx_str_from(b.set.r[i].pat);
        check(b.root, &b.set, m, p);
        check(b.root, &b.set, (cx_method)b.set.r[i].slot, p);
    }
    cx_router_free(b.root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fixed) build_fixed();
    if (size < 2) return 0;
    cx_method m = method_of(data[1]);
    if (data[0] % 2 == 0)
        check(fixed, &fixed_set, m, (cx_str){(const char *)data + 2, size - 2});
    else
        fuzz_registration(data + 2, size - 2, m);
    return 0;
}
