/* HTTP/1.1 request heads: find the end, then parse once.
 *
 * Finding the end is a memchr for '\n' over the bytes not yet scanned; each
 * '\n' must follow a '\r' (a bare LF fails at once, so an LF-only client is
 * refused instead of waiting for a CRLFCRLF that never comes). Parsing then
 * walks the head once with table lookups; every loop stops at the CR that
 * ends its line, so the scans need no bounds checks of their own. Header
 * values, the bulk of a head, are checked eight bytes at a time.
 */
#include "h1.h"
#include <cortex/error.h>
#include <string.h>

const uint8_t cx_h1_cc[256] = {
    /* generated: TOKEN 01, VALUE 02, TARGET 04, HOST 08, HEX 10, QDTEXT 20, DIGIT 40 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x22, 0x2f, 0x02, 0x23, 0x2f, 0x23, 0x2f, 0x2f, 0x2e, 0x2e, 0x2f, 0x2f, 0x2e, 0x2f, 0x2f, 0x26,
    0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x26, 0x2e, 0x22, 0x2e, 0x22, 0x26,
    0x26, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x26, 0x06, 0x26, 0x27, 0x2f,
    0x27, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f,
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x26, 0x27, 0x26, 0x2f, 0x00,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
};

#define CC(c)     (cx_h1_cc[(unsigned char)(c)])
#define IS(c, cl) ((CC(c) & (cl)) != 0)
#define OWS(c)    ((c) == ' ' || (c) == '\t')

void cx_h1_limits_default(cx_h1_limits *l) {
    l->max_request_line = CX_H1_DEFAULT_MAX_REQUEST_LINE;
    l->max_header_bytes = CX_H1_DEFAULT_MAX_HEADER_BYTES;
    l->max_headers = CX_H1_DEFAULT_MAX_HEADERS;
}

static int fail(cx_h1_request *req, int status, const char *why) {
    req->error_status = status;
    req->error = why;
    return CX_EPARSE;
}

/* ASCII case-insensitive match against a lower-case literal of letters,
 * digits and '-'. OR-ing 0x20 folds case; the only other bytes that fold
 * onto those are CTLs (0x0d onto '-', 0x10-0x19 onto digits), which neither
 * tokens nor field values contain, so the match is exact for both. */
static inline bool tok_is(const char *s, size_t n, const char *lit, size_t litlen) {
    if (n != litlen) return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != lit[i]) return false;
    return true;
}
#define TOK_IS(s, n, lit) tok_is((s), (n), lit, sizeof(lit) - 1)

cx_method cx_h1_method_from(cx_str m) {
    const char *s = m.ptr;
    switch (m.len) {
    case 3:
        if (!memcmp(s, "GET", 3)) return CX_METHOD_GET;
        if (!memcmp(s, "PUT", 3)) return CX_METHOD_PUT;
        break;
    case 4:
        if (!memcmp(s, "POST", 4)) return CX_METHOD_POST;
        if (!memcmp(s, "HEAD", 4)) return CX_METHOD_HEAD;
        break;
    case 5:
        if (!memcmp(s, "PATCH", 5)) return CX_METHOD_PATCH;
        if (!memcmp(s, "TRACE", 5)) return CX_METHOD_TRACE;
        break;
    case 6:
        if (!memcmp(s, "DELETE", 6)) return CX_METHOD_DELETE;
        break;
    case 7:
        if (!memcmp(s, "OPTIONS", 7)) return CX_METHOD_OPTIONS;
        if (!memcmp(s, "CONNECT", 7)) return CX_METHOD_CONNECT;
        break;
    }
    return CX_METHOD_OTHER;
}

/* ---- finding the end of the head ---------------------------------------- */

/* Count '\n' in p[0..n), eight bytes at a time. The zero-byte test is the
 * exact form (no false positives), so popcount counts matches. */
static size_t count_lf(const char *p, size_t n) {
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, lf = 0x0a0a0a0a0a0a0a0aULL;
    size_t count = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= lf;
        uint64_t z = ~(((w & lo7) + lo7) | w | lo7);
        count += (size_t)__builtin_popcountll(z);
    }
    for (; i < n; i++) count += p[i] == '\n';
    return count;
}

