/* TLS contexts: certificates by SNI, ALPN, client certificates, OCSP
 * stapling and session tickets with rotating keys.
 *
 * A "generation" is what one read of the settings produced: an SSL_CTX per
 * certificate (the first is the default; the servername callback moves a
 * handshake to another by SNI). Each connection holds a reference to the
 * generation it started with, so a reload (a new generation) never
 * disturbs open connections. Every SSL_CTX of a generation gets the same
 * settings, because OpenSSL reads some callbacks from the context in force
 * after the SNI switch and others from the first one.
 *
 * Ticket keys belong to the server, not to a generation, so that a reload
 * keeps resumption working. They rotate lazily: the first handshake after
 * the key's lifetime makes a new one; the previous key still decrypts (and
 * such tickets are renewed) for one more lifetime.
 */
#include "tls.h"
#include <cortex/error.h>
#include <cortex/log.h>
#include <errno.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_CIPHERS                                                                            \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"     \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define MAX_NAMES  64 /* SNI names taken from one certificate */
#define OCSP_MAX   (1u << 20)
#define ALPN_H2_H1 "\x02h2\x08http/1.1"
#define ALPN_H1    "\x08http/1.1"

typedef struct ticket_key {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    time_t born;
    bool set;
} ticket_key;

typedef struct cert_ctx {
    SSL_CTX *ctx;
    char *names[MAX_NAMES]; /* lower-case DNS names, "*.x" for wildcards */
    unsigned nnames;
    unsigned char *ocsp;
    size_t ocsp_len;
} cert_ctx;

typedef struct generation {
    _Atomic int refs;
    struct cx_tls_server *ts;
    cert_ctx certs[CX_TLS_MAX_CERTS];
    unsigned ncerts;
    bool alpn_h2;
} generation;

struct cx_tls_server {
    pthread_mutex_t mu; /* guards cur and the ticket keys */
    generation *cur;
    ticket_key key, prev;
    uint32_t rotate_s;
    uint32_t handshake_timeout_ms;
    _Atomic uint64_t handshakes, resumed, failures;
    BIO_METHOD *bio; /* the socket BIO below */
};

struct cx_tls_conn {
    SSL *ssl;
    generation *gen;
    bool done;
    bool failed;
    bool id_done;
    cx_tls_identity id;
    char *id_mem; /* one allocation for the identity's strings */
};

static BIO_METHOD *bio_method_new(void);

void cx_tls_options_default(cx_tls_options *o) {
    memset(o, 0, sizeof *o);
    o->handshake_timeout_ms = 10000;
    o->ticket_rotate_s = 3600;
}

/* ---- generations ---------------------------------------------------------- */

static void gen_release(generation *g) {
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1) return;
    for (unsigned i = 0; i < g->ncerts; i++) {
        SSL_CTX_free(g->certs[i].ctx);
        for (unsigned j = 0; j < g->certs[i].nnames; j++) free(g->certs[i].names[j]);
        free(g->certs[i].ocsp);
    }
    free(g);
}

static bool name_matches(const char *pat, const char *host) {
    if (strcasecmp(pat, host) == 0) return true;
    if (pat[0] != '*' || pat[1] != '.') return false;
    const char *dot = strchr(host, '.');
    return dot && dot != host && strcasecmp(pat + 1, dot) == 0;
}

static int on_servername(SSL *s, int *alert, void *arg) {
    (void)alert;
    generation *g = arg;
    const char *host = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    if (!host) return SSL_TLSEXT_ERR_OK;
    for (unsigned i = 0; i < g->ncerts; i++)
        for (unsigned j = 0; j < g->certs[i].nnames; j++)
            if (name_matches(g->certs[i].names[j], host)) {
                if (SSL_get_SSL_CTX(s) != g->certs[i].ctx) SSL_set_SSL_CTX(s, g->certs[i].ctx);
                return SSL_TLSEXT_ERR_OK;
            }
    return SSL_TLSEXT_ERR_OK; /* unknown name: the default certificate */
}

