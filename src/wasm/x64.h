/* An x86-64 instruction encoder for the JIT: just the instructions the
 * baseline compiler emits, each a short function that appends its bytes to a
 * growable buffer. Operands are register numbers (0 rax .. 15 r15, or xmm0 ..
 * xmm15 for the SSE forms) and memory operands `[base + index*scale + disp]`.
 *
 * The buffer never fails in the middle of an instruction: on allocation
 * failure it sets `oom` and keeps accepting (and dropping) bytes, so the
 * compiler checks once at the end of a function instead of after each
 * instruction. */
#ifndef CX_WASM_X64_H
#define CX_WASM_X64_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
/* condition codes (the low nibble of jcc / setcc / cmovcc) */
enum {
    CC_O,
    CC_NO,
    CC_B,
    CC_AE,
    CC_E,
    CC_NE,
    CC_BE,
    CC_A,
    CC_S,
    CC_NS,
    CC_P,
    CC_NP,
    CC_L,
    CC_GE,
    CC_LE,
    CC_G
};
/* the /digit of the 0x81 / 0x83 group and the r/m,reg opcodes of the same ALU operation */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
/* the /digit of the shift group */
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

typedef struct xbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} xbuf;

/* A memory operand; index -1 for none. */
typedef struct xmem {
    int base, index, scale;
    int32_t disp;
} xmem;

static inline xmem X_M(int base, int32_t disp) {
    return (xmem){base, -1, 1, disp};
}
static inline xmem X_MX(int base, int index, int scale, int32_t disp) {
    return (xmem){base, index, scale, disp};
}

static inline void x_byte(xbuf *b, uint8_t v) {
    if (b->len == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        uint8_t *np = b->oom ? NULL : realloc(b->p, nc);
        if (!np) {
            b->oom = true;
            b->len = 0; /* keep accepting; the result is discarded */
            return;
        }
        b->p = np, b->cap = nc;
    }
    b->p[b->len++] = v;
}
static inline void x_u32(xbuf *b, uint32_t v) {
    for (int i = 0; i < 4; i++) x_byte(b, (uint8_t)(v >> (8 * i)));
}
static inline void x_u64(xbuf *b, uint64_t v) {
    for (int i = 0; i < 8; i++) x_byte(b, (uint8_t)(v >> (8 * i)));
}
static inline bool x_fits8(int64_t v) {
    return v >= -128 && v <= 127;
}
static inline bool x_fits32(int64_t v) {
    return v >= INT32_MIN && v <= INT32_MAX;
}
/* Patch a rel32 at `at` (the 4 bytes before the next instruction) to `to`. */
static inline void x_patch32(xbuf *b, size_t at, size_t to) {
    if (b->oom) return;
    uint32_t rel = (uint32_t)((int64_t)to - (int64_t)(at + 4));
    memcpy(b->p + at, &rel, 4);
}

/* [legacy prefix] [REX] opcode... then ModRM for a register or memory operand.
 * `byte_reg`: an 8-bit register operand, which needs a REX prefix to mean
 * sil/dil/spl/bpl instead of dh/bh/ch/ah. */
static void x_ins(xbuf *b, uint8_t pfx, bool w, const char *op, int oplen, int reg, const xmem *m,
                  int rm, bool byte_reg) {
    if (pfx) x_byte(b, pfx);
    int bx = m ? m->base : rm;
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
                            ((m && m->index >= 0 && (m->index & 8)) ? 2 : 0) | ((bx & 8) ? 1 : 0));
    if (rex != 0x40 || (byte_reg && ((reg & 7) >= 4 || (!m && (rm & 7) >= 4)))) x_byte(b, rex);
    for (int i = 0; i < oplen; i++) x_byte(b, (uint8_t)op[i]);
    if (!m) {
        x_byte(b, (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7)));
        return;
    }
    bool sib = m->index >= 0 || (m->base & 7) == RSP;
    int mod = (m->disp == 0 && (m->base & 7) != RBP) ? 0 : x_fits8(m->disp) ? 1 : 2;
    x_byte(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : (m->base & 7))));
    if (sib) {
        int ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
        int idx = m->index >= 0 ? (m->index & 7) : 4;
        x_byte(b, (uint8_t)((ss << 6) | (idx << 3) | (m->base & 7)));
    }
    if (mod == 1) x_byte(b, (uint8_t)(int8_t)m->disp);
    if (mod == 2) x_u32(b, (uint32_t)m->disp);
}

