/* TLS for the server: certificates, client certificates, and what a handler
 * can learn about the peer.
 *
 * Model: a listener with TLS settings (cx_server_options.tls) terminates
 * TLS 1.2 and 1.3 itself with OpenSSL 3. The settings name one or more
 * certificate/key pairs (PEM files); the first is the default and the others
 * are chosen by the client's SNI name. ALPN offers "h2" (when HTTP/2 is on)
 * and "http/1.1" on the same port. Session tickets are encrypted with keys
 * the server makes at start and rotates on a timer; resumed handshakes skip
 * the certificate work. With a client CA the server asks for a client
 * certificate (mTLS), either requiring it or accepting its absence; the
 * verified identity is available to handlers through cx_req_tls_identity().
 *
 * The handshake runs on the worker's event loop like any other I/O: a slow
 * or failing handshake never blocks a worker, is logged at debug level and
 * counted (cx_server_tls_stats), and is cut after handshake_timeout_ms.
 *
 * On SIGHUP, cx_server_tls_reload() reads the files again: connections that
 * are open keep their old context; new ones use the new one.
 */
#ifndef CORTEX_TLS_H
#define CORTEX_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CX_TLS_MAX_CERTS 16

typedef enum cx_tls_client_auth {
    CX_TLS_CLIENT_NONE = 0, /* no client certificate is asked for */
    CX_TLS_CLIENT_OPTIONAL, /* asked for; verified when sent; absent is fine */
    CX_TLS_CLIENT_REQUIRED, /* asked for and required: no certificate, no handshake */
} cx_tls_client_auth;

/* One certificate chain and its key, both PEM files; ocsp_file (optional)
 * holds a DER OCSP response that is stapled when the client asks. */
typedef struct cx_tls_cert {
    const char *cert_file;
    const char *key_file;
    const char *ocsp_file;
} cx_tls_cert;

typedef struct cx_tls_options {
    cx_tls_cert certs[CX_TLS_MAX_CERTS]; /* certs[0] is the default */
    unsigned ncerts;
    const char *client_ca_file;     /* PEM bundle; required for client auth */
    cx_tls_client_auth client_auth; /* CX_TLS_CLIENT_NONE */
    uint32_t handshake_timeout_ms;  /* 10 s */
    uint32_t ticket_rotate_s;       /* session-ticket key lifetime, 3600 s; 0: no tickets */
    bool alpn_h2;                   /* offer "h2" in ALPN (set from the server's http2 switch) */
    const char *ciphers;            /* TLS 1.2 list; NULL: ECDHE with AES-GCM or ChaCha20 */
} cx_tls_options;

/* Defaults as above, with no certificate. */
void cx_tls_options_default(cx_tls_options *o);

/* A verified client certificate, as a handler sees it. Strings are
 * NUL-terminated and live as long as the connection. */
typedef struct cx_tls_identity {
    const char *subject;     /* RFC 2253 form: "CN=alice,O=Example" */
    const char *issuer;      /* same form */
    const char *sans;        /* subjectAltNames, comma-separated: "DNS:a.example,email:x@y" */
    const char *fingerprint; /* SHA-256 of the DER certificate, lower-case hex (64 chars) */
    bool resumed;            /* the TLS session was resumed */
} cx_tls_identity;

/* Handshake counters since start, summed over the workers. */
typedef struct cx_tls_stats {
    uint64_t handshakes; /* completed */
    uint64_t resumed;    /* of which resumed */
    uint64_t failures;   /* failed, including timeouts seen as failures */
} cx_tls_stats;

/* The verified client certificate of the connection the request came on;
 * NULL without TLS or without a client certificate. Computed on first use
 * and cached with the connection. */
const cx_tls_identity *cx_req_tls_identity(cx_req *req);
/* Whether the request came over TLS. */
bool cx_req_is_tls(const cx_req *req);

/* Build a new TLS context from opts (files read now) and use it for new
 * connections; open ones keep theirs. 0, or CX_ECONFIG (with the old context
 * still in use) when a file is missing or a key does not match. Call from
 * the thread that runs cx_server_run (a reload hook). */
int cx_server_tls_reload(cx_server *srv, const cx_tls_options *opts);
/* Handshake counters, summed over workers. */
void cx_server_tls_stats(const cx_server *srv, cx_tls_stats *out);

#ifdef __cplusplus
}
#endif
#endif
