/*
 * hvmspec runner kernel: executes msr-access, cr-access (cr_access.h), vmx-instruction (vmx_instruction.h),
 * ept-walk (ept_walk.h) and descriptor-table (descriptor_table.h) test vectors with real VMX instructions and prints one adapter-protocol reply line per vector
 * on port 0xE9 (Bochs's port_e9_hack; see runner/README.md) and on COM1 (serial.h). Booted from boot.S under Bochs or
 * by a multiboot loader (multiboot.h); probe.h prints the platform's capability profile instead when asked.
 *
 * Flow: entry.S enters long mode and calls kmain. kmain installs its own GDT/TSS/IDT, checks and enables VMX
 * (SDM Vol. 3C 24.6 "Discovering Support for VMX", 24.7 "Enabling and Entering VMX Operation"), executes VMXON,
 * and then, for each batch record, builds a fresh VMCS for a 64-bit guest that runs RDMSR or WRMSR at the record's
 * CPL followed by VMCALL, launches it and classifies the VM exit.
 */
#include <stdint.h>
#include <stddef.h>
#include "batch.h"
#include "vmcs.h"

/* ------------------------------------------------------------------------------------------------ port I/O, output */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

#include "serial.h"

static void putc_(char c) { outb(0xe9, (uint8_t)c); serial_putc(c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void put_hex(uint64_t v) {
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do { buf[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    puts_(&buf[i]);
}
static void put_dec(uint64_t v) {
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    puts_(&buf[i]);
}

#include "multiboot.h"

/* Bochs: writing "Shutdown" to port 0x8900 ends the simulation. After a multiboot start only the exit the command
 * line names is used (multiboot.h); otherwise the kernel halts. */
static void __attribute__((noreturn)) shutdown(void) {
    if (!mb_booted || mb_exit_bochs) {
        const char *s = "Shutdown";
        while (*s) outb(0x8900, (uint8_t)*s++);
    }
    if (mb_exit_qemu) outb(0xf4, 0);
    for (;;) __asm__ volatile("cli; hlt");
}

/* A fatal condition in root mode: one line, then shutdown. setup=1 when no vector could run at all. */
static void __attribute__((noreturn)) fatal(const char *what, uint64_t value, int setup) {
    puts_("{\"fatal\": \"");
    puts_(what);
    puts_(" ");
    put_hex(value);
    puts_(setup ? "\", \"setup\": true}\n" : "\"}\n");
    shutdown();
}

static void memset_(void *d, int c, size_t n) {
    uint8_t *dp = d;
    while (n--) *dp++ = (uint8_t)c;
}

/* ------------------------------------------------------------------------------------------------ CPU helpers */

static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
#define READ_CR(n) ({ uint64_t v_; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v_)); v_; })
#define WRITE_CR(n, v) __asm__ volatile("mov %0, %%cr" #n : : "r"((uint64_t)(v)) : "memory")

/* VMX instructions; each returns 0 on success, 1 VMfailInvalid (CF), 2 VMfailValid (ZF): SDM Vol. 3C 31.2. */
static inline int vmx_status(uint8_t cf, uint8_t zf) { return cf ? 1 : zf ? 2 : 0; }
static int vmxon(uint64_t pa) {
    uint8_t cf, zf;
    __asm__ volatile("vmxon %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");
    return vmx_status(cf, zf);
}
static int vmclear(uint64_t pa) {
    uint8_t cf, zf;
    __asm__ volatile("vmclear %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");
    return vmx_status(cf, zf);
}
static int vmptrld(uint64_t pa) {
    uint8_t cf, zf;
    __asm__ volatile("vmptrld %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");
    return vmx_status(cf, zf);
}
static int vmwrite_failed;
static uint32_t vmwrite_failed_field;
static void vmwrite(uint32_t field, uint64_t value) {
    uint8_t cf, zf;
    __asm__ volatile("vmwrite %3, %2; setc %0; setz %1"
                     : "=r"(cf), "=r"(zf) : "r"((uint64_t)field), "r"(value) : "cc", "memory");
    if ((cf || zf) && !vmwrite_failed) { vmwrite_failed = 1; vmwrite_failed_field = field; }
}
static uint64_t vmread(uint32_t field) {
    uint64_t v = 0;
    __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)field) : "cc");
    return v;
}

/* entry.S */
extern const uint64_t isr_table[32];
extern char safe_rdmsr_insn[], safe_rdmsr_fault[];
extern char guest_rdmsr[], guest_wrmsr[], guest_hang[];
extern int safe_rdmsr(uint32_t msr, uint64_t *value);
struct guest_gprs { uint64_t rax, rcx, rdx; };
extern int vmx_launch(struct guest_gprs *g);

/* ------------------------------------------------------------------------------------------------ host GDT/TSS/IDT */

/* SDM Vol. 3A 9.2.3 "TSS Descriptor in 64-bit mode"; 9.7 "Task Management in 64-bit Mode". */
struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct desc_ptr { uint16_t limit; uint64_t base; } __attribute__((packed));

static uint64_t host_gdt[8] __attribute__((aligned(16)));
static struct tss64 host_tss __attribute__((aligned(16)));
static uint64_t host_idt[64] __attribute__((aligned(16)));   /* 32 gates of 16 bytes */
static uint8_t ist_stack[16384] __attribute__((aligned(16)));

#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TR 0x18

/* Writes a 16-byte system descriptor (TSS, type 9 available / 11 busy) at gdt[i], gdt[i+1]. */
static void set_tss_desc(uint64_t *gdt, int i, uint64_t base, uint32_t limit, unsigned type, unsigned dpl) {
    gdt[i] = (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) | ((uint64_t)type << 40) | ((uint64_t)dpl << 45) |
             (1ULL << 47) | (((uint64_t)limit >> 16 & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[i + 1] = base >> 32;
}

static void host_tables(void) {
    host_gdt[0] = 0;
    host_gdt[1] = 0x00af9b000000ffffULL;  /* 0x08: 64-bit code, DPL 0 */
    host_gdt[2] = 0x00cf93000000ffffULL;  /* 0x10: data, DPL 0 */
    memset_(&host_tss, 0, sizeof host_tss);
    host_tss.ist[0] = (uint64_t)(ist_stack + sizeof ist_stack);
    host_tss.iomap_base = sizeof host_tss;
    set_tss_desc(host_gdt, 3, (uint64_t)&host_tss, sizeof host_tss - 1, 9, 0);
    struct desc_ptr gdtr = { sizeof host_gdt - 1, (uint64_t)host_gdt };
    __asm__ volatile("lgdt %0" : : "m"(gdtr));
    /* Reload CS with a far return, then the data segments and TR. */
    __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" : : "i"(HOST_CS) : "rax", "memory");
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"((uint16_t)HOST_DS));
    __asm__ volatile("ltr %0" : : "r"((uint16_t)HOST_TR));
    /* Interrupt gates (type 14), IST 1 so that a bad stack still reports (SDM Vol. 3A 7.14.1). */
    for (int v = 0; v < 32; v++) {
        uint64_t h = isr_table[v];
        host_idt[2 * v] = (h & 0xffff) | ((uint64_t)HOST_CS << 16) | (1ULL << 32) | (0x8eULL << 40) |
                          (((h >> 16) & 0xffff) << 48);
        host_idt[2 * v + 1] = h >> 32;
    }
    struct desc_ptr idtr = { sizeof host_idt - 1, (uint64_t)host_idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

struct frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* Called by isr_common. A #GP of safe_rdmsr's RDMSR is expected (the MSR does not exist); anything else in root
 * mode is fatal: the batch ends here and the host resumes after the last vector reported. */
int vi_guard_exception(struct frame *f);   /* vmx_instruction.h */
void exception_handler(struct frame *f) {
    if (vi_guard_exception(f)) return;
    if (f->vector == 13 && f->rip == (uint64_t)safe_rdmsr_insn) {
        f->rip = (uint64_t)safe_rdmsr_fault;
        return;
    }
    puts_("{\"fatal\": \"root-mode exception ");
    put_dec(f->vector);
    puts_(" error code ");
    put_hex(f->error);
    puts_(" at rip ");
    put_hex(f->rip);
    puts_(" cr2 ");
    put_hex(READ_CR(2));
    puts_("\"}\n");
    shutdown();
}

/* ------------------------------------------------------------------------------------------------ guest tables */

/* The guest's own GDT: a 64-bit code and a data segment for each of rings 0-3, then its TSS (busy).
 * Selector of ring n: code 0x08 + 0x10*n, data 0x10 + 0x10*n; TSS 0x48; 32-bit code (cr-access's protected and
 * compatibility modes) 0x58 + 8*n. */
static uint64_t guest_gdt[15] __attribute__((aligned(16)));
static struct tss64 guest_tss __attribute__((aligned(16)));
static uint8_t guest_idt[4096] __attribute__((aligned(4096)));        /* never used: every exception exits */
static uint8_t guest_stack[4][4096] __attribute__((aligned(4096)));   /* a stack per ring */
#define GUEST_TR 0x48

static void guest_tables(void) {
    for (unsigned n = 0; n < 4; n++) {
        guest_gdt[1 + 2 * n] = 0x00af9b000000ffffULL | ((uint64_t)n << 45);
        guest_gdt[2 + 2 * n] = 0x00cf93000000ffffULL | ((uint64_t)n << 45);
        guest_gdt[11 + n] = 0x00cf9b000000ffffULL | ((uint64_t)n << 45);
    }
    memset_(&guest_tss, 0, sizeof guest_tss);
    for (int n = 0; n < 3; n++) guest_tss.rsp[n] = (uint64_t)guest_stack[n] + 4096;
    guest_tss.iomap_base = sizeof guest_tss;
    set_tss_desc(guest_gdt, 9, (uint64_t)&guest_tss, sizeof guest_tss - 1, 11, 0);
}

/* ------------------------------------------------------------------------------------------------ VMX state */

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));

static uint32_t vmcs_revision;
static int use_true_msrs;
static uint64_t cap_pin, cap_proc, cap_exit, cap_entry;   /* allowed-0 in bits 31:0, allowed-1 in bits 63:32 */
static int have_preemption_timer;
static int have_entry_load_efer, have_exit_load_efer;
static uint64_t cap_proc2, cap_ept_vpid;                  /* IA32_VMX_PROCBASED_CTLS2, IA32_VMX_EPT_VPID_CAP (or 0) */
static uint64_t cap_proc3, cap_vmfunc;                    /* IA32_VMX_PROCBASED_CTLS3, IA32_VMX_VMFUNC (or 0) */
static uint64_t plat_cr0_fixed0, plat_cr0_fixed1, plat_cr4_fixed0, plat_cr4_fixed1;

/* SDM Vol. 3D A.3-A.5: a control bit may be 0 only if bit X of the capability MSR is 0, may be 1 only if bit 32+X
 * is 1. Returns the wanted controls adjusted accordingly; *missing gets wanted bits that cannot be set. */
static uint32_t adjust(uint64_t cap, uint32_t wanted, uint32_t *missing) {
    uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);
    if (missing) *missing = wanted & ~allowed1;
    return (wanted | allowed0) & allowed1;
}

#define PIN_PREEMPTION_TIMER   (1U << 6)
#define PROC_USE_MSR_BITMAPS   (1U << 28)
#define EXIT_HOST_ADDR_SPACE   (1U << 9)
#define EXIT_LOAD_EFER         (1U << 21)
#define ENTRY_IA32E_GUEST      (1U << 9)
#define ENTRY_LOAD_EFER        (1U << 15)

/* Watchdog: the VMX-preemption timer counts down at the TSC rate >> IA32_VMX_MISC[4:0] (SDM Vol. 3C 26.5.1).
 * A vector's guest runs two instructions; 2^24 ticks is far beyond that and ends a hung guest quickly. */
#define WATCHDOG_TICKS 0x1000000U

static void vmx_setup(void) {
    uint32_t a, b, c, d;
    /* SDM Vol. 3C 24.6: CPUID.1:ECX.VMX[bit 5]. */
    cpuid(1, &a, &b, &c, &d);
    if (!(c & (1U << 5))) fatal("no VMX: CPUID.1:ECX", c, 1);
    /* SDM Vol. 3C 24.7: IA32_FEATURE_CONTROL (0x3A) bit 0 lock, bit 2 VMXON outside SMX. */
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1)) {
        fc |= 1 | 4;
        wrmsr(0x3a, fc);
    }
    if (!(fc & 4)) fatal("VMX disabled by IA32_FEATURE_CONTROL", fc, 1);

    /* SDM Vol. 3D A.1: IA32_VMX_BASIC (0x480). */
    uint64_t basic = rdmsr(0x480);
    vmcs_revision = (uint32_t)basic & 0x7fffffff;
    use_true_msrs = (basic >> 55) & 1;
    cap_pin = rdmsr(use_true_msrs ? 0x48d : 0x481);
    cap_proc = rdmsr(use_true_msrs ? 0x48e : 0x482);
    cap_exit = rdmsr(use_true_msrs ? 0x48f : 0x483);
    cap_entry = rdmsr(use_true_msrs ? 0x490 : 0x484);
    have_preemption_timer = (cap_pin >> 32 & PIN_PREEMPTION_TIMER) != 0;
    have_entry_load_efer = (cap_entry >> 32 & ENTRY_LOAD_EFER) != 0;
    have_exit_load_efer = (cap_exit >> 32 & EXIT_LOAD_EFER) != 0;

    /* SDM Vol. 3C 24.8 "Restrictions on VMX Operation", 3D A.7/A.8: CR0/CR4 fixed bits. */
    plat_cr0_fixed0 = rdmsr(0x486);
    plat_cr0_fixed1 = rdmsr(0x487);
    plat_cr4_fixed0 = rdmsr(0x488);
    plat_cr4_fixed1 = rdmsr(0x489);
    /* SDM Vol. 3D A.3.3: secondary controls exist if bit 63 (allowed-1 of "activate secondary controls") is set. */
    if (cap_proc >> 63) {
        cap_proc2 = rdmsr(0x48b);
        if (cap_proc2 >> 32 & ((1ULL << 1) | (1ULL << 5))) cap_ept_vpid = rdmsr(0x48c);   /* A.10 */
        if (cap_proc2 >> 32 & (1ULL << 13)) cap_vmfunc = rdmsr(0x491);   /* A.11: with "enable VM functions" */
    }
    /* A.3.4: the tertiary controls exist if bit 49 (allowed-1 of "activate tertiary controls") is set. */
    if (cap_proc >> 49 & 1) cap_proc3 = rdmsr(0x492);
    uint64_t cr4 = READ_CR(4) | (1ULL << 13);   /* CR4.VMXE */
    cr4 = (cr4 | rdmsr(0x488)) & rdmsr(0x489);
    WRITE_CR(4, cr4);
    uint64_t cr0 = READ_CR(0);
    cr0 = (cr0 | rdmsr(0x486)) & rdmsr(0x487);
    WRITE_CR(0, cr0);

    *(uint32_t *)vmxon_region = vmcs_revision;
    int r = vmxon((uint64_t)vmxon_region);
    if (r) fatal("VMXON failed, status", (uint64_t)r, 1);
}

