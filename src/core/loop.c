/* The event loop: epoll (edge-triggered), the deferred ring, the posted
 * queues and the run loop. Timers live in timer.c.
 *
 * The eventfd is registered like any cx_io; its callback only notes that the
 * posted queues need draining, so posted work runs at its place in the
 * iteration (after timers), not in the middle of the I/O batch. */
#include "core/loop_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define DEFER_INITIAL  64
#define POSTED_INITIAL 16

static _Thread_local cx_loop *tls_loop;

static uint64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- options and life ------------------------------------------------------ */

static cx_loop_options normalise(const cx_loop_options *in) {
    cx_loop_options o = in ? *in : (cx_loop_options){0};
    if (!o.max_events) o.max_events = CX_LOOP_DEFAULT_MAX_EVENTS;
    if (o.max_events > 65536) o.max_events = 65536; /* epoll_wait takes an int */
    if (!o.coro_stack_size) o.coro_stack_size = CX_LOOP_DEFAULT_STACK_SIZE;
    if (o.coro_stack_size < CX_LOOP_MIN_STACK_SIZE) o.coro_stack_size = CX_LOOP_MIN_STACK_SIZE;
    if (o.coro_stack_size > ((size_t)1 << 30)) o.coro_stack_size = (size_t)1 << 30;
    long page = sysconf(_SC_PAGESIZE);
    size_t p = page > 0 ? (size_t)page : 4096;
    o.coro_stack_size = (o.coro_stack_size + p - 1) / p * p;
    if (!o.coro_pool_max) o.coro_pool_max = CX_LOOP_DEFAULT_POOL_MAX;
    return o;
}

static void on_wake(cx_io *io, unsigned events) {
    cx_loop *loop = io->data;
    uint64_t v;
    while (read(loop->evfd, &v, sizeof v) < 0 && errno == EINTR) {
    }
    loop->post_ready = true;
}

static int loop_open(cx_loop *loop) {
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) return -errno;
    loop->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->evfd < 0) return -errno;
    loop->events = calloc(loop->opts.max_events, sizeof *loop->events);
    loop->defer = malloc(DEFER_INITIAL * sizeof *loop->defer);
    loop->posted.v = malloc(POSTED_INITIAL * sizeof(cx_task));
    loop->running_posted.v = malloc(POSTED_INITIAL * sizeof(cx_task));
    if (!loop->events || !loop->defer || !loop->posted.v || !loop->running_posted.v)
        return CX_ENOMEM;
    loop->defer_cap = DEFER_INITIAL;
    loop->posted.cap = loop->running_posted.cap = POSTED_INITIAL;
    int rc = cx_timer__heap_init(loop);
    if (rc) return rc;
    loop->wake_io.data = loop;
    return cx_io_start(loop, &loop->wake_io, loop->evfd, CX_READABLE, on_wake);
}

int cx_loop_new(cx_loop **out, const cx_loop_options *opts) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    cx_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return CX_ENOMEM;
    loop->epfd = loop->evfd = -1;
    loop->opts = normalise(opts);
    loop->now = monotonic_ms();
    atomic_init(&loop->stop, false);
    if (pthread_mutex_init(&loop->post_mu, NULL)) {
        free(loop);
        return CX_ENOMEM;
    }
    int rc = loop_open(loop);
    if (rc) {
        cx_loop_free(loop);
        return rc;
    }
    *out = loop;
    return CX_OK;
}

void cx_loop_free(cx_loop *loop) {
    if (!loop) return;
    cx_pool__loop_free(loop);
    cx_coro__loop_free(loop);
    if (loop->epfd >= 0) close(loop->epfd);
    if (loop->evfd >= 0) close(loop->evfd);
    pthread_mutex_destroy(&loop->post_mu);
    free(loop->events);
    free(loop->heap);
    free(loop->defer);
    free(loop->posted.v);
    free(loop->running_posted.v);
    if (tls_loop == loop) tls_loop = NULL;
    free(loop);
}

/* ---- small accessors ---------------------------------------------------------- */

cx_loop *cx_loop_current(void) {
    return tls_loop;
}

uint64_t cx_loop_now(const cx_loop *loop) {
    return loop ? loop->now : monotonic_ms();
}

void cx_loop_update_time(cx_loop *loop) {
    if (loop) loop->now = monotonic_ms();
}

void cx_loop_set_data(cx_loop *loop, void *data) {
    if (loop) loop->data = data;
}

void *cx_loop_data(const cx_loop *loop) {
    return loop ? loop->data : NULL;
}

/* ---- I/O ------------------------------------------------------------------------ */

