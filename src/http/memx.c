/* cx_memx: a request parsed from memory, a response captured in memory.
 * The transport table here never waits, so handlers run on the caller's
 * stack; everything else is the server's own code path (parser, cx_req,
 * cx_res, error answers). */
#include "memx.h"
#include "ctx.h"
#include "message.h"
#include <cortex/error.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEMX_MAX_HEADERS 100

struct cx_memx {
    char *raw;
    cx_arena *arena;
    cx_h1_request h1;
    cx_h1_header headers[MEMX_MAX_HEADERS];
    cx_req req;
    cx_res res;
    cx_ctx ctx;
    cx_buf body_in; /* decoded request body */
    size_t body_pos;
    cx_buf trailers;
    cx_buf out; /* streamed body */
    const char *file_note;
};

static ssize_t mem_read(cx_req *req, void *buf, size_t cap) {
    cx_memx *m = req->conn;
    size_t n = m->body_in.len - m->body_pos;
    if (n > cap) n = cap;
    if (n) memcpy(buf, m->body_in.data + m->body_pos, n);
    m->body_pos += n;
    return (ssize_t)n;
}

static int mem_write(cx_res *res, const void *data, size_t len) {
    cx_memx *m = res->conn;
    res->headers_sent = true;
    if (res->head_only) return CX_OK;
    return cx_buf_append(&m->out, data, len);
}

static int mem_end(cx_res *res) {
    (void)res;
    return CX_OK;
}

static int mem_sendfile(cx_res *res, int fd, off_t off, size_t len) {
    cx_memx *m = res->conn;
    res->headers_sent = true;
    if (res->head_only) return CX_OK;
    int rc = cx_buf_reserve(&m->out, len);
    if (rc) return rc;
    while (len) {
        ssize_t n = pread(fd, m->out.data + m->out.len, len, off);
        if (n <= 0) return n == 0 ? CX_EIO : -errno;
        m->out.len += (size_t)n;
        off += n;
        len -= (size_t)n;
    }
    return CX_OK;
}

static int mem_peer(cx_req *req, char *buf, size_t cap) {
    (void)req;
    size_t n = strlen("127.0.0.1:0");
    if (cap <= n) return CX_ERANGE;
    memcpy(buf, "127.0.0.1:0", n + 1);
    return (int)n;
}

static const cx_transport mem_transport = {mem_read, mem_write, mem_end, mem_sendfile, mem_peer};

static int decode_body(cx_memx *m, const char *p, size_t len) {
    if (!m->h1.chunked) {
        size_t want = m->h1.content_length > 0 ? (size_t)m->h1.content_length : 0;
        if (want > len) return CX_EPARSE;
        return cx_buf_append(&m->body_in, p, want);
    }
    cx_h1_chunked d;
    cx_h1_chunked_init(&d);
    d.trailers = &m->trailers;
    int rc = cx_buf_append(&m->body_in, p, len);
    if (rc) return rc;
    size_t dlen = len;
    ssize_t used = cx_h1_chunked_decode(&d, m->body_in.data, &dlen);
    if (used < 0 || !d.done) return CX_EPARSE;
    m->body_in.len = dlen;
    return CX_OK;
}

cx_memx *cx_memx_new(const char *raw, size_t len, int *err, int *status_out) {
    cx_memx *m = calloc(1, sizeof *m);
    int rc = CX_ENOMEM;
    if (!m || !(m->raw = malloc(len + 1)) || !(m->arena = cx_arena_new(0, 0))) goto fail;
    memcpy(m->raw, raw, len);
    m->raw[len] = '\0';
    cx_h1_limits lim = {8192, 32768, MEMX_MAX_HEADERS};
    size_t scanned = 0;
    m->h1.headers = m->headers;
    rc = cx_h1_parse_request(m->raw, len, &scanned, &m->h1, &lim);
    if (rc < 0) {
        if (status_out) *status_out = m->h1.error_status ? m->h1.error_status : 400;
        rc = CX_EPARSE;
        goto fail;
    }
    if ((rc = decode_body(m, m->raw + rc, len - (size_t)rc))) goto fail;

    cx_req *r = &m->req;
    cx_req_reset(r, &mem_transport, m, m->arena);
    r->method = m->h1.method;
    r->method_str = m->h1.method_str;
    r->target = m->h1.target;
    r->path_raw = m->h1.path;
    r->query = m->h1.query;
    r->version = m->h1.version;
    r->headers = m->h1.headers;
    r->num_headers = m->h1.num_headers;
    r->content_length = m->h1.content_length;
    r->chunked = m->h1.chunked;
    r->max_body = 64u << 20;
    r->trailers_raw = &m->trailers;
    cx_res_reset(&m->res, &mem_transport, m, m->arena);
    m->res.head_only = r->method == CX_METHOD_HEAD;
    cx_ctx_init(&m->ctx, &m->req, &m->res, m->arena); /* tests may look before running */
    return m;
fail:
    if (err) *err = rc;
    cx_memx_free(m);
    return NULL;
}

int cx_memx_run(cx_memx *m, cx_handler_fn fn, void *data) {
    cx_mw root = {fn, data};
    cx_ctx_init(&m->ctx, &m->req, &m->res, m->arena);
    m->ctx.chain = &root;
    m->ctx.chain_len = 1;
    m->ctx.chain_pos = 0;
    int rc = cx_ctx_run_guarded(&m->ctx);
    cx_answer_error(&m->ctx, rc);
    if (m->res.streaming && !m->res.ended) cx_res_end(&m->res);
    m->ctx.chain = NULL;
    return rc;
}

cx_ctx *cx_memx_ctx(cx_memx *m) {
    return &m->ctx;
}

int cx_memx_status(const cx_memx *m) {
    return m->res.status;
}

const char *cx_memx_header(cx_memx *m, const char *name) {
    for (unsigned i = 0; i < m->res.num_headers; i++)
        if (cx_str_ieq(m->res.headers[i].name, cx_str_from(name)))
            return m->res.headers[i].value.ptr; /* NUL-terminated arena copy */
    return NULL;
}

cx_str cx_memx_body(const cx_memx *m) {
    if (m->res.head_only) return (cx_str){"", 0};
    if (m->res.headers_sent) return (cx_str){m->out.data ? m->out.data : "", m->out.len};
    return (cx_str){m->res.body.data ? m->res.body.data : "", m->res.body.len};
}

void cx_memx_free(cx_memx *m) {
    if (!m) return;
    free(m->raw);
    cx_arena_free(m->arena);
    cx_buf_free(&m->res.body);
    cx_buf_free(&m->body_in);
    cx_buf_free(&m->trailers);
    cx_buf_free(&m->out);
    free(m);
}
