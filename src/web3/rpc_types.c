/* Strict readers for what an Ethereum node returns: quantities, byte
 * strings, logs, receipts and blocks. Pure functions over a parsed JSON
 * tree; they never trust a length the node claims, only what is there. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cortex/error.h>
#include "rpc_int.h"

int cx_eth__qty_u256(const cx_json *j, cx_u256 *out) {
    cx_str s = cx_json_str(j);
    if (cx_json_typeof(j) != CX_JSON_STRING || s.len < 3 || s.ptr[0] != '0' || s.ptr[1] != 'x')
        return CX_EPARSE;
    return cx_u256_parse(s.ptr, s.len, out);
}

int cx_eth__qty_u64(const cx_json *j, uint64_t *out) {
    cx_u256 v;
    int rc = cx_eth__qty_u256(j, &v);
    if (rc) return rc;
    for (int i = 0; i < 24; i++)
        if (v.b[i]) return CX_ERANGE;
    uint64_t r = 0;
    for (int i = 24; i < 32; i++) r = r << 8 | v.b[i];
    *out = r;
    return 0;
}

int cx_eth__fixed(const cx_json *j, uint8_t *out, size_t n) {
    if (cx_json_typeof(j) != CX_JSON_STRING) return CX_EPARSE;
    cx_str s = cx_json_str(j);
    size_t got;
    if (s.len != 2 + 2 * n || cx_hex_decode(s.ptr, s.len, CX_HEX_PREFIX, out, n, &got) || got != n)
        return CX_EPARSE;
    return 0;
}

int cx_eth__data(cx_arena *a, const cx_json *j, uint8_t **out, size_t *len) {
    if (cx_json_typeof(j) != CX_JSON_STRING) return CX_EPARSE;
    cx_str s = cx_json_str(j);
    int rc = cx_hex_decode_alloc(a, s.ptr, s.len, CX_HEX_PREFIX, out, len);
    if (!rc && !*out) *out = (uint8_t *)""; /* empty data is not "absent" */
    return rc;
}

int cx_eth__write_hex(cx_json_writer *w, const void *p, size_t n) {
    cx_buf b = CX_BUF_INIT;
    int rc = cx_hex_encode(&b, p, n);
    if (!rc) rc = cx_json_write_string(w, (const char *)b.data, b.len);
    cx_buf_free(&b);
    return rc;
}

int cx_eth__write_qty(cx_json_writer *w, const cx_u256 *v) {
    static const char dig[] = "0123456789abcdef";
    char t[67] = "0x";
    size_t n = 2;
    for (int i = 0; i < 32; i++) {
        int hi = v->b[i] >> 4, lo = v->b[i] & 15;
        if (n > 2 || hi) t[n++] = dig[hi];
        if (n > 2 || lo) t[n++] = dig[lo];
    }
    if (n == 2) t[n++] = '0';
    return cx_json_write_string(w, t, n);
}

int cx_eth__write_qty64(cx_json_writer *w, uint64_t v) {
    cx_u256 u = cx_u256_from_u64(v);
    return cx_eth__write_qty(w, &u);
}

int cx_eth__write_addr(cx_json_writer *w, const uint8_t addr[20]) {
    return cx_eth__write_hex(w, addr, 20);
}

int cx_eth__fail(cx_eth_rpc_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    memset(err, 0, sizeof *err);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

bool cx_eth__contains(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return true;
    }
    return false;
}

/* ---- objects ------------------------------------------------------------- */

static int bad(char *msg, size_t cap, const char *what, const char *field) {
    if (msg && cap) snprintf(msg, cap, "%s: field '%s' missing or malformed", what, field);
    return CX_EPARSE;
}

#define REQ(call, what, field)                                                                     \
    do {                                                                                           \
        if (call) return bad(msg, cap, what, field);                                               \
    } while (0)

/* An optional field: absent and null are both "not there". */
static const cx_json *opt(const cx_json *o, const char *k) {
    const cx_json *v = cx_json_get(o, k);
    return v && !cx_json_is_null(v) ? v : NULL;
}

