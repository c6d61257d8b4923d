/* JSON benchmark: Cortex against jansson and cJSON, parse and serialise.
 *
 *   bench_json [-r RUNS] [-t SECONDS] [-s MB] [-b BYTES] [-o DIR] [-w] [-g] [-m]
 *
 * Four documents are generated from a fixed seed, so every run sees the same
 * bytes: an API response (array of mixed objects), many small documents
 * parsed one by one, a number-heavy and a string-heavy document. For every
 * document and library it measures
 *   parse      text -> tree, including freeing the tree (Cortex: arena reset)
 *   serialise  tree -> compact text into a preallocated/reused buffer
 *
 * Each run is a child process of its own (fork) in which one library works
 * alone: after one untimed pass it repeats the operation for at least
 * SECONDS of the thread's CPU time (-w: wall-clock time) and reports MB/s of
 * the generated document's size (1 MB = 10^6 bytes, so the ratios are ratios
 * of time). The libraries take turns run by run, so a burst of load from
 * elsewhere hits all of them alike; the median over RUNS is printed. Parsing
 * is timed before any tree is kept, so each library parses on a heap that
 * holds only the documents. -m runs everything in this one process instead.
 *
 * Allocator: glibc is told to keep freed memory (no heap trimming, no mmap
 * below 32 MiB), for every library alike, as a long-running server's heap is
 * warm. -g keeps glibc's defaults: then a library whose frees leave the top
 * of the heap free has that memory trimmed and pays page faults to get it
 * back on the next parse. Cortex parses into an arena reset before each
 * parse, with the default block size (8 KiB) or -b BYTES; reset keeps the
 * first block, so a block that holds the whole tree avoids malloc.
 *
 * Before timing, every library parses every document, and jansson reads
 * Cortex's output back equal (json_equal) to the original. -o DIR writes the
 * generated documents there for inspection.
 */
#include <cjson/cJSON.h>
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/json.h>
#include <jansson.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RUNS 51

/* ---- deterministic generation ------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) {
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
static unsigned below(unsigned n) {
    return (unsigned)(rnd() % n);
}
static double unit(void) {
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void put(cx_buf *b, const char *s) {
    if (cx_buf_puts(b, s)) abort();
}

static const char *words[] = {"alpha",    "bravo",   "charlie", "delta",   "echo",  "foxtrot",
                              "golf",     "hotel",   "india",   "juliet",  "kilo",  "lima",
                              "service",  "request", "cache",   "latency", "node",  "cluster",
                              "response", "stream",  "token",   "gateway", "retry", "timeout"};
static const char *intl[] = {"café",    "naïve",     "Zürich",      "東京",   "数据库",
                             "Привет",  "résumé",    "smörgåsbord", "日本語", "mañana",
                             "emoji 🚀", "København", "Ελληνικά",    "한국어", "—dash—"};
#define NWORDS (sizeof words / sizeof *words)
#define NINTL  (sizeof intl / sizeof *intl)

/* Words separated by spaces; sometimes an escape or non-ASCII word. */
static void text(cx_buf *b, unsigned nwords, unsigned escape_pct, unsigned intl_pct) {
    for (unsigned i = 0; i < nwords; i++) {
        if (i) put(b, " ");
        unsigned r = below(100);
        if (r < escape_pct) {
            static const char *esc[] = {"\\\"quoted\\\"", "line\\nbreak",    "tab\\there",
                                        "back\\\\slash",  "\\u00e9t\\u00e9", "a\\/b"};
            put(b, esc[below(6)]);
        } else if (r < escape_pct + intl_pct) {
            put(b, intl[below(NINTL)]);
        } else {
            put(b, words[below(NWORDS)]);
        }
    }
}

