/* Context switch for coroutines (see coro_ctx.h for the frame layout).
 *
 *   void cx__ctx_switch(void **save_sp, void *to_sp);
 *
 * Pushes the callee-saved registers on the current stack, stores the stack
 * pointer in *save_sp, loads to_sp and pops the same set from there. Only
 * callee-saved state needs keeping: to its caller this is an ordinary call.
 *
 *   cx__ctx_start
 *
 * Where a fresh context "returns" to the first time: calls fn(arg), both
 * left in callee-saved registers by cx_actx_make(). fn never returns.
 */

#if defined(__x86_64__)

    .text
    .globl  cx__ctx_switch
    .hidden cx__ctx_switch
    .type   cx__ctx_switch, @function
    .p2align 4
cx__ctx_switch:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   cx__ctx_switch, .-cx__ctx_switch

    .globl  cx__ctx_start
    .hidden cx__ctx_start
    .type   cx__ctx_start, @function
    .p2align 4
cx__ctx_start:
    .cfi_startproc
    .cfi_undefined rip
    movq    %rbx, %rdi
    callq   *%r12
    ud2
    .cfi_endproc
    .size   cx__ctx_start, .-cx__ctx_start

#elif defined(__aarch64__)

    .text
    .globl  cx__ctx_switch
    .hidden cx__ctx_switch
    .type   cx__ctx_switch, %function
    .p2align 4
cx__ctx_switch:
    .cfi_startproc
    sub     sp, sp, #176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldr     x9, [sp, #160]
    msr     fpcr, x9
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #176
    ret
    .cfi_endproc
    .size   cx__ctx_switch, .-cx__ctx_switch

    .globl  cx__ctx_start
    .hidden cx__ctx_start
    .type   cx__ctx_start, %function
    .p2align 4
cx__ctx_start:
    .cfi_startproc
    .cfi_undefined x30
    mov     x0, x20
    blr     x19
    brk     #0
    .cfi_endproc
    .size   cx__ctx_start, .-cx__ctx_start

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#endif
