/* cortex serve — the HTTP server with the demo routes.
 *
 * The routes are a contract that the integration tests and the benchmarks
 * rely on:
 *   GET  /plaintext   "Hello, World!" (text/plain)
 *   GET  /json        {"message":"Hello, World!"}, serialised per request
 *   POST /echo, PUT /echo   the request body back, streamed (octet-stream)
 *   GET  /stream      a chunked response of several chunks (?n=count)
 *   GET  /sleep?ms=N  waits N ms in a coroutine (at most 10 s), then answers
 *   GET  /tls         {"tls":bool,"version":11|20,...} and the verified client certificate
 *   GET  /metrics     Prometheus/OpenMetrics exposition (metrics.enabled, on by default)
 *   GET  /health, /health/live, /health/ready   health+json (health.enabled, on by default)
 *   GET  (any other)  files from --static DIR, when given
 *   and the WebAssembly plugins of wasm.plugins (YAML file only; docs/WASM.md)
 *
 * Settings: defaults < --config FILE < CORTEX_* environment < flags.
 */
#include <cortex/config.h>
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/health.h>
#include <cortex/http.h>
#include <cortex/json.h>
#include <cortex/log.h>
#include <cortex/metrics.h>
#include <cortex/router.h>
#include <cortex/static.h>
#include <cortex/tls.h>
#include <cortex/trace.h>
#include <cortex/wasm.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define STREAM_MAX_CHUNKS 1000
#define SLEEP_MAX_MS      10000

static int plaintext(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "Hello, World!", 13);
}

static int json(cx_ctx *ctx) {
    cx_res *res = cx_ctx_res(ctx);
    int rc = cx_res_header(res, "Content-Type", "application/json");
    if (rc) return rc;
    cx_json_writer w;
    cx_json_writer_init(&w, cx_res_body(res), 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "message", 7);
    cx_json_write_string(&w, "Hello, World!", 13);
    cx_json_write_object_end(&w);
    return cx_json_writer_error(&w);
}

/* The whole body is read before answering, so that a body over the limit
 * or one that stalls gets its 413 or 408 rather than a cut-off 200. The
 * body limit (limits.max_body) bounds the memory. */
static int echo(cx_ctx *ctx) {
    cx_str body;
    int rc = cx_req_body(cx_ctx_req(ctx), &body);
    if (rc) return rc;
    /* A request trailer x-checksum comes back as x-checksum-echo (where the
     * transport carries response trailers: HTTP/2, chunked HTTP/1.1). */
    cx_str sum;
    if (cx_req_trailer(cx_ctx_req(ctx), "x-checksum", &sum) == CX_OK) {
        char *v = cx_arena_strndup(cx_ctx_arena(ctx), sum.ptr, sum.len);
        if (v) cx_res_trailer(cx_ctx_res(ctx), "x-checksum-echo", v);
    }
    return cx_res_send(cx_ctx_res(ctx), "application/octet-stream", body.ptr, body.len);
}

/* GET /tls: how the request came — TLS or not, and the verified client
 * certificate when there is one (mTLS). */
static int tls_info(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    int rc = cx_res_header(res, "Content-Type", "application/json");
    if (rc) return rc;
    const cx_tls_identity *id = cx_req_tls_identity(req);
    cx_json_writer w;
    cx_json_writer_init(&w, cx_res_body(res), 0);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "tls", 3);
    cx_json_write_bool(&w, cx_req_is_tls(req));
    cx_json_write_key(&w, "version", 7);
    cx_json_write_int64(&w, cx_req_version(req));
    if (id) {
        cx_json_write_key(&w, "subject", 7);
        cx_json_write_string(&w, id->subject, strlen(id->subject));
        cx_json_write_key(&w, "issuer", 6);
        cx_json_write_string(&w, id->issuer, strlen(id->issuer));
        cx_json_write_key(&w, "sans", 4);
        cx_json_write_string(&w, id->sans, strlen(id->sans));
        cx_json_write_key(&w, "fingerprint", 11);
        cx_json_write_string(&w, id->fingerprint, strlen(id->fingerprint));
    }
    cx_json_write_object_end(&w);
    return cx_json_writer_error(&w);
}

static long query_long(cx_ctx *ctx, const char *name, long dflt, long max) {
    cx_str v;
    if (cx_req_query(cx_ctx_req(ctx), name, &v)) return dflt;
    char *end;
    long n = strtol(v.ptr, &end, 10);
    if (end == v.ptr || *end || n < 0) return -1;
    return n > max ? max : n;
}

