/*
 * ept-walk records (batch domain 4): one guest-physical access translated through EPT paging structures that the
 * vector describes (SDM Vol. 3C 29.3.2 "EPT Translation Mechanism", 29.3.3 "EPT-Induced VM Exits", 29.3.5 "Accessed
 * and Dirty Flags for EPT", 28.2.1 Table 28-7). Included by kernel.c after cr_access.h (its CR/EFER names and
 * PROC_ACTIVATE_SECONDARY, PROC2_ENABLE_EPT are used here).
 *
 * The vector's structures live at its own addresses, anywhere below 2^MAXPHYADDR; this runner owns only its RAM.
 * So every structure on the walk is copied to a runner page and every address in it is rewritten:
 *   - the EPTP's table, and each table an entry on the walk references, get a runner page (one per vector page, so
 *     structures that share a page still share it);
 *   - the page the leaf maps gets a runner frame of the leaf's size (4 KiB from the pool, 2 MiB at EW_FRAME_2M,
 *     1 GiB at EW_FRAME_1G), filled with a marker that tells the guest's access landed there;
 *   - the GPA keeps bits (top-level shift - 1):0 and gets top-level index 0 (so that a guest can produce it below
 *     this processor's MAXPHYADDR); the top-level entry moves to index 0 of the copied table accordingly (for a PDPTE
 *     load also the second-level entry, so that the GPA is below 1 GiB, within a PAE guest's 32-bit CR3);
 *   - top-level index 1 (GPAs from EW_RUNNER_GPA) maps the runner's own memory for the guest's code and paging
 *     structures, identity plus EW_RUNNER_GPA, through EPT entries of the runner that the vector's walk never reads.
 * Only address bits are rewritten; permission, memory-type, ignore-PAT, large-page, accessed/dirty and reserved bits
 * (including those at and above MAXPHYADDR) stay as the vector has them. The reply is translated back: addresses of
 * changed entries and the HPA are the vector's, and a changed entry is reported as the vector's value with the bits
 * the processor changed.
 *
 * The access is the guest's one-byte load, store or jump at the GPA; or the processor's read of the guest's PTE there
 * (or its write of that PTE's accessed flag, a guest A/D update) while translating the linear address the guest
 * loads from; or the PDPTE load of a MOV to CR3 in a 32-bit PAE guest; or, with blocking by NMI, the frame read or
 * the CS-descriptor accessed-flag write of an IRET (runner/README.md "ept-walk", step 4).
 */

#define EW_READ  0U
#define EW_WRITE 1U
#define EW_FETCH 2U

#define PROC_HLT_EXITING (1U << 7)
#define PIN_NMI_EXITING  (1U << 3)
#define PIN_VIRTUAL_NMIS (1U << 5)

/* Runner memory for this domain (below 1 GiB except the 1-GiB frame; Bochs has 2 GiB, megs: 2048). */
#define EW_BASE        0x10000000ULL
#define EW_EPT_PDPT    (EW_BASE + 0x0000)   /* the runner's EPT subtree: PDPT -> PD of 2-MiB pages for 0..1 GiB */
#define EW_EPT_PD      (EW_BASE + 0x1000)
#define EW_G_PML4      (EW_BASE + 0x2000)   /* the guest's paging structures (at GPA EW_RUNNER_GPA + address) */
#define EW_G_PDPT_LO   (EW_BASE + 0x3000)
#define EW_G_PD_LO     (EW_BASE + 0x4000)
#define EW_G_PDPT_T    (EW_BASE + 0x5000)
#define EW_G_PD_T      (EW_BASE + 0x6000)
#define EW_G_PT_T      (EW_BASE + 0x7000)
#define EW_FRAME_4K    (EW_BASE + 0x8000)   /* the frame a 4-KiB leaf maps */
#define EW_DATA        (EW_BASE + 0x9000)   /* guest paging-structure records: the page the guest's PTE maps */
#define EW_PDPTE_MARK  (EW_BASE + 0xa000)   /* PDPTE loads: the page PDPTE3 names (never used) */
#define EW_POOL        (EW_BASE + 0x10000)  /* copied EPT tables */
#define EW_POOL_PAGES  16U
#define EW_FRAME_2M    0x20000000ULL
#define EW_FRAME_1G    0x40000000ULL
#define EW_RUNNER_GPA  (1ULL << 39)         /* EPT top-level index 1 of a 4-level walk */
#define EW_RUNNER_SIZE 0x40000000ULL
/* The guest's linear address for the access: PML4 index 1, the rest 0, plus the GPA's page offset. */
#define EW_LINEAR_BASE (1ULL << 39)

#define EW_MARK_READ   0xa5U   /* fills the target frame of a read: the guest's load returns it */
#define EW_MARK_FETCH  0xf4U   /* HLT: fills the target frame of a fetch; "HLT exiting" makes it exit (reason 12) */
#define EW_MARK_WRITE  0x5aU   /* the byte the guest stores */
#define EW_IRET_FRAME  40U     /* a 64-bit IRET reads RIP, CS, RFLAGS, RSP, SS: 40 bytes from RSP (SDM Vol. 2A IRET) */
#define EW_PTE_A       0x20ULL /* accessed flag of a guest paging-structure entry (SDM Vol. 3A 5.8) */

/* The EPT capability bits the walk rests on (SDM Vol. 3D A.10; spec/ept-walk.hvm): execute-only (0), 2-MByte (16)
 * and 1-GByte (17) pages, advanced VM-exit information for EPT violations (22). They must be this processor's. */
static const unsigned ew_cap_bits[4] = { 0, 16, 17, 22 };
static const char *const ew_cap_names[4] = { "execute-only translations (bit 0)", "2-MByte pages (bit 16)",
                                             "1-GByte pages (bit 17)", "advanced VM-exit information (bit 22)" };

static unsigned ew_maxphyaddr;   /* CPUID.80000008H:EAX[7:0] (SDM Vol. 3A 4.1.4), read by ew_setup */

static void ew_setup(void) {
    uint32_t a, b, c, d;
    cpuid(0x80000000U, &a, &b, &c, &d);
    ew_maxphyaddr = 36;   /* SDM Vol. 3A 4.1.4: 36 when the leaf does not exist */
    if (a >= 0x80000008U) {
        cpuid(0x80000008U, &a, &b, &c, &d);
        ew_maxphyaddr = a & 0xff;
    }
}

