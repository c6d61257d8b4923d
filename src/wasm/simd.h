/* Fixed-width SIMD (the 0xFD prefix): the table the validator reads and the
 * executors the interpreter calls.
 *
 * A v128 value takes two 8-byte slots of the value stack, the low half
 * (bytes 0..7, lanes in little-endian order) in the lower slot. The validator
 * pushes v128 as two entries, the type and a V128_HI marker, so its
 * type-stack height stays the slot height that branches and calls rely on
 * (see compile.c). v128.const compiles to two CONST cells, and local, global,
 * select and drop of a v128 to slot operations; the operations vectorised
 * loops use most run inline in the interpreter (CX_WASM_SIMD_INLINE in
 * ops.h), the rest through the executors below.
 *
 * An operation compiles to one SIMD cell, then a cell holding the sub-opcode
 * (bits 0..7), the lane index (bits 8..15) and the number of immediate cells
 * (bits 16..23, this one included), then for memory operations the offset,
 * for i8x16.shuffle the 16 lane indexes in two cells. The executors
 * run through a switch, one call per operation: correct first; the scalar
 * operations are where the interpreter is tuned.
 */
#ifndef CX_WASM_SIMD_H
#define CX_WASM_SIMD_H

#include <stdint.h>

/* The slot marker of a v128's upper half on the validator's type stack. */
#define V128_HI 0x01

enum { SIMD_NONE, SIMD_MEM, SIMD_LANE, SIMD_MEMLANE, SIMD_SHUFFLE, SIMD_CONST };
enum { SIMD_FAM_MEM, SIMD_FAM_INT, SIMD_FAM_FLOAT };

/* X(opcode, name, family, immediates, signature, max alignment log2, lanes)
 * Signatures: parameters ':' results, i i32, I i64, f f32, F f64, v v128 (the
 * letters of the scalar signatures in compile.c). */
