package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.CaseContext;
import dev.hvmspec.generator.vectors.DomainCases;
import dev.hvmspec.generator.vectors.Input;
import java.util.List;
import java.util.Random;

/**
 * Cases for MOV to/from CR0 and CR4, CLTS and LMSW in VMX non-root operation (spec/cr-access.hvm): the CPL check,
 * every bit of the guest/host masks against the read shadows, each #GP(0) condition of MOV to CR0/CR4 on both sides,
 * every VMX fixed bit, the unrestricted-guest relaxation, all 4,096 combinations of LMSW's mask, shadow and source
 * bits 3:0, and seeded random states, under realistic fixed-bit profiles (Bochs CPU models) and edge profiles.
 */
public final class CrAccessCases implements DomainCases {

    // CR0 bits (SDM Vol. 3A 2.5).
    private static final long PE = 1L, MP = 1L << 1, EM = 1L << 2, TS = 1L << 3, ET = 1L << 4, NE = 1L << 5;
    private static final long WP = 1L << 16, AM = 1L << 18, NW = 1L << 29, CD = 1L << 30, PG = 1L << 31;
    private static final long[] CR0_DEFINED = {PE, MP, EM, TS, NE, WP, AM, NW, CD, PG};
    // CR4 bits.
    private static final long PAE = 1L << 5, PGE = 1L << 7, OSFXSR = 1L << 9, OSXMMEXCPT = 1L << 10, LA57 = 1L << 12;
    private static final long VMXE = 1L << 13, PCIDE = 1L << 17, CET = 1L << 23;
    // EFER.
    private static final long LME = 1L << 8, LMA = 1L << 10, SCE = 1L, NXE = 1L << 11;

    /** A fixed-bit profile: IA32_VMX_CR0_FIXED0/1 and CR4_FIXED0/1. */
    private record Profile(String name, long cr0Fixed0, long cr0Fixed1, long cr4Fixed0, long cr4Fixed1, boolean realistic) {}

    private static final List<Profile> PROFILES = List.of(
            // Bochs 2.7 CPU models (../shared/reference/bochs-2.7-cpu-models-vmx-msrs.txt); CR0 fixed bits are the
            // same on all of them, CR4_FIXED1 follows the features of each model.
            new Profile("Bochs haswell", 0x80000021L, 0xffffffffL, 0x2000L, 0x1727ffL, true),
            new Profile("Bochs skylake_x", 0x80000021L, 0xffffffffL, 0x2000L, 0x3727ffL, true),
            new Profile("Bochs icelake", 0x80000021L, 0xffffffffL, 0x2000L, 0x772fffL, true),
            new Profile("Bochs tigerlake", 0x80000021L, 0xffffffffL, 0x2000L, 0xf72fffL, true),
            new Profile("Bochs sandy bridge", 0x80000021L, 0xffffffffL, 0x2000L, 0x627ffL, true),
            new Profile("Bochs penryn", 0x80000021L, 0xffffffffL, 0x2000L, 0x467ffL, true),
            // Edge profiles: more bits fixed to 1, fewer allowed to be 1.
            new Profile("edge: CD, NW, WP fixed", 0x80010021L | CD, 0xffffffffL & ~NW, 0x2000L | PAE, 0x27ffL, false),
            // FIXED1 allowing the architecturally reserved CR0[63:32] and CR4[63:33] (and CR4 bit 32, FRED): the
            // reserved-bit checks must fault on their own.
            new Profile("edge: FIXED1 high bits all ones", 0x80000021L, -1L, 0x2000L, 0xffffffff_00000000L | 0x3727ffL, false),
            // TS fixed to 1, and MP/EM/TS fixed to 0: CLTS and LMSW are subject to the fixed bits too (SDM 24.8).
            new Profile("edge: TS fixed to 1", 0x80000021L | TS, 0xffffffffL, 0x2000L, 0x3727ffL, false),
            new Profile("edge: MP, EM, TS fixed to 0", 0x80000021L, 0xffffffffL & ~(MP | EM | TS), 0x2000L, 0x3727ffL, false),
            // A processor with 5-level paging (LA57 allowed in CR4): no Bochs 2.7 model has it.
            new Profile("edge: icelake with LA57", 0x80000021L, 0xffffffffL, 0x2000L, 0x772fffL | LA57, false));

    private static final Profile HASWELL = PROFILES.get(0);

    /**
     * The profiles of this run: {@link #PROFILES}, or with a platform profile that platform (the only realistic one)
     * followed by the edge profiles, whose cases the engine keeps only for rules the platform cannot reach.
     */
    private List<Profile> profiles = PROFILES;
    /** The profile of the LMSW matrix and of the per-bit edge profiles: Bochs haswell, or the platform. */
    private Profile main = HASWELL;

