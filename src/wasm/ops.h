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
    X(BR_IF_L)                                                                                     \
    X(BR_UNLESS_L)                                                                                 \
    X(BR_LOOP)                                                                                     \
    X(RETURN1)                                                                                     \
    X(BR_IF_LOOP)                                                                                  \
    X(BR_UNLESS_LOOP)                                                                              \
    X(BR_IF_L_LOOP)                                                                                \
    X(BR_TABLE)                                                                                    \
    X(RETURN)                                                                                      \
    X(CALL)                                                                                        \
    X(CALL_LOCAL)                                                                                  \
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
    X(SIMD)                                                                                        \
    X(SELECT_V128)                                                                                 \
    X(GLOBAL_GET_V128)                                                                             \
    X(GLOBAL_SET_V128)                                                                             \
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
    X(I32_LOAD_L)                                                                                  \
    X(I64_LOAD_L)                                                                                  \
    X(F32_LOAD_L)                                                                                  \
    X(F64_LOAD_L)                                                                                  \
    X(I32_LOAD8_S_L)                                                                               \
    X(I32_LOAD8_U_L)                                                                               \
    X(I32_LOAD16_S_L)                                                                              \
    X(I32_LOAD16_U_L)                                                                              \
    X(I64_LOAD8_S_L)                                                                               \
    X(I64_LOAD8_U_L)                                                                               \
    X(I64_LOAD16_S_L)                                                                              \
    X(I64_LOAD16_U_L)                                                                              \
    X(I64_LOAD32_S_L)                                                                              \
    X(I64_LOAD32_U_L)                                                                              \
    X(LOCAL_COPY)                                                                                  \
    X(LOCAL_COPY2)                                                                                 \
    X(LOCAL_SET_C)

/* Superinstructions (peephole fusion in compile.c; no label may lie inside a
 * fused sequence). A fusable binary operation `op` has nine more forms; the
 * letters name where its operands come from and where its result goes:
 *   op_L   "local.get b; op"            stack a, local b   -> stack
 *   op_C   "i32.const c; op"            stack a, const c   -> stack
 *   op_LL  "local.get a; local.get b; op"                  -> stack
 *   op_LC  "local.get a; const c; op"                      -> stack
 *   op_T   "op; local.set d"            stack a, stack b   -> local d
 *   op_LT, op_CT, op_LLT, op_LCT        the forms above, then "local.set d"
 * Immediates follow in that order (a, b/c, d). The i32 comparisons also
 * fuse with a following br_if (BR_op, BR_op_L, _C, _LL, _LC: the operands,
 * then the branch target), which then consumes no condition slot. */
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
    X(I32_ROTL, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))                                   \
    X(I32_ROTR, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))                                   \
    CX_WASM_CMP32(X)

#define CX_WASM_CMP32(X)                                                                           \
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
    X(I64_SHR_S, S64(a) >> (b & 63))                                                               \
    X(I64_SHR_U, a >> (b & 63))                                                                    \
    X(I64_ROTL, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))                                   \
    X(I64_EQ, (uint32_t)(a == b))                                                                  \
    X(I64_NE, (uint32_t)(a != b))                                                                  \
    X(I64_LT_S, (uint32_t)(S64(a) < S64(b)))                                                       \
    X(I64_LT_U, (uint32_t)(a < b))                                                                 \
    X(F64_ADD, BF64(F64(a) + F64(b)))                                                              \
    X(F64_SUB, BF64(F64(a) - F64(b)))                                                              \
    X(F64_MUL, BF64(F64(a) * F64(b)))                                                              \
    X(F64_DIV, BF64(F64(a) / F64(b)))                                                              \
    X(F64_LT, (uint32_t)(F64(a) < F64(b)))                                                         \
    X(F64_GT, (uint32_t)(F64(a) > F64(b)))

/* Loads and stores with their C type and conversion to a slot, in opcode
 * order. Fused forms: load_T "load; local.set d" (stack address -> local),
 * load_LT "local.get a; load; local.set d", store_L "local.get v; store"
 * (stack address, value from local v), store_LL "local.get a; local.get v;
 * store". Immediates: a, offset, d / v, offset / a, v, offset. Address
 * fusion: load_AC "i32.const c; i32.add; load" (stack + c), load_ALC
 * "local.get a; i32.const c; i32.add; load" (immediates a, c, offset),
 * load_SAC "i32.const s; i32.shl; i32.const c; i32.add; load" (an indexed
 * array element: immediates s, c, offset), load_ALL "local.get a; local.get
 * b; i32.add; load" (immediates a, b, offset); the
 * address is the 32-bit wrapped sum, then the offset is added in 64 bits. */
