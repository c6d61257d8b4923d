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
 * docs/http-parser.md lists every rule and limit.
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

/* Defaults of the limits below (the server's cx_http_limits uses the same). */
#define CX_H1_DEFAULT_MAX_REQUEST_LINE  8192
#define CX_H1_DEFAULT_MAX_HEADER_BYTES  32768
#define CX_H1_DEFAULT_MAX_HEADERS       100
#define CX_H1_DEFAULT_MAX_CHUNK_LINE    4096
#define CX_H1_DEFAULT_MAX_TRAILER_BYTES 8192
/* The largest Content-Length accepted; larger but still 63-bit values are
 * answered with 413, values that overflow 63 bits with 400. */
#define CX_H1_MAX_CONTENT_LENGTH (INT64_C(1) << 62)

typedef struct cx_h1_limits {
    size_t max_request_line; /* → 414 */
    size_t max_header_bytes; /* → 431 */
    unsigned max_headers;    /* → 431; also the capacity of the headers array */
} cx_h1_limits;

/* Fill l with the CX_H1_DEFAULT_* values. */
void cx_h1_limits_default(cx_h1_limits *l);

typedef struct cx_h1_request {
    cx_method method;
    cx_str method_str;
    cx_str target;    /* as received */
    cx_str path;      /* the path part of target, still percent-encoded;
                         for absolute-form, the path after the authority
                         ("/" when empty); "*" for asterisk-form; empty for
                         authority-form (CONNECT) */
    cx_str query;     /* after '?', without it */
    cx_str authority; /* from absolute-form and authority-form targets,
                         else empty */
    int version;      /* 10 or 11 */

    cx_h1_header *headers; /* caller-provided array of max_headers; may be
                              NULL to validate without keeping the fields */
    unsigned num_headers;

    /* Framing, decided by the parser (RFC 9112 section 6.3). */
    int64_t content_length; /* -1 when absent */
    bool chunked;           /* Transfer-Encoding: chunked (last coding) */
    bool keep_alive;        /* after this request, by version and Connection */
    bool expect_continue;   /* Expect: 100-continue (1.1 only) */
    bool upgrade;           /* Connection: upgrade with an Upgrade header (1.1) */
    cx_str host;            /* the Host header (required for 1.1); for an
                               absolute-form target, the target's authority,
                               which RFC 9112 3.2.2 says wins over Host */

    int error_status;  /* on error: 400, 413, 414, 417, 431, 501 or 505 */
    const char *error; /* on error: a short static reason */
} cx_h1_request;

/* Parse a request head from buf[0..len).
 *   > 0          the head is complete and valid; the value is its length
 *                (the body, if any, starts there)
 *   CX_EAGAIN    incomplete; *scanned is updated — pass it back next time
 *                (start with 0); limits are enforced on partial heads too,
 *                so an endless request line fails early with 414
 *   CX_EPARSE    invalid; req->error_status and req->error say why
 * Leading empty lines before the request line are skipped (RFC 9112 2.2).
 * Rejected, among others: obs-fold, bare CR, bare LF, NUL and other CTLs,
 * invalid token characters in method or header names, whitespace before
 * ':', Content-Length with Transfer-Encoding, repeated Content-Length with
 * different values, non-digit or overflowing Content-Length, transfer
 * codings other than chunked (501), chunked not last or twice, a missing
 * Host in 1.1 or several Hosts, Expect other than 100-continue (417),
 * versions other than 1.0/1.1 (505).
 * limits may be NULL for the defaults (then req->headers, if not NULL, must
 * hold CX_H1_DEFAULT_MAX_HEADERS entries). Nothing is allocated; req's
 * slices point into buf. */
int cx_h1_parse_request(const char *buf, size_t len, size_t *scanned, cx_h1_request *req,
                        const cx_h1_limits *limits);

/* Parse a block of field lines ("Name: value\r\n" each, optionally ended by
 * an empty line "\r\n" and nothing after it), such as the raw trailer
 * section the chunked decoder collects. The same rules as for header lines
 * apply. The first max fields go to out (slices into buf; out may be NULL to
 * only validate) and *n is their count. 0; CX_EPARSE on a malformed line;
 * CX_ELIMIT when there are more than max fields. */
