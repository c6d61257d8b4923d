/* TLS on the server, in process: certificates are made with the OpenSSL API
 * into a temporary directory, a server runs on a thread, and an OpenSSL
 * client checks the handshake, ALPN, SNI, client certificates, the identity
 * a handler sees, handshake counters, bad settings and reload. */
#include "harness.h"
#include "test_server.h"
#include <cortex/cortex.h>
#include <cortex/tls.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static char dir[64];

static char *path(const char *name) {
    static char buf[8][128];
    static int i;
    char *p = buf[i++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (e) X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A certificate for cn (and san), signed by issuer (self-signed when NULL);
 * written as <name>.pem / <name>.key. */
static void make_cert(const char *name, const char *cn, const char *san, X509 *issuer,
                      EVP_PKEY *ikey, X509 **out_x, EVP_PKEY **out_k) {
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, k);
    if (!issuer) add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    if (san) add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san);
    X509_sign(x, ikey ? ikey : k, EVP_sha256());
    FILE *f = fopen(path(name), "w");
    PEM_write_X509(f, x);
    fclose(f);
    char kn[64];
    snprintf(kn, sizeof kn, "%.*s.key", (int)(strlen(name) - 4), name);
    f = fopen(path(kn), "w");
    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    *out_x = x;
    *out_k = k;
}

static X509 *ca, *srv, *alt, *cli, *bad;
static EVP_PKEY *ca_k, *srv_k, *alt_k, *cli_k, *bad_k;

static void make_all(void) {
    if (ca) return;
    snprintf(dir, sizeof dir, "/tmp/cx-test-tls-XXXXXX");
    if (!mkdtemp(dir)) abort();
    make_cert("ca.pem", "Unit CA", NULL, NULL, NULL, &ca, &ca_k);
    make_cert("srv.pem", "localhost", "DNS:localhost", ca, ca_k, &srv, &srv_k);
    make_cert("alt.pem", "alt.test", "DNS:alt.test", ca, ca_k, &alt, &alt_k);
    make_cert("cli.pem", "alice", "email:alice@example.com", ca, ca_k, &cli, &cli_k);
    make_cert("bad.pem", "mallory", NULL, NULL, NULL, &bad, &bad_k);
}

/* ---- a server on a thread ----------------------------------------------------- */

static int whoami(cx_ctx *ctx) {
    const cx_tls_identity *id = cx_req_tls_identity(cx_ctx_req(ctx));
    cx_buf *b = cx_res_body(cx_ctx_res(ctx));
    return cx_buf_printf(b, "tls=%d v=%d subject=%s fp=%s", cx_req_is_tls(cx_ctx_req(ctx)),
                         cx_req_version(cx_ctx_req(ctx)), id ? id->subject : "-",
                         id ? id->fingerprint : "-");
}

static int start(test_srv *r, cx_tls_client_auth auth) {
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.http2 = true;
    o.handler = whoami;
    cx_tls_options t;
    cx_tls_options_default(&t);
    t.ncerts = 2;
    t.certs[0] = (cx_tls_cert){path("srv.pem"), path("srv.key"), NULL};
    t.certs[1] = (cx_tls_cert){path("alt.pem"), path("alt.key"), NULL};
    t.client_auth = auth;
    t.client_ca_file = path("ca.pem");
    o.tls = &t;
    return test_srv_start_opts(r, &o);
}

/* ---- a client ------------------------------------------------------------------- */

typedef struct result {
    int ok; /* handshake done */
    char alpn[16];
    char body[512];
    X509 *peer; /* the server's certificate (owned) */
} result;

