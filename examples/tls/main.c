/* HTTPS with HTTP/2 and optional client certificates.
 *
 *   ./example_tls CERT.pem KEY.pem [CLIENT_CA.pem] [PORT]
 *
 * Serves GET / ("Hello over TLS") and GET /whoami (the verified client
 * certificate, if any) on https://localhost:PORT (8443), with "h2" and
 * "http/1.1" offered by ALPN. With CLIENT_CA.pem, clients may present a
 * certificate signed by that CA. Try:
 *
 *   curl --cacert ca.pem https://localhost:8443/
 *   curl --cacert ca.pem --cert client.pem --key client.key https://localhost:8443/whoami
 *
 * (tests/integration/test_tls.py shows how to make such certificates with
 * the openssl CLI.) SIGHUP reloads the certificate files; SIGTERM stops. */
#include <cortex/cortex.h>
#include <cortex/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hello(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    return cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "Hello over %s (HTTP/%s)\n",
                         cx_req_is_tls(req) ? "TLS" : "plain TCP",
                         cx_req_version(req) == 20 ? "2" : "1.1");
}

static int whoami(cx_ctx *ctx) {
    const cx_tls_identity *id = cx_req_tls_identity(cx_ctx_req(ctx));
    cx_buf *b = cx_res_body(cx_ctx_res(ctx));
    if (!id) return cx_buf_puts(b, "no client certificate\n");
    return cx_buf_printf(b, "subject: %s\nissuer: %s\nsans: %s\nsha256: %s\n", id->subject,
                         id->issuer, id->sans, id->fingerprint);
}

struct app {
    cx_server *srv;
    cx_tls_options tls;
};

static int reload(void *arg) {
    struct app *a = arg;
    int rc = cx_server_tls_reload(a->srv, &a->tls);
    fprintf(stderr, "reload: %s\n", rc ? cx_strerror(rc) : "new certificates in use");
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CERT.pem KEY.pem [CLIENT_CA.pem] [PORT]\n", argv[0]);
        return 2;
    }
    cx_router *r;
    if (cx_router_new(&r)) return 1;
    cx_router_get(r, "/", hello, NULL);
    cx_router_get(r, "/whoami", whoami, NULL);

    struct app a;
    cx_tls_options_default(&a.tls);
    a.tls.ncerts = 1;
    a.tls.certs[0] = (cx_tls_cert){.cert_file = argv[1], .key_file = argv[2]};
    if (argc > 3 && *argv[3]) {
        a.tls.client_ca_file = argv[3];
        a.tls.client_auth = CX_TLS_CLIENT_OPTIONAL;
    }

    cx_server_options o;
    cx_server_options_default(&o);
    o.port = argc > 4 ? (uint16_t)atoi(argv[4]) : 8443;
    o.http2 = true;
    o.hsts_max_age = 300;
    o.tls = &a.tls;
    o.handler = cx_router_handle;
    o.handler_data = r;
    int rc = cx_server_new(&a.srv, &o);
    if (rc) {
        fprintf(stderr, "cannot start: %s\n", cx_strerror(rc));
        cx_router_free(r);
        return 1;
    }
    cx_server_on_reload(a.srv, reload, &a);
    printf("https://localhost:%u/\n", cx_server_port(a.srv));
    fflush(stdout);
    rc = cx_server_run(a.srv);
    cx_server_free(a.srv);
    cx_router_free(r);
    return rc ? 1 : 0;
}
