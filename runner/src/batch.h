/*
 * hvmspec runner batch format, version 5 (see runner/README.md). Version 2 adds the cr-access record, 3 the
 * vmx-instruction record, 4 extends it (mode, CPL, VMX operation, VMREAD/VMWRITE and non-root inputs), 5 adds the
 * ept-walk record and the descriptor-table record (a new record kind, same header and record size); msr-access records are laid out as in version 1.
 *
 * The host (dev.hvmspec.conformance.bochs.BatchWriter) converts vectors to this fixed-size binary layout; Bochs
 * places each image in guest RAM (optramimage2..4) and the kernel reads the records from there.
 * All integers are little-endian.
 */
#ifndef HVMSPEC_BATCH_H
#define HVMSPEC_BATCH_H

#include <stdint.h>
#include <stddef.h>

/*
 * Bochs 2.7 allocates guest RAM in 128-KiB blocks on first touch, and an optramimage larger than one block is
 * copied past its first block's host storage: the rest of the file lands in storage that later belongs to other
 * guest blocks (observed: bytes beyond the first block read back as zeros or as kernel .bss). So a batch is split
 * into up to BATCH_IMAGES images of at most one block each, at block-aligned addresses (optramimage2..4), and
 * records carry the MSR bitmap sparsely.
 */
#define BATCH_ADDR         0x140000UL   /* image 0 (optramimage2); image k at BATCH_ADDR + k * BATCH_IMAGE_STRIDE */
#define BATCH_IMAGE_STRIDE 0x20000UL    /* one Bochs memory block */
#define BATCH_IMAGES       3U           /* optramimage2, 3, 4 */
#define BATCH_MAGIC        0x424d5648U  /* "HVMB" */
#define BATCH_VERSION      5U
#define BATCH_HEADER_SIZE  64U
#define BATCH_ID_SIZE      96U          /* NUL-padded vector id, at most 95 bytes */
#define BATCH_RECORD_SIZE  512U
#define BATCH_MAX_BITMAP_ENTRIES 96U    /* non-zero MSR-bitmap bytes a record can carry */
#define BATCH_RECORDS_PER_IMAGE ((BATCH_IMAGE_STRIDE - BATCH_HEADER_SIZE) / BATCH_RECORD_SIZE)   /* 255 */

#define BATCH_DOMAIN_MSR_ACCESS 1U
#define BATCH_DOMAIN_CR_ACCESS  2U
#define BATCH_DOMAIN_VMX_INSTRUCTION 3U
#define BATCH_DOMAIN_EPT_WALK 4U
#define BATCH_DOMAIN_DESCRIPTOR_TABLE 5U
#define BATCH_INSN_RDMSR 0U
#define BATCH_INSN_WRMSR 1U

/* One image: this header, then `count` records. */
struct batch_header {
    uint32_t magic;         /* BATCH_MAGIC */
    uint32_t version;       /* BATCH_VERSION */
    uint32_t count;         /* records in this image, at most BATCH_RECORDS_PER_IMAGE */
    uint32_t record_size;   /* BATCH_RECORD_SIZE */
    uint32_t first_index;   /* index of the image's first record in the host's vector list (informational) */
    uint32_t fault_kind;    /* test-only fault injection (BATCH_FAULT_*), 0 in every real batch */
    uint32_t fault_record;  /* the record of this image (0-based) at which fault_kind strikes instead of running it */
    uint8_t  reserved[36];
} __attribute__((packed));

/*
 * Test-only fault injection (runner/README.md "Fault injection"): the host's tests set it to see that a crash or a
 * hang costs exactly one vector. Never set from vectors or the command line.
 */
#define BATCH_FAULT_NONE         0U
#define BATCH_FAULT_TRIPLE       1U   /* root mode: IDT limit 0, then UD2: #UD -> #GP -> #DF -> shutdown */
#define BATCH_FAULT_ROOT_UD      2U   /* root mode: UD2, an unexpected root-mode exception (the fatal line) */
#define BATCH_FAULT_GUEST_HANG   3U   /* msr-access record whose guest loops forever (the watchdog's case) */

