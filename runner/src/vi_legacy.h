/*
 * vmx-instruction records outside IA-32e mode in VMX root operation or outside VMX operation: protected mode (CR0.PE =
 * 1, IA32_EFER.LMA = 0), virtual-8086 mode and real-address mode (runner/README.md "vmx-instruction", "Legacy modes in
 * root and outside VMX operation"). Included by vmx_instruction.h; the mode switches themselves are vi_legacy.S.
 *
 * VMX operation fixes CR0.PE and CR0.PG to 1 (IA32_VMX_CR0_FIXED0, SDM Vol. 3C 24.8), and IA-32e mode is left only
 * by clearing CR0.PG (SDM Vol. 3A 10.8.5.4), so the runner's own VMX operation ends first (VMXOFF in 64-bit mode) and
 * the vector's VMX operation is entered again in legacy mode: VMXON of the vector's VMXON region and VMPTRLD of its
 * current VMCS are executed by the 32-bit code. The VMCS content the vector needs (the revision; for VMREAD/VMWRITE
 * field_value in the accessed field; for launch state "launched" what one VMLAUNCH needs) is prepared before in 64-bit
 * mode in a VMX operation of the same VMXON region and written to memory with VMCLEAR (SDM Vol. 3C 25.11.1/25.11.3:
 * VMCLEAR makes the VMCS data in memory current, and VMPTRLD in a later VMX operation takes it up). The VMCS is then
 * "clear" when the 32-bit VMPTRLD loads it; for "launched" the 32-bit code launches it once (vl_prepare_launch).
 *
 * Segments (protected mode): the operand's segment gets the vector's base and a limit that gives the vector's answer to
 * the limit check (vi_limit_for), DPL = RPL = CPL; the other data segments are the ring's flat 4-GiB segments of
 * vi_gdt. CS is the vector code segment (flat, or the operand's base and limit when the operand is addressed through
 * CS: the generated code is then placed inside that segment). Every IDT entry is a task gate, so that an exception
 * saves the state in a TSS instead of pushing a frame on the vector's stack (SS and ESP may have any base, limit or
 * value). Real and virtual-8086 mode: 16-bit code at VIG_CODE (vl_gen_code16).
 */

struct vi_lctx;
extern int vi_legacy_exec(struct vi_lctx *c);
extern const uint32_t vi_ltask_table[32];
extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) vi_lidt_desc;
extern char vl_stack_top[], vl_real_back[], vl_launch_exit[];
extern uint64_t pd[];   /* entry.S: four page directories, 2-MiB pages identity-mapping 0-4 GiB (PAE format) */

struct vi_lctx {
    uint32_t cr0, cr4, efer, cr3;                          /* 0: the vector's CR0/CR4/EFER, the PAE PDPT */
    uint32_t flags, eflags, eip, cs;                       /* 16: VL_FLAG_*, the vector's EFLAGS, entry point */
    uint32_t trap_eip, code_lo, code_hi, iret_esp;         /* 32: UD2; the instruction's EIP range; ESP for IRET */
    uint64_t vmxon_ptr, vmcs_ptr;                          /* 48 */
    uint64_t fix_addr[2], fix_val[2];                      /* 64: words written after VMXON/VMPTRLD (addr 0: none) */
    uint32_t vmx_change, status, exc_vector, exc_error;    /* 96: in; out: status (vi_legacy.S), the exception */
    uint32_t eflags_out;                                   /* 112 */
    uint32_t gpr_out[8];                                   /* 116: EAX ECX EDX EBX ESP EBP ESI EDI at the UD2 */
    uint32_t in_vmx, insn_error, iret_ss;                  /* 148 */
    uint64_t cur_after;                                    /* 160: VMPTRST after the instruction */
    uint32_t host_cr0, host_cr4, host_cr3, host_efer, host_efer_hi, exc_eip, tss_sel;   /* 168 */
    uint32_t launch_done;                                  /* 196: the trivial guest's VM exit came */
} __attribute__((packed));
_Static_assert(offsetof(struct vi_lctx, vmx_change) == 96, "vi_lctx layout (vi_legacy.S)");
_Static_assert(offsetof(struct vi_lctx, cur_after) == 160, "vi_lctx layout (vi_legacy.S)");
_Static_assert(offsetof(struct vi_lctx, tss_sel) == 192, "vi_lctx layout (vi_legacy.S)");
_Static_assert(offsetof(struct vi_lctx, launch_done) == 196, "vi_lctx layout (vi_legacy.S)");

#define VL_FLAG_ROOT 1U
#define VL_FLAG_CUR  2U

/* vi_gdt entries beyond the 64-bit path's (vi_setup): the vector's code segment, the operand's segment, the 32-bit TSS. */
#define VL_GDT_CODE  17
#define VL_GDT_OPSEG 18
#define VL_GDT_TSS   19
#define VL_GDT_HTSS  20      /* 20-51: the handler tasks of vectors 0-31 */
#define VL_GDT_CODE16 52     /* 16-bit code and data, base 0, limit FFFFH: the way into real mode (vi_legacy.S SEL_CODE16) */
#define VL_GDT_DATA16 53
#define VL_FLAG_V86  4U
#define VL_FLAG_REAL 8U
#define VL_FLAG_LAUNCH 16U
/* Low memory of the real-mode and virtual-8086-mode code (free while a vmx-instruction record runs: vi_non_root's
 * and cr-access's pages): the code at VIG_CODE (0x8000, CS 0), the stack below 0x7000, and for real mode the IVT,
 * its handler stubs, their common part, the saved registers and the IVT's LIDT operand. */
