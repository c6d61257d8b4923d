/* Tests for coroutines: both raw context back-ends, start/finish, nesting,
 * suspend/wake races, sleeps, deadlines, cancellation, I/O waits, yields,
 * the stack pool and ten thousand coroutines alive at once. No test asserts
 * on elapsed time. */
#include "harness.h"
#include "core/coro_ctx.h"
#include "core/coro_int.h"
#include "core/loop_int.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/loop.h>
#include <fcntl.h>
#include <fenv.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define TEST_VALGRIND 1
#endif
#endif

static cx_loop *new_loop(void) {
    cx_loop *loop = NULL;
    CHECK_EQ(cx_loop_new(&loop, NULL), CX_OK);
    return loop;
}

static void stop_timer_cb(cx_timer *t) {
    cx_loop_stop(t->data);
}

static cx_timer guard;
static void arm_guard(cx_loop *loop, uint64_t ms) {
    cx_timer_init(&guard, stop_timer_cb, loop);
    cx_timer_start(loop, &guard, ms);
}

static void stop_task(void *arg) {
    cx_loop_stop(arg);
}

/* ---- the raw back-ends ---------------------------------------------------------------- */

/* Ping-pong between main and one context; the context's locals and the
 * main side's callee-saved values must survive every switch. */
#define RAW_STACK  (64 * 1024)
#define RAW_ROUNDS 1000

#if CX_CTX_HAVE_ASM
static cx_actx a_main, a_co;
static int a_count;
static void a_entry(void *arg) {
    int *sum = arg;
    for (volatile int i = 0;; i++) {
        *sum += i;
        a_count++;
        cx_actx_switch(&a_co, &a_main);
    }
}

TEST(raw_asm_context_ping_pong) {
    char *stack = malloc(RAW_STACK);
#ifdef TEST_VALGRIND
    unsigned id = VALGRIND_STACK_REGISTER(stack, stack + RAW_STACK);
#endif
    int sum = 0;
    a_count = 0;
    cx_actx_make(&a_co, stack, RAW_STACK, a_entry, &sum);
    volatile long keep = 0x1234567;
    double fp = 1.5;
    for (int i = 0; i < RAW_ROUNDS; i++) {
        cx_actx_switch(&a_main, &a_co);
        fp *= 1.0;
    }
    CHECK_EQ(a_count, RAW_ROUNDS);
    CHECK_EQ(sum, RAW_ROUNDS * (RAW_ROUNDS - 1) / 2);
    CHECK_EQ(keep, 0x1234567);
    CHECK(fp == 1.5);
#ifdef TEST_VALGRIND
    VALGRIND_STACK_DEREGISTER(id);
#endif
    free(stack);
}
#endif

static cx_uctx u_main, u_co;
static int u_count;
static void u_entry(void *arg) {
    int *sum = arg;
    for (volatile int i = 0;; i++) {
        *sum += i;
        u_count++;
        cx_uctx_switch(&u_co, &u_main);
    }
}

TEST(raw_ucontext_ping_pong) {
    char *stack = malloc(RAW_STACK);
#ifdef TEST_VALGRIND
    unsigned id = VALGRIND_STACK_REGISTER(stack, stack + RAW_STACK);
#endif
    int sum = 0;
    u_count = 0;
    CHECK_EQ(cx_uctx_make(&u_co, stack, RAW_STACK, u_entry, &sum), 0);
    for (int i = 0; i < RAW_ROUNDS; i++) cx_uctx_switch(&u_main, &u_co);
    CHECK_EQ(u_count, RAW_ROUNDS);
    CHECK_EQ(sum, RAW_ROUNDS * (RAW_ROUNDS - 1) / 2);
#ifdef TEST_VALGRIND
    VALGRIND_STACK_DEREGISTER(id);
#endif
    free(stack);
}

TEST(backend_is_named) {
    const char *b = cx_coro__backend();
    CHECK(b && *b);
#if CX_CTX_HAVE_ASM && !defined(CX_CORO_UCONTEXT)
    CHECK(strstr(b, "assembly") != NULL);
#endif
}

/* ---- start and finish -------------------------------------------------------------- */

static int ran;
static cx_coro *seen_self;
static cx_loop *seen_loop;

static void simple_fn(void *arg) {
    ran++;
    seen_self = cx_coro_self();
    seen_loop = cx_coro_loop(seen_self);
    *(int *)arg = 42;
}

TEST(start_runs_to_completion_right_away) {
    cx_loop *loop = new_loop();
    int out = 0;
    cx_coro *co = NULL;
    ran = 0;
    CHECK(cx_coro_self() == NULL);
    CHECK_EQ(cx_coro_start(loop, simple_fn, &out, &co), 0);
    CHECK_EQ(ran, 1);
    CHECK_EQ(out, 42);
    CHECK(seen_self != NULL);
    CHECK(seen_self == co); /* *out was set before fn ran */
    CHECK(seen_loop == loop);
    CHECK(cx_coro_self() == NULL);
    CHECK_EQ(cx_coro_start(loop, simple_fn, &out, NULL), 0); /* out is optional */
    CHECK_EQ(ran, 2);
    cx_loop_free(loop);
}

