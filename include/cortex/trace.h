/* Tracing: spans, a tracer, W3C Trace Context and Baggage, samplers, a batch
 * processor and exporters (console, OTLP/HTTP protobuf and JSON, Zipkin v2
 * JSON).
 *
 * A span is one timed operation: a name, a kind, a start and end time,
 * attributes, events (timestamped messages), links to other spans and a
 * status. Its identity, the cx_span_context, is a 16-byte trace id shared by
 * every span of one trace, an 8-byte span id, the trace flags (bit 0:
 * sampled) and the vendors' tracestate. A cx_tracer starts spans: a span's
 * parent is the context given, or else the current span, or else none (a
 * new trace). The tracer's sampler decides, once per span, whether it is
 * recorded and whether it is exported; a span that is not recorded costs
 * one small allocation and no attribute copies.
 *
 * The current span belongs to the running coroutine (or to the thread when
 * no coroutine runs): cx_span_activate() makes a span current until
 * cx_span_deactivate(); a coroutine that waits and resumes keeps its own,
 * and another coroutine on the same thread never sees it. The HTTP layer
 * makes the server span of a request current for its handler.
 *
 * Ended sampled spans go to the tracer's processor: the batch processor
 * puts them in a bounded lock-free queue that a thread of its own drains
 * into an exporter. When the queue is full a span is dropped and counted;
 * ending a span never blocks and never waits for the network.
 *
 * Propagation: cx_trace_extract()/cx_trace_inject() read and write the W3C
 * traceparent and tracestate headers; cx_baggage_* the W3C baggage header.
 * A malformed or all-zero traceparent is ignored (a new trace starts), an
 * over-long tracestate is truncated as the specification says (entries over
 * 128 bytes go first, then entries from the end) and a malformed one is
 * dropped.
 *
 * Objects: spans are reference counted (the tracer hands one reference to
 * the caller, which cx_span_end() gives back); everything else has an owner
 * stated at its constructor.
 */
#ifndef CORTEX_TRACE_H
#define CORTEX_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/buf.h>
#include <cortex/http.h>
#include <cortex/log.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- identity and propagation ---------------------------------------------- */

#define CX_TRACESTATE_MAX      512 /* bytes kept; longer is truncated */
#define CX_TRACESTATE_MAX_KEYS 32  /* list members */
#define CX_TRACE_FLAG_SAMPLED  0x01

typedef struct cx_span_context {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t flags;
    bool remote;                            /* extracted from a peer */
    char tracestate[CX_TRACESTATE_MAX + 1]; /* validated list, NUL-terminated */
} cx_span_context;

/* A context with a non-zero trace id and span id. */
bool cx_span_context_valid(const cx_span_context *sc);

/* Parse a traceparent value ("00-<32 hex>-<16 hex>-<2 hex>"): 0 with *out's
 * ids and flags set; CX_EPARSE when malformed, when either id is all zero,
 * or for version ff. Versions above 00 are read by their first four fields
 * as the specification asks. out->tracestate is left empty. */
int cx_traceparent_parse(cx_str value, cx_span_context *out);
/* Write "00-...-...-.." (55 bytes and a NUL) into buf[56]. */
void cx_traceparent_format(const cx_span_context *sc, char buf[56]);
/* Validate and normalise a tracestate value into out (CX_TRACESTATE_MAX + 1
 * bytes): members trimmed of spaces, empty members skipped, at most
 * CX_TRACESTATE_MAX_KEYS; when longer than CX_TRACESTATE_MAX bytes, members
 * longer than 128 bytes are removed first, then members from the end until
 * it fits. 0; CX_EPARSE (out is then "") for a member that is not
 * key=value with a valid key and value, or for a key given twice. */
int cx_tracestate_parse(cx_str value, char *out);

/* The headers of a request: the span context its caller propagated. 0 with
 * *out set; CX_ENOTFOUND without a valid traceparent (then start a new
 * trace). A bad tracestate alone is dropped, not fatal. */
