/* Percent-decoding, query-string and Cookie lookups.
 *
 * Lookups scan the raw text and return slices of it: a request has a few
 * parameters, so a scan beats building an index, and nothing is decoded
 * unless the caller asks for that value.
 */
#include "h1.h"
#include "core/hexval.h"
#include <cortex/error.h>
#include <string.h>

#define CC(c)     (cx_h1_cc[(unsigned char)(c)])
#define IS(c, cl) ((CC(c) & (cl)) != 0)

/* The byte at s[*i] decoded, advancing *i; -1 on a bad escape or NUL. */
static int decode_at(cx_str s, size_t *i, bool plus_as_space) {
    unsigned char c = (unsigned char)s.ptr[*i];
    if (c == '%') {
        if (s.len - *i < 3 || !IS(s.ptr[*i + 1], CX_H1_C_HEX) || !IS(s.ptr[*i + 2], CX_H1_C_HEX))
            return -1;
        c = (unsigned char)(cx_hexval((unsigned char)s.ptr[*i + 1]) << 4 |
                            cx_hexval((unsigned char)s.ptr[*i + 2]));
        *i += 2;
    } else if (c == '+' && plus_as_space) {
        c = ' ';
    }
    (*i)++;
    return c ? c : -1;
}

ssize_t cx_url_decode(char *dst, cx_str src, bool plus_as_space) {
    size_t o = 0, i = 0;
    while (i < src.len) {
        int c = decode_at(src, &i, plus_as_space);
        if (c < 0) return CX_EPARSE;
        dst[o++] = (char)c; /* o <= i, so decoding in place is safe */
    }
    return (ssize_t)o;
}

/* Whether the encoded key decodes to name. */
static bool key_is(cx_str key, cx_str name) {
    size_t i = 0, j = 0;
    while (i < key.len) {
        int c = decode_at(key, &i, true);
        if (c < 0 || j == name.len || (unsigned char)name.ptr[j] != c) return false;
        j++;
    }
    return j == name.len;
}

int cx_query_find(cx_str query, cx_str name, cx_str *raw) {
    const char *p = query.ptr, *end = query.ptr + query.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        const char *ke = eq ? eq : e;
        if (ke > p && key_is((cx_str){p, (size_t)(ke - p)}, name)) {
            *raw = eq ? (cx_str){eq + 1, (size_t)(e - eq - 1)} : (cx_str){e, 0};
            return CX_OK;
        }
        p = e + (e < end);
    }
    return CX_ENOTFOUND;
}

static cx_str trim_ows(const char *s, const char *e) {
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    return (cx_str){s, (size_t)(e - s)};
}

int cx_cookie_find(cx_str header, cx_str name, cx_str *value) {
    const char *p = header.ptr, *end = header.ptr + header.len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *e = semi ? semi : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (eq && cx_str_eq(trim_ows(p, eq), name) && name.len) {
            cx_str v = trim_ows(eq + 1, e);
            if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
                v = (cx_str){v.ptr + 1, v.len - 2};
            *value = v;
            return CX_OK;
        }
        p = e + (e < end);
    }
    return CX_ENOTFOUND;
}
