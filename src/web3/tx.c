/* Transactions: the RLP field lists of type 0 (legacy, EIP-155), type 1
 * (EIP-2930) and type 2 (EIP-1559), their signing hashes and the signed raw
 * form. Fields are appended to one payload buffer and wrapped as a list at
 * the end, so nothing is encoded twice. */
#include <stdio.h>
#include <string.h>
#include <cortex/error.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>

static int put_u256(cx_buf *b, const cx_u256 *v) {
    size_t off, n = cx_u256_minimal(v, &off);
    return cx_rlp_put_bytes(b, v->b + off, n);
}

static int put_word(cx_buf *b, const uint8_t w[32]) {
    cx_u256 v;
    memcpy(v.b, w, 32);
    return put_u256(b, &v);
}

static int put_access_list(cx_buf *b, const cx_eth_tx *tx) {
    cx_buf list = CX_BUF_INIT, entry = CX_BUF_INIT, keys = CX_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; !rc && i < tx->access_count; i++) {
        const cx_eth_access *e = &tx->access_list[i];
        cx_buf_reset(&entry);
        cx_buf_reset(&keys);
        rc = cx_rlp_put_bytes(&entry, e->address, 20);
        for (size_t k = 0; !rc && k < e->nkeys; k++) rc = cx_rlp_put_bytes(&keys, e->keys[k], 32);
        if (!rc) rc = cx_rlp_put_list(&entry, keys.data, keys.len);
        if (!rc) rc = cx_rlp_put_list(&list, entry.data, entry.len);
    }
    if (!rc) rc = cx_rlp_put_list(b, list.data, list.len);
    cx_buf_free(&list);
    cx_buf_free(&entry);
    cx_buf_free(&keys);
    return rc;
}

/* The fields common to every type, from nonce to data, in the type's order. */
static int put_fields(cx_buf *b, const cx_eth_tx *tx) {
    int rc = 0;
    if (tx->type != 0) rc = put_u256(b, &tx->chain_id);
    if (!rc) rc = put_u256(b, &tx->nonce);
    if (!rc && tx->type == 2) {
        rc = put_u256(b, &tx->max_priority_fee);
        if (!rc) rc = put_u256(b, &tx->max_fee);
    } else if (!rc) {
        rc = put_u256(b, &tx->gas_price);
    }
    if (!rc) rc = put_u256(b, &tx->gas_limit);
    if (!rc) rc = cx_rlp_put_bytes(b, tx->to, tx->has_to ? 20 : 0);
    if (!rc) rc = put_u256(b, &tx->value);
    if (!rc) rc = cx_rlp_put_bytes(b, tx->data, tx->data_len);
    if (!rc && tx->type != 0) rc = put_access_list(b, tx);
    return rc;
}

static int check(const cx_eth_tx *tx) {
    if (!tx || tx->type < 0 || tx->type > 2) return CX_EINVAL;
    if (!tx->data && tx->data_len) return CX_EINVAL;
    if (!tx->access_list && tx->access_count) return CX_EINVAL;
    return 0;
}

/* Type byte + list(payload), or the bare list for type 0. */
static int wrap(const cx_eth_tx *tx, const cx_buf *payload, cx_buf *out) {
    int rc = 0;
    if (tx->type != 0) rc = cx_buf_putc(out, (char)tx->type);
    return rc ? rc : cx_rlp_put_list(out, payload->data, payload->len);
}

int cx_eth_tx_signing_hash(const cx_eth_tx *tx, uint8_t out[32]) {
    int rc = check(tx);
    if (rc || !out) return rc ? rc : CX_EINVAL;
    cx_buf p = CX_BUF_INIT, whole = CX_BUF_INIT;
    rc = put_fields(&p, tx);
    if (!rc && tx->type == 0 && !cx_u256_is_zero(&tx->chain_id)) {
        /* EIP-155: chainId, 0, 0 appended to the six legacy fields. */
        rc = put_u256(&p, &tx->chain_id);
        if (!rc) rc = cx_rlp_put_bytes(&p, NULL, 0);
        if (!rc) rc = cx_rlp_put_bytes(&p, NULL, 0);
    }
    if (!rc) rc = wrap(tx, &p, &whole);
    if (!rc) cx_keccak256(whole.data, whole.len, out);
    cx_buf_free(&p);
    cx_buf_free(&whole);
    return rc;
}

