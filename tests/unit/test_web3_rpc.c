/* The JSON-RPC client, sender and contract binding against a scripted
 * in-process HTTP server (a coroutine on the test's own loop) that answers
 * each request from a per-test script: canned results, JSON-RPC error
 * objects, malformed JSON, oversized bodies, HTTP 500, silence (timeouts).
 *
 * With ANVIL_URL (and ANVIL_ABI, ANVIL_BIN: solc output for
 * tests/integration/test_eth_anvil.py's Store contract) set, one more test
 * deploys and drives the contract on a real chain; skipped otherwise. */
#include "harness.h"
#include <arpa/inet.h>
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/loop.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the scripted server ------------------------------------------------------ */

typedef struct srv srv;
/* Append the whole HTTP response for (method, id) to out; return false to
 * stay silent (the connection is held open until the test ends). */
typedef bool (*script_fn)(srv *s, const char *method, uint64_t id, const cx_json *req, cx_buf *out);

struct srv {
    int lfd, port;
    script_fn script;
    int calls;        /* requests seen */
    int state;        /* for scripts that change their answer */
    cx_buf last_body; /* the last request body */
    char last_method[64];
    cx_coro *co;
};

static void http_reply(cx_buf *out, int status, const char *body) {
    cx_buf_printf(out,
                  "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n%s",
                  status, strlen(body), body);
}

/* Response bodies are built on the heap: these run on a coroutine stack. */
static void result(cx_buf *out, uint64_t id, const char *json) {
    cx_buf body = CX_BUF_INIT;
    cx_buf_printf(&body, "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"result\":%s}", (unsigned long long)id,
                  json);
    cx_buf_putc(&body, '\0');
    http_reply(out, 200, body.data);
    cx_buf_free(&body);
}

/* A JSON-RPC error object; data is raw JSON or NULL. */
static void rpc_err(cx_buf *out, int status, uint64_t id, int code, const char *msg,
                    const char *data) {
    cx_buf body = CX_BUF_INIT;
    cx_buf_printf(&body,
                  "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"error\":{\"code\":%d,\"message\":\"%s\"",
                  (unsigned long long)id, code, msg);
    if (data) cx_buf_printf(&body, ",\"data\":%s", data);
    cx_buf_puts(&body, "}}");
    cx_buf_putc(&body, '\0');
    http_reply(out, status, body.data);
    cx_buf_free(&body);
}

static bool io_write(int fd, const char *p, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t k = write(fd, p + off, len - off);
        if (k > 0)
            off += (size_t)k;
        else if (k < 0 && errno == EAGAIN && cx_coro_wait_io(fd, CX_WRITABLE) > 0)
            continue;
        else
            return false;
    }
    return true;
}

#define REQ_MAX 65536

static void serve_one(srv *s, int fd, char *buf) {
    size_t n = 0, need = 0;
    char *body = NULL;
    bool continued = false;
    for (;;) {
        if (!body) {
            char *end = memmem(buf, n, "\r\n\r\n", 4);
            if (end) {
                body = end + 4;
                size_t cl = 0;
                for (char *p = buf; p < end; p++)
                    if (!strncasecmp(p, "\r\ncontent-length:", 17)) cl = strtoul(p + 17, NULL, 10);
                need = (size_t)(body - buf) + cl;
                if (!continued && memmem(buf, (size_t)(end - buf), "100-continue", 12)) {
                    continued = true;
                    io_write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                }
            }
        }
        if (body && n >= need) break;
        if (n == REQ_MAX) return;
        ssize_t k = read(fd, buf + n, REQ_MAX - n);
        if (k > 0)
            n += (size_t)k;
        else if (k < 0 && errno == EAGAIN && cx_coro_wait_io(fd, CX_READABLE) > 0)
            continue;
        else
            return;
    }
    s->calls++;
    cx_buf_reset(&s->last_body);
    cx_buf_append(&s->last_body, body, need - (size_t)(body - buf));
    cx_buf_putc(&s->last_body, '\0'); /* for strstr in the checks */
    s->last_body.len--;
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *req = NULL;
    uint64_t id = 0;
    const char *method = "";
    if (!cx_json_parse(a, s->last_body.data, s->last_body.len, NULL, &req, NULL)) {
        cx_json_uint64(cx_json_get(req, "id"), &id);
        const char *m = cx_json_cstr(cx_json_get(req, "method"));
        if (m) method = m;
    }
    snprintf(s->last_method, sizeof s->last_method, "%s", method);
    cx_buf out = CX_BUF_INIT;
    if (s->script(s, method, id, cx_json_get(req, "params"), &out))
        io_write(fd, out.data, out.len);
    else
        while (cx_coro_wait_io(fd, CX_READABLE) > 0 && read(fd, buf, REQ_MAX) > 0) {
        }
    cx_buf_free(&out);
    cx_arena_free(a);
}

static int listener(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16)) return -1;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void conn_main(void *p);
typedef struct conn {
    srv *s;
    int fd;
} conn;

static void srv_main(void *p) {
    srv *s = p;
    while (cx_coro_wait_io(s->lfd, CX_READABLE) > 0) {
        int fd;
        while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
            conn *c = malloc(sizeof *c);
            c->s = s;
            c->fd = fd;
            cx_coro_start(cx_coro_loop(cx_coro_self()), conn_main, c, NULL);
        }
    }
}

static void conn_main(void *p) {
    conn *c = p;
    char *buf = malloc(REQ_MAX); /* per connection: a silent one stays open */
    if (buf) serve_one(c->s, c->fd, buf);
    free(buf);
    close(c->fd);
    free(c);
}

/* ---- running a body in a coroutine with a client --------------------------------- */

