/* Tests for the thread pool: running jobs from coroutines, many jobs, a full
 * queue, abandoned jobs (deadline, cancel, freed loop), freeing with queued
 * jobs, several loops sharing one pool. No test asserts on elapsed time. */
#include "harness.h"
#include "core/loop_int.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/loop.h>
#include <cortex/pool.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

static cx_loop *new_loop(void) {
    cx_loop *loop = NULL;
    CHECK_EQ(cx_loop_new(&loop, NULL), CX_OK);
    return loop;
}

static cx_pool *new_pool(unsigned threads, size_t queue) {
    cx_pool *pool = NULL;
    CHECK_EQ(cx_pool_new(&pool, threads, queue), CX_OK);
    return pool;
}

static void stop_timer_cb(cx_timer *t) {
    cx_loop_stop(t->data);
}

static cx_timer guard;
static void arm_guard(cx_loop *loop, uint64_t ms) {
    cx_timer_init(&guard, stop_timer_cb, loop);
    cx_timer_start(loop, &guard, ms);
}

/* ---- life ------------------------------------------------------------------------ */

TEST(pool_new_and_free) {
    cx_pool *pool = new_pool(0, 0);
    CHECK(pool != NULL);
    cx_pool_free(pool);
    pool = new_pool(1, 1);
    cx_pool_free(pool);
    cx_pool_free(NULL);
    CHECK_EQ(cx_pool_new(NULL, 1, 1), CX_EINVAL);
}

static void nop_job(void *arg) {}

TEST(pool_run_outside_a_coroutine_or_without_a_pool) {
    CHECK_EQ(cx_pool_run(nop_job, NULL), CX_ESTATE);
    CHECK(!cx_pool_job_abandoned());
}

static int no_pool_rc, null_fn_rc;
static void run_without_pool(void *arg) {
    no_pool_rc = cx_pool_run(nop_job, NULL);
}

static void run_null_fn(void *arg) {
    null_fn_rc = cx_pool_run(NULL, NULL);
}

TEST(pool_run_needs_an_attached_pool_and_a_fn) {
    cx_loop *loop = new_loop();
    CHECK_EQ(cx_coro_start(loop, run_without_pool, NULL, NULL), 0);
    CHECK_EQ(no_pool_rc, CX_ESTATE);
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    CHECK_EQ(cx_coro_start(loop, run_null_fn, NULL, NULL), 0);
    CHECK_EQ(null_fn_rc, CX_EINVAL);
    cx_pool_attach(NULL, loop); /* detach */
    CHECK_EQ(cx_coro_start(loop, run_without_pool, NULL, NULL), 0);
    CHECK_EQ(no_pool_rc, CX_ESTATE);
    cx_pool_free(pool);
    cx_loop_free(loop);
}

/* ---- running jobs ------------------------------------------------------------------ */

struct square {
    long in, out;
    pthread_t ran_on;
    bool abandoned_inside;
};

static void square_job(void *arg) {
    struct square *s = arg;
    s->out = s->in * s->in;
    s->ran_on = pthread_self();
    s->abandoned_inside = cx_pool_job_abandoned();
}

static int one_rc;
static void run_one(void *arg) {
    one_rc = cx_pool_run(square_job, arg);
    cx_loop_stop(cx_loop_current());
}

TEST(pool_runs_a_job_on_another_thread) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(2, 0);
    cx_pool_attach(pool, loop);
    struct square s = {.in = 12};
    one_rc = -1;
    CHECK_EQ(cx_coro_start(loop, run_one, &s, NULL), 1); /* suspended while it runs */
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(one_rc, 0);
    CHECK_EQ(s.out, 144);
    CHECK(!pthread_equal(s.ran_on, pthread_self()));
    CHECK(!s.abandoned_inside);
    CHECK(loop->jobs == NULL);
    cx_pool_free(pool);
    cx_loop_free(loop);
}

