/* idle_conns — hold many idle keep-alive connections open on a server.
 *
 * The benchmark script reads a server's resident memory, runs this program,
 * reads it again once "READY" is printed, and divides the growth by the
 * number of connections held. Each connection sends one GET and reads the
 * whole response first, so the server has seen a complete request on it and
 * holds it in its keep-alive state, which is the state a server spends most
 * connections in.
 *
 * Connections are opened through a bounded window (a few dozen in flight at
 * a time) so that the listen backlog never overflows and the measurement
 * does not depend on SYN retries. Every phase is bounded in time; after
 * READY the program waits until SIGTERM/SIGINT or the hold time ends, counts
 * the connections the server closed meanwhile, prints "END ..." and exits.
 * Only loopback addresses are accepted: this is a load tool.
 *
 *   idle_conns [-n count] [-p port] [-a 127.0.0.1] [-u /plaintext]
 *              [-w window] [-t setup_seconds] [-H hold_seconds]
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_COUNT   5000
#define DEFAULT_PORT    8080
#define DEFAULT_WINDOW  64
#define DEFAULT_SETUP_S 30
#define DEFAULT_HOLD_S  120
#define MAX_COUNT       100000
#define MAX_WINDOW      1024
#define MAX_SECONDS     3600
#define RESPONSE_MAX    2048 /* a fixed small response; larger is treated as failure */
#define REQUEST_MAX     512
#define EVENTS_PER_WAIT 256
#define FD_HEADROOM     32
#define SIGNAL_TAG      UINT32_MAX

enum state { ST_FREE, ST_CONNECTING, ST_READING, ST_IDLE, ST_CLOSED };

struct conn {
    int fd;
    enum state state;
    size_t got;
    char buf[RESPONSE_MAX];
};

struct opts {
    long count, port, window, setup_s, hold_s;
    const char *addr, *path;
};

