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
#include <cortex/abi.h>
#include <cortex/arena.h>
#include <cortex/buf.h>
#include <cortex/fetch.h>
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
 * type 0) to out. CX_EINVAL for a bad transaction or a recid other than 0/1. */
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

/* ==== network: JSON-RPC client, sender, contracts ======================== */

/* ---- limits and errors -------------------------------------------------- */

#define CX_ETH_RPC_DEFAULT_MAX_RESPONSE_BYTES (16u * 1024 * 1024)
#define CX_ETH_RPC_DEFAULT_TIMEOUT_MS         30000
#define CX_ETH_RPC_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define CX_ETH_RPC_DEFAULT_MAX_JSON_DEPTH     64
#define CX_ETH_RPC_DEFAULT_MAX_ITEMS          100000

/* Every limit of a client, each with its default; zero fields mean the
 * default. */
typedef struct cx_eth_rpc_limits {
    size_t max_response_bytes;   /* response body; 16 MiB (CX_ELIMIT beyond) */
    uint32_t timeout_ms;         /* whole request; 30 s */
    uint32_t connect_timeout_ms; /* TCP/TLS connect; 10 s */
    size_t max_json_depth;       /* nesting in a response; 64 */
    size_t max_items;            /* logs in a result, transactions in a block; 100,000 */
} cx_eth_rpc_limits;
cx_eth_rpc_limits cx_eth_rpc_limits_defaults(void);

/* What went wrong with a call. Exactly one of three things:
 *   - transport: kind != CX_FETCH_OK (cx_fetch's kind and message; the
 *     call returns cx_fetch's code: CX_ETIMEDOUT, CX_ELIMIT, ...);
 *   - a JSON-RPC error object: rpc is true, code/message/data are the
 *     node's (data as compact JSON text, e.g. "\"0x08c379a0...\"" for a
 *     revert); the call returns CX_EPROTO;
 *   - anything else (HTTP status not 2xx, a body that is not JSON, a result
 *     of the wrong shape): message says what; CX_EPROTO or CX_EPARSE. */
typedef struct cx_eth_rpc_error {
    cx_fetch_kind kind;
    int http_status; /* 0 when no response arrived */
    bool rpc;
    int64_t code;
    char message[256];
    char data[512]; /* truncated when longer */
} cx_eth_rpc_error;

/* ---- the client ------------------------------------------------------------ */

typedef struct cx_eth_client cx_eth_client;

/* A client for the node at url (http:// or https://, copied), sending
 * through fetch (borrowed: it must outlive the client). lim may be NULL.
 * 0, CX_EINVAL or CX_ENOMEM. Every call below must run in a coroutine on
 * fetch's loop (CX_ESTATE otherwise); any number may be in flight at once. */
int cx_eth_client_new(cx_eth_client **out, cx_fetch_client *fetch, const char *url,
                      const cx_eth_rpc_limits *lim);
void cx_eth_client_free(cx_eth_client *c); /* NULL is a no-op */

/* Block selector used by the calls below: NULL is "latest"; "latest",
 * "pending", "earliest", "safe", "finalized", a decimal number or a 0x hex
 * quantity are accepted (a number is sent as a 0x quantity). CX_EINVAL for
 * anything else. */

/* The raw call: params_json is a JSON array text (NULL: []). On 0 *result
 * lives in arena `a`. err may be NULL in every call. */
int cx_eth_rpc_call(cx_eth_client *c, cx_arena *a, const char *method, const char *params_json,
                    const cx_json **result, cx_eth_rpc_error *err);

int cx_eth_client_chain_id(cx_eth_client *c, uint64_t *out, cx_eth_rpc_error *err);
int cx_eth_client_block_number(cx_eth_client *c, uint64_t *out, cx_eth_rpc_error *err);
int cx_eth_client_balance(cx_eth_client *c, const uint8_t addr[20], const char *block, cx_u256 *out,
                          cx_eth_rpc_error *err);
/* eth_getTransactionCount; block "pending" counts queued transactions. */
int cx_eth_client_nonce(cx_eth_client *c, const uint8_t addr[20], const char *block, uint64_t *out,
                        cx_eth_rpc_error *err);
int cx_eth_client_gas_price(cx_eth_client *c, cx_u256 *out, cx_eth_rpc_error *err);
int cx_eth_client_max_priority_fee(cx_eth_client *c, cx_u256 *out, cx_eth_rpc_error *err);
/* eth_getCode; *code lives in `a`. */
int cx_eth_client_code(cx_eth_client *c, cx_arena *a, const uint8_t addr[20], const char *block,
                       uint8_t **code, size_t *len, cx_eth_rpc_error *err);