int cx_trace_extract(const cx_req *req, cx_span_context *out);
/* Set traceparent (and tracestate when not empty) on a header callback,
 * e.g. one that adds to an outgoing request. */
int cx_trace_inject(const cx_span_context *sc,
                    int (*set_header)(void *arg, const char *name, const char *value), void *arg);

/* W3C Baggage: up to CX_BAGGAGE_MAX_ENTRIES entries, CX_BAGGAGE_MAX_BYTES in
 * all (the specification's minimums). Values are percent-decoded on parse
 * and encoded on format; properties (";k=v") are kept verbatim. */
#define CX_BAGGAGE_MAX_ENTRIES 64
#define CX_BAGGAGE_MAX_BYTES   8192

typedef struct cx_baggage_entry {
    char *key;
    char *value;
    char *properties; /* "" when none */
} cx_baggage_entry;

typedef struct cx_baggage {
    cx_baggage_entry entries[CX_BAGGAGE_MAX_ENTRIES];
    size_t n;
} cx_baggage;

/* Parse a baggage header into b (entries appended; later duplicates replace
 * earlier ones). 0; CX_EPARSE for a malformed member (members before it are
 * kept); CX_ELIMIT past the limits (the rest is ignored); CX_ENOMEM. */
int cx_baggage_parse(cx_baggage *b, cx_str value);
/* Set (copy) or replace an entry. 0, CX_EINVAL (bad key), CX_ELIMIT, CX_ENOMEM. */
int cx_baggage_set(cx_baggage *b, const char *key, const char *value);
/* The value of key, or NULL. */
const char *cx_baggage_get(const cx_baggage *b, const char *key);
/* The header value, appended to out. 0, CX_ELIMIT (over the byte limit:
 * entries that do not fit are left out) or CX_ENOMEM. */
int cx_baggage_format(const cx_baggage *b, cx_buf *out);
void cx_baggage_free(cx_baggage *b);

/* ---- spans ----------------------------------------------------------------- */

typedef struct cx_tracer cx_tracer;
typedef struct cx_span cx_span;

typedef enum cx_span_kind {
    CX_SPAN_INTERNAL = 0,
    CX_SPAN_SERVER,
    CX_SPAN_CLIENT,
    CX_SPAN_PRODUCER,
    CX_SPAN_CONSUMER
} cx_span_kind;

typedef enum cx_span_status_code {
    CX_SPAN_UNSET = 0,
    CX_SPAN_OK,
    CX_SPAN_ERROR
} cx_span_status_code;

typedef enum cx_attr_type { CX_ATTR_STR, CX_ATTR_INT, CX_ATTR_DOUBLE, CX_ATTR_BOOL } cx_attr_type;

typedef struct cx_attr {
    const char *key;
    cx_attr_type type;
    union {
        cx_str s;
        int64_t i;
        double d;
        bool b;
    } v;
} cx_attr;

#define CX_ATTR_S(k, x) ((cx_attr){.key = (k), .type = CX_ATTR_STR, .v.s = cx_str_from(x)})
#define CX_ATTR_I(k, x) ((cx_attr){.key = (k), .type = CX_ATTR_INT, .v.i = (int64_t)(x)})
#define CX_ATTR_D(k, x) ((cx_attr){.key = (k), .type = CX_ATTR_DOUBLE, .v.d = (double)(x)})
#define CX_ATTR_B(k, x) ((cx_attr){.key = (k), .type = CX_ATTR_BOOL, .v.b = (x)})

/* Per-span limits; past them attributes/events/links are dropped and
 * counted on the span (dropped_* in the exports). */
typedef struct cx_span_limits {
    unsigned max_attributes;       /* 32 */
    unsigned max_events;           /* 32 */
    unsigned max_links;            /* 16 */
    unsigned max_event_attributes; /* 8 */
    size_t max_value_len;          /* bytes of a string attribute, 256 (cut) */
} cx_span_limits;

