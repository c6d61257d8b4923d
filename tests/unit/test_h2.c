/* HTTP/2 in process: a server (h2c prior knowledge) on a thread, and an
 * nghttp2 client session over a blocking socket. Checks that streams reach
 * the same handlers with the same request view, bodies both ways with flow
 * control (a body larger than the windows), request and response trailers,
 * concurrent streams on one connection, and the default limits. */
#include "harness.h"
#include "test_server.h"
#include <cortex/cortex.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG (3u << 20) /* over the 1 MiB stream window */

static int handler(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    cx_str path = cx_req_path(req);
    if (cx_str_eq(path, CX_STR("/info"))) {
        cx_str host = CX_STR("-"), q = cx_req_query_string(req);
        cx_req_header(req, "host", &host);
        return cx_buf_printf(cx_res_body(res), "%.*s v=%d host=%.*s q=%.*s",
                             (int)cx_req_method_str(req).len, cx_req_method_str(req).ptr,
                             cx_req_version(req), (int)host.len, host.ptr, (int)q.len, q.ptr);
    }
    if (cx_str_eq(path, CX_STR("/echo"))) {
        cx_str body;
        int rc = cx_req_body(req, &body);
        if (rc) return rc;
        cx_str t;
        if (cx_req_trailer(req, "x-sum", &t) == CX_OK) {
            char v[64];
            snprintf(v, sizeof v, "%.*s", (int)t.len, t.ptr);
            cx_res_trailer(res, "x-sum-back", v);
        }
        cx_res_header(res, "Content-Type", "application/octet-stream");
        /* Streamed in pieces, so that backpressure has something to do. */
        for (size_t off = 0; off < body.len; off += 100000) {
            size_t n = body.len - off < 100000 ? body.len - off : 100000;
            if ((rc = cx_res_write(res, body.ptr + off, n))) return rc;
        }
        return cx_res_end(res);
    }
    return cx_problem(ctx, 404, NULL);
}

static void start(test_srv *r) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.http2 = true;
    o.handler = handler;
    o.limits.max_body = 16u << 20;
    if (test_srv_start_opts(r, &o)) abort();
}

/* ---- the client -------------------------------------------------------------- */

typedef struct stream_res {
    int status;
    cx_buf body;
    char trailer[64];
    bool closed;
} stream_res;

typedef struct client {
    int fd;
    nghttp2_session *ng;
    stream_res res[16];
    int32_t ids[16];
    int n;
    const uint8_t *up; /* request body to send */
    size_t up_len, up_pos;
    int open;
} client;

static stream_res *find(client *c, int32_t id) {
    for (int i = 0; i < c->n; i++)
        if (c->ids[i] == id) return &c->res[i];
    return NULL;
}

static ssize_t cb_send(nghttp2_session *s, const uint8_t *d, size_t n, int f, void *u) {
    (void)s, (void)f;
    client *c = u;
    ssize_t w = send(c->fd, d, n, 0);
    return w < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : w;
}

static int cb_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                     const uint8_t *value, size_t vl, uint8_t flags, void *u) {
    (void)s, (void)flags;
    stream_res *r = find(u, f->hd.stream_id);
    if (!r) return 0;
    if (nl == 7 && memcmp(name, ":status", 7) == 0) r->status = atoi((const char *)value);
    if (nl == 10 && memcmp(name, "x-sum-back", 10) == 0)
        snprintf(r->trailer, sizeof r->trailer, "%.*s", (int)vl, value);
    return 0;
}

static int cb_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *d, size_t n,
                   void *u) {
    (void)s, (void)flags;
    stream_res *r = find(u, id);
    if (r) cx_buf_append(&r->body, d, n);
    return 0;
}

static int cb_close(nghttp2_session *s, int32_t id, uint32_t code, void *u) {
    (void)s, (void)code;
    client *c = u;
    stream_res *r = find(c, id);
    if (r) r->closed = true;
    c->open--;
    return 0;
}

static ssize_t upload(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                      nghttp2_data_source *src, void *u) {
    (void)id, (void)src, (void)u;
    client *c = u;
    size_t n = c->up_len - c->up_pos < len ? c->up_len - c->up_pos : len;
    memcpy(buf, c->up + c->up_pos, n);
    c->up_pos += n;
    if (c->up_pos == c->up_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv t[] = {{(uint8_t *)"x-sum", (uint8_t *)"42", 5, 2, 0}};
        nghttp2_submit_trailer(s, id, t, 1);
    }
    return (ssize_t)n;
}

