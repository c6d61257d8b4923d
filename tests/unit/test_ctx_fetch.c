/* cx_ctx_fetch: a handler calls another service (here the same server)
 * through its worker's outgoing client, and the client is shared. */
#include "harness.h"
#include "test_server.h"
#include <arpa/inet.h>
#include <cortex/cortex.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "http/memx.h"

static uint16_t g_port;
static cx_fetch_client *g_seen[4];
static unsigned g_nseen;

static int inner(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "inner body", 10);
}

/* GET /outer: fetch /inner from this server and answer with what came back. */
static int outer(cx_ctx *ctx) {
    cx_fetch_client *c = cx_ctx_fetch(ctx);
    if (!c) return cx_problem(ctx, 500, "no client");
    if (g_nseen < 4) g_seen[g_nseen++] = c;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/inner", (unsigned)g_port);
    cx_fetch_request rq = {.url = url, .timeout_ms = 5000};
    cx_fetch_response rs = {0};
    int rc = cx_fetch(c, &rq, &rs);
    if (rc == 0)
        rc = cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "outer(%d): %.*s", rs.status,
                           (int)rs.body.len, rs.body.data);
    cx_fetch_response_free(&rs);
    return rc;
}

static int root(cx_ctx *ctx) {
    cx_str p = cx_req_path(cx_ctx_req(ctx));
    if (cx_str_eq(p, CX_STR("/inner"))) return inner(ctx);
    if (cx_str_eq(p, CX_STR("/outer"))) return outer(ctx);
    return cx_problem(ctx, 404, NULL);
}

TEST(handler_fetches_through_its_worker_client) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.handler = root;
    test_srv v;
    CHECK_EQ(test_srv_start_opts(&v, &o), 0);
    g_port = v.port;
    char buf[4096];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(test_http(g_port, "GET", "/outer", NULL, buf, sizeof buf), 200);
        CHECK(strstr(buf, "outer(200): inner body") != NULL);
    }
    /* One worker, one client, made once and reused. */
    CHECK_EQ(g_nseen, 3);
    CHECK(g_seen[0] && g_seen[0] == g_seen[1] && g_seen[1] == g_seen[2]);
    test_srv_stop(&v);
}

static int memx_probe(cx_ctx *ctx) {
    const char *what = cx_ctx_fetch(ctx) ? "client" : "none";
    return cx_res_send(cx_ctx_res(ctx), "text/plain", what, strlen(what));
}

TEST(no_client_outside_a_server) {
    CHECK(cx_ctx_fetch(NULL) == NULL);
    int err = 0;
    cx_memx *m = cx_memx_new("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, &err, NULL);
    CHECK(m != NULL);
    CHECK_EQ(cx_memx_run(m, memx_probe, NULL), 0);
    cx_str body = cx_memx_body(m);
    CHECK(cx_str_eq(body, CX_STR("none")));
    cx_memx_free(m);
}

TEST_MAIN()