static void gen_api_object(cx_buf *b, unsigned i) {
    unsigned owner = below(5000);
    cx_buf_printf(b,
                  "{\"id\":%u,\"node_id\":\"MDEwOlJlcG9zaXRvcnk%08u\",\"name\":\"%s-%s-%u\","
                  "\"full_name\":\"user%u/%s-%u\",\"private\":%s,",
                  100000 + i * 7, i, words[below(NWORDS)], words[below(NWORDS)], i, owner,
                  words[below(NWORDS)], i, below(10) ? "false" : "true");
    cx_buf_printf(b,
                  "\"owner\":{\"login\":\"user%u\",\"id\":%u,\"avatar_url\":"
                  "\"https://avatars.example.com/u/%u?v=4\",\"type\":\"%s\",\"site_admin\":false},",
                  owner, 1000 + owner, 1000 + owner, below(4) ? "User" : "Organization");
    cx_buf_printf(b, "\"html_url\":\"https://example.com/user%u/repo%u\",\"description\":", owner,
                  i);
    if (below(6) == 0) {
        put(b, "null");
    } else {
        put(b, "\"");
        text(b, 6 + below(18), 3, 6);
        put(b, "\"");
    }
    cx_buf_printf(b,
                  ",\"fork\":%s,\"created_at\":\"20%02u-%02u-%02uT%02u:%02u:%02uZ\",\"size\":%u,"
                  "\"stargazers_count\":%u,\"watchers\":%u,\"score\":%.4f,\"language\":",
                  below(3) ? "false" : "true", 10 + below(14), 1 + below(12), 1 + below(28),
                  below(24), below(60), below(60), below(500000), below(100000), below(3000),
                  unit() * 100);
    static const char *langs[] = {"\"C\"", "\"Go\"", "\"Rust\"", "\"Python\"", "null"};
    put(b, langs[below(5)]);
    put(b, ",\"topics\":[");
    for (unsigned t = 0, n = below(6); t < n; t++) {
        if (t) put(b, ",");
        cx_buf_printf(b, "\"%s\"", words[below(NWORDS)]);
    }
    put(b, "],\"license\":");
    if (below(3) == 0)
        put(b, "null");
    else
        cx_buf_printf(
            b, "{\"key\":\"mit\",\"name\":\"MIT License\",\"spdx_id\":\"MIT\",\"url\":null}");
    put(b, "}");
}

static void gen_api(cx_buf *b, size_t target) {
    put(b, "[");
    for (unsigned i = 0; b->len < target; i++) {
        if (i) put(b, ",");
        gen_api_object(b, i);
    }
    put(b, "]");
}

/* One small document (about 100-400 bytes), like a request body. */
static void gen_small(cx_buf *b, unsigned i) {
    cx_buf_printf(b,
                  "{\"id\":%u,\"user\":\"%s%u\",\"action\":\"%s\",\"ok\":%s,\"ts\":%llu,"
                  "\"amount\":%.2f,\"tags\":[",
                  i, words[below(NWORDS)], below(1000), words[below(NWORDS)],
                  below(2) ? "true" : "false", 1700000000000ull + i * 137ull, unit() * 1000);
    for (unsigned t = 0, n = 1 + below(4); t < n; t++) {
        if (t) put(b, ",");
        cx_buf_printf(b, "\"%s\"", words[below(NWORDS)]);
    }
    put(b, "],\"meta\":{\"ip\":\"10.0.");
    cx_buf_printf(b, "%u.%u\",\"agent\":\"", below(256), below(256));
    text(b, 2 + below(8), 0, 5);
    put(b, "\",\"retry\":null}}");
}

static void gen_numbers(cx_buf *b, size_t target) {
    put(b, "[");
    for (unsigned i = 0; b->len < target; i++) {
        if (i) put(b, ",");
        cx_buf_printf(b,
                      "{\"ts\":%llu,\"id\":%u,\"price\":%.2f,\"qty\":%u,\"lat\":%.7f,\"lng\":%.7f,"
                      "\"temp\":%.1f,\"ratio\":%.17g,\"delta\":%lld,\"sci\":%.3e,\"vals\":[",
                      1700000000000ull + i * 1000ull, i, unit() * 1000, below(10000),
                      unit() * 180 - 90, unit() * 360 - 180, unit() * 80 - 30, unit(),
                      (long long)(rnd() % 2000001) - 1000000, unit() * 1e30);
        for (unsigned k = 0; k < 8; k++) {
            if (k) put(b, ",");
            switch (below(4)) {
            case 0:
                cx_buf_printf(b, "%u", below(1000000));
                break;
            case 1:
                cx_buf_printf(b, "%.3f", unit() * 100 - 50);
                break;
            case 2:
                cx_buf_printf(b, "%.6g", unit() * 1e6);
                break;
            default:
                cx_buf_printf(b, "%.17g", unit() * 10 - 5);
                break;
            }
        }
        put(b, "]}");
    }
    put(b, "]");
}

