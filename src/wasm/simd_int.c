/* The integer half of fixed-width SIMD: every 0xFD operation of the INT
 * family in simd.h except v128.const, which the compiler turns into two
 * constant cells.
 *
 * A v128 is two stack slots, bytes 0..7 in the lower one; lane k of an iNxM
 * vector is bytes [k*N/8, (k+1)*N/8), little-endian, so on a little-endian
 * host a memcpy of the two slots gives the lanes in order. Each operation
 * copies its operands into local byte arrays, works lane by lane and copies
 * the result back: nothing is read through a pointer of another type.
 *
 * A lane is read as a 64-bit value, zero- or sign-extended (lane_u, lane_s),
 * and written back by keeping its low bytes (lane_set). For lanes of 8 to 32
 * bits every sum, difference or product of two lanes fits in 64 bits, so
 * saturation is a plain clamp; the wrapping operations (add, sub, mul, and
 * the widening ones) are done in uint64_t, where they wrap without undefined
 * behaviour and the low bits are the same as those of the exact result.
 *
 * Opcodes are regular: the blocks 0x60, 0x80, 0xa0 and 0xc0 hold the same
 * operations for i8x16, i16x8, i32x4 and i64x2 (block_bits), and 0x23..0x40
 * the comparisons in groups of ten per lane width.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "simd.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "simd_int.c: the v128 lane layout assumes a little-endian host"
#endif

/* The operations of the lane loops (the comparisons in opcode order), then
 * the reductions. */
enum {
    EQ,
    NE,
    LT_S,
    LT_U,
    GT_S,
    GT_U,
    LE_S,
    LE_U,
    GE_S,
    GE_U,
    ADD,
    SUB,
    MUL,
    ADD_SAT_S,
    ADD_SAT_U,
    SUB_SAT_S,
    SUB_SAT_U,
    MIN_S,
    MIN_U,
    MAX_S,
    MAX_U,
    AVGR_U,
    Q15MULR,
    ABS,
    NEG,
    POPCNT,
    SHL,
    SHR_S,
    SHR_U,
    ANY_TRUE,
    ALL_TRUE,
    BITMASK
};

static const uint8_t cmp64[6] = {EQ, NE, LT_S, GT_S, LE_S, GE_S}; /* 0xd6..0xdb */

/* Lane width in bits of an opcode of the 0x60..0xdf blocks. */
static unsigned block_bits(uint32_t sub) {
    return sub >= 0x60 && sub < 0xe0 ? 8u << ((sub - 0x60) >> 5) : 8;
}

static uint64_t lane_u(const uint8_t *v, unsigned w, unsigned k) {
    uint64_t x = 0;
    memcpy(&x, v + k * (w / 8), w / 8);
    return x;
}

static int64_t lane_s(const uint8_t *v, unsigned w, unsigned k) {
    uint64_t x = lane_u(v, w, k);
    int64_t s;
    if (w < 64 && (x >> (w - 1)) & 1) x |= ~UINT64_C(0) << w;
    memcpy(&s, &x, 8); /* two's complement: no implementation-defined cast */
    return s;
}

static uint64_t lane_x(const uint8_t *v, unsigned w, unsigned k, bool sign) {
    return sign ? (uint64_t)lane_s(v, w, k) : lane_u(v, w, k);
}

static void lane_set(uint8_t *v, unsigned w, unsigned k, uint64_t x) {
    memcpy(v + k * (w / 8), &x, w / 8);
}

/* Signed and unsigned bounds of a lane narrower than 64 bits. */
static int64_t smin(unsigned w) {
    return -((int64_t)1 << (w - 1));
}
static int64_t smax(unsigned w) {
    return ((int64_t)1 << (w - 1)) - 1;
}
static int64_t umax(unsigned w) {
    return ((int64_t)1 << w) - 1;
}

static int64_t clamp(int64_t x, int64_t lo, int64_t hi) {
    return x < lo ? lo : x > hi ? hi : x;
}

/* x >> n rounding toward minus infinity, whatever the compiler does with a
 * negative left operand. */
static int64_t asr(int64_t x, unsigned n) {
    return x < 0 ? ~(~x >> n) : x >> n;
}

static uint64_t ones(bool b) {
    return b ? ~UINT64_C(0) : 0;
}

