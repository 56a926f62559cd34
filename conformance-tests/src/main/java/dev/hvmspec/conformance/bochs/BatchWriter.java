package dev.hvmspec.conformance.bochs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Converts msr-access, cr-access, vmx-instruction, ept-walk and descriptor-table vectors to the runner's binary batch
 * format, version 5
 * (runner/README.md, runner/src/batch.h):
 * up to {@link #IMAGES} images of at most {@link #IMAGE_SIZE} bytes, each a 64-byte header and 512-byte records.
 */
public final class BatchWriter {

    public static final int MAGIC = 0x424d5648; // "HVMB"
    public static final int VERSION = 5;
    public static final int HEADER_SIZE = 64;
    public static final int RECORD_SIZE = 512;
    public static final int ID_SIZE = 96;
    public static final int MAX_BITMAP_ENTRIES = 96;
    /** One Bochs memory block: the largest optramimage Bochs 2.7 loads intact. */
    public static final int IMAGE_SIZE = 0x20000;
    public static final int IMAGES = 3;
    public static final int RECORDS_PER_IMAGE = (IMAGE_SIZE - HEADER_SIZE) / RECORD_SIZE;
    public static final int RECORDS_PER_BOOT = IMAGES * RECORDS_PER_IMAGE;
    /** Guest-physical address of image 0 (optramimage2); image k is at IMAGE_BASE + k * IMAGE_SIZE. */
    public static final long IMAGE_BASE = 0x140000L;

    static final int DOMAIN_MSR_ACCESS = 1;
    static final int DOMAIN_CR_ACCESS = 2;
    static final int DOMAIN_VMX_INSTRUCTION = 3;
    static final int DOMAIN_EPT_WALK = 4;
    static final int DOMAIN_DESCRIPTOR_TABLE = 5;
    /** descriptor-table instruction codes (runner/src/descriptor_table.h DT_*). */
    static final List<String> DT_INSTRUCTIONS = List.of("lgdt", "lidt", "lldt", "ltr", "sgdt", "sidt", "sldt", "str");
    /** Every descriptor-table input key the runner understands (docs/vectors.md 6.5); any other key is unsupported. */
    static final java.util.Set<String> DT_KNOWN_KEYS = java.util.Set.of("instruction", "mode", "cpl", "cr0", "cr4", "efer",
            "rflags", "vmx_procbased_ctls2", "descriptor_table_exiting", "operand", "register_operand", "operand_size");
    static final java.util.Set<String> DT_OPERAND_KEYS = java.util.Set.of("segment", "address_size", "base_valid", "base",
            "index_valid", "index", "scale", "displacement");
    /** The descriptor-table record's 64-bit fields from offset 144, in order. */
    static final List<String> DT_FIELDS = List.of("cr0", "cr4", "efer", "rflags", "vmx_procbased_ctls2");
    /** ept-walk access codes, in the order of the record's {@code access} field. */
    static final List<String> EW_ACCESSES = List.of("read", "write", "fetch");
    static final int EW_MAX_MEMORY = 16;
    /** vmx-instruction instruction codes (runner/src/batch.h VI_*). */
    static final List<String> VI_INSTRUCTIONS = List.of("vmxon", "vmxoff", "vmclear", "vmptrld", "vmptrst", "vmlaunch",
            "vmresume", "vmcall", "invept", "invvpid", "vmread", "vmwrite", "vmfunc");
    /**
     * Every vmx-instruction input key the runner understands. A vector with any other key (a new capability input,
     * say) is answered unsupported: its outcome may depend on state the runner does not set or check.
     */
    static final java.util.Set<String> VI_KNOWN_KEYS = java.util.Set.of("instruction", "mode", "cpl", "vmx_operation", "cr0",
            "cr4", "efer", "rflags", "a20m", "smx_operation", "dual_monitor_active", "ia32_feature_control", "vmx_basic",
            "vmx_procbased_ctls2", "cr0_fixed0", "cr0_fixed1", "cr4_fixed0", "cr4_fixed1", "maxphyaddr", "vmxon_pointer",
            "current_vmcs_pointer", "operand", "memory", "blocking_by_mov_ss", "launch_state", "vmx_ept_vpid_cap",
            "register_operand", "register_value", "vmx_misc", "field_value", "data_register", "data_value",
            "vmcs_shadowing", "vmcs_link_pointer", "vmread_bitmap_address", "vmwrite_bitmap_address",
            "vmx_pinbased_ctls", "vmx_procbased_ctls", "vmx_procbased_ctls3", "vmx_exit_ctls", "vmx_entry_ctls", "vmx_vmfunc",
            "eax", "ecx", "enable_vm_functions", "vm_function_controls", "eptp_list_address");
    static final java.util.Set<String> VI_OPERAND_KEYS = java.util.Set.of("segment", "address_size", "base_valid", "base",
            "index_valid", "index", "scale", "displacement", "offset", "segment_base", "segment_limit");
    /** vmx-instruction modes and VMX operations, in the order of the record's fields (runner/src/batch.h VI_MODE_*, VI_OP_*). */
    static final List<String> VI_MODES = List.of("real", "virtual-8086", "protected", "compatibility", "64-bit");
    static final List<String> VI_OPERATIONS = List.of("outside", "root", "non-root");
    /** The vmx-instruction record's 64-bit fields from offset 144 (after the operand's three), in order. */
    static final List<String> VI_FIELDS = List.of("cr0", "cr4", "efer", "rflags", "ia32_feature_control", "vmx_basic",
            "vmx_procbased_ctls2", "cr0_fixed0", "cr0_fixed1", "cr4_fixed0", "cr4_fixed1", "vmxon_pointer",
            "current_vmcs_pointer", "vmx_ept_vpid_cap", "register_value");
    static final int VI_MAX_MEMORY = 9;
    /** The version-4 64-bit fields from offset 288, in order. */
    static final List<String> VI_FIELDS_V4 = List.of("vmx_misc", "field_value", "data_value", "vmcs_link_pointer",
            "vmread_bitmap_address", "vmwrite_bitmap_address");
    /** The runner's free RAM for vmx-instruction memory (runner/src/vmx_instruction.h VI_RAM_LOW/HIGH). */
    static final long VI_RAM_LOW = 0x1a0000L, VI_RAM_HIGH = 0x80000000L;
    /** cr-access instruction codes, in the order of the record's {@code instruction} field. */
    static final List<String> CR_INSTRUCTIONS =
            List.of("mov-to-cr0", "mov-to-cr4", "mov-from-cr0", "mov-from-cr4", "clts", "lmsw");
    /** cr-access modes, in the order of the record's {@code mode} field. */
    static final List<String> CR_MODES = List.of("real", "protected", "compatibility", "64-bit");
    /** The cr-access record's 64-bit fields from offset 128, in order. */
    static final List<String> CR_FIELDS = List.of("source", "cr0", "cr3", "cr4", "efer", "cr0_guest_host_mask",
            "cr0_read_shadow", "cr4_guest_host_mask", "cr4_read_shadow", "cr0_fixed0", "cr0_fixed1", "cr4_fixed0",
            "cr4_fixed1");

    private BatchWriter() {}

    /**
     * Why the runner cannot run this vector faithfully, or empty when it can. Inputs that break the domain's
     * schema are left to the kernel's own checks and come back as errors.
     */
    public static Optional<String> unsupportedReason(Vector v) {
        byte[] id = v.id().getBytes(StandardCharsets.UTF_8);
        if (id.length >= ID_SIZE) return Optional.of("the vector id is longer than the runner's " + (ID_SIZE - 1) + " bytes");
        for (byte b : id) {
            if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
                return Optional.of("the vector id has a character the runner does not echo verbatim");
            }
        }
        if (v.domain().equals("vmx-instruction")) {
            Optional<String> r = viUnsupported(v.input());
            if (r.isPresent()) return r;
        }
        if (v.domain().equals("ept-walk")) {
            Optional<String> r = ewUnsupported(v.input());
            if (r.isPresent()) return r;
        }
        if (v.domain().equals("descriptor-table")) {
            Optional<String> r = dtUnsupported(v.input());
            if (r.isPresent()) return r;
        }
        if (v.domain().equals("msr-access") && nonZeroBitmapBytes(v.input()).size() > MAX_BITMAP_ENTRIES) {
            return Optional.of("the MSR bitmap has more than " + MAX_BITMAP_ENTRIES + " non-zero bytes (runner batch limit)");
        }
        return Optional.empty();
    }

    /**
     * Test-only fault injection (header fields {@code fault_kind}, {@code fault_record}; runner/src/batch.h
     * BATCH_FAULT_*, runner/README.md "Fault injection"): what the kernel does instead of running one record. Only
     * tests set it ({@link BochsImplementation#injectFault}); real batches carry 0.
     */
    enum Fault {
        /** Root mode: IDT limit 0, then UD2; #UD, #GP, #DF, shutdown. */
        TRIPLE_FAULT(1),
        /** Root mode: UD2, an unexpected root-mode exception (the kernel's fatal line and shutdown). */
        ROOT_EXCEPTION(2),
        /** An msr-access record whose guest loops forever: the VMX-preemption-timer watchdog's (or the host's) case. */
        GUEST_HANG(3);

        final int code;

        Fault(int code) {
            this.code = code;
        }
    }

    /** One image holding {@code vectors} (at most {@link #RECORDS_PER_IMAGE}), the first being vector {@code firstIndex}. */
    public static byte[] image(List<Vector> vectors, int firstIndex) {
        return image(vectors, firstIndex, null, 0);
    }

    /** The same with a test-only {@code fault} (null for none) at record {@code faultRecord} of the image. */
    static byte[] image(List<Vector> vectors, int firstIndex, Fault fault, int faultRecord) {
        if (vectors.size() > RECORDS_PER_IMAGE) throw new IllegalArgumentException("too many records for one image");
        if (fault != null && (faultRecord < 0 || faultRecord >= vectors.size())) {
            throw new IllegalArgumentException("fault record " + faultRecord + " is not in the image");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + vectors.size() * RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putInt(vectors.size()).putInt(RECORD_SIZE).putInt(firstIndex);
        b.putInt(fault == null ? 0 : fault.code).putInt(fault == null ? 0 : faultRecord);
        b.position(HEADER_SIZE);
        for (Vector v : vectors) {
            int start = b.position();
            ObjectNode in = v.input();
            byte[] id = v.id().getBytes(StandardCharsets.UTF_8);
            b.put(id, 0, Math.min(id.length, ID_SIZE - 1));
            b.position(start + ID_SIZE);
            if (v.domain().equals("vmx-instruction")) {
                putViRecord(b, start, in);
                b.position(start + RECORD_SIZE);
                continue;
            }
            if (v.domain().equals("ept-walk")) {
                putEwRecord(b, start, in);
                b.position(start + RECORD_SIZE);
                continue;
            }
            if (v.domain().equals("descriptor-table")) {
                putDtRecord(b, start, in);
                b.position(start + RECORD_SIZE);
                continue;
            }
            if (v.domain().equals("cr-access")) {
                putCrRecord(b, start, in);
                b.position(start + RECORD_SIZE);
                continue;
            }
            String insn = in.path("instruction").asText();
            b.putInt(DOMAIN_MSR_ACCESS);
            b.putInt(insn.equals("rdmsr") ? 0 : insn.equals("wrmsr") ? 1 : 0xff);
            b.putInt((int) hex(in.path("ecx")));
            b.putInt(in.path("cpl").isInt() ? in.path("cpl").asInt() : 0xff);
            b.putInt(in.path("use_msr_bitmaps").asBoolean() ? 1 : 0);
            Map<Integer, Integer> bitmap = nonZeroBitmapBytes(in);
            b.putInt(bitmap.size());
            b.position(start + 128);
            for (Map.Entry<Integer, Integer> e : bitmap.entrySet()) {
                b.putShort((short) e.getKey().intValue()).put((byte) e.getValue().intValue()).put((byte) 0);
            }
            b.position(start + RECORD_SIZE);
        }
        return b.array();
    }

    /** A cr-access record after the id (runner/src/batch.h, struct batch_cr_record). */
    private static void putCrRecord(ByteBuffer b, int start, ObjectNode in) {
        b.putInt(DOMAIN_CR_ACCESS);
        b.putInt(CR_INSTRUCTIONS.indexOf(in.path("instruction").asText()) & 0xff);
        b.putInt(in.path("gpr").isInt() ? in.path("gpr").asInt() : 0);
        b.putInt(CR_MODES.indexOf(in.path("mode").asText()) & 0xff);
        b.putInt(in.path("cpl").isInt() ? in.path("cpl").asInt() : 0xff);
        b.putInt((in.path("lmsw_memory_operand").asBoolean(false) ? 1 : 0)
                | (in.path("unrestricted_guest").asBoolean(false) ? 2 : 0));
        b.position(start + 128);
        for (String f : CR_FIELDS) b.putLong(in.has(f) ? hex(in.path(f)) : 0);
    }

    static boolean canonical(long a) {
        return (a << 16 >> 16) == a;
    }

    /** Host-side reasons a vmx-instruction vector cannot run on the runner (states it cannot create). */
    static Optional<String> viUnsupported(ObjectNode in) {
        String insn = in.path("instruction").asText();
        if (!VI_INSTRUCTIONS.contains(insn)) return Optional.of("the runner does not execute " + insn);
        if (in.has("vmx_vmfunc") && (hex(in.path("vmx_vmfunc")) & ~1L) != 0) {
            return Optional.of("IA32_VMX_VMFUNC bits other than EPTP switching: the runner compares bit 0 only");
        }
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!VI_KNOWN_KEYS.contains(k)) return Optional.of("input " + k + " is not understood by the runner");
        }
        JsonNode operand = in.path("operand");
        if (operand.isObject()) {
            for (Iterator<String> it = operand.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!VI_OPERAND_KEYS.contains(k)) return Optional.of("operand." + k + " is not understood by the runner");
            }
        }
        String op = in.path("vmx_operation").asText();
        if (!VI_OPERATIONS.contains(op)) return Optional.of("vmx_operation " + op + " is not understood by the runner");
        String mode = in.path("mode").asText();
        if (!VI_MODES.contains(mode)) return Optional.of("mode " + mode + " is not understood by the runner");
        if (in.path("a20m").asBoolean() || in.path("smx_operation").asBoolean() || in.path("dual_monitor_active").asBoolean()) {
            return Optional.of("A20M, SMX operation or the dual-monitor treatment: not available on the runner");
        }
        if (in.has("launch_state") && !in.path("launch_state").asText().matches("clear|launched")) {
            return Optional.of("launch_state " + in.path("launch_state") + " is not understood by the runner");
        }
        JsonNode mem = in.path("memory");
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = mem.fields(); it.hasNext(); ) {
            long a = hex(it.next().getKey());
            n++;
            if (canonical(a) && (Long.compareUnsigned(a, VI_RAM_LOW) < 0 || Long.compareUnsigned(a + 8, VI_RAM_HIGH) > 0)) {
                return Optional.of("memory outside the runner's free RAM (0x1a0000-0x80000000)");
            }
        }
        if (n > VI_MAX_MEMORY) return Optional.of("more than " + VI_MAX_MEMORY + " memory words (runner batch limit)");
        if (!op.equals("outside")) {
            for (String f : List.of("vmxon_pointer", "current_vmcs_pointer")) {
                long a = hex(in.path(f));
                if (f.startsWith("current") && a == -1L) continue;
                if (Long.compareUnsigned(a, VI_RAM_LOW) < 0 || Long.compareUnsigned(a + 4096, VI_RAM_HIGH) > 0) {
                    return Optional.of("VMXON region or current VMCS outside the runner's free RAM (0x1a0000-0x80000000)");
                }
            }
        }
        return Optional.empty();
    }

    /** A vmx-instruction record after the id (runner/src/batch.h, struct batch_vi_record, version 4). */
    private static void putViRecord(ByteBuffer b, int start, ObjectNode in) {
        JsonNode o = in.path("operand");
        boolean op = o.isObject();
        b.putInt(DOMAIN_VMX_INSTRUCTION);
        b.putInt(VI_INSTRUCTIONS.indexOf(in.path("instruction").asText()) & 0xff);
        b.putInt((op ? 1 : 0) | (o.path("base_valid").asBoolean(false) ? 2 : 0) | (o.path("index_valid").asBoolean(false) ? 4 : 0)
                | (in.path("blocking_by_mov_ss").asBoolean(false) ? 8 : 0)
                | (in.path("launch_state").asText("clear").equals("launched") ? 16 : 0)
                | (in.has("data_register") ? 32 : 0)
                | (in.path("vmcs_shadowing").asBoolean(false) ? 64 : 0)
                | (in.has("vmx_misc") ? 128 : 0)
                | (in.has("vmx_ept_vpid_cap") ? 256 : 0)
                | (in.has("vmx_pinbased_ctls") ? 512 : 0)
                | (in.has("vmx_vmfunc") && (hex(in.path("vmx_vmfunc")) & 1) != 0 ? 1024 : 0)
                | (in.path("enable_vm_functions").asBoolean(false) ? 2048 : 0));
        b.putInt(in.path("register_operand").asInt(0));
        b.putInt(in.path("maxphyaddr").asInt(0));
        b.putInt(o.path("segment").asInt(0));
        b.putInt(o.path("address_size").asInt(0));
        b.putInt(o.path("base").asInt(0));
        b.putInt(o.path("index").asInt(0));
        b.putInt(o.path("scale").asInt(0));
        int n = in.path("memory").size();
        b.putInt(Math.min(n, VI_MAX_MEMORY));
        b.put((byte) VI_MODES.indexOf(in.path("mode").asText()));
        b.put((byte) in.path("cpl").asInt(0xff));
        b.put((byte) VI_OPERATIONS.indexOf(in.path("vmx_operation").asText()));
        b.put((byte) in.path("data_register").asInt(0));
        b.position(start + 144);
        if (in.path("instruction").asText().equals("vmfunc")) {
            // VMFUNC has no operand: its inputs take the operand's three words (runner/README.md "vmx-instruction").
            b.putLong(in.has("eptp_list_address") ? hex(in.path("eptp_list_address")) : 0)
                    .putLong(in.has("vm_function_controls") ? hex(in.path("vm_function_controls")) : 0)
                    .putLong((hex(in.path("eax")) & 0xffffffffL) | (hex(in.path("ecx")) << 32));
        } else {
            b.putLong(op ? hex(o.path("displacement")) : 0).putLong(op ? hex(o.path("offset")) : 0)
                    .putLong(op ? hex(o.path("segment_base")) : 0);
        }
        for (String f : VI_FIELDS) b.putLong(in.has(f) ? hex(in.path(f)) : 0);
        for (String f : VI_FIELDS_V4) b.putLong(in.has(f) ? hex(in.path(f)) : 0);
        b.putInt(op ? (int) hex(o.path("segment_limit")) : 0);
        b.position(start + 344);
        int k = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = in.path("memory").fields(); it.hasNext() && k < VI_MAX_MEMORY; k++) {
            Map.Entry<String, JsonNode> e = it.next();
            b.putLong(hex(e.getKey())).putLong(hex(e.getValue()));
        }
        // The capabilities that decide which VMCS fields exist: only their allowed-1 halves matter (Appendix B).
        b.position(start + 488);
        for (String f : List.of("vmx_pinbased_ctls", "vmx_procbased_ctls", "vmx_exit_ctls", "vmx_entry_ctls")) {
            b.putInt(in.has(f) ? (int) (hex(in.path(f)) >>> 32) : 0);
        }
        b.putLong(in.has("vmx_procbased_ctls3") ? hex(in.path("vmx_procbased_ctls3")) : 0);
    }

    /**
     * Host-side reasons an ept-walk vector cannot be realized by the runner's guest, whatever the processor: the runner
     * makes the access with a one-byte load, store or jump of a CPL-0 64-bit guest, with the processor's read (or
     * accessed-flag write) of one of that guest's PTEs, with the stack reads of an IRET that unblocks NMIs, or with the
     * PDPTE load of a MOV to CR3 in a 32-bit PAE guest (runner/README.md "ept-walk"). The processor-dependent reasons (capabilities, MAXPHYADDR, relocation, and whether
     * a guest A/D update can follow its read) are the kernel's.
     */
    static Optional<String> ewUnsupported(ObjectNode in) {
        boolean gps = in.path("guest_paging_structure").asBoolean();
        boolean iret = in.path("nmi_unblocking_iret").asBoolean();
        String access = in.path("access").asText();
        if (in.path("mode_based_execute").asBoolean()) {
            return Optional.of("mode-based execute control for EPT is not realized by the runner (no Bochs 2.7 model offers it)");
        }
        if (in.path("memory").size() > EW_MAX_MEMORY) {
            return Optional.of("more than " + EW_MAX_MEMORY + " memory words (runner batch limit)");
        }
        if (!in.path("linear_address_valid").asBoolean()) {
            if (!gps) {
                // SDM Vol. 3C 28.2.1 Table 28-7 bit 7: the only final accesses without a guest linear address are
                // trace-address pre-translations of Intel PT output (26.5.4), which need Intel PT with "Intel PT uses
                // guest physical addresses"; no Bochs 2.7 model has Intel PT, and the runner's guest has no other such access.
                return Optional.of("an access without a guest linear address that is not a guest paging-structure access is an Intel PT trace-address pre-translation (SDM 28.2.1 Table 28-7 bit 7): the runner does not realize Intel PT output (no Bochs 2.7 model has Intel PT)");
            }
            // SDM Vol. 3C 28.2.1 Table 28-7 bit 7, Vol. 3A 5.4.1: the guest paging-structure access without a linear
            // address is the load of the four PAE PDPTEs by MOV to CR (the runner: MOV to CR3), a read; no IRET makes it.
            if (iret) {
                // An IRET loads CR3 (and so PDPTEs) only as a task return (EFLAGS.NT = 1), and a task switch always
                // causes a VM exit in VMX non-root operation (SDM Vol. 3C 26.1.2) before it loads anything.
                return Optional.of("a PDPTE load during an IRET would be a task return (EFLAGS.NT = 1), and a task switch in VMX non-root operation always exits before it loads CR3 (SDM 26.1.2)");
            }
            if (!access.equals("read")) {
                return Optional.of("a PDPTE load is a read (SDM Vol. 3A 5.4.1: the PDPTE registers are loaded, no accessed flag is written)");
            }
        }
        if (gps && access.equals("fetch")) {
            // spec/ept-walk.hvm precondition: a guest paging-structure access is a read or a write (A/D update).
            return Optional.of("a guest paging-structure access is a read or a write, never an instruction fetch");
        }
        if (!gps && !in.path("linear").isObject()) {
            return Optional.of("a final access with a guest linear address without its `linear` details (the spec's precondition)");
        }
        if (iret && !gps && access.equals("fetch")) {
            // SDM Vol. 3C 28.2.3 and Table 28-7 bit 12: "a memory access as part of execution of the IRET instruction".
            // IRET's own bytes are fetched before it executes (NMIs still blocked, not unblocked by it), and the fetch at
            // its return address is part of the next instruction, after IRET has unblocked NMIs.
            return Optional.of("an instruction fetch is not part of an IRET's execution: its own bytes are fetched before it executes, the return address's by the next instruction (SDM 28.2.3), so no fetch can be made during an IRET that unblocks NMIs");
        }
        if (access.equals("fetch") && in.path("linear").path("execute_disable").asBoolean()) {
            // SDM Vol. 3A 5.6: with IA32_EFER.NXE = 1 a fetch from an execute-disable translation is a #PF, found by
            // guest paging before the final access reaches EPT; with NXE = 0 the XD bit is reserved (#PF as well).
            return Optional.of("a fetch through an execute-disable guest translation faults in guest paging (#PF) before EPT is consulted");
        }
        return Optional.empty();
    }

    /** An ept-walk record after the id (runner/src/batch.h, struct batch_ept_record). */
    private static void putEwRecord(ByteBuffer b, int start, ObjectNode in) {
        JsonNode lin = in.path("linear");
        b.putInt(DOMAIN_EPT_WALK);
        b.putInt(EW_ACCESSES.indexOf(in.path("access").asText()) & 0xff);
        b.putInt((in.path("guest_paging_structure").asBoolean() ? 1 : 0)
                | (in.path("linear_address_valid").asBoolean() ? 2 : 0)
                | (lin.isObject() ? 4 : 0)
                | (lin.path("user").asBoolean(false) ? 8 : 0)
                | (lin.path("writable").asBoolean(false) ? 16 : 0)
                | (lin.path("execute_disable").asBoolean(false) ? 32 : 0)
                | (in.path("mode_based_execute").asBoolean() ? 64 : 0)
                | (in.path("nmi_unblocking_iret").asBoolean() ? 128 : 0));
        b.putInt(in.path("maxphyaddr").asInt(0));
        b.putInt(Math.min(in.path("memory").size(), EW_MAX_MEMORY));
        b.position(start + 128);
        b.putLong(hex(in.path("eptp"))).putLong(hex(in.path("gpa"))).putLong(hex(in.path("ept_vpid_cap")));
        b.position(start + 160);
        int k = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = in.path("memory").fields(); it.hasNext() && k < EW_MAX_MEMORY; k++) {
            Map.Entry<String, JsonNode> e = it.next();
            b.putLong(hex(e.getKey())).putLong(hex(e.getValue()));
        }
    }

    /**
     * Host-side reasons a descriptor-table vector cannot run on the runner, whatever the processor: inputs it does not
     * know and the register forms of LGDT/LIDT/SGDT/SIDT (docs/open-questions.md
     * 22.3: every ModRM.mod = 3 encoding of 0F 01 /0-/3 is another instruction or an undefined opcode). The
     * processor-dependent reasons (capabilities, CR0/CR4/EFER, operand placement) are the kernel's.
     */
    static Optional<String> dtUnsupported(ObjectNode in) {
        String insn = in.path("instruction").asText();
        if (!DT_INSTRUCTIONS.contains(insn)) return Optional.of("the runner does not execute " + insn);
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!DT_KNOWN_KEYS.contains(k)) return Optional.of("input " + k + " is not understood by the runner");
        }
        JsonNode operand = in.path("operand");
        if (operand.isObject()) {
            for (Iterator<String> it = operand.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!DT_OPERAND_KEYS.contains(k)) return Optional.of("operand." + k + " is not understood by the runner");
            }
        }
        String mode = in.path("mode").asText();
        if (!VI_MODES.contains(mode)) return Optional.of("mode " + mode + " is not understood by the runner");
        if (!operand.isObject() && List.of("lgdt", "lidt", "sgdt", "sidt").contains(insn)) {
            return Optional.of("LGDT/LIDT/SGDT/SIDT with a register operand: every ModRM.mod = 3 encoding of 0F 01 /0-/3 is "
                    + "another instruction or an undefined opcode, none is this instruction's (docs/open-questions.md 22.3)");
        }
        return Optional.empty();
    }

    /** A descriptor-table record after the id (runner/src/batch.h, struct batch_dt_record). */
    private static void putDtRecord(ByteBuffer b, int start, ObjectNode in) {
        JsonNode o = in.path("operand");
        boolean op = o.isObject();
        b.putInt(DOMAIN_DESCRIPTOR_TABLE);
        b.putInt(DT_INSTRUCTIONS.indexOf(in.path("instruction").asText()) & 0xff);
        b.putInt((op ? 1 : 0) | (o.path("base_valid").asBoolean(false) ? 2 : 0) | (o.path("index_valid").asBoolean(false) ? 4 : 0)
                | (in.has("register_operand") ? 8 : 0)
                | (in.path("descriptor_table_exiting").asBoolean(false) ? 16 : 0)
                | (in.has("operand_size") ? 32 : 0));
        b.putInt(in.path("register_operand").asInt(0));
        b.putInt(o.path("segment").asInt(0));
        b.putInt(o.path("address_size").asInt(0));
        b.putInt(o.path("base").asInt(0));
        b.putInt(o.path("index").asInt(0));
        b.putInt(o.path("scale").asInt(0));
        b.put((byte) VI_MODES.indexOf(in.path("mode").asText()));
        b.put((byte) in.path("cpl").asInt(0xff));
        b.put((byte) in.path("operand_size").asInt(0));
        b.position(start + 136);
        b.putLong(op ? hex(o.path("displacement")) : 0);
        for (String f : DT_FIELDS) b.putLong(hex(in.path(f)));
    }

    /** The bitmap's non-zero bytes by offset (offsets outside 0..0xfff are kept, so that the kernel reports them). */
    static Map<Integer, Integer> nonZeroBitmapBytes(ObjectNode input) {
        Map<Integer, Integer> bytes = new TreeMap<>();
        JsonNode bitmap = input.path("msr_bitmap");
        for (Iterator<Map.Entry<String, JsonNode>> it = bitmap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long offset = hex(e.getKey());
            long value = hex(e.getValue());
            if ((value & 0xff) != 0) bytes.put((int) Math.min(offset, 0xffff), (int) (value & 0xff));
        }
        return bytes;
    }

    private static long hex(JsonNode n) {
        return hex(n.asText());
    }

    private static long hex(String s) {
        String t = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        try {
            return Long.parseUnsignedLong(t, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
