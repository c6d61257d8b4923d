/* The loop's private side, shared by loop.c, timer.c, coro.c and pool.c.
 *
 * The deferred queue is one ring for callbacks and coroutine resumes, so the
 * two keep their relative order (a coroutine woken before a callback that
 * frees what it waits on resumes first). Coroutine resumes must never fail,
 * so the ring keeps a slot reserved for every live coroutine that is not
 * queued yet: the reservation is taken when a coroutine starts — where
 * cx_coro_start() may still fail with CX_ENOMEM — never when it is woken.
 *
 * Cross-thread work comes in two queues behind one mutex: an array of
 * (fn, arg) for cx_loop_post(), and an intrusive list of nodes embedded in
 * their owners for internal senders that must not fail (pool completions).
 */
#ifndef CX_CORE_LOOP_INT_H
#define CX_CORE_LOOP_INT_H

#include <cortex/loop.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>

struct cx_coro;

typedef struct cx_task {
    cx_task_fn fn;
    void *arg;
    bool coro; /* a coroutine resume, counted in defer_coros */
} cx_task;

typedef struct cx_task_vec {
    cx_task *v;
    size_t n, cap;
} cx_task_vec;

/* A cross-thread message that needs no allocation to send. */
typedef struct cx_post_node {
    struct cx_post_node *next;
    cx_task_fn fn;
    void *arg;
} cx_post_node;

struct cx_loop {
    int epfd;
    int evfd;
    uint64_t now;
    cx_loop_options opts;
    void *data;
    void *pool; /* cx_pool *, set by cx_pool_attach() */
    bool running;
    uint64_t iterations; /* for tests: proves the loop does not spin */

    /* Stopping and cross-thread wake-up. */
    atomic_bool stop;
    bool post_ready; /* the eventfd fired: drain the posted queues */
    cx_io wake_io;

    /* The I/O batch being dispatched, so cx_io_stop() can scrub it. */
    struct epoll_event *events;
    int batch_pos, batch_n;

    /* Timer heap (binary, min by (when, seq)). */
    cx_timer **heap;
    size_t nheap, capheap;
    uint64_t timer_seq;

    /* Deferred ring. */
    cx_task *defer;
    size_t defer_head, defer_len, defer_cap; /* cap is a power of two */
    size_t defer_coros;                      /* coroutine resumes queued */
    size_t coro_reserved;                    /* live coroutines */

    /* Posted from other threads. */
    pthread_mutex_t post_mu;
    cx_task_vec posted, running_posted;
    cx_post_node *nodes_head, *nodes_tail;
    bool wake_pending; /* an eventfd write is on its way */

    /* Coroutines (coro.c). */
    struct cx_coro *coro_idle; /* pooled, ready for reuse */
    unsigned coro_nidle;
    struct cx_coro *coro_live; /* started and not finished */
    size_t coro_nlive;
    uint64_t coro_mmaps; /* stacks ever mapped: for tests */

    /* Pool jobs waiting for completion (pool.c). */
    void *jobs;
};

/* Timers (timer.c). */
int cx_timer__heap_init(cx_loop *loop);
void cx_timer__run(cx_loop *loop);
/* ms until the nearest timer, 0 if one is due, -1 if there is none. */
int cx_timer__timeout(const cx_loop *loop);

/* Take a deferred-ring slot for a coroutine about to start (CX_ENOMEM), and
 * give it back when it finishes. */
int cx_loop__reserve_coro(cx_loop *loop);
void cx_loop__release_coro(cx_loop *loop);
/* Queue a coroutine resume; cannot fail thanks to the reservation. */
void cx_loop__defer_coro(cx_loop *loop, cx_task_fn fn, void *arg);

/* Send a node to the loop's thread; never fails, never allocates. */
void cx_loop__post_node(cx_loop *loop, cx_post_node *node);

/* Called by cx_loop_free() for the other modules' state. */
void cx_coro__loop_free(cx_loop *loop);
void cx_pool__loop_free(cx_loop *loop);

/* Stacks mapped so far by this loop's coroutine pool. */
static inline uint64_t cx_loop__coro_mmaps(const cx_loop *loop) {
    return loop->coro_mmaps;
}

#endif
