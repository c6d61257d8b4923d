/* cx_fetch against real peers on loopback.
 *
 * Always run: error kinds with no server needed (DNS failure on an .invalid
 * name, connection refused, a listener that never answers → timeout, the
 * coroutine's deadline and cancellation), API misuse.
 * Run when tests/integration/test_fetch.py has started the peers and set:
 *   CX_FETCH_CORTEX   http://127.0.0.1:PORT  (`cortex serve`)
 *   CX_FETCH_NGINX    https://localhost:PORT (nginx, TLS, http2 on)
 *   CX_FETCH_NGINX_IP https://127.0.0.1:PORT (same server; name mismatch)
 *   CX_FETCH_CA, CX_FETCH_CLIENT_CERT, CX_FETCH_CLIENT_KEY  PEM files
 *   CX_FETCH_STALL    http://127.0.0.1:PORT  (accepts, never answers)
 * and skipped otherwise. */
#include "harness.h"
#include <arpa/inet.h>
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/loop.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- running a test body in a coroutine ------------------------------------ */

typedef struct env {
    cx_loop *loop;
    cx_fetch_client *client;
    void (*fn)(struct env *);
    void *arg;
    bool finished;
} env;

static void body_main(void *p) {
    env *e = p;
    e->fn(e);
    e->finished = true;
    cx_loop_stop(e->loop);
}

static void on_watchdog(cx_timer *t) {
    cx_loop_stop(t->data);
}

/* Run fn in a coroutine on a fresh loop with a fresh client; give up after
 * 30 s so that a hang fails the test instead of the run. */
static void run_with(void (*fn)(env *), void *arg, const cx_fetch_options *opts) {
    env e = {.fn = fn, .arg = arg};
    CHECK_EQ(cx_loop_new(&e.loop, NULL), 0);
    CHECK_EQ(cx_fetch_client_new(&e.client, e.loop, opts), 0);
    cx_timer wd;
    cx_timer_init(&wd, on_watchdog, e.loop);
    cx_timer_start(e.loop, &wd, 30000);
    if (cx_coro_start(e.loop, body_main, &e, NULL) == 1) cx_loop_run(e.loop);
    cx_timer_stop(e.loop, &wd);
    CHECK(e.finished);
    cx_fetch_client_free(e.client);
    cx_loop_free(e.loop);
}

static void run(void (*fn)(env *), void *arg) {
    run_with(fn, arg, NULL);
}

/* Wait (in the coroutine) until *count reaches want. */
static void wait_count(const int *count, int want) {
    for (int i = 0; *count < want && i < 6000; i++) cx_sleep(5);
}

static const char *url(const char *var, const char *path, char *buf, size_t cap) {
    const char *base = getenv(var);
    if (!base || !*base) return NULL;
    snprintf(buf, cap, "%s%s", base, path);
    return buf;
}

#define NEED(var)                                                                                  \
    do {                                                                                           \
        if (!getenv(var)) SKIP(var " not set (run tests/integration/test_fetch.py)");              \
    } while (0)

/* ---- no server needed ----------------------------------------------------------- */

TEST(kind_names) {
    CHECK_STR(cx_fetch_kind_name(CX_FETCH_EDNS), "dns");
    CHECK_STR(cx_fetch_kind_name(CX_FETCH_ETLS), "tls");
    CHECK_STR(cx_fetch_kind_name(CX_FETCH_ETOOLARGE), "too_large");
    CHECK_STR(cx_fetch_kind_name((cx_fetch_kind)999), "unknown");
    for (int k = 0; k < CX_FETCH_KIND_COUNT_; k++) {
        CHECK(cx_fetch_strerror((cx_fetch_kind)k)[0] != 0);
        CHECK(strcmp(cx_fetch_kind_name((cx_fetch_kind)k), "unknown") != 0);
    }
}

TEST(outside_a_coroutine) {
    cx_loop *loop;
    cx_fetch_client *c;
    CHECK_EQ(cx_loop_new(&loop, NULL), 0);
    CHECK_EQ(cx_fetch_client_new(&c, loop, NULL), 0);
    cx_fetch_response res;
    cx_fetch_request req = {.url = "http://127.0.0.1:1/"};
    CHECK_EQ(cx_fetch(c, &req, &res), CX_ESTATE);
    CHECK_EQ(res.error.kind, CX_FETCH_EINVALID);
    cx_fetch_response_free(&res);
    CHECK_EQ(cx_fetch_client_new(NULL, loop, NULL), CX_EINVAL);
    cx_fetch_client_free(c);
    cx_loop_free(loop);
}

