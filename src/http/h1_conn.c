/* HTTP/1.1 connections.
 *
 * A connection is a small struct (no buffers while idle) watched
 * edge-triggered for both directions from accept to close, so the request
 * path makes no epoll_ctl calls. Reading takes a buffer from the worker's
 * pool, parses every complete request in it and runs each handler in a
 * coroutine; handlers that finish without waiting (the common case) have
 * their responses appended to one output buffer, which leaves in a single
 * write once the batch is done — a pipelined batch costs one read and one
 * write. A handler that waits (for its body, a timer, another service)
 * holds the connection: later pipelined requests wait their turn, so
 * responses stay in order.
 *
 * Request heads are slices of the read buffer. The buffer therefore stays
 * put while a handler runs; chunked bodies, which need the buffer to keep
 * reading, first copy the head into the request arena ("detach").
 *
 * One timer per connection with a lazily moved deadline: pushing a deadline
 * later only writes a field; the timer re-arms itself when it fires early.
 */
#include "server.h"
#include "io.h"
#include "h2.h"
#include "../observe/hooks.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define WBUF_SIZE     CX_RBUF_SIZE /* one pool serves both directions */
#define WBUF_HIGH     (256 * 1024) /* stop parsing pipelined requests above this */
#define STREAM_HIGH   (64 * 1024)  /* a streaming handler waits above this */
#define DISCARD_MAX   (64 * 1024)  /* unread body we skip rather than close */
#define CHUNK_COPY    16384
#define FREE_BUFS_MAX 256

enum phase { PH_IDLE, PH_HEAD, PH_HANDLER, PH_WRITING };

typedef struct h1_conn {
    cx_io io;
    cx_timer timer;
    cx_worker *w;
    struct h1_conn *prev, *next;
    char *rbuf;
    uint32_t rcap, rlen, rpos;
    uint32_t scanned;
    cx_buf wbuf;
    size_t wpos;
    uint64_t deadline;
    uint64_t discard; /* body bytes of a finished request still to skip */
    cx_exchange *cur;
    cx_coro *waiter;
    uint8_t phase;
    bool keep_alive; /* of the current request */
    bool want_close; /* close once the output is flushed */
    bool closed;     /* closed while a handler still ran: free when it ends */
    bool peer_eof;
    bool rdhup;     /* the peer has shut its sending side: read to the end */
    bool tls_ready; /* the TLS handshake is done (or there is no TLS) */
    bool redirect;  /* on the HTTP->HTTPS redirect listener */
    bool served;    /* a request has started: no more h2c prefaces */
    cx_tls_conn *tls;
} h1_conn;

static void conn_process(h1_conn *c);
static void conn_read(h1_conn *c);
static void conn_close(h1_conn *c);
static void conn_teardown(h1_conn *c, bool defer);
static void exchange_done(cx_exchange *ex);
static void conn_handoff(h1_conn *c, const char *data, size_t len, const cx_h2_upgrade *up);
extern const cx_transport cx_h1_transport;

/* ---- buffers ------------------------------------------------------------- */

static char *block_get(cx_worker *w) {
    return w->nfree_rbufs ? w->free_rbufs[--w->nfree_rbufs] : malloc(CX_RBUF_SIZE);
}

static void block_put(cx_worker *w, char *p, size_t cap) {
    if (cap == CX_RBUF_SIZE && w->nfree_rbufs < FREE_BUFS_MAX)
        w->free_rbufs[w->nfree_rbufs++] = p;
    else
        free(p);
}

static bool rbuf_get(h1_conn *c) {
    if (c->rbuf) return true;
    c->rbuf = block_get(c->w);
    c->rcap = CX_RBUF_SIZE;
    c->rlen = c->rpos = c->scanned = 0;
    return c->rbuf != NULL;
}

static void rbuf_put(h1_conn *c) {
    if (!c->rbuf) return;
    block_put(c->w, c->rbuf, c->rcap);
    c->rbuf = NULL;
    c->rcap = c->rlen = c->rpos = c->scanned = 0;
}

/* Make room for more input; false when the buffer may not grow further. */
static bool rbuf_room(h1_conn *c, bool may_move) {
    if (!rbuf_get(c)) return false;
    if (c->rlen < c->rcap) return true;
    if (!may_move) return false;
    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->scanned = c->scanned > c->rpos ? c->scanned - c->rpos : 0;
        c->rpos = 0;
        return true;
    }
    size_t limit = c->w->limits->max_header_bytes + c->w->limits->max_request_line + 1024;
    if (c->rcap >= limit) return false;
    size_t ncap = c->rcap * 2 > limit ? limit : c->rcap * 2;
    char *nb = malloc(ncap);
    if (!nb) return false;
    memcpy(nb, c->rbuf, c->rlen);
    uint32_t rlen = c->rlen;
    rbuf_put(c);
    c->rbuf = nb;
    c->rcap = (uint32_t)ncap;
    c->rlen = rlen;
    return true;
}

static size_t pending(const h1_conn *c) {
    return c->wbuf.len - c->wpos;
}

/* ---- timers -------------------------------------------------------------- */

static void conn_deadline(h1_conn *c, uint32_t ms) {
    cx_loop *loop = c->w->loop;
    c->deadline = ms ? cx_loop_now(loop) + ms : 0;
    if (c->deadline && (!cx_timer_active(&c->timer) || c->timer.when > c->deadline))
        cx_timer_start(loop, &c->timer, ms);
}