static int stream(cx_ctx *ctx) {
    long n = query_long(ctx, "n", 5, STREAM_MAX_CHUNKS);
    if (n < 0) return cx_problem(ctx, 400, "n must be a non-negative integer");
    cx_res *res = cx_ctx_res(ctx);
    cx_res_header(res, "Content-Type", "text/plain");
    for (long i = 0; i < n; i++) {
        char line[48];
        int len = snprintf(line, sizeof line, "chunk %ld of %ld\n", i + 1, n);
        int rc = cx_res_write(res, line, (size_t)len);
        if (rc) return rc;
    }
    if (query_long(ctx, "trailer", 0, 1) == 1) {
        char v[24];
        snprintf(v, sizeof v, "%ld", n);
        cx_res_trailer(res, "x-stream-chunks", v);
    }
    return cx_res_end(res);
}

static int sleep_handler(cx_ctx *ctx) {
    long ms = query_long(ctx, "ms", 100, SLEEP_MAX_MS);
    if (ms < 0) return cx_problem(ctx, 400, "ms must be a non-negative integer");
    int rc = cx_sleep((uint64_t)ms);
    if (rc) return rc;
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "slept %ld\n", ms);
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "text/plain");
}

static void usage(FILE *out) {
    fprintf(out, "usage: cortex serve [options]\n"
                 "  --host ADDR       address to listen on (default 0.0.0.0)\n"
                 "  --port N          port (default 8080)\n"
                 "  --threads N       worker threads (default: one per core)\n"
                 "  --config FILE     YAML configuration file\n"
                 "  --static DIR      serve files from DIR\n"
                 "  --tls-cert FILES  certificate chain(s), PEM, comma-separated (enables TLS)\n"
                 "  --tls-key FILES   private key(s), PEM, one per certificate\n"
                 "  --tls-client-ca FILE   CA bundle for client certificates (mTLS)\n"
                 "  --tls-client-auth MODE none, optional or required\n"
                 "  --set KEY=VALUE   any configuration key (see docs/config.md)\n"
                 "  --print-config    print the effective configuration and exit\n");
}

struct serve_state {
    cx_config cfg;
    cx_router *router;
    cx_static *files;
    cx_server *srv;
    cx_metrics *metrics;
    cx_http_metrics *http_metrics;
    cx_health *health;
    cx_tracer *tracer;
    cx_trace_curl *trace_sender;
    cx_wasm_cache *wasm_cache;                    /* wasm.plugins' modules */
    cx_wasm_mount *mounts[CX_CONFIG_MAX_PLUGINS]; /* one per wasm.plugins entry */
    int argc;
    char **argv;
};

/* Flags are applied through the same table as the file and environment. */
static int apply_flag(cx_config *cfg, const char *key, const char *value) {
    cx_config_error err;
    if (cx_config_set(cfg, key, value, &err) == 0) return 0;
    fprintf(stderr, "cortex serve: %s\n", err.message);
    return -1;
}

static int parse_args(struct serve_state *st, int argc, char **argv, bool *print) {
    static const struct option opts[] = {{"host", required_argument, 0, 'H'},
                                         {"port", required_argument, 0, 'p'},
                                         {"threads", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"static", required_argument, 0, 's'},
                                         {"set", required_argument, 0, 'S'},
                                         {"print-config", no_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {"tls-cert", required_argument, 0, 'C'},
                                         {"tls-key", required_argument, 0, 'K'},
                                         {"tls-client-ca", required_argument, 0, 'A'},
                                         {"tls-client-auth", required_argument, 0, 'M'},
                                         {0, 0, 0, 0}};
    const char *config_file = NULL;
    /* Two passes: the file and the environment go under the flags. */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c') config_file = optarg;
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (c == '?') return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "cortex serve: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    cx_config_error err;
    if (config_file && cx_config_load_file(&st->cfg, config_file, &err)) {
        fprintf(stderr, "cortex serve: %s\n", err.message);
        return 1;
    }
    if (cx_config_load_env(&st->cfg, NULL, &err)) {
        fprintf(stderr, "cortex serve: %s\n", err.message);
        return 1;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 'H') rc = apply_flag(&st->cfg, "server.host", optarg);
        if (c == 'p') rc = apply_flag(&st->cfg, "server.port", optarg);
        if (c == 't') rc = apply_flag(&st->cfg, "server.threads", optarg);
        if (c == 's') rc = apply_flag(&st->cfg, "server.static_dir", optarg);
        if (c == 'C') rc = apply_flag(&st->cfg, "tls.cert", optarg);
        if (c == 'K') rc = apply_flag(&st->cfg, "tls.key", optarg);
        if (c == 'A') rc = apply_flag(&st->cfg, "tls.client_ca", optarg);
        if (c == 'M') rc = apply_flag(&st->cfg, "tls.client_auth", optarg);
        if (c == 'P') *print = true;
        if (c == 'S') {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "cortex serve: --set wants KEY=VALUE, got '%s'\n", optarg);
                return 2;
            }
            *eq = '\0';
            rc = apply_flag(&st->cfg, optarg, eq + 1);
            *eq = '=';
        }
        if (rc) return 2;
    }
    return 0;
}

