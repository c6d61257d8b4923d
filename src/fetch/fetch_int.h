/* Fetch, the private side: the client (one curl multi handle driven by a
 * cx_loop) and the transfer record that lives on the fetching coroutine's
 * stack while curl works on it. */
#ifndef CX_FETCH_FETCH_INT_H
#define CX_FETCH_FETCH_INT_H

#include <cortex/coro.h>
#include <cortex/fetch.h>
#include <curl/curl.h>

typedef struct fetch_sock fetch_sock;

/* One transfer in flight. Lives in cx_fetch()'s frame; curl's callbacks
 * reach it through CURLOPT_PRIVATE and the *DATA options. */
typedef struct fetch_xfer {
    cx_fetch_client *client;
    CURL *easy;
    cx_coro *co;
    const cx_fetch_request *req;
    cx_fetch_response *res;
    struct curl_slist *headers;
    struct fetch_xfer *next, *prev; /* the client's in-flight list */
    struct cx_fetch_stream *stream; /* set for cx_fetch_open() transfers */
    size_t max_bytes;
    size_t max_head;
    int abort_code; /* a callback's code, or CX_ELIMIT for too large */
    bool too_large;
    bool head_full;
    bool attached; /* in the multi handle and the client's list */
    bool done;     /* curl reported the end (result holds its code) */
    CURLcode result;
    char errbuf[CURL_ERROR_SIZE];
} fetch_xfer;

struct cx_fetch_client {
    cx_loop *loop;
    CURLM *multi;
    cx_timer timer;
    cx_fetch_options opts;
    char *ca_file; /* owned copies of the options' strings */
    char *user_agent;
    fetch_sock *acting; /* the socket whose event is being handled */
    fetch_sock *socks;  /* every socket watched for curl */
    fetch_xfer *xfers;  /* in flight */
    size_t nxfers;
    CURL **idle; /* easy handles kept for reuse */
    unsigned nidle;
};

/* client.c: take a reset easy handle (NULL when out of memory), give one
 * back, and add/remove a transfer to/from the multi handle. */
CURL *cx_fetch__easy_take(cx_fetch_client *c);
void cx_fetch__easy_give(cx_fetch_client *c, CURL *easy);
int cx_fetch__start(cx_fetch_client *c, fetch_xfer *x);
void cx_fetch__stop(cx_fetch_client *c, fetch_xfer *x);

/* fetch.c: the three steps of a fetch. launch: validate, set up and add
 * the transfer (0, or the failure written to res and x released); settle:
 * after a wait that returned `why`, the outcome once the transfer is over,
 * or 1 while it runs; release: detach and give back the handle. */
int cx_fetch__launch(cx_fetch_client *c, const cx_fetch_request *req, cx_fetch_response *res,
                     unsigned flags, fetch_xfer *x);
int cx_fetch__settle(fetch_xfer *x, int why);
void cx_fetch__release(fetch_xfer *x);
/* Status, version, redirects, connects and time into x->res. */
void cx_fetch__read_info(fetch_xfer *x);

/* stream.c: the write callback's work for a stream, and the end of the
 * response head (the stream's open() may return). */
size_t cx_fetch__stream_write(fetch_xfer *x, const char *p, size_t len);
void cx_fetch__stream_head_done(fetch_xfer *x);

/* error.c: fill res->error for kind with a message; returns the code. */
int cx_fetch__fail(cx_fetch_response *res, cx_fetch_kind kind, int code, int curl_code,
                   const char *message);
/* Classify a finished transfer's curl result. */
int cx_fetch__fail_curl(fetch_xfer *x, CURLcode rc);

/* response.c: the header callback's work, one line at a time. */
size_t cx_fetch__header_line(fetch_xfer *x, const char *line, size_t len);

#endif
