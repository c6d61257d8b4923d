/* Tests for the event loop: life, timers (order, cancel, restart, a heap
 * of thousands), deferred and posted callbacks (order, growth, threads),
 * I/O readiness and stopping. No test asserts on elapsed time. */
#include "harness.h"
#include "core/loop_int.h"
#include <cortex/error.h>
#include <cortex/loop.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static cx_loop *new_loop(void) {
    cx_loop *loop = NULL;
    int rc = cx_loop_new(&loop, NULL);
    CHECK_EQ(rc, CX_OK);
    return loop;
}

static void stop_task(void *arg) {
    cx_loop_stop(arg);
}

static void stop_timer_cb(cx_timer *t) {
    cx_loop_stop(t->data);
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A guard so a broken loop fails a test instead of hanging the suite. */
static cx_timer guard;
static void arm_guard(cx_loop *loop, uint64_t ms) {
    cx_timer_init(&guard, stop_timer_cb, loop);
    cx_timer_start(loop, &guard, ms);
}

/* ---- life --------------------------------------------------------------------------- */

TEST(loop_new_and_free) {
    cx_loop *loop = new_loop();
    CHECK(loop != NULL);
    cx_loop_free(loop);
    cx_loop_free(NULL);
    CHECK_EQ(cx_loop_new(NULL, NULL), CX_EINVAL);
}

TEST(loop_options_normalised) {
    cx_loop_options o = {.max_events = 1, .coro_stack_size = 100, .coro_pool_max = 3};
    cx_loop *loop = NULL;
    CHECK_EQ(cx_loop_new(&loop, &o), CX_OK);
    CHECK_EQ(loop->opts.max_events, 1);
    CHECK(loop->opts.coro_stack_size >= CX_LOOP_MIN_STACK_SIZE);
    CHECK_EQ(loop->opts.coro_stack_size % 4096, 0);
    CHECK_EQ(loop->opts.coro_pool_max, 3);
    cx_loop_free(loop);
    cx_loop_options z = {0};
    CHECK_EQ(cx_loop_new(&loop, &z), CX_OK);
    CHECK_EQ(loop->opts.max_events, CX_LOOP_DEFAULT_MAX_EVENTS);
    CHECK_EQ(loop->opts.coro_stack_size, CX_LOOP_DEFAULT_STACK_SIZE);
    CHECK_EQ(loop->opts.coro_pool_max, CX_LOOP_DEFAULT_POOL_MAX);
    cx_loop_free(loop);
}

TEST(loop_data_pointer) {
    cx_loop *loop = new_loop();
    int x;
    CHECK(cx_loop_data(loop) == NULL);
    cx_loop_set_data(loop, &x);
    CHECK(cx_loop_data(loop) == &x);
    CHECK(cx_loop_data(NULL) == NULL);
    cx_loop_set_data(NULL, &x); /* no crash */
    cx_loop_free(loop);
}

static cx_loop *seen_current;
static void record_current(void *arg) {
    seen_current = cx_loop_current();
    cx_loop_stop(arg);
}

TEST(loop_current_is_thread_local_and_scoped) {
    cx_loop *loop = new_loop();
    CHECK(cx_loop_current() == NULL);
    seen_current = NULL;
    cx_loop_defer(loop, record_current, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK(seen_current == loop);
    CHECK(cx_loop_current() == NULL);
    cx_loop_free(loop);
}

TEST(loop_stop_before_run_returns) {
    cx_loop *loop = new_loop();
    cx_loop_stop(loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    /* The stop was consumed: a later run needs its own. */
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    cx_loop_stop(NULL); /* no crash */
    CHECK_EQ(cx_loop_run(NULL), CX_EINVAL);
    cx_loop_free(loop);
}

static int nested_rc;
static void run_nested(void *arg) {
    nested_rc = cx_loop_run(arg);
    cx_loop_stop(arg);
}

TEST(loop_run_is_not_reentrant) {
    cx_loop *loop = new_loop();
    nested_rc = 0;
    cx_loop_defer(loop, run_nested, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nested_rc, CX_ESTATE);
    cx_loop_free(loop);
}

static int after_stop_runs;
static void stop_then_defer(void *arg) {
    cx_loop_stop(arg);
    after_stop_runs = 0;
}
static void count_after_stop(void *arg) {
    after_stop_runs++;
}

TEST(loop_stop_finishes_the_iteration) {
    cx_loop *loop = new_loop();
    cx_loop_defer(loop, stop_then_defer, loop);
    cx_loop_defer(loop, count_after_stop, NULL);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(after_stop_runs, 1);
    cx_loop_free(loop);
}

TEST(loop_now_is_cached_and_monotonic) {
    cx_loop *loop = new_loop();
    uint64_t a = cx_loop_now(loop);
    CHECK(a > 0);
    sleep_ms(3);
    CHECK_EQ(cx_loop_now(loop), a); /* cached until refreshed */
    cx_loop_update_time(loop);
    CHECK(cx_loop_now(loop) >= a + 3);
    CHECK(cx_loop_now(NULL) > 0);
    cx_loop_update_time(NULL);
    cx_loop_free(loop);
}

static void *stop_from_thread(void *arg) {
    sleep_ms(20);
    cx_loop_stop(arg);
    return NULL;
}

TEST(loop_stop_from_another_thread) {
    cx_loop *loop = new_loop();
    pthread_t th;
    pthread_create(&th, NULL, stop_from_thread, loop);
    CHECK_EQ(cx_loop_run(loop), 0); /* blocks in epoll until the wake-up */
    pthread_join(th, NULL);
    CHECK(loop->iterations < 10);
    cx_loop_free(loop);
}

TEST(loop_does_not_spin_while_waiting_for_a_timer) {
    cx_loop *loop = new_loop();
    cx_timer t;
    cx_timer_init(&t, stop_timer_cb, loop);
    cx_timer_start(loop, &t, 40);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK(loop->iterations < 10);
    cx_loop_free(loop);
}

/* ---- timers ---------------------------------------------------------------------- */

static int fired[64];
static int nfired;

static void record_timer(cx_timer *t) {
    fired[nfired++] = (int)(intptr_t)t->data;
}

TEST(timer_init_and_active) {
    cx_timer t;
    cx_timer_init(&t, record_timer, NULL);
    CHECK(!cx_timer_active(&t));
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_timer_start(loop, &t, 1000), CX_OK);
    CHECK(cx_timer_active(&t));
    CHECK_EQ(t.when, cx_loop_now(loop) + 1000);
    cx_timer_stop(loop, &t);
    CHECK(!cx_timer_active(&t));
    cx_timer_stop(loop, &t); /* stopping an inactive timer: no-op */
    CHECK_EQ(cx_timer_start(NULL, &t, 1), CX_EINVAL);
    CHECK_EQ(cx_timer_start(loop, NULL, 1), CX_EINVAL);
    cx_timer nocb;
    cx_timer_init(&nocb, NULL, NULL);
    CHECK_EQ(cx_timer_start(loop, &nocb, 1), CX_EINVAL);
    cx_timer_init(NULL, NULL, NULL); /* no crash */
    cx_loop_free(loop);
}

TEST(timer_fires_in_deadline_order) {
    cx_loop *loop = new_loop();
    cx_timer t[4];
    int ms[4] = {30, 10, 20, 5};
    nfired = 0;
    for (int i = 0; i < 4; i++) {
        cx_timer_init(&t[i], record_timer, (void *)(intptr_t)ms[i]);
        cx_timer_start(loop, &t[i], (uint64_t)ms[i]);
    }
    cx_timer last;
    cx_timer_init(&last, stop_timer_cb, loop);
    cx_timer_start(loop, &last, 35);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nfired, 4);
    CHECK_EQ(fired[0], 5);
    CHECK_EQ(fired[1], 10);
    CHECK_EQ(fired[2], 20);
    CHECK_EQ(fired[3], 30);
    for (int i = 0; i < 4; i++) CHECK(!cx_timer_active(&t[i]));
    cx_loop_free(loop);
}

TEST(timer_ties_fire_in_start_order) {
    cx_loop *loop = new_loop();
    cx_timer t[20];
    nfired = 0;
    for (int i = 0; i < 20; i++) {
        cx_timer_init(&t[i], record_timer, (void *)(intptr_t)i);
        cx_timer_start(loop, &t[i], 0);
    }
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nfired, 20);
    for (int i = 0; i < 20; i++) CHECK_EQ(fired[i], i);
    cx_loop_free(loop);
}