static void attach_current(void *arg) {
    cx_pool_attach(arg, NULL); /* NULL: the calling thread's loop */
}

TEST(pool_attach_null_means_the_current_loop) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_loop_defer(loop, attach_current, pool);
    cx_timer t;
    cx_timer_init(&t, stop_timer_cb, loop);
    cx_timer_start(loop, &t, 0);
    cx_loop_run(loop);
    CHECK(loop->pool == pool);
    cx_pool_attach(pool, NULL); /* no loop on this thread: a no-op */
    cx_pool_free(pool);
    cx_loop_free(loop);
}

#define CALLERS   200
#define JOBS_EACH 5
static atomic_long many_sum;
static int many_done, many_failed;

static void add_job(void *arg) {
    atomic_fetch_add(&many_sum, (long)(intptr_t)arg);
}

static void many_caller(void *arg) {
    long base = (long)(intptr_t)arg;
    for (int i = 0; i < JOBS_EACH; i++)
        if (cx_pool_run(add_job, (void *)(intptr_t)(base * JOBS_EACH + i))) many_failed++;
    if (++many_done == CALLERS) cx_loop_stop(cx_loop_current());
}

TEST(pool_many_jobs_from_many_coroutines) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(4, 0);
    cx_pool_attach(pool, loop);
    atomic_store(&many_sum, 0);
    many_done = many_failed = 0;
    for (int i = 0; i < CALLERS; i++)
        CHECK_EQ(cx_coro_start(loop, many_caller, (void *)(intptr_t)i, NULL), 1);
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    long n = CALLERS * JOBS_EACH;
    CHECK_EQ(many_done, CALLERS);
    CHECK_EQ(many_failed, 0);
    CHECK_EQ(atomic_load(&many_sum), n * (n - 1) / 2);
    CHECK(loop->jobs == NULL);
    cx_pool_free(pool);
    cx_loop_free(loop);
}

/* ---- a full queue ---------------------------------------------------------------------- */

static sem_t gate;
static atomic_int gate_entered;
static void gated_job(void *arg) {
    atomic_fetch_add(&gate_entered, 1);
    sem_wait(&gate);
    if (arg) *(bool *)arg = cx_pool_job_abandoned();
}

static int gated_rc[8];
static int gated_done, gated_expect;
static void gated_caller(void *arg) {
    int i = (int)(intptr_t)arg;
    gated_rc[i] = cx_pool_run(gated_job, NULL);
    if (++gated_done == gated_expect) cx_loop_stop(cx_loop_current());
}

TEST(pool_full_queue_is_ebusy) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 2);
    cx_pool_attach(pool, loop);
    sem_init(&gate, 0, 0);
    atomic_store(&gate_entered, 0);
    gated_done = 0;
    gated_expect = 4;
    /* The first job occupies the only thread... */
    CHECK_EQ(cx_coro_start(loop, gated_caller, (void *)0, NULL), 1);
    while (atomic_load(&gate_entered) == 0) sched_yield();
    /* ...two more fill the queue of two, the fourth finds it full. */
    CHECK_EQ(cx_coro_start(loop, gated_caller, (void *)1, NULL), 1);
    CHECK_EQ(cx_coro_start(loop, gated_caller, (void *)2, NULL), 1);
    CHECK_EQ(cx_coro_start(loop, gated_caller, (void *)3, NULL), 0);
    CHECK_EQ(gated_rc[3], CX_EBUSY);
    for (int i = 0; i < 3; i++) sem_post(&gate);
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(gated_rc[0], 0);
    CHECK_EQ(gated_rc[1], 0);
    CHECK_EQ(gated_rc[2], 0);
    cx_pool_free(pool);
    sem_destroy(&gate);
    cx_loop_free(loop);
}

/* ---- abandoned jobs ------------------------------------------------------------------- */

/* The job's data lives on the heap: the caller stops waiting before the job
 * finishes, and the job must not touch the caller's stack. */
