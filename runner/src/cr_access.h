/*
 * cr-access records: MOV to/from CR0 and CR4, CLTS and LMSW in VMX non-root operation (SDM Vol. 3C 26.1.3, 26.3,
 * 25.6.6). Included by kernel.c, whose helpers (vmwrite, vmread, reply_*, write_host_state, vmx_launch) it uses.
 *
 * Per record: the vector's capability inputs must equal the platform's IA32_VMX_CR0/CR4_FIXED0/FIXED1 and the guest
 * state must be one VM entry accepts and that is consistent with the vector's mode (checked here, before the entry,
 * SDM Vol. 3C 27.3.1); otherwise the record is answered "unsupported" with the reason. Then the guest's paging
 * structures and code are written to low memory, a fresh VMCS is launched, and the exit is classified.
 */

#define PROC_ACTIVATE_SECONDARY (1U << 31)
#define PROC2_ENABLE_EPT        (1U << 1)
#define PROC2_UNRESTRICTED      (1U << 7)

#define CR0_PE    (1ULL << 0)
#define CR0_WP    (1ULL << 16)
#define CR0_NW    (1ULL << 29)
#define CR0_CD    (1ULL << 30)
#define CR0_PG    (1ULL << 31)
#define CR4_PAE   (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define CR4_PCIDE (1ULL << 17)
#define CR4_CET   (1ULL << 23)
#define EFER_SCE  (1ULL << 0)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)

/*
 * Guest memory (guest-physical = physical: no EPT, or the identity EPT below). Nothing here is used by root mode.
 *   0x1000  the page CR3 points into: IA-32e PML4 (PML5 with CR4.LA57); else the 32-bit page directory, whose first
 *           32 bytes double as the PAE PDPT (PDE0/PDE1 = PDPTE0, the others 0), so a MOV to CR4 that switches
 *           between 32-bit and PAE paging still finds valid structures.
 *   0x2000  32-bit paging: the page table of PDE0 (maps the real-mode code page 0x3000); PAE: the page directory of
 *           PDPTE0 (PDE0: 2-MiB page at 0, PDE16: 2-MiB page at 32 MiB).
 *   0x3000  real-mode guest code; its LMSW memory operand at 0x3800.
 *   0x4000  IA-32e: the page directory (1 GiB of 2-MiB pages); 32-bit paging: the page table of PDE8 (32 MiB).
 *   0x5000  IA-32e: the PDPT.   0x6000  IA-32e with LA57: the PML4.
 *   0x2000000 (32 MiB) guest code of the other modes, LMSW memory operand at +0x800. Its 32-bit PDE (index 8) lies
 *           outside the PDPT bytes, so the accessed flag the processor sets there cannot corrupt a PDPTE.
 * Pages are supervisor for a CPL-0 guest (so CR4.SMEP/SMAP do not interfere) and user otherwise.
 */
#define CRG_TABLES    0x1000UL
#define CRG_PT        0x2000UL
#define CRG_REAL_CODE 0x3000UL
#define CRG_PD        0x4000UL
#define CRG_PDPT      0x5000UL
#define CRG_PML4      0x6000UL
#define CRG_CODE      0x2000000UL
#define CRG_DATA_OFF  0x800UL

static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
/* The identity EPT's page directories of 2-MiB pages, where 1-GiB pages are missing: 16 KiB the kernel's BSS has no
 * room for (kernel.ld), in the runner's free RAM beside the guest code, rebuilt for every record (other domains may
 * have written there). */
#define CRG_EPT_PD    0x2010000UL

