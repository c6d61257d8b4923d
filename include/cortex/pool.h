/* The thread pool: where blocking work goes.
 *
 * SQLite, CPU-heavy compute and anything else that would stall a worker's
 * loop runs here instead. cx_pool_run() hands a function to the pool and
 * suspends the calling coroutine until it has returned on a pool thread; the
 * result comes back through the loop's cross-thread queue, so the worker
 * never blocks. If the caller's deadline passes or it is cancelled first,
 * cx_pool_run() returns CX_ETIMEDOUT / CX_ECANCELED at once and the job still
 * runs to its end (a thread cannot be interrupted safely): give it only data
 * that outlives the call, or check cx_pool_job_abandoned() inside.
 */
#ifndef CORTEX_POOL_H
#define CORTEX_POOL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_pool cx_pool;

#define CX_POOL_DEFAULT_THREADS 4
#define CX_POOL_DEFAULT_QUEUE   4096

/* threads 0: the default; max_queue 0: the default. A full queue makes
 * cx_pool_run() fail with CX_EBUSY rather than grow without bound. */
int cx_pool_new(cx_pool **out, unsigned threads, size_t max_queue);
/* Finish queued jobs, join the threads, free. */
void cx_pool_free(cx_pool *pool);

/* Make `pool` the one cx_pool_run() uses on the calling thread's loop. */
void cx_pool_attach(cx_pool *pool, void *loop /* cx_loop* */);

/* Run fn(arg) on the pool and wait (suspending the coroutine) for it to
 * return. 0 when it ran; CX_ETIMEDOUT / CX_ECANCELED (the job continues,
 * see above); CX_EBUSY when the queue is full; CX_ESTATE outside a coroutine
 * or with no pool attached. */
int cx_pool_run(void (*fn)(void *arg), void *arg);
/* Inside a job: true once the caller has stopped waiting for it. */
bool cx_pool_job_abandoned(void);

#ifdef __cplusplus
}
#endif
#endif
