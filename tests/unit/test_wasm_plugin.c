/* Wasm plugins behind the router: handler and middleware mounts, failures
 * turned into problem responses, hot reload, instance reuse, and calls on
 * the thread pool — all through a real server on a free port. The plugins
 * are the C example (build/wasm/plugin.wasm) and the handwritten ones in
 * tests/wasm/ (.wat), compiled by cmake/modules/wasm.cmake into CX_WASM_OUT. */
#include "harness.h"
#include "test_server.h"
#include <arpa/inet.h>
#include <cortex/cortex.h>
#include <cortex/coro.h>
#include <cortex/pool.h>
#include <cortex/wasm.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CX_WASM_OUT
#define CX_WASM_OUT ""
#endif

/* The path of a built guest, or NULL (the test then skips). */
static const char *guest(const char *name) {
    static char paths[8][512];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", CX_WASM_OUT, name);
    struct stat st;
    return CX_WASM_OUT[0] && stat(p, &st) == 0 ? p : NULL;
}

#define NEED(var, name)                                                                            \
    const char *var = guest(name);                                                                 \
    if (!var) SKIP(name " not built (needs clang/wasi-libc and wat2wasm)")

/* ---- a server on a free port ------------------------------------------------------ */

static int get(uint16_t port, const char *path, char *out, size_t cap) {
    return test_http(port, "GET", path, NULL, out, cap);
}

/* A router with one mount on GET+POST /p. */
static cx_router *one_route(cx_wasm_mount *m) {
    cx_router *r;
    if (cx_router_new(&r)) return NULL;
    cx_wasm_mount_route(r, CX_METHOD_GET, "/p", m);
    cx_wasm_mount_route(r, CX_METHOD_POST, "/p", m);
    return r;
}

/* ---- the response format ------------------------------------------------------------ */

static int count_header(void *arg, const char *n, size_t nl, const char *v, size_t vl) {
    (void)n, (void)nl, (void)v, (void)vl;
    ++*(int *)arg;
    return 0;
}

static int parse(const char *s, int *status, size_t *off, int *nh) {
    *nh = 0;
    return cx_wasm_plugin_response_parse((const uint8_t *)s, strlen(s), count_header, nh, status,
                                         off, NULL);
}

TEST(response_parse_accepts_and_rejects) {
    int st, nh;
    size_t off;
    CHECK_EQ(parse("200\nContent-Type: text/plain\nX-A:b \n\nbody", &st, &off, &nh), 0);
    CHECK_EQ(st, 200);
    CHECK_EQ(nh, 2);
    CHECK_EQ(off, 37);
    CHECK_EQ(parse("0\n\n", &st, &off, &nh), 0);
    CHECK_EQ(st, 0);
    CHECK_EQ(off, 3);
    CHECK_EQ(parse("404\n\n", &st, &off, &nh), 0);
    /* tabs and obs-text are field-value octets, as in a request */
    CHECK_EQ(parse("200\nX: a\tb \xc3\xa9\n\n", &st, &off, &nh), 0);
    const char *bad[] = {"",
                         "200",
                         "200\n",
                         "20\n\n",
                         "2000\n\n",
                         "099\n\n",
                         "101\n\n",
                         "600\n\n",
                         "00\n\n",
                         "200 OK\n\n",
                         "200\nX\n\n",
                         "200\n: v\n\n",
                         "200\nX Y: v\n\n",
                         "200\nX: a\rb\n\n",
                         "200\nX: a\001b\n\n", /* octal: \x01b would read as one escape */
                         "200\nX: a\x1b[2Jb\n\n",
                         "200\nX: a\x7f\n\n",
                         "200\nCx-Ctx-user: a\vb\n\n",
                         "200\nX\x80Y: v\n\n",
                         "200\nX: v\n",
                         "hello, not a response"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        int rc = cx_wasm_plugin_response_parse((const uint8_t *)bad[i], strlen(bad[i]), NULL, NULL,
                                               &st, &off, &why);
        if (rc != CX_EPARSE || !why) fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK_EQ(rc, CX_EPARSE);
    }
    /* NUL inside a value */
    const uint8_t nul[] = "200\nX: a\0b\n\n";
    CHECK_EQ(cx_wasm_plugin_response_parse(nul, sizeof nul - 1, NULL, NULL, &st, &off, NULL),
             CX_EPARSE);
    CHECK_EQ(cx_wasm_plugin_response_parse(NULL, 1, NULL, NULL, &st, &off, NULL), CX_EINVAL);
}

