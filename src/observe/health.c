/* Health checks: a cached result per check, refreshed in a coroutine of its
 * own with a deadline, so the endpoint never waits past its budget.
 *
 * Why a budget rather than "answer from cache only": the first request after
 * start (or after a check's interval) would otherwise always see stale or no
 * data; a few milliseconds let fast checks answer fresh, and slow ones show
 * their previous result. */
#include <cortex/coro.h>
#include <cortex/error.h>
#include "health_int.h"
#include <cortex/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct check_state {
    struct cx_health *h;
    char name[CX_HEALTH_MAX_NAME + 1];
    char *component_type;
    unsigned kinds;
    cx_health_fn fn;
    void *arg;
    uint32_t timeout_ms, interval_ms;
    /* Guarded by h->mu. */
    bool running;
    uint64_t started_ms; /* monotonic */
    bool have;
    uint64_t done_ms;     /* monotonic, when `last` arrived */
    int64_t done_real_ms; /* the same as wall time, for "time" */
    cx_health_result last;
} check_state;

struct cx_health {
    cx_health_options opts;
    char *service;
    pthread_mutex_t mu;
    check_state checks[CX_HEALTH_MAX_CHECKS];
    size_t nchecks;
    _Atomic bool started;
    void *owned[4]; /* freed with the registry */
};