typedef struct env {
    cx_loop *loop;
    cx_fetch_client *fetch;
    cx_eth_client *c;
    srv s;
    void (*fn)(struct env *);
    bool finished;
    char url[64];
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

static void run_lim(void (*fn)(env *), script_fn script, const cx_eth_rpc_limits *lim) {
    env e = {.fn = fn};
    e.s.script = script;
    e.s.lfd = listener(&e.s.port);
    CHECK(e.s.lfd >= 0);
    snprintf(e.url, sizeof e.url, "http://127.0.0.1:%d/", e.s.port);
    CHECK_EQ(cx_loop_new(&e.loop, NULL), 0);
    CHECK_EQ(cx_fetch_client_new(&e.fetch, e.loop, NULL), 0);
    CHECK_EQ(cx_eth_client_new(&e.c, e.fetch, e.url, lim), 0);
    cx_coro_start(e.loop, srv_main, &e.s, &e.s.co);
    cx_timer wd;
    cx_timer_init(&wd, on_watchdog, e.loop);
    cx_timer_start(e.loop, &wd, 30000);
    if (cx_coro_start(e.loop, body_main, &e, NULL) == 1) cx_loop_run(e.loop);
    cx_timer_stop(e.loop, &wd);
    CHECK(e.finished);
    cx_eth_client_free(e.c);
    cx_fetch_client_free(e.fetch);
    cx_loop_free(e.loop);
    close(e.s.lfd);
    cx_buf_free(&e.s.last_body);
}

static void run(void (*fn)(env *), script_fn script) {
    run_lim(fn, script, NULL);
}

/* ---- basic calls and error paths --------------------------------------------------- */

static bool s_basic(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    (void)s, (void)p;
    if (!strcmp(m, "eth_chainId"))
        result(out, id, "\"0x7a69\"");
    else if (!strcmp(m, "eth_blockNumber"))
        result(out, id, "\"0x10\"");
    else if (!strcmp(m, "eth_getBalance"))
        result(out, id, "\"0x21e19e0c9bab2400000\""); /* 10000 ether */
    else if (!strcmp(m, "eth_getTransactionCount"))
        result(out, id, "\"0x3\"");
    else if (!strcmp(m, "eth_gasPrice"))
        result(out, id, "\"0x3b9aca00\"");
    else if (!strcmp(m, "eth_estimateGas"))
        result(out, id, "\"0x5208\"");
    else if (!strcmp(m, "eth_call"))
        result(out, id, "\"0x000000000000000000000000000000000000000000000000000000000000002a\"");
    else if (!strcmp(m, "eth_getCode"))
        result(out, id, "\"0x\"");
    else
        http_reply(out, 200,
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no such "
                   "method\"}}");
    return true;
}

static const uint8_t ADDR[20] = {0xf3, 0x9f, 0xd6, 0xe5, 0x1a, 0xad, 0x88, 0xf6, 0xf4, 0xce,
                                 0x6a, 0xb8, 0x82, 0x72, 0x79, 0xcf, 0xff, 0xb9, 0x22, 0x66};

static void basic(env *e) {
    cx_eth_rpc_error err;
    uint64_t v = 0;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), 0);
    CHECK_EQ(v, 31337);
    CHECK_STR(e->s.last_method, "eth_chainId");
    CHECK(strstr(e->s.last_body.data, "\"params\":[]") != NULL);
    CHECK_EQ(cx_eth_client_block_number(e->c, &v, &err), 0);
    CHECK_EQ(v, 16);
    cx_u256 bal;
    CHECK_EQ(cx_eth_client_balance(e->c, ADDR, "12", &bal, &err), 0);
    char d[80];
    cx_u256_to_dec(&bal, d);
    CHECK_STR(d, "10000000000000000000000");
    CHECK(strstr(e->s.last_body.data, "[\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\",\"0xc\"]") !=
          NULL);
    CHECK_EQ(cx_eth_client_nonce(e->c, ADDR, "pending", &v, &err), 0);
    CHECK_EQ(v, 3);
    CHECK(strstr(e->s.last_body.data, "\"pending\"") != NULL);
    CHECK_EQ(cx_eth_client_gas_price(e->c, &bal, &err), 0);
    cx_eth_call_msg m = {
        .has_to = true, .data = (const uint8_t *)"\x3f\xa4\xf2\x45", .data_len = 4};
    memcpy(m.to, ADDR, 20);
    CHECK_EQ(cx_eth_client_estimate_gas(e->c, &m, &v, &err), 0);
    CHECK_EQ(v, 21000);
    CHECK(strstr(e->s.last_body.data, "\"input\":\"0x3fa4f245\"") != NULL);
    cx_arena *a = cx_arena_new(0, 0);
    uint8_t *ret;
    size_t n;
    CHECK_EQ(cx_eth_client_call(e->c, a, &m, NULL, &ret, &n, &err), 0);
    CHECK_EQ(n, 32);
    CHECK_EQ(ret[31], 42);
    CHECK_EQ(cx_eth_client_code(e->c, a, ADDR, NULL, &ret, &n, &err), 0);
    CHECK_EQ(n, 0);
    /* Bad block selector: refused before anything is sent. */
    int calls = e->s.calls;
    CHECK_EQ(cx_eth_client_balance(e->c, ADDR, "lately", &bal, &err), CX_EINVAL);
    CHECK_EQ(e->s.calls, calls);
    /* A JSON-RPC error for an unknown method (the id does not matter then). */
    const cx_json *r;
    CHECK_EQ(cx_eth_rpc_call(e->c, a, "eth_nope", NULL, &r, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_EQ(err.code, -32601);
    CHECK_STR(err.message, "no such method");
    cx_arena_free(a);
}

TEST(basic_calls) {
    run(basic, s_basic);
}

TEST(block_param) {
    char b[80];
    CHECK_EQ(cx_eth_block_param(NULL, b), 0);
    CHECK_STR(b, "latest");
    CHECK_EQ(cx_eth_block_param("finalized", b), 0);
    CHECK_STR(b, "finalized");
    CHECK_EQ(cx_eth_block_param("255", b), 0);
    CHECK_STR(b, "0xff");
    CHECK_EQ(cx_eth_block_param("0x00ff", b), 0);
    CHECK_STR(b, "0xff");
    CHECK_EQ(cx_eth_block_param("0", b), 0);
    CHECK_STR(b, "0x0");
    CHECK_EQ(cx_eth_block_param("Latest", b), CX_EINVAL);
    CHECK_EQ(cx_eth_block_param("", b), CX_EINVAL);
    CHECK_EQ(cx_eth_block_param("-1", b), CX_EINVAL);
}

static bool s_errors(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    (void)p;
    switch (s->state) {
    case 0: /* a revert, with data */
        rpc_err(out, 200, id, 3, "execution reverted: no", "\"0x08c379a0\"");
        break;
    case 1:
        http_reply(out, 200, "{\"jsonrpc\":\"2.0\",\"id\":");
        break;
    case 2:
        http_reply(out, 500, "internal trouble");
        break;
    case 3:
        rpc_err(out, 429, id, -32005, "rate limited", "{\"retry\":1}");
        break;
    case 4:
        result(out, id + 1, "\"0x1\"");
        break; /* wrong id */
    case 5:
        http_reply(out, 200, "{\"jsonrpc\":\"2.0\",\"id\":5}");
        break;
    case 6:
        result(out, id, "\"12\"");
        break; /* not a 0x quantity */
    case 7:
        result(out, id, "\"0x1ffffffffffffffff\"");
        break; /* > 64 bits */
    case 8: {  /* 4 KiB of result */
        static char big[4200];
        memset(big, 'a', sizeof big - 1);
        big[0] = '"', big[sizeof big - 2] = '"';
        result(out, id, big);
        break;
    }
    case 9:
        return false; /* silence */
    case 10:
        http_reply(out, 200, "");
        break;
    case 11:
        http_reply(out, 200,
                   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
        break;
    default:
        (void)m;
        result(out, id, "\"0x1\"");
    }
    return true;
}

static void errors(env *e) {
    cx_eth_rpc_error err;
    uint64_t v;
    e->s.state = 0;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_EQ(err.code, 3);
    CHECK_STR(err.message, "execution reverted: no");
    CHECK_STR(err.data, "\"0x08c379a0\"");
    CHECK_EQ(err.kind, CX_FETCH_OK);
    e->s.state = 1;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPARSE);
    CHECK(!err.rpc);
    CHECK(strstr(err.message, "not JSON") != NULL);
    e->s.state = 2;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    CHECK_EQ(err.http_status, 500);
    CHECK(!err.rpc);
    CHECK(strstr(err.message, "500") != NULL);
    e->s.state = 3; /* an error object on a non-2xx status is still the node's error */
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_EQ(err.code, -32005);
    CHECK_EQ(err.http_status, 429);
    CHECK_STR(err.data, "{\"retry\":1}");
    e->s.state = 4;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    CHECK(strstr(err.message, "id") != NULL);
    e->s.state = 5;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    e->s.state = 6;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    e->s.state = 7;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPROTO);
    e->s.state = 10;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPARSE);
    e->s.state = 11; /* deeper than max_json_depth (64 by default; 16 here) */
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_EPARSE);
    e->s.state = 8; /* max_response_bytes is 2048 in this run */
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_ELIMIT);
    CHECK_EQ(err.kind, CX_FETCH_ETOOLARGE);
    e->s.state = 9;
    uint64_t t0 = cx_loop_now(e->loop);
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_ETIMEDOUT);
    CHECK_EQ(err.kind, CX_FETCH_ETIMEOUT);
    CHECK(cx_loop_now(e->loop) - t0 < 3000);
    /* The coroutine's own deadline applies as well. */
    uint64_t prev = cx_deadline_push(100);
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), CX_ETIMEDOUT);
    cx_deadline_pop(prev);
    e->s.state = 12;
    CHECK_EQ(cx_eth_client_chain_id(e->c, &v, &err), 0);
    CHECK_EQ(v, 1);
}

