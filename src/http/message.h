/* Requests and responses as the transports see them (private).
 *
 * cx_req and cx_res carry no protocol knowledge: a transport (HTTP/1.1 here,
 * HTTP/2 later, an in-memory one for tests) fills the request from what it
 * parsed and supplies the operations that may touch the network — reading
 * the body, streaming the response — through a small table of functions.
 * Everything a handler calls lands in request.c / response.c, which only use
 * that table; so handlers cannot tell transports apart.
 */
#ifndef CX_HTTP_MESSAGE_H
#define CX_HTTP_MESSAGE_H

#include <cortex/http.h>
#include "h1.h"

typedef struct cx_transport {
    /* Decoded body bytes into buf: count, 0 at the end, or an error.
     * May suspend the calling coroutine. */
    ssize_t (*read)(cx_req *req, void *buf, size_t cap);
    /* Streamed response data; sends the head first if not yet sent. */
    int (*write)(cx_res *res, const void *data, size_t len);
    /* End a streamed response (last chunk and trailers). */
    int (*end)(cx_res *res);
    /* File body after the head. */
    int (*sendfile)(cx_res *res, int fd, off_t off, size_t len);
    /* Peer address as "ip:port" into buf; length or error. */
    int (*peer)(cx_req *req, char *buf, size_t cap);
} cx_transport;

struct cx_req {
    const cx_transport *t;
    void *conn; /* the transport's */
    cx_arena *arena;

    cx_method method;
    cx_str method_str;
    cx_str target;
    cx_str path_raw; /* still percent-encoded */
    cx_str path;     /* decoded lazily (see cx_req_path) */
    cx_str query;
    int version;
    cx_h1_header *headers;
    unsigned num_headers;
    int64_t content_length; /* -1 when unknown */
    bool chunked;
    bool expect_continue;
    bool path_decoded;
    bool path_bad; /* the path has an invalid escape */

    /* Body state, kept by request.c. */
    bool body_started;
    bool body_done;
    cx_str body; /* after cx_req_body() */
    size_t max_body;
    size_t body_read;

    cx_buf *trailers_raw; /* raw trailer section, set by the transport */
    cx_h1_header *trailers;
    unsigned num_trailers;
    bool trailers_parsed;
};

typedef struct cx_res_header_kv {
    cx_str name;
    cx_str value;
} cx_res_header_kv;

struct cx_res {
    const cx_transport *t;
    void *conn; /* the transport's */
    cx_arena *arena;

    int status;
    cx_res_header_kv *headers; /* in the arena, grown by doubling */
    unsigned num_headers;
    unsigned cap_headers;
    cx_res_header_kv *trailers;
    unsigned num_trailers;
    unsigned cap_trailers;
    cx_buf body;          /* kept across requests by the transport, so reused */
    int64_t fixed_length; /* a Content-Length the handler set, else -1 */
    uint64_t bytes_out;   /* body bytes streamed or sent from a file */

    bool head_only;    /* HEAD request: no body bytes go out */
    bool headers_sent; /* streaming or sendfile began */
    bool streaming;
    bool ended;
    bool has_content_type;
    bool sendfile_used;
};

/* Prepare req/res for a new exchange (the res body buffer is kept). */
void cx_req_reset(cx_req *req, const cx_transport *t, void *conn, cx_arena *arena);
void cx_res_reset(cx_res *res, const cx_transport *t, void *conn, cx_arena *arena);
/* Throw away what the handler put in the response (for an error answer). */
void cx_res_clear(cx_res *res);

/* The request's path, decoding it on first use; CX_EPARSE when the path has
 * a bad escape. */
int cx_req_path_checked(cx_req *req, cx_str *out);

#endif