static void bad_requests(env *e) {
    cx_fetch_response res;
    cx_fetch_request req = {.url = "ftp://127.0.0.1/x"};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_EINVAL);
    CHECK_EQ(res.error.kind, CX_FETCH_EINVALID);
    cx_fetch_response_free(&res);

    req.url = "not a url at all";
    CHECK(cx_fetch(e->client, &req, &res) < 0);
    CHECK(res.error.kind == CX_FETCH_EINVALID || res.error.kind == CX_FETCH_EDNS);
    cx_fetch_response_free(&res);

    cx_fetch_header h = {"X-Evil", "a\r\nInjected: yes"};
    req = (cx_fetch_request){.url = "http://127.0.0.1:1/", .headers = &h, .nheaders = 1};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_EINVAL);
    CHECK_EQ(res.error.kind, CX_FETCH_EINVALID);
    cx_fetch_response_free(&res);

    req = (cx_fetch_request){.url = "http://127.0.0.1:1/", .method = "GE T"};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_EINVAL);
    cx_fetch_response_free(&res);
    CHECK_EQ(cx_fetch_client_active(e->client), 0);
}

TEST(invalid_requests) {
    run(bad_requests, NULL);
}

static void dns_failure(env *e) {
    cx_fetch_response res;
    cx_fetch_request req = {.url = "http://no-such-host.invalid/", .timeout_ms = 10000};
    int rc = cx_fetch(e->client, &req, &res);
    CHECK_EQ(rc, CX_ENOTFOUND);
    CHECK_EQ(res.error.kind, CX_FETCH_EDNS);
    CHECK_EQ(res.status, 0);
    CHECK(res.error.message[0] != 0);
    cx_fetch_response_free(&res);
}

TEST(dns_failure_kind) {
    run(dns_failure, NULL);
}

/* A port with nobody listening: bind, note the port, close. */
static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void refused(env *e) {
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", closed_port());
    cx_fetch_response res;
    cx_fetch_request req = {.url = u};
    CHECK_EQ(cx_fetch(e->client, &req, &res), -ECONNREFUSED);
    CHECK_EQ(res.error.kind, CX_FETCH_ECONNECT);
    cx_fetch_response_free(&res);
}

TEST(connection_refused_kind) {
    run(refused, NULL);
}

/* A listener that is never accepted from: the kernel completes the
 * handshake, the request is sent, and nothing ever comes back. */
static int stall_listener(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16)) return -1;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static const char *stall_url(env *e, char *buf, size_t cap) {
    const char *u = url("CX_FETCH_STALL", "/", buf, cap);
    if (u) return u;
    snprintf(buf, cap, "http://127.0.0.1:%d/", *(int *)e->arg);
    return buf;
}

static void stall_timeout(env *e) {
    char u[128];
    cx_fetch_response res;
    cx_fetch_request req = {.url = stall_url(e, u, sizeof u), .timeout_ms = 300};
    uint64_t t0 = cx_loop_now(e->loop);
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETIMEDOUT);
    CHECK_EQ(res.error.kind, CX_FETCH_ETIMEOUT);
    uint64_t took = cx_loop_now(e->loop) - t0;
    CHECK(took >= 250 && took < 3000);
    cx_fetch_response_free(&res);
}

static void stall_deadline(env *e) {
    char u[128];
    cx_fetch_response res;
    cx_fetch_request req = {.url = stall_url(e, u, sizeof u), .timeout_ms = 20000};
    uint64_t t0 = cx_loop_now(e->loop);
    uint64_t prev = cx_deadline_push(200);
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETIMEDOUT);
    cx_deadline_pop(prev);
    CHECK_EQ(res.error.kind, CX_FETCH_ETIMEOUT);
    CHECK(strstr(res.error.message, "deadline") != NULL);
    CHECK(cx_loop_now(e->loop) - t0 < 2000);
    CHECK_EQ(cx_fetch_client_active(e->client), 0);
    cx_fetch_response_free(&res);
    /* A deadline already passed fails at once, without a transfer. */
    prev = cx_deadline_push(0);
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETIMEDOUT);
    cx_deadline_pop(prev);
    cx_fetch_response_free(&res);
}

typedef struct cancel_job {
    env *e;
    cx_coro *co;
    int rc;
    cx_fetch_kind kind;
    bool done;
} cancel_job;

static void cancel_target(void *p) {
    cancel_job *j = p;
    char u[128];
    cx_fetch_response res;
    cx_fetch_request req = {.url = stall_url(j->e, u, sizeof u), .timeout_ms = 20000};
    j->rc = cx_fetch(j->e->client, &req, &res);
    j->kind = res.error.kind;
    cx_fetch_response_free(&res);
    j->done = true;
}

static void stall_cancel(env *e) {
    cancel_job j = {.e = e};
    CHECK_EQ(cx_coro_start(e->loop, cancel_target, &j, &j.co), 1);
    cx_sleep(100);
    CHECK(!j.done);
    CHECK_EQ(cx_fetch_client_active(e->client), 1);
    cx_coro_cancel(j.co);
    for (int i = 0; !j.done && i < 100; i++) cx_sleep(5);
    CHECK(j.done);
    CHECK_EQ(j.rc, CX_ECANCELED);
    CHECK_EQ(j.kind, CX_FETCH_ECANCELLED);
    CHECK_EQ(cx_fetch_client_active(e->client), 0);
}

