/*
 * descriptor-table records (domain 5; runner/README.md "descriptor-table"). Included by kernel.c after
 * vmx_instruction.h, whose exception reply (vi_reply_exception) and guest-state helpers it calls.
 *
 * One record is one of LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR in VMX non-root operation. The runner builds a
 * fresh VMCS in its own region (kernel.c build_vmcs: a 64-bit guest at the vector's CPL, every exception exiting),
 * then gives the guest the vector's mode (64-bit or compatibility; protected, real-address or virtual-8086 mode with
 * vmx_instruction.h's vi_legacy_guest, real mode under "unrestricted guest" with cr-access's identity EPT),
 * CR0/CR4/EFER/RFLAGS and "descriptor-table exiting" (secondary processor-based control bit 2, SDM Vol. 3C 25.6.2),
 * and runs generated code: MOVs that give
 * the base/index registers (and a register operand) chosen values, the instruction with exactly the vector's operand
 * form, then VMCALL. Outcomes (SDM Vol. 3C 26.1.1 priority, 26.1.3 the exit):
 *  - exit reason 46/47 at the instruction: "vm-exit" with the exit qualification (28.2.1) and the instruction
 *    information (28.2.4) with the bits the SDM leaves undefined cleared (docs/vectors.md 6.5);
 *  - exit reason 0 (exception bitmap all ones) at the instruction: "exception" with the vector and error code;
 *  - exit reason 18 at the VMCALL after it: "no-exit" (the instruction executed in the guest without a VM exit).
 *
 * What the guest does when the instruction executes is outside the domain, but it must not fault there: every
 * memory operand is pointed (by the free base/index register values, or by a segment base the vector does not fix)
 * at a scratch area in the runner's free RAM that holds, before the instruction, a value the instruction can load
 * and the guest can survive until its VMCALL: LGDT the guest's own GDTR value (dt_gdt), LIDT its IDTR value, LLDT
 * the null selector (LDTR marked unusable, Vol. 2A LLDT), LTR an available 64-bit TSS in dt_gdt (Vol. 2B LTR). The
 * same values are used whatever the vector expects, so the runner never uses the expected outcome.
 */

#define DT_LGDT 0U
#define DT_LIDT 1U
#define DT_LLDT 2U
#define DT_LTR  3U
#define DT_SGDT 4U
#define DT_SIDT 5U
#define DT_SLDT 6U
#define DT_STR  7U

#define DT_PROC_ACTIVATE_SECONDARY (1U << 31)
#define DT_PROC2_DESCRIPTOR_TABLE_EXITING (1U << 2)   /* SDM Vol. 3C 25.6.2, Table 25-7 */
#define DT_SCRATCH 0x1f0000ULL                         /* in the runner's free RAM (vmx_instruction.h VI_RAM_LOW) */
#define DT_CR4_UMIP (1ULL << 11)                       /* SDM Vol. 3A 2.5 */

/* The guest's GDT: kernel.c guest_gdt (rings 0-3 code/data, the busy TSS at 0x48, 32-bit code at 0x58 + 8n), then an
 * available 64-bit TSS at 0x78 that LTR can load (SDM Vol. 3A 9.2.3; type 9 available, 11 busy). */
static uint64_t dt_gdt[17] __attribute__((aligned(16)));
static struct tss64 dt_tss __attribute__((aligned(16)));
static uint8_t dt_code[96] __attribute__((aligned(64)));
#define DT_TSS_SEL 0x78

/* Reply of a VM exit 46/47. Instruction-information bits the SDM leaves undefined (28.2.4) are cleared, judged by the
 * processor's own bits 10, 22 and 27: format "LIDT, LGDT, SIDT, SGDT": 6:2, 14:12, 31:30; format "LLDT, LTR, SLDT,
 * STR": bit 10 = 1 (register) keeps 6:3, 10, 29:28; bit 10 = 0 (memory) clears 2, 6:3, 14:11, 31:30. In both, scaling
 * and index (1:0, 21:18) without an index register (bit 22) and base (26:23) without a base register (bit 27). Bit 11
 * of the first format is kept: it is the operand size outside 64-bit mode, and from 64-bit mode the vectors accept
 * either value. */
static uint64_t dt_clean_info(uint64_t reason, uint64_t info) {
    info &= 0xffffffffULL;
    if (reason == 47 && (info & (1U << 10))) return info & ((0xfULL << 3) | (1ULL << 10) | (3ULL << 28));
    uint64_t keep = 3ULL | (7ULL << 7) | (1ULL << 10) | (7ULL << 15) | (0xfULL << 18) | (1ULL << 22) | (0xfULL << 23) |
                    (1ULL << 27) | (3ULL << 28);
    if (reason == 46) keep |= 1ULL << 11;
    info &= keep;
    if (info & (1ULL << 22)) info &= ~(3ULL | (0xfULL << 18));
    if (info & (1ULL << 27)) info &= ~(0xfULL << 23);
    return info;
}

