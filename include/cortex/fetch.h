/* Fetch: outgoing HTTP requests from coroutines.
 *
 * A cx_fetch_client belongs to one event loop (one per worker thread) and
 * owns one libcurl multi handle: its connection cache, DNS cache, HTTP/2
 * sessions and per-host connection limits are shared by every request made
 * through it. curl's sockets are watched by the loop itself (curl's socket
 * and timer callbacks become cx_io watches and a cx_timer), so a fetch never
 * blocks the thread: cx_fetch() suspends the calling coroutine and the loop
 * resumes it when curl reports the transfer done. Any coroutine on the
 * client's loop may fetch — an HTTP handler, a tracing exporter, a JSON-RPC
 * client — and many may fetch at once; over HTTP/2 they share one connection
 * (multiplexing), over HTTP/1.1 connections are reused one at a time.
 *
 * The calling coroutine's deadline (cx_deadline_push) and cancellation
 * (cx_coro_cancel) apply: when either ends the wait first, the transfer is
 * removed from curl at once and the fetch fails with CX_FETCH_ETIMEOUT or
 * CX_FETCH_ECANCELLED.
 *
 * Errors are values: cx_fetch() returns 0 once a response (any status, 404
 * and 500 included) has been received in full, or a negative CX_E* code; the
 * response's `error` then says what went wrong in kinds a retry policy can
 * match on (DNS, connect, TLS, timeout, ...) with curl's own message.
 *
 * Safe defaults: TLS peer and host verification on (the system CA store, or
 * ca_file), redirects not followed, only http and https, bodies limited to
 * max_response_bytes, a connect and a total timeout.
 *
 * libcurl needs a process-wide initialisation. cx_fetch_global_init() does
 * it exactly once (cx_fetch_client_new calls it); a program that starts
 * threads that use other curl-based libraries may call it first from main.
 */
#ifndef CORTEX_FETCH_H
#define CORTEX_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/json.h>
#include <cortex/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_fetch_client cx_fetch_client;

/* ---- errors ------------------------------------------------------------- */

/* What went wrong, coarse enough for a policy to decide on a retry. The
 * comment gives the code cx_fetch() returns with each kind. */
typedef enum cx_fetch_kind {
    CX_FETCH_OK = 0,
    CX_FETCH_EINVALID,   /* bad URL or option; nothing was sent (CX_EINVAL) */
    CX_FETCH_EDNS,       /* the host name did not resolve (CX_ENOTFOUND) */
    CX_FETCH_ECONNECT,   /* no TCP connection: refused, unreachable (-ECONNREFUSED) */
    CX_FETCH_ETLS,       /* handshake or certificate verification failed (CX_ETLS) */
    CX_FETCH_ETIMEOUT,   /* a timeout or the coroutine's deadline (CX_ETIMEDOUT) */
    CX_FETCH_EIO,        /* the connection broke during the exchange (CX_ECONNRESET) */
    CX_FETCH_EPROTOCOL,  /* malformed or cut-short response, HTTP/2 error, too many
                            redirects, a response that is not the JSON asked for
                            (CX_EPROTO, CX_EPARSE for JSON) */
    CX_FETCH_ECANCELLED, /* the coroutine was cancelled (CX_ECANCELED) */
    CX_FETCH_ETOOLARGE,  /* the response passed max_response_bytes (CX_ELIMIT) */
    CX_FETCH_EABORTED,   /* a body callback stopped the transfer (its code) */
    CX_FETCH_ENOMEM,     /* out of memory (CX_ENOMEM) */
    CX_FETCH_EOTHER,     /* anything else curl reports (CX_EIO) */
    CX_FETCH_KIND_COUNT_
} cx_fetch_kind;

/* A static name for a kind: "ok", "dns", "connect", "tls", "timeout", ... */
const char *cx_fetch_kind_name(cx_fetch_kind kind);
/* A static one-line description of a kind ("host name did not resolve"). */
const char *cx_fetch_strerror(cx_fetch_kind kind);

#define CX_FETCH_MESSAGE_MAX 256

typedef struct cx_fetch_error {
    cx_fetch_kind kind;
    int code;                           /* what cx_fetch() returned */
    int curl_code;                      /* the CURLcode behind it, 0 if none */
    char message[CX_FETCH_MESSAGE_MAX]; /* curl's detailed message, or the kind's */
} cx_fetch_error;

/* ---- the client ----------------------------------------------------------- */

#define CX_FETCH_DEFAULT_MAX_HOST_CONNECTIONS 8
#define CX_FETCH_DEFAULT_MAX_CACHED           64
#define CX_FETCH_DEFAULT_MAX_STREAMS          100
#define CX_FETCH_DEFAULT_CONNECT_TIMEOUT_MS   10000
#define CX_FETCH_DEFAULT_TIMEOUT_MS           30000
#define CX_FETCH_DEFAULT_MAX_RESPONSE_BYTES   (16u * 1024 * 1024)
#define CX_FETCH_DEFAULT_MAX_RESPONSE_HEADERS (64u * 1024)
#define CX_FETCH_DEFAULT_POOLED_HANDLES       32
#define CX_FETCH_DEFAULT_USER_AGENT           "cortex-fetch/0.1"

