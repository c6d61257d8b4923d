/* Running wasm work on the thread pool (private to src/wasm). */
#ifndef CX_WASM_POOLED_H
#define CX_WASM_POOLED_H

#include <stdbool.h>
#include <stdint.h>

/* Run work(arg) on the pool attached to the calling coroutine's loop and
 * wait for it without blocking the loop (cx_pool_run underneath). Returns 0
 * when work ran (arg is the caller's again) or an error of cx_pool_run():
 * CX_ESTATE (no coroutine or no pool), CX_EBUSY, CX_ENOMEM, CX_ETIMEDOUT,
 * CX_ECANCELED. *handed tells who owns arg after an error: false, work
 * never ran and arg is the caller's; true (the caller stopped waiting after
 * the job was queued), arg belongs to the job, whose orphan(arg) releases
 * it once work is over (possibly right away, on this thread). */
int cx_wasm__pooled(void (*work)(void *arg), void (*orphan)(void *arg), void *arg, bool *handed);

/* The calling coroutine's deadline as an absolute CLOCK_MONOTONIC time in
 * nanoseconds (0: none or no coroutine). */
uint64_t cx_wasm__coro_deadline_ns(void);
/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t cx_wasm__now_ns(void);

#endif
