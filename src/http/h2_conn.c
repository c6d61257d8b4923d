/* HTTP/2 connections, with nghttp2 doing the framing and HPACK.
 *
 * A connection arrives here from h1_conn.c (after ALPN "h2", an h2c preface
 * or an h2c upgrade) and keeps its socket and TLS session. Each stream
 * becomes an exchange — the same cx_req/cx_res, router and middleware as
 * HTTP/1.1 — whose handler runs in its own coroutine as soon as the request
 * headers are complete; the body follows through the transport table below.
 *
 * nghttp2 functions that produce output (mem_send) must not run inside its
 * own callbacks, and handlers start inside one (the frame callback), so
 * anything a handler does only queues data and asks for a flush at the end
 * of the loop iteration. Output gathers in one buffer that leaves in a
 * single write, the same batching as HTTP/1.1.
 *
 * Flow control both ways: received DATA opens the peer's window only as the
 * handler reads it (no automatic WINDOW_UPDATE), so a slow handler slows the
 * client; a handler writing faster than the peer's window waits once its
 * stream has STREAM_HIGH bytes queued.
 *
 * Abuse that costs us more than the peer (rapid reset, SETTINGS/PING and
 * empty-DATA floods, CONTINUATION floods) ends the connection with GOAWAY
 * ENHANCE_YOUR_CALM; each threshold is a cx_http2_limits field.
 */
#include "h2.h"
#include "io.h"
#include "../observe/hooks.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <arpa/inet.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK      16384
#define WBUF_BATCH      (64 * 1024)  /* output gathered before one write */
#define STREAM_HIGH     (256 * 1024) /* a streaming handler waits above this */
#define STREAM_LOW      (64 * 1024)  /* and resumes below this */
#define SHARED_FREE     256          /* the length exchange.c keeps on its free list */
#define CX_H2_SPARE_MAX 2048         /* exchanges kept on the worker's HTTP/2 spare list */

typedef struct h2_stream {
    struct h2_conn *conn;
    struct h2_stream *prev, *next;
    int32_t id;
    cx_exchange *ex;
    uint32_t header_bytes;
    cx_str method, path, scheme, authority;
    bool has_host;
    bool started;  /* the handler runs or ran */
    bool done;     /* the handler has returned */
    bool released; /* ... and its release task has run */
    bool closed;   /* nghttp2 has closed the stream */
    bool in_eof;
    bool trailers_phase; /* a HEADERS after the first: request trailers */
    bool submitted;      /* response headers are queued */
    bool deferred;       /* the data source said "later" */
    bool out_end;        /* no more body after what is queued */
    cx_buf in;
    size_t inpos;
    size_t unconsumed; /* DATA received and not yet handed back as window */
    cx_buf out;
    size_t outpos;
    cx_coro *waiter;
    uint64_t stall_at; /* output queued and none sent since (loop ms); 0: moving */
} h2_stream;

typedef struct h2_conn {
    cx_io io;
    cx_timer timer;
    cx_worker *w;
    struct h2_conn *prev, *next;
    cx_tls_conn *tls;
    nghttp2_session *ng;
    h2_stream *streams;
    unsigned nstreams;
    cx_buf wbuf;
    size_t wpos;
    uint64_t idle_since;
    bool closed;
    bool flush_queued;
    bool in_io; /* inside on_io: flush at its end, not deferred */
    bool goaway_sent;
    bool stalled;      /* the peer stopped reading: GOAWAY and close at the next flush */
    uint64_t stall_at; /* output waiting on the peer since (loop ms); 0: moving */
    /* abuse counters */
    uint64_t window_start;
    uint32_t resets, control, empty_data, continuations;
} h2_conn;

static void conn_flush(h2_conn *c);
static void conn_write_once(h2_conn *c);
static void conn_close(h2_conn *c);
static void conn_maybe_free(h2_conn *c);
static void stream_free(h2_stream *s);

void cx_http2_limits_default(cx_http2_limits *l) {
    *l = (cx_http2_limits){
        .max_concurrent_streams = 100,
        .max_header_list = 65536,
        .hpack_table_size = 4096,
        .stream_window = 1u << 20,
        .conn_window = 16u << 20,
        .max_resets_per_s = 200,
        .max_control_per_s = 200,
        .max_empty_data = 100,
        .max_continuations = 4,
    };
}

static const cx_http2_limits *limits_of(const h2_conn *c) {
    return &c->w->srv->opts.h2;
}

/* ---- output ----------------------------------------------------------------- */

static void flush_task(void *arg) {
    h2_conn *c = arg;
    c->flush_queued = false;
    if (!c->closed) conn_flush(c);
    conn_maybe_free(c);
}

/* Ask for a flush at the end of this loop iteration (never inside an
 * nghttp2 callback). */
static void want_flush(h2_conn *c) {
    if (c->flush_queued || c->closed || c->in_io) return;
    if (cx_loop_defer(c->w->loop, flush_task, c) == CX_OK) c->flush_queued = true;
}

static void terminate(h2_conn *c, uint32_t code) {
    if (!c->goaway_sent) nghttp2_session_terminate_session(c->ng, code);
    c->goaway_sent = true;
}

/* Output is waiting on the peer: bytes the socket would not take, or
 * queued stream data with the connection's send window shut. */