static int on_alpn(SSL *s, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned inlen, void *arg) {
    (void)s;
    generation *g = arg;
    const unsigned char *prefs = (const unsigned char *)(g->alpn_h2 ? ALPN_H2_H1 : ALPN_H1);
    unsigned plen = (unsigned)(g->alpn_h2 ? sizeof ALPN_H2_H1 - 1 : sizeof ALPN_H1 - 1);
    unsigned char *o = NULL;
    if (SSL_select_next_proto(&o, outlen, prefs, plen, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; /* no common protocol: carry on as HTTP/1.1 */
    *out = o;
    return SSL_TLSEXT_ERR_OK;
}

static int on_status(SSL *s, void *arg) {
    cert_ctx *cc = arg;
    if (!cc->ocsp_len) return SSL_TLSEXT_ERR_NOACK;
    unsigned char *copy = OPENSSL_memdup(cc->ocsp, cc->ocsp_len);
    if (!copy) return SSL_TLSEXT_ERR_NOACK;
    if (!SSL_set_tlsext_status_ocsp_resp(s, copy, (long)cc->ocsp_len)) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}

static bool key_new(ticket_key *k) {
    if (RAND_bytes(k->name, sizeof k->name) != 1 || RAND_bytes(k->aes, sizeof k->aes) != 1 ||
        RAND_bytes(k->hmac, sizeof k->hmac) != 1)
        return false;
    k->born = time(NULL);
    k->set = true;
    return true;
}

static int mac_init(EVP_MAC_CTX *hctx, const unsigned char *key) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    return EVP_MAC_init(hctx, key, 32, params);
}

/* Encrypt (enc=1) or find the key of (enc=0) a session ticket. */
static int on_ticket(SSL *s, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
                     EVP_MAC_CTX *hctx, int enc) {
    generation *g = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
    cx_tls_server *ts = g->ts;
    ticket_key k;
    int rc = 1;
    pthread_mutex_lock(&ts->mu);
    if (enc) {
        if (!ts->key.set || time(NULL) - ts->key.born >= (time_t)ts->rotate_s) {
            ticket_key n;
            if (key_new(&n)) {
                ts->prev = ts->key;
                ts->key = n;
            }
        }
        k = ts->key;
    } else if (ts->key.set && memcmp(name, ts->key.name, 16) == 0) {
        k = ts->key;
    } else if (ts->prev.set && memcmp(name, ts->prev.name, 16) == 0 &&
               time(NULL) - ts->prev.born < 2 * (time_t)ts->rotate_s) {
        k = ts->prev;
        rc = 2; /* valid, but issue a fresh ticket */
    } else {
        rc = 0; /* unknown or expired: a full handshake */
    }
    pthread_mutex_unlock(&ts->mu);
    if (!rc) return 0;
    if (!k.set) return enc ? -1 : 0;
    if (enc) {
        if (RAND_bytes(iv, 16) != 1) return -1;
        memcpy(name, k.name, 16);
        if (EVP_EncryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1) return -1;
    } else if (EVP_DecryptInit_ex(ectx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1) {
        return -1;
    }
    if (mac_init(hctx, k.hmac) != 1) return -1;
    OPENSSL_cleanse(&k, sizeof k);
    /* TLS 1.3 clients use a ticket once (RFC 8446 section 4.6.1, and
     * OpenSSL's client does): without a fresh one after each resumption,
     * only every other connection would resume. OpenSSL issues one only
     * when asked to renew. */
    if (!enc && SSL_version(s) >= TLS1_3_VERSION) rc = 2;
    return rc;
}

static int read_file(const char *path, unsigned char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return CX_ECONFIG;
    unsigned char *buf = malloc(OCSP_MAX);
    size_t n = buf ? fread(buf, 1, OCSP_MAX, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n == OCSP_MAX) {
        free(buf);
        return CX_ECONFIG;
    }
    *out = buf;
    *len = n;
    return CX_OK;
}

static void add_name(cert_ctx *cc, const char *s, size_t n) {
    if (cc->nnames >= MAX_NAMES || n == 0 || n > 255) return;
    char *p = malloc(n + 1);
    if (!p) return;
    for (size_t i = 0; i < n; i++) p[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    p[n] = '\0';
    cc->names[cc->nnames++] = p;
}

/* The DNS names a certificate answers for: its SANs, else its CN. */
static void collect_names(cert_ctx *cc) {
    X509 *x = SSL_CTX_get0_certificate(cc->ctx);
    if (!x) return;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
        if (gn->type == GEN_DNS)
            add_name(cc, (const char *)ASN1_STRING_get0_data(gn->d.dNSName),
                     (size_t)ASN1_STRING_length(gn->d.dNSName));
    }
    GENERAL_NAMES_free(gens);
    if (cc->nnames) return;
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
    if (n > 0) add_name(cc, cn, (size_t)n);
}

static void log_ssl_error(const char *what, const char *file) {
    char msg[256];
    unsigned long e = ERR_peek_last_error();
    ERR_error_string_n(e, msg, sizeof msg);
    ERR_clear_error();
    CX_LOG(cx_log_default(), CX_LOG_ERROR, what, CX_KV_STR("file", file ? file : ""),
           CX_KV_STR("error", msg));
}

static int ctx_setup(generation *g, cert_ctx *cc, const cx_tls_cert *c, const cx_tls_options *o) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return CX_ENOMEM;
    cc->ctx = ctx;
    SSL_CTX_set_app_data(ctx, g);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                                 (o->ticket_rotate_s ? 0 : SSL_OP_NO_TICKET));
    /* Idle connections give their buffers back; the writer may grow and
     * move its buffer between retries. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Read whole socket chunks rather than record by record: fewer reads.
     * The connection code reads until EAGAIN, so input OpenSSL buffered
     * ahead is never left behind a spent readiness edge. */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"cortex", 6);
    /* Resumption is by tickets, which the client keeps. OpenSSL's default
     * server-side cache would also keep every full handshake's session (up
     * to 20480 of them, a KiB or more each) for session-ID resumption,
     * which only TLS 1.2 clients without ticket support need. */
    SSL_CTX_set_session_cache_mode(ctx,
                                   o->ticket_rotate_s ? SSL_SESS_CACHE_OFF : SSL_SESS_CACHE_SERVER);
    if (SSL_CTX_set_cipher_list(ctx, o->ciphers ? o->ciphers : DEFAULT_CIPHERS) != 1 ||
        SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
        log_ssl_error("tls: bad cipher settings", NULL);
        return CX_ECONFIG;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1) {
        log_ssl_error("tls: cannot load the certificate", c->cert_file);
        return CX_ECONFIG;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, c->key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        log_ssl_error("tls: cannot load the key (or it does not match)", c->key_file);
        return CX_ECONFIG;
    }
    if (c->ocsp_file && *c->ocsp_file) {
        if (read_file(c->ocsp_file, &cc->ocsp, &cc->ocsp_len)) {
            CX_LOG(cx_log_default(), CX_LOG_ERROR, "tls: cannot read the OCSP response",
                   CX_KV_STR("file", c->ocsp_file));
            return CX_ECONFIG;
        }
        SSL_CTX_set_tlsext_status_cb(ctx, on_status);
        SSL_CTX_set_tlsext_status_arg(ctx, cc);
    }
    if (o->client_auth != CX_TLS_CLIENT_NONE) {
        if (!o->client_ca_file ||
            SSL_CTX_load_verify_locations(ctx, o->client_ca_file, NULL) != 1) {
            log_ssl_error("tls: cannot load the client CA", o->client_ca_file);
            return CX_ECONFIG;
        }
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->client_ca_file);
        if (names) SSL_CTX_set_client_CA_list(ctx, names);
        int mode = SSL_VERIFY_PEER;
        if (o->client_auth == CX_TLS_CLIENT_REQUIRED) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(ctx, mode, NULL);
        SSL_CTX_set_verify_depth(ctx, 8);
    }
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, g);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn, g);
    if (o->ticket_rotate_s) SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket);
    /* TLS 1.3: two tickets are plenty for a browser's parallel connections. */
    SSL_CTX_set_num_tickets(ctx, 1);
    collect_names(cc);
    return CX_OK;
}

