/* The thread pool: a bounded FIFO of jobs served by N threads.
 *
 * A job record lives on the heap, never on the caller's stack, because the
 * caller may stop waiting (deadline, cancel) while the job runs on. Three
 * parties hold a reference and the last one out frees it:
 *   - the caller's coroutine, until cx_pool_run() returns (or its loop is
 *     freed while it waits, since then it never returns);
 *   - the loop, from submission until the completion has been processed
 *     on the loop's thread (or the loop is freed);
 *   - the pool thread, until it has handed the completion to the loop.
 * The completion travels as a cx_post_node embedded in the record, so
 * reporting it cannot fail. `stage` settles the race between a pool thread
 * posting to a loop and that loop being freed: the thread claims POSTING
 * before touching the loop, and cx_loop_free() claims ORPHAN or waits out a
 * post in progress.
 */
#include "core/coro_int.h"
#include "core/loop_int.h"
#include <cortex/error.h>
#include <cortex/pool.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define POOL_MAX_THREADS 1024

enum { STAGE_PENDING, STAGE_POSTING, STAGE_POSTED, STAGE_ORPHAN };

struct job {
    cx_post_node node;
    void (*fn)(void *arg);
    void *arg;
    cx_loop *loop;
    cx_coro *co;
    struct job *qnext;         /* the pool's queue */
    struct job *lprev, *lnext; /* the loop's outstanding jobs */
    atomic_int refs;
    atomic_int stage;
    atomic_bool abandoned;
    bool caller_waiting; /* the loop's thread only */
};

struct cx_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    size_t n, max;
    bool stopping;
    pthread_t *threads;
    unsigned nthreads;
};

static _Thread_local struct job *tls_job;

static void job_unref(struct job *j) {
    if (atomic_fetch_sub(&j->refs, 1) == 1) free(j);
}

/* ---- the loop's side --------------------------------------------------------------- */

static void loop_link(cx_loop *loop, struct job *j) {
    struct job *head = loop->jobs;
    j->lprev = NULL;
    j->lnext = head;
    if (head) head->lprev = j;
    loop->jobs = j;
}

static void loop_unlink(cx_loop *loop, struct job *j) {
    if (j->lprev)
        j->lprev->lnext = j->lnext;
    else
        loop->jobs = j->lnext;
    if (j->lnext) j->lnext->lprev = j->lprev;
}

/* On the loop's thread: the job has returned. */
static void job_complete(void *arg) {
    struct job *j = arg;
    loop_unlink(j->loop, j);
    if (!atomic_load(&j->abandoned)) cx_coro__wake(j->co, j, CX_OK);
    job_unref(j);
}

void cx_pool__loop_free(cx_loop *loop) {
    while (loop->jobs) {
        struct job *j = loop->jobs;
        loop->jobs = j->lnext;
        atomic_store(&j->abandoned, true);
        int expected = STAGE_PENDING;
        if (!atomic_compare_exchange_strong(&j->stage, &expected, STAGE_ORPHAN))
            while (atomic_load(&j->stage) == STAGE_POSTING) sched_yield();
        if (j->caller_waiting) job_unref(j);
        job_unref(j);
    }
}

/* ---- the pool's threads ------------------------------------------------------------ */

static struct job *next_job(cx_pool *pool) {
    pthread_mutex_lock(&pool->mu);
    while (!pool->head && !pool->stopping) pthread_cond_wait(&pool->cv, &pool->mu);
    struct job *j = pool->head;
    if (j) {
        pool->head = j->qnext;
        if (!pool->head) pool->tail = NULL;
        pool->n--;
    }
    pthread_mutex_unlock(&pool->mu);
    return j;
}

static void job_finish(struct job *j) {
    int expected = STAGE_PENDING;
    if (atomic_compare_exchange_strong(&j->stage, &expected, STAGE_POSTING)) {
        cx_loop__post_node(j->loop, &j->node);
        atomic_store(&j->stage, STAGE_POSTED);
    }
    job_unref(j);
}