static void gen_strings(cx_buf *b, size_t target) {
    put(b, "[");
    for (unsigned i = 0; b->len < target; i++) {
        if (i) put(b, ",");
        cx_buf_printf(b, "{\"id\":%u,\"title\":\"", i);
        text(b, 3 + below(8), 0, 10);
        put(b, "\",\"author\":\"");
        text(b, 2, 0, 20);
        put(b, "\",\"body\":\"");
        unsigned kind = below(10);
        text(b, 40 + below(300), kind < 2 ? 4 : 0, kind >= 7 ? 25 : 1);
        put(b, "\",\"summary\":\"");
        text(b, 10 + below(30), 0, 0);
        put(b, "\",\"lang\":\"en\"}");
    }
    put(b, "]");
}

/* ---- timing ------------------------------------------------------------- */

/* Thread CPU time by default: on a shared machine it leaves out the time the
 * benchmark was not running at all. -w switches to the wall clock. */
static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double now(void) {
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct doc {
    const char *name;
    char **texts; /* one text, or many small ones */
    size_t *lens;
    size_t count;
    size_t bytes; /* total */
} doc;

typedef struct lib_state {
    /* per document, pre-parsed trees for serialising */
    cx_arena *arena;
    const cx_json **cx;
    json_t **jn;
    cJSON **cj;
    cx_buf out;
    char *scratch;
    size_t scratch_len;
} lib_state;

enum { CORTEX, JANSSON, CJSON, NLIBS };
enum { PARSE, SERIALISE, NOPS };
static const char *op_names[NOPS] = {"parse", "serialise"};

static volatile size_t sink;

static void die(const char *what, const char *docname) {
    fprintf(stderr, "bench_json: %s failed on %s\n", what, docname);
    exit(1);
}

/* One pass of op over every text of d with library lib. */
static void pass(int lib, int op, const doc *d, lib_state *st) {
    for (size_t i = 0; i < d->count; i++) {
        const char *t = d->texts[i];
        size_t n = d->lens[i];
        if (op == PARSE) {
            switch (lib) {
            case CORTEX: {
                const cx_json *v;
                cx_arena_reset(st->arena);
                if (cx_json_parse(st->arena, t, n, NULL, &v, NULL)) die("cortex parse", d->name);
                sink += cx_json_len(v);
                break;
            }
            case JANSSON: {
                json_error_t e;
                json_t *v = json_loadb(t, n, 0, &e);
                if (!v) die("jansson parse", d->name);
                sink += json_array_size(v);
                json_decref(v);
                break;
            }
            default: {
                cJSON *v = cJSON_ParseWithLength(t, n);
                if (!v) die("cJSON parse", d->name);
                sink += (size_t)cJSON_GetArraySize(v);
                cJSON_Delete(v);
            }
            }
        } else {
            switch (lib) {
            case CORTEX:
                cx_buf_reset(&st->out);
                if (cx_json_stringify(&st->out, st->cx[i], 0)) die("cortex serialise", d->name);
                sink += st->out.len;
                break;
            case JANSSON: {
                size_t m = json_dumpb(st->jn[i], st->scratch, st->scratch_len, JSON_COMPACT);
                if (m == 0 || m > st->scratch_len) die("jansson serialise", d->name);
                sink += m;
                break;
            }
            default:
                if (!cJSON_PrintPreallocated(st->cj[i], st->scratch, (int)st->scratch_len, 0))
                    die("cJSON serialise", d->name);
                sink += strlen(st->scratch);
            }
        }
    }
}

/* One timed run of op: repeat passes for at least `min_time` seconds of the
 * clock; returns MB/s. */
static double one_run(int lib, int op, const doc *d, lib_state *st, double min_time) {
    size_t reps = 0;
    double t0 = now(), t;
    do {
        pass(lib, op, d, st);
        reps++;
        t = now();
    } while (t - t0 < min_time);
    return (double)d->bytes * (double)reps / (t - t0) / 1e6;
}

/* One run in a child process: the library warms up and runs alone there, and
 * whatever it allocates dies with the child. */
static double run_alone(int lib, int op, const doc *d, lib_state *st, double min_time) {
    int fds[2];
    if (pipe(fds)) die("pipe", d->name);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork", d->name);
    if (pid == 0) {
        close(fds[0]);
        pass(lib, op, d, st);
        double rate = one_run(lib, op, d, st, min_time);
        ssize_t w = write(fds[1], &rate, sizeof rate);
        _exit(w == (ssize_t)sizeof rate ? 0 : 1);
    }
    close(fds[1]);
    double rate = 0;
    ssize_t n = read(fds[0], &rate, sizeof rate);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n != (ssize_t)sizeof rate || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child run", d->name);
    return rate;
}

/* MB/s per library, median of `runs` runs; the libraries take turns. */
static void measure(int op, const doc *d, lib_state *st, int runs, double min_time, bool mixed,
                    double out[NLIBS]) {
    double rates[NLIBS][MAX_RUNS];
    if (mixed)
        for (int lib = 0; lib < NLIBS; lib++) pass(lib, op, d, st); /* warm-up */
    for (int r = 0; r < runs; r++)
        for (int lib = 0; lib < NLIBS; lib++)
            rates[lib][r] =
                mixed ? one_run(lib, op, d, st, min_time) : run_alone(lib, op, d, st, min_time);
    for (int lib = 0; lib < NLIBS; lib++) {
        qsort(rates[lib], (size_t)runs, sizeof(double), cmp_double);
        out[lib] = rates[lib][runs / 2];
    }
}

/* Pre-parse for serialising and check the libraries against each other. */
static void prepare(const doc *d, lib_state *st) {
    st->arena = cx_arena_new(1 << 20, 1u << 30);
    st->cx = calloc(d->count, sizeof *st->cx);
    st->jn = calloc(d->count, sizeof *st->jn);
    st->cj = calloc(d->count, sizeof *st->cj);
    size_t longest = 0;
    for (size_t i = 0; i < d->count; i++) {
        cx_json_error e;
        if (cx_json_parse(st->arena, d->texts[i], d->lens[i], NULL, &st->cx[i], &e)) {
            fprintf(stderr, "%s\n", e.message);
            die("cortex parse", d->name);
        }
        json_error_t je;
        if (!(st->jn[i] = json_loadb(d->texts[i], d->lens[i], 0, &je)))
            die("jansson parse", d->name);
        if (!(st->cj[i] = cJSON_ParseWithLength(d->texts[i], d->lens[i])))
            die("cJSON parse", d->name);
        /* Cortex's output must mean the same as the input. */
        cx_buf out = CX_BUF_INIT;
        if (cx_json_stringify(&out, st->cx[i], 0)) die("cortex serialise", d->name);
        json_t *back = json_loadb(out.data, out.len, 0, &je);
        if (!back || !json_equal(back, st->jn[i])) die("round trip (jansson json_equal)", d->name);
        json_decref(back);
        cx_buf_free(&out);
        if (d->lens[i] > longest) longest = d->lens[i];
    }
    /* jansson prints reals with 17 digits, so leave it room. */
    st->scratch_len = longest * 3 + 1024;
    st->scratch = malloc(st->scratch_len);
    st->out = (cx_buf)CX_BUF_INIT;
    if (!st->arena || !st->cx || !st->jn || !st->cj || !st->scratch) die("allocation", d->name);
}

/* Free what prepare() made. */
static void release(const doc *d, lib_state *st) {
    for (size_t i = 0; i < d->count; i++) {
        json_decref(st->jn[i]);
        cJSON_Delete(st->cj[i]);
    }
    cx_arena_free(st->arena);
    free(st->cx);
    free(st->jn);
    free(st->cj);
    free(st->scratch);
    cx_buf_free(&st->out);
}

/* One table row; 1 if Cortex is below 2x either peer. */
static int report_row(const doc *d, int op, const double rate[NLIBS]) {
    char size[32];
    if (d->count > 1)
        snprintf(size, sizeof size, "%zu × %.0f B", d->count, (double)d->bytes / d->count);
    else
        snprintf(size, sizeof size, "%.2f MB", d->bytes / 1e6);
    printf("| %s | %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f |\n", d->name, size, op_names[op],
           rate[CORTEX], rate[JANSSON], rate[CJSON], rate[CORTEX] / rate[JANSSON],
           rate[CORTEX] / rate[CJSON]);
    fflush(stdout);
    return rate[CORTEX] < 2 * rate[JANSSON] || rate[CORTEX] < 2 * rate[CJSON];
}

static doc single(const char *name, cx_buf *b) {
    doc d = {name, malloc(sizeof(char *)), malloc(sizeof(size_t)), 1, b->len};
    d.texts[0] = b->data;
    d.lens[0] = b->len;
    return d;
}

static void write_doc(const char *dir, const doc *d) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, d->name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    for (size_t i = 0; i < d->count; i++) {
        fwrite(d->texts[i], 1, d->lens[i], f);
        if (d->count > 1) fputc('\n', f);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    int runs = 7;
    double min_time = 0.3, mb = 2;
    const char *outdir = NULL;
    bool glibc_defaults = false, mixed = false;
    size_t block = 0; /* the parse arena's block size; 0: the default */
    int opt;
    while ((opt = getopt(argc, argv, "r:t:s:b:o:wgm")) != -1) {
        switch (opt) {
        case 'r':
            runs = atoi(optarg);
            break;
        case 't':
            min_time = atof(optarg);
            break;
        case 's':
            mb = atof(optarg);
            break;
        case 'b':
            block = (size_t)atof(optarg);
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'w':
            clock_id = CLOCK_MONOTONIC;
            break;
        case 'g':
            glibc_defaults = true;
            break;
        case 'm':
            mixed = true;
            break;
        default:
            fprintf(stderr,
                    "usage: %s [-r RUNS] [-t SECONDS] [-s MB] [-b BYTES] [-o DIR] [-w] [-g] [-m]\n",
                    argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || min_time <= 0 || mb <= 0) {
        fprintf(stderr, "bench_json: bad settings\n");
        return 2;
    }
    if (!glibc_defaults) {
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
    size_t target = (size_t)(mb * 1e6);

    cx_buf api = CX_BUF_INIT, nums = CX_BUF_INIT, strs = CX_BUF_INIT, small = CX_BUF_INIT;
    gen_api(&api, target);
    gen_numbers(&nums, target);
    gen_strings(&strs, target);
    /* Small documents: as many as fill `target` / 2 bytes, each its own text. */
    size_t nsmall = 0, cap = 1024;
    size_t *offs = malloc((cap + 1) * sizeof *offs);
    offs[0] = 0;
    while (small.len < target / 2) {
        gen_small(&small, (unsigned)nsmall);
        if (nsmall + 1 == cap) offs = realloc(offs, ((cap *= 2) + 1) * sizeof *offs);
        offs[++nsmall] = small.len;
    }
    doc docs[4];
    docs[0] = single("api", &api);
    docs[1] = (doc){"small", malloc(nsmall * sizeof(char *)), malloc(nsmall * sizeof(size_t)),
                    nsmall, small.len};
    for (size_t i = 0; i < nsmall; i++) {
        docs[1].texts[i] = small.data + offs[i];
        docs[1].lens[i] = offs[i + 1] - offs[i];
    }
    docs[2] = single("numbers", &nums);
    docs[3] = single("strings", &strs);

    /* Check everything before timing anything. */
    for (int di = 0; di < 4; di++) {
        lib_state st = {0};
        prepare(&docs[di], &st);
        release(&docs[di], &st);
        if (outdir) write_doc(outdir, &docs[di]);
    }

    printf("# JSON: %d runs of >= %.2f s (%s) each, median MB/s (1 MB = 10^6 bytes of the "
           "document)\n",
           runs, min_time, clock_id == CLOCK_MONOTONIC ? "wall clock" : "thread CPU time");
    printf("# %s; allocator: %s; Cortex arena blocks: %zu bytes\n",
           mixed ? "all libraries in one process (-m)" : "each run in a child process of its own",
           glibc_defaults ? "glibc defaults (-g)"
                          : "freed memory kept (no trim, mmap above 32 MiB)",
           block ? block : (size_t)CX_ARENA_DEFAULT_BLOCK);
    printf("# jansson %s, cJSON %d.%d.%d\n\n", JANSSON_VERSION, CJSON_VERSION_MAJOR,
           CJSON_VERSION_MINOR, CJSON_VERSION_PATCH);
    printf("| document | size | op | Cortex MB/s | jansson MB/s | cJSON MB/s | × jansson | × cJSON "
           "|\n");
    printf("|---|---:|---|---:|---:|---:|---:|---:|\n");
    int slow = 0;
    for (int di = 0; di < 4; di++) {
        doc *d = &docs[di];
        double rate[NLIBS];
        /* Parsing first, while no tree is kept. */
        lib_state pst = {0};
        pst.arena = cx_arena_new(block, 1u << 30);
        if (!pst.arena) die("arena", d->name);
        measure(PARSE, d, &pst, runs, min_time, mixed, rate);
        cx_arena_free(pst.arena);
        slow += report_row(d, PARSE, rate);
        lib_state st = {0};
        prepare(d, &st);
        measure(SERIALISE, d, &st, runs, min_time, mixed, rate);
        release(d, &st);
        slow += report_row(d, SERIALISE, rate);
        free(d->texts);
        free(d->lens);
    }
    printf("\n%s\n",
           slow ? "# below 2x in some rows" : "# Cortex at least 2x both peers in every row");
    cx_buf_free(&api);
    cx_buf_free(&nums);
    cx_buf_free(&strs);
    cx_buf_free(&small);
    free(offs);
    return 0;
}
