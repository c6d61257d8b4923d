/* The floating-point half of fixed-width SIMD: the 0xFD operations of the
 * FLOAT family in simd.h that the interpreter does not run inline (ops.h,
 * CX_WASM_SIMD_INLINE: lane access, splats, add/sub/mul/div): comparisons,
 * rounding, abs/neg/sqrt/min/max/pmin/pmax and the conversions.
 *
 * A v128 is two stack slots, bytes 0..7 in the lower one; lane k of an N-lane
 * vector is bytes [k * 16/N, (k+1) * 16/N), little-endian. Each operation
 * copies its operands with memcpy into typed lane arrays, loops over the
 * lanes and copies the result back, so no value is ever read through a
 * pointer of another type; the compiler turns the copies into plain moves.
 *
 * NaNs: the spec lets arithmetic (add .. sqrt, min/max, rounding, demote,
 * promote) return any canonical or arithmetic NaN, which is what the host's
 * IEEE arithmetic does. Operations the spec defines on bits (abs, neg, pmin,
 * pmax) work on the integer image of the lanes, so a
 * signalling NaN or its payload comes out exactly as it went in. The rules
 * for min/max and trunc_sat are those of the scalar operations in interp.c.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "fminmax.h"
#include "simd.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "simd_float.c: the v128 lane layout assumes a little-endian host"
#endif
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE binary32/binary64 expected");

#define SIGN32 UINT32_C(0x80000000)
#define SIGN64 UINT64_C(0x8000000000000000)

static inline void vload(const uint64_t *slot, void *lanes) {
    memcpy(lanes, slot, 16);
}
static inline void vstore(uint64_t *slot, const void *lanes) {
    memcpy(slot, lanes, 16);
}

static inline float f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static inline double f64(uint64_t bits) {
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* Rounding. A NaN goes through an addition so that a signalling one comes
 * out quiet whatever the libm does with it; nearbyint rounds half to even
 * in the default rounding mode and raises no inexact. */
static float ceil32(float x) {
    return x != x ? x + x : ceilf(x);
}
static float floor32(float x) {
    return x != x ? x + x : floorf(x);
}
static float trunc32(float x) {
    return x != x ? x + x : truncf(x);
}
static float nearest32(float x) {
    return x != x ? x + x : nearbyintf(x);
}
static double ceil64(double x) {
    return x != x ? x + x : ceil(x);
}
static double floor64(double x) {
    return x != x ? x + x : floor(x);
}
static double trunc64(double x) {
    return x != x ? x + x : trunc(x);
}
static double nearest64(double x) {
    return x != x ? x + x : nearbyint(x);
}

/* Saturating truncation to 32 bits, as uint32_t lane images. The range is
 * checked before the cast: converting an out-of-range float is undefined in
 * C. A float lane widens to double exactly, so one pair serves both shapes;
 * the bounds are exact doubles and the open interval keeps every value whose
 * truncation fits. */
static uint32_t sat_s32(double x) {
    if (x != x) return 0;
    if (!(x > -2147483649.0)) return SIGN32;
    if (!(x < 2147483648.0)) return INT32_MAX;
    return (uint32_t)(int32_t)x;
}
static uint32_t sat_u32(double x) {
    if (x != x) return 0;
    if (!(x > -1.0)) return 0;
    if (!(x < 4294967296.0)) return UINT32_MAX;
    return (uint32_t)x;
}

/* Lane loops. The operand and result arrays are 16 bytes each, so T and R
 * must have the same width. "v:v" works in place on sp-1..sp; "vv:v" reads
 * x from sp-3..sp-2 and y from sp-1..sp and leaves the result in place of x. */
#define UNARY(T, N, R, expr)                                                                       \
    do {                                                                                           \
        T a_[N];                                                                                   \
        R r_[N];                                                                                   \
        _Static_assert(sizeof a_ == 16 && sizeof r_ == 16, "a lane loop covers one v128");         \
        vload(sp - 1, a_);                                                                         \
        for (int i_ = 0; i_ < (N); i_++) {                                                         \
            T x = a_[i_];                                                                          \
            r_[i_] = (R)(expr);                                                                    \
        }                                                                                          \
        vstore(sp - 1, r_);                                                                        \
        return sp;                                                                                 \
    } while (0)

