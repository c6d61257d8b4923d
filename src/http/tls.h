/* TLS inside the server (private).
 *
 * cx_tls_server: one per server; holds the context in use (swapped on
 * reload), the session-ticket keys (which outlive reloads, so tickets stay
 * valid) and the handshake counters. cx_tls_conn: one per connection; reads
 * and writes look like read(2)/write(2) so that connection code treats TLS
 * and plain sockets alike (see io.h).
 */
#ifndef CX_HTTP_TLS_H
#define CX_HTTP_TLS_H

#include <cortex/tls.h>
#include <sys/types.h>

typedef struct cx_tls_server cx_tls_server;
typedef struct cx_tls_conn cx_tls_conn;

/* Read the files and build the first context. 0, CX_ECONFIG or CX_ENOMEM. */
int cx_tls_server_new(cx_tls_server **out, const cx_tls_options *o);
int cx_tls_server_reload(cx_tls_server *ts, const cx_tls_options *o);
void cx_tls_server_stats(cx_tls_server *ts, cx_tls_stats *out);
uint32_t cx_tls_server_handshake_timeout(const cx_tls_server *ts);
/* Free; connections must be gone (their contexts hold references). */
void cx_tls_server_free(cx_tls_server *ts);

/* A server-side TLS session on fd (not owned) with the current context;
 * NULL on failure. */
cx_tls_conn *cx_tls_conn_new(cx_tls_server *ts, int fd);
/* Drive the handshake: 1 done, 0 wants more I/O, CX_ETLS failed (logged
 * at debug with OpenSSL's reason, and counted). */
int cx_tls_conn_handshake(cx_tls_conn *t);
/* Like read(2)/write(2): count; 0 at a clean end; -1 with errno EAGAIN
 * (wait for either readiness) or ECONNRESET/EPIPE. */
ssize_t cx_tls_read(cx_tls_conn *t, void *buf, size_t n);
ssize_t cx_tls_write(cx_tls_conn *t, const void *buf, size_t n);
/* ALPN chose h2. */
bool cx_tls_conn_is_h2(const cx_tls_conn *t);
/* The verified peer certificate, or NULL. */
const cx_tls_identity *cx_tls_conn_identity(cx_tls_conn *t);
/* Send close_notify (best effort, without waiting) and free. */
void cx_tls_conn_free(cx_tls_conn *t);

#endif