TEST(response_parse_survives_random_bytes) {
    uint8_t buf[64];
    uint32_t x = 12345;
    const char alpha[] = "0123456789\n:\r \tAbz-\0";
    for (int i = 0; i < 200000; i++) {
        size_t n = (size_t)(x % sizeof buf);
        for (size_t j = 0; j < n; j++) {
            x = x * 1103515245u + 12345u;
            buf[j] = (uint8_t)alpha[(x >> 16) % (sizeof alpha - 1)];
        }
        x = x * 1103515245u + 12345u;
        int st;
        size_t off = 0;
        if (cx_wasm_plugin_response_parse(buf, n, NULL, NULL, &st, &off, NULL) == 0)
            CHECK(off <= n && (st == 0 || (st >= 200 && st <= 599)));
    }
}

/* ---- handler and middleware ------------------------------------------------------- */

TEST(handler_answers_through_the_example_plugin) {
    NEED(path, "plugin.wasm");
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, path, NULL, &m), 0);
    cx_router *r = one_route(m);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(get(v.port, "/p?x=1", buf, sizeof buf), 200);
    CHECK(strstr(buf, "X-Plugin: hello-wasm\r\n") != NULL);
    CHECK(strstr(buf, "Content-Type: text/plain\r\n") != NULL);
    CHECK_STR(test_http_body(buf), "hello from a wasm plugin: GET /p?x=1 (body 0 bytes)\n");
    CHECK_EQ(test_http(v.port, "POST", "/p", "hello", buf, sizeof buf), 200);
    CHECK_STR(test_http_body(buf), "hello from a wasm plugin: POST /p (body 5 bytes)\n");
    test_srv_stop(&v);
    CHECK_EQ(cx_wasm_mount_requests(m), 2);
    CHECK_EQ(cx_wasm_mount_instances(m), 2); /* a fresh instance per request */
    CHECK_EQ(cx_wasm_cache_loads(cache), 1); /* compiled once */
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

static int ok_handler(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "ok from C\n", 10);
}

/* Shows the context value a middleware plugin set. */
static int user_handler(cx_ctx *ctx) {
    const char *u = cx_ctx_get(ctx, "wasm-user");
    return cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "user=%s\n", u ? u : "(none)");
}

TEST(middleware_short_circuits_and_passes_through) {
    NEED(path, "test_filter.wasm");
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, path, NULL, &m), 0);
    cx_router *r;
    CHECK_EQ(cx_router_new(&r), 0);
    CHECK_EQ(cx_wasm_mount_use(r, m), 0);
    CHECK_EQ(cx_router_get(r, "/ok", ok_handler, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/blocked", ok_handler, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/user", user_handler, NULL), 0);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(get(v.port, "/ok", buf, sizeof buf), 200);
    CHECK(strstr(buf, "X-Wasm-Filter: passed\r\n") != NULL);
    CHECK_STR(test_http_body(buf), "ok from C\n");
    CHECK(strstr(buf, "Cx-Ctx") == NULL); /* context values are not response headers */
    CHECK_EQ(get(v.port, "/user", buf, sizeof buf), 200);
    CHECK_STR(test_http_body(buf), "user=alice\n");
    CHECK_EQ(get(v.port, "/blocked", buf, sizeof buf), 403);
    CHECK_STR(test_http_body(buf), "blocked by wasm\n");
    CHECK(strstr(buf, "X-Wasm-Filter") == NULL);
    /* router answers (404) run through the middleware too */
    CHECK_EQ(get(v.port, "/nothing", buf, sizeof buf), 404);
    CHECK(strstr(buf, "X-Wasm-Filter: passed\r\n") != NULL);
    test_srv_stop(&v);
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

