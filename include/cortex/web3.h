/* Web3 (Ethereum): hashing, hex, addresses, keys, signatures, transactions.
 *
 * The model is "bytes in, bytes out": every function here is a pure
 * transformation over caller-owned memory, with no I/O and no global state.
 * Keccak-256 (the pre-standard SHA-3 padding Ethereum uses) is implemented
 * in-house; elliptic-curve work goes to libsecp256k1 through an opaque key
 * handle (cx_eth_key) that owns its own library context, so signing needs no
 * shared mutable state and two threads can each hold their own key.
 *
 * Big numbers (amounts, gas, chain ids) travel as cx_u256: 32 bytes,
 * big-endian, unsigned. Transactions (types 0/EIP-155, 1/EIP-2930 and
 * 2/EIP-1559) are described by cx_eth_tx, hashed, signed with RFC 6979
 * deterministic low-s ECDSA and serialised to the raw form accepted by
 * eth_sendRawTransaction. EIP-191 personal messages and EIP-712 typed data
 * (from the eth_signTypedData_v4 JSON form) are hashed and signed the same
 * way. RLP lives in cortex/rlp.h and the contract ABI in cortex/abi.h.
 *
 * Errors are negative CX_E* codes: CX_EINVAL for a NULL or malformed
 * argument, CX_EPARSE for text that is not what it should be, CX_ERANGE for
 * a number that does not fit. Functions that parse text also fill an
 * optional message buffer naming the problem.
 */
#ifndef CORTEX_WEB3_H
#define CORTEX_WEB3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Keccak-256 --------------------------------------------------------- */

#define CX_KECCAK256_RATE 136

/* Streaming state; caller-allocated plain data (copy it to fork a hash). */
typedef struct cx_keccak256_ctx {
    uint64_t s[25];
    uint8_t buf[CX_KECCAK256_RATE];
    size_t n;
} cx_keccak256_ctx;