/* Limits on a head that has not ended yet. new_lines: lines ended since the
 * previous call, so the line count can only have grown now. Kept out of line:
 * it is off the hot path, and inlined by LTO into callers with small buffers
 * GCC warns about the memchr bound it cannot prove (have >= rl + 2 here). */
__attribute__((noinline)) static int check_partial(const char *buf, size_t len, size_t start,
                                                   bool new_lines, cx_h1_request *req,
                                                   const cx_h1_limits *lim) {
    /* A line within the limit has its LF among the first rl + 2 bytes. */
    size_t rl = lim->max_request_line, have = len - start;
    if (have >= 2 && have - 2 >= rl && !memchr(buf + start, '\n', rl + 2))
        return fail(req, 414, "request line too long");
    if (len > lim->max_header_bytes) return fail(req, 431, "request head too large");
    /* Each field line takes at least 4 bytes ("a:\r\n"): below that many
     * bytes the count cannot be over. */
    if (new_lines && len - start > 4 * (size_t)lim->max_headers &&
        count_lf(buf + start, len - start) > (size_t)lim->max_headers + 1)
        return fail(req, 431, "too many header fields");
    return CX_EAGAIN;
}

/* 0 when the head is incomplete, its length when complete, or an error. */
static ssize_t find_end(const char *buf, size_t len, size_t start, size_t *scanned, bool *new_lines,
                        cx_h1_request *req) {
    size_t from = *scanned < start ? start : *scanned > len ? len : *scanned;
    const char *p = buf + from, *end = buf + len, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        size_t i = (size_t)(nl - buf);
        if (i == start || buf[i - 1] != '\r') return fail(req, 400, "bare LF");
        *new_lines = true;
        if (i + 1 < len && buf[i + 1] != '\r') {
            p = nl + 1;
            continue;
        }
        if (i + 2 >= len) {
            *scanned = i; /* look at this line end again when more arrives */
            return 0;
        }
        if (buf[i + 2] == '\n') return (ssize_t)(i + 3);
        p = nl + 1; /* "\r\n\r" + other: a bare CR, which the parse rejects */
    }
    *scanned = len;
    return 0;
}

/* ---- the request line --------------------------------------------------- */

/* Past the target's characters; *bad on a malformed percent-escape. */
static inline const char *scan_target(const char *p, bool *bad) {
    for (;;) {
        while (IS(*p, CX_H1_C_TARGET)) p++;
        if (*p != '%') return p;
        if (!IS(p[1], CX_H1_C_HEX) || !IS(p[2], CX_H1_C_HEX)) {
            *bad = true;
            return p;
        }
        p += 3;
    }
}

/* uri-host [ ":" port ] (RFC 3986 3.2.2-3.2.3). Host may be empty only when
 * the whole authority is (a Host header may be empty). */
static bool valid_authority(const char *s, size_t n, bool need_port) {
    size_t i = 0;
    if (n == 0) return !need_port;
    if (s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++)
            if (!IS(s[i], CX_H1_C_HOST) && s[i] != ':') return false;
        if (i == n || i == 1) return false;
        i++;
    } else {
        for (;;) {
            while (i < n && IS(s[i], CX_H1_C_HOST)) i++;
            if (i == n || s[i] != '%') break;
            if (i + 2 >= n || !IS(s[i + 1], CX_H1_C_HEX) || !IS(s[i + 2], CX_H1_C_HEX))
                return false;
            i += 3;
        }
        if (i == 0) return false;
    }
    if (i == n) return !need_port;
    if (s[i] != ':') return false;
    size_t digits = n - i - 1;
    if (digits == 0) return !need_port;
    if (digits > 5) return false;
    unsigned port = 0;
    for (i++; i < n; i++) {
        if (!IS(s[i], CX_H1_C_DIGIT)) return false;
        port = port * 10 + (unsigned)(s[i] - '0');
    }
    return port <= 65535;
}

static void split_query(cx_h1_request *req, const char *p, size_t n) {
    const char *q = memchr(p, '?', n);
    if (!q) {
        req->path = (cx_str){p, n};
        req->query = (cx_str){p + n, 0};
        return;
    }
    req->path = (cx_str){p, (size_t)(q - p)};
    req->query = (cx_str){q + 1, n - (size_t)(q - p) - 1};
}

