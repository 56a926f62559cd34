package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.CaseContext;
import dev.hvmspec.generator.vectors.DomainCases;
import dev.hvmspec.generator.vectors.Input;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Cases for VMXON, VMXOFF, VMCLEAR, VMPTRLD and VMPTRST (spec/vmx-instruction.hvm): every mode x CPL x VMX operation,
 * register operands, CR4.VMXE, every IA32_FEATURE_CONTROL combination in and outside SMX operation, A20M, every fixed
 * CR0/CR4 bit of every capability profile, pointer alignment bits 0..11, the first bit beyond MAXPHYADDR for 32, 36,
 * 39, 46 and 52, bit 32 with IA32_VMX_BASIC[48], revision identifiers (bits 0..30, bit 31 with and without VMCS
 * shadowing), the VMXON pointer, the current VMCS, VMfailValid/VMfailInvalid, segment limits and canonical boundaries
 * (48- and 57-bit) for every segment, the instruction-information encoding of every operand form, unaligned VMPTRST
 * stores, and seeded random inputs. VMREAD/VMWRITE (appended last): the non-root exit conditions ("VMCS shadowing",
 * encoding bits 63:15, both bitmaps), exit information of both forms, the VMCS pointers, invalid encodings, read-only
 * fields against IA32_VMX_MISC bit 29, every supported field's width in both operand sizes, 4- and 8-byte operands.
 *
 * <p>The expected rule of each case comes from {@link #predict}, written from the SDM pseudocode independently of the
 * spec. Only inputs inside the spec's preconditions are made: registers agree with {@code mode}; CR4.VMXE = 1 in VMX
 * operation and CR0.PE = 1 in VMX root operation; operand bytes never wrap around 2^32 or 2^64 nor straddle the
 * canonical boundary; VMPTRST never stores into the VMXON region or the current VMCS region.
 */
public final class VmxInstructionCases implements DomainCases {

    static final String[] INSTRUCTIONS = {"vmxon", "vmxoff", "vmclear", "vmptrld", "vmptrst"};
    /** The instructions without operand added later: their cases come after all the others (stable vector IDs). */
    static final String[] NO_OPERAND = {"vmlaunch", "vmresume", "vmcall"};
    /** INVEPT and INVVPID (added later, cases after all others). */
    static final String[] INV = {"invept", "invvpid"};
    /** VMREAD and VMWRITE (added later still, cases after all others). */
    static final String[] VR = {"vmread", "vmwrite"};
    /** VMFUNC (added after VMREAD/VMWRITE, cases after all others). */
    static final String[] VF = {"vmfunc"};
    static final String[] MODES = {"real", "virtual-8086", "protected", "compatibility", "64-bit"};
    static final String[] OPS = {"outside", "root", "non-root"};
    static final String[] SEGS = {"ES", "CS", "SS", "DS", "FS", "GS"};
    static final int[] MAXPHYS = {32, 36, 39, 46, 52};
    static final long NONE = -1L;

    /** A capability profile: IA32_VMX_BASIC, IA32_VMX_PROCBASED_CTLS2 and the four fixed-bit MSRs. */
    record Profile(String name, long basic, long ctls2, long cr0f0, long cr0f1, long cr4f0, long cr4f1, boolean realistic) {}

    // Bochs 2.7 CPU models (/work/shared/reference/bochs-2.7-cpu-models-vmx-msrs.txt; CR0 fixed bits and CR4_FIXED0
    // as read on the haswell model, the same on every model).
    static final Profile PENRYN = new Profile("Bochs core2_penryn_t9600", 0xd810000000002bL, 0x4100000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x467ffL, true);
    static final Profile LYNNFIELD = new Profile("Bochs corei5_lynnfield_750", 0xd810000000002bL, 0x7f00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x67ffL, true);
    static final Profile SANDY = new Profile("Bochs corei7_sandy_bridge_2600k", 0xd810000000002bL, 0xff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x627ffL, true);
    static final Profile IVY = new Profile("Bochs corei7_ivy_bridge_3770k", 0xd810000000002bL, 0x8ff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x1727ffL, true);
    static final Profile HASWELL = new Profile("Bochs corei7_haswell_4770", 0xd810000000002bL, 0x47fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x1727ffL, true);
    static final Profile SKYLAKE = new Profile("Bochs corei7_skylake_x", 0xd810000000002bL, 0x2177fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, true);
    static final Profile CNL = new Profile("Bochs corei3_cnl", 0xd810000000002bL, 0x2157cff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x772fffL, true);
    static final Profile ICELAKE = new Profile("Bochs corei7_icelake_u", 0xd8100000000004L, 0x2977fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x772fffL, true);
    static final Profile TIGERLAKE = new Profile("Bochs tigerlake", 0x1d8100000000004L, 0x2977fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0xf72fffL, true);
    static final Profile GENERIC = new Profile("Bochs generic_vmx2", 0xd810000000002bL, 0x467ff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x227ffL, true);
    // Edge profiles (no known processor): 32-bit physical addresses only, extreme revision identifiers, extra fixed bits.
    static final Profile EDGE_32BIT = new Profile("edge: IA32_VMX_BASIC[48] = 1, revision 0x12", 0xdd1000000000012L, 0xff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x1727ffL, false);
    static final Profile EDGE_REV_MAX = new Profile("edge: revision 0x7fffffff, VMCS shadowing allowed", 0xd810007fffffffL, 0xffffffff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, false);
    static final Profile EDGE_REV_ZERO = new Profile("edge: revision 0, nothing in CTLS2", 0x00d8100000000000L, 0x0L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, false);
    static final Profile EDGE_FIXED = new Profile("edge: CR0 fixed MP/WP, CD/NW not allowed; CR4 fixed PAE, only VMXE/PAE/PSE/PGE allowed", 0xd810000000002bL, 0x47fff00000000L, 0x80010023L, 0x9fffffffL, 0x2020L, 0x20b0L, false);

    static final Profile EDGE_FIXED2 = new Profile("edge: CR0 fixed ET, AM not allowed; CR4 fixed PAE/PGE/OSFXSR", 0xd810000000002bL, 0x2177fff00000000L, 0x80000031L, 0xfffbffffL, 0x22a0L, 0x3727ffL, false);
    static final Profile EDGE_LA57 = new Profile("edge: Ice Lake with CR4.LA57 allowed", 0xd8100000000004L, 0x2977fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x773fffL, false);

    // Not in ALL (added after the other cases were made, so it does not change their random choices): VM functions
    // without "EPT-violation #VE", for the EPTP-index rule of EPTP switching.
    static final Profile EDGE_NO_VE = new Profile("edge: Haswell without EPT-violation #VE", 0xd810000000002bL, 0x47fff00000000L & ~(1L << 50), 0x80000021L, 0xffffffffL, 0x2000L, 0x1727ffL, false);

    // Bochs models read only for VMCS-field existence (not in ALL, so the earlier cases keep their random choices).
    static final Profile BROADWELL = new Profile("Bochs broadwell_ult", 0xd810000000002bL, 0x57fff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, true);
    static final Profile ARRANDALE = new Profile("Bochs corei5_arrandale_m520", 0xd810000000002bL, 0xff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x67ffL, true);
    // Edge profiles for VMCS-field existence: every optional VMX feature allowed, and none.
    static final Profile EDGE_ALL = new Profile("edge: every VMX feature allowed", 0xd810000000002bL, 0xffffffff00000000L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, false);
    static final Profile EDGE_MIN = new Profile("edge: no optional VMX feature, no secondary controls", 0xd810000000002bL, 0L, 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, false);

    static final Profile[] REALISTIC = {PENRYN, LYNNFIELD, SANDY, IVY, HASWELL, SKYLAKE, CNL, ICELAKE, TIGERLAKE, GENERIC};
    static final Profile[] ALL = {PENRYN, LYNNFIELD, SANDY, IVY, HASWELL, SKYLAKE, CNL, ICELAKE, TIGERLAKE, GENERIC,
        EDGE_32BIT, EDGE_REV_MAX, EDGE_REV_ZERO, EDGE_FIXED, EDGE_FIXED2, EDGE_LA57};

    /**
     * The capability MSRs that decide which VMCS fields exist (allowed-1 settings in bits 63:32 of the first four; the
     * tertiary controls and the VM functions have allowed-1 bits only). IA32_VMX_PROCBASED_CTLS2 is the profile's.
     */
    record Caps(long pin, long proc, long ctls3, long exit, long entry, long vmfunc) {
        Caps with(String msr, int b, boolean on) {
            long m = on ? 1L << b : 0;
            long k = ~(1L << b);
            return switch (msr) {
                case "PIN" -> new Caps(pin & k | m, proc, ctls3, exit, entry, vmfunc);
                case "PROC" -> new Caps(pin, proc & k | m, ctls3, exit, entry, vmfunc);
                case "PROC3" -> new Caps(pin, proc, ctls3 & k | m, exit, entry, vmfunc);
                case "EXIT" -> new Caps(pin, proc, ctls3, exit & k | m, entry, vmfunc);
                case "ENTRY" -> new Caps(pin, proc, ctls3, exit, entry & k | m, vmfunc);
                case "VMFUNC" -> new Caps(pin, proc, ctls3, exit, entry, vmfunc & k | m);
                default -> throw new IllegalArgumentException(msr);
            };
        }
    }

    // Read from Bochs 2.7 by the runner's probe mode (profiles/bochs-*.json): every model from Lynnfield to Tiger Lake
    // reports the same pin-based, primary processor-based, VM-exit and VM-entry capabilities, Ice Lake and Tiger Lake
    // add "monitor trap flag"... (proc bit 59), Tiger Lake "load CET state" on exit and entry; Penryn has no
    // VMX-preemption timer, no "save/load IA32_EFER" and no "load IA32_PAT".
    static final Caps BOCHS_CAPS = new Caps(0x7f00000016L, 0xf7f9fffe0401e172L, 0, 0x7fffff00036dffL, 0xffff000011ffL, 0);
    static final Caps PENRYN_CAPS = new Caps(0x3f00000016L, 0xf7f9fffe0401e172L, 0, 0x3ffff00036dffL, 0x3fff000011ffL, 0);
    static final Caps ICELAKE_CAPS = new Caps(0x7f00000016L, 0xfff9fffe0401e172L, 0, 0x7fffff00036dffL, 0xffff000011ffL, 1);
    static final Caps TIGERLAKE_CAPS = new Caps(0x7f00000016L, 0xfff9fffe0401e172L, 0, 0x107fffff00036dffL, 0x10ffff000011ffL, 1);
    static final Caps ALL_CAPS = new Caps(0xffffffff00000016L, 0xffffffff0401e172L, -1L, 0xffffffff00036dffL, 0xffffffff000011ffL, 1);
    static final Caps MIN_CAPS = new Caps(0x1600000016L, 0x0401e1720401e172L, 0, 0x36dff00036dffL, 0x11ff000011ffL, 0);

    /** The capability MSRs of a profile, null where they were not read (generic_vmx2). */
    Caps caps(Profile p) {
        if (p == platform) {
            return new Caps(pp.pinbased(), pp.procbased(), pp.procbased3(), pp.exit(), pp.entry(), pp.vmfunc());
        }
        if (p == PENRYN) return PENRYN_CAPS;
        if (p == ICELAKE || p == EDGE_LA57) return ICELAKE_CAPS;
        if (p == TIGERLAKE) return TIGERLAKE_CAPS;
        if (p == EDGE_ALL || p == EDGE_REV_MAX) return ALL_CAPS;
        if (p == EDGE_MIN) return MIN_CAPS;
        if (p == GENERIC) return null;
        // models with VM functions report EPTP switching in IA32_VMX_VMFUNC
        long vmfunc = bit(p.ctls2(), 45) ? 1 : 0;
        // EDGE_REV_ZERO allows no secondary control: its primary controls do not allow activating them
        long proc = p.ctls2() == 0 ? BOCHS_CAPS.proc() & ~(1L << 63) : BOCHS_CAPS.proc();
        return new Caps(BOCHS_CAPS.pin(), proc, 0, BOCHS_CAPS.exit(), BOCHS_CAPS.entry(), vmfunc);
    }

    private static boolean bit(long v, int b) {
        return ((v >>> b) & 1) != 0;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The memory operand as the vector gives it. */
    static final class Op {
        int seg = 3;
        int asz = 32;
        boolean baseValid = true;
        int base = 3;
        boolean indexValid;
        int index;
        int scale;
        long disp;
        long offset;
        long segBase;
        long limit = 0xffffffffL;

        Op copy() {
            Op o = new Op();
            o.seg = seg; o.asz = asz; o.baseValid = baseValid; o.base = base; o.indexValid = indexValid; o.index = index;
            o.scale = scale; o.disp = disp; o.offset = offset; o.segBase = segBase; o.limit = limit;
            return o;
        }
    }

    /** One input. */
    static final class S {
        String instr = "vmclear";
        String mode = "64-bit";
        int cpl;
        String op = "root";
        long cr0 = 0x80000031L;
        long cr4 = 0x2020L;
        long efer = 0xd00L;
        long rflags = 0x2L;
        boolean a20m;
        boolean smx;
        boolean dual;
        long fc = 0x5L;
        Profile p = HASWELL;
        int maxphy = 39;
        long vmxon = 0x7f000000L;
        long current = NONE;
        Op operand = new Op();
        /** VMLAUNCH/VMRESUME inputs: blocking by MOV SS and the launch state, null for an absent key. */
        Boolean movss;
        String launch;
        /** INVEPT/INVVPID inputs: IA32_VMX_EPT_VPID_CAP, the register operand and its value (null: absent). */
        Long eptCap;
        Integer reg2;
        Long regVal;
        /** The EPT capability was changed to a value of no known processor. */
        boolean edgeCap;
        /** VMREAD/VMWRITE inputs (null: absent): IA32_VMX_MISC, the field's value, Reg1 and its value (VMWRITE), and
         * in non-root operation "VMCS shadowing", the VMCS link pointer and the two bitmap addresses. */
        Long misc;
        Long fieldValue;
        Integer dataReg;
        Long dataVal;
        Boolean shadowing;
        Long link;
        Long rdBitmap;
        Long wrBitmap;
        /** VMREAD/VMWRITE: the capability MSRs that decide field existence (null: absent). */
        Caps caps;
        /** VMFUNC inputs (null: absent): EAX and ECX; in non-root operation "enable VM functions", the VM-function
         * controls and the EPTP-list address. */
        Long eax;
        Long ecx;
        Boolean vmfuncEnabled;
        Long vmfuncControls;
        Long eptpList;
        final Map<Long, Long> mem = new LinkedHashMap<>();

        S copy() {
            S s = new S();
            s.instr = instr; s.mode = mode; s.cpl = cpl; s.op = op; s.cr0 = cr0; s.cr4 = cr4; s.efer = efer; s.rflags = rflags;
            s.a20m = a20m; s.smx = smx; s.dual = dual; s.fc = fc; s.p = p; s.maxphy = maxphy; s.vmxon = vmxon;
            s.current = current; s.operand = operand == null ? null : operand.copy();
            s.movss = movss; s.launch = launch;
            s.eptCap = eptCap; s.reg2 = reg2; s.regVal = regVal; s.edgeCap = edgeCap;
            s.misc = misc; s.fieldValue = fieldValue; s.dataReg = dataReg; s.dataVal = dataVal; s.shadowing = shadowing;
            s.link = link; s.rdBitmap = rdBitmap; s.wrBitmap = wrBitmap;
            s.caps = caps;
            s.eax = eax; s.ecx = ecx; s.vmfuncEnabled = vmfuncEnabled; s.vmfuncControls = vmfuncControls; s.eptpList = eptpList;
            s.mem.putAll(mem);
            return s;
        }

        boolean is64() {
            return mode.equals("64-bit");
        }

        /** The linear address of the operand (independent of the spec: SDM Vol. 3A 3.2.4, 3.4). */
        long linear() {
            if (is64()) {
                long b = operand.seg == 4 || operand.seg == 5 ? operand.segBase : 0;
                return b + operand.offset;
            }
            return (operand.segBase + operand.offset) & 0xffffffffL;
        }

        /** Little-endian byte store into the sparse word memory. */
        void putByte(long addr, int v) {
            long w = addr & ~7L;
            int sh = (int) (addr & 7) * 8;
            long old = mem.getOrDefault(w, 0L);
            mem.put(w, (old & ~(0xffL << sh)) | ((long) (v & 0xff) << sh));
        }

        int getByte(long addr) {
            return (int) ((mem.getOrDefault(addr & ~7L, 0L) >>> ((int) (addr & 7) * 8)) & 0xff);
        }

        void putQword(long addr, long v) {
            for (int i = 0; i < 8; i++) putByte(addr + i, (int) (v >>> (8 * i)));
        }

        long getQword(long addr) {
            long v = 0;
            for (int i = 0; i < 8; i++) v |= (long) getByte(addr + i) << (8 * i);
            return v;
        }

        String describe() {
            StringBuilder b = new StringBuilder(instr + " in " + mode + " mode, CPL " + cpl + ", " + op
                    + (op.equals("outside") ? " VMX operation" : " operation"));
            if (instr.equals("vmfunc")) {
                // no operand (0F 01 D4); EAX and ECX are described below
            } else if (operand == null && noOperand(instr)) {
                if (current != NONE) b.append(", current VMCS ").append(hex(current));
                else b.append(", no current VMCS");
                if (movss != null) b.append(movss ? ", blocking by MOV SS" : ", no blocking by MOV SS");
                if (launch != null) b.append(", launch state ").append(launch);
            } else if (operand == null) {
                b.append(", register operand");
            } else if (!instr.equals("vmxoff")) {
                b.append(", operand ").append(SEGS[operand.seg]).append(":").append(hex(operand.offset)).append(" (")
                        .append(operand.asz).append("-bit address)");
            }
            if (instr.equals("vmfunc")) {
                b.append(", EAX ").append(hex(eax)).append(", ECX ").append(hex(ecx));
                if (vmfuncEnabled != null) {
                    b.append(vmfuncEnabled ? ", enable VM functions 1" : ", enable VM functions 0")
                            .append(", VM-function controls ").append(hex(vmfuncControls))
                            .append(", EPTP list ").append(hex(eptpList));
                    if (Long.compareUnsigned(ecx, 512) < 0) b.append(" (entry ").append(hex(getQword(eptpList + 8 * ecx))).append(")");
                    b.append(", IA32_VMX_EPT_VPID_CAP ").append(hex(eptCap));
                }
            } else if (isVr(instr)) {
                b.append(", encoding ").append(hex(regVal)).append(" in register ").append(reg2);
                if (operand == null) b.append(", data register ").append(dataReg);
                if (dataVal != null) b.append(" = ").append(hex(dataVal));
                if (operand != null && instr.equals("vmwrite")) b.append(", source ").append(hex(getQword(linear())));
                b.append(", field value ").append(hex(fieldValue));
                b.append(current != NONE ? ", current VMCS " + hex(current) : ", no current VMCS");
                if (shadowing != null) {
                    b.append(shadowing ? ", VMCS shadowing 1" : ", VMCS shadowing 0").append(", link pointer ").append(hex(link));
                }
                b.append(", IA32_VMX_MISC ").append(hex(misc));
            } else if (regVal != null) {
                b.append(", type ").append(hex(regVal)).append(" in register ").append(reg2);
                if (operand != null) {
                    b.append(", descriptor ").append(hex(getQword(linear()))).append(" ").append(hex(getQword(linear() + 8)));
                }
                b.append(", IA32_VMX_EPT_VPID_CAP ").append(hex(eptCap));
            }
            b.append(", ").append(p.name());
            return b.toString();
        }
    }


    static boolean isInv(String instr) {
        return instr.equals("invept") || instr.equals("invvpid");
    }

    static boolean isVr(String instr) {
        return instr.equals("vmread") || instr.equals("vmwrite");
    }

    static boolean noOperand(String instr) {
        return instr.equals("vmlaunch") || instr.equals("vmresume") || instr.equals("vmcall");
    }

    /** The rule the model must decide on and its side. */
    record Aim(String rule, boolean held) {}

    private static Aim no(String rule) {
        return new Aim(rule, false);
    }

    /** The memory-operand fault, if any (SDM 31.3 exception lists; Vol. 3A 3.2.4, 4.5, 5.3). */
    static Aim operandFault(S s, boolean store) {
        return operandFault(s, store, 7);
    }

    /** The same for an operand whose last byte is at offset + last. */
    static Aim operandFault(S s, boolean store, int last) {
        Op o = s.operand;
        if (s.is64()) {
            long la = s.linear();
            int width = bit(s.cr4, 12) ? 57 : 48;
            long top = la >> (width - 1); // arithmetic: all zeros or all ones when canonical
            if (top != 0 && top != -1L) return no("VMX_OPERAND_CANONICAL");
            return null;
        }
        if (store && o.seg == 1) return no("VMPTRST_WRITABLE_SEGMENT");
        if (o.offset + last > o.limit) return no("VMX_OPERAND_WITHIN_LIMIT");
        return null;
    }

    static boolean badAddress(S s, long addr) {
        return (addr & 0xfff) != 0 || (addr >>> s.maxphy) != 0 || bit(s.p.basic(), 48) && (addr >>> 32) != 0;
    }

    /** What the SDM pseudocode decides for an input: the check that ends it, or the last rule of its success path. */
    static Aim predict(S s) {
        boolean outside = s.op.equals("outside");
        boolean nonRoot = s.op.equals("non-root");
        switch (s.instr) {
            case "vmxon": {
                if (s.operand == null) return no("VMX_MEMORY_OPERAND");
                if (!bit(s.cr4, 13)) return no("VMXON_CR4_VMXE");
                Aim m = modeUd(s);
                if (m != null) return m;
                if (outside) {
                    if (s.cpl != 0) return no("VMXON_CPL_ZERO");
                    if (s.a20m) return no("VMXON_NOT_A20M");
                    if ((s.cr0 & s.p.cr0f0()) != s.p.cr0f0()) return no("VMXON_CR0_FIXED0");
                    if ((s.cr0 & ~s.p.cr0f1()) != 0) return no("VMXON_CR0_FIXED1");
                    if ((s.cr4 & s.p.cr4f0()) != s.p.cr4f0()) return no("VMXON_CR4_FIXED0");
                    if ((s.cr4 & ~s.p.cr4f1()) != 0) return no("VMXON_CR4_FIXED1");
                    if (!bit(s.fc, 0)) return no("VMXON_FEATURE_CONTROL_LOCKED");
                    if (s.smx && !bit(s.fc, 1)) return no("VMXON_ENABLED_IN_SMX");
                    if (!s.smx && !bit(s.fc, 2)) return no("VMXON_ENABLED_OUTSIDE_SMX");
                    Aim f = operandFault(s, false);
                    if (f != null) return f;
                    long addr = s.getQword(s.linear());
                    if ((addr & 0xfff) != 0) return no("VMXON_POINTER_ALIGNED");
                    if ((addr >>> s.maxphy) != 0) return no("VMXON_POINTER_WITHIN_MAXPHYADDR");
                    if (bit(s.p.basic(), 48) && (addr >>> 32) != 0) return no("VMXON_POINTER_32BIT_LIMIT");
                    long rev = s.mem.getOrDefault(addr, 0L) & 0xffffffffL;
                    if ((rev & 0x7fffffffL) != (s.p.basic() & 0x7fffffffL)) return no("VMXON_REVISION_ID");
                    if (bit(rev, 31)) return no("VMXON_REVISION_BIT31_CLEAR");
                    return new Aim("VMXON_REVISION_BIT31_CLEAR", true);
                }
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                return new Aim("VMX_VMFAIL_VALID", s.current != NONE);
            }
            case "vmlaunch":
            case "vmresume": {
                // SDM 31.3 VMLAUNCH/VMRESUME Operation, up to "Check settings of VMX controls and host-state area".
                if (outside) return no("VMX_IN_VMX_OPERATION");
                Aim m = modeUd(s);
                if (m != null) return m;
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                if (s.current == NONE) return no("VMLAUNCH_VMRESUME_CURRENT_VMCS");
                if (Boolean.TRUE.equals(s.movss)) return no("VMLAUNCH_VMRESUME_NOT_BLOCKED_BY_MOV_SS");
                String state = s.launch == null ? "clear" : s.launch;
                if (s.instr.equals("vmlaunch")) return new Aim("VMLAUNCH_CLEAR_VMCS", state.equals("clear"));
                return new Aim("VMRESUME_LAUNCHED_VMCS", state.equals("launched"));
            }
            case "vmcall": {
                // SDM 31.3 VMCALL Operation: the VM exit comes before the RFLAGS.VM / compatibility-mode #UD; no CR0.PE term.
                if (outside) return no("VMX_IN_VMX_OPERATION");
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.mode.equals("virtual-8086")) return no("VMX_NOT_VIRTUAL_8086");
                if (s.mode.equals("compatibility")) return no("VMX_NOT_COMPATIBILITY_MODE");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                return new Aim("VMX_VMFAIL_VALID", s.current != NONE);
            }
            case "invept":
            case "invvpid": {
                // SDM 31.3 INVEPT/INVVPID: the #UD list (support), the Operation pseudocode, 27.2.1.1 for the EPTP.
                boolean ept = s.instr.equals("invept");
                long cap = s.eptCap;
                if (ept) {
                    if (!bit(s.p.ctls2(), 33)) return no("INVEPT_EPT_SUPPORTED");
                    if (!bit(cap, 20)) return no("INVEPT_SUPPORTED");
                } else {
                    if (!bit(s.p.ctls2(), 37)) return no("INVVPID_VPID_SUPPORTED");
                    if (!bit(cap, 32)) return no("INVVPID_SUPPORTED");
                }
                if (outside) return no("VMX_IN_VMX_OPERATION");
                Aim m = modeUd(s);
                if (m != null) return m;
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                long t = s.regVal;
                boolean typeOk = ept ? t == 1 && bit(cap, 25) || t == 2 && bit(cap, 26)
                        : Long.compareUnsigned(t, 3) <= 0 && bit(cap, 40 + (int) t);
                if (!typeOk) return no(ept ? "INVEPT_TYPE_SUPPORTED" : "INVVPID_TYPE_SUPPORTED");
                Aim f = operandFault(s, false, 15);
                if (f != null) return f;
                long lo = s.getQword(s.linear());
                long hi = s.getQword(s.linear() + 8);
                if (ept) {
                    if (t == 2) return no("INVEPT_SINGLE_CONTEXT");
                    Aim f2 = eptpFault(lo, cap, s.maxphy);
                    return f2 != null ? f2 : new Aim("EPTP_WITHIN_MAXPHYADDR", true);
                }
                if ((lo >>> 16) != 0) return no("INVVPID_DESCRIPTOR_RESERVED");
                if (t == 2) return no("INVVPID_NAMES_VPID");
                if ((lo & 0xffff) == 0) return no("INVVPID_VPID_NONZERO");
                if (t != 0) return no("INVVPID_INDIVIDUAL_ADDRESS");
                return new Aim("INVVPID_ADDRESS_CANONICAL", canonical(hi, bit(s.cr4, 12) ? 57 : 48));
            }
            case "vmread":
            case "vmwrite": {
                // SDM 31.3 VMREAD/VMWRITE Operation, 26.1.3 (the exit conditions with VMCS shadowing), 25.11.2 (encodings).
                boolean w = s.instr.equals("vmwrite");
                if (outside) return no("VMX_IN_VMX_OPERATION");
                Aim m = modeUd(s);
                if (m != null) return m;
                long enc = s.regVal;
                if (nonRoot) {
                    if (!s.shadowing) return no("VMREAD_VMWRITE_SHADOWING_ENABLED");
                    if ((enc >>> 15) != 0) return no("VMREAD_VMWRITE_ENCODING_BELOW_BIT15");
                    long bm = w ? s.wrBitmap : s.rdBitmap;
                    int n = (int) (enc & 0x7fff);
                    if (((s.getByte(bm + (n >> 3)) >> (n & 7)) & 1) != 0) return no("VMREAD_VMWRITE_BITMAP_BIT_CLEAR");
                }
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                long target = nonRoot ? s.link : s.current;
                if (target == NONE) return no("VMREAD_VMWRITE_VMCS_VALID");
                int last = s.is64() ? 7 : 3;
                if (w && s.operand != null) {
                    Aim f = operandFault(s, false, last);
                    if (f != null) return f;
                }
                if ((enc >>> 32) != 0) return no("VMREAD_VMWRITE_ENCODING_UPPER_CLEAR");
                if ((enc & 0xffff8000L) != 0 || bit(enc, 12)) return no("VMREAD_VMWRITE_ENCODING_RESERVED_CLEAR");
                int width = (int) ((enc >>> 13) & 3);
                if (bit(enc, 0) && width != 1) return no("VMREAD_VMWRITE_HIGH_ACCESS_64BIT");
                if (!fieldExists(enc, s.caps, s.p.ctls2())) return no("VMREAD_VMWRITE_FIELD_EXISTS");
                if (w && ((enc >>> 10) & 3) == 1 && !bit(s.misc, 29)) return no("VMWRITE_NOT_READ_ONLY");
                if (w) return new Aim("VMWRITE_HIGH_ACCESS", bit(enc, 0));
                if (s.operand == null) return no("VMREAD_TO_MEMORY");
                if (!s.is64() && s.operand.seg == 1) return no("VMREAD_WRITABLE_SEGMENT");
                Aim f = operandFault(s, false, last);
                if (f != null) return f;
                return new Aim("VMREAD_TO_MEMORY", true);
            }
            case "vmfunc": {
                // SDM 26.5.6.2 (#UD before the VM exit for a disabled function), 26.5.6.3 (EPTP switching), 27.2.1.1.
                if (!nonRoot) return no("VMFUNC_NON_ROOT");
                if (!s.vmfuncEnabled) return no("VMFUNC_ENABLED");
                if (Long.compareUnsigned(s.eax, 64) >= 0) return no("VMFUNC_FUNCTION_BELOW_64");
                if (!bit(s.vmfuncControls, (int) (long) s.eax)) return no("VMFUNC_FUNCTION_ENABLED");
                if (Long.compareUnsigned(s.ecx, 512) >= 0) return no("VMFUNC_EPTP_INDEX_BELOW_512");
                Aim f = eptpFault(s.getQword(s.eptpList + 8 * s.ecx), s.eptCap, s.maxphy);
                if (f != null) return f;
                return new Aim("VMFUNC_EPTP_INDEX_WRITTEN", bit(s.p.ctls2(), 50));
            }
            case "vmxoff": {
                if (outside) return no("VMX_IN_VMX_OPERATION");
                Aim m = modeUd(s);
                if (m != null) return m;
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                return new Aim("VMXOFF_NOT_DUAL_MONITOR", !s.dual);
            }
            default: {
                if (s.operand == null) return no("VMX_MEMORY_OPERAND");
                if (outside) return no("VMX_IN_VMX_OPERATION");
                Aim m = modeUd(s);
                if (m != null) return m;
                if (nonRoot) return no("VMX_NON_ROOT_VM_EXIT");
                if (s.cpl != 0) return no("VMX_CPL_ZERO");
                boolean store = s.instr.equals("vmptrst");
                Aim f = operandFault(s, store);
                if (f != null) return f;
                if (store) return new Aim(s.is64() ? "VMX_OPERAND_CANONICAL" : "VMX_OPERAND_WITHIN_LIMIT", true);
                String pre = s.instr.toUpperCase();
                long addr = s.getQword(s.linear());
                if ((addr & 0xfff) != 0) return no(pre + "_ADDRESS_ALIGNED");
                if ((addr >>> s.maxphy) != 0) return no(pre + "_ADDRESS_WITHIN_MAXPHYADDR");
                if (bit(s.p.basic(), 48) && (addr >>> 32) != 0) return no(pre + "_ADDRESS_32BIT_LIMIT");
                if (addr == s.vmxon) return no(pre + "_NOT_VMXON_POINTER");
                if (s.instr.equals("vmclear")) return new Aim("VMCLEAR_CURRENT_VMCS", addr == s.current);
                long rev = s.mem.getOrDefault(addr, 0L) & 0xffffffffL;
                if ((rev & 0x7fffffffL) != (s.p.basic() & 0x7fffffffL)) return no("VMPTRLD_REVISION_ID");
                if (bit(rev, 31) && !bit(s.p.ctls2(), 46)) return no("VMPTRLD_SHADOW_VMCS_SUPPORTED");
                return new Aim("VMPTRLD_SHADOW_VMCS_SUPPORTED", true);
            }
        }
    }

    /** The EPTP check of VM entry an EPTP fails, if any (SDM 27.2.1.1, in the order of the spec). */
    static Aim eptpFault(long eptp, long cap, int maxphy) {
        long mt = eptp & 7, pwl = (eptp >>> 3) & 7;
        if (!(mt == 0 && bit(cap, 8) || mt == 6 && bit(cap, 14))) return no("EPTP_MEMORY_TYPE");
        if (!(pwl == 3 && bit(cap, 6) || pwl == 4 && bit(cap, 7))) return no("EPTP_WALK_LENGTH");
        if (bit(eptp, 6) && !bit(cap, 21)) return no("EPTP_ACCESSED_DIRTY");
        if (bit(eptp, 7) && !bit(cap, 23)) return no("EPTP_SUPERVISOR_SHADOW_STACK");
        if ((eptp & 0xf00) != 0) return no("EPTP_RESERVED_BITS");
        if ((eptp >>> maxphy) != 0) return no("EPTP_WITHIN_MAXPHYADDR");
        return null;
    }

    private static Aim modeUd(S s) {
        if (s.mode.equals("real")) return no("VMX_PROTECTED_MODE");
        if (s.mode.equals("virtual-8086")) return no("VMX_NOT_VIRTUAL_8086");
        if (s.mode.equals("compatibility")) return no("VMX_NOT_COMPATIBILITY_MODE");
        return null;
    }

    @Override
    public String domain() {
        return "vmx-instruction";
    }

    private CaseContext ctx;
    private Random rnd;

    private Input input(S s) {
        check(s);
        Input.Builder b = ctx.input().enumeration("instruction", s.instr).enumeration("mode", s.mode).integer("cpl", s.cpl)
                .enumeration("vmx_operation", s.op).bits("cr0", s.cr0).bits("cr4", s.cr4).bits("efer", s.efer)
                .bits("rflags", s.rflags).bool("a20m", s.a20m).bool("smx_operation", s.smx)
                .bool("dual_monitor_active", s.dual).bits("ia32_feature_control", s.fc).bits("vmx_basic", s.p.basic())
                .bits("vmx_procbased_ctls2", s.p.ctls2()).bits("cr0_fixed0", s.p.cr0f0()).bits("cr0_fixed1", s.p.cr0f1())
                .bits("cr4_fixed0", s.p.cr4f0()).bits("cr4_fixed1", s.p.cr4f1()).integer("maxphyaddr", s.maxphy)
                .bits("vmxon_pointer", s.vmxon).bits("current_vmcs_pointer", s.current).memory("memory", s.mem);
        if (s.movss == null) b.absent("blocking_by_mov_ss"); else b.bool("blocking_by_mov_ss", s.movss);
        if (s.launch == null) b.absent("launch_state"); else b.enumeration("launch_state", s.launch);
        if (s.eptCap == null) b.absent("vmx_ept_vpid_cap"); else b.bits("vmx_ept_vpid_cap", s.eptCap);
        if (s.reg2 == null) b.absent("register_operand"); else b.integer("register_operand", s.reg2);
        if (s.regVal == null) b.absent("register_value"); else b.bits("register_value", s.regVal);
        if (s.misc == null) b.absent("vmx_misc"); else b.bits("vmx_misc", s.misc);
        if (s.caps == null) {
            for (String k : List.of("vmx_pinbased_ctls", "vmx_procbased_ctls", "vmx_procbased_ctls3", "vmx_exit_ctls", "vmx_entry_ctls", "vmx_vmfunc")) b.absent(k);
        } else {
            b.bits("vmx_pinbased_ctls", s.caps.pin()).bits("vmx_procbased_ctls", s.caps.proc()).bits("vmx_procbased_ctls3", s.caps.ctls3())
                    .bits("vmx_exit_ctls", s.caps.exit()).bits("vmx_entry_ctls", s.caps.entry()).bits("vmx_vmfunc", s.caps.vmfunc());
        }
        if (s.fieldValue == null) b.absent("field_value"); else b.bits("field_value", s.fieldValue);
        if (s.dataReg == null) b.absent("data_register"); else b.integer("data_register", s.dataReg);
        if (s.dataVal == null) b.absent("data_value"); else b.bits("data_value", s.dataVal);
        if (s.shadowing == null) b.absent("vmcs_shadowing"); else b.bool("vmcs_shadowing", s.shadowing);
        if (s.link == null) b.absent("vmcs_link_pointer"); else b.bits("vmcs_link_pointer", s.link);
        if (s.rdBitmap == null) b.absent("vmread_bitmap_address"); else b.bits("vmread_bitmap_address", s.rdBitmap);
        if (s.wrBitmap == null) b.absent("vmwrite_bitmap_address"); else b.bits("vmwrite_bitmap_address", s.wrBitmap);
        if (s.eax == null) b.absent("eax"); else b.bits("eax", s.eax);
        if (s.ecx == null) b.absent("ecx"); else b.bits("ecx", s.ecx);
        if (s.vmfuncEnabled == null) b.absent("enable_vm_functions"); else b.bool("enable_vm_functions", s.vmfuncEnabled);
        if (s.vmfuncControls == null) b.absent("vm_function_controls"); else b.bits("vm_function_controls", s.vmfuncControls);
        if (s.eptpList == null) b.absent("eptp_list_address"); else b.bits("eptp_list_address", s.eptpList);
        if (s.operand == null) {
            b.absent("operand");
        } else {
            Op o = s.operand;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("segment", (long) o.seg);
            r.put("address_size", (long) o.asz);
            r.put("base_valid", o.baseValid);
            r.put("base", (long) (o.baseValid ? o.base : 0));
            r.put("index_valid", o.indexValid);
            r.put("index", (long) (o.indexValid ? o.index : 0));
            r.put("scale", (long) (o.indexValid ? o.scale : 0));
            r.put("displacement", o.disp);
            r.put("offset", o.offset);
            r.put("segment_base", o.segBase);
            r.put("segment_limit", o.limit);
            b.record("operand", r);
        }
        return b.build();
    }

    /** The preconditions of the spec: a generator bug, never a vector, if one fails. */
    private static void check(S s) {
        boolean lma = bit(s.efer, 10);
        boolean pe = bit(s.cr0, 0);
        boolean vm = bit(s.rflags, 17);
        boolean ok = switch (s.mode) {
            case "real" -> !pe && !vm && !lma;
            case "virtual-8086" -> pe && vm && !lma;
            case "protected" -> pe && !vm && !lma;
            default -> pe && !vm && lma && bit(s.cr0, 31) && bit(s.cr4, 5);
        };
        if (!ok || !bit(s.rflags, 1)) throw new IllegalStateException("registers disagree with the mode: " + s.describe());
        if (!s.op.equals("outside") && !bit(s.cr4, 13)) throw new IllegalStateException("VMXE clear in VMX operation");
        if (s.op.equals("root") && !pe) throw new IllegalStateException("real mode in VMX root operation");
        if (s.op.equals("non-root") && s.current == NONE) throw new IllegalStateException("VMX non-root operation without a current VMCS");
        if (s.instr.equals("vmcall") && s.dual) throw new IllegalStateException("VMCALL with the dual-monitor treatment active");
        if (!noOperand(s.instr) || s.instr.equals("vmcall")) {
            if (s.movss != null || s.launch != null) throw new IllegalStateException("VM-entry keys for " + s.instr);
        }
        boolean inv = isInv(s.instr);
        boolean vr = isVr(s.instr);
        boolean vf = s.instr.equals("vmfunc");
        boolean vfNonRoot = vf && s.op.equals("non-root");
        if (vf != (s.eax != null) || vf != (s.ecx != null) || vfNonRoot != (s.vmfuncEnabled != null)
                || vfNonRoot != (s.vmfuncControls != null) || vfNonRoot != (s.eptpList != null)) {
            throw new IllegalStateException("VMFUNC keys for " + s.describe());
        }
        if (vfNonRoot) {
            if (s.current == NONE) throw new IllegalStateException("VMFUNC in non-root operation without a current VMCS");
            if (s.vmfuncEnabled && !bit(s.p.ctls2(), 45)) throw new IllegalStateException("enable VM functions not allowed");
            if ((s.vmfuncControls & ~1L) != 0) throw new IllegalStateException("VM-function control other than EPTP switching");
            if (bit(s.vmfuncControls, 0) && (!bit(s.p.ctls2(), 33) || (s.eptpList & 0xfff) != 0 || (s.eptpList >>> s.maxphy) != 0)) {
                throw new IllegalStateException("EPTP switching without EPT or with a bad EPTP-list address");
            }
        }
        if ((inv || vfNonRoot) != (s.eptCap != null) || (inv || vr) != (s.reg2 != null) || (inv || vr) != (s.regVal != null)) {
            throw new IllegalStateException("INVEPT/INVVPID keys for " + s.instr);
        }
        if (!vr && s.caps != null) throw new IllegalStateException("capability MSRs for " + s.instr);
        if (vr != (s.misc != null) || vr != (s.fieldValue != null)) throw new IllegalStateException("VMREAD/VMWRITE keys for " + s.instr);
        if ((vr && s.operand == null) != (s.dataReg != null)) throw new IllegalStateException("Reg1 without a register operand");
        if ((vr && s.operand == null && s.instr.equals("vmwrite")) != (s.dataVal != null)) throw new IllegalStateException("VMWRITE source");
        boolean shadowKeys = vr && s.op.equals("non-root");
        if (shadowKeys != (s.shadowing != null) || shadowKeys != (s.link != null) || shadowKeys != (s.rdBitmap != null)
                || shadowKeys != (s.wrBitmap != null)) throw new IllegalStateException("shadowing keys for " + s.describe());
        if (vr) {
            if (!s.is64() && ((s.regVal >>> 32) != 0 || s.dataVal != null && (s.dataVal >>> 32) != 0)) {
                throw new IllegalStateException("64-bit register value outside 64-bit mode");
            }
            if (!s.is64() && (s.reg2 > 7 || s.dataReg != null && s.dataReg > 7)) throw new IllegalStateException("R8-R15 outside 64-bit mode");
            if (shadowKeys && s.current == NONE) throw new IllegalStateException("non-root operation without a current VMCS");
            if (shadowKeys && s.shadowing) {
                if (!bit(s.p.ctls2(), 46)) throw new IllegalStateException("VMCS shadowing not allowed by the profile");
                for (long a : new long[] {s.rdBitmap, s.wrBitmap}) {
                    if ((a & 0xfff) != 0 || (a >>> s.maxphy) != 0) throw new IllegalStateException("bitmap address " + hex(a));
                }
            }
            if (validShape(s.regVal) && undecided(s.regVal)) {
                // only where the instruction ends before the encoding is examined (the VMWRITE source read comes before it)
                Aim a = predict(s);
                boolean early = !a.held() && (VR_EARLY.contains(a.rule()) || s.instr.equals("vmwrite")
                        && (a.rule().equals("VMX_OPERAND_CANONICAL") || a.rule().equals("VMX_OPERAND_WITHIN_LIMIT")));
                if (!early) throw new IllegalStateException("encoding of a field whose existence the domain leaves undecided: " + hex(s.regVal));
            }
            if (s.caps == null) throw new IllegalStateException("VMREAD/VMWRITE without the capability MSRs");
            Caps c = s.caps;
            if (!bit(c.proc(), 63) && s.p.ctls2() != 0 || !bit(c.proc(), 49) && c.ctls3() != 0
                    || !(bit(c.proc(), 63) && bit(s.p.ctls2(), 45)) && c.vmfunc() != 0) {
                throw new IllegalStateException("capability MSR present without the control that makes it exist: " + s.describe());
            }
            if (validShape(s.regVal)) {
                int width = (int) ((s.regVal >>> 13) & 3);
                if (width == 0 && (s.fieldValue >>> 16) != 0 || width == 2 && (s.fieldValue >>> 32) != 0) {
                    throw new IllegalStateException("field value wider than the field");
                }
            }
        }
        if (inv && s.operand == null) throw new IllegalStateException("INVEPT/INVVPID without a memory operand");
        if (inv && !s.is64() && (s.regVal >>> 32) != 0) throw new IllegalStateException("64-bit type outside 64-bit mode");
        int last = inv ? 15 : vr && !s.is64() ? 3 : 7;
        if (s.operand != null && !s.instr.equals("vmxoff")) {
            Op o = s.operand;
            if (o.asz != 16 && o.asz != 32 && o.asz != 64) throw new IllegalStateException("address size");
            if (o.asz == 64 && !s.is64() || o.asz == 16 && s.is64()) throw new IllegalStateException("address size for the mode");
            if (o.asz < 64 && (o.offset >>> o.asz) != 0) throw new IllegalStateException("offset beyond address size");
            if (!s.is64()) {
                if (o.offset + last > 0xffffffffL || s.linear() + last > 0xffffffffL) throw new IllegalStateException("wraps 2^32");
            } else {
                long la = s.linear();
                long end = la + last;
                if (Long.compareUnsigned(end, la) < 0) throw new IllegalStateException("wraps 2^64");
                int width = bit(s.cr4, 12) ? 57 : 48;
                boolean c1 = canonical(la, width), c2 = canonical(end, width);
                if (c1 != c2) throw new IllegalStateException("straddles the canonical boundary: " + hex(la));
            }
        }
    }

    private static boolean canonical(long la, int width) {
        long top = la >> (width - 1);
        return top == 0 || top == -1L;
    }

    private static final List<String> B = List.of("boundary");
    private static final List<String> NOF = List.of();

    /**
     * The case's flags: {@code realistic-profile} for a real processor's capabilities, else {@code edge-profile}. With a
     * platform profile only the platform is realistic: a case made for another model (Penryn without EPT, say) is one
     * the platform cannot be asked, and so is VMXON outside VMX operation with another IA32_FEATURE_CONTROL (locked
     * when the platform boots), and a case in SMX operation on a platform without SMX (CPUID.1:ECX.SMX).
     */
    private List<String> flags(S s, List<String> extra) {
        List<String> f = new ArrayList<>(extra);
        boolean realistic = platform == null ? s.p.realistic() : s.p == platform && (!s.smx || pp.smx())
                && !(s.instr.equals("vmxon") && s.op.equals("outside") && pp.featureControl().isPresent() && pp.featureControl().getAsLong() != s.fc);
        f.add(realistic && !s.edgeCap ? "realistic-profile" : "edge-profile");
        return f;
    }

    /**
     * VM entry needs a current VMCS, and it stays current in VMX non-root operation: a case made in non-root operation
     * without one gets the page next to its VMXON region (no random draw, so every later case keeps its inputs and id).
     */
    private static void giveNonRootACurrentVmcs(S s) {
        if (s.op.equals("non-root") && s.current == NONE) {
            s.current = s.vmxon ^ 0x1000L;
            s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
        }
    }

    /** Adds a case aimed at the deciding rule the predictor names. */
    private void add(S s, String comment, List<String> extra) {
        giveNonRootACurrentVmcs(s);
        String note = effectiveSegment(s, false) + consistentState(s);
        Aim a = predict(s);
        ctx.add(a.rule(), a.held(), comment + note + " (" + s.describe() + ")", flags(s, extra), input(s));
    }

    /** Adds a case aimed at a given rule and side (the engine checks the model's trace). */
    private void add(S s, String rule, boolean held, String comment, List<String> extra) {
        giveNonRootACurrentVmcs(s);
        String note = effectiveSegment(s, rule.equals("VMX_EXIT_INFO_BASE_VALID")) + consistentState(s);
        ctx.add(rule, held, comment + note + " (" + s.describe() + ")", flags(s, extra), input(s));
    }

    /**
     * In 64-bit mode the ES, CS, SS and DS prefixes are ignored (SDM Vol. 3A 3.4.4): the segment of a memory operand is
     * FS or GS when prefixed, otherwise SS for an RSP or RBP base and DS for any other. An operand that names another
     * segment describes no instruction, so it is made consistent here, keeping the fault the case is about where it can:
     * an SS operand gets an RSP base (a case about the missing base register becomes DS instead), an ES/CS/DS operand becomes DS with a
     * base other than RSP/RBP. Found by running the
     * vectors on Bochs (docs/findings/bochs.md). Returns a note for the comment when something changed.
     */
    private static String effectiveSegment(S s, boolean keepNoBase) {
        if (s.operand == null || !s.mode.equals("64-bit")) return "";
        Op o = s.operand;
        if (o.seg == 4 || o.seg == 5) return "";
        boolean stackBase = o.baseValid && (o.base == 4 || o.base == 5);
        if (o.seg == 2) {
            if (stackBase) return "";
            if (o.baseValid || !keepNoBase) {
                o.baseValid = true;
                o.base = 4;
                return " (64-bit mode: an SS operand has an RSP base)";
            }
            o.seg = 3;
            return " (64-bit mode: without a base register the segment is DS, not SS)";
        }
        String named = SEGS[o.seg];
        o.seg = 3;
        if (stackBase) o.base = 3;
        return named.equals("DS") && !stackBase ? "" : " (64-bit mode: the " + named + " prefix is ignored; segment DS"
                + (stackBase ? ", base RBX" : "") + ")";
    }

    /**
     * Makes the register and memory operands describe a state a processor can be in (found by running the vectors on
     * Bochs, docs/findings/bochs.md): the offset is the effective address base + index * 2^scale + displacement modulo
     * the address size (SDM Vol. 1 3.7.5), and a register holds one value. The case generators choose the offset (where
     * the operand lies) apart from the registers and the displacement, so a vector could name an offset that no
     * register value gives: with neither base nor index the offset must be the displacement, with an index alone it
     * must differ from the displacement by a multiple of the scale, and a base or index that is also the register
     * operand holds that operand's value. Changes only what does not decide the case: a base or index register that is
     * the register operand becomes another register (in 64-bit mode RSP or RBP for RSP or RBP, where they pick the
     * default segment), an index equal to the base with an odd remainder another index; where the instruction
     * exits in non-root operation before the operand is used, the offset follows the displacement (which the exit
     * reports); elsewhere the displacement follows the offset, or a base register is added where no displacement can
     * give it. Register form: a data register that is the register operand holds its value. Outside 64-bit mode a
     * register operand is one of the eight registers there are (R8-R15 need a REX prefix, SDM Vol. 2A 2.2.1), and
     * virtual-8086 mode is always CPL 3 (Vol. 3A 20.2). Returns a note for the comment when something changed.
     */
    private static String consistentState(S s) {
        String note = "";
        if (!s.is64() && s.reg2 != null && s.reg2 >= 8) {
            s.reg2 &= 7;
            note += " (no R8-R15 outside 64-bit mode: register operand " + s.reg2 + ")";
        }
        if (!s.is64() && s.dataReg != null && s.dataReg >= 8) {
            s.dataReg &= 7;
            note += " (no R8-R15 outside 64-bit mode: data register " + s.dataReg + ")";
        }
        if (s.mode.equals("virtual-8086") && s.cpl != 3) {
            s.cpl = 3;
            note += " (virtual-8086 mode runs at CPL 3)";
        }
        if (s.operand == null) {
            if (s.dataReg != null && s.reg2 != null && s.dataReg.equals(s.reg2) && s.dataVal != null && !s.dataVal.equals(s.regVal)) {
                s.dataVal = s.regVal;
                note = " (Reg1 = Reg2: one value)";
            }
            return note;
        }
        Op o = s.operand;
        boolean is64 = s.is64();
        long mask = o.asz == 64 ? -1L : (1L << o.asz) - 1;
        Integer fixed = s.reg2;
        if (o.baseValid && fixed != null && o.base == fixed) {
            if (is64 && (o.base == 4 || o.base == 5) && o.indexValid && o.index == (o.base ^ 1)) {
                o.index = otherIndex(o, is64, fixed); // the other stack register is the index: it becomes the base
            }
            o.base = otherBase(o, is64, fixed);
            note += " (base register " + fixed + " is the register operand: base " + o.base + ")";
        }
        if (o.indexValid && fixed != null && o.index == fixed) {
            o.index = otherIndex(o, is64, fixed);
            note += " (index register " + fixed + " is the register operand: index " + o.index + ")";
        }
        long rest = (o.offset - o.disp) & mask; // what base + index * 2^scale must give
        if (o.baseValid && o.indexValid && o.base == o.index && o.scale == 0 && (rest & 1) != 0) {
            o.index = otherIndex(o, is64, fixed == null ? -1 : fixed);
            note += " (an odd offset from base = index: index " + o.index + ")";
        }
        boolean exitsFirst = s.op.equals("non-root") && (!isVr(s.instr) || Boolean.FALSE.equals(s.shadowing));
        if (!o.baseValid && !o.indexValid && rest != 0) {
            long signed = o.asz == 16 ? (short) o.offset : o.asz == 32 ? (int) o.offset : o.offset;
            if (exitsFirst && movedOffsetFits(s, o.disp & mask)) {
                note += " (offset = displacement " + hex(o.offset) + ")";
            } else if (o.asz != 64 || signed == (int) signed) {
                o.disp = signed;
                note += " (displacement = offset " + hex(o.offset) + ")";
            } else {
                o.base = otherBase(o, is64, fixed == null ? -1 : fixed); // not RSP/RBP: 64-bit SS operands have one
                o.baseValid = true;
                note += " (a base register " + o.base + " gives the offset)";
            }
        } else if (!o.baseValid && o.indexValid && (rest & ((1L << o.scale) - 1)) != 0) {
            long misfit = rest & ((1L << o.scale) - 1);
            if (!(exitsFirst && movedOffsetFits(s, (o.offset - misfit) & mask))) o.disp += misfit;
            note += " (offset and displacement a multiple of the scale apart: displacement " + hex(o.disp) + ", offset "
                    + hex(o.offset) + ")";
        }
        return note;
    }

    /**
     * Moves the operand to {@code offset} when its bytes then neither wrap nor straddle the canonical boundary (as
     * {@link #check} requires), keeping the linear address outside 64-bit mode through the segment base; false (and
     * nothing changed) otherwise.
     */
    private static boolean movedOffsetFits(S s, long offset) {
        Op o = s.operand;
        long oldOffset = o.offset, oldBase = o.segBase, linear = s.linear();
        o.offset = offset;
        if (!s.is64()) o.segBase = (linear - offset) & 0xffffffffL;
        int last = s.instr.startsWith("inv") ? 15 : 7;
        boolean fits;
        if (!s.is64()) {
            fits = offset + last <= 0xffffffffL && s.linear() + last <= 0xffffffffL && (o.asz == 32 || offset + last <= 0xffffL);
        } else {
            long la = s.linear(), end = la + last;
            int width = bit(s.cr4, 12) ? 57 : 48;
            fits = Long.compareUnsigned(end, la) >= 0 && canonical(la, width) == canonical(end, width);
        }
        if (!fits) {
            o.offset = oldOffset;
            o.segBase = oldBase;
        }
        return fits;
    }

    /**
     * A base register other than {@code taken} and the index; in 64-bit mode RSP or RBP for RSP or RBP and neither
     * for another (the default segment is SS for an RSP or RBP base, DS for any other, R12 and R13 included: SDM Vol. 1
     * 3.7.4; Bochs reports DS for an R13 base in the instruction information).
     */
    private static int otherBase(Op o, boolean is64, int taken) {
        int[] order = o.asz == 16 ? new int[] {3, 5}
                : is64 ? new int[] {3, 6, 7, 1, 2, 0, 9, 10, 11, 14, 15, 8, 12, 13, 5, 4}
                : new int[] {3, 6, 7, 1, 2, 0, 5};
        boolean stack = o.baseValid && (o.base == 4 || o.base == 5);
        for (int r : order) {
            if (r == taken || o.indexValid && r == o.index || r == o.base && o.baseValid) continue;
            if (is64 && (r == 4 || r == 5) != stack) continue;
            return r;
        }
        throw new IllegalStateException("no base register left for " + taken);
    }

    /** An index register other than {@code taken}, the base and RSP (which SIB cannot name as an index). */
    private static int otherIndex(Op o, boolean is64, int taken) {
        int[] order = o.asz == 16 ? new int[] {6, 7} : is64 ? new int[] {o.index ^ 8, 6, 7, 3, 1, 2, 0, 5, 9, 10, 11, 14, 15}
                : new int[] {6, 7, 3, 1, 2, 0, 5};
        for (int r : order) {
            if (r == 4 || r == taken || r == o.index || o.baseValid && r == o.base) continue;
            return r;
        }
        throw new IllegalStateException("no index register left for " + taken);
    }

    // ----- building blocks -----

    private static final long DATA = 0x00200000L;  // operand data lives at 0x200000..0x2fffff
    private static final long REGION = 0x01000000L; // VMXON/VMCS regions from 16 MiB up

    private long randomPage(S s) {
        long limit = Math.min(s.maxphy, 32) - 12;
        long pages = 1L << limit;
        long page = (REGION >>> 12) + (long) rnd.nextInt((int) Math.min(pages - (REGION >>> 12) - 1, 0x7ffff));
        // Regions stay below 2 GiB, so that a test machine (or emulator) with 2 GiB of RAM holds every one the vector
        // names: the 16 MiB above fold back onto the 16 MiB below (runner/README.md "vmx-instruction").
        if ((page << 12) + 0x1000 > HIGH_END) page -= REGION >>> 12;
        return page << 12;
    }

    /** The end of the physical memory the regions use (2 GiB). */
    private static final long HIGH_END = 0x80000000L;

    /** Sets the registers for a mode (consistent with it), keeping the random status flags of RFLAGS. */
    private static void setMode(S s, String mode) {
        s.mode = mode;
        long status = s.rflags & 0x8d5L;
        long other = s.rflags & 0x200L;
        s.rflags = 0x2L | status | other;
        switch (mode) {
            case "real" -> { s.cr0 = 0x30L; s.efer = 0; }
            case "virtual-8086" -> { s.cr0 = 0x80000031L; s.efer = 0; s.rflags |= 1L << 17; }
            case "protected" -> { s.cr0 = 0x80000031L; s.efer = 0; }
            default -> { s.cr0 = 0x80000031L; s.efer = 0xd00L; s.cr4 |= 0x20L; }
        }
    }

    /** A random operand encoding for the address size (16-bit forms only use BX, BP, SI, DI). */
    private void randomEncoding(Op o, boolean is64) {
        if (o.asz == 16) {
            int[][] forms = {{3, 6}, {3, 7}, {5, 6}, {5, 7}, {6, -1}, {7, -1}, {5, -1}, {3, -1}, {-1, -1}};
            int[] f = forms[rnd.nextInt(forms.length)];
            o.baseValid = f[0] >= 0;
            o.base = Math.max(f[0], 0);
            o.indexValid = f[1] >= 0;
            o.index = Math.max(f[1], 0);
            o.scale = 0;
            int k = rnd.nextInt(3);
            o.disp = k == 0 ? 0 : k == 1 ? (long) (byte) rnd.nextInt() : (long) (short) rnd.nextInt();
            if (!o.baseValid && !o.indexValid) o.disp = (short) rnd.nextInt();
            return;
        }
        int regs = is64 ? 16 : 8;
        o.baseValid = rnd.nextInt(6) != 0;
        o.base = rnd.nextInt(regs);
        o.indexValid = rnd.nextInt(3) == 0;
        do {
            o.index = rnd.nextInt(regs);
        } while (o.index == 4);
        o.scale = o.indexValid ? rnd.nextInt(4) : 0;
        int k = rnd.nextInt(3);
        o.disp = k == 0 ? 0 : k == 1 ? (long) (byte) rnd.nextInt() : (long) rnd.nextInt();
        if (!o.baseValid && !o.indexValid) o.disp = rnd.nextInt();
    }

    /** Points the operand at linear address {@code la} through segment {@code seg}. */
    private void place(S s, int seg, int asz, long la) {
        Op o = s.operand == null ? new Op() : s.operand;
        s.operand = o;
        o.seg = seg;
        o.asz = asz;
        randomEncoding(o, s.is64());
        if (s.is64()) {
            if (seg == 4 || seg == 5) {
                o.segBase = asz == 32 ? la - (rnd.nextInt(0x10000) & ~7L) : rnd.nextLong() & 0x00007ffffffff000L;
                o.offset = la - o.segBase;
                if (asz == 32) o.offset &= 0xffffffffL;
                if (asz == 32) o.segBase = la - o.offset;
            } else {
                o.segBase = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong() & 0xffffffff_fffff000L; // ignored in 64-bit mode
                o.offset = la;
                if (asz == 32 && (la >>> 32) != 0) throw new IllegalStateException("32-bit offset for a high address");
            }
            o.limit = rnd.nextBoolean() ? 0xffffffffL : rnd.nextInt() & 0xffffffffL; // ignored in 64-bit mode
        } else {
            long maxOff = asz == 16 ? 0xfff0L : 0x3ffff0L;
            o.offset = Math.min(la, (rnd.nextLong() & maxOff));
            o.segBase = la - o.offset;
            long slack = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(0x1000);
            o.limit = Math.min(0xffffffffL, o.offset + 7 + slack);
            if (rnd.nextInt(3) == 0) o.limit = asz == 16 ? 0xffffL : 0xffffffffL;
            if (o.limit < o.offset + 7) o.limit = o.offset + 7;
        }
    }

    private int defaultAsz(S s) {
        if (s.is64()) return rnd.nextInt(5) == 0 ? 32 : 64;
        return rnd.nextInt(4) == 0 ? 16 : 32;
    }

    /**
     * A state that succeeds unless something is then changed: the instruction, mode (one that is not #UD if
     * possible), VMX operation, profile, a valid operand at a data address holding a pointer to a region with the
     * right revision identifier.
     */
    private S base(String instr, String op, Profile p, String mode) {
        // generic_vmx2's VM-execution, VM-exit and VM-entry capability MSRs were not read: VMREAD/VMWRITE need them
        if (isVr(instr) && caps(p) == null) p = host();
        S s = new S();
        s.instr = instr;
        s.op = op;
        s.p = p;
        s.maxphy = maxphyFor(new int[] {36, 39, 39, 46}[rnd.nextInt(4)]);
        s.rflags = 0x2L | (rnd.nextLong() & 0x8d5L) | (rnd.nextBoolean() ? 0x200L : 0);
        s.cr4 = 0x2020L | p.cr4f0() & 0xffffffffL;
        if (bit(p.cr4f1(), 7) && rnd.nextBoolean()) s.cr4 |= 0x80L;  // PGE
        if (bit(p.cr4f1(), 9) && rnd.nextBoolean()) s.cr4 |= 0x200L; // OSFXSR
        setMode(s, mode);
        s.cr0 |= p.cr0f0() & ~0x80000001L & 0xffffffffL;
        if (mode.equals("real")) s.cr0 &= ~0x80000001L;
        s.fc = rnd.nextBoolean() ? 0x5L : 0x7L;
        if (platform != null) s.fc = pp.featureControl().orElse(s.fc);
        s.vmxon = randomPage(s);
        s.current = op.equals("outside") ? NONE : rnd.nextBoolean() ? NONE : otherPage(s, s.vmxon);
        if (!op.equals("outside") && !instr.equals("vmxon")) {
            // the VMXON region exists (its first word holds the revision identifier, as software must write it)
            s.mem.put(s.vmxon, p.basic() & 0x7fffffffL);
        }
        if (s.current != NONE) s.mem.put(s.current, p.basic() & 0x7fffffffL);
        if (instr.equals("vmxoff")) {
            s.operand = null;
            return s;
        }
        if (instr.equals("vmfunc")) {
            s.operand = null;
            vmfuncSetup(s);
            return s;
        }
        if (noOperand(instr)) {
            s.operand = null;
            s.dual = false; // VMCALL precondition: IA32_SMM_MONITOR_CTL valid bit 0, so no dual-monitor treatment
            if (!instr.equals("vmcall")) {
                s.movss = false;
                s.launch = instr.equals("vmlaunch") ? "clear" : "launched";
            }
            return s;
        }
        long la = DATA + rnd.nextInt(0x80000);
        if (rnd.nextBoolean()) la &= ~7L;
        place(s, rnd.nextInt(6), defaultAsz(s), la);
        if (isInv(instr)) {
            invSetup(s);
            return s;
        }
        if (isVr(instr)) {
            vrSetup(s);
            return s;
        }
        if (instr.equals("vmptrst")) {
            if (!s.is64() && s.operand.seg == 1) s.operand.seg = 3;
            // junk around the store, to see that only the 8 stored bytes change
            s.mem.put(la & ~7L, rnd.nextLong());
            s.mem.put((la & ~7L) + 8, rnd.nextLong());
            return s;
        }
        long target = instr.equals("vmclear") && s.current != NONE && rnd.nextBoolean() ? s.current : otherPage(s, s.vmxon, s.current);
        pointTo(s, target);
        return s;
    }

    private long otherPage(S s, long... avoid) {
        while (true) {
            long p = randomPage(s);
            boolean clash = false;
            for (long a : avoid) clash |= a == p;
            if (!clash) return p;
        }
    }

    /** The operand holds {@code target}; if it is a page address, the region there gets the profile's revision. */
    private static void pointTo(S s, long target) {
        s.putQword(s.linear(), target);
        if ((target & 0xfff) == 0 && target != s.vmxon && !s.mem.containsKey(target)) {
            s.mem.put(target, s.p.basic() & 0x7fffffffL);
        }
    }

    private String goodMode(String instr) {
        return rnd.nextInt(3) == 0 ? "protected" : "64-bit";
    }

    private String goodOp(String instr) {
        return instr.equals("vmxon") ? "outside" : "root";
    }

    private Profile anyProfile() {
        return allProfiles[rnd.nextInt(allProfiles.length)];
    }

    private Profile realistic() {
        return realisticProfiles[rnd.nextInt(realisticProfiles.length)];
    }

    // ----- a platform profile (hvmspec generate --profile) -----

    /** The platform's profile (IA32_VMX_BASIC, CTLS2, fixed bits) and its file; null for the committed vectors. */
    private Profile platform;
    private dev.hvmspec.generator.vectors.PlatformProfile pp;
    private Profile[] realisticProfiles = REALISTIC;
    private Profile[] allProfiles = ALL;
    private int[] maxphys = MAXPHYS;

    /**
     * With a platform profile the platform takes the place of every Bochs model: it is the only realistic profile,
     * its capability MSRs, IA32_VMX_MISC, IA32_VMX_EPT_VPID_CAP, IA32_FEATURE_CONTROL and MAXPHYADDR are the inputs
     * of every case that would use a model's. The edge profiles stay; the engine keeps their cases only for rules the
     * platform cannot reach.
     */
    private void choose(CaseContext context) {
        if (context.profile().isEmpty()) return;
        pp = context.profile().get();
        platform = new Profile(pp.name(), pp.basic(), pp.procbased2(), pp.cr0Fixed0(), pp.cr0Fixed1(), pp.cr4Fixed0(),
                pp.cr4Fixed1(), true);
        realisticProfiles = new Profile[] {platform};
        allProfiles = forRun(ALL);
        maxphys = new int[] {pp.maxphyaddr()};
    }

    /** The model standing for "a processor like Haswell": Bochs haswell, or the platform. */
    private Profile host() {
        return platform != null ? platform : HASWELL;
    }

    /** A list of profiles for this run: as given, or with the Bochs models replaced by the platform (once). */
    private Profile[] forRun(Profile... ps) {
        if (platform == null) return ps;
        java.util.LinkedHashSet<Profile> out = new java.util.LinkedHashSet<>();
        for (Profile p : ps) out.add(p.realistic() ? platform : p);
        return out.toArray(new Profile[0]);
    }

    private int maxphyFor(int designed) {
        return platform != null ? pp.maxphyaddr() : designed;
    }

    @Override
    public void generate(CaseContext context) {
        this.ctx = context;
        this.rnd = context.random();
        choose(context);
        modeMatrix(INSTRUCTIONS);
        registerOperand();
        vmxonPrerequisites();
        fixedBits();
        pointerChecks();
        revisionIds();
        vmxonInVmxOperation();
        vmxoff();
        vmclearPointers();
        vmfailKinds();
        segmentLimits();
        canonicalBoundaries();
        exitInformation();
        vmptrstStores();
        randomCases(400);
        // VMLAUNCH, VMRESUME, VMCALL (added later; after the others so that the earlier vector IDs stay).
        modeMatrix(NO_OPERAND);
        vmEntryInstructions();
        vmcallCases();
        randomNoOperand(120);
        // INVEPT and INVVPID (added later still).
        modeMatrix(INV);
        invSupport();
        invTypes();
        invOperand();
        inveptDescriptors();
        invvpidDescriptors();
        invExits();
        randomInv(200);
        // VMREAD and VMWRITE (added later still).
        modeMatrix(VR);
        vrShadowing();
        vrExits();
        vrPointers();
        vrEncodings();
        vrReadOnly();
        vrWidths();
        vrOperands();
        randomVr(300);
        // VMFUNC (added later still).
        modeMatrix(VF);
        vmfuncEnable();
        vmfuncFunctions();
        vmfuncIndexes();
        vmfuncEntries();
        vmfuncIndexWritten();
        randomVmfunc(200);
        // Which VMCS fields exist (added later still).
        vrExistence();
        vrFeatureBoundaries();
        vrUndefinedEncodings();
    }

    /** Every instruction x mode x CPL x VMX operation, each with a realistic and an edge profile. */
    private void modeMatrix(String[] instrs) {
        for (String instr : instrs) {
            for (String mode : MODES) {
                for (int cpl = 0; cpl < 4; cpl++) {
                    for (String op : OPS) {
                        if (op.equals("root") && mode.equals("real")) continue; // CR0.PE is fixed to 1 in root operation
                        if (cpl != 0 && mode.equals("real")) continue;          // real mode has CPL 0
                        if (cpl != 3 && mode.equals("virtual-8086")) continue;   // virtual-8086 mode runs at CPL 3
                        for (int k = 0; k < 2; k++) {
                            S s = base(instr, op, k == 0 ? realistic() : anyProfile(), mode);
                            s.cpl = cpl;
                            add(s, "mode x CPL x VMX operation", NOF);
                        }
                    }
                }
            }
        }
    }

    /** A register operand is #UD for the four instructions with a memory operand, whatever else holds. */
    private void registerOperand() {
        for (String instr : new String[] {"vmxon", "vmclear", "vmptrld", "vmptrst"}) {
            for (String op : OPS) {
                for (String mode : new String[] {"protected", "64-bit", "real", "compatibility"}) {
                    if (op.equals("root") && mode.equals("real")) continue;
                    S s = base(instr, op, realistic(), mode);
                    s.operand = null;
                    add(s, "register operand", B);
                    S m = base(instr, op, realistic(), mode);
                    add(m, "VMX_MEMORY_OPERAND", true, "the same with a memory operand", B);
                }
            }
        }
    }

    /** VMXON: CR4.VMXE, CPL, A20M, IA32_FEATURE_CONTROL bits 0-2 in every combination, in and outside SMX operation. */
    private void vmxonPrerequisites() {
        for (String mode : MODES) {
            for (boolean vmxe : new boolean[] {false, true}) {
                S s = base("vmxon", "outside", realistic(), mode);
                if (!vmxe) s.cr4 &= ~0x2000L;
                add(s, "VMXON with CR4.VMXE = " + (vmxe ? 1 : 0), B);
            }
        }
        for (int cpl = 0; cpl < 4; cpl++) {
            for (String mode : new String[] {"protected", "64-bit"}) {
                S s = base("vmxon", "outside", realistic(), mode);
                s.cpl = cpl;
                add(s, "VMXON_CPL_ZERO", cpl == 0, "VMXON outside VMX operation at CPL " + cpl, B);
            }
        }
        for (boolean a20m : new boolean[] {false, true}) {
            for (String mode : new String[] {"protected", "64-bit"}) {
                S s = base("vmxon", "outside", realistic(), mode);
                s.a20m = a20m;
                add(s, "VMXON_NOT_A20M", !a20m, a20m ? "VMXON in A20M mode" : "VMXON with A20M off", B);
            }
        }
        long[] extra = {0, 0x100000L, 0xff00L, 0x60000L};
        for (int fc = 0; fc < 8; fc++) {
            for (boolean smx : new boolean[] {false, true}) {
                for (long x : extra) {
                    for (String mode : new String[] {"protected", "64-bit"}) {
                        S s = base("vmxon", "outside", x == 0 ? realistic() : anyProfile(), mode);
                        s.fc = fc | x;
                        s.smx = smx;
                        add(s, "IA32_FEATURE_CONTROL " + hex(s.fc) + (smx ? " in SMX operation" : " outside SMX operation"), B);
                    }
                }
                S r = base("vmxon", "outside", realistic(), "64-bit");
                r.fc = fc | 1;
                r.smx = smx;
                add(r, "VMXON_IN_SMX_OPERATION", smx, (smx ? "in" : "outside") + " SMX operation, IA32_FEATURE_CONTROL " + hex(r.fc), NOF);
            }
        }
        for (String op : new String[] {"outside", "root", "non-root"}) {
            S s = base("vmxon", op, realistic(), "64-bit");
            add(s, "VMXON_OUTSIDE_VMX_OPERATION", op.equals("outside"), "VMXON " + op + " VMX operation", NOF);
        }
    }

    /** Every bit 0..31 of CR0 and CR4 against every profile's fixed bits, set and clear. */
    private void fixedBits() {
        for (Profile p : allProfiles) {
            for (int b = 0; b < 32; b++) {
                for (boolean set : new boolean[] {false, true}) {
                    S s = base("vmxon", "outside", p, "protected");
                    if (set) s.cr0 |= 1L << b; else s.cr0 &= ~(1L << b);
                    if (set && b == 29) s.cr0 |= 1L << 30; // NW = 1 needs CD = 1
                    if (b == 0 && !set) setModeKeep(s, "real");
                    boolean relevant = bit(p.cr0f0(), b) && !set || !bit(p.cr0f1(), b) && set;
                    if (relevant || rnd.nextInt(4) == 0) add(s, "CR0 bit " + b + (set ? " set" : " clear")
                            + ", FIXED0 " + hex(p.cr0f0()) + ", FIXED1 " + hex(p.cr0f1()), B);
                    S c = base("vmxon", "outside", p, b == 12 || b == 17 ? "64-bit" : "protected"); // LA57, PCIDE: IA-32e only
                    if (set) c.cr4 |= 1L << b; else c.cr4 &= ~(1L << b);
                    relevant = bit(p.cr4f0(), b) && !set || !bit(p.cr4f1(), b) && set;
                    if (relevant || rnd.nextInt(4) == 0) add(c, "CR4 bit " + b + (set ? " set" : " clear")
                            + ", FIXED0 " + hex(p.cr4f0()) + ", FIXED1 " + hex(p.cr4f1()), B);
                }
            }
            // Everything allowed set, nothing else: the boundary on the held side of FIXED1 and FIXED0.
            S all = base("vmxon", "outside", p, "protected");
            all.cr4 = p.cr4f1() & 0xffffffffL & ~(1L << 12) & ~(1L << 17); // LA57 and PCIDE need IA-32e mode
            all.cr4 |= p.cr4f0();
            add(all, "VMXON_CR4_FIXED1", true, "CR4 = every bit FIXED1 allows (but LA57, PCIDE)", B);
            S min = base("vmxon", "outside", p, "protected");
            min.cr0 = p.cr0f0() | 0x10L;
            min.cr4 = p.cr4f0();
            add(min, "VMXON_CR0_FIXED0", true, "CR0 and CR4 = exactly their FIXED0 bits", B);
        }
    }

    /** setMode without touching CR0 bits other than PE/PG (used when a CR0 bit test leaves protected mode). */
    private static void setModeKeep(S s, String mode) {
        long cr0 = s.cr0;
        setMode(s, mode);
        s.cr0 = cr0 & ~0x80000001L;
    }

    /** Alignment bits 0..11, the first bit beyond MAXPHYADDR, bit 32 with IA32_VMX_BASIC[48], for VMXON/VMCLEAR/VMPTRLD. */
    private void pointerChecks() {
        for (String instr : new String[] {"vmxon", "vmclear", "vmptrld"}) {
            String pre = instr.toUpperCase();
            String op = goodOp(instr);
            for (int b = 0; b < 12; b++) {
                S s = base(instr, op, realistic(), goodMode(instr));
                pointTo(s, otherPage(s, s.vmxon, s.current) | (1L << b));
                add(s, "pointer with bit " + b + " set: not 4-KByte aligned", B);
            }
            S aligned = base(instr, op, realistic(), goodMode(instr));
            add(aligned, pre + (instr.equals("vmxon") ? "_POINTER_ALIGNED" : "_ADDRESS_ALIGNED"), true, "4-KByte aligned pointer", B);
            for (int mp : maxphys) {
                for (Profile p : new Profile[] {realistic(), EDGE_REV_MAX}) {
                    S s = base(instr, op, p, goodMode(instr));
                    s.maxphy = mp;
                    pointTo(s, 1L << mp);
                    add(s, "pointer 2^" + mp + ": the first bit beyond MAXPHYADDR " + mp, B);
                    S last = base(instr, op, p, goodMode(instr));
                    last.maxphy = mp;
                    pointTo(last, (1L << (mp - 1)) | (rnd.nextInt(0x100) << 12));
                    add(last, pre + (instr.equals("vmxon") ? "_POINTER_WITHIN_MAXPHYADDR" : "_ADDRESS_WITHIN_MAXPHYADDR"), true,
                            "pointer with bit " + (mp - 1) + " set: the last bit below MAXPHYADDR " + mp, B);
                    S top = base(instr, op, p, goodMode(instr));
                    top.maxphy = mp;
                    pointTo(top, 1L << 63);
                    add(top, "pointer with bit 63 set, MAXPHYADDR " + mp, NOF);
                }
            }
            String lim = pre + (instr.equals("vmxon") ? "_POINTER_32BIT_LIMIT" : "_ADDRESS_32BIT_LIMIT");
            for (int mp : new int[] {36, 39, 46, 52}) {
                for (int b = 31; b <= 33; b++) {
                    for (Profile p : new Profile[] {EDGE_32BIT, realistic()}) {
                        S s = base(instr, op, p, goodMode(instr));
                        s.maxphy = mp;
                        pointTo(s, 1L << b);
                        add(s, "pointer 2^" + b + " with IA32_VMX_BASIC[48] = " + (bit(p.basic(), 48) ? 1 : 0) + ", MAXPHYADDR " + mp,
                                b == 31 ? B : NOF);
                    }
                }
                S s = base(instr, op, EDGE_32BIT, goodMode(instr));
                s.maxphy = mp;
                pointTo(s, 0xfffff000L);
                add(s, lim, true, "pointer 0xfffff000, the highest page below 4 GiB, with IA32_VMX_BASIC[48] = 1", B);
            }
        }
    }

    /** Revision identifiers: each bit 0..30 flipped, bit 31 set with and without VMCS shadowing, bits 63:32 ignored. */
    private void revisionIds() {
        for (String instr : new String[] {"vmxon", "vmptrld"}) {
            for (Profile p : allProfiles) {
                for (int b = 0; b < 31; b++) {
                    if (p != host() && p != EDGE_REV_MAX && rnd.nextInt(3) != 0 && b != 0 && b != 30) continue;
                    S s = base(instr, goodOp(instr), p, goodMode(instr));
                    long region = s.getQword(s.linear());
                    s.mem.put(region, (p.basic() & 0x7fffffffL) ^ (1L << b));
                    add(s, "revision identifier with bit " + b + " flipped", B);
                }
                S sh = base(instr, goodOp(instr), p, goodMode(instr));
                long region = sh.getQword(sh.linear());
                sh.mem.put(region, (p.basic() & 0x7fffffffL) | 0x80000000L);
                add(sh, "revision identifier with bit 31 (shadow-VMCS indicator) set; VMCS shadowing "
                        + (bit(p.ctls2(), 46) ? "allowed" : "not allowed"), B);
                S hi = base(instr, goodOp(instr), p, goodMode(instr));
                region = hi.getQword(hi.linear());
                hi.mem.put(region, (p.basic() & 0x7fffffffL) | (rnd.nextLong() & 0xffffffff00000000L));
                add(hi, "revision identifier right; bytes 4-7 of the region (VMX-abort indicator) nonzero, which is ignored", NOF);
            }
        }
        for (Profile p : allProfiles) {
            for (boolean shadow : new boolean[] {false, true}) {
                S s = base("vmptrld", "root", p, "64-bit");
                long region = s.getQword(s.linear());
                s.mem.put(region, (p.basic() & 0x7fffffffL) | (shadow ? 0x80000000L : 0));
                add(s, "VMPTRLD_REVISION_ID", true, "revision identifier bits 30:0 right, bit 31 = " + (shadow ? 1 : 0), NOF);
            }
        }
    }

    /** VMXON in VMX root operation fails (valid or invalid), in non-root operation exits; CPL in root. */
    private void vmxonInVmxOperation() {
        for (int cpl = 0; cpl < 4; cpl++) {
            for (boolean cur : new boolean[] {false, true}) {
                S s = base("vmxon", "root", realistic(), cpl == 0 && cur ? "protected" : "64-bit");
                s.cpl = cpl;
                s.current = cur ? otherPage(s, s.vmxon) : NONE;
                add(s, "VMXON in VMX root operation, " + (cur ? "a current VMCS" : "no current VMCS"), B);
                S n = s.copy();
                n.op = "non-root";
                add(n, "VMXON in VMX non-root operation", NOF);
            }
        }
        // Things that matter outside VMX operation do not matter in it.
        for (int i = 0; i < 8; i++) {
            S s = base("vmxon", i % 2 == 0 ? "root" : "non-root", anyProfile(), "64-bit");
            s.a20m = i % 4 < 2;
            s.fc = rnd.nextInt(8);
            s.smx = rnd.nextBoolean();
            pointTo(s, rnd.nextLong());
            add(s, "VMXON in VMX operation ignores A20M, IA32_FEATURE_CONTROL and the operand value", NOF);
        }
    }

    private void vmxoff() {
        for (String mode : MODES) {
            for (String op : OPS) {
                for (boolean dual : new boolean[] {false, true}) {
                    for (boolean cur : new boolean[] {false, true}) {
                        if (op.equals("root") && mode.equals("real")) continue;
                        S s = base("vmxoff", op, realistic(), mode);
                        if (mode.equals("virtual-8086")) s.cpl = 3;
                        s.dual = dual;
                        s.current = cur && !op.equals("outside") ? otherPage(s, s.vmxon) : NONE;
                        add(s, "VMXOFF, dual-monitor treatment " + (dual ? "active" : "inactive"), dual ? B : NOF);
                    }
                }
            }
        }
        for (int cpl = 0; cpl < 4; cpl++) {
            S s = base("vmxoff", "root", realistic(), "64-bit");
            s.cpl = cpl;
            add(s, "VMX_CPL_ZERO", cpl == 0, "VMXOFF in VMX root operation at CPL " + cpl, B);
        }
    }

    /** VMCLEAR/VMPTRLD of the VMXON pointer, of the current VMCS, of another VMCS, with and without a current VMCS. */
    private void vmclearPointers() {
        for (String instr : new String[] {"vmclear", "vmptrld"}) {
            for (Profile p : allProfiles) {
                for (boolean cur : new boolean[] {false, true}) {
                    S s = base(instr, "root", p, goodMode(instr));
                    s.current = cur ? otherPage(s, s.vmxon) : NONE;
                    if (cur) s.mem.put(s.current, p.basic() & 0x7fffffffL);
                    pointTo(s, s.vmxon);
                    add(s, "operand = the VMXON pointer", B);
                    S n = base(instr, "root", p, goodMode(instr));
                    n.current = cur ? otherPage(n, n.vmxon) : NONE;
                    pointTo(n, n.vmxon + 0x1000);
                    n.mem.put(n.vmxon + 0x1000, p.basic() & 0x7fffffffL);
                    add(n, instr.toUpperCase() + "_NOT_VMXON_POINTER", true, "operand = the page after the VMXON region", B);
                    if (cur) {
                        S c = base(instr, "root", p, goodMode(instr));
                        c.current = otherPage(c, c.vmxon);
                        c.mem.put(c.current, p.basic() & 0x7fffffffL);
                        pointTo(c, c.current);
                        add(c, "operand = the current-VMCS pointer", NOF);
                    }
                    S o = base(instr, "root", p, goodMode(instr));
                    o.current = cur ? otherPage(o, o.vmxon) : NONE;
                    long other = otherPage(o, o.vmxon, o.current);
                    pointTo(o, other);
                    add(o, "operand = another VMCS", NOF);
                }
            }
        }
    }

    /** Each VMfail of each instruction, with a current VMCS (VMfailValid) and without (VMfailInvalid). */
    private void vmfailKinds() {
        for (String instr : new String[] {"vmclear", "vmptrld", "vmxon", "vmxoff"}) {
            for (int kind = 0; kind < 5; kind++) {
                for (boolean cur : new boolean[] {false, true}) {
                    S s = base(instr, "root", realistic(), "64-bit");
                    s.current = cur ? otherPage(s, s.vmxon) : NONE;
                    if (cur) s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
                    if (instr.equals("vmxoff")) {
                        if (kind > 0) continue;
                        s.dual = true;
                    } else if (!instr.equals("vmxon")) {
                        long t = otherPage(s, s.vmxon, s.current);
                        switch (kind) {
                            case 0 -> pointTo(s, t | 0x800);
                            case 1 -> pointTo(s, 1L << s.maxphy);
                            case 2 -> pointTo(s, s.vmxon);
                            case 3 -> { pointTo(s, t); s.mem.put(t, s.p.basic() & 0x7fffffffL ^ 1); }
                            default -> { pointTo(s, t); s.mem.put(t, 0x80000000L | s.p.basic() & 0x7fffffffL); s.p = PENRYN; }
                        }
                        if (instr.equals("vmclear") && kind >= 3) continue;
                    } else if (kind > 0) {
                        continue;
                    }
                    add(s, "VMX_VMFAIL_VALID", cur, "VMfail " + (kind) + " with " + (cur ? "a current VMCS: VMfailValid" : "no current VMCS: VMfailInvalid"), NOF);
                }
            }
        }
    }

    /** Outside 64-bit mode: offset + 7 at the limit and one beyond, for every segment and instruction. */
    private void segmentLimits() {
        for (String instr : new String[] {"vmxon", "vmclear", "vmptrld", "vmptrst"}) {
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32}) {
                    for (int d = -1; d <= 1; d++) {
                        S s = base(instr, goodOp(instr), realistic(), "protected");
                        long off = asz == 16 ? 0x1000 + rnd.nextInt(0xe000) : 0x1000 + rnd.nextInt(0x7fff0000);
                        long la = DATA + rnd.nextInt(0x80000);
                        long segBase = (la - off) & 0xffffffffL;
                        long target = s.getQword(s.linear());
                        s.operand.seg = seg;
                        s.operand.asz = asz;
                        randomEncoding(s.operand, false);
                        s.operand.offset = off;
                        s.operand.segBase = segBase;
                        s.operand.limit = off + 7 - 1 + (d + 1); // d = -1: limit = off + 6 (fault); 0: off + 7; 1: off + 8
                        if (instr.equals("vmptrst")) {
                            s.mem.put(la & ~7L, rnd.nextLong());
                        } else {
                            pointTo(s, target);
                        }
                        add(s, "offset + 7 " + (d < 0 ? "one beyond" : d == 0 ? "exactly at" : "one below") + " the "
                                + SEGS[seg] + " limit " + hex(s.operand.limit), d <= 0 ? B : NOF);
                    }
                    // Offset 0 with a zero limit (a null-size segment) and a big offset with a 4-GiB limit.
                    S z = base(instr, goodOp(instr), realistic(), "protected");
                    long t = z.getQword(z.linear());
                    z.operand.seg = seg;
                    z.operand.limit = 0;
                    z.operand.offset = 0;
                    z.operand.asz = asz;
                    z.operand.segBase = DATA + 0x90000;
                    if (!instr.equals("vmptrst")) pointTo(z, t);
                    add(z, "offset 0, limit 0 through " + SEGS[seg], NOF);
                }
            }
            // Through SS both sides of the rule that picks #SS.
            for (int seg = 0; seg < 6; seg++) {
                S s = base(instr, goodOp(instr), realistic(), "protected");
                s.operand.seg = seg;
                s.operand.limit = s.operand.offset + 3;
                if (instr.equals("vmptrst") && seg == 1) {
                    add(s, "VMPTRST_WRITABLE_SEGMENT", false, "VMPTRST through CS outside 64-bit mode", B);
                } else {
                    add(s, "VMX_FAULT_ON_STACK_SEGMENT", seg == 2, "limit fault through " + SEGS[seg], B);
                }
            }
        }
        for (int seg = 0; seg < 6; seg++) {
            S s = base("vmptrst", "root", realistic(), "protected");
            s.operand.seg = seg;
            add(s, "VMPTRST through " + SEGS[seg] + " in protected mode", B);
            S l = base("vmptrst", "root", realistic(), "64-bit");
            place(l, seg, 64, DATA + rnd.nextInt(0x80000));
            add(l, "VMPTRST through " + SEGS[seg] + " in 64-bit mode (no segment type checks)", NOF);
        }
    }

    /** 64-bit mode: canonical boundaries for 48- and 57-bit linear addresses, through every segment. */
    private void canonicalBoundaries() {
        long[] la48 = {0x00007ffffffffff8L, 0x0000800000000000L, 0xffff7ffffffffff8L, 0xffff800000000000L,
            0x8000000000000000L, 0x00007ffffffff000L, 0xfffffffffffffff0L, 0x0001000000000000L};
        long[] la57 = {0x00fffffffffffff8L, 0x0100000000000000L, 0xfefffffffffffff8L, 0xff00000000000000L,
            0x0000800000000000L, 0xffff7ffffffffff8L, 0x8000000000000000L};
        for (String instr : new String[] {"vmxon", "vmclear", "vmptrld", "vmptrst"}) {
            for (int seg = 0; seg < 6; seg++) {
                for (boolean la57on : new boolean[] {false, true}) {
                    for (long la : la57on ? la57 : la48) {
                        S s = base(instr, goodOp(instr), realistic(), "64-bit");
                        long target = s.getQword(s.linear());
                        if (la57on) s.cr4 |= 1L << 12;
                        if (la57on) s.p = EDGE_LA57; // VMXON needs FIXED1 to allow LA57; no Bochs model does
                        place(s, seg, 64, la);
                        if (instr.equals("vmptrst")) {
                            s.mem.put(la & ~7L, rnd.nextLong());
                        } else {
                            pointTo(s, target);
                            if (!s.mem.containsKey(target)) s.mem.put(target, s.p.basic() & 0x7fffffffL);
                        }
                        add(s, "linear address " + hex(la) + (la57on ? " with CR4.LA57 = 1" : " (48-bit)") + " through " + SEGS[seg],
                                B);
                    }
                }
                S f = base(instr, goodOp(instr), realistic(), "64-bit");
                place(f, seg, 64, 0x0000800000000000L);
                add(f, "VMX_FAULT_ON_STACK_SEGMENT", seg == 2, "non-canonical operand through " + SEGS[seg], B);
                S b = base(instr, goodOp(instr), realistic(), "64-bit");
                place(b, seg, 64, DATA + 0x1000 * rnd.nextInt(0x80));
                b.operand.segBase = 0x0000123400000000L;
                if (seg == 4 || seg == 5) {
                    b.operand.offset = (DATA + 0x3000) - b.operand.segBase;
                }
                if (instr.equals("vmptrst")) {
                    add(b, "VMX_64BIT_SEGMENT_BASE_ZERO", seg != 4 && seg != 5, SEGS[seg] + " base 0x123400000000 in 64-bit mode", NOF);
                } else {
                    long t = otherPage(b, b.vmxon, b.current);
                    pointTo(b, t);
                    add(b, "VMX_64BIT_SEGMENT_BASE_ZERO", seg != 4 && seg != 5, SEGS[seg] + " base 0x123400000000 in 64-bit mode", NOF);
                }
            }
            S l = base(instr, goodOp(instr), EDGE_LA57, "64-bit");
            l.cr4 |= 1L << 12;
            add(l, "VMX_LA57_CANONICAL_WIDTH", true, "CR4.LA57 = 1", NOF);
            S n = base(instr, goodOp(instr), ICELAKE, "64-bit");
            add(n, "VMX_LA57_CANONICAL_WIDTH", false, "CR4.LA57 = 0", NOF);
        }
    }

    /** VM exits in non-root operation: every segment, address size, base/index register, scale and displacement size. */
    private void exitInformation() {
        for (String instr : new String[] {"vmxon", "vmclear", "vmptrld", "vmptrst"}) {
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32, 64}) {
                    for (int k = 0; k < 3; k++) {
                        S s = base(instr, "non-root", anyProfile(), asz == 64 || asz == 32 && k == 2 ? "64-bit" : "protected");
                        s.cpl = rnd.nextInt(4);
                        place(s, seg, asz, DATA + rnd.nextInt(0x8000));
                        add(s, "VM exit: segment " + SEGS[seg] + ", " + asz + "-bit address, base " + (s.operand.baseValid ? s.operand.base : "none")
                                + ", index " + (s.operand.indexValid ? s.operand.index + " scale " + s.operand.scale : "none")
                                + ", displacement " + hex(s.operand.disp), NOF);
                    }
                }
            }
            for (int r = 0; r < 16; r++) {
                for (boolean idx : new boolean[] {false, true}) {
                    S s = base(instr, "non-root", realistic(), "64-bit");
                    s.operand.asz = 64;
                    s.operand.baseValid = !idx || rnd.nextBoolean();
                    s.operand.indexValid = idx;
                    if (idx) {
                        if (r == 4) continue;
                        s.operand.index = r;
                        s.operand.scale = r & 3;
                    } else {
                        s.operand.base = r;
                    }
                    add(s, idx ? "VMX_EXIT_INFO_INDEX_VALID" : "VMX_EXIT_INFO_BASE_VALID", true,
                            (idx ? "index register " : "base register ") + r, B);
                }
            }
            S nb = base(instr, "non-root", realistic(), "64-bit");
            nb.operand.baseValid = false;
            nb.operand.indexValid = true;
            nb.operand.index = 5;
            nb.operand.scale = 3;
            add(nb, "VMX_EXIT_INFO_BASE_VALID", false, "index but no base register", B);
            S ni = base(instr, "non-root", realistic(), "protected");
            ni.operand.indexValid = false;
            add(ni, "VMX_EXIT_INFO_INDEX_VALID", false, "no index register", B);
            long[] disps = {0, 0x7f, 0xffffffffffffff80L, 0x7fff, 0xffffffffffff8000L, 0x7fffffffL, 0xffffffff80000000L, 0xfffffffffffffffcL};
            for (long d : disps) {
                for (int asz : new int[] {16, 32, 64}) {
                    if (asz == 16 && (short) d != d) continue;
                    S s = base(instr, "non-root", realistic(), asz == 64 ? "64-bit" : "protected");
                    s.operand.asz = asz;
                    if (asz == 16) {
                        s.operand.baseValid = true;
                        s.operand.base = 3;
                        s.operand.indexValid = true;
                        s.operand.index = 6;
                        s.operand.scale = 0;
                        s.operand.offset &= 0xfff0L;
                    }
                    s.operand.disp = d;
                    add(s, "VMX_NON_ROOT_VM_EXIT", false, "VM exit with displacement " + hex(d) + " and a " + asz + "-bit address", B);
                }
            }
            // The exit comes before the operand is touched: a bad operand does not matter.
            S bad = base(instr, "non-root", realistic(), "64-bit");
            place(bad, 2, 64, 0x0000800000000000L);
            add(bad, "VMX_NON_ROOT_VM_EXIT", false, "VM exit although the operand is non-canonical through SS", B);
            S lim = base(instr, "non-root", realistic(), "protected");
            lim.operand.limit = 0;
            lim.operand.offset = 0x100;
            lim.operand.segBase = DATA;
            add(lim, "VMX_NON_ROOT_VM_EXIT", false, "VM exit although the operand is beyond the segment limit", B);
        }
        for (int cpl = 0; cpl < 4; cpl++) {
            S s = base("vmxoff", "non-root", realistic(), "64-bit");
            s.cpl = cpl;
            add(s, "VMX_NON_ROOT_VM_EXIT", false, "VMXOFF VM exit at CPL " + cpl + ": exit qualification 0", B);
        }
    }

    /** VMPTRST at every byte alignment, with and without a current VMCS, keeping the neighbouring bytes. */
    private void vmptrstStores() {
        for (int k = 0; k < 8; k++) {
            for (boolean cur : new boolean[] {false, true}) {
                for (String mode : new String[] {"protected", "64-bit"}) {
                    S s = base("vmptrst", "root", realistic(), mode);
                    long la = (DATA + 0x100 * rnd.nextInt(0x1000)) + k;
                    place(s, mode.equals("protected") ? 3 : rnd.nextInt(6), mode.equals("protected") ? 32 : 64, la);
                    s.current = cur ? otherPage(s, s.vmxon) : NONE;
                    s.mem.put(la & ~7L, rnd.nextLong());
                    s.mem.put((la & ~7L) + 8, rnd.nextLong());
                    add(s, "VMPTRST to a byte address with low bits " + k + ", " + (cur ? "a current VMCS" : "no current VMCS"),
                            k == 0 || k == 7 ? B : NOF);
                }
            }
        }
    }

    /** Seeded random inputs: mostly plausible, with occasional damage anywhere. */
    private void randomCases(int n) {
        for (int i = 0; i < n; i++) {
            String instr = INSTRUCTIONS[rnd.nextInt(5)];
            String op = rnd.nextInt(4) == 0 ? OPS[rnd.nextInt(3)] : goodOp(instr);
            String mode = rnd.nextInt(6) == 0 ? MODES[rnd.nextInt(5)] : goodMode(instr);
            if (op.equals("root") && mode.equals("real")) mode = "protected";
            S s = base(instr, op, anyProfile(), mode);
            s.maxphy = maxphyFor(32 + rnd.nextInt(21));
            if (s.vmxon >>> s.maxphy != 0) s.vmxon &= (1L << s.maxphy) - 1 & ~0xfffL;
            if (mode.equals("virtual-8086")) s.cpl = 3;
            else if (!mode.equals("real") && rnd.nextInt(5) == 0) s.cpl = 1 + rnd.nextInt(3);
            if (rnd.nextInt(10) == 0) s.a20m = true;
            if (rnd.nextInt(8) == 0) s.fc = rnd.nextInt(8);
            s.smx = rnd.nextInt(6) == 0;
            if (s.smx && rnd.nextBoolean()) s.fc |= 2;
            s.dual = rnd.nextInt(6) == 0;
            if (rnd.nextInt(12) == 0 && !mode.equals("real")) s.cr0 ^= 1L << new int[] {5, 16, 30, 1}[rnd.nextInt(4)];
            if (rnd.nextInt(12) == 0) s.cr4 ^= 1L << new int[] {7, 9, 10, 16, 18, 20, 21, 22, 23}[rnd.nextInt(9)];
            if (s.operand != null && !instr.equals("vmxoff")) {
                if (rnd.nextInt(10) == 0) s.operand = null;
                else if (!instr.equals("vmptrst") && rnd.nextInt(3) == 0) {
                    long t = s.getQword(s.linear());
                    int what = rnd.nextInt(5);
                    if (what == 0) t |= 1L << rnd.nextInt(12);
                    else if (what == 1) t |= 1L << (s.maxphy + rnd.nextInt(64 - s.maxphy));
                    else if (what == 2) t = s.vmxon;
                    else if (what == 3) s.mem.put(t, s.mem.getOrDefault(t, 0L) ^ (1L << rnd.nextInt(32)));
                    else t = s.current != NONE ? s.current : t;
                    pointTo(s, t);
                } else if (!s.is64() && rnd.nextInt(5) == 0) {
                    s.operand.limit = s.operand.offset + rnd.nextInt(8);
                }
            }
            add(s, "seeded random input " + i, List.of("random"));
        }
    }

    // ----- VMLAUNCH, VMRESUME, VMCALL -----

    private static final String[] LAUNCH_STATES = {"clear", "launched"};

    /** A root-operation VMLAUNCH/VMRESUME state with or without a current VMCS, the given MOV SS blocking and launch state. */
    private S entry(String instr, Profile p, String mode, boolean current, boolean movss, String launch) {
        S s = base(instr, "root", p, mode);
        s.current = current ? otherPage(s, s.vmxon) : NONE;
        if (current) s.mem.put(s.current, p.basic() & 0x7fffffffL);
        s.movss = movss;
        s.launch = launch;
        return s;
    }

    /**
     * VMLAUNCH and VMRESUME: every combination of current VMCS, blocking by MOV SS and launch state at CPL 0 in VMX
     * root operation; each check on both sides; the priorities (CPL before the current-VMCS pointer, the
     * current-VMCS pointer before MOV SS, MOV SS before the launch state); non-root exits and #UD that ignore all of it.
     */
    private void vmEntryInstructions() {
        for (String instr : new String[] {"vmlaunch", "vmresume"}) {
            String good = instr.equals("vmlaunch") ? "clear" : "launched";
            String bad = instr.equals("vmlaunch") ? "launched" : "clear";
            String stateRule = instr.equals("vmlaunch") ? "VMLAUNCH_CLEAR_VMCS" : "VMRESUME_LAUNCHED_VMCS";
            for (String mode : new String[] {"protected", "64-bit"}) {
                for (boolean cur : new boolean[] {false, true}) {
                    for (boolean movss : new boolean[] {false, true}) {
                        for (String launch : LAUNCH_STATES) {
                            for (int k = 0; k < 2; k++) {
                                S s = entry(instr, k == 0 ? realistic() : anyProfile(), mode, cur, movss, launch);
                                add(s, "the instruction page's checks in VMX root operation at CPL 0", B);
                            }
                        }
                    }
                }
            }
            for (Profile p : allProfiles) {
                S ok = entry(instr, p, rnd.nextBoolean() ? "protected" : "64-bit", true, false, good);
                add(ok, stateRule, true, "launch state " + good + ": the VM-entry checks begin", B);
                S no = entry(instr, p, rnd.nextBoolean() ? "protected" : "64-bit", true, false, bad);
                add(no, stateRule, false, "launch state " + bad + ": VMfailValid(" + (instr.equals("vmlaunch") ? 4 : 5) + ")", B);
                S inv = entry(instr, p, "64-bit", false, false, good);
                add(inv, "VMLAUNCH_VMRESUME_CURRENT_VMCS", false, "no current VMCS: VMfailInvalid", B);
                S val = entry(instr, p, "64-bit", true, true, bad);
                add(val, "VMLAUNCH_VMRESUME_CURRENT_VMCS", true, "a current VMCS: the next check decides", B);
                S mss = entry(instr, p, "protected", true, true, good);
                add(mss, "VMLAUNCH_VMRESUME_NOT_BLOCKED_BY_MOV_SS", false, "blocking by MOV SS: VMfailValid(26)", B);
                S nmss = entry(instr, p, "protected", true, false, bad);
                add(nmss, "VMLAUNCH_VMRESUME_NOT_BLOCKED_BY_MOV_SS", true, "no blocking by MOV SS: the launch state decides", B);
            }
            // Priorities: #GP(0) at CPL > 0 before VMfailInvalid and VMfailValid; VMfailInvalid before MOV SS.
            for (int cpl = 0; cpl < 4; cpl++) {
                for (boolean cur : new boolean[] {false, true}) {
                    S s = entry(instr, realistic(), "64-bit", cur, true, bad);
                    s.cpl = cpl;
                    add(s, "VMX_CPL_ZERO", cpl == 0, "CPL " + cpl + " with every later check failing", B);
                }
            }
            S first = entry(instr, realistic(), "protected", false, true, bad);
            add(first, "VMLAUNCH_VMRESUME_CURRENT_VMCS", false, "no current VMCS although MOV SS blocks and the launch state is wrong: VMfailInvalid", B);
            // Non-root operation: the VM exit comes before CPL, the current VMCS, MOV SS and the launch state.
            for (int cpl = 0; cpl < 4; cpl++) {
                for (boolean movss : new boolean[] {false, true}) {
                    S s = entry(instr, realistic(), cpl % 2 == 0 ? "64-bit" : "protected", cpl == 1, movss, LAUNCH_STATES[rnd.nextInt(2)]);
                    s.op = "non-root";
                    s.cpl = cpl;
                    add(s, "VMX_NON_ROOT_VM_EXIT", false, "VM exit (reason " + (instr.equals("vmlaunch") ? 20 : 24)
                            + ", exit qualification 0) whatever CPL, MOV SS blocking and launch state", cpl == 0 ? B : NOF);
                }
            }
            // #UD before the VM exit in non-root operation (real, virtual-8086, compatibility) and outside VMX operation.
            for (String mode : new String[] {"real", "virtual-8086", "compatibility"}) {
                for (String op : OPS) {
                    if (op.equals("root") && mode.equals("real")) continue;
                    S s = base(instr, op, realistic(), mode);
                    s.cpl = mode.equals("virtual-8086") ? 3 : mode.equals("real") ? 0 : rnd.nextInt(4);
                    s.movss = rnd.nextBoolean();
                    s.launch = LAUNCH_STATES[rnd.nextInt(2)];
                    add(s, mode + " mode: #UD before anything else", B);
                }
            }
            // The two keys left out: their defaults (no blocking, launch state clear).
            for (boolean cur : new boolean[] {false, true}) {
                S s = entry(instr, realistic(), "64-bit", cur, false, good);
                s.movss = null;
                s.launch = null;
                add(s, "blocking_by_mov_ss and launch_state absent: no blocking, launch state clear", NOF);
            }
        }
    }

    /** VMCALL: VM exit in non-root operation before the mode #UD; in root operation #UD, #GP(0), then VMfail(1). */
    private void vmcallCases() {
        for (Profile p : allProfiles) {
            for (boolean cur : new boolean[] {false, true}) {
                S s = base("vmcall", "root", p, rnd.nextBoolean() ? "protected" : "64-bit");
                s.current = cur ? otherPage(s, s.vmxon) : NONE;
                if (cur) s.mem.put(s.current, p.basic() & 0x7fffffffL);
                add(s, "VMX_VMFAIL_VALID", cur, "VMCALL in VMX root operation: VMfail(1), " + (cur ? "VMfailValid" : "VMfailInvalid"), B);
            }
        }
        // The VM exit precedes the mode conditions: non-root VMCALL exits in real, virtual-8086 and compatibility mode.
        for (String mode : MODES) {
            for (int cpl = 0; cpl < 4; cpl++) {
                if (mode.equals("real") && cpl != 0 || mode.equals("virtual-8086") && cpl != 3) continue;
                S s = base("vmcall", "non-root", realistic(), mode);
                s.cpl = cpl;
                add(s, "VMX_NON_ROOT_VM_EXIT", false, "VMCALL in non-root operation exits (reason 18) in " + mode + " mode", B);
            }
        }
        // In root operation: #UD in virtual-8086 and compatibility mode before #GP(0) at CPL > 0; both sides of each.
        for (int cpl = 0; cpl < 4; cpl++) {
            S c = base("vmcall", "root", realistic(), "compatibility");
            c.cpl = cpl;
            add(c, "VMX_NOT_COMPATIBILITY_MODE", false, "VMCALL in compatibility mode in VMX root operation", B);
            S l = base("vmcall", "root", realistic(), "64-bit");
            l.cpl = cpl;
            add(l, "VMX_NOT_COMPATIBILITY_MODE", true, "VMCALL in 64-bit mode in VMX root operation", B);
            S v = base("vmcall", "root", realistic(), "protected");
            v.cpl = cpl;
            add(v, "VMX_NOT_VIRTUAL_8086", true, "VMCALL in protected mode in VMX root operation", B);
            S g = base("vmcall", "root", realistic(), cpl % 2 == 0 ? "protected" : "64-bit");
            g.cpl = cpl;
            add(g, "VMX_CPL_ZERO", cpl == 0, "VMCALL in VMX root operation at CPL " + cpl, B);
        }
        S v86 = base("vmcall", "root", realistic(), "virtual-8086");
        v86.cpl = 3;
        add(v86, "VMX_NOT_VIRTUAL_8086", false, "VMCALL in virtual-8086 mode in VMX root operation: #UD, not #GP(0)", B);
        for (String mode : MODES) {
            S o = base("vmcall", "outside", realistic(), mode);
            o.cpl = mode.equals("virtual-8086") ? 3 : 0;
            add(o, "VMX_IN_VMX_OPERATION", false, "VMCALL outside VMX operation", B);
        }
    }

    /** Seeded random VMLAUNCH, VMRESUME and VMCALL inputs. */
    private void randomNoOperand(int n) {
        for (int i = 0; i < n; i++) {
            String instr = NO_OPERAND[rnd.nextInt(NO_OPERAND.length)];
            String op = rnd.nextInt(4) == 0 ? OPS[rnd.nextInt(3)] : "root";
            String mode = rnd.nextInt(6) == 0 ? MODES[rnd.nextInt(5)] : goodMode(instr);
            if (op.equals("root") && mode.equals("real")) mode = "protected";
            S s = base(instr, op, anyProfile(), mode);
            if (mode.equals("virtual-8086")) s.cpl = 3;
            else if (!mode.equals("real") && rnd.nextInt(5) == 0) s.cpl = 1 + rnd.nextInt(3);
            if (!instr.equals("vmcall")) {
                s.movss = rnd.nextInt(4) == 0;
                s.launch = LAUNCH_STATES[rnd.nextInt(2)];
                s.dual = rnd.nextInt(6) == 0;
            }
            add(s, "seeded random input " + i, List.of("random"));
        }
    }

    // ----- INVEPT, INVVPID -----

    /** IA32_VMX_EPT_VPID_CAP of each profile: the Bochs models' values; chosen ones for the edge profiles. */
    long eptCap(Profile p) {
        if (p == platform) return pp.eptVpidCap().orElse(0L);
        if (p == PENRYN) return 0L;
        if (p == LYNNFIELD || p == SANDY || p == IVY) return 0xf0106114141L;
        if (p == TIGERLAKE) return 0xf0106b34141L;
        if (p == EDGE_NO_VE) return eptCap(HASWELL);
        if (p.realistic()) return 0xf0106334141L; // Haswell, Skylake-X, Cannon Lake, Ice Lake, generic_vmx2
        if (p == EDGE_32BIT) return 0xf0106114141L;
        if (p == EDGE_REV_MAX) return -1L;                // everything reported
        if (p == EDGE_REV_ZERO) return 0xf0106334141L;    // INVEPT/INVVPID reported, but CTLS2 allows neither EPT nor VPID
        if (p == EDGE_FIXED) return 0x14141L;             // EPT and VPID, but neither INVEPT nor INVVPID
        if (p == EDGE_FIXED2) return 0xa0102114141L;      // INVEPT single-context only; INVVPID types 1 and 3 only
        return 0x501043301c1L;                            // EDGE_LA57: walk length 5 too, UC only, INVEPT all-context only, INVVPID types 0 and 2
    }

    /** The types the capability reports (INVEPT 1, 2; INVVPID 0..3). */
    static List<Long> supportedTypes(String instr, long cap) {
        List<Long> t = new ArrayList<>();
        if (instr.equals("invept")) {
            for (long k = 1; k <= 2; k++) if (bit(cap, 24 + (int) k)) t.add(k);
        } else {
            for (long k = 0; k <= 3; k++) if (bit(cap, 40 + (int) k)) t.add(k);
        }
        return t;
    }

    /** The INVEPT/INVVPID part of base(): capability, register operand, a supported type, a valid descriptor. */
    private void invSetup(S s) {
        s.eptCap = eptCap(s.p);
        s.reg2 = rnd.nextInt(16);
        List<Long> types = supportedTypes(s.instr, s.eptCap);
        s.regVal = types.isEmpty() ? 1L : types.get(rnd.nextInt(types.size()));
        Op o = s.operand;
        if (!s.is64() && o.limit < o.offset + 15) o.limit = o.offset + 15;
        writeDescriptor(s);
    }

    /** A valid descriptor at the operand for the current type and capability. */
    private void writeDescriptor(S s) {
        long la = s.linear();
        if (s.instr.equals("invept")) {
            s.putQword(la, goodEptp(s));
            s.putQword(la + 8, rnd.nextInt(4) == 0 ? rnd.nextLong() : 0L); // bits 127:64: not checked
        } else {
            s.putQword(la, 1 + rnd.nextInt(0xffff));
            s.putQword(la + 8, goodLinear());
        }
    }

    /** An EPTP that passes the checks of 27.2.1.1 under the capability. */
    private long goodEptp(S s) {
        long cap = s.eptCap;
        long mt = bit(cap, 14) ? 6 : 0;
        if (bit(cap, 14) && bit(cap, 8) && rnd.nextInt(4) == 0) mt = 0;
        long pwl = bit(cap, 6) ? 3 : 4;
        if (bit(cap, 6) && bit(cap, 7) && rnd.nextBoolean()) pwl = 4;
        long ad = bit(cap, 21) && rnd.nextBoolean() ? 0x40 : 0;
        long sss = bit(cap, 23) && rnd.nextInt(3) == 0 ? 0x80 : 0;
        return randomPage(s) | mt | pwl << 3 | ad | sss;
    }

    /** A linear address canonical with 48 bits (hence with 57). */
    private long goodLinear() {
        int k = rnd.nextInt(3);
        if (k == 0) return rnd.nextLong() & 0x00007fffffffffffL;
        if (k == 1) return 0xffff800000000000L | (rnd.nextLong() & 0x00007fffffffffffL);
        return rnd.nextLong() & 0xfffffffffL;
    }

    /** A root-operation INVEPT/INVVPID at CPL 0 with the given type and a valid descriptor. */
    private S inv(String instr, Profile p, String mode, long type) {
        S s = base(instr, "root", p, mode);
        s.regVal = type;
        writeDescriptor(s);
        return s;
    }

    /** A realistic profile that supports EPT, VPID, INVEPT and INVVPID (every Bochs model but Penryn). */
    private Profile supporting() {
        // a platform without EPT or VPID (IA32_VMX_PROCBASED_CTLS2 bits 33, 37): the edge profile that has everything
        if (platform != null && !(bit(platform.ctls2(), 32 + 33) && bit(platform.ctls2(), 32 + 37))) return EDGE_REV_MAX;
        while (true) {
            Profile p = realistic();
            if (p != PENRYN) return p;
        }
    }

    private void setLow(S s, long v) {
        s.putQword(s.linear(), v);
    }

    private void setHigh(S s, long v) {
        s.putQword(s.linear() + 8, v);
    }

    /** #UD when the processor does not support the instruction: every profile, every VMX operation; both sides. */
    private void invSupport() {
        for (String instr : INV) {
            for (Profile p : allProfiles) {
                for (String op : OPS) {
                    S s = base(instr, op, p, "64-bit");
                    add(s, "support by the profile: IA32_VMX_PROCBASED_CTLS2 " + hex(p.ctls2()), B);
                }
            }
            boolean ept = instr.equals("invept");
            int capBit = ept ? 20 : 32;
            int ctlBit = ept ? 33 : 37;
            String supRule = ept ? "INVEPT_SUPPORTED" : "INVVPID_SUPPORTED";
            String ctlRule = ept ? "INVEPT_EPT_SUPPORTED" : "INVVPID_VPID_SUPPORTED";
            for (String op : OPS) {
                S s = base(instr, op, host(), "64-bit");
                s.eptCap &= ~(1L << capBit);
                s.edgeCap = true;
                add(s, supRule, false, "IA32_VMX_EPT_VPID_CAP bit " + capBit + " cleared: #UD, also in " + op + " operation", B);
                S h = base(instr, op, supporting(), "64-bit");
                add(h, supRule, true, "IA32_VMX_EPT_VPID_CAP bit " + capBit + " set", B);
                S c = base(instr, op, PENRYN, "protected");
                add(c, ctlRule, false, "Penryn: IA32_VMX_PROCBASED_CTLS2 bit " + ctlBit + " = 0", B);
                S c2 = base(instr, op, EDGE_REV_ZERO, "64-bit");
                add(c2, ctlRule, false, "IA32_VMX_PROCBASED_CTLS2 = 0 although IA32_VMX_EPT_VPID_CAP reports the instruction", B);
                S c3 = base(instr, op, EDGE_FIXED, "64-bit");
                add(c3, ctlRule, true, "IA32_VMX_PROCBASED_CTLS2 bit " + ctlBit + " = 1 but IA32_VMX_EPT_VPID_CAP bit " + capBit + " = 0", B);
            }
        }
    }

    /** The type in the register operand against every capability variant. */
    private void invTypes() {
        long[] values = {0, 1, 2, 3, 4, 5, 0x7fffffffL, 0xffffffffL, 0x100000001L, 0x100000002L, 0x8000000000000000L, -1L};
        long h = eptCap(host());
        long[] eptCaps = {h, h & ~(1L << 26), h & ~(1L << 25), h & ~(3L << 25), h | 0x0000000001000000L | 0x0000000008000000L, -1L};
        long[] vpidCaps = {h, h & ~(1L << 40), h & ~(1L << 41), h & ~(1L << 42), h & ~(1L << 43), h & ~(0xfL << 40) | 1L << 40,
            h & ~(0xfL << 40) | 1L << 43, h & ~(0xfL << 40), h | 0xf0L << 40, -1L};
        for (String instr : INV) {
            for (long cap : instr.equals("invept") ? eptCaps : vpidCaps) {
                for (long v : values) {
                    for (String mode : new String[] {"64-bit", "protected"}) {
                        if (!mode.equals("64-bit") && (v >>> 32) != 0) continue;
                        S s = inv(instr, host(), mode, v);
                        s.eptCap = cap;
                        s.edgeCap = cap != h;
                        writeDescriptor(s);
                        add(s, "type " + hex(v) + " against IA32_VMX_EPT_VPID_CAP " + hex(cap), Long.compareUnsigned(v, 4) <= 0 ? B : NOF);
                    }
                }
            }
        }
    }

    /** The 16-byte operand: limits, canonical boundaries, #SS, the type checked first, CPL, VMfailValid/Invalid. */
    private void invOperand() {
        for (String instr : INV) {
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32}) {
                    for (int d = -1; d <= 1; d++) {
                        S s = base(instr, "root", supporting(), "protected");
                        long off = asz == 16 ? 0x1000 + rnd.nextInt(0xe000) : 0x1000 + rnd.nextInt(0x7fff0000);
                        long la = DATA + rnd.nextInt(0x80000);
                        s.operand.seg = seg;
                        s.operand.asz = asz;
                        randomEncoding(s.operand, false);
                        s.operand.offset = off;
                        s.operand.segBase = (la - off) & 0xffffffffL;
                        s.operand.limit = off + 15 - 1 + (d + 1);
                        writeDescriptor(s);
                        add(s, "offset + 15 " + (d < 0 ? "one beyond" : d == 0 ? "exactly at" : "one below") + " the "
                                + SEGS[seg] + " limit " + hex(s.operand.limit), d <= 0 ? B : NOF);
                    }
                    S e = base(instr, "root", supporting(), "protected");
                    place(e, seg, asz, DATA + rnd.nextInt(0x80000));
                    writeDescriptor(e);
                    e.operand.limit = e.operand.offset + 7;
                    add(e, "an 8-byte operand would fit the limit, the 16-byte descriptor does not", B);
                }
                long[] las = {0x00007ffffffffff0L, 0x00007ffffffffff8L, 0x0000800000000000L, 0xffff7ffffffffff0L, 0xffff800000000000L};
                for (long la : las) {
                    if (la == 0x00007ffffffffff8L) continue; // would straddle the canonical boundary (precondition)
                    S s = base(instr, "root", supporting(), "64-bit");
                    place(s, seg, 64, la);
                    writeDescriptor(s);
                    add(s, "descriptor at " + hex(la) + " through " + SEGS[seg], B);
                }
                S f = base(instr, "root", supporting(), "64-bit");
                place(f, seg, 64, 0x0000800000000000L);
                add(f, "VMX_FAULT_ON_STACK_SEGMENT", seg == 2, "non-canonical descriptor through " + SEGS[seg], B);
            }
            // The type is checked before the descriptor is read: an unsupported type with a faulting operand fails.
            for (boolean cur : new boolean[] {false, true}) {
                for (int seg : new int[] {2, 3}) {
                    S s = base(instr, "root", supporting(), "64-bit");
                    place(s, seg, 64, 0x0000800000000000L);
                    s.regVal = 7L;
                    s.current = cur ? otherPage(s, s.vmxon) : NONE;
                    add(s, "unsupported type 7 with a non-canonical operand through " + SEGS[seg] + ": VMfail(28), nothing is read", B);
                    S p = base(instr, "root", supporting(), "protected");
                    p.operand.seg = seg;
                    p.operand.limit = p.operand.offset + 3;
                    p.regVal = 5L;
                    p.current = cur ? otherPage(p, p.vmxon) : NONE;
                    add(p, "unsupported type 5 with an operand beyond the " + SEGS[seg] + " limit: VMfail(28)", B);
                }
                S v = base(instr, "root", supporting(), "64-bit");
                v.regVal = 9L;
                v.current = cur ? otherPage(v, v.vmxon) : NONE;
                add(v, "VMX_VMFAIL_VALID", cur, "unsupported type: VMfail(28), " + (cur ? "VMfailValid" : "VMfailInvalid"), B);
            }
            for (int cpl = 0; cpl < 4; cpl++) {
                S s = base(instr, "root", supporting(), cpl % 2 == 0 ? "64-bit" : "protected");
                s.cpl = cpl;
                s.regVal = 6L;
                add(s, "VMX_CPL_ZERO", cpl == 0, "CPL " + cpl + " with an unsupported type: #GP(0) comes first", B);
            }
        }
    }

    /** INVEPT single-context: every EPTP check on both sides; all-context ignores the descriptor. */
    private void inveptDescriptors() {
        long h = eptCap(host());
        long[] mtCaps = {h, h & ~(1L << 8), h & ~(1L << 14)};
        for (long cap : mtCaps) {
            for (int mt = 0; mt < 8; mt++) {
                S s = inv("invept", host(), "64-bit", 1);
                s.eptCap = cap;
                s.edgeCap = cap != h;
                long e = goodEptp(s) & ~7L | mt;
                if (cap != h) e = e & ~0x38L | 0x18L;
                setLow(s, e);
                add(s, "EPTP memory type " + mt, mt == 0 || mt == 6 || mt == 7 ? B : NOF);
            }
        }
        long[] pwlCaps = {h, -1L, h & ~(1L << 6) | 1L << 7};
        for (long cap : pwlCaps) {
            for (int pwl = 0; pwl < 8; pwl++) {
                S s = inv("invept", host(), "64-bit", 1);
                s.eptCap = cap;
                s.edgeCap = cap != h;
                setLow(s, goodEptp(s) & ~0x38L | (long) pwl << 3);
                add(s, "EPTP walk length - 1 = " + pwl, pwl >= 2 && pwl <= 5 ? B : NOF);
            }
        }
        for (Profile p : forRun(SANDY, IVY, HASWELL, SKYLAKE, TIGERLAKE, EDGE_32BIT, EDGE_REV_MAX)) {
            for (int b = 6; b <= 11; b++) {
                S s = inv("invept", p, rnd.nextBoolean() ? "64-bit" : "protected", 1);
                setLow(s, goodEptp(s) | 1L << b);
                add(s, "EPTP bit " + b + " set", B);
            }
            S ok = inv("invept", p, "64-bit", 1);
            setLow(ok, goodEptp(ok) & ~0xfc0L);
            add(ok, "EPTP_RESERVED_BITS", true, "EPTP bits 11:6 clear", B);
        }
        for (int mp : maxphys) {
            for (Profile p : new Profile[] {supporting(), EDGE_REV_MAX}) {
                S last = inv("invept", p, "64-bit", 1);
                last.maxphy = mp;
                setLow(last, goodEptp(last) | 1L << (mp - 1));
                add(last, "EPTP_WITHIN_MAXPHYADDR", true, "EPTP with bit " + (mp - 1) + " set, MAXPHYADDR " + mp, B);
                S first = inv("invept", p, "64-bit", 1);
                first.maxphy = mp;
                setLow(first, goodEptp(first) | 1L << mp);
                add(first, "EPTP_WITHIN_MAXPHYADDR", false, "EPTP with bit " + mp + " set, MAXPHYADDR " + mp, B);
            }
            S top = inv("invept", supporting(), "protected", 1);
            top.maxphy = mp;
            setLow(top, goodEptp(top) | 1L << 63);
            add(top, "EPTP with bit 63 set, MAXPHYADDR " + mp, NOF);
        }
        // All-context: any descriptor; single-context with bits 127:64 set: ignored.
        for (long bad : new long[] {0, 7, 0x38, 0xfffL, -1L, 0x0010000000000000L}) {
            for (boolean cur : new boolean[] {false, true}) {
                S s = inv("invept", host(), "64-bit", 2);
                s.current = cur ? otherPage(s, s.vmxon) : NONE;
                setLow(s, bad);
                add(s, "INVEPT_SINGLE_CONTEXT", false, "all-context INVEPT with EPTP " + hex(bad) + ": not checked", NOF);
            }
            S v = inv("invept", host(), "64-bit", 1);
            setLow(v, bad);
            add(v, "single-context INVEPT with EPTP " + hex(bad), NOF);
        }
        for (boolean cur : new boolean[] {false, true}) {
            S s = inv("invept", supporting(), "64-bit", 1);
            s.current = cur ? otherPage(s, s.vmxon) : NONE;
            setHigh(s, -1L);
            add(s, "INVEPT_SINGLE_CONTEXT", true, "valid EPTP, descriptor bits 127:64 all ones (not checked)", NOF);
            S f = inv("invept", supporting(), "64-bit", 1);
            f.current = cur ? otherPage(f, f.vmxon) : NONE;
            setLow(f, goodEptp(f) | 0x100);
            add(f, "VMX_VMFAIL_VALID", cur, "invalid EPTP: VMfail(28), " + (cur ? "VMfailValid" : "VMfailInvalid"), NOF);
        }
    }

    /** INVVPID: reserved bits 63:16, VPID 0 per type, canonical linear addresses (48- and 57-bit). */
    private void invvpidDescriptors() {
        Profile all = SKYLAKE; // every INVVPID type
        for (int b = 16; b < 64; b++) {
            long t = b % 4;
            S s = inv("invvpid", all, "64-bit", t);
            setLow(s, s.getQword(s.linear()) | 1L << b);
            add(s, "descriptor bit " + b + " set, type " + t, b == 16 || b == 63 ? B : NOF);
        }
        for (long t = 0; t < 4; t++) {
            for (long vpid : new long[] {0, 1, 0xffff}) {
                S s = inv("invvpid", all, rnd.nextBoolean() ? "64-bit" : "protected", t);
                setLow(s, vpid);
                add(s, "type " + t + ", VPID " + hex(vpid), B);
            }
            S ok = inv("invvpid", all, "64-bit", t);
            setLow(ok, 0xffff);
            add(ok, "INVVPID_DESCRIPTOR_RESERVED", true, "descriptor bits 15:0 all ones, 63:16 clear, type " + t, B);
            // Types 1-3 ignore the linear address; type 2 the VPID too.
            S na = inv("invvpid", all, "64-bit", t);
            setHigh(na, 0x8000000000000000L);
            add(na, "type " + t + " with a non-canonical linear address", t == 0 ? B : NOF);
        }
        S z = inv("invvpid", all, "64-bit", 2);
        setLow(z, 0);
        setHigh(z, 0x0100000000000000L);
        add(z, "INVVPID_NAMES_VPID", false, "all-context with VPID 0 and a non-canonical address", B);
        long[] la48 = {0, 0x00007fffffffffffL, 0x0000800000000000L, 0xffff7fffffffffffL, 0xffff800000000000L, -1L,
            0x8000000000000000L, 0x0100000000000000L, 0x00ffffffffffffffL};
        for (long a : la48) {
            for (String mode : new String[] {"64-bit", "protected"}) {
                S s = inv("invvpid", all, mode, 0);
                setHigh(s, a);
                add(s, "individual-address with linear address " + hex(a) + " (48-bit linear addresses)", B);
            }
        }
        long[] la57 = {0x00ffffffffffffffL, 0x0100000000000000L, 0xff00000000000000L, 0xfeffffffffffffffL, 0x0000800000000000L,
            0xffff7fffffffffffL, 0x8000000000000000L};
        for (long a : la57) {
            S s = inv("invvpid", EDGE_LA57, "64-bit", 0);
            s.cr4 |= 1L << 12;
            setHigh(s, a);
            add(s, "individual-address with linear address " + hex(a) + " and CR4.LA57 = 1", B);
        }
        for (long a : new long[] {0x00007fffffffffffL, 0xffff800000000000L, 0x0100000000000000L, 0x8000000000000000L}) {
            S s = inv("invvpid", EDGE_LA57, "64-bit", 0);
            setHigh(s, a);
            add(s, "individual-address with linear address " + hex(a) + ", CR4.LA57 = 0 (same verdict for 48 and 57 bits)", NOF);
        }
        for (boolean cur : new boolean[] {false, true}) {
            S s = inv("invvpid", all, "64-bit", 1);
            s.current = cur ? otherPage(s, s.vmxon) : NONE;
            setLow(s, 0);
            add(s, "VMX_VMFAIL_VALID", cur, "VPID 0: VMfail(28), " + (cur ? "VMfailValid" : "VMfailInvalid"), NOF);
        }
    }

    /** VM exits: Reg2 in bits 31:28 for every register, the memory-operand fields, before the type and the operand. */
    private void invExits() {
        for (String instr : INV) {
            for (int r = 0; r < 16; r++) {
                S s = base(instr, "non-root", supporting(), r % 3 == 0 ? "protected" : "64-bit");
                s.reg2 = r;
                add(s, "VM exit, register operand " + r + " (instruction-information bits 31:28)", r == 0 || r == 15 ? B : NOF);
            }
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32, 64}) {
                    S s = base(instr, "non-root", supporting(), asz == 64 ? "64-bit" : "protected");
                    s.cpl = rnd.nextInt(4);
                    place(s, seg, asz, DATA + rnd.nextInt(0x8000));
                    writeDescriptor(s);
                    add(s, "VM exit: segment " + SEGS[seg] + ", " + asz + "-bit address, base " + (s.operand.baseValid ? s.operand.base : "none")
                            + ", index " + (s.operand.indexValid ? s.operand.index + " scale " + s.operand.scale : "none")
                            + ", displacement " + hex(s.operand.disp), NOF);
                }
            }
            S bad = base(instr, "non-root", supporting(), "64-bit");
            place(bad, 2, 64, 0x0000800000000000L);
            bad.regVal = 0x55L;
            add(bad, "VMX_NON_ROOT_VM_EXIT", false, "VM exit although the type is unsupported and the operand non-canonical", B);
            S l = base(instr, "non-root", supporting(), "protected");
            l.operand.limit = 0;
            l.operand.offset = 0x100;
            l.operand.segBase = DATA;
            writeDescriptor(l);
            add(l, "VMX_NON_ROOT_VM_EXIT", false, "VM exit although the operand is beyond the segment limit", B);
            S u = base(instr, "non-root", PENRYN, "64-bit");
            add(u, "non-root operation on a processor without the instruction: #UD, no VM exit", B);
        }
    }

    /** Seeded random INVEPT and INVVPID inputs. */
    private void randomInv(int n) {
        for (int i = 0; i < n; i++) {
            String instr = INV[rnd.nextInt(2)];
            String op = rnd.nextInt(5) == 0 ? OPS[rnd.nextInt(3)] : "root";
            String mode = rnd.nextInt(6) == 0 ? MODES[rnd.nextInt(5)] : goodMode(instr);
            if (op.equals("root") && mode.equals("real")) mode = "protected";
            S s = base(instr, op, anyProfile(), mode);
            if (mode.equals("virtual-8086")) s.cpl = 3;
            else if (!mode.equals("real") && rnd.nextInt(6) == 0) s.cpl = 1 + rnd.nextInt(3);
            int what = rnd.nextInt(8);
            long lo = s.getQword(s.linear());
            if (what == 0) s.regVal = (long) rnd.nextInt(6);
            else if (what == 1) setLow(s, lo ^ 1L << rnd.nextInt(64));
            else if (what == 2 && instr.equals("invvpid")) setLow(s, lo & ~0xffffL);
            else if (what == 3 && instr.equals("invvpid")) setHigh(s, rnd.nextLong());
            else if (what == 4 && !s.is64()) s.operand.limit = s.operand.offset + rnd.nextInt(16);
            if (s.is64() && rnd.nextInt(10) == 0) s.regVal |= (long) (1 + rnd.nextInt(0xff)) << 32;
            if (rnd.nextInt(8) == 0) {
                s.eptCap ^= 1L << new int[] {6, 7, 8, 14, 20, 21, 23, 25, 26, 32, 40, 41, 42, 43}[rnd.nextInt(14)];
                s.edgeCap = true;
            }
            add(s, "seeded random input " + i, List.of("random"));
        }
    }

    // ----- VMREAD, VMWRITE -----

    /** VMCS fields every VMX processor supports (first generation; /work/shared/reference/vmcs_fields.json), without the
     * guest access-rights fields (some processors drop their reserved bits on VMWRITE: docs/open-questions.md 20.15). */
    static final long[] VR_FIELDS = {
        0x800, 0x802, 0x804, 0x806, 0x808, 0x80a, 0x80c, 0x80e, 0xc00, 0xc02, 0xc04, 0xc06, 0xc08, 0xc0a, 0xc0c,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x200b, 0x2010,
        0x2011, 0x2800, 0x2801, 0x2802, 0x2803, 0x4000, 0x4002, 0x4004, 0x4006, 0x4008, 0x400a, 0x400c, 0x400e,
        0x4010, 0x4012, 0x4014, 0x4016, 0x4018, 0x401a, 0x4400, 0x4402, 0x4404, 0x4406, 0x4408, 0x440a, 0x440c,
        0x440e, 0x4800, 0x4802, 0x4804, 0x4806, 0x4808, 0x480a, 0x480c, 0x480e, 0x4810, 0x4812, 0x4824, 0x4826,
        0x482a, 0x4c00, 0x6000, 0x6002, 0x6004, 0x6006, 0x6008, 0x600a, 0x600c, 0x600e, 0x6400, 0x640a, 0x6800,
        0x6802, 0x6804, 0x6806, 0x6808, 0x680a, 0x680c, 0x680e, 0x6810, 0x6812, 0x6814, 0x6816, 0x6818, 0x681a,
        0x681c, 0x681e, 0x6820, 0x6822, 0x6824, 0x6826, 0x6c00, 0x6c02, 0x6c04, 0x6c06, 0x6c08, 0x6c0a, 0x6c0c,
        0x6c0e, 0x6c10, 0x6c12, 0x6c14, 0x6c16,
    };

    static boolean isVrField(long enc) {
        for (long f : VR_FIELDS) if (f == enc) return true;
        return false;
    }

    /** Whether an encoding has a valid shape (SDM 25.11.2): bits 63:32, 31:15 and 12 clear, high access only on 64-bit fields. */
    static boolean validShape(long enc) {
        if ((enc >>> 15) != 0 || bit(enc, 12)) return false;
        return !bit(enc, 0) || ((enc >>> 13) & 3) == 1;
    }

    /** The rules that end a VMREAD/VMWRITE before the encoding is examined (field existence then does not matter). */
    static final java.util.Set<String> VR_EARLY = java.util.Set.of("VMX_IN_VMX_OPERATION", "VMX_PROTECTED_MODE",
            "VMX_NOT_VIRTUAL_8086", "VMX_NOT_COMPATIBILITY_MODE", "VMREAD_VMWRITE_SHADOWING_ENABLED",
            "VMREAD_VMWRITE_ENCODING_BELOW_BIT15", "VMREAD_VMWRITE_BITMAP_BIT_CLEAR", "VMX_CPL_ZERO", "VMREAD_VMWRITE_VMCS_VALID");

    /** IA32_VMX_MISC of each profile: the Bochs models' values (bit 29, VMWRITE to any field, from Haswell on); chosen
     * ones for the edge profiles. */
    long vmxMisc(Profile p) {
        if (p == platform) return pp.misc();
        if (p == PENRYN || p == LYNNFIELD || p == SANDY || p == IVY) return 0x401e0L;
        if (p == ARRANDALE) return 0x401e0L;
        if (p == HASWELL || p == GENERIC || p == BROADWELL) return 0x200401e0L;
        if (p.realistic()) return 0x600401e0L;            // Skylake-X, Cannon Lake, Ice Lake, Tiger Lake
        if (p == EDGE_REV_MAX) return -1L;                // everything reported
        if (p == EDGE_REV_ZERO) return 0x20000000L;       // bit 29 only
        if (p == EDGE_32BIT) return 0L;
        if (p == EDGE_FIXED) return 0xdfffffffL;          // every low bit but 29
        return 0x600401e0L;
    }

    private long randomData(S s) {
        int k = rnd.nextInt(4);
        long v = k == 0 ? -1L : k == 1 ? rnd.nextLong() & 0xffffL : rnd.nextLong();
        return s.is64() ? v : v & 0xffffffffL;
    }

    /** A value that fits the width of the field an encoding names (bits 14:13). */
    private long fieldValueFor(long enc) {
        int width = (int) ((enc >>> 13) & 3);
        long v = rnd.nextInt(4) == 0 ? -1L : rnd.nextLong();
        if (width == 0) return v & 0xffffL;
        if (width == 2) return v & 0xffffffffL;
        return v;
    }

    private static void setBitmapBit(S s, long bitmap, long enc, boolean one) {
        int n = (int) (enc & 0x7fff);
        long a = bitmap + (n >> 3);
        int b = s.getByte(a);
        s.putByte(a, one ? b | 1 << (n & 7) : b & ~(1 << (n & 7)));
    }

    /** Sets the encoding (and a field value fitting it); in non-root operation its bits in both bitmaps are cleared. */
    private void setEncoding(S s, long enc) {
        s.regVal = enc;
        s.fieldValue = fieldValueFor(enc);
        if (s.rdBitmap != null) {
            setBitmapBit(s, s.rdBitmap, enc, false);
            setBitmapBit(s, s.wrBitmap, enc, false);
        }
    }

    /** The register form (Reg1, and its value for VMWRITE) or a memory form (the source or junk at the operand). */
    private void setForm(S s, boolean register) {
        boolean w = s.instr.equals("vmwrite");
        if (register) {
            s.operand = null;
            s.dataReg = rnd.nextInt(s.is64() ? 16 : 8);
            s.dataVal = w ? randomData(s) : null;
            return;
        }
        if (s.operand == null) {
            int seg = rnd.nextInt(6);
            if (!s.is64() && seg == 1 && !w) seg = 3;
            place(s, seg, defaultAsz(s), DATA + rnd.nextInt(0x80000));
        }
        s.dataReg = null;
        s.dataVal = null;
        long la = s.linear();
        if (w) {
            s.putQword(la, rnd.nextInt(4) == 0 ? -1L : rnd.nextLong());
        } else {
            s.mem.put(la & ~7L, rnd.nextLong());
            s.mem.put((la & ~7L) + 8, rnd.nextLong());
        }
    }

    /** The VMREAD/VMWRITE part of base(): a supported field, a current VMCS mostly, shadowing state in non-root operation. */
    private void vrSetup(S s) {
        s.misc = vmxMisc(s.p);
        s.caps = caps(s.p);
        s.reg2 = rnd.nextInt(s.is64() ? 16 : 8);
        if (!s.is64() && !s.instr.equals("vmwrite") && s.operand.seg == 1) s.operand.seg = 3;
        if (s.op.equals("non-root") || s.op.equals("root") && s.current == NONE && rnd.nextInt(4) != 0) {
            if (s.current == NONE) {
                s.current = otherPage(s, s.vmxon);
                s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
            }
        }
        if (s.op.equals("non-root")) {
            s.shadowing = bit(s.p.ctls2(), 46) && rnd.nextInt(5) != 0;
            s.link = otherPage(s, s.vmxon, s.current);
            s.mem.put(s.link, s.p.basic() & 0x7fffffffL | 1L << 31); // a shadow VMCS
            s.rdBitmap = otherPage(s, s.vmxon, s.current, s.link);
            s.wrBitmap = otherPage(s, s.vmxon, s.current, s.link, s.rdBitmap);
        }
        long enc = VR_FIELDS[rnd.nextInt(VR_FIELDS.length)];
        if (s.rdBitmap != null) {
            // other bits of the bitmaps near the field's bit set at random
            s.mem.put(s.rdBitmap + ((enc & 0x7fff) >> 3 & ~7L), rnd.nextLong());
            s.mem.put(s.wrBitmap + ((enc & 0x7fff) >> 3 & ~7L), rnd.nextLong());
        }
        setEncoding(s, enc);
        setForm(s, rnd.nextInt(3) == 0);
    }

    /** A VMREAD/VMWRITE at CPL 0 in the given operation, with the form given (null: random). */
    private S vr(String instr, String op, Profile p, String mode, Boolean register) {
        S s = base(instr, op, p, mode);
        if (register != null) setForm(s, register);
        return s;
    }

    /** A realistic profile that allows "VMCS shadowing" (IA32_VMX_PROCBASED_CTLS2 bit 46). */
    private Profile shadowProfile() {
        // a platform without VMCS shadowing: the edge profile that allows every secondary control
        if (platform != null && !bit(platform.ctls2(), 46)) return EDGE_REV_MAX;
        while (true) {
            Profile p = realistic();
            if (bit(p.ctls2(), 46)) return p;
        }
    }

    /** A non-root VMREAD/VMWRITE that reaches the shadow VMCS (shadowing 1, bitmap bits clear, valid link pointer). */
    private S shadow(String instr, String mode, Boolean register) {
        S s = vr(instr, "non-root", shadowProfile(), mode, register);
        s.shadowing = true;
        return s;
    }

    /** The VM exit conditions in non-root operation: "VMCS shadowing", encoding bits 63:15, the bitmap bit. */
    private void vrShadowing() {
        for (String instr : VR) {
            for (Profile p : allProfiles) {
                S s = vr(instr, "non-root", p, "64-bit", null);
                add(s, "non-root operation, VMCS shadowing as the profile allows (IA32_VMX_PROCBASED_CTLS2 " + hex(p.ctls2()) + ")", NOF);
            }
            for (boolean reg : new boolean[] {true, false}) {
                for (String mode : new String[] {"protected", "64-bit"}) {
                    S s = shadow(instr, mode, reg);
                    s.shadowing = false;
                    add(s, "VMREAD_VMWRITE_SHADOWING_ENABLED", false, "VMCS shadowing 0 on a processor that allows it: VM exit", B);
                    S h = shadow(instr, mode, reg);
                    add(h, "VMREAD_VMWRITE_SHADOWING_ENABLED", true, "VMCS shadowing 1, bitmap bit 0: the shadow VMCS is accessed", B);
                    S n = vr(instr, "non-root", IVY, mode, reg);
                    add(n, "VMREAD_VMWRITE_SHADOWING_ENABLED", false, "Ivy Bridge, no VMCS shadowing: VM exit", NOF);
                }
            }
            for (int b = 15; b < 64; b++) {
                String mode = b >= 32 || b % 2 == 0 ? "64-bit" : "protected";
                S s = shadow(instr, mode, rnd.nextBoolean());
                setEncoding(s, VR_FIELDS[rnd.nextInt(VR_FIELDS.length)] | 1L << b);
                add(s, "VMREAD_VMWRITE_ENCODING_BELOW_BIT15", false, "encoding bit " + b + " set: VM exit whatever the bitmap says",
                        b == 15 || b == 31 || b == 32 || b == 63 ? B : NOF);
            }
            for (long enc : new long[] {0x6826L, 0x6c16L, 0x4000L, 0x2803L}) {
                S s = shadow(instr, rnd.nextBoolean() ? "64-bit" : "protected", rnd.nextBoolean());
                setEncoding(s, enc);
                add(s, "VMREAD_VMWRITE_ENCODING_BELOW_BIT15", true, "encoding " + hex(enc) + " within bits 14:0", B);
            }
            // the bit of the field in its own bitmap: set (exit) or clear with its neighbours set (shadow access)
            for (int k = 0; k < 16; k++) {
                long enc = k < 8 ? VR_FIELDS[rnd.nextInt(VR_FIELDS.length)] : VR_FIELDS[k * 7];
                S s = shadow(instr, rnd.nextBoolean() ? "64-bit" : "protected", rnd.nextBoolean());
                setEncoding(s, enc);
                long own = instr.equals("vmread") ? s.rdBitmap : s.wrBitmap;
                long other = instr.equals("vmread") ? s.wrBitmap : s.rdBitmap;
                setBitmapBit(s, own, enc, true);
                add(s, "VMREAD_VMWRITE_BITMAP_BIT_CLEAR", false, "bit " + hex(enc & 0x7fff) + " of the " + instr + " bitmap set: VM exit", NOF);
                S h = shadow(instr, rnd.nextBoolean() ? "64-bit" : "protected", rnd.nextBoolean());
                setEncoding(h, enc);
                long own2 = instr.equals("vmread") ? h.rdBitmap : h.wrBitmap;
                long other2 = instr.equals("vmread") ? h.wrBitmap : h.rdBitmap;
                int n = (int) (enc & 0x7fff);
                h.putByte(own2 + (n >> 3), 0xff & ~(1 << (n & 7)));
                setBitmapBit(h, other2, enc, true);
                add(h, "VMREAD_VMWRITE_BITMAP_BIT_CLEAR", true, "bit " + hex(enc & 0x7fff) + " clear in the " + instr
                        + " bitmap (its byte's other bits set, the other bitmap's bit set): shadow access", B);
                if (k == 0) {
                    // the other instruction's bitmap does not matter
                    S o = shadow(instr, "64-bit", true);
                    setEncoding(o, enc);
                    setBitmapBit(o, instr.equals("vmread") ? o.wrBitmap : o.rdBitmap, enc, true);
                    add(o, "VMREAD_VMWRITE_BITMAP_BIT_CLEAR", true, "only the other instruction's bitmap has the bit set", B);
                }
                if (other == own) throw new IllegalStateException();
            }
            // every bit position within a byte, the first and last byte of the bitmap (exits: the field need not exist)
            for (int n : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 0x7ff8, 0x7fff, 0x4ff9, 0x0ffe}) {
                S s = shadow(instr, "64-bit", rnd.nextBoolean());
                setEncoding(s, n);
                setBitmapBit(s, instr.equals("vmread") ? s.rdBitmap : s.wrBitmap, n, true);
                add(s, "VMREAD_VMWRITE_BITMAP_BIT_CLEAR", false, "bitmap bit " + hex(n) + " (byte " + hex(n >> 3) + ", bit " + (n & 7) + ") set", B);
            }
        }
    }

    /** The exit's instruction information and qualification for the register and memory forms; exits before CPL. */
    private void vrExits() {
        for (String instr : VR) {
            for (int r = 0; r < 16; r++) {
                S s = vr(instr, "non-root", realistic(), "64-bit", true);
                s.shadowing = false;
                s.reg2 = r;
                s.dataReg = 15 - r;
                add(s, "VM exit, register form: Reg2 " + r + " in bits 31:28, Reg1 " + (15 - r) + " in bits 6:3, bit 10 set",
                        r == 0 || r == 15 ? B : NOF);
            }
            for (int r = 0; r < 8; r++) {
                S s = vr(instr, "non-root", realistic(), "protected", true);
                s.shadowing = false;
                s.reg2 = r;
                s.dataReg = r;
                add(s, "VM exit in protected mode, register form, Reg1 = Reg2 = " + r, NOF);
            }
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32, 64}) {
                    S s = vr(instr, "non-root", realistic(), asz == 64 ? "64-bit" : "protected", false);
                    s.shadowing = false;
                    s.cpl = rnd.nextInt(4);
                    place(s, seg, asz, DATA + rnd.nextInt(0x8000));
                    add(s, "VM exit, memory form: segment " + SEGS[seg] + ", " + asz + "-bit address, base "
                            + (s.operand.baseValid ? s.operand.base : "none") + ", index "
                            + (s.operand.indexValid ? s.operand.index + " scale " + s.operand.scale : "none")
                            + ", displacement " + hex(s.operand.disp), NOF);
                }
            }
            S bad = vr(instr, "non-root", realistic(), "64-bit", false);
            bad.shadowing = false;
            place(bad, 2, 64, 0x0000800000000000L);
            add(bad, "VMREAD_VMWRITE_SHADOWING_ENABLED", false, "VM exit although the operand is non-canonical through SS", B);
            for (int cpl = 1; cpl < 4; cpl++) {
                S s = vr(instr, "non-root", realistic(), "64-bit", null);
                s.shadowing = false;
                s.cpl = cpl;
                add(s, "VMREAD_VMWRITE_SHADOWING_ENABLED", false, "CPL " + cpl + ": the VM exit comes before the CPL check", B);
                S g = shadow(instr, "64-bit", null);
                g.cpl = cpl;
                add(g, "VMX_CPL_ZERO", false, "CPL " + cpl + " with a shadow access: #GP(0)", B);
                S r = vr(instr, "root", realistic(), cpl == 2 ? "protected" : "64-bit", null);
                r.cpl = cpl;
                add(r, "VMX_CPL_ZERO", false, "CPL " + cpl + " in VMX root operation: #GP(0)", B);
            }
        }
    }

    /** The current-VMCS pointer (root) and the VMCS link pointer (non-root): VMfailInvalid, before the operand and encoding. */
    private void vrPointers() {
        for (String instr : VR) {
            boolean w = instr.equals("vmwrite");
            for (boolean reg : new boolean[] {true, false}) {
                S s = vr(instr, "root", realistic(), "64-bit", reg);
                s.current = NONE;
                add(s, "VMREAD_VMWRITE_VMCS_VALID", false, "no current VMCS: VMfailInvalid", B);
                S h = vr(instr, "root", realistic(), "protected", reg);
                if (h.current == NONE) h.current = otherPage(h, h.vmxon);
                add(h, "VMREAD_VMWRITE_VMCS_VALID", true, "a current VMCS", B);
                S n = shadow(instr, "64-bit", reg);
                n.link = NONE;
                add(n, "VMREAD_VMWRITE_VMCS_VALID", false, "VMCS link pointer FFFFFFFF_FFFFFFFFH: VMfailInvalid", B);
                S r = shadow(instr, "protected", reg);
                add(r, "VMREAD_VMWRITE_SHADOW_VMCS", true, "a valid VMCS link pointer: the shadow VMCS is accessed", NOF);
                S q = vr(instr, "root", realistic(), "64-bit", reg);
                q.current = otherPage(q, q.vmxon);
                add(q, "VMREAD_VMWRITE_SHADOW_VMCS", false, "root operation: the current VMCS is accessed", NOF);
            }
            // an invalid pointer and a bad operand: VMfailInvalid first
            S f = vr(instr, "root", realistic(), "protected", false);
            f.current = NONE;
            f.operand.limit = f.operand.offset + 2;
            add(f, "VMREAD_VMWRITE_VMCS_VALID", false, "no current VMCS and the operand beyond the limit: VMfailInvalid", B);
            // an invalid encoding and a bad operand: VMWRITE reads the operand first, VMREAD checks the encoding first
            for (String mode : new String[] {"protected", "64-bit"}) {
                S e = vr(instr, "root", realistic(), mode, false);
                e.current = otherPage(e, e.vmxon);
                if (mode.equals("protected")) e.operand.limit = e.operand.offset + 2;
                else place(e, 3, 64, 0xffff7ffffffffff0L);
                setEncoding(e, 0x1000L | VR_FIELDS[rnd.nextInt(VR_FIELDS.length)]);
                add(e, w ? (mode.equals("protected") ? "VMX_OPERAND_WITHIN_LIMIT" : "VMX_OPERAND_CANONICAL") : "VMREAD_VMWRITE_ENCODING_RESERVED_CLEAR",
                        false, w ? "VMWRITE reads the bad operand before the encoding is checked: fault"
                                : "VMREAD checks the encoding before it stores: VMfail(12)", B);
            }
        }
    }

    /** Invalid encodings (VMfail(12)) in root and non-root operation, VMfailValid. */
    private void vrEncodings() {
        for (String instr : VR) {
            for (int b = 12; b < 64; b++) {
                if (b == 13 || b == 14) continue;
                for (String op : new String[] {"root", "non-root"}) {
                    if (op.equals("non-root") && b >= 15) continue; // exits
                    String mode = b >= 32 || b % 2 == 1 ? "64-bit" : "protected";
                    S s = op.equals("root") ? vr(instr, "root", realistic(), mode, null) : shadow(instr, mode, null);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    setEncoding(s, VR_FIELDS[rnd.nextInt(VR_FIELDS.length)] | 1L << b);
                    String rule = b >= 32 ? "VMREAD_VMWRITE_ENCODING_UPPER_CLEAR" : "VMREAD_VMWRITE_ENCODING_RESERVED_CLEAR";
                    add(s, rule, false, "encoding bit " + b + " set: VMfail(12)", b == 12 || b == 15 || b == 31 || b == 32 || b == 63 ? B : NOF);
                }
            }
            for (long enc : new long[] {0x801L, 0x80fL, 0x4001L, 0x4403L, 0x6001L, 0x6c17L, 0x2001L, 0x2803L}) {
                for (String op : new String[] {"root", "non-root"}) {
                    S s = op.equals("root") ? vr(instr, "root", realistic(), "64-bit", null) : shadow(instr, "protected", null);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    setEncoding(s, enc);
                    boolean ok = ((enc >>> 13) & 3) == 1;
                    add(s, "VMREAD_VMWRITE_HIGH_ACCESS_64BIT", ok, "high access type on a " + new String[] {"16-bit", "64-bit", "32-bit", "natural-width"}[(int) ((enc >>> 13) & 3)]
                            + " field" + (ok ? "" : ": VMfail(12)"), B);
                }
            }
            S u = vr(instr, "root", realistic(), "64-bit", null);
            u.current = u.current == NONE ? otherPage(u, u.vmxon) : u.current;
            setEncoding(u, 0x00000000ffffffffL & 0x7fffffffL | 0x80000000L);
            add(u, "VMREAD_VMWRITE_ENCODING_RESERVED_CLEAR", false, "encoding 0xffffffff: VMfail(12)", B);
            S v = vr(instr, "root", realistic(), "64-bit", null);
            v.current = v.current == NONE ? otherPage(v, v.vmxon) : v.current;
            setEncoding(v, 0xffffffff00006c16L);
            add(v, "VMREAD_VMWRITE_ENCODING_UPPER_CLEAR", false, "HOST_RIP encoding with bits 63:32 all set: VMfail(12)", B);
        }
    }

    /** VMWRITE to the VM-exit information fields: IA32_VMX_MISC bit 29 of every profile; VMREAD of them succeeds. */
    private void vrReadOnly() {
        long[] ro = {0x4400L, 0x4402L, 0x4404L, 0x4406L, 0x4408L, 0x440aL, 0x440cL, 0x440eL, 0x6400L, 0x640aL};
        for (Profile p : allProfiles) {
            for (String instr : VR) {
                S s = vr(instr, "root", p, rnd.nextBoolean() ? "64-bit" : "protected", null);
                s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                setEncoding(s, ro[rnd.nextInt(ro.length)]);
                add(s, "read-only field, IA32_VMX_MISC " + hex(s.misc), B);
            }
        }
        for (long enc : ro) {
            for (boolean misc29 : new boolean[] {false, true}) {
                S s = vr("vmwrite", "root", misc29 ? SKYLAKE : SANDY, rnd.nextBoolean() ? "64-bit" : "protected", null);
                s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                setEncoding(s, enc);
                add(s, "VMWRITE_NOT_READ_ONLY", misc29, "VMWRITE to VM-exit information field " + hex(enc) + (misc29 ? " allowed" : ": VMfail(13)"), B);
                S n = shadow("vmwrite", "64-bit", null);
                n.misc = misc29 ? n.misc | 1L << 29 : n.misc & ~(1L << 29);
                n.edgeCap = !misc29;
                setEncoding(n, enc);
                add(n, "VMWRITE_NOT_READ_ONLY", misc29, "VMWRITE to the shadow VMCS's field " + hex(enc), NOF);
            }
            S r = vr("vmread", "root", SANDY, "64-bit", null);
            r.current = r.current == NONE ? otherPage(r, r.vmxon) : r.current;
            setEncoding(r, enc);
            add(r, "VMREAD of VM-exit information field " + hex(enc) + " without IA32_VMX_MISC bit 29", NOF);
        }
        // bit 29 alone decides: the neighbouring bits do not
        for (long misc : new long[] {0x20000000L, 0xdfffffffL, 0x10000000L, 0x40000000L}) {
            S s = vr("vmwrite", "root", host(), "64-bit", null);
            s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
            s.misc = misc;
            s.edgeCap = true;
            setEncoding(s, 0x4402L);
            add(s, "VMWRITE_NOT_READ_ONLY", bit(misc, 29), "IA32_VMX_MISC " + hex(misc), B);
        }
    }

    /** Every supported field, both instructions, 64-bit and protected mode: width, high access, 32-bit operands. */
    private void vrWidths() {
        for (long enc : VR_FIELDS) {
            for (String instr : VR) {
                for (String mode : new String[] {"64-bit", "protected"}) {
                    S s = vr(instr, rnd.nextInt(4) == 0 && !mode.equals("real") ? "non-root" : "root", shadowProfile(), mode, null);
                    if (s.op.equals("non-root")) s.shadowing = true;
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    s.misc |= 1L << 29;
                    setEncoding(s, enc);
                    if (rnd.nextBoolean()) s.fieldValue = fieldValueFor(enc | 0x6000L) & (((enc >>> 13) & 3) == 0 ? 0xffffL : ((enc >>> 13) & 3) == 2 ? 0xffffffffL : -1L);
                    if (s.dataVal != null && rnd.nextBoolean()) s.dataVal = s.is64() ? -1L : 0xffffffffL;
                    add(s, "field " + hex(enc) + " (" + new String[] {"16-bit", "64-bit", "32-bit", "natural-width"}[(int) ((enc >>> 13) & 3)]
                            + (bit(enc, 0) ? ", high access" : "") + ")", NOF);
                    String wrule = instr.equals("vmwrite") ? "VMWRITE_HIGH_ACCESS" : "VMREAD_HIGH_ACCESS";
                    if (enc == 0x2010L || enc == 0x2011L) {
                        S t = s.copy();
                        t.fieldValue = 0x8000000180000002L;
                        if (t.dataVal != null) t.dataVal = t.is64() ? 0xfedcba9876543210L : 0x76543210L;
                        else if (instr.equals("vmwrite")) t.putQword(t.linear(), 0xfedcba9876543210L);
                        add(t, wrule, bit(enc, 0), "TSC offset " + (bit(enc, 0) ? "high" : "full") + " with distinct halves", B);
                    }
                }
            }
        }
        for (String instr : VR) {
            for (int wd = 0; wd < 4; wd++) {
                long enc = new long[] {0x80eL, 0x2802L, 0x4012L, 0x6c16L}[wd];
                for (String mode : new String[] {"64-bit", "protected"}) {
                    S s = vr(instr, "root", realistic(), mode, null);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    setEncoding(s, enc);
                    s.fieldValue = wd == 0 ? 0xffffL : wd == 2 ? 0xffffffffL : -1L;
                    if (s.dataVal != null) s.dataVal = s.is64() ? -1L : 0xffffffffL;
                    else if (instr.equals("vmwrite")) s.putQword(s.linear(), -1L);
                    add(s, "VMREAD_VMWRITE_NARROW_FIELD", wd == 0 || wd == 2, "all-ones value and field of width " + new String[] {"16", "64", "32", "natural"}[wd], B);
                    if (instr.equals("vmread")) {
                        add(s.copy(), "VMREAD_32BIT_DESTINATION", !mode.equals("64-bit"), "all-ones field read in " + mode + " mode", B);
                    }
                }
            }
        }
    }

    /** The 4- or 8-byte memory operand: limits, canonical boundaries, #SS, CS, alignment of the VMREAD store. */
    private void vrOperands() {
        for (String instr : VR) {
            boolean w = instr.equals("vmwrite");
            for (int seg = 0; seg < 6; seg++) {
                if (seg == 1 && !w) continue;
                for (int d = 0; d < 2; d++) {
                    S s = vr(instr, "root", realistic(), "protected", false);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    place(s, seg, 32, DATA + 0x100 * rnd.nextInt(0x1000) + rnd.nextInt(8));
                    s.operand.limit = s.operand.offset + 3 - d;
                    setForm(s, false);
                    add(s, "VMX_OPERAND_WITHIN_LIMIT", d == 0, "4-byte operand through " + SEGS[seg] + ", last byte " + (d == 0 ? "at" : "beyond") + " the limit", B);
                }
                long[] las = {0x00007ffffffffff8L, 0x0000800000000000L, 0xffff800000000000L, 0xffff7ffffffffff8L};
                for (long la : las) {
                    S s = vr(instr, "root", realistic(), "64-bit", false);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    place(s, seg, 64, la);
                    setForm(s, false);
                    add(s, "VMX_OPERAND_CANONICAL", canonical(la, 48), "8-byte operand at " + hex(la) + " through " + SEGS[seg], B);
                }
            }
            S cs = vr(instr, "root", realistic(), "protected", false);
            cs.current = cs.current == NONE ? otherPage(cs, cs.vmxon) : cs.current;
            cs.operand.seg = 1;
            setForm(cs, false);
            if (w) add(cs, "VMWRITE_SOURCE_IN_MEMORY", true, "VMWRITE reads its source through CS (readable code segment)", B);
            else {
                add(cs, "VMREAD_WRITABLE_SEGMENT", false, "VMREAD stores through CS outside 64-bit mode: #GP(0)", B);
                for (int k = 0; k < 3; k++) {
                    S c = vr(instr, k == 2 ? "non-root" : "root", k == 2 ? shadowProfile() : realistic(), "protected", false);
                    if (k == 2) c.shadowing = true;
                    c.current = c.current == NONE ? otherPage(c, c.vmxon) : c.current;
                    place(c, 1, k == 0 ? 16 : 32, DATA + rnd.nextInt(0x8000));
                    setForm(c, false);
                    add(c, "VMREAD_WRITABLE_SEGMENT", false, "VMREAD stores through CS (" + c.operand.asz + "-bit address, " + c.op + " operation): #GP(0)", NOF);
                }
                S c12 = vr(instr, "root", realistic(), "protected", false);
                c12.current = c12.current == NONE ? otherPage(c12, c12.vmxon) : c12.current;
                c12.operand.seg = 1;
                setEncoding(c12, 0x4001L);
                add(c12, "VMREAD_VMWRITE_HIGH_ACCESS_64BIT", false, "VMREAD to CS with an invalid encoding: VMfail(12) before the store's #GP", B);
            }
            S cs64 = vr(instr, "root", realistic(), "64-bit", false);
            cs64.current = cs64.current == NONE ? otherPage(cs64, cs64.vmxon) : cs64.current;
            place(cs64, 1, 64, DATA + rnd.nextInt(0x8000));
            setForm(cs64, false);
            add(cs64, "VMX_OPERAND_CANONICAL", true, "CS in 64-bit mode", B);
            for (int k = 0; k < 8; k++) {
                for (String mode : new String[] {"protected", "64-bit"}) {
                    S s = vr(instr, "root", realistic(), mode, false);
                    s.current = s.current == NONE ? otherPage(s, s.vmxon) : s.current;
                    place(s, mode.equals("protected") ? 3 : rnd.nextInt(6), mode.equals("protected") ? 32 : 64, DATA + 0x100 * rnd.nextInt(0x1000) + k);
                    setForm(s, false);
                    add(s, w ? "VMWRITE_SOURCE_IN_MEMORY" : "VMREAD_TO_MEMORY", true, "operand at a byte address with low bits " + k, k == 0 || k == 7 ? B : NOF);
                }
                S r = vr(instr, "root", realistic(), k % 2 == 0 ? "64-bit" : "protected", true);
                r.current = r.current == NONE ? otherPage(r, r.vmxon) : r.current;
                add(r, w ? "VMWRITE_SOURCE_IN_MEMORY" : "VMREAD_TO_MEMORY", false, "register operand", NOF);
            }
        }
    }

    /** Seeded random VMREAD and VMWRITE inputs. */
    private void randomVr(int n) {
        for (int i = 0; i < n; i++) {
            String instr = VR[rnd.nextInt(2)];
            String op = rnd.nextInt(6) == 0 ? OPS[rnd.nextInt(3)] : rnd.nextInt(3) == 0 ? "non-root" : "root";
            String mode = rnd.nextInt(6) == 0 ? MODES[rnd.nextInt(5)] : goodMode(instr);
            if (op.equals("root") && mode.equals("real")) mode = "protected";
            S s = base(instr, op, anyProfile(), mode);
            if (mode.equals("virtual-8086")) s.cpl = 3;
            else if (!mode.equals("real") && rnd.nextInt(8) == 0) s.cpl = 1 + rnd.nextInt(3);
            int what = rnd.nextInt(10);
            long enc = s.regVal;
            if (what == 0) {
                int b = 15 + rnd.nextInt(s.is64() ? 50 : 18);
                setEncoding(s, enc | 1L << (b == 15 + (s.is64() ? 49 : 17) ? 12 : b));
            }
            else if (what == 1) setEncoding(s, enc | 1);
            else if (what == 2 && s.rdBitmap != null) setBitmapBit(s, s.instr.equals("vmread") ? s.rdBitmap : s.wrBitmap, enc, true);
            else if (what == 3 && s.link != null) s.link = NONE;
            else if (what == 4 && s.op.equals("root")) s.current = NONE;
            else if (what == 5 && s.operand != null && !s.is64()) s.operand.limit = s.operand.offset + rnd.nextInt(4);
            else if (what == 6) setEncoding(s, new long[] {0x4400L, 0x4402L, 0x440eL, 0x6400L, 0x640aL}[rnd.nextInt(5)]);
            add(s, "seeded random input " + i, List.of("random"));
        }
    }

    // ----- VMFUNC -----

    /** Profiles that allow "enable VM functions" and EPT (every Bochs model from Haswell on, and the edges that do). */
    private static final Profile[] VMFUNC_PROFILES = {HASWELL, SKYLAKE, CNL, ICELAKE, TIGERLAKE, GENERIC, EDGE_REV_MAX, EDGE_LA57};

    /** A valid EPTP for the capability (SDM 27.2.1.1): WB if allowed else UC, a supported walk length, random A/D. */
    private long validEptp(long cap, int maxphy) {
        long mt = bit(cap, 14) ? 6 : 0;
        long pwl = bit(cap, 6) && (!bit(cap, 7) || rnd.nextBoolean()) ? 3 : 4;
        long ad = bit(cap, 21) && rnd.nextBoolean() ? 0x40 : 0;
        long page = (rnd.nextLong() & ((1L << Math.min(maxphy, 40)) - 1)) & ~0xfffL;
        return page | ad | pwl << 3 | mt;
    }

    /**
     * The VMFUNC inputs: EAX 0 and a random EPTP-list index; in VMX non-root operation a current VMCS, the VM-function
     * controls VM entry would accept (EPTP switching where the profile allows VM functions and EPT), the capability,
     * an EPTP list whose entry ECX is valid and whose neighbours hold other values.
     */
    private void vmfuncSetup(S s) {
        s.eax = 0L;
        s.ecx = (long) rnd.nextInt(512);
        if (!s.op.equals("non-root")) return;
        if (s.current == NONE) {
            s.current = otherPage(s, s.vmxon);
            s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
        }
        boolean allowed = bit(s.p.ctls2(), 45);
        s.vmfuncEnabled = allowed;
        s.vmfuncControls = allowed && bit(s.p.ctls2(), 33) ? 1L : 0L;
        s.eptCap = eptCap(s.p);
        s.eptpList = otherPage(s, s.vmxon, s.current);
        setEntry(s, s.ecx, validEptp(s.eptCap, s.maxphy));
        if (s.ecx > 0) setEntry(s, s.ecx - 1, rnd.nextLong());
        if (s.ecx < 511) setEntry(s, s.ecx + 1, validEptp(s.eptCap, s.maxphy));
    }

    private static void setEntry(S s, long index, long value) {
        s.mem.put(s.eptpList + 8 * index, value);
    }

    private S vmfunc(Profile p, String mode, int cpl) {
        S s = base("vmfunc", "non-root", p, mode);
        s.cpl = cpl;
        return s;
    }

    private Profile vmfuncProfile() {
        Profile[] from = forRun(VMFUNC_PROFILES);
        return from[rnd.nextInt(from.length)];
    }

    /** Modes and CPLs a guest can run VMFUNC in (VMFUNC has no mode or CPL condition). */
    private static final String[][] GUEST_CONTEXTS = {{"real", "0"}, {"virtual-8086", "3"}, {"protected", "0"}, {"protected", "3"},
        {"compatibility", "0"}, {"compatibility", "3"}, {"64-bit", "0"}, {"64-bit", "1"}, {"64-bit", "2"}, {"64-bit", "3"}};

    /** "enable VM functions" 0 is #UD in every mode and at every CPL; 1 goes on to the function. */
    private void vmfuncEnable() {
        for (String[] c : GUEST_CONTEXTS) {
            for (int k = 0; k < 3; k++) {
                S s = vmfunc(vmfuncProfile(), c[0], Integer.parseInt(c[1]));
                s.vmfuncEnabled = false;
                s.vmfuncControls = 0L; // VM entry ignores the VM-function controls then; keep them 0
                add(s, "enable VM functions 0", B);
                S t = vmfunc(vmfuncProfile(), c[0], Integer.parseInt(c[1]));
                add(t, "VMFUNC_ENABLED", true, "enable VM functions 1", B);
            }
        }
        for (Profile p : new Profile[] {PENRYN, LYNNFIELD, SANDY, IVY, EDGE_32BIT, EDGE_REV_ZERO}) {
            S s = vmfunc(p, "64-bit", 0);
            add(s, "the profile does not allow enable VM functions (IA32_VMX_PROCBASED_CTLS2 bit 45 = 0)", NOF);
        }
    }

    /** EAX: functions 0..63 against the VM-function controls (VM exit), and 64 and above (#UD). */
    private void vmfuncFunctions() {
        long[] eaxes = {0, 1, 2, 31, 32, 62, 63, 64, 65, 127, 128, 0x100, 0x10000, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL};
        for (long eax : eaxes) {
            for (String[] c : GUEST_CONTEXTS) {
                S s = vmfunc(vmfuncProfile(), c[0], Integer.parseInt(c[1]));
                s.eax = eax;
                add(s, "EAX " + eax, eax == 63 || eax == 64 || eax == 0 ? B : NOF);
            }
            for (int k = 0; k < 2; k++) {
                S s = vmfunc(vmfuncProfile(), "64-bit", rnd.nextInt(4));
                s.eax = eax;
                s.vmfuncControls = 0L; // EPTP switching not enabled
                add(s, "EAX " + eax + ", no VM function enabled", eax == 0 || eax == 64 ? B : NOF);
            }
        }
        // A profile with VM functions but without EPT cannot enable EPTP switching: VMFUNC 0 exits.
        S s = vmfunc(EDGE_REV_ZERO, "64-bit", 0);
        add(s, "no VM function enabled", NOF);
    }

    /** ECX against the 512 entries of the EPTP list. */
    private void vmfuncIndexes() {
        long[] ecxes = {0, 1, 2, 255, 256, 510, 511, 512, 513, 1023, 1024, 0xffff, 0x10000, 0x10001, 0x7fffffffL, 0x80000000L, 0xffffffffL};
        for (long ecx : ecxes) {
            for (String[] c : GUEST_CONTEXTS) {
                S s = vmfunc(vmfuncProfile(), c[0], Integer.parseInt(c[1]));
                s.mem.clear();
                s.mem.put(s.vmxon, s.p.basic() & 0x7fffffffL);
                s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
                s.ecx = ecx;
                if (ecx < 512) {
                    setEntry(s, ecx, validEptp(s.eptCap, s.maxphy));
                    if (ecx > 0) setEntry(s, ecx - 1, validEptp(s.eptCap, s.maxphy));
                    if (ecx < 511) setEntry(s, ecx + 1, rnd.nextLong());
                } else {
                    // the entry ECX mod 512 is valid: it is not used
                    setEntry(s, ecx & 511, validEptp(s.eptCap, s.maxphy));
                }
                add(s, "ECX " + ecx, ecx == 511 || ecx == 512 ? B : NOF);
            }
        }
    }

    /** EPTP-list entries that fail each EPTP check of VM entry, and the values next to them that pass. */
    private void vmfuncEntries() {
        for (Profile p : forRun(VMFUNC_PROFILES)) {
            long cap = eptCap(p);
            for (int round = 0; round < 2; round++) {
                String mode = round == 0 ? "64-bit" : new String[] {"protected", "compatibility", "real"}[rnd.nextInt(3)];
                // memory types 0..7
                for (long mt = 0; mt < 8; mt++) {
                    S s = vmfunc(p, mode, 0);
                    long e = validEptp(s.eptCap, s.maxphy);
                    setEntry(s, s.ecx, e & ~7L | mt);
                    add(s, "EPTP-list entry with memory type " + mt, mt == 0 || mt == 6 ? B : NOF);
                }
                // walk lengths (bits 5:3) 0..7
                for (long pwl = 0; pwl < 8; pwl++) {
                    S s = vmfunc(p, mode, 0);
                    long e = validEptp(s.eptCap, s.maxphy);
                    setEntry(s, s.ecx, e & ~0x38L | pwl << 3);
                    add(s, "EPTP-list entry with walk length " + (pwl + 1), pwl == 3 || pwl == 4 ? B : NOF);
                }
                // bits 6 and 7 against the capability, reserved bits 11:8
                for (int b = 6; b < 12; b++) {
                    S s = vmfunc(p, mode, 0);
                    setEntry(s, s.ecx, validEptp(s.eptCap, s.maxphy) | 1L << b);
                    add(s, "EPTP-list entry with bit " + b, B);
                }
                // the first bit at MAXPHYADDR, the last below it, bit 51 and bit 63
                for (int b : new int[] {-1, 0, 51 - 0, 63}) {
                    S s = vmfunc(p, mode, 0);
                    int bitNo = b == -1 ? s.maxphy - 1 : b == 0 ? s.maxphy : b;
                    setEntry(s, s.ecx, validEptp(s.eptCap, s.maxphy) | 1L << bitNo);
                    add(s, "EPTP-list entry with bit " + bitNo + " (MAXPHYADDR " + s.maxphy + ")", B);
                }
            }
        }
    }

    /** The EPTP index is written only on a processor that supports "EPT-violation #VE". */
    private void vmfuncIndexWritten() {
        for (Profile p : forRun(EDGE_NO_VE, HASWELL, SKYLAKE, ICELAKE)) {
            for (long ecx : new long[] {0, 1, 7, 255, 511}) {
                S s = vmfunc(p, rnd.nextBoolean() ? "64-bit" : "protected", rnd.nextBoolean() ? 0 : 3);
                s.ecx = ecx;
                setEntry(s, ecx, validEptp(s.eptCap, s.maxphy));
                add(s, "EPTP switching to entry " + ecx, B);
            }
        }
    }

    private void randomVmfunc(int n) {
        for (int i = 0; i < n; i++) {
            String op = rnd.nextInt(5) == 0 ? OPS[rnd.nextInt(3)] : "non-root";
            String[] c = GUEST_CONTEXTS[rnd.nextInt(GUEST_CONTEXTS.length)];
            String mode = c[0];
            if (op.equals("root") && mode.equals("real")) mode = "protected";
            Profile p = rnd.nextInt(4) == 0 ? anyProfile() : vmfuncProfile();
            S s = base("vmfunc", op, p, mode);
            s.cpl = mode.equals("real") ? 0 : mode.equals("virtual-8086") ? 3 : Integer.parseInt(c[1]);
            int what = rnd.nextInt(8);
            if (what == 0) s.eax = rnd.nextLong() & 0xffffffffL;
            else if (what == 1) s.eax = (long) rnd.nextInt(64);
            else if (what == 2) s.ecx = rnd.nextLong() & 0xffffffffL;
            else if (what == 3 && s.eptpList != null) setEntry(s, s.ecx, rnd.nextLong());
            else if (what == 4 && s.eptpList != null) setEntry(s, s.ecx, validEptp(s.eptCap, s.maxphy) ^ 1L << rnd.nextInt(64));
            add(s, "seeded random input " + i, List.of("random"));
        }
    }

    // ----- which VMCS fields exist (SDM Vol. 3D Appendix B) -----

    /** A capability bit: the MSR (PIN, PROC, PROC2, PROC3, EXIT, ENTRY, VMFUNC) and the bit that allows the feature. */
    record CapBit(String msr, int bit) {}

    /**
     * Fields that exist only where one of the capability bits is 1 (Appendix B's existence notes); {@code unsure}: bits
     * that might bring the field too (a newer control the note does not name), never allowed where the field is
     * expected not to exist.
     */
    record FieldRule(String feature, long[] fields, List<CapBit> anyOf, List<CapBit> unsure) {}

    private static FieldRule rule(String feature, long[] fields, CapBit... anyOf) {
        return new FieldRule(feature, fields, List.of(anyOf), List.of());
    }

    private static CapBit cb(String msr, int b) {
        return new CapBit(msr, b);
    }

    /** Written from the existence notes of Appendix B (research notes: docs/open-questions.md 20.16). */
    static final List<FieldRule> FIELD_RULES = List.of(
        rule("enable VPID", new long[] {0x0000}, cb("PROC2", 37)),
        rule("process posted interrupts", new long[] {0x0002, 0x2016}, cb("PIN", 39)),
        rule("EPT-violation #VE", new long[] {0x0004, 0x202a}, cb("PROC2", 50)),
        rule("virtual-interrupt delivery", new long[] {0x0810, 0x201c, 0x201e, 0x2020, 0x2022}, cb("PROC2", 41)),
        rule("enable PML", new long[] {0x0812, 0x200e}, cb("PROC2", 49)),
        rule("use MSR bitmaps", new long[] {0x2004}, cb("PROC", 60)),
        rule("use TPR shadow", new long[] {0x2012, 0x401c}, cb("PROC", 53)),
        rule("virtualize APIC accesses", new long[] {0x2014}, cb("PROC2", 32)),
        rule("enable VM functions", new long[] {0x2018}, cb("PROC2", 45)),
        rule("enable EPT", new long[] {0x201a, 0x2400, 0x280a, 0x280c, 0x280e, 0x2810}, cb("PROC2", 33)),
        rule("EPTP switching", new long[] {0x2024}, cb("VMFUNC", 0)),
        rule("VMCS shadowing", new long[] {0x2026, 0x2028}, cb("PROC2", 46)),
        rule("enable XSAVES/XRSTORS", new long[] {0x202c}, cb("PROC2", 52)),
        rule("enable ENCLS exiting", new long[] {0x202e}, cb("PROC2", 47)),
        rule("sub-page write permissions for EPT", new long[] {0x2030}, cb("PROC2", 55)),
        rule("use TSC scaling", new long[] {0x2032}, cb("PROC2", 57)),
        rule("activate tertiary controls", new long[] {0x2034}, cb("PROC", 49)),
        rule("load/save IA32_PAT", new long[] {0x2804}, cb("ENTRY", 46), cb("EXIT", 50)),
        rule("load/save IA32_EFER", new long[] {0x2806}, cb("ENTRY", 47), cb("EXIT", 52)),
        new FieldRule("load IA32_PERF_GLOBAL_CTRL (entry)", new long[] {0x2808}, List.of(cb("ENTRY", 45)),
                List.of(cb("EXIT", 62))), // "save IA32_PERF_GLOBAL_CTRL" (VM exit) is not named by the note
        rule("load/clear IA32_BNDCFGS", new long[] {0x2812}, cb("ENTRY", 48), cb("EXIT", 55)),
        rule("load/clear IA32_RTIT_CTL", new long[] {0x2814}, cb("ENTRY", 50), cb("EXIT", 57)),
        rule("load IA32_PAT (exit)", new long[] {0x2c00}, cb("EXIT", 51)),
        rule("load IA32_EFER (exit)", new long[] {0x2c02}, cb("EXIT", 53)),
        rule("load IA32_PERF_GLOBAL_CTRL (exit)", new long[] {0x2c04}, cb("EXIT", 44)),
        rule("activate secondary controls", new long[] {0x401e}, cb("PROC", 63)),
        rule("PAUSE-loop exiting", new long[] {0x4020, 0x4022}, cb("PROC2", 42)),
        rule("activate VMX-preemption timer", new long[] {0x482e}, cb("PIN", 38)),
        rule("load CET state (entry)", new long[] {0x6828, 0x682a, 0x682c}, cb("ENTRY", 52)),
        rule("load CET state (exit)", new long[] {0x6c18, 0x6c1a, 0x6c1c}, cb("EXIT", 60)));

    /**
     * Fields on every VMX processor: the earlier list plus the executive-VMCS pointer, SMBASE and the I/O fields. The
     * guest access-rights fields exist everywhere too but are left out: some processors may drop their reserved bits on
     * VMWRITE (docs/open-questions.md 20.15), so what VMREAD returns after a VMWRITE is not decided here.
     */
    static final long[] ALWAYS_FIELDS;

    static {
        long[] extra = {0x200c, 0x200d, 0x4828, 0x6402, 0x6404, 0x6406, 0x6408};
        ALWAYS_FIELDS = java.util.stream.LongStream.concat(java.util.Arrays.stream(VR_FIELDS), java.util.Arrays.stream(extra)).toArray();
    }

    /**
     * Encodings whose existence condition the domain leaves undecided (docs/open-questions.md 20.16): HLAT, IPI
     * virtualization, guest UINV, ENCLV, PASID, SEAM, PCONFIG, secondary VM-exit controls, IA32_SPEC_CTRL
     * virtualization, FRED event data, MSR data, IA32_LBR_CTL, IA32_PKRS, FRED state, instruction timeout, SEAM KeyID.
     */
    static boolean undecided(long enc) {
        long f = enc & ~1L;
        return f == 0x0006 || f == 0x0008 || f == 0x0814 || f >= 0x2036 && f <= 0x2054 || f >= 0x2402 && f <= 0x2404
                || f >= 0x2816 && f <= 0x2830 || f >= 0x2c06 && f <= 0x2c1a || f == 0x4024 || f == 0x4026 || f == 0x000a;
    }

    static boolean allowed(CapBit c, Caps caps, long ctls2) {
        return switch (c.msr()) {
            case "PIN" -> bit(caps.pin(), c.bit());
            case "PROC" -> bit(caps.proc(), c.bit());
            case "PROC2" -> bit(caps.proc(), 63) && bit(ctls2, c.bit());
            case "PROC3" -> bit(caps.proc(), 49) && bit(caps.ctls3(), c.bit());
            case "EXIT" -> bit(caps.exit(), c.bit());
            case "ENTRY" -> bit(caps.entry(), c.bit());
            case "VMFUNC" -> bit(caps.proc(), 63) && bit(ctls2, 45) && bit(caps.vmfunc(), c.bit());
            default -> throw new IllegalArgumentException(c.msr());
        };
    }

    /** Whether a well-formed encoding names a field of the processor (the high half of a 64-bit field as its field). */
    static boolean fieldExists(long enc, Caps caps, long ctls2) {
        long f = enc & ~1L;
        for (FieldRule r : FIELD_RULES) {
            for (long g : r.fields()) {
                if (g == f) return r.anyOf().stream().anyMatch(c -> allowed(c, caps, ctls2));
            }
        }
        for (long g : ALWAYS_FIELDS) if (g == enc) return true;
        return false;
    }

    /** The profiles whose capability MSRs were read, and the two edges. */
    private static final Profile[] EXISTENCE_PROFILES = {PENRYN, LYNNFIELD, ARRANDALE, SANDY, IVY, HASWELL, BROADWELL, SKYLAKE,
        CNL, ICELAKE, TIGERLAKE, EDGE_ALL, EDGE_MIN};

    /** A VMREAD or VMWRITE of one encoding in a random context that reaches the field check (mostly). */
    private S existenceCase(String instr, Profile p, long enc, Boolean register) {
        String op = bit(p.ctls2(), 46) && rnd.nextInt(4) == 0 ? "non-root" : "root";
        String mode = rnd.nextInt(3) == 0 ? "protected" : "64-bit";
        S s = vr(instr, op, p, mode, register);
        if (s.op.equals("root") && s.current == NONE) {
            s.current = otherPage(s, s.vmxon);
            s.mem.put(s.current, s.p.basic() & 0x7fffffffL);
        }
        if (s.shadowing != null) s.shadowing = true;
        setEncoding(s, enc);
        return s;
    }

    /** Every field of Appendix B the domain decides, full and high, on every profile, read and written. */
    private void vrExistence() {
        List<Long> conditional = new ArrayList<>();
        for (FieldRule r : FIELD_RULES) {
            for (long f : r.fields()) {
                conditional.add(f);
                if (((f >>> 13) & 3) == 1) conditional.add(f | 1);
            }
        }
        for (long enc : conditional) {
            for (Profile p : forRun(EXISTENCE_PROFILES)) {
                for (String instr : VR) {
                    for (boolean register : new boolean[] {true, false}) {
                        add(existenceCase(instr, p, enc, register), "field " + hex(enc) + " on " + p.name(), B);
                    }
                }
            }
        }
        for (long enc : ALWAYS_FIELDS) {
            for (Profile p : forRun(EXISTENCE_PROFILES)) {
                for (String instr : VR) {
                    for (boolean register : new boolean[] {true, false}) {
                        add(existenceCase(instr, p, enc, register), "field " + hex(enc) + ", on every VMX processor", NOF);
                    }
                }
            }
        }
    }

    /**
     * Each existence condition at its boundary: every optional feature allowed but the field's (and, for a field
     * two controls can bring, each of them alone), and no optional feature but the field's.
     */
    private void vrFeatureBoundaries() {
        for (FieldRule r : FIELD_RULES) {
            List<List<CapBit>> variants = new ArrayList<>();
            variants.add(List.of());
            for (CapBit c : r.anyOf()) variants.add(List.of(c));
            for (List<CapBit> keep : variants) {
                // from every feature allowed: clear the field's bits except those kept
                Caps all = ALL_CAPS;
                long ctls2 = EDGE_ALL.ctls2();
                for (CapBit c : r.anyOf()) {
                    if (keep.contains(c)) continue;
                    if (c.msr().equals("PROC2")) ctls2 &= ~(1L << c.bit());
                    else all = clearBit(all, c);
                }
                if (keep.isEmpty()) {
                    for (CapBit c : r.unsure()) all = clearBit(all, c);
                }
                // without "activate secondary controls" IA32_VMX_PROCBASED_CTLS2 does not exist, without VM functions
                // IA32_VMX_VMFUNC does not (both read as 0 here)
                if (!bit(all.proc(), 63)) ctls2 = 0;
                if (!bit(ctls2, 45)) all = all.with("VMFUNC", 0, false);
                // from no optional feature: set the kept bits (and what they need to exist)
                Caps min = MIN_CAPS;
                long minCtls2 = 0;
                for (CapBit c : keep) {
                    if (c.msr().equals("PROC2")) {
                        min = min.with("PROC", 63, true);
                        minCtls2 |= 1L << c.bit();
                    } else if (c.msr().equals("VMFUNC")) {
                        min = min.with("PROC", 63, true).with("VMFUNC", 0, true);
                        minCtls2 |= 1L << 45;
                    } else {
                        min = min.with(c.msr(), c.bit(), true);
                    }
                }
                String what = keep.isEmpty() ? "without " + r.feature() : "with only " + keep.get(0).msr() + " bit " + keep.get(0).bit();
                for (long f : r.fields()) {
                    for (String instr : VR) {
                        Profile pa = new Profile("edge: every VMX feature " + what, EDGE_ALL.basic(), ctls2, EDGE_ALL.cr0f0(),
                                EDGE_ALL.cr0f1(), EDGE_ALL.cr4f0(), EDGE_ALL.cr4f1(), false);
                        S a = existenceCase(instr, pa, f, null);
                        a.caps = all;
                        add(a, "field " + hex(f) + ", every feature " + what, B);
                        if (keep.isEmpty()) continue;
                        Profile pm = new Profile("edge: no optional VMX feature but " + r.feature(), EDGE_MIN.basic(), minCtls2,
                                EDGE_MIN.cr0f0(), EDGE_MIN.cr0f1(), EDGE_MIN.cr4f0(), EDGE_MIN.cr4f1(), false);
                        S m = existenceCase(instr, pm, f, null);
                        m.caps = min;
                        add(m, "field " + hex(f) + ", no optional feature " + what, B);
                    }
                }
            }
        }
    }

    private static Caps clearBit(Caps c, CapBit b) {
        Caps r = c.with(b.msr(), b.bit(), false);
        // without "activate tertiary controls" IA32_VMX_PROCBASED_CTLS3 does not exist (it reads as 0 here)
        if (b.msr().equals("PROC") && b.bit() == 49) r = new Caps(r.pin(), r.proc(), 0, r.exit(), r.entry(), r.vmfunc());
        return r;
    }

    /**
     * Encodings no SDM edition defines (indexes 40H and up in every type and width; the 16-bit read-only data class,
     * which has no field), on every profile: VMfail(12) everywhere.
     */
    private void vrUndefinedEncodings() {
        List<Long> encs = new ArrayList<>();
        for (long width = 0; width < 4; width++) {
            for (long type = 0; type < 4; type++) {
                for (long index : new long[] {0x40, 0x80, 0x100, 0x1ff}) {
                    long e = width << 13 | type << 10 | index << 1;
                    encs.add(e);
                    if (width == 1 && index == 0x40) encs.add(e | 1);
                }
            }
        }
        encs.add(0x0400L);
        encs.add(0x0402L);
        for (long enc : encs) {
            for (Profile p : forRun(EXISTENCE_PROFILES)) {
                for (String instr : VR) {
                    add(existenceCase(instr, p, enc, null), "encoding " + hex(enc) + " names no field", B);
                }
            }
        }
    }
}