/* "unsupported" with a composed reason: cr_unsup_begin, puts_/put_hex pieces, cr_unsup_end. */
static void cr_unsup_begin(const struct batch_cr_record *rec) {
    reply_prefix((const struct batch_record *)rec);
    puts_("\"unsupported\": \"");
}
static void cr_unsup_end(void) { puts_("\"}\n"); }
static void cr_unsup(const struct batch_cr_record *rec, const char *why) {
    cr_unsup_begin(rec);
    puts_(why);
    cr_unsup_end();
}
static void cr_unsup_v(const struct batch_cr_record *rec, const char *why, uint64_t v, const char *tail) {
    cr_unsup_begin(rec);
    puts_(why);
    put_hex(v);
    puts_(tail);
    cr_unsup_end();
}

static const char *const mode_name[4] = { "real", "protected", "compatibility", "64-bit" };

/* SDM Vol. 3D A.7/A.8, Vol. 3C 27.3.1.1: value against FIXED0 (less `exempt`) and FIXED1. */
static int fixed_ok(uint64_t value, uint64_t fixed0, uint64_t fixed1, uint64_t exempt) {
    uint64_t required = fixed0 & ~exempt;
    return (value & required) == required && (value & ~fixed1) == 0;
}

/* Checks that the record can be run faithfully; answers "unsupported" and returns 0 when not. */
static int cr_runnable(const struct batch_cr_record *r) {
    /* The capability inputs are facts about the processor: they must be this processor's. */
    static const char *const names[4] = { "IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1", "IA32_VMX_CR4_FIXED0",
                                          "IA32_VMX_CR4_FIXED1" };
    const uint64_t want[4] = { r->cr0_fixed0, r->cr0_fixed1, r->cr4_fixed0, r->cr4_fixed1 };
    const uint64_t have[4] = { plat_cr0_fixed0, plat_cr0_fixed1, plat_cr4_fixed0, plat_cr4_fixed1 };
    for (int i = 0; i < 4; i++) {
        if (want[i] != have[i]) {
            cr_unsup_begin(r);
            puts_("the vector assumes ");
            puts_(names[i]);
            puts_(" = ");
            put_hex(want[i]);
            puts_(", this processor has ");
            put_hex(have[i]);
            cr_unsup_end();
            return 0;
        }
    }
    int ug = (r->flags & BATCH_CR_FLAG_UNRESTRICTED) != 0;
    if (ug) {
        /* SDM Vol. 3D A.3.2/A.3.3, A.10; Vol. 3C 27.2.1.1: unrestricted guest needs enable EPT. The runner's identity
         * EPT uses 4-level walks, write-back and 1-GiB pages (2-MiB pages on a processor without them). */
        if (!(cap_proc >> 63) || !(cap_proc2 >> 32 & PROC2_UNRESTRICTED) || !(cap_proc2 >> 32 & PROC2_ENABLE_EPT)) {
            cr_unsup(r, "the processor does not allow unrestricted guest and enable EPT");
            return 0;
        }
        if (!(cap_ept_vpid & (1ULL << 6)) || !(cap_ept_vpid & (1ULL << 14)) || !(cap_ept_vpid & (3ULL << 16))) {
            cr_unsup_v(r, "the runner's identity EPT needs 4-level walks, WB and 2-MiB or 1-GiB pages; IA32_VMX_EPT_VPID_CAP = ",
                       cap_ept_vpid, "");
            return 0;
        }
    }
    if (r->instruction <= BATCH_CR_MOV_FROM_CR4 && r->gpr >= 8 && r->mode != BATCH_MODE_64BIT) {
        cr_unsup_begin(r);
        puts_("R8-R15 exist only in 64-bit mode: MOV CR with GPR ");
        put_dec(r->gpr);
        puts_(" cannot be encoded in ");
        puts_(mode_name[r->mode]);
        puts_(" mode");
        cr_unsup_end();
        return 0;
    }
    /* The guest state must pass the VM-entry checks (SDM Vol. 3C 27.3.1.1) and match the vector's mode. */
    uint64_t cr0 = r->cr0, cr4 = r->cr4, efer = r->efer;
    int lma = (efer & EFER_LMA) != 0;
    if (!fixed_ok(cr0, plat_cr0_fixed0, plat_cr0_fixed1, ug ? (CR0_PE | CR0_PG) : 0)) {
        cr_unsup_v(r, "guest state cannot be entered: CR0 ", cr0,
                   ug ? " violates IA32_VMX_CR0_FIXED0/1 (PE and PG exempt; SDM 27.3.1.1)"
                      : " violates IA32_VMX_CR0_FIXED0/1 (SDM 27.3.1.1)");
        return 0;
    }
    if (!fixed_ok(cr4, plat_cr4_fixed0, plat_cr4_fixed1, 0)) {
        cr_unsup_v(r, "guest state cannot be entered: CR4 ", cr4, " violates IA32_VMX_CR4_FIXED0/1 (SDM 27.3.1.1)");
        return 0;
    }
    if ((cr0 & CR0_PG) && !(cr0 & CR0_PE)) {
        cr_unsup_v(r, "guest state cannot be entered: CR0 ", cr0, " has PG without PE (SDM 27.3.1.1)");
        return 0;
    }
    if ((cr0 & CR0_NW) && !(cr0 & CR0_CD)) {
        cr_unsup_v(r, "guest state is not consistent: CR0 ", cr0, " has NW without CD (a MOV to CR0 would fault)");
        return 0;
    }
    if ((cr4 & CR4_CET) && !(cr0 & CR0_WP)) {
        cr_unsup(r, "guest state cannot be entered: CR4.CET 1 with CR0.WP 0 (SDM 27.3.1.1)");
        return 0;
    }
    if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) {
        cr_unsup_v(r, "guest state: EFER ", efer, " sets bits the runner does not model");
        return 0;
    }
    if ((cr0 & CR0_PG) && ((efer & EFER_LME) != 0) != lma) {
        cr_unsup_v(r, "guest state cannot be entered: EFER ", efer, " with CR0.PG 1 needs LME = LMA (SDM 27.3.1.1)");
        return 0;
    }
    if ((cr4 & CR4_PCIDE) && !lma) {
        cr_unsup(r, "guest state cannot be entered: CR4.PCIDE 1 outside IA-32e mode (SDM 27.3.1.1)");
        return 0;
    }
    if (!have_entry_load_efer && !(cr0 & CR0_PG) && !(efer & EFER_LME)) {
        /* SDM Vol. 3C 27.3.2.1: without "load IA32_EFER", VM entry sets EFER.LMA from "IA-32e mode guest" and EFER.LME
         * only when CR0.PG is 1; otherwise LME stays the host's (1, this kernel runs in IA-32e mode). SCE and NXE stay
         * too: root mode takes the guest's values before the entry. */
        cr_unsup(r, "without the load IA32_EFER VM-entry control the guest's EFER.LME would be the host's 1 (CR0.PG is 0)");
        return 0;
    }
    if ((r->cr3 & ~0xfffULL) != CRG_TABLES) {
        cr_unsup_v(r, "the runner keeps the guest's paging structures at 0x1000; CR3 is ", r->cr3, "");
        return 0;
    }
    const char *bad = 0;
    switch (r->mode) {
    case BATCH_MODE_REAL:
        if (cr0 & CR0_PE) bad = "real mode with CR0.PE 1";
        else if (lma) bad = "real mode with EFER.LMA 1";
        else if (r->cpl) bad = "real mode at CPL > 0 (SS.DPL must be 0, SDM 27.3.1.2)";
        break;
    case BATCH_MODE_PROTECTED:
        if (!(cr0 & CR0_PE)) bad = "protected mode with CR0.PE 0";
        else if (lma) bad = "protected mode with EFER.LMA 1";
        break;
    default: /* compatibility, 64-bit: IA-32e mode */
        if (!(cr0 & CR0_PG) || !(cr0 & CR0_PE)) bad = "IA-32e mode with CR0.PG or CR0.PE 0";
        else if (!(cr4 & CR4_PAE)) bad = "IA-32e mode with CR4.PAE 0";
        else if (!lma || !(efer & EFER_LME)) bad = "IA-32e mode without EFER.LME and EFER.LMA";
        break;
    }
    if (bad) {
        cr_unsup_begin(r);
        puts_("guest state is not consistent: ");
        puts_(bad);
        cr_unsup_end();
        return 0;
    }
    return 1;
}