TEST(timer_cancel_prevents_firing) {
    cx_loop *loop = new_loop();
    cx_timer a, b, c;
    nfired = 0;
    cx_timer_init(&a, record_timer, (void *)1);
    cx_timer_init(&b, record_timer, (void *)2);
    cx_timer_init(&c, record_timer, (void *)3);
    cx_timer_start(loop, &a, 1);
    cx_timer_start(loop, &b, 2);
    cx_timer_start(loop, &c, 3);
    cx_timer_stop(loop, &b);
    cx_timer_stop(loop, &b);
    arm_guard(loop, 10);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nfired, 2);
    CHECK_EQ(fired[0], 1);
    CHECK_EQ(fired[1], 3);
    cx_loop_free(loop);
}

TEST(timer_restart_moves_it) {
    cx_loop *loop = new_loop();
    cx_timer a, b;
    nfired = 0;
    cx_timer_init(&a, record_timer, (void *)1);
    cx_timer_init(&b, record_timer, (void *)2);
    cx_timer_start(loop, &a, 100000);
    cx_timer_start(loop, &b, 5);
    cx_timer_start(loop, &a, 1); /* restart earlier: now before b */
    cx_timer_start(loop, &b, 8);
    CHECK_EQ(loop->nheap, 2); /* a and b, each once */
    arm_guard(loop, 20);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nfired, 2);
    CHECK_EQ(fired[0], 1);
    CHECK_EQ(fired[1], 2);
    cx_loop_free(loop);
}

