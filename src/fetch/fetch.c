/* cx_fetch(): set up a curl easy handle from a cx_fetch_request, hand it to
 * the client's multi handle and suspend the coroutine until the client's
 * loop reports it done — or until the coroutine's deadline or a
 * cancellation, which take the transfer out of curl on the spot. The
 * transfer record lives on the coroutine's stack: nothing is allocated per
 * request beyond curl's own header list and the response's buffers. */
#include "fetch/fetch_int.h"
#include "core/coro_int.h"
#include <cortex/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WANT_JSON 1u /* cx_fetch_json: add Accept: application/json */

/* ---- curl's callbacks (run on the loop's stack) ------------------------------ */

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
    fetch_xfer *x = ud;
    cx_fetch_response *res = x->res;
    size_t len = size * n;
    if (len > x->max_bytes || res->body_bytes > x->max_bytes - len) {
        x->too_large = true;
        return 0; /* anything but len fails the transfer */
    }
    if (x->stream) return cx_fetch__stream_write(x, p, len);
    res->body_bytes += len;
    const cx_fetch_request *req = x->req;
    if (req->on_body) {
        int rc = req->on_body(req->on_body_data, p, len);
        if (rc) {
            x->abort_code = rc < 0 ? rc : CX_EIO;
            return 0;
        }
        return len;
    }
    if (cx_buf_append(&res->body, p, len)) {
        x->abort_code = CX_ENOMEM;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    return cx_fetch__header_line(ud, p, size * n);
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud) {
    fetch_xfer *x = ud;
    ssize_t got = x->req->body_reader(x->req->body_reader_data, buf, size * n);
    if (got < 0) {
        x->abort_code = (int)got;
        return CURL_READFUNC_ABORT;
    }
    return (size_t)got > size * n ? size * n : (size_t)got;
}

/* ---- setting up the handle ---------------------------------------------------------- */

static bool clean_field(const char *s) {
    return s && !strpbrk(s, "\r\n");
}

/* "Name: value" into the list; curl sends "Name;" for an empty value and
 * takes "Name:" as "remove curl's default header". */
static int add_header(struct curl_slist **list, const char *name, const char *value) {
    if (!clean_field(name) || !*name || strchr(name, ':') || !clean_field(value)) return CX_EINVAL;
    char line[1024];
    int n = *value ? snprintf(line, sizeof line, "%s: %s", name, value)
                   : snprintf(line, sizeof line, "%s;", name);
    char *big = NULL;
    if (n < 0) return CX_EINVAL;
    if ((size_t)n >= sizeof line) {
        big = malloc((size_t)n + 1);
        if (!big) return CX_ENOMEM;
        snprintf(big, (size_t)n + 1, *value ? "%s: %s" : "%s;", name, value);
    }
    struct curl_slist *l = curl_slist_append(*list, big ? big : line);
    free(big);
    if (!l) return CX_ENOMEM;
    *list = l;
    return CX_OK;
}

static int build_headers(fetch_xfer *x, bool has_body, unsigned flags) {
    const cx_fetch_request *req = x->req;
    struct curl_slist *l = NULL;
    int rc = CX_OK;
    /* No "Expect: 100-continue" round trip: most servers answer at once. */
    if (has_body && !(l = curl_slist_append(l, "Expect:"))) rc = CX_ENOMEM;
    if (!rc && req->content_type) rc = add_header(&l, "Content-Type", req->content_type);
    if (!rc && (flags & WANT_JSON)) rc = add_header(&l, "Accept", "application/json");
    for (size_t i = 0; !rc && i < req->nheaders; i++)
        rc = add_header(&l, req->headers[i].name,
                        req->headers[i].value ? req->headers[i].value : "");
    x->headers = l;
    return rc;
}

static long http_version(cx_fetch_http h) {
    switch (h) {
    case CX_FETCH_HTTP_1_1:
        return CURL_HTTP_VERSION_1_1;
    case CX_FETCH_HTTP_2:
        return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    default:
        return CURL_HTTP_VERSION_2TLS;
    }
}

