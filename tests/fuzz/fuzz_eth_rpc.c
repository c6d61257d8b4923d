/* The readers of node responses: the first byte picks one (log, receipt,
 * block, ABI JSON for a contract binding), the rest is the JSON text. A
 * parse may fail but never crash, and what it accepts must be consistent
 * (counts within the limits, byte arrays of the sizes claimed). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cortex/web3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) sink ^= b[i];
}

static void check_log(const cx_eth_log *l) {
    if (l->ntopics > 4) __builtin_trap();
    touch(l->topics, l->ntopics * 32);
    touch(l->data, l->data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    unsigned which = data[0] % 4;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    cx_arena *a = cx_arena_new(0, 1u << 26);
    if (!a) return 0;
    char msg[160];
    if (which == 3) {
        cx_eth_contract *k;
        if (!cx_eth_contract_from_abi(a, text, len, NULL, &k, msg, sizeof msg)) {
            size_t nf = cx_eth_contract_function_count(k);
            if (cx_eth_contract_constructor(k) == NULL) __builtin_trap();
            (void)nf;
        }
        cx_arena_free(a);
        return 0;
    }
    const cx_json *j;
    cx_json_options jo = {.max_depth = 64};
    if (cx_json_parse(a, text, len, &jo, &j, NULL)) {
        cx_arena_free(a);
        return 0;
    }
    if (which == 0) {
        cx_eth_log l;
        if (!cx_eth_log_parse(a, j, &l, msg, sizeof msg)) check_log(&l);
    } else if (which == 1) {
        cx_eth_receipt r;
        if (!cx_eth_receipt_parse(a, j, 64, &r, msg, sizeof msg)) {
            if (r.nlogs > 64 || r.status < -1 || r.status > 1) __builtin_trap();
            for (size_t i = 0; i < r.nlogs; i++) check_log(&r.logs[i]);
        }
    } else {
        cx_eth_block b;
        if (!cx_eth_block_parse(a, j, 64, &b, msg, sizeof msg)) {
            if (b.ntx > 64) __builtin_trap();
            touch(b.tx_hashes, b.ntx * 32);
        }
    }
    cx_arena_free(a);
    return 0;
}