#define CX_WASM_LOADS(X)                                                                           \
    X(I32_LOAD, uint32_t, v)                                                                       \
    X(I64_LOAD, uint64_t, v)                                                                       \
    X(F32_LOAD, uint32_t, v)                                                                       \
    X(F64_LOAD, uint64_t, v)                                                                       \
    X(I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)                                                   \
    X(I32_LOAD8_U, uint8_t, v)                                                                     \
    X(I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)                                                 \
    X(I32_LOAD16_U, uint16_t, v)                                                                   \
    X(I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)                                                   \
    X(I64_LOAD8_U, uint8_t, v)                                                                     \
    X(I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)                                                 \
    X(I64_LOAD16_U, uint16_t, v)                                                                   \
    X(I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)                                                 \
    X(I64_LOAD32_U, uint32_t, v)
#define CX_WASM_STORES(X)                                                                          \
    X(I32_STORE, uint32_t)                                                                         \
    X(I64_STORE, uint64_t)                                                                         \
    X(F32_STORE, uint32_t)                                                                         \
    X(F64_STORE, uint64_t)                                                                         \
    X(I32_STORE8, uint8_t)                                                                         \
    X(I32_STORE16, uint16_t)                                                                       \
    X(I64_STORE8, uint8_t)                                                                         \
    X(I64_STORE16, uint16_t)                                                                       \
    X(I64_STORE32, uint32_t)

/* Two-operation superinstructions chosen from the benchmark kernels' hottest
 * pairs: an inner fusable operation n1 whose result is the right operand of
 * an outer one n2 (the expressions repeat those of the lists above, with a
 * and b renamed per step). Forms, by what precedes n2 on the stack:
 *   n1__n2     "n1; n2"               stack x, y, z -> x n2 (y n1 z)
 *   n1__n2_LC  "n1_LC a c; n2"        stack x -> x n2 (local a n1 c)
 *   n1__n2_LL  "n1_LL a b; n2"        stack x -> x n2 (local a n1 local b)
 *   n1__n2_LT  "n1_L b; n2_T d"       stack x, y -> local d = x n2 (y n1 local b)
 * Immediates in that order (a, c / a, b / b, d). */
#define CX_WASM_COMBOS(X)                                                                          \
    X(I32_ROTL, I32_XOR, uint32_t, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)), a ^ b)         \
    X(I32_SHR_U, I32_XOR, uint32_t, a >> (b & 31), a ^ b)                                          \
    X(I32_AND, I32_XOR, uint32_t, a &b, a ^ b)                                                     \
    X(I32_AND, I32_ADD, uint32_t, a &b, a + b)                                                     \
    X(I32_XOR, I32_ADD, uint32_t, a ^ b, a + b)                                                    \
    X(I32_XOR, I32_AND, uint32_t, a ^ b, a & b)                                                    \
    X(I32_ADD, I32_ADD, uint32_t, a + b, a + b)                                                    \
    X(F64_ADD, F64_ADD, uint64_t, BF64(F64(a) + F64(b)), BF64(F64(a) + F64(b)))

/* A load whose value is the right operand of a following binary operation
 * (stack x -> x op load): ld__op_L "local.get a; load; op" (immediates a,
 * offset), _ALL and _ALC as for the loads (a, b or c, offset). */
#define CX_WASM_LOADOPS(X)                                                                         \
    X(F64_LOAD, uint64_t, F64_MUL, BF64(F64(a) * F64(b)))                                          \
    X(F64_LOAD, uint64_t, F64_ADD, BF64(F64(a) + F64(b)))                                          \
    X(I32_LOAD, uint32_t, I32_MUL, a *b)                                                           \
    X(I32_LOAD, uint32_t, I32_ADD, a + b)

/* SIMD operations the interpreter runs inline, without the executor call of
 * OP_SIMD (see simd.h): memory access, lane access, splats, bitwise logic and
 * the plain lane arithmetic, which is what vectorised loops are made of.
 * X(name, sub-opcode); their cells are those of OP_SIMD. */
