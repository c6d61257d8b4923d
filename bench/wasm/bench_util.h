/* Helpers shared by the wasm benchmark drivers (bench.c, instantiate.c):
 * a monotonic clock, reading a whole file, and the process's resident set. */
#ifndef CX_BENCH_WASM_UTIL_H
#define CX_BENCH_WASM_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline double now_ms(void) {
    return now_us() / 1e3;
}

/* The whole file in a malloc'd buffer (the caller frees it), or NULL. */
static inline uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n))) {
            if (fread(b, 1, (size_t)n, f) != (size_t)n) {
                free(b);
                b = NULL;
            } else {
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return b;
}

/* Resident set size of this process, KiB (4 KiB pages). */
static inline long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * 4;
}

#endif
