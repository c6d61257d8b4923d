/* Fetch responses: the final response's headers, kept as one block of bytes
 * plus an index of (offset, length) pairs, and the JSON helper. Headers of
 * interim responses (100 Continue) and of followed redirects are dropped:
 * every status line starts the block over. */
#include "fetch/fetch_int.h"
#include <cortex/error.h>
#include <string.h>

typedef struct hdr_ref {
    uint32_t name_off, name_len, value_off, value_len;
} hdr_ref;

static bool is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

size_t cx_fetch__header_line(fetch_xfer *x, const char *line, size_t len) {
    cx_fetch_response *res = x->res;
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        cx_buf_reset(&res->head_);
        cx_buf_reset(&res->index_);
        return len;
    }
    /* Folded continuation lines are obsolete (RFC 9112 §5.2): ignored. */
    if (len == 0 || line[0] == ' ' || line[0] == '\t') return len;
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line) {
        /* The blank line ends a head; tell a stream once it is the final one. */
        if (x->stream && (len == 2 || len == 1) && (line[0] == '\r' || line[0] == '\n'))
            cx_fetch__stream_head_done(x);
        return len; /* or junk curl let by */
    }
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + len;
    while (v < end && is_space(*v)) v++;
    while (end > v && is_space(end[-1])) end--;
    size_t vlen = (size_t)(end - v);
    if (res->head_.len + nlen + vlen > x->max_head) {
        x->too_large = true;
        return 0; /* curl fails the transfer with a write error */
    }
    hdr_ref ref = {(uint32_t)res->head_.len, (uint32_t)nlen, (uint32_t)(res->head_.len + nlen),
                   (uint32_t)vlen};
    if (cx_buf_append(&res->head_, line, nlen) || cx_buf_append(&res->head_, v, vlen) ||
        cx_buf_append(&res->index_, &ref, sizeof ref)) {
        x->abort_code = CX_ENOMEM;
        return 0;
    }
    return len;
}

void cx_fetch_response_free(cx_fetch_response *res) {
    if (!res) return;
    cx_buf_free(&res->body);
    cx_buf_free(&res->head_);
    cx_buf_free(&res->index_);
    *res = (cx_fetch_response){0};
}

size_t cx_fetch_response_header_count(const cx_fetch_response *res) {
    return res ? res->index_.len / sizeof(hdr_ref) : 0;
}

int cx_fetch_response_header_at(const cx_fetch_response *res, size_t i, cx_str *name,
                                cx_str *value) {
    if (i >= cx_fetch_response_header_count(res)) return CX_ERANGE;
    hdr_ref ref;
    memcpy(&ref, res->index_.data + i * sizeof ref, sizeof ref);
    if (name) *name = (cx_str){res->head_.data + ref.name_off, ref.name_len};
    if (value) *value = (cx_str){res->head_.data + ref.value_off, ref.value_len};
    return CX_OK;
}

int cx_fetch_response_header(const cx_fetch_response *res, const char *name, cx_str *out) {
    if (!res || !name) return CX_EINVAL;
    cx_str want = cx_str_from(name);
    size_t n = cx_fetch_response_header_count(res);
    for (size_t i = 0; i < n; i++) {
        cx_str k, v;
        cx_fetch_response_header_at(res, i, &k, &v);
        if (cx_str_ieq(k, want)) {
            if (out) *out = v;
            return CX_OK;
        }
    }
    return CX_ENOTFOUND;
}

int cx_fetch_response_json(const cx_fetch_response *res, cx_arena *arena,
                           const cx_json_options *opt, const cx_json **out, cx_json_error *err) {
    if (!res || !arena || !out) return CX_EINVAL;
    return cx_json_parse(arena, res->body.data ? res->body.data : "", res->body.len, opt, out, err);
}