/* 32-bit paging (CR0.PG = 1, CR4.PAE = 0; SDM Vol. 3A 4.3) for guests outside IA-32e mode: the page directory at
 * VIG_PDPT (where vi_legacy_guest points CR3) whose only present entry maps linear 0-4 MiB through the page table at
 * VIG_PD to physical 0-4 MiB with 4-KiB pages (PDE bit 7 = 0, so CR4.PSE does not matter), present, writable, user.
 * Everything such a guest touches lies there: its code (0x8000), the low scratch memory, DT_SCRATCH, and dt_gdt (the
 * kernel's .bss, below 0x140000) that LTR reads and marks busy. dt_encode keeps the operand below 4 MiB. */
#define DT_PAGING32_END 0x400000ULL
static void dt_build_paging32(void) {
    uint32_t *pd = (uint32_t *)VIG_PDPT, *pt = (uint32_t *)VIG_PD;
    memset_(pd, 0, 4096);
    pd[0] = (uint32_t)VIG_PD | 7;
    for (uint32_t i = 0; i < 1024; i++) pt[i] = (i << 12) | 7;
}

/* CR0/CR4/EFER/RFLAGS the guest can be given (VM entry, SDM Vol. 3C 27.3.1.1, with the processor's fixed bits; IA-32e
 * mode with the runner's paging). CR4 bits the runner loads as given: VME, PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE,
 * OSFXSR, OSXMMEXCPT, UMIP, VMXE, FSGSBASE; CR0: PE, MP, EM, TS, ET, NE, WP, AM, NW, CD, PG. */
static const char *dt_state_problem(const struct batch_dt_record *r) {
    const uint64_t cr4_free = 0x127ffULL | DT_CR4_UMIP, cr0_free = 0xe005003fULL;
    if ((r->cr0 >> 32) || (r->cr4 >> 32)) return "CR0/CR4 bits 63:32 set";
    if (r->mode < VI_MODE_COMPAT) {
        /* Real, virtual-8086 and protected mode: vmx_instruction.h's non-root guests (vi_legacy_state_problem), with
         * CR4.UMIP loaded as given where IA32_VMX_CR4_FIXED1 allows it. */
        const char *w = vi_legacy_state_problem(r->mode, r->cpl, r->cr0, r->cr4 & ~DT_CR4_UMIP, r->efer, 1);
        if (w) return w;
        if (r->cr4 & DT_CR4_UMIP & ~plat_cr4_fixed1) return "CR0/CR4 bits this processor does not support";
        if (r->mode == VI_MODE_REAL && (!vi_ept_caps_ok() || !((cap_proc2 >> 32) & PROC2_UNRESTRICTED)))
            return "a real-mode guest needs \"unrestricted guest\" and the runner's EPT (4-level walks, WB, 2-MiB and 1-GiB pages)";
        if (r->rflags & ~(uint64_t)(0x8d5 | 0x2 | 0x200 | (r->mode == VI_MODE_V86 ? VI_RFLAGS_VM : 0)))
            return "RFLAGS bits other than the arithmetic flags and IF (and VM in virtual-8086 mode)";
        if (r->mode == VI_MODE_V86 && !(r->rflags & VI_RFLAGS_VM)) return "virtual-8086 mode with RFLAGS.VM 0";
        return 0;
    }
    if ((r->cr0 & ~cr0_free) || (r->cr4 & ~cr4_free))
        return "CR0/CR4 bits the runner does not load (e.g. SMEP, SMAP, CET, PKE, PCIDE, LA57)";
    if ((r->cr4 & ~plat_cr4_fixed1) || (r->cr0 & ~plat_cr0_fixed1)) return "CR0/CR4 bits this processor does not support";
    if ((r->cr0 & plat_cr0_fixed0) != plat_cr0_fixed0 || (r->cr4 & plat_cr4_fixed0) != plat_cr4_fixed0)
        return "CR0/CR4 violate the VMX fixed bits";
    if (((r->cr0 ^ plat_cr0) & 0x80000001ULL) || ((r->cr4 ^ plat_cr4) & (1ULL << 5)))
        return "CR0.PE/PG, CR4.PAE must stay as the runner's (IA-32e mode)";
    if ((r->cr0 & (1ULL << 29)) && !(r->cr0 & (1ULL << 30))) return "CR0.NW without CD";
    /* EFER: loaded on VM entry ("load IA32_EFER"); without that control the guest keeps the host's NXE and SCE
     * (SDM Vol. 3C 27.3.2.1 sets only LMA/LME), so run_dt_record gives the host the vector's EFER around the launch
     * (the runner's page tables set no XD bit, so NXE does not change its own translations). */
    if ((r->efer & ~0xd01ULL) || ((r->efer & 0x500) != 0x500)) return "EFER not an IA-32e mode value";
    if (r->rflags & ~(uint64_t)(0x8d5 | 0x2 | 0x200)) return "RFLAGS bits other than the arithmetic flags and IF";
    return 0;
}

