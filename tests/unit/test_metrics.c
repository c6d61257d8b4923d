/* Metrics: registry, series, sharded updates, cardinality limit, exposition
 * (Prometheus text and OpenMetrics, checked exactly and with promtool when
 * installed), content negotiation, the /metrics handler and the process
 * collector. */
#include "harness.h"
#include "http/memx.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <cortex/metrics.h>
#include <pthread.h>
#include <unistd.h>

static cx_metrics *new_registry(unsigned max_series) {
    cx_metrics_options o;
    cx_metrics_options_default(&o);
    if (max_series) o.max_series = max_series;
    cx_metrics *m = NULL;
    CHECK_EQ(cx_metrics_new(&m, &o), 0);
    return m;
}

static char *render(cx_metrics *m, cx_metrics_format f) {
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_metrics_write(m, f, &out), 0);
    cx_buf_putc(&out, '\0');
    return out.data; /* the caller frees */
}

TEST(counter_gauge_histogram_values) {
    cx_metrics *m = new_registry(0);
    cx_counter *c;
    cx_gauge *g;
    cx_histogram *h;
    CHECK_EQ(cx_metrics_counter(m, "jobs_total", "Jobs.", &c), 0);
    CHECK_EQ(cx_metrics_gauge(m, "queue_depth", "Depth.", &g), 0);
    double b[] = {1, 2, 5};
    CHECK_EQ(cx_metrics_histogram(m, "size", "Sizes.", b, 3, &h), 0);
    cx_counter_inc(c);
    cx_counter_add(c, 41);
    CHECK_EQ(cx_counter_value(c), 42);
    cx_gauge_add(g, 2.5);
    cx_gauge_dec(g);
    CHECK(cx_gauge_value(g) == 1.5);
    cx_gauge_set(g, 10);
    CHECK(cx_gauge_value(g) == 10);
    cx_gauge_inc(g);
    CHECK(cx_gauge_value(g) == 11);
    cx_histogram_observe(h, 0.5);
    cx_histogram_observe(h, 1); /* le is inclusive */
    cx_histogram_observe(h, 3);
    cx_histogram_observe(h, 100);
    CHECK_EQ(cx_histogram_count(h), 4);
    CHECK(cx_histogram_sum(h) == 104.5);
    CHECK_EQ(cx_histogram_bucket(h, 0), 2);
    CHECK_EQ(cx_histogram_bucket(h, 1), 2);
    CHECK_EQ(cx_histogram_bucket(h, 2), 3);
    CHECK_EQ(cx_histogram_bucket(h, 3), 4);
    /* NULL handles are ignored. */
    cx_counter_inc(NULL);
    cx_gauge_set(NULL, 1);
    cx_histogram_observe(NULL, 1);
    CHECK_EQ(cx_counter_value(NULL), 0);
    cx_metrics_free(m);
}

TEST(registration_errors) {
    cx_metrics *m = new_registry(0);
    cx_counter *c;
    CHECK_EQ(cx_metrics_counter(m, "", "x", &c), CX_EINVAL);
    CHECK_EQ(cx_metrics_counter(m, "1abc", "x", &c), CX_EINVAL);
    CHECK_EQ(cx_metrics_counter(m, "a-b", "x", &c), CX_EINVAL);
    CHECK_EQ(cx_metrics_counter(m, "ok:name_1", "x", &c), 0);
    CHECK_EQ(cx_metrics_counter(m, "ok:name_1", "x", &c), CX_EEXIST);
    /* "_total" is dropped, so these two are the same family. */
    CHECK_EQ(cx_metrics_counter(m, "ok:name_1_total", "x", &c), CX_EEXIST);
    const char *le[] = {"le"};
    cx_metric_family *f;
    cx_metric_desc d = {.name = "h", .type = CX_METRIC_HISTOGRAM, .labels = le, .nlabels = 1};
    CHECK_EQ(cx_metrics_family(m, &d, &f), CX_EINVAL);
    const char *dup[] = {"a", "a"};
    d = (cx_metric_desc){.name = "g", .type = CX_METRIC_GAUGE, .labels = dup, .nlabels = 2};
    CHECK_EQ(cx_metrics_family(m, &d, &f), CX_EINVAL);
    const char *reserved[] = {"__x"};
    d = (cx_metric_desc){.name = "g", .type = CX_METRIC_GAUGE, .labels = reserved, .nlabels = 1};
    CHECK_EQ(cx_metrics_family(m, &d, &f), CX_EINVAL);
    double bad[] = {1, 1};
    cx_histogram *h;
    CHECK_EQ(cx_metrics_histogram(m, "h2", "x", bad, 2, &h), CX_EINVAL);
    cx_metrics_free(m);

    cx_metrics_options o;
    cx_metrics_options_default(&o);
    o.shards = 0;
    CHECK_EQ(cx_metrics_new(&m, &o), CX_EINVAL);
    o.shards = 3;
    o.max_families = 2;
    CHECK_EQ(cx_metrics_new(&m, &o), 0);
    CHECK_EQ(cx_metrics_counter(m, "a", "", &c), 0);
    CHECK_EQ(cx_metrics_counter(m, "b", "", &c), 0);
    CHECK_EQ(cx_metrics_counter(m, "c", "", &c), CX_ELIMIT);
    cx_metrics_free(m);
}