TEST(start_rejects_bad_arguments) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(NULL, simple_fn, NULL, NULL), CX_EINVAL);
    CHECK_EQ(cx_coro_start(loop, NULL, NULL, NULL), CX_EINVAL);
    cx_loop_free(loop);
}

static cx_loop *other_loop;
static int cross_rc;
static void start_on_other(void *arg) {
    cross_rc = cx_coro_start(other_loop, simple_fn, &(int){0}, NULL);
    cx_loop_stop(arg);
}

TEST(start_refuses_another_threads_loop) {
    cx_loop *loop = new_loop();
    other_loop = new_loop();
    cx_loop_defer(loop, start_on_other, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(cross_rc, CX_ESTATE);
    cx_loop_free(other_loop);
    cx_loop_free(loop);
}

TEST(accessors_tolerate_null) {
    CHECK(cx_coro_loop(NULL) == NULL);
    CHECK_EQ(cx_coro_deadline(NULL), 0);
    CHECK(!cx_coro_cancelled(NULL));
    CHECK(cx_coro_data(NULL) == NULL);
    cx_coro_set_data(NULL, NULL);
    cx_coro_set_deadline(NULL, 1);
    cx_coro_cancel(NULL);
    cx_coro_wake(NULL, 0);
    CHECK_EQ(cx_deadline_push(10), 0); /* outside a coroutine: nothing to narrow */
    cx_deadline_pop(0);
}

TEST(waits_outside_a_coroutine_fail) {
    CHECK_EQ(cx_coro_suspend(), CX_ESTATE);
    CHECK_EQ(cx_coro_yield(), CX_ESTATE);
    CHECK_EQ(cx_sleep(1), CX_ESTATE);
    CHECK_EQ(cx_coro_wait_io(0, CX_READABLE), CX_ESTATE);
    CHECK_EQ(cx_coro__wait(NULL, &ran), CX_ESTATE);
}

/* ---- suspend and wake ---------------------------------------------------------------- */

struct susp {
    int rc;
    int stage;
    cx_loop *loop;
};

static void suspend_fn(void *arg) {
    struct susp *s = arg;
    s->stage = 1;
    s->rc = cx_coro_suspend();
    s->stage = 2;
}

static cx_coro *wake_target;
static int wake_value;
static int stage_seen_by_waker;
static struct susp *waker_view;
static void waker_task(void *arg) {
    cx_coro_wake(wake_target, wake_value);
    stage_seen_by_waker = waker_view->stage; /* the wake must not run it inline */
    cx_loop_defer(arg, stop_task, arg);
}

TEST(suspend_then_wake_delivers_the_result) {
    cx_loop *loop = new_loop();
    struct susp s = {0};
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, suspend_fn, &s, &co), 1);
    CHECK_EQ(s.stage, 1);
    wake_target = co;
    wake_value = 77;
    waker_view = &s;
    cx_loop_defer(loop, waker_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(stage_seen_by_waker, 1);
    CHECK_EQ(s.stage, 2);
    CHECK_EQ(s.rc, 77);
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

TEST(wake_from_outside_any_loop_iteration) {
    cx_loop *loop = new_loop();
    struct susp s = {0};
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, suspend_fn, &s, &co), 1);
    cx_coro_wake(co, 5); /* queued; resumes in the loop's first drain */
    CHECK_EQ(s.stage, 1);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(s.rc, 5);
    cx_loop_free(loop);
}

TEST(first_wake_wins) {
    cx_loop *loop = new_loop();
    struct susp s = {0};
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, suspend_fn, &s, &co), 1);
    cx_coro_wake(co, 1);
    cx_coro_wake(co, 2);
    cx_coro_cancel(co); /* too late for this wait */
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(s.rc, 1);
    CHECK_EQ(s.stage, 2);
    cx_loop_free(loop);
}

static void self_wake_fn(void *arg) {
    struct susp *s = arg;
    cx_coro_wake(cx_coro_self(), 99); /* not suspended: ignored */
    s->rc = cx_coro_suspend();
    s->stage = 2;
}

static void wake_later(cx_timer *t) {
    cx_coro_wake(t->data, 7);
}

TEST(wake_before_suspend_is_ignored) {
    cx_loop *loop = new_loop();
    struct susp s = {0};
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, self_wake_fn, &s, &co), 1);
    CHECK_EQ(s.stage, 0); /* still suspended: the early wake did nothing */
    cx_timer t;
    cx_timer_init(&t, wake_later, co);
    cx_timer_start(loop, &t, 1);
    arm_guard(loop, 20);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(s.rc, 7);
    CHECK_EQ(s.stage, 2);
    cx_loop_free(loop);
}

