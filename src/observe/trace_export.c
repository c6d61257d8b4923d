/* Exporters: OTLP/HTTP JSON and Zipkin v2 JSON encoders, the console
 * exporter, and the HTTP exporter whose POST is a pluggable function (the
 * OTLP protobuf encoder is in otlp_proto.c).
 *
 * OTLP JSON follows the protobuf JSON mapping the collector accepts: ids as
 * lowercase hex, 64-bit times as decimal strings, enums as numbers. Zipkin
 * v2 wants microseconds, lowercase hex ids and string tags. */
#include "trace_int.h"
#include <cortex/arena.h>
#include <cortex/error.h>
#include <cortex/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void wkey(cx_json_writer *w, const char *k) {
    cx_json_write_key(w, k, strlen(k));
}
static void wstr(cx_json_writer *w, const char *s) {
    cx_json_write_string(w, s, strlen(s));
}
static void whex(cx_json_writer *w, const uint8_t *p, size_t n) {
    char buf[33];
    cx__hex(p, n, buf);
    cx_json_write_string(w, buf, 2 * n);
}
static void wu64s(cx_json_writer *w, uint64_t v) {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    cx_json_write_string(w, buf, (size_t)n);
}
static bool finite(double d) {
    return d == d && d - d == 0;
}

/* ---- OTLP ------------------------------------------------------------------------ */

static void otlp_attrs(cx_json_writer *w, const cx_attr *a, size_t n) {
    cx_json_write_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        cx_json_write_object_begin(w);
        wkey(w, "key");
        wstr(w, a[i].key);
        wkey(w, "value");
        cx_json_write_object_begin(w);
        switch (a[i].type) {
        case CX_ATTR_STR:
            wkey(w, "stringValue");
            cx_json_write_string(w, a[i].v.s.ptr, a[i].v.s.len);
            break;
        case CX_ATTR_INT:
            wkey(w, "intValue");
            {
                char buf[24];
                int k = snprintf(buf, sizeof buf, "%lld", (long long)a[i].v.i);
                cx_json_write_string(w, buf, (size_t)k);
            }
            break;
        case CX_ATTR_DOUBLE:
            wkey(w, "doubleValue");
            if (finite(a[i].v.d))
                cx_json_write_double(w, a[i].v.d);
            else
                wstr(w, a[i].v.d != a[i].v.d ? "NaN" : a[i].v.d > 0 ? "Infinity" : "-Infinity");
            break;
        case CX_ATTR_BOOL:
            wkey(w, "boolValue");
            cx_json_write_bool(w, a[i].v.b);
            break;
        }
        cx_json_write_object_end(w);
        cx_json_write_object_end(w);
    }
    cx_json_write_array_end(w);
}