/* Bits hi-1 .. lo of a 64-bit value. */
static uint64_t ew_bits(unsigned hi, unsigned lo) {
    if (hi <= lo) return 0;
    uint64_t top = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;
    return top & ~((1ULL << lo) - 1);
}
/* Bits 51:m: reserved in a present EPT entry when m is MAXPHYADDR (SDM Vol. 3C 29.3.3.1). */
static uint64_t ew_above(unsigned m) { return ew_bits(52, m); }

/* One entry the walk reads: the vector's address and value, the copy's address and value. */
struct ew_step { uint64_t vaddr, vvalue, raddr, rvalue; unsigned level; };

static struct {
    uint64_t vpage[EW_POOL_PAGES];
    unsigned n;
} ew_pages;

static void ew_unsup_begin(const struct batch_ept_record *r) {
    reply_prefix((const struct batch_record *)r);
    puts_("\"unsupported\": \"");
}
static void ew_unsup(const struct batch_ept_record *r, const char *why) {
    ew_unsup_begin(r);
    puts_(why);
    puts_("\"}\n");
}
static void ew_unsup_v(const struct batch_ept_record *r, const char *why, uint64_t v, const char *tail) {
    ew_unsup_begin(r);
    puts_(why);
    put_hex(v);
    puts_(tail);
    puts_("\"}\n");
}

/* The runner page for the vector's page vpage (allocated and zeroed on first use), or 0 when the pool is full. */
static uint64_t ew_page(uint64_t vpage) {
    for (unsigned i = 0; i < ew_pages.n; i++)
        if (ew_pages.vpage[i] == vpage) return EW_POOL + (uint64_t)i * 0x1000;
    if (ew_pages.n == EW_POOL_PAGES) return 0;
    uint64_t p = EW_POOL + (uint64_t)ew_pages.n * 0x1000;
    ew_pages.vpage[ew_pages.n++] = vpage;
    memset_((void *)p, 0, 0x1000);
    return p;
}
static int ew_is_table_page(uint64_t vpage) {
    for (unsigned i = 0; i < ew_pages.n; i++)
        if (ew_pages.vpage[i] == vpage) return 1;
    return 0;
}

static uint64_t ew_vmem(const struct batch_ept_record *r, uint64_t addr) {
    for (uint32_t i = 0; i < r->memory_count; i++)
        if (r->memory[i].addr == addr) return r->memory[i].value;
    return 0;   /* sparse memory: absent words are zero */
}

/* The relocated walk of one record. */
static struct {
    struct ew_step step[5];
    unsigned steps;
    uint64_t eptp;        /* the runner's EPTP */
    uint64_t gpa;         /* the GPA the guest accesses */
    uint64_t top_table;   /* the runner's copy of the top-level table */
    int leaf;             /* index in step[] of the entry that maps a page, -1 when the walk ends before one */
    uint64_t target_v;    /* with a leaf: the vector's HPA, and the runner's */
    uint64_t target_r;
} ew;

/* Checks the record against this processor and builds the relocated structures; 0 (after an unsupported reply)
 * when the vector cannot be realized faithfully here. low: also the walk's second level (the EPT PDPTE) moves to
 * index 0 of its copied table, so that the GPA keeps only bits 29:0 and lies below 1 GiB (a PAE guest's CR3, which
 * names the PDPTEs a MOV to CR3 loads, has 32 bits). */