TEST(labelled_series) {
    cx_metrics *m = new_registry(0);
    const char *labels[] = {"method", "code"};
    cx_metric_desc d = {
        .name = "reqs", .help = "R.", .type = CX_METRIC_COUNTER, .labels = labels, .nlabels = 2};
    cx_metric_family *f;
    CHECK_EQ(cx_metrics_family(m, &d, &f), 0);
    cx_str a[] = {CX_STR("GET"), CX_STR("200")};
    cx_str b[] = {CX_STR("GET"), CX_STR("404")};
    cx_str ab[] = {CX_STR("GE"), CX_STR("T200")}; /* same bytes, other split */
    cx_counter *ca = cx_counter_with(f, a, 2);
    CHECK(ca != NULL);
    CHECK(cx_counter_with(f, a, 2) == ca);
    CHECK(cx_counter_with(f, b, 2) != ca);
    CHECK(cx_counter_with(f, ab, 2) != ca);
    CHECK(cx_counter_with(f, a, 1) == NULL); /* wrong count */
    CHECK(cx_gauge_with(f, a, 2) == NULL);   /* wrong type */
    cx_counter_add(ca, 3);
    cx_counter_inc(cx_counter_with(f, b, 2));
    char *text = render(m, CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "reqs_total{method=\"GET\",code=\"200\"} 3\n") != NULL);
    CHECK(strstr(text, "reqs_total{method=\"GET\",code=\"404\"} 1\n") != NULL);
    CHECK(strstr(text, "reqs_total{method=\"GE\",code=\"T200\"} 0\n") != NULL);
    free(text);
    cx_metrics_free(m);
}

TEST(cardinality_limit_is_reported) {
    cx_logger *lg;
    CHECK_EQ(cx_logger_new(&lg), 0);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    cx_log_set_fd(lg, fds[1]);
    cx_metrics_options o;
    cx_metrics_options_default(&o);
    o.max_series = 3;
    o.logger = lg;
    cx_metrics *m;
    CHECK_EQ(cx_metrics_new(&m, &o), 0);
    const char *labels[] = {"user"};
    cx_metric_desc d = {
        .name = "logins", .type = CX_METRIC_COUNTER, .labels = labels, .nlabels = 1};
    cx_metric_family *f;
    CHECK_EQ(cx_metrics_family(m, &d, &f), 0);
    char name[16];
    int got = 0;
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "u%d", i);
        cx_str v = cx_str_from(name);
        cx_counter *c = cx_counter_with(f, &v, 1);
        if (c) got++;
        cx_counter_inc(c);
    }
    CHECK_EQ(got, 3);
    CHECK_EQ(cx_metric_family_rejected(f), 7);
    cx_str v0 = CX_STR("u0"); /* existing series still work */
    CHECK(cx_counter_with(f, &v0, 1) != NULL);
    char logbuf[1024] = {0};
    ssize_t n = read(fds[0], logbuf, sizeof logbuf - 1);
    CHECK(n > 0);
    CHECK(strstr(logbuf, "series limit") != NULL);
    CHECK(strstr(logbuf, "family=logins") != NULL);
    CHECK(strstr(logbuf + 1, "series limit") == strstr(logbuf, "series limit")); /* once */
    char *text = render(m, CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "cortex_metrics_series_rejected_total{family=\"logins\"} 7\n") != NULL);
    free(text);
    cx_metrics_free(m);
    close(fds[0]);
    close(fds[1]);
    cx_logger_free(lg);
}