#define VL_REAL_IVT     0x6000U
#define VL_REAL_STUBS   0x6100U
#define VL_REAL_COMMON  0x6200U
#define VL_REAL_SLOTS   0x6f00U   /* EAX..EDI (32 bytes), then vector, IP, CS, FLAGS (u16 each) */
#define VL_REAL_IVTDESC 0x6f40U
#define VL_LOW_STACK    0x7000U
#define VL_CODE_MAX  128U    /* the generated code: segment loads, GPR loads, the instruction, UD2 */

/* 32-bit TSS (SDM Vol. 3A 9.2.1, Figure 9-2). vl_tss is the vector's task: TR while the generated code runs; an
 * exception's task switch saves the interrupted state in it (vi_legacy.S reads EIP, EFLAGS, the GPRs and CS there).
 * vl_htss[v] is the handler task of vector v (the IDT's task gate v). */
struct vl_tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, gpr[8], es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(offsetof(struct vl_tss32, eip) == 32 && offsetof(struct vl_tss32, cs) == 76, "TSS layout (vi_legacy.S)");
struct vl_tss32 vl_tss __attribute__((aligned(16)));
static struct vl_tss32 vl_htss[32] __attribute__((aligned(16)));
static uint64_t vl_idt[32] __attribute__((aligned(16)));          /* 32-bit interrupt gates (SDM Vol. 3A 7.14.1) */
static uint64_t vl_pdpt[4] __attribute__((aligned(32)));          /* PAE PDPT (SDM Vol. 3A 5.4.1) */
static uint8_t vl_code[VL_CODE_MAX] __attribute__((aligned(16))); /* the generated code when CS is flat */

/* A code or data segment descriptor (SDM Vol. 3A 3.4.5): `access` is the byte P DPL S type, D/B = 1. `limit` is the
 * byte limit; with g the descriptor holds limit >> 12 (the low 12 bits are then 0xFFF). */
static uint64_t vl_desc(uint32_t base, uint32_t limit, int g, unsigned access) {
    uint32_t l = g ? limit >> 12 : limit;
    return (l & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((l >> 16) & 0xf) << 48) | (1ULL << 54) | ((uint64_t)(g ? 1 : 0) << 55) |
           ((uint64_t)(base >> 24) << 56);
}

/* An available 32-bit TSS descriptor (SDM Vol. 3A 9.2.2, type 9). */
static uint64_t vl_tss_desc(const struct vl_tss32 *t) {
    uint32_t b = (uint32_t)(uintptr_t)t, l = sizeof *t - 1;
    return (l & 0xffff) | ((uint64_t)(b & 0xffffff) << 16) | (0x89ULL << 40) | ((uint64_t)(b >> 24) << 56);
}

static void vi_legacy_setup(void) {
    /* Gate v: a task gate (type 5, DPL 0, present) to the handler task of vector v (SDM Vol. 3A 7.14.1, Figure 7-2). */
    for (int v = 0; v < 32; v++) vl_idt[v] = ((uint64_t)((VL_GDT_HTSS + v) << 3) << 16) | (0x85ULL << 40);
    /* 16-bit code (D = 0) and data (B = 0) segments with base 0 and limit FFFFH, byte granular: what real mode needs
     * in the segment registers when CR0.PE is cleared (SDM Vol. 3A 10.9.2 steps 3-4). */
    vi_gdt[VL_GDT_CODE16] = vl_desc(0, 0xffff, 0, 0x9b) & ~(1ULL << 54);
    vi_gdt[VL_GDT_DATA16] = vl_desc(0, 0xffff, 0, 0x93) & ~(1ULL << 54);
    vi_lidt_desc.limit = sizeof vl_idt - 1;
    vi_lidt_desc.base = (uint32_t)(uintptr_t)vl_idt;
    /* PDPTEs: P only (bits 2:1 and 8:5 are reserved in the PDPTE, SDM Vol. 3A 5.4.1); the four page directories of
     * entry.S map 0-4 GiB with 2-MiB pages, P RW US. */
    for (int k = 0; k < 4; k++) vl_pdpt[k] = ((uint64_t)(uintptr_t)pd + 4096ULL * k) | 1;
    memset_(&vl_tss, 0, sizeof vl_tss);
    vl_tss.iomap_base = sizeof vl_tss;
    /* The handler tasks: the runner's 32-bit ring-0 code and flat data, its stack, interrupts off (EFLAGS = 2),
     * CR3 the PAE tables (loaded by the task switch when paging is on, SDM Vol. 3A 9.3). */
    for (int v = 0; v < 32; v++) {
        struct vl_tss32 *t = &vl_htss[v];
        memset_(t, 0, sizeof *t);
        t->eip = vi_ltask_table[v];
        t->gpr[4] = (uint32_t)(uintptr_t)vl_stack_top;
        t->eflags = 2;
        t->cs = VI_SEL_CODE32(0);
        t->ss = t->ds = t->es = t->fs = t->gs = VI_SEL_DATA(0);
        t->cr3 = (uint32_t)(uintptr_t)vl_pdpt;
        t->iomap_base = sizeof *t;
    }
}

/* [a, a + n) and [b, b + m) intersect. */
static int vl_overlap(uint64_t a, uint64_t n, uint64_t b, uint64_t m) { return a < b + m && b < a + n; }

/* A range the runner uses for the record's own purposes (code, stack) must keep clear of everything the vector's
 * state occupies: the operand's words, the vector's memory words, the VMXON region and the current VMCS. */