static void write_simple(h1_conn *c, int status, const char *reason);

static void on_timer(cx_timer *t) {
    h1_conn *c = t->data;
    uint64_t now = cx_loop_now(c->w->loop);
    if (!c->deadline || c->phase == PH_HANDLER) return; /* the handler's own deadlines rule */
    if (now < c->deadline) {
        cx_timer_start(c->w->loop, &c->timer, c->deadline - now);
        return;
    }
    if (c->phase == PH_HEAD) {
        write_simple(c, 408, "the request head did not arrive in time");
        return;
    }
    conn_close(c); /* idle keep-alive, or a peer that stopped reading */
}

/* ---- writing ------------------------------------------------------------- */

/* Write what is pending. 0 when all is out, CX_EAGAIN when the socket is
 * full, CX_ECLOSED when the peer is gone. */
static int conn_flush(h1_conn *c) {
    while (pending(c)) {
        ssize_t n = cx_sock_write(c->io.fd, c->tls, c->wbuf.data + c->wpos, pending(c));
        if (n > 0) {
            c->wpos += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (c->phase != PH_HANDLER) {
                c->phase = PH_WRITING;
                conn_deadline(c, c->w->limits->write_timeout_ms);
            }
            return CX_EAGAIN;
        }
        c->want_close = true;
        c->peer_eof = true;
        return CX_ECLOSED;
    }
    c->wbuf.len = c->wpos = 0;
    return CX_OK;
}

static int wbuf_append(h1_conn *c, const void *p, size_t n) {
    if (!c->wbuf.data) {
        c->wbuf.data = block_get(c->w);
        if (!c->wbuf.data) return CX_ENOMEM;
        c->wbuf.cap = WBUF_SIZE;
    }
    return cx_buf_append(&c->wbuf, p, n);
}

static void wbuf_release(h1_conn *c) {
    if (c->wbuf.data) block_put(c->w, c->wbuf.data, c->wbuf.cap);
    c->wbuf = (cx_buf)CX_BUF_INIT;
    c->wpos = 0;
}

#define PUT(c, lit) cx_buf_append(&(c)->wbuf, lit, sizeof(lit) - 1)

