/* The fetch client: a curl multi handle driven by a cx_loop.
 *
 * curl tells us which sockets it wants watched (CURLMOPT_SOCKETFUNCTION)
 * and when it next needs a tick (CURLMOPT_TIMERFUNCTION); the loop tells
 * curl when a socket is ready or the tick is due (curl_multi_socket_action)
 * and we then collect finished transfers and wake their coroutines.
 *
 * The loop's epoll is edge-triggered, but curl expects level-triggered
 * readiness: it may read one buffer from a socket that holds more and wait
 * to be told again. So after curl has handled an event on a socket that is
 * still watched, the watch is re-armed (EPOLL_CTL_MOD), which makes epoll
 * report the socket again in the next iteration if it is still ready. */
#include "fetch/fetch_int.h"
#include "core/coro_int.h"
#include <cortex/error.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct fetch_sock {
    cx_io io;
    cx_fetch_client *client;
    fetch_sock *next, *prev; /* the client's watched sockets */
};

static void sock_free(cx_fetch_client *c, fetch_sock *s) {
    cx_io_stop(c->loop, &s->io);
    if (c->acting == s) c->acting = NULL;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->socks = s->next;
    if (s->next) s->next->prev = s->prev;
    free(s);
}

/* ---- libcurl's process-wide initialisation -------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc; /* written once, under global_once */

static void global_init_once(void) {
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? CX_OK : CX_EIO;
}

int cx_fetch_global_init(void) {
    pthread_once(&global_once, global_init_once);
    return global_rc;
}

/* ---- options ------------------------------------------------------------------ */

void cx_fetch_options_default(cx_fetch_options *o) {
    if (!o) return;
    *o = (cx_fetch_options){
        .max_host_connections = CX_FETCH_DEFAULT_MAX_HOST_CONNECTIONS,
        .max_cached = CX_FETCH_DEFAULT_MAX_CACHED,
        .max_streams = CX_FETCH_DEFAULT_MAX_STREAMS,
        .multiplex = true,
        .connect_timeout_ms = CX_FETCH_DEFAULT_CONNECT_TIMEOUT_MS,
        .timeout_ms = CX_FETCH_DEFAULT_TIMEOUT_MS,
        .max_response_bytes = CX_FETCH_DEFAULT_MAX_RESPONSE_BYTES,
        .max_response_headers = CX_FETCH_DEFAULT_MAX_RESPONSE_HEADERS,
        .pooled_handles = CX_FETCH_DEFAULT_POOLED_HANDLES,
    };
}

/* ---- driving curl ------------------------------------------------------------- */

/* Hand every finished transfer back to its coroutine. The handle leaves the
 * multi here, on the loop's stack, so the coroutine finds it detached. */
static void collect_done(cx_fetch_client *c) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        fetch_xfer *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
        if (!x) continue;
        x->result = result;
        x->done = true;
        cx_fetch__stop(c, x);
        cx_coro__wake(x->co, x, CX_OK);
    }
}

static void action(cx_fetch_client *c, curl_socket_t fd, int flags) {
    int running;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    collect_done(c);
}

static void on_sock_io(cx_io *io, unsigned events) {
    fetch_sock *s = io->data;
    cx_fetch_client *c = s->client;
    int flags = 0;
    if (events & CX_READABLE) flags |= CURL_CSELECT_IN;
    if (events & CX_WRITABLE) flags |= CURL_CSELECT_OUT;
    if (events & CX_HANGUP) flags |= CURL_CSELECT_ERR;
    c->acting = s;
    action(c, io->fd, flags);
    /* Still watched (curl did not drop it): emulate level triggering. */
    if (c->acting == s) cx_io_modify(c->loop, &s->io, s->io.events);
    c->acting = NULL;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
    cx_fetch_client *c = userp;
    fetch_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_free(c, s);
        }
        return 0;
    }
    unsigned events = 0;
    if (what & CURL_POLL_IN) events |= CX_READABLE;
    if (what & CURL_POLL_OUT) events |= CX_WRITABLE;
    if (s) return cx_io_modify(c->loop, &s->io, events) ? -1 : 0;
    s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->client = c;
    s->io.data = s;
    if (cx_io_start(c->loop, &s->io, fd, events, on_sock_io)) {
        free(s);
        return -1;
    }
    s->next = c->socks;
    if (s->next) s->next->prev = s;
    c->socks = s;
    curl_multi_assign(c->multi, fd, s);
    return 0;
}

static void on_timer(cx_timer *t) {
    action(t->data, CURL_SOCKET_TIMEOUT, 0);
}

/* curl asks for a tick in timeout_ms (0: as soon as possible, never from
 * inside this callback), or for none (-1). */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp) {
    cx_fetch_client *c = userp;
    if (timeout_ms < 0) {
        cx_timer_stop(c->loop, &c->timer);
        return 0;
    }
    return cx_timer_start(c->loop, &c->timer, (uint64_t)timeout_ms) ? -1 : 0;
}

