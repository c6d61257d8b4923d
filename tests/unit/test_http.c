/* Tests for the transport-neutral request and response (request.c,
 * response.c) and the server's error answers (exchange.c), driven through
 * in-memory exchanges (memx.c) — the same code paths as the server, without
 * sockets. The server itself is covered by tests/integration. */
#include "harness.h"
#include "http/ctx.h"
#include "http/memx.h"
#include "http/message.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static cx_memx *mk(const char *raw) {
    int err = 0, status = 0;
    cx_memx *m = cx_memx_new(raw, strlen(raw), &err, &status);
    if (!m) fprintf(stderr, "  memx_new failed: %d status %d\n", err, status);
    return m;
}

/* ---- request accessors ---------------------------------------------------- */

static int h_inspect(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_buf *b = cx_res_body(cx_ctx_res(ctx));
    cx_str s;
    cx_buf_printf(b, "m=%.*s;", (int)cx_req_method_str(req).len, cx_req_method_str(req).ptr);
    cx_buf_printf(b, "t=%.*s;", (int)cx_req_target(req).len, cx_req_target(req).ptr);
    cx_buf_printf(b, "p=%.*s;", (int)cx_req_path(req).len, cx_req_path(req).ptr);
    cx_buf_printf(b, "q=%.*s;", (int)cx_req_query_string(req).len, cx_req_query_string(req).ptr);
    cx_buf_printf(b, "v=%d;", cx_req_version(req));
    if (cx_req_header(req, "x-Test", &s) == 0) cx_buf_printf(b, "h=%.*s;", (int)s.len, s.ptr);
    if (cx_req_query(req, "name", &s) == 0) cx_buf_printf(b, "name=%.*s;", (int)s.len, s.ptr);
    if (cx_req_cookie(req, "sid", &s) == 0) cx_buf_printf(b, "sid=%.*s;", (int)s.len, s.ptr);
    cx_buf_printf(b, "n=%zu", cx_req_header_count(req));
    return 0;
}

TEST(request_accessors) {
    cx_memx *m = mk("GET /a%20b/c?name=J%C3%BCrgen+X&y=2 HTTP/1.1\r\nHost: h\r\n"
                    "X-Test: yes\r\nCookie: a=1; sid=\"abc\"\r\n\r\n");
    CHECK(m != NULL);
    if (!m) return;
    CHECK_EQ(cx_memx_run(m, h_inspect, NULL), 0);
    CHECK_EQ(cx_memx_status(m), 200);
    cx_str body = cx_memx_body(m);
    CHECK_MEM(body.ptr, body.len,
              "m=GET;t=/a%20b/c?name=J%C3%BCrgen+X&y=2;p=/a b/c;q=name=J%C3%BCrgen+X&y=2;v=11;"
              "h=yes;name=J\xc3\xbcrgen X;sid=abc;n=3");
    cx_memx_free(m);
}

static int h_header_at(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_str n, v;
    CHECK_EQ(cx_req_header_at(req, 0, &n, &v), 0);
    CHECK_MEM(n.ptr, n.len, "Host");
    CHECK_EQ(cx_req_header_at(req, 1, &n, &v), 0);
    CHECK_MEM(v.ptr, v.len, "1");
    CHECK_EQ(cx_req_header_at(req, 3, &n, &v), CX_ERANGE);
    CHECK_EQ(cx_req_header(req, "missing", &v), CX_ENOTFOUND);
    CHECK_EQ(cx_req_query(req, "nope", &v), CX_ENOTFOUND);
    CHECK_EQ(cx_req_cookie(req, "nope", &v), CX_ENOTFOUND);
    CHECK_EQ(cx_req_content_length(req), -1);
    CHECK_EQ(cx_req_method(req), CX_METHOD_DELETE);
    cx_str peer = cx_req_peer(req);
    CHECK(peer.len > 0);
    return 0;
}