typedef struct cx_span_start {
    cx_span_kind kind;
    /* The parent: NULL takes the current span's context (if any); a context
     * whose trace id is zero means "no parent" (a new trace). */
    const cx_span_context *parent;
    bool root;            /* ignore the current span: start a new trace */
    const cx_attr *attrs; /* known at start (samplers see them) */
    size_t nattrs;
    const cx_span_context *links;
    size_t nlinks;
    uint64_t start_ns; /* Unix ns; 0: now */
} cx_span_start;

/* Start a span. Never NULL unless out of memory; a span the sampler drops
 * is a valid, non-recording span (its updates are no-ops) that still
 * carries a context to propagate. The caller owns one reference, given back
 * by cx_span_end(). opts NULL: an internal span under the current one. */
cx_span *cx_tracer_start(cx_tracer *t, const char *name, const cx_span_start *opts);

/* Updates; ignored on NULL, on non-recording and on ended spans. Strings
 * are copied. */
void cx_span_set_attr(cx_span *s, cx_attr a);
void cx_span_add_event(cx_span *s, const char *name, const cx_attr *attrs, size_t n);
void cx_span_add_link(cx_span *s, const cx_span_context *sc);
void cx_span_set_status(cx_span *s, cx_span_status_code code, const char *description);
void cx_span_set_name(cx_span *s, const char *name);
/* End the span (end_ns 0: now), hand it to the processor when sampled and
 * give back the caller's reference. Ending twice is a no-op past the first. */
void cx_span_end(cx_span *s, uint64_t end_ns);

const cx_span_context *cx_span_context_of(const cx_span *s);
bool cx_span_recording(const cx_span *s);
/* Extra references, for code that keeps a span past its owner's end. */
cx_span *cx_span_ref(cx_span *s);
void cx_span_unref(cx_span *s);

/* The current span of the running coroutine (or thread); NULL when none.
 * Borrowed: valid while it stays current. */
cx_span *cx_span_current(void);
/* Make s current (a reference is taken) and return the one it replaces, to
 * hand to cx_span_deactivate() — pairs must nest. When s is already
 * current, or the per-thread table of CX_TRACE_MAX_ACTIVE coroutines is
 * full, nothing changes and s itself is returned, which deactivate
 * recognises. */
#define CX_TRACE_MAX_ACTIVE 4096
cx_span *cx_span_activate(cx_span *s);
void cx_span_deactivate(cx_span *s_activated, cx_span *previous);

/* "0af7651916cd43dd8448eb211c80319c" and "b7ad6b7169203331" of the current
 * span into bufs of 33 and 17 bytes; false when there is none. */
bool cx_trace_current_ids(char trace_hex[33], char span_hex[17]);

/* A cx_log_context_fn (cortex/log.h): trace_id and span_id fields while a
 * span is current, none otherwise. arg is unused.
 *   cx_log_set_context(NULL, cx_trace_log_context, NULL); */
size_t cx_trace_log_context(void *arg, cx_log_field *out, size_t cap);

/* ---- samplers -------------------------------------------------------------- */

typedef struct cx_sampler cx_sampler;

typedef enum cx_sampling_decision {
    CX_SAMPLE_DROP = 0,     /* not recorded, not exported */
    CX_SAMPLE_RECORD,       /* recorded, not exported */
    CX_SAMPLE_RECORD_SAMPLE /* recorded and exported; the sampled flag is set */
} cx_sampling_decision;

/* Constructors: 0 with *out set, CX_EINVAL, CX_ENOMEM. The caller owns the
 * sampler (or hands it to a tracer, see cx_tracer_options). */
int cx_sampler_always_on(cx_sampler **out);
int cx_sampler_always_off(cx_sampler **out);
/* Sample ratio (0..1) of traces, decided from the trace id so that every
 * service with the same ratio makes the same decision for a trace. */
