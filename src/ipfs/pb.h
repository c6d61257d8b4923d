/* The few protobuf primitives DAG-PB and UnixFS need: a key (field number
 * and wire type), a varint, a length-delimited slice. Internal. */
#ifndef CX_IPFS_PB_H
#define CX_IPFS_PB_H

#include <cortex/buf.h>
#include <cortex/error.h>
#include <cortex/ipfs.h>

#define PB_VARINT 0
#define PB_LEN    2

/* Read a key: 0 with *field and *wire, or CX_EPARSE. */
static inline int pb_key(const uint8_t *p, size_t len, size_t *pos, uint64_t *field,
                         unsigned *wire) {
    uint64_t k;
    int n = cx_varint_decode(p + *pos, len - *pos, &k);
    if (n < 0) return CX_EPARSE;
    *pos += (size_t)n;
    *field = k >> 3;
    *wire = (unsigned)(k & 7);
    return 0;
}

static inline int pb_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v) {
    int n = cx_varint_decode(p + *pos, len - *pos, v);
    if (n < 0) return CX_EPARSE;
    *pos += (size_t)n;
    return 0;
}

/* A length-delimited field's bytes. */
static inline int pb_bytes(const uint8_t *p, size_t len, size_t *pos, const uint8_t **out,
                           size_t *n) {
    uint64_t l;
    if (pb_varint(p, len, pos, &l)) return CX_EPARSE;
    if (l > len - *pos) return CX_EPARSE;
    *out = p + *pos;
    *n = (size_t)l;
    *pos += (size_t)l;
    return 0;
}

static inline int pb_put_varint(cx_buf *b, uint64_t v) {
    uint8_t t[10];
    return cx_buf_append(b, t, cx_varint_encode(v, t));
}

static inline int pb_put_key(cx_buf *b, unsigned field, unsigned wire) {
    return pb_put_varint(b, ((uint64_t)field << 3) | wire);
}

static inline int pb_put_bytes(cx_buf *b, unsigned field, const void *p, size_t n) {
    int rc = pb_put_key(b, field, PB_LEN);
    if (!rc) rc = pb_put_varint(b, n);
    if (!rc && n) rc = cx_buf_append(b, p, n);
    return rc;
}

#endif