/* ---- moves ---- */
static inline void x_mov_rr(xbuf *b, bool w, int dst, int src) {
    x_ins(b, 0, w, "\x89", 1, src, NULL, dst, false);
}
static inline void x_load(xbuf *b, bool w, int dst, xmem m) {
    x_ins(b, 0, w, "\x8B", 1, dst, &m, 0, false);
}
static inline void x_store(xbuf *b, bool w, xmem m, int src) {
    x_ins(b, 0, w, "\x89", 1, src, &m, 0, false);
}
static inline void x_store8(xbuf *b, xmem m, int src) {
    x_ins(b, 0, false, "\x88", 1, src, &m, 0, true);
}
static inline void x_store16(xbuf *b, xmem m, int src) {
    x_ins(b, 0x66, false, "\x89", 1, src, &m, 0, false);
}
/* zero- or sign-extending loads: op 0F B6 (u8), 0F B7 (u16), 0F BE (s8), 0F BF (s16) */
static inline void x_loadx(xbuf *b, bool w, const char *op2, int dst, xmem m) {
    x_ins(b, 0, w, op2, 2, dst, &m, 0, false);
}
static inline void x_movsxd_load(xbuf *b, int dst, xmem m) {
    x_ins(b, 0, true, "\x63", 1, dst, &m, 0, false);
}
static inline void x_movsx_rr(xbuf *b, bool w, const char *op2, int dst, int src) {
    x_ins(b, 0, w, op2, 2, dst, NULL, src, true);
}
static inline void x_movsxd_rr(xbuf *b, int dst, int src) {
    x_ins(b, 0, true, "\x63", 1, dst, NULL, src, false);
}
static inline void x_mov_ri(xbuf *b, int dst, uint64_t v) {
    if (v <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
        if (dst & 8) x_byte(b, 0x41);
        x_byte(b, (uint8_t)(0xB8 + (dst & 7)));
        x_u32(b, (uint32_t)v);
    } else if (x_fits32((int64_t)v)) {
        x_ins(b, 0, true, "\xC7", 1, 0, NULL, dst, false);
        x_u32(b, (uint32_t)v);
    } else {
        x_byte(b, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
        x_byte(b, (uint8_t)(0xB8 + (dst & 7)));
        x_u64(b, v);
    }
}
static inline void x_store_imm32(xbuf *b, bool w, xmem m, int32_t v) {
    x_ins(b, 0, w, "\xC7", 1, 0, &m, 0, false);
    x_u32(b, (uint32_t)v);
}
static inline void x_lea(xbuf *b, bool w, int dst, xmem m) {
    x_ins(b, 0, w, "\x8D", 1, dst, &m, 0, false);
}

/* ---- integer ALU ---- */
static inline void x_alu_rr(xbuf *b, int op, bool w, int dst, int src) {
    char c = (char)(op * 8 + 1); /* add 01, or 09, and 21, sub 29, xor 31, cmp 39 */
    x_ins(b, 0, w, &c, 1, src, NULL, dst, false);
}
static inline void x_alu_rm(xbuf *b, int op, bool w, int dst, xmem m) {
    char c = (char)(op * 8 + 3);
    x_ins(b, 0, w, &c, 1, dst, &m, 0, false);
}
static inline void x_alu_ri(xbuf *b, int op, bool w, int dst, int32_t v) {
    if (x_fits8(v)) {
        x_ins(b, 0, w, "\x83", 1, op, NULL, dst, false);
        x_byte(b, (uint8_t)(int8_t)v);
    } else {
        x_ins(b, 0, w, "\x81", 1, op, NULL, dst, false);
        x_u32(b, (uint32_t)v);
    }
}
static inline void x_alu_mi(xbuf *b, int op, bool w, xmem m, int32_t v) {
    if (x_fits8(v)) {
        x_ins(b, 0, w, "\x83", 1, op, &m, 0, false);
        x_byte(b, (uint8_t)(int8_t)v);
    } else {
        x_ins(b, 0, w, "\x81", 1, op, &m, 0, false);
        x_u32(b, (uint32_t)v);
    }
}
static inline void x_test_rr(xbuf *b, bool w, int a, int c) {
    x_ins(b, 0, w, "\x85", 1, c, NULL, a, false);
}
static inline void x_imul_rr(xbuf *b, bool w, int dst, int src) {
    x_ins(b, 0, w, "\x0F\xAF", 2, dst, NULL, src, false);
}
static inline void x_imul_rm(xbuf *b, bool w, int dst, xmem m) {
    x_ins(b, 0, w, "\x0F\xAF", 2, dst, &m, 0, false);
}
static inline void x_imul_rri(xbuf *b, bool w, int dst, int src, int32_t v) {
    x_ins(b, 0, w, "\x69", 1, dst, NULL, src, false);
    x_u32(b, (uint32_t)v);
}
/* F7 group: 2 not, 3 neg, 6 div, 7 idiv */
static inline void x_f7(xbuf *b, int digit, bool w, int r) {
    x_ins(b, 0, w, "\xF7", 1, digit, NULL, r, false);
}
static inline void x_cdq(xbuf *b, bool w) { /* sign-extend rax into rdx */
    if (w) x_byte(b, 0x48);
    x_byte(b, 0x99);
}
static inline void x_shift_cl(xbuf *b, int digit, bool w, int r) {
    x_ins(b, 0, w, "\xD3", 1, digit, NULL, r, false);
}
static inline void x_shift_i(xbuf *b, int digit, bool w, int r, uint8_t n) {
    x_ins(b, 0, w, "\xC1", 1, digit, NULL, r, false);
    x_byte(b, n);
}
/* bsr 0F BD, bsf 0F BC, popcnt F3 0F B8 */
static inline void x_bitscan(xbuf *b, uint8_t pfx, const char *op2, bool w, int dst, int src) {
    x_ins(b, pfx, w, op2, 2, dst, NULL, src, false);
}
static inline void x_setcc(xbuf *b, int cc, int r) {
    char op[2] = {0x0F, (char)(0x90 + cc)};
    x_ins(b, 0, false, op, 2, 0, NULL, r, true);
}
static inline void x_movzx8_rr(xbuf *b, int dst, int src) {
    x_ins(b, 0, false, "\x0F\xB6", 2, dst, NULL, src, true);
}
static inline void x_cmov(xbuf *b, int cc, bool w, int dst, int src) {
    char op[2] = {0x0F, (char)(0x40 + cc)};
    x_ins(b, 0, w, op, 2, dst, NULL, src, false);
}

/* ---- control ---- */
/* jcc / jmp / call with a rel32 to be patched: returns the rel32's offset */
static inline size_t x_jcc(xbuf *b, int cc) {
    x_byte(b, 0x0F);
    x_byte(b, (uint8_t)(0x80 + cc));
    x_u32(b, 0);
    return b->len - 4;
}
static inline size_t x_jmp(xbuf *b) {
    x_byte(b, 0xE9);
    x_u32(b, 0);
    return b->len - 4;
}
static inline size_t x_call(xbuf *b) {
    x_byte(b, 0xE8);
    x_u32(b, 0);
    return b->len - 4;
}
static inline void x_call_r(xbuf *b, int r) {
    x_ins(b, 0, false, "\xFF", 1, 2, NULL, r, false);
}
static inline void x_jmp_r(xbuf *b, int r) {
    x_ins(b, 0, false, "\xFF", 1, 4, NULL, r, false);
}
static inline void x_jmp_m(xbuf *b, xmem m) {
    x_ins(b, 0, false, "\xFF", 1, 4, &m, 0, false);
}
static inline void x_ret(xbuf *b) {
    x_byte(b, 0xC3);
}
static inline void x_push(xbuf *b, int r) {
    if (r & 8) x_byte(b, 0x41);
    x_byte(b, (uint8_t)(0x50 + (r & 7)));
}
static inline void x_pop(xbuf *b, int r) {
    if (r & 8) x_byte(b, 0x41);
    x_byte(b, (uint8_t)(0x58 + (r & 7)));
}
/* lea r, [rip + rel32]: returns the rel32's offset */
static inline size_t x_lea_rip(xbuf *b, int r) {
    x_byte(b, (uint8_t)(0x48 | ((r & 8) ? 4 : 0)));
    x_byte(b, 0x8D);
    x_byte(b, (uint8_t)(0x05 | ((r & 7) << 3)));
    x_u32(b, 0);
    return b->len - 4;
}
static inline void x_rep_stosq(xbuf *b) {
    x_byte(b, 0xF3);
    x_byte(b, 0x48);
    x_byte(b, 0xAB);
}

/* ---- SSE (scalar; `dbl` picks the sd form over ss) ---- */
static inline void x_sse_rm(xbuf *b, bool dbl, uint8_t op, int x, xmem m) {
    char o[2] = {0x0F, (char)op};
    x_ins(b, dbl ? 0xF2 : 0xF3, false, o, 2, x, &m, 0, false);
}
static inline void x_sse_rr(xbuf *b, bool dbl, uint8_t op, int x, int y) {
    char o[2] = {0x0F, (char)op};
    x_ins(b, dbl ? 0xF2 : 0xF3, false, o, 2, x, NULL, y, false);
}
enum {
    SSE_LOAD = 0x10,
    SSE_STORE = 0x11,
    SSE_SQRT = 0x51,
    SSE_ADD = 0x58,
    SSE_MUL = 0x59,
    SSE_CVT = 0x5A,
    SSE_SUB = 0x5C,
    SSE_DIV = 0x5E
};
static inline void x_sse_store(xbuf *b, bool dbl, xmem m, int x) {
    x_sse_rm(b, dbl, SSE_STORE, x, m);
}
/* movq/movd xmm <- gpr (66 [W] 0F 6E) and gpr <- xmm (66 [W] 0F 7E) */
static inline void x_movq_xr(xbuf *b, bool w, int x, int r) {
    x_ins(b, 0x66, w, "\x0F\x6E", 2, x, NULL, r, false);
}
static inline void x_movq_rx(xbuf *b, bool w, int r, int x) {
    x_ins(b, 0x66, w, "\x0F\x7E", 2, x, NULL, r, false);
}
static inline void x_movaps(xbuf *b, int x, int y) {
    x_ins(b, 0, false, "\x0F\x28", 2, x, NULL, y, false);
}
static inline void x_ucomis(xbuf *b, bool dbl, int x, int y) {
    x_ins(b, dbl ? 0x66 : 0, false, "\x0F\x2E", 2, x, NULL, y, false);
}
/* cvtsi2sd/ss xmm, r32/r64 */
static inline void x_cvtsi2f(xbuf *b, bool dbl, bool w, int x, int r) {
    x_ins(b, dbl ? 0xF2 : 0xF3, w, "\x0F\x2A", 2, x, NULL, r, false);
}
/* roundsd/roundss xmm, xmm, imm (SSE4.1: 66 0F 3A 0B / 0A) */
static inline void x_round(xbuf *b, bool dbl, int x, int y, uint8_t mode) {
    x_ins(b, 0x66, false, dbl ? "\x0F\x3A\x0B" : "\x0F\x3A\x0A", 3, x, NULL, y, false);
    x_byte(b, mode);
}

#endif
