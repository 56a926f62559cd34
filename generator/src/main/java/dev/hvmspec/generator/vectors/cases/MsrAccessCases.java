package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.CaseContext;
import dev.hvmspec.generator.vectors.DomainCases;
import dev.hvmspec.generator.vectors.Input;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Cases for RDMSR/WRMSR in VMX non-root operation (spec/msr-access.hvm): the CPL check, the "use MSR bitmaps"
 * control, both ends of both MSR ranges and the first MSR outside each, every byte of all four bitmap regions,
 * every bit position within a byte, and bits set for neighbouring MSRs or in the other instruction's region (which
 * must not cause an exit).
 */
public final class MsrAccessCases implements DomainCases {

    private static final long LOW_FIRST = 0x0L;
    private static final long LOW_LAST = 0x1fffL;
    private static final long HIGH_FIRST = 0xc0000000L;
    private static final long HIGH_LAST = 0xc0001fffL;

    /** MSR indices just outside and far from the two ranges, including real MSRs that the bitmap cannot cover. */
    private static final long[] OUTSIDE = {
        0x2000L, 0x2001L, 0x3fffL, 0x40000000L /* Hyper-V synthetic MSRs */, 0x4b564d00L /* KVM paravirtual */,
        0xbfffffffL, 0xc0002000L, 0xc0010000L /* AMD range */, 0xc0011000L, 0xffffffffL, 0x80000000L, 0x10000L
    };

    @Override
    public String domain() {
        return "msr-access";
    }

    private enum Insn {
        RDMSR("rdmsr", 0x000, 0x400), WRMSR("wrmsr", 0x800, 0xc00);
        final String spelling;
        final int lowRegion;
        final int highRegion;
        Insn(String spelling, int lowRegion, int highRegion) {
            this.spelling = spelling;
            this.lowRegion = lowRegion;
            this.highRegion = highRegion;
        }
        int regionFor(long msr) {
            return msr <= LOW_LAST ? lowRegion : highRegion;
        }
        Insn other() {
            return this == RDMSR ? WRMSR : RDMSR;
        }
    }

    @Override
    public void generate(CaseContext ctx) {
        Random random = ctx.random();
        for (Insn insn : Insn.values()) {
            cplCases(ctx, insn);
            controlCases(ctx, insn);
            for (long msr : new long[] {LOW_FIRST, LOW_LAST, HIGH_FIRST, HIGH_LAST, 0x10L /* TSC */, 0x1a0L, 0x277L /* PAT */,
                    0xc0000080L /* EFER */, 0xc0000100L /* FS.base */, 0xc0000102L}) {
                bitCases(ctx, insn, msr);
            }
            // Every byte of both regions of this instruction, a seeded bit within it: set (exit) and clear with
            // its neighbours set (no exit).
            for (int offset = 0; offset < 0x400; offset++) {
                int bit = random.nextInt(8);
                ownBitCases(ctx, insn, LOW_FIRST + offset * 8L + bit);
                ownBitCases(ctx, insn, HIGH_FIRST + offset * 8L + bit);
            }
            // Every bit position within a byte.
            for (int bit = 0; bit < 8; bit++) {
                bitCases(ctx, insn, LOW_FIRST + 0x100 * 8L + bit, List.of("boundary"));
                bitCases(ctx, insn, HIGH_FIRST + 0x100 * 8L + bit, List.of("boundary"));
            }
            for (long msr : OUTSIDE) {
                outsideCases(ctx, insn, msr);
            }
        }
        for (int i = 0; i < 300; i++) {
            randomCase(ctx, random, i);
        }
    }

    private Input.Builder base(CaseContext ctx, Insn insn, long msr, int cpl, boolean useBitmaps, Map<Integer, Integer> bitmap) {
        return ctx.input().enumeration("instruction", insn.spelling).bits("ecx", msr).integer("cpl", cpl)
                .bool("use_msr_bitmaps", useBitmaps).bytes("msr_bitmap", bitmap);
    }

