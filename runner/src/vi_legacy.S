/*
 * vmx-instruction records in legacy protected mode (IA-32e mode off) in VMX root operation or outside VMX operation
 * (vi_legacy.h; runner/README.md "vmx-instruction", "Legacy modes outside non-root operation").
 *
 * int vi_legacy_exec(struct vi_lctx *c), called in 64-bit mode at CPL 0 outside VMX operation (the caller has left
 * the runner's own VMX operation with VMXOFF) with GDTR = vi_gdt. It
 *  1. leaves IA-32e mode the way SDM Vol. 3A 10.8.5.4 "Switching Out of IA-32e Mode Operation" gives it: a far return
 *     to a 32-bit (compatibility-mode) code segment, CR0.PG = 0 (IA32_EFER.LMA becomes 0), EFER = the vector's
 *     (LME = 0), the vector's CR4, CR3 = the PAE page-directory-pointer table (identity map of 0-4 GiB), the vector's
 *     CR0 (PG = 1 turns on PAE paging; PG = 0 stays unpaged);
 *  2. loads the 32-bit TSS (SS0:ESP0 for exceptions at CPL > 0) and the 32-bit IDT (vi_lidt: gates 0-31);
 *  3. root: VMXON [c->vmxon_ptr], then VMPTRLD [c->vmcs_ptr] when the vector has a current VMCS, then the post-VMXON
 *     memory words (c->fix_*; the vector's values of words the VMXON needed otherwise), as the 64-bit path does;
 *  4. IRETs into the generated code at c->eip in code segment c->cs with EFLAGS c->eflags (and, at CPL > 0, the
 *     stack c->iret_ss:c->iret_esp); the code loads the vector's data segments, SS:ESP and GPRs itself, runs the
 *     instruction and ends with UD2;
 *  5. any exception comes to vi_lisr_common through the 32-bit IDT: the UD2's #UD is completion (GPRs and EFLAGS
 *     in c->gpr_out/eflags_out), any other exception of the generated code is the outcome (c->exc_vector/exc_error),
 *     an exception elsewhere is status 5 (a runner bug, reported as an error);
 *  6. if still in VMX operation: VMPTRST (c->cur_after), VMREAD of the VM-instruction error (c->insn_error), VMCLEAR
 *     of the current VMCS (its data reaches memory, SDM Vol. 3C 25.11.1, so that the caller can read it in 64-bit
 *     mode), VMXOFF;
 *  7. enters IA-32e mode again (SDM Vol. 3A 10.8.5: CR0.PG = 0, the runner's CR4, CR3 = its PML4, EFER.LME, CR0.PG
 *     = 1, far jump to the 64-bit code segment) and returns c->status. The caller restores GDTR, IDTR, TR and the
 *     segments.
 * Everything this file touches lies below 4 GiB (the kernel at 1 MiB), so 32-bit code reaches it.
 */
#define VL_CR0         0
#define VL_CR4         4
#define VL_EFER        8
#define VL_CR3         12
#define VL_FLAGS       16
#define VL_EFLAGS      20
#define VL_EIP         24
#define VL_CS          28
#define VL_TRAP_EIP    32
#define VL_CODE_LO     36
#define VL_CODE_HI     40
#define VL_IRET_ESP    44
#define VL_VMXON_PTR   48
#define VL_VMCS_PTR    56
#define VL_FIX_ADDR0   64
#define VL_FIX_ADDR1   72
#define VL_FIX_VAL0    80
#define VL_FIX_VAL1    88
#define VL_VMX_CHANGE  96
#define VL_STATUS      100
#define VL_EXC_VECTOR  104
#define VL_EXC_ERROR   108
#define VL_EFLAGS_OUT  112
#define VL_GPR_OUT     116
#define VL_IN_VMX      148
#define VL_INSN_ERROR  152
#define VL_IRET_SS     156
#define VL_CUR_AFTER   160
#define VL_HOST_CR0    168
#define VL_HOST_CR4    172
#define VL_HOST_CR3    176
#define VL_HOST_EFER   180
#define VL_HOST_EFER_HI 184
#define VL_EXC_EIP     188
#define VL_TSS_SEL     192