void cx_keccak256_init(cx_keccak256_ctx *c);
void cx_keccak256_update(cx_keccak256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest; the context must be re-initialised to reuse. */
void cx_keccak256_final(cx_keccak256_ctx *c, uint8_t out[32]);
/* One-shot: out = keccak256(data[0..len)). */
void cx_keccak256(const void *data, size_t len, uint8_t out[32]);

/* ---- hex ---------------------------------------------------------------- */

/* Strict hex decoding of s[0..n): with CX_HEX_PREFIX the text must start with
 * "0x" (lower-case x); digits may be either case; the digit count must be
 * even (no implied leading zero). Writes at most cap bytes to out and sets
 * *out_len. Returns 0, CX_EPARSE (bad prefix, odd length, non-hex digit) or
 * CX_ELIMIT (more than cap bytes). */
#define CX_HEX_PREFIX 0x1u
int cx_hex_decode(const char *s, size_t n, unsigned flags, uint8_t *out, size_t cap,
                  size_t *out_len);
/* Decode into an arena allocation (*out lives with the arena). */
int cx_hex_decode_alloc(cx_arena *a, const char *s, size_t n, unsigned flags, uint8_t **out,
                        size_t *out_len);
/* Why s[0..n) is not valid hex under flags ("missing 0x prefix", "odd
 * number of hex digits", "non-hex character 'g'" ...), or NULL if it is.
 * The message is static text (the character is not quoted). */
const char *cx_hex_problem(const char *s, size_t n, unsigned flags);
/* Appends "0x" followed by lower-case hex of data[0..len) to out (no NUL). */
int cx_hex_encode(cx_buf *out, const void *data, size_t len);
/* Writes "0x"+hex+NUL into dst, which needs 2*len+3 bytes. */
void cx_hex_format(char *dst, const void *data, size_t len);

/* ---- 256-bit unsigned integers ------------------------------------------ */

typedef struct cx_u256 {
    uint8_t b[32]; /* big-endian */
} cx_u256;

/* Parse a decimal ("123") or "0x"-prefixed hex ("0x7b", any case, any digit
 * count up to 64) unsigned integer. CX_EPARSE or CX_ERANGE (>= 2^256). */
int cx_u256_parse(const char *s, size_t n, cx_u256 *out);
cx_u256 cx_u256_from_u64(uint64_t v);
bool cx_u256_is_zero(const cx_u256 *v);
/* Decimal text into dst (needs 79 bytes: 78 digits + NUL). Returns length. */
size_t cx_u256_to_dec(const cx_u256 *v, char *dst);
/* The minimal big-endian bytes (no leading zeros; zero is empty): sets *off
 * to the first significant byte, returns the count 32 - *off. */
size_t cx_u256_minimal(const cx_u256 *v, size_t *off);

/* ---- addresses (EIP-55) ------------------------------------------------- */

/* The checksummed form "0x" + 40 mixed-case digits + NUL (43 bytes). */
void cx_eth_address_format(const uint8_t addr[20], char dst[43]);
/* Parse "0x" + 40 hex digits. All-lower or all-upper digits are accepted as
 * is; mixed case must be a correct EIP-55 checksum. CX_EPARSE otherwise. */
int cx_eth_address_parse(const char *s, size_t n, uint8_t addr[20]);

/* ---- keys and signatures ------------------------------------------------ */

typedef struct cx_eth_key cx_eth_key;

/* A signature as Ethereum carries it: r, s and the recovery id (0 or 1). */
typedef struct cx_eth_sig {
    uint8_t r[32];
    uint8_t s[32];
    int recid;
} cx_eth_sig;

/* A key handle from a 32-byte secret (0 < k < n). Owns a libsecp256k1
 * context; free with cx_eth_key_free. NULL: an invalid secret or no memory
 * (*err, if given, says which: CX_EINVAL or CX_ENOMEM). */
cx_eth_key *cx_eth_key_new(const uint8_t secret[32], int *err);
void cx_eth_key_free(cx_eth_key *k);
/* The 64-byte uncompressed public key (x || y, no 0x04 prefix). */
void cx_eth_key_public(const cx_eth_key *k, uint8_t pub[64]);
void cx_eth_key_address(const cx_eth_key *k, uint8_t addr[20]);
/* Deterministic (RFC 6979) low-s ECDSA over a 32-byte digest. 0 or CX_EINVAL. */
int cx_eth_key_sign(const cx_eth_key *k, const uint8_t digest[32], cx_eth_sig *sig);

/* Address of a 64-byte public key: last 20 bytes of keccak256(pub). */
void cx_eth_pubkey_address(const uint8_t pub[64], uint8_t addr[20]);
/* Recover the 64-byte public key that made sig over digest. 0 or CX_EINVAL
 * (invalid signature, high s, recid not 0/1). */
int cx_eth_recover(const uint8_t digest[32], const cx_eth_sig *sig, uint8_t pub[64]);

/* ---- EIP-191 personal messages ------------------------------------------ */

/* keccak256("\x19Ethereum Signed Message:\n" + decimal len + msg). */
void cx_eth_message_hash(const void *msg, size_t len, uint8_t out[32]);
/* 65 bytes r || s || v with v = 27 + recid. */
int cx_eth_message_sign(const cx_eth_key *k, const void *msg, size_t len, uint8_t out[65]);

/* ---- transactions ------------------------------------------------------- */

typedef struct cx_eth_access {
    uint8_t address[20];
    const uint8_t (*keys)[32]; /* storage keys */
    size_t nkeys;
} cx_eth_access;

/* Field use by type: 0 uses gas_price (chain_id 0 = pre-EIP-155); 1 adds
 * chain_id and access list; 2 uses max_fee/max_priority_fee instead of
 * gas_price. The struct borrows data and access_list. */
typedef struct cx_eth_tx {
    int type; /* 0, 1 or 2 */
    cx_u256 chain_id, nonce, gas_limit, gas_price, max_fee, max_priority_fee, value;
    bool has_to; /* false: contract creation */
    uint8_t to[20];
    const uint8_t *data;
    size_t data_len;
    const cx_eth_access *access_list;
    size_t access_count;
} cx_eth_tx;

/* The digest to sign (keccak of the unsigned payload for the tx's type). */
int cx_eth_tx_signing_hash(const cx_eth_tx *tx, uint8_t out[32]);
/* Appends the signed raw transaction (type byte + RLP, or plain RLP for
 * type 0) to out. */
int cx_eth_tx_serialize(const cx_eth_tx *tx, const cx_eth_sig *sig, cx_buf *out);
/* signing_hash + sign + serialize. */
int cx_eth_tx_sign(const cx_eth_tx *tx, const cx_eth_key *k, cx_buf *out);

/* Fill *tx from an ethers-style JSON object (type, chainId, nonce, gasLimit,
 * gasPrice, maxFeePerGas, maxPriorityFeePerGas, value, to, data,
 * accessList). Numbers may be JSON integers, decimal strings or 0x hex
 * strings. data and the access list are allocated from `a`. On CX_EPARSE
 * msg (msg_cap bytes, may be NULL) names the field at fault. */
int cx_eth_tx_from_json(cx_arena *a, const cx_json *obj, cx_eth_tx *tx, char *msg, size_t msg_cap);

/* ---- EIP-712 typed data ------------------------------------------------- */

#define CX_EIP712_MAX_TYPES 256 /* struct types in one document (fixed) */

typedef struct cx_eip712_limits {
    size_t max_depth; /* struct/array nesting; default 32 */
} cx_eip712_limits;
cx_eip712_limits cx_eip712_limits_defaults(void);

/* The EIP-712 digest keccak256(0x1901 || domainSeparator || hashStruct(message))
 * of a {types, primaryType, domain, message} document. When types has no
 * EIP712Domain entry, it is derived from the domain fields present (name,
 * version, chainId, verifyingContract, salt, in that order), as ethers does.
 * lim may be NULL. CX_EPARSE with msg naming the problem. */
int cx_eip712_hash(const cx_json *doc, const cx_eip712_limits *lim, uint8_t out[32], char *msg,
                   size_t msg_cap);

/* ---- JSON-RPC (pure encoding; the transport plugs in later) ------------- */

/* Appends {"jsonrpc":"2.0","id":id,"method":method,"params":params_json} to
 * out; params_json is raw JSON text (an array), copied verbatim. */
int cx_eth_rpc_request(cx_buf *out, uint64_t id, const char *method, const char *params_json);
/* Checks a parsed response: returns 0 and *result (in doc's arena) when it
 * carries a result for `id`; CX_EPROTO with msg naming the error object's
 * code and message, or the shape problem. */
int cx_eth_rpc_response(const cx_json *doc, uint64_t id, const cx_json **result, char *msg,
                        size_t msg_cap);

#ifdef __cplusplus
}
#endif
#endif
