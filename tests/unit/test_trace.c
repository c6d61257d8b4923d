/* Tracing: W3C traceparent/tracestate/baggage, samplers, spans and their
 * limits, the current span per coroutine, the batch processor (drops,
 * flush), the OTLP and Zipkin encoders, the log hook and the middleware. */
#include "harness.h"
#include "http/memx.h"
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <cortex/log.h>
#include <cortex/loop.h>
#include <cortex/trace.h>
#include <pthread.h>
#include <unistd.h>

#define TP_OK "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

static int tp(const char *s, cx_span_context *sc) {
    return cx_traceparent_parse(cx_str_from(s), sc);
}

TEST(traceparent_valid) {
    cx_span_context sc;
    CHECK_EQ(tp(TP_OK, &sc), 0);
    CHECK_EQ(sc.trace_id[0], 0x0a);
    CHECK_EQ(sc.trace_id[15], 0x9c);
    CHECK_EQ(sc.span_id[7], 0x31);
    CHECK_EQ(sc.flags, 1);
    CHECK(sc.remote);
    char buf[56];
    cx_traceparent_format(&sc, buf);
    CHECK_STR(buf, TP_OK);
    CHECK_EQ(tp("  " TP_OK "\t", &sc), 0); /* OWS around the value */
    /* A later version: four fields are read, more may follow after '-'. */
    CHECK_EQ(tp("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-ever", &sc), 0);
    CHECK_EQ(tp("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", &sc), 0);
    CHECK_EQ(sc.flags, 0);
}

TEST(traceparent_invalid) {
    static const char *bad[] = {
        "",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",
        "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", /* uppercase */
        "00-00000000000000000000000000000000-b7ad6b7169203331-01", /* zero trace id */
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", /* zero span id */
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", /* version ff */
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01.extra",
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
        "0x-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-x1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cx_span_context sc;
        int rc = tp(bad[i], &sc);
        if (rc != CX_EPARSE) fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK_EQ(rc, CX_EPARSE);
    }
}

TEST(tracestate) {
    char out[CX_TRACESTATE_MAX + 1];
    CHECK_EQ(cx_tracestate_parse(CX_STR("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"), out), 0);
    CHECK_STR(out, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    CHECK_EQ(cx_tracestate_parse(CX_STR("a=1,,  ,b=2"), out), 0); /* empty members skipped */
    CHECK_STR(out, "a=1,b=2");
    CHECK_EQ(cx_tracestate_parse(CX_STR("tenant@vendor=x,1tenant@v2=y"), out), 0);
    CHECK_EQ(cx_tracestate_parse(CX_STR("Upper=1"), out), CX_EPARSE);
    CHECK_STR(out, "");
    CHECK_EQ(cx_tracestate_parse(CX_STR("a=1,a=2"), out), CX_EPARSE);
    CHECK_EQ(cx_tracestate_parse(CX_STR("a"), out), CX_EPARSE);
    CHECK_EQ(cx_tracestate_parse(CX_STR("a=b=c"), out), CX_EPARSE);
    CHECK_EQ(cx_tracestate_parse(CX_STR("a=x "), out), 0); /* trailing OWS is the list's */
    CHECK_EQ(cx_tracestate_parse(CX_STR("t@toolongsystemid1=1"), out), CX_EPARSE);
    /* 40 members: the first 32 are kept. */
    char big[1024];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "%sk%d=%d", i ? "," : "", i, i);
    CHECK_EQ(cx_tracestate_parse((cx_str){big, o}, out), 0);
    CHECK(strstr(out, "k31=31") != NULL);
    CHECK(strstr(out, "k32=32") == NULL);
    /* Over 512 bytes: the 200-byte member goes first, then from the end. */
    char val[201];
    memset(val, 'v', 200);
    val[200] = '\0';
    char s[2048];
    int n = snprintf(s, sizeof s, "a=%.100s,big=%s,b=%.100s,c=%.100s,d=%.100s", val, val, val, val,
                     val);
    CHECK_EQ(cx_tracestate_parse((cx_str){s, (size_t)n}, out), 0);
    CHECK(strstr(out, "big=") == NULL);
    CHECK(strncmp(out, "a=", 2) == 0);
    CHECK(strstr(out, "d=") != NULL); /* 4 x 102 + 3 = 411 fits once big is gone */
    /* a (202 bytes) goes, then g and f from the end: 6 x 102 + 5 > 512. */
    n = snprintf(s, sizeof s, "a=%.200s,b=%.100s,c=%.100s,d=%.100s,e=%.100s,f=%.100s,g=%.100s", val,
                 val, val, val, val, val, val);
    CHECK_EQ(cx_tracestate_parse((cx_str){s, (size_t)n}, out), 0);
    CHECK(strlen(out) <= CX_TRACESTATE_MAX);
    CHECK(strstr(out, "a=") == NULL);
    CHECK(strstr(out, "b=") == out);
    CHECK(strstr(out, "e=") != NULL);
    CHECK(strstr(out, "f=") == NULL);
    CHECK(strstr(out, "g=") == NULL);
}

