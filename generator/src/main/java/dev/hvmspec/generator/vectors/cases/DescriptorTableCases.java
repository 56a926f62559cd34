package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.CaseContext;
import dev.hvmspec.generator.vectors.DomainCases;
import dev.hvmspec.generator.vectors.Input;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Cases for LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT and STR in VMX non-root operation (spec/descriptor-table.hvm):
 * every instruction x mode x CPL x "descriptor-table exiting" x operand form x CR4.UMIP; the control on and off for
 * every Bochs CPU model that allows it (and off for the one that does not); the exit information of every segment,
 * address size, base and index register, scaling, displacement boundary and operand size; the register forms of
 * LLDT, LTR, SLDT and STR with every register; seeded random inputs.
 *
 * <p>The expected rule of each case comes from {@link #predict}, written from the SDM text (26.1.1, 26.1.3, the
 * instruction pages, Vol. 3A 2.5 for CR4.UMIP) independently of the spec. Only inputs inside the spec's preconditions are
 * made: registers agree with the mode; CR4.UMIP = 1 and real-address mode only on a profile that allows them; the
 * control 1 only where IA32_VMX_PROCBASED_CTLS2 bit 34 allows it; operands of the forms the mode can encode.
 */
public final class DescriptorTableCases implements DomainCases {

    static final String[] INSTRUCTIONS = {"lgdt", "lidt", "lldt", "ltr", "sgdt", "sidt", "sldt", "str"};
    static final String[] MODES = {"real", "virtual-8086", "protected", "compatibility", "64-bit"};
    static final String[] SEGS = {"ES", "CS", "SS", "DS", "FS", "GS"};
    static final String[] REGS = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"};

    /** A processor: IA32_VMX_PROCBASED_CTLS2 and IA32_VMX_CR4_FIXED1 (whether CR4.UMIP may be 1). */
    record Profile(String name, long ctls2, long cr4f1, boolean realistic) {
        /** IA32_VMX_PROCBASED_CTLS2 bit 34: "descriptor-table exiting" may be 1 (SDM A.3.3). */
        boolean control() {
            return bit(ctls2, 34);
        }

        /** IA32_VMX_CR4_FIXED1 bit 11: CR4.UMIP may be 1 in VMX operation (SDM A.8). */
        boolean umip() {
            return bit(cr4f1, 11);
        }

        /** IA32_VMX_PROCBASED_CTLS2 bit 39: "unrestricted guest" may be 1, so a guest can run in real-address mode. */
        boolean unrestricted() {
            return bit(ctls2, 39);
        }
    }

    // The Bochs 2.7 CPU models (/work/shared/reference/bochs-2.7-cpu-models-vmx-msrs.txt): every model but
    // core2_penryn_t9600 allows "descriptor-table exiting"; only corei3_cnl, corei7_icelake_u and tigerlake allow
    // CR4.UMIP; corei5_lynnfield_750 and core2_penryn_t9600 do not allow "unrestricted guest".
    static final Profile PENRYN = new Profile("Bochs core2_penryn_t9600", 0x4100000000L, 0x467ffL, true);
    static final Profile LYNNFIELD = new Profile("Bochs corei5_lynnfield_750", 0x7f00000000L, 0x67ffL, true);
    static final Profile ARRANDALE = new Profile("Bochs corei5_arrandale_m520", 0xff00000000L, 0x67ffL, true);
    static final Profile SANDY = new Profile("Bochs corei7_sandy_bridge_2600k", 0xff00000000L, 0x627ffL, true);
    static final Profile IVY = new Profile("Bochs corei7_ivy_bridge_3770k", 0x8ff00000000L, 0x1727ffL, true);
    static final Profile HASWELL = new Profile("Bochs corei7_haswell_4770", 0x47fff00000000L, 0x1727ffL, true);
    static final Profile BROADWELL = new Profile("Bochs broadwell_ult", 0x57fff00000000L, 0x3727ffL, true);
    static final Profile SKYLAKE = new Profile("Bochs corei7_skylake_x", 0x2177fff00000000L, 0x3727ffL, true);
    static final Profile CNL = new Profile("Bochs corei3_cnl", 0x2157cff00000000L, 0x772fffL, true);
    static final Profile ICELAKE = new Profile("Bochs corei7_icelake_u", 0x2977fff00000000L, 0x772fffL, true);
    static final Profile TIGERLAKE = new Profile("Bochs tigerlake", 0x2977fff00000000L, 0xf72fffL, true);
    static final Profile GENERIC = new Profile("Bochs generic_vmx2", 0x467ff00000000L, 0x227ffL, true);
    // Edge profiles (no known processor).
    static final Profile EDGE_ALL = new Profile("edge: every secondary control allowed, CR4.UMIP allowed", 0xffffffff00000000L, 0x3f7fffL, false);
    static final Profile EDGE_ONLY_DT = new Profile("edge: only \"descriptor-table exiting\" and \"unrestricted guest\" allowed", 0x8400000000L, 0x2fffL, false);
    static final Profile EDGE_NONE = new Profile("edge: no secondary control allowed", 0x0L, 0x2fffL, false);