TEST(error_paths) {
    cx_eth_rpc_limits lim = cx_eth_rpc_limits_defaults();
    lim.max_response_bytes = 2048;
    lim.timeout_ms = 400;
    lim.max_json_depth = 16;
    run_lim(errors, s_errors, &lim);
}

static void refused(env *e) {
    cx_eth_client *c;
    char url[64];
    int port;
    int fd = listener(&port);
    close(fd); /* nobody listens there now */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    CHECK_EQ(cx_eth_client_new(&c, e->fetch, url, NULL), 0);
    cx_eth_rpc_error err;
    uint64_t v;
    CHECK(cx_eth_client_chain_id(c, &v, &err) < 0);
    CHECK_EQ(err.kind, CX_FETCH_ECONNECT);
    CHECK(strstr(err.message, "connect") != NULL);
    cx_eth_client_free(c);
    /* A DNS failure is CX_ENOTFOUND too, but not "no receipt yet": the
     * wait ends at once instead of polling until its timeout. */
    CHECK_EQ(cx_eth_client_new(&c, e->fetch, "http://no-such-host.invalid/", NULL), 0);
    cx_arena *a = cx_arena_new(0, 0);
    uint8_t h[32] = {0};
    cx_eth_receipt r;
    uint64_t t0 = cx_loop_now(e->loop);
    CHECK_EQ(cx_eth_client_wait_receipt(c, a, h, 50, 20000, &r, &err), CX_ENOTFOUND);
    CHECK_EQ(err.kind, CX_FETCH_EDNS);
    CHECK(cx_loop_now(e->loop) - t0 < 10000);
    cx_arena_free(a);
    cx_eth_client_free(c);
}

TEST(transport_error_kind) {
    run(refused, s_basic);
    cx_eth_client *c;
    CHECK_EQ(cx_eth_client_new(&c, (cx_fetch_client *)1, "ftp://x", NULL), CX_EINVAL);
    uint64_t v;
    cx_eth_rpc_error err;
    CHECK_EQ(cx_eth_client_chain_id(NULL, &v, &err), CX_EINVAL);
}

/* ---- receipts, logs, blocks ---------------------------------------------------------- */

#define H32(c) "\"0x" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c "\""
#define LOG_JSON                                                                                                                               \
    "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[" H32("11") "," H32(                                              \
        "22") "],\"data\":\"0x0102\",\"blockNumber\":\"0x2\",\"blockHash\":" H32("33") ",\"transa"                                             \
                                                                                       "ctionHash"                                             \
                                                                                       "\":" H32(                                              \
                                                                                           "44") ",\"transactionIndex\":\"0x0\",\"logIndex\":" \
                                                                                                 "\"0x1\",\"removed\":false}"
#define RECEIPT_JSON                                                                               \
    "{\"transactionHash\":" H32("44") ",\"blockHash\":" H32(                                       \
        "33") ",\"blockNumber\":\"0x2\",\"transactionIndex\":\"0x0\",\"from\":"                    \
              "\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\",\"to\":null,\"contractAddress\":"    \
              "\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"status\":\"0x1\",\"type\":"        \
              "\"0x2\","                                                                           \
              "\"gasUsed\":\"0x5208\",\"cumulativeGasUsed\":\"0x5208\",\"effectiveGasPrice\":"     \
              "\"0x3b9aca00\",\"logs\":[" LOG_JSON "]}"
#define BLOCK_JSON                                                                                 \
    "{\"number\":\"0x2\",\"hash\":" H32("33") ",\"parentHash\":" H32(                              \
        "55") ",\"timestamp\":\"0x6553f100\",\"gasLimit\":\"0x1c9c380\",\"gasUsed\":\"0x5208\","   \
              "\"miner\":\"0x0000000000000000000000000000000000000000\",\"baseFeePerGas\":"        \
              "\"0x3b9aca00\",\"transactions\":[" H32("44") "]}"

static bool s_chain(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    (void)p;
    if (!strcmp(m, "eth_getTransactionReceipt")) {
        /* Pending for the first two polls. */
        result(out, id, s->state++ < 2 ? "null" : RECEIPT_JSON);
    } else if (!strcmp(m, "eth_getLogs")) {
        result(out, id, "[" LOG_JSON "," LOG_JSON "]");
    } else if (!strcmp(m, "eth_getBlockByNumber") || !strcmp(m, "eth_getBlockByHash")) {
        result(out, id, s->state == 100 ? "null" : BLOCK_JSON);
    } else {
        result(out, id, "null");
    }
    return true;
}

static void chain(env *e) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_eth_rpc_error err;
    uint8_t h[32];
    memset(h, 0x44, 32);
    cx_eth_receipt r;
    CHECK_EQ(cx_eth_client_receipt(e->c, a, h, &r, &err), CX_ENOTFOUND);
    e->s.state = 0;
    uint64_t t0 = cx_loop_now(e->loop);
    CHECK_EQ(cx_eth_client_wait_receipt(e->c, a, h, 50, 5000, &r, &err), 0);
    CHECK(cx_loop_now(e->loop) - t0 >= 90);
    CHECK_EQ(e->s.state, 3);
    CHECK_EQ(r.status, 1);
    CHECK_EQ(r.type, 2);
    CHECK_EQ(r.block_number, 2);
    CHECK_EQ(r.gas_used, 21000);
    CHECK(r.has_contract);
    CHECK(!r.has_to);
    CHECK_EQ(r.contract_address[0], 0x5f);
    CHECK_EQ(r.nlogs, 1);
    CHECK_EQ(r.logs[0].ntopics, 2);
    CHECK_EQ(r.logs[0].topics[1][0], 0x22);
    CHECK_EQ(r.logs[0].data_len, 2);
    CHECK_EQ(r.logs[0].log_index, 1);
    /* Waiting times out, without blocking the loop. */
    e->s.state = -1000;
    t0 = cx_loop_now(e->loop);
    CHECK_EQ(cx_eth_client_wait_receipt(e->c, a, h, 40, 200, &r, &err), CX_ETIMEDOUT);
    CHECK(cx_loop_now(e->loop) - t0 < 2000);

    /* Logs: the filter as sent. */
    uint8_t t0v[1][32], t2v[2][32], addr[2][20];
    memset(t0v, 0x11, sizeof t0v);
    memset(t2v[0], 0xaa, 32);
    memset(t2v[1], 0xbb, 32);
    memset(addr, 0x01, sizeof addr);
    cx_eth_log_filter f = {.from_block = "1", .to_block = "latest", .ntopics = 3};
    f.topics[0] = (cx_eth_topic_filter){(const uint8_t(*)[32])t0v, 1};
    f.topics[2] = (cx_eth_topic_filter){(const uint8_t(*)[32])t2v, 2};
    f.addresses = (const uint8_t(*)[20])addr;
    f.naddresses = 2;
    cx_eth_log *logs;
    size_t n;
    CHECK_EQ(cx_eth_client_logs(e->c, a, &f, &logs, &n, &err), 0);
    CHECK_EQ(n, 2);
    CHECK(logs[1].has_block);
    CHECK(logs[1].json != NULL);
    const char *sent = e->s.last_body.data;
    CHECK(strstr(sent, "\"fromBlock\":\"0x1\",\"toBlock\":\"latest\"") != NULL);
    CHECK(strstr(sent, "\"address\":[\"0x0101") != NULL);
    CHECK(strstr(sent, "\"topics\":[\"0x1111") != NULL);
    CHECK(strstr(sent, "11\",null,[\"0xaaaa") != NULL);
    CHECK(strstr(sent, "aa\",\"0xbbbb") != NULL);
    /* A single address is sent as a string. */
    f.naddresses = 1;
    f.ntopics = 0;
    CHECK_EQ(cx_eth_client_logs(e->c, a, &f, &logs, &n, &err), 0);
    CHECK(strstr(e->s.last_body.data, "\"address\":\"0x0101") != NULL);
    CHECK(strstr(e->s.last_body.data, "topics") == NULL);

    cx_eth_block b;
    CHECK_EQ(cx_eth_client_block(e->c, a, "2", &b, &err), 0);
    CHECK(strstr(e->s.last_body.data, "[\"0x2\",false]") != NULL);
    CHECK_EQ(b.number, 2);
    CHECK_EQ(b.ntx, 1);
    CHECK(b.has_base_fee);
    CHECK_EQ(b.tx_hashes[0][31], 0x44);
    memset(h, 0x33, 32);
    CHECK_EQ(cx_eth_client_block_by_hash(e->c, a, h, &b, &err), 0);
    CHECK_STR(e->s.last_method, "eth_getBlockByHash");
    e->s.state = 100;
    CHECK_EQ(cx_eth_client_block(e->c, a, "latest", &b, &err), CX_ENOTFOUND);
    cx_arena_free(a);
}

