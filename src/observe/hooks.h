/* The calls the HTTP layer makes into the observability module (private).
 *
 * Every hook takes the server's cx_http_metrics (NULL when none is attached:
 * the hook then returns at once), so the HTTP code needs no #ifdef and pays a
 * pointer test when metrics are off. All run on the worker's thread. */
#ifndef CX_OBSERVE_HOOKS_H
#define CX_OBSERVE_HOOKS_H

#include <cortex/loop.h>
#include <cortex/metrics.h>
#include <stdint.h>

typedef enum cx_obs_proto { CX_OBS_HTTP1 = 0, CX_OBS_HTTP2, CX_OBS_NPROTO } cx_obs_proto;

/* A handler is about to run: returns the start time (ns, monotonic) to hand
 * back to cx__obs_request_end, 0 when hm is NULL. */
uint64_t cx__obs_request_start(cx_http_metrics *hm);
/* The response is complete (or abandoned). route is the matched template,
 * empty when none. */
void cx__obs_request_end(cx_http_metrics *hm, uint64_t start_ns, const cx_req *req,
                         const cx_res *res, cx_str route);
/* A connection opened (+1) or closed (-1). */
void cx__obs_conn(cx_http_metrics *hm, cx_obs_proto proto, int delta);
/* A worker's loop starts / has stopped running: arm / disarm its lag probe. */
void cx__obs_worker_start(cx_http_metrics *hm, unsigned index, cx_loop *loop);
void cx__obs_worker_stop(cx_http_metrics *hm, unsigned index, cx_loop *loop);

/* A request's coroutine is done: forget any span it left current (a
 * cx_panic() jumps past the middleware that would have restored it, and the
 * coroutine will be reused). */
void cx__trace_coro_done(void);

#endif
