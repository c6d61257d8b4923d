/* A traced relay: one service of a distributed trace.
 *
 *   example_otel_relay --service NAME --collector URL [--protocol P]
 *                      [--next URL] [--port N]
 *
 * GET /relay is served under a SERVER span (cx_trace_middleware, which
 * continues the caller's W3C traceparent). With --next, the handler calls
 * that URL with the worker's fetch client (cx_ctx_fetch) under a CLIENT span
 * of its own, injecting the CLIENT span's traceparent, and answers with the
 * downstream body wrapped in its own; without --next it answers directly.
 * Spans go to an OTLP/HTTP collector (--collector, e.g.
 * http://127.0.0.1:4318/v1/traces) as http/protobuf (the default) or
 * http/json (--protocol).
 *
 * Two of them make a chain, A -> B:
 *
 *   example_otel_relay --service b --collector http://127.0.0.1:4318/v1/traces --port 9002 &
 *   example_otel_relay --service a --collector http://127.0.0.1:4318/v1/traces --port 9001 \
 *                      --next http://127.0.0.1:9002/relay &
 *   curl localhost:9001/relay
 *
 * and the collector receives one trace: A's server span, A's client span
 * under it, B's server span under that. Port 0 picks a free port; the
 * first line on stdout is "listening on :PORT". SIGTERM/SIGINT stop it after
 * the queued spans are exported. tests/integration/test_otel_interop.py runs
 * this chain behind a Node.js client instrumented with OpenTelemetry JS. */
#include <cortex/cortex.h>
#include <cortex/fetch.h>
#include <cortex/trace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app {
    const char *service;
    const char *next; /* downstream URL; NULL: answer directly */
    cx_tracer *tracer;
};

/* Headers for the outgoing request, filled by cx_trace_inject(). */
struct out_headers {
    cx_fetch_header h[2];
    char value[2][CX_TRACESTATE_MAX + 1];
    size_t n;
};

static int add_header(void *arg, const char *name, const char *value) {
    struct out_headers *o = arg;
    if (o->n == 2 || strlen(value) > CX_TRACESTATE_MAX) return CX_ELIMIT;
    strcpy(o->value[o->n], value);
    o->h[o->n] = (cx_fetch_header){name, o->value[o->n]};
    o->n++;
    return 0;
}

static int answer(cx_ctx *ctx, const struct app *app, int downstream_status, cx_str downstream) {
    cx_buf *b = cx_res_body(cx_ctx_res(ctx));
    cx_json_writer w;
    cx_json_writer_init(&w, b, CX_JSON_REPLACE_INVALID);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "service", 7);
    cx_json_write_string(&w, app->service, strlen(app->service));
    char ids[2][33];
    if (cx_trace_current_ids(ids[0], ids[1])) {
        cx_json_write_key(&w, "trace_id", 8);
        cx_json_write_string(&w, ids[0], 32);
    }
    if (downstream_status) {
        cx_json_write_key(&w, "downstream_status", 17);
        cx_json_write_int64(&w, downstream_status);
        cx_json_write_key(&w, "downstream", 10);
        cx_json_write_string(&w, downstream.ptr, downstream.len);
    }
    cx_json_write_object_end(&w);
    int rc = cx_json_writer_error(&w);
    return rc ? rc : cx_res_header(cx_ctx_res(ctx), "Content-Type", "application/json");
}

static int relay(cx_ctx *ctx) {
    struct app *app = cx_ctx_data(ctx);
    if (!app->next) return answer(ctx, app, 0, CX_STR(""));
    cx_fetch_client *client = cx_ctx_fetch(ctx);
    if (!client) return cx_problem(ctx, 500, "no fetch client on this worker");

    /* The CLIENT span: a child of the request's SERVER span, which the
     * middleware made current. Its context is what the next service sees. */
    cx_span *span = cx_tracer_start(app->tracer, "GET", &(cx_span_start){.kind = CX_SPAN_CLIENT});
    cx_span_set_attr(span, CX_ATTR_S("http.request.method", "GET"));
    cx_span_set_attr(span, CX_ATTR_S("url.full", app->next));
    struct out_headers hdrs = {.n = 0};
    cx_trace_inject(cx_span_context_of(span), add_header, &hdrs);
    cx_fetch_request req = {
        .url = app->next, .headers = hdrs.h, .nheaders = hdrs.n, .timeout_ms = 5000};
    cx_fetch_response res;
    int rc = cx_fetch(client, &req, &res);
    if (rc) {
        cx_span_set_status(span, CX_SPAN_ERROR, res.error.message);
        cx_span_end(span, 0);
        cx_fetch_response_free(&res);
        return cx_problem(ctx, 502, "the next service did not answer");
    }
    cx_span_set_attr(span, CX_ATTR_I("http.response.status_code", res.status));
    if (res.status >= 400) cx_span_set_status(span, CX_SPAN_ERROR, NULL);
    cx_span_end(span, 0);
    rc = answer(ctx, app, res.status, (cx_str){res.body.data, res.body.len});
    cx_fetch_response_free(&res);
    return rc;
}

static int usage(void) {
    fprintf(stderr, "usage: example_otel_relay --service NAME --collector URL "
                    "[--protocol http/protobuf|http/json] [--next URL] [--port N]\n");
    return 2;
}

int main(int argc, char **argv) {
    struct app app = {.service = NULL};
    const char *collector = NULL, *protocol = NULL;
    unsigned port = 8080;
    for (int i = 1; i + 1 < argc; i += 2) { /* --option value pairs */
        const char *v = argv[i + 1];
        if (!strcmp(argv[i], "--service"))
            app.service = v;
        else if (!strcmp(argv[i], "--collector"))
            collector = v;
        else if (!strcmp(argv[i], "--protocol"))
            protocol = v;
        else if (!strcmp(argv[i], "--next"))
            app.next = v;
        else if (!strcmp(argv[i], "--port"))
            port = (unsigned)strtoul(v, NULL, 10);
        else
            return usage();
    }
    if (argc % 2 == 0) return usage(); /* an option without its value */
    cx_trace_wire wire;
    if (!app.service || !collector || port > 65535 || cx_trace_otlp_protocol(protocol, &wire))
        return usage();

    int rc = 1;
    cx_trace_curl *sender = NULL;
    cx_router *r = NULL;
    cx_server *srv = NULL;
    cx_tracer_options to;
    cx_tracer_options_default(&to);
    to.service = app.service;
    to.batch.delay_ms = 200; /* a demo: show spans soon after each request */
    if (cx_trace_curl_new(&sender, 2000) ||
        cx_http_exporter(&to.exporter, wire, collector, app.service, cx_trace_curl_send, sender) ||
        cx_tracer_new(&app.tracer, &to))
        goto out;
    if (cx_router_new(&r) || cx_router_use(r, cx_trace_middleware, app.tracer) ||
        cx_router_get(r, "/relay", relay, &app))
        goto out;

    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = (uint16_t)port;
    o.threads = 1;
    o.handler = cx_router_handle;
    o.handler_data = r;
    if ((rc = cx_server_new(&srv, &o))) {
        fprintf(stderr, "cannot listen: %s\n", cx_strerror(rc));
        rc = 1;
        goto out;
    }
    printf("listening on :%u\n", cx_server_port(srv));
    fflush(stdout);
    rc = cx_server_run(srv) ? 1 : 0;
out:
    cx_server_free(srv);
    cx_router_free(r);
    cx_tracer_free(app.tracer); /* exports what is still queued */
    cx_trace_curl_free(sender);
    return rc;
}
