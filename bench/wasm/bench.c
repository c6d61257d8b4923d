/* bench_wasm: the kernels of kernels.c natively, through the Cortex
 * interpreter and through its JIT (same source, compiled to wasm32 by
 * cmake/modules/wasm.cmake), plus instantiation time and memory of a small
 * plugin.
 *   bench_wasm [WASM_DIR]     (default: the build's wasm/ folder)
 *   bench_wasm WASM_DIR KERNEL native|interp|jit|switch|simd [ARG]
 *                             (one call of one kernel, for callgrind; simd:
 *                             the interpreter on kernels_simd.wasm, the same
 *                             C built with -msimd128)
 * Prints one line per kernel: native, interpreter and JIT ms, the ratios to
 * native, and whether all checksums match. */
#include <cortex/wasm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_util.h"
#include "kernels.c"
#include "switch_baseline.c"

#ifndef CX_WASM_OUT
#define CX_WASM_OUT "build/wasm"
#endif

static volatile double sink;

static double native_run(const char *k, int32_t arg, double *sum) {
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_ms(), r = 0;
        if (!strcmp(k, "fib"))
            r = k_fib(arg);
        else if (!strcmp(k, "matmul"))
            r = k_matmul(arg);
        else if (!strcmp(k, "sha256"))
            r = (double)k_sha256(arg);
        else if (!strcmp(k, "sort"))
            r = k_sort(arg);
        else
            r = k_coremark(arg);
        double t = now_ms() - t0;
        sink = r;
        *sum = r;
        if (t < best) best = t;
    }
    return best;
}

static double wasm_run(cx_wasm_instance *inst, const char *k, int32_t arg, double *sum) {
    cx_wasm_func *f = cx_wasm_instance_func(inst, k);
    if (!f) return -1;
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        cx_wasm_val a, r;
        a.type = CX_WASM_I32;
        a.of.i32 = arg;
        double t0 = now_ms();
        if (cx_wasm_call(inst, f, &a, 1, &r, 1, NULL)) return -1;
        double t = now_ms() - t0;
        *sum = r.type == CX_WASM_F64 ? r.of.f64 : r.type == CX_WASM_I32 ? (double)r.of.i32 : 0;
        if (!strcmp(k, "sha256") || !strcmp(k, "coremark")) *sum = (double)(uint32_t)r.of.i32;
        if (t < best) best = t;
    }
    return best;
}

static int32_t default_arg(const char *k) {
    return !strcmp(k, "fib")      ? 30
           : !strcmp(k, "matmul") ? 100
           : !strcmp(k, "sha256") ? 1000
           : !strcmp(k, "sort")   ? 100000
                                  : 2000;
}

/* One call of one kernel in one engine (for instruction counting). */
static int run_one(const uint8_t *bin, size_t len, const char *k, const char *mode, int32_t arg) {
    double sum = 0, t = 0;
    if (!strcmp(mode, "native")) {
        double t0 = now_ms();
        sum = !strcmp(k, "fib")      ? (double)k_fib(arg)
              : !strcmp(k, "matmul") ? k_matmul(arg)
              : !strcmp(k, "sha256") ? (double)k_sha256(arg)
              : !strcmp(k, "sort")   ? (double)k_sort(arg)
                                     : (double)k_coremark(arg);
        t = now_ms() - t0;
    } else if (!strcmp(mode, "switch")) {
        static sb_module sb;
        if (sb_load(&sb, bin, len)) return 1;
        double t0 = now_ms();
        int e = 0;
        uint64_t r = sb_invoke(&sb, k, arg, &e);
        t = now_ms() - t0;
        if (e) {
            fprintf(stderr, "switch baseline: unsupported code\n");
            return 1;
        }
        sum = sb_result(k, r);
    } else {
        char err[CX_WASM_ERROR_MAX];
        cx_wasm_module *m = NULL;
        cx_wasm_instance *inst = NULL;
        cx_wasm_limits lim;
        cx_wasm_limits_defaults(&lim);
        lim.jit = !strcmp(mode, "jit");
        if (cx_wasm_module_new(bin, len, &lim, &m, err) ||
            cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, err)) {
            fprintf(stderr, "bench_wasm: %s\n", err);
            return 1;
        }
        cx_wasm_val a = {.type = CX_WASM_I32, .of.i32 = arg}, r;
        double t0 = now_ms();
        if (cx_wasm_call(inst, cx_wasm_instance_func(inst, k), &a, 1, &r, 1, NULL)) return 1;
        t = now_ms() - t0;
        sum = r.type == CX_WASM_F64 ? r.of.f64 : (double)r.of.i32;
        if (!strcmp(k, "sha256") || !strcmp(k, "coremark")) sum = (double)(uint32_t)r.of.i32;
        cx_wasm_instance_free(inst);
        cx_wasm_module_free(m);
    }
    printf("%s %s(%d) = %.17g in %.2f ms\n", mode, k, arg, sum, t);
    return 0;
}