#define VL_FLAG_ROOT   1           /* VMXON of the vector's region (VMX root operation) */
#define VL_FLAG_CUR    2           /* VMPTRLD of the vector's current VMCS */

#define SEL_CODE64     0x08        /* vi_gdt: the host's 64-bit code segment */
#define SEL_CODE32     0x38        /* vi_gdt: VI_SEL_CODE32(0), 32-bit code, DPL 0 */
#define SEL_DATA0      0x30        /* vi_gdt: VI_SEL_DATA(0), flat data, DPL 0 */

    .text
    .code64
    .globl vi_legacy_exec
vi_legacy_exec:
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, vl_saved_rsp(%rip)
    movl    %edi, vl_ctx(%rip)
    /* To compatibility mode: a far return to the 32-bit code segment (SDM Vol. 3A 10.8.5.4 step 1). */
    pushq   $SEL_CODE32
    leaq    vl_compat(%rip), %rax
    pushq   %rax
    lretq

    .code32
vl_compat:
    movw    $SEL_DATA0, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    movw    %ax, %fs
    movw    %ax, %gs
    movl    $vl_stack_top, %esp
    movl    vl_ctx, %ebx
    /* 10.8.5.4 step 2: CR0.PG = 0 deactivates IA-32e mode (LMA = 0); the code runs identity-mapped. */
    movl    %cr0, %eax
    andl    $0x7fffffff, %eax
    movl    %eax, %cr0
    /* Step 4: EFER.LME = 0 (the vector's EFER: SCE/NXE at most, vi_legacy.h checks it). */
    movl    $0xc0000080, %ecx
    movl    VL_EFER(%ebx), %eax
    xorl    %edx, %edx
    wrmsr
    /* Step 3 and the vector's paging: CR4 (PAE) and CR3 before CR0.PG (SDM Vol. 3A 10.9.1 / 5.1.2). */
    movl    VL_CR4(%ebx), %eax
    movl    %eax, %cr4
    movl    VL_CR3(%ebx), %eax
    movl    %eax, %cr3
    movl    VL_CR0(%ebx), %eax
    movl    %eax, %cr0
    jmp     1f                          /* MOV CR0 serializes; the jump only keeps the listing obvious */
1:  lidt    vi_lidt_desc
    movw    VL_TSS_SEL(%ebx), %ax
    ltr     %ax
    movl    $0, VL_IN_VMX(%ebx)
    /* 3. The vector's VMX operation (SDM Vol. 3C 31.3 VMXON, VMPTRLD; CF = VMfailInvalid, ZF = VMfailValid). */
    testl   $VL_FLAG_ROOT, VL_FLAGS(%ebx)
    jz      3f
    vmxon   VL_VMXON_PTR(%ebx)
    jbe     vl_setup_vmxon_failed
    movl    $1, VL_IN_VMX(%ebx)
    testl   $VL_FLAG_CUR, VL_FLAGS(%ebx)
    jz      2f
    vmptrld VL_VMCS_PTR(%ebx)
    jbe     vl_setup_vmptrld_failed
2:  /* The vector's words that VMXON/VMPTRLD needed otherwise (the regions' first words). */
    movl    VL_FIX_ADDR0(%ebx), %edi
    testl   %edi, %edi
    jz      4f
    movl    VL_FIX_VAL0(%ebx), %eax
    movl    %eax, (%edi)
    movl    VL_FIX_VAL0+4(%ebx), %eax
    movl    %eax, 4(%edi)
4:  movl    VL_FIX_ADDR1(%ebx), %edi
    testl   %edi, %edi
    jz      3f
    movl    VL_FIX_VAL1(%ebx), %eax
    movl    %eax, (%edi)
    movl    VL_FIX_VAL1+4(%ebx), %eax
    movl    %eax, 4(%edi)