struct run {
    struct opts o;
    struct sockaddr_in sa;
    char request[REQUEST_MAX];
    size_t request_len;
    struct conn *conns;
    int ep, sigfd;
    long started, in_flight, idle, failed, closed_by_server;
    bool stop;
};

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: idle_conns [-n count (%d)] [-p port (%d)] [-a loopback addr (127.0.0.1)]\n"
            "                  [-u path (/plaintext)] [-w window (%d)] [-t setup s (%d)]\n"
            "                  [-H hold s (%d)]\n",
            DEFAULT_COUNT, DEFAULT_PORT, DEFAULT_WINDOW, DEFAULT_SETUP_S, DEFAULT_HOLD_S);
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, struct opts *o) {
    *o = (struct opts){DEFAULT_COUNT,  DEFAULT_PORT, DEFAULT_WINDOW, DEFAULT_SETUP_S,
                       DEFAULT_HOLD_S, "127.0.0.1",  "/plaintext"};
    int c;
    bool ok = true;
    while (ok && (c = getopt(argc, argv, "n:p:a:u:w:t:H:h")) != -1) {
        if (c == 'n')
            ok = parse_long(optarg, 1, MAX_COUNT, &o->count);
        else if (c == 'p')
            ok = parse_long(optarg, 1, 65535, &o->port);
        else if (c == 'w')
            ok = parse_long(optarg, 1, MAX_WINDOW, &o->window);
        else if (c == 't')
            ok = parse_long(optarg, 1, MAX_SECONDS, &o->setup_s);
        else if (c == 'H')
            ok = parse_long(optarg, 0, MAX_SECONDS, &o->hold_s);
        else if (c == 'a')
            o->addr = optarg;
        else if (c == 'u')
            o->path = optarg;
        else if (c == 'h') {
            usage(stdout);
            exit(0);
        } else
            ok = false;
    }
    if (!ok || optind != argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* A load tool must not be pointed at somebody else's machine. */
static int setup_target(struct run *r) {
    memset(&r->sa, 0, sizeof r->sa);
    r->sa.sin_family = AF_INET;
    r->sa.sin_port = htons((uint16_t)r->o.port);
    if (inet_pton(AF_INET, r->o.addr, &r->sa.sin_addr) != 1 ||
        (ntohl(r->sa.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "idle_conns: '%s' is not an IPv4 loopback address\n", r->o.addr);
        return -1;
    }
    if (r->o.path[0] != '/' || strpbrk(r->o.path, " \r\n")) {
        fprintf(stderr, "idle_conns: bad path '%s'\n", r->o.path);
        return -1;
    }
    int n = snprintf(r->request, sizeof r->request, "GET %s HTTP/1.1\r\nHost: %s:%ld\r\n\r\n",
                     r->o.path, r->o.addr, r->o.port);
    if (n < 0 || (size_t)n >= sizeof r->request) {
        fprintf(stderr, "idle_conns: path too long\n");
        return -1;
    }
    r->request_len = (size_t)n;
    return 0;
}

/* Each connection costs one descriptor here; the soft limit is raised to the
 * hard one when that is what it takes. */
static int raise_nofile(long count) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return -1;
    rlim_t want = (rlim_t)count + FD_HEADROOM;
    if (rl.rlim_cur >= want) return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        fprintf(stderr, "idle_conns: need %lu descriptors, hard limit is %lu (ulimit -Hn)\n",
                (unsigned long)want, (unsigned long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl)) {
        perror("idle_conns: setrlimit");
        return -1;
    }
    return 0;
}

static int watch(struct run *r, int fd, uint32_t events, uint32_t tag, int op) {
    struct epoll_event ev = {.events = events, .data.u32 = tag};
    return epoll_ctl(r->ep, op, fd, &ev);
}

static void finish(struct run *r, struct conn *c, enum state to) {
    if (c->state == ST_CONNECTING || c->state == ST_READING) r->in_flight--;
    if (to == ST_IDLE) {
        r->idle++;
        c->state = ST_IDLE;
        return;
    }
    if (c->state == ST_IDLE)
        r->idle--;
    else
        r->failed++;
    close(c->fd);
    c->fd = -1;
    c->state = ST_CLOSED;
}

static int start_one(struct run *r) {
    struct conn *c = &r->conns[r->started];
    uint32_t tag = (uint32_t)r->started++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (c->fd < 0) {
        perror("idle_conns: socket");
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = ST_CONNECTING;
    r->in_flight++;
    if (connect(c->fd, (struct sockaddr *)&r->sa, sizeof r->sa) && errno != EINPROGRESS) {
        finish(r, c, ST_CLOSED);
        return 0;
    }
    if (watch(r, c->fd, EPOLLOUT, tag, EPOLL_CTL_ADD)) {
        finish(r, c, ST_CLOSED);
        return -1;
    }
    return 0;
}

/* The request is a few dozen bytes: one write either takes it all or the
 * connection is counted as failed. */
static void on_connected(struct run *r, struct conn *c, uint32_t tag) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err ||
        write(c->fd, r->request, r->request_len) != (ssize_t)r->request_len ||
        watch(r, c->fd, EPOLLIN | EPOLLRDHUP, tag, EPOLL_CTL_MOD)) {
        finish(r, c, ST_CLOSED);
        return;
    }
    c->state = ST_READING;
}

/* Returns the length of a complete 200 response in buf, 0 when more bytes
 * are needed, -1 when it is not a usable response. Chunked bodies are not
 * expected from the servers under test and count as unusable. */
static long response_length(const char *buf, size_t got) {
    const char *end = memmem(buf, got, "\r\n\r\n", 4);
    if (!end) return got >= RESPONSE_MAX ? -1 : 0;
    if (got < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0) return -1;
    size_t head = (size_t)(end - buf) + 4;
    long body = -1;
    for (const char *p = buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
        if (*p == '\n') p++;
        if (strncasecmp(p, "content-length:", 15) == 0) body = strtol(p + 15, NULL, 10);
    }
    if (body < 0) return -1;
    return got >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
}

static void on_readable(struct run *r, struct conn *c) {
    if (c->state == ST_IDLE) {
        char scratch[256];
        ssize_t n = read(c->fd, scratch, sizeof scratch);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            r->closed_by_server++;
            finish(r, c, ST_CLOSED);
        }
        return;
    }
    ssize_t n = read(c->fd, c->buf + c->got, sizeof c->buf - c->got);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) return;
        finish(r, c, ST_CLOSED);
        return;
    }
    c->got += (size_t)n;
    long len = response_length(c->buf, c->got);
    if (len < 0 || (len > 0 && (size_t)len != c->got))
        finish(r, c, ST_CLOSED);
    else if (len > 0)
        finish(r, c, ST_IDLE);
}

