/*
 * vmx-instruction records (domain 3; runner/README.md "vmx-instruction"). Included by kernel.c.
 *
 * Three contexts (the record's vmx_operation):
 * - root: the kernel leaves its own VMX operation (VMXOFF), enters VMX operation with the vector's VMXON pointer,
 *   makes the vector's current VMCS current (VMCLEAR + VMPTRLD; for launch state "launched" it also fills it and runs
 *   a guest that exits at once; for VMREAD/VMWRITE it writes field_value into the accessed field), writes the
 *   vector's memory, loads CR0/CR4, FS/GS base, GPRs and RFLAGS and runs the instruction from generated code at the
 *   vector's CPL in 64-bit or compatibility mode (an IRETQ into the segments of vi_gdt); the code ends with UD2,
 *   whose #UD marks completion. Faults come back through the IDT (IST 1) in ring 0.
 * - outside: as root, but the instruction runs after VMXOFF, with the vector's CR0/CR4 (CR4.VMXE may be 0).
 * - non-root: the vector's current VMCS is filled (kernel.c build_vmcs) for a guest in 64-bit or compatibility mode
 *   at the vector's CPL with the vector's CR0/CR4/EFER/RFLAGS, FS/GS base, "VMCS shadowing", VMCS link pointer and
 *   VMREAD/VMWRITE bitmaps; the guest loads the GPRs, runs the instruction and VMCALL. The VM exit is the outcome.
 * Afterwards the kernel restores its own state (VMXOFF if still in VMX operation, CR0/CR4, GDT, VMXON of its region).
 */

#define VI_RAM_LOW  0x1a0000ULL     /* below: the runner's own memory (kernel and BSS below 0x140000, kernel.ld; batch images 0x140000-0x19ffff) */
#define VI_RFLAGS_VM (1ULL << 17)
#define VI_RAM_HIGH 0x80000000ULL   /* megs: 2048 in the host's bochsrc */

struct vi_ctx {
    uint64_t gpr[16];      /* 0 */
    uint64_t rflags_in;    /* 128 */
    uint64_t rflags_out;   /* 136 */
    uint64_t code;         /* 144 */
    uint64_t set_host;     /* 152 */
    uint64_t cs, ss;       /* 160, 168 */
    uint64_t gpr_out[16];  /* 176 */
};
_Static_assert(offsetof(struct vi_ctx, ss) == 168, "vi_ctx layout (vi_entry.S)");

extern int vi_exec(struct vi_ctx *c);
extern char vi_done[], vi_fault[];
extern uint64_t vi_saved_rsp;

static uint8_t vi_code[160] __attribute__((aligned(64)));
static volatile int vi_active;
static volatile uint64_t vi_exc_vector, vi_exc_error, vi_trap_rip;
static struct vi_ctx *vi_cur;
static uint32_t plat_maxphyaddr;
static uint64_t plat_feature_control, plat_basic, plat_cr0, plat_cr4, plat_misc, plat_efer;

/* The root-mode GDT used while a vector's code runs: the host's first five entries (0x08 code, 0x10 data, 0x18 TSS,
 * the selectors of the IDT and of TR), then for ring n a 64-bit code, a data and a 32-bit code segment (SDM Vol. 3A
 * 3.4.5, 5.2.1: L=1 for 64-bit mode, L=0 D=1 for compatibility mode). */
static uint64_t vi_gdt[54] __attribute__((aligned(16)));   /* 17-53: vi_legacy.h */
#define VI_SEL_CODE64(n) ((uint16_t)(((5 + 3 * (n)) << 3) | (n)))
#define VI_SEL_DATA(n)   ((uint16_t)(((6 + 3 * (n)) << 3) | (n)))
#define VI_SEL_CODE32(n) ((uint16_t)(((7 + 3 * (n)) << 3) | (n)))

static void vi_legacy_setup(void);
static const char *vi_legacy_root_cr_problem(const struct batch_vi_record *r);

static void vi_setup(void) {
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008) { cpuid(0x80000008, &a, &b, &c, &d); plat_maxphyaddr = a & 0xff; }
    else plat_maxphyaddr = 36;
    plat_feature_control = rdmsr(0x3a);
    plat_basic = rdmsr(0x480);
    plat_misc = rdmsr(0x485);
    plat_cr0 = READ_CR(0);
    plat_cr4 = READ_CR(4);
    plat_efer = rdmsr(0xc0000080);
    for (int i = 0; i < 5; i++) vi_gdt[i] = host_gdt[i];
    for (unsigned n = 0; n < 4; n++) {
        vi_gdt[5 + 3 * n] = 0x00af9b000000ffffULL | ((uint64_t)n << 45);
        vi_gdt[6 + 3 * n] = 0x00cf93000000ffffULL | ((uint64_t)n << 45);
        vi_gdt[7 + 3 * n] = 0x00cf9b000000ffffULL | ((uint64_t)n << 45);
    }
    vi_legacy_setup();
    /* Mask the 8259 PICs: a vector may run with RFLAGS.IF = 1, and the BIOS's IRQ vectors are exception vectors. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/* Called first by exception_handler: an exception of the generated code goes back to vi_exec in ring 0. The #UD of
 * the final UD2 is completion (vi_done, with the GPRs and RFLAGS at that point); anything else returns 2. */
int vi_guard_exception(struct frame *f) {
    if (!vi_active || f->rip < (uint64_t)vi_code || f->rip >= (uint64_t)vi_code + sizeof vi_code) return 0;
    if (f->vector == 6 && f->rip == vi_trap_rip) {
        uint64_t *o = vi_cur->gpr_out;
        o[0] = f->rax; o[1] = f->rcx; o[2] = f->rdx; o[3] = f->rbx; o[4] = f->rsp; o[5] = f->rbp; o[6] = f->rsi;
        o[7] = f->rdi; o[8] = f->r8; o[9] = f->r9; o[10] = f->r10; o[11] = f->r11; o[12] = f->r12; o[13] = f->r13;
        o[14] = f->r14; o[15] = f->r15;
        /* RF (bit 16) is set in the image a fault pushes (SDM Vol. 3A 7.12.1/19.3.1.1): the UD2's, not the instruction's. */
        vi_cur->rflags_out = f->rflags & ~(1ULL << 16);
        f->rip = (uint64_t)vi_done;
    } else {
        vi_exc_vector = f->vector;
        vi_exc_error = f->error;
        f->rip = (uint64_t)vi_fault;
    }
    f->cs = HOST_CS;
    f->ss = HOST_DS;
    f->rsp = vi_saved_rsp;
    f->rflags = 0x2;
    vi_active = 0;
    return 1;
}

static int vi_canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }
static int vi_in_ram(uint64_t a, uint64_t len) { return a >= VI_RAM_LOW && a < VI_RAM_HIGH && a + len <= VI_RAM_HIGH; }
/* The value v of a register that is both base and index, v * (1 + 2^scale) = want modulo 2^64 (hence modulo every
 * address size). An odd multiplier (scale > 0) always has one, through its inverse modulo 2^64: Newton's iteration
 * x = x * (2 - m * x) doubles the correct low bits, and x = m is right in 3 (m * m = 1 modulo 8 for odd m). Scale 0
 * (m = 2) needs an even want. Returns 0 when no value gives it. */
static int vi_base_index_value(uint64_t want, unsigned scale, uint64_t *v) {
    uint64_t m = 1 + (1ULL << scale);
    if (scale == 0) {
        if (want & 1) return 0;
        *v = want >> 1;
        return 1;
    }
    uint64_t x = m;
    for (int i = 0; i < 5; i++) x *= 2 - m * x;
    *v = want * x;
    return 1;
}
/* The outcome depends on MAXPHYADDR only through "bits beyond the physical-address width" of x: this processor's
 * width gives the same answer as the vector's when x is below 2^min or at/above 2^max of the two widths. */
static int vi_width_agnostic(uint64_t x, uint32_t w1, uint32_t w2) {
    uint32_t lo = w1 < w2 ? w1 : w2, hi = w1 < w2 ? w2 : w1;
    return (x >> lo) == 0 || (x >> hi) != 0;
}

