/* The plugin ABI, host side: hand a request to a wasm module's
 * cx_plugin_handle through its own memory and copy the response out.
 * See docs/WASM.md for the byte formats. Every guest pointer and length is
 * checked against the memory before use. */
#include <stdlib.h>
#include "http/h1.h"
#include "wasm_int.h"

int cx_wasm_plugin_call(cx_wasm_instance *inst, const void *req, size_t len, uint8_t **resp,
                        size_t *resp_len, cx_wasm_trap *trap) {
    if (trap) *trap = CX_WASM_TRAP_NONE;
    if (!inst || (!req && len) || !resp || !resp_len || len > UINT32_MAX / 2) return CX_EINVAL;
    *resp = NULL;
    *resp_len = 0;
    cx_wasm_func *alloc = cx_wasm_instance_func(inst, "cx_plugin_alloc");
    cx_wasm_func *handle = cx_wasm_instance_func(inst, "cx_plugin_handle");
    cx_wasm_memory *mem = cx_wasm_instance_memory(inst, "memory");
    if (!alloc || !handle || !mem) return CX_ENOTFOUND;
    if (alloc->type->nparams != 1 || alloc->type->nresults != 1 ||
        alloc->type->types[0] != CX_WASM_I32 || alloc->type->types[1] != CX_WASM_I32 ||
        handle->type->nparams != 2 || handle->type->nresults != 1 ||
        handle->type->types[0] != CX_WASM_I32 || handle->type->types[1] != CX_WASM_I32 ||
        handle->type->types[2] != CX_WASM_I64)
        return CX_EPROTO;
    cx_wasm_val a[2], r;
    a[0].type = CX_WASM_I32;
    a[0].of.i32 = (int32_t)len;
    int rc = cx_wasm_call(inst, alloc, a, 1, &r, 1, trap);
    if (rc) return rc;
    uint32_t ptr = (uint32_t)r.of.i32;
    if (ptr == 0 && len) return CX_ENOMEM;
    if (cx_wasm_memory_write(mem, ptr, req, len)) return CX_EPROTO;
    a[0].of.i32 = (int32_t)ptr;
    a[1].type = CX_WASM_I32;
    a[1].of.i32 = (int32_t)len;
    rc = cx_wasm_call(inst, handle, a, 2, &r, 1, trap);
    if (rc) return rc;
    if (r.of.i64 < 0) return CX_EPROTO;
    uint32_t rp = (uint32_t)((uint64_t)r.of.i64 >> 32), rl = (uint32_t)r.of.i64;
    const void *src = cx_wasm_memory_ptr(mem, rp, rl);
    if (!src) return CX_EPROTO;
    *resp = malloc(rl ? rl : 1);
    if (!*resp) return CX_ENOMEM;
    memcpy(*resp, src, rl);
    *resp_len = rl;
    return 0;
}

/* ---- the response bytes ------------------------------------------------------------ */

/* One pass over the head: checks everything, and reports each header when
 * on_header is given. Names and values are held to the HTTP parser's rules
 * (tchar; VCHAR, obs-text, SP, HTAB), so nothing a plugin answers can reach
 * the response or a context value that a client could not have sent.
 * Returns 0, CX_EPARSE (with *why) or on_header's code. */
static int walk(const uint8_t *r, size_t len,
                int (*on_header)(void *, const char *, size_t, const char *, size_t), void *arg,
                int *status, size_t *body_off, const char **why) {
    size_t p = 0;
    int st = 0, digits = 0;
    while (p < len && r[p] >= '0' && r[p] <= '9' && digits < 4)
        st = st * 10 + (r[p++] - '0'), digits++;
    if (p == len || r[p] != '\n') {
        *why = "status line is not digits then LF";
        return CX_EPARSE;
    }
    if (!(digits == 1 && st == 0) && !(digits == 3 && st >= 200 && st <= 599)) {
        *why = "status is not 0 or 200..599";
        return CX_EPARSE;
    }
    p++;
    unsigned n = 0;
    for (;;) {
        if (p == len) {
            *why = "headers are not ended by an empty line";
            return CX_EPARSE;
        }
        if (r[p] == '\n') break;
        size_t name = p;
        while (p < len && (cx_h1_cc[r[p]] & CX_H1_C_TOKEN)) p++;
        if (p == name || p == len || r[p] != ':') {
            *why = "malformed header name";
            return CX_EPARSE;
        }
        size_t name_len = p - name;
        p++;
        while (p < len && (r[p] == ' ' || r[p] == '\t')) p++;
        size_t value = p;
        while (p < len && (cx_h1_cc[r[p]] & CX_H1_C_VALUE)) p++;
        if (p == len || r[p] != '\n') {
            *why = "header value holds a control character (CR, NUL, ...) or has no LF";
            return CX_EPARSE;
        }
        size_t end = p;
        while (end > value && (r[end - 1] == ' ' || r[end - 1] == '\t')) end--;
        if (++n > CX_WASM_PLUGIN_MAX_HEADERS) {
            *why = "too many headers";
            return CX_EPARSE;
        }
        if (on_header) {
            int rc = on_header(arg, (const char *)r + name, name_len, (const char *)r + value,
                               end - value);
            if (rc) return rc;
        }
        p++;
    }
    *status = st;
    *body_off = p + 1;
    return 0;
}

int cx_wasm_plugin_response_parse(const uint8_t *resp, size_t len,
                                  int (*on_header)(void *arg, const char *name, size_t name_len,
                                                   const char *value, size_t value_len),
                                  void *arg, int *status, size_t *body_off, const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    *why = NULL;
    if ((!resp && len) || !status || !body_off) {
        *why = "bad arguments";
        return CX_EINVAL;
    }
    int rc = walk(resp, len, NULL, NULL, status, body_off, why);
    if (rc || !on_header) return rc;
    return walk(resp, len, on_header, arg, status, body_off, why);
}