/* v for a legacy transaction: 27/28, or chainId*2 + 35 + recid (EIP-155),
 * computed in 256 bits since chain ids are not bounded by the format. */
static cx_u256 legacy_v(const cx_u256 *chain, int recid) {
    if (cx_u256_is_zero(chain)) return cx_u256_from_u64(27u + (unsigned)recid);
    cx_u256 v;
    unsigned carry = 35u + (unsigned)recid;
    for (int i = 31; i >= 0; i--) {
        unsigned x = (unsigned)chain->b[i] * 2u + carry;
        v.b[i] = (uint8_t)x;
        carry = x >> 8;
    }
    return v;
}

int cx_eth_tx_serialize(const cx_eth_tx *tx, const cx_eth_sig *sig, cx_buf *out) {
    int rc = check(tx);
    if (rc || !sig || !out) return rc ? rc : CX_EINVAL;
    if (sig->recid != 0 && sig->recid != 1) return CX_EINVAL; /* v would be wrong */
    cx_buf p = CX_BUF_INIT;
    rc = put_fields(&p, tx);
    if (!rc) {
        cx_u256 v = tx->type == 0 ? legacy_v(&tx->chain_id, sig->recid)
                                  : cx_u256_from_u64((uint64_t)sig->recid);
        rc = put_u256(&p, &v);
    }
    if (!rc) rc = put_word(&p, sig->r);
    if (!rc) rc = put_word(&p, sig->s);
    if (!rc) rc = wrap(tx, &p, out);
    cx_buf_free(&p);
    return rc;
}

int cx_eth_tx_sign(const cx_eth_tx *tx, const cx_eth_key *k, cx_buf *out) {
    uint8_t h[32];
    cx_eth_sig sig;
    int rc = cx_eth_tx_signing_hash(tx, h);
    if (!rc) rc = cx_eth_key_sign(k, h, &sig);
    if (!rc) rc = cx_eth_tx_serialize(tx, &sig, out);
    return rc;
}

/* ---- from JSON ---------------------------------------------------------- */

static int jfail(char *msg, size_t cap, const char *field, const char *why) {
    if (msg && cap) snprintf(msg, cap, "field '%s': %s", field, why);
    return CX_EPARSE;
}

static int json_u256(const cx_json *o, const char *field, cx_u256 *out, char *msg, size_t cap) {
    const cx_json *v = cx_json_get(o, field);
    *out = cx_u256_from_u64(0);
    if (!v || cx_json_is_null(v)) return 0;
    cx_str s;
    if (cx_json_typeof(v) == CX_JSON_NUMBER) {
        if (cx_json_number_kind(v) == CX_JSON_NUM_REAL)
            return jfail(msg, cap, field, "not a non-negative integer");
        s = cx_json_number_text(v);
    } else if (cx_json_typeof(v) == CX_JSON_STRING) {
        s = cx_json_str(v);
    } else {
        return jfail(msg, cap, field, "expected a number or a decimal/0x string");
    }
    int rc = cx_u256_parse(s.ptr, s.len, out);
    if (rc == CX_ERANGE) return jfail(msg, cap, field, "does not fit in 256 bits");
    if (rc) return jfail(msg, cap, field, "not a non-negative integer (decimal or 0x hex)");
    return 0;
}

