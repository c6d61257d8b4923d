/* Metrics registry: families, series and their sharded cells.
 *
 * Why shards: a counter bumped by every worker on every request would bounce
 * one cache line between cores; with one line per thread the add stays in
 * the core's own cache and the (rare) scrape pays for the sum instead. */
#include "metrics_int.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The process-wide state of the metrics runtime: which thread ids are taken.
 * A thread takes the smallest free id the first time it updates a metric and
 * gives it back when it exits, so a registry with at least as many shards as
 * live threads gives every thread a block of its own. */
#define MAX_THREAD_IDS 256
static struct {
    pthread_once_t once;
    pthread_key_t key;
    pthread_mutex_t mu;
    uint64_t used[MAX_THREAD_IDS / 64];
} cx_metrics_runtime = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER};
/* id + 1; 0: none yet; MAX_THREAD_IDS + 1: none to be had (shared block). */
static _Thread_local unsigned tl_id_plus1;

static void release_id(void *p) {
    unsigned id = (unsigned)(uintptr_t)p - 1;
    /* Runs on the exiting thread: any update it still makes (from another
     * thread-exit destructor) goes to the shared block. */
    tl_id_plus1 = MAX_THREAD_IDS + 1;
    pthread_mutex_lock(&cx_metrics_runtime.mu);
    cx_metrics_runtime.used[id / 64] &= ~(1ull << (id % 64));
    pthread_mutex_unlock(&cx_metrics_runtime.mu);
}

static void runtime_init(void) {
    pthread_key_create(&cx_metrics_runtime.key, release_id);
}

static unsigned claim_id(void) {
    pthread_once(&cx_metrics_runtime.once, runtime_init);
    unsigned id = MAX_THREAD_IDS;
    pthread_mutex_lock(&cx_metrics_runtime.mu);
    for (unsigned i = 0; i < MAX_THREAD_IDS; i++)
        if (!(cx_metrics_runtime.used[i / 64] & (1ull << (i % 64)))) {
            cx_metrics_runtime.used[i / 64] |= 1ull << (i % 64);
            id = i;
            break;
        }
    pthread_mutex_unlock(&cx_metrics_runtime.mu);
    if (id < MAX_THREAD_IDS &&
        pthread_setspecific(cx_metrics_runtime.key, (void *)(uintptr_t)(id + 1)) != 0) {
        release_id((void *)(uintptr_t)(id + 1));
        id = MAX_THREAD_IDS;
    }
    tl_id_plus1 = id + 1;
    return id + 1;
}

unsigned cx__metrics_shard(const cx_metrics *m) {
    unsigned id = tl_id_plus1;
    if (__builtin_expect(!id, 0)) id = claim_id();
    return id - 1 < m->nshards ? id - 1 : m->nshards;
}

/* Add n to a cell of the calling thread's block. */
static inline void cell_add(const cx_metrics *m, _Atomic uint64_t *c, unsigned shard, uint64_t n) {
    if (shard < m->nshards)
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                              memory_order_relaxed);
    else
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static const double default_buckets[] = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

const double *cx_metrics_default_buckets(size_t *n) {
    if (n) *n = sizeof default_buckets / sizeof default_buckets[0];
    return default_buckets;
}

void cx_metrics_options_default(cx_metrics_options *o) {
    memset(o, 0, sizeof *o);
    o->shards = 16;
    o->max_series = 1000;
    o->max_families = 1024;
}

