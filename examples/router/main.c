/* Routing: groups, a mounted router and middleware, shown without a server.
 *
 *   example_router                 list the routes and where sample requests go
 *   example_router --serve [PORT]  serve the same routes (default port 8080):
 *       curl -i http://127.0.0.1:8080/api/v1/users/7
 *       curl -i -X DELETE http://127.0.0.1:8080/api/v1/users/7       (405, Allow)
 *       curl -i -H 'Authorization: Bearer letmein' http://127.0.0.1:8080/admin/stats
 *
 * The admin pages are a router built on its own and mounted under /admin;
 * its token check wraps only its own routes, while the timing middleware
 * on the root wraps everything, including the router's 404 and 405. */
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/router.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- middleware ----------------------------------------------------------- */

/* Outermost: time the rest of the chain and say which route answered. */
static int timing(cx_ctx *ctx) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cx_next(ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
    char buf[32];
    snprintf(buf, sizeof buf, "%ldus", us);
    cx_res_header(cx_ctx_res(ctx), "X-Elapsed", buf);
    cx_str route = cx_ctx_route(ctx);
    if (route.len) cx_res_header_n(cx_ctx_res(ctx), CX_STR("X-Route"), route);
    return rc;
}

/* The admin router's guard: its data is the expected bearer token. */
static int require_token(cx_ctx *ctx) {
    const char *token = cx_ctx_data(ctx);
    cx_str auth;
    char want[128];
    snprintf(want, sizeof want, "Bearer %s", token);
    if (cx_req_header(cx_ctx_req(ctx), "Authorization", &auth) != 0 ||
        !cx_str_eq(auth, cx_str_from(want)))
        return cx_problem(ctx, 401, "a valid bearer token is required");
    cx_ctx_set(ctx, "user", "admin");
    return cx_next(ctx);
}

/* ---- handlers ------------------------------------------------------------- */

static int text(cx_ctx *ctx, const char *s) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", s, strlen(s));
}

static int home(cx_ctx *ctx) {
    return text(ctx, "welcome\n");
}

static int list_users(cx_ctx *ctx) {
    return text(ctx, "alice\nbob\n");
}

static int get_user(cx_ctx *ctx) {
    cx_str id = cx_param(ctx, "id");
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "user %.*s\n", (int)id.len, id.ptr);
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "text/plain");
}

static int create_user(cx_ctx *ctx) {
    cx_res_status(cx_ctx_res(ctx), 201);
    return text(ctx, "created\n");
}

static int docs(cx_ctx *ctx) {
    cx_str page = cx_param(ctx, "page");
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "docs page '%.*s'\n", (int)page.len, page.ptr);
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "text/plain");
}

static int health(cx_ctx *ctx) {
    return text(ctx, "ok\n");
}

static int stats(cx_ctx *ctx) {
    const char *who = cx_ctx_get(ctx, "user");
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "stats for %s\n", who ? who : "?");
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "text/plain");
}

/* ---- building ------------------------------------------------------------- */

static cx_router *build_admin(void) {
    cx_router *admin;
    if (cx_router_new(&admin)) return NULL;
    int rc = cx_router_use(admin, require_token, "letmein");
    if (!rc) rc = cx_router_get(admin, "/stats", stats, NULL);
    if (rc) {
        cx_router_free(admin);
        return NULL;
    }
    return admin;
}

static int build(cx_router **out) {
    cx_router *r;
    int rc = cx_router_new(&r);
    if (rc) return rc;
    cx_router *api = cx_router_group(r, "/api");
    cx_router *v1 = cx_router_group(api, "/v1");
    /* Calls given a NULL group fail with CX_EINVAL, so checking the last
     * result of a chain of registrations catches a failed group too. */
    if ((rc = cx_router_use(r, timing, NULL)) || (rc = cx_router_get(r, "/", home, NULL)) ||
        (rc = cx_router_get(r, "/docs/*page", docs, NULL)) ||
        (rc = cx_router_any(r, "/health", health, NULL)) ||
        (rc = cx_router_get(v1, "/users", list_users, NULL)) ||
        (rc = cx_router_post(v1, "/users", create_user, NULL)) ||
        (rc = cx_router_get(v1, "/users/:id", get_user, NULL)))
        goto fail;
    cx_router *admin = build_admin();
    if (!admin) {
        rc = CX_ENOMEM;
        goto fail;
    }
    if ((rc = cx_router_mount(r, "/admin", admin))) {
        cx_router_free(admin); /* still ours when mounting fails */
        goto fail;
    }
    /* A second registration of the same shape is refused at once. */
    if (cx_router_get(v1, "/users/:id", get_user, NULL) != CX_EEXIST) rc = CX_ESTATE;
    if (cx_router_get(v1, "/users/:uid/posts", get_user, NULL) != CX_EINVAL) rc = CX_ESTATE;
    if (rc) goto fail;
    *out = r;
    return 0;
fail:
    cx_router_free(r);
    return rc;
}