TEST(receipts_logs_blocks) {
    run(chain, s_chain);
}

static void logs_limit(env *e) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_eth_log_filter f = {0};
    cx_eth_log *logs;
    size_t n;
    cx_eth_rpc_error err;
    CHECK_EQ(cx_eth_client_logs(e->c, a, &f, &logs, &n, &err), CX_ELIMIT);
    cx_arena_free(a);
}

TEST(logs_item_limit) {
    cx_eth_rpc_limits lim = {.max_items = 1};
    run_lim(logs_limit, s_chain, &lim);
}

TEST(parsers_strict) {
    cx_arena *a = cx_arena_new(0, 0);
    const char *bad[] = {
        "{}",
        "[]",
        "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180a\",\"topics\":[],\"data\":\"0x\"}",
        "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[1],\"data\":"
        "\"0x\"}",
        "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[],\"data\":"
        "\"0x1\"}",
        "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[" H32(
            "11") "," H32("11") "," H32("11") "," H32("11") "," H32("11") "],\"data\":\"0x\"}",
        "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[],\"data\":\"0x\","
        "\"blockNumber\":\"0x1\"}",
    };
    char msg[160];
    cx_eth_log log;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const cx_json *j;
        CHECK_EQ(cx_json_parse(a, bad[i], strlen(bad[i]), NULL, &j, NULL), 0);
        CHECK_EQ(cx_eth_log_parse(a, j, &log, msg, sizeof msg), CX_EPARSE);
    }
    const cx_json *j;
    const char *ok = "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[],"
                     "\"data\":\"0x\"}";
    CHECK_EQ(cx_json_parse(a, ok, strlen(ok), NULL, &j, NULL), 0);
    CHECK_EQ(cx_eth_log_parse(a, j, &log, msg, sizeof msg), 0);
    CHECK(!log.has_block);
    CHECK_EQ(log.data_len, 0);
    const char *rb = "{\"transactionHash\":" H32("44") "}";
    cx_eth_receipt r;
    CHECK_EQ(cx_json_parse(a, rb, strlen(rb), NULL, &j, NULL), 0);
    CHECK_EQ(cx_eth_receipt_parse(a, j, 0, &r, msg, sizeof msg), CX_EPARSE);
    CHECK(strstr(msg, "blockHash") != NULL);
    const char *rs = RECEIPT_JSON;
    CHECK_EQ(cx_json_parse(a, rs, strlen(rs), NULL, &j, NULL), 0);
    CHECK_EQ(cx_eth_receipt_parse(a, j, 0, &r, msg, sizeof msg), 0);
    CHECK_EQ(cx_eth_receipt_parse(a, j, 0, &r, msg, sizeof msg), 0);
    const char *bs = BLOCK_JSON;
    cx_eth_block b;
    CHECK_EQ(cx_json_parse(a, bs, strlen(bs), NULL, &j, NULL), 0);
    CHECK_EQ(cx_eth_block_parse(a, j, 0, &b, msg, sizeof msg), 0);
    CHECK_EQ(b.timestamp, 0x6553f100);
    cx_arena_free(a);
}

/* ---- the sender ---------------------------------------------------------------- */

/* A node that tells the first send "nonce too low" (its count has moved on
 * from 5 to 7 meanwhile), then accepts. */
static bool s_send(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    if (!strcmp(m, "eth_chainId")) {
        result(out, id, "\"0x1\"");
    } else if (!strcmp(m, "eth_feeHistory")) {
        result(out, id,
               s->state == 50 ? "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x0\",\"0x0\"],"
                                "\"gasUsedRatio\":[0.5],\"reward\":[[\"0x0\"]]}"
                              : "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x64\",\"0x64\","
                                "\"0xc8\"],\"gasUsedRatio\":[0.5,0.1],\"reward\":[[\"0x3\"],"
                                "[\"0x5\"]]}");
    } else if (!strcmp(m, "eth_estimateGas")) {
        result(out, id, "\"0x186a0\"");
    } else if (!strcmp(m, "eth_gasPrice")) {
        result(out, id, "\"0x77\"");
    } else if (!strcmp(m, "eth_getTransactionCount")) {
        result(out, id, s->state == 0 ? "\"0x5\"" : "\"0x7\"");
    } else if (!strcmp(m, "eth_sendRawTransaction")) {
        if (s->state == 0) {
            s->state = 1;
            rpc_err(out, 200, id, -32003, "Nonce too low", NULL);
        } else {
            /* The hash of what was sent, as a node computes it. */
            cx_arena *a = cx_arena_new(0, 0);
            uint8_t *raw;
            size_t n;
            cx_str hex = cx_json_str(cx_json_at(p, 0));
            cx_hex_decode_alloc(a, hex.ptr, hex.len, CX_HEX_PREFIX, &raw, &n);
            uint8_t h[32];
            cx_keccak256(raw, n, h);
            char hs[70];
            cx_hex_format(hs + 1, h, 32);
            hs[0] = '"';
            strcat(hs, "\"");
            result(out, id, hs);
            cx_arena_free(a);
        }
    } else {
        result(out, id, "null");
    }
    return true;
}

static const uint8_t KEY[32] = {0xac, 0x09, 0x74, 0xbe, 0xc3, 0x9a, 0x17, 0xe3, 0x6b, 0xa4, 0xa6,
                                0xb4, 0xd2, 0x38, 0xff, 0x94, 0x4b, 0xac, 0xb4, 0x78, 0xcb, 0xed,
                                0x5e, 0xfc, 0xae, 0x78, 0x4d, 0x7b, 0xf4, 0xf2, 0xff, 0x80};

