/* Keccak-256 as Ethereum uses it: Keccak-f[1600], rate 136 bytes, and the
 * original Keccak padding (0x01 ... 0x80), not SHA-3's 0x06. The permutation
 * keeps lanes in native uint64, loaded as little-endian words. */
#include <string.h>
#include <cortex/web3.h>

static const uint64_t round_consts[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

/* Rotation offsets and the pi lane order, walked along the rho-pi cycle. */
static const unsigned rho[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                 27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned pi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static inline uint64_t rotl(uint64_t x, unsigned n) {
    return (x << n) | (x >> (64 - n));
}

/* One round's theta, rho+pi, chi and iota. theta and chi are written out
 * per column/row: constant indices let the compiler keep lanes in registers,
 * which is several times faster than the modulo-indexed loops of the spec. */
static void keccak_f(uint64_t s[25]) {
    for (int round = 0; round < 24; round++) {
        uint64_t c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20];
        uint64_t c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21];
        uint64_t c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22];
        uint64_t c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23];
        uint64_t c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24];
        uint64_t d0 = c4 ^ rotl(c1, 1), d1 = c0 ^ rotl(c2, 1), d2 = c1 ^ rotl(c3, 1);
        uint64_t d3 = c2 ^ rotl(c4, 1), d4 = c3 ^ rotl(c0, 1);
        for (int y = 0; y < 25; y += 5) {
            s[y] ^= d0;
            s[y + 1] ^= d1;
            s[y + 2] ^= d2;
            s[y + 3] ^= d3;
            s[y + 4] ^= d4;
        }
        uint64_t t = s[1];
        for (int i = 0; i < 24; i++) {
            unsigned j = pi[i];
            uint64_t tmp = s[j];
            s[j] = rotl(t, rho[i]);
            t = tmp;
        }
        for (int y = 0; y < 25; y += 5) {
            uint64_t a0 = s[y], a1 = s[y + 1], a2 = s[y + 2], a3 = s[y + 3], a4 = s[y + 4];
            s[y] = a0 ^ (~a1 & a2);
            s[y + 1] = a1 ^ (~a2 & a3);
            s[y + 2] = a2 ^ (~a3 & a4);
            s[y + 3] = a3 ^ (~a4 & a0);
            s[y + 4] = a4 ^ (~a0 & a1);
        }
        s[0] ^= round_consts[round];
    }
}

static void absorb_block(uint64_t s[25], const uint8_t *p) {
    for (int i = 0; i < CX_KECCAK256_RATE / 8; i++) {
        uint64_t lane;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(&lane, p + i * 8, 8); /* lanes are little-endian */
#else
        lane = 0;
        for (int b = 7; b >= 0; b--) lane = (lane << 8) | p[i * 8 + b];
#endif
        s[i] ^= lane;
    }
    keccak_f(s);
}

void cx_keccak256_init(cx_keccak256_ctx *c) {
    memset(c, 0, sizeof *c);
}

void cx_keccak256_update(cx_keccak256_ctx *c, const void *data, size_t len) {
    const uint8_t *p = data;
    if (c->n) {
        size_t take = CX_KECCAK256_RATE - c->n;
        if (take > len) take = len;
        memcpy(c->buf + c->n, p, take);
        c->n += take;
        p += take;
        len -= take;
        if (c->n < CX_KECCAK256_RATE) return;
        absorb_block(c->s, c->buf);
        c->n = 0;
    }
    while (len >= CX_KECCAK256_RATE) {
        absorb_block(c->s, p);
        p += CX_KECCAK256_RATE;
        len -= CX_KECCAK256_RATE;
    }
    if (len) memcpy(c->buf, p, len);
    c->n = len;
}

void cx_keccak256_final(cx_keccak256_ctx *c, uint8_t out[32]) {
    memset(c->buf + c->n, 0, CX_KECCAK256_RATE - c->n);
    c->buf[c->n] |= 0x01;
    c->buf[CX_KECCAK256_RATE - 1] |= 0x80;
    absorb_block(c->s, c->buf);
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++) out[i * 8 + b] = (uint8_t)(c->s[i] >> (8 * b));
}

void cx_keccak256(const void *data, size_t len, uint8_t out[32]) {
    cx_keccak256_ctx c;
    cx_keccak256_init(&c);
    cx_keccak256_update(&c, data, len);
    cx_keccak256_final(&c, out);
}
