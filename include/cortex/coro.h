/* Coroutines: handler code that reads like blocking code.
 *
 * A cx_coro is a stackful coroutine bound to the loop that started it. Every
 * Cortex API that waits (cx_sleep, cx_coro_wait_io, reading a request body,
 * cx_pool_run, outgoing calls) suspends the current coroutine and lets the
 * loop run others; the thread never blocks. Stacks come from a per-loop pool
 * (mmap'ed, with a guard page below each, so an overflow faults instead of
 * corrupting a neighbour), and a coroutine that returns goes back to the
 * pool: starting one on a warm loop allocates nothing.
 *
 * Deadlines: each coroutine carries an absolute deadline (0: none). A wait
 * that would outlast it returns CX_ETIMEDOUT at the deadline instead, and
 * cx_coro_cancel() makes the current and every later wait return
 * CX_ECANCELED. Nested scopes narrow the deadline with
 * cx_deadline_push()/cx_deadline_pop(), which is how a timeout policy wraps
 * any call.
 *
 * Context switching is hand-written for x86-64 and aarch64 (callee-saved
 * registers only), with a ucontext fallback elsewhere; ASan fiber hooks and
 * valgrind stack registration keep both tools working.
 */
#ifndef CORTEX_CORO_H
#define CORTEX_CORO_H

#include <stdint.h>
#include <cortex/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_coro cx_coro;
typedef void (*cx_coro_fn)(void *arg);

/* Start fn(arg) in a coroutine on loop (which must be the calling thread's)
 * and run it right away until it first waits or returns. On success *out (if
 * not NULL) is set to the coroutine while it is alive — it is released when
 * fn returns, so keep the pointer only while it is suspended. Returns 1 if
 * the coroutine is suspended, 0 if it already finished, CX_ENOMEM if no stack
 * could be had. May be called from inside another coroutine. */
int cx_coro_start(cx_loop *loop, cx_coro_fn fn, void *arg, cx_coro **out);

/* The running coroutine, or NULL on a loop's own stack. */
cx_coro *cx_coro_self(void);
cx_loop *cx_coro_loop(const cx_coro *co);

/* Suspend the running coroutine until cx_coro_wake(). Returns the result
 * passed to wake, or CX_ETIMEDOUT / CX_ECANCELED when the deadline or a
 * cancellation ended the wait first. Must be called inside a coroutine
 * (CX_ESTATE otherwise). The waker and the deadline race safely: the first
 * one wins, the other is ignored. */
int cx_coro_suspend(void);
/* Make a suspended coroutine runnable; it resumes with `result` at the end
 * of the current loop iteration. Same thread only. Waking a coroutine that
 * is not suspended is a no-op. */
void cx_coro_wake(cx_coro *co, int result);

/* Let others run; resume at the end of this iteration. */
int cx_coro_yield(void);
/* Sleep ms milliseconds: 0, or CX_ETIMEDOUT / CX_ECANCELED when the
 * deadline or a cancellation comes first. */
int cx_sleep(uint64_t ms);
/* Wait until fd is ready for `events` (CX_READABLE/CX_WRITABLE). Returns the
 * ready events (> 0), CX_ETIMEDOUT or CX_ECANCELED. The fd must not be
 * registered with the loop by anyone else. */
int cx_coro_wait_io(int fd, unsigned events);

/* Deadlines, absolute on cx_loop_now()'s clock; 0 means none. */
uint64_t cx_coro_deadline(const cx_coro *co);
void cx_coro_set_deadline(cx_coro *co, uint64_t deadline_ms);
/* Narrow the running coroutine's deadline to now + timeout_ms (never widen
 * it) and return the previous one, to be handed back to cx_deadline_pop(). */
uint64_t cx_deadline_push(uint64_t timeout_ms);
void cx_deadline_pop(uint64_t previous);

/* Cancel: the coroutine's current wait (if any) and all later ones return
 * CX_ECANCELED. Same thread only. */
void cx_coro_cancel(cx_coro *co);
bool cx_coro_cancelled(const cx_coro *co);

/* One pointer of the owner's, carried by the coroutine (the HTTP layer keeps
 * the request context here). */
void cx_coro_set_data(cx_coro *co, void *data);
void *cx_coro_data(const cx_coro *co);

#ifdef __cplusplus
}
#endif
#endif