/* The guest's paging structures for the record (see the memory map above). */
static void cr_build_paging(const struct batch_cr_record *r) {
    uint64_t us = r->cpl ? 4 : 0;
    memset_((void *)CRG_TABLES, 0, CRG_PML4 + 0x1000 - CRG_TABLES);
    if (r->efer & EFER_LME) {
        uint64_t *pd = (uint64_t *)CRG_PD;
        for (uint64_t i = 0; i < 512; i++) pd[i] = (i << 21) | 0x83 | us;   /* P, RW, PS */
        ((uint64_t *)CRG_PDPT)[0] = CRG_PD | 3 | us;
        if (r->cr4 & CR4_LA57) {
            ((uint64_t *)CRG_PML4)[0] = CRG_PDPT | 3 | us;
            ((uint64_t *)CRG_TABLES)[0] = CRG_PML4 | 3 | us;
        } else {
            ((uint64_t *)CRG_TABLES)[0] = CRG_PDPT | 3 | us;
        }
        return;
    }
    uint32_t *pd32 = (uint32_t *)CRG_TABLES, *pt = (uint32_t *)CRG_PT, *pt8 = (uint32_t *)CRG_PD;
    /* PDPTE0 = PDE0|PDE1: P only (RW/US are reserved in a PDPTE, SDM Vol. 3A 5.4.1). A CPL>0 guest under 32-bit
     * paging needs U/S in the PDE instead. */
    pd32[0] = (uint32_t)CRG_PT | 1 | ((r->cpl && !(r->cr4 & CR4_PAE)) ? 6 : 0);
    if (r->cr3 & 0xfe0) ((uint64_t *)(CRG_TABLES + (r->cr3 & 0xfe0)))[0] = CRG_PT | 1;
    pd32[CRG_CODE >> 22] = (uint32_t)CRG_PD | 3 | (uint32_t)us;      /* 32-bit: PDE8 -> page table at 0x4000 */
    pt8[(CRG_CODE >> 12) & 0x3ff] = (uint32_t)CRG_CODE | 3 | (uint32_t)us;
    pt[CRG_REAL_CODE >> 12] = (uint32_t)CRG_REAL_CODE | 3 | (uint32_t)us;   /* 32-bit: 0x3000 */
    /* PAE view of the page at 0x2000: PDE0 (= PTE0|PTE1) 2 MiB at 0, PDE16 (= PTE32|PTE33) 2 MiB at 32 MiB. */
    ((uint64_t *)CRG_PT)[0] = 0x83 | us;
    ((uint64_t *)CRG_PT)[CRG_CODE >> 21] = CRG_CODE | 0x83 | us;
}