/* A handler plugin that answers "continue" is a plugin error. */
TEST(status_zero_from_a_handler_is_502) {
    NEED(path, "test_filter.wasm");
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, path, NULL, &m), 0);
    cx_router *r = one_route(m);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(get(v.port, "/p", buf, sizeof buf), 502);
    CHECK(strstr(buf, "status 0 (continue) is for middleware") != NULL);
    test_srv_stop(&v);
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

TEST(plugin_importing_wasi_runs) {
    NEED(path, "test_wasi.wasm");
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, path, NULL, &m), 0);
    cx_router *r = one_route(m);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(get(v.port, "/p", buf, sizeof buf), 200);
    CHECK_STR(test_http_body(buf), "wasi ok\n");
    test_srv_stop(&v);
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

/* ---- failures become problem responses ----------------------------------------------- */

static void expect_failure(const char *wasm, const cx_wasm_mount_options *o, int status,
                           const char *detail) {
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, wasm, o, &m), 0);
    cx_router *r = one_route(m);
    CHECK_EQ(cx_router_get(r, "/ok", ok_handler, NULL), 0);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    for (int i = 0; i < 2; i++) {
        int st = get(v.port, "/p", buf, sizeof buf);
        if (st != status || !strstr(buf, detail)) fprintf(stderr, "  %s: got %s\n", wasm, buf);
        CHECK_EQ(st, status);
        CHECK(strstr(buf, "application/problem+json") != NULL);
        CHECK(strstr(buf, detail) != NULL);
    }
    CHECK_EQ(get(v.port, "/ok", buf, sizeof buf), 200); /* the server lives on */
    test_srv_stop(&v);
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

TEST(trap_is_500_with_the_reason) {
    NEED(path, "test_trap.wasm");
    expect_failure(path, NULL, 500, "plugin trapped: unreachable");
}

TEST(malformed_response_is_502) {
    NEED(path, "test_malformed.wasm");
    expect_failure(path, NULL, 502, "plugin response is malformed: status line");
    NEED(outside, "test_outside.wasm");
    expect_failure(outside, NULL, 502, "response outside its memory");
}

TEST(fuel_and_deadline_end_a_runaway_plugin) {
    NEED(path, "test_spin.wasm");
    cx_wasm_mount_options o;
    cx_wasm_mount_options_defaults(&o);
    o.fuel = 100000;
    expect_failure(path, &o, 500, "plugin ran out of fuel");
    o.fuel = 0;
    o.deadline_ms = 50;
    expect_failure(path, &o, 504, "plugin exceeded its deadline");
}

TEST(missing_or_invalid_plugin_is_500) {
    expect_failure("/nonexistent/plugin.wasm", NULL, 500, "file not found");
    char tmp[] = "/tmp/cx_wasm_plugin_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "\0asm\2\0\0\0", 8), 8);
    close(fd);
    expect_failure(tmp, NULL, 500, "plugin could not be loaded");
    unlink(tmp);
}

TEST(limits_on_the_request) {
    NEED(path, "plugin.wasm");
    cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
    cx_wasm_mount_options o;
    cx_wasm_mount_options_defaults(&o);
    o.max_body = 4;
    o.max_head = 200;
    cx_wasm_mount *m;
    CHECK_EQ(cx_wasm_mount_new(cache, path, &o, &m), 0);
    cx_router *r = one_route(m);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(test_http(v.port, "POST", "/p", "1234", buf, sizeof buf), 200);
    CHECK_EQ(test_http(v.port, "POST", "/p", "12345", buf, sizeof buf), 413);
    char longpath[300];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = 0;
    CHECK_EQ(get(v.port, longpath, buf, sizeof buf), 404); /* no route: plugin not reached */
    memcpy(longpath, "/p?", 3);
    CHECK_EQ(get(v.port, longpath, buf, sizeof buf), 431);
    test_srv_stop(&v);
    cx_router_free(r);
    cx_wasm_mount_free(m);
    cx_wasm_cache_free(cache);
}

/* ---- hot reload and reuse ----------------------------------------------------------- */

static int copy_file(const char *from, const char *to) {
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int rc = a && b ? 0 : -1;
    char buf[4096];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, a)) > 0)
        if (fwrite(buf, 1, n, b) != n) rc = -1;
    if (a) fclose(a);
    if (b && fclose(b)) rc = -1;
    return rc;
}