    static final Profile[] REALISTIC = {PENRYN, LYNNFIELD, ARRANDALE, SANDY, IVY, HASWELL, BROADWELL, SKYLAKE, CNL, ICELAKE,
        TIGERLAKE, GENERIC};
    static final Profile[] ALL = {PENRYN, LYNNFIELD, ARRANDALE, SANDY, IVY, HASWELL, BROADWELL, SKYLAKE, CNL, ICELAKE,
        TIGERLAKE, GENERIC, EDGE_ALL, EDGE_ONLY_DT, EDGE_NONE};

    private static boolean bit(long v, int b) {
        return ((v >>> b) & 1) != 0;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static boolean gdtIdt(String instr) {
        return instr.equals("lgdt") || instr.equals("lidt") || instr.equals("sgdt") || instr.equals("sidt");
    }

    static boolean load(String instr) {
        return instr.startsWith("l");
    }

    /** The memory operand. */
    static final class Op {
        int seg = 3;
        int asz = 32;
        boolean baseValid = true;
        int base = 3;
        boolean indexValid;
        int index;
        int scale;
        long disp;

        Op copy() {
            Op o = new Op();
            o.seg = seg; o.asz = asz; o.baseValid = baseValid; o.base = base; o.indexValid = indexValid; o.index = index;
            o.scale = scale; o.disp = disp;
            return o;
        }

        String describe() {
            StringBuilder b = new StringBuilder(SEGS[seg] + ":[");
            if (baseValid) b.append(asz == 16 ? REGS[base].substring(1) : REGS[base]);
            if (indexValid) b.append(baseValid ? "+" : "").append(asz == 16 ? REGS[index].substring(1) : REGS[index]).append("*").append(1 << scale);
            if (!baseValid && !indexValid) b.append("disp ").append(hex(disp));
            else b.append(disp < 0 ? "-" + hex(-disp) : "+" + hex(disp));
            return b.append("], ").append(asz).append("-bit address").toString();
        }
    }

    /** One input. */
    static final class S {
        String instr = "sgdt";
        String mode = "64-bit";
        int cpl;
        long cr0 = 0x80000031L;
        long cr4 = 0x2020L;
        long efer = 0xd00L;
        long rflags = 0x2L;
        Profile p = HASWELL;
        boolean control;
        /** The memory operand; null for a register operand. */
        Op operand = new Op();
        /** Reg1 of LLDT/LTR/SLDT/STR with a register operand, else null. */
        Integer reg;
        /** The operand size of LGDT/LIDT/SGDT/SIDT, else null. */
        Integer opSize;

        S copy() {
            S s = new S();
            s.instr = instr; s.mode = mode; s.cpl = cpl; s.cr0 = cr0; s.cr4 = cr4; s.efer = efer; s.rflags = rflags; s.p = p;
            s.control = control; s.operand = operand == null ? null : operand.copy(); s.reg = reg; s.opSize = opSize;
            return s;
        }

        boolean is64() {
            return mode.equals("64-bit");
        }

        boolean umip() {
            return bit(cr4, 11);
        }

        String describe() {
            StringBuilder b = new StringBuilder(instr.toUpperCase() + " in " + mode + " mode at CPL " + cpl + ", CR4.UMIP "
                    + (umip() ? 1 : 0) + ", \"descriptor-table exiting\" " + (control ? 1 : 0) + ", ");
            if (operand != null) b.append("operand ").append(operand.describe());
            else if (reg != null) b.append("register operand ").append(REGS[reg]);
            else b.append("register operand (ModRM.mod = 3)");
            if (opSize != null) b.append(", operand size ").append(opSize);
            return b.append(", ").append(p.name()).toString();
        }
    }

    /** The rule the model must decide on and its side. */
    record Aim(String rule, boolean held) {}

    private static Aim no(String rule) {
        return new Aim(rule, false);
    }

    /**
     * What the SDM says happens: #UD (the instruction pages: LGDT/LIDT/SGDT/SIDT need a memory operand; LLDT, LTR,
     * SLDT, STR are not recognized in real-address or virtual-8086 mode), then the faults based on privilege level
     * (26.1.1: LGDT, LIDT, LLDT, LTR at CPL > 0; with CR4.UMIP = 1, SGDT, SIDT, SLDT, STR at CPL > 0), then the VM
     * exit if and only if "descriptor-table exiting" is 1 (26.1.3).
     */
    static Aim predict(S s) {
        if (gdtIdt(s.instr)) {
            if (s.operand == null) return no("DT_GDT_IDT_MEMORY_OPERAND");
        } else {
            if (s.mode.equals("real")) return no("DT_LDT_TR_NOT_REAL_MODE");
            if (s.mode.equals("virtual-8086")) return no("DT_LDT_TR_NOT_VIRTUAL_8086");
        }
        if (load(s.instr)) {
            if (s.cpl > 0) return no("DT_LOAD_CPL_ZERO");
        } else if (s.cpl > 0 && s.umip()) {
            return no("DT_STORE_UMIP");
        }
        return new Aim("DT_EXITING_OFF", !s.control);
    }

    static boolean exits(S s) {
        Aim a = predict(s);
        return a.rule().equals("DT_EXITING_OFF") && !a.held();
    }

    @Override
    public String domain() {
        return "descriptor-table";
    }

    private CaseContext ctx;
    private Random rnd;

    private Input input(S s) {
        check(s);
        Input.Builder b = ctx.input().enumeration("instruction", s.instr).enumeration("mode", s.mode).integer("cpl", s.cpl)
                .bits("cr0", s.cr0).bits("cr4", s.cr4).bits("efer", s.efer).bits("rflags", s.rflags)
                .bits("vmx_procbased_ctls2", s.p.ctls2()).bool("descriptor_table_exiting", s.control);
        if (s.reg == null) b.absent("register_operand"); else b.integer("register_operand", s.reg);
        if (s.opSize == null) b.absent("operand_size"); else b.integer("operand_size", s.opSize);
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
            case "real" -> !pe && !vm && !lma && s.cpl == 0;
            case "virtual-8086" -> pe && vm && !lma && s.cpl == 3;
            case "protected" -> pe && !vm && !lma;
            default -> pe && !vm && lma && bit(s.cr0, 31) && bit(s.cr4, 5);
        };
        if (!ok || !bit(s.rflags, 1)) throw new IllegalStateException("registers disagree with the mode: " + s.describe());
        if (!bit(s.cr4, 13)) throw new IllegalStateException("CR4.VMXE clear");
        if (s.umip() && !s.p.umip()) throw new IllegalStateException("CR4.UMIP not allowed: " + s.describe());
        if ((s.cr4 & ~s.p.cr4f1() & 0xffffffffL) != 0) throw new IllegalStateException("CR4 beyond FIXED1: " + s.describe());
        if (s.mode.equals("real") && !s.p.unrestricted()) throw new IllegalStateException("real mode without unrestricted guest");
        if (s.control && !s.p.control()) throw new IllegalStateException("control not allowed: " + s.describe());
        if (gdtIdt(s.instr) != (s.opSize != null)) throw new IllegalStateException("operand size for " + s.instr);
        if (s.opSize != null && (s.is64() ? s.opSize != 64 : s.opSize != 16 && s.opSize != 32)) {
            throw new IllegalStateException("operand size " + s.opSize + " in " + s.mode);
        }
        if ((s.reg != null) != (!gdtIdt(s.instr) && s.operand == null)) throw new IllegalStateException("Reg1 for " + s.describe());
        if (s.reg != null && !s.is64() && s.reg > 7) throw new IllegalStateException("R8-R15 outside 64-bit mode");
        Op o = s.operand;
        if (o != null) {
            if (o.asz != 16 && o.asz != 32 && o.asz != 64) throw new IllegalStateException("address size");
            if (o.asz == 64 && !s.is64() || o.asz == 16 && s.is64()) throw new IllegalStateException("address size for the mode");
            int regs = s.is64() ? 16 : 8;
            if (o.base >= regs || o.index >= regs) throw new IllegalStateException("register beyond the mode");
            if (o.indexValid && o.index == 4) throw new IllegalStateException("RSP as index");
            if (!o.indexValid && (o.scale != 0 || o.index != 0) || !o.baseValid && o.base != 0) throw new IllegalStateException("unused fields");
            if (o.asz == 16) {
                boolean form = !o.indexValid ? !o.baseValid || o.base == 3 || o.base == 5 || o.base == 6 || o.base == 7
                        : o.baseValid && (o.base == 3 || o.base == 5) && (o.index == 6 || o.index == 7) && o.scale == 0;
                if (!form || (short) o.disp != o.disp) throw new IllegalStateException("not a 16-bit form: " + o.describe());
            } else if ((int) o.disp != o.disp) {
                throw new IllegalStateException("displacement beyond 32 bits");
            }
            if (s.is64() && o.seg != 4 && o.seg != 5) {
                boolean stack = o.baseValid && (o.base == 4 || o.base == 5);
                if (o.seg != (stack ? 2 : 3)) throw new IllegalStateException("64-bit segment: " + s.describe());
            }
        }
    }

