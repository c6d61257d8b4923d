/* cx_fetch_open / cx_fetch_read: a response body pulled by the coroutine.
 *
 * curl pushes body bytes from the loop; the stream keeps them in a buffer
 * until the reader takes them. When the buffer holds CX_FETCH_STREAM_BUFFER
 * bytes, the write callback answers CURL_WRITEFUNC_PAUSE (curl keeps that
 * chunk and stops reading the socket, so the peer is slowed down), and the
 * reader unpauses once it has drained the buffer. The transfer record is on
 * the heap here, since it outlives the call that started it. */
#include "fetch/fetch_int.h"
#include "core/coro_int.h"
#include <cortex/error.h>
#include <stdlib.h>
#include <string.h>

struct cx_fetch_stream {
    fetch_xfer x;
    cx_buf buf; /* received, not read yet: [pos, len) */
    size_t pos;
    bool head;   /* the final head has arrived */
    bool paused; /* curl is paused by our write callback */
    int end;     /* 1 once the outcome is known: rc holds it */
    int rc;
};

size_t cx_fetch__stream_write(fetch_xfer *x, const char *p, size_t len) {
    cx_fetch_stream *s = x->stream;
    if (!s->head) { /* a body byte means the head is over */
        s->head = true;
        cx_fetch__read_info(x);
    }
    if (s->buf.len - s->pos >= CX_FETCH_STREAM_BUFFER) {
        s->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (cx_buf_append(&s->buf, p, len)) {
        x->abort_code = CX_ENOMEM;
        return 0;
    }
    x->res->body_bytes += len;
    cx_coro__wake(x->co, x, CX_OK);
    return len;
}

/* The blank line after a head. A 1xx is followed by another head, and so
 * is a redirect that curl is going to follow. */
void cx_fetch__stream_head_done(fetch_xfer *x) {
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200) return;
    bool redirect =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (redirect && x->req->max_redirects &&
        cx_fetch_response_header(x->res, "location", NULL) == CX_OK) {
        long followed = 0;
        curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &followed);
        if ((unsigned long)followed < x->req->max_redirects) return;
    }
    x->stream->head = true;
    cx_fetch__read_info(x);
    cx_coro__wake(x->co, x, CX_OK);
}

/* Wait for news on the transfer; records the outcome when it is over. The
 * transfer may have ended while the reader was busy elsewhere (its wake
 * then found nobody waiting): no wait at all in that case. */
static void wait_news(cx_fetch_stream *s) {
    int why = CX_OK;
    if (!s->x.done) {
        s->x.co = cx_coro_self();
        why = cx_coro__wait(s->x.co, &s->x);
        /* Forget the waiter: the next read may come from another coroutine,
         * and this one may be gone by the time curl calls back. */
        s->x.co = NULL;
    }
    int rc = cx_fetch__settle(&s->x, why);
    if (rc != 1) {
        s->end = 1;
        s->rc = rc;
    }
}

int cx_fetch_open(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res,
                  cx_fetch_stream **out) {
    if (!out) {
        if (res) *res = (cx_fetch_response){0};
        return res ? cx_fetch__fail(res, CX_FETCH_EINVALID, 0, 0, "no out") : CX_EINVAL;
    }
    *out = NULL;
    cx_fetch_stream *s = calloc(1, sizeof *s);
    if (!s) {
        if (res) *res = (cx_fetch_response){0};
        return res ? cx_fetch__fail(res, CX_FETCH_ENOMEM, 0, 0, NULL) : CX_ENOMEM;
    }
    s->x.stream = s;
    int rc = cx_fetch__launch(c, req, res, 0, &s->x);
    if (rc) {
        free(s);
        return rc;
    }
    s->x.co = NULL;
    while (!s->head && !s->end) wait_news(s);
    if (s->end && s->rc) {
        rc = s->rc;
        cx_fetch_stream_close(s);
        return rc;
    }
    *out = s;
    return CX_OK;
}

ssize_t cx_fetch_read(cx_fetch_stream *s, void *buf, size_t cap) {
    if (!s || (!buf && cap)) return CX_EINVAL;
    cx_coro *co = cx_coro_self();
    if (!co || cx_coro_loop(co) != s->x.client->loop) return CX_ESTATE;
    for (;;) {
        size_t have = s->buf.len - s->pos;
        if (have && cap) {
            size_t n = have < cap ? have : cap;
            memcpy(buf, s->buf.data + s->pos, n);
            s->pos += n;
            if (s->pos == s->buf.len) {
                cx_buf_reset(&s->buf);
                s->pos = 0;
            }
            return (ssize_t)n;
        }
        if (s->end) return s->rc;
        if (!cap) return 0;
        if (s->paused) {
            /* Drained: let curl go on (it may deliver the held chunk
             * right here, through the write callback). */
            s->paused = false;
            curl_easy_pause(s->x.easy, CURLPAUSE_CONT);
            continue;
        }
        wait_news(s);
    }
}

void cx_fetch_stream_close(cx_fetch_stream *s) {
    if (!s) return;
    cx_fetch__release(&s->x);
    cx_buf_free(&s->buf);
    free(s);
}
