/*
 * Probe mode (runner/README.md "Probe mode", docs/profiles.md): instead of running batches, print this platform's
 * capability profile as one JSON object line, then {"done": 0}, and shut down. Requested by a probe image (a 64-byte
 * header with PROBE_MAGIC in place of a batch image 0; `hvmspec probe` boots Bochs with one) or by the word "probe"
 * on the multiboot command line (multiboot.h). Included by kernel.c.
 *
 * The probe changes nothing: no VMXON, IA32_FEATURE_CONTROL is reported as found at boot (the batch path locks it).
 * An MSR is read only when the SDM's enumeration says it exists (probe_exists), and then with safe_rdmsr, so that a
 * #GP is reported as null; the others are listed under not_read. Reading by enumeration matters on emulators: QEMU
 * (TCG) and Bochs (by default) read an MSR they do not know as 0 instead of raising #GP.
 */
#define PROBE_MAGIC   0x504d5648U   /* "HVMP" */
#define PROBE_FORMAT  "hvmspec-profile/1"

/* The MSRs of the profile, in index order after IA32_FEATURE_CONTROL. SDM Vol. 3C 24.7 (IA32_FEATURE_CONTROL) and
 * Vol. 3D Appendix A (the VMX capability MSRs); docs/profiles.md gives the section of each. */
static const struct { uint32_t index; const char *name; } probe_msrs[] = {
    { 0x03a, "IA32_FEATURE_CONTROL" },
    { 0x480, "IA32_VMX_BASIC" },
    { 0x481, "IA32_VMX_PINBASED_CTLS" },
    { 0x482, "IA32_VMX_PROCBASED_CTLS" },
    { 0x483, "IA32_VMX_EXIT_CTLS" },
    { 0x484, "IA32_VMX_ENTRY_CTLS" },
    { 0x485, "IA32_VMX_MISC" },
    { 0x486, "IA32_VMX_CR0_FIXED0" },
    { 0x487, "IA32_VMX_CR0_FIXED1" },
    { 0x488, "IA32_VMX_CR4_FIXED0" },
    { 0x489, "IA32_VMX_CR4_FIXED1" },
    { 0x48a, "IA32_VMX_VMCS_ENUM" },
    { 0x48b, "IA32_VMX_PROCBASED_CTLS2" },
    { 0x48c, "IA32_VMX_EPT_VPID_CAP" },
    { 0x48d, "IA32_VMX_TRUE_PINBASED_CTLS" },
    { 0x48e, "IA32_VMX_TRUE_PROCBASED_CTLS" },
    { 0x48f, "IA32_VMX_TRUE_EXIT_CTLS" },
    { 0x490, "IA32_VMX_TRUE_ENTRY_CTLS" },
    { 0x491, "IA32_VMX_VMFUNC" },
    { 0x492, "IA32_VMX_PROCBASED_CTLS3" },
    { 0x493, "IA32_VMX_EXIT_CTLS2" },
};

/* Whether the MSR exists according to the values read before it (v[i] for probe_msrs[i], 0 when not read or #GP):
 * SDM Vol. 3D Appendix A. The VMX MSRs need CPUID.1:ECX.VMX (A, introduction); IA32_FEATURE_CONTROL is read
 * whatever the enumeration (it exists with VMX or SMX; a #GP shows when it does not). */
static int probe_exists(uint32_t idx, int vmx, const uint64_t *v) {
    uint64_t basic = v[1], proc = v[3], exitc = v[4], proc2 = v[12];
    if (idx == 0x3a) return 1;
    if (!vmx) return 0;
    if (idx >= 0x48d && idx <= 0x490) return basic >> 55 & 1;                  /* A.1: TRUE_* with BASIC[55] */
    if (idx == 0x48b) return proc >> 63 & 1;                                     /* A.3.3: "activate secondary controls" */
    if (idx == 0x48c) return (proc >> 63 & 1) && (proc2 >> 33 & 1 || proc2 >> 37 & 1);   /* A.10: EPT or VPID */
    if (idx == 0x491) return (proc >> 63 & 1) && (proc2 >> 45 & 1);             /* A.11: "enable VM functions" */
    if (idx == 0x492) return proc >> 49 & 1;                                     /* A.3.4: "activate tertiary controls" */
    if (idx == 0x493) return exitc >> 63 & 1;                                    /* A.4.2: "activate secondary controls" */
    return 1;                                                                    /* 0x480-0x48A */
}

static void probe_bool(const char *key, int v) {
    puts_(", \"");
    puts_(key);
    puts_(v ? "\": true" : "\": false");
}