TEST(stalled_server_timeouts) {
    int port = 0;
    int fd = stall_listener(&port);
    CHECK(fd >= 0);
    run(stall_timeout, &port);
    run(stall_deadline, &port);
    run(stall_cancel, &port);
    close(fd);
}

/* ---- a scripted peer in a coroutine on the same loop ---------------------------------- */

/* Accepts connections, reads one request head from each and answers with
 * `reply` verbatim, then closes: for the responses no real server sends. */
typedef struct raw {
    int lfd, port;
    const char *reply;
    cx_coro *co;
} raw;

static void raw_serve_one(raw *r, int fd) {
    char buf[8192];
    size_t n = 0;
    while (n < sizeof buf && !memmem(buf, n, "\r\n\r\n", 4)) {
        ssize_t k = read(fd, buf + n, sizeof buf - n);
        if (k > 0)
            n += (size_t)k;
        else if (k < 0 && errno == EAGAIN && cx_coro_wait_io(fd, CX_READABLE) > 0)
            continue;
        else
            return;
    }
    size_t len = strlen(r->reply), off = 0;
    while (off < len) {
        ssize_t k = write(fd, r->reply + off, len - off);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EAGAIN && cx_coro_wait_io(fd, CX_WRITABLE) > 0)
            continue;
        else
            return;
    }
}