static void sender(env *e) {
    int ierr;
    cx_eth_sender *s = cx_eth_sender_new(e->c, KEY, NULL, &ierr);
    CHECK(s != NULL);
    uint8_t addr[20];
    cx_eth_sender_address(s, addr);
    CHECK(!memcmp(addr, ADDR, 20));
    cx_eth_send_req r = {.type = -1, .has_to = true, .value = cx_u256_from_u64(1)};
    memcpy(r.to, ADDR, 20);
    cx_eth_sent sent;
    cx_eth_rpc_error err;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), 0);
    CHECK_EQ(sent.nonce, 7); /* resynced after "nonce too low" */
    CHECK_EQ(sent.type, 2);
    CHECK_EQ(sent.gas_limit, 120000); /* 100000 + 20% */
    /* The raw transaction: type 2, maxFee = 2*200 + median tip 5. */
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *req;
    CHECK_EQ(cx_json_parse(a, e->s.last_body.data, e->s.last_body.len, NULL, &req, NULL), 0);
    cx_str hex = cx_json_str(cx_json_at(cx_json_get(req, "params"), 0));
    uint8_t *raw;
    size_t n;
    CHECK_EQ(cx_hex_decode_alloc(a, hex.ptr, hex.len, CX_HEX_PREFIX, &raw, &n), 0);
    CHECK_EQ(raw[0], 2);
    const cx_rlp_item *it;
    CHECK_EQ(cx_rlp_decode(a, raw + 1, n - 1, NULL, &it, NULL), 0);
    CHECK_EQ(it->count, 12);
    CHECK_EQ(it->items[1].len, 1);
    CHECK_EQ(it->items[1].data[0], 7); /* nonce */
    CHECK_EQ(it->items[2].data[0], 5); /* priority fee */
    CHECK_EQ(it->items[3].len, 2);     /* max fee 405 = 0x0195 */
    CHECK_EQ(it->items[3].data[1], 0x95);
    uint8_t h[32];
    cx_keccak256(raw, n, h);
    CHECK(!memcmp(h, sent.hash, 32));
    /* The next send counts locally: no nonce query. */
    int calls = e->s.calls;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), 0);
    CHECK_EQ(sent.nonce, 8);
    CHECK_EQ(e->s.calls - calls, 3); /* chain id cached: fees, estimate, send */
    /* Legacy, with the node's gas price and a fixed gas limit. */
    r.type = 0;
    r.gas_limit = 30000;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), 0);
    CHECK_EQ(sent.type, 0);
    CHECK_EQ(sent.nonce, 9);
    CHECK_EQ(sent.gas_limit, 30000);
    /* A chain without a base fee falls back to legacy under type -1. */
    e->s.state = 50;
    r.type = -1;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), 0);
    CHECK_EQ(sent.type, 0);
    r.type = 2;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), CX_EPROTO);
    r.type = 7;
    CHECK_EQ(cx_eth_sender_send(s, &r, &sent, &err), CX_EINVAL);
    cx_arena_free(a);
    cx_eth_sender_free(s);
    uint8_t zero[32] = {0};
    CHECK(cx_eth_sender_new(e->c, zero, NULL, &ierr) == NULL);
    CHECK_EQ(ierr, CX_EINVAL);
}

TEST(sender_nonce_and_fees) {
    run(sender, s_send);
}

/* ---- fees and raw sends -------------------------------------------------------------- */

static const char FEE_OK[] =
    "{\"oldestBlock\":\"0x10\",\"baseFeePerGas\":[\"0x64\",\"0xc8\",\"0x12c\"],"
    "\"gasUsedRatio\":[0.5,0.25],\"reward\":[[\"0x1\",\"0x2\"],[\"0x3\",\"0x4\"]]}";
static const char HASH[] = "\"0x1111111111111111111111111111111111111111111111111111111111111111\"";

static bool s_fees(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    (void)p;
    if (!strcmp(m, "eth_maxPriorityFeePerGas")) {
        if (s->state == 0)
            result(out, id, "\"0x3b9aca00\"");
        else if (s->state == 1)
            rpc_err(out, 200, id, -32601, "the method does not exist", NULL);
        else
            result(out, id, "\"1000\""); /* not a 0x quantity */
    } else if (!strcmp(m, "eth_feeHistory")) {
        switch (s->state) {
        case 0:
            result(out, id, FEE_OK);
            break;
        case 1: /* no rewards asked for or none sent */
            result(out, id,
                   "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x7\"],\"gasUsedRatio\":[],"
                   "\"reward\":null}");
            break;
        case 2: /* baseFeePerGas must have one more entry than gasUsedRatio */
            result(out, id,
                   "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x1\",\"0x2\"],"
                   "\"gasUsedRatio\":[0.1,0.2]}");
            break;
        case 3: /* more blocks than asked for */
            result(out, id,
                   "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x1\",\"0x2\",\"0x3\",\"0x4\"],"
                   "\"gasUsedRatio\":[0.1,0.2,0.3]}");
            break;
        case 4: /* a reward row of the wrong width */
            result(out, id,
                   "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x1\",\"0x2\"],"
                   "\"gasUsedRatio\":[0.1],\"reward\":[[\"0x1\"]]}");
            break;
        case 5: /* a base fee that is not a quantity */
            result(
                out, id,
                "{\"oldestBlock\":\"0x1\",\"baseFeePerGas\":[\"0x1\",7],\"gasUsedRatio\":[0.1]}");
            break;
        case 6:
            result(out, id, "[]");
            break;
        default:
            rpc_err(out, 200, id, -32000, "block not found", NULL);
        }
    } else if (!strcmp(m, "eth_sendRawTransaction")) {
        if (s->state == 0)
            result(out, id, HASH);
        else if (s->state == 1)
            rpc_err(out, 200, id, -32000, "nonce too low", NULL);
        else
            result(out, id, "\"0x1234\""); /* not 32 bytes */
    } else {
        result(out, id, "null");
    }
    return true;
}