static int vl_range_free(const struct batch_vi_record *r, uint64_t lin, uint64_t len, uint64_t a, uint64_t n) {
    if (!vi_in_ram(a, n)) return 0;
    if ((r->flags & VI_FLAG_OPERAND) && vl_overlap(a, n, lin & ~7ULL, len + 16)) return 0;
    for (uint32_t i = 0; i < r->memory_count; i++) if (vl_overlap(a, n, r->memory[i].addr, 8)) return 0;
    if (r->vmx_operation == VI_OP_ROOT) {
        if (vl_overlap(a, n, r->vmxon_pointer, 4096)) return 0;
        if (r->current_vmcs_pointer != ~0ULL && vl_overlap(a, n, r->current_vmcs_pointer, 4096)) return 0;
    }
    return 1;
}

/* The checks of CR0/CR4/EFER for this path (SDM Vol. 3A 2.5, 10.9.1; Vol. 3C 24.8): what the runner can load in
 * legacy protected mode. */
static const char *vi_legacy_root_cr_problem(const struct batch_vi_record *r) {
    if ((r->cr0 & ~VI_CR0_FREE) || (r->cr4 & ~VI_CR4_FREE))
        return "CR0/CR4 bits the runner does not load (e.g. SMEP, SMAP, CET, PKE, LA57)";
    if ((r->cr4 & ~plat_cr4_fixed1) || (r->cr0 & ~plat_cr0_fixed1)) return "CR0/CR4 bits this processor does not support";
    if (r->vmx_operation == VI_OP_ROOT &&
        ((r->cr0 & plat_cr0_fixed0) != plat_cr0_fixed0 || (r->cr4 & plat_cr4_fixed0) != plat_cr4_fixed0))
        return "CR0/CR4 violate the VMX fixed bits in VMX operation";
    if ((r->cr0 & (1ULL << 29)) && !(r->cr0 & (1ULL << 30))) return "CR0.NW without CD";
    if (r->mode == VI_MODE_REAL) {
        /* Real-address mode: CR0.PE = 0 (then PG = 0, SDM Vol. 3A 2.5), CPL 0; never in VMX operation (CR0.PE is
         * fixed to 1 there). */
        if (r->cr0 & 0x80000001ULL) return "real mode with CR0.PE or CR0.PG 1";
        if (r->cpl) return "real mode at CPL > 0";
        if (r->vmx_operation != VI_OP_OUTSIDE) return "real mode in VMX operation (CR0.PE is fixed to 1 there)";
    } else {
        if (!(r->cr0 & 1)) return "protected or virtual-8086 mode with CR0.PE 0";
        if (r->mode == VI_MODE_V86 && r->cpl != 3) return "virtual-8086 mode at CPL < 3 (it always runs at CPL 3)";
    }
    if ((r->cr0 >> 31) && !(r->cr4 & (1ULL << 5)))
        return "32-bit paging (CR0.PG 1, CR4.PAE 0): the runner builds only PAE tables for its legacy-mode code";
    if (r->efer & ~0x801ULL) return "EFER other than SCE/NXE outside IA-32e mode";
    return 0;
}

static void vl_emit32(uint8_t **p, uint32_t v) { for (int i = 0; i < 4; i++) *(*p)++ = (uint8_t)(v >> (8 * i)); }

static void vl_put16(uint8_t **p, uint16_t v) { *(*p)++ = (uint8_t)v; *(*p)++ = (uint8_t)(v >> 8); }

/* Real and virtual-8086 mode: 16-bit code at VIG_CODE with CS = 0 (IP = linear). In virtual-8086 mode the IRET of
 * vi_legacy.S loads the segments (selectors 0: base 0, limit FFFFH) and ESP; the code loads the GPRs (66 MOV r32,
 * imm32), [MOV SS], the instruction, UD2. In real mode the code starts in the 16-bit protected-mode segment and does
 * SDM Vol. 3A 10.9.2 steps 4-8: 64-KiB data segments, LIDT of the real-mode IVT, the vector's CR0 (PE = 0), a far
 * jump to 0000:next, segment registers 0, ESP, EFLAGS (PUSHFD/POPFD), the GPRs, the instruction, UD2. The IVT's
 * handlers store the GPRs and the vector, IP, CS and FLAGS of the interrupt frame at VL_REAL_SLOTS (CS-relative:
 * CS = 0), set CR0.PE and jump far to vi_legacy.S vl_real_back. Returns the code length; *insn_off and *trap_off are
 * the offsets of the instruction and the UD2. */