static void raw_server(void *p) {
    raw *r = p;
    while (cx_coro_wait_io(r->lfd, CX_READABLE) > 0) {
        int fd;
        while ((fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
            raw_serve_one(r, fd);
            close(fd);
        }
    }
}

static void raw_start(env *e, raw *r, const char *reply) {
    r->reply = reply;
    r->lfd = stall_listener(&r->port);
    CHECK(r->lfd >= 0);
    fcntl(r->lfd, F_SETFL, O_NONBLOCK); /* accept in a loop until EAGAIN */
    CHECK_EQ(cx_coro_start(e->loop, raw_server, r, &r->co), 1);
}

static void raw_stop(raw *r) {
    cx_coro_cancel(r->co);
    cx_sleep(1); /* let it finish */
    close(r->lfd);
}

static int raw_fetch(env *e, const char *reply, cx_fetch_response *res) {
    raw r;
    raw_start(e, &r, reply);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/x", r.port);
    cx_fetch_request req = {.url = u, .timeout_ms = 5000};
    int rc = cx_fetch(e->client, &req, res);
    raw_stop(&r);
    return rc;
}

static void scripted(env *e) {
    cx_fetch_response res;
    /* An interim 100 and then the final response: only the final headers. */
    CHECK_EQ(raw_fetch(e,
                       "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Spaces: \t padded value  "
                       "\r\nX-Empty:\r\nX-Dup: a\r\nX-Dup: b\r\n\r\nok",
                       &res),
             0);
    CHECK_EQ(res.status, 201);
    CHECK_MEM(res.body.data, res.body.len, "ok");
    cx_str v;
    CHECK_EQ(cx_fetch_response_header(&res, "x-interim", &v), CX_ENOTFOUND);
    CHECK_EQ(cx_fetch_response_header(&res, "X-SPACES", &v), 0);
    CHECK_MEM(v.ptr, v.len, "padded value");
    CHECK_EQ(cx_fetch_response_header(&res, "x-empty", &v), 0);
    CHECK_EQ(v.len, 0);
    CHECK_EQ(cx_fetch_response_header(&res, "x-dup", &v), 0);
    CHECK_MEM(v.ptr, v.len, "a");
    CHECK_EQ(cx_fetch_response_header_count(&res), 5);
    cx_fetch_response_free(&res);

    /* Cut short: fewer bytes than Content-Length, then close. */
    CHECK_EQ(raw_fetch(e, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", &res), CX_EPROTO);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    cx_fetch_response_free(&res);

    /* Not HTTP at all. */
    CHECK_EQ(raw_fetch(e, "SSH-2.0-OpenSSH_9.2\r\n\r\n", &res), CX_EPROTO);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    cx_fetch_response_free(&res);

    /* Closed without a word. */
    CHECK_EQ(raw_fetch(e, "", &res), CX_EPROTO);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    cx_fetch_response_free(&res);

    /* A chunked body with a bad chunk size. */
    CHECK_EQ(raw_fetch(e,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
                       &res),
             CX_EPROTO);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    cx_fetch_response_free(&res);
}

TEST(scripted_responses) {
    run(scripted, NULL);
}

static void big_headers(env *e) {
    static char reply[8192];
    size_t n = (size_t)snprintf(reply, sizeof reply, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
    while (n + 40 < sizeof reply - 8)
        n += (size_t)snprintf(reply + n, sizeof reply - n, "X-Filler: %030d\r\n", 7);
    snprintf(reply + n, sizeof reply - n, "\r\n");
    cx_fetch_response res;
    CHECK_EQ(raw_fetch(e, reply, &res), CX_ELIMIT);
    CHECK_EQ(res.error.kind, CX_FETCH_ETOOLARGE);
    cx_fetch_response_free(&res);
}

TEST(response_header_limit) {
    cx_fetch_options o;
    cx_fetch_options_default(&o);
    o.max_response_headers = 1024;
    run_with(big_headers, NULL, &o);
}

/* ---- against `cortex serve` ------------------------------------------------------- */

static void cortex_basics(env *e) {
    char u[256];
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/plaintext", u, sizeof u)};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_EQ(res.http_version, 11);
    CHECK_MEM(res.body.data, res.body.len, "Hello, World!");
    CHECK_EQ(res.error.kind, CX_FETCH_OK);
    cx_str v;
    CHECK_EQ(cx_fetch_response_header(&res, "content-type", &v), 0);
    CHECK(v.len >= 10 && memcmp(v.ptr, "text/plain", 10) == 0);
    CHECK_EQ(cx_fetch_response_header(&res, "x-nope", &v), CX_ENOTFOUND);
    CHECK(cx_fetch_response_header_count(&res) >= 2);
    cx_str n;
    CHECK_EQ(cx_fetch_response_header_at(&res, 0, &n, &v), 0);
    CHECK_EQ(cx_fetch_response_header_at(&res, 1000, &n, &v), CX_ERANGE);
    CHECK_EQ(res.connects, 1);
    cx_fetch_response_free(&res);

    /* The same connection again. */
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.connects, 0);
    cx_fetch_response_free(&res);

    /* Not found is a response, not an error. */
    req.url = url("CX_FETCH_CORTEX", "/no/such/route", u, sizeof u);
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 404);
    cx_fetch_response_free(&res);

    /* HEAD and a custom method. */
    req = (cx_fetch_request){.url = url("CX_FETCH_CORTEX", "/plaintext", u, sizeof u),
                             .method = "HEAD"};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_EQ(res.body.len, 0);
    cx_fetch_response_free(&res);
    req.method = "DELETE";
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK(res.status == 405 || res.status == 404);
    cx_fetch_response_free(&res);
}

TEST(cortex_get_and_headers) {
    NEED("CX_FETCH_CORTEX");
    run(cortex_basics, NULL);
}

static void cortex_json(env *e) {
    char u[256];
    cx_arena *a = cx_arena_new(0, 0);
    cx_fetch_response res;
    const cx_json *doc;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/json", u, sizeof u), .method = "GET"};
    CHECK_EQ(cx_fetch_json(e->client, &req, NULL, 0, a, &doc, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_STR(cx_json_cstr(cx_json_get(doc, "message")), "Hello, World!");
    cx_fetch_response_free(&res);

    /* Send JSON (echo sends it back) and parse the answer. */
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":[1,2,3]}";
    req = (cx_fetch_request){.url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u)};
    CHECK_EQ(cx_fetch_json(e->client, &req, body, strlen(body), a, &doc, &res), 0);
    CHECK_EQ(res.status, 200);
    int64_t id = 0;
    CHECK_EQ(cx_json_int64(cx_json_get(doc, "id"), &id), 0);
    CHECK_EQ(id, 7);
    CHECK_EQ(cx_json_len(cx_json_get(doc, "params")), 3);
    cx_fetch_response_free(&res);

    /* Not JSON: a protocol error with the parser's code. */
    req.url = url("CX_FETCH_CORTEX", "/plaintext", u, sizeof u);
    req.method = "GET";
    CHECK_EQ(cx_fetch_json(e->client, &req, NULL, 0, a, &doc, &res), CX_EPARSE);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    CHECK(doc == NULL);
    cx_fetch_response_free(&res);
    cx_arena_free(a);
}

TEST(cortex_json_helpers) {
    NEED("CX_FETCH_CORTEX");
    run(cortex_json, NULL);
}

typedef struct gen {
    size_t left;
    uint32_t state;
} gen;

static unsigned char gen_byte(uint32_t *s) {
    *s = *s * 1103515245u + 12345u;
    return (unsigned char)(*s >> 16);
}

static ssize_t gen_read(void *p, void *buf, size_t cap) {
    gen *g = p;
    size_t n = cap < g->left ? cap : g->left;
    for (size_t i = 0; i < n; i++) ((unsigned char *)buf)[i] = gen_byte(&g->state);
    g->left -= n;
    return (ssize_t)n;
}

static void cortex_echo(env *e) {
    char u[256];
    size_t big = 3u * 1024 * 1024 + 17;
    unsigned char *data = malloc(big);
    uint32_t s = 42;
    for (size_t i = 0; i < big; i++) data[i] = gen_byte(&s);
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u),
                            .body = data,
                            .body_len = big,
                            .content_type = "application/octet-stream"};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_EQ(res.body.len, big);
    CHECK(res.body.len == big && memcmp(res.body.data, data, big) == 0);
    cx_fetch_response_free(&res);

    /* PUT from a reader of unknown length: chunked. */
    gen g = {.left = big, .state = 42};
    req = (cx_fetch_request){.url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u),
                             .method = "PUT",
                             .body_reader = gen_read,
                             .body_reader_data = &g,
                             .body_reader_len = -1};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK(res.body.len == big && memcmp(res.body.data, data, big) == 0);
    cx_fetch_response_free(&res);

    /* Over the response limit. */
    req = (cx_fetch_request){.url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u),
                             .body = data,
                             .body_len = 100000,
                             .max_response_bytes = 10000};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ELIMIT);
    CHECK_EQ(res.error.kind, CX_FETCH_ETOOLARGE);
    cx_fetch_response_free(&res);
    free(data);
}