static int ew_prepare(const struct batch_ept_record *r, int low) {
    /* SDM Vol. 3D A.3.3, A.10: EPT must exist, and the capabilities the walk rests on must be this processor's. */
    if (!(cap_proc >> 63) || !(cap_proc2 >> 32 & PROC2_ENABLE_EPT)) {
        ew_unsup(r, "the processor does not offer enable EPT");
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t bit = 1ULL << ew_cap_bits[i];
        if ((r->ept_vpid_cap & bit) != (cap_ept_vpid & bit)) {
            ew_unsup_begin(r);
            puts_("the vector assumes IA32_VMX_EPT_VPID_CAP ");
            put_hex(r->ept_vpid_cap);
            puts_(", this processor has ");
            put_hex(cap_ept_vpid);
            puts_(" (they differ in ");
            puts_(ew_cap_names[i]);
            puts_(")\"}\n");
            return 0;
        }
    }
    /* SDM Vol. 3C 27.2.1.1: the EPTP must be one VM entry accepts on this processor too. */
    uint64_t eptp = r->eptp;
    unsigned mt = eptp & 7, walk = (eptp >> 3) & 7;
    if ((mt == 0 && !(cap_ept_vpid & (1ULL << 8))) || (mt == 6 && !(cap_ept_vpid & (1ULL << 14))) ||
        (walk == 3 && !(cap_ept_vpid & (1ULL << 6))) || (walk == 4 && !(cap_ept_vpid & (1ULL << 7))) ||
        ((eptp & 0x40) && !(cap_ept_vpid & (1ULL << 21)))) {
        ew_unsup_v(r, "this processor's IA32_VMX_EPT_VPID_CAP ", cap_ept_vpid,
                   " refuses the vector's EPTP (memory type, walk length or accessed/dirty flags; SDM 27.2.1.1)");
        return 0;
    }
    if (walk != 3) {
        ew_unsup(r, "the runner builds its own EPT mappings for 4-level walks only");
        return 0;
    }
    unsigned levels = 4, top_shift = 12 + 9 * (levels - 1);
    unsigned mv = r->maxphyaddr, mp = ew_maxphyaddr;
    /* A 4-level walk uses GPA bits 47:0; a GPA beyond cannot come from a guest on a processor with a MAXPHYADDR of
     * at most 48 (guest paging would fault on the reserved bits first, SDM Vol. 3A 4.5.4). */
    if (r->gpa >> (top_shift + 9)) {
        ew_unsup_v(r, "a GPA with bits 63:48 set cannot be produced by a guest on this processor (MAXPHYADDR ",
                   mp, ")");
        return 0;
    }
    if (EW_RUNNER_GPA + EW_RUNNER_SIZE > (1ULL << mp)) {
        ew_unsup_v(r, "the runner's guest memory at GPA 0x8000000000 needs a MAXPHYADDR above 39; this processor has ",
                   mp, "");
        return 0;
    }
    ew_pages.n = 0;
    ew.steps = 0;
    ew.leaf = -1;
    ew.gpa = r->gpa & ew_bits(low ? top_shift - 9 : top_shift, 0);   /* top-level index 0 (and second-level 0) */
    uint64_t table_v = eptp & ew_bits(52, 12);
    uint64_t table_r = ew_page(table_v >> 12);   /* 0 only when the pool is full */
    ew.top_table = table_r;
    ew.eptp = (eptp & 0xfff) | table_r;
    for (unsigned lvl = levels; lvl >= 1 && table_r; lvl--) {
        unsigned shift = 12 + 9 * (lvl - 1);
        uint64_t idx = (r->gpa >> shift) & 0x1ff;
        struct ew_step *s = &ew.step[ew.steps++];
        s->level = lvl;
        s->vaddr = table_v + idx * 8;
        s->raddr = table_r + (lvl == levels || (low && lvl == levels - 1) ? 0 : idx * 8);
        uint64_t e = ew_vmem(r, s->vaddr);
        s->vvalue = s->rvalue = e;
        if (!(e & 7)) break;   /* not present (SDM 29.3.2): the walk reads nothing more */
        /* SDM 29.3.3.1: bits 51:MAXPHYADDR are reserved. The copy keeps the vector's bits at and above its own
         * MAXPHYADDR; this processor must judge them as the vector's processor would. */
        int reserved_v = (e & ew_above(mv)) != 0;
        int reserved_p = (e & ew_above(mv > mp ? mv : mp)) != 0;
        if (reserved_v != reserved_p) {
            ew_unsup_begin(r);
            puts_("the entry at ");
            put_hex(s->vaddr);
            puts_(reserved_v ? " sets a bit at or above the vector's MAXPHYADDR " : " uses an address bit at or above this processor's MAXPHYADDR ");
            put_dec(reserved_v ? mv : mp);
            puts_(" that the other width treats differently (SDM 29.3.3.1)\"}\n");
            return 0;
        }
        int leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & 0x80));
        if (leaf) {
            /* The page frame: bits (MAXPHYADDR-1):12, 21 or 30 (Tables 29-6, 29-4, 29-2); the bits below a large
             * page's frame are reserved and kept. */
            uint64_t field = ew_bits(mv, shift);
            uint64_t size_mask = (1ULL << shift) - 1;
            uint64_t frame_r = lvl == 1 ? EW_FRAME_4K : lvl == 2 ? EW_FRAME_2M : EW_FRAME_1G;
            s->rvalue = (e & ~field) | frame_r;
            ew.leaf = (int)(ew.steps - 1);
            ew.target_v = (e & field) | (r->gpa & size_mask);
            ew.target_r = frame_r | (r->gpa & size_mask);
            break;
        }
        uint64_t next_v = e & ew_bits(mv, 12);
        uint64_t next_r = ew_page(next_v >> 12);
        s->rvalue = (e & ~ew_bits(mv, 12)) | next_r;
        table_v = next_v;
        table_r = next_r;
    }
    if (!table_r) {
        ew_unsup(r, "the walk needs more runner pages than the pool holds");
        return 0;
    }
    /* Consistency: one copy per vector entry, and nothing on the walk in the runner's own top-level slot. */
    for (unsigned i = 0; i < ew.steps; i++) {
        if (ew.step[i].raddr == ew.top_table + 8) {
            ew_unsup(r, "an entry of the walk would share the runner's top-level slot after relocation");
            return 0;
        }
        for (unsigned k = 0; k < i; k++) {
            int same_v = ew.step[i].vaddr == ew.step[k].vaddr, same_r = ew.step[i].raddr == ew.step[k].raddr;
            if (same_v != same_r || (same_v && ew.step[i].rvalue != ew.step[k].rvalue)) {
                ew_unsup(r, "the walk reads one entry in two roles (or two entries at one relocated address): it cannot be relocated consistently");
                return 0;
            }
        }
    }
    if (ew.leaf >= 0 && ew_is_table_page(ew.target_v >> 12)) {
        ew_unsup_v(r, "the leaf maps a page that holds the walk's own EPT entries (HPA ", ew.target_v, ")");
        return 0;
    }
    for (unsigned i = 0; i < ew.steps; i++) *(volatile uint64_t *)ew.step[i].raddr = ew.step[i].rvalue;
    /* The target frame's page: a marker the guest's access can only find there. */
    if (ew.leaf >= 0) {
        uint8_t fill = r->access == EW_READ ? EW_MARK_READ : r->access == EW_FETCH ? EW_MARK_FETCH : 0;
        memset_((void *)(ew.target_r & ~0xfffULL), fill, 0x1000);
    }
    /* The runner's own subtree in top-level slot 1: GPA EW_RUNNER_GPA + x -> HPA x for x below 1 GiB (RWX, WB, 2-MiB
     * pages; SDM 29.3.2 Tables 29-3, 29-4). */
    uint64_t *pdpt = (uint64_t *)EW_EPT_PDPT, *pd = (uint64_t *)EW_EPT_PD;
    memset_(pdpt, 0, 0x1000);
    for (uint64_t i = 0; i < 512; i++) pd[i] = (i << 21) | 0x80 | (6 << 3) | 7;
    pdpt[0] = EW_EPT_PD | 7;
    *(volatile uint64_t *)(ew.top_table + 8) = EW_EPT_PDPT | 7;
    return 1;
}

/* The guest's 4-level paging (SDM Vol. 3A 5.5): linear 0..1 GiB -> GPA EW_RUNNER_GPA + linear (2-MiB supervisor
 * pages: the kernel's code, GDT, TSS run as the guest's), and EW_LINEAR_BASE + 4 KiB * n through one page table
 * (all upper levels allow everything and have A and D set, and they live in the runner's memory, so their reads and
 * the final page's never meet the vector's walk):
 *   - a final access: the page table is EW_G_PT_T and PTE 0 maps EW_LINEAR_BASE to the GPA under test with the
 *     vector's user/writable/execute-disable, A and D preset (guest paging writes nothing during the access);
 *   - a guest paging-structure access (pt_gpa != 0): the page table is the page at GPA pt_gpa, the page the vector's
 *     walk translates, so that the processor's read of the PTE (or its write of the PTE's accessed flag) is the
 *     access under test; the PTE itself is written by the caller into the target frame. */