/* Host state (SDM Vol. 3C 25.5): this kernel's flat 64-bit environment. RSP and RIP are written by vmx_launch. */
static void write_host_state(void) {
    vmwrite(VMCS_HOST_CR0, READ_CR(0));
    vmwrite(VMCS_HOST_CR3, READ_CR(3));
    vmwrite(VMCS_HOST_CR4, READ_CR(4));
    vmwrite(VMCS_HOST_CS_SELECTOR, HOST_CS);
    vmwrite(VMCS_HOST_SS_SELECTOR, HOST_DS);
    vmwrite(VMCS_HOST_DS_SELECTOR, HOST_DS);
    vmwrite(VMCS_HOST_ES_SELECTOR, HOST_DS);
    vmwrite(VMCS_HOST_FS_SELECTOR, 0);
    vmwrite(VMCS_HOST_GS_SELECTOR, 0);
    vmwrite(VMCS_HOST_TR_SELECTOR, HOST_TR);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, 0);
    vmwrite(VMCS_HOST_TR_BASE, (uint64_t)&host_tss);
    vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)host_gdt);
    vmwrite(VMCS_HOST_IDTR_BASE, (uint64_t)host_idt);
    vmwrite(VMCS_HOST_IA32_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, 0);
    /* The EFER fields exist only with the load/save IA32_EFER controls (SDM Vol. 3D A.4, A.5; absent on e.g. the
     * core2_penryn_t9600 model). Without them VM exit sets LMA/LME from "host address-space size" (28.5.1). */
    if (have_exit_load_efer) vmwrite(VMCS_HOST_IA32_EFER, rdmsr(0xc0000080));

}