static void fees(env *e) {
    cx_eth_rpc_error err;
    cx_arena *a = cx_arena_new(0, 0);
    /* eth_maxPriorityFeePerGas */
    cx_u256 tip;
    e->s.state = 0;
    CHECK_EQ(cx_eth_client_max_priority_fee(e->c, &tip, &err), 0);
    char d[80];
    cx_u256_to_dec(&tip, d);
    CHECK_STR(d, "1000000000");
    CHECK_STR(e->s.last_method, "eth_maxPriorityFeePerGas");
    CHECK(strstr(e->s.last_body.data, "\"params\":[]") != NULL);
    e->s.state = 1; /* a node without the method */
    CHECK_EQ(cx_eth_client_max_priority_fee(e->c, &tip, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_EQ(err.code, -32601);
    e->s.state = 2;
    CHECK_EQ(cx_eth_client_max_priority_fee(e->c, &tip, &err), CX_EPROTO);
    CHECK(!err.rpc);
    int calls = e->s.calls;
    CHECK_EQ(cx_eth_client_max_priority_fee(e->c, NULL, &err), CX_EINVAL);
    CHECK_EQ(e->s.calls, calls);

    /* eth_feeHistory: the request, then the arrays. */
    static const double pct[] = {25, 75};
    cx_eth_fee_history h;
    e->s.state = 0;
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, "latest", pct, 2, &h, &err), 0);
    CHECK_STR(e->s.last_method, "eth_feeHistory");
    CHECK(strstr(e->s.last_body.data, "\"params\":[\"0x2\",\"latest\",[25") != NULL);
    CHECK_EQ(h.oldest_block, 16);
    CHECK_EQ(h.nblocks, 2);
    CHECK_EQ(h.npct, 2);
    CHECK_EQ(h.base_fee[0].b[31], 100);
    CHECK_EQ(h.base_fee[2].b[31], 0x2c); /* the next block's, 300 */
    CHECK_EQ(h.base_fee[2].b[30], 0x01);
    CHECK(h.gas_used_ratio[0] == 0.5 && h.gas_used_ratio[1] == 0.25);
    CHECK_EQ(h.reward[0].b[31], 1); /* row-major: block 0 p25, p75, block 1 ... */
    CHECK_EQ(h.reward[1].b[31], 2);
    CHECK_EQ(h.reward[2].b[31], 3);
    CHECK_EQ(h.reward[3].b[31], 4);
    /* A numeric block is sent as a quantity. */
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, "300", pct, 2, &h, &err), 0);
    CHECK(strstr(e->s.last_body.data, "[\"0x2\",\"0x12c\",") != NULL);
    /* No percentiles: no reward array is read. */
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, NULL, 0, &h, &err), 0);
    CHECK(strstr(e->s.last_body.data, "\"latest\",[]]") != NULL);
    CHECK_EQ(h.npct, 0);
    e->s.state = 1; /* reward null: zero rewards */
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 1, NULL, pct, 2, &h, &err), 0);
    CHECK_EQ(h.nblocks, 0);
    CHECK_EQ(h.base_fee[0].b[31], 7);
    for (int st = 2; st <= 6; st++) {
        e->s.state = st;
        CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, pct, 2, &h, &err), CX_EPROTO);
        CHECK(!err.rpc);
        CHECK(strstr(err.message, "eth_feeHistory") != NULL);
    }
    e->s.state = 7;
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, pct, 2, &h, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_STR(err.message, "block not found");
    /* Refused before anything is sent. */
    calls = e->s.calls;
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 0, NULL, pct, 2, &h, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, NULL, 2, &h, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_fee_history(e->c, NULL, 2, NULL, pct, 2, &h, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, pct, 2, NULL, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, "soon", pct, 2, &h, &err), CX_EINVAL);
    double many[101] = {0};
    CHECK_EQ(cx_eth_client_fee_history(e->c, a, 2, NULL, many, 101, &h, &err), CX_EINVAL);
    CHECK_EQ(e->s.calls, calls);

    /* eth_sendRawTransaction: the bytes go as 0x hex, the hash comes back. */
    uint8_t hash[32];
    const uint8_t raw[] = {0x02, 0xf8, 0x00, 0xab};
    e->s.state = 0;
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, sizeof raw, hash, &err), 0);
    CHECK_STR(e->s.last_method, "eth_sendRawTransaction");
    CHECK(strstr(e->s.last_body.data, "\"params\":[\"0x02f800ab\"]") != NULL);
    CHECK_EQ(hash[0], 0x11);
    CHECK_EQ(hash[31], 0x11);
    e->s.state = 1;
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, sizeof raw, hash, &err), CX_EPROTO);
    CHECK(err.rpc);
    CHECK_STR(err.message, "nonce too low");
    e->s.state = 2;
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, sizeof raw, hash, &err), CX_EPROTO);
    CHECK(!err.rpc);
    calls = e->s.calls;
    CHECK_EQ(cx_eth_client_send_raw(e->c, NULL, 4, hash, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, 0, hash, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, sizeof raw, NULL, &err), CX_EINVAL);
    CHECK_EQ(cx_eth_client_send_raw(e->c, raw, sizeof raw, NULL, NULL), CX_EINVAL); /* err NULL */
    CHECK_EQ(e->s.calls, calls);
    cx_arena_free(a);
}

TEST(fees_and_raw_send_scripted) {
    run(fees, s_fees);
}

/* ---- contracts ------------------------------------------------------------------- */

static const char ABI[] =
    "[{\"type\":\"constructor\",\"inputs\":[{\"name\":\"v\",\"type\":\"uint256\"}]},"
    "{\"type\":\"function\",\"name\":\"get\",\"stateMutability\":\"view\",\"inputs\":[],"
    "\"outputs\":[{\"name\":\"\",\"type\":\"uint256\"}]},"
    "{\"type\":\"function\",\"name\":\"put\",\"stateMutability\":\"payable\",\"inputs\":["
    "{\"name\":\"p\",\"type\":\"tuple[]\",\"components\":[{\"name\":\"a\",\"type\":\"address\"},"
    "{\"name\":\"b\",\"type\":\"tuple\",\"components\":[{\"name\":\"x\",\"type\":\"bytes32\"},"
    "{\"name\":\"y\",\"type\":\"string\"}]}]}],\"outputs\":[]},"
    "{\"type\":\"event\",\"name\":\"Transfer\",\"anonymous\":false,\"inputs\":["
    "{\"name\":\"from\",\"type\":\"address\",\"indexed\":true},"
    "{\"name\":\"to\",\"type\":\"address\",\"indexed\":true},"
    "{\"name\":\"value\",\"type\":\"uint256\",\"indexed\":false}]},"
    "{\"type\":\"error\",\"name\":\"Nope\",\"inputs\":[]},{\"type\":\"receive\"}]";

TEST(contract_abi) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_eth_contract *k;
    char msg[160];
    CHECK_EQ(cx_eth_contract_from_abi(a, ABI, strlen(ABI), ADDR, &k, msg, sizeof msg), 0);
    CHECK_EQ(cx_eth_contract_function_count(k), 2);
    CHECK_EQ(cx_eth_contract_event_count(k), 1);
    const cx_eth_function *f = cx_eth_contract_function(k, "put");
    CHECK(f && f->payable && !f->view);
    CHECK_STR(f->sig.canonical, "put((address,(bytes32,string))[])");
    CHECK(cx_eth_contract_function(k, "get()") && cx_eth_contract_function(k, "get")->view);
    CHECK(cx_eth_contract_function(k, "nope") == NULL);
    CHECK_EQ(cx_eth_contract_constructor(k)->nfields, 1);
    const cx_eth_event *ev = cx_eth_contract_event(k, "Transfer");
    CHECK(ev != NULL);
    /* keccak("Transfer(address,address,uint256)") */
    CHECK_EQ(ev->sig.topic[0], 0xdd);
    CHECK_EQ(ev->sig.topic[31], 0xef);
    /* Decode a Transfer log. */
    uint8_t topics[3][32] = {{0}};
    memcpy(topics[0], ev->sig.topic, 32);
    memcpy(topics[1] + 12, ADDR, 20);
    uint8_t data[32] = {0};
    data[31] = 9;
    cx_eth_log log = {
        .topics = (const uint8_t(*)[32])topics, .ntopics = 3, .data = data, .data_len = 32};
    const cx_eth_event *got;
    const cx_abi_value *v;
    CHECK_EQ(cx_eth_contract_decode_log(a, k, &log, &got, &v, msg, sizeof msg), 0);
    CHECK(got == ev);
    CHECK_EQ(v->count, 3);
    CHECK_EQ(v->items[2].word[31], 9);
    CHECK(!memcmp(v->items[0].word + 12, ADDR, 20));
    log.ntopics = 2; /* matches by topic 0, but does not decode */
    CHECK_EQ(cx_eth_contract_decode_log(a, k, &log, &got, &v, msg, sizeof msg), CX_EPARSE);
    topics[0][0] ^= 1;
    log.ntopics = 3;
    CHECK_EQ(cx_eth_contract_decode_log(a, k, &log, &got, &v, msg, sizeof msg), CX_ENOTFOUND);
    /* Arguments from text. */
    const char *args[] = {"[(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,(0x01,\"hi\"))]"};
    CHECK_EQ(cx_eth_args_from_text(a, f->sig.inputs, args, 1, &v, msg, sizeof msg), 0);
    CHECK_EQ(cx_eth_args_from_text(a, f->sig.inputs, args, 0, &v, msg, sizeof msg), CX_EPARSE);
    /* Artifacts with an "abi" member; malformed ABIs. */
    const char *art =
        "{\"abi\":[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[],\"outputs\":[]}]}";
    CHECK_EQ(cx_eth_contract_from_abi(a, art, strlen(art), NULL, &k, msg, sizeof msg), 0);
    const char *bads[] = {
        "{}",
        "[1]",
        "[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"uint7\"}]}]",
        "[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"tuple\"}]}]",
        "[{\"type\":\"function\",\"name\":\"f(uint256)\",\"inputs\":[]}]",
        "[{\"type\":\"function\",\"name\":\"f\",\"inputs\":[{\"type\":\"uint256,uint8\"}]}]",
        "[{\"type\":\"event\",\"inputs\":[]}]",
        "not json",
    };
    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++)
        CHECK_EQ(cx_eth_contract_from_abi(a, bads[i], strlen(bads[i]), NULL, &k, msg, sizeof msg),
                 CX_EPARSE);
    cx_arena_free(a);
}

