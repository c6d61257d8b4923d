/* Keccak-256 and signing throughput of the web3 module. Prints one line per
 * operation: "name<TAB>ops_per_sec<TAB>MB_per_sec" (MB/s 0 when not a byte
 * stream). Each figure is the median of RUNS timed runs of >= SECONDS each,
 * on the thread's CPU clock. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cortex/web3.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint8_t sink;

typedef void (*op_fn)(void *arg, uint64_t i);

static double measure(op_fn fn, void *arg, int runs, double seconds) {
    double rates[32];
    if (runs > 32) runs = 32;
    for (int r = 0; r < runs; r++) {
        uint64_t n = 0, batch = 1;
        double t0 = now(), t;
        do {
            for (uint64_t i = 0; i < batch; i++) fn(arg, n + i);
            n += batch;
            if (batch < 4096) batch *= 2;
        } while ((t = now() - t0) < seconds);
        rates[r] = (double)n / t;
    }
    qsort(rates, (size_t)runs, sizeof *rates, cmp);
    return rates[runs / 2];
}

typedef struct buf_arg {
    uint8_t *data;
    size_t len;
} buf_arg;

static void op_keccak(void *arg, uint64_t i) {
    buf_arg *b = arg;
    uint8_t h[32];
    b->data[0] = (uint8_t)i;
    cx_keccak256(b->data, b->len, h);
    sink ^= h[0];
}

typedef struct key_arg {
    cx_eth_key *key;
    cx_eth_tx tx;
    cx_buf out;
} key_arg;

static void op_sign(void *arg, uint64_t i) {
    key_arg *k = arg;
    uint8_t d[32] = {0};
    memcpy(d, &i, sizeof i);
    cx_eth_sig s;
    cx_eth_key_sign(k->key, d, &s);
    sink ^= s.r[0];
}

static void op_sign_tx(void *arg, uint64_t i) {
    key_arg *k = arg;
    k->tx.nonce = cx_u256_from_u64(i);
    cx_buf_reset(&k->out);
    cx_eth_tx_sign(&k->tx, k->key, &k->out);
    sink ^= (uint8_t)k->out.data[k->out.len - 1];
}

static void op_sign_msg(void *arg, uint64_t i) {
    key_arg *k = arg;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hello world %llu", (unsigned long long)i);
    uint8_t sig[65];
    cx_eth_message_sign(k->key, msg, (size_t)n, sig);
    sink ^= sig[0];
}

static void op_recover(void *arg, uint64_t i) {
    (void)i;
    key_arg *k = arg;
    static uint8_t d[32] = {1};
    static cx_eth_sig s;
    static int ready;
    if (!ready) {
        cx_eth_key_sign(k->key, d, &s);
        ready = 1;
    }
    uint8_t pub[64];
    cx_eth_recover(d, &s, pub);
    sink ^= pub[0];
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double secs = argc > 2 ? atof(argv[2]) : 0.5;
    static uint8_t big[1 << 20];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 31);
    size_t sizes[] = {32, 1024, 1 << 20};
    const char *names[] = {"keccak256_32B", "keccak256_1KiB", "keccak256_1MiB"};
    for (int s = 0; s < 3; s++) {
        buf_arg b = {big, sizes[s]};
        double r = measure(op_keccak, &b, runs, secs);
        printf("%s\t%.0f\t%.1f\n", names[s], r, r * (double)sizes[s] / 1e6);
    }
    uint8_t sk[32];
    memset(sk, 0x46, 32);
    key_arg k = {.key = cx_eth_key_new(sk, NULL), .out = CX_BUF_INIT};
    k.tx.type = 2;
    k.tx.chain_id = cx_u256_from_u64(1);
    k.tx.gas_limit = cx_u256_from_u64(21000);
    k.tx.max_fee = cx_u256_from_u64(30000000000ULL);
    k.tx.max_priority_fee = cx_u256_from_u64(1000000000ULL);
    k.tx.value = cx_u256_from_u64(1000000000000000000ULL);
    k.tx.has_to = true;
    memset(k.tx.to, 0x35, 20);
    printf("sign_digest\t%.0f\t0\n", measure(op_sign, &k, runs, secs));
    printf("sign_tx_eip1559\t%.0f\t0\n", measure(op_sign_tx, &k, runs, secs));
    printf("sign_message_eip191\t%.0f\t0\n", measure(op_sign_msg, &k, runs, secs));
    printf("recover\t%.0f\t0\n", measure(op_recover, &k, runs, secs));
    cx_buf_free(&k.out);
    cx_eth_key_free(k.key);
    return sink == 0xff ? 1 : 0;
}