#define CX_WASM_SIMD_OPS(X)                                                                        \
    X(0x00, "v128.load", MEM, MEM, "i:v", 4, 0)                                                    \
    X(0x01, "v128.load8x8_s", MEM, MEM, "i:v", 3, 0)                                               \
    X(0x02, "v128.load8x8_u", MEM, MEM, "i:v", 3, 0)                                               \
    X(0x03, "v128.load16x4_s", MEM, MEM, "i:v", 3, 0)                                              \
    X(0x04, "v128.load16x4_u", MEM, MEM, "i:v", 3, 0)                                              \
    X(0x05, "v128.load32x2_s", MEM, MEM, "i:v", 3, 0)                                              \
    X(0x06, "v128.load32x2_u", MEM, MEM, "i:v", 3, 0)                                              \
    X(0x07, "v128.load8_splat", MEM, MEM, "i:v", 0, 0)                                             \
    X(0x08, "v128.load16_splat", MEM, MEM, "i:v", 1, 0)                                            \
    X(0x09, "v128.load32_splat", MEM, MEM, "i:v", 2, 0)                                            \
    X(0x0a, "v128.load64_splat", MEM, MEM, "i:v", 3, 0)                                            \
    X(0x0b, "v128.store", MEM, MEM, "iv:", 4, 0)                                                   \
    X(0x0c, "v128.const", INT, CONST, ":v", 0, 0)                                                  \
    X(0x0d, "i8x16.shuffle", INT, SHUFFLE, "vv:v", 0, 32)                                          \
    X(0x0e, "i8x16.swizzle", INT, NONE, "vv:v", 0, 0)                                              \
    X(0x0f, "i8x16.splat", INT, NONE, "i:v", 0, 0)                                                 \
    X(0x10, "i16x8.splat", INT, NONE, "i:v", 0, 0)                                                 \
    X(0x11, "i32x4.splat", INT, NONE, "i:v", 0, 0)                                                 \
    X(0x12, "i64x2.splat", INT, NONE, "I:v", 0, 0)                                                 \
    X(0x13, "f32x4.splat", FLOAT, NONE, "f:v", 0, 0)                                               \
    X(0x14, "f64x2.splat", FLOAT, NONE, "F:v", 0, 0)                                               \
    X(0x15, "i8x16.extract_lane_s", INT, LANE, "v:i", 0, 16)                                       \
    X(0x16, "i8x16.extract_lane_u", INT, LANE, "v:i", 0, 16)                                       \
    X(0x17, "i8x16.replace_lane", INT, LANE, "vi:v", 0, 16)                                        \
    X(0x18, "i16x8.extract_lane_s", INT, LANE, "v:i", 0, 8)                                        \
    X(0x19, "i16x8.extract_lane_u", INT, LANE, "v:i", 0, 8)                                        \
    X(0x1a, "i16x8.replace_lane", INT, LANE, "vi:v", 0, 8)                                         \
    X(0x1b, "i32x4.extract_lane", INT, LANE, "v:i", 0, 4)                                          \
    X(0x1c, "i32x4.replace_lane", INT, LANE, "vi:v", 0, 4)                                         \
    X(0x1d, "i64x2.extract_lane", INT, LANE, "v:I", 0, 2)                                          \
    X(0x1e, "i64x2.replace_lane", INT, LANE, "vI:v", 0, 2)                                         \
    X(0x1f, "f32x4.extract_lane", FLOAT, LANE, "v:f", 0, 4)                                        \
    X(0x20, "f32x4.replace_lane", FLOAT, LANE, "vf:v", 0, 4)                                       \
    X(0x21, "f64x2.extract_lane", FLOAT, LANE, "v:F", 0, 2)                                        \
    X(0x22, "f64x2.replace_lane", FLOAT, LANE, "vF:v", 0, 2)                                       \
    CX_WASM_SIMD_CMPS(X)                                                                           \
    X(0x4d, "v128.not", INT, NONE, "v:v", 0, 0)                                                    \
    X(0x4e, "v128.and", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x4f, "v128.andnot", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x50, "v128.or", INT, NONE, "vv:v", 0, 0)                                                    \
    X(0x51, "v128.xor", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x52, "v128.bitselect", INT, NONE, "vvv:v", 0, 0)                                            \
    X(0x53, "v128.any_true", INT, NONE, "v:i", 0, 0)                                               \
    X(0x54, "v128.load8_lane", MEM, MEMLANE, "iv:v", 0, 16)                                        \
    X(0x55, "v128.load16_lane", MEM, MEMLANE, "iv:v", 1, 8)                                        \
    X(0x56, "v128.load32_lane", MEM, MEMLANE, "iv:v", 2, 4)                                        \
    X(0x57, "v128.load64_lane", MEM, MEMLANE, "iv:v", 3, 2)                                        \
    X(0x58, "v128.store8_lane", MEM, MEMLANE, "iv:", 0, 16)                                        \
    X(0x59, "v128.store16_lane", MEM, MEMLANE, "iv:", 1, 8)                                        \
    X(0x5a, "v128.store32_lane", MEM, MEMLANE, "iv:", 2, 4)                                        \
    X(0x5b, "v128.store64_lane", MEM, MEMLANE, "iv:", 3, 2)                                        \
    X(0x5c, "v128.load32_zero", MEM, MEM, "i:v", 2, 0)                                             \
    X(0x5d, "v128.load64_zero", MEM, MEM, "i:v", 3, 0)                                             \
    X(0x5e, "f32x4.demote_f64x2_zero", FLOAT, NONE, "v:v", 0, 0)                                   \
    X(0x5f, "f64x2.promote_low_f32x4", FLOAT, NONE, "v:v", 0, 0)                                   \
    X(0x60, "i8x16.abs", INT, NONE, "v:v", 0, 0)                                                   \
    X(0x61, "i8x16.neg", INT, NONE, "v:v", 0, 0)                                                   \
    X(0x62, "i8x16.popcnt", INT, NONE, "v:v", 0, 0)                                                \
    X(0x63, "i8x16.all_true", INT, NONE, "v:i", 0, 0)                                              \
    X(0x64, "i8x16.bitmask", INT, NONE, "v:i", 0, 0)                                               \
    X(0x65, "i8x16.narrow_i16x8_s", INT, NONE, "vv:v", 0, 0)                                       \
    X(0x66, "i8x16.narrow_i16x8_u", INT, NONE, "vv:v", 0, 0)                                       \
    X(0x67, "f32x4.ceil", FLOAT, NONE, "v:v", 0, 0)                                                \
    X(0x68, "f32x4.floor", FLOAT, NONE, "v:v", 0, 0)                                               \
    X(0x69, "f32x4.trunc", FLOAT, NONE, "v:v", 0, 0)                                               \
    X(0x6a, "f32x4.nearest", FLOAT, NONE, "v:v", 0, 0)                                             \
    X(0x6b, "i8x16.shl", INT, NONE, "vi:v", 0, 0)                                                  \
    X(0x6c, "i8x16.shr_s", INT, NONE, "vi:v", 0, 0)                                                \
    X(0x6d, "i8x16.shr_u", INT, NONE, "vi:v", 0, 0)                                                \
    X(0x6e, "i8x16.add", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0x6f, "i8x16.add_sat_s", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x70, "i8x16.add_sat_u", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x71, "i8x16.sub", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0x72, "i8x16.sub_sat_s", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x73, "i8x16.sub_sat_u", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x74, "f64x2.ceil", FLOAT, NONE, "v:v", 0, 0)                                                \
    X(0x75, "f64x2.floor", FLOAT, NONE, "v:v", 0, 0)                                               \
    X(0x76, "i8x16.min_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x77, "i8x16.min_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x78, "i8x16.max_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x79, "i8x16.max_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x7a, "f64x2.trunc", FLOAT, NONE, "v:v", 0, 0)                                               \
    X(0x7b, "i8x16.avgr_u", INT, NONE, "vv:v", 0, 0)                                               \
    X(0x7c, "i16x8.extadd_pairwise_i8x16_s", INT, NONE, "v:v", 0, 0)                               \
    X(0x7d, "i16x8.extadd_pairwise_i8x16_u", INT, NONE, "v:v", 0, 0)                               \
    X(0x7e, "i32x4.extadd_pairwise_i16x8_s", INT, NONE, "v:v", 0, 0)                               \
    X(0x7f, "i32x4.extadd_pairwise_i16x8_u", INT, NONE, "v:v", 0, 0)                               \
    X(0x80, "i16x8.abs", INT, NONE, "v:v", 0, 0)                                                   \
    X(0x81, "i16x8.neg", INT, NONE, "v:v", 0, 0)                                                   \
    X(0x82, "i16x8.q15mulr_sat_s", INT, NONE, "vv:v", 0, 0)                                        \
    X(0x83, "i16x8.all_true", INT, NONE, "v:i", 0, 0)                                              \
    X(0x84, "i16x8.bitmask", INT, NONE, "v:i", 0, 0)                                               \
    X(0x85, "i16x8.narrow_i32x4_s", INT, NONE, "vv:v", 0, 0)                                       \
    X(0x86, "i16x8.narrow_i32x4_u", INT, NONE, "vv:v", 0, 0)                                       \
    X(0x87, "i16x8.extend_low_i8x16_s", INT, NONE, "v:v", 0, 0)                                    \
    X(0x88, "i16x8.extend_high_i8x16_s", INT, NONE, "v:v", 0, 0)                                   \
    X(0x89, "i16x8.extend_low_i8x16_u", INT, NONE, "v:v", 0, 0)                                    \
    X(0x8a, "i16x8.extend_high_i8x16_u", INT, NONE, "v:v", 0, 0)                                   \
    X(0x8b, "i16x8.shl", INT, NONE, "vi:v", 0, 0)                                                  \
    X(0x8c, "i16x8.shr_s", INT, NONE, "vi:v", 0, 0)                                                \
    X(0x8d, "i16x8.shr_u", INT, NONE, "vi:v", 0, 0)                                                \
    X(0x8e, "i16x8.add", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0x8f, "i16x8.add_sat_s", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x90, "i16x8.add_sat_u", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x91, "i16x8.sub", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0x92, "i16x8.sub_sat_s", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x93, "i16x8.sub_sat_u", INT, NONE, "vv:v", 0, 0)                                            \
    X(0x94, "f64x2.nearest", FLOAT, NONE, "v:v", 0, 0)                                             \
    X(0x95, "i16x8.mul", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0x96, "i16x8.min_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x97, "i16x8.min_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x98, "i16x8.max_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x99, "i16x8.max_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0x9b, "i16x8.avgr_u", INT, NONE, "vv:v", 0, 0)                                               \
    X(0x9c, "i16x8.extmul_low_i8x16_s", INT, NONE, "vv:v", 0, 0)                                   \
    X(0x9d, "i16x8.extmul_high_i8x16_s", INT, NONE, "vv:v", 0, 0)                                  \
    X(0x9e, "i16x8.extmul_low_i8x16_u", INT, NONE, "vv:v", 0, 0)                                   \
    X(0x9f, "i16x8.extmul_high_i8x16_u", INT, NONE, "vv:v", 0, 0)                                  \
    X(0xa0, "i32x4.abs", INT, NONE, "v:v", 0, 0)                                                   \
    X(0xa1, "i32x4.neg", INT, NONE, "v:v", 0, 0)                                                   \
    X(0xa3, "i32x4.all_true", INT, NONE, "v:i", 0, 0)                                              \
    X(0xa4, "i32x4.bitmask", INT, NONE, "v:i", 0, 0)                                               \
    X(0xa7, "i32x4.extend_low_i16x8_s", INT, NONE, "v:v", 0, 0)                                    \
    X(0xa8, "i32x4.extend_high_i16x8_s", INT, NONE, "v:v", 0, 0)                                   \
    X(0xa9, "i32x4.extend_low_i16x8_u", INT, NONE, "v:v", 0, 0)                                    \
    X(0xaa, "i32x4.extend_high_i16x8_u", INT, NONE, "v:v", 0, 0)                                   \
    X(0xab, "i32x4.shl", INT, NONE, "vi:v", 0, 0)                                                  \
    X(0xac, "i32x4.shr_s", INT, NONE, "vi:v", 0, 0)                                                \
    X(0xad, "i32x4.shr_u", INT, NONE, "vi:v", 0, 0)                                                \
    X(0xae, "i32x4.add", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xb1, "i32x4.sub", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xb5, "i32x4.mul", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xb6, "i32x4.min_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0xb7, "i32x4.min_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0xb8, "i32x4.max_s", INT, NONE, "vv:v", 0, 0)                                                \
    X(0xb9, "i32x4.max_u", INT, NONE, "vv:v", 0, 0)                                                \
    X(0xba, "i32x4.dot_i16x8_s", INT, NONE, "vv:v", 0, 0)                                          \
    X(0xbc, "i32x4.extmul_low_i16x8_s", INT, NONE, "vv:v", 0, 0)                                   \
    X(0xbd, "i32x4.extmul_high_i16x8_s", INT, NONE, "vv:v", 0, 0)                                  \
    X(0xbe, "i32x4.extmul_low_i16x8_u", INT, NONE, "vv:v", 0, 0)                                   \
    X(0xbf, "i32x4.extmul_high_i16x8_u", INT, NONE, "vv:v", 0, 0)                                  \
    X(0xc0, "i64x2.abs", INT, NONE, "v:v", 0, 0)                                                   \
    X(0xc1, "i64x2.neg", INT, NONE, "v:v", 0, 0)                                                   \
    X(0xc3, "i64x2.all_true", INT, NONE, "v:i", 0, 0)                                              \
    X(0xc4, "i64x2.bitmask", INT, NONE, "v:i", 0, 0)                                               \
    X(0xc7, "i64x2.extend_low_i32x4_s", INT, NONE, "v:v", 0, 0)                                    \
    X(0xc8, "i64x2.extend_high_i32x4_s", INT, NONE, "v:v", 0, 0)                                   \
    X(0xc9, "i64x2.extend_low_i32x4_u", INT, NONE, "v:v", 0, 0)                                    \
    X(0xca, "i64x2.extend_high_i32x4_u", INT, NONE, "v:v", 0, 0)                                   \
    X(0xcb, "i64x2.shl", INT, NONE, "vi:v", 0, 0)                                                  \
    X(0xcc, "i64x2.shr_s", INT, NONE, "vi:v", 0, 0)                                                \
    X(0xcd, "i64x2.shr_u", INT, NONE, "vi:v", 0, 0)                                                \
    X(0xce, "i64x2.add", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xd1, "i64x2.sub", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xd5, "i64x2.mul", INT, NONE, "vv:v", 0, 0)                                                  \
    X(0xd6, "i64x2.eq", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0xd7, "i64x2.ne", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0xd8, "i64x2.lt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0xd9, "i64x2.gt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0xda, "i64x2.le_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0xdb, "i64x2.ge_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0xdc, "i64x2.extmul_low_i32x4_s", INT, NONE, "vv:v", 0, 0)                                   \
    X(0xdd, "i64x2.extmul_high_i32x4_s", INT, NONE, "vv:v", 0, 0)                                  \
    X(0xde, "i64x2.extmul_low_i32x4_u", INT, NONE, "vv:v", 0, 0)                                   \
    X(0xdf, "i64x2.extmul_high_i32x4_u", INT, NONE, "vv:v", 0, 0)                                  \
    X(0xe0, "f32x4.abs", FLOAT, NONE, "v:v", 0, 0)                                                 \
    X(0xe1, "f32x4.neg", FLOAT, NONE, "v:v", 0, 0)                                                 \
    X(0xe3, "f32x4.sqrt", FLOAT, NONE, "v:v", 0, 0)                                                \
    X(0xe4, "f32x4.add", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xe5, "f32x4.sub", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xe6, "f32x4.mul", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xe7, "f32x4.div", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xe8, "f32x4.min", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xe9, "f32x4.max", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xea, "f32x4.pmin", FLOAT, NONE, "vv:v", 0, 0)                                               \
    X(0xeb, "f32x4.pmax", FLOAT, NONE, "vv:v", 0, 0)                                               \
    X(0xec, "f64x2.abs", FLOAT, NONE, "v:v", 0, 0)                                                 \
    X(0xed, "f64x2.neg", FLOAT, NONE, "v:v", 0, 0)                                                 \
    X(0xef, "f64x2.sqrt", FLOAT, NONE, "v:v", 0, 0)                                                \
    X(0xf0, "f64x2.add", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf1, "f64x2.sub", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf2, "f64x2.mul", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf3, "f64x2.div", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf4, "f64x2.min", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf5, "f64x2.max", FLOAT, NONE, "vv:v", 0, 0)                                                \
    X(0xf6, "f64x2.pmin", FLOAT, NONE, "vv:v", 0, 0)                                               \
    X(0xf7, "f64x2.pmax", FLOAT, NONE, "vv:v", 0, 0)                                               \
    X(0xf8, "i32x4.trunc_sat_f32x4_s", FLOAT, NONE, "v:v", 0, 0)                                   \
    X(0xf9, "i32x4.trunc_sat_f32x4_u", FLOAT, NONE, "v:v", 0, 0)                                   \
    X(0xfa, "f32x4.convert_i32x4_s", FLOAT, NONE, "v:v", 0, 0)                                     \
    X(0xfb, "f32x4.convert_i32x4_u", FLOAT, NONE, "v:v", 0, 0)                                     \
    X(0xfc, "i32x4.trunc_sat_f64x2_s_zero", FLOAT, NONE, "v:v", 0, 0)                              \
    X(0xfd, "i32x4.trunc_sat_f64x2_u_zero", FLOAT, NONE, "v:v", 0, 0)                              \
    X(0xfe, "f64x2.convert_low_i32x4_s", FLOAT, NONE, "v:v", 0, 0)                                 \
    X(0xff, "f64x2.convert_low_i32x4_u", FLOAT, NONE, "v:v", 0, 0)