static void __attribute__((noreturn)) probe_run(void) {
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    uint32_t max_leaf = a;
    char vendor[13];
    uint32_t words[3] = { b, d, c };   /* "Genu" "ineI" "ntel": EBX, EDX, ECX */
    for (int i = 0; i < 12; i++) {
        char ch = (char)(words[i / 4] >> (8 * (i % 4)));
        vendor[i] = (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') ? ch : '?';
    }
    vendor[12] = 0;
    cpuid(1, &a, &b, &c, &d);
    uint32_t sig = a, ecx1 = c, edx1 = d;
    /* SDM Vol. 2A CPUID, "Version Information": the displayed family adds the extended family only for family 0FH;
     * the displayed model adds the extended model for families 06H and 0FH. */
    uint32_t base_family = (sig >> 8) & 0xf, base_model = (sig >> 4) & 0xf;
    uint32_t family = base_family == 0xf ? base_family + ((sig >> 20) & 0xff) : base_family;
    uint32_t model = (base_family == 0x6 || base_family == 0xf) ? (((sig >> 16) & 0xf) << 4) + base_model : base_model;
    uint32_t ecx7 = 0;
    if (max_leaf >= 7) { cpuid(7, &a, &b, &c, &d); ecx7 = c; }
    cpuid(0x80000000, &a, &b, &c, &d);
    uint32_t max_ext = a, edx_ext1 = 0;
    if (max_ext >= 0x80000001 && max_ext < 0x8000ffff) { cpuid(0x80000001, &a, &b, &c, &d); edx_ext1 = d; }
    /* SDM Vol. 3A 5.1.4 "Enumeration of Paging Features by CPUID": CPUID.80000008H:EAX[7:0] is MAXPHYADDR and
     * EAX[15:8] the linear-address width; without that leaf MAXPHYADDR is 36 with PAE (CPUID.1:EDX[6]), else 32,
     * and the linear-address width is 32 (reported 0 = not enumerated). */
    uint32_t maxphyaddr = (edx1 & (1U << 6)) ? 36 : 32, linear = 0;
    int have_80000008 = max_ext >= 0x80000008 && max_ext < 0x8000ffff;
    if (have_80000008) { cpuid(0x80000008, &a, &b, &c, &d); maxphyaddr = a & 0xff; linear = (a >> 8) & 0xff; }

    puts_("{\"format\": \"" PROBE_FORMAT "\", \"cpuid\": {\"vendor\": \"");
    puts_(vendor);
    puts_("\", \"max_leaf\": \"");
    put_hex(max_leaf);
    puts_("\", \"max_extended_leaf\": \"");
    put_hex(max_ext);
    puts_("\", \"signature\": \"");
    put_hex(sig);
    puts_("\", \"family\": ");
    put_dec(family);
    puts_(", \"model\": ");
    put_dec(model);
    puts_(", \"stepping\": ");
    put_dec(sig & 0xf);
    puts_(", \"leaf_1_ecx\": \"");
    put_hex(ecx1);
    puts_("\", \"leaf_7_ecx\": \"");
    put_hex(ecx7);
    puts_("\", \"leaf_80000001_edx\": \"");
    put_hex(edx_ext1);
    puts_("\"");
    probe_bool("vmx", ecx1 & (1U << 5));           /* CPUID.1:ECX.VMX[bit 5] */
    probe_bool("smx", ecx1 & (1U << 6));           /* CPUID.1:ECX.SMX[bit 6] */
    probe_bool("umip", ecx7 & (1U << 2));          /* CPUID.(EAX=7,ECX=0):ECX.UMIP[bit 2] */
    probe_bool("la57", ecx7 & (1U << 16));         /* CPUID.(EAX=7,ECX=0):ECX.LA57[bit 16] */
    probe_bool("pdpe1gb", edx_ext1 & (1U << 26));  /* CPUID.80000001H:EDX.Page1GB[bit 26] */
    puts_("}, \"maxphyaddr\": ");
    put_dec(maxphyaddr);
    puts_(", \"maxphyaddr_enumerated\": ");
    puts_(have_80000008 ? "true" : "false");
    puts_(", \"linear_address_width\": ");
    put_dec(linear);

    /* In index order, so that each existence condition only looks at MSRs already read. */
    enum { N = sizeof probe_msrs / sizeof probe_msrs[0] };
    uint64_t v[N];
    int state[N];   /* 0 not read, 1 read, 2 #GP */
    for (unsigned i = 0; i < N; i++) {
        v[i] = 0;
        state[i] = 0;
        if (!probe_exists(probe_msrs[i].index, (ecx1 >> 5) & 1, v)) continue;
        state[i] = safe_rdmsr(probe_msrs[i].index, &v[i]) == 0 ? 1 : 2;
        if (state[i] == 2) v[i] = 0;
    }
    puts_(", \"msrs\": {");
    int first = 1;
    for (unsigned i = 0; i < N; i++) {
        if (!state[i]) continue;
        puts_(first ? "\"" : ", \"");
        first = 0;
        puts_(probe_msrs[i].name);
        if (state[i] == 1) {
            puts_("\": \"");
            put_hex(v[i]);
            puts_("\"");
        } else {
            puts_("\": null");
        }
    }
    puts_("}, \"not_read\": [");
    first = 1;
    for (unsigned i = 0; i < N; i++) {
        if (state[i]) continue;
        puts_(first ? "\"" : ", \"");
        first = 0;
        puts_(probe_msrs[i].name);
        puts_("\"");
    }
    puts_("]}\n{\"done\": 0}\n");
    shutdown();
}
