/* HTTP: requests, responses and the server.
 *
 * A handler sees a cx_ctx: the request (cx_req), the response it is building
 * (cx_res), an arena that lives as long as the request, route parameters and
 * values set by middleware. The objects are transport-neutral — HTTP/1.1
 * today, HTTP/2 through the same API — so a handler never knows how the bytes
 * travelled. Each request runs in its own coroutine: cx_req_body() and
 * cx_res_write() may wait for the network, and the handler simply continues
 * when they return.
 *
 * Request accessors return slices (cx_str) into the connection's read buffer
 * or the request arena; they are valid until the handler returns. Response
 * setters copy what they are given. A handler that returns without sending
 * anything leaves a 200 with whatever body it appended (cx_res_body()).
 *
 * Handlers and middleware have one signature, int fn(cx_ctx *): 0 for
 * success, or a negative CX_E* code, which the server turns into an RFC 9457
 * problem response (500) unless a response was already started. Return
 * cx_problem(ctx, status, detail) to answer with a chosen 4xx/5xx.
 */
#ifndef CORTEX_HTTP_H
#define CORTEX_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cortex/arena.h>
#include <cortex/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_req cx_req;
typedef struct cx_res cx_res;
typedef struct cx_ctx cx_ctx;

typedef int (*cx_handler_fn)(cx_ctx *ctx);

typedef enum cx_method {
    CX_METHOD_OTHER = 0,
    CX_METHOD_GET,
    CX_METHOD_HEAD,
    CX_METHOD_POST,
    CX_METHOD_PUT,
    CX_METHOD_DELETE,
    CX_METHOD_PATCH,
    CX_METHOD_OPTIONS,
    CX_METHOD_TRACE,
    CX_METHOD_CONNECT,
    CX_METHOD_COUNT_
} cx_method;

/* "GET" for CX_METHOD_GET; NULL for CX_METHOD_OTHER. */
const char *cx_method_name(cx_method m);
/* The canonical reason phrase ("Not Found"), or "Unknown". */
const char *cx_status_reason(int status);

/* ---- the request ---------------------------------------------------------- */

cx_method cx_req_method(const cx_req *req);
cx_str cx_req_method_str(const cx_req *req);
/* The request target as received ("/a%20b?x=1"). */
cx_str cx_req_target(const cx_req *req);
/* The path, percent-decoded ("/a b"); absolute-form targets are reduced to
 * their path. */
cx_str cx_req_path(const cx_req *req);
/* The raw query string after '?', without it; empty when absent. */
cx_str cx_req_query_string(const cx_req *req);
/* HTTP version: 10 for 1.0, 11 for 1.1, 20 for 2. */
int cx_req_version(const cx_req *req);

/* A header value by case-insensitive name: 0 and *out set, or CX_ENOTFOUND.
 * With repeated headers, the first. */
int cx_req_header(const cx_req *req, const char *name, cx_str *out);
size_t cx_req_header_count(const cx_req *req);
/* The i-th header as received; 0 or CX_ERANGE. */
int cx_req_header_at(const cx_req *req, size_t i, cx_str *name, cx_str *value);
/* A query parameter, percent- and '+'-decoded into the request arena. */
int cx_req_query(const cx_req *req, const char *name, cx_str *out);
/* A cookie from the Cookie header(s). */
int cx_req_cookie(const cx_req *req, const char *name, cx_str *out);
/* A trailer field of a chunked (or HTTP/2) body; valid after the body has
 * been read to its end. */
int cx_req_trailer(const cx_req *req, const char *name, cx_str *out);

/* The declared body length, or -1 when chunked or unknown. */
int64_t cx_req_content_length(const cx_req *req);
/* Read the whole body (waiting as needed) into memory owned by the request.
 * 0 with *out set; CX_ELIMIT past the body limit (the server then answers
 * 413); CX_ETIMEDOUT, CX_ECLOSED on a broken peer. Calling it again returns
 * the same body. Sends "100 Continue" first when the client asked for it. */
int cx_req_body(cx_req *req, cx_str *out);
/* Stream the body: up to cap bytes into buf. Returns the count, 0 at the
 * end, or a negative error as above. Do not mix with cx_req_body(). */
ssize_t cx_req_read(cx_req *req, void *buf, size_t cap);
/* The address of the peer, "ip:port". */
cx_str cx_req_peer(const cx_req *req);

