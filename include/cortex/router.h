/* Routing: from method and path to a chain of middleware and a handler.
 *
 * A router maps patterns such as "/users/:id" (and, with a final "*rest"
 * segment, whole subtrees) to handlers, one per method. Its routes live in
 * a radix tree keyed by the decoded request path. Each pattern segment is
 * static text, ":name" (one non-empty segment) or "*name" (the rest of the
 * path, possibly empty; last segment only). Static beats parameter beats
 * wildcard, and when a more specific branch leads nowhere the search backs
 * up and tries the next kind, so "/a/:x/c" and "/a/b/d" both work.
 * Trailing slashes are strict: "/users" and "/users/" are different routes.
 *
 * Middleware is an onion: int mw(cx_ctx *) runs code, calls cx_next(ctx) to
 * run the rest of the chain, and runs code after it. cx_router_use() adds
 * middleware to a router; it wraps every route of that router and of its
 * groups and mounted routers, whenever the route was added. A group is a
 * child router with a path prefix and middleware of its own; a mounted
 * router is an independently built router placed under a prefix, after
 * which it behaves as a group. A route's chain is therefore: the root's
 * middleware, each enclosing group's middleware (outermost first), then the
 * handler — all in registration order.
 *
 * Building and serving are two phases. Build on one thread; the first
 * cx_router_handle() or cx_router_match() (or an explicit
 * cx_router_freeze()) freezes the router: every chain is laid out once,
 * further changes fail with CX_ESTATE, and from then on the router is
 * read-only — worker threads share it without locks, and matching allocates
 * nothing.
 *
 * cx_router_handle() is the root handler for the server. Beyond the routes
 * it answers by itself: 404 when no pattern matches the path; 405 with an
 * Allow header when patterns match but none for this method; a GET route
 * answers HEAD; OPTIONS gets 204 with Allow unless a route handles it; a
 * path that is empty, does not start with '/' or has a bad percent-escape
 * gets 400. Those answers are RFC 9457 problems (cx_problem) and run
 * through the root router's middleware, so logging or CORS middleware sees
 * every request. docs/router.md has the full rules.
 */
#ifndef CORTEX_ROUTER_H
#define CORTEX_ROUTER_H

#include <stdint.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most parameters (":name" plus "*name") in one pattern → CX_ELIMIT. */
#define CX_ROUTER_MAX_PARAMS 16
/* Longest pattern in bytes, after group and mount prefixes → CX_ELIMIT. */
#ifndef CX_ROUTER_MAX_PATTERN
#define CX_ROUTER_MAX_PATTERN 1024
#endif
/* Most segments in one pattern → CX_ELIMIT. It bounds the matcher's
 * backtracking stack, which lives on the (small) coroutine stack. */
#ifndef CX_ROUTER_MAX_SEGMENTS
#define CX_ROUTER_MAX_SEGMENTS 64
#endif

typedef struct cx_router cx_router;

/* A new, empty root router in *out; CX_EINVAL or CX_ENOMEM. The caller owns
 * it and frees it with cx_router_free() after the server has stopped. */
int cx_router_new(cx_router **out);
/* Free a root router with all its routes, groups and mounted routers. A
 * group or a mounted router belongs to its parent: freeing it is a no-op.
 * NULL is fine. */
void cx_router_free(cx_router *r);

/* Register fn (with data, returned by cx_ctx_data() while fn runs) for
 * method m on pattern. The pattern is copied. In a root router it starts
 * with '/'; in a group or mounted router it is "" (the prefix itself) or
 * starts with '/'. Errors:
 *   CX_EINVAL   NULL arguments, CX_METHOD_OTHER, a malformed pattern (empty
 *               segment inside it, bad parameter name, wildcard not last,
 *               control characters, repeated parameter name), or a
 *               parameter or wildcard whose name differs from the one an
 *               earlier route uses at the same position;
 *   CX_EEXIST   the same method is already registered for the same shape;
 *   CX_ELIMIT   over CX_ROUTER_MAX_PATTERN / _PARAMS / _SEGMENTS;
 *   CX_ESTATE   the router is frozen;
 *   CX_ENOMEM.
 * The router is unchanged after an error. */
