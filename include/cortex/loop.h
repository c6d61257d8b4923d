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
    uint64_t when;      /* absolute, ms on cx_loop_now()'s clock */
    size_t heap_index;  /* position in the heap; SIZE_MAX when inactive */
    cx_timer_cb cb;
    void *data; /* the owner's */
};

typedef struct cx_loop_options {
    unsigned max_events;     /* epoll batch size; default 256 */
    size_t coro_stack_size;  /* bytes per coroutine stack; default 64 KiB */
    unsigned coro_pool_max;  /* idle coroutines kept for reuse; default 1024 */
} cx_loop_options;

/* Create a loop; opts may be NULL for the defaults. Free with cx_loop_free()
 * after cx_loop_run() has returned. */
int cx_loop_new(cx_loop **out, const cx_loop_options *opts);
void cx_loop_free(cx_loop *loop);
/* Run until cx_loop_stop(). Returns 0, or a negative error from epoll. */
int cx_loop_run(cx_loop *loop);
/* Ask the loop to return from cx_loop_run() after the current iteration.
 * Thread-safe. */
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
 * callback fires when the state changes, so read/write until EAGAIN. The fd
 * stays the caller's to close — call cx_io_stop() first. */
int cx_io_start(cx_loop *loop, cx_io *io, int fd, unsigned events, cx_io_cb cb);
int cx_io_modify(cx_loop *loop, cx_io *io, unsigned events);
void cx_io_stop(cx_loop *loop, cx_io *io);

/* Timers. Initialise once with cx_timer_init(); start (or restart) to fire
 * once, timeout_ms from now; stopping an inactive timer is a no-op. Insert
 * and cancel are O(log n). */
void cx_timer_init(cx_timer *t, cx_timer_cb cb, void *data);
void cx_timer_start(cx_loop *loop, cx_timer *t, uint64_t timeout_ms);
void cx_timer_stop(cx_loop *loop, cx_timer *t);
static inline bool cx_timer_active(const cx_timer *t) {
    return t->heap_index != SIZE_MAX;
}

/* Run fn(arg) on the loop's thread at its next iteration. Thread-safe; the
 * only way for another thread to touch a loop. 0 or CX_ENOMEM. */
int cx_loop_post(cx_loop *loop, cx_task_fn fn, void *arg);
/* Run fn(arg) at the end of the current iteration (same thread only).
 * Never allocates after warm-up. */
int cx_loop_defer(cx_loop *loop, cx_task_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