struct hammer {
    cx_counter *c;
    cx_gauge *g;
    cx_histogram *h;
    int n;
};

static void *hammer_fn(void *arg) {
    struct hammer *hm = arg;
    for (int i = 0; i < hm->n; i++) {
        cx_counter_inc(hm->c);
        cx_gauge_inc(hm->g);
        cx_histogram_observe(hm->h, (i % 3) * 0.5);
    }
    return NULL;
}

TEST(threads_sum_exactly) {
    cx_metrics_options o;
    cx_metrics_options_default(&o);
    o.shards = 2; /* fewer shards than threads: shared cells stay exact */
    cx_metrics *m;
    CHECK_EQ(cx_metrics_new(&m, &o), 0);
    struct hammer hm = {.n = 100000};
    CHECK_EQ(cx_metrics_counter(m, "c", "", &hm.c), 0);
    CHECK_EQ(cx_metrics_gauge(m, "g", "", &hm.g), 0);
    double b[] = {0.25, 0.75};
    CHECK_EQ(cx_metrics_histogram(m, "h", "", b, 2, &hm.h), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer_fn, &hm);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK_EQ(cx_counter_value(hm.c), 400000);
    CHECK(cx_gauge_value(hm.g) == 400000);
    CHECK_EQ(cx_histogram_count(hm.h), 400000);
    CHECK_EQ(cx_histogram_bucket(hm.h, 0), 4 * 33334);
    cx_metrics_free(m);
}

static void *churn_fn(void *arg) {
    struct hammer *hm = arg;
    for (int i = 0; i < 1000; i++) cx_counter_inc(hm->c);
    return NULL;
}

/* Threads come and go (their numbers are reused) and outnumber the shards:
 * owned blocks and the shared block together stay exact. */
TEST(thread_numbers_are_reused_exactly) {
    cx_metrics_options o;
    cx_metrics_options_default(&o);
    o.shards = 1;
    cx_metrics *m;
    CHECK_EQ(cx_metrics_new(&m, &o), 0);
    struct hammer hm = {0};
    CHECK_EQ(cx_metrics_counter(m, "c", "", &hm.c), 0);
    for (int round = 0; round < 20; round++) {
        pthread_t t[3];
        for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, churn_fn, &hm);
        for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    }
    CHECK_EQ(cx_counter_value(hm.c), 60000);
    cx_metrics_free(m);
}

static cx_metrics *sample_registry(void) {
    cx_metrics *m = new_registry(0);
    cx_counter *c;
    cx_metrics_counter(m, "http_requests_total", "Requests \\ with \"quotes\"\nand a newline.", &c);
    cx_counter_add(c, 7);
    const char *labels[] = {"path"};
    cx_metric_desc d = {.name = "temp_celsius",
                        .help = "T.",
                        .type = CX_METRIC_GAUGE,
                        .labels = labels,
                        .nlabels = 1};
    cx_metric_family *f;
    cx_metrics_family(m, &d, &f);
    cx_str v = CX_STR("a\"b\\c\nd");
    cx_gauge_set(cx_gauge_with(f, &v, 1), -1.5);
    double b[] = {0.1, 1};
    cx_histogram *h;
    cx_metrics_histogram(m, "lat_seconds", "L.", b, 2, &h);
    cx_histogram_observe(h, 0.05);
    cx_histogram_observe(h, 0.5);
    cx_histogram_observe(h, 2);
    return m;
}