static uint32_t to_epoll(unsigned events) {
    uint32_t e = EPOLLET;
    if (events & CX_READABLE) e |= EPOLLIN | EPOLLRDHUP;
    if (events & CX_WRITABLE) e |= EPOLLOUT;
    return e;
}

static unsigned from_epoll(uint32_t e) {
    unsigned ev = 0;
    if (e & (EPOLLIN | EPOLLPRI)) ev |= CX_READABLE;
    if (e & EPOLLOUT) ev |= CX_WRITABLE;
    if (e & (EPOLLERR | EPOLLHUP)) ev |= CX_HANGUP;
    if (e & EPOLLRDHUP) ev |= CX_RDHUP | CX_READABLE;
    return ev;
}

int cx_io_start(cx_loop *loop, cx_io *io, int fd, unsigned events, cx_io_cb cb) {
    if (!loop || !io || fd < 0 || !cb) return CX_EINVAL;
    io->fd = fd;
    io->events = events;
    io->cb = cb;
    struct epoll_event e = {.events = to_epoll(events), .data.ptr = io};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &e) < 0) return -errno;
    return CX_OK;
}

int cx_io_modify(cx_loop *loop, cx_io *io, unsigned events) {
    if (!loop || !io || io->fd < 0) return CX_EINVAL;
    struct epoll_event e = {.events = to_epoll(events), .data.ptr = io};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &e) < 0) return -errno;
    io->events = events;
    return CX_OK;
}

/* Events for io may already sit in the batch being dispatched. */
static void scrub_batch(cx_loop *loop, const cx_io *io) {
    for (int i = loop->batch_pos + 1; i < loop->batch_n; i++)
        if (loop->events[i].data.ptr == io) loop->events[i].data.ptr = NULL;
}

void cx_io_stop(cx_loop *loop, cx_io *io) {
    if (!loop || !io || io->fd < 0) return;
    struct epoll_event e = {0}; /* kernels before 2.6.9 wanted non-NULL */
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, &e);
    scrub_batch(loop, io);
}

/* close(2) drops the descriptor from every epoll set once no other
 * descriptor refers to its open file, so the EPOLL_CTL_DEL that
 * cx_io_stop() makes would be a wasted system call here: about one in
 * twelve of a short-lived TLS connection's. */
int cx_io_close(cx_loop *loop, cx_io *io) {
    if (!loop || !io || io->fd < 0) return CX_EINVAL;
    scrub_batch(loop, io);
    int rc = close(io->fd);
    io->fd = -1;
    return rc < 0 ? -errno : CX_OK;
}

static void dispatch_io(cx_loop *loop, int n) {
    loop->batch_n = n;
    for (loop->batch_pos = 0; loop->batch_pos < n; loop->batch_pos++) {
        struct epoll_event *e = &loop->events[loop->batch_pos];
        cx_io *io = e->data.ptr;
        if (!io) continue;
        unsigned ev = from_epoll(e->events) & (io->events | CX_HANGUP | CX_RDHUP);
        if (ev) io->cb(io, ev);
    }
    loop->batch_n = loop->batch_pos = 0;
}

/* ---- the deferred ring ------------------------------------------------------- */

static int defer_ensure(cx_loop *loop, size_t need) {
    if (need <= loop->defer_cap) return CX_OK;
    size_t cap = loop->defer_cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / sizeof(cx_task)) return CX_ENOMEM;
        cap *= 2;
    }
    cx_task *v = malloc(cap * sizeof *v);
    if (!v) return CX_ENOMEM;
    for (size_t i = 0; i < loop->defer_len; i++)
        v[i] = loop->defer[(loop->defer_head + i) & (loop->defer_cap - 1)];
    free(loop->defer);
    loop->defer = v;
    loop->defer_head = 0;
    loop->defer_cap = cap;
    return CX_OK;
}

static void defer_push(cx_loop *loop, cx_task t) {
    loop->defer[(loop->defer_head + loop->defer_len) & (loop->defer_cap - 1)] = t;
    loop->defer_len++;
}

/* Slots the ring must keep free: one per live coroutine not queued yet. */
static size_t defer_reserved(const cx_loop *loop) {
    return loop->coro_reserved - loop->defer_coros;
}

int cx_loop_defer(cx_loop *loop, cx_task_fn fn, void *arg) {
    if (!loop || !fn) return CX_EINVAL;
    if (defer_ensure(loop, loop->defer_len + 1 + defer_reserved(loop))) return CX_ENOMEM;
    defer_push(loop, (cx_task){fn, arg, false});
    return CX_OK;
}