static void otlp_span(cx_json_writer *w, const cx_span_view *v) {
    static const int kinds[] = {1, 2, 3, 4, 5}; /* SPAN_KIND_INTERNAL.. */
    cx_json_write_object_begin(w);
    wkey(w, "traceId");
    whex(w, v->ctx.trace_id, 16);
    wkey(w, "spanId");
    whex(w, v->ctx.span_id, 8);
    if (v->ctx.tracestate[0]) {
        wkey(w, "traceState");
        wstr(w, v->ctx.tracestate);
    }
    static const uint8_t zero[8];
    if (memcmp(v->parent_span_id, zero, 8) != 0) {
        wkey(w, "parentSpanId");
        whex(w, v->parent_span_id, 8);
    }
    wkey(w, "flags");
    cx_json_write_uint64(w, v->ctx.flags);
    wkey(w, "name");
    wstr(w, v->name);
    wkey(w, "kind");
    cx_json_write_int64(w, kinds[v->kind]);
    wkey(w, "startTimeUnixNano");
    wu64s(w, v->start_ns);
    wkey(w, "endTimeUnixNano");
    wu64s(w, v->end_ns);
    wkey(w, "attributes");
    otlp_attrs(w, v->attrs, v->nattrs);
    if (v->dropped_attrs) {
        wkey(w, "droppedAttributesCount");
        cx_json_write_uint64(w, v->dropped_attrs);
    }
    wkey(w, "events");
    cx_json_write_array_begin(w);
    for (size_t i = 0; i < v->nevents; i++) {
        cx_json_write_object_begin(w);
        wkey(w, "timeUnixNano");
        wu64s(w, v->events[i].time_ns);
        wkey(w, "name");
        wstr(w, v->events[i].name);
        wkey(w, "attributes");
        otlp_attrs(w, v->events[i].attrs, v->events[i].nattrs);
        cx_json_write_object_end(w);
    }
    cx_json_write_array_end(w);
    if (v->dropped_events) {
        wkey(w, "droppedEventsCount");
        cx_json_write_uint64(w, v->dropped_events);
    }
    wkey(w, "links");
    cx_json_write_array_begin(w);
    for (size_t i = 0; i < v->nlinks; i++) {
        cx_json_write_object_begin(w);
        wkey(w, "traceId");
        whex(w, v->links[i].trace_id, 16);
        wkey(w, "spanId");
        whex(w, v->links[i].span_id, 8);
        if (v->links[i].tracestate[0]) {
            wkey(w, "traceState");
            wstr(w, v->links[i].tracestate);
        }
        cx_json_write_object_end(w);
    }
    cx_json_write_array_end(w);
    if (v->dropped_links) {
        wkey(w, "droppedLinksCount");
        cx_json_write_uint64(w, v->dropped_links);
    }
    wkey(w, "status");
    cx_json_write_object_begin(w);
    if (v->status_description[0]) {
        wkey(w, "message");
        wstr(w, v->status_description);
    }
    wkey(w, "code");
    cx_json_write_int64(w, (int64_t)v->status);
    cx_json_write_object_end(w);
    cx_json_write_object_end(w);
}

int cx_trace_encode_otlp_json(const cx_span *const *spans, size_t n, const char *service,
                              cx_buf *out) {
    if (!out || (n && !spans)) return CX_EINVAL;
    cx_json_writer w;
    cx_json_writer_init(&w, out, CX_JSON_REPLACE_INVALID);
    cx_json_write_object_begin(&w);
    wkey(&w, "resourceSpans");
    cx_json_write_array_begin(&w);
    cx_json_write_object_begin(&w);
    wkey(&w, "resource");
    cx_json_write_object_begin(&w);
    wkey(&w, "attributes");
    cx_attr res[] = {CX_ATTR_S("service.name", service ? service : "cortex"),
                     CX_ATTR_S("telemetry.sdk.name", "cortex"),
                     CX_ATTR_S("telemetry.sdk.language", "c")};
    otlp_attrs(&w, res, 3);
    cx_json_write_object_end(&w);
    wkey(&w, "scopeSpans");
    cx_json_write_array_begin(&w);
    cx_json_write_object_begin(&w);
    wkey(&w, "scope");
    cx_json_write_object_begin(&w);
    wkey(&w, "name");
    wstr(&w, "cortex");
    cx_json_write_object_end(&w);
    wkey(&w, "spans");
    cx_json_write_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        cx_span_view v;
        cx_span_view_of(spans[i], &v);
        otlp_span(&w, &v);
    }
    cx_json_write_array_end(&w);
    cx_json_write_object_end(&w);
    cx_json_write_array_end(&w);
    cx_json_write_object_end(&w);
    cx_json_write_array_end(&w);
    cx_json_write_object_end(&w);
    return cx_json_writer_error(&w);
}

/* ---- Zipkin v2 ------------------------------------------------------------------- */

