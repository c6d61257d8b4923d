/* The HTTP span exporters over the network: a tracer with the libcurl
 * sender posts OTLP/JSON, OTLP/protobuf and Zipkin batches to a real HTTP
 * server (a Cortex server in this process standing in for a collector), and
 * a collector that is down or failing is counted, never fatal. The protobuf
 * encoding is decoded back with protobuf-c's unpack and the generated
 * descriptors of proto/opentelemetry/..., field by field. */
#include "harness.h"
#include "test_server.h"
#include <cortex/cortex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest export_req;
#define unpack_req(len, data)                                                                      \
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len,    \
                                                                                     data)
#define free_req(r)                                                                                \
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r, NULL)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char got_path[64], got_type[64], got_body[8192];
static unsigned char got_raw[8192];
static size_t got_len;
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
    got_len = body.len < sizeof got_raw ? body.len : sizeof got_raw;
    memcpy(got_raw, body.ptr, got_len);
    got_posts++;
    pthread_mutex_unlock(&mu);
    return cx_res_send(cx_ctx_res(ctx), "application/json", "{}", 2);
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
    test_srv v;
    CHECK_EQ(test_srv_start_opts(&v, &so), 0);
    unsigned port = v.port;
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

    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/traces", port);
    export_one(url, CX_TRACE_OTLP_PROTOBUF, trace, &st);
    CHECK_EQ(st.exported, 1);
    CHECK_EQ(st.export_errors, 0);
    pthread_mutex_lock(&mu);
    CHECK_EQ(got_posts, 3);
    CHECK_STR(got_path, "/v1/traces");
    CHECK_STR(got_type, "application/x-protobuf");
    export_req *r = unpack_req(got_len, got_raw);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ(r->n_resource_spans, 1);
        CHECK_EQ(r->resource_spans[0]->n_scope_spans, 1);
        CHECK_EQ(r->resource_spans[0]->scope_spans[0]->n_spans, 1);
        Opentelemetry__Proto__Trace__V1__Span *sp = r->resource_spans[0]->scope_spans[0]->spans[0];
        char hex[33];
        for (size_t i = 0; i < 16 && sp->trace_id.len == 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", sp->trace_id.data[i]);
        CHECK_EQ(sp->trace_id.len, 16);
        CHECK_MEM(hex, 32, trace);
        CHECK_STR(sp->name, "GET /things");
        free_req(r);
    }
    pthread_mutex_unlock(&mu);

    /* A collector answering 503 and one that is not there: counted errors. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fail", port);
    export_one(url, CX_TRACE_OTLP_JSON, trace, &st);
    CHECK_EQ(st.export_errors, 1);
    test_srv_stop(&v);
    export_one(url, CX_TRACE_OTLP_JSON, trace, &st); /* the port is closed now */
    CHECK_EQ(st.export_errors, 1);
}

/* ---- the protobuf encoding, decoded back -------------------------------------- */

typedef Opentelemetry__Proto__Common__V1__KeyValue kv_t;

static const kv_t *find_attr(kv_t **kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i]->key, key)) return kv[i];
    return NULL;
}