static void *worker_main(void *arg) {
    cx_pool *pool = arg;
    struct job *j;
    while ((j = next_job(pool))) {
        tls_job = j;
        j->fn(j->arg);
        tls_job = NULL;
        job_finish(j);
    }
    return NULL;
}

/* ---- the API ----------------------------------------------------------------------- */

static void pool_stop(cx_pool *pool, unsigned started) {
    pthread_mutex_lock(&pool->mu);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < started; i++) pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->cv);
    pthread_mutex_destroy(&pool->mu);
    free(pool->threads);
    free(pool);
}

int cx_pool_new(cx_pool **out, unsigned threads, size_t max_queue) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    if (!threads) threads = CX_POOL_DEFAULT_THREADS;
    if (threads > POOL_MAX_THREADS) threads = POOL_MAX_THREADS;
    cx_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return CX_ENOMEM;
    pool->threads = calloc(threads, sizeof *pool->threads);
    if (!pool->threads || pthread_mutex_init(&pool->mu, NULL)) {
        free(pool->threads);
        free(pool);
        return CX_ENOMEM;
    }
    if (pthread_cond_init(&pool->cv, NULL)) {
        pthread_mutex_destroy(&pool->mu);
        free(pool->threads);
        free(pool);
        return CX_ENOMEM;
    }
    pool->max = max_queue ? max_queue : CX_POOL_DEFAULT_QUEUE;
    for (unsigned i = 0; i < threads; i++) {
        int err = pthread_create(&pool->threads[i], NULL, worker_main, pool);
        if (err) {
            pool_stop(pool, i);
            return -err;
        }
    }
    pool->nthreads = threads;
    *out = pool;
    return CX_OK;
}

void cx_pool_free(cx_pool *pool) {
    if (pool) pool_stop(pool, pool->nthreads);
}

void cx_pool_attach(cx_pool *pool, void *loop) {
    cx_loop *l = loop ? loop : cx_loop_current();
    if (l) l->pool = pool;
}

static int enqueue(cx_pool *pool, struct job *j) {
    int rc = CX_OK;
    pthread_mutex_lock(&pool->mu);
    if (pool->stopping)
        rc = CX_ESTATE;
    else if (pool->n >= pool->max)
        rc = CX_EBUSY;
    if (rc == CX_OK) {
        j->qnext = NULL;
        if (pool->tail)
            pool->tail->qnext = j;
        else
            pool->head = j;
        pool->tail = j;
        pool->n++;
        pthread_cond_signal(&pool->cv);
    }
    pthread_mutex_unlock(&pool->mu);
    return rc;
}

int cx_pool_run(void (*fn)(void *arg), void *arg) {
    cx_coro *co = cx_coro_self();
    if (!co) return CX_ESTATE;
    if (!fn) return CX_EINVAL;
    cx_loop *loop = cx_coro_loop(co);
    cx_pool *pool = loop->pool;
    if (!pool) return CX_ESTATE;
    if (cx_coro_cancelled(co)) return CX_ECANCELED;
    uint64_t deadline = cx_coro_deadline(co);
    if (deadline && deadline <= cx_loop_now(loop)) return CX_ETIMEDOUT;
    struct job *j = calloc(1, sizeof *j);
    if (!j) return CX_ENOMEM;
    *j =
        (struct job){.node = {NULL, job_complete, j}, .fn = fn, .arg = arg, .loop = loop, .co = co};
    atomic_init(&j->refs, 3);
    atomic_init(&j->stage, STAGE_PENDING);
    atomic_init(&j->abandoned, false);
    loop_link(loop, j);
    int rc = enqueue(pool, j);
    if (rc) {
        loop_unlink(loop, j);
        free(j);
        return rc;
    }
    j->caller_waiting = true;
    rc = cx_coro__wait(co, j);
    j->caller_waiting = false;
    if (rc != CX_OK) atomic_store(&j->abandoned, true);
    job_unref(j);
    return rc;
}

bool cx_pool_job_abandoned(void) {
    return tls_job && atomic_load(&tls_job->abandoned);
}