/* Every limit of a client, each with its default; fill with
 * cx_fetch_options_default() and change what you need. */
typedef struct cx_fetch_options {
    unsigned max_host_connections;  /* open connections per host:port, 8;
                                       further requests queue (CURLMOPT_MAX_HOST_CONNECTIONS) */
    unsigned max_total_connections; /* all hosts, 0: no limit */
    unsigned max_cached;            /* idle connections kept for reuse, 64 */
    unsigned max_streams;           /* concurrent HTTP/2 streams per connection, 100 */
    bool multiplex;                 /* HTTP/2 multiplexing, true */
    uint32_t connect_timeout_ms;    /* default for requests, 10 s */
    uint32_t timeout_ms;            /* default total time for requests, 30 s */
    size_t max_response_bytes;      /* default body limit, 16 MiB */
    size_t max_response_headers;    /* bytes of response headers kept, 64 KiB */
    unsigned pooled_handles;        /* idle curl handles kept for reuse, 32 */
    const char *ca_file;            /* default CA bundle (PEM); NULL: system store (copied) */
    const char *user_agent;         /* NULL: "cortex-fetch/0.1" (copied) */
} cx_fetch_options;

void cx_fetch_options_default(cx_fetch_options *o);

/* Initialise libcurl for the process; runs once, later calls return the
 * first result. 0 or CX_EIO. */
int cx_fetch_global_init(void);

/* A client for `loop` (which must be run by the calling thread). opts may
 * be NULL for the defaults; it is copied. 0, CX_EINVAL, CX_ENOMEM or CX_EIO
 * (curl could not start). The client is the caller's: free it on the loop's
 * thread, after every fetch has returned and before the loop is freed. */
int cx_fetch_client_new(cx_fetch_client **out, cx_loop *loop, const cx_fetch_options *opts);
/* Close every connection and free the client. A fetch still suspended in
 * it is detached (its coroutine must never be resumed). NULL is a no-op. */
void cx_fetch_client_free(cx_fetch_client *c);
/* The client of the server worker running this request, for handlers and
 * middleware: made on first use (with cx_server_options.fetch) on the
 * worker's loop, shared by every request of that worker, freed by the
 * worker when it stops. NULL outside a server (e.g. under cx_memx) or when
 * curl cannot start. Never free it. */
struct cx_ctx;
cx_fetch_client *cx_ctx_fetch(struct cx_ctx *ctx);
cx_loop *cx_fetch_client_loop(const cx_fetch_client *c);
/* Transfers in flight, for tests and metrics. */
size_t cx_fetch_client_active(const cx_fetch_client *c);

/* ---- a request -------------------------------------------------------------- */

typedef struct cx_fetch_header {
    const char *name;
    const char *value;
} cx_fetch_header;

/* Produce request body bytes: up to cap bytes into buf. Returns the count,
 * 0 at the end, or a negative CX_E* code to abort the fetch (it fails with
 * CX_FETCH_EABORTED and that code). Runs on the loop's stack, not in the
 * coroutine: it must not wait. Returning CX_EAGAIN is not supported. */
typedef ssize_t (*cx_fetch_read_fn)(void *data, void *buf, size_t cap);
/* Consume response body bytes as they arrive. 0 to go on, or a negative
 * CX_E* code to abort (CX_FETCH_EABORTED with that code). Same rules: it
 * runs on the loop's stack and must not wait. */
typedef int (*cx_fetch_body_fn)(void *data, const void *chunk, size_t len);

#define CX_FETCH_NO_TIMEOUT UINT32_MAX

typedef enum cx_fetch_http {
    CX_FETCH_HTTP_DEFAULT = 0, /* HTTP/2 over TLS when the server offers it, else 1.1 */
    CX_FETCH_HTTP_1_1,         /* HTTP/1.1 only */
    CX_FETCH_HTTP_2,           /* HTTP/2, also over cleartext (prior knowledge) */
} cx_fetch_http;

/* Zero-initialise and set what you need: only url is required. Every
 * pointer is borrowed for the duration of the cx_fetch() call. Zero numbers
 * mean the client's default. */
typedef struct cx_fetch_request {
    const char *method; /* NULL: GET, or POST when there is a body */
    const char *url;    /* http:// or https:// */
    const cx_fetch_header *headers;
    size_t nheaders;
    const char *content_type; /* shortcut for a Content-Type header */

    /* The body: a buffer, or a reader (body_len: its size, -1 unknown:
     * chunked on HTTP/1.1). Neither: no body. */
    const void *body;
    size_t body_len;
    cx_fetch_read_fn body_reader;
    void *body_reader_data;
    int64_t body_reader_len;

    /* Streaming: when set, response body bytes go to on_body instead of
     * res->body (max_response_bytes still applies). */
    cx_fetch_body_fn on_body;
    void *on_body_data;

    uint32_t connect_timeout_ms;
    uint32_t timeout_ms;       /* whole transfer, streamed bodies included; the coroutine's
                                  deadline also applies. CX_FETCH_NO_TIMEOUT: none */
    unsigned max_redirects;    /* 0: redirects are returned, not followed */
    size_t max_response_bytes; /* body bytes */
    cx_fetch_http http;

    /* TLS. Verification is on unless insecure is set (tests only). */
    bool insecure;
    const char *ca_file;     /* PEM bundle replacing the client's default */
    const char *ca_path;     /* directory of hashed CA certificates */
    const char *client_cert; /* PEM certificate for mutual TLS */
    const char *client_key;  /* its PEM private key */
    const char *client_key_password;
} cx_fetch_request;

