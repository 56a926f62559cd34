/*
 * Kernel entry (32-bit protected mode at 0x100000, from boot.S or a multiboot loader), long-mode switch, exception
 * stubs, the VM-entry trampoline and a #GP-safe RDMSR.
 */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    /* boot.S jumps to the first byte (0x100000); a multiboot loader jumps here too (the header's entry_addr). */
    jmp     start32

/* Multiboot (version 1) header: 4-byte aligned within the image's first 8 KiB (Multiboot Specification 0.6.96,
 * 3.1.1). Flag 16 ("address fields valid") makes loaders place the flat image by the fields below instead of reading
 * ELF program headers, so the same bytes serve as Bochs's optramimage and as a multiboot kernel, and an ELF64 or
 * ELF32 container works alike. bss_end_addr reaches past the batch images (batch.h: 0x140000 + 3 * 0x20000), so
 * that the loader keeps modules and its information structure out of the area the kernel copies the modules to
 * (multiboot.h), and zeroes it. */
    .p2align 2
multiboot_header:
    .long   0x1badb002                  /* magic */
    .long   0x00010003                  /* flags: 0 modules page-aligned, 1 memory information, 16 address fields */
    .long   -(0x1badb002 + 0x00010003)  /* checksum */
    .long   multiboot_header            /* header_addr */
    .long   _start                      /* load_addr */
    .long   __load_end                  /* load_end_addr: .text to .data, as in kernel.bin */
    .long   0x1a0000                    /* bss_end_addr: MB_RESERVED_END in multiboot.h */
    .long   _start                      /* entry_addr */

start32:
    cli
    /* A multiboot loader passes EAX = 0x2BADB002 and EBX = the information structure (Multiboot Specification 3.2);
     * boot.S leaves EAX = 0x100000. Saved in .data before .bss is zeroed; read by multiboot.h. */
    cmpl    $0x2badb002, %eax
    jne     1f
    movl    %eax, mb_magic
    movl    %ebx, mb_info
1:
    movl    $boot_stack_top, %esp
    /* The kernel runs in IA-32e mode: without it (CPUID.80000001H:EDX.LM[bit 29], SDM Vol. 2A CPUID) say so in one
     * line instead of faulting at the switch below. Port 0xE9 only: serial.h has not set COM1 up yet. */
    movl    $0x80000000, %eax
    cpuid
    cmpl    $0x80000001, %eax
    jb      no_long_mode
    movl    $0x80000001, %eax
    cpuid
    btl     $29, %edx
    jnc     no_long_mode
    /* Zero .bss: the flat binary does not contain it. */
    movl    $__bss_start, %edi
    movl    $__bss_end, %ecx
    subl    %edi, %ecx
    shrl    $2, %ecx
    xorl    %eax, %eax
    rep stosl

    /* Identity map 0..4 GiB with 2-MiB pages (SDM Vol. 3A 5.5 "4-Level Paging"): PML4[0] -> PDPT,
     * PDPT[0..3] -> 4 page directories. U/S is set everywhere so that a CPL-3 guest can run the same code. */
    movl    $pdpt, %eax
    orl     $0x7, %eax                  /* P | RW | US */
    movl    %eax, pml4
    xorl    %ecx, %ecx
1:  movl    %ecx, %eax
    shll    $12, %eax
    addl    $pd, %eax
    orl     $0x7, %eax
    movl    %eax, pdpt(,%ecx,8)
    incl    %ecx
    cmpl    $4, %ecx
    jb      1b
    xorl    %ecx, %ecx
2:  movl    %ecx, %eax
    shll    $21, %eax
    orl     $0x87, %eax                 /* P | RW | US | PS */
    movl    %eax, pd(,%ecx,8)
    movl    %ecx, %eax
    shrl    $11, %eax                   /* bits 63:32 of the 2-MiB frame (ecx >> 11) */
    movl    %eax, pd+4(,%ecx,8)
    incl    %ecx
    cmpl    $2048, %ecx
    jb      2b

    /* SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode": PAE, CR3, EFER.LME, then CR0.PG. */
    movl    %cr4, %eax
    orl     $0x20, %eax                 /* CR4.PAE */
    movl    %eax, %cr4
    movl    $pml4, %eax
    movl    %eax, %cr3
    movl    $0xc0000080, %ecx
    rdmsr
    orl     $0x900, %eax                /* EFER.LME | EFER.NXE */
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000021, %eax           /* PG | NE | PE */
    movl    %eax, %cr0
    lgdt    boot_gdt_desc
    ljmp    $0x08, $long_entry

    .code64
