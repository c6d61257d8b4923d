/* The internal operations of compiled code (X-macro list). The numeric
 * block follows the binary opcodes 0x45..0xC4 then 0xFC 0..7 in order, so
 * the compiler maps them by offset. Generated once by hand-run script. */
#define CX_WASM_OPS(X)                                                                             \
    X(UNREACHABLE)                                                                                 \
    X(BR)                                                                                          \
    X(BR_DROP)                                                                                     \
    X(BR_IF)                                                                                       \
    X(BR_IF_DROP)                                                                                  \
    X(BR_UNLESS)                                                                                   \
    X(BR_TABLE)                                                                                    \
    X(RETURN)                                                                                      \
    X(CALL)                                                                                        \
    X(CALL_INDIRECT)                                                                               \
    X(LOOP_FUEL)                                                                                   \
    X(DROP)                                                                                        \
    X(SELECT)                                                                                      \
    X(LOCAL_GET)                                                                                   \
    X(LOCAL_SET)                                                                                   \
    X(LOCAL_TEE)                                                                                   \
    X(GLOBAL_GET)                                                                                  \
    X(GLOBAL_SET)                                                                                  \
    X(CONST)                                                                                       \
    X(TABLE_GET)                                                                                   \
    X(TABLE_SET)                                                                                   \
    X(TABLE_SIZE)                                                                                  \
    X(TABLE_GROW)                                                                                  \
    X(TABLE_FILL)                                                                                  \
    X(TABLE_COPY)                                                                                  \
    X(TABLE_INIT)                                                                                  \
    X(ELEM_DROP)                                                                                   \
    X(I32_LOAD)                                                                                    \
    X(I64_LOAD)                                                                                    \
    X(F32_LOAD)                                                                                    \
    X(F64_LOAD)                                                                                    \
    X(I32_LOAD8_S)                                                                                 \
    X(I32_LOAD8_U)                                                                                 \
    X(I32_LOAD16_S)                                                                                \
    X(I32_LOAD16_U)                                                                                \
    X(I64_LOAD8_S)                                                                                 \
    X(I64_LOAD8_U)                                                                                 \
    X(I64_LOAD16_S)                                                                                \
    X(I64_LOAD16_U)                                                                                \
    X(I64_LOAD32_S)                                                                                \
    X(I64_LOAD32_U)                                                                                \
    X(I32_STORE)                                                                                   \
    X(I64_STORE)                                                                                   \
    X(F32_STORE)                                                                                   \
    X(F64_STORE)                                                                                   \
    X(I32_STORE8)                                                                                  \
    X(I32_STORE16)                                                                                 \
    X(I64_STORE8)                                                                                  \
    X(I64_STORE16)                                                                                 \
    X(I64_STORE32)                                                                                 \
    X(MEMORY_SIZE)                                                                                 \
    X(MEMORY_GROW)                                                                                 \
    X(MEMORY_INIT)                                                                                 \
    X(DATA_DROP)                                                                                   \
    X(MEMORY_COPY)                                                                                 \
    X(MEMORY_FILL)                                                                                 \
    X(REF_IS_NULL)                                                                                 \
    X(REF_FUNC)                                                                                    \
    X(I32_EQZ)                                                                                     \
    X(I32_EQ)                                                                                      \
    X(I32_NE)                                                                                      \
    X(I32_LT_S)                                                                                    \
    X(I32_LT_U)                                                                                    \
    X(I32_GT_S)                                                                                    \
    X(I32_GT_U)                                                                                    \
    X(I32_LE_S)                                                                                    \
    X(I32_LE_U)                                                                                    \
    X(I32_GE_S)                                                                                    \
    X(I32_GE_U)                                                                                    \
    X(I64_EQZ)                                                                                     \
    X(I64_EQ)                                                                                      \
    X(I64_NE)                                                                                      \
    X(I64_LT_S)                                                                                    \
    X(I64_LT_U)                                                                                    \
    X(I64_GT_S)                                                                                    \
    X(I64_GT_U)                                                                                    \
    X(I64_LE_S)                                                                                    \
    X(I64_LE_U)                                                                                    \
    X(I64_GE_S)                                                                                    \
    X(I64_GE_U)                                                                                    \
    X(F32_EQ)                                                                                      \
    X(F32_NE)                                                                                      \
    X(F32_LT)                                                                                      \
    X(F32_GT)                                                                                      \
    X(F32_LE)                                                                                      \
    X(F32_GE)                                                                                      \
    X(F64_EQ)                                                                                      \
    X(F64_NE)                                                                                      \
    X(F64_LT)                                                                                      \
    X(F64_GT)                                                                                      \
    X(F64_LE)                                                                                      \
    X(F64_GE)                                                                                      \
    X(I32_CLZ)                                                                                     \
    X(I32_CTZ)                                                                                     \
    X(I32_POPCNT)                                                                                  \
    X(I32_ADD)                                                                                     \
    X(I32_SUB)                                                                                     \
    X(I32_MUL)                                                                                     \
    X(I32_DIV_S)                                                                                   \
    X(I32_DIV_U)                                                                                   \
    X(I32_REM_S)                                                                                   \
    X(I32_REM_U)                                                                                   \
    X(I32_AND)                                                                                     \
    X(I32_OR)                                                                                      \
    X(I32_XOR)                                                                                     \
    X(I32_SHL)                                                                                     \
    X(I32_SHR_S)                                                                                   \
    X(I32_SHR_U)                                                                                   \
    X(I32_ROTL)                                                                                    \
    X(I32_ROTR)                                                                                    \
    X(I64_CLZ)                                                                                     \
    X(I64_CTZ)                                                                                     \
    X(I64_POPCNT)                                                                                  \
    X(I64_ADD)                                                                                     \
    X(I64_SUB)                                                                                     \
    X(I64_MUL)                                                                                     \
    X(I64_DIV_S)                                                                                   \
    X(I64_DIV_U)                                                                                   \
    X(I64_REM_S)                                                                                   \
    X(I64_REM_U)                                                                                   \
    X(I64_AND)                                                                                     \
    X(I64_OR)                                                                                      \
    X(I64_XOR)                                                                                     \
    X(I64_SHL)                                                                                     \
    X(I64_SHR_S)                                                                                   \
    X(I64_SHR_U)                                                                                   \
    X(I64_ROTL)                                                                                    \
    X(I64_ROTR)                                                                                    \
    X(F32_ABS)                                                                                     \
    X(F32_NEG)                                                                                     \
    X(F32_CEIL)                                                                                    \
    X(F32_FLOOR)                                                                                   \
    X(F32_TRUNC)                                                                                   \
    X(F32_NEAREST)                                                                                 \
    X(F32_SQRT)                                                                                    \
    X(F32_ADD)                                                                                     \
    X(F32_SUB)                                                                                     \
    X(F32_MUL)                                                                                     \
    X(F32_DIV)                                                                                     \
    X(F32_MIN)                                                                                     \
    X(F32_MAX)                                                                                     \
    X(F32_COPYSIGN)                                                                                \
    X(F64_ABS)                                                                                     \
    X(F64_NEG)                                                                                     \
    X(F64_CEIL)                                                                                    \
    X(F64_FLOOR)                                                                                   \
    X(F64_TRUNC)                                                                                   \
    X(F64_NEAREST)                                                                                 \
    X(F64_SQRT)                                                                                    \
    X(F64_ADD)                                                                                     \
    X(F64_SUB)                                                                                     \
    X(F64_MUL)                                                                                     \
    X(F64_DIV)                                                                                     \
    X(F64_MIN)                                                                                     \
    X(F64_MAX)                                                                                     \
    X(F64_COPYSIGN)                                                                                \
    X(I32_WRAP_I64)                                                                                \
    X(I32_TRUNC_F32_S)                                                                             \
    X(I32_TRUNC_F32_U)                                                                             \
    X(I32_TRUNC_F64_S)                                                                             \
    X(I32_TRUNC_F64_U)                                                                             \
    X(I64_EXTEND_I32_S)                                                                            \
    X(I64_EXTEND_I32_U)                                                                            \
    X(I64_TRUNC_F32_S)                                                                             \
    X(I64_TRUNC_F32_U)                                                                             \
    X(I64_TRUNC_F64_S)                                                                             \
    X(I64_TRUNC_F64_U)                                                                             \
    X(F32_CONVERT_I32_S)                                                                           \
    X(F32_CONVERT_I32_U)                                                                           \
    X(F32_CONVERT_I64_S)                                                                           \
    X(F32_CONVERT_I64_U)                                                                           \
    X(F32_DEMOTE_F64)                                                                              \
    X(F64_CONVERT_I32_S)                                                                           \
    X(F64_CONVERT_I32_U)                                                                           \
    X(F64_CONVERT_I64_S)                                                                           \
    X(F64_CONVERT_I64_U)                                                                           \
    X(F64_PROMOTE_F32)                                                                             \
    X(I32_REINTERPRET_F32)                                                                         \
    X(I64_REINTERPRET_F64)                                                                         \
    X(F32_REINTERPRET_I32)                                                                         \
    X(F64_REINTERPRET_I64)                                                                         \
    X(I32_EXTEND8_S)                                                                               \
    X(I32_EXTEND16_S)                                                                              \
    X(I64_EXTEND8_S)                                                                               \
    X(I64_EXTEND16_S)                                                                              \
    X(I64_EXTEND32_S)                                                                              \
    X(I32_TRUNC_SAT_F32_S)                                                                         \
    X(I32_TRUNC_SAT_F32_U)                                                                         \
    X(I32_TRUNC_SAT_F64_S)                                                                         \
    X(I32_TRUNC_SAT_F64_U)                                                                         \
    X(I64_TRUNC_SAT_F32_S)                                                                         \
    X(I64_TRUNC_SAT_F32_U)                                                                         \
    X(I64_TRUNC_SAT_F64_S)                                                                         \
    X(I64_TRUNC_SAT_F64_U)                                                                         \
    X(I32_ADD_L)                                                                                   \
    X(I32_ADD_C)                                                                                   \
    X(I32_SUB_L)                                                                                   \
    X(I32_SUB_C)                                                                                   \
    X(I32_MUL_L)                                                                                   \
    X(I32_MUL_C)                                                                                   \
    X(I32_AND_L)                                                                                   \
    X(I32_AND_C)                                                                                   \
    X(I32_OR_L)                                                                                    \
    X(I32_OR_C)                                                                                    \
    X(I32_XOR_L)                                                                                   \
    X(I32_XOR_C)                                                                                   \
    X(I32_SHL_L)                                                                                   \
    X(I32_SHL_C)                                                                                   \
    X(I32_SHR_S_L)                                                                                 \
    X(I32_SHR_S_C)                                                                                 \
    X(I32_SHR_U_L)                                                                                 \
    X(I32_SHR_U_C)                                                                                 \
    X(I32_EQ_L)                                                                                    \
    X(I32_EQ_C)                                                                                    \
    X(I32_NE_L)                                                                                    \
    X(I32_NE_C)                                                                                    \
    X(I32_LT_S_L)                                                                                  \
    X(I32_LT_S_C)                                                                                  \
    X(I32_LT_U_L)                                                                                  \
    X(I32_LT_U_C)                                                                                  \
    X(I32_GT_S_L)                                                                                  \
    X(I32_GT_S_C)                                                                                  \
    X(I32_GT_U_L)                                                                                  \
    X(I32_GT_U_C)                                                                                  \
    X(I32_LE_S_L)                                                                                  \
    X(I32_LE_S_C)                                                                                  \
    X(I32_LE_U_L)                                                                                  \
    X(I32_LE_U_C)                                                                                  \
    X(I32_GE_S_L)                                                                                  \
    X(I32_GE_S_C)                                                                                  \
    X(I32_GE_U_L)                                                                                  \
    X(I32_GE_U_C)                                                                                  \
    X(I64_ADD_L)                                                                                   \
    X(I64_ADD_C)                                                                                   \
    X(I64_SUB_L)                                                                                   \
    X(I64_SUB_C)                                                                                   \
    X(I64_MUL_L)                                                                                   \
    X(I64_MUL_C)                                                                                   \
    X(I64_AND_L)                                                                                   \
    X(I64_AND_C)                                                                                   \
    X(I64_OR_L)                                                                                    \
    X(I64_OR_C)                                                                                    \
    X(I64_XOR_L)                                                                                   \
    X(I64_XOR_C)                                                                                   \
    X(I64_SHL_L)                                                                                   \
    X(I64_SHL_C)                                                                                   \
    X(I64_SHR_U_L)                                                                                 \
    X(I64_SHR_U_C)                                                                                 \
    X(F64_ADD_L)                                                                                   \
    X(F64_ADD_C)                                                                                   \
    X(F64_SUB_L)                                                                                   \
    X(F64_SUB_C)                                                                                   \
    X(F64_MUL_L)                                                                                   \
    X(F64_MUL_C)