/* "http://host[:port]/path?query": only http and https, no userinfo
 * (RFC 9110 4.2.4), a non-empty host. */
static int absolute_form(cx_h1_request *req, const char *t, size_t n) {
    size_t s = 0;
    while (s < n && t[s] != ':') s++;
    if (!(TOK_IS(t, s, "http") || TOK_IS(t, s, "https")))
        return fail(req, 400, "invalid request target");
    if (n - s < 3 || t[s + 1] != '/' || t[s + 2] != '/')
        return fail(req, 400, "invalid request target");
    const char *a = t + s + 3, *end = t + n, *ae = a;
    while (ae < end && *ae != '/' && *ae != '?') ae++;
    if (ae == a || memchr(a, '@', (size_t)(ae - a)) || !valid_authority(a, (size_t)(ae - a), false))
        return fail(req, 400, "invalid authority in request target");
    req->authority = (cx_str){a, (size_t)(ae - a)};
    split_query(req, ae, (size_t)(end - ae));
    if (req->path.len == 0) req->path = (cx_str){"/", 1};
    return 0;
}

/* The four request-target forms (RFC 9112 3.2), each allowed only where the
 * RFC allows it. */
static int target_form(cx_h1_request *req) {
    const char *t = req->target.ptr;
    size_t n = req->target.len;
    req->authority = (cx_str){t, 0};
    if (req->method == CX_METHOD_CONNECT) {
        if (!valid_authority(t, n, true) || memchr(t, '/', n))
            return fail(req, 400, "CONNECT needs host:port");
        req->authority = req->target;
        req->path = (cx_str){t + n, 0};
        req->query = (cx_str){t + n, 0};
        return 0;
    }
    if (t[0] == '/') {
        split_query(req, t, n);
        return 0;
    }
    if (t[0] == '*' && n == 1) {
        if (req->method != CX_METHOD_OPTIONS) return fail(req, 400, "'*' is only for OPTIONS");
        req->path = req->target;
        req->query = (cx_str){t + 1, 0};
        return 0;
    }
    return absolute_form(req, t, n);
}

/* method SP request-target SP HTTP-version CRLF, single spaces. Returns the
 * start of the next line or NULL. */
static const char *request_line(const char *p, const char *end, cx_h1_request *req,
                                const cx_h1_limits *lim, int *rc) {
    const char *line = p;
    while (IS(*p, CX_H1_C_TOKEN)) p++;
    if (*p != ' ' || p == line) {
        *rc = fail(req, 400, p == line ? "invalid method" : "invalid character in method");
        return NULL;
    }
    req->method_str = (cx_str){line, (size_t)(p - line)};
    req->method = cx_h1_method_from(req->method_str);
    const char *t = ++p;
    bool bad_pct = false;
    p = scan_target(p, &bad_pct);
    if (*p == '\n') {
        *rc = fail(req, 400, "bare LF");
        return NULL;
    }
    /* The line is at least this long with " HTTP/1.x". */
    if ((size_t)(p - line) + 9 > lim->max_request_line) {
        *rc = fail(req, 414, "request line too long");
        return NULL;
    }
    if (bad_pct || *p != ' ' || p == t) {
        *rc = fail(req, 400,
                   bad_pct      ? "invalid percent-escape in request target"
                   : p == t     ? "empty request target"
                   : *p == '\r' ? "missing HTTP version"
                                : "invalid character in request target");
        return NULL;
    }
    req->target = (cx_str){t, (size_t)(p - t)};
    p++;
    if (end - p < 10 || memcmp(p, "HTTP/", 5) || !IS(p[5], CX_H1_C_DIGIT) || p[6] != '.' ||
        !IS(p[7], CX_H1_C_DIGIT) || p[8] != '\r' || p[9] != '\n') {
        *rc = fail(req, 400, "malformed HTTP version");
        return NULL;
    }
    if (p[5] != '1' || (p[7] != '0' && p[7] != '1')) {
        *rc = fail(req, 505, "HTTP version not supported");
        return NULL;
    }
    req->version = p[7] == '1' ? 11 : 10;
    if ((*rc = target_form(req))) return NULL;
    return p + 10;
}

/* ---- field lines -------------------------------------------------------- */

