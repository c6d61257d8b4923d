/* The server: listeners, worker threads, signals and graceful shutdown.
 *
 * cx_server_new() binds one listening socket per worker, all on the same
 * port with SO_REUSEPORT, so that bind errors surface before anything runs
 * and the kernel spreads connections over the workers without a shared
 * accept lock. cx_server_run() blocks SIGTERM/SIGINT/SIGHUP in every thread
 * and reads them from a signalfd on the calling thread, which is therefore
 * the only place signal work happens: no async-signal-safety puzzles.
 *
 * Shutdown: the first SIGTERM/SIGINT (or cx_server_stop) asks each worker to
 * drain — close its listener, close idle connections, finish the requests in
 * flight with "Connection: close" — and waits up to drain_timeout_ms; then
 * workers still busy are stopped outright. A second signal skips the wait.
 */
#include "server.h"
#include "tls.h"
#include "../observe/hooks.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <cortex/fetch.h>
#include <cortex/pool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_BACKLOG 4096

void cx_http_limits_default(cx_http_limits *l) {
    *l = (cx_http_limits){
        .max_request_line = 8192,
        .max_header_bytes = 32768,
        .max_headers = 100,
        .max_body = 8u << 20,
        .header_timeout_ms = 10000,
        .body_timeout_ms = 30000,
        .idle_timeout_ms = 60000,
        .write_timeout_ms = 30000,
        .max_pipelined = 64,
        .max_connections = 0,
    };
}

void cx_server_options_default(cx_server_options *o) {
    memset(o, 0, sizeof *o);
    o->host = "0.0.0.0";
    o->port = 8080;
    o->drain_timeout_ms = 10000;
    o->access_log = false;
    cx_http_limits_default(&o->limits);
    cx_http2_limits_default(&o->h2);
}

static int check_limits(const cx_http_limits *l) {
    if (l->max_request_line < 16 || l->max_header_bytes < 64 || l->max_headers < 1 ||
        l->max_headers > 10000 || l->max_pipelined < 1 || l->max_request_line > (1u << 24) ||
        l->max_header_bytes > (1u << 24))
        return CX_EINVAL;
    return CX_OK;
}

/* One listening socket bound to host:port with SO_REUSEPORT. */
static int listen_on(const char *host, uint16_t port, int defer_secs, int *out) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    int gai = getaddrinfo(host && *host ? host : NULL, portstr, &hints, &res);
    if (gai) return CX_EINVAL;
    int err = CX_EINVAL;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = -errno;
            continue;
        }
        int one = 1, secs = defer_secs;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        /* Accept only once the request has arrived: the first read after
         * accept then finds it, saving an epoll round. */
        setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, LISTEN_BACKLOG) == 0) {
            freeaddrinfo(res);
            *out = fd;
            return CX_OK;
        }
        err = -errno;
        close(fd);
    }
    freeaddrinfo(res);
    return err;
}

static uint16_t bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) return 0;
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int cx_server_new(cx_server **out, const cx_server_options *opts) {
    *out = NULL;
    if (check_limits(&opts->limits)) return CX_EINVAL;
    cx_server *srv = calloc(1, sizeof *srv);
    if (!srv) return CX_ENOMEM;
    srv->opts = *opts;
    srv->host = strdup(opts->host ? opts->host : "0.0.0.0");
    srv->opts.host = srv->host;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    srv->nworkers = opts->threads ? opts->threads : (unsigned)(cores > 0 ? cores : 1);
    if (srv->nworkers > 1024) srv->nworkers = 1024;
    srv->workers = calloc(srv->nworkers, sizeof *srv->workers);
    srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!srv->host || !srv->workers || srv->stop_fd < 0) {
        cx_server_free(srv);
        return CX_ENOMEM;
    }
    srv->opts.tls = NULL; /* the caller's; what it said lives in srv->tls */
    for (unsigned i = 0; i < srv->nworkers; i++) srv->workers[i].listen_fd = -1;
    for (unsigned i = 0; i < srv->nworkers; i++) srv->workers[i].redirect_fd = -1;
    if (opts->tls) {
        cx_tls_options to = *opts->tls;
        to.alpn_h2 = opts->http2;
        int rc = cx_tls_server_new(&srv->tls, &to);
        if (rc) {
            cx_server_free(srv);
            return rc;
        }
    }
    uint16_t port = opts->port;
    uint16_t rport = opts->redirect_port;
    for (unsigned i = 0; i < srv->nworkers; i++) {
        cx_worker *w = &srv->workers[i];
        w->srv = srv;
        w->index = i;
        w->own_limits = srv->opts.limits;
        w->logger = opts->access_log ? (opts->logger ? opts->logger : cx_log_default()) : NULL;
        w->limits = &w->own_limits;
        /* The kernel holds a silent connection this long before handing it
         * over; past it our own head timeout takes over. */
        uint32_t ht = opts->limits.header_timeout_ms;
        int defer = ht ? (int)((ht + 999) / 1000) : 10;
        int rc = listen_on(srv->host, port, defer > 10 ? 10 : defer, &w->listen_fd);
        if (rc) {
            cx_server_free(srv);
            return rc;
        }
        if (port == 0) port = bound_port(w->listen_fd); /* the others join it */
        if (srv->tls && opts->redirect_port) {
            rc = listen_on(srv->host, rport, defer > 10 ? 10 : defer, &w->redirect_fd);
            if (rc) {
                cx_server_free(srv);
                return rc;
            }
        }
    }
    srv->port = port;
    *out = srv;
    return CX_OK;
}

