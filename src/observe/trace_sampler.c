/* Samplers: always, never, trace-id ratio, parent-based, rate limiting.
 *
 * The rate limiter is a lock-free "generic cell rate" bucket: one atomic
 * holds the time at which the next span may be sampled; each sampled span
 * pushes it forward by 1/rate, and up to `rate` spans may run ahead of the
 * clock (the burst). A compare-exchange replaces a lock on a path that runs
 * for every new trace. */
#include "trace_int.h"
#include <cortex/error.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

typedef enum { S_ON, S_OFF, S_RATIO, S_RATE, S_PARENT } sampler_type;

struct cx_sampler {
    sampler_type type;
    uint64_t threshold;       /* ratio: sample when the id's number is below */
    bool ratio_all;           /* ratio 1: every trace */
    uint64_t interval_ns;     /* rate: ns per span */
    uint64_t burst_ns;        /* rate: how far ahead of the clock we may run */
    _Atomic uint64_t next_ns; /* rate: the theoretical arrival time */
    cx_sampler *root;         /* parent-based */
};

static int make(cx_sampler **out, sampler_type type) {
    if (!out) return CX_EINVAL;
    cx_sampler *s = calloc(1, sizeof *s);
    if (!s) return CX_ENOMEM;
    s->type = type;
    *out = s;
    return 0;
}

int cx_sampler_always_on(cx_sampler **out) {
    return make(out, S_ON);
}

int cx_sampler_always_off(cx_sampler **out) {
    return make(out, S_OFF);
}

int cx_sampler_ratio(cx_sampler **out, double ratio) {
    if (!(ratio >= 0 && ratio <= 1)) return CX_EINVAL;
    int rc = make(out, S_RATIO);
    if (rc) return rc;
    (*out)->ratio_all = ratio >= 1;
    (*out)->threshold = (uint64_t)(ratio * 18446744073709551616.0 * (1 - 1e-16));
    return 0;
}

int cx_sampler_rate_limit(cx_sampler **out, double per_second) {
    if (!(per_second > 0 && per_second <= 1e9)) return CX_EINVAL;
    int rc = make(out, S_RATE);
    if (rc) return rc;
    (*out)->interval_ns = (uint64_t)(1e9 / per_second);
    if ((*out)->interval_ns == 0) (*out)->interval_ns = 1;
    double burst = per_second < 1 ? 1 : per_second;
    (*out)->burst_ns = (uint64_t)(burst * (double)(*out)->interval_ns);
    return 0;
}

int cx_sampler_parent_based(cx_sampler **out, cx_sampler *root) {
    if (!root) return CX_EINVAL;
    int rc = make(out, S_PARENT);
    if (rc) {
        cx_sampler_free(root);
        return rc;
    }
    (*out)->root = root;
    return 0;
}

void cx_sampler_free(cx_sampler *s) {
    if (!s) return;
    cx_sampler_free(s->root);
    free(s);
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool rate_take(cx_sampler *s) {
    uint64_t now = mono_ns();
    uint64_t tat = atomic_load_explicit(&s->next_ns, memory_order_relaxed);
    for (;;) {
        uint64_t base = tat > now ? tat : now;
        if (base - now + s->interval_ns > s->burst_ns) return false;
        if (atomic_compare_exchange_weak_explicit(&s->next_ns, &tat, base + s->interval_ns,
                                                  memory_order_relaxed, memory_order_relaxed))
            return true;
    }
}

cx_sampling_decision cx_sampler_decide(cx_sampler *s, const cx_span_context *parent,
                                       const uint8_t trace_id[16], const char *name,
                                       cx_span_kind kind) {
    (void)name;
    (void)kind;
    if (!s) return CX_SAMPLE_RECORD_SAMPLE;
    switch (s->type) {
    case S_ON:
        return CX_SAMPLE_RECORD_SAMPLE;
    case S_OFF:
        return CX_SAMPLE_DROP;
    case S_RATIO: {
        if (s->ratio_all) return CX_SAMPLE_RECORD_SAMPLE;
        /* The low 8 bytes, big-endian: the random part of a W3C trace id. */
        uint64_t x = 0;
        for (int i = 8; i < 16; i++) x = x << 8 | trace_id[i];
        return x < s->threshold ? CX_SAMPLE_RECORD_SAMPLE : CX_SAMPLE_DROP;
    }
    case S_RATE:
        return rate_take(s) ? CX_SAMPLE_RECORD_SAMPLE : CX_SAMPLE_DROP;
    case S_PARENT:
        if (parent && cx_span_context_valid(parent))
            return (parent->flags & CX_TRACE_FLAG_SAMPLED) ? CX_SAMPLE_RECORD_SAMPLE
                                                           : CX_SAMPLE_DROP;
        return cx_sampler_decide(s->root, parent, trace_id, name, kind);
    }
    return CX_SAMPLE_DROP;
}