static char *fmt_u64(char *end, uint64_t v) {
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void put_status_line(h1_conn *c, int status) {
    if (status == 200) {
        PUT(c, "HTTP/1.1 200 OK\r\n");
        return;
    }
    char num[8];
    char *s = fmt_u64(num + sizeof num, (uint64_t)status);
    PUT(c, "HTTP/1.1 ");
    cx_buf_append(&c->wbuf, s, (size_t)(num + sizeof num - s));
    cx_buf_putc(&c->wbuf, ' ');
    cx_buf_puts(&c->wbuf, cx_status_reason(status));
    PUT(c, "\r\n");
}

static bool status_has_body(int status) {
    return status >= 200 && status != 204 && status != 304;
}

/* The response head. length >= 0: Content-Length; -1: chunked; -2: the body
 * runs to the connection's end (HTTP/1.0 streaming). */
static int put_head(h1_conn *c, cx_exchange *ex, int64_t length) {
    cx_res *res = &ex->res;
    int rc = wbuf_append(c, "", 0);
    if (rc) return rc;
    if (!cx_buf_reserve(&c->wbuf, 256)) {
        put_status_line(c, res->status);
        cx_buf_append(&c->wbuf, c->w->date_line, c->w->date_len);
        PUT(c, "Server: cortex\r\n");
    }
    if (c->tls && c->w->srv->opts.hsts_max_age)
        cx_buf_printf(&c->wbuf, "Strict-Transport-Security: max-age=%u\r\n",
                      (unsigned)c->w->srv->opts.hsts_max_age);
    for (unsigned i = 0; i < res->num_headers; i++) {
        cx_res_header_kv *h = &res->headers[i];
        cx_buf_append(&c->wbuf, h->name.ptr, h->name.len);
        PUT(c, ": ");
        cx_buf_append(&c->wbuf, h->value.ptr, h->value.len);
        PUT(c, "\r\n");
    }
    if (status_has_body(res->status)) {
        if (length >= 0) {
            char num[24];
            char *s = fmt_u64(num + sizeof num, (uint64_t)length);
            PUT(c, "Content-Length: ");
            cx_buf_append(&c->wbuf, s, (size_t)(num + sizeof num - s));
            PUT(c, "\r\n");
        } else if (length == -1) {
            PUT(c, "Transfer-Encoding: chunked\r\n");
        } else {
            c->keep_alive = false;
        }
    }
    if (!c->keep_alive)
        PUT(c, "Connection: close\r\n");
    else if (ex->req.version == 10)
        PUT(c, "Connection: keep-alive\r\n");
    rc = PUT(c, "\r\n");
    res->headers_sent = true;
    return rc;
}

/* An answer the server composes itself (parse errors, timeouts); the
 * connection closes after it. */
static void write_simple(h1_conn *c, int status, const char *reason) {
    char body[256];
    int n = snprintf(body, sizeof body,
                     "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}",
                     cx_status_reason(status), status, reason);
    cx_worker_update_date(c->w);
    if (wbuf_append(c, "", 0) == CX_OK) {
        put_status_line(c, status);
        cx_buf_append(&c->wbuf, c->w->date_line, c->w->date_len);
        cx_buf_printf(&c->wbuf,
                      "Server: cortex\r\nContent-Type: application/problem+json\r\n"
                      "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                      n, body);
    }
    c->want_close = true;
    c->keep_alive = false;
    c->rpos = c->rlen; /* nothing after a bad request can be trusted */
    if (conn_flush(c) != CX_EAGAIN) conn_close(c);
}

/* ---- the transport table: what a handler's calls do on HTTP/1.1 ---------- */

static cx_exchange *ex_of_req(cx_req *req) {
    return (cx_exchange *)((char *)req - offsetof(cx_exchange, req));
}

static cx_exchange *ex_of_res(cx_res *res) {
    return (cx_exchange *)((char *)res - offsetof(cx_exchange, res));
}

/* Suspend the handler until the socket is ready for `events`, within the
 * given timeout (narrowing the coroutine's deadline). */
static int wait_conn(h1_conn *c, uint32_t timeout_ms) {
    if (c->closed || c->peer_eof) return CX_ECLOSED;
    c->waiter = cx_coro_self();
    /* 0 means no timeout of its own; the coroutine's deadline still holds. */
    uint64_t prev = timeout_ms ? cx_deadline_push(timeout_ms) : 0;
    int rc = cx_coro_suspend();
    if (timeout_ms) cx_deadline_pop(prev);
    c->waiter = NULL;
    if (c->closed) return CX_ECLOSED;
    return rc < 0 ? rc : CX_OK;
}

static int send_continue(h1_conn *c, cx_exchange *ex) {
    ex->continue_sent = true;
    int rc = PUT(c, "HTTP/1.1 100 Continue\r\n\r\n");
    if (rc) return rc;
    while ((rc = conn_flush(c)) == CX_EAGAIN)
        if ((rc = wait_conn(c, c->w->limits->write_timeout_ms))) return rc;
    return rc;
}

static ssize_t read_length(h1_conn *c, cx_exchange *ex, char *buf, size_t cap) {
    for (;;) {
        if (ex->body_left == 0) return 0;
        size_t want = cap < (uint64_t)ex->body_left ? cap : (size_t)ex->body_left;
        size_t avail = c->rlen - c->rpos;
        if (avail) {
            size_t n = want < avail ? want : avail;
            memcpy(buf, c->rbuf + c->rpos, n);
            c->rpos += (uint32_t)n;
            ex->body_left -= (int64_t)n;
            return (ssize_t)n;
        }
        /* Straight into the caller's buffer, never past the body's end. */
        ssize_t n = cx_sock_read(c->io.fd, c->tls, buf, want);
        if (n > 0) {
            ex->body_left -= n;
            return n;
        }
        if (n == 0) return CX_ECLOSED;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return CX_ECLOSED;
        int rc = wait_conn(c, c->w->limits->body_timeout_ms);
        if (rc) return rc;
    }
}

static ssize_t read_chunked(h1_conn *c, cx_exchange *ex, char *buf, size_t cap) {
    for (;;) {
        if (ex->dpos < ex->dbuf.len) {
            size_t n = ex->dbuf.len - ex->dpos;
            if (n > cap) n = cap;
            memcpy(buf, ex->dbuf.data + ex->dpos, n);
            ex->dpos += n;
            return (ssize_t)n;
        }
        if (ex->chunked.done) return 0;
        size_t avail = c->rlen - c->rpos;
        if (avail) {
            size_t n = avail < CHUNK_COPY ? avail : CHUNK_COPY;
            cx_buf_reset(&ex->dbuf);
            ex->dpos = 0;
            if (cx_buf_append(&ex->dbuf, c->rbuf + c->rpos, n)) return CX_ENOMEM;
            size_t dlen = n;
            ssize_t used = cx_h1_chunked_decode(&ex->chunked, ex->dbuf.data, &dlen);
            if (used < 0) return used == CX_ELIMIT ? CX_ELIMIT : CX_EPARSE;
            ex->dbuf.len = dlen;
            c->rpos += (uint32_t)used;
            continue;
        }
        if (!rbuf_room(c, true)) return CX_ENOMEM;
        ssize_t n = cx_sock_read(c->io.fd, c->tls, c->rbuf + c->rlen, c->rcap - c->rlen);
        if (n > 0) {
            c->rlen += (uint32_t)n;
            continue;
        }
        if (n == 0) return CX_ECLOSED;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return CX_ECLOSED;
        int rc = wait_conn(c, c->w->limits->body_timeout_ms);
        if (rc) return rc;
    }
}

static ssize_t h1_read(cx_req *req, void *buf, size_t cap) {
    cx_exchange *ex = ex_of_req(req);
    h1_conn *c = ex->conn;
    if (c->closed) return CX_ECLOSED;
    if (req->expect_continue && !ex->continue_sent && c->rlen == c->rpos) {
        int rc = send_continue(c, ex);
        if (rc) return rc;
    }
    return req->chunked ? read_chunked(c, ex, buf, cap) : read_length(c, ex, buf, cap);
}

/* Flush, waiting while more than `high` bytes are still queued. */
static int flush_to(h1_conn *c, size_t high) {
    int rc;
    while ((rc = conn_flush(c)) == CX_EAGAIN && pending(c) > high)
        if ((rc = wait_conn(c, c->w->limits->write_timeout_ms))) return rc;
    return rc == CX_EAGAIN ? CX_OK : rc;
}

static int h1_write(cx_res *res, const void *data, size_t len) {
    cx_exchange *ex = ex_of_res(res);
    h1_conn *c = ex->conn;
    if (c->closed || c->peer_eof) return CX_ECLOSED;
    bool chunked = ex->req.version == 11 && res->fixed_length < 0;
    if (!res->headers_sent) {
        int64_t length = res->fixed_length >= 0 ? res->fixed_length : chunked ? -1 : -2;
        cx_worker_update_date(c->w);
        int rc = put_head(c, ex, length);
        if (rc) return rc;
    }
    if (len && !res->head_only && status_has_body(res->status)) {
        if (chunked) {
            char hex[20];
            int n = snprintf(hex, sizeof hex, "%zx\r\n", len);
            wbuf_append(c, hex, (size_t)n);
        }
        int rc = wbuf_append(c, data, len);
        if (!rc && chunked) rc = PUT(c, "\r\n");
        res->bytes_out += len;
        if (rc) return rc;
    }
    return flush_to(c, STREAM_HIGH);
}

static int h1_end(cx_res *res) {
    cx_exchange *ex = ex_of_res(res);
    h1_conn *c = ex->conn;
    if (c->closed) return CX_ECLOSED;
    bool chunked = ex->req.version == 11 && res->fixed_length < 0;
    if (chunked && !res->head_only && status_has_body(res->status)) {
        PUT(c, "0\r\n");
        for (unsigned i = 0; i < res->num_trailers; i++) {
            cx_buf_append(&c->wbuf, res->trailers[i].name.ptr, res->trailers[i].name.len);
            PUT(c, ": ");
            cx_buf_append(&c->wbuf, res->trailers[i].value.ptr, res->trailers[i].value.len);
            PUT(c, "\r\n");
        }
        PUT(c, "\r\n");
    }
    return flush_to(c, STREAM_HIGH);
}

/* Under TLS the kernel cannot encrypt for us: read the file into the output
 * buffer a block at a time and write it like any other body. */
static int tls_sendfile(h1_conn *c, cx_res *res, int fd, off_t off, size_t len) {
    while (len > 0) {
        int rc = wbuf_append(c, "", 0);
        if (rc) return rc;
        size_t want = len < WBUF_SIZE ? len : WBUF_SIZE;
        if (cx_buf_reserve(&c->wbuf, want)) return CX_ENOMEM;
        ssize_t n = pread(fd, c->wbuf.data + c->wbuf.len, want, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return CX_EIO;
        c->wbuf.len += (size_t)n;
        off += n;
        len -= (size_t)n;
        res->bytes_out += (uint64_t)n;
        if ((rc = flush_to(c, STREAM_HIGH))) return rc;
    }
    return flush_to(c, 0);
}

static int h1_sendfile(cx_res *res, int fd, off_t off, size_t len) {
    cx_exchange *ex = ex_of_res(res);
    h1_conn *c = ex->conn;
    cx_worker_update_date(c->w);
    int rc = put_head(c, ex, (int64_t)len);
    if (rc) return rc;
    if ((rc = flush_to(c, 0))) return rc;
    if (res->head_only || !status_has_body(res->status)) return CX_OK;
    if (c->tls) return tls_sendfile(c, res, fd, off, len);
    while (len > 0) {
        ssize_t n = sendfile(c->io.fd, fd, &off, len);
        if (n > 0) {
            len -= (size_t)n;
            res->bytes_out += (uint64_t)n;
            continue;
        }
        if (n == 0) return CX_EIO;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return CX_ECLOSED;
        if ((rc = wait_conn(c, c->w->limits->write_timeout_ms))) return rc;
    }
    return CX_OK;
}

static int h1_peer(cx_req *req, char *buf, size_t cap) {
    h1_conn *c = ex_of_req(req)->conn;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(c->io.fd, (struct sockaddr *)&ss, &sl) < 0) return -errno;
    char ip[INET6_ADDRSTRLEN];
    int port;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        return snprintf(buf, cap, "[%s]:%d", ip, port);
    }
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
    return snprintf(buf, cap, "%s:%d", ip, port);
}

const cx_transport cx_h1_transport = {
    .read = h1_read,
    .write = h1_write,
    .end = h1_end,
    .sendfile = h1_sendfile,
    .peer = h1_peer,
};

/* ---- requests ------------------------------------------------------------ */

/* Move the head's bytes into the arena and re-point every slice, so that the
 * read buffer may be reused while the body streams in. */
static int detach_head(cx_exchange *ex, const char *base, size_t len) {
    char *copy = cx_arena_alloc(ex->arena, len);
    if (!copy) return CX_ENOMEM;
    memcpy(copy, base, len);
#define REBASE(s)                                                                                  \
    if ((s).ptr >= base && (s).ptr <= base + len) (s).ptr = copy + ((s).ptr - base)
    cx_req *r = &ex->req;
    REBASE(r->method_str);
    REBASE(r->target);
    REBASE(r->path_raw);
    REBASE(r->query);
    for (unsigned i = 0; i < r->num_headers; i++) {
        REBASE(r->headers[i].name);
        REBASE(r->headers[i].value);
    }
#undef REBASE
    return CX_OK;
}

static void fill_request(cx_exchange *ex, const cx_h1_request *h) {
    cx_req *r = &ex->req;
    cx_req_reset(r, &cx_h1_transport, ex->conn, ex->arena);
    r->method = h->method;
    r->method_str = h->method_str;
    r->target = h->target;
    r->path_raw = h->path;
    r->query = h->query;
    r->version = h->version;
    r->headers = h->headers;
    r->num_headers = h->num_headers;
    r->content_length = h->content_length;
    r->chunked = h->chunked;
    r->expect_continue = h->expect_continue;
    r->max_body = ex->w->limits->max_body;
    r->trailers_raw = &ex->trailers;
    ex->body_left = h->chunked ? 0 : (h->content_length > 0 ? h->content_length : 0);
    if (!h->chunked && ex->body_left == 0) r->body_done = true;
    if (h->chunked) {
        cx_h1_chunked_init(&ex->chunked);
        ex->chunked.trailers = &ex->trailers;
    }
}

/* After the handler: skip what it left of the body, or give up on the
 * connection when that would cost too much. */
static void settle_body(h1_conn *c, cx_exchange *ex) {
    bool unread = ex->req.chunked ? !ex->chunked.done : ex->body_left > 0;
    if (unread && (ex->handler_rc < 0 || ex->ctx.panicked)) {
        /* The body failed (too large, too slow, malformed): what follows on
         * the connection can no longer be framed with confidence. */
        c->keep_alive = false;
        return;
    }
    if (ex->req.chunked) {
        if (!ex->chunked.done) c->keep_alive = false;
        return;
    }
    if (ex->body_left == 0) return;
    uint64_t avail = c->rlen - c->rpos;
    uint64_t skip = (uint64_t)ex->body_left < avail ? (uint64_t)ex->body_left : avail;
    c->rpos += (uint32_t)skip;
    uint64_t rest = (uint64_t)ex->body_left - skip;
    if (rest == 0) return;
    if (rest <= DISCARD_MAX && !ex->req.expect_continue)
        c->discard = rest;
    else
        c->keep_alive = false;
}

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void log_access(cx_exchange *ex) {
    cx_res *res = &ex->res;
    uint64_t bytes = res->streaming || res->sendfile_used ? res->bytes_out : res->body.len;
    if (res->head_only) bytes = 0;
    cx_str path = ex->req.path_raw;
    cx_log_access(ex->w->logger, ex->req.method_str, path, res->status, bytes,
                  now_us() - ex->started_us, cx_req_peer(&ex->req));
}

/* The handler has returned (inside its coroutine): put its response in the
 * output buffer. */
static void exchange_done(cx_exchange *ex) {
    h1_conn *c = ex->conn;
    cx_res *res = &ex->res;
    if (c->closed) return;
    if (ex->async) cx_worker_update_date(c->w);
    settle_body(c, ex);
    if (c->w->draining) c->keep_alive = false;
    if (res->headers_sent) {
        /* Streamed or sent as a file. An error mid-stream can only be
         * signalled by cutting the connection. */
        if (ex->handler_rc < 0 || ex->ctx.panicked)
            c->keep_alive = false;
        else if (!res->ended)
            cx_res_end(res);
        if (!c->keep_alive && ex->req.version == 11 && res->fixed_length < 0) c->want_close = true;
    } else {
        cx_exchange_finish_errors(ex);
        size_t blen = res->body.len;
        if (put_head(c, ex, (int64_t)blen) == CX_OK && blen && !res->head_only &&
            status_has_body(res->status))
            wbuf_append(c, res->body.data, blen);
    }
    if (!c->keep_alive) c->want_close = true;
    atomic_fetch_add_explicit(&c->w->requests, 1, memory_order_relaxed);
    if (ex->started_us) log_access(ex);
}

static void conn_continue(void *arg);
static void exchange_done_async(cx_exchange *ex);

static void exchange_release(h1_conn *c) {
    cx_exchange *ex = c->cur;
    c->cur = NULL;
    c->phase = PH_IDLE;
    cx_exchange_put(c->w, ex);
}

static int no_handler(cx_ctx *ctx) {
    return cx_problem(ctx, 404, "no handler is configured");
}

/* The plain listener next to a TLS one: everything moves to https. */
static int redirect_handler(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_exchange *ex = ex_of_req(req);
    cx_str host = CX_STR("localhost"), target = cx_req_target(req);
    cx_req_header(req, "host", &host);
    /* The authority without its port; a bracketed IPv6 keeps its brackets. */
    size_t hl = host.len;
    const char *rb = memchr(host.ptr, ']', host.len);
    const char *colon =
        memchr(rb ? rb : host.ptr, ':', host.len - (size_t)(rb ? rb - host.ptr : 0));
    if (colon) hl = (size_t)(colon - host.ptr);
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)host.ptr[i] <= ' ' || host.ptr[i] == '/' || host.ptr[i] == '@')
            return cx_problem(ctx, 400, "bad Host header");
    if (target.len == 0 || target.ptr[0] != '/') target = CX_STR("/");
    unsigned port = ex->w->srv->port;
    size_t cap = hl + target.len + 32;
    char *loc = cx_arena_alloc(cx_ctx_arena(ctx), cap);
    if (!loc) return CX_ENOMEM;
    int n = port == 443 ? snprintf(loc, cap, "https://%.*s%.*s", (int)hl, host.ptr, (int)target.len,
                                   target.ptr)
                        : snprintf(loc, cap, "https://%.*s:%u%.*s", (int)hl, host.ptr, port,
                                   (int)target.len, target.ptr);
    cx_res *res = cx_ctx_res(ctx);
    cx_res_status(res, 308);
    return cx_res_header_n(res, CX_STR("Location"), (cx_str){loc, (size_t)n});
}