/* ------------------------------------------------------------------------------------------------ guest code */

static uint8_t *cr_cp;
static void e8(uint8_t b) { *cr_cp++ = b; }
static void e16(uint16_t v) { e8((uint8_t)v); e8((uint8_t)(v >> 8)); }
static void e32(uint32_t v) { e16((uint16_t)v); e16((uint16_t)(v >> 16)); }

/* MOV r, imm: REX.W B8+r imm64 in 64-bit mode; B8+r imm32 (0x66-prefixed in 16-bit real mode) elsewhere. */
static void emit_mov_imm(unsigned mode, unsigned reg, uint64_t v) {
    if (mode == BATCH_MODE_64BIT) {
        e8((uint8_t)(0x48 | (reg >> 3)));
        e8((uint8_t)(0xb8 + (reg & 7)));
        e32((uint32_t)v);
        e32((uint32_t)(v >> 32));
        return;
    }
    if (mode == BATCH_MODE_REAL) e8(0x66);
    e8((uint8_t)(0xb8 + reg));
    e32((uint32_t)v);
}

/* Writes the guest's code; returns its start, *insn the CR instruction's address, *after the VMCALL's. */
static uint64_t cr_emit_code(const struct batch_cr_record *r, uint64_t *insn, uint64_t *after) {
    uint64_t base = r->mode == BATCH_MODE_REAL ? CRG_REAL_CODE : CRG_CODE;
    unsigned mode = r->mode, reg = r->gpr & 15;
    memset_((void *)base, 0xcc, 0x1000);
    cr_cp = (uint8_t *)base;
    unsigned cr = (r->instruction == BATCH_CR_MOV_TO_CR4 || r->instruction == BATCH_CR_MOV_FROM_CR4) ? 4 : 0;
    switch (r->instruction) {
    case BATCH_CR_MOV_TO_CR0:
    case BATCH_CR_MOV_TO_CR4:
        emit_mov_imm(mode, reg, r->source);
        *insn = (uint64_t)cr_cp;
        if (reg >= 8) e8(0x41);                               /* REX.B */
        e8(0x0f); e8(0x22); e8((uint8_t)(0xc0 | cr << 3 | (reg & 7)));   /* MOV CRn, reg (SDM 2B 4.3) */
        break;
    case BATCH_CR_MOV_FROM_CR0:
    case BATCH_CR_MOV_FROM_CR4:
        emit_mov_imm(mode, reg, 0x5a5a5a5a5a5a5a5aULL & (mode == BATCH_MODE_64BIT ? ~0ULL : 0xffffffffULL));
        *insn = (uint64_t)cr_cp;
        if (reg >= 8) e8(0x41);
        e8(0x0f); e8(0x20); e8((uint8_t)(0xc0 | cr << 3 | (reg & 7)));   /* MOV reg, CRn */
        /* MOV rAX, reg so that the host sees the value (vmx_launch returns the guest's RAX). */
        if (mode == BATCH_MODE_64BIT) e8((uint8_t)(0x48 | (reg >= 8 ? 4 : 0)));
        else if (mode == BATCH_MODE_REAL) e8(0x66);
        e8(0x89); e8((uint8_t)(0xc0 | (reg & 7) << 3));
        break;
    case BATCH_CR_CLTS:
        *insn = (uint64_t)cr_cp;
        e8(0x0f); e8(0x06);
        break;
    default: /* LMSW (SDM 2A 3.3): 0F 01 /6 */
        if (r->flags & BATCH_CR_FLAG_LMSW_MEMORY) {
            uint64_t data = base + CRG_DATA_OFF;
            *(uint16_t *)data = (uint16_t)r->source;
            *insn = (uint64_t)cr_cp;
            e8(0x0f); e8(0x01);
            if (mode == BATCH_MODE_REAL) { e8(0x36); e16((uint16_t)data); }        /* [disp16] */
            else { e8(0x34); e8(0x25); e32((uint32_t)data); }                      /* [disp32] via SIB, no base */
        } else {
            emit_mov_imm(mode, 0, r->source & 0xffff);
            *insn = (uint64_t)cr_cp;
            e8(0x0f); e8(0x01); e8(0xf0);                                           /* LMSW AX */
        }
        break;
    }
    *after = (uint64_t)cr_cp;
    e8(0x0f); e8(0x01); e8(0xc1);                                                   /* VMCALL */
    e8(0xeb); e8(0xfe);
    return base;
}