/* ---- nesting -------------------------------------------------------------------------- */

static char trace[128];
static size_t ntrace;
static void reset_trace(void) {
    ntrace = 0;
    trace[0] = 0;
}
static void mark(char c) {
    trace[ntrace++] = c;
    trace[ntrace] = 0;
}

static cx_coro *co_a, *co_b;

static void inner_fn(void *arg) {
    mark('b');
    CHECK(cx_coro_self() == co_b);
    int rc = cx_coro_suspend();
    CHECK_EQ(rc, 2);
    CHECK(cx_coro_self() == co_b);
    mark('B');
}

static void outer_fn(void *arg) {
    mark('a');
    cx_coro *me = cx_coro_self();
    int rc = cx_coro_start(cx_coro_loop(me), inner_fn, NULL, &co_b);
    CHECK_EQ(rc, 1); /* b suspended and came back to its starter */
    CHECK(cx_coro_self() == me);
    mark('r');
    rc = cx_coro_suspend();
    CHECK_EQ(rc, 1);
    mark('A');
}

static void wake_a_then_b(void *arg) {
    cx_coro_wake(co_a, 1);
    cx_coro_wake(co_b, 2);
    cx_loop_defer(arg, stop_task, arg);
}

TEST(nested_start_returns_to_its_starter) {
    cx_loop *loop = new_loop();
    reset_trace();
    CHECK_EQ(cx_coro_start(loop, outer_fn, NULL, &co_a), 1);
    CHECK_STR(trace, "abr");
    CHECK(cx_coro_self() == NULL);
    cx_loop_defer(loop, wake_a_then_b, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    /* Later resumes come from the loop, in wake order. */
    CHECK_STR(trace, "abrAB");
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

static void quick_inner(void *arg) {
    mark('q');
}

static void outer_quick(void *arg) {
    cx_coro *me = cx_coro_self();
    CHECK_EQ(cx_coro_start(cx_coro_loop(me), quick_inner, NULL, NULL), 0);
    CHECK(cx_coro_self() == me);
    mark('o');
}

TEST(nested_start_of_a_coroutine_that_finishes_at_once) {
    cx_loop *loop = new_loop();
    reset_trace();
    CHECK_EQ(cx_coro_start(loop, outer_quick, NULL, NULL), 0);
    CHECK_STR(trace, "qo");
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

static void inner_outlives(void *arg) {
    cx_sleep(2);
    mark('i');
    cx_loop_stop(cx_loop_current());
}

static void outer_finishes_first(void *arg) {
    cx_coro_start(cx_coro_loop(cx_coro_self()), inner_outlives, NULL, NULL);
    mark('o');
}

TEST(nested_coroutine_outlives_its_starter) {
    cx_loop *loop = new_loop();
    reset_trace();
    CHECK_EQ(cx_coro_start(loop, outer_finishes_first, NULL, NULL), 0);
    CHECK_STR(trace, "o");
    arm_guard(loop, 2000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_STR(trace, "oi");
    cx_loop_free(loop);
}

static int depth_max, depth_done;
static void chain_fn(void *arg) {
    int depth = (int)(intptr_t)arg;
    if (depth > depth_max) depth_max = depth;
    if (depth < 50) {
        int rc = cx_coro_start(cx_coro_loop(cx_coro_self()), chain_fn,
                               (void *)(intptr_t)(depth + 1), NULL);
        CHECK_EQ(rc, 1);
    }
    CHECK_EQ(cx_coro_yield(), 0);
    depth_done++;
}

TEST(nested_chain_of_fifty) {
    cx_loop *loop = new_loop();
    depth_max = depth_done = 0;
    CHECK_EQ(cx_coro_start(loop, chain_fn, (void *)0, NULL), 1);
    CHECK_EQ(depth_max, 50);
    CHECK_EQ(loop->coro_nlive, 51);
    arm_guard(loop, 5);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(depth_done, 51);
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

/* ---- yield ----------------------------------------------------------------------------- */

static int yielders_done;
static void yielder(void *arg) {
    char c = (char)(intptr_t)arg;
    for (int i = 0; i < 3; i++) {
        mark(c);
        CHECK_EQ(cx_coro_yield(), 0);
    }
    if (++yielders_done == 2) cx_loop_stop(cx_loop_current());
}

TEST(yield_interleaves_coroutines) {
    cx_loop *loop = new_loop();
    reset_trace();
    yielders_done = 0;
    CHECK_EQ(cx_coro_start(loop, yielder, (void *)'x', NULL), 1);
    CHECK_EQ(cx_coro_start(loop, yielder, (void *)'y', NULL), 1);
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_STR(trace, "xyxyxy");
    cx_loop_free(loop);
}

static int yield_rc;
static void yield_cancelled(void *arg) {
    cx_coro_cancel(cx_coro_self());
    yield_rc = cx_coro_yield();
}

TEST(yield_reports_cancellation_after_yielding) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(loop, yield_cancelled, NULL, NULL), 1);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(yield_rc, CX_ECANCELED);
    cx_loop_free(loop);
}

static void yield_past_deadline(void *arg) {
    cx_coro *me = cx_coro_self();
    cx_coro_set_deadline(me, cx_loop_now(cx_coro_loop(me)));
    yield_rc = cx_coro_yield();
}

TEST(yield_reports_a_passed_deadline) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(loop, yield_past_deadline, NULL, NULL), 1);
    cx_loop_defer(loop, stop_task, loop);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(yield_rc, CX_ETIMEDOUT);
    cx_loop_free(loop);
}

/* ---- sleep ----------------------------------------------------------------------------- */

static int sleep_rc[8];
static void sleeper(void *arg) {
    int ms = (int)(intptr_t)arg;
    sleep_rc[ms % 8] = cx_sleep((uint64_t)ms);
    mark((char)('0' + ms));
}

TEST(sleep_wakes_in_deadline_order) {
    cx_loop *loop = new_loop();
    reset_trace();
    int ms[] = {6, 2, 4, 1};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(cx_coro_start(loop, sleeper, (void *)(intptr_t)ms[i], NULL), 1);
    arm_guard(loop, 10);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_STR(trace, "1246");
    for (int i = 0; i < 4; i++) CHECK_EQ(sleep_rc[ms[i] % 8], 0);
    cx_loop_free(loop);
}

TEST(sleep_zero_returns_in_a_later_iteration) {
    cx_loop *loop = new_loop();
    reset_trace();
    sleep_rc[0] = -1;
    CHECK_EQ(cx_coro_start(loop, sleeper, (void *)0, NULL), 1);
    CHECK_STR(trace, "");
    arm_guard(loop, 2);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_STR(trace, "0");
    CHECK_EQ(sleep_rc[0], 0);
    cx_loop_free(loop);
}

static void sleep_then_stop(void *arg) {
    sleep_rc[0] = cx_sleep(5);
    cx_loop_stop(cx_loop_current());
}

TEST(sleep_ignores_cx_coro_wake) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    sleep_rc[0] = -1;
    CHECK_EQ(cx_coro_start(loop, sleep_then_stop, NULL, &co), 1);
    cx_coro_wake(co, 123); /* a stray wake must not cut the sleep short */
    arm_guard(loop, 2000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(sleep_rc[0], 0);
    cx_loop_free(loop);
}

/* ---- deadlines ------------------------------------------------------------------------- */

static int dl_rc[4];
static uint64_t dl_seen[4];

static void deadline_fn(void *arg) {
    cx_coro *me = cx_coro_self();
    cx_loop *loop = cx_coro_loop(me);
    uint64_t prev = cx_deadline_push(3);
    dl_seen[0] = prev;
    dl_seen[1] = cx_coro_deadline(me);
    dl_rc[0] = cx_coro_suspend(); /* nobody wakes it */
    cx_deadline_pop(prev);
    dl_seen[2] = cx_coro_deadline(me);
    dl_rc[1] = cx_sleep(1); /* no deadline any more */
    cx_loop_stop(loop);
}

TEST(deadline_push_times_out_a_wait_and_pop_restores) {
    cx_loop *loop = new_loop();
    uint64_t now = cx_loop_now(loop);
    CHECK_EQ(cx_coro_start(loop, deadline_fn, NULL, NULL), 1);
    CHECK_EQ(dl_seen[0], 0);
    CHECK_EQ(dl_seen[1], now + 3);
    arm_guard(loop, 2000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(dl_rc[0], CX_ETIMEDOUT);
    CHECK_EQ(dl_seen[2], 0);
    CHECK_EQ(dl_rc[1], 0);
    cx_loop_free(loop);
}

static void narrow_fn(void *arg) {
    cx_coro *me = cx_coro_self();
    uint64_t p1 = cx_deadline_push(1000);
    uint64_t d1 = cx_coro_deadline(me);
    uint64_t p2 = cx_deadline_push(100000); /* wider: ignored */
    CHECK_EQ(p2, d1);
    CHECK_EQ(cx_coro_deadline(me), d1);
    uint64_t p3 = cx_deadline_push(10); /* narrower: taken */
    CHECK(cx_coro_deadline(me) < d1);
    cx_deadline_pop(p3);
    CHECK_EQ(cx_coro_deadline(me), d1);
    cx_deadline_pop(p2);
    cx_deadline_pop(p1);
    CHECK_EQ(cx_coro_deadline(me), 0);
    dl_rc[0] = 1;
}

TEST(deadline_push_only_narrows) {
    cx_loop *loop = new_loop();
    dl_rc[0] = 0;
    CHECK_EQ(cx_coro_start(loop, narrow_fn, NULL, NULL), 0);
    CHECK_EQ(dl_rc[0], 1);
    cx_loop_free(loop);
}

static void past_deadline_fn(void *arg) {
    cx_coro *me = cx_coro_self();
    cx_coro_set_deadline(me, cx_loop_now(cx_coro_loop(me)));
    dl_rc[0] = cx_coro_suspend();
    dl_rc[1] = cx_sleep(5);
    dl_rc[2] = cx_coro__wait(me, &dl_rc);
    cx_coro_set_deadline(me, 0);
    dl_rc[3] = 1;
}

TEST(deadline_already_passed_fails_without_waiting) {
    cx_loop *loop = new_loop();
    memset(dl_rc, 0, sizeof dl_rc);
    CHECK_EQ(cx_coro_start(loop, past_deadline_fn, NULL, NULL), 0); /* never suspended */
    CHECK_EQ(dl_rc[0], CX_ETIMEDOUT);
    CHECK_EQ(dl_rc[1], CX_ETIMEDOUT);
    CHECK_EQ(dl_rc[2], CX_ETIMEDOUT);
    CHECK_EQ(dl_rc[3], 1);
    cx_loop_free(loop);
}

static void sleep_vs_deadline(void *arg) {
    uint64_t prev = cx_deadline_push(4);
    dl_rc[0] = cx_sleep(1);     /* ends before the deadline */
    dl_rc[1] = cx_sleep(10000); /* the deadline ends it */
    cx_deadline_pop(prev);
    cx_loop_stop(cx_loop_current());
}

TEST(deadline_cuts_a_longer_sleep_only) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(loop, sleep_vs_deadline, NULL, NULL), 1);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(dl_rc[0], 0);
    CHECK_EQ(dl_rc[1], CX_ETIMEDOUT);
    cx_loop_free(loop);
}

