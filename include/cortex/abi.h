/* Contract ABI v2: types, signatures, encoding and decoding.
 *
 * A type is parsed from its canonical text ("uint256", "(address,bytes)[]",
 * "bytes32[3][]") into a tree of cx_abi_type nodes; a signature
 * "name(type,...)" (optionally "name(inputs)(outputs)", optional parameter
 * names and the keyword "indexed") into a cx_abi_sig whose inputs and
 * outputs are tuple types. Values are trees of cx_abi_value nodes matching
 * their type. Everything is allocated from a caller's cx_arena and read-only
 * once built; nothing needs freeing on its own.
 *
 * Encoding follows the head/tail layout of the Solidity ABI spec. Decoding
 * is strict and bounded: every offset and length is checked against the
 * data actually present before it is used, arrays cannot claim more elements
 * than the remaining bytes could hold, and words must be clean (no dirty
 * high bits in a uintN/intN/address/bool, zero padding after bytesN/bytes).
 *
 * A text layer converts values to and from the argument syntax of Foundry's
 * `cast` (cx_abi_parse_value, cx_abi_format_value), used by the CLI.
 */
#ifndef CORTEX_ABI_H
#define CORTEX_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/arena.h>
#include <cortex/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cx_abi_kind {
    CX_ABI_UINT,    /* size: bits 8..256 */
    CX_ABI_INT,     /* size: bits 8..256 */
    CX_ABI_ADDRESS, /* 20 bytes */
    CX_ABI_BOOL,
    CX_ABI_FBYTES, /* bytesN, size: N 1..32 */
    CX_ABI_BYTES,
    CX_ABI_STRING,
    CX_ABI_ARRAY, /* T[length] */
    CX_ABI_SLICE, /* T[] */
    CX_ABI_TUPLE  /* (T1,T2,...) */
} cx_abi_kind;

typedef struct cx_abi_type {
    cx_abi_kind kind;
    unsigned size;                           /* bits (ints) or bytes (bytesN) */
    size_t length;                           /* ARRAY: element count */
    const struct cx_abi_type *elem;          /* ARRAY/SLICE: element type */
    const struct cx_abi_type *const *fields; /* TUPLE: components */
    size_t nfields;
    const char *name; /* parameter name from a signature, or NULL */
    bool indexed;     /* event parameter marked "indexed" */
    bool function;    /* FBYTES 24 spelled "function" (address + selector): encoded as
                         bytes24, named "function" in canonical text and selectors */
} cx_abi_type;

typedef struct cx_abi_value {
    const cx_abi_type *type;
    /* UINT/INT: two's complement word; ADDRESS: right-aligned; BOOL: 0/1 in
     * the last byte; FBYTES: left-aligned. */
    uint8_t word[32];
    const uint8_t *bytes; /* BYTES/STRING contents */
    size_t len;
    const struct cx_abi_value *items; /* ARRAY/SLICE/TUPLE elements */
    size_t count;
} cx_abi_value;

typedef struct cx_abi_sig {
    const char *name;
    const cx_abi_type *inputs;  /* a TUPLE */
    const cx_abi_type *outputs; /* a TUPLE; empty when not given */
    uint8_t selector[4];        /* first 4 bytes of keccak256(canonical) */
    uint8_t topic[32];          /* keccak256(canonical), for events */
    const char *canonical;      /* "name(type,...)" without names/spaces */
} cx_abi_sig;

/* Zero fields mean their defaults. */
typedef struct cx_abi_limits {
    size_t max_depth;    /* type nesting (arrays + tuples); default 32 */
    size_t max_fields;   /* components of one tuple in a type; default 1024 */
    size_t max_elements; /* elements in one decoded array; default 1,000,000 */
    size_t max_total;    /* value nodes in one decode; default 4,000,000 */
} cx_abi_limits;
cx_abi_limits cx_abi_limits_defaults(void);

/* Error detail for the functions below: a message naming the problem. */
typedef struct cx_abi_error {
    char message[160];
} cx_abi_error;

/* Parse one type from text[0..n). CX_EPARSE / CX_EDEPTH with err set. */
int cx_abi_type_parse(cx_arena *a, const char *text, size_t n, const cx_abi_limits *lim,
                      const cx_abi_type **out, cx_abi_error *err);
/* Parse "name(inputs)" or "name(inputs)(outputs)"; the name may be empty
 * ("(uint256)" is a bare tuple signature). */
int cx_abi_sig_parse(cx_arena *a, const char *text, size_t n, const cx_abi_limits *lim,
                     cx_abi_sig *out, cx_abi_error *err);
/* Canonical text of a type ("uint256", "(bool,bytes)[2]"), appended. */
int cx_abi_type_format(cx_buf *out, const cx_abi_type *t);
/* Whether t's encoding has a tail (bytes, string, T[], or a fixed array or
 * tuple containing one). false for t NULL. */
bool cx_abi_type_is_dynamic(const cx_abi_type *t);
/* Bytes a static type takes in place (32 for a dynamic type's offset;
 * saturates at SIZE_MAX). 0 for t NULL. */
size_t cx_abi_type_head_size(const cx_abi_type *t);

/* Append the ABI encoding of v (normally a TUPLE of arguments) to out. A
 * value of any other type is encoded as a one-element tuple, like Solidity's
 * abi.encode(x); cx_abi_decode does the same, so the two always pair up. */
int cx_abi_encode(cx_buf *out, const cx_abi_value *v, cx_abi_error *err);
/* Decode data[0..len) as type t (normally a TUPLE). Values are in `a`; bytes
 * and strings point into `data`. CX_EPARSE (out of range, dirty word),
 * CX_ELIMIT with err set. */
int cx_abi_decode(cx_arena *a, const cx_abi_type *t, const uint8_t *data, size_t len,
                  const cx_abi_limits *lim, const cx_abi_value **out, cx_abi_error *err);

/* Event logs: decode topics (32 bytes each) and data for an event sig. The
 * result is a TUPLE value over sig->inputs; an indexed parameter of a
 * dynamic type comes back as its 32-byte topic hash (a bytes32 value).
 * Anonymous events have no topic 0. */
int cx_abi_decode_log(cx_arena *a, const cx_abi_sig *sig, bool anonymous,
                      const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, size_t len,
                      const cx_abi_limits *lim, const cx_abi_value **out, cx_abi_error *err);

/* cast argument syntax: integers decimal or 0x hex with '-' for negatives,
 * true/false, addresses, bytes as 0x hex, arrays [a,b], tuples (a,b); a
 * string at top level is text[0..n) verbatim, nested in an array or tuple
 * it is written in double quotes. */
int cx_abi_parse_value(cx_arena *a, const cx_abi_type *t, const char *text, size_t n,
                       const cx_abi_value **out, cx_abi_error *err);
/* cast's raw output: integers decimal, bool, addresses EIP-55, bytes 0x hex,
 * strings unquoted, arrays "[a, b]", tuples "(a, b)". Appended. */
int cx_abi_format_value(cx_buf *out, const cx_abi_value *v);

#ifdef __cplusplus
}
#endif
#endif
