/* The metrics registry's private structures (src/observe). */
#ifndef CX_OBSERVE_METRICS_INT_H
#define CX_OBSERVE_METRICS_INT_H

#include <cortex/metrics.h>
#include <pthread.h>
#include <stdatomic.h>

#define CX_CACHE_LINE          64
#define CX_METRICS_MAX_COLLECT 16

/* One series: its label values and one cell block per shard. A shard's block
 * is `stride` bytes (a multiple of the cache line) of _Atomic uint64_t:
 *   counter    [0] count
 *   gauge      [0] the bits of a double (the shard's sum of adds)
 *   histogram  [0..nbuckets] per-bucket counts (not cumulative), then the
 *              bits of the double sum */
typedef struct cx_series {
    struct cx_metric_family *fam;
    uint64_t hash;
    cx_str *values;              /* fam->nlabels, copies owned by the series */
    _Atomic uint64_t gauge_base; /* gauges: bits of the value set() last stored */
    unsigned char *cells;        /* nshards * fam->stride, cache-line aligned */
} cx_series;

struct cx_metric_family {
    cx_metrics *m;
    char *name; /* without "_total" for counters */
    char *help;
    cx_metric_type type;
    char *labels[CX_METRICS_MAX_LABELS];
    size_t nlabels;
    double *buckets;
    size_t nbuckets;
    unsigned max_series;
    size_t stride;

    /* Open addressing, capacity a power of two >= 2 * max_series, so a probe
     * always ends at an empty slot; slots only ever go from NULL to a series. */
    _Atomic(cx_series *) *slots;
    size_t mask;
    cx_series **list; /* in creation order, for exposition */
    _Atomic size_t nlist;
    pthread_mutex_t mu; /* inserts only */
    _Atomic bool full;
    _Atomic uint64_t rejected;
    _Atomic bool warned;

    double (*cb)(void *arg); /* callback families */
    void *cb_arg;
};

struct cx_metrics {
    unsigned nshards; /* blocks owned by one thread each */
    unsigned nblocks; /* nshards + 1: the last is shared by threads without a shard */
    unsigned max_series;
    unsigned max_families;
    struct cx_logger *logger;
    pthread_mutex_t mu; /* registration and scrapes */
    cx_metric_family **families;
    size_t nfamilies;
    struct {
        void (*fn)(void *arg);
        void *arg;
    } collect[CX_METRICS_MAX_COLLECT];
    size_t ncollect;
};

/* The calling thread's cell block in m: below m->nshards it is the thread's
 * alone (updates are a plain load and store, no locked instruction); the
 * last block is shared by threads beyond the shard count (atomic adds). */
unsigned cx__metrics_shard(const cx_metrics *m);
/* Shard i's cell block of s. */
static inline _Atomic uint64_t *cx__cells(const cx_series *s, unsigned shard) {
    return (_Atomic uint64_t *)(s->cells + (size_t)shard * s->fam->stride);
}
static inline double cx__bits_double(uint64_t b) {
    union {
        uint64_t u;
        double d;
    } x = {.u = b};
    return x.d;
}
static inline uint64_t cx__double_bits(double d) {
    union {
        uint64_t u;
        double d;
    } x = {.d = d};
    return x.u;
}

/* Shortest text that reads back as v; "+Inf", "-Inf", "NaN". */
int cx__metrics_fmt_double(cx_buf *out, double v);

#endif