static uint64_t lane_op2(int op, unsigned w, const uint8_t *a, const uint8_t *b, unsigned k) {
    int64_t x = lane_s(a, w, k), y = lane_s(b, w, k);
    uint64_t ux = lane_u(a, w, k), uy = lane_u(b, w, k);
    switch (op) {
    case EQ:
        return ones(ux == uy);
    case NE:
        return ones(ux != uy);
    case LT_S:
        return ones(x < y);
    case LT_U:
        return ones(ux < uy);
    case GT_S:
        return ones(x > y);
    case GT_U:
        return ones(ux > uy);
    case LE_S:
        return ones(x <= y);
    case LE_U:
        return ones(ux <= uy);
    case GE_S:
        return ones(x >= y);
    case GE_U:
        return ones(ux >= uy);
    case ADD:
        return ux + uy;
    case SUB:
        return ux - uy;
    case MUL:
        return ux * uy;
    /* The saturating ones, avgr_u and q15mulr exist for 8 and 16 bits only. */
    case ADD_SAT_S:
        return (uint64_t)clamp(x + y, smin(w), smax(w));
    case ADD_SAT_U:
        return (uint64_t)clamp((int64_t)(ux + uy), 0, umax(w));
    case SUB_SAT_S:
        return (uint64_t)clamp(x - y, smin(w), smax(w));
    case SUB_SAT_U:
        return ux > uy ? ux - uy : 0;
    case MIN_S:
        return x < y ? ux : uy;
    case MIN_U:
        return ux < uy ? ux : uy;
    case MAX_S:
        return x > y ? ux : uy;
    case MAX_U:
        return ux > uy ? ux : uy;
    case AVGR_U:
        return (ux + uy + 1) >> 1;
    case Q15MULR:
        return (uint64_t)clamp(asr(x * y + 0x4000, 15), smin(w), smax(w));
    }
    return 0;
}

static uint64_t lane_op1(int op, unsigned w, const uint8_t *a, unsigned k, unsigned count) {
    uint64_t ux = lane_u(a, w, k);
    switch (op) {
    case ABS:
        return lane_s(a, w, k) < 0 ? 0 - ux : ux; /* the minimum stays itself */
    case NEG:
        return 0 - ux;
    case POPCNT: {
        unsigned n = 0;
        for (; ux; ux &= ux - 1) n++;
        return n;
    }
    case SHL:
        return ux << count;
    case SHR_S:
        return (uint64_t)asr(lane_s(a, w, k), count);
    case SHR_U:
        return ux >> count;
    }
    return 0;
}

/* vv:v, lane by lane. */
static uint64_t *lanewise2(uint64_t *sp, unsigned w, int op) {
    uint8_t a[16], b[16], r[16];
    memcpy(a, sp - 3, 16);
    memcpy(b, sp - 1, 16);
    for (unsigned k = 0; k < 128 / w; k++) lane_set(r, w, k, lane_op2(op, w, a, b, k));
    memcpy(sp - 3, r, 16);
    return sp - 2;
}

/* v:v, lane by lane, in place. */
static uint64_t *lanewise1(uint64_t *sp, unsigned w, int op) {
    uint8_t a[16], r[16];
    memcpy(a, sp - 1, 16);
    for (unsigned k = 0; k < 128 / w; k++) lane_set(r, w, k, lane_op1(op, w, a, k, 0));
    memcpy(sp - 1, r, 16);
    return sp;
}

/* vi:v: the count is taken modulo the lane width. */
static uint64_t *shift(uint64_t *sp, unsigned w, int op) {
    uint8_t a[16], r[16];
    unsigned count = (uint32_t)sp[0] % w;
    memcpy(a, sp - 2, 16);
    for (unsigned k = 0; k < 128 / w; k++) lane_set(r, w, k, lane_op1(op, w, a, k, count));
    memcpy(sp - 2, r, 16);
    return sp - 1;
}

/* v:i: any_true, all_true, bitmask. */
static uint64_t *reduce(uint64_t *sp, unsigned w, int op) {
    uint8_t a[16];
    uint32_t r = op == ALL_TRUE;
    memcpy(a, sp - 1, 16);
    for (unsigned k = 0; k < 128 / w; k++) {
        uint64_t x = lane_u(a, w, k);
        if (op == ANY_TRUE) r |= x != 0;
        if (op == ALL_TRUE) r &= x != 0;
        if (op == BITMASK) r |= (uint32_t)(x >> (w - 1)) << k;
    }
    sp[-1] = r;
    return sp - 1;
}

/* narrow_*: the lanes of both operands (of width 2w) into lanes of width w,
 * saturated; the inputs are always read as signed. */
static uint64_t *narrow(uint64_t *sp, unsigned w, bool sign) {
    uint8_t a[16], b[16], r[16];
    unsigned n = 64 / w; /* lanes per operand */
    int64_t lo = sign ? smin(w) : 0, hi = sign ? smax(w) : umax(w);
    memcpy(a, sp - 3, 16);
    memcpy(b, sp - 1, 16);
    for (unsigned k = 0; k < 2 * n; k++)
        lane_set(r, w, k, (uint64_t)clamp(lane_s(k < n ? a : b, 2 * w, k % n), lo, hi));
    memcpy(sp - 3, r, 16);
    return sp - 2;
}

/* extend_low/high (pairwise false) and extadd_pairwise (true), v:v: lanes of
 * width w/2 widened to w. */
