/* Fuzz the HTTP/2 server connection: the input, after the client preface,
 * is fed to a real h2 connection (over a socketpair) of a real worker whose
 * handler reads the request body and answers with a streamed body and a
 * trailer, so the transport table, flow control, the abuse counters and the
 * stream life cycle all run. The loop turns a few times so that deferred
 * flushes, releases and woken handlers run too; then everything is torn
 * down and ASan checks for leaks and bad accesses. */
#include "http/h2.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/loop.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int handler(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    char buf[512];
    size_t total = 0;
    for (;;) {
        ssize_t n = cx_req_read(req, buf, sizeof buf);
        if (n < 0) return (int)n;
        if (n == 0) break;
        total += (size_t)n;
    }
    cx_str v;
    if (cx_req_trailer(req, "x-t", &v) == CX_OK) cx_res_trailer(res, "x-t-echo", "1");
    if (cx_req_method(req) == CX_METHOD_GET) return cx_res_send(res, "text/plain", "hi", 2);
    cx_res_header(res, "Content-Type", "text/plain");
    int rc = cx_res_write(res, buf, total < sizeof buf ? total : sizeof buf);
    if (rc) return rc;
    return cx_res_end(res);
}

static cx_server *srv;
static cx_worker *w;

static void stop(cx_timer *t) {
    cx_loop_stop(t->data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!srv) {
        cx_server_options o;
        cx_server_options_default(&o);
        o.host = "127.0.0.1";
        o.port = 0;
        o.threads = 1;
        o.http2 = true;
        o.handler = handler;
        o.h2.max_concurrent_streams = 16;
        o.h2.max_header_list = 4096;
        o.limits.body_timeout_ms = 5;
        if (cx_server_new(&srv, &o)) abort();
        w = &srv->workers[0];
        if (cx_loop_new(&w->loop, NULL)) abort();
        cx_loop_set_data(w->loop, w);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)) abort();
    char *in = malloc(CX_H2_PREFACE_LEN + size);
    if (!in) abort();
    memcpy(in, CX_H2_PREFACE, CX_H2_PREFACE_LEN);
    if (size) memcpy(in + CX_H2_PREFACE_LEN, data, size);
    cx_h2_start(w, sv[0], NULL, in, CX_H2_PREFACE_LEN + size, NULL);
    free(in);
    /* Let the server answer what it can, then hang up: every handler must
     * finish (woken with CX_ECLOSED) and the connection must be freed. */
    bool hung_up = false;
    for (int round = 0; round < 20 && (round < 2 || w->h2conns); round++) {
        if (round == 2) {
            close(sv[1]);
            hung_up = true;
        }
        cx_timer t;
        cx_timer_init(&t, stop, w->loop);
        cx_timer_start(w->loop, &t, round < 2 ? 0 : 1);
        cx_loop_run(w->loop);
        cx_timer_stop(w->loop, &t);
        char sink[65536];
        while (round < 2 && read(sv[1], sink, sizeof sink) > 0) {
        }
    }
    if (!hung_up) close(sv[1]);
    if (w->h2conns) {
        fprintf(stderr, "fuzz_h2: the connection outlived its peer\n");
        abort();
    }
    return 0;
}