TEST(baggage) {
    cx_baggage b = {0};
    CHECK_EQ(cx_baggage_parse(&b, CX_STR("userId=alice, serverNode = DF%2028 ;prop=1;flag, a=b")),
             0);
    CHECK_EQ(b.n, 3);
    CHECK_STR(cx_baggage_get(&b, "userId"), "alice");
    CHECK_STR(cx_baggage_get(&b, "serverNode"), "DF 28");
    CHECK_STR(b.entries[1].properties, "prop=1;flag");
    CHECK(cx_baggage_get(&b, "nope") == NULL);
    CHECK_EQ(cx_baggage_set(&b, "a", "x,y"), 0);
    CHECK_EQ(cx_baggage_set(&b, "bad key", "x"), CX_EINVAL);
    cx_buf out = CX_BUF_INIT;
    CHECK_EQ(cx_baggage_format(&b, &out), 0);
    cx_buf_putc(&out, '\0');
    CHECK_STR(out.data, "userId=alice,serverNode=DF%2028;prop=1;flag,a=x%2Cy");
    cx_buf_free(&out);
    cx_baggage_free(&b);
    CHECK_EQ(cx_baggage_parse(&b, CX_STR("a=1,,b=2")), CX_EPARSE);
    cx_baggage_free(&b);
    CHECK_EQ(cx_baggage_parse(&b, CX_STR("a=%zz")), CX_EPARSE);
    CHECK_EQ(cx_baggage_parse(&b, CX_STR("=v")), CX_EPARSE);
    CHECK_EQ(cx_baggage_parse(&b, CX_STR("k=v\"")), CX_EPARSE);
    cx_baggage_free(&b);
    char many[4096];
    size_t o = 0;
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(many + o, sizeof many - o, "%sk%d=v", i ? "," : "", i);
    CHECK_EQ(cx_baggage_parse(&b, (cx_str){many, o}), CX_ELIMIT);
    CHECK_EQ(b.n, CX_BAGGAGE_MAX_ENTRIES);
    cx_baggage_free(&b);
}

