/* The HTTP server's built-in metrics, fed by hooks in the HTTP layer.
 *
 * The request path does: two lock-free series lookups (a hash of method,
 * route and status class), one histogram observation, three counter adds and
 * two gauge adds, all on the calling thread's shard, plus two reads of the
 * monotonic clock (vDSO). Nothing is allocated once a series exists. */
#include "hooks.h"
#include "metrics_int.h"
#include "../http/message.h"
#include <cortex/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 1024

typedef struct lag_probe {
    cx_http_metrics *hm;
    cx_loop *loop;
    cx_timer timer;
    uint64_t due_ns; /* when the timer should fire */
    cx_gauge *lag;
} lag_probe;

struct cx_http_metrics {
    cx_metrics *m;
    cx_metric_family *requests;
    cx_metric_family *duration;
    cx_metric_family *conns;
    cx_metric_family *lag;
    cx_gauge *in_flight;
    cx_gauge *proto_conns[CX_OBS_NPROTO];
    cx_counter *bytes_in;
    cx_counter *bytes_out;
    uint32_t lag_interval_ms;
    pthread_mutex_t mu; /* probes[] */
    lag_probe *probes[MAX_WORKERS];
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cx_http_metrics_options_default(cx_http_metrics_options *o) {
    memset(o, 0, sizeof *o);
    o->lag_interval_ms = 500;
}

cx_metrics *cx_http_metrics_registry(const cx_http_metrics *hm) {
    return hm ? hm->m : NULL;
}

int cx_http_metrics_new(cx_http_metrics **out, cx_metrics *m, const cx_http_metrics_options *o) {
    cx_http_metrics_options d;
    if (!o) {
        cx_http_metrics_options_default(&d);
        o = &d;
    }
    if (!out || !m) return CX_EINVAL;
    cx_http_metrics *hm = calloc(1, sizeof *hm);
    if (!hm) return CX_ENOMEM;
    hm->m = m;
    hm->lag_interval_ms = o->lag_interval_ms;
    pthread_mutex_init(&hm->mu, NULL);
    static const char *const req_labels[] = {"method", "route", "status"};
    static const char *const proto_label[] = {"protocol"};
    static const char *const worker_label[] = {"worker"};
    cx_metric_desc reqs = {.name = "cortex_http_requests_total",
                           .help = "HTTP requests answered, by method, route template and status "
                                   "class.",
                           .type = CX_METRIC_COUNTER,
                           .labels = req_labels,
                           .nlabels = 3,
                           .max_series = o->max_series};
    cx_metric_desc dur = {.name = "cortex_http_request_duration_seconds",
                          .help = "Time from the start of the handler to the complete response.",
                          .type = CX_METRIC_HISTOGRAM,
                          .labels = req_labels,
                          .nlabels = 2,
                          .buckets = o->buckets,
                          .nbuckets = o->nbuckets,
                          .max_series = o->max_series};
    cx_metric_desc conns = {.name = "cortex_http_connections",
                            .help = "Open client connections, by protocol.",
                            .type = CX_METRIC_GAUGE,
                            .labels = proto_label,
                            .nlabels = 1};
    cx_metric_desc lag = {.name = "cortex_event_loop_lag_seconds",
                          .help = "How late the last periodic probe timer fired on each worker's "
                                  "event loop.",
                          .type = CX_METRIC_GAUGE,
                          .labels = worker_label,
                          .nlabels = 1};
    int rc;
    if ((rc = cx_metrics_family(m, &reqs, &hm->requests)) ||
        (rc = cx_metrics_family(m, &dur, &hm->duration)) ||
        (rc = cx_metrics_gauge(m, "cortex_http_requests_in_flight",
                               "Requests whose handler has started and whose response is not "
                               "complete.",
                               &hm->in_flight)) ||
        (rc = cx_metrics_family(m, &conns, &hm->conns)) ||
        (rc = cx_metrics_counter(m, "cortex_http_request_body_bytes_total",
                                 "Request body bytes read by handlers.", &hm->bytes_in)) ||
        (rc = cx_metrics_counter(m, "cortex_http_response_body_bytes_total",
                                 "Response body bytes sent.", &hm->bytes_out)) ||
        (hm->lag_interval_ms && (rc = cx_metrics_family(m, &lag, &hm->lag)))) {
        cx_http_metrics_free(hm);
        return rc;
    }
    static const cx_str protos[CX_OBS_NPROTO] = {{"http/1.1", 8}, {"h2", 2}};
    for (int i = 0; i < CX_OBS_NPROTO; i++) {
        hm->proto_conns[i] = cx_gauge_with(hm->conns, &protos[i], 1);
        if (!hm->proto_conns[i]) {
            cx_http_metrics_free(hm);
            return CX_ENOMEM;
        }
    }
    *out = hm;
    return 0;
}

void cx_http_metrics_free(cx_http_metrics *hm) {
    if (!hm) return;
    for (size_t i = 0; i < MAX_WORKERS; i++) free(hm->probes[i]);
    pthread_mutex_destroy(&hm->mu);
    free(hm);
}

/* ---- hooks ----------------------------------------------------------------- */

uint64_t cx__obs_request_start(cx_http_metrics *hm) {
    if (!hm) return 0;
    cx_gauge_add(hm->in_flight, 1);
    return now_ns();
}

void cx__obs_request_end(cx_http_metrics *hm, uint64_t start_ns, const cx_req *req,
                         const cx_res *res, cx_str route) {
    if (!hm || !start_ns) return;
    static const char *const classes[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    uint64_t end = now_ns();
    const char *mname = cx_method_name(req->method);
    int cls = res->status >= 100 && res->status < 600 ? res->status / 100 : 0;
    cx_str labels[3] = {
        mname ? cx_str_from(mname) : CX_STR("OTHER"),
        route.len ? route : CX_STR("unmatched"),
        cx_str_from(classes[cls]),
    };
    cx_counter_inc(cx_counter_with(hm->requests, labels, 3));
    cx_histogram_observe(cx_histogram_with(hm->duration, labels, 2),
                         (double)(end - start_ns) / 1e9);
    cx_gauge_add(hm->in_flight, -1);
    if (req->body_read) cx_counter_add(hm->bytes_in, req->body_read);
    uint64_t out = res->head_only                         ? 0
                   : res->streaming || res->sendfile_used ? res->bytes_out
                                                          : res->body.len;
    if (out) cx_counter_add(hm->bytes_out, out);
}

void cx__obs_conn(cx_http_metrics *hm, cx_obs_proto proto, int delta) {
    if (!hm || proto >= CX_OBS_NPROTO) return;
    cx_gauge_add(hm->proto_conns[proto], delta);
}

static void probe_fire(cx_timer *t) {
    lag_probe *p = t->data;
    uint64_t now = now_ns();
    double lag = now > p->due_ns ? (double)(now - p->due_ns) / 1e9 : 0;
    cx_gauge_set(p->lag, lag);
    p->due_ns = now + (uint64_t)p->hm->lag_interval_ms * 1000000u;
    cx_timer_start(p->loop, &p->timer, p->hm->lag_interval_ms);
}

void cx__obs_worker_start(cx_http_metrics *hm, unsigned index, cx_loop *loop) {
    if (!hm || !hm->lag || index >= MAX_WORKERS || !loop) return;
    pthread_mutex_lock(&hm->mu);
    lag_probe *p = hm->probes[index];
    if (!p) p = hm->probes[index] = calloc(1, sizeof *p);
    pthread_mutex_unlock(&hm->mu);
    if (!p) return;
    char name[16];
    int n = snprintf(name, sizeof name, "%u", index);
    cx_str v = {name, (size_t)n};
    p->hm = hm;
    p->loop = loop;
    p->lag = cx_gauge_with(hm->lag, &v, 1);
    cx_timer_init(&p->timer, probe_fire, p);
    p->due_ns = now_ns() + (uint64_t)hm->lag_interval_ms * 1000000u;
    cx_timer_start(loop, &p->timer, hm->lag_interval_ms);
}

void cx__obs_worker_stop(cx_http_metrics *hm, unsigned index, cx_loop *loop) {
    if (!hm || !hm->lag || index >= MAX_WORKERS) return;
    pthread_mutex_lock(&hm->mu);
    lag_probe *p = hm->probes[index];
    pthread_mutex_unlock(&hm->mu);
    if (p && p->loop == loop) cx_timer_stop(loop, &p->timer);
}
