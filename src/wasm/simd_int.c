/* The integer half of fixed-width SIMD: the 0xFD operations of the INT
 * family in simd.h that the interpreter does not run inline (ops.h,
 * CX_WASM_SIMD_INLINE: lane access, splats, shuffle, and/or/xor/not, plain
 * add/sub/mul) and that are not v128.const, which compiles to two constants.
 *
 * A v128 is two stack slots, bytes 0..7 in the lower one; lane k of an iNxM
 * vector is bytes [k*N/8, (k+1)*N/8), little-endian, so on a little-endian
 * host the two slots hold exactly the bytes of a GNU C vector (the vector
 * extensions gcc and clang share) of M lanes of N bits. Each operation copies
 * its operands out of the slots into vector variables with memcpy (the slots
 * are only 8-byte aligned, and nothing is read through a pointer of another
 * type), computes on whole vectors and copies the result back: most
 * operations become one or a few SSE or NEON instructions. A cast between
 * two vector types of 16 bytes reinterprets the bits, which is how the same
 * operand is seen as i8x16 by one operation and as i32x4 by the next.
 *
 * Wrapping arithmetic (add, sub, mul, neg and the widening products) is done
 * on unsigned lanes, where it wraps without undefined behaviour and the low
 * bits are those of the exact result. A comparison gives lanes of all ones
 * or zero; min, max and abs select with them by mask arithmetic (SEL), since
 * C's ?: does not take vector operands. The operations with no vector idiom
 * (saturation, q15mulr, narrow, bitmask, swizzle) are loops of a fixed
 * length over typed arrays, which the compiler unrolls or vectorizes.
 *
 * There is no run-time lane width: each case of the switch is straight-line
 * code for one opcode, written with the shape macros V, VV, VI, ... The
 * loops that need many registers live out of line in lane_loops, so that the
 * common operations run without saving any.
 */
#include <stdint.h>
#include <string.h>
#include "simd.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "simd_int.c: the v128 lane layout assumes a little-endian host"
#endif

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef int64_t i64x2 __attribute__((vector_size(16)));
/* Half vectors, one slot: what extend and extmul widen. */
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef int8_t i8x8 __attribute__((vector_size(8)));
typedef uint16_t u16x4 __attribute__((vector_size(8)));
typedef int16_t i16x4 __attribute__((vector_size(8)));
typedef uint32_t u32x2 __attribute__((vector_size(8)));
typedef int32_t i32x2 __attribute__((vector_size(8)));

/* The v128 in slot[0], slot[1]. */
static inline u64x2 vget(const uint64_t *slot) {
    u64x2 v;
    memcpy(&v, slot, 16);
    return v;
}
static inline void vput(uint64_t *slot, u64x2 v) {
    memcpy(slot, &v, 16);
}

/* The shapes, named after the signatures in simd.h. sp is the top slot; the
 * operands are read as vectors of type T into a (and b), and the expression
 * e, of any 16-byte vector type, is the result. */

/* v:v, in place. */
#define V(T, e)                                                                                    \
    do {                                                                                           \
        T a = (T)vget(sp - 1);                                                                     \
        vput(sp - 1, (u64x2)(e));                                                                  \
        return sp;                                                                                 \
    } while (0)

/* vv:v: the result takes the first operand's slots. */
#define VV(T, e)                                                                                   \
    do {                                                                                           \
        T a = (T)vget(sp - 3), b = (T)vget(sp - 1);                                                \
        vput(sp - 3, (u64x2)(e));                                                                  \
        return sp - 2;                                                                             \
    } while (0)

/* vi:v, the shifts: n is the i32 count modulo the lane width. */
#define VI(T, e)                                                                                   \
    do {                                                                                           \
        T a = (T)vget(sp - 2);                                                                     \
        unsigned n = (uint32_t)sp[0] % (8 * sizeof a[0]);                                          \
        vput(sp - 2, (u64x2)(e));                                                                  \
        return sp - 1;                                                                             \
    } while (0)

/* x where the comparison m holds, else y, lane by lane; T is the type of x
 * and y. */
#define SEL(T, m, x, y) (((x) & (T)(m)) | ((y) & ~(T)(m)))

/* |a| of the signed vector a, computed in U: the minimum stays itself. */
#define ABS(U) SEL(U, a < 0, 0 - (U)a, (U)a)

