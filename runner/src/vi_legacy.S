/*
 * vmx-instruction records outside IA-32e mode (protected, virtual-8086 and real-address mode) in VMX root operation
 * or outside VMX operation (vi_legacy.h; runner/README.md "vmx-instruction", "Legacy modes in root and outside VMX
 * operation").
 *
 * int vi_legacy_exec(struct vi_lctx *c), called in 64-bit mode at CPL 0 outside VMX operation (the caller has left
 * the runner's own VMX operation with VMXOFF) with GDTR = vi_gdt. It
 *  1. leaves IA-32e mode the way SDM Vol. 3A 10.8.5.4 "Switching Out of IA-32e Mode Operation" gives it: a far return
 *     to a 32-bit (compatibility-mode) code segment, CR0.PG = 0 (IA32_EFER.LMA becomes 0), EFER = the vector's
 *     (LME = 0), the vector's CR4, CR3 = the PAE page-directory-pointer table (identity map of 0-4 GiB), the vector's
 *     CR0 (PG = 1 turns on PAE paging; PG = 0 stays unpaged);
 *  2. loads TR with the vector task's 32-bit TSS (vl_tss) and the 32-bit IDT (task gates 0-31);
 *  3. root: VMXON [c->vmxon_ptr], then VMPTRLD [c->vmcs_ptr] when the vector has a current VMCS (and VMLAUNCH of it
 *     for launch state "launched"), then the post-VMXON memory words (c->fix_*; the vector's values of words the
 *     VMXON needed otherwise), as the 64-bit path does;
 *  4. IRETs into the generated code at c->eip in code segment c->cs with EFLAGS c->eflags (and, at CPL > 0 or to
 *     virtual-8086 mode, the stack c->iret_ss:c->iret_esp); the code loads the vector's data segments, SS:ESP and GPRs
 *     itself, runs the instruction and ends with UD2. Real mode: a far return to the 16-bit code segment instead;
 *  5. any exception switches to a handler task (vl_task_common): the UD2's #UD is completion (GPRs and EFLAGS from
 *     vl_tss into c->gpr_out/eflags_out), any other exception of the instruction is the outcome
 *     (c->exc_vector/exc_error), an exception elsewhere is status 5 (a runner bug, reported as an error);
 *  6. if still in VMX operation: VMPTRST (c->cur_after), VMREAD of the VM-instruction error (c->insn_error), VMCLEAR
 *     of the current VMCS (its data reaches memory, SDM Vol. 3C 25.11.1, so that the caller can read it in 64-bit
 *     mode), VMXOFF;
 *  7. enters IA-32e mode again (SDM Vol. 3A 10.8.5: CR0.PG = 0, the runner's CR4, CR3 = its PML4, EFER.LME, CR0.PG
 *     = 1, far jump to the 64-bit code segment) and returns c->status. The caller restores GDTR, IDTR, TR and the
 *     segments.
 * c->status: 0 the UD2 was reached (completion), 2 an exception of the instruction, 3 VMXON or 4 VMPTRLD of the
 * setup failed, 5 an exception elsewhere (a runner bug), 6 real mode came back through its IVT (vi_legacy.h reads
 * what the handler saved), 7 a VM exit after the vector's VMLAUNCH/VMRESUME, 8 the setup VMLAUNCH failed, 9 the
 * setup guest's VM exit was not its VMCALL.
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
#define VL_LAUNCH_DONE 196

#define VL_FLAG_ROOT   1           /* VMXON of the vector's region (VMX root operation) */
#define VL_FLAG_CUR    2           /* VMPTRLD of the vector's current VMCS */
#define VL_FLAG_V86    4           /* IRET to virtual-8086 mode */
#define VL_FLAG_REAL   8           /* to real-address mode through the 16-bit code segment */
#define VL_FLAG_LAUNCH 16          /* VMLAUNCH the current VMCS once (launch state "launched") */

