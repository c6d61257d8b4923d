/* secp256k1 keys, signatures and recovery over libsecp256k1. A key handle
 * owns a signing context (randomised once for side-channel blinding);
 * verification and recovery use the library's static context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <cortex/error.h>
#include <cortex/web3.h>

struct cx_eth_key {
    secp256k1_context *ctx;
    uint8_t secret[32];
    uint8_t pub[64];
};

cx_eth_key *cx_eth_key_new(const uint8_t secret[32], int *err) {
    int dummy;
    if (!err) err = &dummy;
    *err = CX_EINVAL;
    if (!secret || !secp256k1_ec_seckey_verify(secp256k1_context_static, secret)) return NULL;
    cx_eth_key *k = calloc(1, sizeof *k);
    if (!k || !(k->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE))) {
        free(k);
        *err = CX_ENOMEM;
        return NULL;
    }
    uint8_t seed[32];
    /* Blinding is a hardening, not a correctness need: on failure the
     * context just stays unblinded. */
    if (RAND_bytes(seed, sizeof seed) == 1 && !secp256k1_context_randomize(k->ctx, seed))
        seed[0] = 0;
    memcpy(k->secret, secret, 32);
    secp256k1_pubkey pk;
    uint8_t ser[65];
    size_t len = sizeof ser;
    if (!secp256k1_ec_pubkey_create(k->ctx, &pk, secret) ||
        !secp256k1_ec_pubkey_serialize(k->ctx, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED)) {
        cx_eth_key_free(k);
        return NULL;
    }
    memcpy(k->pub, ser + 1, 64);
    *err = 0;
    return k;
}

void cx_eth_key_free(cx_eth_key *k) {
    if (!k) return;
    if (k->ctx) secp256k1_context_destroy(k->ctx);
    memset(k->secret, 0, sizeof k->secret); /* best effort; the handle dies now */
    free(k);
}

void cx_eth_key_public(const cx_eth_key *k, uint8_t pub[64]) {
    memcpy(pub, k->pub, 64);
}

void cx_eth_pubkey_address(const uint8_t pub[64], uint8_t addr[20]) {
    uint8_t h[32];
    cx_keccak256(pub, 64, h);
    memcpy(addr, h + 12, 20);
}

void cx_eth_key_address(const cx_eth_key *k, uint8_t addr[20]) {
    cx_eth_pubkey_address(k->pub, addr);
}

int cx_eth_key_sign(const cx_eth_key *k, const uint8_t digest[32], cx_eth_sig *sig) {
    if (!k || !digest || !sig) return CX_EINVAL;
    secp256k1_ecdsa_recoverable_signature rs;
    /* NULL nonce function = RFC 6979; libsecp256k1 always emits low s. */
    if (!secp256k1_ecdsa_sign_recoverable(k->ctx, &rs, digest, k->secret, NULL, NULL))
        return CX_EINVAL;
    uint8_t c[64];
    secp256k1_ecdsa_recoverable_signature_serialize_compact(k->ctx, c, &sig->recid, &rs);
    memcpy(sig->r, c, 32);
    memcpy(sig->s, c + 32, 32);
    return 0;
}

int cx_eth_recover(const uint8_t digest[32], const cx_eth_sig *sig, uint8_t pub[64]) {
    if (!digest || !sig || !pub || sig->recid < 0 || sig->recid > 1) return CX_EINVAL;
    const secp256k1_context *ctx = secp256k1_context_static;
    uint8_t c[64];
    memcpy(c, sig->r, 32);
    memcpy(c + 32, sig->s, 32);
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_ecdsa_signature plain;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, c, sig->recid))
        return CX_EINVAL;
    /* Reject high s (malleable form), as Ethereum has since Homestead. */
    secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rs);
    if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain)) return CX_EINVAL;
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, digest)) return CX_EINVAL;
    uint8_t ser[65];
    size_t len = sizeof ser;
    secp256k1_ec_pubkey_serialize(ctx, ser, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    memcpy(pub, ser + 1, 64);
    return 0;
}

void cx_eth_message_hash(const void *msg, size_t len, uint8_t out[32]) {
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix,
                     "\x19"
                     "Ethereum Signed Message:\n%zu",
                     len);
    cx_keccak256_ctx c;
    cx_keccak256_init(&c);
    cx_keccak256_update(&c, prefix, (size_t)n);
    cx_keccak256_update(&c, msg, len);
    cx_keccak256_final(&c, out);
}

int cx_eth_message_sign(const cx_eth_key *k, const void *msg, size_t len, uint8_t out[65]) {
    if (!k || !out || (!msg && len)) return CX_EINVAL;
    uint8_t h[32];
    cx_eth_message_hash(msg, len, h);
    cx_eth_sig sig;
    int rc = cx_eth_key_sign(k, h, &sig);
    if (rc) return rc;
    memcpy(out, sig.r, 32);
    memcpy(out + 32, sig.s, 32);
    out[64] = (uint8_t)(27 + sig.recid);
    return 0;
}
