/* Fixed-width SIMD: the operation table, the executor entry point, and the
 * loads the interpreter does not run inline (extending, splat and zero
 * loads; whole and lane loads and stores are inline in interp.c).
 *
 * The lane-wise arithmetic lives in simd_int.c and simd_float.c; the loads
 * here follow the same bounds rule as the scalar
 * accesses: the 32-bit address plus the offset, computed in 64 bits, must
 * leave the whole access inside the memory, or the operation traps.
 */
#include "simd.h"
#include <string.h>
#include "wasm_int.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the SIMD lanes assume a little-endian host"
#endif

const simd_info cx_wasm_simd_info[256] = {
#define SIMD_ROW_(code, name_, fam_, imm_, sig_, align_, lanes_)                                   \
    [code] = {.name = name_,                                                                       \
              .sig = sig_,                                                                         \
              .fam = SIMD_FAM_##fam_,                                                              \
              .imm = SIMD_##imm_,                                                                  \
              .align = align_,                                                                     \
              .lanes = lanes_},
    CX_WASM_SIMD_OPS(SIMD_ROW_)
#undef SIMD_ROW_
};

/* The effective address of an n-byte access, or NULL when out of bounds. */
static uint8_t *at(uint64_t addr, uint64_t offset, uint64_t n, uint8_t *mbase, uint64_t msize) {
    uint64_t ea = (uint64_t)(uint32_t)addr + offset;
    return ea + n > msize ? NULL : mbase + ea;
}

/* Widen eight, four or two lanes of `half` (8 bytes) to twice their width. */
static void extend(uint8_t out[16], const uint8_t half[8], unsigned width, bool sign) {
    unsigned n = 8 / width;
    for (unsigned k = 0; k < n; k++) {
        uint64_t v = 0;
        memcpy(&v, half + k * width, width);
        unsigned bits = width * 8;
        if (sign && (v >> (bits - 1)) & 1) v |= ~(uint64_t)0 << bits;
        memcpy(out + k * 2 * width, &v, 2 * width);
    }
}

static inline __attribute__((always_inline)) uint64_t *
load_splat(uint64_t *sp, uint64_t offset, unsigned n, uint8_t *mbase, uint64_t msize, int *trap) {
    const uint8_t *p = at(sp[0], offset, n, mbase, msize);
    if (!p) {
        *trap = CX_WASM_TRAP_MEMORY_OOB;
        return NULL;
    }
    uint8_t v[16];
    for (unsigned k = 0; k < 16; k += n) memcpy(v + k, p, n);
    memcpy(sp, v, 16);
    return sp + 1;
}

uint64_t *cx_wasm_simd_mem(uint32_t sub, uint64_t offset, uint64_t *sp, uint8_t *mbase,
                           uint64_t msize, int *trap) {
    uint8_t v[16] = {0};
    const uint8_t *p;
    switch (sub) {
    case 0x01: /* v128.load8x8_s .. v128.load32x2_u */
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
        if (!(p = at(sp[0], offset, 8, mbase, msize))) break;
        extend(v, p, 1u << ((sub - 1) / 2), (sub & 1) != 0);
        memcpy(sp, v, 16);
        return sp + 1;
    case 0x07: /* v128.load8_splat .. load64_splat: one case per width, so
                * that each copy loop has a constant count */
        return load_splat(sp, offset, 1, mbase, msize, trap);
    case 0x08:
        return load_splat(sp, offset, 2, mbase, msize, trap);
    case 0x09:
        return load_splat(sp, offset, 4, mbase, msize, trap);
    case 0x0a:
        return load_splat(sp, offset, 8, mbase, msize, trap);
    case 0x5c: /* v128.load32_zero, load64_zero */
    case 0x5d: {
        unsigned n = sub == 0x5c ? 4 : 8;
        if (!(p = at(sp[0], offset, n, mbase, msize))) break;
        memcpy(v, p, n);
        memcpy(sp, v, 16);
        return sp + 1;
    }
    default:
        return sp;
    }
    *trap = CX_WASM_TRAP_MEMORY_OOB;
    return NULL;
}

uint64_t *cx_wasm_simd_exec(const union cell *imm, uint64_t *sp, uint8_t *mbase, uint64_t msize,
                            int *trap) {
    uint32_t sub = (uint32_t)imm[0].u & 0xFF;
    switch (cx_wasm_simd_info[sub].fam) {
    case SIMD_FAM_INT:
        return cx_wasm_simd_int(sub, sp);
    case SIMD_FAM_FLOAT:
        return cx_wasm_simd_float(sub, sp);
    default:
        return cx_wasm_simd_mem(sub, imm[1].u, sp, mbase, msize, trap);
    }
}