static uint64_t *widen1(uint64_t *sp, unsigned w, bool pairwise, bool high, bool sign) {
    uint8_t a[16], r[16];
    unsigned n = 128 / w, h = w / 2;
    memcpy(a, sp - 1, 16);
    for (unsigned k = 0; k < n; k++) {
        uint64_t x = pairwise ? lane_x(a, h, 2 * k, sign) + lane_x(a, h, 2 * k + 1, sign)
                              : lane_x(a, h, k + (high ? n : 0), sign);
        lane_set(r, w, k, x);
    }
    memcpy(sp - 1, r, 16);
    return sp;
}

/* extmul_low/high (pairwise false) and dot (true), vv:v. */
static uint64_t *widen2(uint64_t *sp, unsigned w, bool pairwise, bool high, bool sign) {
    uint8_t a[16], b[16], r[16];
    unsigned n = 128 / w, h = w / 2;
    memcpy(a, sp - 3, 16);
    memcpy(b, sp - 1, 16);
    for (unsigned k = 0; k < n; k++) {
        uint64_t x;
        if (pairwise) {
            x = lane_x(a, h, 2 * k, sign) * lane_x(b, h, 2 * k, sign) +
                lane_x(a, h, 2 * k + 1, sign) * lane_x(b, h, 2 * k + 1, sign);
        } else {
            unsigned j = k + (high ? n : 0);
            x = lane_x(a, h, j, sign) * lane_x(b, h, j, sign);
        }
        lane_set(r, w, k, x);
    }
    memcpy(sp - 3, r, 16);
    return sp - 2;
}

/* i:v, l:v: the result takes the scalar's slot and the one above. */
static uint64_t *splat(uint64_t *sp, unsigned w) {
    uint8_t r[16];
    for (unsigned k = 0; k < 128 / w; k++) lane_set(r, w, k, sp[0]);
    memcpy(sp, r, 16);
    return sp + 1;
}

/* The validator checked the lane; the mask only keeps a bad one in bounds. */
static uint64_t *extract(uint64_t *sp, unsigned w, unsigned lane, bool sign) {
    uint8_t a[16];
    memcpy(a, sp - 1, 16);
    uint64_t x = lane_x(a, w, lane & (128 / w - 1), sign);
    sp[-1] = w == 64 ? x : (uint32_t)x;
    return sp - 1;
}

static uint64_t *replace(uint64_t *sp, unsigned w, unsigned lane) {
    uint8_t a[16];
    memcpy(a, sp - 2, 16);
    lane_set(a, w, lane & (128 / w - 1), sp[0]);
    memcpy(sp - 2, a, 16);
    return sp - 1;
}

static uint64_t *shuffle(uint64_t *sp, const uint8_t *idx) {
    uint8_t ab[32], r[16];
    memcpy(ab, sp - 3, 32); /* first operand, then second: index < 32 */
    for (unsigned i = 0; i < 16; i++) r[i] = ab[idx[i] & 31];
    memcpy(sp - 3, r, 16);
    return sp - 2;
}

static uint64_t *swizzle(uint64_t *sp) {
    uint8_t a[16], s[16], r[16];
    memcpy(a, sp - 3, 16);
    memcpy(s, sp - 1, 16);
    for (unsigned i = 0; i < 16; i++) r[i] = s[i] < 16 ? a[s[i]] : 0;
    memcpy(sp - 3, r, 16);
    return sp - 2;
}

/* The slots are uint64_t already: the bitwise operations work on them. */
static uint64_t *bitwise(uint64_t *sp, uint32_t sub) {
    if (sub == 0x4d) { /* not, v:v */
        sp[-1] = ~sp[-1];
        sp[0] = ~sp[0];
        return sp;
    }
    uint64_t *a = sp - 3, *b = sp - 1;
    if (sub == 0x52) { /* bitselect v1 v2 c: a is v2, b is c */
        for (int i = 0; i < 2; i++) sp[i - 5] = (sp[i - 5] & b[i]) | (a[i] & ~b[i]);
        return sp - 4;
    }
    for (int i = 0; i < 2; i++) {
        switch (sub) {
        case 0x4e:
            a[i] &= b[i];
            break;
        case 0x4f:
            a[i] &= ~b[i];
            break;
        case 0x50:
            a[i] |= b[i];
            break;
        case 0x51:
            a[i] ^= b[i];
            break;
        }
    }
    return sp - 2;
}