/* A message for eth_call / eth_estimateGas. Borrowed data. */
typedef struct cx_eth_call_msg {
    bool has_from;
    uint8_t from[20];
    bool has_to; /* false: contract creation (estimate only) */
    uint8_t to[20];
    const uint8_t *data;
    size_t data_len;
    bool has_value;
    cx_u256 value;
    uint64_t gas; /* 0: omitted */
} cx_eth_call_msg;

/* eth_call: the return data in `a`. A revert comes back as a JSON-RPC
 * error (err->data holds the revert data as a JSON string). */
int cx_eth_client_call(cx_eth_client *c, cx_arena *a, const cx_eth_call_msg *msg, const char *block,
                       uint8_t **out, size_t *len, cx_eth_rpc_error *err);
int cx_eth_client_estimate_gas(cx_eth_client *c, const cx_eth_call_msg *msg, uint64_t *out,
                               cx_eth_rpc_error *err);

/* eth_feeHistory over `blocks` blocks ending at `newest`, with reward
 * percentiles (0..100, ascending; npct may be 0). Arrays live in `a`:
 * base_fee has nblocks + 1 entries (the last is the next block's), reward
 * nblocks * npct (row-major; zero when the node sent none). */
typedef struct cx_eth_fee_history {
    uint64_t oldest_block;
    size_t nblocks, npct;
    cx_u256 *base_fee;
    double *gas_used_ratio;
    cx_u256 *reward;
} cx_eth_fee_history;
int cx_eth_client_fee_history(cx_eth_client *c, cx_arena *a, unsigned blocks, const char *newest,
                              const double *pct, size_t npct, cx_eth_fee_history *out,
                              cx_eth_rpc_error *err);

/* eth_sendRawTransaction: the node's transaction hash. */
int cx_eth_client_send_raw(cx_eth_client *c, const uint8_t *raw, size_t len, uint8_t hash[32],
                           cx_eth_rpc_error *err);

/* ---- receipts, logs, blocks ------------------------------------------------ */

/* A log as the node returns it; byte fields point into `a`. Fields the
 * node omitted (pending logs) are zero with has_block false. */
typedef struct cx_eth_log {
    uint8_t address[20];
    const uint8_t (*topics)[32];
    size_t ntopics; /* 0..4 */
    const uint8_t *data;
    size_t data_len;
    bool has_block;
    uint64_t block_number, tx_index, log_index;
    uint8_t block_hash[32], tx_hash[32];
    bool removed;
    const cx_json *json; /* the node's object */
} cx_eth_log;

typedef struct cx_eth_receipt {
    uint8_t tx_hash[32], block_hash[32];
    uint64_t block_number, tx_index;
    uint8_t from[20];
    bool has_to;
    uint8_t to[20];
    bool has_contract; /* contractAddress for a creation */
    uint8_t contract_address[20];
    int status; /* 1 success, 0 failure, -1 absent (pre-Byzantium root) */
    int type;   /* 0 when absent */
    uint64_t gas_used, cumulative_gas_used;
    cx_u256 effective_gas_price;
    cx_eth_log *logs;
    size_t nlogs;
    const cx_json *json; /* the node's object, for fields not mapped here */
} cx_eth_receipt;

typedef struct cx_eth_block {
    uint64_t number, timestamp, gas_limit, gas_used;
    uint8_t hash[32], parent_hash[32];
    uint8_t miner[20];
    bool has_base_fee;
    cx_u256 base_fee;
    const uint8_t (*tx_hashes)[32]; /* the transactions' hashes, in order */
    size_t ntx;
    const cx_json *json;
} cx_eth_block;

/* Pure parsers of the node's JSON objects (used by the calls below, and
 * exposed for tests and fuzzing). Strict: required fields must be present
 * with the right shape (quantities "0x" without leading zeros are not
 * demanded, but must be hex and fit), at most max_items logs/transactions
 * (0: default). Memory comes from `a`. CX_EPARSE / CX_ELIMIT with msg. */
int cx_eth_log_parse(cx_arena *a, const cx_json *j, cx_eth_log *out, char *msg, size_t cap);
int cx_eth_receipt_parse(cx_arena *a, const cx_json *j, size_t max_items, cx_eth_receipt *out,
                         char *msg, size_t cap);
int cx_eth_block_parse(cx_arena *a, const cx_json *j, size_t max_items, cx_eth_block *out,
                       char *msg, size_t cap);

/* eth_getTransactionReceipt: 0, or CX_ENOTFOUND while the transaction is
 * not mined (or unknown). The receipt lives in `a`. Note that a DNS failure
 * is CX_ENOTFOUND too (cx_fetch's code): err->kind tells them apart
 * (CX_FETCH_OK for "no receipt"). The same holds for the block calls. */