static void check_str_attr(kv_t **kv, size_t n, const char *key, const char *want) {
    const kv_t *a = find_attr(kv, n, key);
    CHECK(a && a->value);
    if (!a || !a->value) return;
    CHECK_EQ(a->value->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
    CHECK_STR(a->value->string_value, want);
}

TEST(otlp_protobuf_decodes_field_by_field) {
    cx_tracer_options o;
    cx_tracer_options_default(&o); /* no exporter: spans are recorded, sent nowhere */
    cx_tracer *t;
    CHECK_EQ(cx_tracer_new(&t, &o), 0);
    cx_span_context parent;
    CHECK_EQ(cx_traceparent_parse(CX_STR("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
                                  &parent),
             0);
    parent.remote = true;
    CHECK_EQ(cx_tracestate_parse(CX_STR("congo=t61rcWkgMzE"), parent.tracestate), 0);
    cx_span_context link;
    CHECK_EQ(cx_traceparent_parse(CX_STR("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
                                  &link),
             0);
    link.remote = true;
    cx_attr start_attrs[] = {CX_ATTR_S("peer", "svc-b")};
    cx_span *s = cx_tracer_start(t, "charge card",
                                 &(cx_span_start){.kind = CX_SPAN_CLIENT,
                                                  .parent = &parent,
                                                  .attrs = start_attrs,
                                                  .nattrs = 1,
                                                  .links = &link,
                                                  .nlinks = 1,
                                                  .start_ns = 1700000000123456789ull});
    CHECK(cx_span_recording(s));
    cx_span_set_attr(s, CX_ATTR_I("amount.cents", -1299));
    cx_span_set_attr(s, CX_ATTR_D("ratio", 0.25));
    cx_span_set_attr(s, CX_ATTR_B("retry", true));
    cx_span_set_attr(s, CX_ATTR_S("bad.utf8", "a\xff\xc3"
                                              "b")); /* two invalid bytes */
    cx_attr ev_attrs[] = {CX_ATTR_I("attempt", 2), CX_ATTR_S("why", "timeout")};
    cx_span_add_event(s, "retry", ev_attrs, 2);
    cx_span_set_status(s, CX_SPAN_ERROR, "card declined");
    cx_span_ref(s); /* keep it past its end: there is no exporter to take it */
    cx_span_end(s, 1700000000223456789ull);
    cx_span *root = cx_tracer_start(t, "root", &(cx_span_start){.root = true});
    cx_span_ref(root);
    cx_span_end(root, 0);

    const cx_span *batch[] = {s, root};
    cx_buf out = CX_BUF_INIT;
    cx_buf_append(&out, "xy", 2); /* appended after what is there */
    CHECK_EQ(cx_trace_encode_otlp_protobuf(batch, 2, "checkout", &out), 0);
    CHECK_MEM(out.data, 2, "xy");
    export_req *r = unpack_req(out.len - 2, (const uint8_t *)out.data + 2);
    CHECK(r != NULL);
    if (!r) goto done;
    CHECK_EQ(r->n_resource_spans, 1);
    Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = r->resource_spans[0];
    CHECK(rs->resource != NULL);
    CHECK_EQ(rs->resource->n_attributes, 3);
    check_str_attr(rs->resource->attributes, rs->resource->n_attributes, "service.name",
                   "checkout");
    check_str_attr(rs->resource->attributes, rs->resource->n_attributes, "telemetry.sdk.name",
                   "cortex");
    check_str_attr(rs->resource->attributes, rs->resource->n_attributes, "telemetry.sdk.language",
                   "c");
    CHECK_EQ(rs->n_scope_spans, 1);
    CHECK(rs->scope_spans[0]->scope != NULL);
    CHECK_STR(rs->scope_spans[0]->scope->name, "cortex");
    CHECK_EQ(rs->scope_spans[0]->n_spans, 2);
    Opentelemetry__Proto__Trace__V1__Span *p = rs->scope_spans[0]->spans[0];

    CHECK_EQ(p->trace_id.len, 16);
    CHECK(memcmp(p->trace_id.data, parent.trace_id, 16) == 0);
    CHECK_EQ(p->span_id.len, 8);
    CHECK(memcmp(p->span_id.data, cx_span_context_of(s)->span_id, 8) == 0);
    CHECK_EQ(p->parent_span_id.len, 8);
    CHECK(memcmp(p->parent_span_id.data, parent.span_id, 8) == 0);
    CHECK_STR(p->trace_state, "congo=t61rcWkgMzE");
    CHECK_EQ(p->flags, 1); /* sampled */
    CHECK_STR(p->name, "charge card");
    CHECK_EQ(p->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT);
    CHECK_EQ(p->start_time_unix_nano, 1700000000123456789ull);
    CHECK_EQ(p->end_time_unix_nano, 1700000000223456789ull);
    CHECK_EQ(p->n_attributes, 5);
    check_str_attr(p->attributes, p->n_attributes, "peer", "svc-b");
    check_str_attr(p->attributes, p->n_attributes, "bad.utf8",
                   "a\xef\xbf\xbd\xef\xbf\xbd"
                   "b");
    const kv_t *a = find_attr(p->attributes, p->n_attributes, "amount.cents");
    CHECK(a &&
          a->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE &&
          a->value->int_value == -1299);
    a = find_attr(p->attributes, p->n_attributes, "ratio");
    CHECK(a &&
          a->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE &&
          a->value->double_value == 0.25);
    a = find_attr(p->attributes, p->n_attributes, "retry");
    CHECK(a &&
          a->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE &&
          a->value->bool_value);
    CHECK_EQ(p->dropped_attributes_count, 0);
    CHECK_EQ(p->n_events, 1);
    if (p->n_events == 1) {
        CHECK_STR(p->events[0]->name, "retry");
        CHECK(p->events[0]->time_unix_nano >= 1700000000123456789ull);
        CHECK_EQ(p->events[0]->n_attributes, 2);
        check_str_attr(p->events[0]->attributes, p->events[0]->n_attributes, "why", "timeout");
        a = find_attr(p->events[0]->attributes, p->events[0]->n_attributes, "attempt");
        CHECK(a && a->value->int_value == 2);
    }
    CHECK_EQ(p->dropped_events_count, 0);
    CHECK_EQ(p->n_links, 1);
    if (p->n_links == 1) {
        CHECK_EQ(p->links[0]->trace_id.len, 16);
        CHECK(memcmp(p->links[0]->trace_id.data, link.trace_id, 16) == 0);
        CHECK_EQ(p->links[0]->span_id.len, 8);
        CHECK(memcmp(p->links[0]->span_id.data, link.span_id, 8) == 0);
        CHECK_EQ(p->links[0]->flags, 0x300); /* not sampled; is-remote known and set */
    }
    CHECK_EQ(p->dropped_links_count, 0);
    CHECK(p->status != NULL);
    CHECK_EQ(p->status->code,
             OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
    CHECK_STR(p->status->message, "card declined");

    /* The root span: a new trace, no parent, internal, status unset. */
    Opentelemetry__Proto__Trace__V1__Span *q = rs->scope_spans[0]->spans[1];
    CHECK_EQ(q->trace_id.len, 16);
    CHECK(memcmp(q->trace_id.data, parent.trace_id, 16) != 0);
    CHECK_EQ(q->parent_span_id.len, 0);
    CHECK_EQ(q->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL);
    CHECK_EQ(q->n_attributes, 0);
    CHECK_EQ(q->n_events, 0);
    CHECK_EQ(q->n_links, 0);
    CHECK_EQ(q->status->code,
             OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_UNSET);
    CHECK(q->end_time_unix_nano >= q->start_time_unix_nano);
    free_req(r);

done:
    /* An empty batch is a valid request with no spans; bad arguments. */
    out.len = 0;
    CHECK_EQ(cx_trace_encode_otlp_protobuf(NULL, 0, NULL, &out), 0);
    r = unpack_req(out.len, (const uint8_t *)out.data);
    CHECK(r && r->n_resource_spans == 1 && r->resource_spans[0]->scope_spans[0]->n_spans == 0);
    if (r) {
        check_str_attr(r->resource_spans[0]->resource->attributes,
                       r->resource_spans[0]->resource->n_attributes, "service.name", "cortex");
        free_req(r);
    }
    CHECK_EQ(cx_trace_encode_otlp_protobuf(NULL, 1, NULL, &out), CX_EINVAL);
    CHECK_EQ(cx_trace_encode_otlp_protobuf(batch, 1, NULL, NULL), CX_EINVAL);
    cx_buf_free(&out);
    cx_span_unref(s);
    cx_span_unref(root);
    cx_tracer_free(t);
}

/* The HTTP exporter reuses its buffer and arena from batch to batch: each
 * body must still be exactly that batch. */
struct capture {
    char type[64];
    unsigned char body[4096];
    size_t len;
    int calls;
};

static int capture_send(void *arg, const char *url, const char *type, const void *body,
                        size_t len) {
    struct capture *c = arg;
    snprintf(c->type, sizeof c->type, "%s", type);
    c->len = len < sizeof c->body ? len : sizeof c->body;
    memcpy(c->body, body, c->len);
    c->calls++;
    return 0;
}

TEST(protobuf_exporter_batches_are_independent) {
    cx_tracer_options o;
    cx_tracer_options_default(&o);
    cx_tracer *t;
    CHECK_EQ(cx_tracer_new(&t, &o), 0);
    struct capture cap = {.calls = 0};
    cx_span_exporter e;
    CHECK_EQ(cx_http_exporter(&e, CX_TRACE_OTLP_PROTOBUF, "http://127.0.0.1:1/v1/traces", "svc",
                              capture_send, &cap),
             0);
    const char *names[] = {"first batch, a longer name than the next", "second"};
    for (int b = 0; b < 2; b++) {
        cx_span *s[3];
        for (int i = 0; i < 3 - b; i++) {
            s[i] = cx_tracer_start(t, names[b], &(cx_span_start){.root = true});
            cx_span_set_attr(s[i], CX_ATTR_I("i", i));
            cx_span_ref(s[i]);
            cx_span_end(s[i], 0);
        }
        CHECK_EQ(e.export_spans(e.self, (const cx_span *const *)s, (size_t)(3 - b)), 0);
        CHECK_EQ(cap.calls, b + 1);
        CHECK_STR(cap.type, "application/x-protobuf");
        export_req *r = unpack_req(cap.len, cap.body);
        CHECK(r != NULL);
        if (r) {
            Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = r->resource_spans[0]->scope_spans[0];
            CHECK_EQ(ss->n_spans, (size_t)(3 - b));
            for (size_t i = 0; i < ss->n_spans; i++) {
                CHECK_STR(ss->spans[i]->name, names[b]);
                CHECK(memcmp(ss->spans[i]->span_id.data, cx_span_context_of(s[i])->span_id, 8) ==
                      0);
                CHECK_EQ(ss->spans[i]->attributes[0]->value->int_value, (int64_t)i);
            }
            free_req(r);
        }
        for (int i = 0; i < 3 - b; i++) cx_span_unref(s[i]);
    }
    e.shutdown(e.self);
    cx_tracer_free(t);
}

TEST(otlp_protocol_names) {
    cx_trace_wire w = CX_TRACE_ZIPKIN_JSON;
    CHECK_EQ(cx_trace_otlp_protocol("http/json", &w), 0);
    CHECK_EQ(w, CX_TRACE_OTLP_JSON);
    CHECK_EQ(cx_trace_otlp_protocol("http/protobuf", &w), 0);
    CHECK_EQ(w, CX_TRACE_OTLP_PROTOBUF);
    w = CX_TRACE_ZIPKIN_JSON;
    CHECK_EQ(cx_trace_otlp_protocol(NULL, &w), 0);
    CHECK_EQ(w, CX_TRACE_OTLP_PROTOBUF);
    CHECK_EQ(cx_trace_otlp_protocol("grpc", &w), CX_EINVAL);
    CHECK_EQ(cx_trace_otlp_protocol("HTTP/JSON", &w), CX_EINVAL);
    CHECK_EQ(cx_trace_otlp_protocol("http/json", NULL), CX_EINVAL);
    cx_span_exporter e;
    CHECK_EQ(cx_http_exporter(&e, (cx_trace_wire)7, "http://x/", NULL, cx_trace_curl_send, NULL),
             CX_EINVAL);
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
