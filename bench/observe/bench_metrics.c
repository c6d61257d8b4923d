/* Cost of a metric update, in ns per operation.
 *
 *   counter_inc          cx_counter_inc on an unlabelled counter
 *   gauge_add            cx_gauge_add (compare-exchange on the own shard)
 *   histogram_observe    cx_histogram_observe, 11 default buckets
 *   labelled_lookup_inc  cx_counter_with(3 labels) + inc: what the server's
 *                        request hook does per family
 *   naive_atomic_inc     one shared _Atomic uint64_t (what sharding avoids)
 *
 * Each is timed single-threaded and with THREADS threads hammering the same
 * series ("contended"). Per-op time is each thread's own CPU time
 * (CLOCK_THREAD_CPUTIME_ID) divided by its ops, averaged over the threads:
 * on a shared, loaded machine that leaves out the time a thread waits for a
 * core, while the cost of cache lines bouncing between cores stays in.
 *
 * usage: bench_metrics [ops_per_thread] [threads]   (defaults 20000000, 2) */
#include <cortex/metrics.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef enum { OP_COUNTER, OP_GAUGE, OP_HIST, OP_LABELLED, OP_NAIVE, NOPS } op_kind;
static const char *const names[] = {"counter_inc", "gauge_add", "histogram_observe",
                                    "labelled_lookup_inc", "naive_atomic_inc"};

static cx_counter *counter;
static cx_gauge *gauge;
static cx_histogram *hist;
static cx_metric_family *family;
static _Atomic uint64_t naive;
static long ops;
static pthread_barrier_t barrier;

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct job {
    op_kind k;
    double cpu;
};

static void *worker(void *arg) {
    struct job *j = arg;
    op_kind k = j->k;
    cx_str labels[3] = {CX_STR("GET"), CX_STR("/users/:id"), CX_STR("2xx")};
    pthread_barrier_wait(&barrier);
    double c0 = cpu_s();
    for (long i = 0; i < ops; i++) {
        switch (k) {
        case OP_COUNTER:
            cx_counter_inc(counter);
            break;
        case OP_GAUGE:
            cx_gauge_add(gauge, 1);
            break;
        case OP_HIST:
            cx_histogram_observe(hist, (double)(i & 1023) * 1e-4);
            break;
        case OP_LABELLED:
            cx_counter_inc(cx_counter_with(family, labels, 3));
            break;
        default:
            atomic_fetch_add_explicit(&naive, 1, memory_order_relaxed);
        }
    }
    j->cpu = cpu_s() - c0;
    return NULL;
}

static double run(op_kind k, int threads) {
    pthread_t t[64];
    struct job jobs[64];
    pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){k, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    pthread_barrier_wait(&barrier);
    double cpu = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        cpu += jobs[i].cpu;
    }
    pthread_barrier_destroy(&barrier);
    return cpu / threads * 1e9 / (double)ops;
}

int main(int argc, char **argv) {
    ops = argc > 1 ? atol(argv[1]) : 20000000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    if (ops <= 0 || threads < 1 || threads > 64) return 2;
    cx_metrics *m;
    if (cx_metrics_new(&m, NULL)) return 1;
    cx_metrics_counter(m, "c", "", &counter);
    cx_metrics_gauge(m, "g", "", &gauge);
    cx_metrics_histogram(m, "h", "", NULL, 0, &hist);
    const char *ln[] = {"method", "route", "status"};
    cx_metric_desc d = {.name = "l", .type = CX_METRIC_COUNTER, .labels = ln, .nlabels = 3};
    cx_metrics_family(m, &d, &family);
    printf(
        "| operation | 1 thread (CPU ns/op) | %d threads, same series (CPU ns/op per thread) |\n",
        threads);
    printf("|---|---|---|\n");
    for (int k = 0; k < NOPS; k++) {
        double one = run((op_kind)k, 1);
        double many = run((op_kind)k, threads);
        printf("| %s | %.1f | %.1f |\n", names[k], one, many);
    }
    /* Keep the results observable so nothing is optimised away. */
    fprintf(stderr, "check: counter=%llu\n", (unsigned long long)cx_counter_value(counter));
    cx_metrics_free(m);
    return 0;
}