static void start_request(h1_conn *c, cx_exchange *ex, size_t head_len) {
    cx_worker *w = c->w;
    const char *head = c->rbuf + c->rpos;
    fill_request(ex, &ex->h1);
    c->rpos += (uint32_t)head_len;
    c->scanned = 0;
    c->keep_alive = ex->h1.keep_alive && !w->draining && !c->want_close;
    if (ex->req.chunked && detach_head(ex, head, head_len)) c->keep_alive = false;
    cx_res_reset(&ex->res, &cx_h1_transport, c, ex->arena);
    ex->res.head_only = ex->req.method == CX_METHOD_HEAD;
    cx_ctx_init(&ex->ctx, &ex->req, &ex->res, ex->arena);
    ex->ctx.worker = ex->w;
    c->served = true;
    ex->root.fn = c->redirect            ? redirect_handler
                  : w->srv->opts.handler ? w->srv->opts.handler
                                         : no_handler;
    ex->root.data = w->srv->opts.handler_data;
    ex->ctx.chain = &ex->root;
    ex->ctx.chain_len = 1;
    ex->ctx.chain_pos = 0;
    ex->started_us = w->logger && cx_log_get_access(w->logger) ? now_us() : 0;
    c->cur = ex;
    c->phase = PH_HANDLER;
    c->deadline = 0;
}

