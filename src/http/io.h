/* Byte streams over a socket, plain or TLS (private).
 *
 * Connection code calls these instead of recv(2)/send(2); with t == NULL
 * they are exactly those calls, so the plain path costs one branch. recv and
 * send rather than read and write: the socket calls skip the VFS layer and
 * the file-position lock, about 4% of a small request's CPU time. Errors
 * come back as from the system calls (-1 and errno), EAGAIN included: a TLS
 * read may need the socket to be writable and the reverse, which is fine
 * because connections watch both directions edge-triggered.
 */
#ifndef CX_HTTP_IO_H
#define CX_HTTP_IO_H

#include "tls.h"
#include <sys/socket.h>
#include <unistd.h>

static inline ssize_t cx_sock_read(int fd, cx_tls_conn *t, void *buf, size_t n) {
    return t ? cx_tls_read(t, buf, n) : recv(fd, buf, n, 0);
}

static inline ssize_t cx_sock_write(int fd, cx_tls_conn *t, const void *buf, size_t n) {
    return t ? cx_tls_write(t, buf, n) : send(fd, buf, n, MSG_NOSIGNAL);
}

#endif