/* Past the field-value octets at p: eight at a time, looking for a CTL or
 * DEL. The lowest flagged byte of a word is always a true hit (borrows only
 * spoil the flags above it), so on little-endian machines its position
 * comes straight from the trailing zero count; HTAB, legal but rare, just
 * resumes the scan after it. */
static inline const char *scan_value(const char *p, const char *end) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t x = w ^ (0x7f * ones);
        uint64_t hit = ((w - 0x20 * ones) & ~w & high) | ((x - ones) & ~x & high);
        if (!hit) {
            p += 8;
            continue;
        }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        p += __builtin_ctzll(hit) >> 3;
        if (*p != '\t') return p;
        p++;
#else
        break;
#endif
    }
    while (IS(*p, CX_H1_C_VALUE)) p++;
    return p;
}

/* One "name: value CRLF" line at p, inside a block whose last bytes are
 * CRLF (so every scan stops in bounds). Returns the next line or NULL. */
static inline const char *field_line(const char *p, const char *end, cx_h1_header *h,
                                     const char **why) {
    const char *n = p;
    while (IS(*p, CX_H1_C_TOKEN)) p++;
    if (*p != ':' || p == n) {
        *why = OWS(*p)  ? (p == n ? "obs-fold or whitespace before a field name"
                                  : "whitespace before ':'")
               : p == n ? "invalid field name"
                        : "invalid character in field name";
        return NULL;
    }
    h->name = (cx_str){n, (size_t)(p - n)};
    p++;
    while (OWS(*p)) p++;
    const char *v = p;
    p = scan_value(p, end);
    if (*p != '\r' || p[1] != '\n') {
        *why = *p == '\r' ? "bare CR" : *p == '\n' ? "bare LF" : "invalid character in field value";
        return NULL;
    }
    const char *ve = p;
    while (ve > v && OWS(ve[-1])) ve--;
    h->value = (cx_str){v, (size_t)(ve - v)};
    return p + 2;
}

int cx_h1_parse_fields(const char *buf, size_t len, cx_h1_header *out, unsigned max, unsigned *n) {
    unsigned count = 0;
    if (n) *n = 0;
    if (len == 0) return CX_OK;
    if (len < 2 || buf[len - 2] != '\r' || buf[len - 1] != '\n') return CX_EPARSE;
    const char *p = buf, *end = buf + len, *why;
    while (p < end) {
        if (*p == '\r') return p + 2 == end ? CX_OK : CX_EPARSE;
        cx_h1_header h;
        if (!(p = field_line(p, end, &h, &why))) return CX_EPARSE;
        if (count >= max) return CX_ELIMIT;
        if (out) out[count] = h;
        count++;
        if (n) *n = count;
    }
    return CX_OK;
}

/* ---- the fields that decide framing ------------------------------------- */

typedef struct framing {
    int64_t cl; /* -1: no Content-Length */
    unsigned hosts;
    unsigned te_chunked;  /* how many times chunked was listed */
    bool te;              /* Transfer-Encoding present */
    bool te_last_chunked; /* the last coding listed was chunked */
    bool te_unknown;      /* a coding other than chunked */
    bool conn_close, conn_keep_alive, conn_upgrade, upgrade_header;
    bool expect_continue, expect_other;
} framing;

/* Walks a comma-separated list (RFC 9110 5.6.1): each element with OWS
 * trimmed, empty ones included (the caller decides about them). */
typedef struct list_iter {
    const char *p, *end;
    bool done;
} list_iter;

static inline list_iter list_of(cx_str v) {
    return (list_iter){v.ptr, v.ptr + v.len, false};
}

static inline bool list_next(list_iter *it, cx_str *e) {
    if (it->done) return false;
    const char *p = it->p, *end = it->end;
    while (p < end && OWS(*p)) p++;
    const char *s = p;
    while (p < end && *p != ',') p++;
    const char *t = p;
    while (t > s && OWS(t[-1])) t--;
    *e = (cx_str){s, (size_t)(t - s)};
    it->done = p == end;
    it->p = p + !it->done;
    return true;
}