int cx_h1_parse_fields(const char *buf, size_t len, cx_h1_header *out, unsigned max, unsigned *n);

/* Chunked body decoding. */
typedef struct cx_h1_chunked {
    int state;
    uint64_t remaining; /* bytes left in the current chunk */
    size_t line_len;    /* bytes in the current size/trailer line, for limits */
    size_t trailer_bytes;
    bool done;

    /* Set by the caller after cx_h1_chunked_init(), if wanted. */
    cx_buf *trailers;         /* NULL: trailers are validated, then dropped */
    size_t max_line;          /* a chunk-size line with its extensions, or one
                                 trailer line, CRLF included;
                                 CX_H1_DEFAULT_MAX_CHUNK_LINE */
    size_t max_trailer_bytes; /* the trailer section without its final empty
                                 line; CX_H1_DEFAULT_MAX_TRAILER_BYTES */

    int err;           /* once failed, the error every later call returns */
    const char *error; /* on error: a short static reason */
} cx_h1_chunked;

void cx_h1_chunked_init(cx_h1_chunked *d);
/* Decode in place: the data bytes of buf[0..*len) are moved to the front of
 * buf and *len becomes their count. Returns the number of input bytes
 * consumed (>= 0; all of them unless the body ended inside buf, in which
 * case the rest belongs to the next request), or CX_EPARSE on a bad chunk
 * size, extension, trailer or framing (→ 400), or CX_ELIMIT when a line or
 * the trailer section is longer than its limit (or the trailers buffer's own
 * max is reached), or CX_ENOMEM. The decoder may be fed any split of the
 * body, down to one byte per call.
 * Trailers: when d->trailers is set, it is emptied when the last chunk
 * arrives and then receives the raw trailer section — its field lines, each
 * with its CRLF, without the final empty line; cx_h1_parse_fields() reads
 * it. The buffer stays the caller's.
 * d->done becomes true after the last chunk and its trailer section. */
ssize_t cx_h1_chunked_decode(cx_h1_chunked *d, char *buf, size_t *len);

/* Percent-decode src into dst (which may be src itself; dst needs src.len
 * bytes). plus_as_space turns '+' into ' ' (query strings). Returns the
 * decoded length or CX_EPARSE on a bad escape. Decoded NUL is rejected. */
ssize_t cx_url_decode(char *dst, cx_str src, bool plus_as_space);
/* Find the raw (still encoded) value of name in a query string
 * ("a=1&b=2"). 0 and *raw set, or CX_ENOTFOUND. A key without '=' has an
 * empty value. Keys are compared after decoding ("user%5Fid" is "user_id");
 * the first match wins. */
int cx_query_find(cx_str query, cx_str name, cx_str *raw);
/* Find a cookie's value in a Cookie header value ("a=1; b=2"). Values in
 * double quotes are returned without them. Names are case-sensitive; the
 * first match wins. 0 or CX_ENOTFOUND. */
int cx_cookie_find(cx_str header, cx_str name, cx_str *value);

/* Method token to enum (case-sensitive, as RFC 9110 requires). */
cx_method cx_h1_method_from(cx_str m);

/* Character classes shared by the parsers: cx_h1_cc[byte] & CX_H1_C_*. */
#define CX_H1_C_TOKEN  0x01 /* tchar (RFC 9110 5.6.2) */
#define CX_H1_C_VALUE  0x02 /* field-value octet: VCHAR, obs-text, SP, HTAB */
#define CX_H1_C_TARGET 0x04 /* request-target octet other than '%' */
#define CX_H1_C_HOST   0x08 /* reg-name octet other than '%' */
#define CX_H1_C_HEX    0x10
#define CX_H1_C_QDTEXT 0x20 /* quoted-string text (RFC 9110 5.6.4) */
#define CX_H1_C_DIGIT  0x40
extern const uint8_t cx_h1_cc[256];

#endif