    private static List<String> flags(S s, List<String> extra) {
        List<String> f = new ArrayList<>(extra);
        f.add(s.p.realistic() ? "realistic-profile" : "edge-profile");
        return f;
    }

    private static final List<String> B = List.of("boundary");
    private static final List<String> NOF = List.of();

    /** Adds a case aimed at the deciding rule the predictor names; the comment states what should happen. */
    private void add(S s, String comment, List<String> extra) {
        Aim a = predict(s);
        ctx.add(a.rule(), a.held(), comment + ": " + s.describe() + " " + expectation(s), flags(s, extra), input(s));
    }

    /** Adds a case aimed at a given rule and side (the engine checks the model's trace). */
    private void add(S s, String rule, boolean held, String comment, List<String> extra) {
        ctx.add(rule, held, comment + ": " + s.describe() + " " + expectation(s), flags(s, extra), input(s));
    }

    private static String expectation(S s) {
        Aim a = predict(s);
        return switch (a.rule()) {
            case "DT_GDT_IDT_MEMORY_OPERAND", "DT_LDT_TR_NOT_REAL_MODE", "DT_LDT_TR_NOT_VIRTUAL_8086" -> "causes #UD";
            case "DT_LOAD_CPL_ZERO", "DT_STORE_UMIP" -> "causes #GP(0), not a VM exit";
            default -> a.held() ? "causes no VM exit" : "causes a VM exit (reason " + (gdtIdt(s.instr) ? 46 : 47) + ")";
        };
    }

