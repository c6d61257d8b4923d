/* Exchanges: one request's worth of state, and the coroutine that runs its
 * handler. Exchanges are recycled through a per-worker free list with their
 * arena and body buffer, so a warm worker serves requests without malloc.
 *
 * cx_panic() is a longjmp back to the frame that called the handler: it is
 * on the same coroutine stack, so it is an ordinary non-local exit, and the
 * request arena reclaims what the handler allocated there. */
#include "server.h"
#include "../observe/hooks.h"
#include <cortex/error.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#define FREE_EXCHANGES_MAX 256
#define ARENA_LIMIT_SLACK  (1u << 20)

static void exchange_free(cx_exchange *ex) {
    cx_arena_free(ex->arena);
    free(ex->headers);
    cx_buf_free(&ex->res.body);
    cx_buf_free(&ex->dbuf);
    cx_buf_free(&ex->trailers);
    free(ex);
}

cx_exchange *cx_exchange_get(cx_worker *w) {
    cx_exchange *ex = w->free_exchanges;
    if (ex) {
        w->free_exchanges = ex->next_free;
        w->nfree_exchanges--;
        cx_arena_reset(ex->arena);
        if (ex->headers_cap < w->limits->max_headers) {
            /* The limit was raised by a reload since this one was made. */
            cx_h1_header *h = realloc(ex->headers, sizeof *h * w->limits->max_headers);
            if (!h) {
                exchange_free(ex);
                return NULL;
            }
            ex->headers = h;
            ex->headers_cap = w->limits->max_headers;
        }
    } else {
        ex = calloc(1, sizeof *ex);
        if (!ex) return NULL;
        /* The arena may hold a whole body, so its limit follows max_body. */
        ex->arena = cx_arena_new(0, w->limits->max_body * 2 + ARENA_LIMIT_SLACK);
        ex->headers = malloc(sizeof *ex->headers * w->limits->max_headers);
        ex->headers_cap = w->limits->max_headers;
        if (!ex->arena || !ex->headers) {
            cx_arena_free(ex->arena);
            free(ex->headers);
            free(ex);
            return NULL;
        }
    }
    ex->w = w;
    ex->co = NULL;
    ex->handler_rc = 0;
    ex->async = ex->done = false;
    ex->body_left = 0;
    ex->dpos = 0;
    ex->continue_sent = false;
    ex->obs_start_ns = 0;
    cx_buf_reset(&ex->dbuf);
    cx_buf_reset(&ex->trailers);
    ex->next_free = NULL;
    return ex;
}

void cx_exchange_put(cx_worker *w, cx_exchange *ex) {
    if (ex->obs_start_ns) /* a request that ran: count it */
        cx__obs_request_end(w->srv->opts.metrics, ex->obs_start_ns, &ex->req, &ex->res,
                            ex->ctx.route);
    ex->obs_start_ns = 0;
    /* A huge body buffer is not worth keeping for the next small request. */
    if (ex->res.body.cap > (1u << 20)) cx_buf_free(&ex->res.body);
    if (ex->dbuf.cap > (1u << 16)) cx_buf_free(&ex->dbuf);
    if (w->nfree_exchanges >= FREE_EXCHANGES_MAX) {
        exchange_free(ex);
        return;
    }
    ex->next_free = w->free_exchanges;
    w->free_exchanges = ex;
    w->nfree_exchanges++;
}

void cx_exchange_free_list(cx_worker *w) {
    while (w->free_exchanges) {
        cx_exchange *ex = w->free_exchanges;
        w->free_exchanges = ex->next_free;
        exchange_free(ex);
    }
    w->nfree_exchanges = 0;
}

static void exchange_main(void *arg) {
    cx_exchange *ex = arg;
    cx_coro_set_data(cx_coro_self(), &ex->ctx);
    ex->handler_rc = cx_ctx_run_guarded(&ex->ctx);
    cx__trace_coro_done();
    ex->done = true;
    ex->on_done(ex);
}

int cx_exchange_run(cx_exchange *ex, void (*on_done)(cx_exchange *ex)) {
    ex->on_done = on_done;
    ex->obs_start_ns = cx__obs_request_start(ex->w->srv->opts.metrics);
    int rc = cx_coro_start(ex->w->loop, exchange_main, ex, &ex->co);
    if (rc < 0) {
        /* No stack to be had: answer 503 without running the handler. */
        ex->handler_rc = CX_ENOMEM;
        ex->done = true;
        on_done(ex);
        return 0;
    }
    if (rc == 1) ex->async = true;
    return rc;
}

int cx_ctx_run_guarded(cx_ctx *ctx) {
    jmp_buf env;
    int rc;
    ctx->panic_env = &env;
    ctx->panicked = false;
    if (setjmp(env) == 0)
        rc = ctx->chain[0].fn(ctx);
    else
        rc = CX_ESTATE;
    ctx->panic_env = NULL;
    return rc;
}

_Noreturn void cx_panic(cx_ctx *ctx, const char *detail) {
    if (!ctx->panic_env) abort(); /* called outside a handler: a programming error */
    ctx->panicked = true;
    ctx->panic_detail = detail ? cx_arena_strdup(ctx->arena, detail) : NULL;
    longjmp(*(jmp_buf *)ctx->panic_env, 1);
}

void cx_answer_error(cx_ctx *ctx, int rc) {
    if (rc >= 0 && !ctx->panicked) return;
    if (ctx->res->headers_sent) return; /* too late to change; the transport cuts the stream */
    int status = 500;
    const char *detail = NULL;
    if (ctx->panicked) {
        detail = ctx->panic_detail ? ctx->panic_detail : "the handler panicked";
    } else if (rc == CX_ELIMIT) {
        status = 413;
        detail = "the request body is larger than the server accepts";
    } else if (rc == CX_ETIMEDOUT) {
        status = 408;
        detail = "the request body did not arrive in time";
    } else if (rc == CX_ECLOSED) {
        status = 400;
        detail = "the request body ended before its declared length";
    } else if (rc == CX_EPARSE || rc == CX_EPROTO) {
        status = 400;
        detail = "the request body is malformed";
    } else if (rc == CX_ENOMEM) {
        status = 503;
        detail = "the server is out of memory";
    } else {
        detail = cx_strerror(rc);
    }
    cx_res_clear(ctx->res);
    cx_problem(ctx, status, detail);
}

void cx_exchange_finish_errors(cx_exchange *ex) {
    cx_answer_error(&ex->ctx, ex->handler_rc);
}

/* IMF-fixdate by hand: strftime's %a and %b follow the locale, HTTP's don't. */
void cx_worker_update_date(cx_worker *w) {
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec == w->date_sec && w->date_len) return;
    w->date_sec = ts.tv_sec;
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(w->date_line, sizeof w->date_line,
                     "Date: %.3s, %02d %.3s %04d %02d:%02d:%02d GMT\r\n", days + 3 * tm.tm_wday,
                     tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    w->date_len = n > 0 && (size_t)n < sizeof w->date_line ? (size_t)n : 0;
}