TEST(revert_reason) {
    char r[100];
    const uint8_t err[] = {0x08, 0xc3, 0x79, 0xa0, [35] = 0x20, [67] = 2, 'n', 'o', [99] = 0};
    cx_eth_revert_reason(err, sizeof err, r, sizeof r);
    CHECK_STR(r, "no");
    const uint8_t panic[36] = {0x4e, 0x48, 0x7b, 0x71, [35] = 0x11};
    cx_eth_revert_reason(panic, sizeof panic, r, sizeof r);
    CHECK_STR(r, "panic 0x11");
    cx_eth_revert_reason((const uint8_t *)"\x12\x34\x56\x78", 4, r, sizeof r);
    CHECK_STR(r, "custom error 0x12345678");
    cx_eth_revert_reason(NULL, 0, r, sizeof r);
    CHECK_STR(r, "reverted without a reason");
}

static bool s_contract(srv *s, const char *m, uint64_t id, const cx_json *p, cx_buf *out) {
    (void)s, (void)p;
    if (!strcmp(m, "eth_call"))
        result(out, id, "\"0x000000000000000000000000000000000000000000000000000000000000002a\"");
    else
        result(out, id, "null");
    return true;
}

static void contract_call(env *e) {
    cx_arena *a = cx_arena_new(0, 0);
    cx_eth_contract *k;
    char msg[160];
    CHECK_EQ(cx_eth_contract_from_abi(a, ABI, strlen(ABI), ADDR, &k, msg, sizeof msg), 0);
    const cx_abi_value *v;
    cx_eth_rpc_error err;
    CHECK_EQ(
        cx_eth_contract_call(e->c, a, k, cx_eth_contract_function(k, "get"), NULL, NULL, &v, &err),
        0);
    CHECK_EQ(v->count, 1);
    CHECK_EQ(v->items[0].word[31], 42);
    CHECK(strstr(e->s.last_body.data, "\"input\":\"0x6d4ce63c\"") != NULL); /* get() */
    /* Outputs that do not decode as declared. */
    const char *abi2 = "[{\"type\":\"function\",\"name\":\"get\",\"inputs\":[],\"outputs\":["
                       "{\"type\":\"string\"}]}]";
    CHECK_EQ(cx_eth_contract_from_abi(a, abi2, strlen(abi2), ADDR, &k, msg, sizeof msg), 0);
    CHECK_EQ(
        cx_eth_contract_call(e->c, a, k, cx_eth_contract_function(k, "get"), NULL, NULL, &v, &err),
        CX_EPARSE);
    cx_arena_free(a);
}

TEST(contract_call_scripted) {
    run(contract_call, s_contract);
}

/* ---- a real chain (anvil) ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[*len] = 0;
    while (*len && (buf[*len - 1] == '\n' || buf[*len - 1] == ' ')) buf[--*len] = 0;
    return buf;
}

typedef struct anvil_env {
    cx_loop *loop;
    cx_fetch_client *fetch;
    bool finished;
} anvil_env;

typedef struct sharer {
    cx_eth_sender *s;
    const cx_eth_contract *k;
    const cx_eth_function *fn;
    const cx_abi_value *args;
    cx_eth_sent sent;
    int rc;
    bool done;
} sharer;

static void share_send(void *p) {
    sharer *sh = p;
    cx_eth_rpc_error err;
    sh->rc = cx_eth_contract_send(sh->s, sh->k, sh->fn, sh->args, NULL, &sh->sent, &err);
    sh->done = true;
}

/* On the real chain, with anvil's second account (the contract test's
 * sender keeps its own nonce count for the first): fee history, the
 * priority fee, and a transaction signed here and sent raw. */
static const uint8_t KEY1[32] = {0x59, 0xc6, 0x99, 0x5e, 0x99, 0x8f, 0x97, 0xa5, 0xa0, 0x04, 0x49,
                                 0x66, 0xf0, 0x94, 0x53, 0x89, 0xdc, 0x9e, 0x86, 0xda, 0xe8, 0x8c,
                                 0x7a, 0x84, 0x12, 0xf4, 0x60, 0x3b, 0x6b, 0x78, 0x69, 0x0d};

static void anvil_fees_and_raw(cx_eth_client *c, cx_arena *a) {
    cx_eth_rpc_error err;
    static const double pct[] = {10, 50, 90};
    cx_eth_fee_history h;
    CHECK_EQ(cx_eth_client_fee_history(c, a, 4, "latest", pct, 3, &h, &err), 0);
    CHECK(h.nblocks >= 1 && h.nblocks <= 4);
    CHECK_EQ(h.npct, 3);
    CHECK(!cx_u256_is_zero(&h.base_fee[h.nblocks])); /* London rules: a base fee */
    cx_u256 tip;
    CHECK_EQ(cx_eth_client_max_priority_fee(c, &tip, &err), 0);
    cx_eth_key *k = cx_eth_key_new(KEY1, NULL);
    CHECK(k != NULL);
    if (!k) return;
    uint8_t me[20];
    cx_eth_key_address(k, me);
    uint64_t nonce = 0, chain = 0;
    CHECK_EQ(cx_eth_client_nonce(c, me, "pending", &nonce, &err), 0);
    CHECK_EQ(cx_eth_client_chain_id(c, &chain, &err), 0);
    cx_eth_tx tx = {.type = 2, .has_to = true};
    tx.chain_id = cx_u256_from_u64(chain);
    tx.nonce = cx_u256_from_u64(nonce);
    tx.gas_limit = cx_u256_from_u64(21000);
    tx.max_priority_fee = tip;
    tx.max_fee = cx_u256_from_u64(100000000000ull); /* 100 gwei: above 2x base + tip */
    tx.value = cx_u256_from_u64(12345);
    memcpy(tx.to, ADDR, 20);
    cx_buf raw = CX_BUF_INIT;
    CHECK_EQ(cx_eth_tx_sign(&tx, k, &raw), 0);
    uint8_t hash[32], want[32];
    CHECK_EQ(cx_eth_client_send_raw(c, (const uint8_t *)raw.data, raw.len, hash, &err), 0);
    cx_keccak256(raw.data, raw.len, want);
    CHECK(!memcmp(hash, want, 32));
    cx_eth_receipt r;
    CHECK_EQ(cx_eth_client_wait_receipt(c, a, hash, 50, 10000, &r, &err), 0);
    CHECK_EQ(r.status, 1);
    /* The same bytes again: the node refuses them (already known, or the
     * nonce is used now). */
    CHECK_EQ(cx_eth_client_send_raw(c, (const uint8_t *)raw.data, raw.len, hash, &err), CX_EPROTO);
    CHECK(err.rpc);
    /* Garbage is refused by the node, not by us. */
    CHECK_EQ(cx_eth_client_send_raw(c, (const uint8_t *)"\x02\x01", 2, hash, &err), CX_EPROTO);
    CHECK(err.rpc);
    cx_buf_free(&raw);
    cx_eth_key_free(k);
}