/* The lane-wise comparisons, 0x23..0x4c: each gives all-ones or zero lanes. */
#define CX_WASM_SIMD_CMPS(X)                                                                       \
    X(0x23, "i8x16.eq", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x24, "i8x16.ne", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x25, "i8x16.lt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x26, "i8x16.lt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x27, "i8x16.gt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x28, "i8x16.gt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x29, "i8x16.le_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x2a, "i8x16.le_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x2b, "i8x16.ge_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x2c, "i8x16.ge_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x2d, "i16x8.eq", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x2e, "i16x8.ne", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x2f, "i16x8.lt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x30, "i16x8.lt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x31, "i16x8.gt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x32, "i16x8.gt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x33, "i16x8.le_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x34, "i16x8.le_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x35, "i16x8.ge_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x36, "i16x8.ge_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x37, "i32x4.eq", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x38, "i32x4.ne", INT, NONE, "vv:v", 0, 0)                                                   \
    X(0x39, "i32x4.lt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3a, "i32x4.lt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3b, "i32x4.gt_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3c, "i32x4.gt_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3d, "i32x4.le_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3e, "i32x4.le_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x3f, "i32x4.ge_s", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x40, "i32x4.ge_u", INT, NONE, "vv:v", 0, 0)                                                 \
    X(0x41, "f32x4.eq", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x42, "f32x4.ne", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x43, "f32x4.lt", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x44, "f32x4.gt", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x45, "f32x4.le", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x46, "f32x4.ge", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x47, "f64x2.eq", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x48, "f64x2.ne", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x49, "f64x2.lt", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x4a, "f64x2.gt", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x4b, "f64x2.le", FLOAT, NONE, "vv:v", 0, 0)                                                 \
    X(0x4c, "f64x2.ge", FLOAT, NONE, "vv:v", 0, 0)

