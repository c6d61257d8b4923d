/* wasm's float min and max, shared by the scalar interpreter and the SIMD
 * executor: NaN if either operand is NaN (returned through an addition, so
 * the result is a quiet NaN), and -0 orders below +0, where C's comparisons
 * see them as equal. */
#ifndef CX_WASM_FMINMAX_H
#define CX_WASM_FMINMAX_H

#include <math.h>

static inline float min32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float max32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double min64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double max64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

#endif