static void anvil_body(void *p) {
    anvil_env *ae = p;
    cx_eth_client *c;
    CHECK_EQ(cx_eth_client_new(&c, ae->fetch, getenv("ANVIL_URL"), NULL), 0);
    cx_arena *a = cx_arena_new(0, 0);
    char msg[200];
    cx_eth_contract *k;
    CHECK_EQ(cx_eth_contract_load(a, getenv("ANVIL_ABI"), NULL, &k, msg, sizeof msg), 0);
    size_t blen = 0;
    char *bin = slurp(getenv("ANVIL_BIN"), &blen);
    CHECK(bin != NULL);
    uint8_t *code;
    size_t clen;
    CHECK_EQ(cx_hex_decode_alloc(a, bin, blen, 0, &code, &clen), 0);
    int ierr;
    cx_eth_sender *s = cx_eth_sender_new(c, KEY, NULL, &ierr);
    cx_eth_rpc_error err;
    const cx_abi_value *args;
    const char *ctor_args[] = {"7"};
    CHECK_EQ(cx_eth_args_from_text(a, cx_eth_contract_constructor(k), ctor_args, 1, &args, msg,
                                   sizeof msg),
             0);
    cx_eth_sent sent;
    CHECK_EQ(cx_eth_contract_deploy(s, k, code, clen, args, NULL, &sent, &err), 0);
    cx_eth_receipt r;
    CHECK_EQ(cx_eth_client_wait_receipt(c, a, sent.hash, 50, 10000, &r, &err), 0);
    CHECK_EQ(r.status, 1);
    CHECK(r.has_contract);
    cx_eth_contract_set_address(k, r.contract_address);
    const cx_abi_value *v;
    CHECK_EQ(
        cx_eth_contract_call(c, a, k, cx_eth_contract_function(k, "value"), NULL, NULL, &v, &err),
        0);
    CHECK_EQ(v->items[0].word[31], 7);
    /* Two sends back to back (local nonce counter), one legacy-free each. */
    const char *set_args[] = {"42", "from C"};
    const cx_eth_function *set = cx_eth_contract_function(k, "set");
    CHECK_EQ(cx_eth_args_from_text(a, set->sig.inputs, set_args, 2, &args, msg, sizeof msg), 0);
    cx_eth_sent s1, s2;
    CHECK_EQ(cx_eth_contract_send(s, k, set, args, NULL, &s1, &err), 0);
    set_args[0] = "43";
    CHECK_EQ(cx_eth_args_from_text(a, set->sig.inputs, set_args, 2, &args, msg, sizeof msg), 0);
    CHECK_EQ(cx_eth_contract_send(s, k, set, args, NULL, &s2, &err), 0);
    CHECK_EQ(s2.nonce, s1.nonce + 1);
    CHECK_EQ(s1.type, 2);
    CHECK_EQ(cx_eth_client_wait_receipt(c, a, s2.hash, 50, 10000, &r, &err), 0);
    CHECK_EQ(r.status, 1);
    CHECK_EQ(r.nlogs, 1);
    const cx_eth_event *ev = cx_eth_contract_event(k, "Stored");
    CHECK(ev != NULL);
    if (r.nlogs == 1 && ev) {
        CHECK_EQ(cx_eth_contract_decode_log(a, k, &r.logs[0], &ev, &v, msg, sizeof msg), 0);
        CHECK_STR(ev->sig.name, "Stored");
        CHECK_EQ(v->items[1].word[31], 43);
        CHECK_EQ(v->items[2].len, 6);
    }
    CHECK_EQ(
        cx_eth_contract_call(c, a, k, cx_eth_contract_function(k, "value"), NULL, NULL, &v, &err),
        0);
    CHECK_EQ(v->items[0].word[31], 43);
    /* A revert, with its reason. */
    CHECK_EQ(
        cx_eth_contract_call(c, a, k, cx_eth_contract_function(k, "fail"), NULL, NULL, &v, &err),
        CX_EPROTO);
    CHECK(err.rpc);
    CHECK(strstr(err.message, "always fails") != NULL);
    /* Logs by filter: the Stored events of this contract with value 42 or 43. */
    cx_eth_log_filter f = {.from_block = "0"};
    uint8_t tv[2][32] = {{0}};
    tv[0][31] = 42;
    tv[1][31] = 43;
    f.addresses = (const uint8_t(*)[20])r.to;
    f.naddresses = 1;
    f.ntopics = 3;
    f.topics[0] = (cx_eth_topic_filter){(const uint8_t(*)[32]) & ev->sig.topic, 1};
    f.topics[2] = (cx_eth_topic_filter){(const uint8_t(*)[32])tv, 2};
    cx_eth_log *logs;
    size_t n;
    CHECK_EQ(cx_eth_client_logs(c, a, &f, &logs, &n, &err), 0);
    CHECK(n >= 2);
    cx_eth_block b;
    CHECK_EQ(cx_eth_client_block(c, a, NULL, &b, &err), 0);
    CHECK(b.has_base_fee);
    cx_eth_block b2;
    CHECK_EQ(cx_eth_client_block_by_hash(c, a, b.hash, &b2, &err), 0);
    CHECK_EQ(b2.number, b.number);
    /* Coroutines sharing one sender get distinct nonces, and all are mined. */
    sharer sh[6];
    for (int i = 0; i < 6; i++) {
        sh[i] = (sharer){.s = s, .k = k, .fn = set, .args = args};
        cx_coro_start(ae->loop, share_send, &sh[i], NULL);
    }
    for (int w = 0; w < 400; w++) {
        int done = 0;
        for (int i = 0; i < 6; i++) done += sh[i].done;
        if (done == 6) break;
        cx_sleep(10);
    }
    for (int i = 0; i < 6; i++) {
        CHECK(sh[i].done);
        CHECK_EQ(sh[i].rc, 0);
        for (int j = 0; j < i; j++) CHECK(sh[i].sent.nonce != sh[j].sent.nonce);
    }
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(cx_eth_client_wait_receipt(c, a, sh[i].sent.hash, 50, 10000, &r, &err), 0);
        CHECK_EQ(r.status, 1);
    }
    uint8_t me[20];
    uint64_t latest, pending;
    cx_eth_sender_address(s, me);
    CHECK_EQ(cx_eth_client_nonce(c, me, "latest", &latest, &err), 0);
    CHECK_EQ(cx_eth_client_nonce(c, me, "pending", &pending, &err), 0);
    CHECK_EQ(latest, pending);
    anvil_fees_and_raw(c, a);
    cx_eth_sender_free(s);
    cx_arena_free(a);
    cx_eth_client_free(c);
    ae->finished = true;
    cx_loop_stop(ae->loop);
}

TEST(anvil_contract_client) {
    if (!getenv("ANVIL_URL") || !getenv("ANVIL_ABI") || !getenv("ANVIL_BIN"))
        SKIP("ANVIL_URL/ANVIL_ABI/ANVIL_BIN not set (run tests/integration/test_eth_anvil.py)");
    anvil_env ae = {0};
    CHECK_EQ(cx_loop_new(&ae.loop, NULL), 0);
    CHECK_EQ(cx_fetch_client_new(&ae.fetch, ae.loop, NULL), 0);
    cx_timer wd;
    cx_timer_init(&wd, on_watchdog, ae.loop);
    cx_timer_start(ae.loop, &wd, 30000);
    if (cx_coro_start(ae.loop, anvil_body, &ae, NULL) == 1) cx_loop_run(ae.loop);
    cx_timer_stop(ae.loop, &wd);
    CHECK(ae.finished);
    cx_fetch_client_free(ae.fetch);
    cx_loop_free(ae.loop);
}

TEST_MAIN()
