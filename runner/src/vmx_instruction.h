/*
 * vmx-instruction records (domain 3; runner/README.md "vmx-instruction"). Included by kernel.c.
 *
 * The kernel itself executes the vector's VMX instruction at CPL 0 in 64-bit mode in VMX root operation (the only
 * state the host sends): it leaves its own VMX operation (VMXOFF), enters VMX operation with the vector's VMXON
 * pointer, makes the vector's current VMCS current (VMCLEAR + VMPTRLD; for launch state "launched" it also fills
 * it and runs a guest that exits at once), writes the vector's memory, loads CR0/CR4, the operand's FS/GS base,
 * GPRs and RFLAGS and runs the instruction from generated code; afterwards it reads RFLAGS, the VM-instruction
 * error (VMREAD 0x4400), the current-VMCS pointer (VMPTRST) and, for VMPTRST, the memory it stored into, and then
 * restores its own state (VMXOFF if still in VMX operation, CR0/CR4, VMXON of its own region).
 */

#define VI_RAM_LOW  0x1a0000ULL     /* below: the runner's own memory (kernel to 0x12f000, batch images 0x140000-0x19ffff) */
#define VI_RAM_HIGH 0x80000000ULL   /* megs: 2048 in the host's bochsrc */

struct vi_ctx {
    uint64_t gpr[16];      /* 0 */
    uint64_t rflags_in;    /* 128 */
    uint64_t rflags_out;   /* 136 */
    uint64_t code;         /* 144 */
    uint64_t set_host;     /* 152 */
};
_Static_assert(offsetof(struct vi_ctx, set_host) == 152, "vi_ctx layout (entry.S)");

extern int vi_exec(struct vi_ctx *c);
extern char vi_done[], vi_fault[];

static uint8_t vi_code[128] __attribute__((aligned(64)));
static volatile int vi_active;
static volatile uint64_t vi_exc_vector, vi_exc_error;
static uint32_t plat_maxphyaddr;
static uint64_t plat_feature_control, plat_basic, plat_cr0, plat_cr4;

static void vi_setup(void) {
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008) { cpuid(0x80000008, &a, &b, &c, &d); plat_maxphyaddr = a & 0xff; }
    else plat_maxphyaddr = 36;
    plat_feature_control = rdmsr(0x3a);
    plat_basic = rdmsr(0x480);
    plat_cr0 = READ_CR(0);
    plat_cr4 = READ_CR(4);
}

/* Called first by exception_handler: a fault of the generated code goes back to vi_exec (returns 2). */
int vi_guard_exception(struct frame *f) {
    if (!vi_active || f->rip < (uint64_t)vi_code || f->rip >= (uint64_t)vi_code + sizeof vi_code) return 0;
    vi_exc_vector = f->vector;
    vi_exc_error = f->error;
    f->rip = (uint64_t)vi_fault;
    f->rflags &= ~0x200ULL;
    vi_active = 0;
    return 1;
}

static int vi_canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }
static int vi_in_ram(uint64_t a, uint64_t len) { return a >= VI_RAM_LOW && a < VI_RAM_HIGH && a + len <= VI_RAM_HIGH; }
/* The outcome depends on MAXPHYADDR only through "bits beyond the physical-address width" of x: this processor's
 * width gives the same answer as the vector's when x is below 2^min or at/above 2^max of the two widths. */
static int vi_width_agnostic(uint64_t x, uint32_t w1, uint32_t w2) {
    uint32_t lo = w1 < w2 ? w1 : w2, hi = w1 < w2 ? w2 : w1;
    return (x >> lo) == 0 || (x >> hi) != 0;
}

static void vi_reply_flags(uint64_t rflags) {
    puts_("\"rflags\": \"");
    put_hex(rflags);
    puts_("\"");
}

