/* Tracing internals (src/observe). */
#ifndef CX_OBSERVE_TRACE_INT_H
#define CX_OBSERVE_TRACE_INT_H

#include <cortex/arena.h>
#include <cortex/trace.h>
#include <pthread.h>
#include <stdatomic.h>

struct cx_span {
    _Atomic unsigned refs;
    struct cx_tracer *tracer;
    cx_arena *arena; /* every copy the span makes; NULL when not recording */
    bool recording, ended;
    /* Started by cx_trace_middleware: when a cx_panic() jumps past the
     * middleware, cx__trace_coro_done() ends it on the middleware's behalf. */
    bool scope_owned;
    const char *name;
    cx_span_kind kind;
    cx_span_context ctx;
    uint8_t parent_span_id[8];
    uint64_t start_ns, end_ns;
    cx_attr *attrs;
    size_t nattrs;
    cx_span_event_view *events;
    size_t nevents;
    cx_span_context *links;
    size_t nlinks;
    cx_span_status_code status;
    const char *status_description;
    unsigned dropped_attrs, dropped_events, dropped_links;
};

/* The batch processor: a bounded multi-producer queue drained by a thread. */
typedef struct cx_batch cx_batch;
int cx__batch_new(cx_batch **out, const cx_batch_options *o, cx_span_exporter exp,
                  struct cx_tracer *t);
/* false when the queue is full (the caller counts the drop). Takes s's
 * reference on success. */
bool cx__batch_push(cx_batch *b, cx_span *s);
int cx__batch_flush(cx_batch *b, uint32_t timeout_ms);
void cx__batch_free(cx_batch *b);

struct cx_tracer {
    char *service;
    cx_sampler *sampler;
    cx_span_limits limits;
    cx_batch *batch; /* NULL: spans are recorded but go nowhere */
    _Atomic uint64_t started, sampled, exported, dropped, export_errors;
};

/* cx_trace_encode_otlp_protobuf with the message tree built in a (which the
 * caller resets or frees afterwards): the HTTP exporter keeps one arena for
 * all its batches. 0 or CX_ENOMEM. */
int cx__trace_encode_otlp_protobuf_in(cx_arena *a, const cx_span *const *spans, size_t n,
                                      const char *service, cx_buf *out);

uint64_t cx__trace_now_ns(void);
void cx__hex(const uint8_t *p, size_t n, char *out); /* 2n chars and a NUL */

#endif
