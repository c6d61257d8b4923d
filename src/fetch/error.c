/* Fetch errors: curl's many result codes folded into the few kinds a retry
 * policy decides on, each with the code cx_fetch() returns. */
#include "fetch/fetch_int.h"
#include <cortex/error.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *text;
    int code;
} KINDS[CX_FETCH_KIND_COUNT_] = {
    [CX_FETCH_OK] = {"ok", "no error", CX_OK},
    [CX_FETCH_EINVALID] = {"invalid", "invalid URL or request option", CX_EINVAL},
    [CX_FETCH_EDNS] = {"dns", "host name did not resolve", CX_ENOTFOUND},
    [CX_FETCH_ECONNECT] = {"connect", "could not connect to the server", -ECONNREFUSED},
    [CX_FETCH_ETLS] = {"tls", "TLS handshake or certificate verification failed", CX_ETLS},
    [CX_FETCH_ETIMEOUT] = {"timeout", "timed out", CX_ETIMEDOUT},
    [CX_FETCH_EIO] = {"io", "connection broke during the exchange", CX_ECONNRESET},
    [CX_FETCH_EPROTOCOL] = {"protocol", "malformed or incomplete response", CX_EPROTO},
    [CX_FETCH_ECANCELLED] = {"cancelled", "cancelled", CX_ECANCELED},
    [CX_FETCH_ETOOLARGE] = {"too_large", "response larger than the limit", CX_ELIMIT},
    [CX_FETCH_EABORTED] = {"aborted", "stopped by a body callback", CX_EIO},
    [CX_FETCH_ENOMEM] = {"nomem", "out of memory", CX_ENOMEM},
    [CX_FETCH_EOTHER] = {"other", "transfer failed", CX_EIO},
};

const char *cx_fetch_kind_name(cx_fetch_kind kind) {
    if ((unsigned)kind >= CX_FETCH_KIND_COUNT_) return "unknown";
    return KINDS[kind].name;
}

const char *cx_fetch_strerror(cx_fetch_kind kind) {
    if ((unsigned)kind >= CX_FETCH_KIND_COUNT_) return "unknown fetch error";
    return KINDS[kind].text;
}

int cx_fetch__fail(cx_fetch_response *res, cx_fetch_kind kind, int code, int curl_code,
                   const char *message) {
    if ((unsigned)kind >= CX_FETCH_KIND_COUNT_) kind = CX_FETCH_EOTHER;
    if (!code) code = KINDS[kind].code;
    res->error.kind = kind;
    res->error.code = code;
    res->error.curl_code = curl_code;
    snprintf(res->error.message, sizeof res->error.message, "%s",
             message && *message ? message : KINDS[kind].text);
    return code;
}

static cx_fetch_kind classify(CURLcode rc) {
    switch (rc) {
    case CURLE_OK:
        return CX_FETCH_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
        return CX_FETCH_EINVALID;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
        return CX_FETCH_EDNS;
    case CURLE_COULDNT_CONNECT:
        return CX_FETCH_ECONNECT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return CX_FETCH_ETLS;
    case CURLE_OPERATION_TIMEDOUT:
        return CX_FETCH_ETIMEOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return CX_FETCH_EIO;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_RANGE_ERROR:
        return CX_FETCH_EPROTOCOL;
    case CURLE_FILESIZE_EXCEEDED:
        return CX_FETCH_ETOOLARGE;
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
        return CX_FETCH_EABORTED;
    case CURLE_OUT_OF_MEMORY:
        return CX_FETCH_ENOMEM;
    default:
        return CX_FETCH_EOTHER;
    }
}

int cx_fetch__fail_curl(fetch_xfer *x, CURLcode rc) {
    cx_fetch_kind kind = classify(rc);
    int code = 0;
    const char *msg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    /* curl reports a non-HTTP answer ("HTTP/0.9") as an unsupported
     * protocol, which would read as the caller's mistake: once the request
     * went out, it is the peer's. Likewise a malformed chunked body comes as
     * a receive error, told apart only by curl's message. */
    long sent = 0;
    curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent);
    if (kind == CX_FETCH_EINVALID && sent > 0) kind = CX_FETCH_EPROTOCOL;
    if (kind == CX_FETCH_EIO && strstr(x->errbuf, "chunked-encoding")) kind = CX_FETCH_EPROTOCOL;
    if (kind == CX_FETCH_EABORTED) {
        if (x->too_large) {
            kind = CX_FETCH_ETOOLARGE;
            msg = "response body larger than max_response_bytes";
        } else if (x->abort_code == CX_ENOMEM) {
            kind = CX_FETCH_ENOMEM;
        } else if (x->abort_code) {
            code = x->abort_code;
        } else if (rc == CURLE_WRITE_ERROR || rc == CURLE_READ_ERROR) {
            kind = CX_FETCH_EOTHER; /* curl's own write/read failure */
        }
    }
    return cx_fetch__fail(x->res, kind, code, (int)rc, msg);
}