/* The low half of each lane of x, which is of the signed or unsigned type T
 * (U its unsigned twin) and has lanes of `bits` bits, extended to the lane
 * as T is signed or not; HALF_HI is the high half. */
#define HALF_LO(T, U, x, bits) ((T)((U)(x) << (bits) / 2) >> (bits) / 2)
#define HALF_HI(x, bits)       ((x) >> (bits) / 2)

/* The ten comparisons of one lane width, in opcode order from op. */
#define CMP_CASES(op, S, U)                                                                        \
    case op:                                                                                       \
        VV(S, a == b);                                                                             \
    case op + 1:                                                                                   \
        VV(S, a != b);                                                                             \
    case op + 2:                                                                                   \
        VV(S, a < b);                                                                              \
    case op + 3:                                                                                   \
        VV(U, a < b);                                                                              \
    case op + 4:                                                                                   \
        VV(S, a > b);                                                                              \
    case op + 5:                                                                                   \
        VV(U, a > b);                                                                              \
    case op + 6:                                                                                   \
        VV(S, a <= b);                                                                             \
    case op + 7:                                                                                   \
        VV(U, a <= b);                                                                             \
    case op + 8:                                                                                   \
        VV(S, a >= b);                                                                             \
    case op + 9:                                                                                   \
        VV(U, a >= b)

/* vv:v lane by lane in int over lanes of type E: x and y are the operands'
 * lanes, e the exact result, clamped to [lo, hi]. Saturation and q15mulr:
 * for lanes of 8 and 16 bits every e fits in an int. */
#define VV_CLAMP(E, lo, hi, e)                                                                     \
    do {                                                                                           \
        E a_[16 / sizeof(E)], b_[16 / sizeof(E)], r_[16 / sizeof(E)];                              \
        memcpy(a_, sp - 3, 16);                                                                    \
        memcpy(b_, sp - 1, 16);                                                                    \
        for (unsigned k = 0; k < 16 / sizeof(E); k++) {                                            \
            int x = a_[k], y = b_[k], v = (e);                                                     \
            r_[k] = (E)(v < (lo) ? (lo) : v > (hi) ? (hi) : v);                                    \
        }                                                                                          \
        memcpy(sp - 3, r_, 16);                                                                    \
        return sp - 2;                                                                             \
    } while (0)

/* vv:v, narrow: the lanes of both operands (adjacent on the stack, first
 * operand first), read as the signed S and clamped into the half-width D. */
#define NARROW(S, D, lo, hi)                                                                       \
    do {                                                                                           \
        S in[32 / sizeof(S)];                                                                      \
        D r_[32 / sizeof(S)];                                                                      \
        memcpy(in, sp - 3, 32);                                                                    \
        for (unsigned k = 0; k < 32 / sizeof(S); k++)                                              \
            r_[k] = (D)(in[k] < (lo) ? (lo) : in[k] > (hi) ? (hi) : in[k]);                        \
        memcpy(sp - 3, r_, 16);                                                                    \
        return sp - 2;                                                                             \
    } while (0)

/* v:v, extend: the lanes of one slot (half 0 low, 1 high) of the half type
 * H, sign- or zero-extended as H is signed or not to the wide type W. */
#define EXTEND(H, W, half)                                                                         \
    do {                                                                                           \
        H h;                                                                                       \
        memcpy(&h, sp - 1 + (half), 8);                                                            \
        vput(sp - 1, (u64x2) __builtin_convertvector(h, W));                                       \
        return sp;                                                                                 \
    } while (0)

/* vv:v, extmul: the same slot of both operands extended as in EXTEND and
 * multiplied in the unsigned wide type U (the product always fits in W). */
#define EXTMUL(H, W, U, half)                                                                      \
    do {                                                                                           \
        H x, y;                                                                                    \
        memcpy(&x, sp - 3 + (half), 8);                                                            \
        memcpy(&y, sp - 1 + (half), 8);                                                            \
        vput(sp - 3,                                                                               \
             (u64x2)((U) __builtin_convertvector(x, W) * (U) __builtin_convertvector(y, W)));      \
        return sp - 2;                                                                             \
    } while (0)

/* v:i, all_true: no lane of type T is zero. */
#define ALL_TRUE(T)                                                                                \
    do {                                                                                           \
        u64x2 z = (u64x2)((T)vget(sp - 1) == 0);                                                   \
        sp[-1] = !(z[0] | z[1]);                                                                   \
        return sp - 1;                                                                             \
    } while (0)