int cx_eth_client_receipt(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                          cx_eth_receipt *out, cx_eth_rpc_error *err);
/* Poll for the receipt every poll_ms (0: 500) until it is there or
 * timeout_ms has passed (CX_ETIMEDOUT; 0: 120 s). Sleeps in the coroutine,
 * so other coroutines run meanwhile; the coroutine's deadline and
 * cancellation apply. */
int cx_eth_client_wait_receipt(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                               uint32_t poll_ms, uint32_t timeout_ms, cx_eth_receipt *out,
                               cx_eth_rpc_error *err);

/* A topic position: n == 0 matches anything (null), else any of values. */
typedef struct cx_eth_topic_filter {
    const uint8_t (*values)[32];
    size_t n;
} cx_eth_topic_filter;

typedef struct cx_eth_log_filter {
    const char *from_block, *to_block; /* block selectors; NULL: omitted */
    bool has_block_hash;               /* instead of the range */
    uint8_t block_hash[32];
    const uint8_t (*addresses)[20];
    size_t naddresses; /* 0: any */
    cx_eth_topic_filter topics[4];
    size_t ntopics; /* positions given; trailing wildcards may be left out */
} cx_eth_log_filter;

/* eth_getLogs; *logs (an array of *nlogs) lives in `a`. More than
 * max_items logs is CX_ELIMIT. */
int cx_eth_client_logs(cx_eth_client *c, cx_arena *a, const cx_eth_log_filter *f, cx_eth_log **logs,
                       size_t *nlogs, cx_eth_rpc_error *err);

/* eth_getBlockByNumber / eth_getBlockByHash (transaction hashes only).
 * CX_ENOTFOUND when the node has no such block. */
int cx_eth_client_block(cx_eth_client *c, cx_arena *a, const char *block, cx_eth_block *out,
                        cx_eth_rpc_error *err);
int cx_eth_client_block_by_hash(cx_eth_client *c, cx_arena *a, const uint8_t hash[32],
                                cx_eth_block *out, cx_eth_rpc_error *err);

/* Text form of a block selector into dst (needs 80 bytes): "latest" for
 * NULL, tags verbatim, numbers as 0x quantities. 0 or CX_EINVAL. */
int cx_eth_block_param(const char *block, char dst[80]);

/* ---- sending transactions ---------------------------------------------------- */

/* Policies of a sender, each with its default; zero fields mean default. */
typedef struct cx_eth_sender_options {
    unsigned gas_margin_pct;      /* added to eth_estimateGas; 20 */
    unsigned fee_history_blocks;  /* blocks sampled for the priority fee; 5 */
    unsigned priority_percentile; /* reward percentile sampled; 50 */
    unsigned base_fee_multiplier; /* maxFee = mult * next baseFee + tip; 2 */
    unsigned nonce_retries;       /* resends after "nonce too low"; 2 */
} cx_eth_sender_options;
cx_eth_sender_options cx_eth_sender_options_defaults(void);

typedef struct cx_eth_sender cx_eth_sender;

/* A sender for the key `secret` through client c (borrowed). Keeps the
 * chain id (fetched once) and a local nonce counter: the first send reads
 * the "pending" count, later sends count up locally, and a node answer
 * "nonce too low" resyncs it and re-signs. Not shared between threads;
 * coroutines on one loop may share it. opts may be NULL. NULL on a bad key
 * or no memory (*err: CX_EINVAL / CX_ENOMEM). */
cx_eth_sender *cx_eth_sender_new(cx_eth_client *c, const uint8_t secret[32],
                                 const cx_eth_sender_options *opts, int *err);
void cx_eth_sender_free(cx_eth_sender *s); /* wipes the key; NULL is a no-op */
void cx_eth_sender_address(const cx_eth_sender *s, uint8_t addr[20]);

/* What to send; zero fields are filled in. type -1: EIP-1559 when the
 * latest block has a base fee, else legacy; 0 or 2 forces it. */
typedef struct cx_eth_send_req {
    int type;
    bool has_to; /* false: contract creation */
    uint8_t to[20];
    const uint8_t *data;
    size_t data_len;
    cx_u256 value;
    uint64_t gas_limit;                /* 0: estimate + margin */
    bool has_gas_price;                /* legacy */
    cx_u256 gas_price;                 /* 0 with has_gas_price false: eth_gasPrice */
    bool has_fees;                     /* EIP-1559: both given */
    cx_u256 max_fee, max_priority_fee; /* else from feeHistory */
    bool has_nonce;                    /* bypass the counter */
    uint64_t nonce;
} cx_eth_send_req;