#define BINARY(T, N, R, expr)                                                                      \
    do {                                                                                           \
        T a_[N], b_[N];                                                                            \
        R r_[N];                                                                                   \
        _Static_assert(sizeof a_ == 16 && sizeof r_ == 16, "a lane loop covers one v128");         \
        vload(sp - 3, a_);                                                                         \
        vload(sp - 1, b_);                                                                         \
        for (int i_ = 0; i_ < (N); i_++) {                                                         \
            T x = a_[i_], y = b_[i_];                                                              \
            r_[i_] = (R)(expr);                                                                    \
        }                                                                                          \
        vstore(sp - 3, r_);                                                                        \
        return sp - 2;                                                                             \
    } while (0)

/* Comparisons yield all-ones or zero lanes; C's operators already give
 * false for a NaN operand, and != gives true. */
#define CMP32(op) BINARY(float, 4, uint32_t, (x op y) ? UINT32_MAX : 0)
#define CMP64(op) BINARY(double, 2, uint64_t, (x op y) ? UINT64_MAX : 0)

/* The shape-changing conversions: f64x2 -> the low two lanes of a 32-bit
 * x4 (upper lanes zero), and the low two 32-bit lanes -> f64x2. Demotion of
 * a finite double beyond float range gives +-inf (IEEE conversion, Annex F). */
static uint64_t *demote(uint64_t *sp) {
    double a[2];
    float r[4] = {0};
    vload(sp - 1, a);
    r[0] = (float)a[0];
    r[1] = (float)a[1];
    vstore(sp - 1, r);
    return sp;
}
static uint64_t *promote(uint64_t *sp) {
    float a[4];
    double r[2];
    vload(sp - 1, a);
    r[0] = a[0];
    r[1] = a[1];
    vstore(sp - 1, r);
    return sp;
}
static uint64_t *trunc_sat_zero(uint64_t *sp, uint32_t (*sat)(double)) {
    double a[2];
    uint32_t r[4] = {0};
    vload(sp - 1, a);
    r[0] = sat(a[0]);
    r[1] = sat(a[1]);
    vstore(sp - 1, r);
    return sp;
}
static uint64_t *convert_low_s(uint64_t *sp) {
    int32_t a[4];
    double r[2];
    vload(sp - 1, a);
    r[0] = a[0];
    r[1] = a[1];
    vstore(sp - 1, r);
    return sp;
}
static uint64_t *convert_low_u(uint64_t *sp) {
    uint32_t a[4];
    double r[2];
    vload(sp - 1, a);
    r[0] = a[0];
    r[1] = a[1];
    vstore(sp - 1, r);
    return sp;
}