static const uint8_t dt_segpfx[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };   /* ES CS SS DS FS GS */

/* Chooses register values and a segment base that put the memory operand's linear address in the runner's free RAM,
 * and emits the instruction with exactly the vector's operand form (SDM Vol. 2A 2.1-2.2: prefixes, ModRM, SIB,
 * displacement). *lin gets the linear address; *segbase the base for the vector's segment when the vector leaves it
 * free (compatibility and protected mode and not CS, FS/GS in 64-bit mode, real and virtual-8086 mode and not CS),
 * else 0; gpr/set the registers the code loads. Returns the end of the bytes, or 0 with *why.
 *
 * Real and virtual-8086 mode run 16-bit code (SDM Vol. 3A 20.1.1, 20.2.1): 0x66 selects a 32-bit operand and 0x67 a
 * 32-bit address there. Their segments have 64-KiB limits (virtual-8086 mode: limit FFFFH and base = selector * 16,
 * which VM entry requires, Vol. 3C 27.3.1.2), so an effective address whose bytes pass FFFFH faults on the access
 * (Vol. 3A 20.1.1): with base or index registers the runner makes the effective address small; with a displacement
 * alone it must already be in the limit. Virtual-8086 linear addresses are below 110000H: the operand then lies in
 * DT_LOW..DT_LOW_END (cr-access's guest pages, unused while a descriptor-table record runs). Real mode under
 * "unrestricted guest" takes any 32-bit base and limit (27.3.1.2), so its operand's segment gets the base that puts
 * the operand at DT_SCRATCH and, when the bytes pass FFFFH, a 4-GiB limit (*biglimit); the vectors give no segment base
 * or limit (docs/vectors.md 6.5). Through CS (base 0: the code is at 0x8000) the operand's linear address is its
 * effective address. */
#define DT_LOW     0x1000ULL
#define DT_LOW_END 0x7000ULL

/* Base and index register values that make base + index * 2^scale equal `want` (at least one of them used): a
 * register that is both base and index needs a value v with v * (1 + 2^scale) = want (vi_base_index_value), an index
 * alone a multiple of 2^scale.
 * Returns 0 when no values do. */
static int dt_regs_for(uint64_t want, int bv, int iv, unsigned base, unsigned index, unsigned scale, uint64_t *bval,
                       uint64_t *ival) {
    if (bv && iv && base == index) {
        if (!vi_base_index_value(want, scale, bval)) return 0;
        *ival = *bval;
    } else if (bv) {
        *bval = want;
        *ival = 0;
    } else {
        if (want & ((1ULL << scale) - 1)) return 0;
        *ival = want >> scale;
    }
    return 1;
}