    // ----- building blocks -----

    /**
     * The profiles of this run: {@link #REALISTIC} and {@link #ALL}, or with a platform profile that platform as the
     * only realistic one (the edge profiles stay, for states the platform does not allow; the engine keeps those
     * cases only for rules the platform cannot reach).
     */
    private Profile[] realisticProfiles = REALISTIC;
    private Profile[] allProfiles = ALL;

    private void choose(CaseContext context) {
        if (context.profile().isEmpty()) return;
        dev.hvmspec.generator.vectors.PlatformProfile pp = context.profile().get();
        Profile platform = new Profile(pp.name(), pp.procbased2(), pp.cr4Fixed1(), true);
        realisticProfiles = new Profile[] {platform};
        allProfiles = new Profile[] {platform, EDGE_ALL, EDGE_ONLY_DT, EDGE_NONE};
    }

    private Profile pick(Predicate<Profile> ok, boolean realistic) {
        // With a platform profile the platform is chosen whenever it allows the state.
        Profile[] from = realistic || realisticProfiles != REALISTIC ? realisticProfiles : allProfiles;
        List<Profile> c = new ArrayList<>();
        for (Profile p : from) if (ok.test(p)) c.add(p);
        if (c.isEmpty()) {
            for (Profile p : allProfiles) if (ok.test(p)) c.add(p);
        }
        return c.get(rnd.nextInt(c.size()));
    }

