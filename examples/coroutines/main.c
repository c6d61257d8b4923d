/* Coroutines on one event loop, plus blocking work sent to a thread pool.
 *
 *   example_coroutines
 *
 * Two coroutines sleep and print in turns; a third hands a blocking
 * computation to the pool and waits for it without blocking the loop; a
 * fourth shows a deadline cutting a wait short. The program stops its loop
 * when all four have finished, and exits. */
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/loop.h>
#include <cortex/pool.h>
#include <stdio.h>

static int running; /* coroutines not finished yet */

static void finished(void) {
    if (--running == 0) cx_loop_stop(cx_loop_current());
}

static void ticker(void *arg) {
    const char *name = arg;
    uint64_t period = name[0] == 'f' ? 20 : 30;
    for (int i = 1; i <= 3; i++) {
        cx_sleep(period);
        printf("%-5s tick %d (after %3llu ms)\n", name, i, (unsigned long long)(i * period));
    }
    finished();
}

struct sum_job {
    unsigned long n, result;
};

/* Runs on a pool thread: stands in for SQLite, compression, hashing... */
static void sum_squares(void *arg) {
    struct sum_job *job = arg;
    job->result = 0;
    for (unsigned long i = 1; i <= job->n; i++) job->result += i * i;
}

static void worker(void *arg) {
    static struct sum_job job = {.n = 1000000}; /* outlives the call, see pool.h */
    int rc = cx_pool_run(sum_squares, &job);
    if (rc)
        printf("pool  failed: %s\n", cx_strerror(rc));
    else
        printf("pool  sum of squares to %lu = %lu\n", job.n, job.result);
    finished();
}

static void impatient(void *arg) {
    uint64_t prev = cx_deadline_push(50);
    int rc = cx_sleep(1000); /* the deadline comes first */
    cx_deadline_pop(prev);
    printf("late  a 1 s sleep under a 50 ms deadline: %s\n", cx_strerror(rc));
    finished();
}

int main(void) {
    cx_loop *loop;
    cx_pool *pool;
    int rc = cx_loop_new(&loop, NULL);
    if (rc) {
        fprintf(stderr, "loop: %s\n", cx_strerror(rc));
        return 1;
    }
    rc = cx_pool_new(&pool, 2, 0);
    if (rc) {
        fprintf(stderr, "pool: %s\n", cx_strerror(rc));
        cx_loop_free(loop);
        return 1;
    }
    cx_pool_attach(pool, loop);

    /* Each starts at once and runs until its first wait. */
    running = 4;
    cx_coro_start(loop, ticker, "fast", NULL);
    cx_coro_start(loop, ticker, "slow", NULL);
    cx_coro_start(loop, worker, NULL, NULL);
    cx_coro_start(loop, impatient, NULL, NULL);

    rc = cx_loop_run(loop);
    cx_pool_free(pool);
    cx_loop_free(loop);
    return rc ? 1 : 0;
}