static int rearm_left;
static void rearm_cb(cx_timer *t) {
    nfired++;
    CHECK(!cx_timer_active(t)); /* off the heap while its callback runs */
    if (--rearm_left > 0)
        cx_timer_start(t->data, t, 1);
    else
        cx_loop_stop(t->data);
}

TEST(timer_restart_from_its_callback) {
    cx_loop *loop = new_loop();
    cx_timer t;
    nfired = 0;
    rearm_left = 3;
    cx_timer_init(&t, rearm_cb, loop);
    cx_timer_start(loop, &t, 1);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(nfired, 3);
    CHECK(!cx_timer_active(&t));
    cx_loop_free(loop);
}

/* A zero-timeout timer that restarts itself must not starve the loop: each
 * firing lands in a later iteration than the one before. */
static uint64_t zero_last_iter;
static int zero_fires, zero_same_iter;
static void zero_cb(cx_timer *t) {
    cx_loop *loop = t->data;
    if (zero_fires && loop->iterations == zero_last_iter) zero_same_iter++;
    zero_last_iter = loop->iterations;
    if (++zero_fires < 100)
        cx_timer_start(loop, t, 0);
    else
        cx_loop_stop(loop);
}

TEST(timer_zero_restart_does_not_starve) {
    cx_loop *loop = new_loop();
    cx_timer t;
    zero_fires = zero_same_iter = 0;
    cx_timer_init(&t, zero_cb, loop);
    cx_timer_start(loop, &t, 0);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(zero_fires, 100);
    CHECK_EQ(zero_same_iter, 0);
    cx_loop_free(loop);
}