    private void choose(CaseContext ctx) {
        if (ctx.profile().isEmpty()) return;
        dev.hvmspec.generator.vectors.PlatformProfile pp = ctx.profile().get();
        platformUnrestricted = (pp.procbased2() & (1L << (32 + 7))) != 0;
        main = new Profile(pp.name(), pp.cr0Fixed0(), pp.cr0Fixed1(), pp.cr4Fixed0(), pp.cr4Fixed1(), true);
        List<Profile> list = new java.util.ArrayList<>();
        list.add(main);
        for (Profile p : PROFILES) if (!p.realistic()) list.add(p);
        profiles = List.copyOf(list);
    }

    @Override
    public String domain() {
        return "cr-access";
    }

    /** A consistent guest state for a mode; CR0/CR4 satisfy the profile's fixed bits. */
    private Input.Builder state(CaseContext ctx, Profile p, String mode, String instruction) {
        long cr0;
        long cr4;
        long efer;
        boolean unrestricted = false;
        switch (mode) {
            case "64-bit":
            case "compatibility":
                cr0 = PG | AM | WP | NE | ET | MP | PE;
                cr4 = PAE | PGE | OSFXSR | OSXMMEXCPT | VMXE;
                efer = SCE | LME | LMA | NXE;
                break;
            case "protected":
                cr0 = PG | NE | ET | PE | WP;
                cr4 = VMXE | (1L << 4);
                efer = 0;
                break;
            default: // real mode needs "unrestricted guest" (PE = PG = 0)
                cr0 = NE | ET;
                cr4 = VMXE;
                efer = 0;
                unrestricted = true;
        }
        cr0 |= p.cr0Fixed0() & ~(unrestricted ? PE | PG : 0);
        cr0 &= p.cr0Fixed1();
        cr4 |= p.cr4Fixed0();
        cr4 &= p.cr4Fixed1();
        return ctx.input().enumeration("instruction", instruction).enumeration("mode", mode).integer("cpl", 0)
                .bits("cr0", cr0).bits("cr3", 0x1000L).bits("cr4", cr4).bits("efer", efer)
                .bits("cr0_guest_host_mask", 0).bits("cr0_read_shadow", 0).bits("cr4_guest_host_mask", 0)
                .bits("cr4_read_shadow", 0).bits("cr0_fixed0", p.cr0Fixed0()).bits("cr0_fixed1", p.cr0Fixed1())
                .bits("cr4_fixed0", p.cr4Fixed0()).bits("cr4_fixed1", p.cr4Fixed1()).bool("unrestricted_guest", unrestricted);
    }

    private static List<String> flags(Profile p, String... more) {
        java.util.ArrayList<String> f = new java.util.ArrayList<>(List.of(more));
        f.add(p.realistic() ? "realistic-profile" : "edge-profile");
        return f;
    }

    /**
     * Adds a case unless its starting state could not exist, since such a vector would test nothing real: CR0 or CR4
     * outside the fixed bits (VM entry would have failed; SDM 24.8, with "unrestricted guest" exempting PE and PG), or
     * R8-R15 outside 64-bit mode, where they cannot be named (SDM Vol. 2B 4.3).
     */
    private void add(CaseContext ctx, String rule, boolean held, String comment, List<String> flags, Input in) {
        if (!startStateExists(in)) return;
        if (!platformUnrestricted && ((dev.hvmspec.dsl.eval.Value.Bool) in.values().get("unrestricted_guest")).value()) {
            // A platform without "unrestricted guest" (IA32_VMX_PROCBASED_CTLS2 bit 39) has no guest in real mode or
            // with CR0.PE/PG clear: the case is one it cannot be put in.
            List<String> edge = new java.util.ArrayList<>(flags);
            edge.remove("realistic-profile");
            if (!edge.contains("edge-profile")) edge.add("edge-profile");
            flags = edge;
        }
        ctx.add(rule, held, comment, flags, in);
    }

    /** "Unrestricted guest" may be 1 on the platform (always true without a profile: the committed vectors). */
    private boolean platformUnrestricted = true;