TEST(samplers) {
    cx_sampler *on, *off, *r0, *r1, *half, *pb, *rate;
    CHECK_EQ(cx_sampler_always_on(&on), 0);
    CHECK_EQ(cx_sampler_always_off(&off), 0);
    CHECK_EQ(cx_sampler_ratio(&r0, 0), 0);
    CHECK_EQ(cx_sampler_ratio(&r1, 1), 0);
    CHECK_EQ(cx_sampler_ratio(&half, 0.5), 0);
    CHECK_EQ(cx_sampler_ratio(&half, 2) == CX_EINVAL ? 0 : 1, 0);
    uint8_t id[16] = {0};
    CHECK_EQ(cx_sampler_decide(on, NULL, id, "x", 0), CX_SAMPLE_RECORD_SAMPLE);
    CHECK_EQ(cx_sampler_decide(off, NULL, id, "x", 0), CX_SAMPLE_DROP);
    int n0 = 0, n1 = 0, nh = 0;
    for (int i = 0; i < 10000; i++) {
        for (int k = 8; k < 16; k++) id[k] = (uint8_t)rand();
        n0 += cx_sampler_decide(r0, NULL, id, "x", 0) == CX_SAMPLE_RECORD_SAMPLE;
        n1 += cx_sampler_decide(r1, NULL, id, "x", 0) == CX_SAMPLE_RECORD_SAMPLE;
        nh += cx_sampler_decide(half, NULL, id, "x", 0) == CX_SAMPLE_RECORD_SAMPLE;
    }
    CHECK_EQ(n0, 0);
    CHECK_EQ(n1, 10000);
    CHECK(nh > 4500 && nh < 5500);
    /* Parent-based: the parent's flag wins; roots ask the wrapped sampler. */
    CHECK_EQ(cx_sampler_parent_based(&pb, off), 0);
    cx_span_context parent;
    tp(TP_OK, &parent);
    CHECK_EQ(cx_sampler_decide(pb, &parent, id, "x", 0), CX_SAMPLE_RECORD_SAMPLE);
    parent.flags = 0;
    CHECK_EQ(cx_sampler_decide(pb, &parent, id, "x", 0), CX_SAMPLE_DROP);
    CHECK_EQ(cx_sampler_decide(pb, NULL, id, "x", 0), CX_SAMPLE_DROP);
    /* Rate limit: a burst of `rate`, then nothing until time passes. */
    CHECK_EQ(cx_sampler_rate_limit(&rate, 10), 0);
    int got = 0;
    for (int i = 0; i < 100; i++)
        got += cx_sampler_decide(rate, NULL, id, "x", 0) != CX_SAMPLE_DROP;
    CHECK(got >= 9 && got <= 11);
    /* A loaded machine may sleep longer than asked: bound the refill by the
     * time that really passed (10 a second, one more for rounding). */
    struct timespec s0, s1;
    clock_gettime(CLOCK_MONOTONIC, &s0);
    usleep(210000);
    got = 0;
    for (int i = 0; i < 100; i++)
        got += cx_sampler_decide(rate, NULL, id, "x", 0) != CX_SAMPLE_DROP;
    clock_gettime(CLOCK_MONOTONIC, &s1);
    double slept = (double)(s1.tv_sec - s0.tv_sec) + (double)(s1.tv_nsec - s0.tv_nsec) / 1e9;
    CHECK(got >= 1 && got <= (int)(slept * 10) + 1);
    cx_sampler_free(on);
    cx_sampler_free(r0);
    cx_sampler_free(r1);
    cx_sampler_free(half);
    cx_sampler_free(pb); /* frees off */
    cx_sampler_free(rate);
}

/* An exporter that keeps copies of what it was given. */
typedef struct collector {
    pthread_mutex_t mu;
    cx_buf otlp;
    size_t spans;
    int delay_ms;
} collector;