/*
 * The control fields every record's VMCS sets alike (SDM Vol. 3C 25.6): every exception exits (25.6.3; the exception
 * bitmap is all ones, the page-fault mask and match 0), no CR3-target values, no MSR-store/-load areas, no event
 * injection, no TSC offset. The CR0/CR4 guest/host masks are the caller's (cr-access sets the vector's).
 */
static void write_common_controls(void) {
    vmwrite(VMCS_EXCEPTION_BITMAP, 0xffffffffU);
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, 0);
    vmwrite(VMCS_TSC_OFFSET, 0);
}

/*
 * The guest's system-table registers, the same for every record (SDM Vol. 3C 25.4.1; 27.3.1.2 for the checks): LDTR
 * unusable, TR the guest's busy TSS (type 11: a 64-bit TSS in IA-32e mode, a 32-bit one outside it), GDTR and IDTR
 * the guest's tables.
 */
static void write_guest_system_tables(void) {
    vmwrite(VMCS_GUEST_LDTR_SELECTOR, 0);
    vmwrite(VMCS_GUEST_LDTR_BASE, 0);
    vmwrite(VMCS_GUEST_LDTR_LIMIT, 0);
    vmwrite(VMCS_GUEST_LDTR_AR_BYTES, 0x10000);   /* unusable */
    vmwrite(VMCS_GUEST_TR_SELECTOR, GUEST_TR);
    vmwrite(VMCS_GUEST_TR_BASE, (uint64_t)&guest_tss);
    vmwrite(VMCS_GUEST_TR_LIMIT, sizeof guest_tss - 1);
    vmwrite(VMCS_GUEST_TR_AR_BYTES, 0x8b);        /* present, busy TSS */
    vmwrite(VMCS_GUEST_GDTR_BASE, (uint64_t)guest_gdt);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, sizeof guest_gdt - 1);
    vmwrite(VMCS_GUEST_IDTR_BASE, (uint64_t)guest_idt);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, sizeof guest_idt - 1);
}

