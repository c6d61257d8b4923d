/* bench_wasm_instantiate: what a per-request instance costs.
 *
 *   bench_wasm_instantiate [PLUGIN.wasm] [ITERATIONS]
 *
 * For two modules — a tiny one built here (one function, one page of
 * memory) and the example plugin (examples/wasm_plugin, from the build's
 * wasm/ folder) — and two sets of limits — the engine's defaults and the
 * mount's (cx_wasm_mount_options_defaults) — it times, per iteration:
 *   new       cx_wasm_instance_new + cx_wasm_instance_free
 *   new+call  instantiate, one call (the plugin: one request through
 *             cx_wasm_plugin_call; the tiny module: f() -> 42), free
 * on 1 thread and on 2 threads at once (each thread its own instances of
 * the shared module). Prints the median, p90, p99 and max in µs of every
 * iteration of every thread, then the resident memory of 200 live
 * instances of the plugin after one request each (KiB per instance). */
#include <cortex/wasm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"

#ifndef CX_WASM_OUT
#define CX_WASM_OUT "build/wasm"
#endif

/* (module (memory 1) (func (export "f") (result i32) i32.const 42)) */
static const uint8_t tiny_wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
                                    0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05,
                                    0x03, 0x01, 0x00, 0x01, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00,
                                    0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b};

struct job {
    const cx_wasm_module *m;
    const cx_wasm_limits *lim;
    bool plugin; /* the call is a plugin request, else f() */
    bool call;
    int n;
    double *t; /* n timings, µs */
    int failed;
};

static int one(const struct job *j) {
    cx_wasm_instance *inst = NULL;
    if (cx_wasm_instance_new(j->m, NULL, j->lim, &inst, NULL, NULL)) return -1;
    int rc = 0;
    if (j->call && j->plugin) {
        static const char req[] = "GET /hello\nHost: x\n\nbody";
        uint8_t *resp = NULL;
        size_t rl;
        rc = cx_wasm_plugin_call(inst, req, sizeof req - 1, &resp, &rl, NULL);
        free(resp);
    } else if (j->call) {
        cx_wasm_val r;
        rc = cx_wasm_call(inst, cx_wasm_instance_func(inst, "f"), NULL, 0, &r, 1, NULL);
        if (!rc && r.of.i32 != 42) rc = -1;
    }
    cx_wasm_instance_free(inst);
    return rc;
}