enum {
#define CX_WASM_ENUM_(n) OP_##n,
    CX_WASM_OPS(CX_WASM_ENUM_)
#undef CX_WASM_ENUM_
        OP_COUNT_
};

/* Superinstructions: a binary operation whose right operand is a local
 * (_L, immediate = local index) or a constant (_C, immediate = value), fused
 * at compile time from "local.get/const; op". 32-bit, 64-bit and f64 sets. */
#define CX_WASM_FUSE32(X)                                                                          \
    X(I32_ADD, a + b)                                                                              \
    X(I32_SUB, a - b)                                                                              \
    X(I32_MUL, a *b)                                                                               \
    X(I32_AND, a &b)                                                                               \
    X(I32_OR, a | b)                                                                               \
    X(I32_XOR, a ^ b)                                                                              \
    X(I32_SHL, a << (b & 31))                                                                      \
    X(I32_SHR_S, S32(a) >> (b & 31))                                                               \
    X(I32_SHR_U, a >> (b & 31))                                                                    \
    X(I32_EQ, a == b)                                                                              \
    X(I32_NE, a != b)                                                                              \
    X(I32_LT_S, S32(a) < S32(b))                                                                   \
    X(I32_LT_U, a < b)                                                                             \
    X(I32_GT_S, S32(a) > S32(b))                                                                   \
    X(I32_GT_U, a > b)                                                                             \
    X(I32_LE_S, S32(a) <= S32(b))                                                                  \
    X(I32_LE_U, a <= b)                                                                            \
    X(I32_GE_S, S32(a) >= S32(b))                                                                  \
    X(I32_GE_U, a >= b)

#define CX_WASM_FUSE64(X)                                                                          \
    X(I64_ADD, a + b)                                                                              \
    X(I64_SUB, a - b)                                                                              \
    X(I64_MUL, a *b)                                                                               \
    X(I64_AND, a &b)                                                                               \
    X(I64_OR, a | b)                                                                               \
    X(I64_XOR, a ^ b)                                                                              \
    X(I64_SHL, a << (b & 63))                                                                      \
    X(I64_SHR_U, a >> (b & 63))                                                                    \
    X(F64_ADD, BF64(F64(a) + F64(b)))                                                              \
    X(F64_SUB, BF64(F64(a) - F64(b)))                                                              \
    X(F64_MUL, BF64(F64(a) * F64(b)))