    private static Map<Integer, Integer> withBit(Map<Integer, Integer> bitmap, int region, long msr) {
        Map<Integer, Integer> m = new HashMap<>(bitmap);
        int n = (int) (msr & 0x1fff);
        m.merge(region + n / 8, 1 << (n % 8), (a, b) -> a | b);
        return m;
    }

    private void cplCases(CaseContext ctx, Insn insn) {
        for (int cpl = 0; cpl <= 3; cpl++) {
            for (boolean useBitmaps : new boolean[] {false, true}) {
                for (long msr : new long[] {0x10L, 0xc0000080L, 0x2000L}) {
                    ctx.add("MSR_CPL_ZERO", cpl == 0, insn.spelling + " of MSR 0x" + Long.toHexString(msr) + " at CPL " + cpl
                            + (useBitmaps ? " with MSR bitmaps" : " without MSR bitmaps")
                            + (cpl > 0 ? ": #GP(0) has priority over the VM exit" : ": no privilege fault"),
                            cpl <= 1 ? List.of("boundary") : List.of(), base(ctx, insn, msr, cpl, useBitmaps,
                                    withBit(Map.of(), insn.regionFor(msr), msr)).build());
                }
            }
        }
    }

    private void controlCases(CaseContext ctx, Insn insn) {
        for (long msr : new long[] {LOW_FIRST, LOW_LAST, HIGH_FIRST, HIGH_LAST, 0x2000L, 0x3aL}) {
            // All-zero bitmap: without the control the instruction still exits, with it (in range) it does not.
            ctx.add("MSR_BITMAPS_USED", false, insn.spelling + " of MSR 0x" + Long.toHexString(msr)
                    + " with \"use MSR bitmaps\" 0 exits even though the bitmap is all zero",
                    base(ctx, insn, msr, 0, false, Map.of()).build());
            ctx.add("MSR_BITMAPS_USED", true, insn.spelling + " of MSR 0x" + Long.toHexString(msr)
                    + " with \"use MSR bitmaps\" 1 and an all-zero bitmap",
                    base(ctx, insn, msr, 0, true, Map.of()).build());
        }
    }

    private void bitCases(CaseContext ctx, Insn insn, long msr) {
        bitCases(ctx, insn, msr, List.of("boundary"));
    }

    private void ownBitCases(CaseContext ctx, Insn insn, long msr) {
        boolean low = msr <= LOW_LAST;
        String bitRule = low ? "MSR_LOW_BIT_CLEAR" : "MSR_HIGH_BIT_CLEAR";
        int region = insn.regionFor(msr);
        String name = insn.spelling + " of MSR 0x" + Long.toHexString(msr);
        ctx.add(bitRule, false, name + ": its bit in the " + regionName(region) + " bitmap is set, so it exits",
                base(ctx, insn, msr, 0, true, withBit(Map.of(), region, msr)).build());
        ctx.add(bitRule, true, name + ": its own bit is clear while the bits of its neighbours are set, so no exit",
                base(ctx, insn, msr, 0, true, neighbours(region, msr)).build());
    }

    private static Map<Integer, Integer> neighbours(int region, long msr) {
        boolean low = msr <= LOW_LAST;
        Map<Integer, Integer> m = new HashMap<>();
        if (msr > (low ? LOW_FIRST : HIGH_FIRST)) m = withBit(m, region, msr - 1);
        if (msr < (low ? LOW_LAST : HIGH_LAST)) m = withBit(m, region, msr + 1);
        return m;
    }