TEST(hot_reload_serves_the_replaced_file) {
    NEED(v1, "test_reload_v1.wasm");
    NEED(v2, "test_reload_v2.wasm");
    char dir[] = "/tmp/cx_wasm_reload_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char live[64], next[64];
    snprintf(live, sizeof live, "%s/plugin.wasm", dir);
    snprintf(next, sizeof next, "%s/plugin.wasm.new", dir);
    CHECK_EQ(copy_file(v1, live), 0);
    for (int reuse = 0; reuse < 2; reuse++) {
        cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
        cx_wasm_mount_options o;
        cx_wasm_mount_options_defaults(&o);
        o.reuse = reuse;
        cx_wasm_mount *m;
        CHECK_EQ(cx_wasm_mount_new(cache, live, &o, &m), 0);
        cx_router *r = one_route(m);
        test_srv v;
        CHECK_EQ(test_srv_start(&v, r), 0);
        char buf[4096];
        CHECK_EQ(get(v.port, "/p", buf, sizeof buf), 200);
        CHECK_STR(test_http_body(buf), reuse ? "plugin v2\n" : "plugin v1\n");
        /* deploy: write the new file next to it, rename into place */
        CHECK_EQ(copy_file(reuse ? v1 : v2, next), 0);
        CHECK_EQ(rename(next, live), 0);
        CHECK_EQ(get(v.port, "/p", buf, sizeof buf), 200);
        CHECK_STR(test_http_body(buf), reuse ? "plugin v1\n" : "plugin v2\n");
        CHECK(strstr(buf, reuse ? "X-Version: v1" : "X-Version: v2") != NULL);
        test_srv_stop(&v);
        CHECK_EQ(cx_wasm_cache_loads(cache), 2);
        cx_router_free(r);
        cx_wasm_mount_free(m);
        cx_wasm_cache_free(cache);
    }
    unlink(live);
    rmdir(dir);
}

TEST(reuse_keeps_instances_warm) {
    NEED(path, "test_counter.wasm");
    for (int mode = 0; mode < 3; mode++) { /* fresh; reuse on the pool; reuse inline */
        cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
        cx_wasm_mount_options o;
        cx_wasm_mount_options_defaults(&o);
        o.reuse = mode > 0;
        o.inline_calls = mode == 2;
        cx_wasm_mount *m;
        CHECK_EQ(cx_wasm_mount_new(cache, path, &o, &m), 0);
        cx_router *r = one_route(m);
        test_srv v;
        CHECK_EQ(test_srv_start(&v, r), 0);
        char buf[4096];
        for (int i = 1; i <= 3; i++) {
            CHECK_EQ(get(v.port, "/p", buf, sizeof buf), 200);
            char want[2] = {(char)(mode ? '0' + i : '1'), 0};
            CHECK_STR(test_http_body(buf), want);
        }
        test_srv_stop(&v);
        CHECK_EQ(cx_wasm_mount_instances(m), mode ? 1 : 3);
        cx_router_free(r);
        cx_wasm_mount_free(m);
        cx_wasm_cache_free(cache);
    }
}

/* ---- the thread pool ------------------------------------------------------------------ */

enum { CLIENTS = 12, PER_CLIENT = 2 };
static atomic_int g_slow_done, g_slow_ok;
static uint16_t g_port;