int cx_eth_log_parse(cx_arena *a, const cx_json *j, cx_eth_log *out, char *msg, size_t cap) {
    if (!a || !out) return CX_EINVAL;
    memset(out, 0, sizeof *out);
    if (cx_json_typeof(j) != CX_JSON_OBJECT) return bad(msg, cap, "log", "(object)");
    out->json = j;
    REQ(cx_eth__fixed(cx_json_get(j, "address"), out->address, 20), "log", "address");
    const cx_json *t = cx_json_get(j, "topics");
    if (cx_json_typeof(t) != CX_JSON_ARRAY || cx_json_len(t) > 4)
        return bad(msg, cap, "log", "topics");
    size_t nt = cx_json_len(t);
    uint8_t(*topics)[32] = nt ? cx_arena_alloc(a, nt * 32) : NULL;
    if (nt && !topics) return CX_ENOMEM;
    for (size_t i = 0; i < nt; i++)
        REQ(cx_eth__fixed(cx_json_at(t, i), topics[i], 32), "log", "topics");
    out->topics = (const uint8_t(*)[32])topics;
    out->ntopics = nt;
    uint8_t *d;
    REQ(cx_eth__data(a, cx_json_get(j, "data"), &d, &out->data_len), "log", "data");
    out->data = d;
    const cx_json *bn = opt(j, "blockNumber");
    if (bn) {
        out->has_block = true;
        REQ(cx_eth__qty_u64(bn, &out->block_number), "log", "blockNumber");
        REQ(cx_eth__fixed(cx_json_get(j, "blockHash"), out->block_hash, 32), "log", "blockHash");
        REQ(cx_eth__fixed(cx_json_get(j, "transactionHash"), out->tx_hash, 32), "log",
            "transactionHash");
        REQ(cx_eth__qty_u64(cx_json_get(j, "transactionIndex"), &out->tx_index), "log",
            "transactionIndex");
        REQ(cx_eth__qty_u64(cx_json_get(j, "logIndex"), &out->log_index), "log", "logIndex");
    }
    const cx_json *rm = opt(j, "removed");
    if (rm) REQ(cx_json_bool(rm, &out->removed), "log", "removed");
    return 0;
}

static int parse_logs(cx_arena *a, const cx_json *arr, size_t max_items, cx_eth_log **out,
                      size_t *n, char *msg, size_t cap) {
    if (cx_json_typeof(arr) != CX_JSON_ARRAY) return bad(msg, cap, "result", "logs");
    size_t len = cx_json_len(arr);
    if (len > (max_items ? max_items : CX_ETH_RPC_DEFAULT_MAX_ITEMS)) {
        if (msg && cap) snprintf(msg, cap, "%zu logs, more than the limit", len);
        return CX_ELIMIT;
    }
    cx_eth_log *logs = cx_arena_calloc(a, (len ? len : 1) * sizeof *logs);
    if (!logs) return CX_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        int rc = cx_eth_log_parse(a, cx_json_at(arr, i), &logs[i], msg, cap);
        if (rc) return rc;
    }
    *out = logs;
    *n = len;
    return 0;
}

int cx_eth__parse_logs(cx_arena *a, const cx_json *arr, size_t max_items, cx_eth_log **out,
                       size_t *n, char *msg, size_t cap) {
    return parse_logs(a, arr, max_items, out, n, msg, cap);
}

