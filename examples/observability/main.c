/* Observability: metrics, health checks and tracing around a small API,
 * served on $PORT (default 8080).
 *
 *   curl localhost:8080/users/42          a traced request (the span goes to stdout)
 *   curl localhost:8080/metrics           Prometheus text (OpenMetrics with Accept)
 *   curl localhost:8080/health/ready      application/health+json
 *   curl -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
 *        localhost:8080/users/7           continues the caller's trace
 *
 * Log lines written while a span is current carry trace_id and span_id.
 * Stop with Ctrl-C. */
#include <cortex/cortex.h>
#include <cortex/health.h>
#include <cortex/metrics.h>
#include <cortex/trace.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct app {
    cx_counter *lookups;       /* app_user_lookups_total */
    cx_metric_family *by_tier; /* app_user_lookups_by_tier_total{tier} */
    cx_tracer *tracer;
};

static int get_user(cx_ctx *ctx) {
    struct app *app = cx_ctx_data(ctx);
    cx_str id = cx_param(ctx, "id");
    /* A child span of the request's server span (the middleware made it
     * current), with an attribute and an event. */
    cx_span *span = cx_tracer_start(app->tracer, "db.lookup", NULL);
    cx_span_set_attr(span, (cx_attr){.key = "user.id", .type = CX_ATTR_STR, .v.s = id});
    cx_sleep(2); /* pretend to wait for a database */
    cx_span_add_event(span, "row found", NULL, 0);
    cx_span_end(span, 0);

    cx_counter_inc(app->lookups);
    cx_str tier = id.len && (id.ptr[0] - '0') % 2 ? CX_STR("gold") : CX_STR("basic");
    cx_counter_inc(cx_counter_with(app->by_tier, &tier, 1));
    cx_log(NULL, CX_LOG_INFO, "user looked up", "id", "see trace", NULL);
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "{\"id\":\"%.*s\"}\n", (int)id.len, id.ptr);
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "application/json");
}

/* A readiness check that waits like a real dependency probe would. */
static int db_check(void *arg, cx_health_result *out) {
    (void)arg;
    int rc = cx_sleep(1);
    if (rc) return rc; /* CX_ETIMEDOUT past the check's timeout */
    out->has_value = true;
    out->value = 1;
    out->unit = "ms";
    return 0;
}

int main(void) {
    struct app app = {0};
    int rc = 1;
    cx_metrics *metrics = NULL;
    cx_http_metrics *http_metrics = NULL;
    cx_health *health = NULL;
    cx_router *r = NULL;
    cx_server *srv = NULL;

    /* Metrics: a registry, the server's built-ins, process figures and our own. */
    const char *tier_label[] = {"tier"};
    cx_metric_desc by_tier = {.name = "app_user_lookups_by_tier_total",
                              .help = "User lookups by customer tier.",
                              .type = CX_METRIC_COUNTER,
                              .labels = tier_label,
                              .nlabels = 1,
                              .max_series = 10};
    if (cx_metrics_new(&metrics, NULL) || cx_http_metrics_new(&http_metrics, metrics, NULL) ||
        cx_metrics_add_process(metrics) ||
        cx_metrics_counter(metrics, "app_user_lookups_total", "User lookups.", &app.lookups) ||
        cx_metrics_family(metrics, &by_tier, &app.by_tier))
        goto out;

    /* Health: the built-ins plus a dependency check with its own timeout. */
    cx_health_check db = {.name = "db:ping",
                          .component_type = "datastore",
                          .kinds = CX_HEALTH_READINESS,
                          .fn = db_check,
                          .timeout_ms = 200};
    if (cx_health_new(&health, NULL) || cx_health_add_builtins(health, NULL) ||
        cx_health_add(health, &db))
        goto out;

    /* Tracing: parent-based sampling of 100% of new traces, batches printed
     * to stdout as OTLP-shaped JSON lines. For a collector, use
     * cx_http_exporter() with a send function (e.g. one built on cx_fetch). */
    cx_tracer_options to;
    cx_tracer_options_default(&to);
    to.service = "observability-example";
    if (cx_console_exporter(&to.exporter, STDOUT_FILENO, to.service) ||
        cx_tracer_new(&app.tracer, &to))
        goto out;
    cx_log_set_context(NULL, cx_trace_log_context, NULL);

    if (cx_router_new(&r) || cx_router_use(r, cx_trace_middleware, app.tracer) ||
        cx_router_get(r, "/users/:id", get_user, &app) ||
        cx_router_get(r, "/metrics", cx_metrics_handler, metrics) ||
        cx_router_get(r, "/health", cx_health_handler, health) ||
        cx_router_get(r, "/health/live", cx_health_live_handler, health) ||
        cx_router_get(r, "/health/ready", cx_health_ready_handler, health))
        goto out;

    cx_server_options o;
    cx_server_options_default(&o);
    o.port = getenv("PORT") ? (uint16_t)atoi(getenv("PORT")) : 8080;
    o.handler = cx_router_handle;
    o.handler_data = r;
    o.metrics = http_metrics;
    if ((rc = cx_server_new(&srv, &o))) {
        fprintf(stderr, "cannot listen: %s\n", cx_strerror(rc));
        rc = 1;
        goto out;
    }
    cx_health_set_started(health, true);
    printf("listening on :%u\n", cx_server_port(srv));
    fflush(stdout);
    rc = cx_server_run(srv) ? 1 : 0;
out:
    cx_server_free(srv);
    cx_router_free(r);
    cx_log_set_context(NULL, NULL, NULL);
    cx_tracer_free(app.tracer); /* exports what is still queued */
    cx_health_free(health);
    cx_http_metrics_free(http_metrics);
    cx_metrics_free(metrics);
    return rc;
}