static void *slow_client(void *arg) {
    const char *p = arg;
    char buf[2048];
    for (int i = 0; i < PER_CLIENT; i++) {
        if (get(g_port, p, buf, sizeof buf) == 200 && !strcmp(test_http_body(buf), "slow done\n"))
            atomic_fetch_add(&g_slow_ok, 1);
        atomic_fetch_add(&g_slow_done, 1);
    }
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* More concurrent calls than pool threads (4), on one worker: every call
 * completes, and the worker's loop keeps answering meanwhile. */
TEST(many_concurrent_calls_on_the_pool) {
    NEED(path, "test_slow.wasm");
    NEED(example, "plugin.wasm");
    for (int reuse = 0; reuse < 2; reuse++) {
        cx_wasm_cache *cache = cx_wasm_cache_new(NULL);
        cx_wasm_mount_options o;
        cx_wasm_mount_options_defaults(&o);
        o.reuse = reuse;
        o.max_idle = 2;
        o.deadline_ms = 0; /* ASan builds are slow: fuel alone bounds the calls */
        cx_wasm_mount *m, *m2;
        CHECK_EQ(cx_wasm_mount_new(cache, path, &o, &m), 0);
        CHECK_EQ(cx_wasm_mount_new(cache, example, &o, &m2), 0);
        cx_router *r = one_route(m);
        CHECK_EQ(cx_wasm_mount_route(r, CX_METHOD_GET, "/hello", m2), 0);
        CHECK_EQ(cx_router_get(r, "/ok", ok_handler, NULL), 0);
        test_srv v;
        CHECK_EQ(test_srv_start(&v, r), 0);
        g_port = v.port;
        atomic_store(&g_slow_done, 0);
        atomic_store(&g_slow_ok, 0);
        pthread_t th[CLIENTS];
        double t0 = now_s();
        for (int i = 0; i < CLIENTS; i++) pthread_create(&th[i], NULL, slow_client, "/p");
        /* let the calls reach the pool, then ask the loop for more */
        struct timespec ms5 = {0, 5000000};
        nanosleep(&ms5, NULL);
        char buf[2048];
        int fast = 0, during = 0;
        double worst = 0;
        for (int i = 0; i < 5; i++) {
            double f0 = now_s();
            fast += get(v.port, "/ok", buf, sizeof buf) == 200;
            if (now_s() - f0 > worst) worst = now_s() - f0;
            fast += get(v.port, "/hello", buf, sizeof buf) == 200;
            during += atomic_load(&g_slow_done) < CLIENTS * PER_CLIENT;
        }
        for (int i = 0; i < CLIENTS; i++) pthread_join(th[i], NULL);
        double t = now_s() - t0;
        CHECK_EQ(atomic_load(&g_slow_ok), CLIENTS * PER_CLIENT);
        CHECK_EQ(fast, 10);
        fprintf(stderr,
                "  reuse=%d: %d slow calls in %.2f s; %d/5 C answers while they ran, the "
                "slowest in %.1f ms\n",
                reuse, CLIENTS * PER_CLIENT, t, during, worst * 1e3);
        CHECK(during >= 1); /* the loop answered while plugin calls were running */
        test_srv_stop(&v);
        if (reuse) CHECK(cx_wasm_mount_instances(m) < CLIENTS * PER_CLIENT);
        cx_router_free(r);
        cx_wasm_mount_free(m);
        cx_wasm_mount_free(m2);
        cx_wasm_cache_free(cache);
    }
}

/* cx_wasm_plugin_call_pooled with the caller's own instance, and a caller
 * that gives up: the job releases the instance when the call ends. */
static cx_wasm_module *g_mod, *g_spin;
static atomic_int g_released;
static int g_rc;

static void released(void *arg, cx_wasm_instance *inst) {
    (void)arg;
    cx_wasm_instance_free(inst);
    atomic_fetch_add(&g_released, 1);
}

static int direct(cx_ctx *ctx) {
    cx_wasm_instance *inst;
    if (cx_wasm_instance_new(g_mod, NULL, NULL, &inst, NULL, NULL)) return CX_EINVAL;
    cx_wasm_instance_set_fuel(inst, 1000000);
    const char req[] = "GET /direct\n\n";
    uint8_t *resp;
    size_t len;
    cx_wasm_trap trap;
    int rc = cx_wasm_plugin_call_pooled(inst, req, sizeof req - 1, &resp, &len, &trap, NULL, NULL);
    cx_wasm_instance_free(inst);
    if (rc) return rc;
    rc = cx_res_send(cx_ctx_res(ctx), "text/plain", resp, len);
    free(resp);
    return rc;
}

static int abandon(cx_ctx *ctx) {
    cx_wasm_instance *inst;
    if (cx_wasm_instance_new(g_spin, NULL, NULL, &inst, NULL, NULL)) return CX_EINVAL;
    uint64_t prev = cx_deadline_push(50); /* no fuel, no instance deadline: only this */
    uint8_t *resp = NULL;
    size_t len;
    g_rc = cx_wasm_plugin_call_pooled(inst, "x", 1, &resp, &len, NULL, released, NULL);
    cx_deadline_pop(prev);
    if (g_rc != CX_ETIMEDOUT) released(NULL, inst);
    free(resp);
    return cx_problem(ctx, 504, "gave up");
}

/* Occupies a pool thread for 300 ms. */
static void hog_job(void *arg) {
    (void)arg;
    usleep(300000);
}

static int hog(cx_ctx *ctx) {
    int rc = cx_pool_run(hog_job, NULL);
    return rc ? rc : cx_res_send(cx_ctx_res(ctx), "text/plain", "hog", 3);
}

static void *hog_client(void *arg) {
    char buf[1024];
    get(*(uint16_t *)arg, "/hog", buf, sizeof buf);
    return NULL;
}

static cx_wasm_module *load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cx_wasm_module *m = NULL;
    cx_wasm_module_new(buf, n, NULL, &m, NULL);
    return m;
}