int cx_eth_receipt_parse(cx_arena *a, const cx_json *j, size_t max_items, cx_eth_receipt *out,
                         char *msg, size_t cap) {
    if (!a || !out) return CX_EINVAL;
    memset(out, 0, sizeof *out);
    const char *w = "receipt";
    if (cx_json_typeof(j) != CX_JSON_OBJECT) return bad(msg, cap, w, "(object)");
    out->json = j;
    REQ(cx_eth__fixed(cx_json_get(j, "transactionHash"), out->tx_hash, 32), w, "transactionHash");
    REQ(cx_eth__fixed(cx_json_get(j, "blockHash"), out->block_hash, 32), w, "blockHash");
    REQ(cx_eth__qty_u64(cx_json_get(j, "blockNumber"), &out->block_number), w, "blockNumber");
    REQ(cx_eth__qty_u64(cx_json_get(j, "transactionIndex"), &out->tx_index), w, "transactionIndex");
    REQ(cx_eth__fixed(cx_json_get(j, "from"), out->from, 20), w, "from");
    const cx_json *v = opt(j, "to");
    if (v) {
        out->has_to = true;
        REQ(cx_eth__fixed(v, out->to, 20), w, "to");
    }
    if ((v = opt(j, "contractAddress"))) {
        out->has_contract = true;
        REQ(cx_eth__fixed(v, out->contract_address, 20), w, "contractAddress");
    }
    out->status = -1;
    if ((v = opt(j, "status"))) {
        uint64_t st;
        REQ(cx_eth__qty_u64(v, &st) || st > 1, w, "status");
        out->status = (int)st;
    }
    if ((v = opt(j, "type"))) {
        uint64_t ty;
        REQ(cx_eth__qty_u64(v, &ty) || ty > 255, w, "type");
        out->type = (int)ty;
    }
    REQ(cx_eth__qty_u64(cx_json_get(j, "gasUsed"), &out->gas_used), w, "gasUsed");
    REQ(cx_eth__qty_u64(cx_json_get(j, "cumulativeGasUsed"), &out->cumulative_gas_used), w,
        "cumulativeGasUsed");
    if ((v = opt(j, "effectiveGasPrice")))
        REQ(cx_eth__qty_u256(v, &out->effective_gas_price), w, "effectiveGasPrice");
    return parse_logs(a, cx_json_get(j, "logs"), max_items, &out->logs, &out->nlogs, msg, cap);
}

int cx_eth_block_parse(cx_arena *a, const cx_json *j, size_t max_items, cx_eth_block *out,
                       char *msg, size_t cap) {
    if (!a || !out) return CX_EINVAL;
    memset(out, 0, sizeof *out);
    const char *w = "block";
    if (cx_json_typeof(j) != CX_JSON_OBJECT) return bad(msg, cap, w, "(object)");
    out->json = j;
    REQ(cx_eth__qty_u64(cx_json_get(j, "number"), &out->number), w, "number");
    REQ(cx_eth__fixed(cx_json_get(j, "hash"), out->hash, 32), w, "hash");
    REQ(cx_eth__fixed(cx_json_get(j, "parentHash"), out->parent_hash, 32), w, "parentHash");
    REQ(cx_eth__qty_u64(cx_json_get(j, "timestamp"), &out->timestamp), w, "timestamp");
    REQ(cx_eth__qty_u64(cx_json_get(j, "gasLimit"), &out->gas_limit), w, "gasLimit");
    REQ(cx_eth__qty_u64(cx_json_get(j, "gasUsed"), &out->gas_used), w, "gasUsed");
    REQ(cx_eth__fixed(cx_json_get(j, "miner"), out->miner, 20), w, "miner");
    const cx_json *v = opt(j, "baseFeePerGas");
    if (v) {
        out->has_base_fee = true;
        REQ(cx_eth__qty_u256(v, &out->base_fee), w, "baseFeePerGas");
    }
    const cx_json *txs = cx_json_get(j, "transactions");
    if (cx_json_typeof(txs) != CX_JSON_ARRAY) return bad(msg, cap, w, "transactions");
    size_t n = cx_json_len(txs);
    if (n > (max_items ? max_items : CX_ETH_RPC_DEFAULT_MAX_ITEMS)) {
        if (msg && cap) snprintf(msg, cap, "%zu transactions, more than the limit", n);
        return CX_ELIMIT;
    }
    uint8_t(*h)[32] = n ? cx_arena_alloc(a, n * 32) : NULL;
    if (n && !h) return CX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const cx_json *t = cx_json_at(txs, i);
        /* Hashes, or full transaction objects carrying their hash. */
        if (cx_json_typeof(t) == CX_JSON_OBJECT) t = cx_json_get(t, "hash");
        REQ(cx_eth__fixed(t, h[i], 32), w, "transactions");
    }
    out->tx_hashes = (const uint8_t(*)[32])h;
    out->ntx = n;
    return 0;
}
