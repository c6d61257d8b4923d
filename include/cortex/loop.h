/* The event loop: one per worker thread.
 *
 * A cx_loop owns an edge-triggered epoll instance, a timer heap and a queue
 * of callbacks posted from other threads (woken through an eventfd). Every
 * object registered with a loop (cx_io, cx_timer) is a struct the caller
 * embeds in its own object, so registering allocates nothing; the fields are
 * the loop's, read them only through the accessors. A loop and everything on
 * it belong to the thread that runs it: only cx_loop_post() and
 * cx_loop_stop() may be called from other threads.
 *
 * One iteration: wait in epoll (until the nearest timer), dispatch I/O
 * callbacks, run expired timers, run callbacks posted from other threads,
 * then run deferred callbacks (cx_loop_defer) — which is where coroutines
 * woken during the iteration are resumed, so a wake never nests a resume
 * inside an I/O callback.
 */
#ifndef CORTEX_LOOP_H
#define CORTEX_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_loop cx_loop;
typedef struct cx_io cx_io;
typedef struct cx_timer cx_timer;

/* Readiness bits for cx_io. */
#define CX_READABLE 1u
#define CX_WRITABLE 2u
#define CX_HANGUP   4u /* error or hang-up: the fd is finished */
#define CX_RDHUP                                                                                   \
    8u /* the peer will send no more (it may still read); comes with                               \
          CX_READABLE so that a reader finds the end */

typedef void (*cx_io_cb)(cx_io *io, unsigned events);
typedef void (*cx_timer_cb)(cx_timer *t);
typedef void (*cx_task_fn)(void *arg);

struct cx_io {
    int fd;
    unsigned events;
    cx_io_cb cb;
    void *data; /* the owner's */
};

struct cx_timer {
    uint64_t when;     /* absolute, ms on cx_loop_now()'s clock */
    size_t heap_index; /* position in the heap; SIZE_MAX when inactive */
    uint64_t seq;      /* start order: ties fire first-started first */
    cx_timer_cb cb;
    void *data; /* the owner's */
};

#define CX_LOOP_DEFAULT_MAX_EVENTS 256
/* Sanitizer builds of the project (CX_SANITIZE) give coroutines 1 MiB: ASan
 * inflates frames, and they compile the wasm interpreter unoptimised (its
 * dispatch function then has a ~230 KiB frame; a few KiB when optimised). */
#ifdef CX_SANITIZE
#define CX_LOOP_DEFAULT_STACK_SIZE (1024u * 1024u)
#else
#define CX_LOOP_DEFAULT_STACK_SIZE (64u * 1024u)
#endif
#define CX_LOOP_MIN_STACK_SIZE     (16u * 1024u)
#define CX_LOOP_DEFAULT_POOL_MAX   1024

/* A zero field means its default. */
typedef struct cx_loop_options {
    unsigned max_events;    /* epoll batch size; default 256 */
    size_t coro_stack_size; /* bytes per coroutine stack; default 64 KiB (1 MiB
                               in sanitizer builds), at least 16 KiB, rounded
                               up to whole pages */
    unsigned coro_pool_max; /* idle coroutines kept for reuse; default 1024 */
} cx_loop_options;

/* Create a loop; opts may be NULL for the defaults. 0, CX_ENOMEM, or a
 * negative errno from epoll/eventfd. The loop is the caller's: free it with
 * cx_loop_free() after cx_loop_run() has returned. */
int cx_loop_new(cx_loop **out, const cx_loop_options *opts);
/* Release the loop and every coroutine stack it holds, including those of
 * coroutines still suspended (their functions never finish). Registered
 * cx_io/cx_timer structs stay their owners'; posted and deferred callbacks
 * that have not run are dropped, so whatever their args own is the
 * poster's. NULL is a no-op. */
void cx_loop_free(cx_loop *loop);
/* Run until cx_loop_stop(). Returns 0, CX_ESTATE if the loop is already
 * running, or a negative errno from epoll. */
int cx_loop_run(cx_loop *loop);
/* Ask the loop to return from cx_loop_run() after the current iteration.
 * Thread-safe. A stop asked for before cx_loop_run() starts is kept: that
 * run does one non-blocking iteration and returns. */
void cx_loop_stop(cx_loop *loop);
/* The loop running on the calling thread, or NULL. */
cx_loop *cx_loop_current(void);
/* Monotonic milliseconds, cached once per iteration (cheap). */
uint64_t cx_loop_now(const cx_loop *loop);
/* Refresh the cached time (after long work inside a callback). */
void cx_loop_update_time(cx_loop *loop);
/* The owner's pointer, for code that hangs per-thread state on the loop
 * (the HTTP worker, the thread pool). */
void cx_loop_set_data(cx_loop *loop, void *data);
void *cx_loop_data(const cx_loop *loop);

/* Watch fd for events (CX_READABLE | CX_WRITABLE), edge-triggered: the
 * callback fires when the state changes, so read/write until EAGAIN.
 * CX_HANGUP is reported whether asked for or not. The fd stays the caller's
 * to close — call cx_io_stop() first. cx_io_start: 0, CX_EINVAL or a
 * negative errno from epoll_ctl (e.g. -EEXIST: the fd is already watched).
 * After cx_io_stop() the callback is not called again, even for an event
 * already collected in the current batch, so the struct may be freed. */
int cx_io_start(cx_loop *loop, cx_io *io, int fd, unsigned events, cx_io_cb cb);
int cx_io_modify(cx_loop *loop, cx_io *io, unsigned events);
void cx_io_stop(cx_loop *loop, cx_io *io);
/* Stop watching io and close its fd in one system call; io->fd becomes -1.
 * Only for a descriptor that was never duplicated (dup, fork, SCM_RIGHTS):
 * the kernel keeps the epoll registration while another descriptor holds
 * the file open, and would report its events for a struct since freed.
 * Returns 0, CX_EINVAL, or a negative errno from close(2) (the descriptor
 * is released either way). */
int cx_io_close(cx_loop *loop, cx_io *io);

/* Timers. Initialise once with cx_timer_init(); start (or restart) to fire
 * once, timeout_ms from now (from the cached cx_loop_now()); stopping an
 * inactive timer is a no-op. Insert and cancel are O(log n). Timers due at
 * the same millisecond fire in the order they were started; a timer
 * (re)started from a timer callback fires in a later iteration at the
 * earliest, so a zero timeout cannot starve the loop. */
void cx_timer_init(cx_timer *t, cx_timer_cb cb, void *data);
/* 0, CX_EINVAL, or CX_ENOMEM when the heap could not grow (only ever when
 * more timers are active at once than ever before on this loop). */
int cx_timer_start(cx_loop *loop, cx_timer *t, uint64_t timeout_ms);
void cx_timer_stop(cx_loop *loop, cx_timer *t);
static inline bool cx_timer_active(const cx_timer *t) {
    return t->heap_index != SIZE_MAX;
}

/* Run fn(arg) on the loop's thread at its next iteration. Thread-safe; the
 * only way for another thread to touch a loop. 0, CX_EINVAL (no fn) or
 * CX_ENOMEM. arg stays the poster's (see cx_loop_free()). */
int cx_loop_post(cx_loop *loop, cx_task_fn fn, void *arg);
/* Run fn(arg) at the end of the current iteration (same thread only), in
 * the order queued, interleaved in that order with the resumes of woken
 * coroutines. A callback deferred while deferred callbacks run goes to the
 * next pass, which runs after one more non-blocking epoll poll. Never
 * allocates after warm-up. 0, CX_EINVAL (no fn) or CX_ENOMEM. */
int cx_loop_defer(cx_loop *loop, cx_task_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