    private static boolean startStateExists(Input in) {
        long cr0 = value(in, "cr0");
        long cr4 = value(in, "cr4");
        long cr0Fixed0 = value(in, "cr0_fixed0");
        if (((dev.hvmspec.dsl.eval.Value.Bool) in.values().get("unrestricted_guest")).value()) cr0Fixed0 &= ~(PE | PG);
        boolean cr0Ok = (cr0 & cr0Fixed0) == cr0Fixed0 && (cr0 & ~value(in, "cr0_fixed1")) == 0;
        boolean cr4Ok = (cr4 & value(in, "cr4_fixed0")) == value(in, "cr4_fixed0") && (cr4 & ~value(in, "cr4_fixed1")) == 0;
        boolean gprOk = !in.presence().getOrDefault("gpr", false)
                || ((dev.hvmspec.dsl.eval.Value.Int) in.values().get("gpr")).value() < 8
                || ((dev.hvmspec.dsl.eval.Value.Enum) in.values().get("mode")).item().equals("LONG64");
        return cr0Ok && cr4Ok && gprOk;
    }

    private static long value(Input in, String name) {
        return ((dev.hvmspec.dsl.eval.Value.Bits) in.values().get(name)).value();
    }

    @Override
    public void generate(CaseContext ctx) {
        choose(ctx);
        for (Profile p : profiles) {
            cpl(ctx, p);
            // The mask and shadow logic does not depend on the fixed bits: every bit under the real profiles is enough.
            if (p.realistic()) {
                movToCr0Masks(ctx, p);
                movToCr4Masks(ctx, p);
            }
            cr0Checks(ctx, p);
            cr4Checks(ctx, p);
            movFrom(ctx, p);
            clts(ctx, p);
        }
        lmsw(ctx, main);
        lmswFixedBits(ctx);
        randomCases(ctx, ctx.random());
    }

    private static final String[] INSTRUCTIONS = {"mov-to-cr0", "mov-to-cr4", "mov-from-cr0", "mov-from-cr4", "clts", "lmsw"};
    private static final String[] MODES = {"real", "protected", "compatibility", "64-bit"};

    private Input.Builder operands(Input.Builder b, String instruction, long source) {
        if (instruction.startsWith("mov")) b.integer("gpr", 3);
        if (instruction.startsWith("mov-to") || instruction.equals("lmsw")) b.bits("source", source);
        if (instruction.equals("lmsw")) b.bool("lmsw_memory_operand", false);
        return b;
    }

    private void cpl(CaseContext ctx, Profile p) {
        for (String insn : INSTRUCTIONS) {
            for (int cpl = 0; cpl <= 3; cpl++) {
                Input.Builder b = state(ctx, p, "protected", insn).integer("cpl", cpl);
                Input base = b.build();
                // A mask/shadow mismatch that would exit at CPL 0: the privilege fault must still win.
                long cr0 = value(base, "cr0");
                b.bits("cr0_guest_host_mask", TS | PE).bits("cr0_read_shadow", TS | PE);
                b.bits("cr4_guest_host_mask", VMXE).bits("cr4_read_shadow", 0);
                operands(b, insn, insn.endsWith("cr4") ? value(base, "cr4") : cr0);
                add(ctx, "CR_CPL_ZERO", cpl == 0, insn + " at CPL " + cpl + " in protected mode (" + p.name() + ")",
                        flags(p, cpl <= 1 ? "boundary" : "random").subList(0, cpl <= 1 ? 2 : 1), b.build());
            }
        }
    }

    private void movToCr0Masks(CaseContext ctx, Profile p) {
        for (String mode : MODES) {
            Input base = state(ctx, p, mode, "mov-to-cr0").build();
            long cr0 = value(base, "cr0");
            for (int bit = 0; bit < 64; bit++) {
                long m = 1L << bit;
                long shadow = cr0 & m;
                boolean operandBit = mode.equals("64-bit") || bit < 32;
                // Source flips the host-owned bit: exit (if the bit is part of the operand).
                Input.Builder b = operands(base.toBuilder(ctx.domain()), "mov-to-cr0", cr0 ^ m)
                        .bits("cr0_guest_host_mask", m).bits("cr0_read_shadow", shadow);
                add(ctx, "CR0_WRITE_MATCHES_SHADOW", !operandBit, "MOV to CR0 in " + mode + " mode changes bit " + bit
                        + ", which the CR0 guest/host mask gives the host" + (operandBit ? "" : " (outside the 32-bit operand)"),
                        flags(p, "boundary"), b.build());
                // Source equals the shadow in the host-owned bit but the register differs: no exit, bit kept.
                Input.Builder keep = operands(base.toBuilder(ctx.domain()), "mov-to-cr0", cr0)
                        .bits("cr0_guest_host_mask", m).bits("cr0_read_shadow", shadow ^ m).bits("cr0", cr0);
                keep.bits("source", (cr0 & ~m) | ((shadow ^ m) & m));
                if (operandBit) {
                    add(ctx, "CR0_WRITE_MATCHES_SHADOW", true, "MOV to CR0 in " + mode + " mode writes the read shadow's value"
                            + " into host-owned bit " + bit + ": no exit, the register keeps its bit", flags(p), keep.build());
                }
            }
        }
    }