/* ---- showing -------------------------------------------------------------- */

static int print_route(void *arg, cx_method m, const char *pattern) {
    (void)arg;
    printf("  %-7s %s\n", m == CX_METHOD_OTHER ? "ANY" : cx_method_name(m), pattern);
    return 0;
}

static void show(const cx_router *r, cx_method m, const char *path) {
    cx_route_match mt;
    int rc = cx_router_match(r, m, cx_str_from(path), &mt);
    char allow[128];
    cx_router_allow_format(mt.allowed, allow, sizeof allow);
    printf("  %-7s %-26s ", cx_method_name(m) ? cx_method_name(m) : "?", path);
    if (rc == CX_EINVAL) {
        printf("400 (not a path)\n");
    } else if (rc == CX_ENOTFOUND && mt.allowed == 0) {
        printf("404\n");
    } else if (rc == CX_ENOTFOUND) {
        printf("%s  Allow: %s\n", m == CX_METHOD_OPTIONS ? "204" : "405", allow);
    } else {
        printf("-> %.*s", (int)mt.pattern.len, mt.pattern.ptr);
        for (unsigned i = 0; i < mt.nparams; i++)
            printf("  %.*s=\"%.*s\"", (int)mt.params[i].name.len, mt.params[i].name.ptr,
                   (int)mt.params[i].value.len, mt.params[i].value.ptr);
        printf("  (chain of %u)\n", mt.chain_len);
    }
}

static void show_all(const cx_router *r) {
    printf("routes:\n");
    cx_router_walk(r, print_route, NULL);
    printf("\nrequests:\n");
    static const struct {
        cx_method m;
        const char *path;
    } reqs[] = {
        {CX_METHOD_GET, "/"},
        {CX_METHOD_GET, "/api/v1/users"},
        {CX_METHOD_POST, "/api/v1/users"},
        {CX_METHOD_GET, "/api/v1/users/7"},
        {CX_METHOD_HEAD, "/api/v1/users/7"},
        {CX_METHOD_DELETE, "/api/v1/users/7"},
        {CX_METHOD_OPTIONS, "/api/v1/users"},
        {CX_METHOD_GET, "/api/v1/users/7/extra"},
        {CX_METHOD_GET, "/docs/guide/routing.md"},
        {CX_METHOD_GET, "/docs/"},
        {CX_METHOD_PATCH, "/health"},
        {CX_METHOD_GET, "/admin/stats"},
        {CX_METHOD_GET, "/api/v1/users/"},
        {CX_METHOD_GET, "users"},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) show(r, reqs[i].m, reqs[i].path);
}

static int serve(cx_router *r, const char *port_arg) {
    long port = port_arg ? strtol(port_arg, NULL, 10) : 8080;
    if (port < 0 || port > 65535) {
        fprintf(stderr, "bad port '%s'\n", port_arg);
        return 2;
    }
    cx_server_options o;
    cx_server_options_default(&o);
    o.port = (uint16_t)port;
    o.handler = cx_router_handle;
    o.handler_data = r;
    cx_server *srv = NULL;
    int rc = cx_server_new(&srv, &o);
    if (rc) {
        fprintf(stderr, "cannot listen on port %ld: %s\n", port, cx_strerror(rc));
        return 1;
    }
    printf("listening on http://127.0.0.1:%u/ (Ctrl-C stops)\n", cx_server_port(srv));
    fflush(stdout);
    rc = cx_server_run(srv);
    cx_server_free(srv);
    return rc ? 1 : 0;
}

int main(int argc, char **argv) {
    cx_router *r = NULL;
    int rc = build(&r);
    if (rc) {
        fprintf(stderr, "building the router failed: %s\n", cx_strerror(rc));
        return 1;
    }
    int status = 0;
    if (argc > 1 && strcmp(argv[1], "--serve") == 0)
        status = serve(r, argc > 2 ? argv[2] : NULL);
    else
        show_all(r);
    cx_router_free(r); /* after the server has stopped: workers share it */
    return status;
}