/* /metrics and /health: on by default, because both cost little (see
 * docs/OBSERVABILITY.md) and an orchestrator expects them; metrics.enabled
 * and health.enabled turn them off. */
static int add_observability(struct serve_state *st) {
    cx_router *r = st->router;
    int rc;
    if (st->cfg.metrics_enabled) {
        cx_metrics_options mo;
        cx_metrics_options_default(&mo);
        mo.max_series = st->cfg.metrics_max_series;
        if ((rc = cx_metrics_new(&st->metrics, &mo)) ||
            (rc = cx_http_metrics_new(&st->http_metrics, st->metrics, NULL)) ||
            (rc = cx_metrics_add_process(st->metrics)) ||
            (rc = cx_router_get(r, "/metrics", cx_metrics_handler, st->metrics)))
            return rc;
    }
    if (st->cfg.health_enabled) {
        if ((rc = cx_health_new(&st->health, NULL)) ||
            (rc = cx_health_add_builtins(st->health, NULL)) ||
            (rc = cx_router_get(r, "/health", cx_health_handler, st->health)) ||
            (rc = cx_router_get(r, "/health/live", cx_health_live_handler, st->health)) ||
            (rc = cx_router_get(r, "/health/ready", cx_health_ready_handler, st->health)))
            return rc;
    }
    return 0;
}

/* tracing.*: a server span per request, sent to the configured exporter. */
static int add_tracing(struct serve_state *st) {
    const cx_config *c = &st->cfg;
    const char *kind = c->tracing_exporter ? c->tracing_exporter : "none";
    if (!strcmp(kind, "none")) return 0;
    bool otlp = !strcmp(kind, "otlp"), zipkin = !strcmp(kind, "zipkin");
    if (!otlp && !zipkin && strcmp(kind, "console")) {
        fprintf(stderr, "cortex serve: tracing.exporter: none, console, otlp or zipkin, not '%s'\n",
                kind);
        return CX_ECONFIG;
    }
    if ((otlp || zipkin) && !c->tracing_endpoint) {
        fprintf(stderr, "cortex serve: tracing.exporter=%s needs tracing.endpoint\n", kind);
        return CX_ECONFIG;
    }
    /* tracing.protocol picks the OTLP wire, as OTEL_EXPORTER_OTLP_PROTOCOL
     * does for the OpenTelemetry SDKs; it is checked whichever exporter is
     * on, so that a typo does not wait for the day otlp is turned on. */
    cx_trace_wire wire = CX_TRACE_ZIPKIN_JSON, otlp_wire;
    if (cx_trace_otlp_protocol(c->tracing_protocol, &otlp_wire)) {
        fprintf(stderr, "cortex serve: tracing.protocol: http/protobuf or http/json, not '%s'\n",
                c->tracing_protocol);
        return CX_ECONFIG;
    }
    if (otlp) wire = otlp_wire;
    cx_tracer_options o;
    cx_tracer_options_default(&o);
    o.service = c->tracing_service;
    cx_sampler *ratio = NULL;
    int rc = cx_sampler_ratio(&ratio, c->tracing_sample_permille / 1000.0);
    if (rc || (rc = cx_sampler_parent_based(&o.sampler, ratio))) return rc; /* takes ratio */
    if (otlp || zipkin) {
        rc = cx_trace_curl_new(&st->trace_sender, 0);
        if (!rc)
            rc = cx_http_exporter(&o.exporter, wire, c->tracing_endpoint, c->tracing_service,
                                  cx_trace_curl_send, st->trace_sender);
    } else {
        rc = cx_console_exporter(&o.exporter, 2, c->tracing_service);
    }
    if (rc) {
        cx_sampler_free(o.sampler);
        return rc;
    }
    if ((rc = cx_tracer_new(&st->tracer, &o))) return rc;
    return cx_router_use(st->router, cx_trace_middleware, st->tracer);
}