static uint64_t ew_build_guest_paging(const struct batch_ept_record *r, uint64_t pt_gpa) {
    const uint64_t g = EW_RUNNER_GPA;
    uint64_t *pml4 = (uint64_t *)EW_G_PML4, *pdpt_lo = (uint64_t *)EW_G_PDPT_LO, *pd_lo = (uint64_t *)EW_G_PD_LO;
    uint64_t *pdpt_t = (uint64_t *)EW_G_PDPT_T, *pd_t = (uint64_t *)EW_G_PD_T, *pt_t = (uint64_t *)EW_G_PT_T;
    memset_((void *)EW_G_PML4, 0, EW_G_PT_T + 0x1000 - EW_G_PML4);
    for (uint64_t i = 0; i < 512; i++) pd_lo[i] = (g + (i << 21)) | 0xe3;   /* P RW A D PS */
    pdpt_lo[0] = (g + EW_G_PD_LO) | 0x23;
    pml4[0] = (g + EW_G_PDPT_LO) | 0x23;
    pml4[1] = (g + EW_G_PDPT_T) | 0x27;                                       /* P RW US A */
    pdpt_t[0] = (g + EW_G_PD_T) | 0x27;
    if (pt_gpa) {
        pd_t[0] = (pt_gpa & ~0xfffULL) | 0x27;
        return g + EW_G_PML4;
    }
    pd_t[0] = (g + EW_G_PT_T) | 0x27;
    uint64_t pte = (ew.gpa & ~0xfffULL) | 0x61;                               /* P A D */
    if (r->flags & BATCH_EW_FLAG_WRITABLE) pte |= 2;
    if (r->flags & BATCH_EW_FLAG_USER) pte |= 4;
    if (r->flags & BATCH_EW_FLAG_XD) pte |= 1ULL << 63;
    pt_t[0] = pte;
    return g + EW_G_PML4;
}

/* The 64-bit IRET frame at host address frame: back to ew_guest_iret_ret at CPL 0 on the guest's stack (the guest's
 * own selectors, so the IRET's descriptor checks pass: SDM Vol. 2A IRET, IA-32e mode). */
extern char ew_guest_iret_ret[];
static void ew_put_iret_frame(uint64_t frame, uint64_t cs) {
    volatile uint64_t *f = (volatile uint64_t *)frame;
    f[0] = (uint64_t)ew_guest_iret_ret;
    f[1] = cs;
    f[2] = 0x2;
    f[3] = (uint64_t)guest_stack[0] + 4096 - 64;
    f[4] = 0x10;
}

/* pae: the guest is in 32-bit protected mode with PAE paging instead (a PDPTE load, below). */
static int ew_build_vmcs(uint64_t guest_cr3, uint64_t rip, int nmi_blocked, int pae, uint32_t *missing) {
    memset_(vmcs_region, 0, sizeof vmcs_region);
    if (vmclear((uint64_t)vmcs_region)) return -1;
    *(uint32_t *)vmcs_region = vmcs_revision;
    if (vmptrld((uint64_t)vmcs_region)) return -2;
    vmwrite_failed = 0;
    uint32_t m1 = 0, m2 = 0;
    uint32_t pin = adjust(cap_pin, have_preemption_timer ? PIN_PREEMPTION_TIMER : 0, NULL);
    uint32_t proc = adjust(cap_proc, PROC_ACTIVATE_SECONDARY | PROC_HLT_EXITING, &m1) & ~PROC_USE_MSR_BITMAPS;
    uint32_t proc2 = adjust(cap_proc2, PROC2_ENABLE_EPT, &m2);
    /* "NMI exiting" and "virtual NMIs" must be 0 (they are default0 on Intel, SDM Vol. 3D A.3.1): with NMI exiting 1
     * and virtual NMIs 0, exit-qualification bit 12 is undefined (28.2.3). A forced one is reported as missing. */
    *missing = m1 | m2 | (pin & (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS));
    uint32_t exitc = adjust(cap_exit, EXIT_HOST_ADDR_SPACE | EXIT_LOAD_EFER, NULL);
    uint32_t entryc = adjust(cap_entry, ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER, NULL);
    vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
    vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    vmwrite(VMCS_EPT_POINTER, ew.eptp);
    vmwrite(VMCS_VM_EXIT_CONTROLS, exitc);
    vmwrite(VMCS_VM_ENTRY_CONTROLS, entryc);
    write_common_controls();
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, 0);
    vmwrite(VMCS_CR4_GUEST_HOST_MASK, 0);
    if (have_preemption_timer) vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE, WATCHDOG_TICKS);
    write_host_state();

    /* Guest: 64-bit mode at CPL 0 with the host's CR0 less WP (a CPL-0 write to a read-only page then succeeds, SDM
     * Vol. 3A 5.6, so guest paging cannot fault before EPT), the host's CR4 less SMEP/SMAP (user pages are accessed
     * at CPL 0) and the host's EFER (LME, LMA, NXE: execute-disable is a valid PTE bit). */
    vmwrite(VMCS_GUEST_CR0, READ_CR(0) & ~CR0_WP);
    vmwrite(VMCS_GUEST_CR3, guest_cr3);
    vmwrite(VMCS_GUEST_CR4, READ_CR(4) & ~((1ULL << 20) | (1ULL << 21)));
    if (have_entry_load_efer) vmwrite(VMCS_GUEST_IA32_EFER, rdmsr(0xc0000080));
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    vmwrite(VMCS_GUEST_CS_SELECTOR, 0x08);
    vmwrite(VMCS_GUEST_CS_BASE, 0);
    vmwrite(VMCS_GUEST_CS_LIMIT, 0xffffffff);
    vmwrite(VMCS_GUEST_CS_AR_BYTES, 0xa09b);
    static const uint32_t data_sel[5] = { VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_ES_SELECTOR,
                                          VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR };
    for (int i = 0; i < 5; i++) {
        uint32_t idx = (data_sel[i] - VMCS_GUEST_ES_SELECTOR) / 2;
        vmwrite(data_sel[i], 0x10);
        vmwrite(VMCS_GUEST_ES_BASE + 2 * idx, 0);
        vmwrite(VMCS_GUEST_ES_LIMIT + 2 * idx, 0xffffffff);
        vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * idx, 0xc093);
    }
    write_guest_system_tables();
    vmwrite(VMCS_GUEST_RIP, rip);
    vmwrite(VMCS_GUEST_RSP, (uint64_t)guest_stack[0] + 4096 - 64);
    vmwrite(VMCS_GUEST_RFLAGS, 0x2);
    /* Blocking by NMI (bit 3, SDM Vol. 3C 25.4.2 Table 25-3) for an IRET that unblocks NMIs: with "NMI exiting" and
     * "virtual NMIs" 0 (the pin-based controls above), IRET unblocks NMIs (26.3) and an EPT violation during it
     * sets exit-qualification bit 12 (28.2.3). */
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, nmi_blocked ? 8 : 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ULL);
    if (pae) {
        /* 32-bit protected mode with PAE paging (SDM Vol. 3A 5.4; VM-entry checks Vol. 3C 27.3.1.1, 27.3.1.2,
         * 27.3.1.6): "IA-32e mode guest" 0, EFER.LME = LMA = 0 (NXE kept), CR4.PAE = 1 and PCIDE = 0, CS the ring-0
         * 32-bit code segment of the guest's GDT (selector 0x58). With EPT, VM entry loads the PDPTEs from these
         * fields (27.3.2.4): PDPTE0 maps linear 0-1 GiB through the runner's PAE page directory EW_G_PD_LO (2-MiB
         * pages at GPA EW_RUNNER_GPA + linear); CR3 is not read at VM entry. */
        vmwrite(VMCS_VM_ENTRY_CONTROLS, adjust(cap_entry, ENTRY_LOAD_EFER, NULL));
        vmwrite(VMCS_GUEST_IA32_EFER, rdmsr(0xc0000080) & (1ULL << 11));
        vmwrite(VMCS_GUEST_CR4, (READ_CR(4) & ~((1ULL << 20) | (1ULL << 21) | (1ULL << 17))) | CR4_PAE);
        vmwrite(VMCS_GUEST_CS_SELECTOR, 0x58);
        vmwrite(VMCS_GUEST_CS_AR_BYTES, 0xc09b);
        vmwrite(VMCS_GUEST_PDPTR0, (EW_RUNNER_GPA + EW_G_PD_LO) | 1);
        vmwrite(VMCS_GUEST_PDPTR1, 0);
        vmwrite(VMCS_GUEST_PDPTR2, 0);
        vmwrite(VMCS_GUEST_PDPTR3, 0);
    }
    return vmwrite_failed ? -3 : 0;
}