struct batch_bitmap_entry {
    uint16_t offset;        /* byte offset in the 4-KiB MSR bitmap, 0..0xfff */
    uint8_t  value;         /* the byte */
    uint8_t  reserved;
} __attribute__((packed));

struct batch_record {
    char     id[BATCH_ID_SIZE];   /* the vector id, printable ASCII without '"' or '\\', NUL-padded */
    uint32_t domain;              /* BATCH_DOMAIN_MSR_ACCESS */
    uint32_t instruction;         /* BATCH_INSN_RDMSR or BATCH_INSN_WRMSR */
    uint32_t ecx;                 /* ECX */
    uint32_t cpl;                 /* guest CPL, 0..3 */
    uint32_t use_msr_bitmaps;     /* 0 or 1: primary processor-based control bit 28 */
    uint32_t bitmap_entries;      /* used entries of msr_bitmap, at most BATCH_MAX_BITMAP_ENTRIES */
    uint8_t  reserved[8];
    struct batch_bitmap_entry msr_bitmap[BATCH_MAX_BITMAP_ENTRIES];   /* absent bytes are zero */
} __attribute__((packed));

/* cr-access instructions, modes and flags (struct batch_cr_record). */
#define BATCH_CR_MOV_TO_CR0   0U
#define BATCH_CR_MOV_TO_CR4   1U
#define BATCH_CR_MOV_FROM_CR0 2U
#define BATCH_CR_MOV_FROM_CR4 3U
#define BATCH_CR_CLTS         4U
#define BATCH_CR_LMSW         5U
#define BATCH_MODE_REAL       0U
#define BATCH_MODE_PROTECTED  1U
#define BATCH_MODE_COMPAT     2U
#define BATCH_MODE_64BIT      3U
#define BATCH_CR_FLAG_LMSW_MEMORY  (1U << 0)   /* lmsw_memory_operand */
#define BATCH_CR_FLAG_UNRESTRICTED (1U << 1)   /* unrestricted_guest */

/* A cr-access record: the same size and id/domain prefix as an msr-access record. */
struct batch_cr_record {
    char     id[BATCH_ID_SIZE];
    uint32_t domain;              /* BATCH_DOMAIN_CR_ACCESS */
    uint32_t instruction;         /* BATCH_CR_* */
    uint32_t gpr;                 /* MOV CR: 0-15 (RAX..R15); 0 when the vector has none */
    uint32_t mode;                /* BATCH_MODE_* */
    uint32_t cpl;                 /* 0..3 */
    uint32_t flags;               /* BATCH_CR_FLAG_* */
    uint8_t  reserved[8];
    uint64_t source;              /* MOV to CR: the register's value; LMSW: the operand in bits 15:0 */
    uint64_t cr0, cr3, cr4, efer; /* guest values before the instruction */
    uint64_t cr0_mask, cr0_shadow, cr4_mask, cr4_shadow;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;   /* the values the vector assumes */
    uint8_t  reserved2[BATCH_RECORD_SIZE - 128 - 13 * 8];
} __attribute__((packed));

/* vmx-instruction (domain 3, version 3): instructions and flags (struct batch_vi_record). */
#define VI_VMXON 0U
#define VI_VMXOFF 1U
#define VI_VMCLEAR 2U
#define VI_VMPTRLD 3U
#define VI_VMPTRST 4U
#define VI_VMLAUNCH 5U
#define VI_VMRESUME 6U
#define VI_VMCALL 7U
#define VI_INVEPT 8U
#define VI_INVVPID 9U
#define VI_VMREAD 10U
#define VI_VMWRITE 11U
#define VI_VMFUNC 12U   /* no operand: eptp_list_address in displacement, vm_function_controls in offset,
                          EAX in segment_base bits 31:0 and ECX in bits 63:32 (runner/README.md) */