/* One entry per sub-opcode 0..255; name NULL: no such operation. */
typedef struct simd_info {
    const char *name;
    const char *sig;
    uint8_t fam, imm;
    uint8_t align; /* memory operations: the largest valid alignment (log2) */
    uint8_t lanes; /* lane immediates must be below this */
} simd_info;
extern const simd_info cx_wasm_simd_info[256];

/* Run the operation whose immediates start at imm (the sub-opcode cell);
 * returns the new sp, or NULL with *trap set. The interpreter's one call. */
union cell;
uint64_t *cx_wasm_simd_exec(const union cell *imm, uint64_t *sp, uint8_t *mbase, uint64_t msize,
                            int *trap);

/* The executors, for the operations that are not in CX_WASM_SIMD_INLINE
 * (ops.h; those run in the interpreter and nowhere else). Every operation
 * with a lane or shuffle immediate is inline, so the executors take none.
 * sp points at the top slot; operands are popped and the result pushed
 * as in the signature (a v128 is two slots, low half first; an i32 or f32 is
 * zero-extended into its slot). They return the new sp. Lane-wise arithmetic
 * never traps. */
uint64_t *cx_wasm_simd_int(uint32_t sub, uint64_t *sp);
uint64_t *cx_wasm_simd_float(uint32_t sub, uint64_t *sp);
/* The other loads: the address (i32) and `offset` as for the scalar ones;
 * on an out-of-bounds access sets *trap and returns NULL. */
uint64_t *cx_wasm_simd_mem(uint32_t sub, uint64_t offset, uint64_t *sp, uint8_t *mbase,
                           uint64_t msize, int *trap);

#endif