static void attr_text(const cx_attr *a, char *buf, size_t cap, const char **s, size_t *n) {
    *n = 0;
    switch (a->type) {
    case CX_ATTR_STR:
        *s = a->v.s.ptr;
        *n = a->v.s.len;
        return;
    case CX_ATTR_INT:
        *n = (size_t)snprintf(buf, cap, "%lld", (long long)a->v.i);
        break;
    case CX_ATTR_DOUBLE:
        *n = (size_t)snprintf(buf, cap, "%.17g", a->v.d);
        break;
    case CX_ATTR_BOOL:
        *n = (size_t)snprintf(buf, cap, "%s", a->v.b ? "true" : "false");
        break;
    }
    *s = buf;
}

int cx_trace_encode_zipkin_json(const cx_span *const *spans, size_t n, const char *service,
                                cx_buf *out) {
    static const char *const kinds[] = {NULL, "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    if (!out || (n && !spans)) return CX_EINVAL;
    cx_json_writer w;
    cx_json_writer_init(&w, out, CX_JSON_REPLACE_INVALID);
    cx_json_write_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        cx_span_view v;
        cx_span_view_of(spans[i], &v);
        cx_json_write_object_begin(&w);
        wkey(&w, "traceId");
        whex(&w, v.ctx.trace_id, 16);
        wkey(&w, "id");
        whex(&w, v.ctx.span_id, 8);
        static const uint8_t zero[8];
        if (memcmp(v.parent_span_id, zero, 8) != 0) {
            wkey(&w, "parentId");
            whex(&w, v.parent_span_id, 8);
        }
        wkey(&w, "name");
        wstr(&w, v.name);
        if (kinds[v.kind]) {
            wkey(&w, "kind");
            wstr(&w, kinds[v.kind]);
        }
        wkey(&w, "timestamp");
        cx_json_write_uint64(&w, v.start_ns / 1000);
        wkey(&w, "duration");
        uint64_t d = v.end_ns > v.start_ns ? (v.end_ns - v.start_ns) / 1000 : 0;
        cx_json_write_uint64(&w, d ? d : 1); /* Zipkin drops 0 */
        wkey(&w, "localEndpoint");
        cx_json_write_object_begin(&w);
        wkey(&w, "serviceName");
        wstr(&w, service ? service : "cortex");
        cx_json_write_object_end(&w);
        if (v.nevents) {
            wkey(&w, "annotations");
            cx_json_write_array_begin(&w);
            for (size_t k = 0; k < v.nevents; k++) {
                cx_json_write_object_begin(&w);
                wkey(&w, "timestamp");
                cx_json_write_uint64(&w, v.events[k].time_ns / 1000);
                wkey(&w, "value");
                wstr(&w, v.events[k].name);
                cx_json_write_object_end(&w);
            }
            cx_json_write_array_end(&w);
        }
        wkey(&w, "tags");
        cx_json_write_object_begin(&w);
        for (size_t k = 0; k < v.nattrs; k++) {
            char buf[40];
            const char *s = "";
            size_t len = 0;
            attr_text(&v.attrs[k], buf, sizeof buf, &s, &len);
            wkey(&w, v.attrs[k].key);
            cx_json_write_string(&w, s, len);
        }
        if (v.status == CX_SPAN_ERROR) {
            wkey(&w, "error");
            wstr(&w, v.status_description[0] ? v.status_description : "true");
        }
        cx_json_write_object_end(&w);
        cx_json_write_object_end(&w);
    }
    cx_json_write_array_end(&w);
    return cx_json_writer_error(&w);
}

/* ---- console --------------------------------------------------------------------- */

typedef struct console_exp {
    int fd;
    char *service;
} console_exp;

static int console_export(void *self, const cx_span *const *spans, size_t n) {
    console_exp *c = self;
    cx_buf out = CX_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        cx_span_view v;
        cx_span_view_of(spans[i], &v);
        cx_json_writer w;
        cx_json_writer_init(&w, &out, CX_JSON_REPLACE_INVALID);
        otlp_span(&w, &v);
        cx_buf_putc(&out, '\n');
    }
    int rc = 0;
    for (size_t off = 0; off < out.len;) {
        ssize_t k = write(c->fd, out.data + off, out.len - off);
        if (k <= 0) {
            rc = CX_EIO;
            break;
        }
        off += (size_t)k;
    }
    cx_buf_free(&out);
    return rc;
}