int cx_loop__reserve_coro(cx_loop *loop) {
    if (defer_ensure(loop, loop->defer_len + 1 + defer_reserved(loop))) return CX_ENOMEM;
    loop->coro_reserved++;
    return CX_OK;
}

void cx_loop__release_coro(cx_loop *loop) {
    loop->coro_reserved--;
}

void cx_loop__defer_coro(cx_loop *loop, cx_task_fn fn, void *arg) {
    defer_push(loop, (cx_task){fn, arg, true});
    loop->defer_coros++;
}

/* Run what was queued when the drain began; later arrivals wait for the
 * next pass so a callback that re-defers itself cannot hold the loop. */
static void run_deferred(cx_loop *loop) {
    for (size_t n = loop->defer_len; n > 0 && loop->defer_len > 0; n--) {
        cx_task t = loop->defer[loop->defer_head];
        loop->defer_head = (loop->defer_head + 1) & (loop->defer_cap - 1);
        loop->defer_len--;
        if (t.coro) loop->defer_coros--;
        t.fn(t.arg);
    }
}

/* ---- posted from other threads --------------------------------------------- */

static void wake(cx_loop *loop) {
    uint64_t one = 1;
    while (write(loop->evfd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

static int vec_push(cx_task_vec *v, cx_task t) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : POSTED_INITIAL;
        cx_task *p = realloc(v->v, cap * sizeof *p);
        if (!p) return CX_ENOMEM;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = t;
    return CX_OK;
}

int cx_loop_post(cx_loop *loop, cx_task_fn fn, void *arg) {
    if (!loop || !fn) return CX_EINVAL;
    pthread_mutex_lock(&loop->post_mu);
    int rc = vec_push(&loop->posted, (cx_task){fn, arg, false});
    bool need_wake = rc == CX_OK && !loop->wake_pending;
    if (need_wake) loop->wake_pending = true;
    pthread_mutex_unlock(&loop->post_mu);
    if (need_wake) wake(loop);
    return rc;
}

void cx_loop__post_node(cx_loop *loop, cx_post_node *node) {
    node->next = NULL;
    pthread_mutex_lock(&loop->post_mu);
    if (loop->nodes_tail)
        loop->nodes_tail->next = node;
    else
        loop->nodes_head = node;
    loop->nodes_tail = node;
    bool need_wake = !loop->wake_pending;
    loop->wake_pending = true;
    pthread_mutex_unlock(&loop->post_mu);
    if (need_wake) wake(loop);
}

static void run_posted(cx_loop *loop) {
    pthread_mutex_lock(&loop->post_mu);
    cx_task_vec batch = loop->posted;
    loop->posted = loop->running_posted;
    cx_post_node *node = loop->nodes_head;
    loop->nodes_head = loop->nodes_tail = NULL;
    loop->wake_pending = false;
    pthread_mutex_unlock(&loop->post_mu);
    /* The emptied vector goes back as the spare, keeping its capacity. */
    for (size_t i = 0; i < batch.n; i++) batch.v[i].fn(batch.v[i].arg);
    batch.n = 0;
    loop->running_posted = batch;
    while (node) {
        cx_post_node *next = node->next; /* fn may free the node */
        node->fn(node->arg);
        node = next;
    }
}

/* ---- running ---------------------------------------------------------------- */

void cx_loop_stop(cx_loop *loop) {
    if (!loop) return;
    atomic_store(&loop->stop, true);
    if (tls_loop != loop) wake(loop);
}

static int wait_timeout(const cx_loop *loop) {
    if (loop->defer_len || atomic_load_explicit(&loop->stop, memory_order_relaxed)) return 0;
    return cx_timer__timeout(loop);
}

static int iterate(cx_loop *loop) {
    int n = epoll_wait(loop->epfd, loop->events, (int)loop->opts.max_events, wait_timeout(loop));
    if (n < 0) {
        if (errno != EINTR) return -errno;
        n = 0;
    }
    loop->now = monotonic_ms();
    loop->iterations++;
    dispatch_io(loop, n);
    cx_timer__run(loop);
    if (loop->post_ready) {
        loop->post_ready = false;
        run_posted(loop);
    }
    run_deferred(loop);
    return CX_OK;
}

int cx_loop_run(cx_loop *loop) {
    if (!loop) return CX_EINVAL;
    if (loop->running) return CX_ESTATE;
    loop->running = true;
    cx_loop *prev = tls_loop;
    tls_loop = loop;
    int rc;
    do rc = iterate(loop);
    while (rc == CX_OK && !atomic_load(&loop->stop));
    atomic_store(&loop->stop, false);
    tls_loop = prev;
    loop->running = false;
    return rc;
}