static int gen_new(cx_tls_server *ts, const cx_tls_options *o, generation **out) {
    if (o->ncerts == 0 || o->ncerts > CX_TLS_MAX_CERTS) return CX_ECONFIG;
    generation *g = calloc(1, sizeof *g);
    if (!g) return CX_ENOMEM;
    atomic_init(&g->refs, 1);
    g->ts = ts;
    g->alpn_h2 = o->alpn_h2;
    for (unsigned i = 0; i < o->ncerts; i++) {
        const cx_tls_cert *c = &o->certs[i];
        g->ncerts = i + 1;
        int rc = c->cert_file && c->key_file ? ctx_setup(g, &g->certs[i], c, o) : CX_ECONFIG;
        if (rc) {
            gen_release(g);
            return rc;
        }
    }
    *out = g;
    return CX_OK;
}

int cx_tls_server_new(cx_tls_server **out, const cx_tls_options *o) {
    *out = NULL;
    cx_tls_server *ts = calloc(1, sizeof *ts);
    if (!ts) return CX_ENOMEM;
    pthread_mutex_init(&ts->mu, NULL);
    ts->bio = bio_method_new();
    if (!ts->bio) {
        pthread_mutex_destroy(&ts->mu);
        free(ts);
        return CX_ENOMEM;
    }
    ts->rotate_s = o->ticket_rotate_s;
    ts->handshake_timeout_ms = o->handshake_timeout_ms;
    int rc = gen_new(ts, o, &ts->cur);
    if (rc) {
        cx_tls_server_free(ts);
        return rc;
    }
    *out = ts;
    return CX_OK;
}