static void set_deadline_later(cx_timer *t) {
    cx_coro *co = t->data;
    cx_coro_set_deadline(co, cx_loop_now(cx_coro_loop(co)) + 2);
}

static void suspend_then_stop(void *arg) {
    struct susp *s = arg;
    s->rc = cx_coro_suspend();
    s->stage = 2;
    cx_loop_stop(cx_loop_current());
}

TEST(deadline_set_while_suspended_rearms) {
    cx_loop *loop = new_loop();
    struct susp s = {0};
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, suspend_then_stop, &s, &co), 1);
    cx_timer t;
    cx_timer_init(&t, set_deadline_later, co);
    cx_timer_start(loop, &t, 1);
    arm_guard(loop, 60000);
    cx_loop_run(loop);
    CHECK_EQ(s.stage, 2);
    CHECK_EQ(s.rc, CX_ETIMEDOUT);
    cx_loop_free(loop);
}

static void wake_on_tie(cx_timer *t) {
    cx_coro_wake(t->data, 55); /* the deadline, due at the same ms, fired first */
}

static int late_rc1, late_rc2;
static void timeout_then_suspend(void *arg) {
    uint64_t prev = cx_deadline_push(1);
    late_rc1 = cx_coro_suspend();
    cx_deadline_pop(prev);
    late_rc2 = cx_coro_suspend(); /* the losing wake did not carry over */
}