static void client(uint16_t port, const char *sni, const char *alpn, X509 *cert, EVP_PKEY *key,
                   result *out) {
    memset(out, 0, sizeof *out);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (cert) {
        SSL_CTX_use_certificate(ctx, cert);
        SSL_CTX_use_PrivateKey(ctx, key);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (sni) SSL_set_tlsext_host_name(ssl, sni);
        if (alpn) SSL_set_alpn_protos(ssl, (const unsigned char *)alpn, (unsigned)strlen(alpn));
        if (SSL_connect(ssl) == 1) {
            out->ok = 1;
            const unsigned char *p;
            unsigned len;
            SSL_get0_alpn_selected(ssl, &p, &len);
            if (len && len < sizeof out->alpn) memcpy(out->alpn, p, len);
            out->peer = SSL_get1_peer_certificate(ssl);
            if (!alpn || strcmp(out->alpn, "h2") != 0) {
                const char req[] = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
                SSL_write(ssl, req, sizeof req - 1);
                char buf[2048];
                int n, total = 0;
                while ((n = SSL_read(ssl, buf + total, (int)sizeof buf - 1 - total)) > 0)
                    total += n;
                buf[total] = '\0';
                char *body = strstr(buf, "\r\n\r\n");
                if (body)
                    snprintf(out->body, sizeof out->body, "%s", body + 4);
                else
                    out->ok = 0; /* TLS 1.3: a refused client cert shows here */
            }
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
    }
    close(fd);
    SSL_CTX_free(ctx);
    ERR_clear_error();
}

static bool same_cert(X509 *a, X509 *b) {
    return a && b && X509_cmp(a, b) == 0;
}

/* ---- tests -------------------------------------------------------------------------- */

TEST(http1_over_tls_and_alpn) {
    make_all();
    test_srv r;
    CHECK_EQ(start(&r, CX_TLS_CLIENT_NONE), 0);
    uint16_t port = cx_server_port(r.s);
    result res;
    client(port, "localhost", "\x08http/1.1", NULL, NULL, &res);
    CHECK(res.ok);
    CHECK_STR(res.alpn, "http/1.1");
    CHECK_STR(res.body, "tls=1 v=11 subject=- fp=-");
    CHECK(same_cert(res.peer, srv));
    X509_free(res.peer);
    client(port, "localhost", "\x02h2\x08http/1.1", NULL, NULL, &res);
    CHECK(res.ok);
    CHECK_STR(res.alpn, "h2");
    X509_free(res.peer);
    client(port, NULL, NULL, NULL, NULL, &res); /* no SNI, no ALPN */
    CHECK(res.ok);
    CHECK_STR(res.body, "tls=1 v=11 subject=- fp=-");
    CHECK(same_cert(res.peer, srv));
    X509_free(res.peer);
    cx_tls_stats st;
    cx_server_tls_stats(r.s, &st);
    CHECK_EQ(st.handshakes, 3);
    CHECK_EQ(st.failures, 0);
    test_srv_stop(&r);
}

TEST(sni_chooses_the_certificate) {
    make_all();
    test_srv r;
    CHECK_EQ(start(&r, CX_TLS_CLIENT_NONE), 0);
    result res;
    client(cx_server_port(r.s), "alt.test", NULL, NULL, NULL, &res);
    CHECK(res.ok);
    CHECK(same_cert(res.peer, alt));
    X509_free(res.peer);
    client(cx_server_port(r.s), "other.example", NULL, NULL, NULL, &res);
    CHECK(same_cert(res.peer, srv));
    X509_free(res.peer);
    test_srv_stop(&r);
}

TEST(client_certificate_required) {
    make_all();
    test_srv r;
    CHECK_EQ(start(&r, CX_TLS_CLIENT_REQUIRED), 0);
    uint16_t port = cx_server_port(r.s);
    result res;
    client(port, "localhost", NULL, NULL, NULL, &res);
    CHECK(!res.ok || res.body[0] == '\0');
    X509_free(res.peer);
    client(port, "localhost", NULL, bad, bad_k, &res);
    CHECK(!res.ok || res.body[0] == '\0');
    X509_free(res.peer);
    client(port, "localhost", NULL, cli, cli_k, &res);
    CHECK(res.ok);
    unsigned char md[32];
    unsigned mdlen;
    X509_digest(cli, EVP_sha256(), md, &mdlen);
    char want[128] = "tls=1 v=11 subject=CN=alice fp=";
    for (unsigned i = 0; i < 32; i++) snprintf(want + strlen(want), 3, "%02x", md[i]);
    CHECK_STR(res.body, want);
    X509_free(res.peer);
    cx_tls_stats st;
    cx_server_tls_stats(r.s, &st);
    CHECK(st.failures >= 2);
    test_srv_stop(&r);
}

TEST(client_certificate_optional) {
    make_all();
    test_srv r;
    CHECK_EQ(start(&r, CX_TLS_CLIENT_OPTIONAL), 0);
    result res;
    client(cx_server_port(r.s), "localhost", NULL, NULL, NULL, &res);
    CHECK(res.ok);
    CHECK_STR(res.body, "tls=1 v=11 subject=- fp=-");
    X509_free(res.peer);
    test_srv_stop(&r);
}

TEST(bad_settings_are_refused) {
    make_all();
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    cx_tls_options t;
    cx_tls_options_default(&t);
    o.tls = &t;
    cx_server *s = NULL;
    CHECK_EQ(cx_server_new(&s, &o), CX_ECONFIG); /* no certificate */
    t.ncerts = 1;
    t.certs[0] = (cx_tls_cert){path("missing.pem"), path("srv.key"), NULL};
    CHECK_EQ(cx_server_new(&s, &o), CX_ECONFIG);
    t.certs[0] = (cx_tls_cert){path("srv.pem"), path("alt.key"), NULL}; /* key mismatch */
    CHECK_EQ(cx_server_new(&s, &o), CX_ECONFIG);
    t.certs[0] = (cx_tls_cert){path("srv.pem"), path("srv.key"), path("missing.ocsp")};
    CHECK_EQ(cx_server_new(&s, &o), CX_ECONFIG);
    t.certs[0] = (cx_tls_cert){path("srv.pem"), path("srv.key"), NULL};
    t.client_auth = CX_TLS_CLIENT_REQUIRED; /* without a CA */
    CHECK_EQ(cx_server_new(&s, &o), CX_ECONFIG);
    CHECK(s == NULL);
    ERR_clear_error();
}

TEST(reload_swaps_certificates) {
    make_all();
    test_srv r;
    CHECK_EQ(start(&r, CX_TLS_CLIENT_NONE), 0);
    cx_tls_options t;
    cx_tls_options_default(&t);
    t.ncerts = 1;
    t.certs[0] = (cx_tls_cert){path("alt.pem"), path("alt.key"), NULL};
    CHECK_EQ(cx_server_tls_reload(r.s, &t), 0);
    result res;
    client(cx_server_port(r.s), "localhost", NULL, NULL, NULL, &res);
    CHECK(same_cert(res.peer, alt));
    X509_free(res.peer);
    t.certs[0] = (cx_tls_cert){path("missing.pem"), path("alt.key"), NULL};
    CHECK_EQ(cx_server_tls_reload(r.s, &t), CX_ECONFIG); /* the old one stays */
    client(cx_server_port(r.s), "localhost", NULL, NULL, NULL, &res);
    CHECK(same_cert(res.peer, alt));
    X509_free(res.peer);
    test_srv_stop(&r);
    ERR_clear_error();
}

TEST(tls_error_code) {
    /* Its own code, apart from protocol errors, with its own message. */
    CHECK(CX_ETLS < CX_E_BASE);
    CHECK(CX_ETLS != CX_EPROTO);
    CHECK_STR(cx_strerror(CX_ETLS), "TLS handshake or certificate verification failed");
}

TEST(no_tls_means_no_identity) {
    cx_server *s = NULL;
    cx_server_options o;
    cx_server_options_default(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    CHECK_EQ(cx_server_new(&s, &o), 0);
    cx_tls_stats st;
    cx_server_tls_stats(s, &st);
    CHECK_EQ(st.handshakes, 0);
    cx_tls_options t;
    cx_tls_options_default(&t);
    CHECK_EQ(cx_server_tls_reload(s, &t), CX_ESTATE);
    CHECK(cx_req_tls_identity(NULL) == NULL);
    cx_server_free(s);
}

TEST(cleanup) {
    X509 *xs[] = {ca, srv, alt, cli, bad};
    EVP_PKEY *ks[] = {ca_k, srv_k, alt_k, cli_k, bad_k};
    for (int i = 0; i < 5; i++) {
        X509_free(xs[i]);
        EVP_PKEY_free(ks[i]);
    }
    if (dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK_EQ(system(cmd), 0);
    }
}

TEST_MAIN()
