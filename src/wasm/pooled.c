/* Wasm calls on the thread pool.
 *
 * cx_pool_run() may stop waiting (deadline, cancel) while the job still
 * runs, and a wasm call cannot be interrupted from outside: it ends at its
 * own deadline or fuel. So the data of a call lives in a heap record shared
 * by the caller and the job, and a three-state flag decides who releases
 * it: the job marks it DONE when the work is over, the caller marks it
 * ABANDONED when it gives up; whoever comes second runs orphan(). Nothing of
 * the caller's stack is ever touched by the pool thread.
 */
#include "wasm/pooled.h"
#include <cortex/coro.h>
#include <cortex/loop.h>
#include <cortex/pool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "wasm_int.h"

enum { RUNNING, DONE, ABANDONED };

typedef struct shell {
    void (*work)(void *);
    void (*orphan)(void *);
    void *arg;
    atomic_int state;
    atomic_int refs; /* the caller and the job */
} shell;

static void shell_unref(shell *s) {
    if (atomic_fetch_sub(&s->refs, 1) == 1) free(s);
}

static void shell_job(void *p) {
    shell *s = p;
    s->work(s->arg);
    int expected = RUNNING;
    if (!atomic_compare_exchange_strong(&s->state, &expected, DONE)) s->orphan(s->arg);
    shell_unref(s);
}

int cx_wasm__pooled(void (*work)(void *arg), void (*orphan)(void *arg), void *arg, bool *handed) {
    *handed = false;
    cx_coro *co = cx_coro_self();
    if (!co || !work || !orphan) return co ? CX_EINVAL : CX_ESTATE;
    /* The checks cx_pool_run() makes before queueing, made here first so
     * that a timeout from it below always means "queued, then abandoned". */
    if (cx_coro_cancelled(co)) return CX_ECANCELED;
    uint64_t dl = cx_coro_deadline(co);
    if (dl && dl <= cx_loop_now(cx_coro_loop(co))) return CX_ETIMEDOUT;
    shell *s = malloc(sizeof *s);
    if (!s) return CX_ENOMEM;
    s->work = work, s->orphan = orphan, s->arg = arg;
    atomic_init(&s->state, RUNNING);
    atomic_init(&s->refs, 2);
    int rc = cx_pool_run(shell_job, s);
    if (rc == 0) {
        shell_unref(s);
        return 0;
    }
    if (rc != CX_ETIMEDOUT && rc != CX_ECANCELED) {
        free(s); /* never queued */
        return rc;
    }
    *handed = true;
    int expected = RUNNING;
    if (!atomic_compare_exchange_strong(&s->state, &expected, ABANDONED))
        orphan(arg); /* the work ended before the caller gave up */
    shell_unref(s);
    return rc;
}

uint64_t cx_wasm__now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t cx_wasm__coro_deadline_ns(void) {
    cx_coro *co = cx_coro_self();
    uint64_t dl = co ? cx_coro_deadline(co) : 0;
    return dl ? dl * 1000000u : 0; /* cx_loop_now() is CLOCK_MONOTONIC ms */
}

/* ---- cx_wasm_plugin_call_pooled ------------------------------------------------------- */

typedef struct pcall {
    cx_wasm_instance *inst;
    uint8_t *req;
    size_t len;
    uint64_t deadline; /* the coroutine's, ns; 0: none */
    cx_wasm_release_fn release;
    void *release_arg;
    int rc;
    cx_wasm_trap trap;
    uint8_t *resp;
    size_t resp_len;
} pcall;

static void pcall_work(void *p) {
    pcall *c = p;
    uint64_t saved = c->inst->deadline;
    if (c->deadline && (!saved || c->deadline < saved))
        cx_wasm_instance_set_deadline(c->inst, c->deadline);
    c->rc = cx_wasm_plugin_call(c->inst, c->req, c->len, &c->resp, &c->resp_len, &c->trap);
    cx_wasm_instance_set_deadline(c->inst, saved);
}

static void pcall_orphan(void *p) {
    pcall *c = p;
    if (c->release)
        c->release(c->release_arg, c->inst);
    else
        cx_wasm_instance_free(c->inst);
    free(c->resp);
    free(c->req);
    free(c);
}

int cx_wasm_plugin_call_pooled(cx_wasm_instance *inst, const void *req, size_t len, uint8_t **resp,
                               size_t *resp_len, cx_wasm_trap *trap, cx_wasm_release_fn release,
                               void *release_arg) {
    if (trap) *trap = CX_WASM_TRAP_NONE;
    if (!inst || (!req && len) || !resp || !resp_len || len > UINT32_MAX / 2) return CX_EINVAL;
    *resp = NULL;
    *resp_len = 0;
    pcall *c = calloc(1, sizeof *c);
    if (!c) return CX_ENOMEM;
    c->req = malloc(len ? len : 1);
    if (!c->req) {
        free(c);
        return CX_ENOMEM;
    }
    if (len) memcpy(c->req, req, len);
    c->inst = inst, c->len = len, c->release = release, c->release_arg = release_arg;
    c->deadline = cx_wasm__coro_deadline_ns();
    bool handed;
    int rc = cx_wasm__pooled(pcall_work, pcall_orphan, c, &handed);
    if (handed) return rc; /* c and inst belong to the job now */
    if (rc == 0) {
        rc = c->rc;
        if (trap) *trap = c->trap;
        *resp = c->resp, *resp_len = c->resp_len;
    }
    free(c->req);
    free(c);
    return rc;
}