static bool conn_blocked(h2_conn *c) {
    if (c->wpos < c->wbuf.len) return true;
    if (c->closed || nghttp2_session_get_remote_window_size(c->ng) > 0) return false;
    for (h2_stream *s = c->streams; s; s = s->next)
        if (!s->closed && s->submitted && s->out.len > s->outpos) return true;
    return false;
}

/* One best-effort write of what nghttp2 has first (a GOAWAY just
 * submitted goes before any DATA); errors are ignored, the caller closes. */
static void conn_write_once(h2_conn *c) {
    const uint8_t *data;
    ssize_t n;
    while (c->wbuf.len - c->wpos < 4096 && (n = nghttp2_session_mem_send(c->ng, &data)) > 0)
        if (cx_buf_append(&c->wbuf, data, (size_t)n)) break;
    if (c->wpos < c->wbuf.len)
        (void)cx_sock_write(c->io.fd, c->tls, c->wbuf.data + c->wpos, c->wbuf.len - c->wpos);
}

/* The write timeout: the peer has not taken a byte for
 * limits.write_timeout_ms while we had some for it. Try a GOAWAY (it goes
 * out when the socket still takes bytes, i.e. the peer only shut its
 * window), then close; handlers waiting on their streams wake with
 * CX_ECLOSED and the connection is freed once they return. Runs from a
 * flush, never inside an nghttp2 callback. */
static void stall_close(h2_conn *c) {
    CX_LOG(c->w->logger ? c->w->logger : cx_log_default(), CX_LOG_DEBUG,
           "http2: the peer stopped reading; closing",
           CX_KV_UINT("write_timeout_ms", c->w->limits->write_timeout_ms));
    if (!c->goaway_sent)
        nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->ng), NGHTTP2_NO_ERROR,
                              NULL, 0);
    c->goaway_sent = true;
    /* Drop unsent bytes that would only delay the GOAWAY behind them when
     * the socket is full anyway; a partly written frame must stay whole. */
    if (c->wpos == 0) c->wbuf.len = 0;
    c->stalled = false;
    conn_write_once(c);
    conn_close(c);
}

/* Move what nghttp2 has to send into the buffer and write it out. */
static void conn_flush(h2_conn *c) {
    if (c->stalled) {
        stall_close(c);
        return;
    }
    for (;;) {
        while (c->wpos < c->wbuf.len) {
            ssize_t n =
                cx_sock_write(c->io.fd, c->tls, c->wbuf.data + c->wpos, c->wbuf.len - c->wpos);
            if (n > 0) {
                c->wpos += (size_t)n;
                c->stall_at = 0;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return; /* the writable edge brings us back */
            conn_close(c);
            return;
        }
        c->wbuf.len = c->wpos = 0;
        while (c->wbuf.len < WBUF_BATCH) {
            const uint8_t *data;
            ssize_t n = nghttp2_session_mem_send(c->ng, &data);
            if (n < 0) {
                conn_close(c);
                return;
            }
            if (n == 0) break;
            if (cx_buf_append(&c->wbuf, data, (size_t)n)) {
                conn_close(c);
                return;
            }
        }
        if (c->wbuf.len == 0) break;
    }
    /* A burst grew the buffer (up to a batch and more): an idle connection
     * gives it back. A small one stays; freeing it only fragments the heap. */
    if (c->wbuf.cap > 4 * WBUF_BATCH || (c->nstreams == 0 && c->wbuf.cap > 4096))
        cx_buf_free(&c->wbuf);
    if (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng)) conn_close(c);
}

/* ---- streams ------------------------------------------------------------------ */

static uint64_t timer_period(const h2_conn *c);

/* Work is in flight: make the timer look at the write timeout soon enough
 * (it ran at the idle timeout's pace). */
static void timer_tighten(h2_conn *c) {
    uint64_t due = cx_loop_now(c->w->loop) + timer_period(c);
    if (!c->closed && (!cx_timer_active(&c->timer) || c->timer.when > due))
        cx_timer_start(c->w->loop, &c->timer, timer_period(c));
}

static h2_stream *stream_new(h2_conn *c, int32_t id) {
    h2_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    cx_worker *w = c->w;
    if (!w->free_exchanges && w->h2_spare) {
        /* Refill the shared list from ours; cx_exchange_get resets it. */
        cx_exchange *ex = w->h2_spare;
        w->h2_spare = ex->next_free;
        w->nh2_spare--;
        ex->next_free = NULL;
        w->free_exchanges = ex;
        w->nfree_exchanges = 1;
    }
    s->ex = cx_exchange_get(w);
    if (!s->ex) {
        free(s);
        return NULL;
    }
    s->conn = c;
    s->id = id;
    s->ex->conn = NULL;
    s->ex->req.num_headers = 0;
    cx_req_reset(&s->ex->req, &cx_h2_transport, s, s->ex->arena);
    s->ex->req.headers = s->ex->headers;
    s->next = c->streams;
    if (c->streams) c->streams->prev = s;
    c->streams = s;
    c->nstreams++;
    if (c->nstreams == 1) timer_tighten(c);
    return s;
}