int cx_tls_server_reload(cx_tls_server *ts, const cx_tls_options *o) {
    generation *g;
    int rc = gen_new(ts, o, &g);
    if (rc) return rc;
    pthread_mutex_lock(&ts->mu);
    generation *old = ts->cur;
    ts->cur = g;
    ts->rotate_s = o->ticket_rotate_s ? o->ticket_rotate_s : ts->rotate_s;
    ts->handshake_timeout_ms = o->handshake_timeout_ms;
    pthread_mutex_unlock(&ts->mu);
    gen_release(old);
    return CX_OK;
}

void cx_tls_server_stats(cx_tls_server *ts, cx_tls_stats *out) {
    out->handshakes = atomic_load(&ts->handshakes);
    out->resumed = atomic_load(&ts->resumed);
    out->failures = atomic_load(&ts->failures);
}

uint32_t cx_tls_server_handshake_timeout(const cx_tls_server *ts) {
    return ts->handshake_timeout_ms;
}

void cx_tls_server_free(cx_tls_server *ts) {
    if (!ts) return;
    gen_release(ts->cur);
    OPENSSL_cleanse(&ts->key, sizeof ts->key);
    OPENSSL_cleanse(&ts->prev, sizeof ts->prev);
    BIO_meth_free(ts->bio);
    pthread_mutex_destroy(&ts->mu);
    free(ts);
}

/* ---- the socket BIO ------------------------------------------------------------ */

/* OpenSSL's own socket BIO calls read(2)/write(2); these call recv/send,
 * which skip the VFS layer and the file-position lock (the same reason as
 * in io.h), and send with MSG_NOSIGNAL. The descriptor is the BIO's data;
 * the connection owns it. */
static int bio_fd(BIO *b) {
    return (int)(intptr_t)BIO_get_data(b);
}