static bool header_has(const cx_h1_request *h, const char *name, cx_str *out) {
    cx_str n = cx_str_from(name);
    for (unsigned i = 0; i < h->num_headers; i++)
        if (cx_str_ieq(h->headers[i].name, n)) {
            *out = h->headers[i].value;
            return true;
        }
    return false;
}

/* "Upgrade: h2c" with HTTP2-Settings on a first request without a body:
 * hand the connection to HTTP/2, the request becoming stream 1. */
static bool try_upgrade(h1_conn *c, cx_exchange *ex, size_t head_len) {
    const cx_h1_request *h = &ex->h1;
    cx_str up, settings;
    if (h->chunked || h->content_length > 0 || h->version != 11) return false;
    if (!header_has(h, "upgrade", &up) || !header_has(h, "http2-settings", &settings)) return false;
    if (up.len < 3 || strncasecmp(up.ptr, "h2c", 3) != 0 || (up.len > 3 && up.ptr[3] != ','))
        return false;
    cx_h2_upgrade u = {settings, h->method_str, h->target, h->headers, h->num_headers};
    size_t rest = c->rlen - c->rpos - head_len;
    conn_handoff(c, c->rbuf + c->rpos + head_len, rest, &u);
    cx_exchange_put(c->w, ex);
    return true;
}