uint16_t cx_server_port(const cx_server *srv) {
    return srv->port;
}

struct limits_update {
    cx_worker *w;
    cx_http_limits limits;
};

static void apply_limits(void *arg) {
    struct limits_update *u = arg;
    u->w->own_limits = u->limits;
    free(u);
}

int cx_server_set_limits(cx_server *srv, const cx_http_limits *limits) {
    if (check_limits(limits)) return CX_EINVAL;
    srv->opts.limits = *limits;
    for (unsigned i = 0; i < srv->nworkers; i++) {
        cx_worker *w = &srv->workers[i];
        if (!w->loop) {
            w->own_limits = *limits;
            continue;
        }
        struct limits_update *u = malloc(sizeof *u);
        if (!u) return CX_ENOMEM;
        *u = (struct limits_update){w, *limits};
        if (cx_loop_post(w->loop, apply_limits, u)) {
            free(u);
            return CX_ENOMEM;
        }
    }
    return CX_OK;
}

void cx_server_on_reload(cx_server *srv, int (*fn)(void *arg), void *arg) {
    srv->reload = fn;
    srv->reload_arg = arg;
}

static void *worker_main(void *arg) {
    cx_worker *w = arg;
    cx__obs_worker_start(w->srv->opts.metrics, w->index, w->loop);
    cx_loop_run(w->loop);
    cx__obs_worker_stop(w->srv->opts.metrics, w->index, w->loop);
    cx_h1_close_all(w);
    cx_h2_close_all(w);
    cx_fetch_client_free(w->fetch); /* on the loop's thread, as it must be */
    w->fetch = NULL;
    atomic_fetch_sub(&w->srv->running_workers, 1);
    uint64_t one = 1;
    if (write(w->srv->stop_fd, &one, sizeof one) < 0) { /* the main thread re-checks anyway */
    }
    return NULL;
}

static void worker_drain(void *arg) {
    cx_worker *w = arg;
    if (w->draining) return;
    if (w->listen_fd >= 0) {
        cx_io_stop(w->loop, &w->listen_io);
        close(w->listen_fd);
        w->listen_fd = -1;
    }
    if (w->redirect_fd >= 0) {
        cx_io_stop(w->loop, &w->redirect_io);
        close(w->redirect_fd);
        w->redirect_fd = -1;
    }
    cx_h1_drain(w);
    cx_h2_drain(w);
}