static void stream_free(h2_stream *s) {
    h2_conn *c = s->conn;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->streams = s->next;
    if (s->next) s->next->prev = s->prev;
    c->nstreams--;
    if (c->nstreams == 0) c->idle_since = cx_loop_now(c->w->loop);
    /* Window for bytes nobody will read. */
    if (s->unconsumed && !c->closed) {
        nghttp2_session_consume_connection(c->ng, s->unconsumed);
        want_flush(c);
    }
    if (s->ex) {
        /* Keep the larger buffer with the exchange, for the next request. */
        if (!s->ex->res.body.data) {
            s->ex->res.body = s->out;
            s->out = (cx_buf)CX_BUF_INIT;
            cx_buf_reset(&s->ex->res.body);
        }
        cx_worker *w = c->w;
        cx_exchange *ex = s->ex;
        if (w->nfree_exchanges >= SHARED_FREE && w->nh2_spare < CX_H2_SPARE_MAX &&
            ex->res.body.cap <= (1u << 20) && ex->dbuf.cap <= (1u << 16)) {
            ex->next_free = w->h2_spare;
            w->h2_spare = ex;
            w->nh2_spare++;
        } else {
            cx_exchange_put(w, ex);
        }
    }
    cx_buf_free(&s->in);
    cx_buf_free(&s->out);
    free(s);
}

static void wake(h2_stream *s, int rc) {
    if (s->waiter) {
        cx_coro *co = s->waiter;
        s->waiter = NULL;
        cx_coro_wake(co, rc);
    }
}

/* ---- the transport table ---------------------------------------------------- */

static int stream_wait(h2_stream *s, uint32_t timeout_ms) {
    if (s->closed || s->conn->closed) return CX_ECLOSED;
    s->waiter = cx_coro_self();
    uint64_t prev = timeout_ms ? cx_deadline_push(timeout_ms) : 0;
    int rc = cx_coro_suspend();
    if (timeout_ms) cx_deadline_pop(prev);
    s->waiter = NULL;
    if (s->conn->closed) return CX_ECLOSED;
    return rc < 0 ? rc : CX_OK;
}

static ssize_t h2_read(cx_req *req, void *buf, size_t cap) {
    h2_stream *s = req->conn;
    h2_conn *c = s->conn;
    for (;;) {
        if (s->inpos < s->in.len) {
            size_t n = s->in.len - s->inpos;
            if (n > cap) n = cap;
            memcpy(buf, s->in.data + s->inpos, n);
            s->inpos += n;
            if (s->inpos == s->in.len) s->in.len = s->inpos = 0;
            if (!c->closed && !s->closed) {
                /* Only now may the peer send more. */
                nghttp2_session_consume(c->ng, s->id, n);
                s->unconsumed -= n;
                want_flush(c);
            }
            return (ssize_t)n;
        }
        if (s->in_eof) return 0;
        int rc = stream_wait(s, c->w->limits->body_timeout_ms);
        if (rc) return rc;
    }
}

static bool status_has_body(int status) {
    return status >= 200 && status != 204 && status != 304;
}

