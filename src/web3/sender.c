/* Sending transactions: fill what the caller left out (chain id, nonce,
 * gas limit, fees), sign with the sender's key and submit. The nonce is a
 * local counter per sender so that back-to-back sends do not wait for each
 * other to be mined; it is read from the node ("pending") once, and again
 * whenever the node says it has fallen behind ("nonce too low"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cortex/error.h>
#include "rpc_int.h"

struct cx_eth_sender {
    cx_eth_client *c;
    cx_eth_key *key;
    uint8_t addr[20];
    cx_eth_sender_options o;
    bool have_chain, have_nonce;
    uint64_t chain_id, next_nonce;
};

cx_eth_sender_options cx_eth_sender_options_defaults(void) {
    return (cx_eth_sender_options){.gas_margin_pct = 20,
                                   .fee_history_blocks = 5,
                                   .priority_percentile = 50,
                                   .base_fee_multiplier = 2,
                                   .nonce_retries = 2};
}

cx_eth_sender *cx_eth_sender_new(cx_eth_client *c, const uint8_t secret[32],
                                 const cx_eth_sender_options *opts, int *err) {
    int e = 0;
    if (!err) err = &e;
    if (!c || !secret) {
        *err = CX_EINVAL;
        return NULL;
    }
    cx_eth_sender *s = calloc(1, sizeof *s);
    if (!s) {
        *err = CX_ENOMEM;
        return NULL;
    }
    if (!(s->key = cx_eth_key_new(secret, err))) {
        free(s);
        return NULL;
    }
    cx_eth_key_address(s->key, s->addr);
    s->c = c;
    cx_eth_sender_options d = cx_eth_sender_options_defaults();
    s->o = opts ? *opts : d;
    if (!s->o.gas_margin_pct) s->o.gas_margin_pct = d.gas_margin_pct;
    if (!s->o.fee_history_blocks) s->o.fee_history_blocks = d.fee_history_blocks;
    if (!s->o.priority_percentile || s->o.priority_percentile > 100)
        s->o.priority_percentile = d.priority_percentile;
    if (!s->o.base_fee_multiplier) s->o.base_fee_multiplier = d.base_fee_multiplier;
    if (!s->o.nonce_retries) s->o.nonce_retries = d.nonce_retries;
    *err = 0;
    return s;
}

void cx_eth_sender_free(cx_eth_sender *s) {
    if (!s) return;
    cx_eth_key_free(s->key);
    free(s);
}

void cx_eth_sender_address(const cx_eth_sender *s, uint8_t addr[20]) {
    memcpy(addr, s->addr, 20);
}

/* ---- small u256 arithmetic for fees ------------------------------------- */

static int u256_add(cx_u256 *r, const cx_u256 *a, const cx_u256 *b) {
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned v = (unsigned)a->b[i] + b->b[i] + carry;
        r->b[i] = (uint8_t)v;
        carry = v >> 8;
    }
    return carry ? CX_ERANGE : 0;
}

static int u256_mul_small(cx_u256 *r, const cx_u256 *a, unsigned m) {
    uint64_t carry = 0;
    for (int i = 31; i >= 0; i--) {
        uint64_t v = (uint64_t)a->b[i] * m + carry;
        r->b[i] = (uint8_t)v;
        carry = v >> 8;
    }
    return carry ? CX_ERANGE : 0;
}

static int u256_cmp(const cx_u256 *a, const cx_u256 *b) {
    return memcmp(a->b, b->b, 32);
}

static int cmp_u256(const void *x, const void *y) {
    return u256_cmp(x, y);
}

/* EIP-1559 fees: the next block's base fee (the last entry of feeHistory)
 * times the multiplier, plus a tip: the median over recent blocks of the
 * chosen reward percentile, or the node's eth_maxPriorityFeePerGas when
 * those blocks carried no tips. Returns CX_ENOTFOUND when the chain has no
 * base fee (pre-London: legacy it is). */