TEST(cortex_echo_large_bodies) {
    NEED("CX_FETCH_CORTEX");
    run(cortex_echo, NULL);
}

typedef struct chunks {
    int calls;
    size_t bytes;
    int stop_after;
} chunks;

static int count_chunk(void *p, const void *data, size_t len) {
    chunks *c = p;
    c->calls++;
    c->bytes += len;
    return c->stop_after && c->calls >= c->stop_after ? CX_ECANCELED : 0;
}

static void cortex_stream(env *e) {
    char u[256];
    chunks ch = {0};
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/stream?n=50", u, sizeof u),
                            .on_body = count_chunk,
                            .on_body_data = &ch};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK(ch.calls >= 1);
    CHECK(ch.bytes > 0);
    CHECK_EQ(res.body.len, 0);
    CHECK_EQ(res.body_bytes, ch.bytes);
    cx_fetch_response_free(&res);

    /* The callback stops the transfer with its own code. */
    req.url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u);
    static char blob[1 << 20];
    req.body = blob;
    req.body_len = sizeof blob;
    chunks stop = {.stop_after = 1};
    req.on_body_data = &stop;
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ECANCELED);
    CHECK_EQ(res.error.kind, CX_FETCH_EABORTED);
    cx_fetch_response_free(&res);
}

TEST(cortex_streaming_response) {
    NEED("CX_FETCH_CORTEX");
    run(cortex_stream, NULL);
}

static void cortex_sleep(env *e) {
    char u[256];
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/sleep?ms=3000", u, sizeof u),
                            .timeout_ms = 200};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETIMEDOUT);
    CHECK_EQ(res.error.kind, CX_FETCH_ETIMEOUT);
    cx_fetch_response_free(&res);
    req.url = url("CX_FETCH_CORTEX", "/sleep?ms=50", u, sizeof u);
    req.timeout_ms = CX_FETCH_NO_TIMEOUT;
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK(res.elapsed_ms >= 45);
    cx_fetch_response_free(&res);
}

TEST(cortex_sleep_timeout) {
    NEED("CX_FETCH_CORTEX");
    run(cortex_sleep, NULL);
}

/* Many coroutines at once, with at most 2 connections to the host: 12
 * requests of 100 ms each need at least 6 rounds. */
typedef struct par {
    env *e;
    const char *url;
    int ok, done, connects, h2;
    int per;
} par;

static void par_worker(void *p) {
    par *g = p;
    for (int i = 0; i < g->per; i++) {
        cx_fetch_response res;
        cx_fetch_request req = {.url = g->url};
        if (getenv("CX_FETCH_CA")) req.ca_file = getenv("CX_FETCH_CA");
        if (cx_fetch(g->e->client, &req, &res) == 0 && res.status == 200) g->ok++;
        g->connects += (int)res.connects;
        g->h2 += res.http_version == 20;
        cx_fetch_response_free(&res);
    }
    g->done++;
}

static void cortex_host_limit(env *e) {
    char u[256];
    par g = {.e = e, .url = url("CX_FETCH_CORTEX", "/sleep?ms=100", u, sizeof u), .per = 1};
    uint64_t t0 = cx_loop_now(e->loop);
    for (int i = 0; i < 12; i++) cx_coro_start(e->loop, par_worker, &g, NULL);
    CHECK(cx_fetch_client_active(e->client) >= 1);
    wait_count(&g.done, 12);
    cx_loop_update_time(e->loop);
    uint64_t took = cx_loop_now(e->loop) - t0;
    CHECK_EQ(g.ok, 12);
    CHECK(took >= 550);
    CHECK(g.connects <= 2);
    if (took < 550) fprintf(stderr, "  12 requests took only %llu ms\n", (unsigned long long)took);
}

TEST(cortex_per_host_connection_limit) {
    NEED("CX_FETCH_CORTEX");
    cx_fetch_options o;
    cx_fetch_options_default(&o);
    o.max_host_connections = 2;
    run_with(cortex_host_limit, NULL, &o);
}

/* ---- pulling a body with cx_fetch_open / cx_fetch_read ---------------------------------- */