static uint8_t *dt_encode(const struct batch_dt_record *r, uint8_t *p, uint64_t gpr[16], uint16_t *set, uint64_t *lin,
                          uint64_t *segbase, int *biglimit, const char **why) {
    int long64 = r->mode == VI_MODE_64, code16 = r->mode == VI_MODE_REAL || r->mode == VI_MODE_V86;
    *biglimit = 0;
    unsigned insn = r->instruction;
    int gdt_idt = insn == DT_LGDT || insn == DT_LIDT || insn == DT_SGDT || insn == DT_SIDT;
    /* Opcode 0F 01 /0 SGDT, /1 SIDT, /2 LGDT, /3 LIDT; 0F 00 /0 SLDT, /1 STR, /2 LLDT, /3 LTR (Vol. 2A/2B). */
    static const uint8_t regf[8] = { 2, 3, 2, 3, 0, 1, 0, 1 };
    uint8_t opc = gdt_idt ? 0x01 : 0x00, reg = regf[insn];
    *segbase = 0;
    *lin = 0;
    if (!(r->flags & DT_FLAG_OPERAND)) {
        if (gdt_idt) {
            *why = "LGDT/LIDT/SGDT/SIDT with a register operand: every ModRM.mod = 3 encoding of 0F 01 /0-/3 is another "
                   "instruction or an undefined opcode, none is this instruction's (docs/open-questions.md 22.3)";
            return 0;
        }
        unsigned rr = r->register_operand & 15;
        if (!long64 && rr >= 8) { *why = "R8-R15 cannot be encoded outside 64-bit mode"; return 0; }
        /* LLDT: the null selector; LTR: the available TSS; SLDT/STR write the register. */
        gpr[rr] = insn == DT_LTR ? DT_TSS_SEL : 0;
        *set |= (uint16_t)(1U << rr);
        if (long64 && rr >= 8) *p++ = 0x41;   /* REX.B */
        *p++ = 0x0f;
        *p++ = opc;
        *p++ = (uint8_t)(0xc0 | (reg << 3) | (rr & 7));
        return p;
    }
    int bv = (r->flags & DT_FLAG_BASE) != 0, iv = (r->flags & DT_FLAG_INDEX) != 0;
    unsigned base = r->base & 15, index = r->index & 15, scale = r->scale & 3, seg = r->segment, asz = r->address_size;
    int64_t disp = (int64_t)r->displacement;
    if (seg > 5) { *why = "segment number beyond GS"; return 0; }
    if (long64 ? (asz != 64 && asz != 32) : (asz != 32 && asz != 16)) { *why = "address size not possible in this mode"; return 0; }
    if (!long64 && ((bv && base >= 8) || (iv && index >= 8))) { *why = "R8-R15 cannot be encoded outside 64-bit mode"; return 0; }
    if (long64 && seg < 4) {
        /* SDM Vol. 3A 3.4.4: in 64-bit mode ES/CS/SS/DS overrides are ignored; SS is used for an RSP/RBP base. */
        int ss_default = bv && (base == 4 || base == 5);
        if (seg != (ss_default ? 2U : 3U)) { *why = "64-bit mode: the vector's segment is not the one the processor uses"; return 0; }
    }
    /* With "descriptor-table exiting" 1 the store never happens: a fault before the VM exit, or the exit (SDM 26.1.1). */
    if (!long64 && !code16 && seg == 1 && (insn == DT_SGDT || insn == DT_SIDT || insn == DT_SLDT || insn == DT_STR)
        && !(r->flags & DT_FLAG_EXITING)) {
        *why = "a store through CS in compatibility or protected mode faults (code segments are not writable): the access cannot be made to succeed";
        return 0;
    }
    int seg_free = long64 ? (seg == 4 || seg == 5) : seg != 1;
    /* Bytes the instruction accesses outside 64-bit mode: 6 for the table registers, 2 for a selector (Vol. 2A/2B). */
    uint64_t len = gdt_idt ? 6 : 2;
    uint64_t amask = asz == 64 ? ~0ULL : asz == 32 ? 0xffffffffULL : 0xffffULL;
    uint64_t bval = 0, ival = 0;
    if (asz == 16) {
        if (scale) { *why = "scaled index with a 16-bit address"; return 0; }
        if (disp != (int64_t)(int16_t)disp) { *why = "displacement beyond 16 bits"; return 0; }
    } else if (disp != (int64_t)(int32_t)disp) {
        *why = "displacement beyond 32 bits";
        return 0;
    }
    if (iv && index == 4) { *why = "RSP as an index register cannot be encoded"; return 0; }
    uint64_t ea;
    if (code16) {
        /* Target effective addresses: with registers, small ones for a free segment (its base moves them), ones in
         * DT_LOW for CS; else the displacement. */
        int ok = 0;
        uint64_t tlo = seg_free ? 0 : DT_LOW;
        if (!bv && !iv) {
            ea = (uint64_t)disp & amask;
            ok = 1;
        }
        for (uint64_t t = tlo; t < tlo + 16 && !ok; t++) {
            uint64_t want = (t - (uint64_t)disp) & amask;
            if (!dt_regs_for(want, bv, iv, base, index, scale, &bval, &ival)) continue;
            ea = t;
            ok = 1;
        }
        if (!ok) { *why = "no register values give a small effective address"; return 0; }
        if (!seg_free) {
            if (!(ea >= DT_LOW && ea + 16 <= DT_LOW_END)) {
                *why = "real/virtual-8086 mode through CS: the operand's address is fixed by the vector (displacement alone) "
                       "and lies outside the runner's free low memory (0x1000-0x6fff)";
                return 0;
            }
            *lin = ea;
        } else if (r->mode == VI_MODE_V86) {
            if (ea + len - 1 > 0xffff) {
                *why = "virtual-8086 mode: the operand's bytes pass the 64-KiB segment limit (displacement alone), so its "
                       "access faults where the instruction executes";
                return 0;
            }
            uint64_t t = ea < DT_LOW ? DT_LOW + ((ea - DT_LOW) & 15) : ea;
            if (t + 16 > DT_LOW_END) {
                *why = "virtual-8086 mode: no segment base (selector * 16) puts the operand (displacement alone) in the "
                       "runner's free low memory (0x1000-0x6fff)";
                return 0;
            }
            *segbase = t - ea;
            *lin = t;
        } else {
            *segbase = (DT_SCRATCH - ea) & 0xffffffffULL;   /* 32-bit linear addresses wrap */
            *lin = DT_SCRATCH;
            *biglimit = ea + len - 1 > 0xffff;
        }
    } else if (!long64 && seg_free && ((uint64_t)disp & amask) + len - 1 > 0xffffffffULL) {
        /* Compatibility and protected mode: the displacement alone would put the operand's last bytes past the 4-GiB
         * limit (SDM Vol. 3A 5.3: a fault on the access). Base/index registers give a small effective address. */
        int ok = 0;
        for (uint64_t t = 0; t < 16 && (bv || iv) && !ok; t++) {
            uint64_t want = (t - (uint64_t)disp) & amask;
            if (!dt_regs_for(want, bv, iv, base, index, scale, &bval, &ival)) continue;
            *segbase = DT_SCRATCH - t;
            *lin = DT_SCRATCH;
            ok = 1;
        }
        if (!ok) {
            *why = "the operand's bytes pass the 4-GiB segment limit (displacement alone): its access faults where the "
                   "instruction executes";
            return 0;
        }
    } else if (seg_free || (!bv && !iv)) {
        /* Registers 0: the effective address is the displacement; the segment base (if free) moves it. */
        ea = (uint64_t)disp & amask;
        if (seg_free) {
            if (!long64 && ea <= DT_SCRATCH) *segbase = DT_SCRATCH - ea;
            else if (!long64) *segbase = (DT_SCRATCH - ea) & 0xffffffffULL;   /* 32-bit linear addresses wrap */
            else *segbase = DT_SCRATCH - ea;
            *lin = DT_SCRATCH;
        } else {
            *lin = long64 ? ea : ea & 0xffffffffULL;
        }
    } else {
        /* Protected mode: a 16-bit address through CS (base 0) reaches the free low memory (code16 above). */
        int low = asz == 16 && r->mode == VI_MODE_PROTECTED;
        if (asz == 16 && !low) { *why = "a 16-bit address through CS cannot reach the runner's free RAM"; return 0; }
        int ok = 0;
        uint64_t tlo = low ? DT_LOW : DT_SCRATCH;
        for (uint64_t t = tlo; t < tlo + 16 && !ok; t++) {
            uint64_t want = (t - (uint64_t)disp) & amask;
            if (!dt_regs_for(want, bv, iv, base, index, scale, &bval, &ival)) continue;
            *lin = t;
            ok = 1;
        }
        if (!ok) { *why = "no register values give an address in the runner's free RAM"; return 0; }
    }
    if (bv) { gpr[base] = bval; *set |= (uint16_t)(1U << base); }
    if (iv) { gpr[index] = ival; *set |= (uint16_t)(1U << index); }
    ea = ((bv ? bval : 0) + (iv ? ival << scale : 0) + (uint64_t)disp) & amask;
    if (!(*lin >= VI_RAM_LOW && *lin + 16 <= VI_RAM_HIGH) &&
        !(r->mode < VI_MODE_COMPAT && *lin >= DT_LOW && *lin + 16 <= DT_LOW_END)) {
        *why = "the operand's address is fixed by the vector (no base or index register, segment base 0) and lies "
               "outside the runner's free RAM (0x1a0000-0x80000000; outside IA-32e mode also 0x1000-0x6fff)";
        return 0;
    }
    if (r->mode < VI_MODE_COMPAT && (r->cr0 >> 31) && !(r->cr4 & (1ULL << 5)) && *lin + 16 > DT_PAGING32_END) {
        *why = "32-bit paging: the operand's address is fixed by the vector and lies beyond the 4 MiB the runner maps";
        return 0;
    }
    if (!long64 && ((*segbase + ea) & 0xffffffffULL) != *lin) { *why = "internal: operand address mismatch"; return 0; }
    if (long64 && *segbase + ea != *lin) { *why = "internal: operand address mismatch"; return 0; }
    /* Prefixes: segment (in 64-bit mode only FS/GS: the others are ignored there), operand size (66: 16-bit in
     * compatibility mode), address size (67), REX (X, B for R8-R15). */
    if (!long64 || seg >= 4) *p++ = dt_segpfx[seg];
    if (gdt_idt && !long64 && r->operand_size == (code16 ? 32 : 16)) *p++ = 0x66;
    if ((long64 && asz == 32) || (!long64 && asz == (code16 ? 32 : 16))) *p++ = 0x67;
    if (long64) {
        uint8_t rex = 0x40 | ((iv && (index & 8)) ? 2 : 0) | ((bv && (base & 8)) ? 1 : 0);
        if (rex != 0x40) *p++ = rex;
    }
    *p++ = 0x0f;
    *p++ = opc;
    if (asz == 16) {
        /* 16-bit ModRM (Vol. 2A Table 2-1): [BX+SI] 0, [BX+DI] 1, [BP+SI] 2, [BP+DI] 3, [SI] 4, [DI] 5, [BP] 6,
         * [BX] 7 (mod 10, disp16); disp16 alone: mod 00, rm 6. */
        int rm = -1;
        if (bv && iv) {
            if ((base == 3 || base == 5) && (index == 6 || index == 7)) rm = (base == 5 ? 2 : 0) + (index == 7);
        } else if (bv) {
            rm = base == 6 ? 4 : base == 7 ? 5 : base == 5 ? 6 : base == 3 ? 7 : -1;
        } else if (!iv) {
            rm = 8;
        }
        if (rm < 0) { *why = "base/index registers that 16-bit addressing cannot encode"; return 0; }
        *p++ = (uint8_t)((rm == 8 ? 0 : 2) << 6 | (reg << 3) | (rm == 8 ? 6 : rm));
        *p++ = (uint8_t)disp;
        *p++ = (uint8_t)((uint64_t)disp >> 8);
        return p;
    }
    /* 32/64-bit: always a SIB byte; mod 10 (disp32) with a base, mod 00 with SIB base 101 (disp32, no base) without.
     * Never RIP-relative. */
    *p++ = (uint8_t)(((bv ? 2 : 0) << 6) | (reg << 3) | 4);
    *p++ = (uint8_t)((scale << 6) | ((iv ? index & 7 : 4) << 3) | (bv ? base & 7 : 5));
    uint32_t d32 = (uint32_t)disp;
    for (int i = 0; i < 4; i++) *p++ = (uint8_t)(d32 >> (8 * i));
    return p;
}

