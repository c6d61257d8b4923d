/* A bounded byte reader for the binary format: LEB128, names, bytes. Every
 * read checks the end and the exact LEB128 encoding rules (length, unused
 * bits), so a malformed input can only produce an error. */
#ifndef CX_WASM_READER_H
#define CX_WASM_READER_H

#include "wasm_int.h"

typedef struct reader {
    const uint8_t *p, *end;
    char *err;
} reader;

static inline int rd_fail(reader *r, const char *msg) {
    cx_wasm_err(r->err, "%s", msg);
    return CX_EPARSE;
}

static inline int rd_u8(reader *r, uint8_t *out) {
    *out = 0;
    if (r->p >= r->end) return rd_fail(r, "unexpected end");
    *out = *r->p++;
    return 0;
}

/* Unsigned LEB128 of at most `bits` bits. */
static inline int rd_uleb(reader *r, unsigned bits, uint64_t *out) {
    uint64_t v = 0;
    *out = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) return rd_fail(r, "unexpected end");
        uint8_t b = *r->p++;
        if (shift + 7 >= bits && shift < 64) {
            /* last permitted byte: no continuation, unused bits zero */
            unsigned used = bits - shift;
            if (b & 0x80) return rd_fail(r, "integer representation too long");
            if (used < 7 && (b >> used) != 0) return rd_fail(r, "integer too large");
            v |= (uint64_t)b << shift;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    *out = v;
    return 0;
}

static inline int rd_u32(reader *r, uint32_t *out) {
    uint64_t v = 0;
    *out = 0;
    int rc = rd_uleb(r, 32, &v);
    if (rc == 0) *out = (uint32_t)v;
    return rc;
}

/* Signed LEB128 of at most `bits` bits. */
static inline int rd_sleb(reader *r, unsigned bits, int64_t *out) {
    uint64_t v = 0;
    *out = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        if (r->p >= r->end) return rd_fail(r, "unexpected end");
        b = *r->p++;
        if (shift + 7 >= bits) {
            unsigned used = bits - shift; /* 1..7 value bits in this byte */
            if (b & 0x80) return rd_fail(r, "integer representation too long");
            /* the bits above `used` must be a sign extension of bit used-1 */
            int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend the 7-bit group */
            int64_t hi = sb >> (used - 1);
            if (hi != 0 && hi != -1) return rd_fail(r, "integer too large");
            v |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
            break;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return 0;
}

static inline int rd_bytes(reader *r, size_t n, const uint8_t **out) {
    *out = NULL;
    if ((size_t)(r->end - r->p) < n) return rd_fail(r, "unexpected end");
    *out = r->p;
    r->p += n;
    return 0;
}

#endif