#define CX_WASM_SIMD_INLINE(X)                                                                     \
    X(V128_LOAD, 0x00)                                                                             \
    X(V128_STORE, 0x0b)                                                                            \
    X(I8X16_SHUFFLE, 0x0d)                                                                         \
    X(I8X16_SPLAT, 0x0f)                                                                           \
    X(I16X8_SPLAT, 0x10)                                                                           \
    X(I32X4_SPLAT, 0x11)                                                                           \
    X(I64X2_SPLAT, 0x12)                                                                           \
    X(F32X4_SPLAT, 0x13)                                                                           \
    X(F64X2_SPLAT, 0x14)                                                                           \
    X(I8X16_EXTRACT_LANE_S, 0x15)                                                                  \
    X(I8X16_EXTRACT_LANE_U, 0x16)                                                                  \
    X(I8X16_REPLACE_LANE, 0x17)                                                                    \
    X(I16X8_EXTRACT_LANE_S, 0x18)                                                                  \
    X(I16X8_EXTRACT_LANE_U, 0x19)                                                                  \
    X(I16X8_REPLACE_LANE, 0x1a)                                                                    \
    X(I32X4_EXTRACT_LANE, 0x1b)                                                                    \
    X(I32X4_REPLACE_LANE, 0x1c)                                                                    \
    X(I64X2_EXTRACT_LANE, 0x1d)                                                                    \
    X(I64X2_REPLACE_LANE, 0x1e)                                                                    \
    X(F32X4_EXTRACT_LANE, 0x1f)                                                                    \
    X(F32X4_REPLACE_LANE, 0x20)                                                                    \
    X(F64X2_EXTRACT_LANE, 0x21)                                                                    \
    X(F64X2_REPLACE_LANE, 0x22)                                                                    \
    X(V128_NOT, 0x4d)                                                                              \
    X(V128_AND, 0x4e)                                                                              \
    X(V128_ANDNOT, 0x4f)                                                                           \
    X(V128_OR, 0x50)                                                                               \
    X(V128_XOR, 0x51)                                                                              \
    X(V128_LOAD8_LANE, 0x54)                                                                       \
    X(V128_LOAD16_LANE, 0x55)                                                                      \
    X(V128_LOAD32_LANE, 0x56)                                                                      \
    X(V128_LOAD64_LANE, 0x57)                                                                      \
    X(V128_STORE8_LANE, 0x58)                                                                      \
    X(V128_STORE16_LANE, 0x59)                                                                     \
    X(V128_STORE32_LANE, 0x5a)                                                                     \
    X(V128_STORE64_LANE, 0x5b)                                                                     \
    X(I8X16_ADD, 0x6e)                                                                             \
    X(I8X16_SUB, 0x71)                                                                             \
    X(I16X8_ADD, 0x8e)                                                                             \
    X(I16X8_SUB, 0x91)                                                                             \
    X(I16X8_MUL, 0x95)                                                                             \
    X(I32X4_ADD, 0xae)                                                                             \
    X(I32X4_SUB, 0xb1)                                                                             \
    X(I32X4_MUL, 0xb5)                                                                             \
    X(I64X2_ADD, 0xce)                                                                             \
    X(I64X2_SUB, 0xd1)                                                                             \
    X(I64X2_MUL, 0xd5)                                                                             \
    X(F32X4_ADD, 0xe4)                                                                             \
    X(F32X4_SUB, 0xe5)                                                                             \
    X(F32X4_MUL, 0xe6)                                                                             \
    X(F32X4_DIV, 0xe7)                                                                             \
    X(F64X2_ADD, 0xf0)                                                                             \
    X(F64X2_SUB, 0xf1)                                                                             \
    X(F64X2_MUL, 0xf2)                                                                             \
    X(F64X2_DIV, 0xf3)

/* "i32.add_LCT a c d" (a loop counter step) followed by an i32 compare and
 * branch of form _LL or _LC: BRA_op_LL / BRA_op_LC for forward branches,
 * BRAL_ for loop back edges (immediates a, c, d, then the compare's). */