static int bio_read(BIO *b, char *out, int n) {
    BIO_clear_retry_flags(b);
    ssize_t r = recv(bio_fd(b), out, (size_t)n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
    return (int)r;
}

static int bio_write(BIO *b, const char *in, int n) {
    BIO_clear_retry_flags(b);
    ssize_t r = send(bio_fd(b), in, (size_t)n, MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)r;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* nothing is buffered here */
}

static int bio_create(BIO *b) {
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method_new(void) {
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "cortex socket");
    if (!m || !BIO_meth_set_read(m, bio_read) || !BIO_meth_set_write(m, bio_write) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* ---- connections ---------------------------------------------------------- */

cx_tls_conn *cx_tls_conn_new(cx_tls_server *ts, int fd) {
    cx_tls_conn *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_lock(&ts->mu);
    t->gen = ts->cur;
    atomic_fetch_add(&t->gen->refs, 1);
    pthread_mutex_unlock(&ts->mu);
    t->ssl = SSL_new(t->gen->certs[0].ctx);
    BIO *b = t->ssl ? BIO_new(ts->bio) : NULL;
    if (!b) {
        ERR_clear_error();
        cx_tls_conn_free(t);
        return NULL;
    }
    BIO_set_data(b, (void *)(intptr_t)fd);
    SSL_set_bio(t->ssl, b, b); /* the SSL owns the BIO now */
    SSL_set_accept_state(t->ssl);
    return t;
}

int cx_tls_conn_handshake(cx_tls_conn *t) {
    if (t->done) return 1;
    if (t->failed) return CX_ETLS;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->done = true;
        cx_tls_server *ts = t->gen->ts;
        atomic_fetch_add_explicit(&ts->handshakes, 1, memory_order_relaxed);
        if (SSL_session_reused(t->ssl))
            atomic_fetch_add_explicit(&ts->resumed, 1, memory_order_relaxed);
        return 1;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    t->failed = true;
    atomic_fetch_add_explicit(&t->gen->ts->failures, 1, memory_order_relaxed);
    cx_logger *log = cx_log_default();
    char msg[256] = "connection closed";
    unsigned long err = ERR_peek_last_error();
    if (err) ERR_error_string_n(err, msg, sizeof msg);
    ERR_clear_error();
    CX_LOG(log, CX_LOG_DEBUG, "tls handshake failed", CX_KV_INT("code", CX_ETLS),
           CX_KV_STR("error", msg));
    return CX_ETLS;
}

static ssize_t io_result(cx_tls_conn *t, int r, int fail_errno) {
    switch (SSL_get_error(t->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        ERR_clear_error();
        t->failed = true;
        errno = fail_errno;
        return -1;
    }
}

ssize_t cx_tls_read(cx_tls_conn *t, void *buf, size_t n) {
    if (t->failed) {
        errno = ECONNRESET;
        return -1;
    }
    int r = SSL_read(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (r > 0) return r;
    return io_result(t, r, ECONNRESET);
}

ssize_t cx_tls_write(cx_tls_conn *t, const void *buf, size_t n) {
    if (t->failed) {
        errno = EPIPE;
        return -1;
    }
    int r = SSL_write(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (r > 0) return r;
    return io_result(t, r, EPIPE);
}

bool cx_tls_conn_is_h2(const cx_tls_conn *t) {
    const unsigned char *p;
    unsigned len;
    SSL_get0_alpn_selected(t->ssl, &p, &len);
    return len == 2 && p[0] == 'h' && p[1] == '2';
}

static char *bio_take(BIO *b, char **dst, char *end) {
    char *start = *dst;
    int n = BIO_read(b, start, (int)(end - start - 1));
    if (n < 0) n = 0;
    start[n] = '\0';
    *dst = start + n + 1;
    (void)BIO_reset(b); /* drop whatever did not fit */
    return start;
}

const cx_tls_identity *cx_tls_conn_identity(cx_tls_conn *t) {
    if (t->id_done) return t->id.fingerprint ? &t->id : NULL;
    t->id_done = true;
    X509 *x = SSL_get0_peer_certificate(t->ssl);
    if (!x || SSL_get_verify_result(t->ssl) != X509_V_OK) return NULL;
    enum { MEM = 4096 };
    t->id_mem = malloc(MEM);
    BIO *b = BIO_new(BIO_s_mem());
    if (!t->id_mem || !b) {
        BIO_free(b);
        return NULL;
    }
    char *p = t->id_mem, *end = t->id_mem + MEM - 80;
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    t->id.subject = bio_take(b, &p, p + 1200);
    X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
    t->id.issuer = bio_take(b, &p, p + 1200);
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
        if (i) BIO_puts(b, ",");
        GENERAL_NAME_print(b, gn);
    }
    GENERAL_NAMES_free(gens);
    t->id.sans = bio_take(b, &p, end);
    BIO_free(b);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        ERR_clear_error();
        return NULL;
    }
    static const char hex[] = "0123456789abcdef";
    char *f = p;
    for (unsigned i = 0; i < mdlen; i++) {
        f[2 * i] = hex[md[i] >> 4];
        f[2 * i + 1] = hex[md[i] & 15];
    }
    f[2 * mdlen] = '\0';
    t->id.fingerprint = f;
    t->id.resumed = SSL_session_reused(t->ssl);
    return &t->id;
}

void cx_tls_conn_free(cx_tls_conn *t) {
    if (!t) return;
    if (t->ssl) {
        if (t->done && !t->failed) SSL_shutdown(t->ssl); /* close_notify, no waiting */
        SSL_free(t->ssl);
        ERR_clear_error();
    }
    gen_release(t->gen);
    free(t->id_mem);
    free(t);
}