    private void movToCr4Masks(CaseContext ctx, Profile p) {
        for (String mode : MODES) {
            Input base = state(ctx, p, mode, "mov-to-cr4").build();
            long cr4 = value(base, "cr4");
            for (int bit = 0; bit < 64; bit++) {
                long m = 1L << bit;
                boolean operandBit = mode.equals("64-bit") || bit < 32;
                Input.Builder b = operands(base.toBuilder(ctx.domain()), "mov-to-cr4", cr4 ^ m)
                        .bits("cr4_guest_host_mask", m).bits("cr4_read_shadow", cr4 & m);
                add(ctx, "CR4_WRITE_MATCHES_SHADOW", !operandBit, "MOV to CR4 in " + mode + " mode changes host-owned bit " + bit,
                        flags(p, "boundary"), b.build());
                if (operandBit) {
                    Input.Builder keep = operands(base.toBuilder(ctx.domain()), "mov-to-cr4", (cr4 & ~m) | (~cr4 & m))
                            .bits("cr4_guest_host_mask", m).bits("cr4_read_shadow", ~cr4 & m);
                    add(ctx, "CR4_WRITE_MATCHES_SHADOW", true, "MOV to CR4 in " + mode + " mode writes the read shadow's value"
                            + " into host-owned bit " + bit + ": no exit", flags(p), keep.build());
                }
            }
        }
    }

    private void cr0Write(CaseContext ctx, Profile p, String mode, String rule, boolean held, String comment, long newCr0,
                          boolean unrestricted, long cr4Set, long eferSet, long cr0Override) {
        Input.Builder b = state(ctx, p, mode, "mov-to-cr0");
        Input base = b.build();
        long cr0 = cr0Override != 0 ? cr0Override : value(base, "cr0");
        b = base.toBuilder(ctx.domain()).bits("cr0", cr0).bool("unrestricted_guest", unrestricted || mode.equals("real"))
                .bits("cr4", (value(base, "cr4") | cr4Set)).bits("efer", value(base, "efer") | eferSet);
        operands(b, "mov-to-cr0", newCr0);
        add(ctx, rule, held, comment + " (" + mode + " mode, " + p.name() + ")", flags(p, "boundary"), b.build());
    }

