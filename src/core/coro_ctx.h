/* Machine contexts: the one thing coroutines need from the CPU.
 *
 * Two back-ends with the same three operations:
 *   make(ctx, stack_lo, size, fn, arg)  prepare ctx to call fn(arg) on the
 *                                        stack [stack_lo, stack_lo + size);
 *                                        fn must never return
 *   switch(from, to)                     save the running context in from,
 *                                        continue the one saved in to
 * - cx_actx_*: hand-written assembly (coro_switch.S) for x86-64 and aarch64.
 *   A context is just a stack pointer; the callee-saved registers and the
 *   floating-point control state (x86-64: MXCSR and the x87 control word;
 *   aarch64: FPCR) sit on the stack it points to, so a coroutine that
 *   changes the rounding mode changes it for itself only.
 *   The compiler saves everything else around the call, as for any call.
 * - cx_uctx_*: POSIX ucontext, slower (swapcontext makes a sigprocmask
 *   system call) but portable.
 * cx_ctx_* names the one in use: the assembly one where it exists, unless
 * CX_CORO_UCONTEXT is defined when coro.c is compiled. Both are compiled
 * where possible, so the tests can exercise both.
 */
#ifndef CX_CORE_CORO_CTX_H
#define CX_CORE_CORO_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#if defined(__x86_64__) || defined(__aarch64__)
#define CX_CTX_HAVE_ASM 1
#else
#define CX_CTX_HAVE_ASM 0
#endif

#if !CX_CTX_HAVE_ASM && !defined(CX_CORO_UCONTEXT)
#define CX_CORO_UCONTEXT 1
#endif

typedef void (*cx_ctx_fn)(void *arg);

/* ---- assembly ---------------------------------------------------------------- */
#if CX_CTX_HAVE_ASM
typedef struct cx_actx {
    void *sp;
} cx_actx;

/* In coro_switch.S. */
void cx__ctx_switch(void **save_sp, void *to_sp);
void cx__ctx_start(void);

static inline void cx_actx_make(cx_actx *c, void *lo, size_t size, cx_ctx_fn fn, void *arg) {
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* Popped by cx__ctx_switch: csr word, r15, r14, r13, r12 (fn), rbx (arg),
     * rbp, return address. The start stub then sees a 16-byte aligned rsp,
     * as a call instruction needs. */
    uintptr_t *sp = (uintptr_t *)(top - 16 - 8 * 8);
    sp[0] = (uintptr_t)0x037F << 32 | 0x1F80; /* x87 control word : MXCSR, their defaults */
    sp[1] = sp[2] = sp[3] = 0;
    sp[4] = (uintptr_t)fn;
    sp[5] = (uintptr_t)arg;
    sp[6] = 0; /* rbp: ends frame-pointer walks */
    sp[7] = (uintptr_t)cx__ctx_start;
    sp[8] = 0;
#else
    /* x19 (fn), x20 (arg), x21..x28, x29 (fp), x30 (lr), d8..d15, FPCR
     * (0: round to nearest, no traps, the ABI's initial state), padding. */
    uintptr_t *sp = (uintptr_t *)(top - 176);
    for (int i = 0; i < 22; i++) sp[i] = 0;
    sp[0] = (uintptr_t)fn;
    sp[1] = (uintptr_t)arg;
    sp[11] = (uintptr_t)cx__ctx_start;
#endif
    c->sp = sp;
}

static inline void cx_actx_switch(cx_actx *from, cx_actx *to) {
    cx__ctx_switch(&from->sp, to->sp);
}
#endif

/* ---- ucontext ---------------------------------------------------------------- */
typedef struct cx_uctx {
    ucontext_t uc;
} cx_uctx;

/* makecontext passes int arguments only: each pointer goes in two halves. */
static void cx_uctx_trampoline(unsigned fh, unsigned fl, unsigned ah, unsigned al) {
    cx_ctx_fn fn = (cx_ctx_fn)(((uintptr_t)fh << 16 << 16) | fl);
    void *arg = (void *)(((uintptr_t)ah << 16 << 16) | al);
    fn(arg);
}

static inline int cx_uctx_make(cx_uctx *c, void *lo, size_t size, cx_ctx_fn fn, void *arg) {
    if (getcontext(&c->uc) < 0) return -1;
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    uintptr_t f = (uintptr_t)fn, a = (uintptr_t)arg;
    makecontext(&c->uc, (void (*)(void))cx_uctx_trampoline, 4, (unsigned)(f >> 16 >> 16),
                (unsigned)f, (unsigned)(a >> 16 >> 16), (unsigned)a);
    return 0;
}

static inline void cx_uctx_switch(cx_uctx *from, cx_uctx *to) {
    swapcontext(&from->uc, &to->uc);
}

/* ---- the one in use -------------------------------------------------------------- */
#ifdef CX_CORO_UCONTEXT
typedef cx_uctx cx_ctx;
#define cx_ctx_make(c, lo, size, fn, arg) cx_uctx_make(c, lo, size, fn, arg)
#define cx_ctx_switch(from, to)           cx_uctx_switch(from, to)
#define CX_CTX_NAME                       "ucontext"
#else
typedef cx_actx cx_ctx;
#define cx_ctx_make(c, lo, size, fn, arg) (cx_actx_make(c, lo, size, fn, arg), 0)
#define cx_ctx_switch(from, to)           cx_actx_switch(from, to)
#if defined(__x86_64__)
#define CX_CTX_NAME "x86-64 assembly"
#else
#define CX_CTX_NAME "aarch64 assembly"
#endif
#endif

#endif
