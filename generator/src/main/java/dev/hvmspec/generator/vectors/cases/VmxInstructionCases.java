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
 * stores, and seeded random inputs.
 *
 * <p>The expected rule of each case comes from {@link #predict}, written from the SDM pseudocode independently of the
 * spec. Only inputs inside the spec's preconditions are made: registers agree with {@code mode}; CR4.VMXE = 1 in VMX
 * operation and CR0.PE = 1 in VMX root operation; operand bytes never wrap around 2^32 or 2^64 nor straddle the
 * canonical boundary; VMPTRST never stores into the VMXON region or the current VMCS region.
 */
public final class VmxInstructionCases implements DomainCases {

    static final String[] INSTRUCTIONS = {"vmxon", "vmxoff", "vmclear", "vmptrld", "vmptrst"};
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

    static final Profile[] REALISTIC = {PENRYN, LYNNFIELD, SANDY, IVY, HASWELL, SKYLAKE, CNL, ICELAKE, TIGERLAKE, GENERIC};
    static final Profile[] ALL = {PENRYN, LYNNFIELD, SANDY, IVY, HASWELL, SKYLAKE, CNL, ICELAKE, TIGERLAKE, GENERIC,
        EDGE_32BIT, EDGE_REV_MAX, EDGE_REV_ZERO, EDGE_FIXED, EDGE_FIXED2, EDGE_LA57};

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
        final Map<Long, Long> mem = new LinkedHashMap<>();

        S copy() {
            S s = new S();
            s.instr = instr; s.mode = mode; s.cpl = cpl; s.op = op; s.cr0 = cr0; s.cr4 = cr4; s.efer = efer; s.rflags = rflags;
            s.a20m = a20m; s.smx = smx; s.dual = dual; s.fc = fc; s.p = p; s.maxphy = maxphy; s.vmxon = vmxon;
            s.current = current; s.operand = operand == null ? null : operand.copy();
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
            if (operand == null) {
                b.append(", register operand");
            } else if (!instr.equals("vmxoff")) {
                b.append(", operand ").append(SEGS[operand.seg]).append(":").append(hex(operand.offset)).append(" (")
                        .append(operand.asz).append("-bit address)");
            }
            b.append(", ").append(p.name());
            return b.toString();
        }
    }

    /** The rule the model must decide on and its side. */
    record Aim(String rule, boolean held) {}

    private static Aim no(String rule) {
        return new Aim(rule, false);
    }

    /** The memory-operand fault, if any (SDM 31.3 exception lists; Vol. 3A 3.2.4, 4.5, 5.3). */
    static Aim operandFault(S s, boolean store) {
        Op o = s.operand;
        if (s.is64()) {
            long la = s.linear();
            int width = bit(s.cr4, 12) ? 57 : 48;
            long top = la >> (width - 1); // arithmetic: all zeros or all ones when canonical
            if (top != 0 && top != -1L) return no("VMX_OPERAND_CANONICAL");
            return null;
        }
        if (store && o.seg == 1) return no("VMPTRST_WRITABLE_SEGMENT");
        if (o.offset + 7 > o.limit) return no("VMX_OPERAND_WITHIN_LIMIT");
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
        if (s.operand != null && !s.instr.equals("vmxoff")) {
            Op o = s.operand;
            if (o.asz != 16 && o.asz != 32 && o.asz != 64) throw new IllegalStateException("address size");
            if (o.asz == 64 && !s.is64() || o.asz == 16 && s.is64()) throw new IllegalStateException("address size for the mode");
            if (o.asz < 64 && (o.offset >>> o.asz) != 0) throw new IllegalStateException("offset beyond address size");
            if (!s.is64()) {
                if (o.offset + 7 > 0xffffffffL || s.linear() + 7 > 0xffffffffL) throw new IllegalStateException("wraps 2^32");
            } else {
                long la = s.linear();
                long end = la + 7;
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

    private static List<String> flags(S s, List<String> extra) {
        List<String> f = new ArrayList<>(extra);
        f.add(s.p.realistic() ? "realistic-profile" : "edge-profile");
        return f;
    }

    /** Adds a case aimed at the deciding rule the predictor names. */
    private void add(S s, String comment, List<String> extra) {
        Aim a = predict(s);
        ctx.add(a.rule(), a.held(), comment + " (" + s.describe() + ")", flags(s, extra), input(s));
    }

    /** Adds a case aimed at a given rule and side (the engine checks the model's trace). */
    private void add(S s, String rule, boolean held, String comment, List<String> extra) {
        ctx.add(rule, held, comment + " (" + s.describe() + ")", flags(s, extra), input(s));
    }

    // ----- building blocks -----

    private static final long DATA = 0x00200000L;  // operand data lives at 0x200000..0x2fffff
    private static final long REGION = 0x01000000L; // VMXON/VMCS regions from 16 MiB up

    private long randomPage(S s) {
        long limit = Math.min(s.maxphy, 32) - 12;
        long pages = 1L << limit;
        long page = (REGION >>> 12) + (long) rnd.nextInt((int) Math.min(pages - (REGION >>> 12) - 1, 0x7ffff));
        return page << 12;
    }

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
        S s = new S();
        s.instr = instr;
        s.op = op;
        s.p = p;
        s.maxphy = new int[] {36, 39, 39, 46}[rnd.nextInt(4)];
        s.rflags = 0x2L | (rnd.nextLong() & 0x8d5L) | (rnd.nextBoolean() ? 0x200L : 0);
        s.cr4 = 0x2020L | p.cr4f0() & 0xffffffffL;
        if (bit(p.cr4f1(), 7) && rnd.nextBoolean()) s.cr4 |= 0x80L;  // PGE
        if (bit(p.cr4f1(), 9) && rnd.nextBoolean()) s.cr4 |= 0x200L; // OSFXSR
        setMode(s, mode);
        s.cr0 |= p.cr0f0() & ~0x80000001L & 0xffffffffL;
        if (mode.equals("real")) s.cr0 &= ~0x80000001L;
        s.fc = rnd.nextBoolean() ? 0x5L : 0x7L;
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
        long la = DATA + rnd.nextInt(0x80000);
        if (rnd.nextBoolean()) la &= ~7L;
        place(s, rnd.nextInt(6), defaultAsz(s), la);
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
        return ALL[rnd.nextInt(ALL.length)];
    }

    private Profile realistic() {
        return REALISTIC[rnd.nextInt(REALISTIC.length)];
    }

    @Override
    public void generate(CaseContext context) {
        this.ctx = context;
        this.rnd = context.random();
        modeMatrix();
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
    }

    /** Every instruction x mode x CPL x VMX operation, each with a realistic and an edge profile. */
    private void modeMatrix() {
        for (String instr : INSTRUCTIONS) {
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
        for (Profile p : ALL) {
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
            for (int mp : MAXPHYS) {
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
            for (Profile p : ALL) {
                for (int b = 0; b < 31; b++) {
                    if (p != HASWELL && p != EDGE_REV_MAX && rnd.nextInt(3) != 0 && b != 0 && b != 30) continue;
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
        for (Profile p : ALL) {
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
            for (Profile p : ALL) {
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
            s.maxphy = 32 + rnd.nextInt(21);
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
}
