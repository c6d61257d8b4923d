/* Fetch a URL from a coroutine and print the status and the body.
 *
 *   example_fetch [--ca FILE] [--insecure] [--timeout MS] URL
 *
 * The status line and the headers go to stderr, the body to stdout. A
 * failure prints its kind ("dns", "connect", "tls", "timeout", ...) and
 * curl's message, and exits with status 1. */
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    cx_fetch_client *client;
    cx_fetch_request req;
    int exit_code;
} job;

static void fetch_one(void *arg) {
    job *j = arg;
    cx_fetch_response res;
    int rc = cx_fetch(j->client, &j->req, &res);
    if (rc) {
        fprintf(stderr, "error: %s (%s): %s\n", cx_fetch_kind_name(res.error.kind), cx_strerror(rc),
                res.error.message);
        j->exit_code = 1;
    } else {
        fprintf(stderr, "HTTP/%d.%d %d (%u ms)\n", res.http_version / 10, res.http_version % 10,
                res.status, res.elapsed_ms);
        for (size_t i = 0; i < cx_fetch_response_header_count(&res); i++) {
            cx_str name, value;
            cx_fetch_response_header_at(&res, i, &name, &value);
            fprintf(stderr, "%.*s: %.*s\n", (int)name.len, name.ptr, (int)value.len, value.ptr);
        }
        fwrite(res.body.data, 1, res.body.len, stdout);
        j->exit_code = 0;
    }
    cx_fetch_response_free(&res);
    cx_loop_stop(cx_coro_loop(cx_coro_self()));
}

static int usage(void) {
    fprintf(stderr, "usage: example_fetch [--ca FILE] [--insecure] [--timeout MS] URL\n");
    return 2;
}

int main(int argc, char **argv) {
    job j = {.exit_code = 1};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc)
            j.req.ca_file = argv[++i];
        else if (strcmp(argv[i], "--insecure") == 0)
            j.req.insecure = true;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            j.req.timeout_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] == '-' || j.req.url)
            return usage();
        else
            j.req.url = argv[i];
    }
    if (!j.req.url) return usage();

    cx_loop *loop;
    int rc = cx_loop_new(&loop, NULL);
    if (!rc) rc = cx_fetch_client_new(&j.client, loop, NULL);
    if (rc) {
        fprintf(stderr, "start-up failed: %s\n", cx_strerror(rc));
        return 1;
    }
    /* The coroutine runs until its first wait; the loop does the rest. */
    if (cx_coro_start(loop, fetch_one, &j, NULL) == 1) cx_loop_run(loop);
    cx_fetch_client_free(j.client);
    cx_loop_free(loop);
    return j.exit_code;
}