TEST(timeout_wins_a_tie_and_the_late_wake_is_dropped) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    late_rc1 = late_rc2 = 0;
    CHECK_EQ(cx_coro_start(loop, timeout_then_suspend, NULL, &co), 1);
    /* Same due time as the deadline timer, started later: fires after it. */
    cx_timer t;
    cx_timer_init(&t, wake_on_tie, co);
    cx_timer_start(loop, &t, 1);
    arm_guard(loop, 5);
    cx_loop_run(loop);
    CHECK_EQ(late_rc1, CX_ETIMEDOUT);
    CHECK_EQ(late_rc2, 0); /* still suspended in the second wait */
    cx_coro_wake(co, 9);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(late_rc2, 9);
    cx_loop_free(loop);
}

/* ---- cancellation ---------------------------------------------------------------------- */

static int cancel_rc[3];
static void cancel_victim(void *arg) {
    cancel_rc[0] = cx_coro_suspend();
    cancel_rc[1] = cx_sleep(1);
    cancel_rc[2] = cx_coro_suspend();
}

static void cancel_later(cx_timer *t) {
    cx_coro_cancel(t->data);
}

TEST(cancel_ends_the_wait_and_every_later_one) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, cancel_victim, NULL, &co), 1);
    CHECK(!cx_coro_cancelled(co));
    cx_timer t;
    cx_timer_init(&t, cancel_later, co);
    cx_timer_start(loop, &t, 1);
    arm_guard(loop, 10);
    cx_loop_run(loop);
    CHECK_EQ(cancel_rc[0], CX_ECANCELED);
    CHECK_EQ(cancel_rc[1], CX_ECANCELED);
    CHECK_EQ(cancel_rc[2], CX_ECANCELED);
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