int cx_eth_tx_from_json(cx_arena *a, const cx_json *o, cx_eth_tx *tx, char *msg, size_t msg_cap) {
    if (!a || !tx) return CX_EINVAL;
    memset(tx, 0, sizeof *tx);
    if (cx_json_typeof(o) != CX_JSON_OBJECT)
        return jfail(msg, msg_cap, "(transaction)", "expected a JSON object");
    static const char *known[] = {"type",
                                  "chainId",
                                  "nonce",
                                  "gasLimit",
                                  "gasPrice",
                                  "maxFeePerGas",
                                  "maxPriorityFeePerGas",
                                  "value",
                                  "to",
                                  "data",
                                  "accessList",
                                  "from"};
    for (size_t i = 0; i < cx_json_len(o); i++) {
        cx_str k = cx_json_key_at(o, i);
        bool ok = false;
        for (size_t j = 0; j < sizeof known / sizeof *known && !ok; j++)
            ok = cx_str_eq(k, cx_str_from(known[j]));
        if (!ok) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(k.len > 60 ? 60 : k.len), k.ptr);
            return jfail(msg, msg_cap, name, "unknown field");
        }
    }
    cx_u256 type;
    int rc;
    if ((rc = json_u256(o, "type", &type, msg, msg_cap))) return rc;
    size_t off;
    if (cx_u256_minimal(&type, &off) > 1 || type.b[31] > 2)
        return jfail(msg, msg_cap, "type", "must be 0, 1 or 2");
    tx->type = type.b[31];
    if (!cx_json_get(o, "type")) {
        /* ethers infers the type; be explicit instead of guessing. */
        return jfail(msg, msg_cap, "type", "missing (0, 1 or 2)");
    }
    struct {
        const char *name;
        cx_u256 *dst;
    } nums[] = {{"chainId", &tx->chain_id},     {"nonce", &tx->nonce},
                {"gasLimit", &tx->gas_limit},   {"gasPrice", &tx->gas_price},
                {"maxFeePerGas", &tx->max_fee}, {"maxPriorityFeePerGas", &tx->max_priority_fee},
                {"value", &tx->value}};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if ((rc = json_u256(o, nums[i].name, nums[i].dst, msg, msg_cap))) return rc;
    const cx_json *to = cx_json_get(o, "to");
    if (to && !cx_json_is_null(to)) {
        cx_str s = cx_json_str(to);
        if (!s.ptr || cx_eth_address_parse(s.ptr, s.len, tx->to))
            return jfail(msg, msg_cap, "to", "not an address (0x + 40 hex, valid EIP-55)");
        tx->has_to = true;
    }
    const cx_json *data = cx_json_get(o, "data");
    if (data && !cx_json_is_null(data)) {
        cx_str s = cx_json_str(data);
        uint8_t *d;
        if (!s.ptr || cx_hex_decode_alloc(a, s.ptr, s.len, CX_HEX_PREFIX, &d, &tx->data_len))
            return jfail(msg, msg_cap, "data", "not 0x-prefixed hex bytes");
        tx->data = d;
    }
    const cx_json *al = cx_json_get(o, "accessList");
    if (al && !cx_json_is_null(al)) {
        if (cx_json_typeof(al) != CX_JSON_ARRAY)
            return jfail(msg, msg_cap, "accessList", "expected an array");
        if (tx->type == 0 && cx_json_len(al))
            return jfail(msg, msg_cap, "accessList", "not allowed in a type 0 transaction");
        size_t n = cx_json_len(al);
        cx_eth_access *list = n ? cx_arena_calloc(a, n * sizeof *list) : NULL;
        if (n && !list) return CX_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const cx_json *e = cx_json_at(al, i);
            cx_str addr = cx_json_str(cx_json_get(e, "address"));
            const cx_json *keys = cx_json_get(e, "storageKeys");
            if (!addr.ptr || cx_eth_address_parse(addr.ptr, addr.len, list[i].address))
                return jfail(msg, msg_cap, "accessList", "entry without a valid address");
            if (cx_json_typeof(keys) != CX_JSON_ARRAY)
                return jfail(msg, msg_cap, "accessList", "entry without a storageKeys array");
            size_t nk = cx_json_len(keys);
            uint8_t(*k)[32] = nk ? cx_arena_alloc(a, nk * 32) : NULL;
            if (nk && !k) return CX_ENOMEM;
            for (size_t j = 0; j < nk; j++) {
                cx_str ks = cx_json_str(cx_json_at(keys, j));
                size_t got;
                if (!ks.ptr || cx_hex_decode(ks.ptr, ks.len, CX_HEX_PREFIX, k[j], 32, &got) ||
                    got != 32)
                    return jfail(msg, msg_cap, "accessList", "storage key is not 32 bytes of hex");
            }
            list[i].keys = (const uint8_t(*)[32])k;
            list[i].nkeys = nk;
        }
        tx->access_list = list;
        tx->access_count = n;
    }
    return 0;
}