#define VI_FLAG_OPERAND    (1U << 0)   /* a memory operand */
#define VI_FLAG_BASE       (1U << 1)   /* operand.base_valid */
#define VI_FLAG_INDEX      (1U << 2)   /* operand.index_valid */
#define VI_FLAG_MOV_SS     (1U << 3)   /* blocking_by_mov_ss */
#define VI_FLAG_LAUNCHED   (1U << 4)   /* launch_state "launched" */
#define VI_FLAG_DATA_REG   (1U << 5)   /* data_register present (VMREAD/VMWRITE register form) */
#define VI_FLAG_SHADOWING  (1U << 6)   /* vmcs_shadowing (non-root VMREAD/VMWRITE) */
#define VI_FLAG_MISC       (1U << 7)   /* vmx_misc present */
#define VI_FLAG_EPT_CAP    (1U << 8)   /* vmx_ept_vpid_cap present */
#define VI_FLAG_FIELD_CAPS (1U << 9)   /* the VMCS-field existence capabilities are present (VMREAD/VMWRITE) */
#define VI_FLAG_EPTP_SWITCHING (1U << 10) /* vmx_vmfunc bit 0 (the host answers other bits unsupported) */
#define VI_FLAG_VMFUNC_ENABLE  (1U << 11) /* VMFUNC: enable_vm_functions */
#define VI_MAX_MEMORY 9U
/* mode (version 4) */
#define VI_MODE_REAL 0U
#define VI_MODE_V86 1U
#define VI_MODE_PROTECTED 2U
#define VI_MODE_COMPAT 3U
#define VI_MODE_64 4U
/* vmx_operation (version 4) */
#define VI_OP_OUTSIDE 0U
#define VI_OP_ROOT 1U
#define VI_OP_NON_ROOT 2U

struct batch_vi_record {
    char     id[BATCH_ID_SIZE];
    uint32_t domain;              /* BATCH_DOMAIN_VMX_INSTRUCTION */
    uint32_t instruction;         /* VI_* */
    uint32_t flags;               /* VI_FLAG_* */
    uint32_t register_operand;    /* INVEPT/INVVPID: the register operand; VMREAD/VMWRITE: Reg2; 0-15 */
    uint32_t maxphyaddr;
    uint32_t segment;             /* operand: 0 ES .. 5 GS */
    uint32_t address_size;        /* 16, 32, 64 */
    uint32_t base, index, scale;
    uint32_t memory_count;        /* at most VI_MAX_MEMORY */
    uint8_t  mode, cpl, vmx_operation, data_register;   /* offset 140 (version 4) */
    uint64_t displacement, offset, segment_base;   /* offset 144 */
    uint64_t cr0, cr4, efer, rflags;
    uint64_t feature_control, vmx_basic, procbased_ctls2;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t vmxon_pointer, current_vmcs_pointer, ept_vpid_cap, register_value;
    uint64_t vmx_misc, field_value, data_value;                               /* offset 288 (version 4) */
    uint64_t vmcs_link_pointer, vmread_bitmap, vmwrite_bitmap;
    uint32_t segment_limit, reserved;                                         /* offset 336 */
    struct { uint64_t addr, value; } memory[VI_MAX_MEMORY];   /* offset 344: 8-byte words of physical memory */
    /* offset 488 (version 5): with VI_FLAG_FIELD_CAPS, the allowed-1 halves (bits 63:32) of vmx_pinbased_ctls,
     * vmx_procbased_ctls, vmx_exit_ctls, vmx_entry_ctls, and vmx_procbased_ctls3: all that decides which VMCS fields
     * exist (SDM Vol. 3D Appendix B). */
    uint32_t pinbased_allowed1, procbased_allowed1, exit_allowed1, entry_allowed1;
    uint64_t procbased_ctls3;
} __attribute__((packed));

_Static_assert(offsetof(struct batch_vi_record, memory) == 344, "vi record layout (BatchWriter)");
_Static_assert(offsetof(struct batch_vi_record, pinbased_allowed1) == 488, "vi record layout (BatchWriter)");
/* ept-walk (domain 4, version 5): flags (struct batch_ept_record). */
#define BATCH_EW_FLAG_PAGING_STRUCTURE (1U << 0)   /* guest_paging_structure */
#define BATCH_EW_FLAG_LINEAR_VALID     (1U << 1)   /* linear_address_valid */
#define BATCH_EW_FLAG_LINEAR           (1U << 2)   /* linear present; then bits 3-5 are its members */
#define BATCH_EW_FLAG_USER             (1U << 3)   /* linear.user */
#define BATCH_EW_FLAG_WRITABLE         (1U << 4)   /* linear.writable */
#define BATCH_EW_FLAG_XD               (1U << 5)   /* linear.execute_disable */
#define BATCH_EW_FLAG_MBEC             (1U << 6)   /* mode_based_execute */
#define BATCH_EW_FLAG_NMI_IRET         (1U << 7)   /* nmi_unblocking_iret */
#define BATCH_EW_FLAGS_ALL             0xffU
#define EW_MAX_MEMORY 16U

