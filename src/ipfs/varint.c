/* Unsigned varints as multiformats defines them: LEB128, at most 9 bytes,
 * minimal. Refusing padded forms matters because CIDs are compared as
 * bytes: two encodings of one number would be two names for one block. */
#include <cortex/error.h>
#include <cortex/ipfs.h>

#define VARINT_MAX_BYTES 9

int cx_varint_decode(const uint8_t *p, size_t len, uint64_t *out) {
    uint64_t v = 0;
    for (size_t i = 0; i < len && i < VARINT_MAX_BYTES; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (i > 0 && p[i] == 0) return CX_EPARSE; /* not minimal */
            *out = v;
            return (int)i + 1;
        }
    }
    return CX_EPARSE; /* truncated or longer than 9 bytes */
}

size_t cx_varint_encode(uint64_t v, uint8_t out[10]) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}