static int setup(fetch_xfer *x, unsigned flags) {
    CURL *e = x->easy;
    const cx_fetch_request *req = x->req;
    const cx_fetch_client *c = x->client;
    const cx_fetch_options *o = &c->opts;
    bool has_body = req->body || req->body_reader;
    const char *method = req->method ? req->method : has_body ? "POST" : "GET";
    if (!*method || strpbrk(method, " \r\n\t")) return CX_EINVAL;
    int rc = build_headers(x, has_body, flags);
    if (rc) return rc;

    CURLcode cr = CURLE_OK;
    cr |= curl_easy_setopt(e, CURLOPT_URL, req->url);
    cr |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    cr |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    cr |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    cr |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    cr |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    cr |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    cr |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    cr |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    cr |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    cr |= curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    cr |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    uint32_t ct = req->connect_timeout_ms ? req->connect_timeout_ms : o->connect_timeout_ms;
    uint32_t tt = req->timeout_ms ? req->timeout_ms : o->timeout_ms;
    cr |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)ct);
    cr |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tt == CX_FETCH_NO_TIMEOUT ? 0L : (long)tt);
    if (req->max_redirects) {
        cr |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        cr |= curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)req->max_redirects);
    }
    if (x->max_bytes < (size_t)INT64_MAX)
        cr |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
    cr |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, http_version(req->http));
    /* Wait for a connection that may multiplex rather than open another. */
    if (o->multiplex) cr |= curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);

    if (req->insecure) {
        cr |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        cr |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    const char *ca = req->ca_file ? req->ca_file : c->ca_file;
    if (ca) cr |= curl_easy_setopt(e, CURLOPT_CAINFO, ca);
    if (req->ca_path) cr |= curl_easy_setopt(e, CURLOPT_CAPATH, req->ca_path);
    if (req->client_cert) cr |= curl_easy_setopt(e, CURLOPT_SSLCERT, req->client_cert);
    if (req->client_key) cr |= curl_easy_setopt(e, CURLOPT_SSLKEY, req->client_key);
    if (req->client_key_password)
        cr |= curl_easy_setopt(e, CURLOPT_KEYPASSWD, req->client_key_password);

    if (strcmp(method, "HEAD") == 0) {
        cr |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        if (req->body) {
            cr |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            cr |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
        } else {
            cr |= curl_easy_setopt(e, CURLOPT_POST, 1L);
            cr |= curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
            cr |= curl_easy_setopt(e, CURLOPT_READDATA, x);
            cr |= curl_easy_setopt(
                e, CURLOPT_POSTFIELDSIZE_LARGE,
                (curl_off_t)(req->body_reader_len < 0 ? -1 : req->body_reader_len));
        }
        if (strcmp(method, "POST") != 0) cr |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        cr |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    return cr == CURLE_OK ? CX_OK : CX_EINVAL;
}

/* ---- the result ---------------------------------------------------------------------- */

void cx_fetch__read_info(fetch_xfer *x) {
    cx_fetch_response *res = x->res;
    long status = 0, version = 0, redirects = 0, connects = 0;
    curl_off_t total_us = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
    res->status = (int)status;
    res->http_version = version == CURL_HTTP_VERSION_1_0   ? 10
                        : version == CURL_HTTP_VERSION_1_1 ? 11
                        : version == CURL_HTTP_VERSION_2_0 ? 20
                        : version == CURL_HTTP_VERSION_3   ? 30
                                                           : 0;
    res->redirects = (unsigned)redirects;
    res->connects = (unsigned)connects;
    res->elapsed_ms = (uint32_t)(total_us / 1000);
}

/* The wait ended before curl finished: the deadline or a cancel. */
static int interrupted(fetch_xfer *x, int why) {
    if (why == CX_ECANCELED)
        return cx_fetch__fail(x->res, CX_FETCH_ECANCELLED, 0, 0,
                              "the coroutine was cancelled during the transfer");
    if (why == CX_ETIMEDOUT)
        return cx_fetch__fail(x->res, CX_FETCH_ETIMEOUT, 0, 0,
                              "the coroutine's deadline passed during the transfer");
    return cx_fetch__fail(x->res, CX_FETCH_EOTHER, why, 0, cx_fetch_strerror(CX_FETCH_EOTHER));
}

/* Check the call, take a handle, set it up and hand it to curl. 0 with the
 * transfer running, or the failure already written to res (and x cleaned). */
int cx_fetch__launch(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res,
                     unsigned flags, fetch_xfer *x) {
    if (!res) return CX_EINVAL;
    *res = (cx_fetch_response){0};
    if (!c || !req || !req->url)
        return cx_fetch__fail(res, CX_FETCH_EINVALID, 0, 0, "no client, request or url");
    cx_coro *co = cx_coro_self();
    if (!co || cx_coro_loop(co) != c->loop)
        return cx_fetch__fail(res, CX_FETCH_EINVALID, CX_ESTATE, 0,
                              "cx_fetch must run in a coroutine on the client's loop");
    if (cx_coro_cancelled(co))
        return cx_fetch__fail(res, CX_FETCH_ECANCELLED, 0, 0, "the coroutine is cancelled");
    uint64_t deadline = cx_coro_deadline(co);
    if (deadline && deadline <= cx_loop_now(c->loop))
        return cx_fetch__fail(res, CX_FETCH_ETIMEOUT, 0, 0, "the coroutine's deadline has passed");

    x->client = c;
    x->co = co;
    x->req = req;
    x->res = res;
    x->max_bytes = req->max_response_bytes ? req->max_response_bytes : c->opts.max_response_bytes;
    x->max_head = c->opts.max_response_headers;
    x->easy = cx_fetch__easy_take(c);
    int rc;
    if (!x->easy) {
        rc = cx_fetch__fail(res, CX_FETCH_ENOMEM, 0, 0, NULL);
    } else if ((rc = setup(x, flags))) {
        rc = cx_fetch__fail(res, rc == CX_ENOMEM ? CX_FETCH_ENOMEM : CX_FETCH_EINVALID, rc, 0,
                            rc == CX_ENOMEM ? NULL : "bad method, header or option");
    } else if ((rc = cx_fetch__start(c, x))) {
        rc = cx_fetch__fail(res, CX_FETCH_ENOMEM, rc, 0, "curl refused the transfer");
    } else {
        return CX_OK;
    }
    cx_fetch__release(x);
    return rc;
}

/* After a wait on x: the outcome if the transfer is over (done, or cut
 * short by the deadline or a cancel, `why`), else 1 (still running). */
int cx_fetch__settle(fetch_xfer *x, int why) {
    if (x->done) {
        cx_fetch__read_info(x);
        return x->result == CURLE_OK ? CX_OK : cx_fetch__fail_curl(x, x->result);
    }
    if (why >= 0) return 1;
    cx_fetch__stop(x->client, x);
    cx_fetch__read_info(x);
    return interrupted(x, why);
}

void cx_fetch__release(fetch_xfer *x) {
    if (x->attached) cx_fetch__stop(x->client, x);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    cx_fetch__easy_give(x->client, x->easy);
    x->easy = NULL;
}

static int run(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res,
               unsigned flags) {
    fetch_xfer x = {0};
    int rc = cx_fetch__launch(c, req, res, flags, &x);
    if (rc) return rc;
    do rc = cx_fetch__settle(&x, cx_coro__wait(x.co, &x));
    while (rc == 1);
    cx_fetch__release(&x);
    return rc;
}

int cx_fetch(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res) {
    return run(c, req, res, 0);
}

int cx_fetch_json(cx_fetch_client *c, const cx_fetch_request *req, const char *json, size_t len,
                  cx_arena *arena, const cx_json **out, cx_fetch_response *res) {
    if (out) *out = NULL;
    if (!req || !arena || !out) {
        if (res) *res = (cx_fetch_response){0};
        return res ? cx_fetch__fail(res, CX_FETCH_EINVALID, 0, 0, "no request, arena or out")
                   : CX_EINVAL;
    }
    cx_fetch_request r = *req;
    if (json) {
        r.body = json;
        r.body_len = len;
        r.body_reader = NULL;
        if (!r.content_type) r.content_type = "application/json";
    }
    int rc = run(c, &r, res, WANT_JSON);
    if (rc || res->status < 200 || res->status > 299 || res->body.len == 0) return rc;
    cx_json_error err;
    rc = cx_fetch_response_json(res, arena, NULL, out, &err);
    if (rc) {
        char msg[CX_FETCH_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "response is not JSON: %s", err.message);
        return cx_fetch__fail(res, CX_FETCH_EPROTOCOL, rc, 0, msg);
    }
    return CX_OK;
}