    private void cr0Checks(CaseContext ctx, Profile p) {
        Input lm = state(ctx, p, "64-bit", "mov-to-cr0").build();
        long cr0 = value(lm, "cr0");
        for (int bit = 32; bit < 64; bit++) {
            cr0Write(ctx, p, "64-bit", "CR0_HIGH_RESERVED", false, "MOV to CR0 sets reserved bit " + bit, cr0 | (1L << bit), false, 0, 0, 0);
        }
        cr0Write(ctx, p, "64-bit", "CR0_HIGH_RESERVED", true, "MOV to CR0 rewrites the current value", cr0, false, 0, 0, 0);
        long pm = value(state(ctx, p, "protected", "mov-to-cr0").build(), "cr0");
        cr0Write(ctx, p, "protected", "CR0_PG_NEEDS_PE", false, "MOV to CR0 sets PG with PE clear", (pm | PG) & ~PE, true, 0, 0, 0);
        cr0Write(ctx, p, "protected", "CR0_PG_NEEDS_PE", true, "MOV to CR0 clears PE together with PG", pm & ~(PG | PE), true, 0, 0, 0);
        cr0Write(ctx, p, "protected", "CR0_NW_NEEDS_CD", false, "MOV to CR0 sets NW with CD clear", (pm | NW) & ~CD, false, 0, 0, 0);
        cr0Write(ctx, p, "protected", "CR0_NW_NEEDS_CD", true, "MOV to CR0 sets NW and CD", pm | NW | CD, false, 0, 0, 0);
        cr0Write(ctx, p, "protected", "CR0_NW_NEEDS_CD", true, "MOV to CR0 sets CD alone", (pm | CD) & ~NW, false, 0, 0, 0);
        cr0Write(ctx, p, "64-bit", "CR0_PG_KEPT_IN_64BIT", false, "MOV to CR0 clears PG in 64-bit mode", cr0 & ~PG, true, 0, 0, 0);
        cr0Write(ctx, p, "compatibility", "CR0_PG_KEPT_IN_64BIT", true, "MOV to CR0 clears PG in compatibility mode, the way out of IA-32e mode",
                cr0 & ~PG, true, 0, 0, 0);
        cr0Write(ctx, p, "compatibility", "CR0_PG_CLEAR_NEEDS_NO_PCIDE", false, "MOV to CR0 clears PG while CR4.PCIDE is 1",
                cr0 & ~PG, true, p.cr4Fixed1() & PCIDE, 0, 0);
        long pgOff = (pm & ~PG);
        if ((p.cr4Fixed0() & PAE) == 0) {
            cr0Write(ctx, p, "protected", "CR0_PAGING_IA32E_NEEDS_PAE", false, "MOV to CR0 sets PG with EFER.LME 1 and CR4.PAE 0",
                    pgOff | PG, true, 0, LME, pgOff);
        }
        cr0Write(ctx, p, "protected", "CR0_PAGING_IA32E_NEEDS_PAE", true, "MOV to CR0 sets PG with EFER.LME 1 and CR4.PAE 1",
                pgOff | PG, true, PAE, LME, pgOff);
        if ((p.cr4Fixed1() & CET) != 0) {
            for (String mode : new String[] {"64-bit", "compatibility", "protected"}) {
                long c = value(state(ctx, p, mode, "mov-to-cr0").build(), "cr0");
                cr0Write(ctx, p, mode, "CR0_WP_KEPT_WITH_CET", false, "MOV to CR0 clears WP while CR4.CET is 1", c & ~WP, false, CET, 0, 0);
                cr0Write(ctx, p, mode, "CR0_WP_KEPT_WITH_CET", true, "MOV to CR0 keeps WP while CR4.CET is 1", c | WP, false, CET, 0, 0);
            }
            cr0Write(ctx, p, "64-bit", "CR0_WP_KEPT_WITH_CET", true, "MOV to CR0 clears WP while CR4.CET is 0", cr0 & ~WP, false, 0, 0, 0);
        }
        // The VMX fixed bits: clear each bit of FIXED0, set each bit outside FIXED1.
        for (long bit : CR0_DEFINED) {
            if ((p.cr0Fixed0() & bit) != 0) {
                boolean relaxed = bit == PE || bit == PG;
                String mode = "protected";
                long v = bit == PE ? pm & ~(PE | PG) : pm & ~bit;
                cr0Write(ctx, p, mode, "CR0_FIXED0_SET", false, "MOV to CR0 clears bit 0x" + Long.toHexString(bit)
                        + ", fixed to 1 by IA32_VMX_CR0_FIXED0", v, false, 0, 0, 0);
                if (relaxed) {
                    cr0Write(ctx, p, mode, "CR0_UNRESTRICTED_GUEST", true, "with \"unrestricted guest\" MOV to CR0 clears bit 0x"
                            + Long.toHexString(bit) + " although IA32_VMX_CR0_FIXED0 has it", v, true, 0, 0, 0);
                }
            }
            if ((p.cr0Fixed1() & bit) == 0) {
                long v = pm | bit | (bit == NW ? CD : 0);
                cr0Write(ctx, p, "protected", "CR0_FIXED1_CLEAR", false, "MOV to CR0 sets bit 0x" + Long.toHexString(bit)
                        + ", fixed to 0 by IA32_VMX_CR0_FIXED1", v, false, 0, 0, 0);
            } else {
                long v = (pm | bit | (bit == NW ? CD : 0)) & ~(0);
                cr0Write(ctx, p, "protected", "CR0_FIXED1_CLEAR", true, "MOV to CR0 sets bit 0x" + Long.toHexString(bit)
                        + ", allowed by IA32_VMX_CR0_FIXED1", v, false, 0, 0, 0);
            }
        }
        cr0Write(ctx, p, "protected", "CR0_UNRESTRICTED_GUEST", false, "without \"unrestricted guest\" MOV to CR0 rewrites its value",
                pm, false, 0, 0, 0);
        if (p == main) {
            // Edge profiles that forbid one optional CR0 bit each: setting it faults, leaving it clear does not.
            for (long bit : CR0_DEFINED) {
                if ((p.cr0Fixed0() & bit) != 0) continue;
                Profile forbid = new Profile("edge: CR0 bit 0x" + Long.toHexString(bit) + " fixed to 0", p.cr0Fixed0(),
                        p.cr0Fixed1() & ~bit, p.cr4Fixed0(), p.cr4Fixed1(), false);
                long base = value(state(ctx, forbid, "protected", "mov-to-cr0").build(), "cr0");
                cr0Write(ctx, forbid, "protected", "CR0_FIXED1_CLEAR", false, "MOV to CR0 sets bit 0x" + Long.toHexString(bit)
                        + ", which IA32_VMX_CR0_FIXED1 fixes to 0", base | bit | (bit == NW ? CD : 0), false, 0, 0, 0);
                cr0Write(ctx, forbid, "protected", "CR0_FIXED1_CLEAR", true, "MOV to CR0 leaves bit 0x" + Long.toHexString(bit)
                        + ", which IA32_VMX_CR0_FIXED1 fixes to 0, clear", base & ~bit, false, 0, 0, 0);
            }
        }
    }

