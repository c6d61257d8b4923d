/* cx_trace_curl: the network half of the HTTP span exporters.
 *
 * The batch processor calls its exporter on its own thread, off every
 * event loop, and that thread may block; so the sender is libcurl's easy
 * interface, one handle kept for the tracer's life so that the collector's
 * connection is reused from batch to batch. cx_fetch is the client for
 * coroutines; here there is no coroutine to suspend, and a blocking POST is
 * the simplest correct thing. A failed export is an error value that the
 * processor counts (export_errors); spans are never retried, so a collector
 * that is down costs one timeout per batch, bounded by timeout_ms. */
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/trace.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

struct cx_trace_curl {
    CURL *easy;
    uint32_t timeout_ms;
};

static size_t discard(char *p, size_t size, size_t n, void *arg) {
    (void)p;
    (void)arg;
    return size * n;
}

int cx_trace_curl_new(cx_trace_curl **out, uint32_t timeout_ms) {
    if (!out) return CX_EINVAL;
    *out = NULL;
    int rc = cx_fetch_global_init();
    if (rc) return rc;
    cx_trace_curl *c = calloc(1, sizeof *c);
    if (!c) return CX_ENOMEM;
    if (!(c->easy = curl_easy_init())) {
        free(c);
        return CX_EIO;
    }
    c->timeout_ms = timeout_ms ? timeout_ms : CX_TRACE_SEND_TIMEOUT_MS;
    *out = c;
    return 0;
}

void cx_trace_curl_free(cx_trace_curl *c) {
    if (!c) return;
    curl_easy_cleanup(c->easy);
    free(c);
}

int cx_trace_curl_send(void *arg, const char *url, const char *content_type, const void *body,
                       size_t len) {
    cx_trace_curl *c = arg;
    if (!c || !url || (!body && len)) return CX_EINVAL;
    char ct[128];
    int n = snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "");
    if (n < 0 || (size_t)n >= sizeof ct) return CX_EINVAL;
    struct curl_slist *hdrs = curl_slist_append(NULL, ct);
    if (!hdrs) return CX_ENOMEM;
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (cc == CURLE_OPERATION_TIMEDOUT) return CX_ETIMEDOUT;
    if (cc != CURLE_OK) return CX_EIO;
    return status >= 200 && status < 300 ? 0 : CX_EPROTO;
}
