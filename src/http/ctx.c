/* The request context: accessors, route parameters, shared values and the
 * middleware chain.
 *
 * cx_next() marks the link that called it as finished by setting
 * POS_DONE on chain_pos when the rest of the chain returns: the position
 * itself is put back (so cx_ctx_data() after cx_next() is the caller's
 * data again), and a second cx_next() from the same link is refused with
 * CX_ESTATE instead of running the rest of the chain twice — or, worse,
 * running links that a middleware deeper down had chosen to skip. */
#include "ctx.h"
#include <cortex/error.h>
#include <string.h>

#define POS_DONE 0x80000000u
#define POS_MASK (~POS_DONE)

void cx_ctx_init(cx_ctx *ctx, cx_req *req, cx_res *res, cx_arena *arena) {
    ctx->req = req;
    ctx->res = res;
    ctx->arena = arena;
    ctx->chain = NULL;
    ctx->chain_len = 0;
    ctx->chain_pos = 0;
    ctx->route = (cx_str){"", 0};
    ctx->nparams = 0;
    ctx->nvalues = 0;
    ctx->worker = NULL;
    ctx->panic_env = NULL;
    ctx->panic_detail = NULL;
    ctx->panicked = false;
}

cx_req *cx_ctx_req(cx_ctx *ctx) {
    return ctx ? ctx->req : NULL;
}

cx_res *cx_ctx_res(cx_ctx *ctx) {
    return ctx ? ctx->res : NULL;
}

cx_arena *cx_ctx_arena(cx_ctx *ctx) {
    return ctx ? ctx->arena : NULL;
}

void *cx_ctx_data(cx_ctx *ctx) {
    if (!ctx || !ctx->chain) return NULL;
    unsigned pos = ctx->chain_pos & POS_MASK;
    return pos < ctx->chain_len ? ctx->chain[pos].data : NULL;
}

cx_str cx_param(cx_ctx *ctx, const char *name) {
    if (ctx && name) {
        size_t n = strlen(name);
        for (unsigned i = 0; i < ctx->nparams && i < CX_MAX_PARAMS; i++) {
            cx_str k = ctx->params[i].name;
            if (k.len == n && memcmp(k.ptr, name, n) == 0) return ctx->params[i].value;
        }
    }
    return (cx_str){"", 0};
}

cx_str cx_ctx_route(cx_ctx *ctx) {
    if (!ctx || !ctx->route.ptr) return (cx_str){"", 0};
    return ctx->route;
}

static int value_index(const cx_ctx *ctx, const char *key) {
    for (unsigned i = 0; i < ctx->nvalues && i < CX_CTX_MAX_VALUES; i++)
        if (ctx->values[i].key == key) return (int)i;
    for (unsigned i = 0; i < ctx->nvalues && i < CX_CTX_MAX_VALUES; i++)
        if (strcmp(ctx->values[i].key, key) == 0) return (int)i;
    return -1;
}

int cx_ctx_set(cx_ctx *ctx, const char *key, void *value) {
    if (!ctx || !key) return CX_EINVAL;
    int i = value_index(ctx, key);
    if (i >= 0) {
        ctx->values[i].value = value;
        return CX_OK;
    }
    if (ctx->nvalues >= CX_CTX_MAX_VALUES) return CX_ELIMIT;
    ctx->values[ctx->nvalues].key = key;
    ctx->values[ctx->nvalues].value = value;
    ctx->nvalues++;
    return CX_OK;
}

void *cx_ctx_get(cx_ctx *ctx, const char *key) {
    if (!ctx || !key) return NULL;
    int i = value_index(ctx, key);
    return i >= 0 ? ctx->values[i].value : NULL;
}

int cx_next(cx_ctx *ctx) {
    if (!ctx || !ctx->chain) return CX_EINVAL;
    unsigned pos = ctx->chain_pos;
    if (pos & POS_DONE) return CX_ESTATE;
    if (pos + 1 >= ctx->chain_len) {
        ctx->chain_pos = pos | POS_DONE; /* past the end: nothing to run */
        return CX_OK;
    }
    ctx->chain_pos = pos + 1;
    int rc = ctx->chain[pos + 1].fn(ctx);
    ctx->chain_pos = pos | POS_DONE;
    return rc;
}