static void *run(void *arg) {
    struct job *j = arg;
    for (int i = 0; i < 50; i++) /* warm up: caches, the allocator's arena */
        if (one(j)) j->failed = 1;
    for (int i = 0; i < j->n; i++) {
        double t0 = now_us();
        if (one(j)) j->failed = 1;
        j->t[i] = now_us() - t0;
    }
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Run `threads` copies of the job at once; print one line. */
static int measure(const char *what, struct job base, int threads) {
    struct job jobs[2];
    pthread_t tid[2];
    double *all = malloc(sizeof(double) * (size_t)base.n * (size_t)threads);
    if (!all) return -1;
    for (int k = 0; k < threads; k++) {
        jobs[k] = base;
        jobs[k].t = all + (size_t)k * (size_t)base.n;
        if (pthread_create(&tid[k], NULL, run, &jobs[k])) {
            free(all);
            return -1;
        }
    }
    int failed = 0;
    for (int k = 0; k < threads; k++) {
        pthread_join(tid[k], NULL);
        failed |= jobs[k].failed;
    }
    size_t n = (size_t)base.n * (size_t)threads;
    qsort(all, n, sizeof *all, cmp);
    printf("%-32s %d thread%s median %7.2f  p90 %7.2f  p99 %7.2f  max %8.1f µs%s\n", what, threads,
           threads > 1 ? "s" : " ", all[n / 2], all[n * 9 / 10], all[n * 99 / 100], all[n - 1],
           failed ? "  FAILED" : "");
    free(all);
    return failed ? -1 : 0;
}

/* Resident memory of `count` live plugin instances after one request each. */
static void rss_per_instance(const cx_wasm_module *m, const cx_wasm_limits *lim, const char *what) {
    enum { COUNT = 200 };
    static cx_wasm_instance *v[COUNT];
    long r0 = rss_kib();
    int made = 0;
    for (; made < COUNT; made++) {
        if (cx_wasm_instance_new(m, NULL, lim, &v[made], NULL, NULL)) break;
        static const char req[] = "GET /hello\nHost: x\n\nbody";
        uint8_t *resp = NULL;
        size_t rl;
        if (cx_wasm_plugin_call(v[made], req, sizeof req - 1, &resp, &rl, NULL)) {
            cx_wasm_instance_free(v[made]);
            break;
        }
        free(resp);
    }
    long r1 = rss_kib();
    printf("RSS, plugin, %-20s %d live instances: %ld KiB (%.1f KiB each)\n", what, made, r1 - r0,
           made ? (double)(r1 - r0) / made : 0.0);
    for (int i = 0; i < made; i++) cx_wasm_instance_free(v[i]);
}

int main(int argc, char **argv) {
    char path[4096];
    if (argc > 1)
        snprintf(path, sizeof path, "%s", argv[1]);
    else
        snprintf(path, sizeof path, "%s/plugin.wasm", CX_WASM_OUT);
    int iters = argc > 2 ? atoi(argv[2]) : 2000;
    if (iters < 10) iters = 10;
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *tiny = NULL, *plugin = NULL;
    if (cx_wasm_module_new(tiny_wasm, sizeof tiny_wasm, NULL, &tiny, err)) {
        fprintf(stderr, "bench_wasm_instantiate: tiny module: %s\n", err);
        return 1;
    }
    size_t len = 0;
    uint8_t *bin = slurp(path, &len);
    if (!bin || cx_wasm_module_new(bin, len, NULL, &plugin, err)) {
        fprintf(stderr, "bench_wasm_instantiate: %s: %s\n", path, bin ? err : "cannot read");
        free(bin);
        cx_wasm_module_free(tiny);
        return 1;
    }
    free(bin);

    cx_wasm_limits defaults, mount;
    cx_wasm_limits_defaults(&defaults);
    cx_wasm_limits_defaults(&mount);
    cx_wasm_mount_options o;
    cx_wasm_mount_options_defaults(&o);
    mount.max_memory_pages = o.max_memory_pages;
    mount.max_call_depth = o.max_call_depth;
    mount.stack_slots = o.stack_slots;

    printf("instantiation, %d iterations per thread (µs per iteration)\n", iters);
    const struct {
        const char *name;
        const cx_wasm_limits *lim;
    } lims[] = {{"default", &defaults}, {"mount", &mount}};
    const struct {
        const char *name;
        const cx_wasm_module *m;
        bool plugin;
    } mods[] = {{"tiny", tiny, false}, {"plugin", plugin, true}};
    int rc = 0;
    for (size_t mi = 0; mi < 2; mi++)
        for (int call = 0; call < 2; call++)
            for (size_t li = 0; li < 2; li++)
                for (int threads = 1; threads <= 2; threads++) {
                    char what[96];
                    snprintf(what, sizeof what, "%s %s, %s limits", mods[mi].name,
                             call ? "new+call" : "new", lims[li].name);
                    struct job j = {.m = mods[mi].m,
                                    .lim = lims[li].lim,
                                    .plugin = mods[mi].plugin,
                                    .call = call,
                                    .n = iters};
                    if (measure(what, j, threads)) rc = 1;
                }
    rss_per_instance(plugin, &defaults, "default limits,");
    rss_per_instance(plugin, &mount, "mount limits,");
    cx_wasm_module_free(plugin);
    cx_wasm_module_free(tiny);
    return rc;
}