static void client_open(client *c, uint16_t port) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    struct timeval tv = {5, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a)) abort();
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, cb_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, cb_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, cb_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, cb_close);
    nghttp2_session_client_new(&c->ng, cb, c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, NULL, 0);
}

static void request(client *c, const char *method, const char *path, bool body) {
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)method, 7, strlen(method), 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)":authority", (uint8_t *)"unit.test", 10, 9, 0},
    };
    nghttp2_data_provider dp = {.read_callback = upload};
    int32_t id = nghttp2_submit_request(c->ng, NULL, nv, 4, body ? &dp : NULL, NULL);
    c->ids[c->n++] = id;
    c->open++;
}

/* Exchange frames until every stream has closed (or 10 s). */
static void run(client *c) {
    for (int i = 0; i < 2000 && c->open > 0; i++) {
        if (nghttp2_session_send(c->ng)) break;
        uint8_t buf[65536];
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (nghttp2_session_mem_recv(c->ng, buf, (size_t)n) < 0) break;
    }
    nghttp2_session_send(c->ng);
}

static void client_close(client *c) {
    for (int i = 0; i < c->n; i++) cx_buf_free(&c->res[i].body);
    nghttp2_session_del(c->ng);
    close(c->fd);
}

/* ---- tests ------------------------------------------------------------------------ */

TEST(request_view_matches_http1) {
    test_srv r;
    start(&r);
    client c;
    client_open(&c, cx_server_port(r.s));
    request(&c, "GET", "/info?a=1", false);
    request(&c, "DELETE", "/info", false);
    request(&c, "GET", "/nope", false);
    run(&c);
    CHECK_EQ(c.res[0].status, 200);
    cx_buf_putc(&c.res[0].body, '\0');
    CHECK_STR(c.res[0].body.data, "GET v=20 host=unit.test q=a=1");
    cx_buf_putc(&c.res[1].body, '\0');
    CHECK_STR(c.res[1].body.data, "DELETE v=20 host=unit.test q=");
    CHECK_EQ(c.res[2].status, 404);
    client_close(&c);
    test_srv_stop(&r);
}

TEST(large_body_both_ways_with_trailers) {
    test_srv r;
    start(&r);
    client c;
    client_open(&c, cx_server_port(r.s));
    uint8_t *big = malloc(BIG);
    for (size_t i = 0; i < BIG; i++) big[i] = (uint8_t)(i * 7 + (i >> 12));
    c.up = big;
    c.up_len = BIG;
    request(&c, "POST", "/echo", true);
    run(&c);
    CHECK_EQ(c.res[0].status, 200);
    CHECK_EQ(c.res[0].body.len, BIG);
    CHECK(c.res[0].body.len == BIG && memcmp(c.res[0].body.data, big, BIG) == 0);
    CHECK_STR(c.res[0].trailer, "42");
    free(big);
    client_close(&c);
    test_srv_stop(&r);
}

TEST(concurrent_streams) {
    test_srv r;
    start(&r);
    client c;
    client_open(&c, cx_server_port(r.s));
    for (int i = 0; i < 16; i++) request(&c, "GET", "/info", false);
    run(&c);
    int ok = 0;
    for (int i = 0; i < 16; i++) ok += c.res[i].status == 200 && c.res[i].closed;
    CHECK_EQ(ok, 16);
    client_close(&c);
    test_srv_stop(&r);
}

TEST(default_limits) {
    cx_http2_limits l;
    cx_http2_limits_default(&l);
    CHECK_EQ(l.max_concurrent_streams, 100);
    CHECK_EQ(l.max_header_list, 65536);
    CHECK_EQ(l.hpack_table_size, 4096);
    CHECK(l.max_resets_per_s > 0 && l.max_control_per_s > 0 && l.max_empty_data > 0);
    cx_server_options o;
    cx_server_options_default(&o);
    CHECK_EQ(o.h2.max_concurrent_streams, 100);
    CHECK(!o.http2);
}

TEST_MAIN()