static void run_dt_record(const struct batch_dt_record *r) {
    const struct batch_record *rec = (const struct batch_record *)r;
    unsigned insn = r->instruction;
    if (insn > DT_STR || r->cpl > 3 || r->mode > VI_MODE_64) {
        reply_error(rec, "malformed record, instruction", insn);
        return;
    }
    int long64 = r->mode == VI_MODE_64, legacy = r->mode < VI_MODE_COMPAT;
    int code16 = r->mode == VI_MODE_REAL || r->mode == VI_MODE_V86;
    /* The vector's capability input must be this processor's (cap_proc2 is 0 without secondary controls, SDM Vol.
     * 3D A.3.3); the control can be 1 only where IA32_VMX_PROCBASED_CTLS2 bit 34 allows it. */
    int exiting = (r->flags & DT_FLAG_EXITING) != 0;
    if (r->procbased_ctls2 != cap_proc2) {
        reply_unsupported(rec, "the vector's IA32_VMX_PROCBASED_CTLS2 differs from this processor's");
        return;
    }
    if (exiting && (!((cap_proc >> 63) & 1) || !((cap_proc2 >> 32) & DT_PROC2_DESCRIPTOR_TABLE_EXITING))) {
        reply_unsupported(rec, "\"descriptor-table exiting\" cannot be 1 on this processor");
        return;
    }
    if (exiting == 0 && ((uint32_t)cap_proc2 & DT_PROC2_DESCRIPTOR_TABLE_EXITING)) {
        reply_unsupported(rec, "\"descriptor-table exiting\" cannot be 0 on this processor");
        return;
    }
    const char *why = dt_state_problem(r);
    if (why) { reply_unsupported(rec, why); return; }

    /* Guest code: MOV imm into each chosen register, the instruction, VMCALL. */
    uint64_t gpr[16];
    uint16_t set = 0;
    uint64_t lin = 0, segbase = 0;
    int biglimit = 0;
    memset_(gpr, 0, sizeof gpr);
    uint8_t ins[32];
    uint8_t *e = dt_encode(r, ins, gpr, &set, &lin, &segbase, &biglimit, &why);
    if (!e) { reply_unsupported(rec, why); return; }
    /* Outside IA-32e mode the code is where vmx_instruction.h's non-root guests have theirs (VIG_CODE: CS base 0,
     * IP 0x8000 in 16-bit code). */
    uint8_t *code = legacy ? (uint8_t *)VIG_CODE : dt_code;
    uint8_t *p = code;
    if (legacy) memset_(p, 0xcc, 256);
    for (unsigned k = 0; k < 16; k++) {
        if (!(set >> k & 1)) continue;
        if (long64) {
            *p++ = (uint8_t)(0x48 | (k >= 8 ? 1 : 0));   /* REX.W (B) B8+r imm64 */
            *p++ = (uint8_t)(0xb8 + (k & 7));
            for (int i = 0; i < 8; i++) *p++ = (uint8_t)(gpr[k] >> (8 * i));
        } else {
            if (code16) *p++ = 0x66;                       /* 32-bit operand in 16-bit code */
            *p++ = (uint8_t)(0xb8 + k);                    /* B8+r imm32 */
            for (int i = 0; i < 4; i++) *p++ = (uint8_t)(gpr[k] >> (8 * i));
        }
    }
    uint64_t insn_rip = (uint64_t)p;
    for (uint8_t *q = ins; q < e; q++) *p++ = *q;
    uint64_t vmcall_rip = (uint64_t)p;
    *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc1;

    /* The guest's tables and the operand's memory (a value the instruction can load; SDM Vol. 2A/2B). */
    for (int i = 0; i < 15; i++) dt_gdt[i] = guest_gdt[i];
    memset_(&dt_tss, 0, sizeof dt_tss);
    dt_tss.iomap_base = sizeof dt_tss;
    set_tss_desc(dt_gdt, 15, (uint64_t)&dt_tss, sizeof dt_tss - 1, 9, 0);
    if (r->flags & DT_FLAG_OPERAND) {
        volatile uint8_t *m = (volatile uint8_t *)lin;
        uint64_t tbl_base = 0, tbl_limit = 0;
        for (int i = 0; i < 16; i++) m[i] = 0;
        if (insn == DT_LGDT) { tbl_base = (uint64_t)dt_gdt; tbl_limit = sizeof dt_gdt - 1; }
        if (insn == DT_LIDT) { tbl_base = (uint64_t)guest_idt; tbl_limit = sizeof guest_idt - 1; }
        if (insn == DT_LTR) tbl_limit = DT_TSS_SEL;   /* the selector word */
        m[0] = (uint8_t)tbl_limit;
        m[1] = (uint8_t)(tbl_limit >> 8);
        for (int i = 0; i < 8; i++) m[2 + i] = (uint8_t)(tbl_base >> (8 * i));
    }

    /* VMCS: kernel.c's guest (fresh VMCS in vmcs_region), then the vector's state. */
    struct batch_record fake;
    memset_(&fake, 0, sizeof fake);
    fake.instruction = BATCH_INSN_RDMSR;
    fake.ecx = 0x10;
    fake.cpl = r->cpl;
    struct guest_gprs gg = { 0, 0, 0 };
    uint64_t grip;
    int b = build_vmcs(&fake, &gg, &grip);
    if (b) { reply_error(rec, "building the guest's VMCS failed", (uint64_t)-b); return; }
    int bad = 0;
    bad |= vi_write_guest_registers((uint64_t)code, r->rflags, r->cr0, r->cr4, r->efer);
    bad |= vi_vmwrite(VMCS_GUEST_GDTR_BASE, (uint64_t)dt_gdt);
    bad |= vi_vmwrite(VMCS_GUEST_GDTR_LIMIT, sizeof dt_gdt - 1);
    if (r->mode == VI_MODE_COMPAT) {
        /* Compatibility mode: the 32-bit code segment of the ring (L = 0, D = 1; kernel.c guest_tables). */
        bad |= vi_vmwrite(VMCS_GUEST_CS_SELECTOR, (uint64_t)((0x58 + 8 * r->cpl) | r->cpl));
        bad |= vi_vmwrite(VMCS_GUEST_CS_AR_BYTES, 0xc09b | (r->cpl << 5));
    }
    if (legacy) {
        /* vmx_instruction.h's guest outside IA-32e mode (PAE tables first when CR0.PG = 1). */
        if ((r->cr0 >> 31) && (r->cr4 & (1ULL << 5))) vi_build_pae();
        else if (r->cr0 >> 31) dt_build_paging32();
        bad |= vi_legacy_guest(r->mode, r->cpl, r->cr0);
    }
    if (r->flags & DT_FLAG_OPERAND) {
        /* The segment's base fields are ES, CS, SS, DS, FS, GS in encoding order (SDM Vol. 3D B.4.3). */
        unsigned sg = r->segment;
        bad |= vi_vmwrite(VMCS_GUEST_ES_BASE + 2 * sg, segbase);
        if (r->mode == VI_MODE_V86) {
            /* Virtual-8086 mode: base = selector * 16 (SDM Vol. 3C 27.3.1.2); segbase is a multiple of 16. */
            bad |= vi_vmwrite(VMCS_GUEST_ES_SELECTOR + 2 * sg, segbase >> 4);
        } else if (r->mode == VI_MODE_REAL) {
            /* Real mode under "unrestricted guest": any 32-bit base and a limit that agrees with G (27.3.1.2); a
             * store through CS needs it writable: type 3 (read/write data, accessed), which 27.3.1.2 allows CS with
             * "unrestricted guest" at DPL 0. */
            bad |= vi_vmwrite(VMCS_GUEST_ES_SELECTOR + 2 * sg, (segbase >> 4) & 0xffff);
            if (biglimit) {
                bad |= vi_vmwrite(VMCS_GUEST_ES_LIMIT + 2 * sg, 0xffffffffULL);
                bad |= vi_vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * sg, 0x8093);
            }
            if (sg == 1) bad |= vi_vmwrite(VMCS_GUEST_CS_AR_BYTES, 0x93);
        }
    }
    uint32_t proc = (uint32_t)vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL);
    if ((cap_proc >> 63) & 1) {
        bad |= vi_vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc | DT_PROC_ACTIVATE_SECONDARY);
        /* A real-mode guest needs "unrestricted guest" and "enable EPT" (27.2.1.1); the EPT is cr-access's identity map. */
        uint32_t p2want = (exiting ? DT_PROC2_DESCRIPTOR_TABLE_EXITING : 0) |
                          (r->mode == VI_MODE_REAL ? PROC2_UNRESTRICTED | PROC2_ENABLE_EPT : 0);
        uint32_t p2 = adjust(cap_proc2, p2want, NULL);
        if (!exiting) p2 &= ~DT_PROC2_DESCRIPTOR_TABLE_EXITING;
        bad |= vi_vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, p2);
    }
    if (r->mode == VI_MODE_REAL) {
        cr_build_ept();
        bad |= vi_vmwrite(VMCS_EPT_POINTER, (uint64_t)ept_pml4 | (3 << 3) | 6);   /* WB, 4-level (25.6.11) */
    }
    if (bad || vmwrite_failed) { reply_error(rec, "VMWRITE of the guest state failed", 0); return; }
    if (!have_entry_load_efer && r->efer != plat_efer) wrmsr(0xc0000080, r->efer);
    int l = vmx_launch(&gg);
    if (!have_entry_load_efer && r->efer != plat_efer) wrmsr(0xc0000080, plat_efer);
    if (l) { reply_error(rec, "VMLAUNCH of the guest failed, status", l == 2 ? vmread(VMCS_VM_INSTRUCTION_ERROR) : 1); return; }
    uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
    if (reason & 0x80000000U) { reply_error(rec, "the guest's VM entry failed, exit reason", reason); return; }
    reason &= 0xffff;
    uint64_t rip = vmread(VMCS_GUEST_RIP);
    if (reason == 52) { reply_error(rec, "watchdog: the VMX-preemption timer expired, guest rip", rip); return; }
    if (reason == 0) {
        uint64_t info = vmread(VMCS_VM_EXIT_INTR_INFO);
        uint64_t ec = (info & (1U << 11)) ? vmread(VMCS_VM_EXIT_INTR_ERROR_CODE) : 0;
        if (((info >> 8) & 7) != 3 || rip != insn_rip) {
            reply_error(rec, "unexpected exception or NMI exit (not at the instruction), interruption information", info);
            return;
        }
        vi_reply_exception(rec, info & 0xff, ec);
        return;
    }
    if (reason == 18 && rip == vmcall_rip) {
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"no-exit\"}}\n");
        return;
    }
    if ((reason == 46 || reason == 47) && rip == insn_rip) {
        uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
        uint64_t info = dt_clean_info(reason, vmread(VMCS_VMX_INSTRUCTION_INFO));
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"vm-exit\", \"exit_reason\": ");
        put_dec(reason);
        puts_(", \"exit_qualification\": \"");
        put_hex(q);
        puts_("\", \"instruction_information\": \"");
        put_hex(info);
        puts_("\"}}\n");
        return;
    }
    reply_unexpected_exit(rec, reason, vmread(VMCS_EXIT_QUALIFICATION), rip);
}