static void stream_pull(env *e) {
    char u[256];
    /* The reference: the same body in one piece. */
    cx_fetch_response whole, res;
    cx_fetch_request req = {.url = url("CX_FETCH_CORTEX", "/stream?n=40", u, sizeof u)};
    CHECK_EQ(cx_fetch(e->client, &req, &whole), 0);
    cx_fetch_stream *st;
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), 0);
    CHECK_EQ(res.status, 200);
    cx_buf got = CX_BUF_INIT;
    char small[7];
    ssize_t n;
    int reads = 0;
    while ((n = cx_fetch_read(st, small, sizeof small)) > 0) {
        cx_buf_append(&got, small, (size_t)n);
        reads++;
    }
    CHECK_EQ(n, 0);
    CHECK(reads > 1);
    CHECK(got.len == whole.body.len && got.len > 0 &&
          memcmp(got.data, whole.body.data, got.len) == 0);
    CHECK_EQ(cx_fetch_read(st, small, sizeof small), 0); /* stays at the end */
    cx_fetch_stream_close(st);
    cx_fetch_response_free(&res);
    cx_fetch_response_free(&whole);
    cx_buf_free(&got);

    /* Backpressure: a slow reader of a 3 MiB echo holds at most the
     * stream's buffer plus what curl has in flight. */
    size_t big = 3u * 1024 * 1024;
    unsigned char *data = malloc(big);
    uint32_t seed = 9;
    for (size_t i = 0; i < big; i++) data[i] = gen_byte(&seed);
    req = (cx_fetch_request){
        .url = url("CX_FETCH_CORTEX", "/echo", u, sizeof u), .body = data, .body_len = big};
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), 0);
    CHECK_EQ(res.status, 200);
    static unsigned char chunk[4096];
    CHECK(cx_fetch_read(st, chunk, sizeof chunk) > 0);
    cx_sleep(200);
    CHECK(res.body_bytes < CX_FETCH_STREAM_BUFFER + 256u * 1024);
    size_t total = 0;
    bool same = true;
    cx_fetch_stream_close(st); /* abandon it half-way */
    cx_fetch_response_free(&res);
    CHECK_EQ(cx_fetch_client_active(e->client), 0);
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), 0);
    while ((n = cx_fetch_read(st, chunk, sizeof chunk)) > 0) {
        if (total + (size_t)n > big || memcmp(chunk, data + total, (size_t)n) != 0) same = false;
        total += (size_t)n;
        if (total % (512u * 1024) < sizeof chunk) cx_sleep(20); /* now and then, be slow */
    }
    CHECK_EQ(n, 0);
    CHECK_EQ(total, big);
    CHECK(same);
    cx_fetch_stream_close(st);
    cx_fetch_response_free(&res);
    free(data);

    /* A head that never comes: the deadline applies to open. */
    req = (cx_fetch_request){.url = url("CX_FETCH_CORTEX", "/sleep?ms=2000", u, sizeof u)};
    uint64_t prev = cx_deadline_push(100);
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), CX_ETIMEDOUT);
    cx_deadline_pop(prev);
    CHECK(st == NULL);
    CHECK_EQ(res.error.kind, CX_FETCH_ETIMEOUT);
    cx_fetch_response_free(&res);
}

TEST(cortex_stream_reader) {
    NEED("CX_FETCH_CORTEX");
    run(stream_pull, NULL);
}

static void stream_h2(env *e) {
    char u[256];
    cx_fetch_response res;
    cx_fetch_stream *st;
    cx_fetch_request req = {.url = url("CX_FETCH_NGINX", "/big.bin", u, sizeof u),
                            .ca_file = getenv("CX_FETCH_CA")};
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), 0);
    CHECK_EQ(res.http_version, 20);
    cx_str v;
    CHECK_EQ(cx_fetch_response_header(&res, "content-length", &v), 0);
    static char chunk[4096];
    ssize_t n;
    size_t total = 0;
    while ((n = cx_fetch_read(st, chunk, sizeof chunk)) > 0) total += (size_t)n;
    CHECK_EQ(n, 0);
    CHECK_EQ(total, 1024 * 1024);
    cx_fetch_stream_close(st);
    cx_fetch_response_free(&res);
    /* Redirect followed: the stream opens on the final response. */
    req.url = url("CX_FETCH_NGINX", "/redir", u, sizeof u);
    req.max_redirects = 2;
    CHECK_EQ(cx_fetch_open(e->client, &req, &res, &st), 0);
    CHECK_EQ(res.status, 200);
    n = cx_fetch_read(st, chunk, sizeof chunk);
    CHECK_EQ(n, 11);
    CHECK_EQ(cx_fetch_read(st, chunk, sizeof chunk), 0);
    cx_fetch_stream_close(st);
    cx_fetch_response_free(&res);
}

TEST(nginx_stream_reader_h2) {
    NEED("CX_FETCH_NGINX");
    run(stream_h2, NULL);
}

/* ---- against nginx over TLS ----------------------------------------------------------- */

