/* The server's per-worker state (private).
 *
 * One worker per thread: its loop, its listening socket (SO_REUSEPORT, so
 * the kernel spreads connections with no lock of ours), its connections and
 * free lists of the things a request needs (exchanges, read buffers), kept
 * warm so that the request path does not call malloc.
 */
#ifndef CX_HTTP_SERVER_H
#define CX_HTTP_SERVER_H

#include <cortex/coro.h>
#include <cortex/http.h>
#include <cortex/loop.h>
#include <pthread.h>
#include <stdatomic.h>
#include "ctx.h"
#include "message.h"

struct h1_conn;
struct h2_conn;
struct cx_server;
struct cx_tls_server;

/* One request in flight: everything a handler touches, recycled. */
typedef struct cx_exchange {
    cx_ctx ctx;
    cx_req req;
    cx_res res;
    cx_arena *arena;
    cx_h1_header *headers; /* headers_cap entries */
    unsigned headers_cap;
    struct h1_conn *conn;
    struct cx_worker *w;
    cx_coro *co;
    void (*on_done)(struct cx_exchange *ex);
    cx_h1_request h1;
    cx_mw root; /* the one-link chain the server starts with */
    int handler_rc;
    bool async; /* the handler suspended at least once */
    bool done;  /* the handler has returned */

    /* HTTP/1.1 body state. */
    int64_t body_left; /* Content-Length bytes not yet taken */
    cx_h1_chunked chunked;
    cx_buf dbuf; /* decoded chunked data not yet handed out */
    size_t dpos;
    cx_buf trailers;
    bool continue_sent;
    uint64_t started_us;
    uint64_t obs_start_ns; /* metrics: when the handler started; 0: not counted */

    struct cx_exchange *next_free;
} cx_exchange;

/* I/O buffers come from a per-worker pool, all of one size (a larger head
 * or response gets a private one). */
#define CX_RBUF_SIZE 16384

typedef struct cx_worker {
    struct cx_server *srv;
    unsigned index;
    pthread_t thread;
    cx_loop *loop;
    int listen_fd;
    cx_io listen_io;
    const cx_http_limits *limits; /* points at own_limits */
    struct cx_logger *logger;     /* NULL when the access log is off */
    cx_http_limits own_limits;    /* replaced on reload, on this thread */

    int redirect_fd; /* plain listener answering 308 to https, or -1 */
    cx_io redirect_io;
    struct h2_conn *h2conns; /* HTTP/2 connections, counted in nconns too */
    /* Exchanges HTTP/2 keeps beyond the shared free list (which is sized for
     * one request per connection), so that many concurrent streams do not
     * mean malloc per request; bounded by CX_H2_SPARE_MAX. */
    cx_exchange *h2_spare;
    unsigned nh2_spare;
    struct cx_fetch_client *fetch; /* outgoing client, made on first cx_ctx_fetch() */
    struct h1_conn *conns;         /* doubly linked, for draining */
    struct h1_conn *graveyard;     /* closed, freed at the end of the iteration */
    size_t nconns;
    bool draining;

    cx_exchange *free_exchanges;
    unsigned nfree_exchanges;
    char *free_rbufs[256];
    unsigned nfree_rbufs;

    /* "Date: Sat, 28 Nov 2026 16:09:10 GMT\r\n", refreshed once a second. */
    char date_line[64];
    size_t date_len;
    time_t date_sec;

    /* Counters, read by other threads only for statistics. */
    _Atomic uint64_t requests;
    _Atomic uint64_t accepted;
} cx_worker;

struct cx_server {
    cx_server_options opts;
    char *host;
    uint16_t port;
    unsigned nworkers;
    cx_worker *workers;
    void *pool;                /* cx_pool * */
    int stop_fd;               /* eventfd: cx_server_stop() */
    struct cx_tls_server *tls; /* NULL: plain TCP */
    int (*reload)(void *arg);
    void *reload_arg;
    _Atomic int running_workers;
};

/* h1_conn.c */
void cx_h1_accept(cx_io *io, unsigned events);
void cx_h1_drain(cx_worker *w);
void cx_h1_close_all(cx_worker *w);

void cx_h1_accept_redirect(cx_io *io, unsigned events);
/* The TLS session of an HTTP/1.1 request's connection, or NULL. */
struct cx_tls_conn *cx_h1_req_tls(cx_req *req);

/* h2_conn.c: HTTP/2 connections, taken over from h1_conn after ALPN "h2",
 * the h2c preface or an h2c upgrade. fd and tls become the h2 connection's
 * (closed and freed by it, also on failure); data[0..len) is input already
 * read. upgrade (may be NULL) is the HTTP/1.1 request that asked for h2c:
 * it becomes stream 1. */
struct cx_h2_upgrade;
int cx_h2_start(cx_worker *w, int fd, struct cx_tls_conn *tls, const char *data, size_t len,
                const struct cx_h2_upgrade *upgrade);
void cx_h2_drain(cx_worker *w);
void cx_h2_close_all(cx_worker *w);
struct cx_tls_conn *cx_h2_req_tls(cx_req *req);
extern const cx_transport cx_h1_transport;
extern const cx_transport cx_h2_transport;

/* exchange.c: running a handler for a request */
cx_exchange *cx_exchange_get(cx_worker *w);
void cx_exchange_put(cx_worker *w, cx_exchange *ex);
void cx_exchange_free_list(cx_worker *w);
/* Run the root handler in a coroutine; returns 1 if it suspended. */
int cx_exchange_run(cx_exchange *ex, void (*on_done)(cx_exchange *ex));
/* Turn a handler's failure into a problem response where still possible. */
void cx_exchange_finish_errors(cx_exchange *ex);
void cx_worker_update_date(cx_worker *w);

#endif
