/* HTTP/1.1 message parsing (RFC 9112), private to the library.
 *
 * The head parser works on the bytes received so far and either finds a
 * complete, valid head or says how it failed. It is zero-copy: every field
 * is a slice into the caller's buffer, so the buffer must stay put while the
 * request is in use. It is incremental in cost: the caller passes how many
 * bytes it had already scanned (scanned), so bytes are only re-examined
 * once the blank line that ends the head has arrived. It is strict: anything
 * RFC 9112 does not allow, or that could be read two ways by two parsers
 * (request smuggling), is an error with the status to answer.
 *
 * The chunked decoder is a resumable state machine fed arbitrary pieces.
 */
#ifndef CX_HTTP_H1_H
#define CX_HTTP_H1_H

#include <cortex/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cx_h1_header {
    cx_str name;
    cx_str value; /* leading and trailing OWS removed */
} cx_h1_header;

typedef struct cx_h1_limits {
    size_t max_request_line; /* → 414 */
    size_t max_header_bytes; /* → 431 */
    unsigned max_headers;    /* → 431; also the capacity of the headers array */
} cx_h1_limits;

typedef struct cx_h1_request {
    cx_method method;
    cx_str method_str;
    cx_str target;      /* as received */
    cx_str path;        /* the path part of target, still percent-encoded;
                           for absolute-form, the path after the authority
                           ("/" when empty) */
    cx_str query;       /* after '?', without it */
    cx_str authority;   /* from absolute-form targets, else empty */
    int version;        /* 10 or 11 */

    cx_h1_header *headers; /* caller-provided array of max_headers */
    unsigned num_headers;

    /* Framing, decided by the parser (RFC 9112 section 6.3). */
    int64_t content_length; /* -1 when absent */
    bool chunked;           /* Transfer-Encoding: chunked (last coding) */
    bool keep_alive;        /* after this request, by version and Connection */
    bool expect_continue;   /* Expect: 100-continue */
    bool upgrade;           /* Connection: upgrade with an Upgrade header */
    cx_str host;            /* the Host header (required for 1.1) */

    int error_status;       /* on error: 400, 414, 431, 501 or 505 */
    const char *error;      /* on error: a short static reason */
} cx_h1_request;

/* Parse a request head from buf[0..len).
 *   > 0          the head is complete and valid; the value is its length
 *                (the body, if any, starts there)
 *   CX_EAGAIN    incomplete; *scanned is updated — pass it back next time
 *                (start with 0); limits are enforced on partial heads too,
 *                so an endless request line fails early with 414
 *   CX_EPARSE    invalid; req->error_status and req->error say why
 * Leading empty lines before the request line are skipped (RFC 9112 2.2).
 * Rejected, among others: obs-fold, bare CR, NUL and other CTLs, invalid
 * token characters in method or header names, whitespace before ':',
 * Content-Length with Transfer-Encoding, repeated Content-Length with
 * different values, non-digit or overflowing Content-Length, transfer
 * codings other than chunked as the last one (501), a missing Host in 1.1
 * or several Hosts, versions other than 1.0/1.1 (505). */
int cx_h1_parse_request(const char *buf, size_t len, size_t *scanned, cx_h1_request *req,
                        const cx_h1_limits *limits);

/* Chunked body decoding. */
typedef struct cx_h1_chunked {
    int state;
    uint64_t remaining;    /* bytes left in the current chunk */
    size_t line_len;       /* bytes in the current size/trailer line, for limits */
    size_t trailer_bytes;
    bool done;
} cx_h1_chunked;

void cx_h1_chunked_init(cx_h1_chunked *d);
/* Decode in place: the data bytes of buf[0..*len) are moved to the front of
 * buf and *len becomes their count. Returns the number of input bytes
 * consumed (>= 0; all of them unless the body ended inside buf, in which
 * case the rest belongs to the next request), or CX_EPARSE on a bad chunk
 * size, extension or framing (→ 400). Trailer fields are skipped here; use
 * cx_h1_parse_trailers() on the trailer section if they are wanted.
 * d->done becomes true after the last chunk and its trailer section. */
ssize_t cx_h1_chunked_decode(cx_h1_chunked *d, char *buf, size_t *len);

/* Percent-decode src into dst (which may be src itself; dst needs src.len
 * bytes). plus_as_space turns '+' into ' ' (query strings). Returns the
 * decoded length or CX_EPARSE on a bad escape. Decoded NUL is rejected. */
ssize_t cx_url_decode(char *dst, cx_str src, bool plus_as_space);
/* Find the raw (still encoded) value of name in a query string
 * ("a=1&b=2"). 0 and *raw set, or CX_ENOTFOUND. A key without '=' has an
 * empty value. */
int cx_query_find(cx_str query, cx_str name, cx_str *raw);
/* Find a cookie's value in a Cookie header value ("a=1; b=2"). Values in
 * double quotes are returned without them. 0 or CX_ENOTFOUND. */
int cx_cookie_find(cx_str header, cx_str name, cx_str *value);

/* Method token to enum (case-sensitive, as RFC 9110 requires). */
cx_method cx_h1_method_from(cx_str m);

#endif