static uint32_t vl_gen_code16(const struct batch_vi_record *r, const struct vi_gen *g, const uint8_t *ins,
                              const uint8_t *e, uint32_t esp, uint8_t *code, uint32_t *insn_off, uint32_t *trap_off) {
    uint8_t *p = code;
    static const uint8_t sregs[5] = { 0, 3, 4, 5, 2 };   /* ES, DS, FS, GS, SS */
    if (r->mode == VI_MODE_REAL) {
        *p++ = 0xb8; vl_put16(&p, VL_GDT_DATA16 << 3);                           /* mov ax, 16-bit data */
        for (int k = 0; k < 5; k++) { *p++ = 0x8e; *p++ = (uint8_t)(0xc0 | (sregs[k] << 3)); }
        *p++ = 0x0f; *p++ = 0x01; *p++ = 0x1e; vl_put16(&p, VL_REAL_IVTDESC);    /* lidt [disp16] */
        *p++ = 0x66; *p++ = 0xb8; vl_emit32(&p, (uint32_t)r->cr0);               /* mov eax, CR0 (PE = 0) */
        *p++ = 0x0f; *p++ = 0x22; *p++ = 0xc0;                                   /* mov cr0, eax */
        uint16_t next = (uint16_t)(VIG_CODE + (uint32_t)(p - code) + 5);
        *p++ = 0xea; vl_put16(&p, next); vl_put16(&p, 0);                         /* jmp 0000:next */
        *p++ = 0x31; *p++ = 0xc0;                                                /* xor ax, ax */
        for (int k = 0; k < 5; k++) { *p++ = 0x8e; *p++ = (uint8_t)(0xc0 | (sregs[k] << 3)); }
        *p++ = 0x66; *p++ = 0xbc; vl_emit32(&p, esp);                            /* mov esp, imm32 */
        *p++ = 0x66; *p++ = 0x68; vl_emit32(&p, (uint32_t)(r->rflags | 2));      /* push dword EFLAGS */
        *p++ = 0x66; *p++ = 0x9d;                                                /* popfd */
    }
    static const uint8_t gpr_order[7] = { 1, 2, 3, 5, 6, 7, 0 };
    for (int k = 0; k < 7; k++) {
        unsigned q = gpr_order[k];
        *p++ = 0x66; *p++ = (uint8_t)(0xb8 + q); vl_emit32(&p, (uint32_t)g->gpr[q]);
    }
    if (r->flags & VI_FLAG_MOV_SS) {
        int f = -1;
        for (int q = 7; q >= 0 && f < 0; q--) if (q != 4 && !(g->set >> q & 1)) f = q;
        *p++ = (uint8_t)(0xb8 + f); vl_put16(&p, 0);                             /* mov r16, 0 (SS's selector) */
        *p++ = 0x8e; *p++ = (uint8_t)(0xd0 | f);                                 /* mov ss, r16 */
    }
    *insn_off = (uint32_t)(p - code);
    for (const uint8_t *q = ins; q < e; q++) *p++ = *q;
    *trap_off = (uint32_t)(p - code);
    *p++ = 0x0f; *p++ = 0x0b;
    if (r->mode == VI_MODE_REAL) {
        uint16_t *ivt = (uint16_t *)(uintptr_t)VL_REAL_IVT;
        for (unsigned v = 0; v < 32; v++) {
            ivt[2 * v] = (uint16_t)(VL_REAL_STUBS + 8 * v);
            ivt[2 * v + 1] = 0;
            uint8_t *s = (uint8_t *)(uintptr_t)(VL_REAL_STUBS + 8 * v);
            s[0] = 0x6a; s[1] = (uint8_t)v;                                      /* push imm8 (the vector) */
            uint16_t rel = (uint16_t)(VL_REAL_COMMON - (VL_REAL_STUBS + 8 * v + 5));
            s[2] = 0xe9; s[3] = (uint8_t)rel; s[4] = (uint8_t)(rel >> 8);        /* jmp common */
        }
        uint8_t *c = (uint8_t *)(uintptr_t)VL_REAL_COMMON;
        for (unsigned q = 0; q < 8; q++) {                                       /* mov cs:[slot], r32 */
            *c++ = 0x2e; *c++ = 0x66; *c++ = 0x89; *c++ = (uint8_t)((q << 3) | 6); vl_put16(&c, (uint16_t)(VL_REAL_SLOTS + 4 * q));
        }
        for (unsigned k = 0; k < 4; k++) {                                       /* pop ax; mov cs:[slot], ax */
            *c++ = 0x58; *c++ = 0x2e; *c++ = 0xa3; vl_put16(&c, (uint16_t)(VL_REAL_SLOTS + 32 + 2 * k));
        }
        *c++ = 0x0f; *c++ = 0x20; *c++ = 0xc0;                                   /* mov eax, cr0 */
        *c++ = 0x66; *c++ = 0x83; *c++ = 0xc8; *c++ = 0x01;                      /* or eax, 1 */
        *c++ = 0x0f; *c++ = 0x22; *c++ = 0xc0;                                   /* mov cr0, eax */
        *c++ = 0x66; *c++ = 0xea; vl_emit32(&c, (uint32_t)(uintptr_t)vl_real_back); vl_put16(&c, VI_SEL_CODE32(0));
        uint8_t *d = (uint8_t *)(uintptr_t)VL_REAL_IVTDESC;
        d[0] = 32 * 4 - 1; d[1] = 0;
        d[2] = (uint8_t)VL_REAL_IVT; d[3] = (uint8_t)(VL_REAL_IVT >> 8); d[4] = 0; d[5] = 0;
    }
    return (uint32_t)(p - code);
}

/* Launch state "launched" (SDM Vol. 3C 25.11.3): the current VMCS (current in the 64-bit preparation) gets what one
 * VMLAUNCH inside the legacy-mode VMX operation needs (vi_legacy.S): kernel.c build_vmcs's controls and guest, made a
 * protected-mode guest with PAE paging (vi_legacy_guest, VIG_PDPT) at CPL 0 with the vector's CR0/CR4/EFER that runs
 * VMCALL at VIG_ALT, and a 32-bit host state (27.2.3: "host address-space size" 0 outside IA-32e mode): the
 * vector's CR0/CR4, CR3 = the runner's PAE PDPT, CS/SS/DS/ES/FS/GS/TR of vi_legacy.S, GDTR vi_gdt, IDTR the task-gate
 * IDT, RIP vl_launch_exit (HOST_RSP is written just before VMLAUNCH). Returns 0 or the reason of an error. */