int cx_sampler_ratio(cx_sampler **out, double ratio);
/* At most per_second new traces a second (bursts of up to that many). */
int cx_sampler_rate_limit(cx_sampler **out, double per_second);
/* Follow the parent's sampled flag when there is a parent; root spans ask
 * `root` (owned by the result from now on, even on failure). */
int cx_sampler_parent_based(cx_sampler **out, cx_sampler *root);
void cx_sampler_free(cx_sampler *s);
/* The decision for a new span (exposed for tests and custom tracers). */
cx_sampling_decision cx_sampler_decide(cx_sampler *s, const cx_span_context *parent,
                                       const uint8_t trace_id[16], const char *name,
                                       cx_span_kind kind);

/* ---- export ---------------------------------------------------------------- */

/* A read-only view of an ended span, for exporters. */
typedef struct cx_span_event_view {
    const char *name;
    uint64_t time_ns;
    const cx_attr *attrs;
    size_t nattrs;
} cx_span_event_view;

typedef struct cx_span_view {
    const char *name;
    cx_span_kind kind;
    cx_span_context ctx;
    uint8_t parent_span_id[8]; /* all zero: a root span */
    uint64_t start_ns, end_ns;
    const cx_attr *attrs;
    size_t nattrs;
    const cx_span_event_view *events;
    size_t nevents;
    const cx_span_context *links;
    size_t nlinks;
    cx_span_status_code status;
    const char *status_description; /* "" when none */
    unsigned dropped_attrs, dropped_events, dropped_links;
} cx_span_view;

void cx_span_view_of(const cx_span *s, cx_span_view *out);

/* An exporter takes batches of ended spans; it runs on the batch
 * processor's thread and may block (network I/O). */
typedef struct cx_span_exporter {
    int (*export_spans)(void *self, const cx_span *const *spans, size_t n);
    void (*shutdown)(void *self); /* flush and free self; may be NULL */
    void *self;
} cx_span_exporter;

/* Encoders, appending to out: 0 or CX_ENOMEM. service is the
 * service.name resource attribute. */
int cx_trace_encode_otlp_json(const cx_span *const *spans, size_t n, const char *service,
                              cx_buf *out);
int cx_trace_encode_zipkin_json(const cx_span *const *spans, size_t n, const char *service,
                                cx_buf *out);
/* OTLP/HTTP protobuf: one ExportTraceServiceRequest (opentelemetry.proto.
 * collector.trace.v1) holding one ResourceSpans (service.name,
 * telemetry.sdk.*), one ScopeSpans ("cortex") and the n spans, appended to
 * out (the caller's). The spans are borrowed (ended spans, as an exporter
 * receives them). Strings are sent as UTF-8 (invalid bytes become U+FFFD;
 * an embedded NUL ends a string). The message tree is built in an arena
 * made and freed by the call, bounded by CX_TRACE_PROTO_ARENA_LIMIT; the
 * HTTP exporter keeps one arena for all its batches instead. 0, CX_EINVAL
 * or CX_ENOMEM (then out is as it was). */
#define CX_TRACE_PROTO_ARENA_BLOCK (128u * 1024)
#define CX_TRACE_PROTO_ARENA_LIMIT (64u * 1024 * 1024)
int cx_trace_encode_otlp_protobuf(const cx_span *const *spans, size_t n, const char *service,
                                  cx_buf *out);

/* Console: one JSON line per span (the OTLP span shape) to fd. */
int cx_console_exporter(cx_span_exporter *out, int fd, const char *service);

/* HTTP exporters encode a batch and give it to send(), which performs the
 * POST (for instance with cx_fetch, cortex/fetch.h) and returns 0 or a
 * negative error; it runs on the processor's thread and may block. This is
 * the seam through which the network client is plugged in. */
typedef int (*cx_trace_send_fn)(void *arg, const char *url, const char *content_type,
                                const void *body, size_t len);
