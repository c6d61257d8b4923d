/* parse_loop: one library parsing one document over and over, alone in a
 * fresh process with glibc's default allocator settings.
 *
 *   parse_loop cortex|jansson|cjson FILE [RUNS] [SECONDS] [BLOCK]
 *
 * Nothing else is allocated after the file is read, so whatever the library
 * frees sits at the top of the heap, where glibc may trim it and take page
 * faults to get it back on the next parse. This is the worst case for a
 * library that frees in big blocks (Cortex's arena reset), and what
 * bench_json cannot show, since its processes hold other memory. BLOCK is
 * the block size of Cortex's arena (default 8 KiB); reset keeps the first
 * block. Prints the median MB/s of RUNS runs of at least SECONDS of thread
 * CPU time, and the page faults per parse.
 */
#include <cjson/cJSON.h>
#include <cortex/arena.h>
#include <cortex/json.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long minor_faults(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One parse and free; 0 on success. */
static int parse_once(int lib, cx_arena *arena, const char *text, size_t len) {
    if (lib == 0) {
        const cx_json *v;
        cx_arena_reset(arena);
        return cx_json_parse(arena, text, len, NULL, &v, NULL);
    }
    if (lib == 1) {
        json_error_t e;
        json_t *v = json_loadb(text, len, 0, &e);
        json_decref(v);
        return v ? 0 : -1;
    }
    cJSON *v = cJSON_ParseWithLength(text, len);
    cJSON_Delete(v);
    return v ? 0 : -1;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s cortex|jansson|cjson FILE [RUNS] [SECONDS] [BLOCK]\n", argv[0]);
        return 2;
    }
    int lib = strcmp(argv[1], "cortex") == 0 ? 0 : strcmp(argv[1], "jansson") == 0 ? 1 : 2;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    double min_time = argc > 4 ? atof(argv[4]) : 0.3;
    size_t block = argc > 5 ? (size_t)atof(argv[5]) : 0;
    if (runs < 1 || runs > 51 || min_time <= 0) return 2;
    size_t len;
    char *text = read_all(argv[2], &len);
    cx_arena *arena = lib == 0 ? cx_arena_new(block, 1u << 30) : NULL;
    if (!text || (lib == 0 && !arena) || parse_once(lib, arena, text, len)) {
        fprintf(stderr, "parse_loop: cannot read or parse %s\n", argv[2]);
        return 1;
    }
    double rates[51];
    long faults = 0, parses = 0;
    for (int r = 0; r < runs; r++) {
        long reps = 0, f0 = minor_faults();
        double t0 = cpu_now(), t;
        do {
            parse_once(lib, arena, text, len);
            reps++;
            t = cpu_now();
        } while (t - t0 < min_time);
        faults += minor_faults() - f0;
        parses += reps;
        rates[r] = (double)len * (double)reps / (t - t0) / 1e6;
    }
    qsort(rates, (size_t)runs, sizeof *rates, cmp_double);
    printf("%.0f %.0f\n", rates[runs / 2], (double)faults / (double)parses);
    cx_arena_free(arena);
    free(text);
    return 0;
}