static void on_signal(struct run *r) {
    struct signalfd_siginfo si;
    if (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) r->stop = true;
}

static void dispatch(struct run *r, const struct epoll_event *ev) {
    if (ev->data.u32 == SIGNAL_TAG) {
        on_signal(r);
        return;
    }
    struct conn *c = &r->conns[ev->data.u32];
    if (c->state == ST_CONNECTING)
        on_connected(r, c, ev->data.u32);
    else if (c->state == ST_READING || c->state == ST_IDLE)
        on_readable(r, c);
}

static int wait_events(struct run *r, long deadline) {
    struct epoll_event evs[EVENTS_PER_WAIT];
    long left = deadline - now_ms();
    if (left <= 0) return 0;
    int n = epoll_wait(r->ep, evs, EVENTS_PER_WAIT, left > 1000 ? 1000 : (int)left);
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) dispatch(r, &evs[i]);
    return 0;
}

/* Keeps at most `window` connections between connect() and a complete
 * response until every one has been started and settled, or time is up. */
static int open_all(struct run *r) {
    long deadline = now_ms() + r->o.setup_s * 1000;
    while (!r->stop && now_ms() < deadline) {
        while (r->started < r->o.count && r->in_flight < r->o.window)
            if (start_one(r)) return -1;
        if (r->started == r->o.count && r->in_flight == 0) return 0;
        if (wait_events(r, deadline)) return -1;
    }
    for (long i = 0; i < r->started; i++) {
        struct conn *c = &r->conns[i];
        if (c->state == ST_CONNECTING || c->state == ST_READING) finish(r, c, ST_CLOSED);
    }
    r->failed += r->o.count - r->started;
    return 0;
}

static int hold(struct run *r) {
    long deadline = now_ms() + r->o.hold_s * 1000;
    while (!r->stop && now_ms() < deadline)
        if (wait_events(r, deadline)) return -1;
    return 0;
}

static int setup_signals(struct run *r) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL)) return -1;
    r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (r->sigfd < 0) return -1;
    return watch(r, r->sigfd, EPOLLIN, SIGNAL_TAG, EPOLL_CTL_ADD);
}

static void close_all(struct run *r) {
    for (long i = 0; i < r->started; i++)
        if (r->conns[i].fd >= 0) close(r->conns[i].fd);
    if (r->sigfd >= 0) close(r->sigfd);
    if (r->ep >= 0) close(r->ep);
    free(r->conns);
}

static int run(struct run *r) {
    long t0 = now_ms();
    if (open_all(r)) return -1;
    printf("READY open=%ld failed=%ld setup_ms=%ld\n", r->idle, r->failed, now_ms() - t0);
    fflush(stdout);
    if (hold(r)) return -1;
    printf("END open=%ld closed_by_server=%ld\n", r->idle, r->closed_by_server);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    struct run r = {.ep = -1, .sigfd = -1};
    if (parse_opts(argc, argv, &r.o) || setup_target(&r) || raise_nofile(r.o.count)) return 2;
    r.conns = calloc((size_t)r.o.count, sizeof *r.conns);
    r.ep = epoll_create1(EPOLL_CLOEXEC);
    if (!r.conns || r.ep < 0 || setup_signals(&r)) {
        perror("idle_conns: setup");
        close_all(&r);
        return 2;
    }
    int rc = run(&r);
    if (rc) perror("idle_conns");
    close_all(&r);
    return rc ? 1 : 0;
}