/* Parse and run every complete request in the read buffer. */
static void conn_process(h1_conn *c) {
    cx_worker *w = c->w;
    cx_h1_limits lim = {w->limits->max_request_line, w->limits->max_header_bytes,
                        w->limits->max_headers};
    unsigned batch = 0;
    cx_worker_update_date(w);
    while (!c->cur && !c->closed && !c->want_close && c->rpos < c->rlen) {
        if (c->discard) {
            uint32_t n = c->rlen - c->rpos < c->discard ? c->rlen - c->rpos : (uint32_t)c->discard;
            c->rpos += n;
            c->discard -= n;
            continue;
        }
        if (batch >= w->limits->max_pipelined) {
            /* Bound the output a deep pipeline builds up: send what is
             * ready, then go on. */
            batch = 0;
            if (conn_flush(c) == CX_ECLOSED) break;
        }
        if (pending(c) > WBUF_HIGH) break;
        if (!c->served && !c->tls && !c->redirect && w->srv->opts.http2 &&
            c->rbuf[c->rpos] == 'P') {
            /* h2c with prior knowledge: the connection preface. */
            size_t avail = c->rlen - c->rpos;
            size_t cmp = avail < CX_H2_PREFACE_LEN ? avail : CX_H2_PREFACE_LEN;
            if (memcmp(c->rbuf + c->rpos, CX_H2_PREFACE, cmp) == 0) {
                if (avail < CX_H2_PREFACE_LEN) break; /* wait for the rest */
                conn_handoff(c, c->rbuf + c->rpos, avail, NULL);
                return;
            }
        }
        cx_exchange *ex = cx_exchange_get(w);
        if (!ex) {
            write_simple(c, 503, "the server is out of memory");
            return;
        }
        ex->conn = c;
        ex->h1.headers = ex->headers;
        size_t scanned = c->scanned;
        int rc = cx_h1_parse_request(c->rbuf + c->rpos, c->rlen - c->rpos, &scanned, &ex->h1, &lim);
        c->scanned = (uint32_t)scanned;
        if (rc == CX_EAGAIN) {
            cx_exchange_put(w, ex);
            if (c->phase != PH_HEAD) {
                c->phase = PH_HEAD;
                conn_deadline(c, w->limits->header_timeout_ms);
            }
            if (c->rlen == c->rcap && !rbuf_room(c, true)) {
                write_simple(c, 431, "the request head is too large");
                return;
            }
            break;
        }
        if (rc < 0) {
            int status = ex->h1.error_status ? ex->h1.error_status : 400;
            const char *why = ex->h1.error ? ex->h1.error : "malformed request";
            cx_exchange_put(w, ex);
            write_simple(c, status, why);
            return;
        }
        if (!c->served && !c->tls && !c->redirect && w->srv->opts.http2 &&
            try_upgrade(c, ex, (size_t)rc))
            return;
        start_request(c, ex, (size_t)rc);
        batch++;
        if (cx_exchange_run(ex, exchange_done_async) == 1) break; /* waits; resumes later */
        exchange_release(c);
    }
    if (c->closed) return;
    if (!c->cur && c->rpos == c->rlen) rbuf_put(c);
    int rc = conn_flush(c);
    if (rc == CX_ECLOSED || (rc == CX_OK && c->want_close)) {
        if (!c->cur) conn_close(c);
        return;
    }
    if (!c->cur && rc == CX_OK) {
        if (c->wbuf.cap > WBUF_SIZE) wbuf_release(c);
        if (!c->rbuf) {
            wbuf_release(c); /* idle: hold no buffers at all */
            c->phase = PH_IDLE;
            conn_deadline(c, w->limits->idle_timeout_ms);
        }
    }
}

