/* Strict hex codec: even digit counts only, an explicit "0x" when asked for,
 * and a hard output capacity, so a malformed or oversized value is an error
 * rather than something silently padded or truncated. */
#include <cortex/error.h>
#include <cortex/web3.h>
#include "core/hexval.h"

static int strip(const char **s, size_t *n, unsigned flags) {
    if (!(flags & CX_HEX_PREFIX)) return 0;
    if (*n < 2 || (*s)[0] != '0' || (*s)[1] != 'x') return CX_EPARSE;
    *s += 2;
    *n -= 2;
    return 0;
}

int cx_hex_decode(const char *s, size_t n, unsigned flags, uint8_t *out, size_t cap,
                  size_t *out_len) {
    if ((!s && n) || !out_len) return CX_EINVAL;
    if (strip(&s, &n, flags)) return CX_EPARSE;
    if (n % 2) return CX_EPARSE;
    /* Malformed text is CX_EPARSE whatever its length (as cx_hex_problem
     * says), so the digits are checked even when they would not fit; only
     * the ones that fit are written. */
    bool fits = n / 2 <= cap;
    for (size_t i = 0; i < n; i += 2) {
        int hi = cx_hexval((unsigned char)s[i]), lo = cx_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return CX_EPARSE;
        if (fits) out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (!fits) return CX_ELIMIT;
    *out_len = n / 2;
    return 0;
}

int cx_hex_decode_alloc(cx_arena *a, const char *s, size_t n, unsigned flags, uint8_t **out,
                        size_t *out_len) {
    if (!a || !out || (!s && n)) return CX_EINVAL;
    const char *p = s;
    size_t m = n;
    if (strip(&p, &m, flags)) return CX_EPARSE;
    uint8_t *buf = cx_arena_alloc(a, m / 2 + 1);
    if (!buf) return CX_ENOMEM;
    int rc = cx_hex_decode(p, m, 0, buf, m / 2, out_len);
    if (rc) return rc;
    *out = buf;
    return 0;
}

const char *cx_hex_problem(const char *s, size_t n, unsigned flags) {
    if (!s && n) return "no text";
    if (strip(&s, &n, flags)) return "missing 0x prefix";
    for (size_t i = 0; i < n; i++)
        if (cx_hexval((unsigned char)s[i]) < 0) return "non-hex character";
    if (n % 2) return "odd number of hex digits";
    return NULL;
}

static const char digits[] = "0123456789abcdef";

void cx_hex_format(char *dst, const void *data, size_t len) {
    const uint8_t *p = data;
    *dst++ = '0';
    *dst++ = 'x';
    for (size_t i = 0; i < len; i++) {
        *dst++ = digits[p[i] >> 4];
        *dst++ = digits[p[i] & 15];
    }
    *dst = 0;
}

int cx_hex_encode(cx_buf *out, const void *data, size_t len) {
    if (!out || (!data && len)) return CX_EINVAL;
    int rc = cx_buf_reserve(out, 2 * len + 3);
    if (rc) return rc;
    cx_hex_format(out->data + out->len, data, len);
    out->len += 2 * len + 2;
    return 0;
}