static const char *vl_prepare_launch(const struct batch_vi_record *r) {
    struct guest_gprs gg = { 0, 0, 0 };
    if (vi_build_trivial_guest(&gg)) return "building the launched VMCS failed";
    vi_build_pae();
    uint8_t *gc = (uint8_t *)VIG_ALT;           /* not VIG_CODE: the vector's 16-bit code goes there */
    gc[0] = 0x0f; gc[1] = 0x01; gc[2] = 0xc1;   /* vmcall */
    int bad = vi_legacy_guest(VI_MODE_PROTECTED, 0, r->cr0);
    bad |= vi_vmwrite(VMCS_GUEST_RIP, VIG_ALT);
    bad |= vi_vmwrite(VMCS_GUEST_CR0, r->cr0);
    bad |= vi_vmwrite(VMCS_GUEST_CR4, r->cr4);
    bad |= vi_vmwrite(VMCS_CR0_READ_SHADOW, r->cr0);
    bad |= vi_vmwrite(VMCS_CR4_READ_SHADOW, r->cr4);
    if (have_entry_load_efer) bad |= vi_vmwrite(VMCS_GUEST_IA32_EFER, r->efer);
    bad |= vi_vmwrite(VMCS_VM_EXIT_CONTROLS, adjust(cap_exit, EXIT_LOAD_EFER, NULL) & ~EXIT_HOST_ADDR_SPACE);
    if (have_exit_load_efer) bad |= vi_vmwrite(VMCS_HOST_IA32_EFER, r->efer);
    bad |= vi_vmwrite(VMCS_HOST_CR0, r->cr0);
    bad |= vi_vmwrite(VMCS_HOST_CR3, (uint64_t)(uintptr_t)vl_pdpt);
    bad |= vi_vmwrite(VMCS_HOST_CR4, r->cr4);
    bad |= vi_vmwrite(VMCS_HOST_CS_SELECTOR, VI_SEL_CODE32(0));
    bad |= vi_vmwrite(VMCS_HOST_SS_SELECTOR, VI_SEL_DATA(0));
    bad |= vi_vmwrite(VMCS_HOST_DS_SELECTOR, VI_SEL_DATA(0));
    bad |= vi_vmwrite(VMCS_HOST_ES_SELECTOR, VI_SEL_DATA(0));
    bad |= vi_vmwrite(VMCS_HOST_FS_SELECTOR, VI_SEL_DATA(0));
    bad |= vi_vmwrite(VMCS_HOST_GS_SELECTOR, VI_SEL_DATA(0));
    bad |= vi_vmwrite(VMCS_HOST_TR_SELECTOR, VL_GDT_TSS << 3);
    bad |= vi_vmwrite(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&vl_tss);
    bad |= vi_vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)vi_gdt);
    bad |= vi_vmwrite(VMCS_HOST_IDTR_BASE, (uint64_t)(uintptr_t)vl_idt);
    bad |= vi_vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vl_launch_exit);
    if (bad || vmwrite_failed) return "VMWRITE of the launched VMCS's guest or host state failed";
    return 0;
}

/* Runs one vmx-instruction record in legacy protected mode, root or outside VMX operation. `lin`, `len`: the operand's
 * linear address (segment base + offset, 32 bits) and size. */