static void check_heap(cx_loop *loop) {
    int bad = 0;
    for (size_t i = 0; i < loop->nheap; i++) {
        if (loop->heap[i]->heap_index != i) bad++;
        if (i > 0) {
            cx_timer *p = loop->heap[(i - 1) / 2], *c = loop->heap[i];
            if (p->when > c->when || (p->when == c->when && p->seq > c->seq)) bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

#define MANY 5000
static cx_timer many[MANY];
static uint64_t many_last_when;
static int many_fired, many_out_of_order, many_cancelled_fired;
static bool many_cancelled[MANY];

static void many_cb(cx_timer *t) {
    size_t i = (size_t)(t - many);
    if (many_cancelled[i]) many_cancelled_fired++;
    if (t->when < many_last_when) many_out_of_order++;
    many_last_when = t->when;
    many_fired++;
}

TEST(timer_heap_thousands_random) {
    cx_loop *loop = new_loop();
    unsigned seed = 12345;
    many_fired = many_out_of_order = many_cancelled_fired = 0;
    many_last_when = 0;
    for (int i = 0; i < MANY; i++) {
        many_cancelled[i] = false;
        cx_timer_init(&many[i], many_cb, NULL);
        CHECK_EQ(cx_timer_start(loop, &many[i], rand_r(&seed) % 40), CX_OK);
    }
    check_heap(loop);
    int cancelled = 0;
    for (int i = 0; i < MANY; i++) {
        int r = rand_r(&seed) % 4;
        if (r == 0) {
            cx_timer_stop(loop, &many[i]);
            many_cancelled[i] = true;
            cancelled++;
        } else if (r == 1) {
            cx_timer_start(loop, &many[i], rand_r(&seed) % 40); /* restart */
        }
    }
    check_heap(loop);
    CHECK_EQ(loop->nheap, MANY - cancelled);
    arm_guard(loop, 60);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(many_fired, MANY - cancelled);
    CHECK_EQ(many_out_of_order, 0);
    CHECK_EQ(many_cancelled_fired, 0);
    CHECK_EQ(loop->nheap, 0);
    cx_loop_free(loop);
}

TEST(timer_heap_invariant_under_random_ops) {
    cx_loop *loop = new_loop();
    unsigned seed = 99;
    for (int i = 0; i < MANY; i++) cx_timer_init(&many[i], many_cb, NULL);
    for (int round = 0; round < 20000; round++) {
        cx_timer *t = &many[rand_r(&seed) % MANY];
        if (rand_r(&seed) % 3)
            cx_timer_start(loop, t, rand_r(&seed) % 1000);
        else
            cx_timer_stop(loop, t);
    }
    check_heap(loop);
    size_t active = 0;
    for (int i = 0; i < MANY; i++) active += cx_timer_active(&many[i]);
    CHECK_EQ(active, loop->nheap);
    cx_loop_free(loop);
}

TEST(timer_huge_timeout_saturates) {
    cx_loop *loop = new_loop();
    cx_timer t;
    cx_timer_init(&t, record_timer, NULL);
    CHECK_EQ(cx_timer_start(loop, &t, UINT64_MAX), CX_OK);
    CHECK_EQ(t.when, UINT64_MAX);
    CHECK_EQ(cx_timer__timeout(loop) > 0, 1);
    cx_timer_stop(loop, &t);
    CHECK_EQ(cx_timer__timeout(loop), -1);
    cx_loop_free(loop);
}

/* ---- deferred callbacks -------------------------------------------------------------- */

static char order[256];
static size_t norder;
static cx_loop *order_loop;

static void push_order(void *arg) {
    order[norder++] = (char)(intptr_t)arg;
}

static void push_and_defer(void *arg) {
    push_order(arg);
    cx_loop_defer(order_loop, push_order, (void *)'D');
    cx_loop_defer(order_loop, stop_task, order_loop);
}

TEST(defer_runs_in_order_and_later_ones_next_pass) {
    cx_loop *loop = new_loop();
    order_loop = loop;
    norder = 0;
    cx_loop_defer(loop, push_and_defer, (void *)'A');
    cx_loop_defer(loop, push_order, (void *)'B');
    cx_loop_defer(loop, push_order, (void *)'C');
    CHECK_EQ(cx_loop_run(loop), 0);
    order[norder] = 0;
    CHECK_STR(order, "ABCD");
    cx_loop_free(loop);
}

static int chain_left;
static uint64_t chain_iters;
static void chain(void *arg) {
    cx_loop *loop = arg;
    if (--chain_left > 0)
        cx_loop_defer(loop, chain, loop);
    else
        cx_loop_stop(loop);
}

TEST(defer_self_requeue_does_not_block_the_loop) {
    cx_loop *loop = new_loop();
    chain_left = 50;
    cx_loop_defer(loop, chain, loop);
    uint64_t before = loop->iterations;
    CHECK_EQ(cx_loop_run(loop), 0);
    chain_iters = loop->iterations - before;
    CHECK_EQ(chain_left, 0);
    CHECK_EQ(chain_iters, 50); /* one pass per iteration, epoll polled each time */
    cx_loop_free(loop);
}

static int defer_seq_next, defer_seq_bad;
static void defer_seq(void *arg) {
    if ((int)(intptr_t)arg != defer_seq_next) defer_seq_bad++;
    defer_seq_next++;
}

TEST(defer_grows_and_keeps_order) {
    cx_loop *loop = new_loop();
    defer_seq_next = defer_seq_bad = 0;
    for (int i = 0; i < 10000; i++)
        CHECK_EQ(cx_loop_defer(loop, defer_seq, (void *)(intptr_t)i), 0);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(defer_seq_next, 10000);
    CHECK_EQ(defer_seq_bad, 0);
    /* After warm-up the ring has room: no growth (and no allocation). */
    size_t cap = loop->defer_cap;
    for (int i = 0; i < 10000; i++) cx_loop_defer(loop, defer_seq, (void *)(intptr_t)(10000 + i));
    CHECK_EQ(loop->defer_cap, cap);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(defer_seq_next, 20000);
    CHECK_EQ(defer_seq_bad, 0);
    cx_loop_free(loop);
}

TEST(defer_wraps_around_the_ring) {
    cx_loop *loop = new_loop();
    defer_seq_next = defer_seq_bad = 0;
    int next = 0;
    /* Queue in bursts smaller than the ring so head travels around it. */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 40; i++) cx_loop_defer(loop, defer_seq, (void *)(intptr_t)next++);
        cx_loop_defer(loop, stop_task, loop);
        CHECK_EQ(cx_loop_run(loop), 0);
    }
    CHECK_EQ(defer_seq_next, next);
    CHECK_EQ(defer_seq_bad, 0);
    cx_loop_free(loop);
}

TEST(defer_rejects_bad_arguments) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_loop_defer(loop, NULL, NULL), CX_EINVAL);
    CHECK_EQ(cx_loop_defer(NULL, push_order, NULL), CX_EINVAL);
    cx_loop_free(loop);
}