struct slow {
    atomic_bool abandoned_seen;
    atomic_bool finished;
};

static void slow_job(void *arg) {
    struct slow *s = arg;
    atomic_fetch_add(&gate_entered, 1);
    sem_wait(&gate);
    atomic_store(&s->abandoned_seen, cx_pool_job_abandoned());
    atomic_store(&s->finished, true);
}

static int abandon_rc;
static void deadline_caller(void *arg) {
    uint64_t prev = cx_deadline_push(2);
    abandon_rc = cx_pool_run(slow_job, arg);
    cx_deadline_pop(prev);
    /* Now let the job finish and wait until its completion is processed. */
    sem_post(&gate);
    cx_loop *loop = cx_loop_current();
    while (loop->jobs) cx_sleep(1);
    cx_loop_stop(loop);
}

TEST(pool_deadline_abandons_the_job) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    sem_init(&gate, 0, 0);
    atomic_store(&gate_entered, 0);
    struct slow *s = calloc(1, sizeof *s);
    CHECK_EQ(cx_coro_start(loop, deadline_caller, s, NULL), 1);
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(abandon_rc, CX_ETIMEDOUT);
    CHECK(atomic_load(&s->finished));
    CHECK(atomic_load(&s->abandoned_seen));
    cx_pool_free(pool);
    sem_destroy(&gate);
    free(s);
    cx_loop_free(loop);
}

static void cancel_when_running(cx_timer *t) {
    if (atomic_load(&gate_entered) == 0) {
        cx_timer_start(cx_coro_loop(t->data), t, 1);
        return;
    }
    cx_coro_cancel(t->data);
}

static void cancel_caller(void *arg) {
    abandon_rc = cx_pool_run(slow_job, arg);
    sem_post(&gate);
    cx_loop *loop = cx_loop_current();
    /* Cancelled: every wait fails at once, but a yield still yields. */
    while (loop->jobs) cx_coro_yield();
    cx_loop_stop(loop);
}

TEST(pool_cancel_abandons_the_job) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    sem_init(&gate, 0, 0);
    atomic_store(&gate_entered, 0);
    struct slow *s = calloc(1, sizeof *s);
    cx_coro *co;
    CHECK_EQ(cx_coro_start(loop, cancel_caller, s, &co), 1);
    cx_timer t;
    cx_timer_init(&t, cancel_when_running, co);
    cx_timer_start(loop, &t, 1);
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(abandon_rc, CX_ECANCELED);
    CHECK(atomic_load(&s->finished));
    CHECK(atomic_load(&s->abandoned_seen));
    cx_pool_free(pool);
    sem_destroy(&gate);
    free(s);
    cx_loop_free(loop);
}

static atomic_int never_ran;
static void must_not_run(void *arg) {
    atomic_fetch_add(&never_ran, 1);
}

static int pre_rc[2];
static void precancelled_caller(void *arg) {
    cx_coro *me = cx_coro_self();
    cx_coro_set_deadline(me, cx_loop_now(cx_coro_loop(me)));
    pre_rc[0] = cx_pool_run(must_not_run, NULL);
    cx_coro_set_deadline(me, 0);
    cx_coro_cancel(me);
    pre_rc[1] = cx_pool_run(must_not_run, NULL);
}

TEST(pool_run_fails_at_once_when_already_cancelled_or_late) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    atomic_store(&never_ran, 0);
    CHECK_EQ(cx_coro_start(loop, precancelled_caller, NULL, NULL), 0);
    CHECK_EQ(pre_rc[0], CX_ETIMEDOUT);
    CHECK_EQ(pre_rc[1], CX_ECANCELED);
    cx_pool_free(pool);
    CHECK_EQ(atomic_load(&never_ran), 0);
    cx_loop_free(loop);
}

/* ---- freeing ----------------------------------------------------------------------------- */