/* ---- the response --------------------------------------------------------- */

/* Set the status (default 200). Ignored once headers have been sent. */
void cx_res_status(cx_res *res, int status);
int cx_res_get_status(const cx_res *res);
/* Add a header (copied). Date, Content-Length, Transfer-Encoding and
 * Connection are the server's and are refused with CX_EINVAL. Names and
 * values with CR, LF or NUL are refused with CX_EINVAL. */
int cx_res_header(cx_res *res, const char *name, const char *value);
int cx_res_header_n(cx_res *res, cx_str name, cx_str value);
/* The buffer the body is built in; it is sent when the handler returns. */
cx_buf *cx_res_body(cx_res *res);
/* Replace the body with a copy of body[0..len) and set Content-Type (when
 * not NULL). The response goes out when the handler returns. */
int cx_res_send(cx_res *res, const char *content_type, const void *body, size_t len);

/* Streaming: the first write sends the headers (chunked on HTTP/1.1 unless
 * a Content-Length header was set), every write then sends its bytes,
 * waiting while the peer is slow (backpressure). CX_ECLOSED when the peer
 * has gone. */
int cx_res_write(cx_res *res, const void *data, size_t len);
/* Add a trailer to a streamed response (sent by cx_res_end). */
int cx_res_trailer(cx_res *res, const char *name, const char *value);
/* Finish a streamed response. Implied when the handler returns. */
int cx_res_end(cx_res *res);
/* Send len bytes of the open file fd from offset as the body, zero-copy
 * (sendfile) where the transport allows. The fd stays the caller's. */
int cx_res_sendfile(cx_res *res, const char *content_type, int fd, off_t offset, size_t len);
bool cx_res_headers_sent(const cx_res *res);

/* ---- the context ---------------------------------------------------------- */

cx_req *cx_ctx_req(cx_ctx *ctx);
cx_res *cx_ctx_res(cx_ctx *ctx);
cx_arena *cx_ctx_arena(cx_ctx *ctx);
/* The data pointer registered with the handler or middleware now running. */
void *cx_ctx_data(cx_ctx *ctx);
/* A route parameter (":id" or "*path") by name; empty slice when absent. */
cx_str cx_param(cx_ctx *ctx, const char *name);
/* The pattern of the matched route ("/users/:id"), empty before routing. */
cx_str cx_ctx_route(cx_ctx *ctx);
/* Values shared down the middleware chain, by key (compared by pointer
 * first, then as a string). CX_ELIMIT past CX_CTX_MAX_VALUES. */
#define CX_CTX_MAX_VALUES 16
int cx_ctx_set(cx_ctx *ctx, const char *key, void *value);
void *cx_ctx_get(cx_ctx *ctx, const char *key);

/* Run the rest of the middleware chain and return its result. */
int cx_next(cx_ctx *ctx);

/* Answer with an RFC 9457 application/problem+json body: {"type":
 * "about:blank", "title": <reason phrase>, "status": status, "detail":
 * detail (omitted when NULL), "instance": <request path>}. Returns 0 so that
 * `return cx_problem(...)` ends a handler. */
int cx_problem(cx_ctx *ctx, int status, const char *detail);
/* Abandon the handler from any depth: the server answers 500 (problem+json,
 * detail as given) and the connection survives. Memory from the request
 * arena is reclaimed; anything else the handler held is not. */
_Noreturn void cx_panic(cx_ctx *ctx, const char *detail);

/* ---- the server ------------------------------------------------------------ */

/* Every limit the server enforces, each with its default. */
typedef struct cx_http_limits {
    size_t max_request_line;    /* bytes, 8 KiB → 414 */
    size_t max_header_bytes;    /* bytes of the whole head, 32 KiB → 431 */
    unsigned max_headers;       /* count, 100 → 431 */
    size_t max_body;            /* bytes, 8 MiB → 413 */
    uint32_t header_timeout_ms; /* to receive a whole head once begun, 10 s → 408 */
    uint32_t body_timeout_ms;   /* between body reads, 30 s */
    uint32_t idle_timeout_ms;   /* keep-alive idle, 60 s */
    uint32_t write_timeout_ms;  /* a peer that stops reading, 30 s */
    unsigned max_pipelined;     /* requests parsed ahead on one connection, 64 */
    unsigned max_connections;   /* per worker, 0: no limit */
} cx_http_limits;

