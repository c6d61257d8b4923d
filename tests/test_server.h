/* An in-process Cortex server on a free loopback port, for unit tests that
 * need real HTTP round trips, and a one-shot HTTP/1.1 client to drive it.
 *
 * Header-only because every unit test is one C file; the functions are
 * static inline so a test that uses only some of them compiles warning-free.
 * The server runs cx_server_run() on its own thread until test_srv_stop().
 */
#ifndef CX_TEST_SERVER_H
#define CX_TEST_SERVER_H

#include <arpa/inet.h>
#include <cortex/http.h>
#include <cortex/router.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct test_srv {
    cx_server *s;
    pthread_t th;
    uint16_t port;
} test_srv;

static inline void *test_srv_main(void *arg) {
    cx_server_run(arg);
    return NULL;
}

/* Start a server with options o (port 0 picks a free one); 0, the error of
 * cx_server_new, or -1 when the thread could not start. */
static inline int test_srv_start_opts(test_srv *v, const cx_server_options *o) {
    int rc = cx_server_new(&v->s, o);
    if (rc) return rc;
    v->port = cx_server_port(v->s);
    if (pthread_create(&v->th, NULL, test_srv_main, v->s)) {
        cx_server_free(v->s);
        return -1;
    }
    return 0;
}

/* The usual case: router r on 127.0.0.1, one worker, default limits. */
static inline int test_srv_start(test_srv *v, cx_router *r) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.handler = cx_router_handle;
    o.handler_data = r;
    return test_srv_start_opts(v, &o);
}

static inline void test_srv_stop(test_srv *v) {
    cx_server_stop(v->s);
    pthread_join(v->th, NULL);
    cx_server_free(v->s);
}

/* Send raw bytes over a fresh connection and read until the server closes
 * it (or 20 s pass); the reply, NUL-terminated, in out. Returns the status
 * of the first response, or -1. */
static inline int test_http_raw(uint16_t port, const char *req, size_t req_len, char *out,
                                size_t cap) {
    out[0] = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) ||
        write(fd, req, req_len) != (ssize_t)req_len) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    ssize_t k;
    while (len + 1 < cap && (k = read(fd, out + len, cap - 1 - len)) > 0) len += (size_t)k;
    out[len] = 0;
    close(fd);
    int status;
    return sscanf(out, "HTTP/1.1 %d", &status) == 1 ? status : -1;
}

/* One request (Connection: close, body optional); as test_http_raw. */
static inline int test_http(uint16_t port, const char *method, const char *path, const char *body,
                            char *out, size_t cap) {
    char req[1024];
    size_t blen = body ? strlen(body) : 0;
    int n =
        snprintf(req, sizeof req,
                 "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
                 method, path, blen, body ? body : "");
    if (n < 0 || (size_t)n >= sizeof req) return -1;
    return test_http_raw(port, req, (size_t)n, out, cap);
}

/* The body of a response read by test_http ("" when there is none). */
static inline const char *test_http_body(const char *resp) {
    const char *b = strstr(resp, "\r\n\r\n");
    return b ? b + 4 : "";
}

#endif
