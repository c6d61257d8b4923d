/* Fuzz the fetch client's response-header parser: cx_fetch__header_line,
 * which libcurl's header callback feeds one line at a time (status lines of
 * interim responses and redirects, fields, the blank line).
 *
 * Byte 0 sets the head limit (max_response_head, small values included so
 * the "too large" path runs); the rest is cut at '\n' into lines, each
 * passed with its line end as curl does. Beyond not crashing, whatever was
 * kept must be a consistent index: every (name, value) slice lies inside
 * the block, names are non-empty without ':', values carry no surrounding
 * white space, the block never passes the limit, and looking a name up
 * finds a header with that name. */
#include "fetch/fetch_int.h"
#include <cortex/error.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool ws(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    cx_fetch_response res = {0};
    fetch_xfer x = {0};
    x.res = &res;
    x.max_head = data[0] < 128 ? (size_t)data[0] * 8 : 64 * 1024;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        size_t rc = cx_fetch__header_line(&x, p, len);
        if (rc != len) {
            /* Refused: only for the limit (memory cannot run out here). */
            if (rc != 0 || !x.too_large) abort();
            break;
        }
        p += len;
    }
    if (res.head_.len > x.max_head) abort();
    size_t n = cx_fetch_response_header_count(&res);
    for (size_t i = 0; i < n; i++) {
        cx_str k, v;
        if (cx_fetch_response_header_at(&res, i, &k, &v) != CX_OK) abort();
        const char *lo = res.head_.data, *hi = res.head_.data + res.head_.len;
        if (k.len == 0 || k.ptr < lo || k.ptr + k.len > hi) abort();
        if (v.len && (v.ptr < lo || v.ptr + v.len > hi)) abort();
        if (memchr(k.ptr, ':', k.len)) abort();
        if (v.len && (ws(v.ptr[0]) || ws(v.ptr[v.len - 1]))) abort();
        /* The lookup takes a C string: only names without NUL. */
        char name[64];
        if (k.len < sizeof name && !memchr(k.ptr, '\0', k.len)) {
            memcpy(name, k.ptr, k.len);
            name[k.len] = '\0';
            cx_str got;
            if (cx_fetch_response_header(&res, name, &got) != CX_OK) abort();
        }
    }
    if (cx_fetch_response_header_at(&res, n, NULL, NULL) != CX_ERANGE) abort();
    cx_fetch_response_free(&res);
    return 0;
}