struct batch_ept_record {
    char     id[BATCH_ID_SIZE];
    uint32_t domain;              /* BATCH_DOMAIN_EPT_WALK */
    uint32_t access;              /* 0 read, 1 write, 2 fetch */
    uint32_t flags;               /* BATCH_EW_FLAG_* */
    uint32_t maxphyaddr;          /* the vector's */
    uint32_t memory_count;        /* at most EW_MAX_MEMORY */
    uint8_t  reserved[12];
    uint64_t eptp, gpa, ept_vpid_cap;                   /* offset 128: the vector's values, unrelocated */
    uint8_t  reserved2[8];
    struct { uint64_t addr, value; } memory[EW_MAX_MEMORY];   /* offset 160: the vector's 8-byte words */
    uint8_t  reserved3[BATCH_RECORD_SIZE - 160 - EW_MAX_MEMORY * 16];
} __attribute__((packed));

/* descriptor-table (domain 5, version 5): flags (struct batch_dt_record). Instructions: descriptor_table.h DT_*. */
#define DT_FLAG_OPERAND  (1U << 0)   /* a memory operand (operand present) */
#define DT_FLAG_BASE     (1U << 1)   /* operand.base_valid */
#define DT_FLAG_INDEX    (1U << 2)   /* operand.index_valid */
#define DT_FLAG_REGISTER (1U << 3)   /* register_operand present */
#define DT_FLAG_EXITING  (1U << 4)   /* descriptor_table_exiting */
#define DT_FLAG_OPSIZE   (1U << 5)   /* operand_size present */

struct batch_dt_record {
    char     id[BATCH_ID_SIZE];
    uint32_t domain;              /* BATCH_DOMAIN_DESCRIPTOR_TABLE */
    uint32_t instruction;         /* 0 lgdt, 1 lidt, 2 lldt, 3 ltr, 4 sgdt, 5 sidt, 6 sldt, 7 str */
    uint32_t flags;               /* DT_FLAG_* */
    uint32_t register_operand;    /* Reg1, 0-15 (with DT_FLAG_REGISTER) */
    uint32_t segment;             /* operand: 0 ES .. 5 GS */
    uint32_t address_size;        /* 16, 32, 64 */
    uint32_t base, index, scale;
    uint8_t  mode, cpl, operand_size, reserved0;   /* offset 132: VI_MODE_*, 0-3, 16/32/64 (0 when absent) */
    uint64_t displacement;                         /* offset 136: sign-extended */
    uint64_t cr0, cr4, efer, rflags, procbased_ctls2;   /* offset 144 */
    uint8_t  reserved[BATCH_RECORD_SIZE - 184];
} __attribute__((packed));

_Static_assert(offsetof(struct batch_dt_record, displacement) == 136, "dt record layout (BatchWriter)");
_Static_assert(offsetof(struct batch_dt_record, cr0) == 144, "dt record layout (BatchWriter)");
_Static_assert(sizeof(struct batch_dt_record) == BATCH_RECORD_SIZE, "dt record size");
_Static_assert(sizeof(struct batch_ept_record) == BATCH_RECORD_SIZE, "ept record size");
_Static_assert(sizeof(struct batch_vi_record) == BATCH_RECORD_SIZE, "vi record size");
_Static_assert(sizeof(struct batch_cr_record) == BATCH_RECORD_SIZE, "cr record size");
_Static_assert(sizeof(struct batch_header) == BATCH_HEADER_SIZE, "batch header size");
_Static_assert(sizeof(struct batch_record) == BATCH_RECORD_SIZE, "batch record size");

#endif