static ssize_t data_source(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length,
                           uint32_t *flags, nghttp2_data_source *src, void *user) {
    (void)ng;
    (void)id;
    (void)user;
    h2_stream *s = src->ptr;
    size_t avail = s->out.len - s->outpos;
    size_t n = avail < length ? avail : length;
    memcpy(buf, s->out.data + s->outpos, n);
    s->outpos += n;
    if (n) s->stall_at = 0;
    if (s->outpos == s->out.len) s->out.len = s->outpos = 0;
    if (s->waiter && s->out.len - s->outpos <= STREAM_LOW) wake(s, CX_OK);
    if (s->out.len == 0 && s->out_end) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        cx_res *res = &s->ex->res;
        if (res->num_trailers) {
            nghttp2_nv *nv = cx_arena_alloc(s->ex->arena, sizeof *nv * res->num_trailers);
            if (nv) {
                for (unsigned i = 0; i < res->num_trailers; i++) {
                    cx_res_header_kv *t = &res->trailers[i];
                    char *name = cx_arena_strndup(s->ex->arena, t->name.ptr, t->name.len);
                    for (char *p = name; p && *p; p++)
                        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
                    nv[i] = (nghttp2_nv){(uint8_t *)name, (uint8_t *)t->value.ptr, t->name.len,
                                         t->value.len, NGHTTP2_NV_FLAG_NONE};
                }
                if (nghttp2_submit_trailer(ng, s->id, nv, res->num_trailers) == 0)
                    *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            }
        }
        return (ssize_t)n;
    }
    if (n == 0) {
        s->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

static bool skip_header(cx_str name) {
    static const char *const hop[] = {"connection",        "keep-alive", "proxy-connection",
                                      "transfer-encoding", "upgrade",    "content-length"};
    for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
        if (cx_str_ieq(name, cx_str_from(hop[i]))) return true;
    return false;
}

#define NV(n, v, nl, vl)                                                                           \
    (nghttp2_nv) {                                                                                 \
        (uint8_t *)(n), (uint8_t *)(v), (nl), (vl), NGHTTP2_NV_FLAG_NONE                           \
    }

/* Queue the response head; length >= 0 adds content-length. */
static int submit_head(h2_stream *s, int64_t length, bool with_body) {
    h2_conn *c = s->conn;
    cx_exchange *ex = s->ex;
    cx_res *res = &ex->res;
    cx_worker *w = c->w;
    unsigned max = res->num_headers + 6;
    nghttp2_nv *nv = cx_arena_alloc(ex->arena, sizeof *nv * max);
    char *status = cx_arena_alloc(ex->arena, 16);
    char *len = cx_arena_alloc(ex->arena, 24);
    if (!nv || !status || !len) return CX_ENOMEM;
    unsigned n = 0;
    unsigned st = (unsigned)res->status % 1000;
    status[0] = (char)('0' + st / 100);
    status[1] = (char)('0' + st / 10 % 10);
    status[2] = (char)('0' + st % 10);
    nv[n++] = NV(":status", status, 7, 3);
    cx_worker_update_date(w);
    if (w->date_len > 8) nv[n++] = NV("date", w->date_line + 6, 4, w->date_len - 8);
    nv[n++] = NV("server", "cortex", 6, 6);
    if (c->tls && w->srv->opts.hsts_max_age) {
        char *v = cx_arena_alloc(ex->arena, 32);
        if (v) {
            int vl = snprintf(v, 32, "max-age=%u", (unsigned)w->srv->opts.hsts_max_age);
            nv[n++] = NV("strict-transport-security", v, 25, (size_t)vl);
        }
    }
    for (unsigned i = 0; i < res->num_headers; i++) {
        cx_res_header_kv *h = &res->headers[i];
        if (skip_header(h->name)) continue;
        char *name = cx_arena_strndup(ex->arena, h->name.ptr, h->name.len);
        if (!name) return CX_ENOMEM;
        for (char *p = name; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
        nv[n++] = NV(name, h->value.ptr, h->name.len, h->value.len);
    }
    if (length >= 0 && status_has_body(res->status)) {
        char *end = len + 24, *p = end;
        uint64_t v = (uint64_t)length;
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        nv[n++] = NV("content-length", p, 14, (size_t)(end - p));
    }
    nghttp2_data_provider dp = {.source.ptr = s, .read_callback = data_source};
    bool body = with_body && !res->head_only && status_has_body(res->status);
    if (!body) s->out_end = true;
    s->submitted = true;
    res->headers_sent = true;
    int rc = nghttp2_submit_response(c->ng, s->id, nv, n, body ? &dp : NULL);
    want_flush(c);
    return rc ? CX_EPROTO : CX_OK;
}

/* Queue body bytes; wait while too much is queued. */
static int queue_body(h2_stream *s, const void *data, size_t len) {
    h2_conn *c = s->conn;
    cx_res *res = &s->ex->res;
    if (len && !s->out_end) {
        if (cx_buf_append(&s->out, data, len)) return CX_ENOMEM;
        res->bytes_out += len;
    }
    if (s->deferred) {
        s->deferred = false;
        nghttp2_session_resume_data(c->ng, s->id);
    }
    want_flush(c);
    while (!s->closed && !c->closed && s->out.len - s->outpos > STREAM_HIGH) {
        int rc = stream_wait(s, c->w->limits->write_timeout_ms);
        if (rc == CX_ETIMEDOUT && !c->closed && conn_blocked(c)) {
            /* Not this stream alone: the whole connection is stuck. */
            c->stalled = true;
            want_flush(c);
        }
        if (rc) return rc;
    }
    return s->closed || c->closed ? CX_ECLOSED : CX_OK;
}

static int h2_write(cx_res *res, const void *data, size_t len) {
    h2_stream *s = res->conn;
    if (s->closed || s->conn->closed) return CX_ECLOSED;
    if (!s->submitted) {
        int rc = submit_head(s, res->fixed_length, true);
        if (rc) return rc;
    }
    return queue_body(s, data, len);
}

static int h2_end(cx_res *res) {
    h2_stream *s = res->conn;
    if (s->closed || s->conn->closed) return CX_ECLOSED;
    if (!s->submitted) {
        int rc = submit_head(s, res->fixed_length, true);
        if (rc) return rc;
    }
    s->out_end = true;
    return queue_body(s, NULL, 0);
}

static int h2_sendfile(cx_res *res, int fd, off_t off, size_t len) {
    h2_stream *s = res->conn;
    if (s->closed || s->conn->closed) return CX_ECLOSED;
    int rc = submit_head(s, (int64_t)len, true);
    if (rc) return rc;
    char buf[READ_CHUNK];
    while (len > 0 && !s->out_end) {
        ssize_t n = pread(fd, buf, len < sizeof buf ? len : sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return CX_EIO;
        off += n;
        len -= (size_t)n;
        if ((rc = queue_body(s, buf, (size_t)n))) return rc;
    }
    s->out_end = true;
    return queue_body(s, NULL, 0);
}

static int h2_peer(cx_req *req, char *buf, size_t cap) {
    h2_stream *s = req->conn;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (s->conn->closed || getpeername(s->conn->io.fd, (struct sockaddr *)&ss, &sl) < 0)
        return CX_ECLOSED;
    char ip[INET6_ADDRSTRLEN];
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        return snprintf(buf, cap, "[%s]:%d", ip, ntohs(a->sin6_port));
    }
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    return snprintf(buf, cap, "%s:%d", ip, ntohs(a->sin_port));
}

const cx_transport cx_h2_transport = {
    .read = h2_read,
    .write = h2_write,
    .end = h2_end,
    .sendfile = h2_sendfile,
    .peer = h2_peer,
};

cx_tls_conn *cx_h2_req_tls(cx_req *req) {
    if (req->t != &cx_h2_transport) return NULL;
    h2_stream *s = req->conn;
    return s->conn->tls;
}

/* ---- running handlers ---------------------------------------------------------- */

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void release_task(void *arg) {
    h2_stream *s = arg;
    h2_conn *c = s->conn;
    s->released = true;
    if (s->closed || c->closed) stream_free(s);
    /* else on_stream_close frees it */
    if (!c->closed) conn_flush(c);
    conn_maybe_free(c);
}

/* The handler has returned, inside its coroutine: queue its response. */
static void exchange_done(cx_exchange *ex) {
    h2_stream *s = ex->req.conn;
    h2_conn *c = s->conn;
    cx_res *res = &ex->res;
    s->done = true;
    if (!c->closed && !s->closed) {
        if (res->headers_sent) {
            if (ex->handler_rc < 0 || ex->ctx.panicked)
                nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
            else if (!res->ended)
                cx_res_end(res);
        } else {
            cx_exchange_finish_errors(ex);
            /* The body built in memory becomes the stream's output. */
            cx_buf tmp = s->out;
            s->out = res->body;
            res->body = tmp;
            s->outpos = 0;
            submit_head(s, (int64_t)s->out.len, s->out.len > 0);
            s->out_end = true;
        }
        /* A body the handler did not read: give its window back (more
         * DATA is dropped as it comes). */
        if (s->unconsumed && !s->closed) {
            nghttp2_session_consume(c->ng, s->id, s->unconsumed);
            s->unconsumed = 0;
        }
    }
    atomic_fetch_add_explicit(&c->w->requests, 1, memory_order_relaxed);
    if (ex->started_us)
        cx_log_access(c->w->logger, ex->req.method_str, ex->req.path_raw, res->status,
                      res->head_only ? 0 : res->bytes_out + (res->streaming ? 0 : s->out.len),
                      now_us() - ex->started_us, cx_req_peer(&ex->req));
    if (cx_loop_defer(c->w->loop, release_task, s) != CX_OK)
        s->released = true; /* freed when the stream or the connection closes */
}

static int no_handler(cx_ctx *ctx) {
    return cx_problem(ctx, 404, "no handler is configured");
}

static int start_stream(h2_conn *c, h2_stream *s, bool end_stream) {
    cx_exchange *ex = s->ex;
    cx_req *r = &ex->req;
    cx_worker *w = c->w;
    if (!s->method.len || !s->path.len) return -1;
    r->method_str = s->method;
    r->method = cx_h1_method_from(s->method);
    r->target = s->path;
    const char *q = memchr(s->path.ptr, '?', s->path.len);
    r->path_raw = q ? (cx_str){s->path.ptr, (size_t)(q - s->path.ptr)} : s->path;
    r->query = q ? (cx_str){q + 1, s->path.len - (size_t)(q - s->path.ptr) - 1} : CX_STR("");
    r->version = 20;
    r->content_length = -1;
    cx_str cl;
    if (cx_req_header(r, "content-length", &cl) == CX_OK) {
        int64_t v = 0;
        for (size_t i = 0; i < cl.len && v < (INT64_MAX / 10 - 10); i++)
            v = v * 10 + (cl.ptr[i] - '0');
        r->content_length = v;
    }
    if (!s->has_host && s->authority.len && r->num_headers < ex->headers_cap) {
        r->headers[r->num_headers].name = CX_STR("host");
        r->headers[r->num_headers].value = s->authority;
        r->num_headers++;
    }
    r->max_body = w->limits->max_body;
    r->trailers_raw = &ex->trailers;
    s->in_eof = end_stream;
    if (end_stream) r->body_done = true;
    cx_res_reset(&ex->res, &cx_h2_transport, s, ex->arena);
    ex->res.head_only = r->method == CX_METHOD_HEAD;
    cx_ctx_init(&ex->ctx, r, &ex->res, ex->arena);
    ex->ctx.worker = ex->w;
    ex->root.fn = w->srv->opts.handler ? w->srv->opts.handler : no_handler;
    ex->root.data = w->srv->opts.handler_data;
    ex->ctx.chain = &ex->root;
    ex->ctx.chain_len = 1;
    ex->ctx.chain_pos = 0;
    ex->started_us = w->logger && cx_log_get_access(w->logger) ? now_us() : 0;
    s->started = true;
    cx_exchange_run(ex, exchange_done);
    return 0;
}

/* ---- nghttp2 callbacks ----------------------------------------------------------- */

static void count_window(h2_conn *c) {
    uint64_t now = cx_loop_now(c->w->loop);
    if (now - c->window_start >= 1000) {
        c->window_start = now;
        c->resets = c->control = 0;
    }
}

static int on_begin_frame(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *user) {
    (void)ng;
    h2_conn *c = user;
    if (hd->type == NGHTTP2_HEADERS) c->continuations = 0;
    if (hd->type == NGHTTP2_CONTINUATION && ++c->continuations > limits_of(c)->max_continuations) {
        terminate(c, NGHTTP2_ENHANCE_YOUR_CALM);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *f, void *user) {
    h2_conn *c = user;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    h2_stream *s = nghttp2_session_get_stream_user_data(ng, f->hd.stream_id);
    if (s) {
        s->trailers_phase = true;
        return 0;
    }
    if (f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    s = stream_new(c, f->hd.stream_id);
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    nghttp2_session_set_stream_user_data(ng, f->hd.stream_id, s);
    return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user) {
    (void)flags;
    h2_conn *c = user;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    h2_stream *s = nghttp2_session_get_stream_user_data(ng, f->hd.stream_id);
    if (!s) return 0;
    s->header_bytes += (uint32_t)(namelen + valuelen + 32);
    if (s->header_bytes > limits_of(c)->max_header_list)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    cx_exchange *ex = s->ex;
    if (s->trailers_phase) {
        if (!s->started || s->done) return 0;
        cx_buf *t = &ex->trailers;
        if (cx_buf_append(t, name, namelen) || cx_buf_append(t, ": ", 2) ||
            cx_buf_append(t, value, valuelen) || cx_buf_append(t, "\r\n", 2))
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        return 0;
    }
    char *n = cx_arena_strndup(ex->arena, (const char *)name, namelen);
    char *v = cx_arena_strndup(ex->arena, (const char *)value, valuelen);
    if (!n || !v) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    cx_str ns = {n, namelen}, vs = {v, valuelen};
    if (namelen && n[0] == ':') {
        if (cx_str_eq(ns, CX_STR(":method")))
            s->method = vs;
        else if (cx_str_eq(ns, CX_STR(":path")))
            s->path = vs;
        else if (cx_str_eq(ns, CX_STR(":scheme")))
            s->scheme = vs;
        else if (cx_str_eq(ns, CX_STR(":authority")))
            s->authority = vs;
        return 0;
    }
    cx_req *r = &ex->req;
    if (r->num_headers >= ex->headers_cap) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (cx_str_eq(ns, CX_STR("host"))) s->has_host = true;
    r->headers[r->num_headers].name = ns;
    r->headers[r->num_headers].value = vs;
    r->num_headers++;
    return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *user) {
    h2_conn *c = user;
    const cx_http2_limits *lim = limits_of(c);
    count_window(c);
    h2_stream *s =
        f->hd.stream_id ? nghttp2_session_get_stream_user_data(ng, f->hd.stream_id) : NULL;
    bool end = f->hd.flags & NGHTTP2_FLAG_END_STREAM;
    switch (f->hd.type) {
    case NGHTTP2_RST_STREAM:
        if (++c->resets > lim->max_resets_per_s) terminate(c, NGHTTP2_ENHANCE_YOUR_CALM);
        break;
    case NGHTTP2_SETTINGS:
    case NGHTTP2_PING:
        if (!(f->hd.flags & NGHTTP2_FLAG_ACK) && ++c->control > lim->max_control_per_s)
            terminate(c, NGHTTP2_ENHANCE_YOUR_CALM);
        break;
    case NGHTTP2_DATA:
        if (f->hd.length == 0 && !end && ++c->empty_data > lim->max_empty_data)
            terminate(c, NGHTTP2_ENHANCE_YOUR_CALM);
        if (s && end) {
            s->in_eof = true;
            wake(s, CX_OK);
        }
        break;
    case NGHTTP2_HEADERS:
        if (!s) break;
        if (s->trailers_phase) {
            if (end) {
                s->in_eof = true;
                wake(s, CX_OK);
            }
        } else if (!s->started && !c->goaway_sent) {
            if (start_stream(c, s, end))
                nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_PROTOCOL_ERROR);
        }
        break;
    default:
        break;
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *user) {
    (void)flags;
    h2_conn *c = user;
    h2_stream *s = nghttp2_session_get_stream_user_data(ng, id);
    if (!s || s->done || !s->started) {
        /* Nobody will read it: give the window back now. */
        nghttp2_session_consume(ng, id, len);
        return 0;
    }
    if (s->in.len + len > c->w->limits->max_body + (size_t)limits_of(c)->stream_window ||
        cx_buf_append(&s->in, data, len)) {
        nghttp2_session_consume(ng, id, len);
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_FLOW_CONTROL_ERROR);
        return 0;
    }
    s->unconsumed += len;
    wake(s, CX_OK);
    return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t code, void *user) {
    (void)code;
    (void)user;
    h2_stream *s = nghttp2_session_get_stream_user_data(ng, id);
    if (!s) return 0;
    nghttp2_session_set_stream_user_data(ng, id, NULL);
    s->closed = true;
    if (s->unconsumed) {
        nghttp2_session_consume_connection(ng, s->unconsumed);
        s->unconsumed = 0;
    }
    wake(s, CX_ECLOSED);
    /* A running handler, or a release still queued, keeps the stream. */
    if (!s->started || s->released) stream_free(s);
    return 0;
}

/* ---- the connection ------------------------------------------------------------ */

static void conn_read(h2_conn *c) {
    uint8_t buf[READ_CHUNK];
    for (;;) {
        ssize_t n = cx_sock_read(c->io.fd, c->tls, buf, sizeof buf);
        if (n > 0) {
            ssize_t rv = nghttp2_session_mem_recv(c->ng, buf, (size_t)n);
            if (rv < 0) {
                if (rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
                    conn_close(c);
                    return;
                }
                terminate(c, rv == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM
                                                       : NGHTTP2_PROTOCOL_ERROR);
                return;
            }
            if (c->goaway_sent && !nghttp2_session_want_read(c->ng)) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        /* EOF or error: nothing more will be read or can be written. */
        conn_close(c);
        return;
    }
}

static void on_io(cx_io *io, unsigned events) {
    h2_conn *c = io->data;
    (void)events;
    c->in_io = true;
    conn_read(c);
    c->in_io = false;
    if (!c->closed) conn_flush(c);
    conn_maybe_free(c);
}

/* The write timeout, checked on the connection's timer: a connection
 * whose output waits on the peer past write_timeout_ms is closed; a single
 * stream whose queued output has not moved for as long (its window shut
 * while others flow) is reset with CANCEL. True when the connection was
 * closed. */
static bool check_stalls(h2_conn *c, uint64_t now, uint32_t wt) {
    if (!wt) return false;
    if (!conn_blocked(c)) {
        c->stall_at = 0;
    } else if (!c->stall_at) {
        c->stall_at = now;
    } else if (now - c->stall_at >= wt) {
        c->stalled = true;
        conn_flush(c);
        conn_maybe_free(c);
        return true;
    }
    bool reset = false;
    for (h2_stream *s = c->streams; s; s = s->next) {
        if (s->closed || !s->submitted || s->out.len == s->outpos) {
            s->stall_at = 0;
        } else if (!s->stall_at) {
            s->stall_at = now;
        } else if (now - s->stall_at >= wt) {
            s->stall_at = 0;
            nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
            reset = true;
        }
    }
    if (reset) conn_flush(c);
    if (c->closed) {
        conn_maybe_free(c);
        return true;
    }
    return false;
}

/* How soon the timer should look again: the idle timeout while nothing is
 * in flight, else a quarter of the write timeout (so a stall is caught
 * between 1 and 1.25 times the limit). */
static uint64_t timer_period(const h2_conn *c) {
    uint32_t idle = c->w->limits->idle_timeout_ms, wt = c->w->limits->write_timeout_ms;
    uint64_t p = idle ? idle : 60000;
    if (wt && (c->nstreams || c->wpos < c->wbuf.len)) {
        uint64_t q = wt / 4 ? wt / 4 : 1;
        if (q < p) p = q;
    }
    return p;
}

static void on_timer(cx_timer *t) {
    h2_conn *c = t->data;
    if (c->closed) return;
    uint32_t idle = c->w->limits->idle_timeout_ms;
    uint64_t now = cx_loop_now(c->w->loop);
    if (check_stalls(c, now, c->w->limits->write_timeout_ms)) return;
    if (c->nstreams == 0 && idle && now - c->idle_since >= idle) {
        if (!c->goaway_sent)
            nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(c->ng), NGHTTP2_NO_ERROR,
                                  NULL, 0);
        c->goaway_sent = true;
        conn_flush(c);
        conn_close(c);
        conn_maybe_free(c);
        return;
    }
    cx_timer_start(c->w->loop, &c->timer, timer_period(c));
}

/* Stop the socket; the struct goes once no handler refers to it. */
static void conn_close(h2_conn *c) {
    if (c->closed) return;
    c->closed = true;
    cx_worker *w = c->w;
    cx_timer_stop(w->loop, &c->timer);
    cx_tls_conn_free(c->tls);
    c->tls = NULL;
    cx_io_close(w->loop, &c->io); /* accepted by HTTP/1, never duplicated */
    for (h2_stream *s = c->streams, *next; s; s = next) {
        next = s->next;
        s->closed = true;
        wake(s, CX_ECLOSED);
    }
}

static void conn_free(h2_conn *c) {
    cx_worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->h2conns = c->next;
    if (c->next) c->next->prev = c->prev;
    w->nconns--;
    cx__obs_conn(w->srv->opts.metrics, CX_OBS_HTTP2, -1);
    nghttp2_session_del(c->ng);
    cx_buf_free(&c->wbuf);
    free(c);
    if (w->draining && w->nconns == 0) cx_loop_stop(w->loop);
}

/* Free a closed connection once nothing waits on it: no stream has a
 * handler running or a release queued, no flush is queued. */
static void conn_maybe_free(h2_conn *c) {
    if (!c->closed || c->flush_queued) return;
    for (h2_stream *s = c->streams, *next; s; s = next) {
        next = s->next;
        if (!s->started || s->released) stream_free(s);
    }
    if (c->streams) return;
    conn_free(c);
}

static int b64url_decode(cx_str in, uint8_t *out, size_t cap, size_t *outlen) {
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < in.len; i++) {
        char ch = in.ptr[i];
        int v = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
                : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
                : ch >= '0' && ch <= '9' ? ch - '0' + 52
                : ch == '-' || ch == '+' ? 62
                : ch == '_' || ch == '/' ? 63
                : ch == '='              ? -2
                                         : -1;
        if (v == -2) break;
        if (v < 0) return CX_EPARSE;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) return CX_ELIMIT;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *outlen = n;
    return CX_OK;
}

/* Stream 1 from an h2c upgrade: the HTTP/1.1 request, copied. */
static int start_upgraded(h2_conn *c, const cx_h2_upgrade *u) {
    uint8_t settings[256];
    size_t slen;
    if (b64url_decode(u->settings, settings, sizeof settings, &slen)) return CX_EPROTO;
    bool head = cx_str_eq(u->method, CX_STR("HEAD"));
    if (nghttp2_session_upgrade2(c->ng, settings, slen, head, NULL)) return CX_EPROTO;
    h2_stream *s = stream_new(c, 1);
    if (!s) return CX_ENOMEM;
    nghttp2_session_set_stream_user_data(c->ng, 1, s);
    cx_exchange *ex = s->ex;
    s->method = (cx_str){cx_arena_strndup(ex->arena, u->method.ptr, u->method.len), u->method.len};
    s->path = (cx_str){cx_arena_strndup(ex->arena, u->target.ptr, u->target.len), u->target.len};
    cx_req *r = &ex->req;
    for (unsigned i = 0; i < u->num_headers && r->num_headers < ex->headers_cap; i++) {
        const cx_h1_header *h = &u->headers[i];
        r->headers[r->num_headers].name =
            (cx_str){cx_arena_strndup(ex->arena, h->name.ptr, h->name.len), h->name.len};
        r->headers[r->num_headers].value =
            (cx_str){cx_arena_strndup(ex->arena, h->value.ptr, h->value.len), h->value.len};
        if (!r->headers[r->num_headers].name.ptr || !r->headers[r->num_headers].value.ptr)
            return CX_ENOMEM;
        r->num_headers++;
    }
    s->has_host = true;
    if (!s->method.ptr || !s->path.ptr) return CX_ENOMEM;
    return start_stream(c, s, true) ? CX_EPROTO : CX_OK;
}

static nghttp2_session_callbacks *make_callbacks(void) {
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb)) return NULL;
    nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    return cb;
}

