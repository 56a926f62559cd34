/*
 * int vi_exec(struct vi_ctx *c) (vmx_instruction.h): runs the generated code at c->code in the code segment c->cs
 * with stack segment c->ss (an IRETQ, so that the code runs at any CPL and in 64-bit or compatibility mode) and the
 * 16 GPRs c->gpr[0..15] (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15), RFLAGS c->rflags_in. The code ends with
 * UD2; vi_guard_exception sends that #UD to vi_done (GPRs and RFLAGS at the UD2 in c->gpr_out/rflags_out) and any
 * other exception of the code to vi_fault. Returns 0 when the code completed, 1 after a VM exit (HOST_RIP = vi_exit,
 * written when c->set_host is non-zero), 2 after an exception. RSP is restored from vi_saved_rsp in every case.
 */
    .text
    .globl vi_exec, vi_done, vi_fault, vi_saved_rsp
vi_exec:
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, vi_saved_rsp(%rip)
    cmpq    $0, 152(%rdi)
    je      1f
    movq    $0x6c14, %rax               /* HOST_RSP */
    vmwrite %rsp, %rax
    movq    $0x6c16, %rax               /* HOST_RIP */
    leaq    vi_exit(%rip), %rdx
    vmwrite %rdx, %rax
1:  pushq   168(%rdi)                   /* SS */
    pushq   32(%rdi)                    /* RSP */
    pushq   128(%rdi)                   /* RFLAGS */
    pushq   160(%rdi)                   /* CS */
    pushq   144(%rdi)                   /* RIP */
    movq    0(%rdi), %rax
    movq    8(%rdi), %rcx
    movq    16(%rdi), %rdx
    movq    24(%rdi), %rbx
    movq    40(%rdi), %rbp
    movq    48(%rdi), %rsi
    movq    64(%rdi), %r8
    movq    72(%rdi), %r9
    movq    80(%rdi), %r10
    movq    88(%rdi), %r11
    movq    96(%rdi), %r12
    movq    104(%rdi), %r13
    movq    112(%rdi), %r14
    movq    120(%rdi), %r15
    movq    56(%rdi), %rdi
    iretq
vi_done:
    movq    vi_saved_rsp(%rip), %rsp
    xorl    %eax, %eax
    jmp     vi_restore
vi_exit:
    movq    vi_saved_rsp(%rip), %rsp
    movl    $1, %eax
    jmp     vi_restore
vi_fault:
    movq    vi_saved_rsp(%rip), %rsp
    movl    $2, %eax
vi_restore:
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    ret

    .data
    .p2align 3
vi_saved_rsp: .quad 0
    .section .note.GNU-stack,"",@progbits