TEST(defer_dropped_by_free_without_running) {
    cx_loop *loop = new_loop();
    norder = 0;
    cx_loop_defer(loop, push_order, (void *)'X');
    cx_loop_post(loop, push_order, (void *)'Y');
    cx_loop_free(loop);
    CHECK_EQ(norder, 0);
}

/* ---- posted callbacks ----------------------------------------------------------------- */

TEST(post_from_the_loop_thread) {
    cx_loop *loop = new_loop();
    norder = 0;
    CHECK_EQ(cx_loop_post(loop, push_order, (void *)'P'), 0);
    CHECK_EQ(cx_loop_post(loop, push_order, (void *)'Q'), 0);
    CHECK_EQ(cx_loop_post(loop, stop_task, loop), 0);
    CHECK_EQ(cx_loop_run(loop), 0);
    order[norder] = 0;
    CHECK_STR(order, "PQ");
    CHECK_EQ(cx_loop_post(loop, NULL, NULL), CX_EINVAL);
    CHECK_EQ(cx_loop_post(NULL, push_order, NULL), CX_EINVAL);
    cx_loop_free(loop);
}

#define PRODUCERS    4
#define PER_PRODUCER 20000

struct post_stress {
    cx_loop *loop;
    int received[PRODUCERS];
    int out_of_order;
    int total;
};

struct post_msg {
    struct post_stress *s;
    int producer, seq;
};

static struct post_msg msgs[PRODUCERS][PER_PRODUCER];

static void on_msg(void *arg) {
    struct post_msg *m = arg;
    struct post_stress *s = m->s;
    if (m->seq != s->received[m->producer]) s->out_of_order++;
    s->received[m->producer]++;
    if (++s->total == PRODUCERS * PER_PRODUCER) cx_loop_stop(s->loop);
}

struct producer {
    struct post_stress *s;
    int id;
    int failures;
};