/* ---- life ------------------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *fail) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *fail = true;
    return d;
}

static int configure(cx_fetch_client *c) {
    const cx_fetch_options *o = &c->opts;
    CURLMcode rc = CURLM_OK;
    rc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_PIPELINING,
                            o->multiplex ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_host_connections);
    rc |=
        curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->max_total_connections);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)o->max_cached);
    rc |= curl_multi_setopt(c->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, (long)o->max_streams);
    return rc == CURLM_OK ? CX_OK : CX_EIO;
}

int cx_fetch_client_new(cx_fetch_client **out, cx_loop *loop, const cx_fetch_options *opts) {
    if (!out || !loop) return CX_EINVAL;
    *out = NULL;
    int rc = cx_fetch_global_init();
    if (rc) return rc;
    cx_fetch_client *c = calloc(1, sizeof *c);
    if (!c) return CX_ENOMEM;
    c->loop = loop;
    if (opts)
        c->opts = *opts;
    else
        cx_fetch_options_default(&c->opts);
    cx_fetch_options d;
    cx_fetch_options_default(&d);
    if (!c->opts.max_response_bytes) c->opts.max_response_bytes = d.max_response_bytes;
    if (!c->opts.max_response_headers) c->opts.max_response_headers = d.max_response_headers;
    if (!c->opts.max_streams) c->opts.max_streams = d.max_streams;
    bool fail = false;
    c->ca_file = dup_or_null(c->opts.ca_file, &fail);
    c->user_agent =
        dup_or_null(c->opts.user_agent ? c->opts.user_agent : CX_FETCH_DEFAULT_USER_AGENT, &fail);
    c->opts.ca_file = c->ca_file;
    c->opts.user_agent = c->user_agent;
    c->idle = calloc(c->opts.pooled_handles ? c->opts.pooled_handles : 1, sizeof *c->idle);
    cx_timer_init(&c->timer, on_timer, c);
    c->multi = curl_multi_init();
    if (fail || !c->idle || !c->multi || !c->user_agent) {
        rc = c->multi ? CX_ENOMEM : CX_EIO;
    } else {
        rc = configure(c);
    }
    if (rc) {
        cx_fetch_client_free(c);
        return rc;
    }
    *out = c;
    return CX_OK;
}

void cx_fetch_client_free(cx_fetch_client *c) {
    if (!c) return;
    while (c->xfers) {
        fetch_xfer *x = c->xfers;
        cx_fetch__stop(c, x);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    for (unsigned i = 0; i < c->nidle; i++) curl_easy_cleanup(c->idle[i]);
    /* Closing the multi closes the cached connections, which reports their
     * sockets removed: the loop watches are stopped through on_socket. */
    if (c->multi) curl_multi_cleanup(c->multi);
    while (c->socks) sock_free(c, c->socks); /* any curl did not report removed */
    cx_timer_stop(c->loop, &c->timer);
    free(c->idle);
    free(c->ca_file);
    free(c->user_agent);
    free(c);
}

cx_loop *cx_fetch_client_loop(const cx_fetch_client *c) {
    return c ? c->loop : NULL;
}

size_t cx_fetch_client_active(const cx_fetch_client *c) {
    return c ? c->nxfers : 0;
}

/* ---- handles and transfers -------------------------------------------------------- */

CURL *cx_fetch__easy_take(cx_fetch_client *c) {
    if (c->nidle) return c->idle[--c->nidle];
    return curl_easy_init();
}

/* A reset handle keeps its own caches (none matter here: connections and
 * DNS live in the multi), so reuse saves only the allocation. */
void cx_fetch__easy_give(cx_fetch_client *c, CURL *easy) {
    if (!easy) return;
    if (c->nidle < c->opts.pooled_handles) {
        curl_easy_reset(easy);
        c->idle[c->nidle++] = easy;
        return;
    }
    curl_easy_cleanup(easy);
}

int cx_fetch__start(cx_fetch_client *c, fetch_xfer *x) {
    if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) return CX_ENOMEM;
    x->attached = true;
    x->prev = NULL;
    x->next = c->xfers;
    if (x->next) x->next->prev = x;
    c->xfers = x;
    c->nxfers++;
    return CX_OK;
}

/* Detach x from the multi (idempotent). */
void cx_fetch__stop(cx_fetch_client *c, fetch_xfer *x) {
    if (!x->attached) return;
    curl_multi_remove_handle(c->multi, x->easy);
    if (x->prev)
        x->prev->next = x->next;
    else
        c->xfers = x->next;
    if (x->next) x->next->prev = x->prev;
    c->nxfers--;
    x->attached = false;
}
