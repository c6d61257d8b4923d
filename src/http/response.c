/* cx_res: the response a handler builds. Headers are copied into the request
 * arena as they are added; the body accumulates in a buffer the transport
 * keeps from one request to the next, so a warm connection answers without
 * calling malloc. Streaming and sendfile hand over to the transport. */
#include "message.h"
#include <cortex/error.h>
#include <string.h>

void cx_res_reset(cx_res *res, const cx_transport *t, void *conn, cx_arena *arena) {
    cx_buf body = res->body;
    memset(res, 0, sizeof *res);
    res->body = body;
    cx_buf_reset(&res->body);
    res->t = t;
    res->conn = conn;
    res->arena = arena;
    res->status = 200;
    res->fixed_length = -1;
}

void cx_res_clear(cx_res *res) {
    res->status = 200;
    res->num_headers = 0;
    res->num_trailers = 0;
    res->has_content_type = false;
    res->fixed_length = -1;
    cx_buf_reset(&res->body);
}

void cx_res_status(cx_res *res, int status) {
    if (!res->headers_sent && status >= 100 && status <= 999) res->status = status;
}

int cx_res_get_status(const cx_res *res) {
    return res->status;
}

/* Field names are tokens; values may hold any visible byte, obs-text, SP
 * and HTAB. The parser's character table is the one definition of both. */
static bool valid_name(cx_str s) {
    if (s.len == 0) return false;
    for (size_t i = 0; i < s.len; i++)
        if (!(cx_h1_cc[(unsigned char)s.ptr[i]] & CX_H1_C_TOKEN)) return false;
    return true;
}

static bool valid_value(cx_str s) {
    for (size_t i = 0; i < s.len; i++)
        if (!(cx_h1_cc[(unsigned char)s.ptr[i]] & CX_H1_C_VALUE)) return false;
    return true;
}

/* Headers whose value the transport computes; a handler setting them would
 * desynchronise the framing. Switching on the length first leaves at most
 * one comparison for any name. */
static bool reserved(cx_str name) {
    switch (name.len) {
    case 4:
        return cx_str_ieq(name, CX_STR("date"));
    case 10:
        return cx_str_ieq(name, CX_STR("connection"));
    case 14:
        return cx_str_ieq(name, CX_STR("content-length"));
    case 17:
        return cx_str_ieq(name, CX_STR("transfer-encoding"));
    default:
        return false;
    }
}

/* Double a field array in the arena (the old one stays there, unused). */
static int grow_fields(cx_arena *a, cx_res_header_kv **arr, unsigned n, unsigned *cap) {
    unsigned ncap = *cap ? *cap * 2 : 8;
    if (ncap > 1024) return CX_ELIMIT;
    cx_res_header_kv *na = cx_arena_alloc(a, ncap * sizeof *na);
    if (!na) return CX_ENOMEM;
    if (n) memcpy(na, *arr, n * sizeof *na);
    *arr = na;
    *cap = ncap;
    return CX_OK;
}

static int push_field(cx_arena *a, cx_res_header_kv **arr, unsigned *n, unsigned *cap, cx_str name,
                      cx_str value) {
    if (*n == *cap) {
        int rc = grow_fields(a, arr, *n, cap);
        if (rc) return rc;
    }
    char *nm = cx_arena_strndup(a, name.ptr, name.len);
    char *vl = cx_arena_strndup(a, value.ptr, value.len);
    if (!nm || !vl) return CX_ENOMEM;
    (*arr)[(*n)++] = (cx_res_header_kv){{nm, name.len}, {vl, value.len}};
    return CX_OK;
}

/* Set Content-Type to an already validated value, replacing an earlier one.
 * The name is a constant, so only the value is copied: this is the path
 * every simple response takes. */
