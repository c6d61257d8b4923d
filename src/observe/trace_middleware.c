/* The server-span middleware: one SERVER span per request, continuing the
 * caller's trace, current while the rest of the chain runs. */
#include "trace_int.h"
#include <cortex/error.h>
#include <string.h>

int cx_trace_middleware(cx_ctx *ctx) {
    cx_tracer *t = cx_ctx_data(ctx);
    if (!t) return cx_next(ctx);
    cx_req *req = cx_ctx_req(ctx);
    cx_span_context parent;
    if (cx_trace_extract(req, &parent) != 0) {
        /* Zero ids make the context invalid: a new trace starts. (Not a
         * memset: the context holds a 513-byte tracestate.) */
        memset(parent.trace_id, 0, sizeof parent.trace_id);
        memset(parent.span_id, 0, sizeof parent.span_id);
        parent.tracestate[0] = '\0';
    }
    cx_str method = cx_req_method_str(req);
    cx_str route = cx_ctx_route(ctx);
    cx_str path = cx_req_path(req);
    /* "METHOD route" by hand: snprintf would cost more than the rest of
     * this middleware for the requests a low sampling ratio does not keep. */
    char name[16 + 1 + 128 + 1];
    size_t m = method.len > 16 ? 16 : method.len, r = route.len > 128 ? 128 : route.len;
    memcpy(name, method.ptr, m);
    if (r) {
        name[m++] = ' ';
        memcpy(name + m, route.ptr, r);
    }
    name[m + r] = '\0';
    cx_attr attrs[] = {
        {.key = "http.request.method", .type = CX_ATTR_STR, .v.s = method},
        {.key = "url.path", .type = CX_ATTR_STR, .v.s = path},
        {.key = "http.route", .type = CX_ATTR_STR, .v.s = route},
    };
    cx_span_start so = {.kind = CX_SPAN_SERVER,
                        .parent = &parent, /* zero ids: a new trace */
                        .attrs = attrs,
                        .nattrs = route.len ? 3 : 2};
    cx_span *span = cx_tracer_start(t, name, &so);
    if (span) span->scope_owned = true;
    cx_span *prev = cx_span_activate(span);
    int rc = cx_next(ctx);
    int status = rc < 0 ? 500 : cx_res_get_status(cx_ctx_res(ctx));
    cx_span_set_attr(span, CX_ATTR_I("http.response.status_code", status));
    if (status >= 500) cx_span_set_status(span, CX_SPAN_ERROR, rc < 0 ? cx_strerror(rc) : NULL);
    cx_span_deactivate(span, prev);
    cx_span_end(span, 0);
    return rc;
}
