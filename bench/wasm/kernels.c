/* Benchmark kernels, compiled twice: to wasm32 (cmake/modules/wasm.cmake)
 * and natively into bench_wasm. Each returns a checksum so the two builds
 * can be compared and the work cannot be optimised away. No libc calls. */
#include <stdint.h>

#ifdef __wasm__
#define KEXPORT(name) __attribute__((export_name(#name)))
#else
#define KEXPORT(name)
#endif

KEXPORT(fib) int32_t k_fib(int32_t n) {
    return n < 2 ? n : k_fib(n - 1) + k_fib(n - 2);
}

#define MAXN 128
static double ma[MAXN * MAXN], mb[MAXN * MAXN], mc[MAXN * MAXN];

KEXPORT(matmul) double k_matmul(int32_t n) {
    if (n > MAXN) n = MAXN;
    for (int i = 0; i < n * n; i++) {
        ma[i] = (double)(i % 17) * 0.5;
        mb[i] = (double)(i % 13) - 3.0;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += ma[i * n + k] * mb[k * n + j];
            mc[i * n + j] = s;
        }
    double t = 0;
    for (int i = 0; i < n * n; i++) t += mc[i];
    return t;
}

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static uint8_t shabuf[4096];

/* Hash `kib` KiB of generated data; returns the first word of the digest. */
KEXPORT(sha256) uint32_t k_sha256(int32_t kib) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int i = 0; i < 4096; i++) shabuf[i] = (uint8_t)(i * 31 + 7);
    for (int r = 0; r < kib; r++)
        for (int off = 0; off < 1024; off += 64)
            sha256_block(h, shabuf + ((r * 1024 + off) & 4095));
    return h[0];
}

#define SORTN 200000
static int32_t sorta[SORTN];

static void qsort_i32(int32_t *a, int lo, int hi) {
    while (lo < hi) {
        int32_t p = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            qsort_i32(a, lo, j);
            lo = i;
        } else {
            qsort_i32(a, i, hi);
            hi = j;
        }
    }
}

KEXPORT(sort) int32_t k_sort(int32_t n) {
    if (n > SORTN) n = SORTN;
    uint32_t x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        sorta[i] = (int32_t)(x >> 1);
    }
    qsort_i32(sorta, 0, n - 1);
    int32_t ok = 1;
    for (int i = 1; i < n; i++) ok &= sorta[i - 1] <= sorta[i];
    return ok ? sorta[n / 2] : -1;
}

/* CoreMark-style mix: linked-list walk, integer matrix, state machine, CRC. */
static uint16_t crc16(uint16_t crc, uint8_t data) {
    crc ^= data;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    return crc;
}

struct node {
    int32_t val;
    int32_t next;
};
static struct node list[1000];
static int32_t imat[32 * 32];

KEXPORT(coremark) uint32_t k_coremark(int32_t iters) {
    uint16_t crc = 0;
    for (int i = 0; i < 1000; i++) list[i] = (struct node){(i * 7919) % 1000, (i * 17 + 1) % 1000};
    for (int i = 0; i < 32 * 32; i++) imat[i] = (i * 13) % 61 - 30;
    static const char input[] = "12,+345.6e-7,0x1F,-88,5.5,abc,77,";
    for (int it = 0; it < iters; it++) {
        int32_t p = it % 1000, s = 0;
        for (int k = 0; k < 200; k++) {
            s += list[p].val;
            p = list[p].next;
        }
        crc = crc16(crc, (uint8_t)s);
        int32_t acc = 0;
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) acc += imat[i * 32 + j] * imat[j * 32 + ((i + it) & 31)];
        crc = crc16(crc, (uint8_t)acc);
        int state = 0, count = 0;
        for (const char *c = input; *c; c++) {
            char ch = *c;
            if (ch == ',') {
                count += state;
                state = 0;
            } else if (ch >= '0' && ch <= '9')
                state = state == 0 ? 1 : state == 2 ? 3 : state;
            else if (ch == '.' || ch == 'e')
                state = 2;
            else if (ch == '+' || ch == '-')
                state = state == 0 ? 4 : 5;
            else
                state = 6;
        }
        crc = crc16(crc, (uint8_t)count);
    }
    return crc;
}