static int vi_vmwrite(uint64_t field, uint64_t value) {
    uint8_t cf, zf;
    __asm__ volatile("vmwrite %3, %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "r"(field), "r"(value) : "cc", "memory");
    return vmx_status(cf, zf);
}
static int vi_vmread(uint64_t field, uint64_t *value) {
    uint8_t cf, zf;
    uint64_t v = 0;
    __asm__ volatile("vmread %3, %2; setc %0; setz %1" : "=r"(cf), "=r"(zf), "=r"(v) : "r"(field) : "cc", "memory");
    *value = v;
    return vmx_status(cf, zf);
}

static void vi_reply_flags(uint64_t rflags) {
    puts_("\"rflags\": \"");
    put_hex(rflags);
    puts_("\"");
}

/* An encoding that names a field (SDM Vol. 3C 25.11.2): bits 63:32, 31:15 and 12 clear, high access only for 64-bit
 * fields. Such a field exists on every VMX processor by the domain's precondition. */
static int vi_encoding_valid(uint64_t e) {
    if ((e >> 15) != 0 || (e & (1ULL << 12))) return 0;
    if ((e & 1) && ((e >> 13) & 3) != 1) return 0;
    return 1;
}

/* Makes the field `enc` (full access) of the current VMCS hold `value`. 0 on success; otherwise a reason. */
static const char *vi_set_field(const struct batch_vi_record *r, uint64_t enc, uint64_t value) {
    uint64_t full = enc & ~1ULL, old = 0;
    if (vi_vmwrite(full, value) == 0) return 0;
    /* VM-exit information fields are read-only without IA32_VMX_MISC bit 29: a fresh VMCS may hold the value. */
    if (vi_vmread(full, &old) == 0 && old == value) return 0;
    /* A field this processor does not have (VMfailValid 12, "unsupported VMCS component", SDM Vol. 3C 31.4): when
     * the vector's capability MSRs that decide which fields exist are the processor's (VI_FLAG_FIELD_CAPS, compared
     * in run_vi_record), the vector's field does not exist either, and VMREAD/VMWRITE end in VMfail(12) before any
     * value of it is read (SDM Vol. 3C 31.3 VMREAD, VMWRITE), so field_value takes no part in the outcome. */
    uint64_t ierr = 0;
    if ((r->flags & VI_FLAG_FIELD_CAPS) && vi_vmread(VMCS_VM_INSTRUCTION_ERROR, &ierr) == 0 && ierr == 12) return 0;
    return "the accessed VMCS field cannot be given the vector's field_value on this processor (read-only or unsupported)";
}

/* ------------------------------------------------------------------------------------------------ instruction bytes */

struct vi_gen {
    uint64_t gpr[16];
    uint16_t set;          /* registers the vector determines */
    int reg_dest;          /* VMREAD register destination, else -1 */
};

static const uint8_t vi_segpfx[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* Emits the vector's instruction for 64-bit (long64 = 1), 32-bit (0) or 16-bit (VI_CODE16: real and virtual-8086
 * mode, where 0x67 selects 32-bit addressing instead) code and chooses the GPR values that give the operand's
 * offset. Returns the end of the bytes, or 0 with *why set. */
#define VI_CODE16 2
static uint8_t *vi_encode(const struct batch_vi_record *r, uint8_t *p, int long64, struct vi_gen *g, const char **why) {
    int code16 = long64 == VI_CODE16;
    long64 = long64 == 1;
    unsigned insn = r->instruction;
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0;
    int inv = insn == VI_INVEPT || insn == VI_INVVPID, rw = insn == VI_VMREAD || insn == VI_VMWRITE;
    memset_(g, 0, sizeof *g);
    g->reg_dest = -1;
    if (r->flags & VI_FLAG_MOV_SS) { *p++ = 0x8c; *p++ = 0xd0; *p++ = 0x8e; *p++ = 0xd0; }   /* mov eax, ss; mov ss, eax */
    switch (insn) {
    case VI_VMXOFF: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc4; return p;
    case VI_VMLAUNCH: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc2; return p;
    case VI_VMRESUME: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc3; return p;
    case VI_VMCALL: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc1; return p;
    case VI_VMFUNC:
        /* 0F 01 D4 with EAX (function) and ECX (EPTP index) from the record (SDM Vol. 3C 31.3 VMFUNC). */
        g->gpr[0] = (uint32_t)r->segment_base;
        g->gpr[1] = r->segment_base >> 32;
        g->set = 3;
        *p++ = 0x0f; *p++ = 0x01; *p++ = 0xd4; return p;
    default: break;
    }
    unsigned reg = insn == VI_VMPTRST ? 7 : 6;
    int fixed_reg = inv || rw;
    if (fixed_reg) {
        reg = r->register_operand & 15;
        g->gpr[reg] = r->register_value;
        g->set |= (uint16_t)(1U << reg);
    }
    if (!long64 && fixed_reg && reg >= 8) { *why = "R8-R15 cannot be encoded outside 64-bit mode"; return 0; }
    if (!has_op) {
        if (!rw || !(r->flags & VI_FLAG_DATA_REG)) { *why = "register form of a memory-operand instruction"; return 0; }
        unsigned d = r->data_register & 15;
        if (!long64 && d >= 8) { *why = "R8-R15 cannot be encoded outside 64-bit mode"; return 0; }
        if (insn == VI_VMWRITE) {
            if ((g->set >> d & 1) && g->gpr[d] != r->data_value) { *why = "Reg1 = Reg2 with different values"; return 0; }
            g->gpr[d] = r->data_value;
            g->set |= (uint16_t)(1U << d);
        } else {
            g->reg_dest = (int)d;
        }
        if (long64) {
            uint8_t rex = 0x40 | ((reg & 8) ? 4 : 0) | ((d & 8) ? 1 : 0);
            if (rex != 0x40) *p++ = rex;
        }
        *p++ = 0x0f;
        *p++ = insn == VI_VMREAD ? 0x78 : 0x79;
        *p++ = (uint8_t)(0xc0 | ((reg & 7) << 3) | (d & 7));
        return p;
    }
    int bv = (r->flags & VI_FLAG_BASE) != 0, iv = (r->flags & VI_FLAG_INDEX) != 0;
    unsigned base = r->base & 15, index = r->index & 15, scale = r->scale & 3;
    if (r->segment > 5) { *why = "segment number beyond GS"; return 0; }
    int64_t disp = (int64_t)r->displacement;
    unsigned asz = r->address_size;
    if (long64 ? (asz != 64 && asz != 32) : (asz != 32 && asz != 16)) { *why = "address size not possible in this mode"; return 0; }
    if (!long64 && ((bv && base >= 8) || (iv && index >= 8))) { *why = "R8-R15 cannot be encoded outside 64-bit mode"; return 0; }
    if (asz == 16) {
        /* 16-bit ModRM (SDM Vol. 2A table 2-1): base BX/BP, index SI/DI, or SI/DI/BP/BX alone, or disp16. */
        static const int8_t rm_of[8][8] = {{0}};
        (void)rm_of;
        int rm = -1;
        if (scale) { *why = "scaled index with a 16-bit address"; return 0; }
        if (bv && iv) {
            if ((base == 3 || base == 5) && (index == 6 || index == 7)) rm = (base == 5 ? 2 : 0) + (index == 7);
        } else if (bv) {
            rm = base == 6 ? 4 : base == 7 ? 5 : base == 5 ? 6 : base == 3 ? 7 : -1;
        } else if (iv) {
            rm = -1;
        } else {
            rm = 8;   /* disp16 */
        }
        if (rm < 0) { *why = "base/index registers that 16-bit addressing cannot encode"; return 0; }
        if (disp != (int64_t)(int16_t)disp && (uint64_t)disp > 0xffff) { *why = "displacement beyond 16 bits"; return 0; }
        uint16_t want = (uint16_t)(r->offset - (uint64_t)disp);
        if (bv && iv) {
            if (fixed_reg && (base == reg || index == reg)) { *why = "the register operand doubles as base/index"; return 0; }
            g->gpr[base] = want; g->gpr[index] = 0;
            g->set |= (uint16_t)((1U << base) | (1U << index));
        } else if (bv) {
            if (fixed_reg && base == reg) { *why = "the register operand doubles as base"; return 0; }
            g->gpr[base] = want;
            g->set |= (uint16_t)(1U << base);
        } else if (want != 0) { *why = "disp16 does not give the offset"; return 0; }
        *p++ = vi_segpfx[r->segment];
        if (!code16) *p++ = 0x67;
        if (insn == VI_VMCLEAR || inv) *p++ = 0x66;
        if (insn == VI_VMXON) *p++ = 0xf3;
        *p++ = 0x0f;
        if (inv) { *p++ = 0x38; *p++ = insn == VI_INVEPT ? 0x80 : 0x81; }
        else if (rw) *p++ = insn == VI_VMREAD ? 0x78 : 0x79;
        else *p++ = 0xc7;
        *p++ = (uint8_t)((rm == 8 ? 0 : 2) << 6 | ((reg & 7) << 3) | (rm == 8 ? 6 : rm));
        *p++ = (uint8_t)disp;
        *p++ = (uint8_t)((uint64_t)disp >> 8);
        return p;
    }
    if (disp != (int64_t)(int32_t)disp) { *why = "displacement beyond 32 bits"; return 0; }
    if (iv && index == 4) { *why = "RSP as an index register cannot be encoded"; return 0; }
    uint64_t amask = asz == 32 ? 0xffffffffULL : ~0ULL;
    uint64_t want = (r->offset - (uint64_t)disp) & amask;   /* base + index * 2^scale */
    uint64_t bval = 0, ival = 0;
    int fixed_b = fixed_reg && bv && base == reg, fixed_i = fixed_reg && iv && index == reg;
    if (fixed_b) bval = r->register_value;
    if (fixed_i) ival = r->register_value;
    if (bv && iv && base == index) {
        uint64_t v = bval;
        if (!fixed_b && !vi_base_index_value(want, scale, &v)) v = ~0ULL;
        if (((v * (1 + (1ULL << scale))) & amask) != want) { *why = "base = index register: no value gives the offset"; return 0; }
        bval = ival = v;
    } else if (bv && !fixed_b) {
        bval = want - (iv ? (ival << scale) : 0);
    } else if (iv && !fixed_i) {
        uint64_t rest = (want - (bv ? bval : 0)) & amask;
        if (rest & ((1ULL << scale) - 1)) { *why = "the index cannot give the offset"; return 0; }
        ival = rest >> scale;
    }
    uint64_t ea = ((bv ? bval : 0) + (iv ? ival << scale : 0) + (uint64_t)disp) & amask;
    if (ea != (r->offset & amask)) { *why = "the register operand doubles as base/index with another value"; return 0; }
    if (bv) { g->gpr[base] = bval; g->set |= (uint16_t)(1U << base); }
    if (iv) { g->gpr[index] = ival; g->set |= (uint16_t)(1U << index); }
    *p++ = vi_segpfx[r->segment];
    if ((asz == 32 && long64) || code16) *p++ = 0x67;
    if (insn == VI_VMCLEAR || inv) *p++ = 0x66;
    if (insn == VI_VMXON) *p++ = 0xf3;
    if (long64) {
        uint8_t rex = 0x40 | ((reg & 8) ? 4 : 0) | ((iv && (index & 8)) ? 2 : 0) | ((bv && (base & 8)) ? 1 : 0);
        if (rex != 0x40) *p++ = rex;
    }
    *p++ = 0x0f;
    if (inv) { *p++ = 0x38; *p++ = insn == VI_INVEPT ? 0x80 : 0x81; }
    else if (rw) *p++ = insn == VI_VMREAD ? 0x78 : 0x79;
    else *p++ = 0xc7;
    /* ModRM with SIB: mod 10 (disp32) with a base, mod 00 + base 101 (disp32, no base) without. */
    *p++ = (uint8_t)(((bv ? 2 : 0) << 6) | ((reg & 7) << 3) | 4);
    *p++ = (uint8_t)((scale << 6) | ((iv ? index & 7 : 4) << 3) | (bv ? base & 7 : 5));
    uint32_t d32 = (uint32_t)disp;
    for (int i = 0; i < 4; i++) *p++ = (uint8_t)(d32 >> (8 * i));
    return p;
}

/* ------------------------------------------------------------------------------------------------ checks */

/* CR0/CR4 bits the runner loads as the vector gives them; others must be the runner's (SDM Vol. 3A 2.5). CR4: VME,
 * PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE, OSFXSR, OSXMMEXCPT, VMXE, FSGSBASE; CR0: PE, MP, EM, TS, ET, NE, WP, AM,
 * NW, CD, PG. PAE, PSE (PAE paging ignores it), PE and PG must stay as the runner's in 64-bit mode. */
#define VI_CR4_FREE 0x127ffULL
#define VI_CR0_FREE 0xe005003fULL

static const char *vi_legacy_cr_problem(const struct batch_vi_record *r);

static const char *vi_cr_problem(const struct batch_vi_record *r) {
    if ((r->cr0 >> 32) || (r->cr4 >> 32)) return "CR0/CR4 bits 63:32 set";
    if (r->mode < VI_MODE_COMPAT)
        return r->vmx_operation == VI_OP_NON_ROOT ? vi_legacy_cr_problem(r) : vi_legacy_root_cr_problem(r);
    if ((r->cr0 & ~VI_CR0_FREE) || (r->cr4 & ~VI_CR4_FREE & ~(uint64_t)(1 << 12)))
        return "CR0/CR4 bits the runner does not load (e.g. SMEP, SMAP, CET, PKE, LA57 changes)";
    if ((r->cr4 & ~plat_cr4_fixed1) || (r->cr0 & ~plat_cr0_fixed1)) return "CR0/CR4 bits this processor does not support";
    if (((r->cr0 ^ plat_cr0) & 0x80000001ULL) || ((r->cr4 ^ plat_cr4) & ((1ULL << 5) | (1ULL << 12))))
        return "CR0.PE/PG, CR4.PAE/LA57 must stay as the runner's (IA-32e mode, 4-level paging)";
    if ((r->cr0 & (1ULL << 29)) && !(r->cr0 & (1ULL << 30))) return "CR0.NW without CD";
    if (r->vmx_operation != VI_OP_OUTSIDE) {
        if ((r->cr0 & plat_cr0_fixed0) != plat_cr0_fixed0 || (r->cr4 & plat_cr4_fixed0) != plat_cr4_fixed0)
            return "CR0/CR4 violate the VMX fixed bits in VMX operation";
    }
    if (r->efer != plat_efer) {
        /* Root/outside: the runner's EFER stays (LME/LMA/NXE/SCE). Non-root: loaded with "load IA32_EFER". */
        if (r->vmx_operation != VI_OP_NON_ROOT || !have_entry_load_efer) return "EFER differs from the runner's";
        if ((r->efer & ~0xd01ULL) || ((r->efer & 0x500) != 0x500)) return "EFER not an IA-32e mode value";
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------ replies */

static void vi_reply_exception(const struct batch_record *rec, uint64_t vec, uint64_t err) {
    reply_prefix(rec);
    puts_("\"outcome\": {\"kind\": \"exception\", \"vector\": ");
    put_dec(vec);
    puts_(", \"error_code\": \"");
    put_hex(err);
    puts_("\"}}\n");
}

static void vi_put_memory_changes(uint64_t lin, uint64_t len, uint64_t before0, uint64_t before1) {
    uint64_t w0 = lin & ~7ULL, w1 = (lin + len - 1) & ~7ULL;
    uint64_t a0 = *(uint64_t *)w0, a1 = *(uint64_t *)w1;
    int n = 0;
    puts_(", \"memory\": {");
    if (a0 != before0) { puts_("\""); put_hex(w0); puts_("\": \""); put_hex(a0); puts_("\""); n++; }
    if (w1 != w0 && a1 != before1) { puts_(n ? ", \"" : "\""); put_hex(w1); puts_("\": \""); put_hex(a1); puts_("\""); }
    puts_("}");
}

/* Writes the vector's memory. Words the vector does not list are 0 (the domain's memory): the operand's words and the
 * first word of the region a VMXON/VMCLEAR/VMPTRLD pointer names are zeroed first, so that no earlier vector's data
 * is read. Words inside [skip, skip + 4096) other than the first (an active VMCS, SDM Vol. 3C 25.11.1) are not written. */
static void vi_write_memory(const struct batch_vi_record *r, uint64_t lin, uint64_t len, uint64_t skip) {
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0;
    int op_ok = has_op && vi_canonical(lin) && vi_in_ram(lin & ~7ULL, len + 16);
    if (op_ok) for (uint64_t w = lin & ~7ULL; w < lin + len; w += 8) *(uint64_t *)w = 0;
    for (uint32_t i = 0; i < r->memory_count; i++) {
        uint64_t a = r->memory[i].addr;
        if (!vi_canonical(a)) continue;
        if (skip != ~0ULL && a > skip && a < skip + 4096) continue;
        *(uint64_t *)a = r->memory[i].value;
    }
    unsigned insn = r->instruction;
    if (op_ok && (insn == VI_VMXON || insn == VI_VMCLEAR || insn == VI_VMPTRLD)) {
        uint64_t ptr = 0;
        for (int k = 0; k < 8; k++) ptr |= (uint64_t)((volatile uint8_t *)lin)[k] << (8 * k);
        int listed = 0;
        for (uint32_t i = 0; i < r->memory_count; i++) if (r->memory[i].addr == ptr) listed = 1;
        if (!listed && !(ptr & 7) && vi_in_ram(ptr, 8) && ptr != skip && ptr != r->vmxon_pointer) *(uint64_t *)ptr = 0;
    }
}

/* ------------------------------------------------------------------------------------------------ one record */

/* The values a VMREAD or VMWRITE vmsucceed reply carries (docs/vectors.md §6.4): VMREAD to a register, the register's
 * new value; VMWRITE, the written field's new value. */
static void vi_put_vr_values(unsigned insn, int to_register, uint64_t destination, uint64_t written) {
    if (insn == VI_VMREAD && to_register) {
        puts_(", \"destination_value\": \"");
        put_hex(destination);
        puts_("\"");
    }
    if (insn == VI_VMWRITE) {
        puts_(", \"field_value\": \"");
        put_hex(written);
        puts_("\"");
    }
}

/* What a VMX instruction left in root operation, for vi_reply_root_status. */
struct vi_root_status {
    uint64_t rflags;          /* RFLAGS after the instruction */
    uint64_t insn_error;      /* the VM-instruction error field, read when ZF is set */
    uint64_t current_vmcs;    /* VMPTRST after the instruction */
    int written_status;       /* VMWRITE: status of reading the written field back (0: read) */
    uint64_t written;         /* ... and its value */
    int to_register;          /* VMREAD to a register: ... */
    uint64_t destination;     /* ... and that register's value */
    int stores;               /* VMPTRST/VMREAD to memory: the operand words before it */
    uint64_t lin, len, before0, before1;
};

/* After reply_prefix: the outcome of a VMX instruction in root operation (or VMXON outside it), from its RFLAGS
 * (SDM Vol. 3C 31.2): VMfailInvalid (CF); VMfailValid (ZF) with the VM-instruction error, where errors 7 and 8 of
 * VMLAUNCH/VMRESUME are the VM-entry checks; else VMsucceed with the VMX operation and current VMCS after it, the
 * operand words a store changed and the VMREAD/VMWRITE values. The IA-32e-mode path and the legacy-mode path
 * (vi_legacy.h) end alike. */
static void vi_reply_root_status(unsigned insn, const struct vi_root_status *st) {
    uint64_t f = st->rflags;
    if (f & 1) {
        puts_("\"outcome\": {\"kind\": \"vmfail-invalid\", ");
        vi_reply_flags(f);
        puts_("}}\n");
    } else if (f & 0x40) {
        if ((insn == VI_VMLAUNCH || insn == VI_VMRESUME) && (st->insn_error == 7 || st->insn_error == 8)) {
            puts_("\"outcome\": {\"kind\": \"vm-entry-checks\"}}\n");
        } else {
            puts_("\"outcome\": {\"kind\": \"vmfail-valid\", \"vm_instruction_error\": ");
            put_dec(st->insn_error);
            puts_(", ");
            vi_reply_flags(f);
            puts_("}}\n");
        }
    } else if (insn == VI_VMLAUNCH || insn == VI_VMRESUME) {
        puts_("\"error\": \"VMLAUNCH/VMRESUME fell through without a VM exit, rflags ");
        put_hex(f);
        puts_("\"}\n");
    } else if (st->written_status) {
        puts_("\"error\": \"VMREAD of the written field failed, status ");
        put_dec((uint64_t)(uint32_t)st->written_status);
        puts_("\"}\n");
    } else {
        puts_("\"outcome\": {\"kind\": \"vmsucceed\", ");
        vi_reply_flags(f);
        if (insn == VI_VMXOFF) {
            puts_(", \"vmx_operation\": \"outside\"");
        } else {
            puts_(", \"vmx_operation\": \"root\", \"current_vmcs_pointer\": \"");
            put_hex(st->current_vmcs);
            puts_("\"");
        }
        if (st->stores) vi_put_memory_changes(st->lin, st->len, st->before0, st->before1);
        vi_put_vr_values(insn, st->to_register, st->destination, st->written);
        puts_("}}\n");
    }
}

static void vi_non_root(const struct batch_vi_record *r, uint64_t lin);
static void vi_legacy_root(const struct batch_vi_record *r, uint64_t lin, uint64_t len);

/* The guest's RIP, RFLAGS, CR0/CR4 (read shadows the same: the guest reads its own values) and, where "load IA32_EFER"
 * exists, EFER: the register state of a non-root vmx-instruction or descriptor-table guest. Returns nonzero when a
 * VMWRITE failed. */
static int vi_write_guest_registers(uint64_t rip, uint64_t rflags, uint64_t cr0, uint64_t cr4, uint64_t efer) {
    int bad = 0;
    bad |= vi_vmwrite(VMCS_GUEST_RIP, rip);
    bad |= vi_vmwrite(VMCS_GUEST_RFLAGS, rflags | 2);
    bad |= vi_vmwrite(VMCS_GUEST_CR0, cr0);
    bad |= vi_vmwrite(VMCS_GUEST_CR4, cr4);
    bad |= vi_vmwrite(VMCS_CR0_READ_SHADOW, cr0);
    bad |= vi_vmwrite(VMCS_CR4_READ_SHADOW, cr4);
    if (have_entry_load_efer) bad |= vi_vmwrite(VMCS_GUEST_IA32_EFER, efer);
    return bad;
}

/* Fills the current VMCS with a guest that exits at once (an RDMSR of the TSC, msr-access's VMCS), so that a
 * "launched" current VMCS can be launched once before the vector's instruction (IA-32e-mode and legacy-mode paths).
 * Returns build_vmcs's status. */
static int vi_build_trivial_guest(struct guest_gprs *gg) {
    struct batch_record fake;
    memset_(&fake, 0, sizeof fake);
    fake.instruction = BATCH_INSN_RDMSR;
    fake.ecx = 0x10;
    uint64_t grip;
    build_in_current = 1;
    int b = build_vmcs(&fake, gg, &grip);
    build_in_current = 0;
    return b;
}

static void run_vi_record(const struct batch_vi_record *r) {
    const struct batch_record *rec = (const struct batch_record *)r;
    unsigned insn = r->instruction;
    if (insn > VI_VMFUNC || r->memory_count > VI_MAX_MEMORY || r->vmx_operation > VI_OP_NON_ROOT || r->cpl > 3 ||
        r->mode > VI_MODE_64) {
        reply_error(rec, "malformed record, instruction", insn);
        return;
    }
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0;
    int inv = insn == VI_INVEPT || insn == VI_INVVPID, rw = insn == VI_VMREAD || insn == VI_VMWRITE;
    int long64 = r->mode == VI_MODE_64;
    unsigned op = r->vmx_operation;
    /* 1. The vector's capabilities must be this processor's. IA32_FEATURE_CONTROL is read only by VMXON outside VMX
     * operation (SDM Vol. 3C 31.3 VMXON; it reads 0x5, locked, on Bochs and cannot be changed once locked). */
    if (r->vmx_basic != plat_basic || r->procbased_ctls2 != cap_proc2 || r->cr0_fixed0 != plat_cr0_fixed0 ||
        r->cr0_fixed1 != plat_cr0_fixed1 || r->cr4_fixed0 != plat_cr4_fixed0 || r->cr4_fixed1 != plat_cr4_fixed1 ||
        ((r->flags & VI_FLAG_EPT_CAP) && r->ept_vpid_cap != cap_ept_vpid) ||
        ((r->flags & VI_FLAG_MISC) && r->vmx_misc != plat_misc) ||
        ((r->flags & VI_FLAG_FIELD_CAPS) && (r->pinbased_allowed1 != (uint32_t)(cap_pin >> 32) ||
            r->procbased_allowed1 != (uint32_t)(cap_proc >> 32) || r->exit_allowed1 != (uint32_t)(cap_exit >> 32) ||
            r->entry_allowed1 != (uint32_t)(cap_entry >> 32) || r->procbased_ctls3 != cap_proc3 ||
            !(r->flags & VI_FLAG_EPTP_SWITCHING) != !(cap_vmfunc & 1)))) {
        reply_unsupported(rec, "the vector's VMX capability MSRs differ from this processor's");
        return;
    }
    if (op == VI_OP_OUTSIDE && insn == VI_VMXON && r->feature_control != plat_feature_control) {
        reply_unsupported(rec, "the vector's IA32_FEATURE_CONTROL differs from this processor's (locked at boot)");
        return;
    }
    /* 2. CR0/CR4/EFER/RFLAGS. */
    const char *why = vi_cr_problem(r);
    if (why) { reply_unsupported(rec, why); return; }
    if (r->rflags & ~(uint64_t)(0x8d5 | 0x2 | 0x200 | (r->mode == VI_MODE_V86 ? VI_RFLAGS_VM : 0))) {
        reply_unsupported(rec, "RFLAGS bits other than the arithmetic flags and IF (and VM in virtual-8086 mode)");
        return;
    }
    if (r->mode == VI_MODE_V86 && !(r->rflags & VI_RFLAGS_VM)) {
        reply_unsupported(rec, "virtual-8086 mode with RFLAGS.VM 0");
        return;
    }
    /* 3. The operand's linear address; its bytes must be in the runner's free RAM or non-canonical. */
    uint64_t lin = 0, len = inv ? 16 : (rw && !long64) ? 4 : 8;
    if (has_op && r->mode < VI_MODE_COMPAT) {
        /* Outside IA-32e mode every segment's base counts and linear addresses have 32 bits (SDM Vol. 3A 3.4). */
        lin = (r->segment_base + r->offset) & 0xffffffffULL;
    } else if (has_op) {
        lin = r->offset + ((r->segment == 4 || r->segment == 5) ? r->segment_base : 0);
        if (long64 && vi_canonical(lin) && !vi_in_ram(lin, len)) {
            reply_unsupported(rec, "the operand's address is outside the runner's free RAM (0x1a0000-0x80000000)");
            return;
        }
        /* SDM Vol. 3A 2.2.1.1/3.4.4: in 64-bit mode the ES, CS, SS and DS overrides are ignored; the default segment
         * (SS for an RSP/RBP base, else DS) decides #SS against #GP. A vector naming another of the four cannot be made. */
        if (long64 && r->segment < 4) {
            /* RSP and RBP only: an R12 or R13 base uses DS (SDM Vol. 1 3.7.4; Bochs's decoder tables agree). */
            int ss_default = (r->flags & VI_FLAG_BASE) && (r->base == 4 || r->base == 5);
            if ((r->segment == 2) != ss_default) {
                reply_unsupported(rec, "64-bit mode ignores ES/CS/SS/DS overrides: the vector's segment is not the one the processor uses");
                return;
            }
        }
    }
    /* The same in legacy protected mode (vi_legacy.h): the pointers are 64-bit memory operands there too. */
    int cpl0_insn_mode = (long64 || r->mode == VI_MODE_PROTECTED) && r->cpl == 0;
    if (r->maxphyaddr != plat_maxphyaddr && op == VI_OP_ROOT && cpl0_insn_mode) {
        /* Only the pointer read from the operand (VMXON/VMCLEAR/VMPTRLD) and the INVEPT EPTP are compared with
         * MAXPHYADDR; the other pointers are in the runner's RAM by construction. VMXON outside VMX operation below. */
        int ok = !has_op || !vi_canonical(lin) || insn == VI_VMPTRST || insn == VI_INVVPID || rw;
        if (!ok) {
            for (uint32_t i = 0; i < r->memory_count; i++)
                if (r->memory[i].addr == lin) ok = vi_width_agnostic(r->memory[i].value, r->maxphyaddr, plat_maxphyaddr);
        }
        if (!ok) { reply_unsupported(rec, "the vector's MAXPHYADDR differs from this processor's and decides the outcome"); return; }
    }
    if (r->maxphyaddr != plat_maxphyaddr && op == VI_OP_OUTSIDE && insn == VI_VMXON && cpl0_insn_mode &&
        has_op && vi_canonical(lin)) {
        int ok = 0;
        for (uint32_t i = 0; i < r->memory_count; i++)
            if (r->memory[i].addr == lin) ok = vi_width_agnostic(r->memory[i].value, r->maxphyaddr, plat_maxphyaddr);
        if (!ok) { reply_unsupported(rec, "the vector's MAXPHYADDR differs from this processor's and decides the outcome"); return; }
    }
    if (op == VI_OP_ROOT && insn == VI_VMCALL && r->current_vmcs_pointer != ~0ULL && cpl0_insn_mode) {
        /* Observed: Bochs 2.7 ends the run (exit status 1) here; docs/findings/bochs.md. */
        reply_unsupported(rec, "VMCALL in VMX root operation with a current VMCS ends the Bochs run (docs/findings/bochs.md)");
        return;
    }
    /* 4. Memory addresses the runner must write: in its free RAM, or non-canonical (never accessed). */
    for (uint32_t i = 0; i < r->memory_count; i++) {
        uint64_t a = r->memory[i].addr;
        if (vi_canonical(a) && !vi_in_ram(a, 8)) { reply_unsupported(rec, "memory outside the runner's free RAM"); return; }
    }
    if (op != VI_OP_OUTSIDE && (!vi_in_ram(r->vmxon_pointer, 4096) || (r->vmxon_pointer & 0xfff) ||
        (r->current_vmcs_pointer != ~0ULL && (!vi_in_ram(r->current_vmcs_pointer, 4096) || (r->current_vmcs_pointer & 0xfff))))) {
        reply_unsupported(rec, "VMXON region or current VMCS outside the runner's free RAM");
        return;
    }
    if (op == VI_OP_NON_ROOT) { vi_non_root(r, lin); return; }
    if (r->mode < VI_MODE_COMPAT) { vi_legacy_root(r, lin, len); return; }

    /* 5. Instruction bytes, then UD2 (completion). */
    struct vi_gen g;
    uint8_t *p = vi_encode(r, vi_code, long64, &g, &why);
    if (!p) { reply_unsupported(rec, why); return; }
    vi_trap_rip = (uint64_t)p;
    *p++ = 0x0f; *p++ = 0x0b;
    if (!long64 && (vi_trap_rip >> 32)) { reply_error(rec, "generated code above 4 GiB", vi_trap_rip); return; }

    /* 6. VMX state: leave the runner's VMX operation, enter the vector's (root). */
    __asm__ volatile("vmxoff" ::: "cc", "memory");
    int in_vmx = 0, st;
    const char *setup_err = 0, *setup_unsup = 0;
    uint64_t setup_val = 0;
    if (op == VI_OP_ROOT) {
        *(uint32_t *)r->vmxon_pointer = vmcs_revision;
        st = vmxon(r->vmxon_pointer);
        if (st) { setup_err = "VMXON of the vector's VMXON region failed, status"; setup_val = (uint64_t)st; goto restore; }
        in_vmx = 1;
        if (r->current_vmcs_pointer != ~0ULL) {
            uint64_t cur = r->current_vmcs_pointer;
            memset_((void *)cur, 0, 4096);
            *(uint32_t *)cur = vmcs_revision;
            if (vmclear(cur) || vmptrld(cur)) { setup_err = "VMCLEAR/VMPTRLD of the current VMCS failed"; goto restore; }
            if (r->flags & VI_FLAG_LAUNCHED) {
                struct guest_gprs gg = { 0, 0, 0 };
                int b = vi_build_trivial_guest(&gg);
                if (b) { setup_err = "building the launched VMCS failed"; setup_val = (uint64_t)-b; goto restore; }
                int l = vmx_launch(&gg);
                if (l) { setup_err = "launching the trivial guest failed, status"; setup_val = (uint64_t)l; goto restore; }
                uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
                if (reason & 0x80000000U) { setup_err = "the trivial guest's VM entry failed, reason"; setup_val = reason; goto restore; }
            }
            if (rw && vi_encoding_valid(r->register_value)) {
                setup_unsup = vi_set_field(r, r->register_value, r->field_value);
                if (setup_unsup) goto restore;
            }
        }
    }
    /* Vector memory; the words a VMPTRST/VMREAD stores into start as 0 unless the vector gives them. */
    int stores = (insn == VI_VMPTRST || insn == VI_VMREAD) && has_op && long64 && vi_canonical(lin);
    uint64_t w0 = lin & ~7ULL, w1 = (lin + len - 1) & ~7ULL;
    vi_write_memory(r, lin, len, op == VI_OP_ROOT ? r->current_vmcs_pointer : ~0ULL);
    uint64_t before0 = 0, before1 = 0;
    if (stores) { before0 = *(uint64_t *)w0; before1 = *(uint64_t *)w1; }

    /* 7. Execute: vi_gdt, the ring's data segments, the vector's CR0/CR4, FS/GS base, then IRETQ into the code. */
    struct vi_ctx c;
    memset_(&c, 0, sizeof c);
    for (int i = 0; i < 16; i++) c.gpr[i] = g.gpr[i];
    c.rflags_in = r->rflags | 2;
    c.code = (uint64_t)vi_code;
    c.set_host = r->current_vmcs_pointer != ~0ULL && op == VI_OP_ROOT && (insn == VI_VMLAUNCH || insn == VI_VMRESUME);
    c.cs = long64 ? VI_SEL_CODE64(r->cpl) : VI_SEL_CODE32(r->cpl);
    c.ss = VI_SEL_DATA(r->cpl);
    struct desc_ptr gdtr = { sizeof vi_gdt - 1, (uint64_t)vi_gdt };
    __asm__ volatile("cli; lgdt %0" : : "m"(gdtr));
    uint16_t ds = VI_SEL_DATA(r->cpl);
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(ds));
    WRITE_CR(0, r->cr0);
    WRITE_CR(4, r->cr4);
    if (has_op && r->segment == 4) wrmsr(0xc0000100, r->segment_base);
    if (has_op && r->segment == 5) wrmsr(0xc0000101, r->segment_base);
    vi_cur = &c;
    vi_active = 1;
    int how = vi_exec(&c);
    vi_active = 0;
    __asm__ volatile("cli");
    WRITE_CR(4, plat_cr4);
    WRITE_CR(0, plat_cr0);
    {
        struct desc_ptr hg = { sizeof host_gdt - 1, (uint64_t)host_gdt };
        __asm__ volatile("lgdt %0" : : "m"(hg));
        __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"((uint16_t)HOST_DS));
        __asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"((uint16_t)0));
    }
    wrmsr(0xc0000100, 0);
    wrmsr(0xc0000101, 0);
    /* The instruction may have changed the VMX operation: VMXOFF leaves it, VMXON (outside) enters it. */
    if (how == 0 && insn == VI_VMXOFF && !(c.rflags_out & 0x41)) in_vmx = 0;
    if (how == 0 && insn == VI_VMXON && op == VI_OP_OUTSIDE && !(c.rflags_out & 0x41)) in_vmx = 1;
    uint64_t written = 0;
    int wst = 0;
    if (how == 0 && insn == VI_VMWRITE && !(c.rflags_out & 0x41)) wst = vi_vmread(r->register_value & ~1ULL, &written);

    /* 8. Outcome. */
    if (how == 2) {
        vi_reply_exception(rec, vi_exc_vector, vi_exc_error);
        goto restore;
    }
    reply_prefix(rec);
    if (how == 1) {
        /* A VM exit of the guest after VMLAUNCH/VMRESUME (or a VM-entry failure): the VM-entry checks were reached. */
        if (insn == VI_VMLAUNCH || insn == VI_VMRESUME) puts_("\"outcome\": {\"kind\": \"vm-entry-checks\"}}\n");
        else { puts_("\"error\": \"unexpected VM exit, reason "); put_hex(vmread(VMCS_VM_EXIT_REASON)); puts_("\"}\n"); }
        goto restore;
    }
    struct vi_root_status st_out = {
        .rflags = c.rflags_out, .written_status = wst, .written = written,
        .to_register = g.reg_dest >= 0, .destination = g.reg_dest >= 0 ? c.gpr_out[g.reg_dest] : 0,
        .stores = stores, .lin = lin, .len = len, .before0 = before0, .before1 = before1,
    };
    if (c.rflags_out & 0x40) st_out.insn_error = vmread(VMCS_VM_INSTRUCTION_ERROR);
    /* Only after a VMsucceed that leaves VMX operation on (VMPTRST outside it, after a failed VMXON, would be #UD). */
    if (!(c.rflags_out & 0x41) && insn != VI_VMXOFF && in_vmx) {
        __asm__ volatile("vmptrst %0" : "=m"(st_out.current_vmcs) : : "memory");
    }
    vi_reply_root_status(insn, &st_out);

restore:
    if (setup_err || setup_unsup) {
        WRITE_CR(4, plat_cr4);
        WRITE_CR(0, plat_cr0);
        if (setup_err) reply_error(rec, setup_err, setup_val);
        else reply_unsupported(rec, setup_unsup);
    }
    if (in_vmx) __asm__ volatile("vmxoff" ::: "cc", "memory");
    WRITE_CR(4, plat_cr4);
    *(uint32_t *)vmxon_region = vmcs_revision;
    st = vmxon((uint64_t)vmxon_region);
    if (st) fatal("re-VMXON of the runner's region failed, status", (uint64_t)st, 0);
}

/* ------------------------------------------------------------------------------------------------ non-root */

#define PROC_ACTIVATE_SECONDARY (1U << 31)
#define PROC2_VMCS_SHADOWING    (1U << 14)
#define PROC2_ENABLE_VMFUNC     (1U << 13)
#define PROC2_EPT_VE            (1U << 18)
#define VMCS_EPTP_INDEX         0x0004U

/*
 * Low memory of the non-root guests (free after start-up: the multiboot modules are copied away first, and records
 * run one at a time, so cr-access's pages at 0x1000-0x6fff and these never hold anything across records):
 *   0x8000  the guest's code, in every mode (real and virtual-8086 mode: CS base 0, IP 0x8000)
 *   0x9000  its copy for EPTP switching: the same bytes, CPUID (0F A2) at the VMCALL's place
 *   0xA000  PAE page-directory-pointer table of protected/virtual-8086 guests (PDPTE0/1; 2/3 not present)
 *   0xB000, 0xC000  its page directories: linear 0-2 GiB identity, 2-MiB pages, P RW US
 *   0xD000-0x10fff  the EPT hierarchy an EPTP-list entry is relocated to: PML4, PDPT, PD, PT; identity for 0-4 GiB
 *           (1-GiB, 2-MiB, 4-KiB pages, RWX WB) except GPA 0x8000, which maps to the copy at 0x9000.
 */
#define VIG_CODE    0x8000UL
#define VIG_ALT     0x9000UL
#define VIG_PDPT    0xA000UL
#define VIG_PD      0xB000UL
#define VIG_EPT     0xD000UL

static int vi_legacy_mode(const struct batch_vi_record *r) { return r->mode < VI_MODE_COMPAT; }

/* The non-root guest states outside IA-32e mode that the runner builds (SDM Vol. 3C 27.3.1.1 checks on CR0, CR4,
 * EFER; 27.3.1.2 segments; 27.3.1.6 PDPTEs): real mode (CR0.PE = PG = 0, needs "unrestricted guest", which needs
 * "enable EPT"), protected mode and virtual-8086 mode with CR0.PE = 1 and either no paging or PAE paging (the guest's
 * PAE tables at 0xA000; the runner builds no 32-bit paging structures). EFER.LME = LMA = 0 needs "load IA32_EFER"
 * (27.3.2.1: without it VM entry keeps the host's LME when CR0.PG is 0). */
static const char *vi_legacy_state_problem(unsigned mode, unsigned cpl, uint64_t cr0, uint64_t cr4, uint64_t efer,
                                           int paging32) {
    int real = mode == VI_MODE_REAL;
    if ((cr0 & ~VI_CR0_FREE) || (cr4 & ~VI_CR4_FREE))
        return "CR0/CR4 bits the runner does not load (e.g. SMEP, SMAP, CET, PKE, LA57)";
    if ((cr4 & ~plat_cr4_fixed1) || (cr0 & ~plat_cr0_fixed1)) return "CR0/CR4 bits this processor does not support";
    uint64_t exempt = real ? 0x80000001ULL : 0;   /* PE and PG under unrestricted guest (27.3.1.1) */
    if ((cr0 & plat_cr0_fixed0 & ~exempt) != (plat_cr0_fixed0 & ~exempt) || (cr4 & plat_cr4_fixed0) != plat_cr4_fixed0)
        return "CR0/CR4 violate the VMX fixed bits (VM entry would fail)";
    if ((cr0 & (1ULL << 29)) && !(cr0 & (1ULL << 30))) return "CR0.NW without CD";
    if (real) {
        if (cr0 & 0x80000001ULL) return "real mode with CR0.PE or CR0.PG 1";
        if (cpl) return "real mode at CPL > 0";
        if (!(cap_proc >> 63) || !((cap_proc2 >> 32) & (PROC2_UNRESTRICTED | PROC2_ENABLE_EPT)))
            return "a real-mode guest needs \"unrestricted guest\" and \"enable EPT\", which this processor does not allow";
    } else {
        if (!(cr0 & 1)) return "protected or virtual-8086 mode with CR0.PE 0";
        if ((cr0 >> 31) && !(cr4 & (1ULL << 5)) && !paging32) return "32-bit paging (CR0.PG 1, CR4.PAE 0): the runner builds only PAE tables for these guests";
        if (mode == VI_MODE_V86 && cpl != 3) return "virtual-8086 mode at CPL < 3";
    }
    if (!have_entry_load_efer) return "EFER.LME 0 needs the \"load IA32_EFER\" VM-entry control";
    if (efer & ~0x801ULL) return "EFER other than SCE/NXE outside IA-32e mode";
    return 0;
}
static const char *vi_legacy_cr_problem(const struct batch_vi_record *r) {
    if (r->vmx_operation != VI_OP_NON_ROOT) return "real, virtual-8086 and protected mode outside non-root operation";
    return vi_legacy_state_problem(r->mode, r->cpl, r->cr0, r->cr4, r->efer, 0);
}

/* The runner's EPT for a guest that needs one ("unrestricted guest", VM functions): cr-access's identity map of 0-4 GiB
 * (1-GiB pages). SDM Vol. 3D A.10: 4-level walks (bit 6), WB (14), 2-MiB (16) and 1-GiB (17) pages. */
static int vi_ept_caps_ok(void) {
    return ((cap_proc2 >> 32) & PROC2_ENABLE_EPT) && (cap_ept_vpid & (1ULL << 6)) && (cap_ept_vpid & (1ULL << 14)) &&
           (cap_ept_vpid & (1ULL << 16)) && (cap_ept_vpid & (1ULL << 17));
}

/* The relocation target of an EPTP-list entry: the runner's identity EPT, except that GPA VIG_CODE maps to VIG_ALT. */
static void vi_build_alt_ept(void) {
    uint64_t *pml4 = (uint64_t *)VIG_EPT, *pdpt = pml4 + 512, *pd = pdpt + 512, *pt = pd + 512;
    const uint64_t wb = 6 << 3;
    memset_(pml4, 0, 4 * 4096);
    pml4[0] = (uint64_t)pdpt | 7;
    pdpt[0] = (uint64_t)pd | 7;
    for (uint64_t i = 1; i < 4; i++) pdpt[i] = (i << 30) | 7 | wb | (1 << 7);
    pd[0] = (uint64_t)pt | 7;
    for (uint64_t i = 1; i < 512; i++) pd[i] = (i << 21) | 7 | wb | (1 << 7);
    for (uint64_t i = 0; i < 512; i++) pt[i] = (i << 12) | 7 | wb;
    pt[VIG_CODE >> 12] = VIG_ALT | 7 | wb;
}

/* The guest's PAE paging (protected and virtual-8086 mode with CR0.PG = 1): linear 0-2 GiB -> physical 0-2 GiB, user,
 * writable (the vector's operands lie in the runner's RAM below 2 GiB; linear 2-4 GiB is not present). */
static void vi_build_pae(void) {
    uint64_t *pdpt = (uint64_t *)VIG_PDPT, *pd = (uint64_t *)VIG_PD;
    memset_(pdpt, 0, 4096);
    pdpt[0] = VIG_PD | 1;                 /* PDPTE: P only (RW/US are reserved, SDM Vol. 3A 5.4.1) */
    pdpt[1] = (VIG_PD + 0x1000) | 1;
    for (uint64_t i = 0; i < 1024; i++) pd[i] = (i << 21) | 0x87;
}

/* A segment limit the VMCS can hold (27.3.1.2: G = 0 needs bits 31:20 clear, G = 1 needs bits 11:0 set) that gives the
 * same answer as the vector's limit for the operand's bytes [offset, last]: the limit check is the only use the
 * vector makes of it (SDM Vol. 3A 5.3). Returns the limit; *g is the granularity bit. */
static uint32_t vi_limit_for(uint32_t limit, uint64_t last, int *g) {
    if ((limit >> 20) == 0) { *g = 0; return limit; }
    if ((limit & 0xfff) == 0xfff) { *g = 1; return limit; }
    if (last <= limit) { *g = 1; return 0xffffffffU; }              /* within: any limit >= last */
    if (last <= 0x100000) { *g = 0; return (uint32_t)last - 1; }    /* beyond: any limit < last */
    *g = 1;
    return (uint32_t)((last - 0x1000) | 0xfff);
}

/* The guest state outside IA-32e mode (SDM Vol. 3C 27.3.1.2), written into the current VMCS after kernel.c
 * build_vmcs: "IA-32e mode guest" 0; protected mode: 32-bit code (D = 1) and flat data segments of the ring; real mode
 * (unrestricted guest): selectors and bases 0, limits FFFFH, code type 11 and data type 3, DPL 0; virtual-8086 mode:
 * selectors and bases 0, limits FFFFH, access rights F3H. CR3 names the PAE tables at VIG_PDPT (vi_build_pae, built
 * before when CR0.PG = 1), whose PDPTEs go to the VMCS (with EPT VM entry loads them from there, 27.3.2.4). A caller
 * gives one segment other values afterwards. Returns nonzero if a VMWRITE failed. */
static int vi_legacy_guest(unsigned mode, unsigned cpl, uint64_t cr0) {
    int bad = 0, code16 = mode == VI_MODE_REAL || mode == VI_MODE_V86;
    uint32_t entryc = (uint32_t)vmread(VMCS_VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST;
    bad |= vi_vmwrite(VMCS_VM_ENTRY_CONTROLS, entryc);
    static const uint32_t segs[6] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
                                      VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR };
    for (unsigned k = 0; k < 6; k++) {
        uint32_t idx = (segs[k] - VMCS_GUEST_ES_SELECTOR) / 2;
        uint64_t sel, base = 0, lim, ar;
        if (code16) {
            sel = 0; lim = 0xffff;
            ar = mode == VI_MODE_V86 ? 0xf3 : k == 1 ? 0x9b : 0x93;
        } else {
            sel = k == 1 ? (uint64_t)((0x58 + 8 * cpl) | cpl) : (uint64_t)((0x10 + 0x10 * cpl) | cpl);
            lim = 0xffffffff;
            ar = (k == 1 ? 0xc09b : 0xc093) | (cpl << 5);
        }
        bad |= vi_vmwrite(segs[k], sel);
        bad |= vi_vmwrite(VMCS_GUEST_ES_BASE + 2 * idx, base);
        bad |= vi_vmwrite(VMCS_GUEST_ES_LIMIT + 2 * idx, lim);
        bad |= vi_vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * idx, ar);
    }
    bad |= vi_vmwrite(VMCS_GUEST_CR3, VIG_PDPT);
    bad |= vi_vmwrite(VMCS_GUEST_RSP, code16 ? 0x7000 : (uint64_t)guest_stack[cpl] + 4096 - 64);
    if ((cr0 >> 31) && ((cap_proc2 >> 32) & PROC2_ENABLE_EPT)) {
        /* The PDPTE fields exist only where "enable EPT" can be 1 (SDM Vol. 3C 25.4.2); without EPT VM entry reads the
         * PDPTEs from CR3 (27.3.2.4). */
        const uint64_t *pd = (const uint64_t *)VIG_PDPT;
        bad |= vi_vmwrite(VMCS_GUEST_PDPTR0, pd[0]);
        bad |= vi_vmwrite(VMCS_GUEST_PDPTR1, pd[1]);
        bad |= vi_vmwrite(VMCS_GUEST_PDPTR2, pd[2]);
        bad |= vi_vmwrite(VMCS_GUEST_PDPTR3, pd[3]);
    }
    return bad;
}

/* The vector's instruction in a guest (VMX non-root operation) of the vector's current VMCS. SDM Vol. 3C 26.1.2/26.1.3
 * (which instructions exit), 28.2.1 (exit qualification: the displacement, 0 without an operand), 28.2.4 (instruction
 * information), 25.6.3 (exception bitmap: all ones, so a #UD or #GP of the guest is a VM exit with reason 0), 25.10
 * (VMCS shadowing: VMREAD/VMWRITE that do not exit access the shadow VMCS named by the VMCS link pointer), 26.5.6
 * (VMFUNC: #UD, VM exit 59, or EPTP switching). The guest runs in the vector's mode: 64-bit or compatibility mode
 * with the host's paging, protected or virtual-8086 mode with PAE paging (or none), real mode under "unrestricted
 * guest" (26.1: the VMX instructions but VMCALL and VMFUNC cause #UD in real and virtual-8086 mode). */
static void vi_non_root(const struct batch_vi_record *r, uint64_t lin) {
    const struct batch_record *rec = (const struct batch_record *)r;
    unsigned insn = r->instruction, mode = r->mode, cpl = r->cpl;
    int long64 = mode == VI_MODE_64, rw = insn == VI_VMREAD || insn == VI_VMWRITE;
    int legacy = vi_legacy_mode(r), code16 = mode == VI_MODE_REAL || mode == VI_MODE_V86;
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0;
    uint64_t cur = r->current_vmcs_pointer, link = ~0ULL, rbm = 0, wbm = 0;
    int shadow = rw && (r->flags & VI_FLAG_SHADOWING);
    uint64_t len = (rw && !long64) ? 4 : (insn == VI_INVEPT || insn == VI_INVVPID) ? 16 : 8;
    int vmfunc = insn == VI_VMFUNC, vf_enable = vmfunc && (r->flags & VI_FLAG_VMFUNC_ENABLE);
    uint64_t vf_controls = vmfunc ? r->offset : 0, vf_list = vmfunc ? r->displacement : 0;
    uint32_t vf_ecx = (uint32_t)(r->segment_base >> 32), vf_eax = (uint32_t)r->segment_base;
    int need_ept = mode == VI_MODE_REAL || vf_enable;
    const char *why = 0;
    if (cur == ~0ULL) { reply_unsupported(rec, "VMX non-root operation without a current VMCS"); return; }
    if (need_ept && !vi_ept_caps_ok()) {
        reply_unsupported(rec, "the guest needs the runner's EPT: \"enable EPT\", 4-level walks, WB, 2-MiB and 1-GiB pages");
        return;
    }
    if (shadow) {
        if (!((cap_proc >> 63) & 1) || !((cap_proc2 >> 32) & PROC2_VMCS_SHADOWING)) {
            reply_unsupported(rec, "\"VMCS shadowing\" is not allowed on this processor");
            return;
        }
        link = r->vmcs_link_pointer;
        rbm = r->vmread_bitmap;
        wbm = r->vmwrite_bitmap;
        if ((rbm & 0xfff) || (wbm & 0xfff) || !vi_in_ram(rbm, 4096) || !vi_in_ram(wbm, 4096) ||
            (link != ~0ULL && ((link & 0xfff) || !vi_in_ram(link, 4096)))) {
            reply_unsupported(rec, "VMREAD/VMWRITE bitmap or VMCS link pointer outside the runner's free RAM or unaligned");
            return;
        }
    }
    /* Protected mode: the operand's segment is used only by a VMREAD/VMWRITE that does not exit (shadowing, CPL 0);
     * it gets the vector's base and a limit that answers the limit check as the vector's does. */
    int seg_used = legacy && !code16 && shadow && has_op && cpl == 0;
    uint32_t seg_limit = 0xffffffffU;
    int seg_g = 1;
    if (seg_used) {
        uint64_t last = r->offset + len - 1;
        if (r->segment == 1) { reply_unsupported(rec, "a VMREAD/VMWRITE operand through CS (the runner keeps a flat code segment)"); return; }
        if (r->segment_base >> 32 || r->offset >> 32) { reply_unsupported(rec, "segment base or offset beyond 32 bits"); return; }
        if ((r->flags & VI_FLAG_MOV_SS) && r->segment == 2) {
            reply_unsupported(rec, "MOV SS would reload SS, whose base and limit the vector gives");
            return;
        }
        seg_limit = vi_limit_for(r->segment_limit, last, &seg_g);
        if (last <= r->segment_limit && !vi_in_ram(lin, len)) {
            reply_unsupported(rec, "the operand's address is outside the runner's free RAM (0x1a0000-0x80000000)");
            return;
        }
    }
    /* VMFUNC: the controls must be ones VM entry accepts here (SDM Vol. 3C 27.2.1.1: allowed by IA32_VMX_VMFUNC; with
     * EPTP switching the EPTP-list address 4-KiB aligned within MAXPHYADDR). The list is used where the vector has
     * it; the entry ECX names is relocated (below). */
    uint64_t vf_entry = 0, vf_slot = 0, vf_amask = 0;
    int vf_reloc = 0;
    if (vmfunc && vf_enable) {
        if (!(cap_proc >> 63) || !((cap_proc2 >> 32) & PROC2_ENABLE_VMFUNC)) {
            reply_unsupported(rec, "\"enable VM functions\" is not allowed on this processor");
            return;
        }
        if (vf_controls & ~cap_vmfunc) { reply_unsupported(rec, "VM-function controls that IA32_VMX_VMFUNC does not allow (VM entry would fail)"); return; }
        if (vf_controls & 1) {
            if ((vf_list & 0xfff) || !vi_in_ram(vf_list, 4096)) {
                reply_unsupported(rec, "EPTP-list address unaligned or outside the runner's free RAM");
                return;
            }
            if (vf_eax == 0 && vf_ecx < 512) {
                vf_slot = vf_list + 8ULL * vf_ecx;
                if ((vf_slot >= cur && vf_slot < cur + 4096) || (vf_slot >= r->vmxon_pointer && vf_slot < r->vmxon_pointer + 4096)) {
                    reply_unsupported(rec, "the EPTP-list entry lies in the VMXON region or the current VMCS");
                    return;
                }
                vf_reloc = 1;
            }
        }
        if (r->maxphyaddr < 32 || r->maxphyaddr > 52) { reply_unsupported(rec, "MAXPHYADDR outside 32..52"); return; }
        vf_amask = ((1ULL << r->maxphyaddr) - 1) & ~0xfffULL;
    }
    /* Guest code at VIG_CODE: MOV imm into each register the vector determines, the instruction, for a VMREAD to a
     * register MOV (E/R)AX, Reg1 (VM exits keep the GPRs), then VMCALL (exit reason 18 marks completion). */
    struct vi_gen g;
    uint8_t ins[48];
    uint8_t *e = vi_encode(r, ins, long64 ? 1 : code16 ? VI_CODE16 : 0, &g, &why);
    if (!e) { reply_unsupported(rec, why); return; }
    uint8_t *p = (uint8_t *)VIG_CODE;
    memset_(p, 0xcc, 4096);
    for (unsigned k = 0; k < 16; k++) {
        if (!(g.set >> k & 1)) continue;
        if (long64) {
            *p++ = (uint8_t)(0x48 | (k >= 8 ? 1 : 0));
            *p++ = (uint8_t)(0xb8 + (k & 7));
            for (int i = 0; i < 8; i++) *p++ = (uint8_t)(g.gpr[k] >> (8 * i));
        } else {
            if (k >= 8) continue;   /* vi_encode refuses R8-R15 outside 64-bit mode */
            if (code16) *p++ = 0x66;
            *p++ = (uint8_t)(0xb8 + k);
            for (int i = 0; i < 4; i++) *p++ = (uint8_t)(g.gpr[k] >> (8 * i));
        }
    }
    /* The instruction's own address (after MOV SS's four bytes): where a fault or a VM exit must be reported. */
    uint64_t insn_rip = (uint64_t)p + ((r->flags & VI_FLAG_MOV_SS) ? 4 : 0);
    for (uint8_t *q = ins; q < e; q++) *p++ = *q;
    if (insn == VI_VMREAD && g.reg_dest > 0 && !code16) {
        unsigned d = (unsigned)g.reg_dest;
        if (long64) *p++ = (uint8_t)(0x48 | (d >= 8 ? 4 : 0));
        *p++ = 0x89;
        *p++ = (uint8_t)(0xc0 | ((d & 7) << 3));
    }
    uint64_t vmcall_rip = (uint64_t)p;
    *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc1;
    if (vf_reloc) {
        /* EPTP switching is seen by the next instruction fetch: through the relocated entry it finds CPUID (exit 10)
         * where the runner's own EPT has VMCALL (exit 18). */
        for (unsigned k = 0; k < 512; k++) ((uint64_t *)VIG_ALT)[k] = ((uint64_t *)VIG_CODE)[k];
        uint8_t *a = (uint8_t *)VIG_ALT + (vmcall_rip - VIG_CODE);
        a[0] = 0x0f; a[1] = 0xa2; a[2] = 0x90;
        vi_build_alt_ept();
    }
    if (legacy && (r->cr0 >> 31)) vi_build_pae();
    if (need_ept) cr_build_ept();

    __asm__ volatile("vmxoff" ::: "cc", "memory");
    const char *err = 0, *unsup = 0;
    uint64_t errv = 0;
    int st;
    *(uint32_t *)r->vmxon_pointer = vmcs_revision;
    st = vmxon(r->vmxon_pointer);
    if (st) { err = "VMXON of the vector's VMXON region failed, status"; errv = (uint64_t)st; goto out_novmx; }
    memset_((void *)cur, 0, 4096);
    if (shadow) {
        memset_((void *)rbm, 0, 4096);
        memset_((void *)wbm, 0, 4096);
        if (link != ~0ULL) memset_((void *)link, 0, 4096);
    }
    int stores = insn == VI_VMREAD && has_op && (long64 || seg_used) && vi_canonical(lin) && vi_in_ram(lin, len);
    uint64_t w0 = lin & ~7ULL, w1 = (lin + len - 1) & ~7ULL, before0 = 0, before1 = 0;
    if (vf_reloc) *(uint64_t *)vf_slot = 0;   /* a list word the vector does not give is 0 */
    vi_write_memory(r, lin, len, ~0ULL);
    if (vf_reloc) {
        /* The entry keeps every bit but its address field (bits MAXPHYADDR-1:12 of the vector's width), which names
         * the runner's copy. A check of bits 63:N judges the copy as the vector's entry unless the two widths differ
         * and the entry's only bits at or above the vector's width lie below this processor's (27.2.1.1). */
        vf_entry = *(uint64_t *)vf_slot;
        uint32_t nv = r->maxphyaddr, np = plat_maxphyaddr;
        if (np > nv && (vf_entry >> nv) != 0 && (vf_entry >> np) == 0) {
            unsup = "the EPTP-list entry would be judged differently at this processor's MAXPHYADDR";
            goto out;
        }
        if (((vf_entry >> 3) & 7) == 4 && (cap_ept_vpid & (1ULL << 7))) {
            unsup = "a 5-level EPTP-list entry (the runner's EPT copy has 4 levels)";
            goto out;
        }
        *(uint64_t *)vf_slot = (vf_entry & ~vf_amask) | VIG_EPT;
    }
    *(uint32_t *)cur = vmcs_revision;
    if (stores) { before0 = *(uint64_t *)w0; before1 = *(uint64_t *)w1; }
    if (shadow && link != ~0ULL) {
        /* VM entry with "VMCS shadowing" checks the shadow VMCS's revision and shadow-VMCS indicator (SDM 27.2.1.1... 27.3.1.5). */
        uint32_t rev = *(uint32_t *)link;
        if (rev != (vmcs_revision | 0x80000000U)) { unsup = "the shadow VMCS region's first word does not pass VM entry (revision | bit 31)"; goto out; }
        if (vmclear(link) || vmptrld(link)) { err = "VMCLEAR/VMPTRLD of the shadow VMCS failed"; goto out; }
        if (vi_encoding_valid(r->register_value)) unsup = vi_set_field(r, r->register_value, r->field_value);
        if (vmclear(link)) { err = "VMCLEAR of the shadow VMCS failed"; goto out; }
        if (unsup) goto out;
    }
    if (vmclear(cur) || vmptrld(cur)) { err = "VMCLEAR/VMPTRLD of the current VMCS failed"; goto out; }
    {
        struct batch_record fake;
        memset_(&fake, 0, sizeof fake);
        fake.instruction = BATCH_INSN_RDMSR;
        fake.ecx = 0x10;
        fake.cpl = cpl;
        struct guest_gprs gg = { 0, 0, 0 };
        uint64_t grip;
        build_in_current = 1;
        int b = build_vmcs(&fake, &gg, &grip);
        build_in_current = 0;
        if (b) { err = "building the guest's VMCS failed"; errv = (uint64_t)-b; goto out; }
        int bad = 0;
        bad |= vi_write_guest_registers(VIG_CODE, r->rflags, r->cr0, r->cr4, r->efer);
        bad |= vi_vmwrite(VMCS_GUEST_FS_BASE, has_op && r->segment == 4 && !legacy ? r->segment_base : 0);
        bad |= vi_vmwrite(VMCS_GUEST_GS_BASE, has_op && r->segment == 5 && !legacy ? r->segment_base : 0);
        if (mode == VI_MODE_COMPAT) {
            /* Compatibility mode: the guest GDT's 32-bit code segment of the ring (kernel.c guest_tables). */
            bad |= vi_vmwrite(VMCS_GUEST_CS_SELECTOR, (uint64_t)((0x58 + 8 * cpl) | cpl));
            bad |= vi_vmwrite(VMCS_GUEST_CS_AR_BYTES, 0xc09b | (cpl << 5));
        }
        if (legacy) {
            bad |= vi_legacy_guest(mode, cpl, r->cr0);
            if (seg_used) {
                /* The operand's segment: the vector's base and a limit that answers the limit check as its own. */
                bad |= vi_vmwrite(VMCS_GUEST_ES_BASE + 2 * r->segment, r->segment_base);
                bad |= vi_vmwrite(VMCS_GUEST_ES_LIMIT + 2 * r->segment, seg_limit);
                bad |= vi_vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * r->segment, 0x4093 | (cpl << 5) | (seg_g ? 0x8000 : 0));
            }
        }
        uint32_t proc = (uint32_t)vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL);
        uint32_t p2want = (shadow ? PROC2_VMCS_SHADOWING : 0) | (need_ept ? PROC2_ENABLE_EPT : 0) |
                          (mode == VI_MODE_REAL ? PROC2_UNRESTRICTED : 0) | (vf_enable ? PROC2_ENABLE_VMFUNC : 0);
        if (p2want) {
            bad |= vi_vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc | PROC_ACTIVATE_SECONDARY);
            bad |= vi_vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, adjust(cap_proc2, p2want, NULL));
        }
        if (shadow) {
            bad |= vi_vmwrite(VMCS_VMREAD_BITMAP, rbm);
            bad |= vi_vmwrite(VMCS_VMWRITE_BITMAP, wbm);
            bad |= vi_vmwrite(VMCS_VMCS_LINK_POINTER, link);
        }
        if (need_ept) bad |= vi_vmwrite(VMCS_EPT_POINTER, (uint64_t)ept_pml4 | (3 << 3) | 6);   /* WB, 4-level */
        if (vf_enable) {
            bad |= vi_vmwrite(VMCS_VM_FUNCTION_CONTROL, vf_controls);
            if (vf_controls & 1) bad |= vi_vmwrite(VMCS_EPTP_LIST_ADDRESS, vf_list);
        }
        if (bad || vmwrite_failed) { err = "VMWRITE of the guest state failed"; goto out; }
        if (need_ept) {
            /* All-context INVEPT: the alternative hierarchy is rewritten record after record (SDM Vol. 3C 29.4.3.1). */
            struct { uint64_t eptp, rsvd; } d = { 0, 0 };
            uint64_t type = 2;
            if (cap_ept_vpid & (1ULL << 20)) __asm__ volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
        }
        int l = vmx_launch(&gg);
        if (l) { err = "VMLAUNCH of the guest failed, status"; errv = l == 2 ? vmread(VMCS_VM_INSTRUCTION_ERROR) : 0; goto out; }
        uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
        if (reason & 0x80000000U) { err = "the guest's VM entry failed, exit reason"; errv = reason; goto out; }
        reason &= 0xffff;
        uint64_t grip2 = vmread(VMCS_GUEST_RIP);
        if (reason == 52) { err = "watchdog: the VMX-preemption timer expired, guest RIP"; errv = grip2; goto out; }
        if (reason == 0) {
            uint64_t info = vmread(VMCS_VM_EXIT_INTR_INFO);
            uint64_t ec = (info & (1U << 11)) ? vmread(VMCS_VM_EXIT_INTR_ERROR_CODE) : 0;
            if (((info >> 8) & 7) != 3 || grip2 != insn_rip) { err = "unexpected exception or NMI exit, interruption information"; errv = info; goto out; }
            vi_reply_exception(rec, info & 0xff, ec);
            goto out;
        }
        if (vmfunc && grip2 == vmcall_rip && (reason == 10 || reason == 18)) {
            /* VMFUNC completed. EPTP switching (SDM Vol. 3C 26.5.6.3) is "eptp-switched" only when the EPTP field
             * holds the relocated entry and the next fetch went through it (CPUID from the copy, exit 10). */
            uint64_t f = vmread(VMCS_EPT_POINTER);
            if (reason != 10 || !vf_reloc || (f & vf_amask) != VIG_EPT) {
                err = reason == 10 ? "VMFUNC: the guest fetched through the relocated EPT but the EPTP field does not name it, EPTP"
                                   : "VMFUNC completed without the next fetch using a switched EPTP, EPTP field";
                errv = f;
                goto out;
            }
            reply_prefix(rec);
            puts_("\"outcome\": {\"kind\": \"eptp-switched\", \"eptp\": \"");
            put_hex((f & ~vf_amask) | (vf_entry & vf_amask));
            puts_("\"");
            if ((cap_proc2 >> 32) & PROC2_EPT_VE) {
                puts_(", \"eptp_index\": \"");
                put_hex(vmread(VMCS_EPTP_INDEX) & 0xffff);
                puts_("\"");
            }
            puts_("}}\n");
            goto out;
        }
        if (reason == 18 && grip2 == vmcall_rip && insn != VI_VMCALL) {
            /* The instruction completed in the guest (VMREAD/VMWRITE under VMCS shadowing). */
            uint64_t f = vmread(VMCS_GUEST_RFLAGS) & ~(1ULL << 16);
            uint64_t ierr = vmread(VMCS_VM_INSTRUCTION_ERROR);
            uint64_t written = 0;
            int wst = 0;
            if (insn == VI_VMWRITE && !(f & 0x41)) {
                if (vmptrld(link)) { err = "VMPTRLD of the shadow VMCS after the exit failed"; goto out; }
                wst = vi_vmread(r->register_value & ~1ULL, &written);
                if (vmptrld(cur)) { err = "VMPTRLD of the current VMCS after the exit failed"; goto out; }
                if (wst) { err = "VMREAD of the written shadow field failed, status"; errv = (uint64_t)wst; goto out; }
            }
            reply_prefix(rec);
            if (f & 1) {
                puts_("\"outcome\": {\"kind\": \"vmfail-invalid\", ");
                vi_reply_flags(f);
                puts_("}}\n");
            } else if (f & 0x40) {
                puts_("\"outcome\": {\"kind\": \"vmfail-valid\", \"vm_instruction_error\": ");
                put_dec(ierr);
                puts_(", ");
                vi_reply_flags(f);
                puts_("}}\n");
            } else {
                puts_("\"outcome\": {\"kind\": \"vmsucceed\", ");
                vi_reply_flags(f);
                puts_(", \"vmx_operation\": \"non-root\", \"current_vmcs_pointer\": \"");
                put_hex(cur);
                puts_("\"");
                if (stores) vi_put_memory_changes(lin, len, before0, before1);
                vi_put_vr_values(insn, g.reg_dest >= 0, long64 ? gg.rax : (uint32_t)gg.rax, written);
                puts_("}}\n");
            }
            goto out;
        }
        if (grip2 != insn_rip) { err = "VM exit not at the instruction, reason"; errv = reason; goto out; }
        uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"vm-exit\", \"exit_reason\": ");
        put_dec(reason);
        puts_(", \"exit_qualification\": \"");
        put_hex(q);
        puts_("\"");
        if (has_op || rw) {
            puts_(", \"instruction_information\": \"");
            put_hex(vmread(VMCS_VMX_INSTRUCTION_INFO) & 0xffffffffULL);
            puts_("\"");
        }
        puts_("}}\n");
    }
out:
    __asm__ volatile("vmxoff" ::: "cc", "memory");
out_novmx:
    if (err) reply_error(rec, err, errv);
    else if (unsup) reply_unsupported(rec, unsup);
    *(uint32_t *)vmxon_region = vmcs_revision;
    st = vmxon((uint64_t)vmxon_region);
    if (st) fatal("re-VMXON of the runner's region failed, status", (uint64_t)st, 0);
}

#include "vi_legacy.h"