/* Content-Length: 1*DIGIT, or a list of identical ones (RFC 9110 8.6). */
static int content_length(cx_h1_request *req, framing *f, cx_str v) {
    list_iter it = list_of(v);
    cx_str e;
    while (list_next(&it, &e)) {
        if (e.len == 0) return fail(req, 400, "invalid Content-Length");
        uint64_t n = 0;
        for (size_t i = 0; i < e.len; i++) {
            if (!IS(e.ptr[i], CX_H1_C_DIGIT)) return fail(req, 400, "invalid Content-Length");
            unsigned d = (unsigned)(e.ptr[i] - '0');
            if (n > ((uint64_t)INT64_MAX - d) / 10)
                return fail(req, 400, "Content-Length overflows");
            n = n * 10 + d;
        }
        if (f->cl >= 0 && (uint64_t)f->cl != n)
            return fail(req, 400, "conflicting Content-Length values");
        f->cl = (int64_t)n;
    }
    return 0;
}

/* Transfer-Encoding: a list of codings, each a token with optional
 * ";param" (never validated further: any parameter makes it unknown). */
static int transfer_encoding(cx_h1_request *req, framing *f, cx_str v) {
    f->te = true;
    list_iter it = list_of(v);
    cx_str e;
    while (list_next(&it, &e)) {
        size_t i = 0;
        while (i < e.len && IS(e.ptr[i], CX_H1_C_TOKEN)) i++;
        size_t tok = i;
        while (i < e.len && OWS(e.ptr[i])) i++;
        if (tok == 0 || (i < e.len && e.ptr[i] != ';'))
            return fail(req, 400, "invalid Transfer-Encoding");
        bool chunked = TOK_IS(e.ptr, tok, "chunked");
        if (chunked && i < e.len) return fail(req, 400, "chunked takes no parameters");
        f->te_chunked += chunked;
        f->te_unknown |= !chunked;
        f->te_last_chunked = chunked;
    }
    return 0;
}

static int connection(cx_h1_request *req, framing *f, cx_str v) {
    list_iter it = list_of(v);
    cx_str e;
    while (list_next(&it, &e)) {
        for (size_t i = 0; i < e.len; i++)
            if (!IS(e.ptr[i], CX_H1_C_TOKEN)) return fail(req, 400, "invalid Connection");
        if (TOK_IS(e.ptr, e.len, "close"))
            f->conn_close = true;
        else if (TOK_IS(e.ptr, e.len, "keep-alive"))
            f->conn_keep_alive = true;
        else if (TOK_IS(e.ptr, e.len, "upgrade"))
            f->conn_upgrade = true;
    }
    return 0;
}

static void expect(framing *f, cx_str v) {
    list_iter it = list_of(v);
    cx_str e;
    while (list_next(&it, &e)) {
        if (TOK_IS(e.ptr, e.len, "100-continue"))
            f->expect_continue = true;
        else if (e.len)
            f->expect_other = true;
    }
}

/* Look at the fields that framing and connection handling depend on;
 * dispatch on the name's length first. */
#define INSPECT_LENGTHS (1u << 4 | 1u << 6 | 1u << 7 | 1u << 10 | 1u << 14 | 1u << 17)
static int inspect(cx_h1_request *req, framing *f, const cx_h1_header *h) {
    const char *n = h->name.ptr;
    size_t len = h->name.len;
    switch (len) {
    case 4:
        if (!TOK_IS(n, len, "host")) return 0;
        if (++f->hosts > 1) return fail(req, 400, "several Host fields");
        if (!valid_authority(h->value.ptr, h->value.len, false))
            return fail(req, 400, "invalid Host");
        req->host = h->value;
        return 0;
    case 6:
        if (TOK_IS(n, len, "expect")) expect(f, h->value);
        return 0;
    case 7:
        if (TOK_IS(n, len, "upgrade") && h->value.len) f->upgrade_header = true;
        return 0;
    case 10:
        return TOK_IS(n, len, "connection") ? connection(req, f, h->value) : 0;
    case 14:
        return TOK_IS(n, len, "content-length") ? content_length(req, f, h->value) : 0;
    case 17:
        return TOK_IS(n, len, "transfer-encoding") ? transfer_encoding(req, f, h->value) : 0;
    default:
        return 0;
    }
}