/* ---- wasm.plugins --------------------------------------------------------- */

/* "cortex serve: FILE:LINE:COL: wasm.plugins[i]: " then the message. */
static void plugin_error(const cx_config_plugin *p, unsigned i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plugin_error(const cx_config_plugin *p, unsigned i, const char *fmt, ...) {
    fprintf(stderr, "cortex serve: ");
    if (p->source) fprintf(stderr, "%s:%u:%u: ", p->source, p->line, p->column);
    fprintf(stderr, "wasm.plugins[%u]: ", i);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Load the module now, so that a missing file, a file that is not wasm or
 * a module without the plugin ABI stops the server at start rather than
 * failing every request. Later changes to the file are the cache's (hot
 * reload): a broken replacement then answers 500 per request. */
static int check_plugin(cx_wasm_cache *cache, const cx_config_plugin *p, unsigned i) {
    cx_wasm_module *mod = NULL;
    char err[CX_WASM_ERROR_MAX] = "";
    int rc = cx_wasm_cache_get(cache, p->path, &mod, err);
    if (rc == CX_ENOENT || rc == -ENOENT) {
        plugin_error(p, i, "path: no such file: \"%s\"", p->path);
        return rc;
    }
    if (rc) {
        plugin_error(p, i, "path: \"%s\" is not a valid WebAssembly module: %s", p->path,
                     *err ? err : cx_strerror(rc));
        return rc;
    }
    static const struct {
        const char *name;
        int kind;
    } abi[] = {{"memory", 2}, {"cx_plugin_alloc", 0}, {"cx_plugin_handle", 0}};
    for (size_t k = 0; k < sizeof abi / sizeof abi[0]; k++) {
        bool found = false;
        for (uint32_t e = 0; e < cx_wasm_module_export_count(mod) && !found; e++) {
            const char *name;
            int kind;
            found = !cx_wasm_module_export(mod, e, &name, &kind) && kind == abi[k].kind &&
                    !strcmp(name, abi[k].name);
        }
        if (!found) {
            plugin_error(p, i,
                         "path: \"%s\" is not a plugin: it does not export %s \"%s\" "
                         "(the ABI: memory, cx_plugin_alloc, cx_plugin_handle; docs/WASM.md)",
                         p->path, abi[k].kind ? "a memory" : "a function", abi[k].name);
            cx_wasm_cache_release(cache, mod);
            return CX_ENOTFOUND;
        }
    }
    cx_wasm_cache_release(cache, mod);
    return 0;
}

/* Is prefix (no trailing '/') a whole-segment prefix of path? */
static bool under(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    return !strncmp(path, prefix, n) && (path[n] == '/' || path[n] == '\0');
}

/* Middleware with a prefix wraps the routes of a router group for that
 * prefix: the plugin handlers whose routes lie under it. Groups nest, so a
 * route under /api/v1 runs the middleware of /api, then of /api/v1. */
typedef struct plugin_group {
    const char *prefix; /* NULL: the root router */
    cx_router *r;
} plugin_group;

static cx_router *group_for(const char *path, plugin_group *g, unsigned ng, const char **rest) {
    unsigned best = 0;
    size_t best_len = 0;
    for (unsigned k = 1; k < ng; k++) {
        size_t n = strlen(g[k].prefix);
        if (n > best_len && under(path, g[k].prefix)) {
            best = k;
            best_len = n;
        }
    }
    *rest = path + best_len;
    return g[best].r;
}

static int add_plugins(struct serve_state *st) {
    const cx_config_plugins *list = &st->cfg.wasm_plugins;
    if (!list->count) return 0;
    if (!(st->wasm_cache = cx_wasm_cache_new(NULL))) return CX_ENOMEM;
    int rc;
    for (unsigned i = 0; i < list->count; i++) {
        const cx_config_plugin *p = &list->items[i];
        if ((rc = check_plugin(st->wasm_cache, p, i))) return rc;
        cx_wasm_mount_options o;
        cx_wasm_mount_options_defaults(&o);
        o.fuel = p->fuel;
        o.deadline_ms = p->timeout_ms;
        o.max_memory_pages = p->memory_pages;
        o.max_body = p->max_body;
        o.max_response = p->max_response;
        o.reuse = p->reuse;
        o.max_idle = p->max_idle;
        if ((rc = cx_wasm_mount_new(st->wasm_cache, p->path, &o, &st->mounts[i]))) {
            plugin_error(p, i, "cannot mount: %s", cx_strerror(rc));
            return rc;
        }
    }
    /* Groups for the middleware prefixes, shortest first so that longer
     * ones nest inside them; then the middleware, in the file's order. */
    plugin_group groups[CX_CONFIG_MAX_PLUGINS + 1] = {{NULL, st->router}};
    unsigned ng = 1;
    for (size_t len = 1; len <= 1024; len++) {
        for (unsigned i = 0; i < list->count; i++) {
            const cx_config_plugin *p = &list->items[i];
            if (!p->middleware || !p->prefix || strlen(p->prefix) != len) continue;
            bool have = false;
            for (unsigned k = 1; k < ng && !have; k++) have = !strcmp(groups[k].prefix, p->prefix);
            if (have) continue;
            const char *rest;
            cx_router *parent = group_for(p->prefix, groups, ng, &rest);
            cx_router *g = cx_router_group(parent, rest);
            if (!g) {
                plugin_error(p, i, "prefix: \"%s\" is not a valid route prefix", p->prefix);
                return CX_EINVAL;
            }
            groups[ng++] = (plugin_group){p->prefix, g};
        }
    }
    for (unsigned i = 0; i < list->count; i++) {
        const cx_config_plugin *p = &list->items[i];
        if (!p->middleware) continue;
        const char *rest;
        cx_router *r = p->prefix ? group_for(p->prefix, groups, ng, &rest) : st->router;
        if ((rc = cx_wasm_mount_use(r, st->mounts[i]))) {
            plugin_error(p, i, "cannot add the middleware: %s", cx_strerror(rc));
            return rc;
        }
    }
    for (unsigned i = 0; i < list->count; i++) {
        const cx_config_plugin *p = &list->items[i];
        if (p->middleware) continue;
        const char *rest;
        cx_router *r = group_for(p->route, groups, ng, &rest);
        for (int m = 0; m < CX_METHOD_COUNT_ && !rc; m++)
            if (p->methods & (1u << m)) rc = cx_wasm_mount_route(r, m, rest, st->mounts[i]);
        if (rc == CX_EEXIST) {
            plugin_error(p, i, "route: \"%s\" is already taken by another route", p->route);
            return rc;
        }
        if (rc) {
            plugin_error(p, i, "route: \"%s\" is not a valid route pattern (%s)", p->route,
                         cx_strerror(rc));
            return rc;
        }
    }
    return 0;
}

static void free_plugins(struct serve_state *st) {
    for (unsigned i = 0; i < CX_CONFIG_MAX_PLUGINS; i++) cx_wasm_mount_free(st->mounts[i]);
    cx_wasm_cache_free(st->wasm_cache);
}

static int build_routes(struct serve_state *st) {
    int rc = cx_router_new(&st->router);
    if (rc) return rc;
    if ((rc = add_tracing(st))) return rc;
    cx_router *r = st->router;
    if ((rc = cx_router_get(r, "/plaintext", plaintext, NULL)) ||
        (rc = cx_router_get(r, "/json", json, NULL)) ||
        (rc = cx_router_post(r, "/echo", echo, NULL)) ||
        (rc = cx_router_put(r, "/echo", echo, NULL)) ||
        (rc = cx_router_get(r, "/stream", stream, NULL)) ||
        (rc = cx_router_get(r, "/sleep", sleep_handler, NULL)) ||
        (rc = cx_router_get(r, "/tls", tls_info, NULL)))
        return rc;
    if ((rc = add_observability(st))) return rc;
    if ((rc = add_plugins(st))) return rc;
    const char *dir = st->cfg.static_dir;
    if (dir && *dir) {
        cx_static_options so;
        cx_static_options_default(&so);
        so.root = dir;
        if ((rc = cx_static_new(&st->files, &so))) {
            fprintf(stderr, "cortex serve: cannot serve '%s': %s\n", dir, cx_strerror(rc));
            return rc;
        }
        if ((rc = cx_router_get(r, "/*path", cx_static_handler, st->files))) return rc;
    }
    return 0;
}

/* Split a comma-separated list in place into at most max entries. */
static unsigned split_list(char *s, char **out, unsigned max) {
    unsigned n = 0;
    while (s && n < max) {
        char *comma = strchr(s, ',');
        if (comma) *comma = '\0';
        out[n++] = s;
        s = comma ? comma + 1 : NULL;
    }
    return n;
}

/* TLS settings from the configuration; *on false without tls.cert. The
 * strings point into lists[] (copies), which must outlive the options. */
static int tls_from_config(const cx_config *cfg, cx_tls_options *o, char *lists[3], bool *on) {
    cx_tls_options_default(o);
    *on = cfg->tls_cert && *cfg->tls_cert;
    if (!*on) return 0;
    const char *src[3] = {cfg->tls_cert, cfg->tls_key, cfg->tls_ocsp};
    char *items[3][CX_TLS_MAX_CERTS] = {{0}};
    unsigned n[3] = {0};
    for (int i = 0; i < 3; i++) {
        lists[i] = src[i] ? strdup(src[i]) : NULL;
        if (src[i] && !lists[i]) return -1;
        n[i] = split_list(lists[i], items[i], CX_TLS_MAX_CERTS);
    }
    if (n[0] != n[1]) {
        fprintf(stderr, "cortex serve: tls.cert and tls.key need one key per certificate\n");
        return -1;
    }
    o->ncerts = n[0];
    for (unsigned i = 0; i < n[0]; i++) {
        o->certs[i].cert_file = items[0][i];
        o->certs[i].key_file = items[1][i];
        o->certs[i].ocsp_file = i < n[2] && *items[2][i] ? items[2][i] : NULL;
    }
    o->client_ca_file = cfg->tls_client_ca;
    const char *auth = cfg->tls_client_auth ? cfg->tls_client_auth : "none";
    if (strcmp(auth, "none") == 0)
        o->client_auth = CX_TLS_CLIENT_NONE;
    else if (strcmp(auth, "optional") == 0)
        o->client_auth = CX_TLS_CLIENT_OPTIONAL;
    else if (strcmp(auth, "required") == 0)
        o->client_auth = CX_TLS_CLIENT_REQUIRED;
    else {
        fprintf(stderr, "cortex serve: tls.client_auth: none, optional or required, not '%s'\n",
                auth);
        return -1;
    }
    if (o->client_auth != CX_TLS_CLIENT_NONE && !o->client_ca_file) {
        fprintf(stderr, "cortex serve: tls.client_auth needs tls.client_ca\n");
        return -1;
    }
    o->handshake_timeout_ms = cfg->tls_handshake_timeout_ms;
    o->ticket_rotate_s = (uint32_t)(cfg->tls_ticket_rotate_ms / 1000);
    if (cfg->tls_ticket_rotate_ms && !o->ticket_rotate_s) o->ticket_rotate_s = 1;
    return 0;
}

static void free_lists(char *lists[3]) {
    for (int i = 0; i < 3; i++) free(lists[i]);
}

/* SIGHUP: read the file, the environment and the flags again, and apply
 * what can change while running — logging and limits. Listening address,
 * threads and the static directory need a restart; a change to them is
 * reported and ignored. */
static int reload(void *arg) {
    struct serve_state *st = arg;
    struct serve_state fresh = {.argc = st->argc, .argv = st->argv};
    cx_config_init(&fresh.cfg);
    bool print = false;
    cx_logger *log = cx_log_default();
    if (parse_args(&fresh, st->argc, st->argv, &print)) {
        cx_log(log, CX_LOG_ERROR, "reload failed; keeping the running configuration", NULL);
        cx_config_free(&fresh.cfg);
        return -1;
    }
    if (fresh.cfg.port != st->cfg.port || fresh.cfg.threads != st->cfg.threads ||
        strcmp(fresh.cfg.host, st->cfg.host) != 0)
        cx_log(log, CX_LOG_WARN, "listener settings change only on restart", NULL);
    cx_http_limits limits;
    cx_config_http_limits(&fresh.cfg, &limits);
    int rc = cx_server_set_limits(st->srv, &limits);
    if (rc) {
        CX_LOG(log, CX_LOG_ERROR, "reload failed", CX_KV_ERR(rc));
        cx_config_free(&fresh.cfg);
        return rc;
    }
    cx_tls_options tls;
    char *lists[3] = {0};
    bool tls_on;
    if (tls_from_config(&fresh.cfg, &tls, lists, &tls_on) == 0 && tls_on) {
        /* New certificates for new connections; open ones keep theirs. */
        rc = cx_server_tls_reload(st->srv, &tls);
        if (rc)
            CX_LOG(log, CX_LOG_ERROR, "tls reload failed; keeping the old certificates",
                   CX_KV_ERR(rc));
        else
            cx_log(log, CX_LOG_INFO, "tls certificates reloaded", NULL);
    }
    free_lists(lists);
    /* Plugins are routes and middleware of a router that is frozen while
     * it serves: the list changes only on restart (the modules' files are
     * reloaded by the cache when they change). Keep the list that runs. */
    cx_buf was = CX_BUF_INIT, now = CX_BUF_INIT;
    cx_config_get(&st->cfg, "wasm.plugins", &was);
    cx_config_get(&fresh.cfg, "wasm.plugins", &now);
    if (was.len != now.len || memcmp(was.data, now.data, was.len) != 0)
        cx_log(log, CX_LOG_WARN,
               "wasm.plugins change only on restart; changed .wasm files are reloaded", NULL);
    cx_buf_free(&was);
    cx_buf_free(&now);
    cx_config_plugins keep = st->cfg.wasm_plugins;
    st->cfg.wasm_plugins = fresh.cfg.wasm_plugins;
    fresh.cfg.wasm_plugins = keep;
    cx_config_apply_log(&fresh.cfg, log);
    cx_config_free(&st->cfg);
    st->cfg = fresh.cfg;
    cx_log(log, CX_LOG_INFO, "configuration reloaded", NULL);
    return 0;
}

int cx_cli_serve(int argc, char **argv) {
    struct serve_state st = {.argc = argc, .argv = argv};
    cx_config_init(&st.cfg);
    bool print = false;
    int rc = parse_args(&st, argc, argv, &print);
    if (rc) {
        cx_config_free(&st.cfg);
        return rc;
    }
    if (print) {
        cx_buf out = CX_BUF_INIT;
        cx_config_dump(&st.cfg, &out);
        fwrite(out.data, 1, out.len, stdout);
        cx_buf_free(&out);
        cx_config_free(&st.cfg);
        return 0;
    }
    cx_logger *log = cx_log_default();
    cx_config_apply_log(&st.cfg, log);

    int status = 1;
    cx_server *srv = NULL;
    if (build_routes(&st)) goto out;
    cx_server_options o;
    cx_server_options_default(&o);
    cx_config_server_options(&st.cfg, &o);
    o.handler = cx_router_handle;
    o.handler_data = st.router;
    o.metrics = st.http_metrics;
    cx_tls_options tls;
    char *lists[3] = {0};
    bool tls_on;
    if (tls_from_config(&st.cfg, &tls, lists, &tls_on)) {
        free_lists(lists);
        goto out;
    }
    if (tls_on) o.tls = &tls;
    rc = cx_server_new(&srv, &o);
    free_lists(lists);
    if (rc) {
        fprintf(stderr, "cortex serve: cannot listen on %s:%u: %s\n", o.host, o.port,
                cx_strerror(rc));
        goto out;
    }
    st.srv = srv;
    cx_server_on_reload(srv, reload, &st);
    cx_health_set_started(st.health, true);
    CX_LOG(log, CX_LOG_INFO, "listening", CX_KV_STR("host", o.host),
           CX_KV_UINT("port", cx_server_port(srv)), CX_KV_UINT("threads", o.threads),
           CX_KV_STR("tls", tls_on ? "on" : "off"), CX_KV_STR("http2", o.http2 ? "on" : "off"));
    rc = cx_server_run(srv);
    cx_log(log, CX_LOG_INFO, "stopped", NULL);
    status = rc ? 1 : 0;
out:
    cx_server_free(srv);
    cx_router_free(st.router);
    free_plugins(&st); /* after the router and the server: no request uses them */
    cx_static_free(st.files);
    cx_http_metrics_free(st.http_metrics);
    cx_metrics_free(st.metrics);
    cx_health_free(st.health);
    cx_tracer_free(st.tracer); /* exports what is queued */
    cx_trace_curl_free(st.trace_sender);
    cx_config_free(&st.cfg);
    return status;
}