int cx__health_own(cx_health *h, void *p) {
    int rc = CX_ELIMIT;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < sizeof h->owned / sizeof h->owned[0]; i++)
        if (!h->owned[i]) {
            h->owned[i] = p;
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

static uint64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *cx_health_status_name(cx_health_status s) {
    return s == CX_HEALTH_PASS ? "pass" : s == CX_HEALTH_WARN ? "warn" : "fail";
}

void cx_health_options_default(cx_health_options *o) {
    memset(o, 0, sizeof *o);
    o->timeout_ms = 1000;
    o->interval_ms = 1000;
    o->budget_ms = 5;
}

static int startup_check(void *arg, cx_health_result *out) {
    cx_health *h = arg;
    if (!atomic_load(&h->started)) {
        out->status = CX_HEALTH_FAIL;
        snprintf(out->output, sizeof out->output, "still starting");
    }
    return 0;
}

int cx_health_new(cx_health **out, const cx_health_options *opts) {
    cx_health_options d;
    if (!opts) {
        cx_health_options_default(&d);
        opts = &d;
    }
    if (!out || opts->timeout_ms == 0 || opts->budget_ms > 1000) return CX_EINVAL;
    cx_health *h = calloc(1, sizeof *h);
    if (!h) return CX_ENOMEM;
    h->opts = *opts;
    h->service = strdup(opts->service ? opts->service : "cortex");
    if (!h->service) {
        free(h);
        return CX_ENOMEM;
    }
    h->opts.service = h->service;
    pthread_mutex_init(&h->mu, NULL);
    /* Startup is a state, not a measurement: no caching. */
    cx_health_check sc = {.name = "startup",
                          .kinds = CX_HEALTH_STARTUP,
                          .fn = startup_check,
                          .arg = h,
                          .interval_ms = 1};
    int rc = cx_health_add(h, &sc);
    if (rc) {
        cx_health_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

void cx_health_free(cx_health *h) {
    if (!h) return;
    for (size_t i = 0; i < h->nchecks; i++) free(h->checks[i].component_type);
    for (size_t i = 0; i < sizeof h->owned / sizeof h->owned[0]; i++) free(h->owned[i]);
    pthread_mutex_destroy(&h->mu);
    free(h->service);
    free(h);
}

void cx_health_set_started(cx_health *h, bool started) {
    if (h) atomic_store(&h->started, started);
}

int cx_health_add(cx_health *h, const cx_health_check *c) {
    if (!h || !c || !c->name || !*c->name || !c->fn || !c->kinds ||
        (c->kinds & ~(unsigned)(CX_HEALTH_LIVENESS | CX_HEALTH_READINESS | CX_HEALTH_STARTUP)) ||
        strlen(c->name) > CX_HEALTH_MAX_NAME)
        return CX_EINVAL;
    char *ct = NULL;
    if (c->component_type && !(ct = strdup(c->component_type))) return CX_ENOMEM;
    pthread_mutex_lock(&h->mu);
    int rc = 0;
    for (size_t i = 0; i < h->nchecks; i++)
        if (strcmp(h->checks[i].name, c->name) == 0) rc = CX_EEXIST;
    if (!rc && h->nchecks >= CX_HEALTH_MAX_CHECKS) rc = CX_ELIMIT;
    if (!rc) {
        check_state *s = &h->checks[h->nchecks];
        memset(s, 0, sizeof *s);
        s->h = h;
        snprintf(s->name, sizeof s->name, "%s", c->name);
        s->component_type = ct;
        s->kinds = c->kinds;
        s->fn = c->fn;
        s->arg = c->arg;
        s->timeout_ms = c->timeout_ms ? c->timeout_ms : h->opts.timeout_ms;
        s->interval_ms = c->interval_ms ? c->interval_ms : h->opts.interval_ms;
        h->nchecks++;
    }
    pthread_mutex_unlock(&h->mu);
    if (rc) free(ct);
    return rc;
}

/* ---- running --------------------------------------------------------------- */

static void finish(check_state *s, const cx_health_result *r) {
    cx_health *h = s->h;
    pthread_mutex_lock(&h->mu);
    s->last = *r;
    s->have = true;
    s->running = false;
    s->done_ms = mono_ms();
    s->done_real_ms = real_ms();
    pthread_mutex_unlock(&h->mu);
}

static void run_check(void *arg) {
    check_state *s = arg;
    cx_coro *self = cx_coro_self();
    cx_coro_set_deadline(self, cx_loop_now(cx_coro_loop(self)) + s->timeout_ms);
    cx_health_result r;
    memset(&r, 0, sizeof r);
    int rc = s->fn(s->arg, &r);
    if (rc < 0) {
        r.status = CX_HEALTH_FAIL;
        snprintf(r.output, sizeof r.output, "%s",
                 rc == CX_ETIMEDOUT ? "timed out" : cx_strerror(rc));
    }
    r.output[sizeof r.output - 1] = '\0';
    finish(s, &r);
}

static void write_time(cx_json_writer *w, int64_t ms) {
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    cx_json_write_string(w, buf, (size_t)n);
}

int cx_health_report(cx_health *h, unsigned kinds, cx_buf *out, int *http_status) {
    if (!h || !out) return CX_EINVAL;
    cx_coro *self = cx_coro_self();
    if (!self) return CX_ESTATE;
    cx_loop *loop = cx_coro_loop(self);
    check_state *todo[CX_HEALTH_MAX_CHECKS];
    size_t ntodo = 0;
    uint64_t now = mono_ms();
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->nchecks; i++) {
        check_state *s = &h->checks[i];
        if (!(s->kinds & kinds) || s->running) continue;
        if (s->have && now - s->done_ms < s->interval_ms) continue;
        s->running = true;
        s->started_ms = now;
        todo[ntodo++] = s;
    }
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < ntodo; i++) {
        if (cx_coro_start(loop, run_check, todo[i], NULL) < 0) {
            cx_health_result r = {.status = CX_HEALTH_FAIL};
            snprintf(r.output, sizeof r.output, "no coroutine to run the check");
            finish(todo[i], &r);
        }
    }
    /* Give fresh checks the budget to finish; cx_sleep keeps the loop (and
     * the checks on it) running meanwhile. */
    uint64_t until = now + h->opts.budget_ms;
    while (ntodo && mono_ms() < until) {
        bool busy = false;
        pthread_mutex_lock(&h->mu);
        for (size_t i = 0; i < ntodo; i++) busy |= todo[i]->running;
        pthread_mutex_unlock(&h->mu);
        if (!busy || cx_sleep(1) < 0) break;
    }

    cx_json_writer w;
    cx_json_writer_init(&w, out, CX_JSON_REPLACE_INVALID);
    cx_health_status worst = CX_HEALTH_PASS;
    cx_buf checks = CX_BUF_INIT;
    cx_json_writer cw;
    cx_json_writer_init(&cw, &checks, CX_JSON_REPLACE_INVALID);
    cx_json_write_object_begin(&cw);
    now = mono_ms();
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->nchecks; i++) {
        check_state *s = &h->checks[i];
        if (!(s->kinds & kinds)) continue;
        cx_health_result r;
        if (s->running && now - s->started_ms > s->timeout_ms) {
            memset(&r, 0, sizeof r);
            r.status = CX_HEALTH_FAIL;
            snprintf(r.output, sizeof r.output, "timed out");
        } else if (s->have) {
            r = s->last;
        } else {
            memset(&r, 0, sizeof r);
            r.status = CX_HEALTH_FAIL;
            snprintf(r.output, sizeof r.output, "pending");
        }
        if (r.status > worst) worst = r.status;
        cx_json_write_key(&cw, s->name, strlen(s->name));
        cx_json_write_array_begin(&cw);
        cx_json_write_object_begin(&cw);
        if (s->component_type) {
            cx_json_write_key(&cw, "componentType", 13);
            cx_json_write_string(&cw, s->component_type, strlen(s->component_type));
        }
        if (r.has_value) {
            cx_json_write_key(&cw, "observedValue", 13);
            if (r.value == r.value && r.value - r.value == 0)
                cx_json_write_double(&cw, r.value);
            else
                cx_json_write_null(&cw);
            if (r.unit) {
                cx_json_write_key(&cw, "observedUnit", 12);
                cx_json_write_string(&cw, r.unit, strlen(r.unit));
            }
        }
        const char *st = cx_health_status_name(r.status);
        cx_json_write_key(&cw, "status", 6);
        cx_json_write_string(&cw, st, strlen(st));
        if (s->have) {
            cx_json_write_key(&cw, "time", 4);
            write_time(&cw, s->done_real_ms);
        }
        if (r.output[0] && r.status != CX_HEALTH_PASS) {
            cx_json_write_key(&cw, "output", 6);
            cx_json_write_string(&cw, r.output, strnlen(r.output, sizeof r.output));
        }
        cx_json_write_object_end(&cw);
        cx_json_write_array_end(&cw);
    }
    pthread_mutex_unlock(&h->mu);
    cx_json_write_object_end(&cw);

    const char *st = cx_health_status_name(worst);
    cx_json_write_object_begin(&w);
    cx_json_write_key(&w, "status", 6);
    cx_json_write_string(&w, st, strlen(st));
    cx_json_write_key(&w, "description", 11);
    cx_json_write_string(&w, h->service, strlen(h->service));
    cx_json_write_key(&w, "checks", 6);
    int rc = cx_json_writer_error(&cw);
    if (!rc) cx_json_write_raw(&w, checks.data, checks.len);
    cx_json_write_object_end(&w);
    cx_buf_free(&checks);
    if (!rc) rc = cx_json_writer_error(&w);
    if (http_status) *http_status = worst == CX_HEALTH_FAIL ? 503 : 200;
    return rc;
}

static int answer(cx_ctx *ctx, unsigned kinds) {
    cx_health *h = cx_ctx_data(ctx);
    cx_res *res = cx_ctx_res(ctx);
    int status = 200;
    int rc = cx_health_report(h, kinds, cx_res_body(res), &status);
    if (rc) return rc;
    cx_res_status(res, status);
    cx_res_header(res, "Cache-Control", "no-store");
    return cx_res_header(res, "Content-Type", "application/health+json");
}

int cx_health_handler(cx_ctx *ctx) {
    return answer(ctx, CX_HEALTH_LIVENESS | CX_HEALTH_READINESS | CX_HEALTH_STARTUP);
}

int cx_health_live_handler(cx_ctx *ctx) {
    return answer(ctx, CX_HEALTH_LIVENESS);
}

int cx_health_ready_handler(cx_ctx *ctx) {
    return answer(ctx, CX_HEALTH_READINESS | CX_HEALTH_STARTUP);
}