static atomic_int queued_ran;
static int queued_rc[10], queued_done;
static void count_job(void *arg) {
    atomic_fetch_add(&queued_ran, 1);
}

static void queued_caller(void *arg) {
    int i = (int)(intptr_t)arg;
    queued_rc[i] = cx_pool_run(count_job, NULL);
    if (++queued_done == 10) cx_loop_stop(cx_loop_current());
}

TEST(pool_free_runs_queued_jobs_first) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    atomic_store(&queued_ran, 0);
    queued_done = 0;
    for (int i = 0; i < 10; i++) {
        queued_rc[i] = -1;
        CHECK_EQ(cx_coro_start(loop, queued_caller, (void *)(intptr_t)i, NULL), 1);
    }
    cx_pool_free(pool); /* the loop has not run: all ten are queued or running */
    cx_pool_attach(NULL, loop);
    CHECK_EQ(atomic_load(&queued_ran), 10);
    /* Their completions were posted; the loop delivers them now. */
    arm_guard(loop, 60000);
    CHECK_EQ(cx_loop_run(loop), 0);
    CHECK_EQ(queued_done, 10);
    for (int i = 0; i < 10; i++) CHECK_EQ(queued_rc[i], 0);
    cx_loop_free(loop);
}

static void lost_caller(void *arg) {
    cx_pool_run(slow_job, arg);
    CHECK(0); /* never resumed: the loop goes away first */
}

TEST(pool_job_outlives_its_loop) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    sem_init(&gate, 0, 0);
    atomic_store(&gate_entered, 0);
    struct slow *s = calloc(1, sizeof *s);
    CHECK_EQ(cx_coro_start(loop, lost_caller, s, NULL), 1);
    while (atomic_load(&gate_entered) == 0) sched_yield();
    cx_loop_free(loop); /* the job is still running */
    sem_post(&gate);
    cx_pool_free(pool); /* joins: the job finished without touching the loop */
    CHECK(atomic_load(&s->finished));
    CHECK(atomic_load(&s->abandoned_seen));
    sem_destroy(&gate);
    free(s);
}

TEST(pool_completion_posted_to_a_loop_that_is_freed_unrun) {
    cx_loop *loop = new_loop();
    cx_pool *pool = new_pool(1, 0);
    cx_pool_attach(pool, loop);
    atomic_store(&queued_ran, 0);
    queued_done = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(cx_coro_start(loop, queued_caller, (void *)(intptr_t)i, NULL), 1);
    cx_pool_free(pool); /* completions now sit in the loop's queue */
    CHECK_EQ(atomic_load(&queued_ran), 3);
    cx_loop_free(loop); /* dropped with their records: no leak */
}

/* ---- several loops, one pool -------------------------------------------------------------- */

struct worker {
    cx_loop *loop;
    pthread_t th;
    int done, failed;
};

static void worker_caller(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 20; i++)
        if (cx_pool_run(add_job, (void *)(intptr_t)1)) w->failed++;
    if (++w->done == 50) cx_loop_stop(w->loop);
}

static void *worker_thread(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 50; i++) cx_coro_start(w->loop, worker_caller, w, NULL);
    cx_loop_run(w->loop);
    return NULL;
}

TEST(pool_shared_by_loops_on_several_threads) {
    cx_pool *pool = new_pool(3, 0);
    struct worker w[3];
    atomic_store(&many_sum, 0);
    for (int i = 0; i < 3; i++) {
        w[i] = (struct worker){.loop = new_loop()};
        cx_pool_attach(pool, w[i].loop); /* before the loop's thread starts */
        pthread_create(&w[i].th, NULL, worker_thread, &w[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(w[i].th, NULL);
        CHECK_EQ(w[i].done, 50);
        CHECK_EQ(w[i].failed, 0);
        cx_loop_free(w[i].loop);
    }
    CHECK_EQ(atomic_load(&many_sum), 3 * 50 * 20);
    cx_pool_free(pool);
}

TEST_MAIN()