static void tls_basics(env *e) {
    char u[256];
    const char *ca = getenv("CX_FETCH_CA");
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_NGINX", "/small.txt", u, sizeof u), .ca_file = ca};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_EQ(res.http_version, 20);
    CHECK_MEM(res.body.data, res.body.len, "small file\n");
    cx_fetch_response_free(&res);

    /* HTTP/1.1 when asked. */
    req.http = CX_FETCH_HTTP_1_1;
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.http_version, 11);
    cx_fetch_response_free(&res);
    req.http = CX_FETCH_HTTP_DEFAULT;

    /* Redirects: returned by default, followed when allowed. */
    req.url = url("CX_FETCH_NGINX", "/redir", u, sizeof u);
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 302);
    cx_str loc;
    CHECK_EQ(cx_fetch_response_header(&res, "Location", &loc), 0);
    cx_fetch_response_free(&res);
    req.max_redirects = 3;
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_EQ(res.redirects, 1);
    CHECK_MEM(res.body.data, res.body.len, "small file\n");
    cx_fetch_response_free(&res);
    req.url = url("CX_FETCH_NGINX", "/loop", u, sizeof u);
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_EPROTO);
    CHECK_EQ(res.error.kind, CX_FETCH_EPROTOCOL);
    cx_fetch_response_free(&res);

    /* Response size limit, from Content-Length. */
    req = (cx_fetch_request){.url = url("CX_FETCH_NGINX", "/big.bin", u, sizeof u),
                             .ca_file = ca,
                             .max_response_bytes = 1000};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ELIMIT);
    CHECK_EQ(res.error.kind, CX_FETCH_ETOOLARGE);
    cx_fetch_response_free(&res);
    req.max_response_bytes = 0;
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.body.len, 1024 * 1024);
    cx_fetch_response_free(&res);
}

TEST(nginx_tls_h2_redirects_limits) {
    NEED("CX_FETCH_NGINX");
    run(tls_basics, NULL);
}

static void tls_bad(env *e) {
    char u[256];
    cx_fetch_response res;
    /* Our test CA is not in the system store. */
    cx_fetch_request req = {.url = url("CX_FETCH_NGINX", "/small.txt", u, sizeof u)};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETLS);
    CHECK_EQ(res.error.kind, CX_FETCH_ETLS);
    cx_fetch_response_free(&res);
    /* The certificate names localhost, not 127.0.0.1. */
    req = (cx_fetch_request){.url = url("CX_FETCH_NGINX_IP", "/small.txt", u, sizeof u),
                             .ca_file = getenv("CX_FETCH_CA")};
    CHECK_EQ(cx_fetch(e->client, &req, &res), CX_ETLS);
    CHECK_EQ(res.error.kind, CX_FETCH_ETLS);
    cx_fetch_response_free(&res);
    /* Verification off (tests only). */
    req.insecure = true;
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    cx_fetch_response_free(&res);
    /* A CA bundle that does not exist. */
    req = (cx_fetch_request){.url = url("CX_FETCH_NGINX", "/small.txt", u, sizeof u),
                             .ca_file = "/nonexistent/ca.pem"};
    CHECK(cx_fetch(e->client, &req, &res) < 0);
    CHECK_EQ(res.error.kind, CX_FETCH_ETLS);
    cx_fetch_response_free(&res);
}

TEST(nginx_bad_certificates) {
    NEED("CX_FETCH_NGINX");
    run(tls_bad, NULL);
}

static void tls_mtls(env *e) {
    char u[256];
    cx_fetch_response res;
    cx_fetch_request req = {.url = url("CX_FETCH_NGINX", "/mtls/", u, sizeof u),
                            .ca_file = getenv("CX_FETCH_CA")};
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 403);
    cx_fetch_response_free(&res);
    req.client_cert = getenv("CX_FETCH_CLIENT_CERT");
    req.client_key = getenv("CX_FETCH_CLIENT_KEY");
    CHECK_EQ(cx_fetch(e->client, &req, &res), 0);
    CHECK_EQ(res.status, 200);
    CHECK_MEM(res.body.data, res.body.len, "client ok\n");
    cx_fetch_response_free(&res);
}

TEST(nginx_mutual_tls) {
    NEED("CX_FETCH_NGINX");
    NEED("CX_FETCH_CLIENT_CERT");
    run(tls_mtls, NULL);
}

/* 10 coroutines x 20 requests, all multiplexed over HTTP/2. */
static void tls_many(env *e) {
    char u[256];
    par g = {.e = e, .url = url("CX_FETCH_NGINX", "/small.txt", u, sizeof u), .per = 20};
    for (int i = 0; i < 10; i++) cx_coro_start(e->loop, par_worker, &g, NULL);
    wait_count(&g.done, 10);
    CHECK_EQ(g.ok, 200);
    CHECK_EQ(g.h2, 200);
    CHECK(g.connects >= 1 && g.connects <= 2);
    if (g.connects > 1) fprintf(stderr, "  %d connections for 200 h2 requests\n", g.connects);
}

TEST(nginx_h2_multiplexed_concurrency) {
    NEED("CX_FETCH_NGINX");
    run(tls_many, NULL);
}

/* ---- process set-up, the client's loop, JSON bodies ------------------------------ */

