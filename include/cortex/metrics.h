/* Metrics: counters, gauges and histograms, exposed for Prometheus.
 *
 * A cx_metrics registry owns metric families. A family has a name, a help
 * text, a type and zero or more label names; each distinct tuple of label
 * values is one series (a cx_counter, cx_gauge or cx_histogram handle). An
 * unlabelled family has exactly one series, returned when it is registered.
 *
 * Updates never lock and never allocate: every series keeps one cache-line
 * aligned block of cells per shard plus one shared block. A thread takes a
 * process-wide thread number the first time it updates a metric (given back
 * when it exits); a thread whose number is below the registry's shard count
 * owns that block and updates it with a plain load and store — no locked
 * instruction, no cache line shared with another writer — while threads
 * beyond the shard count use atomic adds on the shared block. A scrape sums
 * the blocks. Looking up the
 * series of a label tuple that exists already is a lock-free hash probe;
 * only the first use of a new tuple takes the family's mutex and allocates.
 * A family holds at most max_series series: past that, lookups return NULL
 * (updates through NULL are no-ops), the refusal is counted in
 * cortex_metrics_series_rejected_total{family="..."} and logged once per
 * family, so a label with unbounded values cannot eat the memory.
 *
 * Exposition: cx_metrics_write() renders the Prometheus text format 0.0.4
 * or OpenMetrics 1.0; cx_metrics_negotiate() picks one from an Accept header
 * and cx_metrics_handler() is a ready GET /metrics handler. Counter names
 * are given without the "_total" suffix (a trailing "_total" is dropped):
 * samples are written name_total in both formats.
 *
 * Handles stay valid until cx_metrics_free(). The registry is safe to use
 * from any thread; registration is not meant for the request path.
 *
 *   cx_counter *hits;
 *   cx_metrics_counter(m, "app_cache_hits", "Cache hits.", &hits);
 *   cx_counter_inc(hits);
 */
#ifndef CORTEX_METRICS_H
#define CORTEX_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_metrics cx_metrics;
typedef struct cx_metric_family cx_metric_family;
typedef struct cx_counter cx_counter;
typedef struct cx_gauge cx_gauge;
typedef struct cx_histogram cx_histogram;
struct cx_logger;

typedef enum cx_metric_type {
    CX_METRIC_COUNTER = 0,
    CX_METRIC_GAUGE,
    CX_METRIC_HISTOGRAM
} cx_metric_type;

/* Limits of the registry; names and label values longer than these are
 * refused (CX_EINVAL) or, for label values, cut. */
#define CX_METRICS_MAX_LABELS      8   /* label names per family */
#define CX_METRICS_MAX_BUCKETS     64  /* histogram upper bounds */
#define CX_METRICS_MAX_NAME        200 /* bytes of a metric or label name */
#define CX_METRICS_MAX_LABEL_VALUE 256 /* bytes of one label value */

typedef struct cx_metrics_options {
    unsigned shards;          /* cells per series, 16; rounded up to a power of two, max 256 */
    unsigned max_series;      /* per family unless the family says otherwise, 1000 */
    unsigned max_families;    /* per registry, 1024 */
    struct cx_logger *logger; /* for the cardinality warning; NULL: the default logger */
} cx_metrics_options;

void cx_metrics_options_default(cx_metrics_options *o);

/* A new registry (opts NULL: the defaults). 0, CX_EINVAL or CX_ENOMEM. The
 * caller owns *out and frees it with cx_metrics_free(). */
int cx_metrics_new(cx_metrics **out, const cx_metrics_options *opts);
/* Free the registry and every handle it gave out. NULL is ignored. */
void cx_metrics_free(cx_metrics *m);

/* What a family is. The strings and arrays are copied. */
typedef struct cx_metric_desc {
    const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]* */
    const char *help;
    cx_metric_type type;
    const char *const *labels; /* nlabels names, [a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix, no "le" */
    size_t nlabels;
    const double *buckets; /* histograms: ascending finite upper bounds; NULL: the defaults */
    size_t nbuckets;
    unsigned max_series; /* 0: the registry's */
} cx_metric_desc;

/* The default histogram buckets, in seconds: .005 .01 .025 .05 .1 .25 .5 1
 * 2.5 5 10 (+Inf is always added). *n is set to their count. */
const double *cx_metrics_default_buckets(size_t *n);

/* Register a family. 0 with *out set; CX_EINVAL for a bad name, label or
 * bucket list; CX_EEXIST when the name is taken; CX_ELIMIT past
 * max_families; CX_ENOMEM. The family belongs to the registry. */
int cx_metrics_family(cx_metrics *m, const cx_metric_desc *d, cx_metric_family **out);

/* Unlabelled shortcuts: register and return the one series. */
int cx_metrics_counter(cx_metrics *m, const char *name, const char *help, cx_counter **out);
int cx_metrics_gauge(cx_metrics *m, const char *name, const char *help, cx_gauge **out);
int cx_metrics_histogram(cx_metrics *m, const char *name, const char *help, const double *buckets,
                         size_t nbuckets, cx_histogram **out);

/* A value read at scrape time (process figures, sizes of queues): fn(arg)
 * is called by every cx_metrics_write(), on the scraping thread. type is
 * CX_METRIC_COUNTER or CX_METRIC_GAUGE. Same errors as cx_metrics_family. */
int cx_metrics_callback(cx_metrics *m, const char *name, const char *help, cx_metric_type type,
                        double (*fn)(void *arg), void *arg);