static int collect(void *self, const cx_span *const *spans, size_t n) {
    collector *c = self;
    if (c->delay_ms) usleep((useconds_t)c->delay_ms * 1000);
    pthread_mutex_lock(&c->mu);
    c->spans += n;
    cx_buf_reset(&c->otlp);
    cx_trace_encode_otlp_json(spans, n, "svc", &c->otlp);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

static cx_tracer *new_tracer(collector *c, cx_sampler *s, unsigned queue) {
    cx_tracer_options o;
    cx_tracer_options_default(&o);
    o.service = "svc";
    o.sampler = s;
    if (c) o.exporter = (cx_span_exporter){collect, NULL, c};
    if (queue) o.batch.max_queue = queue;
    o.batch.delay_ms = 20;
    o.limits.max_attributes = 4;
    o.limits.max_events = 2;
    o.limits.max_links = 1;
    cx_tracer *t = NULL;
    CHECK_EQ(cx_tracer_new(&t, &o), 0);
    return t;
}

TEST(spans_record_and_export) {
    collector c = {.mu = PTHREAD_MUTEX_INITIALIZER, .otlp = CX_BUF_INIT};
    cx_tracer *t = new_tracer(&c, NULL, 0);
    cx_span_context link;
    tp(TP_OK, &link);
    cx_attr start_attrs[] = {CX_ATTR_S("a.s", "text"), CX_ATTR_I("a.i", -5)};
    cx_span_start so = {
        .kind = CX_SPAN_CLIENT, .attrs = start_attrs, .nattrs = 2, .links = &link, .nlinks = 1};
    cx_span *s = cx_tracer_start(t, "outer", &so);
    CHECK(cx_span_recording(s));
    cx_span_set_attr(s, CX_ATTR_D("a.d", 1.5));
    cx_span_set_attr(s, CX_ATTR_B("a.b", true));
    cx_span_set_attr(s, CX_ATTR_I("a.over", 1)); /* past max_attributes 4 */
    cx_span_set_attr(s, CX_ATTR_I("a.i", 7));    /* replaces */
    cx_attr ea[] = {CX_ATTR_S("k", "v")};
    cx_span_add_event(s, "e1", ea, 1);
    cx_span_add_event(s, "e2", NULL, 0);
    cx_span_add_event(s, "e3", NULL, 0); /* dropped */
    cx_span_add_link(s, &link);          /* dropped: max_links 1 */
    cx_span_set_status(s, CX_SPAN_ERROR, "boom \"quoted\"");
    cx_span_set_name(s, "renamed");
    /* A child through the current span. */
    cx_span *prev = cx_span_activate(s);
    CHECK(prev == NULL);
    CHECK(cx_span_current() == s);
    CHECK(cx_span_activate(s) == s); /* already current: a no-op pair */
    cx_span_deactivate(s, s);
    CHECK(cx_span_current() == s);
    cx_span *child = cx_tracer_start(t, "child", NULL);
    CHECK(memcmp(cx_span_context_of(child)->trace_id, cx_span_context_of(s)->trace_id, 16) == 0);
    cx_span_end(child, 0);
    cx_span_deactivate(s, prev);
    CHECK(cx_span_current() == NULL);
    cx_span_end(s, 0);
    cx_span_end(NULL, 0);
    CHECK_EQ(cx_tracer_flush(t, 2000), 0);
    pthread_mutex_lock(&c.mu);
    CHECK_EQ(c.spans, 2);
    cx_buf_putc(&c.otlp, '\0');
    /* The last batch had both, child first. */
    cx_arena *a = cx_arena_new(0, 0);
    const cx_json *doc;
    cx_json_error err;
    CHECK_EQ(cx_json_parse(a, c.otlp.data, c.otlp.len - 1, NULL, &doc, &err), 0);
    const cx_json *rs = cx_json_at(cx_json_get(doc, "resourceSpans"), 0);
    const cx_json *spans = cx_json_get(cx_json_at(cx_json_get(rs, "scopeSpans"), 0), "spans");
    CHECK_EQ(cx_json_len(spans), 2);
    const cx_json *o = cx_json_at(spans, 1);
    CHECK_STR(cx_json_cstr(cx_json_get(o, "name")), "renamed");
    CHECK_EQ(cx_json_len(cx_json_get(o, "attributes")), 4);
    CHECK_EQ(cx_json_len(cx_json_get(o, "events")), 2);
    CHECK_EQ(cx_json_len(cx_json_get(o, "links")), 1);
    double d = 0;
    cx_json_double(cx_json_get(o, "kind"), &d);
    CHECK(d == 3); /* SPAN_KIND_CLIENT */
    cx_json_double(cx_json_get(o, "droppedAttributesCount"), &d);
    CHECK(d == 1);
    cx_json_double(cx_json_get(cx_json_get(o, "status"), "code"), &d);
    CHECK(d == 2);
    CHECK_STR(cx_json_cstr(cx_json_get(cx_json_get(o, "status"), "message")), "boom \"quoted\"");
    const cx_json *ch = cx_json_at(spans, 0);
    CHECK_STR(cx_json_cstr(cx_json_get(ch, "parentSpanId")),
              cx_json_cstr(cx_json_get(o, "spanId")));
    CHECK(strstr(c.otlp.data, "\"stringValue\":\"svc\"") != NULL);
    CHECK(strstr(c.otlp.data, "\"intValue\":\"7\"") != NULL);
    cx_arena_free(a);
    pthread_mutex_unlock(&c.mu);
    cx_tracer_stats st;
    cx_tracer_stats_get(t, &st);
    CHECK_EQ(st.started, 2);
    CHECK_EQ(st.exported, 2);
    CHECK_EQ(st.dropped, 0);
    cx_tracer_free(t);
    cx_buf_free(&c.otlp);
}

TEST(unsampled_spans_are_inert) {
    collector c = {.mu = PTHREAD_MUTEX_INITIALIZER, .otlp = CX_BUF_INIT};
    cx_sampler *off;
    cx_sampler_always_off(&off);
    cx_tracer *t = new_tracer(&c, off, 0);
    cx_span *s = cx_tracer_start(t, "x", NULL);
    CHECK(s != NULL);
    CHECK(!cx_span_recording(s));
    CHECK(cx_span_context_valid(cx_span_context_of(s))); /* still propagates */
    CHECK_EQ(cx_span_context_of(s)->flags, 0);
    cx_span_set_attr(s, CX_ATTR_I("a", 1));
    cx_span_end(s, 0);
    cx_tracer_flush(t, 1000);
    CHECK_EQ(c.spans, 0);
    cx_tracer_free(t);
    cx_buf_free(&c.otlp);
}

TEST(full_queue_drops_without_blocking) {
    collector c = {.mu = PTHREAD_MUTEX_INITIALIZER, .otlp = CX_BUF_INIT, .delay_ms = 200};
    cx_tracer *t = new_tracer(&c, NULL, 8);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 1000; i++) cx_span_end(cx_tracer_start(t, "s", NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    /* Waiting for the exporter (200 ms a batch of 8) would take seconds; a
     * second leaves room for sanitizers on a loaded machine. */
    CHECK(ms < 1000);
    cx_tracer_stats st;
    cx_tracer_stats_get(t, &st);
    CHECK(st.dropped >= 1000 - 16);
    cx_tracer_free(t); /* exports what was queued */
    CHECK(c.spans + st.dropped == 1000);
    cx_buf_free(&c.otlp);
}

/* Two coroutines on one loop, each with its own current span across waits. */
struct co_arg {
    cx_tracer *t;
    int ok;
};

static void co_main(void *arg) {
    struct co_arg *a = arg;
    cx_span *s = cx_tracer_start(a->t, "co", &(cx_span_start){.root = true});
    cx_span *prev = cx_span_activate(s);
    for (int i = 0; i < 5; i++) {
        cx_sleep(1);
        if (cx_span_current() == s) a->ok++;
    }
    cx_span_deactivate(s, prev);
    if (cx_span_current() == NULL) a->ok++;
    cx_span_end(s, 0);
}

static void stop_when_done(cx_timer *tm) {
    cx_loop_stop(tm->data);
}

TEST(current_span_follows_the_coroutine) {
    cx_tracer *t = new_tracer(NULL, NULL, 0);
    cx_loop *loop;
    CHECK_EQ(cx_loop_new(&loop, NULL), 0);
    struct co_arg a = {t, 0}, b = {t, 0};
    cx_coro_start(loop, co_main, &a, NULL);
    cx_coro_start(loop, co_main, &b, NULL);
    CHECK(cx_span_current() == NULL); /* the loop's own stack has none */
    cx_timer tm;
    cx_timer_init(&tm, stop_when_done, loop);
    cx_timer_start(loop, &tm, 100);
    cx_loop_run(loop);
    CHECK_EQ(a.ok, 6);
    CHECK_EQ(b.ok, 6);
    cx_loop_free(loop);
    cx_tracer_free(t);
}

TEST(encoders_zipkin) {
    cx_tracer *t = new_tracer(NULL, NULL, 0);
    cx_span_context parent;
    tp(TP_OK, &parent);
    cx_span *s =
        cx_tracer_start(t, "GET /x", &(cx_span_start){.kind = CX_SPAN_SERVER, .parent = &parent});
    cx_span_set_attr(s, CX_ATTR_I("http.response.status_code", 503));
    cx_span_add_event(s, "retry", NULL, 0);
    cx_span_set_status(s, CX_SPAN_ERROR, NULL);
    cx_span_end(cx_span_ref(s), 0); /* keep a reference to encode it */
    cx_buf out = CX_BUF_INIT;
    const cx_span *arr[] = {s};
    CHECK_EQ(cx_trace_encode_zipkin_json(arr, 1, "svc", &out), 0);
    cx_buf_putc(&out, '\0');
    CHECK(strstr(out.data, "\"traceId\":\"0af7651916cd43dd8448eb211c80319c\"") != NULL);
    CHECK(strstr(out.data, "\"parentId\":\"b7ad6b7169203331\"") != NULL);
    CHECK(strstr(out.data, "\"kind\":\"SERVER\"") != NULL);
    CHECK(strstr(out.data, "\"http.response.status_code\":\"503\"") != NULL);
    CHECK(strstr(out.data, "\"error\":\"true\"") != NULL);
    CHECK(strstr(out.data, "\"serviceName\":\"svc\"") != NULL);
    CHECK(strstr(out.data, "\"value\":\"retry\"") != NULL);
    cx_buf_free(&out);
    cx_span_unref(s);
    cx_tracer_free(t);
}

static int sent_count;
static char sent_url[128];
static int fake_send(void *arg, const char *url, const char *ct, const void *body, size_t len) {
    (void)arg;
    (void)body;
    snprintf(sent_url, sizeof sent_url, "%s", url);
    if (strcmp(ct, "application/json") == 0 && len > 10) sent_count++;
    return 0;
}

TEST(http_exporter_uses_the_send_function) {
    cx_tracer_options o;
    cx_tracer_options_default(&o);
    CHECK_EQ(cx_http_exporter(&o.exporter, CX_TRACE_OTLP_JSON, "http://127.0.0.1:4318/v1/traces",
                              "svc", fake_send, NULL),
             0);
    cx_tracer *t;
    CHECK_EQ(cx_tracer_new(&t, &o), 0);
    cx_span_end(cx_tracer_start(t, "a", NULL), 0);
    CHECK_EQ(cx_tracer_flush(t, 2000), 0);
    CHECK_EQ(sent_count, 1);
    CHECK_STR(sent_url, "http://127.0.0.1:4318/v1/traces");
    cx_tracer_free(t);
}

TEST(log_lines_carry_ids) {
    cx_logger *lg;
    cx_logger_new(&lg);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    cx_log_set_fd(lg, fds[1]);
    cx_log_set_context(lg, cx_trace_log_context, NULL);
    cx_log(lg, CX_LOG_INFO, "before", NULL);
    cx_tracer *t = new_tracer(NULL, NULL, 0);
    cx_span_context parent;
    tp(TP_OK, &parent);
    cx_span *s = cx_tracer_start(t, "x", &(cx_span_start){.parent = &parent});
    cx_span *prev = cx_span_activate(s);
    cx_log(lg, CX_LOG_INFO, "inside", NULL);
    cx_span_deactivate(s, prev);
    cx_span_end(s, 0);
    char buf[2048] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    CHECK(n > 0);
    char *first = strstr(buf, "msg=before");
    char *second = strstr(buf, "msg=inside");
    CHECK(first && second);
    if (first && second) {
        CHECK(strstr(first, "trace_id") == strstr(second, "trace_id"));
        CHECK(strstr(second, "trace_id=0af7651916cd43dd8448eb211c80319c span_id=") != NULL);
    }
    close(fds[0]);
    close(fds[1]);
    cx_logger_free(lg);
    cx_tracer_free(t);
}

static int handler_saw_span;
static int traced_handler(cx_ctx *ctx) {
    handler_saw_span = cx_span_current() != NULL;
    cx_res_status(cx_ctx_res(ctx), 503);
    return 0;
}

static int chain(cx_ctx *ctx) {
    /* The middleware's cx_next runs the next link; emulate a one-route chain. */
    (void)ctx;
    return 0;
}

TEST(middleware_continues_the_trace) {
    collector c = {.mu = PTHREAD_MUTEX_INITIALIZER, .otlp = CX_BUF_INIT};
    cx_tracer *t = new_tracer(&c, NULL, 0);
    const char raw[] = "GET /items/7 HTTP/1.1\r\nHost: x\r\ntraceparent: " TP_OK
                       "\r\ntracestate: congo=t61rcWkgMzE\r\n\r\n";
    int err, status;
    cx_memx *m = cx_memx_new(raw, sizeof raw - 1, &err, &status);
    CHECK(m != NULL);
    (void)chain;
    (void)traced_handler;
    cx_memx_run(m, cx_trace_middleware, t);
    CHECK_EQ(cx_memx_status(m), 200);
    cx_memx_free(m);
    CHECK_EQ(cx_tracer_flush(t, 2000), 0);
    pthread_mutex_lock(&c.mu);
    CHECK_EQ(c.spans, 1);
    cx_buf_putc(&c.otlp, '\0');
    CHECK(strstr(c.otlp.data, "\"traceId\":\"0af7651916cd43dd8448eb211c80319c\"") != NULL);
    CHECK(strstr(c.otlp.data, "\"parentSpanId\":\"b7ad6b7169203331\"") != NULL);
    CHECK(strstr(c.otlp.data, "\"traceState\":\"congo=t61rcWkgMzE\"") != NULL);
    CHECK(strstr(c.otlp.data, "\"kind\":2") != NULL);
    CHECK(strstr(c.otlp.data, "\"url.path\"") != NULL);
    pthread_mutex_unlock(&c.mu);
    CHECK(cx_span_current() == NULL);
    cx_tracer_free(t);
    cx_buf_free(&c.otlp);
}

/* ---- cx_trace_extract over real parsed requests --------------------------------- */

typedef struct extract_result {
    int rc;
    cx_span_context sc;
} extract_result;

static int extract_handler(cx_ctx *ctx) {
    extract_result *r = cx_ctx_data(ctx);
    memset(&r->sc, 0x55, sizeof r->sc);
    r->rc = cx_trace_extract(cx_ctx_req(ctx), &r->sc);
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "ok", 2);
}

/* Run the request with these extra header lines; the extract result. */
static extract_result extract_from(const char *headers) {
    char raw[4096];
    snprintf(raw, sizeof raw, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", headers);
    extract_result r = {.rc = 12345};
    int err, status;
    cx_memx *m = cx_memx_new(raw, strlen(raw), &err, &status);
    CHECK(m != NULL);
    if (m) {
        cx_memx_run(m, extract_handler, &r);
        cx_memx_free(m);
    }
    return r;
}

TEST(trace_extract_from_request_headers) {
    extract_result r = extract_from("traceparent: " TP_OK "\r\n");
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(r.sc.trace_id[0], 0x0a);
    CHECK_EQ(r.sc.span_id[7], 0x31);
    CHECK_EQ(r.sc.flags, 1);
    CHECK(r.sc.remote);
    CHECK_STR(r.sc.tracestate, "");
    /* Header names in any case; tracestate normalised; several tracestate
     * headers are one list. */
    r = extract_from("TraceParent: " TP_OK "\r\nTRACESTATE: a=1 , b=2\r\ntracestate: c=3\r\n");
    CHECK_EQ(r.rc, 0);
    CHECK_STR(r.sc.tracestate, "a=1,b=2,c=3");
    /* A bad tracestate alone is dropped, the parent kept. */
    r = extract_from("traceparent: " TP_OK "\r\ntracestate: not a member\r\n");
    CHECK_EQ(r.rc, 0);
    CHECK_STR(r.sc.tracestate, "");
    CHECK_EQ(r.sc.trace_id[15], 0x9c);
    r = extract_from("traceparent: " TP_OK "\r\ntracestate: a=1,a=2\r\n"); /* key twice */
    CHECK_EQ(r.rc, 0);
    CHECK_STR(r.sc.tracestate, "");
    /* No traceparent, a malformed or all-zero one, or two of them: start a
     * new trace. */
    CHECK_EQ(extract_from("").rc, CX_ENOTFOUND);
    CHECK_EQ(extract_from("tracestate: a=1\r\n").rc, CX_ENOTFOUND);
    CHECK_EQ(
        extract_from("traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01\r\n").rc,
        CX_ENOTFOUND);
    CHECK_EQ(
        extract_from("traceparent: 00-00000000000000000000000000000000-b7ad6b7169203331-01\r\n").rc,
        CX_ENOTFOUND);
    CHECK_EQ(
        extract_from("traceparent: 00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01\r\n").rc,
        CX_ENOTFOUND);
    CHECK_EQ(
        extract_from("traceparent: ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n").rc,
        CX_ENOTFOUND);
    CHECK_EQ(extract_from("traceparent: " TP_OK "\r\ntraceparent: " TP_OK "\r\n").rc, CX_ENOTFOUND);
    /* A tracestate over the limit is cut to fit, never fails the parent. */
    char big[3000];
    int n = snprintf(big, sizeof big, "traceparent: " TP_OK "\r\ntracestate: ");
    for (int i = 0; i < 40; i++)
        n += snprintf(big + n, sizeof big - (size_t)n, "%sk%d=%040d", i ? "," : "", i, i);
    snprintf(big + n, sizeof big - (size_t)n, "\r\n");
    r = extract_from(big);
    CHECK_EQ(r.rc, 0);
    CHECK(strlen(r.sc.tracestate) <= CX_TRACESTATE_MAX);
    CHECK(!strncmp(r.sc.tracestate, "k0=", 3));
    /* NULL arguments. */
    cx_span_context sc;
    CHECK_EQ(cx_trace_extract(NULL, &sc), CX_EINVAL);
}

/* ---- the batch processor's options and the exporters' span view ------------------ */

typedef struct view_collector {
    pthread_mutex_t mu;
    size_t spans, batches, largest;
    cx_span_view v[4]; /* of the first spans (pointers valid during export only) */
    char names[4][32], status[4][32];
    size_t nattrs[4], nevents[4], nlinks[4];
    int64_t first_attr_i[4];
} view_collector;

static int view_collect(void *self, const cx_span *const *spans, size_t n) {
    view_collector *c = self;
    pthread_mutex_lock(&c->mu);
    c->batches++;
    if (n > c->largest) c->largest = n;
    for (size_t i = 0; i < n; i++, c->spans++) {
        if (c->spans >= 4) continue;
        size_t k = c->spans;
        cx_span_view_of(spans[i], &c->v[k]);
        snprintf(c->names[k], sizeof c->names[k], "%s", c->v[k].name);
        snprintf(c->status[k], sizeof c->status[k], "%s", c->v[k].status_description);
        c->nattrs[k] = c->v[k].nattrs;
        c->nevents[k] = c->v[k].nevents;
        c->nlinks[k] = c->v[k].nlinks;
        c->first_attr_i[k] = c->v[k].nattrs ? c->v[k].attrs[0].v.i : -1;
    }
    pthread_mutex_unlock(&c->mu);
    return 0;
}

TEST(batch_options_and_span_view) {
    cx_batch_options b;
    memset(&b, 0, sizeof b);
    cx_batch_options_default(&b);
    CHECK_EQ(b.max_queue, 2048);
    CHECK_EQ(b.max_batch, 512);
    CHECK_EQ(b.delay_ms, 1000);
    /* The tracer's own defaults carry them. */
    cx_tracer_options to;
    cx_tracer_options_default(&to);
    CHECK_EQ(to.batch.max_queue, 2048);
    CHECK_EQ(to.batch.max_batch, 512);
    CHECK_EQ(to.batch.delay_ms, 1000);

    view_collector c = {.mu = PTHREAD_MUTEX_INITIALIZER};
    to.service = "svc";
    to.exporter = (cx_span_exporter){view_collect, NULL, &c};
    to.batch.max_batch = 3; /* batches never hold more */
    to.batch.delay_ms = 10;
    cx_tracer *t = NULL;
    CHECK_EQ(cx_tracer_new(&t, &to), 0);
    cx_span_context link;
    tp(TP_OK, &link);
    cx_attr at[] = {CX_ATTR_I("n", 41)};
    cx_span *root = cx_tracer_start(
        t, "root",
        &(cx_span_start){.kind = CX_SPAN_SERVER, .attrs = at, .nattrs = 1, .root = true});
    cx_span *prev = cx_span_activate(root);
    cx_span *child = cx_tracer_start(t, "child", &(cx_span_start){.links = &link, .nlinks = 1});
    cx_span_add_event(child, "ev", NULL, 0);
    cx_span_set_status(child, CX_SPAN_ERROR, "bad");
    uint8_t root_id[8], child_parent[8] = {0};
    memcpy(root_id, cx_span_context_of(root)->span_id, 8);
    cx_span_end(child, 0);
    cx_span_deactivate(root, prev);
    cx_span_end(root, 0);
    for (int i = 0; i < 8; i++) cx_span_end(cx_tracer_start(t, "more", NULL), 0);
    CHECK_EQ(cx_tracer_flush(t, 2000), 0);
    pthread_mutex_lock(&c.mu);
    CHECK_EQ(c.spans, 10);
    CHECK(c.largest >= 1 && c.largest <= 3);
    CHECK(c.batches >= 4);
    /* Ended in order: child, then root. */
    CHECK_STR(c.names[0], "child");
    CHECK_STR(c.names[1], "root");
    memcpy(child_parent, c.v[0].parent_span_id, 8);
    CHECK(!memcmp(child_parent, root_id, 8));
    static const uint8_t zero[8] = {0};
    CHECK(!memcmp(c.v[1].parent_span_id, zero, 8)); /* a root */
    CHECK(!memcmp(c.v[0].ctx.trace_id, c.v[1].ctx.trace_id, 16));
    CHECK_EQ(c.v[1].kind, CX_SPAN_SERVER);
    CHECK_EQ(c.v[0].kind, CX_SPAN_INTERNAL);
    CHECK_EQ(c.v[0].status, CX_SPAN_ERROR);
    CHECK_STR(c.status[0], "bad");
    CHECK_STR(c.status[1], ""); /* none: "" not NULL */
    CHECK_EQ(c.nevents[0], 1);
    CHECK_EQ(c.nlinks[0], 1);
    CHECK_EQ(c.nattrs[1], 1);
    CHECK_EQ(c.first_attr_i[1], 41);
    CHECK(c.v[1].start_ns > 0 && c.v[1].end_ns >= c.v[1].start_ns);
    CHECK(c.v[1].end_ns >= c.v[0].end_ns);
    CHECK_EQ(c.v[0].dropped_attrs + c.v[0].dropped_events + c.v[0].dropped_links, 0);
    pthread_mutex_unlock(&c.mu);
    cx_tracer_free(t);
    /* A NULL span gives an empty view. */
    cx_span_view v;
    memset(&v, 0x33, sizeof v);
    cx_span_view_of(NULL, &v);
    CHECK(v.name == NULL);
    CHECK_EQ(v.nattrs, 0);
    CHECK_EQ(v.start_ns, 0);
}

TEST_MAIN()
