/* The HTTP span exporters over the network: a tracer with the libcurl
 * sender posts OTLP/JSON and Zipkin batches to a real HTTP server (a Cortex
 * server in this process standing in for a collector), and a collector that
 * is down or failing is counted, never fatal. */
#include "harness.h"
#include <cortex/cortex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char got_path[64], got_type[64], got_body[8192];
static int got_posts;

static int collector(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_str path = cx_req_path(req), body, type = {"", 0};
    if (cx_str_eq(path, CX_STR("/fail"))) return cx_problem(ctx, 503, "collector down");
    int rc = cx_req_body(req, &body);
    if (rc) return rc;
    cx_req_header(req, "content-type", &type);
    pthread_mutex_lock(&mu);
    snprintf(got_path, sizeof got_path, "%.*s", (int)path.len, path.ptr);
    snprintf(got_type, sizeof got_type, "%.*s", (int)type.len, type.ptr);
    snprintf(got_body, sizeof got_body, "%.*s", (int)body.len, body.ptr);
    got_posts++;
    pthread_mutex_unlock(&mu);
    return cx_res_send(cx_ctx_res(ctx), "application/json", "{}", 2);
}

static void *run_main(void *arg) {
    cx_server_run(arg);
    return NULL;
}

/* Export one span to url through a fresh tracer; the tracer's stats after. */
static void export_one(const char *url, cx_trace_wire wire, char trace_hex[33],
                       cx_tracer_stats *st) {
    cx_trace_curl *sender;
    CHECK_EQ(cx_trace_curl_new(&sender, 2000), 0);
    cx_tracer_options o;
    cx_tracer_options_default(&o);
    o.service = "export-test";
    CHECK_EQ(cx_http_exporter(&o.exporter, wire, url, "export-test", cx_trace_curl_send, sender),
             0);
    cx_tracer *t;
    CHECK_EQ(cx_tracer_new(&t, &o), 0);
    cx_span *s = cx_tracer_start(t, "GET /things", NULL);
    char tp[56];
    cx_traceparent_format(cx_span_context_of(s), tp);
    memcpy(trace_hex, tp + 3, 32); /* "00-<32 hex>-..." */
    trace_hex[32] = '\0';
    cx_span_end(s, 0);
    cx_tracer_flush(t, 5000);
    cx_tracer_stats_get(t, st);
    cx_tracer_free(t);
    cx_trace_curl_free(sender);
}

TEST(spans_reach_a_real_collector) {
    cx_server_options so;
    cx_server_options_default(&so);
    so.host = "127.0.0.1";
    so.port = 0;
    so.threads = 1;
    so.handler = collector;
    cx_server *srv;
    CHECK_EQ(cx_server_new(&srv, &so), 0);
    pthread_t th;
    pthread_create(&th, NULL, run_main, srv);
    unsigned port = cx_server_port(srv);
    char url[96], trace[33];
    cx_tracer_stats st;

    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/traces", port);
    export_one(url, CX_TRACE_OTLP_JSON, trace, &st);
    CHECK_EQ(st.exported, 1);
    CHECK_EQ(st.export_errors, 0);
    pthread_mutex_lock(&mu);
    CHECK_EQ(got_posts, 1);
    CHECK_STR(got_path, "/v1/traces");
    CHECK_STR(got_type, "application/json");
    CHECK(strstr(got_body, "\"resourceSpans\"") != NULL);
    CHECK(strstr(got_body, trace) != NULL);
    CHECK(strstr(got_body, "GET /things") != NULL);
    pthread_mutex_unlock(&mu);

    snprintf(url, sizeof url, "http://127.0.0.1:%u/api/v2/spans", port);
    export_one(url, CX_TRACE_ZIPKIN_JSON, trace, &st);
    CHECK_EQ(st.export_errors, 0);
    pthread_mutex_lock(&mu);
    CHECK_EQ(got_posts, 2);
    CHECK_STR(got_path, "/api/v2/spans");
    CHECK(strstr(got_body, trace) != NULL);
    pthread_mutex_unlock(&mu);

    /* A collector answering 503 and one that is not there: counted errors. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fail", port);
    export_one(url, CX_TRACE_OTLP_JSON, trace, &st);
    CHECK_EQ(st.export_errors, 1);
    cx_server_stop(srv);
    pthread_join(th, NULL);
    cx_server_free(srv);
    export_one(url, CX_TRACE_OTLP_JSON, trace, &st); /* the port is closed now */
    CHECK_EQ(st.export_errors, 1);
}

TEST(sender_rejects_bad_arguments) {
    CHECK_EQ(cx_trace_curl_new(NULL, 0), CX_EINVAL);
    CHECK_EQ(cx_trace_curl_send(NULL, "http://x/", "a/b", "", 0), CX_EINVAL);
    cx_trace_curl *c;
    CHECK_EQ(cx_trace_curl_new(&c, 0), 0);
    CHECK_EQ(cx_trace_curl_send(c, NULL, "a/b", "", 0), CX_EINVAL);
    cx_trace_curl_free(c);
    cx_trace_curl_free(NULL);
}

TEST_MAIN()