/* Called at the start of every cx_metrics_write(), before anything is read:
 * a place to refresh gauges from elsewhere. At most 16; CX_ELIMIT. */
int cx_metrics_on_collect(cx_metrics *m, void (*fn)(void *arg), void *arg);

/* The series of a family for nlabels label values, created on first use.
 * NULL when the family is of another type, the count of values is wrong,
 * or the family is full (counted and logged, see above) or out of memory.
 * Values longer than CX_METRICS_MAX_LABEL_VALUE are cut. */
cx_counter *cx_counter_with(cx_metric_family *f, const cx_str *values, size_t nvalues);
cx_gauge *cx_gauge_with(cx_metric_family *f, const cx_str *values, size_t nvalues);
cx_histogram *cx_histogram_with(cx_metric_family *f, const cx_str *values, size_t nvalues);

/* Series refused by a full family so far. */
uint64_t cx_metric_family_rejected(const cx_metric_family *f);

/* ---- updates: lock-free, allocation-free; NULL handles are ignored ------- */

void cx_counter_add(cx_counter *c, uint64_t n);
static inline void cx_counter_inc(cx_counter *c) {
    cx_counter_add(c, 1);
}
/* The current total (sums the shards). */
uint64_t cx_counter_value(const cx_counter *c);

void cx_gauge_add(cx_gauge *g, double delta);
static inline void cx_gauge_inc(cx_gauge *g) {
    cx_gauge_add(g, 1);
}
static inline void cx_gauge_dec(cx_gauge *g) {
    cx_gauge_add(g, -1);
}
/* Set the value. A gauge is meant to be either set or added to; set() while
 * other threads add() may lose their concurrent adds. */
void cx_gauge_set(cx_gauge *g, double v);
double cx_gauge_value(const cx_gauge *g);

void cx_histogram_observe(cx_histogram *h, double v);
/* Totals for tests and tools: count and sum of observations, and the
 * cumulative count of bucket i (i == nbuckets is +Inf). */
uint64_t cx_histogram_count(const cx_histogram *h);
double cx_histogram_sum(const cx_histogram *h);
uint64_t cx_histogram_bucket(const cx_histogram *h, size_t i);

/* ---- exposition ------------------------------------------------------------ */

typedef enum cx_metrics_format {
    CX_METRICS_PROMETHEUS = 0, /* text/plain; version=0.0.4 */
    CX_METRICS_OPENMETRICS     /* application/openmetrics-text; version=1.0.0 */
} cx_metrics_format;

/* The complete Content-Type header value of a format, parameters included:
 *   CX_METRICS_PROMETHEUS  "text/plain; version=0.0.4; charset=utf-8"
 *   CX_METRICS_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
 * (any other value gets the Prometheus one). A static string: never NULL,
 * never freed. */
const char *cx_metrics_content_type(cx_metrics_format f);
/* The format an Accept header asks for: OpenMetrics 1.0 when it is
 * preferred (by q-value, then by order) over text/plain; Prometheus text
 * otherwise, also for an empty or malformed header. */
cx_metrics_format cx_metrics_negotiate(cx_str accept);
/* Append every family to out. 0 or CX_ENOMEM. Safe while other threads
 * update (each value is read once; a scrape is not a snapshot in time). */
int cx_metrics_write(cx_metrics *m, cx_metrics_format f, cx_buf *out);

/* A GET /metrics handler; data is the cx_metrics *. Negotiates the format
 * from the Accept header. */
int cx_metrics_handler(cx_ctx *ctx);

/* ---- built-in collectors -------------------------------------------------- */

/* process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds and
 * process_start_time_seconds, read from /proc at scrape time. */
int cx_metrics_add_process(cx_metrics *m);

/* ---- the HTTP server's built-in metrics -------------------------------------
 *
 * A cx_http_metrics registers the server's families in a registry; put it in
 * cx_server_options.metrics and every worker feeds it:
 *   cortex_http_requests_total{method,route,status}     status is "2xx" etc.
 *   cortex_http_request_duration_seconds{method,route}  handler start to response
 *   cortex_http_requests_in_flight
 *   cortex_http_connections{protocol}                   open now ("http/1.1", "h2")
 *   cortex_http_request_body_bytes_total, cortex_http_response_body_bytes_total
 *   cortex_event_loop_lag_seconds{worker}               how late a periodic timer fired
 * route is the matched route's template ("/users/:id"), "unmatched" when no
 * route matched, so its values are bounded by the router; methods outside
 * the standard ones count as "OTHER". */
typedef struct cx_http_metrics cx_http_metrics;

typedef struct cx_http_metrics_options {
    const double *buckets; /* request duration buckets (s); NULL: the defaults */
    size_t nbuckets;
    unsigned max_series;      /* per family; 0: the registry's */
    uint32_t lag_interval_ms; /* event-loop lag probe period, 500 ms; 0: no probe */
} cx_http_metrics_options;

void cx_http_metrics_options_default(cx_http_metrics_options *o);
/* Register the families in m (which must outlive the result). 0, CX_EINVAL,
 * CX_EEXIST (registered twice in one registry) or CX_ENOMEM. The caller owns
 * *out; free it after the server that uses it. */
int cx_http_metrics_new(cx_http_metrics **out, cx_metrics *m, const cx_http_metrics_options *o);
void cx_http_metrics_free(cx_http_metrics *hm);
cx_metrics *cx_http_metrics_registry(const cx_http_metrics *hm);

#ifdef __cplusplus
}
#endif
#endif