/* A handler that had waited has finished: release it and go on with the
 * connection, outside the coroutine. */
static void conn_continue(void *arg) {
    h1_conn *c = arg;
    exchange_release(c);
    if (c->closed) {
        conn_teardown(c, true);
        return;
    }
    conn_process(c);
    if (!c->closed && !c->cur) conn_read(c);
}

static void exchange_done_async(cx_exchange *ex) {
    exchange_done(ex);
    if (ex->async) cx_loop_defer(ex->w->loop, conn_continue, ex->conn);
}

/* ---- reading and events --------------------------------------------------- */

/* Drive the TLS handshake; true once it is done and the connection stays
 * HTTP/1.1. */
static bool tls_progress(h1_conn *c) {
    int rc = cx_tls_conn_handshake(c->tls);
    if (rc == 0) return false;
    if (rc < 0) {
        conn_close(c);
        return false;
    }
    c->tls_ready = true;
    if (c->w->srv->opts.http2 && cx_tls_conn_is_h2(c->tls)) {
        conn_handoff(c, NULL, 0, NULL);
        return false;
    }
    const cx_http_limits *l = c->w->limits;
    conn_deadline(c, l->header_timeout_ms ? l->header_timeout_ms : l->idle_timeout_ms);
    return true;
}

static void conn_read(h1_conn *c) {
    if (!c->tls_ready && !tls_progress(c)) return;
    while (!c->cur && !c->closed && !c->want_close) {
        if (pending(c) > WBUF_HIGH) return; /* resume when the output drains */
        if (!rbuf_room(c, true)) {
            write_simple(c, 431, "the request head is too large");
            return;
        }
        size_t room = c->rcap - c->rlen;
        ssize_t n = cx_sock_read(c->io.fd, c->tls, c->rbuf + c->rlen, room);
        if (n > 0) {
            c->rlen += (uint32_t)n;
            conn_process(c);
            /* A short read on a stream socket took all there was: any later
             * data raises a new edge, so skip the read that would only say
             * EAGAIN. */
            if ((size_t)n < room && !c->rdhup && !c->tls) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (c->rbuf && c->rlen == 0) rbuf_put(c);
            return;
        }
        /* EOF or error: finish what was asked, then close. */
        c->peer_eof = true;
        c->want_close = true;
        if (!pending(c)) conn_close(c);
        return;
    }
}

static void on_io(cx_io *io, unsigned events) {
    h1_conn *c = io->data;
    if (events & CX_HANGUP) c->peer_eof = true;
    if (events & CX_RDHUP) c->rdhup = true;
    if (!c->tls_ready) {
        conn_read(c);
        return;
    }
    if (c->cur) {
        /* A handler owns the connection: it does its own reading and
         * writing; just let it know. */
        if (c->waiter) cx_coro_wake(c->waiter, c->peer_eof ? CX_ECLOSED : CX_OK);
        return;
    }
    if (events & CX_WRITABLE && pending(c)) {
        int rc = conn_flush(c);
        if (rc == CX_ECLOSED || (rc == CX_OK && c->want_close)) {
            conn_close(c);
            return;
        }
        if (rc == CX_OK) conn_process(c);
    }
    if (c->closed) return;
    /* TLS may hold decrypted input that no readiness edge announces. */
    if (events & (CX_READABLE | CX_HANGUP) || c->tls) conn_read(c);
}

/* ---- connection life ------------------------------------------------------ */

static void conn_unlink(h1_conn *c) {
    cx_worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    w->nconns--;
}

/* Closed connections wait in the worker's graveyard until the end of the
 * loop iteration (callers up the stack may still look at them), or until
 * the worker stops. */
static void bury(void *arg) {
    cx_worker *w = arg;
    while (w->graveyard) {
        struct h1_conn *c = w->graveyard;
        w->graveyard = c->next;
        free(c);
    }
}

/* Release everything; the struct itself goes at the end of the loop
 * iteration, so callers up the stack may still look at c->closed. */