TEST(plugin_call_pooled_directly) {
    NEED(path, "plugin.wasm");
    NEED(spin, "test_spin.wasm");
    g_mod = load(path);
    g_spin = load(spin);
    CHECK(g_mod && g_spin);
    cx_router *r;
    CHECK_EQ(cx_router_new(&r), 0);
    CHECK_EQ(cx_router_get(r, "/direct", direct, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/abandon", abandon, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/hog", hog, NULL), 0);
    test_srv v;
    CHECK_EQ(test_srv_start(&v, r), 0);
    char buf[4096];
    CHECK_EQ(get(v.port, "/direct", buf, sizeof buf), 200);
    CHECK(strstr(test_http_body(buf), "hello from a wasm plugin: GET /direct (body 0 bytes)") !=
          NULL);
    atomic_store(&g_released, 0);
    CHECK_EQ(get(v.port, "/abandon", buf, sizeof buf), 504);
    /* The coroutine's deadline and the call's (narrowed to it) fall due
     * together: either the caller gave up first (the job releases the
     * instance) or the call ended first (the handler does). */
    fprintf(stderr, "  abandoned call: %s\n",
            g_rc == CX_ETIMEDOUT ? "caller gave up first" : "call stopped first");
    CHECK(g_rc == CX_ETIMEDOUT || g_rc == CX_ELIMIT);
    for (int i = 0; i < 400 && atomic_load(&g_released) == 0; i++) usleep(5000);
    CHECK_EQ(atomic_load(&g_released), 1); /* the deadline stopped the abandoned call */
    /* Deterministic: every pool thread is busy, so the call is still queued
     * when the caller gives up; it runs later, already late, and the job
     * releases the instance. */
    pthread_t th[CX_POOL_DEFAULT_THREADS];
    for (int i = 0; i < CX_POOL_DEFAULT_THREADS; i++)
        pthread_create(&th[i], NULL, hog_client, &v.port);
    usleep(100000);
    atomic_store(&g_released, 0);
    CHECK_EQ(get(v.port, "/abandon", buf, sizeof buf), 504);
    CHECK_EQ(g_rc, CX_ETIMEDOUT);
    CHECK_EQ(atomic_load(&g_released), 0); /* queued behind the hogs */
    for (int i = 0; i < CX_POOL_DEFAULT_THREADS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 400 && atomic_load(&g_released) == 0; i++) usleep(5000);
    CHECK_EQ(atomic_load(&g_released), 1);
    test_srv_stop(&v);
    /* outside a coroutine there is nothing to suspend */
    cx_wasm_instance *inst;
    CHECK_EQ(cx_wasm_instance_new(g_mod, NULL, NULL, &inst, NULL, NULL), 0);
    uint8_t *resp;
    size_t len;
    CHECK_EQ(cx_wasm_plugin_call_pooled(inst, "x", 1, &resp, &len, NULL, NULL, NULL), CX_ESTATE);
    cx_wasm_instance_free(inst);
    cx_router_free(r);
    cx_wasm_module_free(g_mod);
    cx_wasm_module_free(g_spin);
}

/* cx_wasm_plugin_call itself, on this thread: the round trip, each failure
 * code, and the trap it reports. */
