/* Requests per second of outgoing HTTP clients against one URL.
 *
 *   bench_fetch cx   URL [-c CONC] [-d SECONDS] [-w WARMUP] [--ca FILE] [--h1]
 *   bench_fetch easy URL [-d SECONDS] [-w WARMUP] [--ca FILE] [--h1]
 *
 * cx:   CONC coroutines on one loop, each fetching in a loop with cx_fetch
 *       (one client; at most CONC connections to the host; HTTP/2 multiplexes).
 * easy: one thread, one curl easy handle reused in a blocking loop
 *       (curl_easy_perform), keep-alive on: the simplest libcurl client.
 * Requests finished during the warm-up are not counted. Prints one line:
 *   mode=cx conc=32 ok=N errors=E seconds=S rps=R */
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/loop.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct cfg {
    const char *mode, *url, *ca;
    int conc;
    double seconds, warmup;
    bool h1;
} cfg;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- cx_fetch ---------------------------------------------------------------- */

typedef struct shared {
    const cfg *cfg;
    cx_fetch_client *client;
    double start, end;
    long ok, errors;
    int running;
    int first_error;
    char message[CX_FETCH_MESSAGE_MAX];
} shared;

static void worker(void *arg) {
    shared *s = arg;
    cx_fetch_request req = {.url = s->cfg->url,
                            .ca_file = s->cfg->ca,
                            .http = s->cfg->h1 ? CX_FETCH_HTTP_1_1 : CX_FETCH_HTTP_DEFAULT};
    cx_fetch_response res = {0};
    for (;;) {
        double t = now_s();
        if (t >= s->end) break;
        int rc = cx_fetch(s->client, &req, &res);
        bool counted = now_s() >= s->start;
        if (rc == 0 && res.status == 200) {
            if (counted) s->ok++;
        } else {
            if (counted) s->errors++;
            if (!s->first_error) {
                s->first_error = rc ? rc : res.status;
                snprintf(s->message, sizeof s->message, "%s", rc ? res.error.message : "status");
            }
        }
        cx_fetch_response_free(&res);
    }
    if (--s->running == 0) cx_loop_stop(cx_coro_loop(cx_coro_self()));
}

static int run_cx(const cfg *c) {
    cx_loop *loop;
    cx_fetch_options o;
    cx_fetch_options_default(&o);
    o.max_host_connections = (unsigned)c->conc;
    o.max_cached = (unsigned)c->conc + 4;
    shared s = {.cfg = c};
    if (cx_loop_new(&loop, NULL) || cx_fetch_client_new(&s.client, loop, &o)) return 1;
    s.start = now_s() + c->warmup;
    s.end = s.start + c->seconds;
    s.running = c->conc;
    for (int i = 0; i < c->conc; i++) cx_coro_start(loop, worker, &s, NULL);
    cx_loop_run(loop);
    double took = now_s() - s.start;
    printf("mode=cx conc=%d ok=%ld errors=%ld seconds=%.2f rps=%.0f\n", c->conc, s.ok, s.errors,
           took, (double)s.ok / took);
    if (s.first_error) fprintf(stderr, "first error: %d %s\n", s.first_error, s.message);
    cx_fetch_client_free(s.client);
    cx_loop_free(loop);
    return s.errors ? 1 : 0;
}

/* ---- blocking libcurl ----------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ud) {
    return size * n;
}

static int run_easy(const cfg *c) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     c->h1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS);
    if (c->ca) curl_easy_setopt(e, CURLOPT_CAINFO, c->ca);
    double start = now_s() + c->warmup, end = start + c->seconds;
    long ok = 0, errors = 0;
    for (;;) {
        if (now_s() >= end) break;
        CURLcode rc = curl_easy_perform(e);
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        if (now_s() < start) continue;
        if (rc == CURLE_OK && status == 200)
            ok++;
        else
            errors++;
    }
    double took = now_s() - start;
    printf("mode=easy conc=1 ok=%ld errors=%ld seconds=%.2f rps=%.0f\n", ok, errors, took,
           (double)ok / took);
    curl_easy_cleanup(e);
    curl_global_cleanup();
    return errors ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_fetch cx|easy URL [-c N] [-d S] [-w S] [--ca F] [--h1]\n");
        return 2;
    }
    cfg c = {.mode = argv[1], .url = argv[2], .conc = 1, .seconds = 5, .warmup = 1};
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            c.conc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-d") && i + 1 < argc)
            c.seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "-w") && i + 1 < argc)
            c.warmup = atof(argv[++i]);
        else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
            c.ca = argv[++i];
        else if (!strcmp(argv[i], "--h1"))
            c.h1 = true;
        else
            return 2;
    }
    if (c.conc < 1) c.conc = 1;
    if (!strcmp(c.mode, "cx")) return run_cx(&c);
    if (!strcmp(c.mode, "easy")) return run_easy(&c);
    return 2;
}