    /** A profile on which the state can exist: the control and CR4.UMIP allowed when used, real mode when used. */
    private Profile profileFor(boolean control, boolean umip, String mode, boolean realistic) {
        return pick(p -> (!control || p.control()) && (!umip || p.umip()) && (!mode.equals("real") || p.unrestricted()), realistic);
    }

    /** Sets the registers for a mode (consistent with it), keeping the status flags of RFLAGS. */
    private void setMode(S s, String mode) {
        s.mode = mode;
        s.rflags = 0x2L | (s.rflags & 0xad5L);
        s.efer = 0;
        switch (mode) {
            case "real" -> { s.cr0 = 0x30L; s.cpl = 0; }
            case "virtual-8086" -> { s.cr0 = 0x80000031L; s.rflags |= 1L << 17; s.cpl = 3; }
            case "protected" -> s.cr0 = 0x80000031L;
            default -> { s.cr0 = 0x80000031L; s.efer = rnd.nextBoolean() ? 0xd00L : 0x500L; s.cr4 |= 0x20L; }
        }
    }

    /** CR4 with VMXE, the given UMIP, and some other bits the profile allows (PAE, PGE, OSFXSR, OSXMMEXCPT). */
    private long cr4(Profile p, boolean umip) {
        long v = 0x2000L;
        for (int b : new int[] {5, 7, 9, 10}) {
            if (bit(p.cr4f1(), b) && rnd.nextBoolean()) v |= 1L << b;
        }
        if (umip) v |= 1L << 11;
        return v;
    }

    /** A random operand of the address size (16-bit forms use only BX, BP, SI, DI), through segment {@code seg}. */
    private Op randomOperand(S s, int asz, int seg) {
        Op o = new Op();
        o.asz = asz;
        if (asz == 16) {
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
        } else {
            int regs = s.is64() ? 16 : 8;
            o.baseValid = rnd.nextInt(6) != 0;
            o.base = o.baseValid ? rnd.nextInt(regs) : 0;
            o.indexValid = rnd.nextInt(3) == 0;
            do {
                o.index = rnd.nextInt(regs);
            } while (o.index == 4);
            if (!o.indexValid) o.index = 0;
            o.scale = o.indexValid ? rnd.nextInt(4) : 0;
            int k = rnd.nextInt(3);
            o.disp = k == 0 ? 0 : k == 1 ? (long) (byte) rnd.nextInt() : (long) rnd.nextInt();
            if (!o.baseValid && !o.indexValid) o.disp = rnd.nextInt();
        }
        o.seg = seg;
        effectiveSegment(s.mode, o);
        return o;
    }

    /**
     * In 64-bit mode the ES, CS, SS and DS prefixes are ignored (SDM Vol. 3A 3.4.4): the segment is FS or GS when
     * prefixed, else SS for an RSP or RBP base and DS otherwise. Keeps FS and GS, and an SS operand gets an RSP or RBP base.
     */
    private void effectiveSegment(String mode, Op o) {
        if (!mode.equals("64-bit") || o.seg == 4 || o.seg == 5) return;
        if (o.seg == 2) {
            o.baseValid = true;
            if (o.base != 4 && o.base != 5) o.base = rnd.nextBoolean() ? 4 : 5;
            return;
        }
        o.seg = 3;
        if (o.baseValid && (o.base == 4 || o.base == 5)) o.base = 3;
    }

    private int defaultAsz(String mode) {
        if (mode.equals("64-bit")) return rnd.nextInt(5) == 0 ? 32 : 64;
        if (mode.equals("real") || mode.equals("virtual-8086")) return rnd.nextInt(4) == 0 ? 32 : 16;
        return rnd.nextInt(4) == 0 ? 16 : 32;
    }

    private int defaultOpSize(String mode) {
        if (mode.equals("64-bit")) return 64;
        return rnd.nextBoolean() ? 16 : 32;
    }

