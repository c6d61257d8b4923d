/* The batch span processor: ended spans wait in a bounded lock-free queue
 * (Vyukov's array queue: one sequence number per cell) and a thread of its
 * own exports them in batches — every delay_ms, or as soon as a batch is
 * full. A full queue drops the span (the tracer counts it): ending a span
 * never blocks and never allocates. */
#include "trace_int.h"
#include <cortex/error.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

typedef struct cell {
    _Atomic size_t seq;
    cx_span *span;
} cell;

struct cx_batch {
    cell *cells;
    size_t mask;
    _Alignas(64) _Atomic size_t head;         /* producers */
    _Alignas(64) size_t tail;                 /* the export thread only */
    _Alignas(64) _Atomic size_t pushed, done; /* spans accepted / exported or failed */
    unsigned max_batch;
    uint32_t delay_ms;
    int efd;
    _Atomic bool stop;
    pthread_t thread;
    cx_span_exporter exp;
    cx_tracer *tracer;
};

void cx_batch_options_default(cx_batch_options *o) {
    o->max_queue = 2048;
    o->max_batch = 512;
    o->delay_ms = 1000;
}

bool cx__batch_push(cx_batch *b, cx_span *s) {
    size_t pos = atomic_load_explicit(&b->head, memory_order_relaxed);
    for (;;) {
        cell *c = &b->cells[pos & b->mask];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&b->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                c->span = s;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                break;
            }
        } else if (dif < 0) {
            return false; /* full */
        } else {
            pos = atomic_load_explicit(&b->head, memory_order_relaxed);
        }
    }
    size_t n = atomic_fetch_add_explicit(&b->pushed, 1, memory_order_relaxed) + 1;
    /* Wake the thread once per full batch, not per span. */
    if (n % b->max_batch == 0) {
        uint64_t one = 1;
        if (write(b->efd, &one, sizeof one) < 0) { /* it wakes on its timer anyway */
        }
    }
    return true;
}

static cx_span *pop(cx_batch *b) {
    cell *c = &b->cells[b->tail & b->mask];
    size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
    if (seq != b->tail + 1) return NULL;
    cx_span *s = c->span;
    atomic_store_explicit(&c->seq, b->tail + b->mask + 1, memory_order_release);
    b->tail++;
    return s;
}

static void export_all(cx_batch *b, const cx_span **buf) {
    for (;;) {
        size_t n = 0;
        cx_span *s;
        while (n < b->max_batch && (s = pop(b))) buf[n++] = s;
        if (!n) return;
        int rc = b->exp.export_spans(b->exp.self, buf, n);
        if (rc < 0)
            atomic_fetch_add_explicit(&b->tracer->export_errors, 1, memory_order_relaxed);
        else
            atomic_fetch_add_explicit(&b->tracer->exported, n, memory_order_relaxed);
        for (size_t i = 0; i < n; i++) cx_span_unref((cx_span *)buf[i]);
        atomic_fetch_add_explicit(&b->done, n, memory_order_release);
    }
}

static void *batch_main(void *arg) {
    cx_batch *b = arg;
    const cx_span **buf = malloc(sizeof *buf * b->max_batch);
    if (!buf) return NULL;
    while (!atomic_load(&b->stop)) {
        struct pollfd p = {.fd = b->efd, .events = POLLIN};
        if (poll(&p, 1, (int)b->delay_ms) > 0) {
            uint64_t v;
            if (read(b->efd, &v, sizeof v) < 0) { /* spurious: export anyway */
            }
        }
        export_all(b, buf);
    }
    export_all(b, buf);
    free(buf);
    return NULL;
}

int cx__batch_new(cx_batch **out, const cx_batch_options *o, cx_span_exporter exp, cx_tracer *t) {
    int rc = CX_EINVAL;
    cx_batch *b = NULL;
    if (!o || o->max_queue == 0 || o->max_queue > (1u << 24) || o->max_batch == 0 ||
        o->delay_ms == 0)
        goto fail;
    rc = CX_ENOMEM;
    if (!(b = calloc(1, sizeof *b))) goto fail;
    size_t cap = 2;
    while (cap < o->max_queue) cap <<= 1;
    b->mask = cap - 1;
    b->max_batch = o->max_batch > cap ? (unsigned)cap : o->max_batch;
    b->delay_ms = o->delay_ms;
    b->exp = exp;
    b->tracer = t;
    b->efd = -1;
    if (!(b->cells = calloc(cap, sizeof *b->cells))) goto fail;
    for (size_t i = 0; i < cap; i++) atomic_init(&b->cells[i].seq, i);
    b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->efd < 0) goto fail;
    /* The thread starts with every signal blocked: a tracer is usually made
     * before cx_server_run() blocks SIGTERM/SIGINT/SIGHUP for its signalfd,
     * and a thread that left them open would take a SIGTERM with the
     * default action (killing the process) instead of a graceful stop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int prc = pthread_create(&b->thread, NULL, batch_main, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc) goto fail;
    *out = b;
    return 0;
fail:
    if (b) {
        if (b->efd >= 0) close(b->efd);
        free(b->cells);
        free(b);
    }
    if (exp.shutdown) exp.shutdown(exp.self);
    return rc;
}

int cx__batch_flush(cx_batch *b, uint32_t timeout_ms) {
    size_t target = atomic_load(&b->pushed);
    uint64_t one = 1;
    if (write(b->efd, &one, sizeof one) < 0) {
    }
    struct timespec ts = {0, 1000000};
    for (uint32_t waited = 0; atomic_load_explicit(&b->done, memory_order_acquire) < target;
         waited++) {
        if (waited >= timeout_ms) return CX_ETIMEDOUT;
        nanosleep(&ts, NULL);
    }
    return 0;
}

void cx__batch_free(cx_batch *b) {
    if (!b) return;
    atomic_store(&b->stop, true);
    uint64_t one = 1;
    if (write(b->efd, &one, sizeof one) < 0) {
    }
    pthread_join(b->thread, NULL);
    cx_span *s;
    while ((s = pop(b))) cx_span_unref(s); /* pushed after the last drain */
    if (b->exp.shutdown) b->exp.shutdown(b->exp.self);
    close(b->efd);
    free(b->cells);
    free(b);
}