3:  /* 4. Into the generated code: IRET (SDM Vol. 2A IRET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL" at CPL > 0). */
    movl    %esp, vl_esp0
    movl    VL_CS(%ebx), %eax
    testl   $3, %eax
    jz      5f
    pushl   VL_IRET_SS(%ebx)
    pushl   VL_IRET_ESP(%ebx)
5:  pushl   VL_EFLAGS(%ebx)
    pushl   VL_CS(%ebx)
    pushl   VL_EIP(%ebx)
    xorl    %eax, %eax
    xorl    %ebx, %ebx
    xorl    %ecx, %ecx
    xorl    %edx, %edx
    xorl    %esi, %esi
    xorl    %edi, %edi
    xorl    %ebp, %ebp
    iretl

vl_setup_vmxon_failed:
    movl    $3, VL_STATUS(%ebx)
    jmp     vl_leave_vmx
vl_setup_vmptrld_failed:
    movl    $4, VL_STATUS(%ebx)
    jmp     vl_leave_vmx

/* 5. Exceptions (32-bit interrupt gates to SEL_CODE32, SDM Vol. 3A 7.12.1): the stubs push a dummy error code where
 * the processor pushes none and the vector. At CPL 0 the frame is on the vector's own stack (SS may have any base,
 * so it is read through SS, ESP-relative); at CPL > 0 on vl_stack (TSS SS0:ESP0). */
.macro LSTUB vec, has_err
vl_isr\vec:
    .if \has_err == 0
    pushl   $0
    .endif
    pushl   $\vec
    jmp     vl_isr_common
.endm
    LSTUB 0,0
    LSTUB 1,0
    LSTUB 2,0
    LSTUB 3,0
    LSTUB 4,0
    LSTUB 5,0
    LSTUB 6,0
    LSTUB 7,0
    LSTUB 8,1
    LSTUB 9,0
    LSTUB 10,1
    LSTUB 11,1
    LSTUB 12,1
    LSTUB 13,1
    LSTUB 14,1
    LSTUB 15,0
    LSTUB 16,0
    LSTUB 17,1
    LSTUB 18,0
    LSTUB 19,0
    LSTUB 20,0
    LSTUB 21,1
    LSTUB 22,0
    LSTUB 23,0
    LSTUB 24,0
    LSTUB 25,0
    LSTUB 26,0
    LSTUB 27,0
    LSTUB 28,0
    LSTUB 29,1
    LSTUB 30,1
    LSTUB 31,0

/* After PUSHAD: 0 EDI, 4 ESI, 8 EBP, 12 ESP (at PUSHAD), 16 EBX, 20 EDX, 24 ECX, 28 EAX, 32 vector, 36 error code,
 * 40 EIP, 44 CS, 48 EFLAGS, and from an outer level 52 ESP, 56 SS. */
vl_isr_common:
    pushal
    movw    $SEL_DATA0, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movl    vl_ctx, %ebx
    movl    40(%esp), %eax
    movl    %eax, VL_EXC_EIP(%ebx)
    movl    32(%esp), %eax
    movl    %eax, VL_EXC_VECTOR(%ebx)
    movl    36(%esp), %eax
    movl    %eax, VL_EXC_ERROR(%ebx)
    /* The generated code runs in its own code segment c->cs (vi_legacy.h), so a fault elsewhere (the runner's
     * trampoline) is told apart by CS and EIP. */
    movl    44(%esp), %eax
    cmpw    VL_CS(%ebx), %ax
    jne     vl_unexpected
    movl    40(%esp), %eax
    cmpl    VL_CODE_LO(%ebx), %eax
    jb      vl_unexpected
    cmpl    VL_CODE_HI(%ebx), %eax
    jae     vl_unexpected
    cmpl    $6, 32(%esp)
    jne     vl_fault
    cmpl    VL_TRAP_EIP(%ebx), %eax
    jne     vl_fault
    /* Completion: the GPRs and EFLAGS at the UD2. */
    movl    48(%esp), %eax
    movl    %eax, VL_EFLAGS_OUT(%ebx)
    movl    28(%esp), %eax
    movl    %eax, VL_GPR_OUT+0(%ebx)
    movl    24(%esp), %eax
    movl    %eax, VL_GPR_OUT+4(%ebx)
    movl    20(%esp), %eax
    movl    %eax, VL_GPR_OUT+8(%ebx)
    movl    16(%esp), %eax
    movl    %eax, VL_GPR_OUT+12(%ebx)
    /* ESP at the UD2: from the frame at CPL > 0, else the stack pointer before the 5 words the #UD pushed. */
    movl    12(%esp), %eax
    addl    $20, %eax
    testl   $3, 44(%esp)
    jz      6f
    movl    52(%esp), %eax