/* The defaults above. */
void cx_http_limits_default(cx_http_limits *l);

typedef struct cx_server cx_server;

/* HTTP/2 limits, each with its default; past one, the stream is reset or the
 * connection ends with GOAWAY and the matching error code. */
typedef struct cx_http2_limits {
    uint32_t max_concurrent_streams; /* 100 (SETTINGS_MAX_CONCURRENT_STREAMS) */
    uint32_t max_header_list;        /* bytes of decoded headers per request, 64 KiB */
    uint32_t hpack_table_size;       /* 4096 (SETTINGS_HEADER_TABLE_SIZE) */
    uint32_t stream_window;          /* initial receive window per stream, 1 MiB */
    uint32_t conn_window;            /* receive window of the connection, 16 MiB */
    uint32_t max_resets_per_s;       /* RST_STREAM received per second, 200 (rapid reset) */
    uint32_t max_control_per_s;      /* SETTINGS + PING received per second, 200 */
    uint32_t max_empty_data;         /* empty DATA frames without END_STREAM, 100 */
    uint32_t max_continuations;      /* CONTINUATION frames in one header block, 4 */
} cx_http2_limits;

void cx_http2_limits_default(cx_http2_limits *l);

typedef struct cx_server_options {
    const char *host;          /* "0.0.0.0" */
    uint16_t port;             /* 8080; 0 picks a free port (see cx_server_port) */
    unsigned threads;          /* workers; 0: one per core */
    cx_http_limits limits;     /* fill with cx_http_limits_default() first */
    uint32_t drain_timeout_ms; /* graceful shutdown budget, 10 s */
    bool access_log;           /* one line per request (also needs the logger's switch) */
    struct cx_logger *logger;  /* NULL: cx_log_default() */
    cx_handler_fn handler;     /* the root handler (a router's, usually) */
    void *handler_data;
    /* Built-in metrics fed by every worker (cortex/metrics.h); NULL: none.
     * Borrowed: it must outlive the server. */
    struct cx_http_metrics *metrics;
    /* TLS on the listener (see cortex/tls.h); NULL: plain TCP. Copied. */
    const struct cx_tls_options *tls;
    bool http2;             /* HTTP/2: "h2" by ALPN over TLS; h2c (prior knowledge
                               and Upgrade) on plain TCP. false */
    cx_http2_limits h2;     /* fill with cx_http2_limits_default() (done by the default) */
    uint16_t redirect_port; /* with TLS: a plain listener answering 308 to https; 0: none */
    uint32_t hsts_max_age;  /* with TLS: Strict-Transport-Security max-age (s); 0: none */
    /* Settings of each worker's outgoing client (cx_ctx_fetch in
     * cortex/fetch.h); NULL: the client's defaults. Borrowed: it must
     * outlive the server. */
    const struct cx_fetch_options *fetch;
} cx_server_options;

/* Defaults for everything, handler NULL. */
void cx_server_options_default(cx_server_options *o);
/* Bind the listeners (so that errors such as EADDRINUSE surface here).
 * The options are copied. */
int cx_server_new(cx_server **out, const cx_server_options *opts);
/* The bound port (useful with port 0). */
uint16_t cx_server_port(const cx_server *srv);
/* Run the workers until stopped; blocks. SIGTERM/SIGINT stop gracefully
 * (stop accepting, drain in-flight requests within drain_timeout_ms); SIGHUP
 * calls the reload hook. Returns 0 after a clean stop. */
int cx_server_run(cx_server *srv);
/* Graceful stop from any thread. */
void cx_server_stop(cx_server *srv);
/* Replace the limits; each worker takes them at its next loop iteration and
 * applies them to requests that start after that. CX_EINVAL for nonsense
 * values. Call from the thread running cx_server_run (a reload hook). */
int cx_server_set_limits(cx_server *srv, const cx_http_limits *limits);
/* Called on SIGHUP on the main thread; return 0 when reloaded. */
void cx_server_on_reload(cx_server *srv, int (*fn)(void *arg), void *arg);
void cx_server_free(cx_server *srv);

#ifdef __cplusplus
}
#endif
#endif
