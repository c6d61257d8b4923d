/* New TLS connections per second against one server: M threads, each
 * connecting, handshaking, sending one GET (Connection: close), reading the
 * answer to the end and closing, again and again for the given time.
 *
 *   hsbench HOST PORT [-t THREADS] [-d SECONDS] [-v 1.2|1.3] [-r] [-c CIPHERS] [-p PATH]
 *
 * -r resumes: each thread offers the session (ticket) of its previous
 * connection, so after the first one every handshake should be resumed; the
 * report says how many were. Certificates are not verified (the signature
 * on the handshake still is, as always), so the client's cost is the same
 * whichever server it measures. The request makes both servers do the same
 * work after the handshake and lets TLS 1.3 tickets arrive before the
 * session is saved.
 *
 * Output, one line: "conns N secs S rate R/s resumed K failed F". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct {
    struct sockaddr_in addr;
    SSL_CTX *ctx;
    int resume;
    double secs;
    const char *path;
    _Atomic long conns, resumed, failed;
    volatile int stop;
} G;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One connection; returns the session to offer next time (or NULL). */
static SSL_SESSION *one(SSL_SESSION *offer) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return offer;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&G.addr, sizeof G.addr) < 0) {
        close(fd);
        atomic_fetch_add(&G.failed, 1);
        return offer;
    }
    SSL *s = SSL_new(G.ctx);
    SSL_set_fd(s, fd);
    SSL_set_tlsext_host_name(s, "localhost");
    if (offer) SSL_set_session(s, offer);
    char req[256];
    int rl = snprintf(req, sizeof req,
                      "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", G.path);
    SSL_SESSION *next = offer;
    if (SSL_connect(s) == 1 && SSL_write(s, req, rl) == rl) {
        char buf[4096];
        long got = 0;
        int n;
        while ((n = SSL_read(s, buf, sizeof buf)) > 0) got += n;
        if (got > 0) {
            atomic_fetch_add(&G.conns, 1);
            if (SSL_session_reused(s)) atomic_fetch_add(&G.resumed, 1);
            if (G.resume) {
                SSL_SESSION *sess = SSL_get1_session(s);
                if (sess && SSL_SESSION_is_resumable(sess)) {
                    if (offer) SSL_SESSION_free(offer);
                    next = sess;
                } else if (sess) {
                    SSL_SESSION_free(sess);
                }
            }
        } else {
            atomic_fetch_add(&G.failed, 1);
        }
    } else {
        atomic_fetch_add(&G.failed, 1);
    }
    ERR_clear_error();
    /* Freed without a shutdown, OpenSSL would take the session for a bad
     * one and mark it not resumable (the copy we keep included). */
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(s);
    close(fd);
    return next;
}

static void *worker(void *arg) {
    (void)arg;
    SSL_SESSION *sess = NULL;
    while (!G.stop) sess = one(sess);
    if (sess) SSL_SESSION_free(sess);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s HOST PORT [-t N] [-d S] [-v 1.2|1.3] [-r] [-c CIPHERS] [-p PATH]\n",
                argv[0]);
        return 2;
    }
    int threads = 4;
    const char *ver = "1.3", *ciphers = NULL;
    G.secs = 5;
    G.path = "/plaintext";
    G.addr.sin_family = AF_INET;
    G.addr.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &G.addr.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", argv[1]);
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "-r"))
            G.resume = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "-t"))
            threads = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-d"))
            G.secs = atof(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "-v"))
            ver = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "-c"))
            ciphers = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "-p"))
            G.path = argv[++i];
        else {
            fprintf(stderr, "bad argument %s\n", argv[i]);
            return 2;
        }
    }
    G.ctx = SSL_CTX_new(TLS_client_method());
    int v = strcmp(ver, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(G.ctx, v);
    SSL_CTX_set_max_proto_version(G.ctx, v);
    SSL_CTX_set_verify(G.ctx, SSL_VERIFY_NONE, NULL);
    /* A peer closing without close_notify would mark the session as not
     * resumable; what we measure is the handshake, not the goodbye. */
    SSL_CTX_set_options(G.ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* The client cache mode must include "client" for OpenSSL to keep the
     * tickets it receives in the session (internal store off). */
    SSL_CTX_set_session_cache_mode(G.ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (!G.resume) SSL_CTX_set_options(G.ctx, SSL_OP_NO_TICKET);
    if (ciphers && SSL_CTX_set_cipher_list(G.ctx, ciphers) != 1) {
        fprintf(stderr, "bad cipher list\n");
        return 2;
    }
    if (threads < 1) threads = 1;
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    struct timespec ts = {(time_t)G.secs, (long)((G.secs - (time_t)G.secs) * 1e9)};
    nanosleep(&ts, NULL);
    G.stop = 1;
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double el = now() - t0;
    long c = atomic_load(&G.conns);
    printf("conns %ld secs %.2f rate %.0f/s resumed %ld failed %ld\n", c, el, c / el,
           atomic_load(&G.resumed), atomic_load(&G.failed));
    free(t);
    SSL_CTX_free(G.ctx);
    return c > 0 ? 0 : 1;
}
