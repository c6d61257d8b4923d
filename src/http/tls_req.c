/* What a handler can ask about the TLS under its request, whichever
 * transport (HTTP/1.1 or HTTP/2) carried it. */
#include "server.h"
#include "tls.h"

static cx_tls_conn *tls_of(cx_req *req) {
    if (!req || !req->conn) return NULL;
    if (req->t == &cx_h1_transport) return cx_h1_req_tls(req);
    if (req->t == &cx_h2_transport) return cx_h2_req_tls(req);
    return NULL;
}

const cx_tls_identity *cx_req_tls_identity(cx_req *req) {
    cx_tls_conn *t = tls_of(req);
    return t ? cx_tls_conn_identity(t) : NULL;
}

bool cx_req_is_tls(const cx_req *req) {
    return tls_of((cx_req *)req) != NULL;
}
