/* web3 example: hash, encode a contract call, decode its return data, sign
 * an EIP-1559 transaction and a personal message, all offline.
 *
 *   build/examples/web3            (or: cc main.c $(pkg-config --cflags --libs cortex))
 */
#include <stdio.h>
#include <string.h>
#include <cortex/abi.h>
#include <cortex/rlp.h>
#include <cortex/web3.h>

static void print_hex(const char *label, const void *p, size_t n) {
    cx_buf b = CX_BUF_INIT;
    cx_hex_encode(&b, p, n);
    printf("%-14s %.*s\n", label, (int)b.len, b.data);
    cx_buf_free(&b);
}

int main(void) {
    int rc = 1;
    cx_arena *a = cx_arena_new(0, 0);
    cx_buf calldata = CX_BUF_INIT, raw = CX_BUF_INIT, text = CX_BUF_INIT;
    cx_eth_key *key = NULL;
    if (!a) return 1;

    /* 1. Keccak-256 and an EIP-55 address. */
    uint8_t h[32];
    cx_keccak256("hello", 5, h);
    print_hex("keccak", h, 32);

    /* 2. Calldata for transfer(address,uint256): parse the signature, parse
     *    the arguments from text, encode them after the selector. */
    cx_abi_sig sig;
    cx_abi_error err = {"key or signing error"};
    const char *s = "transfer(address to, uint256 amount)";
    if (cx_abi_sig_parse(a, s, strlen(s), NULL, &sig, &err)) goto fail;
    const char *args[] = {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "1000000000000000000"};
    cx_abi_value items[2];
    for (int i = 0; i < 2; i++) {
        const cx_abi_value *v;
        if (cx_abi_parse_value(a, sig.inputs->fields[i], args[i], strlen(args[i]), &v, &err))
            goto fail;
        items[i] = *v;
    }
    cx_abi_value call = {.type = sig.inputs, .items = items, .count = 2};
    if (cx_buf_append(&calldata, sig.selector, 4) || cx_abi_encode(&calldata, &call, &err))
        goto fail;
    print_hex("calldata", calldata.data, calldata.len);

    /* 3. Decode it back (skipping the selector) and print it cast-style. */
    const cx_abi_value *back;
    if (cx_abi_decode(a, sig.inputs, (const uint8_t *)calldata.data + 4, calldata.len - 4, NULL,
                      &back, &err))
        goto fail;
    cx_abi_format_value(&text, back);
    printf("%-14s %.*s\n", "decoded", (int)text.len, text.data);

    /* 4. A key, its address, a signed EIP-1559 transaction carrying the call. */
    uint8_t secret[32];
    memset(secret, 0x46, sizeof secret); /* never use a key like this for real */
    key = cx_eth_key_new(secret, NULL);
    if (!key) goto fail;
    uint8_t addr[20];
    char addr_text[43];
    cx_eth_key_address(key, addr);
    cx_eth_address_format(addr, addr_text);
    printf("%-14s %s\n", "address", addr_text);

    cx_eth_tx tx = {.type = 2, .has_to = true};
    tx.chain_id = cx_u256_from_u64(1);
    tx.nonce = cx_u256_from_u64(0);
    tx.gas_limit = cx_u256_from_u64(60000);
    tx.max_fee = cx_u256_from_u64(30000000000ULL);
    tx.max_priority_fee = cx_u256_from_u64(1000000000ULL);
    cx_eth_address_parse("0x6B175474E89094C44Da98b954EedeAC495271d0F", 42, tx.to);
    tx.data = (const uint8_t *)calldata.data;
    tx.data_len = calldata.len;
    if (cx_eth_tx_sign(&tx, key, &raw)) goto fail;
    print_hex("signed tx", raw.data, raw.len);

    /* 5. EIP-191 personal message signature (r || s || v). */
    uint8_t msig[65];
    if (cx_eth_message_sign(key, "hello", 5, msig)) goto fail;
    print_hex("message sig", msig, 65);
    rc = 0;
fail:
    if (rc) fprintf(stderr, "example failed: %s\n", err.message);
    cx_eth_key_free(key);
    cx_buf_free(&calldata);
    cx_buf_free(&raw);
    cx_buf_free(&text);
    cx_arena_free(a);
    return rc;
}