typedef struct kernel_arg {
    const char *name;
    int32_t arg;
} kernel_arg;

/* The same kernels built with -msimd128 (clang vectorises some loops): the
 * interpreter on both builds, to show what its SIMD path costs or saves. */
static void simd_section(const char *dir, cx_wasm_instance *scalar, const kernel_arg *ks,
                         size_t n) {
    char path[4096], err[CX_WASM_ERROR_MAX];
    size_t len;
    snprintf(path, sizeof path, "%s/kernels_simd.wasm", dir);
    uint8_t *bin = slurp(path, &len);
    cx_wasm_module *m = NULL;
    cx_wasm_instance *inst = NULL;
    if (!bin || cx_wasm_module_new(bin, len, NULL, &m, err) ||
        cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, err)) {
        printf("kernels_simd.wasm: %s\n", bin ? err : "not built");
        free(bin);
        cx_wasm_module_free(m);
        return;
    }
    free(bin);
    printf("%-10s %10s %10s %8s  %s\n", "kernel", "scalar ms", "simd ms", "ratio", "checksums");
    for (size_t i = 0; i < n; i++) {
        double s1 = 0, s2 = 0;
        double t1 = wasm_run(scalar, ks[i].name, ks[i].arg, &s1);
        double t2 = wasm_run(inst, ks[i].name, ks[i].arg, &s2);
        printf("%-10s %10.2f %10.2f %7.2fx  %s\n", ks[i].name, t1, t2, t2 / t1,
               s1 == s2 ? "match" : "MISMATCH");
    }
    cx_wasm_instance_free(inst);
    cx_wasm_module_free(m);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : CX_WASM_OUT;
    char path[4096];
    /* one call in mode "simd" runs the interpreter on kernels_simd.wasm */
    bool simd = argc > 3 && !strcmp(argv[3], "simd");
    /* (the JIT does not take SIMD modules: "simd" runs the interpreter) */
    snprintf(path, sizeof path, "%s/%s", dir, simd ? "kernels_simd.wasm" : "kernels.wasm");
    size_t len;
    uint8_t *bin = slurp(path, &len);
    if (!bin) {
        fprintf(stderr, "bench_wasm: cannot read %s\n", path);
        return 1;
    }
    if (argc > 3) {
        int rc = run_one(bin, len, argv[2], argv[3],
                         argc > 4 ? (int32_t)atoi(argv[4]) : default_arg(argv[2]));
        free(bin);
        return rc;
    }
    char err[CX_WASM_ERROR_MAX];
    cx_wasm_module *m = NULL, *mj = NULL;
    cx_wasm_limits lim;
    cx_wasm_limits_defaults(&lim);
    lim.jit = 0;
    double t0 = now_ms();
    if (cx_wasm_module_new(bin, len, &lim, &m, err)) {
        fprintf(stderr, "bench_wasm: %s\n", err);
        return 1;
    }
    double t1 = now_ms();
    if (cx_wasm_module_new(bin, len, NULL, &mj, err)) {
        fprintf(stderr, "bench_wasm: %s\n", err);
        return 1;
    }
    printf("compile kernels.wasm (%zu bytes): %.3f ms for the interpreter, %.3f ms with the JIT\n",
           len, t1 - t0, now_ms() - t1);
    free(bin);
    cx_wasm_instance *inst = NULL, *ij = NULL;
    if (cx_wasm_instance_new(m, NULL, NULL, &inst, NULL, err) ||
        cx_wasm_instance_new(mj, NULL, NULL, &ij, NULL, err)) {
        fprintf(stderr, "bench_wasm: instantiate: %s\n", err);
        return 1;
    }
    static const kernel_arg ks[] = {
        {"fib", 30}, {"matmul", 100}, {"sha256", 1000}, {"sort", 100000}, {"coremark", 2000}};
    printf("%-10s %10s %10s %10s %8s %8s  %s\n", "kernel", "native ms", "interp ms", "jit ms",
           "interp/n", "jit/n", "checksums");
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double sn = 0, sw = 0, sj = 0;
        double tn = native_run(ks[i].name, ks[i].arg, &sn);
        double tw = wasm_run(inst, ks[i].name, ks[i].arg, &sw);
        double tj = wasm_run(ij, ks[i].name, ks[i].arg, &sj);
        printf("%-10s %10.2f %10.2f %10.2f %7.1fx %7.1fx  %s\n", ks[i].name, tn, tw, tj, tw / tn,
               tj / tn, sn == sw && sn == sj ? "match" : "MISMATCH");
    }
    cx_wasm_instance_free(ij);
    cx_wasm_module_free(mj);
    simd_section(dir, inst, ks, sizeof ks / sizeof ks[0]);
    /* the raw-bytecode switch baseline (switch_baseline.c) on every kernel */
    {
        static sb_module sb;
        snprintf(path, sizeof path, "%s/kernels.wasm", dir);
        uint8_t *kb = slurp(path, &len);
        if (kb && sb_load(&sb, kb, len) == 0) {
            printf("%-10s %10s %10s %8s  %s\n", "kernel", "switch ms", "interp ms", "speedup",
                   "checksums");
            for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
                double best = 1e30, ssum = 0;
                int sberr = 0;
                for (int rep = 0; rep < 3 && !sberr; rep++) {
                    double a0 = now_ms();
                    uint64_t r = sb_invoke(&sb, ks[i].name, ks[i].arg, &sberr);
                    double t = now_ms() - a0;
                    ssum = sb_result(ks[i].name, r);
                    if (t < best) best = t;
                }
                double sw = 0, tw = wasm_run(inst, ks[i].name, ks[i].arg, &sw);
                if (sberr)
                    printf("%-10s switch baseline: unsupported code or trap\n", ks[i].name);
                else
                    printf("%-10s %10.2f %10.2f %7.1fx  %s\n", ks[i].name, best, tw, best / tw,
                           ssum == sw ? "match" : "MISMATCH");
            }
        } else
            printf("switch baseline: cannot load kernels.wasm\n");
        free(kb);
        free(sb.mem);
    }
    cx_wasm_instance_free(inst);
    cx_wasm_module_free(m);

    /* plugin: compile once, instantiate many times */
    snprintf(path, sizeof path, "%s/plugin.wasm", dir);
    bin = slurp(path, &len);
    if (!bin || cx_wasm_module_new(bin, len, NULL, &m, err)) {
        fprintf(stderr, "bench_wasm: plugin.wasm: %s\n", bin ? err : "missing");
        return 1;
    }
    free(bin);
    enum { N = 1000 };
    static cx_wasm_instance *insts[N];
    long rss0 = rss_kib();
    t0 = now_ms();
    for (int i = 0; i < N; i++)
        if (cx_wasm_instance_new(m, NULL, NULL, &insts[i], NULL, err)) {
            fprintf(stderr, "bench_wasm: plugin instance: %s\n", err);
            return 1;
        }
    double inst_us = (now_ms() - t0) * 1000.0 / N;
    long rss1 = rss_kib();
    const char req[] = "GET /hello\nHost: x\n\nbody";
    t0 = now_ms();
    for (int i = 0; i < N; i++) {
        uint8_t *resp;
        size_t rl;
        if (cx_wasm_plugin_call(insts[i], req, sizeof req - 1, &resp, &rl, NULL)) {
            fprintf(stderr, "bench_wasm: plugin call failed\n");
            return 1;
        }
        free(resp);
    }
    double call_us = (now_ms() - t0) * 1000.0 / N;
    long rss2 = rss_kib();
    size_t mem = cx_wasm_memory_size(cx_wasm_instance_memory(insts[0], "memory"));
    printf("plugin: instantiate %.2f us/instance; first request %.2f us; linear memory %zu KiB "
           "(reserved); RSS +%.1f KiB/instance after instantiate, +%.1f KiB after a request\n",
           inst_us, call_us, mem / 1024, (double)(rss1 - rss0) / N, (double)(rss2 - rss0) / N);
    for (int i = 0; i < N; i++) cx_wasm_instance_free(insts[i]);
    /* the per-request pattern: instantiate, handle one request, free */
    double ti = 0, tc = 0, tf = 0;
    for (int i = 0; i < N; i++) {
        cx_wasm_instance *p = NULL;
        double a0 = now_ms();
        cx_wasm_instance_new(m, NULL, NULL, &p, NULL, err);
        double a1 = now_ms();
        uint8_t *resp;
        size_t rl;
        cx_wasm_plugin_call(p, req, sizeof req - 1, &resp, &rl, NULL);
        free(resp);
        double a2 = now_ms();
        cx_wasm_instance_free(p);
        tf += now_ms() - a2;
        ti += a1 - a0;
        tc += a2 - a1;
    }
    printf("plugin per-request cycle: instantiate %.2f us, request %.2f us, free %.2f us\n",
           ti * 1000 / N, tc * 1000 / N, tf * 1000 / N);
    cx_wasm_module_free(m);
    return 0;
}