#define SEL_CODE64     0x08        /* vi_gdt: the host's 64-bit code segment */
#define SEL_CODE32     0x38        /* vi_gdt: VI_SEL_CODE32(0), 32-bit code, DPL 0 */
#define SEL_DATA0      0x30        /* vi_gdt: VI_SEL_DATA(0), flat data, DPL 0 */
#define SEL_CODE16     0x1a0       /* vi_gdt[52] (vi_legacy.h VL_GDT_CODE16): 16-bit code, base 0, limit FFFFH */

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
    jz      vl_fixups
    vmptrld VL_VMCS_PTR(%ebx)
    jbe     vl_setup_vmptrld_failed
    /* Launch state "launched": VMLAUNCH of the VMCS prepared in 64-bit mode (a protected-mode guest that executes
     * VMCALL at once, a 32-bit host state whose RIP is vl_launch_exit, SDM Vol. 3C 27.2.3, 28.5). HOST_RSP = ESP. */
    testl   $VL_FLAG_LAUNCH, VL_FLAGS(%ebx)
    jz      vl_fixups
    movl    $0x6c14, %eax
    vmwrite %esp, %eax
    vmlaunch
    movl    $8, VL_STATUS(%ebx)         /* VMfail: the VM-instruction error is read on the way out */
    jmp     vl_leave_vmx
vl_fixups:  /* The vector's words that VMXON/VMPTRLD needed otherwise (the regions' first words). */
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
3:  /* 4. Into the generated code: IRET (SDM Vol. 2A IRET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL" at CPL > 0,
     * "RETURN-TO-VIRTUAL-8086-MODE" with EFLAGS.VM = 1: then GS, FS, DS, ES, SS, ESP come from the frame too). Real
     * mode: the generated 16-bit code clears CR0.PE itself (SDM Vol. 3A 10.9.2). */
    movl    VL_FLAGS(%ebx), %eax
    testl   $VL_FLAG_REAL, %eax
    jnz     vl_to_real
    testl   $VL_FLAG_V86, %eax
    jz      11f
    pushl   $0                          /* GS, FS, DS, ES: selector 0, base 0 in virtual-8086 mode */
    pushl   $0
    pushl   $0
    pushl   $0
    jmp     12f
11: testl   $3, VL_CS(%ebx)
    jz      5f
12: pushl   VL_IRET_SS(%ebx)
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

/* Real mode (SDM Vol. 3A 10.9.2 "Switching Back to Real-Address Mode" step 3): to the 16-bit code segment (base 0,
 * limit FFFFH) at the generated code c->eip; that code loads 64-KiB data segments, the real-mode IVT, clears CR0.PE,
 * jumps far to real-mode CS:IP and runs the instruction. Its IVT handlers come back to vl_real_back in protected mode. */
vl_to_real:
    pushl   $SEL_CODE16
    pushl   VL_EIP(%ebx)
    lret

    .globl vl_real_back
vl_real_back:
    movw    $SEL_DATA0, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    movw    %ax, %fs
    movw    %ax, %gs
    movl    $vl_stack_top, %esp
    movl    vl_ctx, %ebx
    movl    $6, VL_STATUS(%ebx)
    jmp     vl_back

/* The host RIP of the VMCS the runner launches (launch state "launched"): after the trivial guest's VMCALL exit the
 * record goes on with the fixups; a second VM exit comes from a VM entry by the vector's own VMLAUNCH/VMRESUME
 * (status 7). The VM exit loaded CS 0x38, SS/DS/ES/FS/GS 0x30, ESP, TR = vl_tss, GDTR, IDTR, CR0, CR3, CR4. */
    .globl vl_launch_exit
vl_launch_exit:
    movl    vl_ctx, %ebx
    cmpl    $0, VL_LAUNCH_DONE(%ebx)
    jne     vl_reentered
    movl    $1, VL_LAUNCH_DONE(%ebx)
    movl    $0x4402, %eax               /* exit reason */
    vmread  %eax, %ecx
    movl    %ecx, VL_EXC_VECTOR(%ebx)
    cmpl    $18, %ecx                   /* VMCALL */
    je      vl_fixups
    movl    $9, VL_STATUS(%ebx)
    jmp     vl_leave_vmx
vl_reentered:
    movl    $0x4402, %eax
    vmread  %eax, %ecx
    movl    %ecx, VL_EXC_VECTOR(%ebx)
    movl    $7, VL_STATUS(%ebx)
    jmp     vl_back

vl_setup_vmxon_failed:
    movl    $3, VL_STATUS(%ebx)
    jmp     vl_leave_vmx
