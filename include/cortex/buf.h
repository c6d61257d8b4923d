/* Byte slices and growable buffers.
 *
 * cx_str is a borrowed view (pointer + length, not NUL-terminated): parsers
 * hand these out pointing into the bytes they were given, so nothing is
 * copied. cx_buf owns a growable heap block; it doubles when it grows, may
 * carry a hard limit (max), and is the one type writers append into (the JSON
 * writer, response bodies, log lines). Both are plain structs: cheap to embed
 * and to pass by value.
 */
#ifndef CORTEX_BUF_H
#define CORTEX_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_str {
    const char *ptr;
    size_t len;
} cx_str;

#define CX_STR(lit) ((cx_str){(lit), sizeof(lit) - 1})
static inline cx_str cx_str_from(const char *s) {
    return (cx_str){s, s ? strlen(s) : 0};
}
static inline bool cx_str_eq(cx_str a, cx_str b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
/* ASCII case-insensitive comparison (header names, tokens). */
bool cx_str_ieq(cx_str a, cx_str b);

typedef struct cx_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0: no limit; otherwise growth past it fails with CX_ELIMIT */
} cx_buf;

#define CX_BUF_INIT                                                                                \
    { 0 }

/* Ensure room for n more bytes. 0, CX_ENOMEM or CX_ELIMIT. */
int cx_buf_reserve(cx_buf *b, size_t n);
/* Append n bytes (0, CX_ENOMEM or CX_ELIMIT). Inline when there is room —
 * response heads are built from many short appends, and with constant
 * lengths the copy becomes a few moves — out of line when it must grow. */
int cx_buf__append_grow(cx_buf *b, const void *p, size_t n);
static inline int cx_buf_append(cx_buf *b, const void *p, size_t n) {
    if (!b->data || n > b->cap - b->len) return cx_buf__append_grow(b, p, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static inline int cx_buf_puts(cx_buf *b, const char *s) {
    return cx_buf_append(b, s, strlen(s));
}
int cx_buf_putc(cx_buf *b, char c);
int cx_buf_printf(cx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cx_buf_vprintf(cx_buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (consumed input), moving the rest to the front. */
void cx_buf_consume(cx_buf *b, size_t n);
/* Forget the contents, keep the memory. */
static inline void cx_buf_reset(cx_buf *b) {
    b->len = 0;
}
/* Release the memory; the buffer is empty and reusable afterwards. */
void cx_buf_free(cx_buf *b);

#ifdef __cplusplus
}
#endif
#endif