uint64_t *cx_wasm_simd_float(uint32_t sub, uint64_t *sp) {
    switch (sub) {
    /* comparisons */
    case 0x41: /* f32x4.eq */
        CMP32(==);
    case 0x42: /* f32x4.ne */
        CMP32(!=);
    case 0x43: /* f32x4.lt */
        CMP32(<);
    case 0x44: /* f32x4.gt */
        CMP32(>);
    case 0x45: /* f32x4.le */
        CMP32(<=);
    case 0x46: /* f32x4.ge */
        CMP32(>=);
    case 0x47: /* f64x2.eq */
        CMP64(==);
    case 0x48: /* f64x2.ne */
        CMP64(!=);
    case 0x49: /* f64x2.lt */
        CMP64(<);
    case 0x4a: /* f64x2.gt */
        CMP64(>);
    case 0x4b: /* f64x2.le */
        CMP64(<=);
    case 0x4c: /* f64x2.ge */
        CMP64(>=);

    /* shape changes */
    case 0x5e: /* f32x4.demote_f64x2_zero */
        return demote(sp);
    case 0x5f: /* f64x2.promote_low_f32x4 */
        return promote(sp);

    /* rounding */
    case 0x67: /* f32x4.ceil */
        UNARY(float, 4, float, ceil32(x));
    case 0x68: /* f32x4.floor */
        UNARY(float, 4, float, floor32(x));
    case 0x69: /* f32x4.trunc */
        UNARY(float, 4, float, trunc32(x));
    case 0x6a: /* f32x4.nearest */
        UNARY(float, 4, float, nearest32(x));
    case 0x74: /* f64x2.ceil */
        UNARY(double, 2, double, ceil64(x));
    case 0x75: /* f64x2.floor */
        UNARY(double, 2, double, floor64(x));
    case 0x7a: /* f64x2.trunc */
        UNARY(double, 2, double, trunc64(x));
    case 0x94: /* f64x2.nearest */
        UNARY(double, 2, double, nearest64(x));

    /* f32x4 arithmetic; abs and neg only touch the sign bit */
    case 0xe0: /* f32x4.abs */
        UNARY(uint32_t, 4, uint32_t, x & ~SIGN32);
    case 0xe1: /* f32x4.neg */
        UNARY(uint32_t, 4, uint32_t, x ^ SIGN32);
    case 0xe3: /* f32x4.sqrt */
        UNARY(float, 4, float, sqrtf(x));
    case 0xe8: /* f32x4.min */
        BINARY(float, 4, float, min32(x, y));
    case 0xe9: /* f32x4.max */
        BINARY(float, 4, float, max32(x, y));
    /* pmin/pmax pick one operand's bits: (y < x ? y : x), (x < y ? y : x) */
    case 0xea: /* f32x4.pmin */
        BINARY(uint32_t, 4, uint32_t, f32(y) < f32(x) ? y : x);
    case 0xeb: /* f32x4.pmax */
        BINARY(uint32_t, 4, uint32_t, f32(x) < f32(y) ? y : x);

    /* f64x2 arithmetic */
    case 0xec: /* f64x2.abs */
        UNARY(uint64_t, 2, uint64_t, x & ~SIGN64);
    case 0xed: /* f64x2.neg */
        UNARY(uint64_t, 2, uint64_t, x ^ SIGN64);
    case 0xef: /* f64x2.sqrt */
        UNARY(double, 2, double, sqrt(x));
    case 0xf4: /* f64x2.min */
        BINARY(double, 2, double, min64(x, y));
    case 0xf5: /* f64x2.max */
        BINARY(double, 2, double, max64(x, y));
    case 0xf6: /* f64x2.pmin */
        BINARY(uint64_t, 2, uint64_t, f64(y) < f64(x) ? y : x);
    case 0xf7: /* f64x2.pmax */
        BINARY(uint64_t, 2, uint64_t, f64(x) < f64(y) ? y : x);

    /* conversions; a float lane widens exactly to double for sat_*32 */
    case 0xf8: /* i32x4.trunc_sat_f32x4_s */
        UNARY(float, 4, uint32_t, sat_s32(x));
    case 0xf9: /* i32x4.trunc_sat_f32x4_u */
        UNARY(float, 4, uint32_t, sat_u32(x));
    case 0xfa: /* f32x4.convert_i32x4_s */
        UNARY(int32_t, 4, float, x);
    case 0xfb: /* f32x4.convert_i32x4_u */
        UNARY(uint32_t, 4, float, x);
    case 0xfc: /* i32x4.trunc_sat_f64x2_s_zero */
        return trunc_sat_zero(sp, sat_s32);
    case 0xfd: /* i32x4.trunc_sat_f64x2_u_zero */
        return trunc_sat_zero(sp, sat_u32);
    case 0xfe: /* f64x2.convert_low_i32x4_s */
        return convert_low_s(sp);
    case 0xff: /* f64x2.convert_low_i32x4_u */
        return convert_low_u(sp);
    default:
        return sp;
    }
}
