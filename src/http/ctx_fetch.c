/* cx_ctx_fetch: one outgoing client per server worker.
 *
 * A client owns a curl multi handle bound to one loop, so the natural owner
 * is the worker: every request it runs shares the client's connection pool
 * and HTTP/2 sessions, and nothing is locked. It is made on first use, so a
 * server whose handlers never fetch pays nothing, and freed by the worker
 * when its loop has stopped (server.c). */
#include "ctx.h"
#include "server.h"
#include <cortex/fetch.h>

cx_fetch_client *cx_ctx_fetch(cx_ctx *ctx) {
    if (!ctx || !ctx->worker) return NULL;
    cx_worker *w = ctx->worker;
    if (!w->fetch && cx_fetch_client_new(&w->fetch, w->loop, w->srv->opts.fetch) != 0)
        w->fetch = NULL;
    return w->fetch;
}