TEST(prometheus_text_exact) {
    cx_metrics *m = sample_registry();
    char *text = render(m, CX_METRICS_PROMETHEUS);
    const char *want = "# HELP http_requests_total Requests \\\\ with \"quotes\"\\nand a newline.\n"
                       "# TYPE http_requests_total counter\n"
                       "http_requests_total 7\n"
                       "# HELP temp_celsius T.\n"
                       "# TYPE temp_celsius gauge\n"
                       "temp_celsius{path=\"a\\\"b\\\\c\\nd\"} -1.5\n"
                       "# HELP lat_seconds L.\n"
                       "# TYPE lat_seconds histogram\n"
                       "lat_seconds_bucket{le=\"0.1\"} 1\n"
                       "lat_seconds_bucket{le=\"1.0\"} 2\n"
                       "lat_seconds_bucket{le=\"+Inf\"} 3\n"
                       "lat_seconds_sum 2.55\n"
                       "lat_seconds_count 3\n";
    if (strcmp(text, want) != 0) fprintf(stderr, "  got:\n%s\n", text);
    CHECK_STR(text, want);
    free(text);
    cx_metrics_free(m);
}

TEST(openmetrics_text_exact) {
    cx_metrics *m = sample_registry();
    char *text = render(m, CX_METRICS_OPENMETRICS);
    CHECK(strncmp(text, "# HELP http_requests Requests", 29) == 0);
    CHECK(strstr(text, "# TYPE http_requests counter\nhttp_requests_total 7\n") != NULL);
    size_t n = strlen(text);
    CHECK(n > 6 && strcmp(text + n - 6, "# EOF\n") == 0);
    free(text);
    cx_metrics_free(m);
}

/* promtool reads the exposition from stdin; skip when it is not installed. */
static int promtool_check(const char *text) {
    FILE *p = popen("promtool check metrics >/tmp/cx_promtool_out.txt 2>&1", "w");
    if (!p) return -1;
    fputs(text, p);
    int st = pclose(p);
    return st;
}

TEST(promtool_accepts_output) {
    if (system("command -v promtool >/dev/null 2>&1") != 0)
        SKIP("promtool is not installed (Debian package prometheus)");
    cx_metrics *m = sample_registry();
    cx_metrics_add_process(m);
    cx_http_metrics *hm;
    CHECK_EQ(cx_http_metrics_new(&hm, m, NULL), 0);
    char *text = render(m, CX_METRICS_PROMETHEUS);
    int st = promtool_check(text);
    if (st != 0) {
        fprintf(stderr, "  promtool failed on:\n%s\n", text);
        system("cat /tmp/cx_promtool_out.txt >&2");
    }
    CHECK_EQ(st, 0);
    free(text);
    cx_http_metrics_free(hm);
    cx_metrics_free(m);
}

TEST(negotiation) {
    CHECK_EQ(cx_metrics_negotiate(CX_STR("")), CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("text/plain")), CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("application/openmetrics-text")), CX_METRICS_OPENMETRICS);
    /* What Prometheus 2.x sends. */
    CHECK_EQ(cx_metrics_negotiate(CX_STR("application/openmetrics-text;version=1.0.0,application/"
                                         "openmetrics-text;version=0.0.1;q=0.75,text/"
                                         "plain;version=0.0.4;q=0.5,*/*;q=0.1")),
             CX_METRICS_OPENMETRICS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("text/plain;version=0.0.4;q=1, "
                                         "application/openmetrics-text;q=0.5")),
             CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("application/openmetrics-text;q=0")),
             CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("application/openmetrics-text;version=2.0.0")),
             CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR(";;,,=;q=;")), CX_METRICS_PROMETHEUS);
    CHECK_EQ(cx_metrics_negotiate(CX_STR("*/*")), CX_METRICS_PROMETHEUS);
}