/* Builds a fresh VMCS for one record (SDM Vol. 3C 25.4-25.8 for the fields, 27.2-27.3 for the checks). */
static int build_in_current;   /* vmx-instruction: fill the current VMCS instead of a fresh one in vmcs_region */
static int inject_hang;        /* BATCH_FAULT_GUEST_HANG: the guest loops at guest_hang instead of the MSR code */
static int build_vmcs(const struct batch_record *rec, struct guest_gprs *g, uint64_t *guest_rip) {
    if (!build_in_current) {
        memset_(vmcs_region, 0, sizeof vmcs_region);
        if (vmclear((uint64_t)vmcs_region)) return -1;
        *(uint32_t *)vmcs_region = vmcs_revision;
        if (vmptrld((uint64_t)vmcs_region)) return -2;
    }
    vmwrite_failed = 0;

    /* Controls. */
    uint32_t pin = adjust(cap_pin, have_preemption_timer ? PIN_PREEMPTION_TIMER : 0, NULL);
    uint32_t proc = adjust(cap_proc, rec->use_msr_bitmaps ? PROC_USE_MSR_BITMAPS : 0, NULL);
    if (!rec->use_msr_bitmaps) proc &= ~PROC_USE_MSR_BITMAPS;   /* checked against allowed-0 by the caller */
    uint32_t exitc = adjust(cap_exit, EXIT_HOST_ADDR_SPACE | EXIT_LOAD_EFER, NULL);
    uint32_t entryc = adjust(cap_entry, ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER, NULL);
    vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, pin);
    vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    vmwrite(VMCS_VM_EXIT_CONTROLS, exitc);
    vmwrite(VMCS_VM_ENTRY_CONTROLS, entryc);
    write_common_controls();
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, 0);
    vmwrite(VMCS_CR4_GUEST_HOST_MASK, 0);
    /* SDM Vol. 3C 25.6.9: the 4-KiB MSR bitmap, read bitmaps at 0/0x400, write bitmaps at 0x800/0xC00. */
    memset_(msr_bitmap, 0, sizeof msr_bitmap);
    for (uint32_t i = 0; i < rec->bitmap_entries; i++) msr_bitmap[rec->msr_bitmap[i].offset] = rec->msr_bitmap[i].value;
    vmwrite(VMCS_MSR_BITMAP, (uint64_t)msr_bitmap);
    if (have_preemption_timer) vmwrite(VMCS_VMX_PREEMPTION_TIMER_VALUE, WATCHDOG_TICKS);

    write_host_state();

    /* Guest state (SDM Vol. 3C 25.4): 64-bit mode at the record's CPL, same paging as the host (all pages U/S=1). */
    unsigned cpl = rec->cpl;
    vmwrite(VMCS_GUEST_CR0, READ_CR(0));
    vmwrite(VMCS_GUEST_CR3, READ_CR(3));
    vmwrite(VMCS_GUEST_CR4, READ_CR(4));
    vmwrite(VMCS_GUEST_DR7, 0x400);
    if (have_entry_load_efer) vmwrite(VMCS_GUEST_IA32_EFER, rdmsr(0xc0000080));
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    /* CS: 64-bit code (L=1), DPL = CPL; SS: data, DPL = CPL = SS.RPL (SDM Vol. 3C 27.3.1.2). Access rights
     * layout: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16 (SDM Vol. 3C 25.4.1). */
    uint16_t cs = (uint16_t)((0x08 + 0x10 * cpl) | cpl), ss = (uint16_t)((0x10 + 0x10 * cpl) | cpl);
    vmwrite(VMCS_GUEST_CS_SELECTOR, cs);
    vmwrite(VMCS_GUEST_CS_BASE, 0);
    vmwrite(VMCS_GUEST_CS_LIMIT, 0xffffffff);
    vmwrite(VMCS_GUEST_CS_AR_BYTES, 0xa09b | (cpl << 5));
    vmwrite(VMCS_GUEST_SS_SELECTOR, ss);
    vmwrite(VMCS_GUEST_SS_BASE, 0);
    vmwrite(VMCS_GUEST_SS_LIMIT, 0xffffffff);
    vmwrite(VMCS_GUEST_SS_AR_BYTES, 0xc093 | (cpl << 5));
    static const uint32_t data_sel[4] = { VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_FS_SELECTOR,
                                          VMCS_GUEST_GS_SELECTOR };
    for (int i = 0; i < 4; i++) {
        /* DS, ES, FS, GS: the ring's data segment; selector fields are followed by base/limit/AR at fixed strides. */
        uint32_t idx = (data_sel[i] - VMCS_GUEST_ES_SELECTOR) / 2;
        vmwrite(data_sel[i], ss);
        vmwrite(VMCS_GUEST_ES_BASE + 2 * idx, 0);
        vmwrite(VMCS_GUEST_ES_LIMIT + 2 * idx, 0xffffffff);
        vmwrite(VMCS_GUEST_ES_AR_BYTES + 2 * idx, 0xc093 | (cpl << 5));
    }
    write_guest_system_tables();
    *guest_rip = (uint64_t)(inject_hang ? guest_hang : rec->instruction == BATCH_INSN_WRMSR ? guest_wrmsr : guest_rdmsr);
    vmwrite(VMCS_GUEST_RIP, *guest_rip);
    vmwrite(VMCS_GUEST_RSP, (uint64_t)guest_stack[cpl] + 4096 - 64);
    vmwrite(VMCS_GUEST_RFLAGS, 0x2);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ULL);

    /* GPRs: ECX the MSR index (RCX[63:32] = 0); for WRMSR, EDX:EAX as prepared by the caller. */
    g->rcx = rec->ecx;
    return vmwrite_failed ? -3 : 0;
}