static int session_new(h2_conn *c) {
    const cx_http2_limits *l = limits_of(c);
    nghttp2_session_callbacks *cb = make_callbacks();
    nghttp2_option *opt;
    if (!cb || nghttp2_option_new(&opt)) {
        nghttp2_session_callbacks_del(cb);
        return CX_ENOMEM;
    }
    nghttp2_option_set_no_auto_window_update(opt, 1);
    /* nghttp2 keeps up to max_concurrent_streams closed streams for the
     * priority tree, about 220 bytes each, held by an idle connection after
     * a burst; priorities are ignored here, so keep none. */
    nghttp2_option_set_no_closed_streams(opt, 1);
    nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
    int rc = nghttp2_session_server_new2(&c->ng, cb, c, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    if (rc) return CX_ENOMEM;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, l->max_concurrent_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, l->stream_window},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, l->max_header_list},
        {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, l->hpack_table_size},
    };
    if (nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]))
        return CX_ENOMEM;
    if (l->conn_window > 65535)
        nghttp2_session_set_local_window_size(c->ng, NGHTTP2_FLAG_NONE, 0, (int32_t)l->conn_window);
    return CX_OK;
}

int cx_h2_start(cx_worker *w, int fd, cx_tls_conn *tls, const char *data, size_t len,
                const cx_h2_upgrade *up) {
    h2_conn *c = calloc(1, sizeof *c);
    if (c) c->w = w;
    if (!c || session_new(c)) {
        if (c && c->ng) nghttp2_session_del(c->ng);
        free(c);
        cx_tls_conn_free(tls);
        close(fd);
        return CX_ENOMEM;
    }
    c->tls = tls;
    c->io.data = c;
    c->idle_since = cx_loop_now(w->loop);
    c->window_start = c->idle_since;
    cx_timer_init(&c->timer, on_timer, c);
    if (cx_io_start(w->loop, &c->io, fd, CX_READABLE | CX_WRITABLE, on_io) < 0) {
        nghttp2_session_del(c->ng);
        free(c);
        cx_tls_conn_free(tls);
        close(fd);
        return CX_ENOMEM;
    }
    c->next = w->h2conns;
    if (w->h2conns) w->h2conns->prev = c;
    w->h2conns = c;
    w->nconns++;
    cx__obs_conn(w->srv->opts.metrics, CX_OBS_HTTP2, +1);
    uint32_t idle = w->limits->idle_timeout_ms;
    cx_timer_start(w->loop, &c->timer, idle ? idle : 60000);
    c->in_io = true;
    if (up) {
        static const char sw[] =
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        cx_buf_append(&c->wbuf, sw, sizeof sw - 1);
        if (start_upgraded(c, up)) {
            c->in_io = false;
            conn_close(c);
            conn_maybe_free(c);
            return CX_EPROTO;
        }
    }
    if (len && nghttp2_session_mem_recv(c->ng, (const uint8_t *)data, len) < 0)
        terminate(c, NGHTTP2_PROTOCOL_ERROR);
    /* TLS may hold input already, and its edge is spent: read now. */
    if (!c->closed) conn_read(c);
    c->in_io = false;
    if (!c->closed) conn_flush(c);
    conn_maybe_free(c);
    return CX_OK;
}

/* Graceful shutdown: GOAWAY now; each connection closes once its streams
 * have finished. */
void cx_h2_drain(cx_worker *w) {
    for (h2_conn *c = w->h2conns, *next; c; c = next) {
        next = c->next;
        if (c->closed) continue;
        if (!c->goaway_sent)
            nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(c->ng), NGHTTP2_NO_ERROR,
                                  NULL, 0);
        c->goaway_sent = true;
        conn_flush(c);
        if (!c->closed && c->nstreams == 0) conn_close(c);
        conn_maybe_free(c);
    }
}

/* The loop has stopped for good: handlers will not resume. */
void cx_h2_close_all(cx_worker *w) {
    while (w->h2conns) {
        h2_conn *c = w->h2conns;
        conn_close(c);
        while (c->streams) {
            c->streams->started = false; /* its handler will never return */
            stream_free(c->streams);
        }
        c->flush_queued = false;
        conn_free(c);
    }
}