static void *producer_main(void *arg) {
    struct producer *p = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        msgs[p->id][i] = (struct post_msg){p->s, p->id, i};
        if (cx_loop_post(p->s->loop, on_msg, &msgs[p->id][i])) p->failures++;
        if (i % 1000 == 0) sched_yield();
    }
    return NULL;
}

TEST(post_stress_from_many_threads) {
    static struct post_stress s;
    memset(&s, 0, sizeof s);
    s.loop = new_loop();
    pthread_t th[PRODUCERS];
    struct producer p[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){&s, i, 0};
        pthread_create(&th[i], NULL, producer_main, &p[i]);
    }
    arm_guard(s.loop, 60000);
    CHECK_EQ(cx_loop_run(s.loop), 0);
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(p[i].failures, 0);
        CHECK_EQ(s.received[i], PER_PRODUCER);
    }
    CHECK_EQ(s.total, PRODUCERS * PER_PRODUCER);
    CHECK_EQ(s.out_of_order, 0);
    cx_loop_free(s.loop);
}

static void post_again(void *arg) {
    cx_loop *loop = arg;
    norder++;
    if (norder < 5)
        cx_loop_post(loop, post_again, loop);
    else
        cx_loop_stop(loop);
}

TEST(post_from_a_posted_callback_runs_next_iteration) {
    cx_loop *loop = new_loop();
    norder = 0;
    cx_loop_post(loop, post_again, loop);
    uint64_t before = loop->iterations;
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(norder, 5);
    CHECK(loop->iterations - before >= 5);
    cx_loop_free(loop);
}

static atomic_int node_runs;
static void node_fn(void *arg) {
    atomic_fetch_add(&node_runs, 1);
    cx_loop_stop(arg);
}

TEST(post_node_is_delivered) {
    cx_loop *loop = new_loop();
    cx_post_node n = {NULL, node_fn, loop};
    atomic_store(&node_runs, 0);
    cx_loop__post_node(loop, &n);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(atomic_load(&node_runs), 1);
    cx_loop_free(loop);
}

/* ---- I/O --------------------------------------------------------------------------- */

struct io_probe {
    cx_io io;
    cx_loop *loop;
    unsigned events;
    int calls;
    char buf[64];
    size_t got;
    bool stop;
};

static int probe_total, probe_stop_at;

static void probe_cb(cx_io *io, unsigned events) {
    struct io_probe *p = (struct io_probe *)io;
    p->events |= events;
    p->calls++;
    if (++probe_total == probe_stop_at) cx_loop_stop(p->loop);
    if (events & CX_READABLE) {
        ssize_t n;
        while ((n = read(io->fd, p->buf + p->got, sizeof p->buf - 1 - p->got)) > 0)
            p->got += (size_t)n;
    }
    if (p->stop) cx_loop_stop(p->loop);
}