TEST(plugin_call_directly) {
    NEED(path, "plugin.wasm");
    NEED(trap_path, "test_trap.wasm");
    NEED(spin_path, "test_spin.wasm");
    cx_wasm_module *m = load(path), *tm = load(trap_path), *sm = load(spin_path), *empty = NULL;
    static const uint8_t none[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    CHECK_EQ(cx_wasm_module_new(none, sizeof none, NULL, &empty, NULL), 0);
    CHECK(m && tm && sm && empty);
    cx_wasm_instance *inst, *ti, *si, *ei;
    CHECK_EQ(cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, NULL), 0);
    CHECK_EQ(cx_wasm_instance_new(tm, NULL, NULL, &ti, NULL, NULL), 0);
    CHECK_EQ(cx_wasm_instance_new(sm, NULL, NULL, &si, NULL, NULL), 0);
    CHECK_EQ(cx_wasm_instance_new(empty, NULL, NULL, &ei, NULL, NULL), 0);
    static const char req[] = "POST /direct\nX-A: b\n\nabc";
    uint8_t *resp = NULL;
    size_t len = 0;
    cx_wasm_trap trap = CX_WASM_TRAP_UNREACHABLE;
    CHECK_EQ(cx_wasm_plugin_call(inst, req, sizeof req - 1, &resp, &len, &trap), 0);
    CHECK_EQ(trap, CX_WASM_TRAP_NONE);
    int st = 0;
    size_t off = 0;
    CHECK_EQ(cx_wasm_plugin_response_parse(resp, len, NULL, NULL, &st, &off, NULL), 0);
    CHECK_EQ(st, 200);
    CHECK(memmem(resp + off, len - off, "POST /direct (body 3 bytes)", 27) != NULL);
    free(resp);
    /* the same instance serves again */
    CHECK_EQ(cx_wasm_plugin_call(inst, "GET /\n\n", 7, &resp, &len, NULL), 0);
    free(resp);
    CHECK_EQ(cx_wasm_plugin_call(NULL, req, 1, &resp, &len, &trap), CX_EINVAL);
    CHECK_EQ(cx_wasm_plugin_call(inst, NULL, 1, &resp, &len, &trap), CX_EINVAL);
    CHECK_EQ(cx_wasm_plugin_call(inst, req, 1, NULL, &len, &trap), CX_EINVAL);
    CHECK_EQ(cx_wasm_plugin_call(inst, req, 1, &resp, NULL, &trap), CX_EINVAL);
    CHECK_EQ(cx_wasm_plugin_call(ei, req, 1, &resp, &len, &trap), CX_ENOTFOUND);
    CHECK_EQ(cx_wasm_plugin_call(ti, req, 1, &resp, &len, &trap), CX_EPROTO);
    CHECK_EQ(trap, CX_WASM_TRAP_UNREACHABLE);
    CHECK(resp == NULL);
    cx_wasm_instance_set_fuel(si, 10000);
    CHECK_EQ(cx_wasm_plugin_call(si, req, 1, &resp, &len, &trap), CX_ELIMIT);
    CHECK_EQ(trap, CX_WASM_TRAP_FUEL);
    cx_wasm_instance_free(inst);
    cx_wasm_instance_free(ti);
    cx_wasm_instance_free(si);
    cx_wasm_instance_free(ei);
    cx_wasm_module_free(m);
    cx_wasm_module_free(tm);
    cx_wasm_module_free(sm);
    cx_wasm_module_free(empty);
}

/* Every trap kind has its own message, and an unknown value still gets one. */
TEST(trap_messages_are_distinct) {
    const char *seen[CX_WASM_TRAP_EXIT + 1];
    for (int k = CX_WASM_TRAP_NONE; k <= CX_WASM_TRAP_EXIT; k++) {
        seen[k] = cx_wasm_trap_message((cx_wasm_trap)k);
        CHECK(seen[k] && seen[k][0]);
        for (int j = 0; j < k; j++) CHECK(strcmp(seen[j], seen[k]) != 0);
    }
    CHECK_STR(cx_wasm_trap_message(CX_WASM_TRAP_DIV_ZERO), "integer divide by zero");
    CHECK_STR(cx_wasm_trap_message((cx_wasm_trap)999), "unknown trap");
}

TEST_MAIN()
