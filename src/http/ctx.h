/* The request context, shared by the server (which fills it) and the router
 * and middleware (which read it). Private to the library. */
#ifndef CX_HTTP_CTX_H
#define CX_HTTP_CTX_H

#include <cortex/http.h>

#define CX_MAX_PARAMS 16

/* One link of a middleware chain; the last link is the handler. */
typedef struct cx_mw {
    cx_handler_fn fn;
    void *data;
} cx_mw;

typedef struct cx_param_kv {
    cx_str name;
    cx_str value;
} cx_param_kv;

struct cx_ctx {
    cx_req *req;
    cx_res *res;
    cx_arena *arena;

    /* The chain being run and the link running now: cx_next() runs
     * chain[++chain_pos]; past the end it returns 0. The server starts with
     * a one-link chain (the root handler); the router swaps in the matched
     * route's chain. */
    const cx_mw *chain;
    unsigned chain_len;
    unsigned chain_pos;

    cx_str route; /* pattern of the matched route */
    cx_param_kv params[CX_MAX_PARAMS];
    unsigned nparams;

    struct {
        const char *key;
        void *value;
    } values[CX_CTX_MAX_VALUES];
    unsigned nvalues;

    /* Set by whoever runs the handler (the server, cx_memx): cx_panic()
     * longjmps to *panic_env after storing panic_detail (arena memory). */
    struct cx_worker *worker; /* the server worker running it; NULL under cx_memx */
    void *panic_env;          /* jmp_buf * */
    const char *panic_detail;
    bool panicked;
};

/* Reset for a new request (keeps nothing). */
void cx_ctx_init(cx_ctx *ctx, cx_req *req, cx_res *res, cx_arena *arena);

/* Run chain[0] with cx_panic() armed; a panic returns CX_ESTATE with
 * ctx->panicked set. (exchange.c) */
int cx_ctx_run_guarded(cx_ctx *ctx);
/* Replace the response with a problem answer for a failed handler: rc < 0
 * or a panic (413 for CX_ELIMIT, 408 for CX_ETIMEDOUT, 400 for a malformed
 * body, 500 otherwise); nothing when the head is already out. */
void cx_answer_error(cx_ctx *ctx, int rc);

#endif