static void nonblock(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int write_fd;
static void write_later(cx_timer *t) {
    if (write(write_fd, "hello", 5) != 5) CHECK(0);
}

TEST(io_pipe_becomes_readable) {
    cx_loop *loop = new_loop();
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    nonblock(fds[0]);
    struct io_probe p = {.loop = loop, .stop = true};
    CHECK_EQ(cx_io_start(loop, &p.io, fds[0], CX_READABLE, probe_cb), 0);
    write_fd = fds[1];
    cx_timer t;
    cx_timer_init(&t, write_later, NULL);
    cx_timer_start(loop, &t, 2);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK(p.events & CX_READABLE);
    CHECK_MEM(p.buf, p.got, "hello");
    cx_io_stop(loop, &p.io);
    close(fds[0]);
    close(fds[1]);
    cx_loop_free(loop);
}

TEST(io_edge_triggered_fires_once_per_change) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    nonblock(sv[0]);
    struct io_probe p = {.loop = loop};
    /* Edge-triggered: one call for the data already there, none after it is
     * drained until a new edge. */
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(cx_io_start(loop, &p.io, sv[0], CX_READABLE, probe_cb), 0);
    arm_guard(loop, 30);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(p.calls, 1);
    cx_io_stop(loop, &p.io);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

TEST(io_socket_writable_and_modify) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    nonblock(sv[0]);
    struct io_probe p = {.loop = loop, .stop = true};
    CHECK_EQ(cx_io_start(loop, &p.io, sv[0], CX_READABLE, probe_cb), 0);
    CHECK_EQ(cx_io_modify(loop, &p.io, CX_READABLE | CX_WRITABLE), 0);
    CHECK_EQ(p.io.events, CX_READABLE | CX_WRITABLE);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK(p.events & CX_WRITABLE);
    CHECK(!(p.events & CX_READABLE));
    CHECK_EQ(cx_io_modify(NULL, &p.io, 0), CX_EINVAL);
    cx_io_stop(loop, &p.io);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

TEST(io_hangup_is_reported) {
    cx_loop *loop = new_loop();
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    nonblock(fds[0]);
    close(fds[1]);
    struct io_probe p = {.loop = loop, .stop = true};
    CHECK_EQ(cx_io_start(loop, &p.io, fds[0], CX_READABLE, probe_cb), 0);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK(p.events & CX_HANGUP);
    cx_io_stop(loop, &p.io);
    close(fds[0]);
    cx_loop_free(loop);
}

TEST(io_start_errors) {
    cx_loop *loop = new_loop();
    cx_io io;
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(cx_io_start(loop, &io, -1, CX_READABLE, probe_cb), CX_EINVAL);
    CHECK_EQ(cx_io_start(loop, &io, fds[0], CX_READABLE, NULL), CX_EINVAL);
    CHECK_EQ(cx_io_start(NULL, &io, fds[0], CX_READABLE, probe_cb), CX_EINVAL);
    CHECK_EQ(cx_io_start(loop, &io, fds[0], CX_READABLE, probe_cb), 0);
    cx_io twice;
    CHECK_EQ(cx_io_start(loop, &twice, fds[0], CX_READABLE, probe_cb), -EEXIST);
    cx_io_stop(loop, &io);
    CHECK_EQ(cx_io_start(loop, &twice, fds[0], CX_READABLE, probe_cb), 0); /* free again */
    cx_io_stop(loop, &twice);
    cx_io_stop(loop, &twice); /* already stopped: harmless */
    cx_io_stop(NULL, &twice);
    close(fds[0]);
    close(fds[1]);
    cx_io closed;
    CHECK(cx_io_start(loop, &closed, fds[0], CX_READABLE, probe_cb) < 0); /* EBADF */
    cx_loop_free(loop);
}

/* Two sockets ready in the same batch; whichever runs first stops (and
 * could free) the other, whose pending event must then be skipped. */
static struct io_probe pair_probe[2];
static int pair_calls;
static void pair_cb(cx_io *io, unsigned events) {
    pair_calls++;
    struct io_probe *other = io == &pair_probe[0].io ? &pair_probe[1] : &pair_probe[0];
    cx_io_stop(pair_probe[0].loop, &other->io);
    memset(&other->io, 0xAB, sizeof other->io); /* as if freed */
    other->io.fd = -1;
    cx_loop_stop(pair_probe[0].loop);
}

TEST(io_stop_scrubs_the_current_batch) {
    cx_loop *loop = new_loop();
    int a[2], b[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    CHECK_EQ(write(a[1], "1", 1), 1);
    CHECK_EQ(write(b[1], "2", 1), 1);
    pair_calls = 0;
    pair_probe[0].loop = pair_probe[1].loop = loop;
    CHECK_EQ(cx_io_start(loop, &pair_probe[0].io, a[0], CX_READABLE, pair_cb), 0);
    CHECK_EQ(cx_io_start(loop, &pair_probe[1].io, b[0], CX_READABLE, pair_cb), 0);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(pair_calls, 1);
    for (int i = 0; i < 2; i++) cx_io_stop(loop, &pair_probe[i].io);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    cx_loop_free(loop);
}

/* The same, closing instead of stopping: one close(2), no EPOLL_CTL_DEL. */
static void pair_close_cb(cx_io *io, unsigned events) {
    (void)events;
    pair_calls++;
    struct io_probe *other = io == &pair_probe[0].io ? &pair_probe[1] : &pair_probe[0];
    CHECK_EQ(cx_io_close(pair_probe[0].loop, &other->io), CX_OK);
    CHECK_EQ(other->io.fd, -1);
    cx_loop_stop(pair_probe[0].loop);
}

TEST(io_close_scrubs_the_batch_and_drops_the_registration) {
    cx_loop *loop = new_loop();
    int a[2], b[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    CHECK_EQ(write(a[1], "1", 1), 1);
    CHECK_EQ(write(b[1], "2", 1), 1);
    pair_calls = 0;
    pair_probe[0].loop = pair_probe[1].loop = loop;
    CHECK_EQ(cx_io_start(loop, &pair_probe[0].io, a[0], CX_READABLE, pair_close_cb), 0);
    CHECK_EQ(cx_io_start(loop, &pair_probe[1].io, b[0], CX_READABLE, pair_close_cb), 0);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(pair_calls, 1);
    int closed = pair_probe[0].io.fd < 0 ? a[0] : b[0];
    CHECK(fcntl(closed, F_GETFD) < 0 && errno == EBADF);
    /* The kernel forgot the old registration: a new descriptor that gets
     * the same number can be added (EPOLL_CTL_ADD would fail with EEXIST). */
    int again = dup(closed == a[0] ? a[1] : b[1]);
    CHECK_EQ(again, closed);
    struct io_probe fresh = {.loop = loop};
    CHECK_EQ(cx_io_start(loop, &fresh.io, again, CX_READABLE, probe_cb), 0);
    CHECK_EQ(cx_io_close(loop, &fresh.io), CX_OK);
    for (int i = 0; i < 2; i++)
        if (pair_probe[i].io.fd >= 0) CHECK_EQ(cx_io_close(loop, &pair_probe[i].io), CX_OK);
    CHECK_EQ(cx_io_close(loop, &fresh.io), CX_EINVAL); /* already closed */
    CHECK_EQ(cx_io_close(NULL, &fresh.io), CX_EINVAL);
    close(a[1]);
    close(b[1]);
    cx_loop_free(loop);
}

TEST(io_batches_larger_than_max_events) {
    cx_loop_options o = {.max_events = 2};
    cx_loop *loop = NULL;
    CHECK_EQ(cx_loop_new(&loop, &o), 0);
    enum { N = 9 };
    int sv[N][2];
    static struct io_probe p[N];
    for (int i = 0; i < N; i++) {
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        nonblock(sv[i][0]);
        CHECK_EQ(write(sv[i][1], "z", 1), 1);
        p[i] = (struct io_probe){.loop = loop};
        CHECK_EQ(cx_io_start(loop, &p[i].io, sv[i][0], CX_READABLE, probe_cb), 0);
    }
    probe_total = 0;
    probe_stop_at = N;
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    probe_stop_at = 0;
    CHECK(loop->iterations >= 5); /* two events per batch */
    for (int i = 0; i < N; i++) {
        CHECK_EQ(p[i].calls, 1);
        CHECK_MEM(p[i].buf, p[i].got, "z");
        cx_io_stop(loop, &p[i].io);
        close(sv[i][0]);
        close(sv[i][1]);
    }
    cx_loop_free(loop);
}

/* ---- iteration order ---------------------------------------------------------------- */

static void order_timer(cx_timer *t) {
    push_order((void *)'T');
}
static void order_io(cx_io *io, unsigned ev) {
    char c;
    while (read(io->fd, &c, 1) == 1) {
    }
    push_order((void *)'I');
}

TEST(loop_iteration_order_io_timers_posted_deferred) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    nonblock(sv[0]);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    cx_io io;
    cx_timer t;
    norder = 0;
    cx_timer_init(&t, order_timer, NULL);
    cx_timer_start(loop, &t, 0);
    cx_loop_defer(loop, push_order, (void *)'D');
    cx_loop_post(loop, push_order, (void *)'P');
    CHECK_EQ(cx_io_start(loop, &io, sv[0], CX_READABLE, order_io), 0);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    order[norder] = 0;
    CHECK_STR(order, "ITPD");
    cx_io_stop(loop, &io);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

TEST_MAIN()
