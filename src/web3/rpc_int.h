/* Internal helpers shared by the JSON-RPC client, the sender and the
 * contract binding: reading the node's JSON quantities and byte strings,
 * and writing them back. Not part of the public API. */
#ifndef CX_WEB3_RPC_INT_H
#define CX_WEB3_RPC_INT_H

#include <cortex/web3.h>

/* A "0x" quantity (1..64 hex digits after leading zeros) into a u64 / u256.
 * CX_EPARSE (not a 0x string), CX_ERANGE (does not fit). */
int cx_eth__qty_u64(const cx_json *j, uint64_t *out);
int cx_eth__qty_u256(const cx_json *j, cx_u256 *out);
/* "0x" + exactly 2n hex digits into out[n]. */
int cx_eth__fixed(const cx_json *j, uint8_t *out, size_t n);
/* "0x" + even hex digits, into `a` (empty data: *out non-NULL, *len 0). */
int cx_eth__data(cx_arena *a, const cx_json *j, uint8_t **out, size_t *len);

/* An array of logs (at most max_items, 0: default) into `a`. */
int cx_eth__parse_logs(cx_arena *a, const cx_json *arr, size_t max_items, cx_eth_log **out,
                       size_t *n, char *msg, size_t cap);

/* Writers for request params: "0x..." strings. */
int cx_eth__write_hex(cx_json_writer *w, const void *p, size_t n);
int cx_eth__write_qty(cx_json_writer *w, const cx_u256 *v);
int cx_eth__write_qty64(cx_json_writer *w, uint64_t v);
int cx_eth__write_addr(cx_json_writer *w, const uint8_t addr[20]);

/* Fill err (may be NULL) with a plain message; returns code. */
int cx_eth__fail(cx_eth_rpc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Case-insensitive substring test, for node messages ("nonce too low"). */
bool cx_eth__contains(const char *hay, const char *needle);

#endif