/* ------------------------------------------------------------------------------------------------ per vector */

static void reply_prefix(const struct batch_record *rec) {
    puts_("{\"id\": \"");
    for (int i = 0; i < (int)BATCH_ID_SIZE && rec->id[i]; i++) putc_(rec->id[i]);
    puts_("\", ");
}
static void reply_error(const struct batch_record *rec, const char *what, uint64_t v) {
    reply_prefix(rec);
    puts_("\"error\": \"");
    puts_(what);
    puts_(" ");
    put_hex(v);
    puts_("\"}\n");
}
static void reply_unsupported(const struct batch_record *rec, const char *why) {
    reply_prefix(rec);
    puts_("\"unsupported\": \"");
    /* A JSON string: the reasons quote control names ("load IA32_EFER", ...), so quotes and backslashes are escaped. */
    for (const char *c = why; *c; c++) {
        if (*c == '"' || *c == '\\') putc_('\\');
        putc_(*c);
    }
    puts_("\"}\n");
}
/* The guest took #GP (seen through the exception bitmap): the domains' exception outcome. */
static void reply_gp(const struct batch_record *rec, uint64_t error_code) {
    reply_prefix(rec);
    puts_("\"outcome\": {\"kind\": \"exception\", \"vector\": 13, \"error_code\": \"");
    put_hex(error_code);
    puts_("\"}}\n");
}
/* A VM exit the vector cannot explain: an error reply with everything needed to look into it. */
static void reply_unexpected_exit(const struct batch_record *rec, uint64_t reason, uint64_t qual, uint64_t rip) {
    reply_prefix(rec);
    puts_("\"error\": \"unexpected exit reason ");
    put_dec(reason & 0xffff);
    puts_(" qualification ");
    put_hex(qual);
    puts_(" guest rip ");
    put_hex(rip);
    puts_("\"}\n");
}
/* Any other VM exit: the watchdog (the VMX-preemption timer, exit reason 52), or one the vector cannot explain, as an
 * error reply with everything needed to look into it. */