6:  movl    %eax, VL_GPR_OUT+16(%ebx)
    movl    8(%esp), %eax
    movl    %eax, VL_GPR_OUT+20(%ebx)
    movl    4(%esp), %eax
    movl    %eax, VL_GPR_OUT+24(%ebx)
    movl    0(%esp), %eax
    movl    %eax, VL_GPR_OUT+28(%ebx)
    movl    $0, VL_STATUS(%ebx)
    /* The instruction may have changed the VMX operation (VMXOFF leaves it, VMXON outside enters it) when it
     * succeeded (CF = ZF = 0, SDM Vol. 3C 31.2). */
    testl   $0x41, VL_EFLAGS_OUT(%ebx)
    jnz     vl_back
    cmpl    $1, VL_VMX_CHANGE(%ebx)
    jne     7f
    movl    $0, VL_IN_VMX(%ebx)
7:  cmpl    $2, VL_VMX_CHANGE(%ebx)
    jne     vl_back
    movl    $1, VL_IN_VMX(%ebx)
    jmp     vl_back
vl_fault:
    movl    $2, VL_STATUS(%ebx)
    jmp     vl_back
vl_unexpected:
    movl    $5, VL_STATUS(%ebx)
vl_back:
    movw    $SEL_DATA0, %ax
    movw    %ax, %ss
    movl    vl_esp0, %esp
    movw    %ax, %fs
    movw    %ax, %gs

/* 6. Leave the VMX operation the record ran in. VMREAD r/m32, r32 outside 64-bit mode reads 32 bits. */
vl_leave_vmx:
    cmpl    $0, VL_IN_VMX(%ebx)
    je      8f
    vmptrst VL_CUR_AFTER(%ebx)
    movl    $0x4400, %eax               /* VM-instruction error (SDM Vol. 3C B.3.3) */
    vmread  %eax, VL_INSN_ERROR(%ebx)
    cmpl    $-1, VL_CUR_AFTER(%ebx)
    jne     9f
    cmpl    $-1, VL_CUR_AFTER+4(%ebx)
    je      10f
9:  vmclear VL_CUR_AFTER(%ebx)
10: vmxoff
8:
/* 7. Back to IA-32e mode (SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode"). */
    movl    %cr0, %eax
    andl    $0x7fffffff, %eax
    movl    %eax, %cr0
    movl    VL_HOST_CR4(%ebx), %eax
    movl    %eax, %cr4
    movl    VL_HOST_CR3(%ebx), %eax
    movl    %eax, %cr3
    movl    $0xc0000080, %ecx
    movl    VL_HOST_EFER(%ebx), %eax
    movl    VL_HOST_EFER_HI(%ebx), %edx
    wrmsr
    movl    VL_HOST_CR0(%ebx), %eax
    movl    %eax, %cr0
    ljmp    $SEL_CODE64, $vl_long

    .code64
vl_long:
    movq    vl_saved_rsp(%rip), %rsp
    movl    vl_ctx(%rip), %ebx
    movl    VL_STATUS(%rbx), %eax
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    ret

    .section .rodata
    .globl vi_lisr_table
vi_lisr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long vl_isr\n
    .endr

    .data
    .p2align 3
    .globl vi_lidt_desc
vl_saved_rsp: .quad 0
vl_ctx:       .long 0
vl_esp0:      .long 0
vi_lidt_desc: .word 0
              .long 0

    .bss
    .p2align 4
    .globl vl_stack_top
vl_stack:
    .skip 8192
vl_stack_top:
    .section .note.GNU-stack,"",@progbits