/* ---- the response ------------------------------------------------------------ */

/* Filled by cx_fetch(); the caller provides the struct and frees what it
 * holds with cx_fetch_response_free(). The fields are read-only; headers
 * are read through the functions below. */
typedef struct cx_fetch_response {
    int status;           /* 200, 404, ...; 0 when no response arrived */
    int http_version;     /* 10, 11, 20 (0: none) */
    cx_buf body;          /* the body (empty when streamed to on_body) */
    uint64_t body_bytes;  /* body bytes received, streamed or not */
    unsigned redirects;   /* followed */
    unsigned connects;    /* new connections opened for it (0: one was reused) */
    uint32_t elapsed_ms;  /* from the start to the end of the transfer */
    cx_fetch_error error; /* kind CX_FETCH_OK on success */
    /* Private: the final response's header block and its index. */
    cx_buf head_;
    cx_buf index_;
} cx_fetch_response;

/* Release what a response holds; it may then be reused. Safe on a
 * zero-initialised struct; NULL is a no-op. */
void cx_fetch_response_free(cx_fetch_response *res);
/* A header of the final response by case-insensitive name (the first when
 * repeated): 0 with *out pointing into res, or CX_ENOTFOUND. */
int cx_fetch_response_header(const cx_fetch_response *res, const char *name, cx_str *out);
size_t cx_fetch_response_header_count(const cx_fetch_response *res);
/* The i-th header as received: 0 or CX_ERANGE. */
int cx_fetch_response_header_at(const cx_fetch_response *res, size_t i, cx_str *name,
                                cx_str *value);
/* Parse the body as JSON into arena (see cx_json_parse; opt and err may be
 * NULL). 0, or the parser's error code. The tree lives in the arena. */
int cx_fetch_response_json(const cx_fetch_response *res, cx_arena *arena,
                           const cx_json_options *opt, const cx_json **out, cx_json_error *err);

/* ---- fetching ------------------------------------------------------------------ */

/* Perform req through c, waiting in the calling coroutine (which must run
 * on c's loop) until the whole response has arrived, a timeout, the
 * coroutine's deadline or a cancellation. *res is overwritten (free a
 * previous response first) and is the caller's to free in every case. 0
 * (res->status holds the status, whatever it is) or a negative code with
 * res->error set; CX_ESTATE outside a coroutine or on another loop. */
int cx_fetch(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res);

/* JSON in, JSON out: send json[0..len) (when json is not NULL) as the body
 * with Content-Type: application/json (method POST unless req->method says
 * otherwise), ask for application/json, and on a 2xx response parse the
 * body into arena (*out, NULL for an empty body). A body that is not JSON
 * fails with CX_EPARSE and kind CX_FETCH_EPROTOCOL. On a non-2xx status
 * returns 0 with *out NULL: check res->status. req may be a request with
 * just a url. */
int cx_fetch_json(cx_fetch_client *c, const cx_fetch_request *req, const char *json, size_t len,
                  cx_arena *arena, const cx_json **out, cx_fetch_response *res);

/* ---- reading a body as a stream --------------------------------------------------- */

typedef struct cx_fetch_stream cx_fetch_stream;

#define CX_FETCH_STREAM_BUFFER (64u * 1024) /* bytes held before curl is paused */

/* Start req and wait (in the coroutine) until the final response's head
 * has arrived: then *out is a stream, res->status and the headers are set,
 * and the body is read with cx_fetch_read(). Unlike cx_fetch, req and what
 * it points to, and res, must stay valid until cx_fetch_stream_close().
 * req->on_body is ignored. Returns 0, or a negative code with res->error
 * set and *out NULL (res is the caller's to free in every case). At most
 * CX_FETCH_STREAM_BUFFER bytes are held for a slow reader; beyond that the
 * transfer is paused (backpressure to the peer). */
int cx_fetch_open(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res,
                  cx_fetch_stream **out);
/* Up to cap body bytes into buf, waiting for them as needed: the count
 * (> 0), 0 at the end of the body, or a negative code with res->error set
 * (the deadline, a cancellation and the transfer's own errors apply).
 * From any coroutine on the client's loop, one reader at a time. */
ssize_t cx_fetch_read(cx_fetch_stream *s, void *buf, size_t cap);
/* Stop the transfer if it is still running and free the stream (the
 * response stays the caller's). NULL is a no-op. */
void cx_fetch_stream_close(cx_fetch_stream *s);

#ifdef __cplusplus
}
#endif
#endif