static void reply_other_exit(const struct batch_record *rec, uint64_t reason, uint64_t qual, uint64_t rip) {
    if ((reason & 0xffff) == 52) {
        reply_error(rec, "watchdog: VMX-preemption timer expired at guest rip", rip);
    } else {
        reply_unexpected_exit(rec, reason, qual, rip);
    }
}

#include "cr_access.h"
#include "vmx_instruction.h"
#include "ept_walk.h"
#include "descriptor_table.h"
#include "probe.h"

static void run_record(const struct batch_record *rec) {
    if (rec->domain == BATCH_DOMAIN_CR_ACCESS) { run_cr_record((const struct batch_cr_record *)rec); return; }
    if (rec->domain == BATCH_DOMAIN_VMX_INSTRUCTION) { run_vi_record((const struct batch_vi_record *)rec); return; }
    if (rec->domain == BATCH_DOMAIN_EPT_WALK) { run_ew_record((const struct batch_ept_record *)rec); return; }
    if (rec->domain == BATCH_DOMAIN_DESCRIPTOR_TABLE) { run_dt_record((const struct batch_dt_record *)rec); return; }
    if (rec->domain != BATCH_DOMAIN_MSR_ACCESS) { reply_unsupported(rec, "domain not supported by the runner"); return; }
    if (rec->instruction > BATCH_INSN_WRMSR || rec->cpl > 3 || rec->use_msr_bitmaps > 1 ||
        rec->bitmap_entries > BATCH_MAX_BITMAP_ENTRIES) {
        reply_error(rec, "malformed record, instruction", rec->instruction);
        return;
    }
    for (uint32_t i = 0; i < rec->bitmap_entries; i++)
        if (rec->msr_bitmap[i].offset > 0xfff) { reply_error(rec, "malformed record, bitmap offset", rec->msr_bitmap[i].offset); return; }
    /* "use MSR bitmaps" must be settable as the vector asks (SDM Vol. 3D A.3.2). */
    uint32_t want = rec->use_msr_bitmaps ? PROC_USE_MSR_BITMAPS : 0;
    if ((want & ~(uint32_t)(cap_proc >> 32)) || (~want & PROC_USE_MSR_BITMAPS & (uint32_t)cap_proc)) {
        reply_unsupported(rec, "the processor cannot set use MSR bitmaps as the vector asks");
        return;
    }

    struct guest_gprs g = { 0, 0, 0 };
    if (rec->instruction == BATCH_INSN_WRMSR) {
        /* WRMSR safety: the guest writes back exactly the value root mode reads. An MSR root mode cannot read
         * gets EDX:EAX = 0; the guest's WRMSR then faults or exits. */
        uint64_t v;
        if (safe_rdmsr(rec->ecx, &v) == 0) {
            g.rax = (uint32_t)v;
            g.rdx = v >> 32;
        }
    }
    uint64_t guest_rip;
    int r = build_vmcs(rec, &g, &guest_rip);
    if (r) {
        reply_error(rec, r == -3 ? "VMWRITE failed for field" : "VMCLEAR/VMPTRLD failed",
                    r == -3 ? vmwrite_failed_field : (uint64_t)-r);
        return;
    }
    r = vmx_launch(&g);
    if (r == 1) { reply_error(rec, "VMLAUNCH VMfailInvalid", 0); return; }
    if (r == 2) { reply_error(rec, "VMLAUNCH VMfailValid, VM-instruction error", vmread(VMCS_VM_INSTRUCTION_ERROR)); return; }

    /* SDM Vol. 3C 25.9.1 "Basic VM-Exit Information", 28.2 "Recording VM-Exit Information". */
    uint64_t reason = vmread(VMCS_VM_EXIT_REASON);
    uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
    uint64_t rip = vmread(VMCS_GUEST_RIP);
    if (reason & 0x80000000U) { reply_error(rec, "VM-entry failure, exit reason", reason); return; }
    switch (reason & 0xffff) {
    case 31: /* RDMSR */
    case 32: /* WRMSR (SDM Vol. 3C 26.1.3: the instruction exits conditionally) */
        if (rip != guest_rip) { reply_error(rec, "MSR exit at an unexpected guest rip", rip); return; }
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"vm-exit\", \"exit_reason\": ");
        put_dec(reason & 0xffff);
        puts_(", \"exit_qualification\": \"");
        put_hex(qual);
        puts_("\"}}\n");
        return;
    case 18: /* VMCALL after the MSR instruction completed in the guest */
        if (rip != guest_rip + 2) { reply_error(rec, "VMCALL exit at an unexpected guest rip", rip); return; }
        reply_prefix(rec);
        puts_("\"outcome\": {\"kind\": \"no-exit\"}}\n");
        return;
    case 0: { /* exception or NMI (SDM Vol. 3C 25.9.2 "VM-exit interruption information") */
        uint64_t info = vmread(VMCS_VM_EXIT_INTR_INFO);
        uint64_t err = vmread(VMCS_VM_EXIT_INTR_ERROR_CODE);
        unsigned vec = info & 0xff, type = (info >> 8) & 7;
        if (!(info & 0x80000000U) || type != 3 || vec != 13 || rip != guest_rip) {
            reply_prefix(rec);
            puts_("\"error\": \"unexpected exception exit, interruption info ");
            put_hex(info);
            puts_(" guest rip ");
            put_hex(rip);
            puts_("\"}\n");
            return;
        }
        if (!(info & (1U << 11))) { reply_error(rec, "#GP without an error code, info", info); return; }
        if (rec->cpl == 0) {
            /* At CPL 0 the instruction itself executed in the guest and raised #GP (the MSR does not exist or the
             * value is invalid): no VM exit was caused by the instruction. */
            reply_prefix(rec);
            puts_("\"outcome\": {\"kind\": \"no-exit\"}}\n");
            return;
        }
        /* CPL > 0: #GP(0) has priority over the VM exit (SDM Vol. 3C 26.1.1). */
        reply_gp(rec, err);
        return;
    }
    default:
        reply_other_exit(rec, reason, qual, rip);
        return;
    }
}