/* RFC 9112 6.1-6.3 and 9.3, once every field is known. */
static int decide(cx_h1_request *req, const framing *f) {
    bool v11 = req->version == 11;
    if (v11 && f->hosts == 0) return fail(req, 400, "missing Host");
    if (f->te) {
        if (!v11) return fail(req, 400, "Transfer-Encoding in HTTP/1.0");
        if (f->cl >= 0) return fail(req, 400, "both Content-Length and Transfer-Encoding");
        if (f->te_chunked > 1) return fail(req, 400, "chunked applied twice");
        if (f->te_chunked && !f->te_last_chunked)
            return fail(req, 400, "chunked is not the last transfer coding");
        if (f->te_unknown) return fail(req, 501, "unsupported transfer coding");
        req->chunked = true;
    }
    if (f->cl > CX_H1_MAX_CONTENT_LENGTH) return fail(req, 413, "Content-Length too large");
    req->content_length = f->cl;
    if (v11 && f->expect_other) return fail(req, 417, "unsupported expectation");
    req->expect_continue = v11 && f->expect_continue;
    req->keep_alive = !f->conn_close && (v11 || f->conn_keep_alive);
    req->upgrade = v11 && f->conn_upgrade && f->upgrade_header;
    if (req->authority.len && req->method != CX_METHOD_CONNECT) req->host = req->authority;
    return 0;
}

/* Parse the head at buf + start. Every scan stops at a CR, and end is
 * preceded by a blank line, so the loops need no bounds of their own; end
 * only bounds the multi-byte reads. Returns the head's length or an error. */
static int parse_head(const char *buf, size_t start, const char *end, cx_h1_request *req,
                      const cx_h1_limits *lim) {
    const char *why = NULL;
    int rc = 0;
    const char *p = request_line(buf + start, end, req, lim, &rc);
    if (!p) return rc;
    framing f = {.cl = -1};
    unsigned n = 0, max = lim->max_headers;
    cx_h1_header *out = req->headers;
    while (*p != '\r') {
        cx_h1_header h;
        if (!(p = field_line(p, end, &h, &why))) return fail(req, 400, why);
        if (n >= max) return fail(req, 431, "too many header fields");
        if (out) out[n] = h;
        n++;
        /* Only names of these lengths can be fields inspect() wants. */
        if (h.name.len < 32 && (INSPECT_LENGTHS >> h.name.len & 1) && (rc = inspect(req, &f, &h)))
            return rc;
    }
    if (p[1] != '\n') return fail(req, 400, "bare CR");
    req->num_headers = n;
    if ((rc = decide(req, &f))) return rc;
    return (int)(p + 2 - buf);
}

static void reset(cx_h1_request *req) {
    cx_h1_header *headers = req->headers;
    memset(req, 0, sizeof *req);
    req->headers = headers;
    req->content_length = -1;
}

int cx_h1_parse_request(const char *buf, size_t len, size_t *scanned, cx_h1_request *req,
                        const cx_h1_limits *limits) {
    cx_h1_limits defaults;
    if (!limits) {
        cx_h1_limits_default(&defaults);
        limits = &defaults;
    }
    req->error_status = 0;
    req->error = NULL;
    size_t start = 0;
    while (start + 1 < len && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
    if (start > limits->max_header_bytes) return fail(req, 431, "request head too large");
    if (start < len && buf[start] == '\n') return fail(req, 400, "bare LF");
    if (start + 1 < len && buf[start] == '\r') return fail(req, 400, "bare CR");
    /* A buffer that ends a head (a GET, a pipelined batch) needs no search:
     * its final CRLFCRLF bounds every scan of the parse. */
    if (len - start >= 4 && len <= limits->max_header_bytes && len <= INT32_MAX &&
        !memcmp(buf + len - 4, "\r\n\r\n", 4)) {
        reset(req);
        return parse_head(buf, start, buf + len, req, limits);
    }
    bool new_lines = false;
    ssize_t head = find_end(buf, len, start, scanned, &new_lines, req);
    if (head < 0) return (int)head;
    if (head == 0) return check_partial(buf, len, start, new_lines, req, limits);
    reset(req);
    if ((size_t)head > limits->max_header_bytes || head > INT32_MAX) {
        int rc = 0;
        if (!request_line(buf + start, buf + head, req, limits, &rc)) return rc;
        return fail(req, 431, "request head too large");
    }
    int rc = parse_head(buf, start, buf + head, req, limits);
    return rc < 0 || rc == head ? rc : fail(req, 400, "malformed head");
}
