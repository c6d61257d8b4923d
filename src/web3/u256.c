/* 256-bit unsigned integers as 32 big-endian bytes: just the operations
 * the module needs (parse, print, minimal form), done bytewise. */
#include <string.h>
#include <cortex/error.h>
#include <cortex/web3.h>
#include "core/hexval.h"

cx_u256 cx_u256_from_u64(uint64_t v) {
    cx_u256 r = {{0}};
    for (int i = 0; i < 8; i++) r.b[31 - i] = (uint8_t)(v >> (8 * i));
    return r;
}

bool cx_u256_is_zero(const cx_u256 *v) {
    for (int i = 0; i < 32; i++)
        if (v->b[i]) return false;
    return true;
}

/* Malformed text is CX_EPARSE whatever its length: the syntax is checked
 * over the whole input before the size, so CX_ERANGE always means "a
 * well-formed number >= 2^256". */
int cx_u256_parse(const char *s, size_t n, cx_u256 *out) {
    if (!s || !out) return CX_EINVAL;
    cx_u256 r = {{0}};
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
        if (n == 0) return CX_EPARSE;
        for (size_t k = 0; k < n; k++)
            if (cx_hexval((unsigned char)s[k]) < 0) return CX_EPARSE;
        size_t i = 0;
        while (i < n && s[i] == '0') i++; /* leading zeros do not count against 64 */
        if (n - i > 64) return CX_ERANGE;
        for (size_t k = 0; k < n - i; k++) {
            int d = cx_hexval((unsigned char)s[n - 1 - k]);
            r.b[31 - k / 2] |= (uint8_t)(k % 2 ? d << 4 : d);
        }
        *out = r;
        return 0;
    }
    if (n == 0) return CX_EPARSE;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return CX_EPARSE;
    for (size_t i = 0; i < n; i++) {
        unsigned carry = (unsigned)(s[i] - '0');
        for (int j = 31; j >= 0; j--) {
            unsigned v = r.b[j] * 10u + carry;
            r.b[j] = (uint8_t)v;
            carry = v >> 8;
        }
        if (carry) return CX_ERANGE;
    }
    *out = r;
    return 0;
}

size_t cx_u256_to_dec(const cx_u256 *v, char *dst) {
    uint8_t t[32];
    memcpy(t, v->b, 32);
    char rev[80];
    size_t n = 0;
    for (;;) {
        unsigned rem = 0;
        bool nonzero = false;
        for (int j = 0; j < 32; j++) {
            unsigned cur = rem << 8 | t[j];
            t[j] = (uint8_t)(cur / 10);
            rem = cur % 10;
            if (t[j]) nonzero = true;
        }
        rev[n++] = (char)('0' + rem);
        if (!nonzero) break;
    }
    for (size_t i = 0; i < n; i++) dst[i] = rev[n - 1 - i];
    dst[n] = 0;
    return n;
}

size_t cx_u256_minimal(const cx_u256 *v, size_t *off) {
    size_t i = 0;
    while (i < 32 && v->b[i] == 0) i++;
    *off = i;
    return 32 - i;
}
