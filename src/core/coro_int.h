/* Coroutines, the private side: internal waits for other core modules.
 *
 * A public cx_coro_suspend() can be ended by any cx_coro_wake(). An internal
 * wait (a sleep, an I/O wait, a pool job) is ended only by a wake carrying
 * its token — or by the deadline or a cancellation — so a stray
 * cx_coro_wake() cannot cut it short. */
#ifndef CX_CORE_CORO_INT_H
#define CX_CORE_CORO_INT_H

#include <cortex/coro.h>

/* Suspend the running coroutine co until cx_coro__wake(co, token, r)
 * (returns r), its deadline (CX_ETIMEDOUT) or a cancellation
 * (CX_ECANCELED). token must be non-NULL and unique to the wait. */
int cx_coro__wait(cx_coro *co, const void *token);
/* End co's wait on token; a no-op if co is not waiting on that token. */
void cx_coro__wake(cx_coro *co, const void *token, int result);

/* The lowest usable byte of co's stack (the guard page is just below): for
 * tests. */
void *cx_coro__stack_lo(const cx_coro *co);

/* The back-end in use, for reports: "x86-64 assembly", "ucontext", ... */
const char *cx_coro__backend(void);

#endif
