/* The server-span middleware: one SERVER span per request, continuing the
 * caller's trace, current while the rest of the chain runs. */
#include "trace_int.h"
#include <cortex/error.h>
#include <stdio.h>
#include <string.h>

int cx_trace_middleware(cx_ctx *ctx) {
    cx_tracer *t = cx_ctx_data(ctx);
    if (!t) return cx_next(ctx);
    cx_req *req = cx_ctx_req(ctx);
    cx_span_context parent;
    if (cx_trace_extract(req, &parent) != 0) memset(&parent, 0, sizeof parent);
    cx_str method = cx_req_method_str(req);
    cx_str route = cx_ctx_route(ctx);
    cx_str path = cx_req_path(req);
    char name[160];
    if (route.len)
        snprintf(name, sizeof name, "%.*s %.*s", (int)(method.len > 16 ? 16 : method.len),
                 method.ptr, (int)(route.len > 128 ? 128 : route.len), route.ptr);
    else
        snprintf(name, sizeof name, "%.*s", (int)(method.len > 16 ? 16 : method.len), method.ptr);
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