    private void cr4Write(CaseContext ctx, Profile p, String mode, String rule, boolean held, String comment, long newCr4,
                          long cr4Override, long cr3, long cr0Clear) {
        Input base = state(ctx, p, mode, "mov-to-cr4").build();
        Input.Builder b = base.toBuilder(ctx.domain()).bits("cr3", cr3)
                .bits("cr0", value(base, "cr0") & ~cr0Clear);
        if (cr4Override != 0) b.bits("cr4", cr4Override);
        operands(b, "mov-to-cr4", newCr4);
        add(ctx, rule, held, comment + " (" + mode + " mode, " + p.name() + ")", flags(p, "boundary"), b.build());
    }

    private void cr4Checks(CaseContext ctx, Profile p) {
        long lm = value(state(ctx, p, "64-bit", "mov-to-cr4").build(), "cr4");
        long pm = value(state(ctx, p, "protected", "mov-to-cr4").build(), "cr4");
        for (int bit = 33; bit < 64; bit++) {
            cr4Write(ctx, p, "64-bit", "CR4_HIGH_RESERVED", false, "MOV to CR4 sets reserved bit " + bit, lm | (1L << bit), 0, 0x1000, 0);
        }
        // Bit 32 (FRED) is not reserved as such: IA32_VMX_CR4_FIXED1 says whether this processor has it.
        boolean fred = (p.cr4Fixed1() & (1L << 32)) != 0;
        cr4Write(ctx, p, "64-bit", "CR4_FIXED1_CLEAR", fred, "MOV to CR4 sets bit 32 (FRED), which IA32_VMX_CR4_FIXED1 "
                + (fred ? "allows" : "does not allow"), lm | (1L << 32), 0, 0x1000, 0);
        cr4Write(ctx, p, "64-bit", "CR4_HIGH_RESERVED", true, "MOV to CR4 rewrites the current value", lm, 0, 0x1000, 0);
        cr4Write(ctx, p, "64-bit", "CR4_PAE_KEPT_IN_IA32E", false, "MOV to CR4 clears PAE in IA-32e mode", lm & ~PAE, 0, 0x1000, 0);
        cr4Write(ctx, p, "compatibility", "CR4_PAE_KEPT_IN_IA32E", false, "MOV to CR4 clears PAE in compatibility mode", lm & ~PAE, 0, 0x1000, 0);
        cr4Write(ctx, p, "protected", "CR4_PAE_KEPT_IN_IA32E", true, "MOV to CR4 toggles PAE outside IA-32e mode", pm ^ PAE, 0, 0x1000, 0);
        cr4Write(ctx, p, "64-bit", "CR4_LA57_KEPT_IN_IA32E", false, "MOV to CR4 sets LA57 in IA-32e mode", lm | LA57, 0, 0x1000, 0);
        cr4Write(ctx, p, "64-bit", "CR4_LA57_KEPT_IN_IA32E", false, "MOV to CR4 clears LA57 in IA-32e mode", lm, lm | LA57, 0x1000, 0);
        cr4Write(ctx, p, "protected", "CR4_LA57_KEPT_IN_IA32E", true, "MOV to CR4 sets LA57 outside IA-32e mode", pm | LA57, 0, 0x1000, 0);
        cr4Write(ctx, p, "protected", "CR4_PCIDE_NEEDS_IA32E", false, "MOV to CR4 sets PCIDE outside IA-32e mode", pm | PCIDE, 0, 0x1000, 0);
        cr4Write(ctx, p, "64-bit", "CR4_PCIDE_NEEDS_IA32E", true, "MOV to CR4 sets PCIDE in IA-32e mode with CR3[11:0] 0", lm | PCIDE, 0, 0x1000, 0);
        for (long cr3 : new long[] {0x1001L, 0x1fffL, 0x1800L}) {
            cr4Write(ctx, p, "64-bit", "CR4_PCIDE_NEEDS_CR3_PCID_0", false, "MOV to CR4 sets PCIDE with CR3 0x" + Long.toHexString(cr3),
                    lm | PCIDE, 0, cr3, 0);
        }
        cr4Write(ctx, p, "64-bit", "CR4_PCIDE_NEEDS_CR3_PCID_0", true, "MOV to CR4 keeps PCIDE 1 with CR3[11:0] not 0",
                lm | PCIDE, lm | PCIDE, 0x1001, 0);
        cr4Write(ctx, p, "64-bit", "CR4_CET_NEEDS_WP", false, "MOV to CR4 sets CET while CR0.WP is 0", lm | CET, 0, 0x1000, WP);
        cr4Write(ctx, p, "64-bit", "CR4_CET_NEEDS_WP", true, "MOV to CR4 sets CET while CR0.WP is 1", lm | CET, 0, 0x1000, 0);
        for (int bit = 0; bit < 32; bit++) {
            long m = 1L << bit;
            if ((p.cr4Fixed0() & m) != 0) {
                cr4Write(ctx, p, "64-bit", "CR4_FIXED0_SET", false, "MOV to CR4 clears bit " + bit + ", fixed to 1 by IA32_VMX_CR4_FIXED0",
                        lm & ~m, 0, 0x1000, 0);
            } else if ((p.cr4Fixed1() & m) == 0) {
                cr4Write(ctx, p, "protected", "CR4_FIXED1_CLEAR", false, "MOV to CR4 sets bit " + bit + ", fixed to 0 by IA32_VMX_CR4_FIXED1",
                        pm | m, 0, 0x1000, 0);
            } else if (m != PCIDE && m != LA57 && m != CET) {
                cr4Write(ctx, p, "protected", "CR4_FIXED1_CLEAR", true, "MOV to CR4 sets bit " + bit + ", allowed by IA32_VMX_CR4_FIXED1",
                        pm | m, 0, 0x1000, 0);
            }
        }
        cr4Write(ctx, p, "protected", "CR4_FIXED0_SET", true, "MOV to CR4 keeps VMXE set", pm, 0, 0x1000, 0);
    }