static int fill_1559(cx_eth_sender *s, cx_eth_tx *tx, cx_eth_rpc_error *err) {
    cx_arena *a = cx_arena_new(0, 0);
    if (!a) return cx_eth__fail(err, CX_ENOMEM, "out of memory");
    double pct = s->o.priority_percentile;
    cx_eth_fee_history h;
    int rc =
        cx_eth_client_fee_history(s->c, a, s->o.fee_history_blocks, "latest", &pct, 1, &h, err);
    if (!rc && cx_u256_is_zero(&h.base_fee[h.nblocks])) rc = CX_ENOTFOUND;
    cx_u256 tip = {{0}};
    if (!rc && h.nblocks) {
        qsort(h.reward, h.nblocks, sizeof *h.reward, cmp_u256);
        tip = h.reward[h.nblocks / 2];
    }
    if (!rc && cx_u256_is_zero(&tip)) {
        cx_eth_rpc_error e2;
        if (cx_eth_client_max_priority_fee(s->c, &tip, &e2)) tip = (cx_u256){{0}};
    }
    if (!rc) {
        cx_u256 fee;
        if (u256_mul_small(&fee, &h.base_fee[h.nblocks], s->o.base_fee_multiplier) ||
            u256_add(&fee, &fee, &tip))
            rc = cx_eth__fail(err, CX_ERANGE, "fee overflow");
        tx->max_fee = fee;
        tx->max_priority_fee = tip;
    }
    cx_arena_free(a);
    return rc;
}

static int sync_nonce(cx_eth_sender *s, cx_eth_rpc_error *err) {
    uint64_t n;
    int rc = cx_eth_client_nonce(s->c, s->addr, "pending", &n, err);
    if (rc) return rc;
    /* Another coroutine may have counted up while this one waited. */
    if (!s->have_nonce || n > s->next_nonce) s->next_nonce = n;
    s->have_nonce = true;
    return 0;
}

