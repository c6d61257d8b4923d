/* floor — the least a server can do per request, as a yardstick.
 *
 * An HTTP/1.1 responder with nothing in it: one thread, level-triggered
 * epoll, one read per ready connection, fixed answers for GET /plaintext
 * and GET /json (what run.sh checks), every request found in the read
 * answered in one write. No parsing beyond the request line's path, no
 * routing, no Date, no limits: it is not a server anyone should run, only
 * the measure of what the kernel costs for one read and one write per
 * request, so that run.sh can show how far above that floor a real server
 * (Cortex, nginx) spends its CPU.
 *
 * Two modes:
 *   direct  recv() and send() per connection, as every epoll server does;
 *   uring   the reads of one epoll batch go to the kernel in a single
 *           io_uring_enter(), and the writes they produce in another: the
 *           same kernel work with two system calls per batch instead of two
 *           per request (built only where liburing is installed: -DFLOOR_URING).
 *
 *   floor direct|uring PORT     (listens on 127.0.0.1 only)
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef FLOOR_URING
#include <liburing.h>
#endif

#define MAX_FD     65536 /* connections are indexed by descriptor */
#define READ_SIZE  4096
#define WRITE_SIZE (READ_SIZE / 16 * 160) /* room for every request a read can hold */
#define BATCH      512

static const char PLAIN[] = "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: text/plain\r\n"
                            "Content-Length: 13\r\n\r\nHello, World!";
static const char JSON[] = "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: application/json\r\n"
                           "Content-Length: 27\r\n\r\n{\"message\":\"Hello, World!\"}";
static const char MISSING[] =
    "HTTP/1.1 404 Not Found\r\nServer: floor\r\nContent-Length: 0\r\n\r\n";

typedef struct conn {
    char in[READ_SIZE];
    char out[WRITE_SIZE];
} conn;

static conn *conns[MAX_FD];

/* The answers to the complete requests in buf[0..n), appended to out;
 * returns their length. A request cut by the end of the read is dropped:
 * wrk never splits one, and this is a yardstick, not a parser. */
static size_t answer(const char *buf, size_t n, char *out) {
    size_t len = 0;
    const char *p = buf, *end = buf + n;
    for (;;) {
        const char *stop = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!stop) return len;
        const char *msg = MISSING;
        size_t mlen = sizeof MISSING - 1;
        if (!strncmp(p, "GET /plaintext ", 15)) msg = PLAIN, mlen = sizeof PLAIN - 1;
        if (!strncmp(p, "GET /json ", 10)) msg = JSON, mlen = sizeof JSON - 1;
        if (len + mlen > WRITE_SIZE) return len;
        memcpy(out + len, msg, mlen);
        len += mlen;
        p = stop + 4;
    }
}

static void drop(int ep, int fd) {
    if (!conns[fd]) return; /* a failed write already dropped it */
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(conns[fd]);
    conns[fd] = NULL;
}

static void accept_all(int ep, int ls) {
    int fd, one = 1;
    while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        if (fd >= MAX_FD || !(conns[fd] = malloc(sizeof(conn)))) {
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

/* A write that does not take everything closes the connection: with wrk's
 * load the socket buffer never fills, and a yardstick need not queue. */
static void serve_direct(int ep, int fd) {
    conn *c = conns[fd];
    ssize_t n = recv(fd, c->in, sizeof c->in, 0);
    if (n <= 0) {
        drop(ep, fd);
        return;
    }
    size_t len = answer(c->in, (size_t)n, c->out);
    if (len && send(fd, c->out, len, MSG_NOSIGNAL) != (ssize_t)len) drop(ep, fd);
}

#ifdef FLOOR_URING
enum { OP_READ = 1, OP_WRITE = 2 };

static uint64_t tag(int op, int fd) {
    return (uint64_t)op << 32 | (uint32_t)fd;
}

/* One batch: every ready connection's read in one submission, then the
 * writes those reads call for in another. Writes are reaped with the next
 * batch's reads (or at the end of this one when they complete inline). */
static void serve_uring(struct io_uring *ring, int ep, const int *fds, int n) {
    for (int i = 0; i < n; i++) {
        struct io_uring_sqe *s = io_uring_get_sqe(ring);
        io_uring_prep_recv(s, fds[i], conns[fds[i]]->in, READ_SIZE, 0);
        io_uring_sqe_set_data64(s, tag(OP_READ, fds[i]));
    }
    io_uring_submit_and_wait(ring, (unsigned)n);
    int reads = 0, writes = 0;
    while (reads < n) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(ring, &cqe)) break;
        int op = (int)(cqe->user_data >> 32), fd = (int)(uint32_t)cqe->user_data, res = cqe->res;
        io_uring_cqe_seen(ring, cqe);
        if (op == OP_WRITE) {
            if (res < 0 && conns[fd]) drop(ep, fd);
            continue;
        }
        reads++;
        if (!conns[fd]) continue;
        if (res <= 0) {
            drop(ep, fd);
            continue;
        }
        size_t len = answer(conns[fd]->in, (size_t)res, conns[fd]->out);
        if (!len) continue;
        struct io_uring_sqe *s = io_uring_get_sqe(ring);
        io_uring_prep_send(s, fd, conns[fd]->out, len, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(s, tag(OP_WRITE, fd));
        writes++;
    }
    if (writes) io_uring_submit(ring);
}
#endif

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "direct") && strcmp(argv[1], "uring"))) {
        fprintf(stderr, "usage: floor direct|uring PORT\n");
        return 2;
    }
    bool uring = !strcmp(argv[1], "uring");
#ifndef FLOOR_URING
    if (uring) {
        fprintf(stderr, "floor: built without liburing\n");
        return 2;
    }
#endif
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)atoi(argv[2])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) {
        perror("floor: listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[BATCH];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
#ifdef FLOOR_URING
    struct io_uring ring;
    if (uring && io_uring_queue_init(2 * BATCH, &ring, 0) < 0) {
        fprintf(stderr, "floor: io_uring is not available here\n");
        return 1;
    }
#endif
    for (;;) {
        int n = epoll_wait(ep, evs, BATCH, -1), fds[BATCH], nfds = 0;
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls)
                accept_all(ep, ls);
            else if (!uring)
                serve_direct(ep, fd);
            else
                fds[nfds++] = fd;
        }
#ifdef FLOOR_URING
        if (nfds) serve_uring(&ring, ep, fds, nfds);
#else
        (void)fds, (void)nfds; /* only uring mode batches */
#endif
    }
}