static void conn_teardown(h1_conn *c, bool defer) {
    cx_worker *w = c->w;
    if (c->io.fd < 0) return;
    cx_timer_stop(w->loop, &c->timer);
    cx_tls_conn_free(c->tls);
    c->tls = NULL;
    cx_io_close(w->loop, &c->io); /* accepted here, never duplicated */
    rbuf_put(c);
    wbuf_release(c);
    conn_unlink(c);
    cx__obs_conn(w->srv->opts.metrics, CX_OBS_HTTP1, -1);
    if (!defer) {
        free(c);
    } else {
        if (w->graveyard || cx_loop_defer(w->loop, bury, w) == CX_OK) {
            c->next = w->graveyard;
            w->graveyard = c;
        } else {
            free(c); /* no room to defer: nothing better to do */
        }
    }
    if (w->draining && w->nconns == 0) cx_loop_stop(w->loop);
}

static void conn_close(h1_conn *c) {
    if (c->closed) return;
    c->closed = true;
    c->want_close = true;
    if (c->cur) {
        /* A handler still runs on this connection: cut the socket now,
         * release the rest when the handler has finished. */
        shutdown(c->io.fd, SHUT_RDWR);
        if (c->waiter) cx_coro_wake(c->waiter, CX_ECLOSED);
        return;
    }
    conn_teardown(c, true);
}

static void accept_on(cx_worker *w, int lfd, bool redirect) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; /* EAGAIN, or EMFILE: the next readiness edge retries */
        }
        unsigned maxc = w->limits->max_connections;
        h1_conn *c = (maxc && w->nconns >= maxc) ? NULL : calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->w = w;
        c->io.data = c;
        c->redirect = redirect;
        c->tls_ready = redirect || !w->srv->tls;
        if (!c->tls_ready && !(c->tls = cx_tls_conn_new(w->srv->tls, fd))) {
            close(fd);
            free(c);
            continue;
        }
        cx_timer_init(&c->timer, on_timer, c);
        if (cx_io_start(w->loop, &c->io, fd, CX_READABLE | CX_WRITABLE, on_io) < 0) {
            cx_tls_conn_free(c->tls);
            close(fd);
            free(c);
            continue;
        }
        c->next = w->conns;
        if (w->conns) w->conns->prev = c;
        w->conns = c;
        w->nconns++;
        cx__obs_conn(w->srv->opts.metrics, CX_OBS_HTTP1, +1);
        atomic_fetch_add_explicit(&w->accepted, 1, memory_order_relaxed);
        /* The handshake has its own, usually shorter, deadline. */
        if (c->tls) conn_deadline(c, cx_tls_server_handshake_timeout(w->srv->tls));
        conn_read(c); /* with TCP_DEFER_ACCEPT the request is usually here */
        /* A new connection owes us a request: the head timeout applies. */
        if (!c->closed && c->tls_ready && c->phase == PH_IDLE && !c->cur && !c->rbuf)
            conn_deadline(c, w->limits->header_timeout_ms ? w->limits->header_timeout_ms
                                                          : w->limits->idle_timeout_ms);
    }
}

/* Give the socket (and its TLS session) to HTTP/2; this struct goes. */
static void conn_handoff(h1_conn *c, const char *data, size_t len, const cx_h2_upgrade *up) {
    cx_worker *w = c->w;
    int fd = c->io.fd;
    cx_tls_conn *tls = c->tls;
    cx_io_stop(w->loop, &c->io);
    cx_timer_stop(w->loop, &c->timer);
    c->io.fd = -1;
    c->tls = NULL;
    c->closed = true;
    conn_unlink(c);
    cx__obs_conn(w->srv->opts.metrics, CX_OBS_HTTP1, -1); /* h2 counts it from here */
    /* cx_h2_start copies data and up. */
    cx_h2_start(w, fd, tls, data, len, up);
    rbuf_put(c);
    wbuf_release(c);
    if (w->graveyard || cx_loop_defer(w->loop, bury, w) == CX_OK) {
        c->next = w->graveyard;
        w->graveyard = c;
    } else {
        free(c);
    }
}

void cx_h1_accept(cx_io *io, unsigned events) {
    (void)events;
    cx_worker *w = io->data;
    accept_on(w, w->listen_fd, false);
}

void cx_h1_accept_redirect(cx_io *io, unsigned events) {
    (void)events;
    cx_worker *w = io->data;
    accept_on(w, w->redirect_fd, true);
}

cx_tls_conn *cx_h1_req_tls(cx_req *req) {
    return req->t == &cx_h1_transport ? ((h1_conn *)req->conn)->tls : NULL;
}

/* Stop taking new work: idle connections close now, busy ones after their
 * current response. */
void cx_h1_drain(cx_worker *w) {
    w->draining = true;
    for (h1_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        c->want_close = true;
        if (!c->cur && !pending(c)) conn_close(c);
    }
    if (w->nconns == 0) cx_loop_stop(w->loop);
}

/* The loop has stopped for good: suspended handlers will never resume, so
 * their connections are released without them. */
void cx_h1_close_all(cx_worker *w) {
    while (w->conns) {
        h1_conn *c = w->conns;
        if (c->cur) cx_exchange_put(w, c->cur);
        c->cur = NULL;
        conn_teardown(c, false);
    }
    bury(w);
}
