/* cx_buf: a growable byte buffer that doubles, with an optional hard cap. */
#include <cortex/buf.h>
#include <cortex/error.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

bool cx_str_ieq(cx_str a, cx_str b) {
    if (a.len != b.len) return false;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b.ptr[i];
        if (x == y) continue; /* the common case: one compare per byte */
        /* Otherwise equal only as the two cases of one ASCII letter. */
        x |= 0x20;
        if (x != (y | 0x20) || (unsigned)(x - 'a') >= 26u) return false;
    }
    return true;
}

int cx_buf_reserve(cx_buf *b, size_t n) {
    if (b->cap - b->len >= n && b->data) return CX_OK;
    if (n > SIZE_MAX / 2 - b->len) return CX_ENOMEM;
    size_t need = b->len + n;
    if (b->max && need > b->max) return CX_ELIMIT;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    if (b->max && cap > b->max) cap = b->max;
    char *p = realloc(b->data, cap);
    if (!p) return CX_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CX_OK;
}

int cx_buf__append_grow(cx_buf *b, const void *p, size_t n) {
    int rc = cx_buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return CX_OK;
}

int cx_buf_putc(cx_buf *b, char c) {
    if (b->len < b->cap) {
        b->data[b->len++] = c;
        return CX_OK;
    }
    return cx_buf_append(b, &c, 1);
}

/* Output that ends exactly at b->max leaves no byte for vsnprintf's NUL,
 * which is not part of the buffer: format it aside and append n bytes. */
static int vprintf_to_max(cx_buf *b, size_t n, const char *fmt, va_list ap) {
    char *tmp = malloc(n + 1);
    if (!tmp) return CX_ENOMEM;
    vsnprintf(tmp, n + 1, fmt, ap);
    int rc = cx_buf_append(b, tmp, n);
    free(tmp);
    return rc;
}

int cx_buf_vprintf(cx_buf *b, const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, copy);
    va_end(copy);
    if (n < 0) return CX_EINVAL;
    if (!b->data || (size_t)n >= b->cap - b->len) {
        if (b->max && b->len + (size_t)n == b->max) return vprintf_to_max(b, (size_t)n, fmt, ap);
        int rc = cx_buf_reserve(b, (size_t)n + 1);
        if (rc) return rc;
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
    return CX_OK;
}

int cx_buf_printf(cx_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = cx_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void cx_buf_consume(cx_buf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void cx_buf_free(cx_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