static void run_vi_record(const struct batch_vi_record *r) {
    const struct batch_record *rec = (const struct batch_record *)r;
    unsigned insn = r->instruction;
    if (insn > VI_INVVPID || r->memory_count > VI_MAX_MEMORY) { reply_error(rec, "malformed record, instruction", insn); return; }
    int has_op = (r->flags & VI_FLAG_OPERAND) != 0;
    int inv = insn == VI_INVEPT || insn == VI_INVVPID;
    /* 1. The vector's capabilities must be this processor's. */
    if (r->vmx_basic != plat_basic || r->procbased_ctls2 != cap_proc2 || r->cr0_fixed0 != plat_cr0_fixed0 ||
        r->cr0_fixed1 != plat_cr0_fixed1 || r->cr4_fixed0 != plat_cr4_fixed0 || r->cr4_fixed1 != plat_cr4_fixed1 ||
        r->feature_control != plat_feature_control || (inv && r->ept_vpid_cap != cap_ept_vpid)) {
        reply_unsupported(rec, "the vector's VMX capability MSRs or IA32_FEATURE_CONTROL differ from this processor's");
        return;
    }
    /* 2. CR0/CR4/EFER: 64-bit mode must stay as it is (PE, PG, PAE, LA57, PCIDE as the runner's; EFER as the runner's). */
    uint64_t keep0 = (1ULL << 0) | (1ULL << 31), keep4 = (1ULL << 5) | (1ULL << 12) | (1ULL << 17) | (1ULL << 13);
    if (((r->cr0 ^ plat_cr0) & keep0) || ((r->cr4 ^ plat_cr4) & keep4) || r->efer != rdmsr(0xc0000080) ||
        (r->cr0 & ~plat_cr0_fixed1) || (~r->cr0 & plat_cr0_fixed0) || (r->cr4 & ~plat_cr4_fixed1) ||
        (~r->cr4 & plat_cr4_fixed0) || (r->cr0 >> 32) || (r->cr4 >> 32)) {
        reply_unsupported(rec, "CR0/CR4/EFER the runner cannot load in 64-bit VMX root operation (PE, PG, PAE, LA57, PCIDE, EFER must stay)");
        return;
    }
    if (r->rflags & ~(uint64_t)(0x8d5 | 0x2 | 0x200)) {
        reply_unsupported(rec, "RFLAGS bits other than the arithmetic flags and IF");
        return;
    }
    /* 3. The operand's linear address; its bytes must be in the runner's free RAM or non-canonical. */
    uint64_t lin = 0, len = inv ? 16 : 8;
    if (has_op) {
        lin = r->offset + ((r->segment == 4 || r->segment == 5) ? r->segment_base : 0);
        if (vi_canonical(lin) && !vi_in_ram(lin, len)) {
            reply_unsupported(rec, "the operand's address is outside the runner's free RAM (0x1a0000-0x80000000)");
            return;
        }
        /* SDM Vol. 3A 2.2.1.1/3.4.4: in 64-bit mode the ES, CS, SS and DS overrides are ignored; the default segment
         * (SS for an RSP/RBP base, else DS) decides #SS against #GP. A vector naming another of the four cannot be made. */
        if (r->segment < 4) {
            int ss_default = (r->flags & VI_FLAG_BASE) && ((r->base & 7) == 4 || (r->base & 7) == 5);
            if ((r->segment == 2) != ss_default) {
                reply_unsupported(rec, "64-bit mode ignores ES/CS/SS/DS overrides: the vector's segment is not the one the processor uses");
                return;
            }
        }
        if (r->address_size != 64 && r->address_size != 32) { reply_unsupported(rec, "address size not in 64-bit mode"); return; }
    }
    if (r->maxphyaddr != plat_maxphyaddr) {
        /* Only the pointer read from the operand (VMXON/VMCLEAR/VMPTRLD) and the INVEPT EPTP are compared with
         * MAXPHYADDR; the other pointers are in the runner's RAM by construction. */
        int ok = !has_op || !vi_canonical(lin);
        if (!ok) {
            uint64_t x = 0;
            int found = 0;
            for (uint32_t i = 0; i < r->memory_count; i++)
                if (r->memory[i].addr == lin) { x = r->memory[i].value; found = 1; }
            if (insn == VI_VMPTRST || insn == VI_INVVPID) ok = 1;
            else if (found) ok = vi_width_agnostic(x, r->maxphyaddr, plat_maxphyaddr);
        }
        if (!ok) {
            reply_unsupported(rec, "the vector's MAXPHYADDR differs from this processor's and decides the outcome");
            return;
        }
    }

    if (insn == VI_VMCALL && r->current_vmcs_pointer != ~0ULL) {
        /* Observed: Bochs 2.7 ends the run (exit status 1) here; docs/findings/bochs.md. */
        reply_unsupported(rec, "VMCALL in VMX root operation with a current VMCS ends the Bochs run (docs/findings/bochs.md)");
        return;
    }
    /* 4. Instruction bytes. */
    uint8_t *p = vi_code;
    struct vi_ctx c;
    memset_(&c, 0, sizeof c);
    static const uint8_t segpfx[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    if (r->flags & VI_FLAG_MOV_SS) { *p++ = 0x8c; *p++ = 0xd0; *p++ = 0x8e; *p++ = 0xd0; }   /* mov eax, ss; mov ss, eax */
    int rex_used = 0;
    unsigned reg = 0;
    switch (insn) {
    case VI_VMXOFF: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc4; break;
    case VI_VMLAUNCH: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc2; break;
    case VI_VMRESUME: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc3; break;
    case VI_VMCALL: *p++ = 0x0f; *p++ = 0x01; *p++ = 0xc1; break;
    default: {
        if (!has_op) { reply_unsupported(rec, "register form of a memory-operand instruction"); return; }
        int bv = (r->flags & VI_FLAG_BASE) != 0, iv = (r->flags & VI_FLAG_INDEX) != 0;
        unsigned base = r->base & 15, index = r->index & 15, scale = r->scale & 3;
        if (iv && index == 4) { reply_unsupported(rec, "RSP as an index register cannot be encoded"); return; }
        int64_t disp = (int64_t)r->displacement;
        if (disp != (int64_t)(int32_t)disp) { reply_unsupported(rec, "displacement beyond 32 bits"); return; }
        uint64_t amask = r->address_size == 32 ? 0xffffffffULL : ~0ULL;
        uint64_t want = (r->offset - (uint64_t)disp) & amask;   /* base + index * 2^scale */
        reg = insn == VI_VMPTRST ? 7 : 6;
        if (inv) reg = r->register_operand & 15;
        uint64_t bval = 0, ival = 0;
        int fixed_b = inv && bv && base == reg, fixed_i = inv && iv && index == reg;
        if (fixed_b) bval = r->register_value;
        if (fixed_i) ival = r->register_value;
        if (bv && iv && base == index) {
            /* value * (1 + 2^scale) = want */
            uint64_t m = 1 + (1ULL << scale);
            uint64_t v = fixed_b ? bval : want / m;
            if (((v * m) & amask) != want) { reply_unsupported(rec, "base = index register: no value gives the offset"); return; }
            bval = ival = v;
        } else if (bv && !fixed_b) {
            bval = want - (iv ? (ival << scale) : 0);
        } else if (iv && !fixed_i) {
            uint64_t rest = (want - (bv ? bval : 0)) & amask;
            if (rest & ((1ULL << scale) - 1)) { reply_unsupported(rec, "the index cannot give the offset"); return; }
            ival = rest >> scale;
        }
        uint64_t ea = ((bv ? bval : 0) + (iv ? ival << scale : 0) + (uint64_t)disp) & amask;
        if (ea != (r->offset & amask)) { reply_unsupported(rec, "the register operand doubles as base/index with another value"); return; }
        if (bv) c.gpr[base] = bval;
        if (iv) c.gpr[index] = ival;
        if (r->segment > 5) { reply_error(rec, "malformed record, segment", r->segment); return; }
        *p++ = segpfx[r->segment];
        if (r->address_size == 32) *p++ = 0x67;
        if (insn == VI_VMCLEAR || inv) *p++ = 0x66;
        if (insn == VI_VMXON) *p++ = 0xf3;
        uint8_t rex = 0x40 | ((reg & 8) ? 4 : 0) | ((iv && (index & 8)) ? 2 : 0) | ((bv && (base & 8)) ? 1 : 0);
        if (rex != 0x40) { *p++ = rex; rex_used = 1; }
        *p++ = 0x0f;
        if (inv) { *p++ = 0x38; *p++ = insn == VI_INVEPT ? 0x80 : 0x81; }
        else *p++ = 0xc7;
        /* ModRM with SIB: mod 10 (disp32) with a base, mod 00 + base 101 (disp32, no base) without. */
        *p++ = (uint8_t)(((bv ? 2 : 0) << 6) | ((reg & 7) << 3) | 4);
        *p++ = (uint8_t)((scale << 6) | ((iv ? index & 7 : 4) << 3) | (bv ? base & 7 : 5));
        uint32_t d32 = (uint32_t)disp;
        for (int i = 0; i < 4; i++) *p++ = (uint8_t)(d32 >> (8 * i));
        if (inv) c.gpr[reg] = r->register_value;
        break;
    }
    }
    (void)rex_used;
    /* jmp [rip+0]; .quad vi_done */
    *p++ = 0xff; *p++ = 0x25; *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;
    uint64_t done = (uint64_t)vi_done;
    for (int i = 0; i < 8; i++) *p++ = (uint8_t)(done >> (8 * i));

    /* 5. Memory addresses the runner must write: in its free RAM, or non-canonical (never accessed). */
    for (uint32_t i = 0; i < r->memory_count; i++) {
        uint64_t a = r->memory[i].addr;
        if (vi_canonical(a) && !vi_in_ram(a, 8)) { reply_unsupported(rec, "memory outside the runner's free RAM"); return; }
    }
    if (!vi_in_ram(r->vmxon_pointer, 4096) || (r->vmxon_pointer & 0xfff) ||
        (r->current_vmcs_pointer != ~0ULL && (!vi_in_ram(r->current_vmcs_pointer, 4096) || (r->current_vmcs_pointer & 0xfff)))) {
        reply_unsupported(rec, "VMXON region or current VMCS outside the runner's free RAM");
        return;
    }

    /* 6. VMX state: leave the runner's VMX operation, enter the vector's. */
    __asm__ volatile("vmxoff" ::: "cc", "memory");
    *(uint32_t *)r->vmxon_pointer = vmcs_revision;
    int in_vmx = 0;
    int st = vmxon(r->vmxon_pointer);
    const char *setup_err = 0;
    uint64_t setup_val = 0;
    if (st) { setup_err = "VMXON of the vector's VMXON region failed, status"; setup_val = (uint64_t)st; goto restore; }
    in_vmx = 1;
    if (r->current_vmcs_pointer != ~0ULL) {
        uint64_t cur = r->current_vmcs_pointer;
        memset_((void *)cur, 0, 4096);
        *(uint32_t *)cur = vmcs_revision;
        if (vmclear(cur) || vmptrld(cur)) { setup_err = "VMCLEAR/VMPTRLD of the current VMCS failed"; goto restore; }
        if (r->flags & VI_FLAG_LAUNCHED) {
            struct batch_record fake;
            memset_(&fake, 0, sizeof fake);
            fake.instruction = BATCH_INSN_RDMSR;
            fake.ecx = 0x10;
            struct guest_gprs g = { 0, 0, 0 };
            uint64_t grip;
            build_in_current = 1;
            int b = build_vmcs(&fake, &g, &grip);
            build_in_current = 0;
            if (b) { setup_err = "building the launched VMCS failed"; setup_val = (uint64_t)-b; goto restore; }
            int l = vmx_launch(&g);
            if (l) { setup_err = "launching the trivial guest failed, status"; setup_val = (uint64_t)l; goto restore; }
            uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
            if (reason & 0x80000000U) { setup_err = "the trivial guest's VM entry failed, reason"; setup_val = reason; goto restore; }
        }
    }
    /* Vector memory; the words a VMPTRST stores into start as 0 unless the vector gives them. */
    uint64_t w0 = lin & ~7ULL, w1 = (lin + 7) & ~7ULL;
    if (insn == VI_VMPTRST && vi_canonical(lin)) { *(uint64_t *)w0 = 0; *(uint64_t *)w1 = 0; }
    for (uint32_t i = 0; i < r->memory_count; i++)
        if (vi_canonical(r->memory[i].addr)) *(uint64_t *)r->memory[i].addr = r->memory[i].value;
    uint64_t before0 = 0, before1 = 0;
    if (insn == VI_VMPTRST && vi_canonical(lin)) { before0 = *(uint64_t *)w0; before1 = *(uint64_t *)w1; }

    /* 7. Execute. */
    WRITE_CR(0, r->cr0);
    WRITE_CR(4, r->cr4);
    if (has_op && r->segment == 4) wrmsr(0xc0000100, r->segment_base);
    if (has_op && r->segment == 5) wrmsr(0xc0000101, r->segment_base);
    c.gpr[4] = c.gpr[4] ? c.gpr[4] : 0;
    c.rflags_in = r->rflags;
    c.code = (uint64_t)vi_code;
    c.set_host = r->current_vmcs_pointer != ~0ULL && (insn == VI_VMLAUNCH || insn == VI_VMRESUME);
    vi_active = 1;
    int how = vi_exec(&c);
    vi_active = 0;
    __asm__ volatile("cli");
    wrmsr(0xc0000100, 0);
    wrmsr(0xc0000101, 0);
    WRITE_CR(4, plat_cr4);
    WRITE_CR(0, plat_cr0);

    /* 8. Outcome. */
    reply_prefix(rec);
    if (how == 2) {
        puts_("\"outcome\": {\"kind\": \"exception\", \"vector\": ");
        put_dec(vi_exc_vector);
        puts_(", \"error_code\": \"");
        put_hex(vi_exc_error);
        puts_("\"}}\n");
    } else if (how == 1) {
        /* A VM exit of the guest after VMLAUNCH/VMRESUME (or a VM-entry failure): the VM-entry checks were reached. */
        if (insn == VI_VMLAUNCH || insn == VI_VMRESUME) puts_("\"outcome\": {\"kind\": \"vm-entry-checks\"}}\n");
        else { puts_("\"error\": \"unexpected VM exit, reason "); put_hex(vmread(VMCS_VM_EXIT_REASON)); puts_("\"}\n"); }
    } else {
        uint64_t f = c.rflags_out;
        if (f & 1) {
            puts_("\"outcome\": {\"kind\": \"vmfail-invalid\", ");
            vi_reply_flags(f);
            puts_("}}\n");
        } else if (f & 0x40) {
            uint64_t e = vmread(VMCS_VM_INSTRUCTION_ERROR);
            if ((insn == VI_VMLAUNCH || insn == VI_VMRESUME) && (e == 7 || e == 8)) {
                puts_("\"outcome\": {\"kind\": \"vm-entry-checks\"}}\n");
            } else {
                puts_("\"outcome\": {\"kind\": \"vmfail-valid\", \"vm_instruction_error\": ");
                put_dec(e);
                puts_(", ");
                vi_reply_flags(f);
                puts_("}}\n");
            }
        } else if (insn == VI_VMLAUNCH || insn == VI_VMRESUME) {
            puts_("\"error\": \"VMLAUNCH/VMRESUME fell through without a VM exit, rflags ");
            put_hex(f);
            puts_("\"}\n");
        } else {
            puts_("\"outcome\": {\"kind\": \"vmsucceed\", ");
            vi_reply_flags(f);
            if (insn == VI_VMXOFF) {
                in_vmx = 0;
                puts_(", \"vmx_operation\": \"outside\"");
            } else {
                uint64_t cur = 0;
                __asm__ volatile("vmptrst %0" : "=m"(cur) : : "memory");
                puts_(", \"vmx_operation\": \"root\", \"current_vmcs_pointer\": \"");
                put_hex(cur);
                puts_("\"");
            }
            if (insn == VI_VMPTRST) {
                puts_(", \"memory\": {");
                int n = 0;
                if (vi_canonical(lin)) {
                    uint64_t a0 = *(uint64_t *)w0, a1 = *(uint64_t *)w1;
                    if (a0 != before0) { puts_("\""); put_hex(w0); puts_("\": \""); put_hex(a0); puts_("\""); n++; }
                    if (w1 != w0 && a1 != before1) { puts_(n ? ", \"" : "\""); put_hex(w1); puts_("\": \""); put_hex(a1); puts_("\""); }
                }
                puts_("}");
            }
            puts_("}}\n");
        }
    }

restore:
    if (setup_err) {
        if (in_vmx) __asm__ volatile("vmxoff" ::: "cc", "memory");
        in_vmx = 0;
        WRITE_CR(4, plat_cr4);
        WRITE_CR(0, plat_cr0);
        reply_error(rec, setup_err, setup_val);
    }
    if (in_vmx) __asm__ volatile("vmxoff" ::: "cc", "memory");
    *(uint32_t *)vmxon_region = vmcs_revision;
    st = vmxon((uint64_t)vmxon_region);
    if (st) fatal("re-VMXON of the runner's region failed, status", (uint64_t)st, 0);
}