/*
 * Test-only fault injection (batch header fault_kind/fault_record; runner/README.md "Fault injection"): what the
 * kernel does instead of running the record. The host's tests use it to check that a crash or a hang costs exactly
 * one vector and that the run resumes after it.
 */
static void inject_fault(uint32_t kind, const struct batch_record *rec) {
    switch (kind) {
    case BATCH_FAULT_TRIPLE: {
        /* An IDT limit of 0 puts every gate beyond the limit: the #UD of UD2 becomes #GP, delivering that #GP raises
         * #GP again (contributory twice: #DF), and a fault while calling the #DF handler is a shutdown, a triple
         * fault (SDM Vol. 3A 7.10 "Interrupt Descriptor Table (IDT)", 7.15 "Interrupt 8—Double Fault Exception
         * (#DF)", Table 7-5). In VMX root operation that is not a VM exit (SDM Vol. 3C 26.2 names triple fault as
         * a VM exit of non-root operation only). */
        struct desc_ptr idtr = { 0, 0 };
        __asm__ volatile("cli; lidt %0; ud2" : : "m"(idtr) : "memory");
        for (;;) __asm__ volatile("hlt");
    }
    case BATCH_FAULT_ROOT_UD:
        /* UD2 raises #UD (SDM Vol. 2B UD2); exception_handler prints the fatal line and shuts down. */
        __asm__ volatile("ud2");
        for (;;) __asm__ volatile("cli; hlt");
    case BATCH_FAULT_GUEST_HANG:
        if (rec->domain != BATCH_DOMAIN_MSR_ACCESS) {
            reply_error(rec, "fault injection: a guest hang needs an msr-access record, domain", rec->domain);
            return;
        }
        inject_hang = 1;
        run_record(rec);
        inject_hang = 0;
        return;
    default:
        reply_error(rec, "fault injection: unknown fault kind", kind);
        return;
    }
}

