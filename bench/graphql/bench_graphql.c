/* GraphQL request throughput: parse + validate + execute + serialise, the
 * whole of cx_gql_execute, against the same schema, root value and queries
 * as bench_graphql.js runs through graphql-js (graphql() + JSON.stringify).
 *   bench_graphql SECONDS   prints "<case> <requests/s> <bytes>" per case */
#include <cortex/graphql.h>
#include <cortex/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_data.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: fair on a shared machine */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench(const char *name, const cx_gql_schema *s, const cx_json *root, const char *q,
                  double secs) {
    cx_arena *a = cx_arena_new(256 * 1024, 0);
    cx_buf out = {0};
    cx_gql_request r = {.query = q, .query_len = strlen(q), .root = cx_gql_json(root)};
    size_t n = 0, bytes = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 16; i++) {
            out.len = 0;
            cx_arena_reset(a);
            if (cx_gql_execute(s, &r, NULL, a, &out, NULL)) abort();
            n++;
        }
        t = now();
    } while (t - t0 < secs);
    bytes = out.len;
    printf("%s %.0f %zu\n", name, (double)n / (t - t0), bytes);
    cx_buf_free(&out);
    cx_arena_free(a);
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    cx_gql_schema *s;
    if (cx_gql_schema_parse(SDL, sizeof SDL - 1, NULL, &s, NULL)) return 1;
    char *text = make_root(1000);
    cx_arena *ra = cx_arena_new(0, 0);
    const cx_json *root;
    if (cx_json_parse(ra, text, strlen(text), NULL, &root, NULL)) return 1;
    bench("simple", s, root, "{ hero { name } }", secs);
    bench("list1000", s, root, "{ items { id name price tags count owner { id name } } }", secs);
    cx_arena_free(ra);
    free(text);
    cx_gql_schema_free(s);
    return 0;
}