    /** The MSR's own bit set (exit), clear with both neighbours set (no exit), and set only in the other instruction's region. */
    private void bitCases(CaseContext ctx, Insn insn, long msr, List<String> flags) {
        boolean low = msr <= LOW_LAST;
        String rangeRule = low ? "MSR_LOW_RANGE" : "MSR_HIGH_RANGE";
        String bitRule = low ? "MSR_LOW_BIT_CLEAR" : "MSR_HIGH_BIT_CLEAR";
        int region = insn.regionFor(msr);
        String name = insn.spelling + " of MSR 0x" + Long.toHexString(msr);
        ctx.add(bitRule, false, name + ": its bit in the " + regionName(region) + " bitmap is set, so it exits", flags,
                base(ctx, insn, msr, 0, true, withBit(Map.of(), region, msr)).build());
        ctx.add(bitRule, true, name + ": its own bit is clear while the bits of its neighbours are set, so no exit", flags,
                base(ctx, insn, msr, 0, true, neighbours(region, msr)).build());
        Insn other = insn.other();
        ctx.add(bitRule, true, name + ": only the " + regionName(other.regionFor(msr)) + " bitmap (of "
                + other.spelling + ") has its bit set, so no exit", flags,
                base(ctx, insn, msr, 0, true, withBit(Map.of(), other.regionFor(msr), msr)).build());
        // The same bit in the other range's region must not count either.
        int otherRange = low ? insn.highRegion : insn.lowRegion;
        ctx.add(rangeRule, true, name + ": the bit at the same position in the " + regionName(otherRange)
                + " bitmap is set, which must not matter", flags,
                base(ctx, insn, msr, 0, true, withBit(Map.of(), otherRange, msr)).build());
    }

    private void outsideCases(CaseContext ctx, Insn insn, long msr) {
        Map<Integer, Integer> clear = Map.of();
        ctx.add("MSR_HIGH_RANGE", false, insn.spelling + " of MSR 0x" + Long.toHexString(msr)
                + ", outside both bitmap ranges, exits although the bitmap is all zero", List.of("boundary"),
                base(ctx, insn, msr, 0, true, clear).build());
        Map<Integer, Integer> aliased = withBit(withBit(Map.of(), insn.lowRegion, msr), insn.highRegion, msr);
        ctx.add("MSR_LOW_RANGE", false, insn.spelling + " of MSR 0x" + Long.toHexString(msr)
                + ", outside both ranges, exits; the bits its low 13 bits would select are set", List.of("boundary"),
                base(ctx, insn, msr, 0, true, aliased).build());
    }

    private void randomCase(CaseContext ctx, Random random, int i) {
        Insn insn = random.nextBoolean() ? Insn.RDMSR : Insn.WRMSR;
        long msr;
        int pick = random.nextInt(3);
        if (pick == 0) msr = random.nextInt(0x2000);
        else if (pick == 1) msr = HIGH_FIRST + random.nextInt(0x2000);
        else msr = random.nextLong() & 0xffffffffL;
        Map<Integer, Integer> bitmap = new HashMap<>();
        int bytes = random.nextInt(64);
        for (int b = 0; b < bytes; b++) bitmap.put(random.nextInt(0x1000), random.nextInt(256));
        if (random.nextBoolean()) bitmap = withBit(bitmap, insn.regionFor(msr), msr);
        int cpl = random.nextInt(8) == 0 ? 1 + random.nextInt(3) : 0;
        boolean use = random.nextInt(8) != 0;
        Input input = base(ctx, insn, msr, cpl, use, bitmap).build();
        String aim = cpl > 0 ? "MSR_CPL_ZERO" : !use ? "MSR_BITMAPS_USED" : msr <= LOW_LAST ? "MSR_LOW_RANGE" : "MSR_HIGH_RANGE";
        boolean held = cpl == 0 && use && (msr <= LOW_LAST || msr >= HIGH_FIRST && msr <= HIGH_LAST);
        if (aim.equals("MSR_LOW_RANGE") || aim.equals("MSR_HIGH_RANGE")) {
            held = aim.equals("MSR_LOW_RANGE") || msr >= HIGH_FIRST && msr <= HIGH_LAST;
        }
        ctx.add(aim, aim.equals("MSR_CPL_ZERO") || aim.equals("MSR_BITMAPS_USED") ? false : held,
                "seeded random case " + i + ": " + insn.spelling + " of MSR 0x" + Long.toHexString(msr), List.of("random"), input);
    }

    private static String regionName(int region) {
        switch (region) {
            case 0x000: return "read-low";
            case 0x400: return "read-high";
            case 0x800: return "write-low";
            default: return "write-high";
        }
    }
}