void kmain(void) {
    serial_init();
    multiboot_setup();
    host_tables();
    guest_tables();
    /* Mask both PICs: vmx-instruction vectors run with RFLAGS.IF = 1 and the IDT has gates for 0-31 only. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    const struct batch_header *h0 = (const struct batch_header *)BATCH_ADDR;
    if (mb_probe || h0->magic == PROBE_MAGIC) probe_run();
    if (h0->magic != BATCH_MAGIC || h0->version != BATCH_VERSION || h0->record_size != BATCH_RECORD_SIZE)
        fatal("bad batch header, magic", h0->magic, 1);
    vmx_setup();
    vi_setup();
    ew_setup();
    puts_("{\"ready\": true, \"preemption_timer\": ");
    puts_(have_preemption_timer ? "true" : "false");
    puts_(", \"maxphyaddr\": ");
    put_dec(ew_maxphyaddr);
    puts_("}\n");
    uint64_t done = 0;
    for (unsigned k = 0; k < BATCH_IMAGES; k++) {
        const struct batch_header *h = (const struct batch_header *)(BATCH_ADDR + k * BATCH_IMAGE_STRIDE);
        if (h->magic != BATCH_MAGIC) break;   /* fewer images given */
        if (h->version != BATCH_VERSION || h->record_size != BATCH_RECORD_SIZE || h->count > BATCH_RECORDS_PER_IMAGE)
            fatal("bad batch image header, image", k, 0);
        const struct batch_record *rec = (const struct batch_record *)((uintptr_t)h + BATCH_HEADER_SIZE);
        for (uint32_t i = 0; i < h->count; i++, done++) {
            if (h->fault_kind != BATCH_FAULT_NONE && i == h->fault_record) inject_fault(h->fault_kind, &rec[i]);
            else run_record(&rec[i]);
        }
    }
    puts_("{\"done\": ");
    put_dec(done);
    puts_("}\n");
    shutdown();
}