int cx_eth_sender_send(cx_eth_sender *s, const cx_eth_send_req *req, cx_eth_sent *out,
                       cx_eth_rpc_error *err) {
    if (err) memset(err, 0, sizeof *err);
    if (!s || !req || !out || (req->type != -1 && req->type != 0 && req->type != 2) ||
        (req->data_len && !req->data))
        return cx_eth__fail(err, CX_EINVAL, "invalid argument");
    memset(out, 0, sizeof *out);
    int rc;
    if (!s->have_chain) {
        if ((rc = cx_eth_client_chain_id(s->c, &s->chain_id, err))) return rc;
        s->have_chain = true;
    }
    cx_eth_tx tx = {.type = req->type,
                    .chain_id = cx_u256_from_u64(s->chain_id),
                    .value = req->value,
                    .has_to = req->has_to,
                    .data = req->data,
                    .data_len = req->data_len};
    memcpy(tx.to, req->to, 20);
    if (tx.type != 0 && req->has_fees) {
        tx.type = 2;
        tx.max_fee = req->max_fee;
        tx.max_priority_fee = req->max_priority_fee;
    } else if (tx.type != 0 && !req->has_gas_price) {
        rc = fill_1559(s, &tx, err);
        if (rc == CX_ENOTFOUND && tx.type == -1)
            tx.type = 0;
        else if (rc == CX_ENOTFOUND)
            return cx_eth__fail(err, CX_EPROTO, "the chain has no base fee: use a legacy tx");
        else if (rc)
            return rc;
        else
            tx.type = 2;
    } else {
        tx.type = 0;
    }
    if (tx.type == 0) {
        if (req->has_gas_price)
            tx.gas_price = req->gas_price;
        else if ((rc = cx_eth_client_gas_price(s->c, &tx.gas_price, err)))
            return rc;
    }
    uint64_t gas = req->gas_limit;
    if (!gas) {
        cx_eth_call_msg m = {.has_from = true,
                             .has_to = req->has_to,
                             .data = req->data,
                             .data_len = req->data_len,
                             .has_value = !cx_u256_is_zero(&req->value),
                             .value = req->value};
        memcpy(m.from, s->addr, 20);
        memcpy(m.to, req->to, 20);
        if ((rc = cx_eth_client_estimate_gas(s->c, &m, &gas, err))) return rc;
        uint64_t extra = gas / 100 * s->o.gas_margin_pct + gas % 100 * s->o.gas_margin_pct / 100;
        gas = gas > UINT64_MAX - extra ? UINT64_MAX : gas + extra;
    }
    tx.gas_limit = cx_u256_from_u64(gas);
    if (!req->has_nonce && !s->have_nonce && (rc = sync_nonce(s, err))) return rc;
    cx_buf raw = CX_BUF_INIT;
    for (unsigned attempt = 0;; attempt++) {
        /* Taken and counted with no wait in between, so coroutines sharing
         * the sender never pick the same nonce. */
        uint64_t nonce = req->has_nonce ? req->nonce : s->next_nonce++;
        tx.nonce = cx_u256_from_u64(nonce);
        cx_buf_reset(&raw);
        if ((rc = cx_eth_tx_sign(&tx, s->key, &raw))) {
            cx_buf_free(&raw);
            return cx_eth__fail(err, rc, "cannot sign the transaction");
        }
        rc = cx_eth_client_send_raw(s->c, (const uint8_t *)raw.data, raw.len, out->hash, err);
        if (!rc) {
            out->nonce = nonce;
            out->gas_limit = gas;
            out->type = tx.type;
            break;
        }
        if (req->has_nonce) break;
        /* The nonce was not used: give it back when nobody took a later one;
         * otherwise a gap is left, so re-read the node's count next time. */
        if (s->next_nonce == nonce + 1)
            s->next_nonce = nonce;
        else
            s->have_nonce = false;
        bool low = err && err->rpc && cx_eth__contains(err->message, "nonce too low");
        if (!low || attempt >= s->o.nonce_retries) break;
        cx_eth_rpc_error e2;
        if (sync_nonce(s, &e2)) break;
    }
    cx_buf_free(&raw);
    return rc;
}

void cx_eth_revert_reason(const uint8_t *data, size_t len, char *dst, size_t cap) {
    if (!dst || !cap) return;
    static const uint8_t err_sel[4] = {0x08, 0xc3, 0x79, 0xa0};   /* Error(string) */
    static const uint8_t panic_sel[4] = {0x4e, 0x48, 0x7b, 0x71}; /* Panic(uint256) */
    dst[0] = 0;
    if (!data || len < 4) {
        snprintf(dst, cap, "reverted without a reason");
        return;
    }
    cx_arena *a = cx_arena_new(0, 0);
    const cx_abi_type *t = NULL;
    const cx_abi_value *v;
    cx_abi_error e;
    bool is_err = !memcmp(data, err_sel, 4), is_panic = !memcmp(data, panic_sel, 4);
    if (a && (is_err || is_panic) &&
        !cx_abi_type_parse(a, is_err ? "(string)" : "(uint256)", is_err ? 8 : 9, NULL, &t, &e) &&
        !cx_abi_decode(a, t, data + 4, len - 4, NULL, &v, &e)) {
        if (is_err) {
            snprintf(dst, cap, "%.*s", (int)v->items[0].len, (const char *)v->items[0].bytes);
        } else {
            size_t off = 0, n = cx_u256_minimal((const cx_u256 *)v->items[0].word, &off);
            char hex[70];
            cx_hex_format(hex, v->items[0].word + off, n ? n : 1);
            snprintf(dst, cap, "panic %s", n ? hex : "0x00");
        }
    } else {
        char sel[11];
        cx_hex_format(sel, data, 4);
        snprintf(dst, cap, "custom error %s", sel);
    }
    cx_arena_free(a);
}