static void console_shutdown(void *self) {
    console_exp *c = self;
    free(c->service);
    free(c);
}

int cx_console_exporter(cx_span_exporter *out, int fd, const char *service) {
    if (!out || fd < 0) return CX_EINVAL;
    console_exp *c = calloc(1, sizeof *c);
    if (!c || !(c->service = strdup(service ? service : "cortex"))) {
        free(c);
        return CX_ENOMEM;
    }
    c->fd = fd;
    *out = (cx_span_exporter){console_export, console_shutdown, c};
    return 0;
}

/* ---- HTTP -------------------------------------------------------------------------- */

int cx_trace_otlp_protocol(const char *protocol, cx_trace_wire *out) {
    if (!out) return CX_EINVAL;
    if (!protocol || !*protocol || !strcmp(protocol, "http/protobuf"))
        *out = CX_TRACE_OTLP_PROTOBUF;
    else if (!strcmp(protocol, "http/json"))
        *out = CX_TRACE_OTLP_JSON;
    else
        return CX_EINVAL;
    return 0;
}

/* The exporter keeps its body buffer and (for protobuf) the arena of the
 * message tree from batch to batch: they run on the batch thread only, and
 * reusing them spares a few hundred KiB of malloc, page faults and frees
 * per batch. */
typedef struct http_exp {
    cx_trace_wire wire;
    char *url;
    char *service;
    cx_trace_send_fn send;
    void *send_arg;
    cx_buf body;
    cx_arena *arena; /* made on the first protobuf batch */
} http_exp;

static int http_export(void *self, const cx_span *const *spans, size_t n) {
    http_exp *h = self;
    int rc;
    const char *type = "application/json";
    h->body.len = 0;
    switch (h->wire) {
    case CX_TRACE_OTLP_PROTOBUF:
        type = "application/x-protobuf";
        if (!h->arena &&
            !(h->arena = cx_arena_new(CX_TRACE_PROTO_ARENA_BLOCK, CX_TRACE_PROTO_ARENA_LIMIT)))
            return CX_ENOMEM;
        rc = cx__trace_encode_otlp_protobuf_in(h->arena, spans, n, h->service, &h->body);
        cx_arena_reset(h->arena);
        break;
    case CX_TRACE_ZIPKIN_JSON:
        rc = cx_trace_encode_zipkin_json(spans, n, h->service, &h->body);
        break;
    default:
        rc = cx_trace_encode_otlp_json(spans, n, h->service, &h->body);
        break;
    }
    if (!rc) rc = h->send(h->send_arg, h->url, type, h->body.data, h->body.len);
    return rc;
}

static void http_shutdown(void *self) {
    http_exp *h = self;
    free(h->url);
    free(h->service);
    cx_buf_free(&h->body);
    cx_arena_free(h->arena);
    free(h);
}

int cx_http_exporter(cx_span_exporter *out, cx_trace_wire wire, const char *url,
                     const char *service, cx_trace_send_fn send, void *send_arg) {
    if (!out || !url || !send || (unsigned)wire > CX_TRACE_OTLP_PROTOBUF) return CX_EINVAL;
    http_exp *h = calloc(1, sizeof *h);
    if (!h) return CX_ENOMEM;
    h->url = strdup(url);
    h->service = strdup(service ? service : "cortex");
    if (!h->url || !h->service) {
        http_shutdown(h);
        return CX_ENOMEM;
    }
    h->wire = wire;
    h->send = send;
    h->send_arg = send_arg;
    *out = (cx_span_exporter){http_export, http_shutdown, h};
    return 0;
}