static cx_memx *get(cx_metrics *m, const char *accept) {
    char raw[512];
    snprintf(raw, sizeof raw, "GET /metrics HTTP/1.1\r\nHost: x\r\n%s%s%s\r\n",
             accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
    int err, status;
    cx_memx *x = cx_memx_new(raw, strlen(raw), &err, &status);
    CHECK(x != NULL);
    if (x) cx_memx_run(x, cx_metrics_handler, m);
    return x;
}

TEST(handler_negotiates) {
    cx_metrics *m = sample_registry();
    cx_memx *x = get(m, NULL);
    CHECK_EQ(cx_memx_status(x), 200);
    CHECK_STR(cx_memx_header(x, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    CHECK(cx_memx_body(x).len > 100);
    cx_memx_free(x);
    x = get(m, "application/openmetrics-text; version=1.0.0");
    CHECK_STR(cx_memx_header(x, "Content-Type"),
              "application/openmetrics-text; version=1.0.0; charset=utf-8");
    cx_str body = cx_memx_body(x);
    CHECK(body.len > 6 && memcmp(body.ptr + body.len - 6, "# EOF\n", 6) == 0);
    cx_memx_free(x);
    cx_metrics_free(m);
}

TEST(process_metrics) {
    cx_metrics *m = new_registry(0);
    CHECK_EQ(cx_metrics_add_process(m), 0);
    char *text = render(m, CX_METRICS_PROMETHEUS);
    static const char *names[] = {"\nprocess_cpu_seconds_total ",
                                  "\nprocess_resident_memory_bytes ",
                                  "\nprocess_virtual_memory_bytes ",
                                  "\nprocess_open_fds ",
                                  "\nprocess_max_fds ",
                                  "\nprocess_start_time_seconds "};
    for (size_t i = 0; i < 6; i++) {
        char *p = strstr(text, names[i]);
        CHECK(p != NULL);
        if (p) CHECK(strtod(p + strlen(names[i]), NULL) > 0 || i == 0); /* cpu may round to 0 */
    }
    char *p = strstr(text, "\nprocess_start_time_seconds ");
    if (p) {
        double st = strtod(p + 28, NULL);
        CHECK(st > 1.6e9 && st <= (double)time(NULL) + 1);
    }
    free(text);
    cx_metrics_free(m);
}

TEST(default_buckets_and_formatting) {
    size_t n;
    const double *b = cx_metrics_default_buckets(&n);
    CHECK_EQ(n, 11);
    CHECK(b[0] == 0.005 && b[10] == 10);
    cx_metrics *m = new_registry(0);
    cx_gauge *g;
    cx_metrics_gauge(m, "g", "", &g);
    cx_gauge_set(g, 0.1);
    char *text = render(m, CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "\ng 0.1\n") != NULL);
    free(text);
    cx_gauge_set(g, 1.0 / 0.0);
    text = render(m, CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "\ng +Inf\n") != NULL);
    free(text);
    cx_metrics_free(m);
}

TEST(histogram_with_labels) {
    cx_metrics *m = new_registry(2);
    const char *labels[] = {"route"};
    static const double b[] = {0.1, 1};
    cx_metric_desc d = {.name = "lat_seconds",
                        .help = "L.",
                        .type = CX_METRIC_HISTOGRAM,
                        .labels = labels,
                        .nlabels = 1,
                        .buckets = b,
                        .nbuckets = 2};
    cx_metric_family *f;
    CHECK_EQ(cx_metrics_family(m, &d, &f), 0);
    cx_str a[] = {CX_STR("/a")}, bb[] = {CX_STR("/b")}, c[] = {CX_STR("/c")};
    cx_histogram *ha = cx_histogram_with(f, a, 1);
    CHECK(ha != NULL);
    CHECK(cx_histogram_with(f, a, 1) == ha); /* the same series again */
    cx_histogram *hb = cx_histogram_with(f, bb, 1);
    CHECK(hb != NULL && hb != ha);
    CHECK(cx_histogram_with(f, a, 0) == NULL); /* wrong count of values */
    CHECK(cx_histogram_with(f, a, 2) == NULL);
    CHECK(cx_histogram_with(NULL, a, 1) == NULL);
    CHECK(cx_counter_with(f, a, 1) == NULL); /* a histogram family */
    CHECK(cx_gauge_with(f, a, 1) == NULL);
    /* The family holds two series at most: the third is refused, counted. */
    CHECK(cx_histogram_with(f, c, 1) == NULL);
    CHECK_EQ(cx_metric_family_rejected(f), 1);
    cx_histogram_observe(ha, 0.05);
    cx_histogram_observe(ha, 0.5);
    cx_histogram_observe(ha, 5);
    CHECK_EQ(cx_histogram_count(ha), 3);
    CHECK(cx_histogram_sum(ha) > 5.54 && cx_histogram_sum(ha) < 5.56);
    CHECK_EQ(cx_histogram_count(hb), 0);
    char *text = render(m, CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n") != NULL);
    CHECK(strstr(text, "lat_seconds_bucket{route=\"/a\",le=\"1.0\"} 2\n") != NULL);
    CHECK(strstr(text, "lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n") != NULL);
    CHECK(strstr(text, "lat_seconds_count{route=\"/a\"} 3\n") != NULL);
    CHECK(strstr(text, "lat_seconds_count{route=\"/b\"} 0\n") != NULL);
    CHECK(strstr(text, "route=\"/c\"") == NULL);
    free(text);
    /* A long label value is cut, not refused. */
    cx_metrics *m2 = new_registry(0);
    CHECK_EQ(cx_metrics_family(m2, &d, &f), 0);
    char longv[CX_METRICS_MAX_LABEL_VALUE + 50];
    memset(longv, 'v', sizeof longv);
    cx_str lv[] = {{longv, sizeof longv}};
    CHECK(cx_histogram_with(f, lv, 1) != NULL);
    cx_metrics_free(m2);
    cx_metrics_free(m);
}

static double cb_value(void *arg) {
    return *(double *)arg;
}

typedef struct collect_state {
    int calls;
    cx_gauge *g;
    double *cb;
} collect_state;

static void on_collect(void *arg) {
    collect_state *c = arg;
    c->calls++;
    cx_gauge_set(c->g, 10.0 * c->calls);
    *c->cb += 1; /* runs before the callbacks are read */
}

static void noop_collect(void *arg) {
    (void)arg;
}

TEST(callbacks_and_collect_hooks) {
    cx_metrics *m = new_registry(0);
    double gv = 2.5, cv = 3;
    CHECK_EQ(cx_metrics_callback(m, "queue_depth", "Q.", CX_METRIC_GAUGE, cb_value, &gv), 0);
    CHECK_EQ(cx_metrics_callback(m, "ticks_total", "T.", CX_METRIC_COUNTER, cb_value, &cv), 0);
    collect_state cs = {.cb = &cv};
    CHECK_EQ(cx_metrics_gauge(m, "refreshed", "R.", &cs.g), 0);
    CHECK_EQ(cx_metrics_on_collect(m, on_collect, &cs), 0);
    char *text = render(m, CX_METRICS_PROMETHEUS);
    CHECK_EQ(cs.calls, 1);
    CHECK(strstr(text, "# TYPE queue_depth gauge\nqueue_depth 2.5\n") != NULL);
    CHECK(strstr(text, "ticks_total 4\n") != NULL); /* 3, bumped by the hook */
    CHECK(strstr(text, "refreshed 10\n") != NULL);
    free(text);
    /* Read at every scrape, not at registration. */
    gv = -7;
    text = render(m, CX_METRICS_OPENMETRICS);
    CHECK_EQ(cs.calls, 2);
    CHECK(strstr(text, "queue_depth -7") != NULL);
    CHECK(strstr(text, "refreshed 20") != NULL);
    free(text);
    /* Errors: no function, a histogram, a bad or taken name, no registry. */
    CHECK_EQ(cx_metrics_callback(m, "x", "X.", CX_METRIC_GAUGE, NULL, NULL), CX_EINVAL);
    CHECK_EQ(cx_metrics_callback(m, "h", "H.", CX_METRIC_HISTOGRAM, cb_value, &gv), CX_EINVAL);
    CHECK_EQ(cx_metrics_callback(m, "1bad", "B.", CX_METRIC_GAUGE, cb_value, &gv), CX_EINVAL);
    CHECK_EQ(cx_metrics_callback(m, "queue_depth", "Q.", CX_METRIC_GAUGE, cb_value, &gv),
             CX_EEXIST);
    CHECK_EQ(cx_metrics_callback(NULL, "y", "Y.", CX_METRIC_GAUGE, cb_value, &gv), CX_EINVAL);
    CHECK_EQ(cx_metrics_on_collect(NULL, noop_collect, NULL), CX_EINVAL);
    CHECK_EQ(cx_metrics_on_collect(m, NULL, NULL), CX_EINVAL);
    /* At most 16 hooks: one is in; 15 more fit, the 17th is refused. */
    for (int i = 0; i < 15; i++) CHECK_EQ(cx_metrics_on_collect(m, noop_collect, NULL), 0);
    CHECK_EQ(cx_metrics_on_collect(m, noop_collect, NULL), CX_ELIMIT);
    text = render(m, CX_METRICS_PROMETHEUS);
    CHECK_EQ(cs.calls, 3); /* the first hook still runs, once per scrape */
    free(text);
    cx_metrics_free(m);
}

TEST(content_type_per_format) {
    const char *p = cx_metrics_content_type(CX_METRICS_PROMETHEUS);
    const char *o = cx_metrics_content_type(CX_METRICS_OPENMETRICS);
    CHECK(p && !strncmp(p, "text/plain; version=0.0.4", 25));
    CHECK(o && !strncmp(o, "application/openmetrics-text; version=1.0.0", 43));
    /* Whatever negotiation picks has a content type naming it. */
    cx_metrics_format f = cx_metrics_negotiate(CX_STR("application/openmetrics-text"));
    CHECK_STR(cx_metrics_content_type(f), o);
    f = cx_metrics_negotiate(CX_STR("*/*"));
    CHECK_STR(cx_metrics_content_type(f), p);
}

TEST(content_type_exact_strings) {
    /* The whole header value, parameters included. */
    CHECK_STR(cx_metrics_content_type(CX_METRICS_PROMETHEUS),
              "text/plain; version=0.0.4; charset=utf-8");
    CHECK_STR(cx_metrics_content_type(CX_METRICS_OPENMETRICS),
              "application/openmetrics-text; version=1.0.0; charset=utf-8");
    /* A value outside the enum gets the Prometheus text type. */
    CHECK_STR(cx_metrics_content_type((cx_metrics_format)42),
              "text/plain; version=0.0.4; charset=utf-8");
    /* The same static string every call (nothing to free). */
    CHECK(cx_metrics_content_type(CX_METRICS_PROMETHEUS) ==
          cx_metrics_content_type(CX_METRICS_PROMETHEUS));
}

TEST(http_metrics_options_and_registry) {
    cx_http_metrics_options o;
    memset(&o, 0x7f, sizeof o);
    cx_http_metrics_options_default(&o);
    CHECK(o.buckets == NULL);
    CHECK_EQ(o.nbuckets, 0);
    CHECK_EQ(o.max_series, 0);
    CHECK_EQ(o.lag_interval_ms, 500);
    cx_metrics *m = new_registry(0);
    cx_http_metrics *hm = NULL;
    CHECK_EQ(cx_http_metrics_new(&hm, m, &o), 0);
    CHECK(cx_http_metrics_registry(hm) == m);
    CHECK(cx_http_metrics_registry(NULL) == NULL);
    char *text = render(cx_http_metrics_registry(hm), CX_METRICS_PROMETHEUS);
    CHECK(strstr(text, "# TYPE cortex_http_requests_total counter") != NULL);
    CHECK(strstr(text, "# TYPE cortex_http_request_duration_seconds histogram") != NULL);
    CHECK(strstr(text, "cortex_http_requests_in_flight") != NULL);
    free(text);
    /* Twice in one registry: the names are taken. */
    cx_http_metrics *again = NULL;
    CHECK_EQ(cx_http_metrics_new(&again, m, NULL), CX_EEXIST);
    CHECK_EQ(cx_http_metrics_new(NULL, m, NULL), CX_EINVAL);
    CHECK_EQ(cx_http_metrics_new(&again, NULL, NULL), CX_EINVAL);
    cx_http_metrics_free(hm);
    cx_metrics_free(m);
    /* Custom buckets must be valid (ascending). */
    static const double bad[] = {1, 0.5};
    o.buckets = bad;
    o.nbuckets = 2;
    m = new_registry(0);
    CHECK_EQ(cx_http_metrics_new(&hm, m, &o), CX_EINVAL);
    cx_metrics_free(m);
    static const double good[] = {0.5, 2};
    o.buckets = good;
    m = new_registry(0);
    CHECK_EQ(cx_http_metrics_new(&hm, m, &o), 0);
    cx_http_metrics_free(hm);
    cx_metrics_free(m);
}

TEST_MAIN()
