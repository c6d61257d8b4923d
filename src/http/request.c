/* cx_req: accessors over what the transport parsed, and body reading through
 * the transport's table. Lookups are linear scans: a request has a handful of
 * headers, and a scan over a contiguous array beats any index built per
 * request. */
#include "message.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <stdio.h>
#include <string.h>

void cx_req_reset(cx_req *req, const cx_transport *t, void *conn, cx_arena *arena) {
    memset(req, 0, sizeof *req);
    req->t = t;
    req->conn = conn;
    req->arena = arena;
    req->content_length = -1;
}

cx_method cx_req_method(const cx_req *req) {
    return req->method;
}

cx_str cx_req_method_str(const cx_req *req) {
    return req->method_str;
}

cx_str cx_req_target(const cx_req *req) {
    return req->target;
}

int cx_req_path_checked(cx_req *req, cx_str *out) {
    if (!req->path_decoded) {
        req->path_decoded = true;
        req->path = req->path_raw;
        if (memchr(req->path_raw.ptr, '%', req->path_raw.len)) {
            char *dst = cx_arena_alloc(req->arena, req->path_raw.len + 1);
            ssize_t n = dst ? cx_url_decode(dst, req->path_raw, false) : CX_ENOMEM;
            if (n < 0) {
                req->path_bad = true;
            } else {
                dst[n] = '\0';
                req->path = (cx_str){dst, (size_t)n};
            }
        }
    }
    *out = req->path;
    return req->path_bad ? CX_EPARSE : CX_OK;
}

cx_str cx_req_path(const cx_req *req) {
    cx_str p;
    cx_req_path_checked((cx_req *)req, &p); /* caches; logically const */
    return p;
}

cx_str cx_req_query_string(const cx_req *req) {
    return req->query;
}

int cx_req_version(const cx_req *req) {
    return req->version;
}

static int find_field(const cx_h1_header *h, unsigned n, const char *name, cx_str *out) {
    cx_str want = cx_str_from(name);
    for (unsigned i = 0; i < n; i++) {
        if (cx_str_ieq(h[i].name, want)) {
            *out = h[i].value;
            return CX_OK;
        }
    }
    return CX_ENOTFOUND;
}

int cx_req_header(const cx_req *req, const char *name, cx_str *out) {
    return find_field(req->headers, req->num_headers, name, out);
}

size_t cx_req_header_count(const cx_req *req) {
    return req->num_headers;
}

int cx_req_header_at(const cx_req *req, size_t i, cx_str *name, cx_str *value) {
    if (i >= req->num_headers) return CX_ERANGE;
    *name = req->headers[i].name;
    *value = req->headers[i].value;
    return CX_OK;
}

int cx_req_query(const cx_req *req, const char *name, cx_str *out) {
    cx_str raw;
    int rc = cx_query_find(req->query, cx_str_from(name), &raw);
    if (rc) return rc;
    char *dst = cx_arena_alloc(req->arena, raw.len + 1);
    if (!dst) return CX_ENOMEM;
    ssize_t n = cx_url_decode(dst, raw, true);
    if (n < 0) return (int)n;
    dst[n] = '\0';
    *out = (cx_str){dst, (size_t)n};
    return CX_OK;
}

int cx_req_cookie(const cx_req *req, const char *name, cx_str *out) {
    cx_str want = cx_str_from(name);
    for (unsigned i = 0; i < req->num_headers; i++) {
        if (cx_str_ieq(req->headers[i].name, CX_STR("cookie")) &&
            cx_cookie_find(req->headers[i].value, want, out) == CX_OK)
            return CX_OK;
    }
    return CX_ENOTFOUND;
}

int cx_req_trailer(const cx_req *req, const char *name, cx_str *out) {
    cx_req *r = (cx_req *)req; /* parsing on first use is a cache fill */
    if (!r->trailers_parsed) {
        r->trailers_parsed = true;
        if (r->trailers_raw && r->trailers_raw->len) {
            unsigned max = 64;
            r->trailers = cx_arena_alloc(r->arena, max * sizeof *r->trailers);
            if (!r->trailers || cx_h1_parse_fields(r->trailers_raw->data, r->trailers_raw->len,
                                                   r->trailers, max, &r->num_trailers) < 0)
                r->num_trailers = 0;
        }
    }
    return find_field(r->trailers, r->num_trailers, name, out);
}

int64_t cx_req_content_length(const cx_req *req) {
    return req->chunked ? -1 : req->content_length;
}

ssize_t cx_req_read(cx_req *req, void *buf, size_t cap) {
    if (req->body_done) return 0;
    /* A declared length over the limit fails before a byte is read (and
     * before "100 Continue" could invite the client to send it). */
    if (req->content_length > (int64_t)req->max_body) return CX_ELIMIT;
    req->body_started = true;
    if (cap == 0) return CX_EINVAL;
    ssize_t n = req->t->read(req, buf, cap);
    if (n == 0) req->body_done = true;
    if (n > 0) {
        req->body_read += (size_t)n;
        if (req->body_read > req->max_body) return CX_ELIMIT;
    }
    return n;
}

int cx_req_body(cx_req *req, cx_str *out) {
    if (req->body.ptr || (req->body_done && !req->body_started)) {
        *out = req->body;
        return CX_OK;
    }
    if (req->body_started) return CX_ESTATE;
    if (req->content_length > (int64_t)req->max_body) return CX_ELIMIT;

    /* Known length: one exact allocation. Chunked: grow by doubling. */
    size_t cap = req->content_length >= 0 ? (size_t)req->content_length : 4096;
    size_t len = 0;
    char *data = cx_arena_alloc(req->arena, cap + 1);
    if (!data) return CX_ENOMEM;
    for (;;) {
        if (len == cap) {
            if (req->content_length >= 0) break;
            if (cap >= req->max_body) return CX_ELIMIT;
            size_t ncap = cap * 2 > req->max_body ? req->max_body + 1 : cap * 2;
            char *nd = cx_arena_alloc(req->arena, ncap + 1);
            if (!nd) return CX_ENOMEM;
            memcpy(nd, data, len);
            data = nd;
            cap = ncap;
        }
        ssize_t n = cx_req_read(req, data + len, cap - len);
        if (n < 0) return (int)n;
        if (n == 0) break;
        len += (size_t)n;
    }
    data[len] = '\0';
    req->body = (cx_str){data, len};
    req->body_done = true;
    *out = req->body;
    return CX_OK;
}

cx_str cx_req_peer(const cx_req *req) {
    char buf[64];
    int n = req->t->peer ? req->t->peer((cx_req *)req, buf, sizeof buf) : -1;
    if (n <= 0) return CX_STR("");
    char *p = cx_arena_strndup(req->arena, buf, (size_t)n);
    return p ? (cx_str){p, (size_t)n} : CX_STR("");
}
