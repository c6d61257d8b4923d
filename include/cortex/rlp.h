/* RLP (Recursive Length Prefix), Ethereum's serialisation of nested byte
 * strings.
 *
 * Decoding is strict and bounded: it builds a tree of cx_rlp_item nodes in a
 * cx_arena (byte strings point into the caller's input, which must outlive
 * the tree) and rejects every non-canonical form -- a single byte below 0x80
 * wrapped in a length prefix, a long form used for a short payload, a length
 * with leading zero bytes -- as well as truncated input, lengths running past
 * their enclosing item, and trailing bytes. The error carries the offset and
 * a message naming the problem. Depth and item count are limited
 * (cx_rlp_limits). Encoding appends to a cx_buf, either from a tree or piece
 * by piece (a string, or a list header for a payload already encoded).
 */
#ifndef CORTEX_RLP_H
#define CORTEX_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/arena.h>
#include <cortex/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cx_rlp_item {
    bool list;
    const uint8_t *data;             /* byte string: its bytes (into the input) */
    size_t len;                      /* byte string: its length */
    const struct cx_rlp_item *items; /* list: its elements */
    size_t count;                    /* list: number of elements */
} cx_rlp_item;

typedef struct cx_rlp_limits {
    size_t max_depth; /* nested lists; default 64 */
    size_t max_items; /* items in the whole tree; default 1,000,000 */
} cx_rlp_limits;
cx_rlp_limits cx_rlp_limits_defaults(void);

typedef struct cx_rlp_error {
    size_t offset;
    char message[128]; /* "byte 3: non-canonical: single byte 0x05 ..." */
} cx_rlp_error;

/* Decode exactly one item from in[0..len). The tree lives in `a`; byte
 * strings borrow `in`. lim and err may be NULL. Returns 0 or CX_EPARSE
 * (malformed or non-canonical), CX_ELIMIT / CX_EDEPTH (limits), CX_ENOMEM. */
int cx_rlp_decode(cx_arena *a, const uint8_t *in, size_t len, const cx_rlp_limits *lim,
                  const cx_rlp_item **out, cx_rlp_error *err);

/* Append the encoding of a byte string / a list header for a payload of
 * payload_len bytes / a whole tree. 0, CX_ENOMEM or CX_ELIMIT. */
int cx_rlp_put_bytes(cx_buf *out, const void *data, size_t len);
int cx_rlp_put_list_header(cx_buf *out, size_t payload_len);
/* Wrap payload (already-encoded items) as a list; CX_EINVAL when payload is
 * NULL and payload_len is not 0. */
int cx_rlp_put_list(cx_buf *out, const void *payload, size_t payload_len);
int cx_rlp_encode(cx_buf *out, const cx_rlp_item *item);

#ifdef __cplusplus
}
#endif
#endif