    /**
     * A state: the instruction in the mode at the CPL with the control and CR4.UMIP as given, a memory operand or a
     * register operand, on a (realistic when possible) profile that allows all of it.
     */
    private S state(String instr, String mode, int cpl, boolean control, boolean umip, boolean memory, Profile p) {
        S s = new S();
        s.instr = instr;
        s.p = p != null ? p : profileFor(control, umip, mode, true);
        s.control = control;
        s.rflags = 0x2L | (rnd.nextLong() & 0x8d5L) | (rnd.nextBoolean() ? 0x200L : 0);
        s.cr4 = cr4(s.p, umip);
        setMode(s, mode);
        if (!mode.equals("real") && !mode.equals("virtual-8086")) s.cpl = cpl;
        s.opSize = gdtIdt(instr) ? defaultOpSize(mode) : null;
        if (memory) {
            s.operand = randomOperand(s, defaultAsz(mode), rnd.nextInt(6));
            s.reg = null;
        } else {
            s.operand = null;
            s.reg = gdtIdt(instr) ? null : rnd.nextInt(s.is64() ? 16 : 8);
        }
        return s;
    }

    private static int[] cpls(String mode) {
        return switch (mode) {
            case "real" -> new int[] {0};
            case "virtual-8086" -> new int[] {3};
            default -> new int[] {0, 1, 2, 3};
        };
    }

    @Override
    public void generate(CaseContext context) {
        this.ctx = context;
        this.rnd = context.random();
        choose(context);
        matrix();
        controlPerProfile();
        exitInformation();
        registers();
        displacements();
        operandSizes();
        registerOperands();
        randomCases(600);
    }

