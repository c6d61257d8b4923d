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
 * fn returns, so keep the pointer only while it is suspended. *out is written
 * before fn starts (so fn may find it in the caller's struct) and never
 * after. Returns 1 if the coroutine is suspended, 0 if it already finished,
 * CX_ENOMEM if no stack could be had, CX_EINVAL without loop or fn,
 * CX_ESTATE when another loop runs on this thread. May be called from inside
 * another coroutine: the new one runs until its first wait, then the starter
 * continues. A new coroutine has no deadline, no data and is not cancelled;
 * it inherits nothing from its starter. */
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
 * is not suspended in cx_coro_suspend() is a no-op: one running, already
 * woken, or waiting inside cx_sleep/cx_coro_wait_io/cx_pool_run (those end
 * only by their own event, the deadline or a cancel). A waker must forget
 * the coroutine once its wait has ended, or a late wake lands in the next
 * cx_coro_suspend(). */
void cx_coro_wake(cx_coro *co, int result);

/* Let others run: resume in the next deferred pass (after one more epoll
 * poll). Returns 0, or after yielding CX_ECANCELED / CX_ETIMEDOUT if the
 * coroutine is cancelled / past its deadline, so a compute loop that yields
 * can notice; CX_ESTATE outside a coroutine. */
int cx_coro_yield(void);
/* Sleep ms milliseconds: 0, or CX_ETIMEDOUT / CX_ECANCELED when the
 * deadline or a cancellation comes first (a sleep ending at the deadline's
 * millisecond completes). cx_sleep(0) returns in the next iteration. */
int cx_sleep(uint64_t ms);
/* Wait until fd is ready for `events` (CX_READABLE/CX_WRITABLE). Returns the
 * ready events (> 0, possibly with CX_HANGUP), CX_ETIMEDOUT or CX_ECANCELED;
 * CX_EINVAL for a bad fd or no events. The fd must not be registered with
 * the loop by anyone else (-EEXIST otherwise); it is registered for the wait
 * only, so a fd already ready returns at the next iteration. */
int cx_coro_wait_io(int fd, unsigned events);

/* Deadlines, absolute on cx_loop_now()'s clock; 0 means none. Setting one
 * on a suspended coroutine re-arms its wait. A deadline already passed makes
 * the next wait fail at once, without suspending. */
uint64_t cx_coro_deadline(const cx_coro *co);
void cx_coro_set_deadline(cx_coro *co, uint64_t deadline_ms);
/* Narrow the running coroutine's deadline to now + timeout_ms (never widen
 * it) and return the previous one, to be handed back to cx_deadline_pop().
 * timeout_ms 0 means "now": the next wait times out at once. Outside a
 * coroutine both are no-ops (push returns 0). */
uint64_t cx_deadline_push(uint64_t timeout_ms);
void cx_deadline_pop(uint64_t previous);

/* Cancel: the coroutine's current wait (if any) and all later ones return
 * CX_ECANCELED. Same thread only. A wait already ended by a wake or timer
 * keeps its result; the cancel applies from the next wait. */
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