/* v:i, bitmask: the top bit of lane k (of the unsigned type E) is bit k. */
#define BITMASK(E)                                                                                 \
    do {                                                                                           \
        E a_[16 / sizeof(E)];                                                                      \
        uint32_t r_ = 0;                                                                           \
        memcpy(a_, sp - 1, 16);                                                                    \
        for (unsigned k = 0; k < 16 / sizeof(E); k++)                                              \
            r_ |= (uint32_t)(a_[k] >> (8 * sizeof(E) - 1)) << k;                                   \
        sp[-1] = r_;                                                                               \
        return sp - 1;                                                                             \
    } while (0)

/* The number of set bits of each byte, counted in parallel within each
 * 64-bit half: pairs, then nibbles, then bytes; the masks keep every partial
 * sum inside its byte. */
static inline u64x2 popcnt8(u64x2 x) {
    x = x - ((x >> 1) & 0x5555555555555555);
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
    return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
}

/* The operations that are loops over lane arrays, kept out of line: their
 * register needs would otherwise make every call of cx_wasm_simd_int save
 * and restore registers, and they are rare in compiled code. */
static __attribute__((noinline)) uint64_t *lane_loops(uint32_t sub, uint64_t *sp) {
    switch (sub) {
    case 0x0e: { /* i8x16.swizzle: a's bytes picked by b's; 16 or more gives 0 */
        uint8_t a[16], s[16], *r = (uint8_t *)(sp - 3);
        memcpy(a, sp - 3, 16);
        memcpy(s, sp - 1, 16);
        for (unsigned k = 0; k < 16; k++) r[k] = s[k] < 16 ? a[s[k]] : 0;
        return sp - 2;
    }
    case 0x64: /* i8x16.bitmask */
        BITMASK(uint8_t);
    case 0x84: /* i16x8.bitmask */
        BITMASK(uint16_t);
    case 0xa4: /* i32x4.bitmask */
        BITMASK(uint32_t);
    case 0xc4: /* i64x2.bitmask */
        BITMASK(uint64_t);
    case 0x65: /* i8x16.narrow_i16x8_s */
        NARROW(int16_t, int8_t, INT8_MIN, INT8_MAX);
    case 0x66: /* i8x16.narrow_i16x8_u */
        NARROW(int16_t, uint8_t, 0, UINT8_MAX);
    case 0x85: /* i16x8.narrow_i32x4_s */
        NARROW(int32_t, int16_t, INT16_MIN, INT16_MAX);
    case 0x86: /* i16x8.narrow_i32x4_u */
        NARROW(int32_t, uint16_t, 0, UINT16_MAX);
    case 0x6f: /* i8x16.add_sat_s */
        VV_CLAMP(int8_t, INT8_MIN, INT8_MAX, x + y);
    case 0x70: /* i8x16.add_sat_u */
        VV_CLAMP(uint8_t, 0, UINT8_MAX, x + y);
    case 0x72: /* i8x16.sub_sat_s */
        VV_CLAMP(int8_t, INT8_MIN, INT8_MAX, x - y);
    case 0x73: /* i8x16.sub_sat_u */
        VV_CLAMP(uint8_t, 0, UINT8_MAX, x - y);
    case 0x8f: /* i16x8.add_sat_s */
        VV_CLAMP(int16_t, INT16_MIN, INT16_MAX, x + y);
    case 0x90: /* i16x8.add_sat_u */
        VV_CLAMP(uint16_t, 0, UINT16_MAX, x + y);
    case 0x92: /* i16x8.sub_sat_s */
        VV_CLAMP(int16_t, INT16_MIN, INT16_MAX, x - y);
    case 0x93: /* i16x8.sub_sat_u */
        VV_CLAMP(uint16_t, 0, UINT16_MAX, x - y);
    case 0x82: /* i16x8.q15mulr_sat_s: only -32768 * -32768 saturates; >> of a
                * negative int shifts arithmetically in gcc and clang */
        VV_CLAMP(int16_t, INT16_MIN, INT16_MAX, (x * y + 0x4000) >> 15);
    }
    return sp; /* v128.const, the FLOAT family, no such operation */
}

