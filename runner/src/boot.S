/*
 * Floppy boot sector (512 bytes, loaded by the BIOS at 0x7C00 in real mode).
 * It enables A20, loads a flat GDT, switches to 32-bit protected mode (SDM Vol. 3A 10.9.1 "Switching to
 * Protected Mode") and jumps to the kernel that Bochs's optramimage1 placed at 0x100000. It reads no disk.
 */
    .code16
    .section .text
    .globl _start
_start:
    cli
    xorw    %ax, %ax
    movw    %ax, %ds
    movw    %ax, %ss
    movw    $0x7c00, %sp
    inb     $0x92, %al          /* fast A20 gate */
    orb     $2, %al
    andb    $0xfe, %al
    outb    %al, $0x92
    lgdtl   gdt_desc
    movl    %cr0, %eax
    orl     $1, %eax            /* CR0.PE */
    movl    %eax, %cr0
    ljmpl   $0x08, $pm32

    .code32
pm32:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    movw    %ax, %fs
    movw    %ax, %gs
    movl    $0x7c00, %esp
    movl    $0x100000, %eax
    jmp     *%eax

    .p2align 3
gdt:
    .quad   0
    .quad   0x00cf9a000000ffff  /* 0x08: flat 32-bit code */
    .quad   0x00cf92000000ffff  /* 0x10: flat data */
gdt_desc:
    .word   gdt_desc - gdt - 1
    .long   gdt

    .org    510
    .word   0xaa55