static void sleeping_victim(void *arg) {
    cancel_rc[0] = cx_sleep(100000);
    cancel_rc[1] = cx_coro_cancelled(cx_coro_self());
}

TEST(cancel_a_sleeping_coroutine) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, sleeping_victim, NULL, &co), 1);
    cx_coro_cancel(co);
    cx_coro_cancel(co); /* twice: harmless */
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(cancel_rc[0], CX_ECANCELED);
    CHECK_EQ(cancel_rc[1], 1);
    CHECK_EQ(loop->nheap, 0); /* its timer is gone */
    cx_loop_free(loop);
}

static void self_cancel(void *arg) {
    cx_coro_cancel(cx_coro_self());
    cancel_rc[0] = cx_coro_suspend();
}

TEST(cancel_self_makes_the_next_wait_fail_at_once) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(loop, self_cancel, NULL, NULL), 0);
    CHECK_EQ(cancel_rc[0], CX_ECANCELED);
    cx_loop_free(loop);
}

/* ---- internal waits -------------------------------------------------------------------- */

static int token_a, token_b;
static int internal_rc;
static void internal_waiter(void *arg) {
    internal_rc = cx_coro__wait(cx_coro_self(), &token_a);
}

TEST(internal_wait_needs_its_token) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, internal_waiter, NULL, &co), 1);
    cx_coro_wake(co, 1);            /* public wake: ignored */
    cx_coro__wake(co, &token_b, 2); /* wrong token: ignored */
    cx_coro__wake(co, NULL, 3);     /* no token: ignored */
    cx_coro__wake(co, &token_a, 4); /* the one */
    cx_coro__wake(co, &token_a, 5); /* too late */
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(internal_rc, 4);
    cx_loop_free(loop);
}

TEST(internal_wait_rejects_a_foreign_coroutine) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, internal_waiter, NULL, &co), 1);
    CHECK_EQ(cx_coro__wait(co, &token_a), CX_ESTATE); /* not the running one */
    cx_coro_cancel(co);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(internal_rc, CX_ECANCELED);
    cx_loop_free(loop);
}

/* ---- I/O waits ------------------------------------------------------------------------- */

static int io_fd, io_rc[3];
static int io_wfd;
static void io_write(cx_timer *t) {
    if (write(io_wfd, "ping", 4) != 4) CHECK(0);
}

static void io_waiter(void *arg) {
    io_rc[0] = cx_coro_wait_io(io_fd, CX_READABLE);
    char buf[8];
    while (read(io_fd, buf, sizeof buf) > 0) {
    }
    /* The next write comes only now, so this wait must see a new edge. */
    cx_timer t;
    cx_timer_init(&t, io_write, NULL);
    cx_timer_start(cx_loop_current(), &t, 1);
    io_rc[1] = cx_coro_wait_io(io_fd, CX_READABLE); /* registered afresh */
    cx_loop_stop(cx_loop_current());
}

TEST(wait_io_readable_twice) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    io_fd = sv[0];
    io_wfd = sv[1];
    CHECK_EQ(cx_coro_start(loop, io_waiter, NULL, NULL), 1);
    cx_timer t1;
    cx_timer_init(&t1, io_write, NULL);
    cx_timer_start(loop, &t1, 1);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(io_rc[0], CX_READABLE);
    CHECK_EQ(io_rc[1], CX_READABLE);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

static void io_writable_waiter(void *arg) {
    io_rc[0] = cx_coro_wait_io(io_fd, CX_WRITABLE);
}

TEST(wait_io_writable_is_ready_at_once) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    io_fd = sv[0];
    CHECK_EQ(cx_coro_start(loop, io_writable_waiter, NULL, NULL), 1);
    arm_guard(loop, 5000);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(io_rc[0], CX_WRITABLE);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

static void noop_io(cx_io *io, unsigned ev) {}

static void io_timeout_waiter(void *arg) {
    uint64_t prev = cx_deadline_push(2);
    io_rc[0] = cx_coro_wait_io(io_fd, CX_READABLE);
    cx_deadline_pop(prev);
    /* Deregistered after the wait: someone else may watch the fd now. */
    cx_io io;
    io_rc[1] = cx_io_start(cx_loop_current(), &io, io_fd, CX_READABLE, noop_io);
    cx_io_stop(cx_loop_current(), &io);
    io_rc[2] = cx_coro_wait_io(io_fd, 0);
    cx_loop_stop(cx_loop_current());
}