    /** Every instruction x mode x CPL x control x operand form x CR4.UMIP, on a realistic profile that allows the state. */
    private void matrix() {
        for (String instr : INSTRUCTIONS) {
            for (String mode : MODES) {
                for (int cpl : cpls(mode)) {
                    for (boolean control : new boolean[] {false, true}) {
                        for (boolean memory : new boolean[] {true, false}) {
                            for (boolean umip : new boolean[] {false, true}) {
                                S s = state(instr, mode, cpl, control, umip, memory, null);
                                s.cpl = cpl;
                                add(s, "instruction x mode x CPL x control x operand form x CR4.UMIP", cpl <= 1 && !mode.equals("real") ? B : NOF);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The control per profile: every model and edge profile, every instruction, the control 0 and (where
     * IA32_VMX_PROCBASED_CTLS2 bit 34 allows it) 1, at CPL 0, and for the store instructions also at CPL 3 with
     * CR4.UMIP = 0: they exit with the control 1 and do not without it, whatever the CPL.
     */
    private void controlPerProfile() {
        for (Profile p : allProfiles) {
            for (String instr : INSTRUCTIONS) {
                for (boolean control : new boolean[] {false, true}) {
                    if (control && !p.control()) continue;
                    String mode = rnd.nextBoolean() ? "64-bit" : rnd.nextBoolean() ? "protected" : "compatibility";
                    S s = state(instr, mode, 0, control, false, true, p);
                    add(s, "DT_EXITING_OFF", !control, "\"descriptor-table exiting\" " + (control ? 1 : 0) + " on " + p.name()
                            + " (IA32_VMX_PROCBASED_CTLS2 bit 34 = " + (p.control() ? 1 : 0) + ")", B);
                    if (!load(instr)) {
                        S u = state(instr, mode, 3, control, false, gdtIdt(instr) || rnd.nextBoolean(), p);
                        add(u, "DT_EXITING_OFF", !control, "a store at CPL 3 with CR4.UMIP = 0 is decided by the control alone", B);
                        if (p.umip()) {
                            S g = state(instr, mode, 3, control, true, gdtIdt(instr) || rnd.nextBoolean(), p);
                            add(g, "DT_STORE_UMIP", false, "CR4.UMIP = 1 at CPL 3: the #GP(0) comes before the VM exit", B);
                        }
                    }
                }
            }
        }
    }

    /** Modes in which an operand of the address size through the segment can be written, and the instruction runs. */
    private List<String> modesFor(String instr, int asz, int seg) {
        List<String> m = new ArrayList<>();
        if (asz == 64) {
            if (seg >= 2) m.add("64-bit");
            return m;
        }
        m.add("protected");
        m.add("compatibility");
        if (gdtIdt(instr)) m.add("real");
        if (!load(instr) && gdtIdt(instr)) m.add("virtual-8086");
        if (asz == 32 && seg >= 2) m.add("64-bit");
        return m;
    }

    /** The exit information of every instruction through every segment with every address size, random encodings. */
    private void exitInformation() {
        for (String instr : INSTRUCTIONS) {
            for (int seg = 0; seg < 6; seg++) {
                for (int asz : new int[] {16, 32, 64}) {
                    List<String> modes = modesFor(instr, asz, seg);
                    if (modes.isEmpty()) continue;
                    for (int k = 0; k < 3; k++) {
                        String mode = modes.get(rnd.nextInt(modes.size()));
                        S s = state(instr, mode, 0, true, false, true, null);
                        s.operand = randomOperand(s, asz, seg);
                        if (s.is64() && seg == 2 && !(s.operand.base == 4 || s.operand.base == 5)) throw new IllegalStateException();
                        add(s, "DT_EXIT_GDTR_IDTR", gdtIdt(instr), "VM exit information: segment " + SEGS[seg] + ", " + asz
                                + "-bit address, base " + (s.operand.baseValid ? REGS[s.operand.base] : "none") + ", index "
                                + (s.operand.indexValid ? REGS[s.operand.index] + " scale " + s.operand.scale : "none")
                                + ", displacement " + hex(s.operand.disp), NOF);
                    }
                }
            }
        }
    }

    /** Every base and index register (64-bit addresses), and operands without base or without index. */
    private void registers() {
        for (String instr : INSTRUCTIONS) {
            for (int r = 0; r < 16; r++) {
                for (boolean idx : new boolean[] {false, true}) {
                    if (idx && r == 4) continue; // RSP cannot be an index
                    S s = state(instr, "64-bit", 0, true, false, true, null);
                    Op o = s.operand;
                    o.asz = rnd.nextInt(4) == 0 ? 32 : 64;
                    if (idx) {
                        o.indexValid = true;
                        o.index = r;
                        o.scale = r & 3;
                        o.baseValid = rnd.nextBoolean();
                        o.base = o.baseValid ? rnd.nextInt(16) : 0;
                    } else {
                        o.baseValid = true;
                        o.base = r;
                    }
                    o.seg = rnd.nextInt(4) == 0 ? 4 + rnd.nextInt(2) : o.baseValid && (o.base == 4 || o.base == 5) ? 2 : 3;
                    add(s, idx ? "DT_EXIT_INFO_INDEX_VALID" : "DT_EXIT_INFO_BASE_VALID", true,
                            (idx ? "index register " : "base register ") + REGS[r], r == 0 || r == 15 ? B : NOF);
                }
            }
            for (String mode : new String[] {"protected", "64-bit"}) {
                S nb = state(instr, mode, 0, true, false, true, null);
                nb.operand.asz = mode.equals("64-bit") ? 64 : 32;
                nb.operand.baseValid = false;
                nb.operand.base = 0;
                nb.operand.indexValid = true;
                nb.operand.index = 5;
                nb.operand.scale = 3;
                if (mode.equals("64-bit") && nb.operand.seg != 4 && nb.operand.seg != 5) nb.operand.seg = 3;
                add(nb, "DT_EXIT_INFO_BASE_VALID", false, "index but no base register", B);
                S ni = state(instr, mode, 0, true, false, true, null);
                ni.operand.asz = mode.equals("64-bit") ? 64 : 32;
                ni.operand.baseValid = true;
                ni.operand.indexValid = false;
                ni.operand.index = 0;
                ni.operand.scale = 0;
                add(ni, "DT_EXIT_INFO_INDEX_VALID", false, "base but no index register", B);
                S none = ni.copy();
                none.operand.baseValid = false;
                none.operand.base = 0;
                none.operand.disp = 0x1000L + rnd.nextInt(0x10000);
                if (mode.equals("64-bit") && none.operand.seg == 2) none.operand.seg = 3;
                add(none, "DT_EXIT_INFO_BASE_VALID", false, "neither base nor index register (absolute displacement)", B);
            }
        }
    }

    /** Displacement boundaries with every address size: the exit qualification and its undefined high bits. */
    private void displacements() {
        long[] disps = {0, 0x7f, 0xffffffffffffff80L, 0x7fff, 0xffffffffffff8000L, 0x7fffffffL, 0xffffffff80000000L,
            0xfffffffffffffffcL, 1};
        for (String instr : INSTRUCTIONS) {
            for (long d : disps) {
                for (int asz : new int[] {16, 32, 64}) {
                    if (asz == 16 && (short) d != d) continue;
                    for (String mode : asz == 64 ? new String[] {"64-bit"} : asz == 32 ? new String[] {"protected", "64-bit"}
                            : new String[] {"compatibility"}) {
                        S s = state(instr, mode, 0, true, false, true, null);
                        s.operand = randomOperand(s, asz, 3);
                        if (asz == 16) {
                            s.operand.baseValid = true;
                            s.operand.base = 3;
                            s.operand.indexValid = true;
                            s.operand.index = 6;
                            s.operand.scale = 0;
                        } else if (!s.operand.baseValid && !s.operand.indexValid) {
                            s.operand.baseValid = true;
                            s.operand.base = 3;
                        }
                        s.operand.disp = d;
                        add(s, "DT_EXITING_OFF", false, "VM exit with displacement " + hex(d) + " and a " + asz
                                + "-bit address: the exit qualification is the displacement sign-extended", B);
                    }
                }
            }
        }
    }

    /** Instruction-information bit 11 of LGDT/LIDT/SGDT/SIDT: the operand size outside 64-bit mode, undefined in it. */
    private void operandSizes() {
        for (String instr : new String[] {"lgdt", "lidt", "sgdt", "sidt"}) {
            for (String mode : MODES) {
                if (mode.equals("virtual-8086") && load(instr)) continue; // #GP(0) at CPL 3
                for (int size : mode.equals("64-bit") ? new int[] {64} : new int[] {16, 32}) {
                    for (int k = 0; k < (mode.equals("64-bit") ? 4 : 2); k++) {
                        S s = state(instr, mode, mode.equals("virtual-8086") ? 3 : 0, true, false, true, null);
                        s.opSize = size;
                        add(s, "DT_EXIT_INFO_OPERAND_SIZE_DEFINED", !mode.equals("64-bit"), "operand size " + size + " in "
                                + mode + " mode: instruction-information bit 11 " + (mode.equals("64-bit") ? "is undefined"
                                : "is " + (size == 32 ? 1 : 0)), B);
                        S n = s.copy();
                        n.control = false;
                        add(n, "operand size " + size + " with the control 0", NOF);
                    }
                }
            }
        }
    }

    /** LLDT, LTR, SLDT, STR with every register operand: bit 10 = 1, Reg1 in bits 6:3, exit qualification 0. */
    private void registerOperands() {
        for (String instr : new String[] {"lldt", "ltr", "sldt", "str"}) {
            for (String mode : new String[] {"protected", "compatibility", "64-bit"}) {
                int regs = mode.equals("64-bit") ? 16 : 8;
                for (int r = 0; r < regs; r++) {
                    int cpl = !load(instr) && rnd.nextBoolean() ? 3 : 0;
                    S s = state(instr, mode, cpl, true, false, false, null);
                    s.reg = r;
                    add(s, "DT_EXIT_REGISTER_OPERAND", true, "register operand " + REGS[r], r == 0 || r == regs - 1 ? B : NOF);
                }
            }
        }
    }

    /** Seeded random inputs: any instruction, mode, CPL, control, UMIP, operand, profile. */
    private void randomCases(int n) {
        for (int i = 0; i < n; i++) {
            String instr = INSTRUCTIONS[rnd.nextInt(INSTRUCTIONS.length)];
            String mode = MODES[rnd.nextInt(MODES.length)];
            int cpl = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(4);
            boolean realistic = rnd.nextInt(4) != 0;
            boolean control = rnd.nextInt(3) != 0;
            boolean umip = rnd.nextInt(3) == 0;
            Profile p = profileFor(control, umip, mode, realistic);
            S s = state(instr, mode, cpl, control, umip, rnd.nextInt(8) != 0, p);
            add(s, "seeded random input " + i, List.of("random"));
        }
    }
}