TEST(global_init_runs_once) {
    int first = cx_fetch_global_init();
    CHECK_EQ(first, 0);
    /* Later calls return the first result, from any thread. */
    CHECK_EQ(cx_fetch_global_init(), first);
    CHECK_EQ(cx_fetch_global_init(), first);
}

static void *global_init_thread(void *arg) {
    *(int *)arg = cx_fetch_global_init();
    return NULL;
}

TEST(global_init_from_threads) {
    pthread_t th[4];
    int rc[4] = {-1, -1, -1, -1};
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, global_init_thread, &rc[i]);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) CHECK_EQ(rc[i], 0);
}

TEST(client_loop_is_the_one_given) {
    cx_loop *l1, *l2;
    CHECK_EQ(cx_loop_new(&l1, NULL), 0);
    CHECK_EQ(cx_loop_new(&l2, NULL), 0);
    cx_fetch_client *a, *b;
    CHECK_EQ(cx_fetch_client_new(&a, l1, NULL), 0);
    CHECK_EQ(cx_fetch_client_new(&b, l2, NULL), 0);
    CHECK(cx_fetch_client_loop(a) == l1);
    CHECK(cx_fetch_client_loop(b) == l2);
    CHECK(cx_fetch_client_loop(NULL) == NULL);
    CHECK_EQ(cx_fetch_client_active(a), 0);
    cx_fetch_client_free(a);
    cx_fetch_client_free(b);
    cx_loop_free(l1);
    cx_loop_free(l2);
}

static void response_json(env *e) {
    CHECK(cx_fetch_client_loop(e->client) == e->loop); /* as seen from the coroutine */
    cx_arena *a = cx_arena_new(0, 0);
    cx_fetch_response res;
    const cx_json *doc = NULL;
    cx_json_error err;
    /* A JSON body, whatever the status. */
    CHECK_EQ(raw_fetch(e,
                       "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                       "Content-Length: 30\r\n\r\n{\"a\":[1,2,{\"b\":\"c\"}],\"n\":null}",
                       &res),
             0);
    CHECK_EQ(res.status, 404);
    CHECK_EQ(cx_fetch_response_json(&res, a, NULL, &doc, NULL), 0);
    CHECK_EQ(cx_json_len(cx_json_get(doc, "a")), 3);
    CHECK_STR(cx_json_cstr(cx_json_get(cx_json_at(cx_json_get(doc, "a"), 2), "b")), "c");
    /* The tree lives in the arena: it outlives the response. */
    cx_fetch_response_free(&res);
    CHECK_STR(cx_json_cstr(cx_json_get(cx_json_at(cx_json_get(doc, "a"), 2), "b")), "c");
    /* Parse errors come with the parser's detail. */
    CHECK_EQ(raw_fetch(e, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\":1,}x", &res), 0);
    memset(&err, 0, sizeof err);
    doc = NULL;
    int rc = cx_fetch_response_json(&res, a, NULL, &doc, &err);
    CHECK_EQ(rc, CX_EPARSE);
    CHECK_EQ(err.code, rc);
    CHECK_EQ(err.offset, 7);
    CHECK(err.message[0] != 0);
    cx_fetch_response_free(&res);
    /* An empty body is not JSON. */
    CHECK_EQ(raw_fetch(e, "HTTP/1.1 204 No Content\r\n\r\n", &res), 0);
    CHECK_EQ(res.body.len, 0);
    CHECK_EQ(cx_fetch_response_json(&res, a, NULL, &doc, &err), CX_EPARSE);
    cx_fetch_response_free(&res);
    /* The parser's limits apply. */
    CHECK_EQ(raw_fetch(e, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[[[[1]]]] ", &res), 0);
    cx_json_options jo = {.max_depth = 3};
    CHECK(cx_fetch_response_json(&res, a, &jo, &doc, &err) < 0);
    jo.max_depth = 4;
    CHECK_EQ(cx_fetch_response_json(&res, a, &jo, &doc, &err), 0);
    jo = (cx_json_options){.max_size = 5};
    CHECK(cx_fetch_response_json(&res, a, &jo, &doc, &err) < 0);
    /* Invalid arguments. */
    CHECK_EQ(cx_fetch_response_json(NULL, a, NULL, &doc, NULL), CX_EINVAL);
    CHECK_EQ(cx_fetch_response_json(&res, NULL, NULL, &doc, NULL), CX_EINVAL);
    CHECK_EQ(cx_fetch_response_json(&res, a, NULL, NULL, NULL), CX_EINVAL);
    cx_fetch_response_free(&res);
    /* A zero-initialised response (nothing received) has an empty body. */
    cx_fetch_response none;
    memset(&none, 0, sizeof none);
    CHECK_EQ(cx_fetch_response_json(&none, a, NULL, &doc, NULL), CX_EPARSE);
    cx_arena_free(a);
}

TEST(response_json_parses_the_body) {
    run(response_json, NULL);
}

TEST_MAIN()