TEST(wait_io_times_out_and_deregisters) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    io_fd = sv[0];
    CHECK_EQ(cx_coro_start(loop, io_timeout_waiter, NULL, NULL), 1);
    arm_guard(loop, 5000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(io_rc[0], CX_ETIMEDOUT);
    CHECK_EQ(io_rc[1], 0);
    CHECK_EQ(io_rc[2], CX_EINVAL);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

static void io_busy_waiter(void *arg) {
    io_rc[0] = cx_coro_wait_io(io_fd, CX_READABLE);
}

TEST(wait_io_on_a_watched_fd_fails) {
    cx_loop *loop = new_loop();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cx_io io;
    CHECK_EQ(cx_io_start(loop, &io, sv[0], CX_READABLE, noop_io), 0);
    io_fd = sv[0];
    CHECK_EQ(cx_coro_start(loop, io_busy_waiter, NULL, NULL), 0);
    CHECK_EQ(io_rc[0], -EEXIST);
    cx_io_stop(loop, &io);
    io_fd = -1;
    CHECK_EQ(cx_coro_start(loop, io_busy_waiter, NULL, NULL), 0);
    CHECK_EQ(io_rc[0], CX_EINVAL);
    close(sv[0]);
    close(sv[1]);
    cx_loop_free(loop);
}

static void io_hangup_waiter(void *arg) {
    io_rc[0] = cx_coro_wait_io(io_fd, CX_WRITABLE);
}

TEST(wait_io_reports_hangup) {
    cx_loop *loop = new_loop();
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    io_fd = fds[0];
    CHECK_EQ(cx_coro_start(loop, io_hangup_waiter, NULL, NULL), 1);
    close(fds[1]);
    arm_guard(loop, 5000);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK(io_rc[0] > 0);
    CHECK(io_rc[0] & CX_HANGUP);
    close(fds[0]);
    cx_loop_free(loop);
}

/* ---- data ------------------------------------------------------------------------------ */

static void data_fn(void *arg) {
    cx_coro *me = cx_coro_self();
    CHECK(cx_coro_data(me) == NULL); /* a fresh start clears the last owner's */
    cx_coro_set_data(me, arg);
    cx_coro_suspend();
    CHECK(cx_coro_data(me) == arg);
}

TEST(data_pointer_travels_with_the_coroutine) {
    cx_loop *loop = new_loop();
    int x, y;
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, data_fn, &x, &co), 1);
    CHECK(cx_coro_data(co) == &x);
    cx_coro_set_data(co, &y);
    CHECK(cx_coro_data(co) == &y);
    cx_coro_set_data(co, &x);
    cx_coro_wake(co, 0);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    /* The pooled coroutine is reused: its data must start clean. */
    CHECK_EQ(cx_coro_start(loop, data_fn, &y, &co), 1);
    cx_coro_wake(co, 0);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    cx_loop_free(loop);
}

/* ---- floating-point state --------------------------------------------------------------- */

static int fp_inside[2];
static void fp_fn(void *arg) {
    fesetround(FE_UPWARD);
    fp_inside[0] = fegetround();
    cx_coro_suspend();
    fp_inside[1] = fegetround();
    fesetround(FE_TONEAREST);
}

TEST(rounding_mode_is_per_coroutine) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(fegetround(), FE_TONEAREST);
    CHECK_EQ(cx_coro_start(loop, fp_fn, NULL, &co), 1);
    CHECK_EQ(fp_inside[0], FE_UPWARD);
    CHECK_EQ(fegetround(), FE_TONEAREST); /* restored on the way out */
    cx_coro_wake(co, 0);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(fp_inside[1], FE_UPWARD); /* and back on the way in */
    CHECK_EQ(fegetround(), FE_TONEAREST);
    cx_loop_free(loop);
}

/* ---- stacks ----------------------------------------------------------------------------- */

static void deep_stack_fn(void *arg) {
    volatile char big[40 * 1024];
    memset((char *)big, 0x5A, sizeof big);
    cx_coro_yield();
    int bad = 0;
    for (size_t i = 0; i < sizeof big; i++) bad += big[i] != 0x5A;
    *(int *)arg = bad;
}

TEST(stack_holds_a_40k_frame_across_a_switch) {
    cx_loop *loop = new_loop();
    int bad = -1;
    CHECK_EQ(cx_coro_start(loop, deep_stack_fn, &bad, NULL), 1);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(bad, 0);
    cx_loop_free(loop);
}

static void suspend_forever(void *arg) {
    cx_coro_suspend();
}

