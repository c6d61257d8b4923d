/* Built-in health checks: resident memory, uptime, event-loop lag, disk.
 *
 * The lag check measures its own loop: it asks for a 1 ms sleep and reports
 * how much later than that it woke, which is what any request on that loop
 * would suffer too. */
#include <cortex/coro.h>
#include <cortex/error.h>
#include "health_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

typedef struct builtin_state {
    cx_health_builtin_options o;
    char disk_path[4096];
    uint64_t start_ms;
} builtin_state;

static uint64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void cx_health_builtin_options_default(cx_health_builtin_options *o) {
    memset(o, 0, sizeof *o);
    o->disk_path = "/";
    o->disk_warn_bytes = 1ull << 30;
    o->disk_fail_bytes = 64ull << 20;
    o->lag_warn_ms = 100;
    o->lag_fail_ms = 1000;
}

static void level_high(cx_health_result *r, double v, double warn, double fail) {
    if (fail > 0 && v >= fail)
        r->status = CX_HEALTH_FAIL;
    else if (warn > 0 && v >= warn)
        r->status = CX_HEALTH_WARN;
}

static int check_rss(void *arg, cx_health_result *r) {
    builtin_state *b = arg;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return CX_EIO;
    unsigned long long size = 0, rss = 0;
    int n = fscanf(f, "%llu %llu", &size, &rss);
    fclose(f);
    if (n != 2) return CX_EPARSE;
    double bytes = (double)rss * (double)sysconf(_SC_PAGESIZE);
    r->has_value = true;
    r->value = bytes;
    r->unit = "bytes";
    level_high(r, bytes, (double)b->o.rss_warn_bytes, (double)b->o.rss_fail_bytes);
    if (r->status != CX_HEALTH_PASS)
        snprintf(r->output, sizeof r->output, "resident memory %.0f bytes", bytes);
    return 0;
}

static int check_uptime(void *arg, cx_health_result *r) {
    builtin_state *b = arg;
    r->has_value = true;
    r->value = (double)(mono_us() / 1000 - b->start_ms) / 1000.0;
    r->unit = "s";
    return 0;
}

static int check_lag(void *arg, cx_health_result *r) {
    builtin_state *b = arg;
    uint64_t t0 = mono_us();
    int rc = cx_sleep(1);
    if (rc) return rc;
    uint64_t slept = mono_us() - t0;
    double lag_ms = slept > 1000 ? (double)(slept - 1000) / 1000.0 : 0;
    r->has_value = true;
    r->value = lag_ms;
    r->unit = "ms";
    level_high(r, lag_ms, b->o.lag_warn_ms, b->o.lag_fail_ms);
    if (r->status != CX_HEALTH_PASS)
        snprintf(r->output, sizeof r->output, "event loop is %.1f ms late", lag_ms);
    return 0;
}

static int check_disk(void *arg, cx_health_result *r) {
    builtin_state *b = arg;
    struct statvfs st;
    if (statvfs(b->disk_path, &st) != 0) return CX_EIO;
    double free_bytes = (double)st.f_bavail * (double)st.f_frsize;
    r->has_value = true;
    r->value = free_bytes;
    r->unit = "bytes";
    if (b->o.disk_fail_bytes && free_bytes < (double)b->o.disk_fail_bytes)
        r->status = CX_HEALTH_FAIL;
    else if (b->o.disk_warn_bytes && free_bytes < (double)b->o.disk_warn_bytes)
        r->status = CX_HEALTH_WARN;
    if (r->status != CX_HEALTH_PASS)
        snprintf(r->output, sizeof r->output, "%.0f bytes free on %.200s", free_bytes,
                 b->disk_path);
    return 0;
}

/* The checks' shared state belongs to the registry (freed with it). */
int cx_health_add_builtins(cx_health *h, const cx_health_builtin_options *o) {
    cx_health_builtin_options d;
    if (!o) {
        cx_health_builtin_options_default(&d);
        o = &d;
    }
    if (!h) return CX_EINVAL;
    const char *path = o->disk_path ? o->disk_path : "/";
    if (strlen(path) >= sizeof((builtin_state *)0)->disk_path) return CX_EINVAL;
    builtin_state *b = calloc(1, sizeof *b);
    if (!b) return CX_ENOMEM;
    b->o = *o;
    snprintf(b->disk_path, sizeof b->disk_path, "%s", path);
    b->o.disk_path = b->disk_path;
    b->start_ms = mono_us() / 1000;
    int rc = cx__health_own(h, b);
    if (rc) {
        free(b);
        return rc;
    }
    const cx_health_check checks[] = {
        {.name = "memory:rss",
         .component_type = "system",
         .kinds = CX_HEALTH_READINESS,
         .fn = check_rss,
         .arg = b},
        {.name = "uptime",
         .component_type = "system",
         .kinds = CX_HEALTH_LIVENESS,
         .fn = check_uptime,
         .arg = b},
        {.name = "eventloop:lag",
         .component_type = "system",
         .kinds = CX_HEALTH_LIVENESS,
         .fn = check_lag,
         .arg = b,
         .interval_ms = 500},
        {.name = "disk:free",
         .component_type = "system",
         .kinds = CX_HEALTH_READINESS,
         .fn = check_disk,
         .arg = b},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if ((rc = cx_health_add(h, &checks[i]))) return rc;
    return 0;
}
