/* In-memory exchanges (private; for unit tests and tools).
 *
 * A cx_memx parses a complete raw HTTP/1.1 request (head and body, which may
 * be chunked) with the real parser, runs a handler on it on the calling
 * thread — no socket, no loop — and captures the response: status, headers
 * and body, streamed or not. The handler sees exactly the API it sees in
 * the server, so router, middleware and handler logic can be tested without
 * the network.
 */
#ifndef CX_HTTP_MEMX_H
#define CX_HTTP_MEMX_H

#include <cortex/http.h>

typedef struct cx_memx cx_memx;

/* Parse raw[0..len) (copied). NULL with *err set (CX_EPARSE with the
 * status the server would answer in *status_out, or CX_ENOMEM). */
cx_memx *cx_memx_new(const char *raw, size_t len, int *err, int *status_out);
/* Run fn with data as the root handler (as the server would: errors and
 * panics become problem responses). Returns the handler's result. */
int cx_memx_run(cx_memx *m, cx_handler_fn fn, void *data);
cx_ctx *cx_memx_ctx(cx_memx *m);
int cx_memx_status(const cx_memx *m);
/* A response header by name; NULL when absent. Valid until cx_memx_free. */
const char *cx_memx_header(cx_memx *m, const char *name);
/* The body as it would go on the wire after de-chunking (empty for HEAD). */
cx_str cx_memx_body(const cx_memx *m);
void cx_memx_free(cx_memx *m);

#endif
