/* Fuzz the HTTP/1.1 parser: the head parser fed whole and in random pieces
 * must agree; the rest of the input goes through the chunked decoder, whole
 * and in random pieces, which must agree too; trailers the decoder accepted
 * must parse as fields. The URL helpers run on whatever the head gave.
 *
 * The first input byte picks the limits (small ones reach the limit paths);
 * the rest is the message. Every parse gets an exact-size heap copy, so ASan
 * sees any read past the end. */
#include "http/h1.h"
#include <cortex/error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXH 32

static void fail(const char *what) {
    fprintf(stderr, "fuzz_h1: %s\n", what);
    abort();
}

static uint32_t rng_next(uint32_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint32_t hash(const uint8_t *d, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 16777619u;
    return h ? h : 1;
}

static char *copy(const uint8_t *d, size_t n) {
    char *p = malloc(n ? n : 1);
    if (!p) abort();
    if (n) memcpy(p, d, n);
    return p;
}

/* ---- head --------------------------------------------------------------- */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Equal bytes at equal offsets in their buffers; a slice outside its buffer
 * (the static "/" of an empty absolute path) must be the very same pointer. */
static bool same_slice(cx_str a, span ba, cx_str b, span bb) {
    if (a.len != b.len) return false;
    if (a.len == 0) return true;
    if (memcmp(a.ptr, b.ptr, a.len)) return false;
    bool ina = a.ptr >= ba.p && a.ptr <= ba.p + ba.n, inb = b.ptr >= bb.p && b.ptr <= bb.p + bb.n;
    return ina == inb && (ina ? a.ptr - ba.p == b.ptr - bb.p : a.ptr == b.ptr);
}

static bool same_request(const cx_h1_request *a, span ba, const cx_h1_request *b, span bb) {
    if (a->method != b->method || a->version != b->version || a->num_headers != b->num_headers ||
        a->content_length != b->content_length || a->chunked != b->chunked ||
        a->keep_alive != b->keep_alive || a->expect_continue != b->expect_continue ||
        a->upgrade != b->upgrade)
        return false;
    if (!same_slice(a->method_str, ba, b->method_str, bb) ||
        !same_slice(a->target, ba, b->target, bb) || !same_slice(a->path, ba, b->path, bb) ||
        !same_slice(a->query, ba, b->query, bb) ||
        !same_slice(a->authority, ba, b->authority, bb) || !same_slice(a->host, ba, b->host, bb))
        return false;
    for (unsigned i = 0; i < a->num_headers; i++)
        if (!same_slice(a->headers[i].name, ba, b->headers[i].name, bb) ||
            !same_slice(a->headers[i].value, ba, b->headers[i].value, bb))
            return false;
    return true;
}

/* Checks that hold for any successful parse. */
static void check_request(const cx_h1_request *r, const char *buf, int rc, size_t n,
                          const cx_h1_limits *lim) {
    if ((size_t)rc > n || (size_t)rc > lim->max_header_bytes) fail("head length out of range");
    if (rc < 4 || memcmp(buf + rc - 4, "\r\n\r\n", 4)) fail("head does not end in CRLFCRLF");
    if (r->version != 10 && r->version != 11) fail("version");
    if (r->num_headers > lim->max_headers) fail("too many headers accepted");
    if (r->chunked && r->content_length != -1) fail("chunked with a length");
    if (r->content_length < -1 || r->content_length > CX_H1_MAX_CONTENT_LENGTH) fail("length");
    if (r->version == 11 && r->host.ptr == NULL) fail("1.1 without host");
    if (r->method_str.len == 0 || r->target.len == 0) fail("empty method or target");
    for (size_t i = 0; i < r->target.len; i++) {
        unsigned char c = (unsigned char)r->target.ptr[i];
        if (c <= ' ' || c >= 0x7f || c == '#') fail("bad target byte accepted");
    }
    for (unsigned i = 0; i < r->num_headers; i++) {
        cx_str v = r->headers[i].value;
        if (r->headers[i].name.len == 0) fail("empty header name");
        for (size_t k = 0; k < v.len; k++)
            if (v.ptr[k] == '\r' || v.ptr[k] == '\n' || v.ptr[k] == 0) fail("CR/LF/NUL in value");
        if (v.len && (v.ptr[0] == ' ' || v.ptr[v.len - 1] == ' ')) fail("untrimmed value");
    }
}

/* Feed prefixes of random lengths; stop at the first non-EAGAIN. *early is
 * set when the result came before the whole input was given. */
static int parse_pieces(const uint8_t *d, size_t n, uint32_t *seed, bool bytewise, cx_h1_request *r,
                        cx_h1_header *hs, char **buf, bool *early, const cx_h1_limits *lim) {
    size_t scanned = 0, have = 0;
    int rc = CX_EAGAIN;
    *buf = NULL;
    *early = false;
    if (n == 0) {
        *buf = copy(d, 0);
        r->headers = hs;
        return cx_h1_parse_request(*buf, 0, &scanned, r, lim);
    }
    while (have < n) {
        have += bytewise ? 1 : 1 + rng_next(seed) % 64;
        if (have > n) have = n;
        free(*buf);
        *buf = copy(d, have);
        r->headers = hs;
        rc = cx_h1_parse_request(*buf, have, &scanned, r, lim);
        if (scanned > have) fail("scanned past len");
        if (rc != CX_EAGAIN) break;
    }
    *early = have < n;
    return rc;
}

static int fuzz_head(const uint8_t *d, size_t n, const cx_h1_limits *lim, uint32_t seed,
                     cx_h1_request *whole, cx_h1_header *wh, char **wbuf) {
    size_t scanned = 0;
    *wbuf = copy(d, n);
    whole->headers = wh;
    int rc = cx_h1_parse_request(*wbuf, n, &scanned, whole, lim);
    if (rc == CX_EPARSE && (!whole->error || whole->error_status < 400)) fail("error w/o reason");
    if (rc > 0) check_request(whole, *wbuf, rc, n, lim);
    if (rc <= 0 && rc != CX_EAGAIN && rc != CX_EPARSE) fail("unexpected return code");

    for (int pass = 0; pass < 2; pass++) {
        bool bytewise = pass == 1;
        if (bytewise && n > 256) break;
        cx_h1_request r;
        cx_h1_header hs[MAXH];
        char *buf;
        bool early;
        int ri = parse_pieces(d, n, &seed, bytewise, &r, hs, &buf, &early, lim);
        if (rc > 0 && (ri != rc || !same_request(whole, (span){*wbuf, n}, &r, (span){buf, n})))
            fail("split parse differs from whole parse (success)");
        if (rc <= 0 && ri != rc) fail("split parse differs from whole parse (error/incomplete)");
        if (rc == CX_EPARSE && !early && r.error_status != whole->error_status)
            fail("split parse gave another status");
        free(buf);
    }
    return rc;
}

/* ---- chunked ------------------------------------------------------------ */

typedef struct dec {
    ssize_t rc; /* negative error or 0 */
    size_t consumed;
    bool done;
    cx_buf data, trailers;
} dec;

static void dec_free(dec *x) {
    cx_buf_free(&x->data);
    cx_buf_free(&x->trailers);
}

static void decode(const uint8_t *d, size_t n, uint32_t *seed, bool small, bool split, dec *out) {
    cx_h1_chunked ch;
    cx_h1_chunked_init(&ch);
    ch.trailers = &out->trailers;
    if (small) {
        ch.max_line = 24;
        ch.max_trailer_bytes = 64;
    }
    size_t from = 0;
    while (from < n && !ch.done) {
        size_t take = split ? 1 + rng_next(seed) % 48 : n - from;
        if (take > n - from) take = n - from;
        char *piece = copy(d + from, take);
        size_t len = take;
        ssize_t used = cx_h1_chunked_decode(&ch, piece, &len);
        if (used < 0) {
            out->rc = used;
            free(piece);
            return;
        }
        if ((size_t)used > take || len > take) fail("decoder overran");
        if ((size_t)used < take && !ch.done) fail("decoder stopped early");
        cx_buf_append(&out->data, piece, len);
        free(piece);
        out->consumed += (size_t)used;
        from += take;
    }
    out->done = ch.done;
}

static void fuzz_chunked(const uint8_t *d, size_t n, uint32_t seed, bool small) {
    dec a = {0}, b = {0};
    decode(d, n, &seed, small, false, &a);
    decode(d, n, &seed, small, true, &b);
    if (a.rc != b.rc) fail("chunked: split result differs");
    if (a.rc == 0) {
        if (a.done != b.done || a.consumed != b.consumed) fail("chunked: framing differs");
        if (a.data.len != b.data.len ||
            (a.data.len && memcmp(a.data.data, b.data.data, a.data.len)))
            fail("chunked: data differs");
        if (a.trailers.len != b.trailers.len ||
            (a.trailers.len && memcmp(a.trailers.data, b.trailers.data, a.trailers.len)))
            fail("chunked: trailers differ");
        if (a.data.len > n) fail("chunked: more data than input");
        if (a.done) {
            cx_h1_header f[8];
            unsigned nf;
            int rc = cx_h1_parse_fields(a.trailers.data, a.trailers.len, f, 8, &nf);
            if (rc != 0 && rc != CX_ELIMIT) fail("accepted trailers do not parse");
        }
    }
    dec_free(&a);
    dec_free(&b);
}

/* ---- helpers on what the head gave --------------------------------------- */

static void fuzz_helpers(const cx_h1_request *r) {
    cx_str parts[3] = {r->path, r->query, r->target};
    for (int i = 0; i < 3; i++) {
        char *dst = malloc(parts[i].len + 1);
        ssize_t k = cx_url_decode(dst, parts[i], i == 1);
        if (k > (ssize_t)parts[i].len) fail("url_decode grew");
        if (k >= 0 && memchr(dst, 0, (size_t)k)) fail("url_decode let NUL through");
        free(dst);
    }
    cx_str v;
    static const char *names[] = {"a", "q", "id", "x y", ""};
    for (int i = 0; i < 5; i++) {
        if (cx_query_find(r->query, cx_str_from(names[i]), &v) == 0 &&
            (v.ptr < r->query.ptr || v.ptr + v.len > r->query.ptr + r->query.len))
            fail("query value outside the query");
    }
    for (unsigned h = 0; h < r->num_headers; h++) {
        cx_str hv = r->headers[h].value;
        for (int i = 0; i < 5; i++)
            if (cx_cookie_find(hv, cx_str_from(names[i]), &v) == 0 &&
                (v.ptr < hv.ptr || v.ptr + v.len > hv.ptr + hv.len))
                fail("cookie value outside the header");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    cx_h1_limits lim;
    cx_h1_limits_default(&lim);
    lim.max_headers = MAXH;
    if (mode & 1) {
        lim.max_request_line = 64;
        lim.max_header_bytes = 256;
        lim.max_headers = 6;
    }
    uint32_t seed = hash(data, size) ^ mode;

    cx_h1_request req;
    cx_h1_header hs[MAXH];
    char *buf;
    int rc = fuzz_head(data, size, &lim, seed, &req, hs, &buf);
    if (rc > 0) {
        fuzz_helpers(&req);
        fuzz_chunked(data + rc, size - (size_t)rc, seed, mode & 2);
    } else {
        fuzz_chunked(data, size, seed, mode & 2);
    }
    free(buf);

    char *whole = copy(data, size);
    cx_h1_header f[8];
    unsigned nf;
    int frc = cx_h1_parse_fields(whole, size, f, 8, &nf);
    if (frc != 0 && frc != CX_EPARSE && frc != CX_ELIMIT) fail("parse_fields return code");
    free(whole);
    return 0;
}