long_entry:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    xorw    %ax, %ax
    movw    %ax, %fs
    movw    %ax, %gs
    movabsq $boot_stack_top, %rsp
    call    kmain
3:  hlt
    jmp     3b

no_long_mode:
    movl    $no_long_mode_msg, %esi
2:  lodsb
    testb   %al, %al
    jz      3f
    outb    %al, $0xe9
    jmp     2b
3:  cmpl    $0x2badb002, mb_magic       /* Bochs's floppy path: end the simulation as kmain's shutdown() does */
    je      5f
    movl    $shutdown_msg, %esi
4:  lodsb
    testb   %al, %al
    jz      5f
    movw    $0x8900, %dx
    outb    %al, %dx
    jmp     4b
5:  cli
    hlt
    jmp     5b
no_long_mode_msg:
    .asciz  "{\"fatal\": \"no long mode: CPUID.80000001H:EDX.LM[bit 29] is 0, the runner needs IA-32e mode\", \"setup\": true}\n"
shutdown_msg:
    .asciz  "Shutdown"

    .p2align 3
boot_gdt:                               /* replaced by the C GDT in kmain */
    .quad   0
    .quad   0x00af9a000000ffff          /* 0x08: 64-bit code */
    .quad   0x00cf92000000ffff          /* 0x10: data */
boot_gdt_desc:
    .word   boot_gdt_desc - boot_gdt - 1
    .long   boot_gdt

/* ---------------------------------------------------------------------------------------------------------
 * Exception stubs for vectors 0-31 (SDM Vol. 3A 7.3 "Sources of Interrupts", table 7-1): each pushes a dummy
 * error code where the CPU pushes none, then the vector, then all GPRs, and calls exception_handler(frame).
 */
    .text
.macro STUB vec, has_err
isr\vec:
    .if \has_err == 0
    pushq   $0
    .endif
    pushq   $\vec
    jmp     isr_common
.endm
    STUB 0,0
    STUB 1,0
    STUB 2,0
    STUB 3,0
    STUB 4,0
    STUB 5,0
    STUB 6,0
    STUB 7,0
    STUB 8,1
    STUB 9,0
    STUB 10,1
    STUB 11,1
    STUB 12,1
    STUB 13,1
    STUB 14,1
    STUB 15,0
    STUB 16,0
    STUB 17,1
    STUB 18,0
    STUB 19,0
    STUB 20,0
    STUB 21,1
    STUB 22,0
    STUB 23,0
    STUB 24,0
    STUB 25,0
    STUB 26,0
    STUB 27,0
    STUB 28,0
    STUB 29,1
    STUB 30,1
    STUB 31,0

isr_common:
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, %rdi
    call    exception_handler           /* returns only if it fixed the frame up */
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp                   /* vector and error code */
    iretq

    .section .rodata
    .globl isr_table
isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr\n
    .endr

/* ---------------------------------------------------------------------------------------------------------
 * int safe_rdmsr(uint32_t msr, uint64_t *value): 0 and *value set, or -1 when RDMSR raised #GP.
 * exception_handler redirects a #GP at safe_rdmsr_insn to safe_rdmsr_fault.
 */
    .text
    .globl safe_rdmsr, safe_rdmsr_insn, safe_rdmsr_fault
safe_rdmsr:
    movl    %edi, %ecx
safe_rdmsr_insn:
    rdmsr
    shlq    $32, %rdx
    movl    %eax, %eax
    orq     %rdx, %rax
    movq    %rax, (%rsi)
    xorl    %eax, %eax
    ret
safe_rdmsr_fault:
    movl    $-1, %eax
    ret