enum { FORM_L, FORM_C, FORM_LL, FORM_LC, FORM_T, FORM_LT, FORM_CT, FORM_LLT, FORM_LCT, NFORMS };
enum { BFORM_S, BFORM_L, BFORM_C, BFORM_LL, BFORM_LC, NBFORMS };

enum {
#define CX_WASM_ENUM_(n) OP_##n,
#define CX_WASM_FENUM_(n, e)                                                                       \
    OP_##n##_L, OP_##n##_C, OP_##n##_LL, OP_##n##_LC, OP_##n##_T, OP_##n##_LT, OP_##n##_CT,        \
        OP_##n##_LLT, OP_##n##_LCT,
#define CX_WASM_BENUM_(n, e)                                                                       \
    OP_BR_##n, OP_BR_##n##_L, OP_BR_##n##_C, OP_BR_##n##_LL, OP_BR_##n##_LC,
#define CX_WASM_BLENUM_(n, e)                                                                      \
    OP_BRL_##n, OP_BRL_##n##_L, OP_BRL_##n##_C, OP_BRL_##n##_LL, OP_BRL_##n##_LC,
#define CX_WASM_LTENUM_(n, T, c)   OP_##n##_T,
#define CX_WASM_LLTENUM_(n, T, c)  OP_##n##_LT,
#define CX_WASM_LACENUM_(n, T, c)  OP_##n##_AC,
#define CX_WASM_LALCENUM_(n, T, c) OP_##n##_ALC,
#define CX_WASM_LSACENUM_(n, T, c) OP_##n##_SAC,
#define CX_WASM_LALLENUM_(n, T, c) OP_##n##_ALL,
#define CX_WASM_SLENUM_(n, T)      OP_##n##_L,
#define CX_WASM_SLLENUM_(n, T)     OP_##n##_LL,
#define CX_WASM_CENUM_(n1, n2, T, e1, e2)                                                          \
    OP_##n1##__##n2, OP_##n1##__##n2##_LC, OP_##n1##__##n2##_LL, OP_##n1##__##n2##_LT,
#define CX_WASM_LOENUM_(ln, T, n, e) OP_##ln##__##n##_L, OP_##ln##__##n##_ALL, OP_##ln##__##n##_ALC,
#define CX_WASM_BAENUM_(n, e)        OP_BRA_##n##_LL, OP_BRA_##n##_LC, OP_BRAL_##n##_LL, OP_BRAL_##n##_LC,
#define CX_WASM_SIENUM_(n, sub)      OP_##n,
    CX_WASM_OPS(CX_WASM_ENUM_) CX_WASM_FUSE32(CX_WASM_FENUM_) CX_WASM_FUSE64(CX_WASM_FENUM_)
        CX_WASM_CMP32(CX_WASM_BENUM_) CX_WASM_CMP32(CX_WASM_BLENUM_) CX_WASM_LOADS(CX_WASM_LTENUM_)
            CX_WASM_LOADS(CX_WASM_LLTENUM_) CX_WASM_LOADS(CX_WASM_LACENUM_)
                CX_WASM_LOADS(CX_WASM_LALCENUM_) CX_WASM_LOADS(CX_WASM_LSACENUM_)
                    CX_WASM_LOADS(CX_WASM_LALLENUM_) CX_WASM_STORES(CX_WASM_SLENUM_)
                        CX_WASM_STORES(CX_WASM_SLLENUM_) CX_WASM_COMBOS(CX_WASM_CENUM_)
                            CX_WASM_LOADOPS(CX_WASM_LOENUM_) CX_WASM_CMP32(CX_WASM_BAENUM_)
                                CX_WASM_SIMD_INLINE(CX_WASM_SIENUM_)
#undef CX_WASM_BAENUM_
#undef CX_WASM_SIENUM_
#undef CX_WASM_CENUM_
#undef CX_WASM_LOENUM_
#undef CX_WASM_BLENUM_
#undef CX_WASM_LTENUM_
#undef CX_WASM_LLTENUM_
#undef CX_WASM_LACENUM_
#undef CX_WASM_LALCENUM_
#undef CX_WASM_LSACENUM_
#undef CX_WASM_LALLENUM_
#undef CX_WASM_SLENUM_
#undef CX_WASM_SLLENUM_
#undef CX_WASM_ENUM_
#undef CX_WASM_FENUM_
#undef CX_WASM_BENUM_
                                    OP_COUNT_
};
