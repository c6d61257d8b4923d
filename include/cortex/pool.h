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

/* threads 0: the default (at most 1024); max_queue 0: the default. A full
 * queue (jobs waiting for a thread, not counting those running) makes
 * cx_pool_run() fail with CX_EBUSY rather than grow without bound. 0,
 * CX_EINVAL, CX_ENOMEM or a negative errno from pthread_create. The pool is
 * the caller's, to free with cx_pool_free(). */
int cx_pool_new(cx_pool **out, unsigned threads, size_t max_queue);
/* Finish queued jobs (their completions are posted to their loops, which
 * deliver them when they next run), join the threads, free. Loops the pool
 * was attached to keep a stale pointer: detach them, or never call
 * cx_pool_run() on them again. NULL is a no-op. */
void cx_pool_free(cx_pool *pool);

/* Make `pool` the one cx_pool_run() uses on `loop` (NULL: the calling
 * thread's loop). Call it on the loop's thread or before the loop runs.
 * pool NULL detaches. The pool stays the caller's; several loops may share
 * one pool. Freeing a loop while its jobs run is safe: they finish, and
 * their results are dropped. */
void cx_pool_attach(cx_pool *pool, void *loop /* cx_loop* */);

/* Run fn(arg) on the pool and wait (suspending the coroutine) for it to
 * return. 0 when it ran; CX_ETIMEDOUT / CX_ECANCELED (the job continues,
 * see above; if the coroutine is already cancelled or late, the job is not
 * queued at all); CX_EBUSY when the queue is full; CX_ESTATE outside a
 * coroutine, with no pool attached or while the pool is being freed;
 * CX_EINVAL without fn; CX_ENOMEM. Allocates one small job record. */
int cx_pool_run(void (*fn)(void *arg), void *arg);
/* Inside a job: true once the caller has stopped waiting for it. */
bool cx_pool_job_abandoned(void);

#ifdef __cplusplus
}
#endif
#endif