/* What the HTTP exporter posts: OTLP/HTTP JSON ("application/json"),
 * Zipkin v2 JSON ("application/json") or OTLP/HTTP protobuf
 * ("application/x-protobuf", the OpenTelemetry specification's default). */
typedef enum cx_trace_wire {
    CX_TRACE_OTLP_JSON = 0,
    CX_TRACE_ZIPKIN_JSON,
    CX_TRACE_OTLP_PROTOBUF
} cx_trace_wire;
/* The OTLP wire named as OTEL_EXPORTER_OTLP_PROTOCOL names it: "http/json"
 * or "http/protobuf" (NULL or "": http/protobuf, the default). 0 with *out
 * set; CX_EINVAL for anything else ("grpc" included: not supported). */
int cx_trace_otlp_protocol(const char *protocol, cx_trace_wire *out);
/* url, e.g. "http://127.0.0.1:4318/v1/traces" or ".../api/v2/spans", and
 * service are copied. */
int cx_http_exporter(cx_span_exporter *out, cx_trace_wire wire, const char *url,
                     const char *service, cx_trace_send_fn send, void *send_arg);

/* A ready sender for cx_http_exporter: a blocking POST with libcurl, one
 * reused connection, a whole-request timeout (0: CX_TRACE_SEND_TIMEOUT_MS).
 * cx_trace_curl_send returns 0 on a 2xx answer, CX_ETIMEDOUT, CX_EIO (no
 * connection) or CX_EPROTO (another status). The sender is the caller's:
 * free it after the tracer that uses it. */
#define CX_TRACE_SEND_TIMEOUT_MS 5000
typedef struct cx_trace_curl cx_trace_curl;
int cx_trace_curl_new(cx_trace_curl **out, uint32_t timeout_ms);
void cx_trace_curl_free(cx_trace_curl *c);
int cx_trace_curl_send(void *arg, const char *url, const char *content_type, const void *body,
                       size_t len);

typedef struct cx_batch_options {
    unsigned max_queue; /* spans waiting, 2048 (rounded up to a power of two) */
    unsigned max_batch; /* spans per export, 512 */
    uint32_t delay_ms;  /* export at least this often, 1000 */
} cx_batch_options;

void cx_batch_options_default(cx_batch_options *o);

/* ---- the tracer ------------------------------------------------------------ */

typedef struct cx_tracer_options {
    const char *service;       /* service.name, "cortex"; copied */
    cx_sampler *sampler;       /* owned by the tracer; NULL: parent-based always-on */
    cx_span_exporter exporter; /* owned (shutdown on free); export_spans NULL: none */
    cx_batch_options batch;
    cx_span_limits limits;
} cx_tracer_options;

void cx_tracer_options_default(cx_tracer_options *o);
/* Starts the batch thread when there is an exporter. 0, CX_EINVAL,
 * CX_ENOMEM. On failure the sampler and exporter are still released. */
int cx_tracer_new(cx_tracer **out, const cx_tracer_options *o);
/* Export what is queued, stop the thread, shut the exporter down. Spans
 * still referenced elsewhere stay valid until their last unref, but must
 * not be ended after this. */
void cx_tracer_free(cx_tracer *t);
/* Export everything queued so far; waits up to timeout_ms. 0 or
 * CX_ETIMEDOUT. */
int cx_tracer_flush(cx_tracer *t, uint32_t timeout_ms);

typedef struct cx_tracer_stats {
    uint64_t started, sampled, exported, dropped, export_errors;
} cx_tracer_stats;
void cx_tracer_stats_get(const cx_tracer *t, cx_tracer_stats *out);

/* A middleware that starts a server span per request (name "METHOD route"),
 * continuing the caller's trace from traceparent, makes it current for the
 * rest of the chain and ends it with http.* attributes and the status.
 * data is the cx_tracer *. */
int cx_trace_middleware(cx_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