vl_setup_vmptrld_failed:
    movl    $4, VL_STATUS(%ebx)
    jmp     vl_leave_vmx

/* 5. Exceptions: every IDT entry is a task gate (SDM Vol. 3A 7.14.2, 9.3), vector v to the handler task whose TSS is
 * vl_htss[v] (vi_legacy.h). The task switch saves the interrupted state (EIP, EFLAGS, the GPRs with ESP, the segment
 * selectors) in the current TSS, vl_tss, and pushes nothing on the vector's stack, so the vector's SS and ESP (any
 * base, limit or value) never take an exception frame; an error code goes to the handler task's stack. */
.macro TSTUB vec, has_err
vl_task\vec:
    .if \has_err == 0
    pushl   $0
    .endif
    pushl   $\vec
    jmp     vl_task_common
.endm
    TSTUB 0,0
    TSTUB 1,0
    TSTUB 2,0
    TSTUB 3,0
    TSTUB 4,0
    TSTUB 5,0
    TSTUB 6,0
    TSTUB 7,0
    TSTUB 8,1
    TSTUB 9,0
    TSTUB 10,1
    TSTUB 11,1
    TSTUB 12,1
    TSTUB 13,1
    TSTUB 14,1
    TSTUB 15,0
    TSTUB 16,0
    TSTUB 17,1
    TSTUB 18,0
    TSTUB 19,0
    TSTUB 20,0
    TSTUB 21,1
    TSTUB 22,0
    TSTUB 23,0
    TSTUB 24,0
    TSTUB 25,0
    TSTUB 26,0
    TSTUB 27,0
    TSTUB 28,0
    TSTUB 29,1
    TSTUB 30,1
    TSTUB 31,0

/* The handler task: flat ring-0 segments and vl_stack from its TSS; [ESP] = vector, [ESP + 4] = error code (0 if
 * none). The interrupted state is in vl_tss: EIP at 32, EFLAGS 36, EAX ECX EDX EBX ESP EBP ESI EDI at 40-71, CS 76. */
vl_task_common:
    movl    vl_ctx, %ebx
    movl    0(%esp), %eax
    movl    %eax, VL_EXC_VECTOR(%ebx)
    movl    4(%esp), %eax
    movl    %eax, VL_EXC_ERROR(%ebx)
    movl    vl_tss+32, %eax
    movl    %eax, VL_EXC_EIP(%ebx)
    /* The generated code runs in its own code segment c->cs (vi_legacy.h); only the instruction (or the UD2) may
     * fault: an exception elsewhere is a runner bug. */
    movl    vl_tss+76, %eax
    cmpw    VL_CS(%ebx), %ax
    jne     vl_unexpected
    movl    vl_tss+32, %eax
    cmpl    VL_CODE_LO(%ebx), %eax
    jb      vl_unexpected
    cmpl    VL_CODE_HI(%ebx), %eax
    jae     vl_unexpected
    cmpl    $6, 0(%esp)
    jne     vl_fault
    cmpl    VL_TRAP_EIP(%ebx), %eax
    jne     vl_fault
    /* Completion: EFLAGS and the GPRs at the UD2. */
    movl    vl_tss+36, %eax
    movl    %eax, VL_EFLAGS_OUT(%ebx)
    xorl    %ecx, %ecx
6:  movl    vl_tss+40(,%ecx,4), %eax
    movl    %eax, VL_GPR_OUT(%ebx,%ecx,4)
    incl    %ecx
    cmpl    $8, %ecx
    jb      6b
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
    movl    $vl_stack_top, %esp
    /* The task switch set EFLAGS.NT (SDM Vol. 3A 9.4): IRET in IA-32e mode with NT = 1 is #GP, so clear it. */
    pushfl
    andl    $~0x4000, (%esp)
    popfl

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
    .globl vi_ltask_table
vi_ltask_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long vl_task\n
    .endr

    .data
    .p2align 3
    .globl vi_lidt_desc
vl_saved_rsp: .quad 0
vl_ctx:       .long 0
vi_lidt_desc: .word 0
              .long 0

    .bss
    .p2align 4
    .globl vl_stack_top
vl_stack:
    .skip 8192
vl_stack_top:
    .section .note.GNU-stack,"",@progbits