TEST(request_header_iteration) {
    cx_memx *m = mk("DELETE /x HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    cx_memx_run(m, h_header_at, NULL);
    cx_memx_free(m);
}

static int h_body(cx_ctx *ctx) {
    cx_str body;
    int rc = cx_req_body(cx_ctx_req(ctx), &body);
    if (rc) return rc;
    cx_str again;
    CHECK_EQ(cx_req_body(cx_ctx_req(ctx), &again), 0);
    CHECK(again.ptr == body.ptr);
    cx_str tr;
    if (cx_req_trailer(cx_ctx_req(ctx), "x-sum", &tr) == 0)
        cx_res_header_n(cx_ctx_res(ctx), CX_STR("X-Got-Trailer"), tr);
    return cx_res_send(cx_ctx_res(ctx), "application/octet-stream", body.ptr, body.len);
}

TEST(request_body_content_length) {
    cx_memx *m = mk("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_body, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "hello world");
    CHECK_STR(cx_memx_header(m, "content-type"), "application/octet-stream");
    cx_memx_free(m);
}

TEST(request_body_chunked_with_trailer) {
    cx_memx *m = mk("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_body, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "hello world");
    CHECK_STR(cx_memx_header(m, "X-Got-Trailer"), "42");
    cx_memx_free(m);
}

static int h_read_small(cx_ctx *ctx) {
    char buf[3];
    ssize_t n;
    cx_buf *out = cx_res_body(cx_ctx_res(ctx));
    while ((n = cx_req_read(cx_ctx_req(ctx), buf, sizeof buf)) > 0) {
        cx_buf_append(out, buf, (size_t)n);
        cx_buf_putc(out, '|');
    }
    CHECK_EQ(cx_req_read(cx_ctx_req(ctx), buf, sizeof buf), 0);
    cx_str s;
    CHECK_EQ(cx_req_body(cx_ctx_req(ctx), &s), CX_ESTATE);
    return (int)n;
}

TEST(request_read_streaming) {
    cx_memx *m = mk("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\nabcdefg");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_read_small, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "abc|def|g|");
    cx_memx_free(m);
}

static int h_body_only(cx_ctx *ctx) {
    cx_str b;
    return cx_req_body(cx_ctx_req(ctx), &b);
}

TEST(request_body_over_limit_is_413) {
    cx_memx *m = mk("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
    if (!m) {
        CHECK(0);
        return;
    }
    cx_memx_ctx(m)->req->max_body = 4;
    CHECK_EQ(cx_memx_run(m, h_body_only, NULL), CX_ELIMIT);
    CHECK_EQ(cx_memx_status(m), 413);
    CHECK_STR(cx_memx_header(m, "Content-Type"), "application/problem+json");
    cx_memx_free(m);
}

TEST(request_chunked_body_over_limit_is_413) {
    cx_memx *m = mk("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "a\r\n0123456789\r\n0\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    cx_memx_ctx(m)->req->max_body = 4;
    CHECK_EQ(cx_memx_run(m, h_body_only, NULL), CX_ELIMIT);
    CHECK_EQ(cx_memx_status(m), 413);
    cx_memx_free(m);
}

TEST(request_empty_body) {
    cx_memx *m = mk("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_body, NULL), 0);
    CHECK_EQ(cx_memx_body(m).len, 0);
    cx_memx_free(m);
}

/* ---- responses -------------------------------------------------------------- */

static int h_headers(cx_ctx *ctx) {
    cx_res *res = cx_ctx_res(ctx);
    CHECK_EQ(cx_res_header(res, "X-A", "1"), 0);
    CHECK_EQ(cx_res_header(res, "Bad Name", "1"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "X-B", "a\r\nInjected: 1"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "X-C", "nul\x01"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "Date", "today"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "Transfer-Encoding", "chunked"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "Connection", "close"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "Content-Length", "abc"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "", "x"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, NULL, "x"), CX_EINVAL);
    CHECK_EQ(cx_res_header(res, "Content-Type", "text/a"), 0);
    CHECK_EQ(cx_res_header(res, "content-type", "text/b"), 0); /* replaces */
    cx_res_status(res, 201);
    cx_res_status(res, 42); /* ignored: not a status */
    CHECK_EQ(cx_res_get_status(res), 201);
    CHECK(!cx_res_headers_sent(res));
    return cx_buf_puts(cx_res_body(res), "made");
}

TEST(response_headers_validated) {
    cx_memx *m = mk("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_headers, NULL), 0);
    CHECK_EQ(cx_memx_status(m), 201);
    CHECK_STR(cx_memx_header(m, "x-a"), "1");
    CHECK_STR(cx_memx_header(m, "Content-Type"), "text/b");
    CHECK(cx_memx_header(m, "Date") == NULL);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "made");
    cx_memx_free(m);
}

static int h_stream(cx_ctx *ctx) {
    cx_res *res = cx_ctx_res(ctx);
    for (int i = 0; i < 3; i++) {
        char line[16];
        int n = snprintf(line, sizeof line, "part %d\n", i);
        int rc = cx_res_write(res, line, (size_t)n);
        if (rc) return rc;
    }
    CHECK(cx_res_headers_sent(res));
    CHECK_EQ(cx_res_header(res, "X-Late", "1"), CX_ESTATE);
    CHECK_EQ(cx_res_trailer(res, "X-Checksum", "abc"), 0);
    CHECK_EQ(cx_res_trailer(res, "Content-Length", "1"), CX_EINVAL);
    CHECK_EQ(cx_res_end(res), 0);
    CHECK_EQ(cx_res_write(res, "x", 1), CX_ESTATE);
    CHECK_EQ(cx_res_end(res), 0); /* idempotent */
    return 0;
}

TEST(response_streaming) {
    cx_memx *m = mk("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_stream, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "part 0\npart 1\npart 2\n");
    cx_memx_free(m);
}

static int h_end_without_write(cx_ctx *ctx) {
    cx_buf_puts(cx_res_body(cx_ctx_res(ctx)), "buffered");
    return cx_res_end(cx_ctx_res(ctx));
}

TEST(response_end_sends_buffered_body) {
    cx_memx *m = mk("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_end_without_write, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "buffered");
    cx_memx_free(m);
}

static int h_sendfile(cx_ctx *ctx) {
    char path[] = "/tmp/cx_test_sendfile_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -errno;
    unlink(path);
    if (write(fd, "0123456789", 10) != 10) return CX_EIO;
    CHECK_EQ(cx_res_sendfile(cx_ctx_res(ctx), "text/plain", fd, -1, 3), CX_EINVAL);
    int rc = cx_res_sendfile(cx_ctx_res(ctx), "text/plain", fd, 2, 5);
    CHECK_EQ(cx_res_sendfile(cx_ctx_res(ctx), "text/plain", fd, 2, 5), CX_ESTATE);
    close(fd);
    return rc;
}

TEST(response_sendfile) {
    cx_memx *m = mk("GET /f HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_sendfile, NULL), 0);
    cx_str b = cx_memx_body(m);
    CHECK_MEM(b.ptr, b.len, "23456");
    CHECK_STR(cx_memx_header(m, "Content-Type"), "text/plain");
    cx_memx_free(m);
}

TEST(response_head_has_no_body) {
    cx_memx *m = mk("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_stream, NULL), 0);
    CHECK_EQ(cx_memx_body(m).len, 0);
    cx_memx_free(m);
}

/* ---- errors and panics ------------------------------------------------------ */

static int h_fail(cx_ctx *ctx) {
    cx_buf_puts(cx_res_body(cx_ctx_res(ctx)), "partial");
    cx_res_header(cx_ctx_res(ctx), "X-Before", "1");
    return CX_EIO;
}

TEST(handler_error_becomes_problem) {
    cx_memx *m = mk("GET /boom?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_fail, NULL), CX_EIO);
    CHECK_EQ(cx_memx_status(m), 500);
    CHECK_STR(cx_memx_header(m, "Content-Type"), "application/problem+json");
    CHECK(cx_memx_header(m, "X-Before") == NULL); /* the failed response is discarded */
    cx_str b = cx_memx_body(m);
    CHECK(b.len > 0 && memmem(b.ptr, b.len, "\"status\":500", 12) != NULL);
    CHECK(memmem(b.ptr, b.len, "\"instance\":\"/boom\"", 18) != NULL);
    cx_memx_free(m);
}

static void level3(cx_ctx *ctx) {
    cx_panic(ctx, "deep \"trouble\"");
}
static void level2(cx_ctx *ctx) {
    char pad[64];
    memset(pad, 1, sizeof pad);
    level3(ctx);
}
static void deep(cx_ctx *ctx, int n) {
    (void)n;
    level2(ctx);
}

static int h_panic(cx_ctx *ctx) {
    cx_arena_alloc(cx_ctx_arena(ctx), 1000);
    deep(ctx, 10);
    return 0;
}

TEST(panic_becomes_500_problem) {
    cx_memx *m = mk("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    cx_memx_run(m, h_panic, NULL);
    CHECK_EQ(cx_memx_status(m), 500);
    cx_str b = cx_memx_body(m);
    CHECK(memmem(b.ptr, b.len, "deep \\\"trouble\\\"", 16) != NULL);
    cx_memx_free(m);
}

static int h_problem(cx_ctx *ctx) {
    return cx_problem(ctx, 422, "field \"x\" is bad\n");
}

TEST(problem_helper) {
    cx_memx *m = mk("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    if (!m) {
        CHECK(0);
        return;
    }
    CHECK_EQ(cx_memx_run(m, h_problem, NULL), 0);
    CHECK_EQ(cx_memx_status(m), 422);
    cx_str b = cx_memx_body(m);
    CHECK(memmem(b.ptr, b.len, "\"title\":\"Unprocessable Content\"", 31) != NULL ||
          memmem(b.ptr, b.len, "\"title\":\"Unprocessable Entity\"", 30) != NULL);
    CHECK(memmem(b.ptr, b.len, "field \\\"x\\\" is bad\\n", 19) != NULL);
    cx_memx_free(m);
}

TEST(memx_rejects_bad_requests) {
    int err = 0, status = 0;
    const char *raw = "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n"
                      "Host: h\r\n\r\n";
    CHECK(cx_memx_new(raw, strlen(raw), &err, &status) == NULL);
    CHECK_EQ(err, CX_EPARSE);
    CHECK_EQ(status, 400);
}

TEST(method_and_status_names) {
    CHECK_STR(cx_method_name(CX_METHOD_GET), "GET");
    CHECK_STR(cx_method_name(CX_METHOD_PATCH), "PATCH");
    CHECK(cx_method_name(CX_METHOD_OTHER) == NULL);
    CHECK_STR(cx_status_reason(404), "Not Found");
    CHECK_STR(cx_status_reason(200), "OK");
    CHECK_STR(cx_status_reason(799), "Unknown");
}

TEST(limits_defaults) {
    cx_http_limits l;
    cx_http_limits_default(&l);
    CHECK_EQ(l.max_request_line, 8192);
    CHECK_EQ(l.max_header_bytes, 32768);
    CHECK_EQ(l.max_headers, 100);
    CHECK_EQ(l.max_body, 8u << 20);
    CHECK_EQ(l.idle_timeout_ms, 60000);
    cx_server_options o;
    cx_server_options_default(&o);
    CHECK_STR(o.host, "0.0.0.0");
    CHECK_EQ(o.port, 8080);
    CHECK_EQ(o.drain_timeout_ms, 10000);
}

TEST(server_new_reports_bad_options) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.limits.max_headers = 0;
    cx_server *s = NULL;
    CHECK_EQ(cx_server_new(&s, &o), CX_EINVAL);
    CHECK(s == NULL);
    o.limits.max_headers = 100;
    o.host = "not-an-address.invalid";
    CHECK(cx_server_new(&s, &o) < 0);
    o.host = "127.0.0.1";
    CHECK_EQ(cx_server_new(&s, &o), 0);
    CHECK(cx_server_port(s) > 0);
    /* The port is taken now, without SO_REUSEPORT from another user... but
     * our own sockets share it, so a second server on it also binds. */
    cx_server_free(s);
}

/* ---- replacing the limits of a running server ------------------------------------ */

static int h_ok(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "ok", 2);
}

static void *run_server(void *arg) {
    cx_server_run(arg);
    return NULL;
}

/* One request with `extra` header lines over a fresh connection: the status,
 * or -1. */
static int request_with_headers(uint16_t port, int extra) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    char req[2048];
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (int i = 0; i < extra; i++)
        n += snprintf(req + n, sizeof req - (size_t)n, "X-%d: v\r\n", i);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    int status = -1;
    if (write(fd, req, (size_t)n) == n) {
        char out[4096];
        size_t len = 0;
        ssize_t k;
        while (len + 1 < sizeof out && (k = read(fd, out + len, sizeof out - 1 - len)) > 0)
            len += (size_t)k;
        out[len] = 0;
        if (sscanf(out, "HTTP/1.1 %d", &status) != 1) status = -1;
    }
    close(fd);
    return status;
}

typedef struct reload_state {
    cx_server *srv;
    cx_http_limits next;
    _Atomic int calls, rc;
} reload_state;

static int on_reload(void *arg) {
    reload_state *r = arg;
    r->rc = cx_server_set_limits(r->srv, &r->next); /* on the run thread, as documented */
    r->calls++;
    return r->rc;
}

TEST(server_set_limits_before_and_while_running) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.handler = h_ok;
    cx_server *srv = NULL;
    CHECK_EQ(cx_server_new(&srv, &o), 0);
    if (!srv) return;
    /* Nonsense values are refused and change nothing. */
    cx_http_limits l;
    cx_http_limits_default(&l);
    cx_http_limits bad = l;
    bad.max_headers = 0;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    bad = l;
    bad.max_headers = 10001;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    bad = l;
    bad.max_request_line = 15;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    bad = l;
    bad.max_header_bytes = 63;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    bad = l;
    bad.max_header_bytes = (1u << 24) + 1;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    bad = l;
    bad.max_pipelined = 0;
    CHECK_EQ(cx_server_set_limits(srv, &bad), CX_EINVAL);
    /* Before the server runs: the workers start with these. */
    cx_http_limits tight = l;
    tight.max_headers = 4; /* Host + Connection + 2 */
    CHECK_EQ(cx_server_set_limits(srv, &tight), 0);
    reload_state rs = {.srv = srv, .next = l};
    cx_server_on_reload(srv, on_reload, &rs);
    /* SIGHUP must reach the server's signalfd, not this thread's default
     * action: block it here so the server thread inherits the mask. */
    sigset_t hup, old;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, &old);
    pthread_t th;
    pthread_create(&th, NULL, run_server, srv);
    uint16_t port = cx_server_port(srv);
    CHECK_EQ(request_with_headers(port, 2), 200);
    CHECK_EQ(request_with_headers(port, 3), 431);
    /* While running: the reload hook raises them again; requests that start
     * after the workers took them see them. */
    kill(getpid(), SIGHUP);
    for (int i = 0; i < 200 && !rs.calls; i++) usleep(5000);
    CHECK_EQ(rs.calls, 1);
    CHECK_EQ(rs.rc, 0);
    int st = -1;
    for (int i = 0; i < 100 && (st = request_with_headers(port, 3)) != 200; i++) usleep(5000);
    CHECK_EQ(st, 200);
    CHECK_EQ(request_with_headers(port, 50), 200);
    /* And lowered once more, with a bad set refused on the way. */
    rs.next.max_pipelined = 0;
    kill(getpid(), SIGHUP);
    for (int i = 0; i < 200 && rs.calls < 2; i++) usleep(5000);
    CHECK_EQ(rs.rc, CX_EINVAL);
    CHECK_EQ(request_with_headers(port, 50), 200);
    rs.next = l;
    rs.next.max_headers = 10;
    kill(getpid(), SIGHUP);
    for (int i = 0; i < 200 && rs.calls < 3; i++) usleep(5000);
    CHECK_EQ(rs.rc, 0);
    for (int i = 0; i < 100 && (st = request_with_headers(port, 20)) != 431; i++) usleep(5000);
    CHECK_EQ(st, 431);
    CHECK_EQ(request_with_headers(port, 5), 200);
    cx_server_stop(srv);
    pthread_join(th, NULL);
    cx_server_free(srv);
    /* Discard a SIGHUP still pending, then restore the mask. */
    struct timespec zero = {0};
    while (sigtimedwait(&hup, NULL, &zero) == SIGHUP) {
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

TEST_MAIN()