/* INVEPT (SDM Vol. 3C 31.3): the copies reuse the same runner pages record after record, so translations derived
 * from an earlier record's structures must not survive (29.4.3.1). All-context when offered, else single-context. */
static void ew_invept(void) {
    struct { uint64_t eptp, reserved; } desc = { ew.eptp, 0 };
    uint64_t type = (cap_ept_vpid & (1ULL << 26)) ? 2 : 1;
    if (!(cap_ept_vpid & (1ULL << 20))) return;
    __asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* "memory": the walk's entries whose value the access changed, at the vector's addresses, as the vector's value with
 * the bits the processor changed in the copy (SDM 29.3.5: accessed and dirty flags). */
static void ew_put_memory(void) {
    puts_("\"memory\": {");
    int first = 1;
    for (unsigned i = 0; i < ew.steps; i++) {
        int dup = 0;
        for (unsigned k = 0; k < i; k++) dup |= ew.step[k].vaddr == ew.step[i].vaddr;
        uint64_t now = *(volatile uint64_t *)ew.step[i].raddr;
        if (dup || now == ew.step[i].rvalue) continue;
        if (!first) puts_(", ");
        first = 0;
        puts_("\"");
        put_hex(ew.step[i].vaddr);
        puts_("\": \"");
        put_hex(ew.step[i].vvalue ^ (now ^ ew.step[i].rvalue));
        puts_("\"");
    }
    puts_("}");
}

extern char ew_guest_read[], ew_guest_read_done[], ew_guest_write[], ew_guest_write_done[], ew_guest_fetch[];
extern char ew_guest_iret[], ew_guest_iret_done[], ew_guest_pdpte[], ew_guest_pdpte_done[];

/* How the record's access is made (runner/README.md "ept-walk", step 4). */
static struct {
    int gps;              /* a guest paging-structure access: the PTE of `linear` lies at entry_gpa */
    int iret;             /* the access is made by an IRET that unblocks NMIs */
    int pdpte;            /* gps without a linear address: the PDPTE load of a MOV to CR3 under PAE paging */
    int desc;             /* a write during IRET: the accessed flag of the CS descriptor at `linear` */
    uint64_t desc_host;   /* desc with a leaf: that descriptor in the target frame */
    uint64_t rcx;         /* the guest's RCX: `linear`, or for desc the IRET frame */
    uint64_t linear;      /* the linear address the guest accesses (RSP for IRET) */
    uint64_t entry_gpa;   /* gps: the relocated GPA of the guest PTE: the vector's GPA rounded down to 8 bytes */
    uint64_t pte_host;    /* gps with a leaf: where the runner wrote that PTE (in the target frame) */
} ewa;

/* The GPA and guest-linear-address fields of an EPT exit must name the realized access (SDM 28.2.1, 29.3.3): the
 * reply is the vector's only if the exit is for the vector's walk. 0 after an error reply. */
static int ew_exit_names_access(const struct batch_record *rec, uint64_t reason, uint64_t qual, uint64_t gpa_field,
                                uint64_t grip) {
    int gpa_ok, lin_ok = 1;
    uint64_t lin = (reason & 0xffff) == 48 && (qual & 0x80) ? vmread(VMCS_GUEST_LINEAR_ADDRESS) : 0;
    if (ewa.pdpte) {
        /* The four PDPTEs at CR3 (32 bytes, SDM Vol. 3A 5.4.1): the processor may name the first or the one it was
         * loading; the vector's byte is among them, and the walk is the same for the whole page. There is no
         * linear address to compare (qualification bit 7 is reported as observed). */
        gpa_ok = gpa_field - ewa.entry_gpa < 32;
    } else if (ewa.desc) {
        /* The descriptor's 8 bytes (its read, or the write of byte 5): the walk is the same for the whole page. */
        uint64_t d = (ew.gpa & ~0xfffULL) | (ewa.linear & 0xfff);
        gpa_ok = gpa_field - d < 8;
        if (lin) lin_ok = lin - ewa.linear == gpa_field - d;
    } else if (ewa.gps) {
        /* The processor reads the PTE at its own 8-byte-aligned GPA; the linear address is the one translated, or
         * for IRET one of the frame's bytes (the order in which IRET reads its frame is not architectural). */
        gpa_ok = gpa_field == ewa.entry_gpa;
        if (lin) lin_ok = ewa.iret ? lin - ewa.linear < EW_IRET_FRAME : lin == ewa.linear;
    } else if (ewa.iret) {
        /* One of the frame's bytes on the vector's page: the walk is the same for every byte of the page (it uses
         * GPA bits 47:12), and the linear address must be the same byte. */
        uint64_t page = ew.gpa & ~0xfffULL, off = ewa.linear & 0xfff;
        gpa_ok = gpa_field - (page + off) < EW_IRET_FRAME;
        if (lin) lin_ok = lin - ewa.linear == gpa_field - (page + off);
    } else {
        gpa_ok = gpa_field == ew.gpa;
        if (lin) lin_ok = lin == ewa.linear;
    }
    if (!gpa_ok) {
        reply_prefix(rec);
        puts_("\"error\": \"EPT exit ");
        put_dec(reason & 0xffff);
        puts_(" for GPA ");
        put_hex(gpa_field);
        puts_(" (relocated), not the vector's access at ");
        put_hex(ewa.gps ? ewa.entry_gpa : ew.gpa);   /* for a PDPTE load: CR3 */
        puts_(", guest rip ");
        put_hex(grip);
        puts_("\"}\n");
        return 0;
    }
    if (!lin_ok) {
        reply_error(rec, "EPT violation with an unexpected guest linear address", lin);
        return 0;
    }
    return 1;
}

static void run_ew_record(const struct batch_ept_record *r) {
    const struct batch_record *rec = (const struct batch_record *)r;
    if (r->access > EW_FETCH || r->memory_count > EW_MAX_MEMORY || r->maxphyaddr < 32 || r->maxphyaddr > 52 ||
        (r->flags & ~BATCH_EW_FLAGS_ALL)) {
        reply_error(rec, "malformed ept-walk record, access", r->access);
        return;
    }
    ewa.gps = (r->flags & BATCH_EW_FLAG_PAGING_STRUCTURE) != 0;
    ewa.iret = (r->flags & BATCH_EW_FLAG_NMI_IRET) != 0;
    ewa.pdpte = ewa.gps && !(r->flags & BATCH_EW_FLAG_LINEAR_VALID);
    ewa.desc = !ewa.gps && ewa.iret && r->access == EW_WRITE;
    /* The host answers the states the runner does not realize (BatchWriter.ewUnsupported); a record that gets here
     * is one it does: a final access with a linear address (a read only during IRET), a guest paging-structure
     * read or write during the translation of a linear address (also during IRET), or a PDPTE load (a read). */
    if ((r->flags & BATCH_EW_FLAG_MBEC) || (!(r->flags & BATCH_EW_FLAG_LINEAR_VALID) && !ewa.gps) ||
        (ewa.pdpte && (ewa.iret || r->access != EW_READ)) ||
        (ewa.gps ? r->access == EW_FETCH : !(r->flags & BATCH_EW_FLAG_LINEAR) || (ewa.iret && r->access == EW_FETCH))) {
        reply_error(rec, "ept-walk record with a state the runner does not realize, flags", r->flags);
        return;
    }
    if (ewa.pdpte) {
        /* A PAE guest needs "load IA32_EFER" (EFER.LME = 0 while the host runs in IA-32e mode, SDM 27.3.2.1), and its
         * MOV to CR3 must not exit: "CR3-load exiting" 0 with no CR3-target values (Vol. 3C 26.1.3). */
        if (!have_entry_load_efer || ((uint32_t)cap_proc & (1U << 15))) {
            ew_unsup(r, "a PDPTE load needs a PAE guest (VM-entry control load IA32_EFER) whose MOV to CR3 does not exit (CR3-load exiting 0): this processor cannot give both");
            return;
        }
    }
    if (!ew_prepare(r, ewa.pdpte)) return;
    /* SDM 29.3.3.2: with EPT A/D flags off, a guest A/D update is a write to an entry the processor has just read
     * through the same walk; a walk that does not let that read through (an entry not present, or present without
     * bit 0 and not misconfigured) ends in the read's EPT violation (qualification bit 0, not bit 1) before any
     * write: the vector's write cannot be made. An entry without bit 0 that is an EPT misconfiguration (bit 1 set,
     * or bit 2 without execute-only support, 29.3.3.1) ends the read's walk as it ends the write's. (With A/D flags
     * on, the read is itself treated as a write, 29.3.5, and is the access under test.) The same holds for the
     * accessed-flag write of a descriptor during IRET, after the descriptor's read (a final read, A/D flags or not). */
    if ((ewa.gps && r->access == EW_WRITE && !(r->eptp & 0x40)) || ewa.desc) {
        for (unsigned i = 0; i < ew.steps; i++) {
            uint64_t e = ew.step[i].vvalue;
            if (e & 1) continue;
            if ((e & 2) || ((e & 4) && !(r->ept_vpid_cap & 1))) break;   /* misconfigured for both accesses */
            ew_unsup_v(r, ewa.desc ? "IRET reads the descriptor whose accessed flag it writes through the same walk, and the EPT entry at "
                                   : "a guest A/D update (EPT A/D flags off) first reads the entry through the same walk, and the EPT entry at ",
                       ew.step[i].vaddr, " does not allow that read: the read's EPT violation would be reported, not the write's (SDM 29.3.3.2)");
            return;
        }
    }
    uint64_t cr3, rip;
    if (ewa.pdpte) {
        /* MOV to CR3 with the vector's GPA rounded down to 32 bytes (CR3 bits 31:5 locate the PDPT under PAE
         * paging, SDM Vol. 3A 5.4.1) loads the four PDPTEs there through the vector's walk (Vol. 3C 29.3.3.2: no
         * linear address, a read even with EPT A/D flags on). The PDPTEs the runner puts there: PDPTE0 maps the
         * guest's code as the VM-entry PDPTE0 does, PDPTE3 names a page nothing uses; after the load the guest
         * PDPTE fields (saved at VM exit, 28.3.4) must hold them. */
        ewa.entry_gpa = ew.gpa & ~0x1fULL;
        if (ew.leaf >= 0) {
            memset_((void *)(ew.target_r & ~0xfffULL), 0, 0x1000);
            volatile uint64_t *pdpt = (volatile uint64_t *)(ew.target_r & ~0x1fULL);
            pdpt[0] = (EW_RUNNER_GPA + EW_G_PD_LO) | 1;
            pdpt[3] = (EW_RUNNER_GPA + EW_PDPTE_MARK) | 1;
        }
        cr3 = ew_build_guest_paging(r, 0);   /* the runner's tables; the guest's CR3 at entry is unused */
        ewa.linear = ewa.entry_gpa;          /* EAX: the new CR3 */
        rip = (uint64_t)ew_guest_pdpte;
    } else if (ewa.gps) {
        /* The guest PTE of linear EW_LINEAR_BASE + 4 KiB * n is entry n of the page table at the vector's GPA page:
         * n = the GPA's entry index. It maps EW_DATA (runner memory, filled with EW_MARK_READ; the IRET frame at
         * offset 0). Accessed and dirty flags preset for a read (guest paging writes nothing); for a write (an A/D
         * update) the accessed flag is clear, so the processor sets it (SDM Vol. 3A 5.8). */
        ewa.entry_gpa = ew.gpa & ~7ULL;
        ewa.linear = EW_LINEAR_BASE + (((ew.gpa & 0xfff) >> 3) << 12);
        memset_((void *)EW_DATA, EW_MARK_READ, 0x1000);
        if (ewa.iret) ew_put_iret_frame(EW_DATA, 0x08);
        if (ew.leaf >= 0) {
            memset_((void *)(ew.target_r & ~0xfffULL), 0, 0x1000);
            ewa.pte_host = ew.target_r & ~7ULL;
            *(volatile uint64_t *)ewa.pte_host = (EW_RUNNER_GPA + EW_DATA) | (r->access == EW_WRITE ? 0x07 : 0x67);
        }
        cr3 = ew_build_guest_paging(r, ewa.entry_gpa);
        rip = (uint64_t)(ewa.iret ? ew_guest_iret : ew_guest_read);
    } else if (ewa.desc) {
        /* IRET's one data write (SDM Vol. 2A IRET; Vol. 3A 3.4.5.1): setting the accessed flag (byte 5, bit 0) of
         * the CS descriptor it loads, after reading that descriptor. The guest's GDT starts at EW_LINEAR_BASE (page
         * EW_DATA: a copy of the guest GDT, so SS 0x10 is there, accessed) and reaches into the next linear page,
         * the vector's GPA page, where the descriptor of CS selector 0x1000 + d (d: the vector's offset rounded
         * down to 8) is a 64-bit ring-0 code segment with the accessed flag clear. The IRET frame is on EW_DATA. */
        uint64_t d = (r->gpa & 0xfff) & ~7ULL;
        memset_((void *)EW_DATA, 0, 0x1000);
        for (unsigned i = 0; i < sizeof guest_gdt / 8; i++) ((volatile uint64_t *)EW_DATA)[i] = guest_gdt[i];
        ew_put_iret_frame(EW_DATA + 0x800, 0x1000 + d);
        if (ew.leaf >= 0) {
            memset_((void *)(ew.target_r & ~0xfffULL), 0, 0x1000);
            ewa.desc_host = (ew.target_r & ~0xfffULL) | d;
            *(volatile uint64_t *)ewa.desc_host = 0x00af9a000000ffffULL;   /* P, DPL 0, L, code execute/read, not accessed */
        }
        ewa.linear = EW_LINEAR_BASE + 0x1000 + d;
        ewa.rcx = EW_LINEAR_BASE + 0x800;
        cr3 = ew_build_guest_paging(r, 0);
        uint64_t *pt_t = (uint64_t *)EW_G_PT_T;   /* the GPA page moves to PTE 1; PTE 0 maps EW_DATA (P RW A D) */
        pt_t[1] = pt_t[0];
        pt_t[0] = (EW_RUNNER_GPA + EW_DATA) | 0x63;
        rip = (uint64_t)ew_guest_iret;
    } else {
        uint64_t off = r->gpa & 0xfff;
        ewa.linear = EW_LINEAR_BASE | off;
        if (ewa.iret) {
            /* RSP: the 8-byte-aligned address at or below the vector's byte, moved down so that the 40-byte frame
             * stays on the page; the frame holds the byte. */
            uint64_t rsp_off = (off & ~7ULL) > 0x1000 - EW_IRET_FRAME ? 0x1000 - EW_IRET_FRAME : (off & ~7ULL);
            ewa.linear = EW_LINEAR_BASE | rsp_off;
            if (ew.leaf >= 0) ew_put_iret_frame((ew.target_r & ~0xfffULL) | rsp_off, 0x08);
        }
        cr3 = ew_build_guest_paging(r, 0);
        rip = (uint64_t)(ewa.iret ? ew_guest_iret : r->access == EW_READ ? ew_guest_read : r->access == EW_WRITE ? ew_guest_write : ew_guest_fetch);
    }
    uint64_t linear = ewa.linear;
    if (!ewa.desc) ewa.rcx = linear;
    uint32_t missing = 0;
    int rc = ew_build_vmcs(ewa.pdpte ? 0 : cr3, rip, ewa.iret, ewa.pdpte, &missing);
    if (!rc && ewa.desc) {
        /* The GDT of the IRET write (above): two pages from EW_LINEAR_BASE. */
        vmwrite(VMCS_GUEST_GDTR_BASE, EW_LINEAR_BASE);
        vmwrite(VMCS_GUEST_GDTR_LIMIT, 0x1fff);
        if (vmwrite_failed) rc = -3;
    }
    if (rc) {
        reply_error(rec, rc == -3 ? "VMWRITE failed for field" : "VMCLEAR/VMPTRLD failed",
                    rc == -3 ? vmwrite_failed_field : (uint64_t)-rc);
        return;
    }
    if (missing) {
        ew_unsup_v(r, "the processor cannot set the VM-execution controls the runner needs (HLT exiting, enable EPT; NMI exiting and virtual NMIs 0): ",
                   missing, "");
        return;
    }
    ew_invept();
    struct guest_gprs g = { ewa.pdpte ? linear : 0, ewa.rcx, EW_MARK_WRITE };
    rc = vmx_launch(&g);
    if (rc == 1) { reply_error(rec, "VMLAUNCH VMfailInvalid", 0); return; }
    if (rc == 2) { reply_error(rec, "VMLAUNCH VMfailValid, VM-instruction error", vmread(VMCS_VM_INSTRUCTION_ERROR)); return; }
    uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
    uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t grip = vmread(VMCS_GUEST_RIP);
    if (reason & 0x80000000U) { reply_error(rec, "VM-entry failure, exit reason", reason); return; }
    uint64_t gpa_field = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    switch (reason & 0xffff) {
    case 48: /* EPT violation: GPA and (bit 7) linear address fields must name this access (SDM 28.2.1, 29.3.3.2) */
    case 49: /* EPT misconfiguration: the GPA field (SDM 29.3.3.1) */
        if (!ew_exit_names_access(rec, reason, qual, gpa_field, grip)) return;
        reply_prefix(rec);
        if ((reason & 0xffff) == 48) {
            puts_("\"outcome\": {\"kind\": \"ept-violation\", \"exit_reason\": 48, \"exit_qualification\": \"");
            put_hex(qual);
            puts_("\", ");
        } else {
            puts_("\"outcome\": {\"kind\": \"ept-misconfiguration\", \"exit_reason\": 49, ");
        }
        ew_put_memory();
        puts_("}}\n");
        return;
    case 18: /* VMCALL after the load, store or IRET (the exit reports the VMCALL's own address, 3 bytes before the label) */
    case 12: { /* HLT fetched from the target frame */
        int ok;
        if (ewa.pdpte) {
            ok = (reason & 0xffff) == 18 && grip == (uint64_t)ew_guest_pdpte_done - 3 &&
                 vmread(VMCS_GUEST_PDPTR3) == ((EW_RUNNER_GPA + EW_PDPTE_MARK) | 1);
        } else if (ewa.desc) {
            /* The IRET returned through the descriptor in the target frame and set its accessed flag. */
            ok = (reason & 0xffff) == 18 && grip == (uint64_t)ew_guest_iret_done - 3 && ew.leaf >= 0 &&
                 (*(volatile uint8_t *)(ewa.desc_host + 5) & 1);
        } else if (ewa.iret) {
            /* The IRET returned through the frame the runner wrote in the target frame (final access) or that the
             * PTE in the target frame maps (paging-structure access). */
            ok = (reason & 0xffff) == 18 && grip == (uint64_t)ew_guest_iret_done - 3;
        } else if (r->access == EW_READ || ewa.gps) {
            /* The load found the read marker: in the target frame, or in EW_DATA through the PTE the runner wrote
             * in the target frame. */
            ok = (reason & 0xffff) == 18 && grip == (uint64_t)ew_guest_read_done - 3 && (g.rax & 0xff) == EW_MARK_READ;
        } else if (r->access == EW_WRITE) {
            ok = (reason & 0xffff) == 18 && grip == (uint64_t)ew_guest_write_done - 3 && ew.leaf >= 0 &&
                 *(volatile uint8_t *)ew.target_r == EW_MARK_WRITE;
        } else {
            ok = (reason & 0xffff) == 12 && grip == linear;
        }
        /* A guest A/D update: the processor set the accessed flag of the PTE in the target frame. */
        if (ok && ewa.gps && r->access == EW_WRITE) ok = ew.leaf >= 0 && (*(volatile uint64_t *)ewa.pte_host & EW_PTE_A);
        if (!ok || ew.leaf < 0) {
            reply_prefix(rec);
            puts_("\"error\": \"the access completed but not at the leaf's frame: exit ");
            put_dec(reason & 0xffff);
            puts_(" guest rip ");
            put_hex(grip);
            puts_(" guest rax ");
            put_hex(g.rax);
            puts_("\"}\n");
            return;
        }
        /* Page size, memory type and ignore-PAT are those of the leaf the marker proves was used (Tables 29-2, 29-4,
         * 29-6; 29.3.7): Bochs does not model caches, so they are read from the entry, not observed. */
        uint64_t e = ew.step[ew.leaf].vvalue;
        unsigned lvl = ew.step[ew.leaf].level;
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"translation\", \"hpa\": \"");
        put_hex(ew.target_v);
        puts_(lvl == 1 ? "\", \"page_size\": \"4K\"" : lvl == 2 ? "\", \"page_size\": \"2M\"" : "\", \"page_size\": \"1G\"");
        puts_(", \"memory_type\": ");
        put_dec((e >> 3) & 7);
        puts_((e & 0x40) ? ", \"ignore_pat\": true, " : ", \"ignore_pat\": false, ");
        ew_put_memory();
        puts_("}}\n");
        return;
    }
    case 0: {
        uint64_t info = vmread(VMCS_VM_EXIT_INTR_INFO);
        reply_prefix(rec);
        puts_("\"error\": \"guest exception, interruption info ");
        put_hex(info);
        puts_(" error code ");
        put_hex(vmread(VMCS_VM_EXIT_INTR_ERROR_CODE));
        puts_(" qualification ");
        put_hex(qual);
        puts_(" guest rip ");
        put_hex(grip);
        puts_("\"}\n");
        return;
    }
    default:
        reply_other_exit(rec, reason, qual, grip);
        return;
    }
}