uint64_t *cx_wasm_simd_int(uint32_t sub, uint32_t lane, const uint8_t *imm, uint64_t *sp) {
    if (sub >= 0x23 && sub <= 0x40)
        return lanewise2(sp, 8u << ((sub - 0x23) / 10), (int)((sub - 0x23) % 10));
    if (sub >= 0xd6 && sub <= 0xdb) return lanewise2(sp, 64, cmp64[sub - 0xd6]);
    unsigned w = block_bits(sub);
    switch (sub) {
    case 0x0d:
        return shuffle(sp, imm);
    case 0x0e:
        return swizzle(sp);
    case 0x0f:
    case 0x10:
    case 0x11:
    case 0x12:
        return splat(sp, 8u << (sub - 0x0f));
    case 0x15:
        return extract(sp, 8, lane, true);
    case 0x16:
        return extract(sp, 8, lane, false);
    case 0x18:
        return extract(sp, 16, lane, true);
    case 0x19:
        return extract(sp, 16, lane, false);
    case 0x1b:
        return extract(sp, 32, lane, false);
    case 0x1d:
        return extract(sp, 64, lane, false);
    case 0x17:
        return replace(sp, 8, lane);
    case 0x1a:
        return replace(sp, 16, lane);
    case 0x1c:
        return replace(sp, 32, lane);
    case 0x1e:
        return replace(sp, 64, lane);
    case 0x4d:
    case 0x4e:
    case 0x4f:
    case 0x50:
    case 0x51:
    case 0x52:
        return bitwise(sp, sub);
    case 0x53:
        return reduce(sp, 8, ANY_TRUE);
    case 0x60:
    case 0x80:
    case 0xa0:
    case 0xc0:
        return lanewise1(sp, w, ABS);
    case 0x61:
    case 0x81:
    case 0xa1:
    case 0xc1:
        return lanewise1(sp, w, NEG);
    case 0x62:
        return lanewise1(sp, 8, POPCNT);
    case 0x63:
    case 0x83:
    case 0xa3:
    case 0xc3:
        return reduce(sp, w, ALL_TRUE);
    case 0x64:
    case 0x84:
    case 0xa4:
    case 0xc4:
        return reduce(sp, w, BITMASK);
    case 0x65:
    case 0x85:
        return narrow(sp, w, true);
    case 0x66:
    case 0x86:
        return narrow(sp, w, false);
    /* extend: low_s, high_s, low_u, high_u */
    case 0x87:
    case 0x88:
    case 0x89:
    case 0x8a:
    case 0xa7:
    case 0xa8:
    case 0xa9:
    case 0xaa:
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xca:
        return widen1(sp, w, false, !(sub & 1), (sub & 0x1f) < 0x09);
    case 0x6b:
    case 0x8b:
    case 0xab:
    case 0xcb:
        return shift(sp, w, SHL);
    case 0x6c:
    case 0x8c:
    case 0xac:
    case 0xcc:
        return shift(sp, w, SHR_S);
    case 0x6d:
    case 0x8d:
    case 0xad:
    case 0xcd:
        return shift(sp, w, SHR_U);
    case 0x6e:
    case 0x8e:
    case 0xae:
    case 0xce:
        return lanewise2(sp, w, ADD);
    case 0x71:
    case 0x91:
    case 0xb1:
    case 0xd1:
        return lanewise2(sp, w, SUB);
    case 0x95:
    case 0xb5:
    case 0xd5:
        return lanewise2(sp, w, MUL);
    case 0x6f:
    case 0x8f:
        return lanewise2(sp, w, ADD_SAT_S);
    case 0x70:
    case 0x90:
        return lanewise2(sp, w, ADD_SAT_U);
    case 0x72:
    case 0x92:
        return lanewise2(sp, w, SUB_SAT_S);
    case 0x73:
    case 0x93:
        return lanewise2(sp, w, SUB_SAT_U);
    case 0x76:
    case 0x96:
    case 0xb6:
        return lanewise2(sp, w, MIN_S);
    case 0x77:
    case 0x97:
    case 0xb7:
        return lanewise2(sp, w, MIN_U);
    case 0x78:
    case 0x98:
    case 0xb8:
        return lanewise2(sp, w, MAX_S);
    case 0x79:
    case 0x99:
    case 0xb9:
        return lanewise2(sp, w, MAX_U);
    case 0x7b:
    case 0x9b:
        return lanewise2(sp, w, AVGR_U);
    case 0x82:
        return lanewise2(sp, 16, Q15MULR);
    /* extadd_pairwise: i16x8 from i8x16 s, u; i32x4 from i16x8 s, u */
    case 0x7c:
    case 0x7d:
    case 0x7e:
    case 0x7f:
        return widen1(sp, sub < 0x7e ? 16 : 32, true, false, !(sub & 1));
    /* extmul: low_s, high_s, low_u, high_u */
    case 0x9c:
    case 0x9d:
    case 0x9e:
    case 0x9f:
    case 0xbc:
    case 0xbd:
    case 0xbe:
    case 0xbf:
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf:
        return widen2(sp, w, false, sub & 1, !(sub & 2));
    case 0xba:
        return widen2(sp, 32, true, false, true);
    }
    return sp;
}
