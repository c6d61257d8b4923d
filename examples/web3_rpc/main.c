/* Talk to an Ethereum node over JSON-RPC from a coroutine.
 *
 *   example_web3_rpc URL [ADDRESS]
 *   example_web3_rpc URL --abi FILE --at ADDRESS FUNCTION [ARG...]
 *
 * The first form prints the chain id, the head block (number, hash, base
 * fee), the gas price and, for ADDRESS, its balance and nonce. The second
 * binds an ABI JSON file (solc --abi output) to a contract address and
 * calls a view function with cast-syntax arguments, printing each output.
 *
 * Try it against a local anvil:  anvil --port 8545 &
 *   example_web3_rpc http://127.0.0.1:8545 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 */
#include <cortex/coro.h>
#include <cortex/error.h>
#include <cortex/fetch.h>
#include <cortex/loop.h>
#include <cortex/web3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    cx_loop *loop;
    cx_eth_client *c;
    int argc;
    char **argv;
    int exit_code;
} job;

static int fail(const char *what, int rc, const cx_eth_rpc_error *e) {
    if (e->rpc)
        fprintf(stderr, "%s: node error %lld: %s %s\n", what, (long long)e->code, e->message,
                e->data);
    else
        fprintf(stderr, "%s: %s (%s)\n", what, e->message, cx_strerror(rc));
    return 1;
}

static int overview(job *j) {
    cx_eth_rpc_error e;
    uint64_t chain, head;
    int rc = cx_eth_client_chain_id(j->c, &chain, &e);
    if (rc) return fail("eth_chainId", rc, &e);
    if ((rc = cx_eth_client_block_number(j->c, &head, &e))) return fail("eth_blockNumber", rc, &e);
    printf("chain id      %llu\nhead block    %llu\n", (unsigned long long)chain,
           (unsigned long long)head);
    /* Everything a call returns lives in an arena; one per batch of work. */
    cx_arena *a = cx_arena_new(0, 0);
    cx_eth_block b;
    if (!(rc = cx_eth_client_block(j->c, a, "latest", &b, &e))) {
        char h[67], d[80];
        cx_hex_format(h, b.hash, 32);
        printf("head hash     %s (%zu transactions)\n", h, b.ntx);
        if (b.has_base_fee) {
            cx_u256_to_dec(&b.base_fee, d);
            printf("base fee      %s wei\n", d);
        }
    }
    cx_u256 gp;
    if (!rc && !(rc = cx_eth_client_gas_price(j->c, &gp, &e))) {
        char d[80];
        cx_u256_to_dec(&gp, d);
        printf("gas price     %s wei\n", d);
    }
    if (!rc && j->argc > 2) {
        uint8_t addr[20];
        if (cx_eth_address_parse(j->argv[2], strlen(j->argv[2]), addr)) {
            fprintf(stderr, "not an address: %s\n", j->argv[2]);
            cx_arena_free(a);
            return 2;
        }
        cx_u256 bal;
        uint64_t nonce;
        char d[80];
        if (!(rc = cx_eth_client_balance(j->c, addr, NULL, &bal, &e)) &&
            !(rc = cx_eth_client_nonce(j->c, addr, "pending", &nonce, &e))) {
            cx_u256_to_dec(&bal, d);
            printf("balance       %s wei\nnonce         %llu\n", d, (unsigned long long)nonce);
        }
    }
    cx_arena_free(a);
    return rc ? fail("request", rc, &e) : 0;
}

static int call_view(job *j) {
    if (j->argc < 7 || strcmp(j->argv[4], "--at")) return 2;
    cx_arena *a = cx_arena_new(0, 0);
    char msg[200];
    uint8_t addr[20];
    cx_eth_contract *k;
    int rc = 0;
    if (cx_eth_address_parse(j->argv[5], strlen(j->argv[5]), addr)) {
        fprintf(stderr, "not an address: %s\n", j->argv[5]);
        rc = 2;
    } else if (cx_eth_contract_load(a, j->argv[3], addr, &k, msg, sizeof msg)) {
        fprintf(stderr, "ABI: %s\n", msg);
        rc = 2;
    }
    const cx_eth_function *fn = rc ? NULL : cx_eth_contract_function(k, j->argv[6]);
    if (!rc && !fn) {
        fprintf(stderr, "no function %s in the ABI\n", j->argv[6]);
        rc = 2;
    }
    const cx_abi_value *args = NULL, *out;
    if (!rc && cx_eth_args_from_text(a, fn->sig.inputs, (const char *const *)j->argv + 7,
                                     (size_t)(j->argc - 7), &args, msg, sizeof msg)) {
        fprintf(stderr, "%s: %s\n", fn->sig.canonical, msg);
        rc = 2;
    }
    cx_eth_rpc_error e;
    if (!rc && (rc = cx_eth_contract_call(j->c, a, k, fn, args, NULL, &out, &e)))
        rc = fail(fn->sig.canonical, rc, &e);
    cx_buf text = CX_BUF_INIT;
    for (size_t i = 0; !rc && i < out->count; i++) {
        cx_buf_reset(&text);
        cx_abi_format_value(&text, &out->items[i]);
        printf("%.*s\n", (int)text.len, text.data);
    }
    cx_buf_free(&text);
    cx_arena_free(a);
    return rc;
}

static void run(void *p) {
    job *j = p;
    j->exit_code = j->argc > 2 && !strcmp(j->argv[2], "--abi") ? call_view(j) : overview(j);
    cx_loop_stop(j->loop);
}

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: example_web3_rpc URL [ADDRESS]\n"
                        "       example_web3_rpc URL --abi FILE --at ADDRESS FUNCTION [ARG...]\n");
        return 2;
    }
    job j = {.argc = argc, .argv = argv, .exit_code = 1};
    cx_fetch_client *fetch = NULL;
    int rc = cx_loop_new(&j.loop, NULL);
    if (!rc) rc = cx_fetch_client_new(&fetch, j.loop, NULL);
    if (!rc) rc = cx_eth_client_new(&j.c, fetch, argv[1], NULL);
    if (rc) {
        fprintf(stderr, "start-up failed: %s\n", cx_strerror(rc));
        return 1;
    }
    /* The coroutine runs until its first wait; the loop does the rest. */
    if (cx_coro_start(j.loop, run, &j, NULL) == 1) cx_loop_run(j.loop);
    cx_eth_client_free(j.c);
    cx_fetch_client_free(fetch);
    cx_loop_free(j.loop);
    return j.exit_code;
}