static void vi_legacy_root(const struct batch_vi_record *r, uint64_t lin, uint64_t len) {
    const struct batch_record *rec = (const struct batch_record *)r;
    unsigned insn = r->instruction, cpl = r->cpl, op = r->vmx_operation;
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0, rw = insn == VI_VMREAD || insn == VI_VMWRITE;
    uint64_t cur = op == VI_OP_ROOT ? r->current_vmcs_pointer : ~0ULL;
    const char *why = 0;
    int launch = op == VI_OP_ROOT && cur != ~0ULL && (r->flags & VI_FLAG_LAUNCHED);
    if (launch && (!(r->cr0 >> 31) || !(r->cr4 & (1ULL << 5)))) {
        reply_unsupported(rec, "a launched current VMCS needs the runner's protected-mode guest, which uses PAE paging");
        return;
    }

    /* Real and virtual-8086 mode: every VMX instruction raises #UD there before its operand is read (SDM Vol. 3C 31.3:
     * each instruction's first test is CR0.PE = 0 or RFLAGS.VM = 1 -> #UD; VMCALL and VMFUNC outside non-root
     * operation as well), so the operand's segment takes no part: the segments are the ones these modes have
     * (selector 0: base 0, limit FFFFH), not the vector's base and limit, as for the non-root guests in these modes. */
    int code16 = r->mode != VI_MODE_PROTECTED;

    /* 1. The operand's segment: the vector's base and a limit that answers the limit check for the operand's bytes
     * as the vector's limit does (SDM Vol. 3A 5.3). */
    unsigned seg = has_op ? r->segment : 6;
    uint32_t op_base = (uint32_t)r->segment_base, op_lim = 0xffffffffU;
    int op_g = 1;
    if (has_op) {
        if (r->segment > 5) { reply_unsupported(rec, "segment number beyond GS"); return; }
        if ((r->segment_base >> 32) || (r->offset >> 32)) { reply_unsupported(rec, "segment base or offset beyond 32 bits"); return; }
        uint64_t last = r->offset + len - 1;
        op_lim = vi_limit_for(r->segment_limit, last, &op_g);
        if (!code16 && last <= r->segment_limit && !vi_in_ram(lin, len)) {
            reply_unsupported(rec, "the operand's address is outside the runner's free RAM (0x1a0000-0x80000000)");
            return;
        }
    }

    /* 2. The instruction (32-bit code: vi_encode's compatibility-mode encodings, SDM Vol. 2A 2.1/2.2). The MOV SS
     * that gives blocking by MOV SS is emitted here through a register the vector does not use. */
    struct batch_vi_record rr = *r;
    rr.flags &= ~VI_FLAG_MOV_SS;
    struct vi_gen g;
    uint8_t ins[48];
    uint8_t *e = vi_encode(&rr, ins, code16 ? VI_CODE16 : 0, &g, &why);
    if (!e) { reply_unsupported(rec, why); return; }
    if ((r->flags & VI_FLAG_MOV_SS) && (g.set & 0xef) == 0xef) { reply_unsupported(rec, "no free register for the MOV SS"); return; }

    int ss_is_op = !code16 && seg == 2, cs_is_op = !code16 && seg == 1;
    uint32_t esp, insn_off, trap_off, code_len, cs_base = 0, cs_lim = 0xffffffffU;
    uint16_t sel_code = 0;
    uint8_t code[VL_CODE_MAX];
    uint64_t code_lin = VIG_CODE;
    if (code16) {
        /* The #UD's frame of real mode is pushed at SS:SP (SS = 0); a vector's ESP (a base register) must not put it
         * on the runner's low pages. */
        esp = (g.set & (1U << 4)) ? (uint32_t)g.gpr[4] : VL_LOW_STACK;
        uint32_t sp = esp & 0xffff, lo = (sp - 16) & 0xffff;
        if (r->mode == VI_MODE_REAL && (g.set & (1U << 4)) && (sp < 16 || (lo < 0x9000 && sp > VL_REAL_IVT))) {
            reply_unsupported(rec, "ESP is a base register whose value puts the real-mode exception frame on the runner's low pages");
            return;
        }
        code_len = vl_gen_code16(r, &g, ins, e, esp, code, &insn_off, &trap_off);
    } else {
        /* 3. The generated code: data segments (MOV Sreg, SDM Vol. 2B), SS:ESP, GPRs (MOV r32, imm32), [MOV SS], the
         * instruction, UD2. Its bytes do not depend on where it is placed (no relative jumps). ESP is the vector's when it
         * is a base register, else 0 as in the 64-bit path: exceptions switch tasks and push nothing on this stack. */
        esp = (uint32_t)g.gpr[4];
        uint16_t sel_data = VI_SEL_DATA(cpl), sel_op = (uint16_t)((VL_GDT_OPSEG << 3) | cpl);
        sel_code = (uint16_t)((VL_GDT_CODE << 3) | cpl);
        uint8_t *p = code;
        static const uint8_t sreg_order[5] = { 0, 3, 4, 5, 2 };   /* ES, DS, FS, GS, SS (then ESP) */
        for (int k = 0; k < 5; k++) {
            unsigned s = sreg_order[k];
            uint16_t sel = s == seg ? sel_op : sel_data;
            *p++ = 0x66; *p++ = 0xb8; *p++ = (uint8_t)sel; *p++ = (uint8_t)(sel >> 8);   /* mov ax, sel */
            *p++ = 0x8e; *p++ = (uint8_t)(0xc0 | (s << 3));                          /* mov sreg, ax */
        }
        *p++ = 0xbc; vl_emit32(&p, esp);                                             /* mov esp, imm32 */
        static const uint8_t gpr_order[7] = { 1, 2, 3, 5, 6, 7, 0 };
        for (int k = 0; k < 7; k++) { unsigned q = gpr_order[k]; *p++ = (uint8_t)(0xb8 + q); vl_emit32(&p, (uint32_t)g.gpr[q]); }
        if (r->flags & VI_FLAG_MOV_SS) {
            int f = -1;
            for (int q = 7; q >= 0 && f < 0; q--) if (q != 4 && !(g.set >> q & 1)) f = q;
            if (f < 0) { reply_unsupported(rec, "no free register for the MOV SS"); return; }
            uint16_t ss_sel = ss_is_op ? sel_op : sel_data;
            *p++ = 0x66; *p++ = (uint8_t)(0xb8 + f); *p++ = (uint8_t)ss_sel; *p++ = (uint8_t)(ss_sel >> 8);
            *p++ = 0x8e; *p++ = (uint8_t)(0xd0 | f);                                 /* mov ss, r16 */
        }
        insn_off = (uint32_t)(p - code);
        for (uint8_t *q = ins; q < e; q++) *p++ = *q;
        trap_off = (uint32_t)(p - code);
        *p++ = 0x0f; *p++ = 0x0b;
        code_len = (uint32_t)(p - code);

        /* 4. Where the code runs: CS is flat (vl_code in the kernel) unless the operand is addressed through CS; then the
         * code lies inside the vector's CS (EIP = linear - CS.base modulo 2^32 within the limit, SDM Vol. 3A 3.4, 5.3),
         * at vl_code if the limit reaches it, else in free RAM away from the vector's memory. */
        cs_base = cs_is_op ? op_base : 0;
        cs_lim = cs_is_op ? op_lim : 0xffffffffU;
        code_lin = (uint64_t)(uintptr_t)vl_code;
        if (cs_is_op) {
            int found = 0;
            uint32_t eip = (uint32_t)(code_lin - cs_base);
            if ((uint64_t)eip + code_len - 1 <= cs_lim) found = 1;
            uint64_t cand[4] = { 0, VI_RAM_LOW > cs_base ? VI_RAM_LOW - cs_base : 0, ((uint64_t)cs_lim + 1 - code_len) & ~15ULL,
                                 (((uint64_t)cs_lim + 1) / 2) & ~15ULL };
            for (int k = 0; k < 4 && !found; k++) {
                for (uint64_t step = 0; step < 8 && !found; step++) {
                    uint64_t ce = cand[k] + step * 0x100;
                    if ((uint64_t)cs_lim + 1 < code_len || ce + code_len - 1 > cs_lim) continue;
                    uint64_t a = (cs_base + ce) & 0xffffffffULL;
                    if (vl_range_free(r, lin, len, a, VL_CODE_MAX)) { code_lin = a; found = 1; }
                }
            }
            if (!found) {
                reply_unsupported(rec, "the code cannot lie within the vector's CS base and limit (in free RAM, away from the vector's memory)");
                return;
            }
        }

    }
    uint32_t code_eip = (uint32_t)(code_lin - cs_base);
    uint32_t insn_eip = code_eip + insn_off, trap_eip = code_eip + trap_off;

    /* 5. The vector's VMX state prepared in 64-bit mode, then written back with VMCLEAR (see the top). */
    __asm__ volatile("vmxoff" ::: "cc", "memory");
    const char *err = 0, *unsup = 0;
    uint64_t errv = 0;
    int st;
    if (op == VI_OP_ROOT) {
        *(uint32_t *)r->vmxon_pointer = vmcs_revision;
        st = vmxon(r->vmxon_pointer);
        if (st) { err = "VMXON of the vector's VMXON region (64-bit preparation) failed, status"; errv = (uint64_t)st; goto out_novmx; }
        if (cur != ~0ULL) {
            memset_((void *)cur, 0, 4096);
            *(uint32_t *)cur = vmcs_revision;
            if (vmclear(cur) || vmptrld(cur)) { err = "VMCLEAR/VMPTRLD of the current VMCS failed"; goto out_vmx; }
            if (launch) {
                err = vl_prepare_launch(r);
                if (err) goto out_vmx;
            }
            if (rw && vi_encoding_valid(r->register_value)) unsup = vi_set_field(r, r->register_value, r->field_value);
            if (vmclear(cur)) { err = "VMCLEAR of the current VMCS failed"; goto out_vmx; }
        }
    out_vmx:
        __asm__ volatile("vmxoff" ::: "cc", "memory");
        if (err || unsup) goto out_novmx;
    }

    /* 6. Memory, as the 64-bit path: the operand's words zeroed, the vector's words; the first words of the VMXON
     * region and the current VMCS get the revision for the 32-bit VMXON/VMPTRLD and the vector's values after them. */
    struct vi_lctx c;
    memset_(&c, 0, sizeof c);
    vi_write_memory(r, lin, len, cur);
    if (op == VI_OP_ROOT) {
        uint64_t ptrs[2] = { r->vmxon_pointer, cur };
        for (int k = 0; k < 2; k++) {
            if (ptrs[k] == ~0ULL) continue;
            for (uint32_t i = 0; i < r->memory_count; i++)
                if (r->memory[i].addr == ptrs[k]) { c.fix_addr[k] = ptrs[k]; c.fix_val[k] = r->memory[i].value; }
            *(uint32_t *)ptrs[k] = vmcs_revision;
        }
    }
    int stores = (insn == VI_VMPTRST || insn == VI_VMREAD) && has_op && vi_in_ram(lin, len);
    uint64_t w0 = lin & ~7ULL, w1 = (lin + len - 1) & ~7ULL, before0 = 0, before1 = 0;
    if (stores) { before0 = *(uint64_t *)w0; before1 = *(uint64_t *)w1; }
    for (unsigned k = 0; k < code_len; k++) ((volatile uint8_t *)(uintptr_t)code_lin)[k] = code[k];

    /* 7. Descriptors (SDM Vol. 3A 3.4.5, 9.2.2): the vector's code segment (readable code, D = 1), the operand's
     * segment (read/write data, B = 1), both DPL = CPL and accessed; the 32-bit TSS, available. */
    vi_gdt[VL_GDT_CODE] = vl_desc(cs_base, cs_lim, cs_is_op ? op_g : 1, 0x9b | (cpl << 5));
    vi_gdt[VL_GDT_OPSEG] = vl_desc(op_base, op_lim, op_g, 0x93 | (cpl << 5));
    vi_gdt[VL_GDT_TSS] = vl_tss_desc(&vl_tss);
    for (int v = 0; v < 32; v++) vi_gdt[VL_GDT_HTSS + v] = vl_tss_desc(&vl_htss[v]);
    c.cr0 = (uint32_t)r->cr0 | (r->mode == VI_MODE_REAL ? 1 : 0);   /* real mode: PE is cleared by the 16-bit code */
    c.cr4 = (uint32_t)r->cr4;
    c.efer = (uint32_t)r->efer;
    c.cr3 = (uint32_t)(uintptr_t)vl_pdpt;
    c.flags = (op == VI_OP_ROOT ? VL_FLAG_ROOT : 0) | (cur != ~0ULL ? VL_FLAG_CUR : 0) |
              (r->mode == VI_MODE_V86 ? VL_FLAG_V86 : 0) | (r->mode == VI_MODE_REAL ? VL_FLAG_REAL : 0) |
              (launch ? VL_FLAG_LAUNCH : 0);
    c.eflags = (uint32_t)(r->rflags | 2);
    c.eip = code_eip;
    c.cs = sel_code;
    c.trap_eip = trap_eip;
    c.code_lo = insn_eip;
    c.code_hi = trap_eip + 1;
    c.iret_ss = code16 ? 0 : VI_SEL_DATA(cpl);
    c.iret_esp = code16 ? esp : (uint32_t)(uintptr_t)vl_stack_top;
    c.vmxon_ptr = r->vmxon_pointer;
    c.vmcs_ptr = cur;
    c.vmx_change = (insn == VI_VMXOFF && op == VI_OP_ROOT) ? 1 : (insn == VI_VMXON && op == VI_OP_OUTSIDE) ? 2 : 0;
    c.cur_after = ~0ULL;
    c.host_cr0 = (uint32_t)plat_cr0;
    c.host_cr4 = (uint32_t)plat_cr4;
    c.host_cr3 = (uint32_t)READ_CR(3);
    c.host_efer = (uint32_t)plat_efer;
    c.host_efer_hi = (uint32_t)(plat_efer >> 32);
    c.tss_sel = VL_GDT_TSS << 3;

    /* 8. Run (vi_legacy.S), then the runner's 64-bit environment again: GDT, segments, IDT, TR (its TSS descriptor is
     * busy since start-up: made available for LTR, SDM Vol. 3A 9.2.2), FS/GS bases. */
    struct desc_ptr gdtr = { sizeof vi_gdt - 1, (uint64_t)vi_gdt };
    __asm__ volatile("cli; lgdt %0" : : "m"(gdtr));
    int status = vi_legacy_exec(&c);
    {
        struct desc_ptr hg = { sizeof host_gdt - 1, (uint64_t)host_gdt };
        struct desc_ptr hi = { sizeof host_idt - 1, (uint64_t)host_idt };
        __asm__ volatile("lgdt %0; lidt %1" : : "m"(hg), "m"(hi));
        __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" : : "i"(HOST_CS) : "rax", "memory");
        __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"((uint16_t)HOST_DS));
        __asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"((uint16_t)0));
        host_gdt[HOST_TR >> 3] &= ~(2ULL << 40);   /* busy (type 11) -> available (type 9) */
        __asm__ volatile("ltr %0" : : "r"((uint16_t)HOST_TR));
        wrmsr(0xc0000100, 0);
        wrmsr(0xc0000101, 0);
    }

    if (status == 6) {
        /* Real mode: what the IVT handler saved (vl_gen_code16). Real-mode exceptions push no error code. */
        const volatile uint32_t *sg = (const volatile uint32_t *)(uintptr_t)VL_REAL_SLOTS;
        const volatile uint16_t *sf = (const volatile uint16_t *)(uintptr_t)(VL_REAL_SLOTS + 32);
        uint16_t vec = sf[0], ip = sf[1], rcs = sf[2], fl = sf[3];
        c.exc_vector = vec;
        c.exc_error = 0;
        c.exc_eip = ip;
        if (rcs == 0 && vec == 6 && ip == trap_eip) {
            status = 0;
            c.eflags_out = fl;
            for (int k = 0; k < 8; k++) c.gpr_out[k] = sg[k];
            c.gpr_out[4] = (sg[4] & ~0xffffU) | ((sg[4] + 8) & 0xffffU);   /* SP before the vector and IP, CS, FLAGS */
        } else {
            status = rcs == 0 && ip == insn_eip ? 2 : 5;
        }
    }
    /* 9. Outcome, as the 64-bit path (run_vi_record step 8). */
    if (status == 7) {
        /* A VM exit after the vector's VMLAUNCH/VMRESUME: the VM entry was reached (as the 64-bit path's how == 1). */
        if (insn == VI_VMLAUNCH || insn == VI_VMRESUME) {
            reply_prefix(rec);
            puts_("\"outcome\": {\"kind\": \"vm-entry-checks\"}}\n");
            goto out_novmx;
        }
        err = "unexpected VM exit in legacy mode, reason";
        errv = c.exc_vector;
        goto out_novmx;
    }
    if (status == 8 || status == 9) {
        err = status == 8 ? "VMLAUNCH of the trivial guest in legacy mode failed, VM-instruction error"
                          : "the trivial guest's VM exit in legacy mode is not VMCALL, exit reason";
        errv = status == 8 ? c.insn_error : c.exc_vector;
        goto out_novmx;
    }
    if (status == 3 || status == 4) {
        err = status == 3 ? "VMXON of the vector's VMXON region in legacy mode failed, status" : "VMPTRLD of the current VMCS in legacy mode failed, status";
        errv = (uint64_t)status;
        goto out_novmx;
    }
    if (status == 5) {
        err = "unexpected exception in the legacy-mode trampoline, vector";
        errv = c.exc_vector | ((uint64_t)c.exc_eip << 32);
        goto out_novmx;
    }
    if (status == 2) { vi_reply_exception(rec, c.exc_vector, c.exc_error); goto out_novmx; }
    if (status != 0) { err = "legacy-mode run ended with status"; errv = (uint64_t)status; goto out_novmx; }
    uint64_t f = c.eflags_out & ~(1ULL << 16);
    uint64_t written = 0;
    int wst = 0;
    if (insn == VI_VMWRITE && !(f & 0x41)) {
        /* The written field, read back in 64-bit mode (all its bits): VMCLEAR put the VMCS data in memory. */
        *(uint32_t *)r->vmxon_pointer = vmcs_revision;
        *(uint32_t *)c.cur_after = vmcs_revision;
        if (vmxon(r->vmxon_pointer) || vmptrld(c.cur_after)) wst = -1;
        else {
            wst = vi_vmread(r->register_value & ~1ULL, &written);
            vmclear(c.cur_after);
        }
        __asm__ volatile("vmxoff" ::: "cc", "memory");
    }
    reply_prefix(rec);
    struct vi_root_status st_out = {
        .rflags = f, .insn_error = c.insn_error, .current_vmcs = c.cur_after, .written_status = wst, .written = written,
        .to_register = g.reg_dest >= 0, .destination = g.reg_dest >= 0 ? c.gpr_out[g.reg_dest] : 0,
        .stores = stores, .lin = lin, .len = len, .before0 = before0, .before1 = before1,
    };
    vi_reply_root_status(insn, &st_out);
    err = 0;

out_novmx:
    if (err) reply_error(rec, err, errv);
    else if (unsup) reply_unsupported(rec, unsup);
    *(uint32_t *)vmxon_region = vmcs_revision;
    st = vmxon((uint64_t)vmxon_region);
    if (st) fatal("re-VMXON of the runner's region failed, status", (uint64_t)st, 0);
}