/* ---------------------------------------------------------------------------------------------------------
 * int vmx_launch(struct guest_gprs *g): VMLAUNCH the current VMCS with RAX/RCX/RDX from g (offsets 0/8/16).
 * Returns 0 after a VM exit (host RIP = vmx_exit, host RSP = the stack pointer at VMLAUNCH), 1 for VMfailInvalid,
 * 2 for VMfailValid (SDM Vol. 3C 31.2 "Conventions": CF / ZF). The host state area restores only RSP and RIP,
 * so callee-saved registers are saved on the stack first (SDM Vol. 3C 28.5 "Loading Host State").
 */
    .globl vmx_launch
vmx_launch:
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    pushq   %rdi
    movq    $0x6c14, %rbx               /* HOST_RSP */
    vmwrite %rsp, %rbx
    jbe     launch_fail
    movq    $0x6c16, %rbx               /* HOST_RIP */
    leaq    vmx_exit(%rip), %rax
    vmwrite %rax, %rbx
    jbe     launch_fail
    movq    0(%rdi), %rax
    movq    8(%rdi), %rcx
    movq    16(%rdi), %rdx
    vmlaunch
launch_fail:
    movl    $1, %eax
    jc      1f
    movl    $2, %eax
1:  popq    %rdi
    jmp     restore
vmx_exit:
    popq    %rdi
    movq    %rax, 0(%rdi)               /* guest RAX/RCX/RDX after the exit, for diagnostics */
    movq    %rcx, 8(%rdi)
    movq    %rdx, 16(%rdi)
    xorl    %eax, %eax
restore:
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    ret

/* Guest code (SDM Vol. 3C 26.1.2/26.1.3): the MSR instruction, then VMCALL, which always exits. */
    .globl guest_rdmsr, guest_wrmsr
    .p2align 4
guest_rdmsr:
    rdmsr
    vmcall
1:  jmp 1b
    .p2align 4
guest_wrmsr:
    wrmsr
    vmcall
2:  jmp 2b
/* Test-only fault injection (BATCH_FAULT_GUEST_HANG): a guest that never exits on its own; the VMX-preemption
 * timer (the watchdog) or the host's boot timeout ends it. */
    .globl guest_hang
    .p2align 4
guest_hang:
    jmp guest_hang

/* ept-walk guests (ept_walk.h): RCX = the linear address under test. A one-byte load or store, then VMCALL; or a
 * jump to it (the target frame holds HLT). One byte never crosses a page. */
    .globl ew_guest_read, ew_guest_read_done, ew_guest_write, ew_guest_write_done, ew_guest_fetch
    .p2align 4
ew_guest_read:
    movb    (%rcx), %al
    vmcall
ew_guest_read_done:
3:  jmp 3b
    .p2align 4
ew_guest_write:
    movb    %dl, (%rcx)
    vmcall
ew_guest_write_done:
4:  jmp 4b
    .p2align 4
ew_guest_fetch:
    jmp     *%rcx
/* RSP = RCX, the IRET frame (RIP = ew_guest_iret_ret, CS, RFLAGS, RSP, SS) that the kernel wrote there; the guest
 * starts with blocking by NMI, so this IRET unblocks NMIs (SDM Vol. 3C 28.2.3). */
    .globl ew_guest_iret, ew_guest_iret_ret, ew_guest_iret_done
    .p2align 4
ew_guest_iret:
    movq    %rcx, %rsp
    iretq
ew_guest_iret_ret:
    vmcall
ew_guest_iret_done:
5:  jmp 5b
/* 32-bit PAE guest (ept_walk.h, PDPTE loads): EAX = the new CR3; MOV to CR3 loads the four PDPTEs it names
 * (SDM Vol. 3A 5.4.1), then VMCALL. */
    .globl ew_guest_pdpte, ew_guest_pdpte_done
    .p2align 4
    .code32
ew_guest_pdpte:
    movl    %eax, %cr3
    vmcall
ew_guest_pdpte_done:
6:  jmp 6b
    .code64

    .data
    .p2align 3
    .globl mb_magic, mb_info
mb_magic:     .long 0                   /* 0x2BADB002 when a multiboot loader started the kernel */
mb_info:      .long 0                   /* physical address of its multiboot information structure */

    .bss
    .p2align 12
    .globl pml4, pdpt, pd
pml4:   .skip 4096
pdpt:   .skip 4096
pd:     .skip 4096 * 4
    .p2align 4
boot_stack:
    .skip 65536
    .globl boot_stack_top
boot_stack_top:
    .section .note.GNU-stack,"",@progbits