TEST(pool_reuses_stacks_no_mmap_after_warm_up) {
    cx_loop *loop = new_loop();
    cx_coro *co[100];
    for (int i = 0; i < 100; i++) CHECK_EQ(cx_coro_start(loop, suspend_forever, NULL, &co[i]), 1);
    CHECK_EQ(cx_loop__coro_mmaps(loop), 100);
    for (int i = 0; i < 100; i++) cx_coro_wake(co[i], 0);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(loop->coro_nlive, 0);
    CHECK_EQ(loop->coro_nidle, 100);
    size_t defer_cap = loop->defer_cap;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            CHECK_EQ(cx_coro_start(loop, suspend_forever, NULL, &co[i]), 1);
        for (int i = 0; i < 100; i++) cx_coro_wake(co[i], 0);
        cx_loop_defer(loop, stop_task, loop);
        cx_loop_run(loop);
    }
    CHECK_EQ(cx_loop__coro_mmaps(loop), 100); /* warm: nothing new mapped */
    CHECK_EQ(loop->defer_cap, defer_cap);     /* nor the ring grown */
    CHECK_EQ(cx_coro_start(loop, simple_fn, &(int){0}, NULL), 0);
    CHECK_EQ(cx_loop__coro_mmaps(loop), 100);
    cx_loop_free(loop);
}

TEST(pool_keeps_at_most_coro_pool_max_idle) {
    cx_loop_options o = {.coro_pool_max = 3};
    cx_loop *loop = NULL;
    CHECK_EQ(cx_loop_new(&loop, &o), 0);
    cx_coro *co[10];
    for (int i = 0; i < 10; i++) CHECK_EQ(cx_coro_start(loop, suspend_forever, NULL, &co[i]), 1);
    for (int i = 0; i < 10; i++) cx_coro_wake(co[i], 0);
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_EQ(loop->coro_nidle, 3);
    CHECK_EQ(loop->coro_nlive, 0);
    cx_loop_free(loop);
}

TEST(free_loop_with_suspended_coroutines) {
    cx_loop *loop = new_loop();
    for (int i = 0; i < 20; i++) CHECK_EQ(cx_coro_start(loop, suspend_forever, NULL, NULL), 1);
    CHECK_EQ(cx_coro_start(loop, sleeper, (void *)(intptr_t)7, NULL), 1);
    CHECK_EQ(loop->coro_nlive, 21);
    cx_loop_free(loop); /* stacks unmapped; no leak, no crash */
}

TEST(guard_page_sits_below_the_stack) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, suspend_forever, NULL, &co), 1);
    /* The byte just below the stack is in a PROT_NONE page: ask the kernel
     * (mincore-free check: a write() from it fails with EFAULT). */
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    const char *below = (const char *)cx_coro__stack_lo(co) - 1;
    CHECK_EQ(write(fds[1], below, 1), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(write(fds[1], cx_coro__stack_lo(co), 1), 1);
    close(fds[0]);
    close(fds[1]);
    cx_loop_free(loop);
}

/* ---- many at once --------------------------------------------------------------------- */

#define TEN_K 10000
static int tenk_done, tenk_peak;
static cx_loop *tenk_loop;
static void tenk_fn(void *arg) {
    unsigned seed = (unsigned)(intptr_t)arg;
    if (tenk_loop->coro_nlive > (size_t)tenk_peak) tenk_peak = (int)tenk_loop->coro_nlive;
    int rc = cx_sleep(1 + rand_r(&seed) % 5);
    CHECK_EQ(rc, 0);
    cx_coro_yield();
    if (++tenk_done == TEN_K) cx_loop_stop(tenk_loop);
}

TEST(ten_thousand_coroutines_alive_at_once) {
    cx_loop_options o = {.coro_stack_size = 32 * 1024};
    CHECK_EQ(cx_loop_new(&tenk_loop, &o), 0);
    tenk_done = tenk_peak = 0;
    int started = 0;
    for (int i = 0; i < TEN_K; i++)
        started += cx_coro_start(tenk_loop, tenk_fn, (void *)(intptr_t)i, NULL) == 1;
    CHECK_EQ(started, TEN_K);
    CHECK_EQ(tenk_loop->coro_nlive, TEN_K);
    arm_guard(tenk_loop, 60000);
    CHECK_EQ(cx_loop_run(tenk_loop), 0);
    CHECK_EQ(tenk_done, TEN_K);
    CHECK_EQ(tenk_peak, TEN_K);
    CHECK_EQ(tenk_loop->coro_nlive, 0);
    cx_loop_free(tenk_loop);
}

/* ---- wake ordering against deferred callbacks ------------------------------------------------ */

static void mark_task(void *arg) {
    mark((char)(intptr_t)arg);
}

static void suspend_and_mark(void *arg) {
    cx_coro_suspend();
    mark('c');
}

TEST(wakes_and_defers_keep_their_relative_order) {
    cx_loop *loop = new_loop();
    cx_coro *co;
    reset_trace();
    CHECK_EQ(cx_coro_start(loop, suspend_and_mark, NULL, &co), 1);
    cx_loop_defer(loop, mark_task, (void *)'1');
    cx_coro_wake(co, 0);
    cx_loop_defer(loop, mark_task, (void *)'2');
    cx_loop_defer(loop, stop_task, loop);
    cx_loop_run(loop);
    CHECK_STR(trace, "1c2");
    cx_loop_free(loop);
}

TEST_MAIN()