    private void movFrom(CaseContext ctx, Profile p) {
        for (String insn : new String[] {"mov-from-cr0", "mov-from-cr4"}) {
            String rule = insn.equals("mov-from-cr0") ? "CR_MOV_FROM_CR0" : "CR_MOV_FROM_CR4";
            String reg = insn.substring(9);
            for (String mode : MODES) {
                Input base = state(ctx, p, mode, insn).build();
                for (long mask : new long[] {0, -1L, 0xffffffffL, 1L << 3, 1L << 13, 1L << 31, 1L << 63, 0x8000000000000001L}) {
                    long shadow = 0xa5a5a5a5_5a5a5a5aL & mask;
                    Input.Builder b = operands(base.toBuilder(ctx.domain()), insn, 0)
                            .bits(reg + "_guest_host_mask", mask).bits(reg + "_read_shadow", shadow);
                    // The outcome does not depend on the fixed bits, so the committed vectors carry no profile flag;
                    // for a platform the edge profiles' copies are ones the platform cannot be put in (edge-profile).
                    List<String> f = flags(p, mask == 0 || mask == -1L ? "boundary" : "random");
                    add(ctx, rule, true, insn + " in " + mode + " mode with mask 0x" + Long.toHexString(mask)
                            + ": host-owned bits come from the read shadow", ctx.profile().isPresent() ? f : f.subList(0, 1),
                            b.build());
                }
            }
        }
    }

    private void clts(CaseContext ctx, Profile p) {
        for (String mode : MODES) {
            for (int combo = 0; combo < 8; combo++) {
                long mask = (combo & 1) != 0 ? TS : 0;
                long shadow = (combo & 2) != 0 ? TS : 0;
                Input base = state(ctx, p, mode, "clts").build();
                long cr0 = value(base, "cr0") | ((combo & 4) != 0 ? TS : 0);
                Input in = base.toBuilder(ctx.domain()).bits("cr0", cr0).bits("cr0_guest_host_mask", mask | NE)
                        .bits("cr0_read_shadow", shadow).build();
                boolean exits = mask != 0 && shadow != 0;
                String rule = exits ? "CLTS_NO_EXIT" : "CLTS_TS_HOST_OWNED";
                boolean held = !exits && mask != 0;
                add(ctx, rule, exits ? false : held, "CLTS in " + mode + " mode, TS " + (mask != 0 ? "host" : "guest")
                        + "-owned, shadow TS " + (shadow != 0 ? 1 : 0) + ", CR0.TS " + ((combo & 4) != 0 ? 1 : 0),
                        flags(p, "boundary"), in);
            }
        }
    }