/* ------------------------------------------------------------------------------------------------ VMCS, run */

static void cr_build_ept(void) {
    for (uint64_t i = 0; i < 4; i++) {
        if (cap_ept_vpid & (1ULL << 17)) {
            ept_pdpt[i] = (i << 30) | 7 | (6 << 3) | (1 << 7);   /* RWX, WB, 1-GiB page */
            continue;
        }
        /* IA32_VMX_EPT_VPID_CAP bit 17 clear (Bochs's pre-Haswell models): 2-MiB pages (bit 16; SDM Vol. 3D A.10). */
        uint64_t *pd = (uint64_t *)(CRG_EPT_PD + 0x1000 * i);
        for (uint64_t j = 0; j < 512; j++) pd[j] = (i << 30) | (j << 21) | 7 | (6 << 3) | (1 << 7);
        ept_pdpt[i] = (uint64_t)pd | 7;
    }
    ept_pml4[0] = (uint64_t)ept_pdpt | 7;
}

static int cr_build_vmcs(const struct batch_cr_record *r, uint64_t rip) {
    memset_(vmcs_region, 0, sizeof vmcs_region);
    if (vmclear((uint64_t)vmcs_region)) return -1;
    *(uint32_t *)vmcs_region = vmcs_revision;
    if (vmptrld((uint64_t)vmcs_region)) return -2;
    vmwrite_failed = 0;
    int ug = (r->flags & BATCH_CR_FLAG_UNRESTRICTED) != 0;
    int lma = (r->efer & EFER_LMA) != 0;

    uint32_t pin = adjust(cap_pin, have_preemption_timer ? PIN_PREEMPTION_TIMER : 0, NULL);
    uint32_t proc = adjust(cap_proc, ug ? PROC_ACTIVATE_SECONDARY : 0, NULL);
    if (!ug) proc &= ~PROC_ACTIVATE_SECONDARY;
    proc &= ~PROC_USE_MSR_BITMAPS;
    uint32_t exitc = adjust(cap_exit, EXIT_HOST_ADDR_SPACE | EXIT_LOAD_EFER, NULL);
    uint32_t entryc = adjust(cap_entry, (lma ? ENTRY_IA32E_GUEST : 0) | ENTRY_LOAD_EFER, NULL);
    if (!lma) entryc &= ~ENTRY_IA32E_GUEST;
    vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
    vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    if (ug) {
        cr_build_ept();
        vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, adjust(cap_proc2, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED, NULL));
        vmwrite(VMCS_EPT_POINTER, (uint64_t)ept_pml4 | (3 << 3) | 6);   /* WB, 4-level (SDM Vol. 3C 25.6.11) */
    }
    vmwrite(VMCS_VM_EXIT_CONTROLS, exitc);
    vmwrite(VMCS_VM_ENTRY_CONTROLS, entryc);
    write_common_controls();
    /* SDM Vol. 3C 25.6.6: the vector's masks and read shadows. */
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, r->cr0_mask);
    vmwrite(VMCS_CR0_READ_SHADOW, r->cr0_shadow);
    vmwrite(VMCS_CR4_GUEST_HOST_MASK, r->cr4_mask);
    vmwrite(VMCS_CR4_READ_SHADOW, r->cr4_shadow);
    if (have_preemption_timer) vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE, WATCHDOG_TICKS);
    write_host_state();

    /* Guest state (SDM Vol. 3C 25.4, checks 27.3.1). */
    unsigned cpl = r->cpl;
    vmwrite(VMCS_GUEST_CR0, r->cr0);
    vmwrite(VMCS_GUEST_CR3, r->cr3);
    vmwrite(VMCS_GUEST_CR4, r->cr4);
    if (have_entry_load_efer) vmwrite(VMCS_GUEST_IA32_EFER, r->efer);
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    uint16_t cs, ds;
    uint32_t cs_ar, ds_ar, limit;
    if (r->mode == BATCH_MODE_REAL) {
        /* Real mode under unrestricted guest: flat 64-KiB segments at 0, accessed code (type 11) and data (type 3),
         * DPL 0 (SDM Vol. 3C 27.3.1.2). */
        cs = 0; ds = 0; cs_ar = 0x9b; ds_ar = 0x93; limit = 0xffff;
    } else {
        /* 32-bit code (D=1, protected and compatibility mode) or 64-bit code (L=1); DPL = RPL = CPL. */
        cs = (uint16_t)(r->mode == BATCH_MODE_64BIT ? (0x08 + 0x10 * cpl) | cpl : (0x58 + 8 * cpl) | cpl);
        ds = (uint16_t)((0x10 + 0x10 * cpl) | cpl);
        cs_ar = (r->mode == BATCH_MODE_64BIT ? 0xa09b : 0xc09b) | cpl << 5;
        ds_ar = 0xc093 | cpl << 5;
        limit = 0xffffffff;
    }
    vmwrite(VMCS_GUEST_CS_SELECTOR, cs);
    vmwrite(VMCS_GUEST_CS_BASE, 0);
    vmwrite(VMCS_GUEST_CS_LIMIT, limit);
    vmwrite(VMCS_GUEST_CS_AR_BYTES, cs_ar);
    static const uint32_t data_sel[5] = { VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_ES_SELECTOR,
                                          VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR };
    for (int i = 0; i < 5; i++) {
        uint32_t idx = (data_sel[i] - VMCS_GUEST_ES_SELECTOR) / 2;
        vmwrite(data_sel[i], ds);
        vmwrite(VMCS_GUEST_ES_BASE + 2 * idx, 0);
        vmwrite(VMCS_GUEST_ES_LIMIT + 2 * idx, limit);
        vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * idx, ds_ar);
    }
    write_guest_system_tables();
    vmwrite(VMCS_GUEST_RIP, rip);
    vmwrite(VMCS_GUEST_RSP, r->mode == BATCH_MODE_REAL ? 0x7000 : (uint64_t)guest_stack[cpl] + 4096 - 64);
    vmwrite(VMCS_GUEST_RFLAGS, 0x2);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ULL);
    if (ug) {
        /* With EPT, PAE paging takes its PDPTEs from these fields at VM entry (SDM Vol. 3C 27.3.2.4). */
        const uint64_t *pdpt = (const uint64_t *)(CRG_TABLES + (r->cr3 & 0xfe0));
        vmwrite(VMCS_GUEST_PDPTR0, pdpt[0]);
        vmwrite(VMCS_GUEST_PDPTR1, pdpt[1]);
        vmwrite(VMCS_GUEST_PDPTR2, pdpt[2]);
        vmwrite(VMCS_GUEST_PDPTR3, pdpt[3]);
    }
    return vmwrite_failed ? -3 : 0;
}

