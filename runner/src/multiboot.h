/*
 * Multiboot (version 1) start-up, for booting the runner with GRUB, QEMU's -kernel or any other multiboot loader
 * (runner/README.md "Multiboot"). Included by kernel.c before shutdown(); on the Bochs floppy path (boot.S) nothing
 * here applies and mb_booted stays 0.
 *
 * entry.S saves EAX and EBX at entry (Multiboot Specification 0.6.96, 3.2 "Machine state"). The information
 * structure (3.3) gives the command line (flags bit 2) and the modules (flags bit 3): each module is one batch
 * image (batch-NNN.bin from `hvmspec batches`, or a probe image), copied in order to the place where the Bochs path
 * finds optramimage2..4 (batch.h BATCH_ADDR). The header's bss_end_addr (entry.S) covers that area, so the loader
 * places neither modules nor its structures there.
 *
 * Command-line words (after the kernel's own path, which loaders put first):
 *   probe       print the capability profile instead of running batches (probe.h)
 *   exit=qemu   at the end write 0 to port 0xF4: QEMU's isa-debug-exit device then ends QEMU (status 1)
 *   exit=bochs  at the end write "Shutdown" to port 0x8900, as on the floppy path
 * Without an exit word the kernel halts at the end: on a test machine no port is written that the kernel does not
 * know to be free.
 */
#define MB_BOOT_MAGIC   0x2badb002U
#define MB_RESERVED_END 0x1a0000UL   /* entry.S bss_end_addr */
_Static_assert(BATCH_ADDR + BATCH_IMAGES * BATCH_IMAGE_STRIDE <= MB_RESERVED_END,
               "the multiboot header must reserve the batch images (entry.S bss_end_addr)");

#define MB_INFO_CMDLINE (1U << 2)
#define MB_INFO_MODS    (1U << 3)
#define MB_INFO_MMAP    (1U << 6)

/* The start of the information structure (Multiboot Specification 3.3); later fields are not used. */
struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* A memory-map entry; `size` does not count itself. Type 1 is available RAM. */
struct mb_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct mb_module {
    uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

extern uint32_t mb_magic, mb_info;   /* entry.S */

static int mb_booted;
static int mb_probe;                 /* "probe" on the command line */
static int mb_exit_qemu, mb_exit_bochs;

static void __attribute__((noreturn)) fatal(const char *what, uint64_t value, int setup);

/* Is `word` one of the blank-separated words of the NUL-terminated string s? */
static int mb_has_word(const char *s, const char *word) {
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        const char *w = word;
        while (*w && *s == *w) { s++; w++; }
        if (!*w && (*s == 0 || *s == ' ' || *s == '\t')) return 1;
        while (*s && *s != ' ' && *s != '\t') s++;
    }
    return 0;
}

/* The lowest address >= cur not covered by available RAM of the map, and (in *end) where that hole ends, limited to
 * hi; returns hi when [cur, hi) is all RAM. Entries may come in any order and overlap. */
static uint64_t mb_hole(const struct mb_info *mi, uint64_t cur, uint64_t hi, uint64_t *end) {
    uintptr_t first = mi->mmap_addr, last = (uintptr_t)mi->mmap_addr + mi->mmap_length;
    for (int progress = 1; progress && cur < hi;) {
        progress = 0;
        for (uintptr_t p = first; p < last; p += ((const struct mb_mmap_entry *)p)->size + 4) {
            const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;
            if (e->type == 1 && e->base <= cur && cur < e->base + e->length) { cur = e->base + e->length; progress = 1; }
        }
    }
    if (cur >= hi) return hi;
    uint64_t next = hi;
    for (uintptr_t p = first; p < last; p += ((const struct mb_mmap_entry *)p)->size + 4) {
        const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;
        if (e->type == 1 && e->base > cur && e->base < next) next = e->base;
    }
    *end = next;
    return cur;
}

/* The kernel writes physical memory the loader knows nothing of: the cr-access guest pages at 0x1000-0x6fff and
 * everything from 0x100000 to VI_RAM_HIGH (vmx-instruction regions, cr-access code at 32 MiB). On a machine where
 * part of that is not RAM (too little memory, firmware areas) a warning line names the hole; the records that touch
 * it may then fail or misbehave. */
static void mb_check_memory(const struct mb_info *mi) {
    static const uint64_t ranges[2][2] = { { 0x1000, 0x7000 }, { 0x100000, 0x80000000ULL } };
    if (!(mi->flags & MB_INFO_MMAP)) return;
    for (int r = 0; r < 2; r++) {
        uint64_t cur = ranges[r][0], end = 0;
        for (int n = 0; n < 8 && (cur = mb_hole(mi, cur, ranges[r][1], &end)) < ranges[r][1]; n++, cur = end) {
            puts_("{\"warning\": \"not available RAM in the multiboot memory map: ");
            put_hex(cur);
            puts_("-");
            put_hex(end - 1);
            puts_(", which the runner uses\"}\n");
        }
    }
}

static void mb_memmove(uint8_t *d, const uint8_t *s, uint64_t n) {
    if (d < s) { for (uint64_t i = 0; i < n; i++) d[i] = s[i]; }
    else { while (n--) d[n] = s[n]; }
}

/* Reads the command line and copies the modules to the batch images' addresses. Runs before anything else writes
 * memory outside the kernel's own image (all of 0-4 GiB is identity-mapped, and multiboot addresses are 32-bit). */
static void multiboot_setup(void) {
    if (mb_magic != MB_BOOT_MAGIC) return;
    mb_booted = 1;
    const struct mb_info *mi = (const struct mb_info *)(uintptr_t)mb_info;
    if (mi->flags & MB_INFO_CMDLINE) {
        const char *cmdline = (const char *)(uintptr_t)mi->cmdline;
        mb_probe = mb_has_word(cmdline, "probe");
        mb_exit_qemu = mb_has_word(cmdline, "exit=qemu");
        mb_exit_bochs = mb_has_word(cmdline, "exit=bochs");
    }
    mb_check_memory(mi);
    uint32_t n = (mi->flags & MB_INFO_MODS) ? mi->mods_count : 0;
    if (n > BATCH_IMAGES) fatal("more multiboot modules than batch images (at most 3), modules", n, 1);
    const struct mb_module *mods = (const struct mb_module *)(uintptr_t)mi->mods_addr;
    for (uint32_t k = 0; k < n; k++) {
        if (mods[k].mod_end < mods[k].mod_start || mods[k].mod_end - mods[k].mod_start > BATCH_IMAGE_STRIDE)
            fatal("multiboot module larger than one batch image (0x20000 bytes), module", k, 1);
        mb_memmove((uint8_t *)(BATCH_ADDR + k * BATCH_IMAGE_STRIDE), (const uint8_t *)(uintptr_t)mods[k].mod_start,
                   mods[k].mod_end - mods[k].mod_start);
    }
    /* Slots without a module must not look like images (the loader zeroed them as bss; this does not rely on it). */
    for (uint32_t k = n; k < BATCH_IMAGES; k++) *(volatile uint32_t *)(BATCH_ADDR + k * BATCH_IMAGE_STRIDE) = 0;
    if (n == 0 && !mb_probe) fatal("no batch: give batch images as multiboot modules, or probe on the command line, modules", 0, 1);
}