int cx_metrics_new(cx_metrics **out, const cx_metrics_options *opts) {
    cx_metrics_options d;
    if (!opts) {
        cx_metrics_options_default(&d);
        opts = &d;
    }
    if (!out || opts->shards == 0 || opts->shards > 256 || opts->max_series == 0 ||
        opts->max_series > (1u << 20) || opts->max_families == 0 || opts->max_families > 65536)
        return CX_EINVAL;
    cx_metrics *m = calloc(1, sizeof *m);
    if (!m) return CX_ENOMEM;
    m->nshards = opts->shards;
    m->nblocks = opts->shards + 1;
    m->max_series = opts->max_series;
    m->max_families = opts->max_families;
    m->logger = opts->logger;
    m->families = calloc(opts->max_families, sizeof *m->families);
    if (!m->families) {
        free(m);
        return CX_ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return 0;
}

static void series_free(cx_series *s) {
    if (!s) return;
    free(s->values);
    free(s->cells);
    free(s);
}

static void family_free(cx_metric_family *f) {
    if (!f) return;
    size_t n = atomic_load(&f->nlist);
    for (size_t i = 0; i < n; i++) series_free(f->list[i]);
    free(f->list);
    free((void *)f->slots);
    for (size_t i = 0; i < f->nlabels; i++) free(f->labels[i]);
    free(f->name);
    free(f->help);
    free(f->buckets);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void cx_metrics_free(cx_metrics *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nfamilies; i++) family_free(m->families[i]);
    free(m->families);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* ---- validation ------------------------------------------------------------ */

static bool valid_name(const char *s, bool colon) {
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > CX_METRICS_MAX_NAME) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static bool valid_label(const char *s, cx_metric_type t) {
    if (!valid_name(s, false)) return false;
    if (s[0] == '_' && s[1] == '_') return false;
    if (t == CX_METRIC_HISTOGRAM && strcmp(s, "le") == 0) return false;
    return true;
}

/* ---- series ---------------------------------------------------------------- */

static uint64_t hash_values(const cx_str *v, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        size_t len = v[i].len > CX_METRICS_MAX_LABEL_VALUE ? CX_METRICS_MAX_LABEL_VALUE : v[i].len;
        for (size_t j = 0; j < len; j++) {
            h ^= (unsigned char)v[i].ptr[j];
            h *= 1099511628211ull;
        }
        h ^= 0xff; /* separator: ("ab","c") differs from ("a","bc") */
        h *= 1099511628211ull;
    }
    return h;
}

static bool same_values(const cx_series *s, const cx_str *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        size_t len = v[i].len > CX_METRICS_MAX_LABEL_VALUE ? CX_METRICS_MAX_LABEL_VALUE : v[i].len;
        if (s->values[i].len != len || (len && memcmp(s->values[i].ptr, v[i].ptr, len) != 0))
            return false;
    }
    return true;
}