static void cr_completed(const struct batch_cr_record *r, uint64_t gpr_value) {
    reply_prefix((const struct batch_record *)r);
    puts_("\"outcome\": {\"kind\": \"completed\", \"cr0\": \"");
    put_hex(vmread(VMCS_GUEST_CR0));
    puts_("\", \"cr4\": \"");
    put_hex(vmread(VMCS_GUEST_CR4));
    if (r->instruction == BATCH_CR_MOV_FROM_CR0 || r->instruction == BATCH_CR_MOV_FROM_CR4) {
        puts_("\", \"gpr_value\": \"");
        put_hex(gpr_value);
    }
    puts_("\"}}\n");
}

static void run_cr_record(const struct batch_cr_record *r) {
    const struct batch_record *rec = (const struct batch_record *)r;
    if (r->instruction > BATCH_CR_LMSW || r->mode > BATCH_MODE_64BIT || r->cpl > 3 || r->gpr > 15 ||
        (r->flags & ~(BATCH_CR_FLAG_LMSW_MEMORY | BATCH_CR_FLAG_UNRESTRICTED))) {
        reply_error(rec, "malformed cr-access record, instruction", r->instruction);
        return;
    }
    if (!cr_runnable(r)) return;
    cr_build_paging(r);
    uint64_t insn = 0, after = 0;
    uint64_t rip = cr_emit_code(r, &insn, &after);
    int rc = cr_build_vmcs(r, rip);
    if (rc) {
        reply_error(rec, rc == -3 ? "VMWRITE failed for field" : "VMCLEAR/VMPTRLD failed",
                    rc == -3 ? vmwrite_failed_field : (uint64_t)-rc);
        return;
    }
    /* VM entry leaves CR0.CD and CR0.NW as they are (SDM Vol. 3C 27.3.2.1), so root mode takes the guest's values
     * first; VM exit leaves them too (28.5.1). */
    WRITE_CR(0, (READ_CR(0) & ~(CR0_CD | CR0_NW)) | (r->cr0 & (CR0_CD | CR0_NW)));
    /* Likewise EFER.SCE and EFER.NXE when the processor cannot load the guest's EFER (root mode uses neither). */
    uint64_t root_efer = rdmsr(0xc0000080);
    if (!have_entry_load_efer) wrmsr(0xc0000080, (root_efer & ~(EFER_SCE | EFER_NXE)) | (r->efer & (EFER_SCE | EFER_NXE)));
    struct guest_gprs g = { 0, 0, 0 };
    rc = vmx_launch(&g);
    if (!have_entry_load_efer) wrmsr(0xc0000080, root_efer);
    if (rc == 1) { reply_error(rec, "VMLAUNCH VMfailInvalid", 0); return; }
    if (rc == 2) { reply_error(rec, "VMLAUNCH VMfailValid, VM-instruction error", vmread(VMCS_VM_INSTRUCTION_ERROR)); return; }
    uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
    uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t grip = vmread(VMCS_GUEST_RIP);
    if (reason & 0x80000000U) {
        reply_prefix(rec);
        puts_("\"error\": \"VM-entry failure, exit reason ");
        put_hex(reason);
        puts_(" qualification ");
        put_hex(qual);
        puts_("\"}\n");
        return;
    }
    switch (reason & 0xffff) {
    case 28: /* control-register access (SDM Vol. 3C 28.2.1, Table 28-3) */
        if (grip != insn) { reply_error(rec, "CR-access exit at an unexpected guest rip", grip); return; }
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"vm-exit\", \"exit_reason\": 28, \"exit_qualification\": \"");
        put_hex(qual);
        puts_("\"}}\n");
        return;
    case 18: /* VMCALL: the instruction completed */
        if (grip != after) { reply_error(rec, "VMCALL exit at an unexpected guest rip", grip); return; }
        cr_completed(r, r->mode == BATCH_MODE_64BIT ? g.rax : (uint32_t)g.rax);
        return;
    case 0: {
        uint64_t info = vmread(VMCS_VM_EXIT_INTR_INFO);
        uint64_t err = vmread(VMCS_VM_EXIT_INTR_ERROR_CODE);
        unsigned vec = info & 0xff, type = (info >> 8) & 7;
        if (!(info & 0x80000000U) || type != 3 || vec != 13 || grip != insn) {
            reply_prefix(rec);
            puts_("\"error\": \"unexpected exception exit, interruption info ");
            put_hex(info);
            puts_(" error code ");
            put_hex(err);
            puts_(" guest rip ");
            put_hex(grip);
            puts_(" guest cr0 ");
            put_hex(vmread(VMCS_GUEST_CR0));
            puts_("\"}\n");
            return;
        }
        /* No error code is delivered in real mode (CR0.PE 0; SDM Vol. 3C 28.2.2): reported as 0. */
        if (!(info & (1U << 11))) {
            if (r->cr0 & CR0_PE) { reply_error(rec, "#GP without an error code in protected mode, info", info); return; }
            err = 0;
        }
        reply_gp(rec, err);
        return;
    }
    default:
        reply_other_exit(rec, reason, qual, grip);
        return;
    }
}