static int put_content_type(cx_res *res, cx_str value) {
    char *vl = cx_arena_strndup(res->arena, value.ptr, value.len);
    if (!vl) return CX_ENOMEM;
    if (res->has_content_type) {
        for (unsigned i = 0; i < res->num_headers; i++)
            if (cx_str_ieq(res->headers[i].name, CX_STR("content-type"))) {
                res->headers[i].value = (cx_str){vl, value.len};
                return CX_OK;
            }
    }
    if (res->num_headers == res->cap_headers) {
        int rc = grow_fields(res->arena, &res->headers, res->num_headers, &res->cap_headers);
        if (rc) return rc;
    }
    res->headers[res->num_headers++] = (cx_res_header_kv){CX_STR("Content-Type"), {vl, value.len}};
    res->has_content_type = true;
    return CX_OK;
}

/* Content-Type from cx_res_send and cx_res_sendfile. */
static int set_content_type(cx_res *res, const char *type) {
    cx_str value = cx_str_from(type);
    return valid_value(value) ? put_content_type(res, value) : CX_EINVAL;
}

int cx_res_header_n(cx_res *res, cx_str name, cx_str value) {
    if (!valid_name(name) || !valid_value(value)) return CX_EINVAL;
    if (res->headers_sent) return CX_ESTATE;
    /* Content-Type is the header handlers set most: test it first. */
    if (name.len == 12 && cx_str_ieq(name, CX_STR("content-type")))
        return put_content_type(res, value);
    if (name.len == 14 && cx_str_ieq(name, CX_STR("content-length"))) {
        /* Allowed only as a promise for a streamed body. */
        int64_t v = 0;
        if (value.len == 0 || value.len > 18) return CX_EINVAL;
        for (size_t i = 0; i < value.len; i++) {
            if (value.ptr[i] < '0' || value.ptr[i] > '9') return CX_EINVAL;
            v = v * 10 + (value.ptr[i] - '0');
        }
        res->fixed_length = v;
        return CX_OK;
    }
    if (reserved(name)) return CX_EINVAL;
    return push_field(res->arena, &res->headers, &res->num_headers, &res->cap_headers, name, value);
}

int cx_res_header(cx_res *res, const char *name, const char *value) {
    if (!name || !value) return CX_EINVAL;
    return cx_res_header_n(res, cx_str_from(name), cx_str_from(value));
}

cx_buf *cx_res_body(cx_res *res) {
    return &res->body;
}

int cx_res_send(cx_res *res, const char *content_type, const void *body, size_t len) {
    if (res->headers_sent) return CX_ESTATE;
    if (content_type) {
        int rc = set_content_type(res, content_type);
        if (rc) return rc;
    }
    cx_buf_reset(&res->body);
    return cx_buf_append(&res->body, body, len);
}

int cx_res_write(cx_res *res, const void *data, size_t len) {
    if (res->ended) return CX_ESTATE;
    res->streaming = true;
    return res->t->write(res, data, len);
}

int cx_res_trailer(cx_res *res, const char *name, const char *value) {
    if (!name || !value) return CX_EINVAL;
    cx_str n = cx_str_from(name), v = cx_str_from(value);
    if (!valid_name(n) || !valid_value(v) || reserved(n)) return CX_EINVAL;
    if (res->ended) return CX_ESTATE;
    return push_field(res->arena, &res->trailers, &res->num_trailers, &res->cap_trailers, n, v);
}

int cx_res_end(cx_res *res) {
    if (res->ended) return CX_OK;
    if (!res->streaming) {
        /* Nothing streamed yet: end means "send what is in the body". */
        res->streaming = true;
        int rc = res->t->write(res, res->body.data, res->body.len);
        cx_buf_reset(&res->body);
        if (rc) return rc;
    }
    res->ended = true;
    return res->t->end(res);
}

int cx_res_sendfile(cx_res *res, const char *content_type, int fd, off_t offset, size_t len) {
    if (res->headers_sent || res->streaming) return CX_ESTATE;
    if (fd < 0 || offset < 0) return CX_EINVAL;
    if (content_type) {
        int rc = set_content_type(res, content_type);
        if (rc) return rc;
    }
    res->sendfile_used = true;
    res->ended = true;
    return res->t->sendfile(res, fd, offset, len);
}

bool cx_res_headers_sent(const cx_res *res) {
    return res->headers_sent;
}