static int worker_start(cx_worker *w) {
    int rc = cx_loop_new(&w->loop, NULL);
    if (rc) return rc;
    cx_loop_set_data(w->loop, w);
    if (w->srv->pool) cx_pool_attach(w->srv->pool, w->loop);
    w->listen_io.data = w;
    rc = cx_io_start(w->loop, &w->listen_io, w->listen_fd, CX_READABLE, cx_h1_accept);
    if (rc) return rc;
    if (w->redirect_fd >= 0) {
        w->redirect_io.data = w;
        rc = cx_io_start(w->loop, &w->redirect_io, w->redirect_fd, CX_READABLE,
                         cx_h1_accept_redirect);
        if (rc) return rc;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w)) return CX_ENOMEM;
    atomic_fetch_add(&w->srv->running_workers, 1);
    return CX_OK;
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for signals and stop requests; returns when every worker is done. */
static void supervise(cx_server *srv, int sfd) {
    uint64_t drain_deadline = 0;
    bool forced = false;
    while (atomic_load(&srv->running_workers) > 0) {
        int timeout = -1;
        if (drain_deadline) {
            uint64_t now = now_ms();
            timeout = now >= drain_deadline ? 0 : (int)(drain_deadline - now);
        }
        struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
                                {.fd = srv->stop_fd, .events = POLLIN}};
        int n = poll(pfd, 2, timeout);
        bool stop = false;
        if (n > 0 && (pfd[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    if (srv->reload) srv->reload(srv->reload_arg);
                } else {
                    stop = true;
                    if (drain_deadline) forced = true; /* a second signal */
                }
            }
        }
        if (n > 0 && (pfd[1].revents & POLLIN)) {
            uint64_t v;
            if (read(srv->stop_fd, &v, sizeof v) > 0 && atomic_load(&srv->running_workers) > 0)
                stop = true;
        }
        if (stop && !drain_deadline) {
            drain_deadline = now_ms() + srv->opts.drain_timeout_ms;
            for (unsigned i = 0; i < srv->nworkers; i++)
                cx_loop_post(srv->workers[i].loop, worker_drain, &srv->workers[i]);
        }
        if (forced || (drain_deadline && now_ms() >= drain_deadline)) {
            for (unsigned i = 0; i < srv->nworkers; i++) cx_loop_stop(srv->workers[i].loop);
            drain_deadline = UINT64_MAX; /* wait for them without a timeout now */
            forced = false;
        }
    }
}

int cx_server_run(cx_server *srv) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* Blocked before the workers start, so they inherit the mask. */
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return -errno;
    }
    cx_pool *pool = NULL;
    int rc = cx_pool_new(&pool, 0, 0);
    if (rc == CX_OK) srv->pool = pool;
    for (unsigned i = 0; rc == CX_OK && i < srv->nworkers; i++) rc = worker_start(&srv->workers[i]);
    if (rc) {
        for (unsigned i = 0; i < srv->nworkers; i++)
            if (srv->workers[i].loop) cx_loop_stop(srv->workers[i].loop);
    }
    if (rc == CX_OK) supervise(srv, sfd);
    for (unsigned i = 0; i < srv->nworkers; i++) {
        cx_worker *w = &srv->workers[i];
        if (w->thread) pthread_join(w->thread, NULL);
        w->thread = 0;
    }
    if (pool) cx_pool_free(pool);
    srv->pool = NULL;
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void cx_server_stop(cx_server *srv) {
    uint64_t one = 1;
    if (write(srv->stop_fd, &one, sizeof one) < 0) { /* eventfd cannot be full here */
    }
}

void cx_server_free(cx_server *srv) {
    if (!srv) return;
    for (unsigned i = 0; srv->workers && i < srv->nworkers; i++) {
        cx_worker *w = &srv->workers[i];
        if (w->listen_fd >= 0) close(w->listen_fd);
        if (w->redirect_fd >= 0) close(w->redirect_fd);
        if (w->loop) {
            while (w->h2_spare) { /* handed to the shared list, which frees them all */
                cx_exchange *ex = w->h2_spare;
                w->h2_spare = ex->next_free;
                ex->next_free = w->free_exchanges;
                w->free_exchanges = ex;
            }
            cx_exchange_free_list(w);
            while (w->nfree_rbufs) free(w->free_rbufs[--w->nfree_rbufs]);
            cx_loop_free(w->loop);
        }
    }
    if (srv->stop_fd >= 0) close(srv->stop_fd);
    cx_tls_server_free(srv->tls);
    free(srv->workers);
    free(srv->host);
    free(srv);
}

int cx_server_tls_reload(cx_server *srv, const cx_tls_options *opts) {
    if (!srv->tls) return CX_ESTATE;
    cx_tls_options to = *opts;
    to.alpn_h2 = srv->opts.http2;
    return cx_tls_server_reload(srv->tls, &to);
}

void cx_server_tls_stats(const cx_server *srv, cx_tls_stats *out) {
    *out = (cx_tls_stats){0};
    if (srv->tls) cx_tls_server_stats(srv->tls, out);
}