int cx_router_add(cx_router *r, cx_method m, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_get(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_post(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_put(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_delete(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_patch(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
int cx_router_options(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);
/* Every method, including ones Cortex has no name for. A route for a
 * specific method on the same pattern takes precedence over it. */
int cx_router_any(cx_router *r, const char *pattern, cx_handler_fn fn, void *data);

/* Add middleware (with its data) to r: it runs, in the order added, around
 * every route of r and of r's groups and mounted routers. CX_EINVAL,
 * CX_ESTATE, CX_ENOMEM. */
int cx_router_use(cx_router *r, cx_handler_fn mw, void *data);

/* A child router whose routes are registered under prefix ("/api"; "" or
 * "/" for none; no trailing '/'; parameters allowed, a wildcard not) and
 * wrapped in r's middleware and then its own. Owned by r: valid until r is
 * freed, never freed by the caller. NULL when prefix is malformed or r is
 * NULL (CX_EINVAL), r is frozen (CX_ESTATE) or memory ran out — every
 * cx_router_* call given that NULL then fails with CX_EINVAL, so a chain of
 * registrations can be checked once at the end. */
cx_router *cx_router_group(cx_router *r, const char *prefix);

/* Place sub, built on its own, under prefix in r (prefix as for groups).
 * On success r owns sub: sub becomes a group of r (more routes may still be
 * added to it until r is frozen) and is freed with r. On any error the
 * caller keeps sub and nothing changed. Errors: CX_EINVAL (NULL, bad
 * prefix, sub is r or an ancestor of r, sub already has a parent, or a
 * resulting pattern is malformed or names a parameter differently),
 * CX_EEXIST (a route of sub collides with one of r), CX_ELIMIT, CX_ESTATE
 * (either router frozen), CX_ENOMEM. */
int cx_router_mount(cx_router *r, const char *prefix, cx_router *sub);

/* Lay out every chain and forbid further changes. Optional: the first
 * cx_router_handle() or cx_router_match() does it. Calling it again is a
 * no-op. On a group, freezes the whole tree it belongs to. CX_EINVAL,
 * CX_ENOMEM (the router stays unfrozen and usable). */
int cx_router_freeze(cx_router *r);

/* The root handler: cx_ctx_data(ctx) must be the router (pass it as the
 * server's handler_data). Matches cx_req_method() and cx_req_path(), sets
 * the route parameters (cx_param) and pattern (cx_ctx_route), runs the
 * route's chain and returns its result; answers 400/404/405/OPTIONS as
 * described above. After it returns, ctx's chain is the caller's again. */
int cx_router_handle(cx_ctx *ctx);

typedef struct cx_route_param {
    cx_str name;  /* the pattern's ":name" / "*name", without the sigil */
    cx_str value; /* a slice of the path given to cx_router_match */
} cx_route_param;

/* The result of cx_router_match(). */
typedef struct cx_route_match {
    /* The chain to run (middleware..., handler); its layout is private to
     * the library. Owned by the router. */
    const struct cx_mw *chain;
    unsigned chain_len;
    cx_handler_fn handler; /* the route's own handler, the last link */
    void *data;
    cx_str pattern; /* the full pattern, prefixes included; router-owned */
    cx_route_param params[CX_ROUTER_MAX_PARAMS];
    unsigned nparams;
    /* Every method the path answers to, matched route or not: bit
     * (1u << cx_method) for each; HEAD whenever GET; OPTIONS whenever any
     * route matches the path. 0 means no pattern matches the path. */
    uint32_t allowed;
} cx_route_match;

/* Match method m and a decoded path without a request (tools, tests).
 *   0             a route: everything in *out is set;
 *   CX_ENOTFOUND  no route for m: out->allowed == 0 means no pattern
 *                 matches the path (404), otherwise the path exists for
 *                 other methods (405 — or, for OPTIONS, the automatic 204);
 *   CX_EINVAL     NULL arguments, or a path that is empty or does not start
 *                 with '/';
 *   CX_ENOMEM     freezing (see cx_router_freeze) failed.
 * Freezes the router. Thread-safe once frozen; allocates nothing. The
 * parameter values point into path. */
int cx_router_match(const cx_router *r, cx_method m, cx_str path, cx_route_match *out);

/* Write the Allow header value for an allowed mask into buf ("GET, HEAD,
 * OPTIONS": sorted, ", "-separated, NUL-terminated, truncated to cap).
 * Returns the length the full value needs, as snprintf does. */
size_t cx_router_allow_format(uint32_t allowed, char *buf, size_t cap);

/* Call fn for every route of r and of its groups and mounted routers: r's
 * own routes in registration order, then each child's, in the order the
 * children were created. pattern is the full pattern (router-owned);
 * method is CX_METHOD_OTHER for cx_router_any() routes. For listings and
 * tests. Stops and returns fn's value when it is not 0. */
int cx_router_walk(const cx_router *r, int (*fn)(void *arg, cx_method method, const char *pattern),
                   void *arg);

#ifdef __cplusplus
}
#endif
#endif