static cx_series *series_new(cx_metric_family *f, const cx_str *v, size_t n, uint64_t hash) {
    cx_series *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t bytes = (size_t)f->m->nblocks * f->stride;
    s->cells = aligned_alloc(CX_CACHE_LINE, bytes);
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += (v[i].len > CX_METRICS_MAX_LABEL_VALUE ? CX_METRICS_MAX_LABEL_VALUE : v[i].len) + 1;
    s->values = malloc(sizeof(cx_str) * (n ? n : 1) + text);
    if (!s->cells || !s->values) {
        series_free(s);
        return NULL;
    }
    memset(s->cells, 0, bytes);
    char *p = (char *)(s->values + (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        size_t len = v[i].len > CX_METRICS_MAX_LABEL_VALUE ? CX_METRICS_MAX_LABEL_VALUE : v[i].len;
        if (len) memcpy(p, v[i].ptr, len);
        p[len] = '\0';
        s->values[i] = (cx_str){p, len};
        p += len + 1;
    }
    s->fam = f;
    s->hash = hash;
    return s;
}

static void reject(cx_metric_family *f) {
    atomic_fetch_add_explicit(&f->rejected, 1, memory_order_relaxed);
    if (!atomic_exchange_explicit(&f->warned, true, memory_order_relaxed))
        CX_LOG(f->m->logger, CX_LOG_WARN, "metric family reached its series limit",
               CX_KV_STR("family", f->name), CX_KV_UINT("max_series", f->max_series));
}

static cx_series *lookup(cx_metric_family *f, const cx_str *v, size_t n) {
    if (!f || n != f->nlabels || (n && !v)) return NULL;
    uint64_t h = hash_values(v, n);
    size_t i = h & f->mask;
    for (;; i = (i + 1) & f->mask) {
        cx_series *s = atomic_load_explicit(&f->slots[i], memory_order_acquire);
        if (!s) break;
        if (s->hash == h && same_values(s, v, n)) return s;
    }
    if (atomic_load_explicit(&f->full, memory_order_relaxed)) {
        reject(f);
        return NULL;
    }
    pthread_mutex_lock(&f->mu);
    /* Another thread may have inserted it, or something else, since. */
    for (;; i = (i + 1) & f->mask) {
        cx_series *s = atomic_load_explicit(&f->slots[i], memory_order_acquire);
        if (!s) break;
        if (s->hash == h && same_values(s, v, n)) {
            pthread_mutex_unlock(&f->mu);
            return s;
        }
    }
    cx_series *s = NULL;
    size_t count = atomic_load_explicit(&f->nlist, memory_order_relaxed);
    if (count >= f->max_series) {
        atomic_store(&f->full, true);
    } else if ((s = series_new(f, v, n, h))) {
        f->list[count] = s;
        atomic_store_explicit(&f->nlist, count + 1, memory_order_release);
        atomic_store_explicit(&f->slots[i], s, memory_order_release);
    }
    pthread_mutex_unlock(&f->mu);
    if (!s && atomic_load(&f->full)) reject(f);
    return s;
}

uint64_t cx_metric_family_rejected(const cx_metric_family *f) {
    return f ? atomic_load_explicit(&f->rejected, memory_order_relaxed) : 0;
}

cx_counter *cx_counter_with(cx_metric_family *f, const cx_str *values, size_t nvalues) {
    if (!f || f->type != CX_METRIC_COUNTER || f->cb) return NULL;
    return (cx_counter *)lookup(f, values, nvalues);
}

cx_gauge *cx_gauge_with(cx_metric_family *f, const cx_str *values, size_t nvalues) {
    if (!f || f->type != CX_METRIC_GAUGE || f->cb) return NULL;
    return (cx_gauge *)lookup(f, values, nvalues);
}

cx_histogram *cx_histogram_with(cx_metric_family *f, const cx_str *values, size_t nvalues) {
    if (!f || f->type != CX_METRIC_HISTOGRAM) return NULL;
    return (cx_histogram *)lookup(f, values, nvalues);
}

/* ---- families -------------------------------------------------------------- */

static int family_add(cx_metrics *m, const cx_metric_desc *d, cx_metric_family **out) {
    if (!m || !d || !valid_name(d->name, true) || d->nlabels > CX_METRICS_MAX_LABELS ||
        (d->nlabels && !d->labels) || d->type > CX_METRIC_HISTOGRAM)
        return CX_EINVAL;
    for (size_t i = 0; i < d->nlabels; i++) {
        if (!valid_label(d->labels[i], d->type)) return CX_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->labels[i], d->labels[j]) == 0) return CX_EINVAL;
    }
    const double *b = d->buckets;
    size_t nb = d->nbuckets;
    if (d->type == CX_METRIC_HISTOGRAM) {
        if (!b) b = cx_metrics_default_buckets(&nb);
        if (nb == 0 || nb > CX_METRICS_MAX_BUCKETS) return CX_EINVAL;
        for (size_t i = 0; i < nb; i++)
            if (!isfinite(b[i]) || (i && b[i] <= b[i - 1])) return CX_EINVAL;
    }
    unsigned max_series = d->nlabels == 0 ? 1 : d->max_series ? d->max_series : m->max_series;
    if (max_series > (1u << 20)) return CX_EINVAL;

    cx_metric_family *f = calloc(1, sizeof *f);
    if (!f) return CX_ENOMEM;
    pthread_mutex_init(&f->mu, NULL);
    f->m = m;
    f->type = d->type;
    size_t nlen = strlen(d->name);
    if (d->type == CX_METRIC_COUNTER && nlen > 6 && strcmp(d->name + nlen - 6, "_total") == 0)
        nlen -= 6;
    f->name = strndup(d->name, nlen);
    f->help = strdup(d->help ? d->help : "");
    f->max_series = max_series;
    size_t cap = 2;
    while (cap < 2 * (size_t)max_series) cap <<= 1;
    f->mask = cap - 1;
    f->slots = calloc(cap, sizeof *f->slots);
    f->list = calloc(max_series, sizeof *f->list);
    bool ok = f->name && f->help && f->slots && f->list;
    for (size_t i = 0; ok && i < d->nlabels; i++) {
        f->labels[i] = strdup(d->labels[i]);
        ok = f->labels[i] != NULL;
        f->nlabels = i + 1;
    }
    size_t words = 1;
    if (ok && d->type == CX_METRIC_HISTOGRAM) {
        f->buckets = malloc(sizeof(double) * nb);
        ok = f->buckets != NULL;
        if (ok) memcpy(f->buckets, b, sizeof(double) * nb);
        f->nbuckets = nb;
        words = nb + 2;
    }
    f->stride = (words * sizeof(uint64_t) + CX_CACHE_LINE - 1) / CX_CACHE_LINE * CX_CACHE_LINE;
    if (!ok) {
        family_free(f);
        return CX_ENOMEM;
    }

    pthread_mutex_lock(&m->mu);
    int rc = 0;
    for (size_t i = 0; i < m->nfamilies; i++)
        if (strcmp(m->families[i]->name, f->name) == 0) rc = CX_EEXIST;
    if (!rc && m->nfamilies >= m->max_families) rc = CX_ELIMIT;
    if (!rc) m->families[m->nfamilies++] = f;
    pthread_mutex_unlock(&m->mu);
    if (rc) {
        family_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int cx_metrics_family(cx_metrics *m, const cx_metric_desc *d, cx_metric_family **out) {
    if (!out) return CX_EINVAL;
    cx_metric_family *f;
    int rc = family_add(m, d, &f);
    if (rc) return rc;
    if (d->nlabels == 0) lookup(f, NULL, 0); /* the one series exists from the start */
    *out = f;
    return 0;
}

static int unlabelled(cx_metrics *m, const cx_metric_desc *d, void **out) {
    if (!out) return CX_EINVAL;
    cx_metric_family *f;
    int rc = cx_metrics_family(m, d, &f);
    if (rc) return rc;
    cx_series *s = lookup(f, NULL, 0);
    if (!s) return CX_ENOMEM; /* the family stays registered, with no series */
    *out = s;
    return 0;
}

int cx_metrics_counter(cx_metrics *m, const char *name, const char *help, cx_counter **out) {
    cx_metric_desc d = {.name = name, .help = help, .type = CX_METRIC_COUNTER};
    return unlabelled(m, &d, (void **)out);
}

int cx_metrics_gauge(cx_metrics *m, const char *name, const char *help, cx_gauge **out) {
    cx_metric_desc d = {.name = name, .help = help, .type = CX_METRIC_GAUGE};
    return unlabelled(m, &d, (void **)out);
}

int cx_metrics_histogram(cx_metrics *m, const char *name, const char *help, const double *buckets,
                         size_t nbuckets, cx_histogram **out) {
    cx_metric_desc d = {.name = name,
                        .help = help,
                        .type = CX_METRIC_HISTOGRAM,
                        .buckets = buckets,
                        .nbuckets = nbuckets};
    return unlabelled(m, &d, (void **)out);
}

int cx_metrics_callback(cx_metrics *m, const char *name, const char *help, cx_metric_type type,
                        double (*fn)(void *arg), void *arg) {
    if (!fn || type == CX_METRIC_HISTOGRAM) return CX_EINVAL;
    cx_metric_desc d = {.name = name, .help = help, .type = type};
    cx_metric_family *f;
    int rc = family_add(m, &d, &f);
    if (rc) return rc;
    /* Set before any scrape can see it: family_add published it under the
     * registry's mutex, which scrapes take too. */
    pthread_mutex_lock(&m->mu);
    f->cb = fn;
    f->cb_arg = arg;
    pthread_mutex_unlock(&m->mu);
    return 0;
}

int cx_metrics_on_collect(cx_metrics *m, void (*fn)(void *arg), void *arg) {
    if (!m || !fn) return CX_EINVAL;
    pthread_mutex_lock(&m->mu);
    int rc = CX_ELIMIT;
    if (m->ncollect < CX_METRICS_MAX_COLLECT) {
        m->collect[m->ncollect].fn = fn;
        m->collect[m->ncollect].arg = arg;
        m->ncollect++;
        rc = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* ---- updates --------------------------------------------------------------- */

void cx_counter_add(cx_counter *c, uint64_t n) {
    cx_series *s = (cx_series *)c;
    if (!s) return;
    const cx_metrics *m = s->fam->m;
    unsigned shard = cx__metrics_shard(m);
    cell_add(m, cx__cells(s, shard), shard, n);
}

uint64_t cx_counter_value(const cx_counter *c) {
    const cx_series *s = (const cx_series *)c;
    if (!s) return 0;
    uint64_t sum = 0;
    for (unsigned i = 0; i < s->fam->m->nblocks; i++)
        sum += atomic_load_explicit(cx__cells(s, i), memory_order_relaxed);
    return sum;
}

/* Add to a double kept as bits: a plain load and store in the thread's own
 * block, a compare-exchange loop in the shared one. */
static void add_double(const cx_metrics *m, _Atomic uint64_t *cell, unsigned shard, double delta) {
    uint64_t old = atomic_load_explicit(cell, memory_order_relaxed);
    if (shard < m->nshards) {
        atomic_store_explicit(cell, cx__double_bits(cx__bits_double(old) + delta),
                              memory_order_relaxed);
        return;
    }
    while (!atomic_compare_exchange_weak_explicit(cell, &old,
                                                  cx__double_bits(cx__bits_double(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

void cx_gauge_add(cx_gauge *g, double delta) {
    cx_series *s = (cx_series *)g;
    if (!s) return;
    const cx_metrics *m = s->fam->m;
    unsigned shard = cx__metrics_shard(m);
    add_double(m, cx__cells(s, shard), shard, delta);
}

static double shard_sum(const cx_series *s) {
    double sum = 0;
    for (unsigned i = 0; i < s->fam->m->nblocks; i++)
        sum += cx__bits_double(atomic_load_explicit(cx__cells(s, i), memory_order_relaxed));
    return sum;
}

void cx_gauge_set(cx_gauge *g, double v) {
    cx_series *s = (cx_series *)g;
    if (!s) return;
    atomic_store_explicit(&s->gauge_base, cx__double_bits(v - shard_sum(s)), memory_order_relaxed);
}

double cx_gauge_value(const cx_gauge *g) {
    const cx_series *s = (const cx_series *)g;
    if (!s) return 0;
    return cx__bits_double(atomic_load_explicit(&s->gauge_base, memory_order_relaxed)) +
           shard_sum(s);
}

void cx_histogram_observe(cx_histogram *h, double v) {
    cx_series *s = (cx_series *)h;
    if (!s || isnan(v)) return;
    const cx_metric_family *f = s->fam;
    size_t i = 0;
    while (i < f->nbuckets && v > f->buckets[i]) i++;
    unsigned shard = cx__metrics_shard(f->m);
    _Atomic uint64_t *cells = cx__cells(s, shard);
    cell_add(f->m, &cells[i], shard, 1);
    add_double(f->m, &cells[f->nbuckets + 1], shard, v);
}

uint64_t cx_histogram_bucket(const cx_histogram *h, size_t b) {
    const cx_series *s = (const cx_series *)h;
    if (!s || b > s->fam->nbuckets) return 0;
    uint64_t sum = 0;
    for (unsigned i = 0; i < s->fam->m->nblocks; i++) {
        _Atomic uint64_t *cells = cx__cells(s, i);
        for (size_t j = 0; j <= b; j++)
            sum += atomic_load_explicit(&cells[j], memory_order_relaxed);
    }
    return sum;
}

uint64_t cx_histogram_count(const cx_histogram *h) {
    const cx_series *s = (const cx_series *)h;
    return s ? cx_histogram_bucket(h, s->fam->nbuckets) : 0;
}

double cx_histogram_sum(const cx_histogram *h) {
    const cx_series *s = (const cx_series *)h;
    if (!s) return 0;
    double sum = 0;
    for (unsigned i = 0; i < s->fam->m->nblocks; i++)
        sum += cx__bits_double(
            atomic_load_explicit(&cx__cells(s, i)[s->fam->nbuckets + 1], memory_order_relaxed));
    return sum;
}