    private void lmsw(CaseContext ctx, Profile p) {
        // Every combination in protected mode; in real mode (unrestricted guest, PE = 0) the sources that set PE.
        for (String mode : new String[] {"protected", "real"}) {
            Input base = state(ctx, p, mode, "lmsw").build();
            long cr0 = value(base, "cr0");
            for (int mask = 0; mask < 16; mask++) {
                for (int shadow = 0; shadow < 16; shadow++) {
                    for (int src = 0; src < 16; src++) {
                        if (mode.equals("real") && src != 0x1 && src != 0xf) continue;
                        boolean peExit = (mask & 1) != 0 && (src & 1) != 0 && (shadow & 1) == 0;
                        boolean otherExit = ((src ^ shadow) & mask & 0xe) != 0;
                        boolean memory = ((mask + shadow + src) & 1) == 0;
                        long source = src | 0xfff0L & (mask * 0x1110L);
                        Input in = base.toBuilder(ctx.domain()).bits("source", source).bool("lmsw_memory_operand", memory)
                                .bits("cr0_guest_host_mask", mask).bits("cr0_read_shadow", shadow | (cr0 & ~0xfL)).build();
                        String rule = peExit ? "LMSW_PE_NO_EXIT" : "LMSW_MP_EM_TS_NO_EXIT";
                        add(ctx, rule, !peExit && !otherExit, "LMSW in " + mode + " mode, mask " + mask + ", shadow " + shadow
                                + ", source bits 3:0 " + src + (memory ? " (memory operand)" : " (register operand)"),
                                flags(p), in);
                    }
                }
            }
        }
    }

    /** LMSW that would load MP, EM or TS against the fixed bits faults; within them it completes. */
    private void lmswFixedBits(CaseContext ctx) {
        for (Profile p : profiles) {
            if (p.realistic()) continue;
            Input base = state(ctx, p, "protected", "lmsw").build();
            long cr0 = value(base, "cr0");
            for (int src = 0; src < 16; src++) {
                long loaded = (cr0 & ~0xeL) | (src & 0xe) | (cr0 & PE) | (src & PE);
                boolean faults = (loaded & p.cr0Fixed0()) != p.cr0Fixed0() || (loaded & ~p.cr0Fixed1()) != 0;
                Input in = base.toBuilder(ctx.domain()).bits("source", src).bool("lmsw_memory_operand", false).build();
                add(ctx, faults && (loaded & p.cr0Fixed0()) != p.cr0Fixed0() ? "CR0_FIXED0_SET" : "CR0_FIXED1_CLEAR", !faults,
                        "LMSW loads bits 3:0 = " + src + " under " + p.name(), flags(p, "boundary"), in);
            }
        }
    }

    private void randomCases(CaseContext ctx, Random random) {
        for (int i = 0; i < 600; i++) {
            Profile p = ctx.profile().isEmpty() ? PROFILES.get(random.nextInt(PROFILES.size())) : main;
            String insn = INSTRUCTIONS[random.nextInt(INSTRUCTIONS.length)];
            String mode = MODES[random.nextInt(MODES.length)];
            Input base = state(ctx, p, mode, insn).build();
            long cr0 = value(base, "cr0");
            long cr4 = value(base, "cr4");
            long m0 = random.nextLong() & random.nextLong();
            long m4 = random.nextLong() & random.nextLong();
            long src = insn.endsWith("cr4") ? cr4 ^ (1L << random.nextInt(24)) : (cr0 ^ (1L << random.nextInt(32))) & ~0x1ffbffc0L | (cr0 & 0x1ffbffc0L);
            if (insn.equals("lmsw")) src = random.nextInt(0x10000);
            Input.Builder b = operands(base.toBuilder(ctx.domain()), insn, src)
                    .bits("cr0_guest_host_mask", m0).bits("cr0_read_shadow", random.nextBoolean() ? cr0 & m0 : random.nextLong() & m0)
                    .bits("cr4_guest_host_mask", m4).bits("cr4_read_shadow", random.nextBoolean() ? cr4 & m4 : random.nextLong() & m4);
            if (insn.startsWith("mov")) b.integer("gpr", random.nextInt(16));
            if (insn.equals("lmsw")) b.bool("lmsw_memory_operand", random.nextBoolean());
            String rule = switch (insn) {
                case "mov-to-cr0" -> "CR_MOV_TO_CR0";
                case "mov-to-cr4" -> "CR_MOV_TO_CR4";
                case "mov-from-cr0" -> "CR_MOV_FROM_CR0";
                case "mov-from-cr4" -> "CR_MOV_FROM_CR4";
                case "clts" -> "CR_CLTS";
                default -> "CR_CPL_ZERO";
            };
            add(ctx, rule, true, "seeded random case " + i + ": " + insn + " in " + mode + " mode (" + p.name() + ")",
                    flags(p, "random"), b.build());
        }
    }
}