/* What was sent (for logs and receipts). */
typedef struct cx_eth_sent {
    uint8_t hash[32];
    uint64_t nonce, gas_limit;
    int type;
} cx_eth_sent;

/* Fill, sign and send. 0 with *out set, or the failing call's code. */
int cx_eth_sender_send(cx_eth_sender *s, const cx_eth_send_req *req, cx_eth_sent *out,
                       cx_eth_rpc_error *err);

/* The reason of a revert from its data: Error(string) text, Panic(uint256)
 * as "panic 0x11", else NULL-free "custom error 0x........". Into dst. */
void cx_eth_revert_reason(const uint8_t *data, size_t len, char *dst, size_t cap);

/* ---- contracts ----------------------------------------------------------------- */

/* A contract binding: the functions and events of an ABI JSON document
 * (solc's --abi output, ethers' JSON ABI, or an artifact object with an
 * "abi" member) and optionally an address. Everything lives in the arena
 * given at creation. */
typedef struct cx_eth_contract cx_eth_contract;

typedef struct cx_eth_function {
    cx_abi_sig sig; /* name(inputs)(outputs) */
    bool view;      /* stateMutability view/pure (or constant) */
    bool payable;
} cx_eth_function;

typedef struct cx_eth_event {
    cx_abi_sig sig; /* with indexed flags */
    bool anonymous;
} cx_eth_event;

/* Parse an ABI JSON text. addr may be NULL (set it later). CX_EPARSE with
 * msg naming the entry at fault. The constructor, if any, is kept. */
int cx_eth_contract_from_abi(cx_arena *a, const char *json, size_t len, const uint8_t addr[20],
                             cx_eth_contract **out, char *msg, size_t cap);
/* Read the ABI JSON from a file (at most 16 MiB). */
int cx_eth_contract_load(cx_arena *a, const char *path, const uint8_t addr[20],
                         cx_eth_contract **out, char *msg, size_t cap);
void cx_eth_contract_set_address(cx_eth_contract *k, const uint8_t addr[20]);
/* By name (the first overload) or by canonical signature "f(uint256)".
 * NULL when absent. */
const cx_eth_function *cx_eth_contract_function(const cx_eth_contract *k, const char *name);
const cx_eth_event *cx_eth_contract_event(const cx_eth_contract *k, const char *name);
/* The constructor's inputs (an empty tuple when the ABI has none). */
const cx_abi_type *cx_eth_contract_constructor(const cx_eth_contract *k);
size_t cx_eth_contract_function_count(const cx_eth_contract *k);
size_t cx_eth_contract_event_count(const cx_eth_contract *k);

/* Arguments from cast-syntax text, one per input (see cx_abi_parse_value),
 * as a TUPLE value in `a`. CX_EPARSE with msg. */
int cx_eth_args_from_text(cx_arena *a, const cx_abi_type *inputs, const char *const *argv,
                          size_t argc, const cx_abi_value **out, char *msg, size_t cap);

/* Call a view function: encode args (a TUPLE over its inputs; NULL for
 * none), eth_call at block, decode the outputs into *out (a TUPLE in `a`).
 * A revert is CX_EPROTO with err->rpc and err->message; a result that does
 * not decode is CX_EPARSE. */
int cx_eth_contract_call(cx_eth_client *c, cx_arena *a, const cx_eth_contract *k,
                         const cx_eth_function *fn, const cx_abi_value *args, const char *block,
                         const cx_abi_value **out, cx_eth_rpc_error *err);
/* Send a transaction calling fn with args and value (NULL: 0) through s. */
int cx_eth_contract_send(cx_eth_sender *s, const cx_eth_contract *k, const cx_eth_function *fn,
                         const cx_abi_value *args, const cx_u256 *value, cx_eth_sent *out,
                         cx_eth_rpc_error *err);
/* Deploy: bytecode + encoded constructor args (NULL for none). The
 * contract address comes with the receipt. */
int cx_eth_contract_deploy(cx_eth_sender *s, const cx_eth_contract *k, const uint8_t *bytecode,
                           size_t len, const cx_abi_value *args, const cx_u256 *value,
                           cx_eth_sent *out, cx_eth_rpc_error *err);
/* Decode a log by its topic 0 among k's events (anonymous events are not
 * matched). CX_ENOTFOUND when no event matches; CX_EPARSE when it matches
 * but does not decode. *ev and *out (a TUPLE over the event's inputs, an
 * indexed dynamic value as its bytes32 hash) live in `a`. */
int cx_eth_contract_decode_log(cx_arena *a, const cx_eth_contract *k, const cx_eth_log *log,
                               const cx_eth_event **ev, const cx_abi_value **out, char *msg,
                               size_t cap);

#ifdef __cplusplus
}
#endif
#endif