uint64_t *cx_wasm_simd_int(uint32_t sub, uint64_t *sp) {
    switch (sub) {
        /* The comparisons: 0x23..0x40 ten per lane width (eq ne lt_s lt_u gt_s
         * gt_u le_s le_u ge_s ge_u), then the six of i64x2. */
        CMP_CASES(0x23, i8x16, u8x16);
        CMP_CASES(0x2d, i16x8, u16x8);
        CMP_CASES(0x37, i32x4, u32x4);
    case 0xd6: /* i64x2.eq */
        VV(i64x2, a == b);
    case 0xd7: /* i64x2.ne */
        VV(i64x2, a != b);
    case 0xd8: /* i64x2.lt_s */
        VV(i64x2, a < b);
    case 0xd9: /* i64x2.gt_s */
        VV(i64x2, a > b);
    case 0xda: /* i64x2.le_s */
        VV(i64x2, a <= b);
    case 0xdb: /* i64x2.ge_s */
        VV(i64x2, a >= b);

    case 0x52: { /* v128.bitselect v1 v2 c, vvv:v: v1's bits where c's are set, else v2's */
        u64x2 x = vget(sp - 5), y = vget(sp - 3), c = vget(sp - 1);
        vput(sp - 5, SEL(u64x2, c, x, y));
        return sp - 4;
    }
    case 0x53: { /* v128.any_true */
        uint64_t any = sp[-1] | sp[0];
        sp[-1] = any != 0;
        return sp - 1;
    }

    /* i8x16 */
    case 0x60: /* abs */
        V(i8x16, ABS(u8x16));
    case 0x61: /* neg */
        V(u8x16, 0 - a);
    case 0x62: /* popcnt */
        V(u64x2, popcnt8(a));
    case 0x63: /* all_true */
        ALL_TRUE(u8x16);
    case 0x6b: /* shl */
        VI(u8x16, a << n);
    case 0x6c: /* shr_s */
        VI(i8x16, a >> n);
    case 0x6d: /* shr_u */
        VI(u8x16, a >> n);
    case 0x76: /* min_s */
        VV(i8x16, SEL(i8x16, a < b, a, b));
    case 0x77: /* min_u */
        VV(u8x16, SEL(u8x16, a < b, a, b));
    case 0x78: /* max_s */
        VV(i8x16, SEL(i8x16, a > b, a, b));
    case 0x79: /* max_u */
        VV(u8x16, SEL(u8x16, a > b, a, b));
    case 0x7b: /* avgr_u: (a + b + 1) >> 1 without widening */
        VV(u8x16, (a | b) - ((a ^ b) >> 1));

    /* extadd_pairwise: the sum of each lane's halves, which cannot overflow */
    case 0x7c: /* i16x8.extadd_pairwise_i8x16_s */
        V(i16x8, HALF_LO(i16x8, u16x8, a, 16) + HALF_HI(a, 16));
    case 0x7d: /* i16x8.extadd_pairwise_i8x16_u */
        V(u16x8, HALF_LO(u16x8, u16x8, a, 16) + HALF_HI(a, 16));
    case 0x7e: /* i32x4.extadd_pairwise_i16x8_s */
        V(i32x4, HALF_LO(i32x4, u32x4, a, 32) + HALF_HI(a, 32));
    case 0x7f: /* i32x4.extadd_pairwise_i16x8_u */
        V(u32x4, HALF_LO(u32x4, u32x4, a, 32) + HALF_HI(a, 32));

    /* i16x8 */
    case 0x80: /* abs */
        V(i16x8, ABS(u16x8));
    case 0x81: /* neg */
        V(u16x8, 0 - a);
    case 0x83: /* all_true */
        ALL_TRUE(u16x8);
    case 0x87: /* extend_low_i8x16_s */
        EXTEND(i8x8, i16x8, 0);
    case 0x88: /* extend_high_i8x16_s */
        EXTEND(i8x8, i16x8, 1);
    case 0x89: /* extend_low_i8x16_u */
        EXTEND(u8x8, u16x8, 0);
    case 0x8a: /* extend_high_i8x16_u */
        EXTEND(u8x8, u16x8, 1);
    case 0x8b: /* shl */
        VI(u16x8, a << n);
    case 0x8c: /* shr_s */
        VI(i16x8, a >> n);
    case 0x8d: /* shr_u */
        VI(u16x8, a >> n);
    case 0x96: /* min_s */
        VV(i16x8, SEL(i16x8, a < b, a, b));
    case 0x97: /* min_u */
        VV(u16x8, SEL(u16x8, a < b, a, b));
    case 0x98: /* max_s */
        VV(i16x8, SEL(i16x8, a > b, a, b));
    case 0x99: /* max_u */
        VV(u16x8, SEL(u16x8, a > b, a, b));
    case 0x9b: /* avgr_u */
        VV(u16x8, (a | b) - ((a ^ b) >> 1));
    case 0x9c: /* extmul_low_i8x16_s */
        EXTMUL(i8x8, i16x8, u16x8, 0);
    case 0x9d: /* extmul_high_i8x16_s */
        EXTMUL(i8x8, i16x8, u16x8, 1);
    case 0x9e: /* extmul_low_i8x16_u */
        EXTMUL(u8x8, u16x8, u16x8, 0);
    case 0x9f: /* extmul_high_i8x16_u */
        EXTMUL(u8x8, u16x8, u16x8, 1);

    /* i32x4 */
    case 0xa0: /* abs */
        V(i32x4, ABS(u32x4));
    case 0xa1: /* neg */
        V(u32x4, 0 - a);
    case 0xa3: /* all_true */
        ALL_TRUE(u32x4);
    case 0xa7: /* extend_low_i16x8_s */
        EXTEND(i16x4, i32x4, 0);
    case 0xa8: /* extend_high_i16x8_s */
        EXTEND(i16x4, i32x4, 1);
    case 0xa9: /* extend_low_i16x8_u */
        EXTEND(u16x4, u32x4, 0);
    case 0xaa: /* extend_high_i16x8_u */
        EXTEND(u16x4, u32x4, 1);
    case 0xab: /* shl */
        VI(u32x4, a << n);
    case 0xac: /* shr_s */
        VI(i32x4, a >> n);
    case 0xad: /* shr_u */
        VI(u32x4, a >> n);
    case 0xb6: /* min_s */
        VV(i32x4, SEL(i32x4, a < b, a, b));
    case 0xb7: /* min_u */
        VV(u32x4, SEL(u32x4, a < b, a, b));
    case 0xb8: /* max_s */
        VV(i32x4, SEL(i32x4, a > b, a, b));
    case 0xb9: /* max_u */
        VV(u32x4, SEL(u32x4, a > b, a, b));
    case 0xba: /* dot_i16x8_s: the two products of each lane's halves, summed wrapping */
        VV(i32x4, (u32x4)HALF_LO(i32x4, u32x4, a, 32) * (u32x4)HALF_LO(i32x4, u32x4, b, 32) +
                      (u32x4)HALF_HI(a, 32) * (u32x4)HALF_HI(b, 32));
    case 0xbc: /* extmul_low_i16x8_s */
        EXTMUL(i16x4, i32x4, u32x4, 0);
    case 0xbd: /* extmul_high_i16x8_s */
        EXTMUL(i16x4, i32x4, u32x4, 1);
    case 0xbe: /* extmul_low_i16x8_u */
        EXTMUL(u16x4, u32x4, u32x4, 0);
    case 0xbf: /* extmul_high_i16x8_u */
        EXTMUL(u16x4, u32x4, u32x4, 1);

    /* i64x2 */
    case 0xc0: /* abs */
        V(i64x2, ABS(u64x2));
    case 0xc1: /* neg */
        V(u64x2, 0 - a);
    case 0xc3: /* all_true */
        ALL_TRUE(u64x2);
    case 0xc7: /* extend_low_i32x4_s */
        EXTEND(i32x2, i64x2, 0);
    case 0xc8: /* extend_high_i32x4_s */
        EXTEND(i32x2, i64x2, 1);
    case 0xc9: /* extend_low_i32x4_u */
        EXTEND(u32x2, u64x2, 0);
    case 0xca: /* extend_high_i32x4_u */
        EXTEND(u32x2, u64x2, 1);
    case 0xcb: /* shl */
        VI(u64x2, a << n);
    case 0xcc: /* shr_s */
        VI(i64x2, a >> n);
    case 0xcd: /* shr_u */
        VI(u64x2, a >> n);
    case 0xdc: /* extmul_low_i32x4_s */
        EXTMUL(i32x2, i64x2, u64x2, 0);
    case 0xdd: /* extmul_high_i32x4_s */
        EXTMUL(i32x2, i64x2, u64x2, 1);
    case 0xde: /* extmul_low_i32x4_u */
        EXTMUL(u32x2, u64x2, u64x2, 0);
    case 0xdf: /* extmul_high_i32x4_u */
        EXTMUL(u32x2, u64x2, u64x2, 1);
    default: /* the loops, or nothing */
        return lane_loops(sub, sp);
    }
}
