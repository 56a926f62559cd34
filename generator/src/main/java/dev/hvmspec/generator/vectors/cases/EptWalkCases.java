package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.CaseContext;
import dev.hvmspec.generator.vectors.DomainCases;
import dev.hvmspec.generator.vectors.Input;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Cases for the EPT walk (spec/ept-walk.hvm): 4- and 5-level walks, 4-KiB/2-MiB/1-GiB pages, every permission
 * combination at every level for reads, writes and fetches (with and without mode-based execute control and
 * execute-only support), every reserved bit of every level, the MAXPHYADDR boundary for 36, 39, 46 and 52, every
 * memory type, the 4-level GPA reach, accessed and dirty flags, every exit-qualification input, and seeded random walks.
 *
 * <p>Only EPTPs that VM entry accepts for the capability value are generated (memory type and page-walk length that
 * the capability advertises, bit 6 only with A/D support, bits 11:7 and 63:MAXPHYADDR clear): the EPTP checks are
 * VM-entry checks and not part of this domain. GPAs are below 2^MAXPHYADDR. Guest paging-structure accesses are reads
 * or writes (guest A/D updates) without {@code linear}; fetches always have a linear address.
 */
public final class EptWalkCases implements DomainCases {

    // Real IA32_VMX_EPT_VPID_CAP values (research notes: VirtualBox CPU database, vmxcap dumps, Bochs 2.7 models).
    static final long CAP_NEHALEM_IVB = 0xf0106114141L;  // no 1G, no A/D (Bochs Nehalem..Ivy Bridge, VirtualBox)
    static final long CAP_BROADWELL_SKL = 0xf0106334141L; // + 1G, A/D (i7-5600U, i7-6700K; Bochs Haswell..Ice Lake)
    static final long CAP_COFFEE_LAKE = 0xf0106734141L;   // + advanced EPT-violation info (i7-8850H)
    static final long CAP_BOCHS_TGL = 0xf0106b34141L;     // Bochs tigerlake: + supervisor shadow stack, no bit 22
    static final long CAP_SSS = 0xf0106f34141L;           // bits 22 and 23
    // Edge values (not seen on a named processor).
    static final long CAP_PWL45 = 0xf01067341c1L;         // 4- and 5-level walks
    static final long CAP_PWL5_ONLY = 0xf0106734181L;     // 5-level walks only
    static final long CAP_NO_XO = 0xf0106734140L;         // no execute-only
    static final long CAP_NO_2M = 0xf0106724141L;         // 1G but no 2M
    static final long CAP_MIN_WB = 0x4040L;               // PWL4 + WB only: no large pages, no XO, no A/D
    static final long CAP_MIN_UC = 0x140L;                // PWL4 + UC only
    static final long CAP_NO_XO_PWL5 = 0x67341c0L;        // everything but execute-only, no VPID half
    static final long CAP_NO_1G = 0xf0106714141L;         // Coffee Lake without 1G pages

    static final long[] CAPS = {CAP_NEHALEM_IVB, CAP_BROADWELL_SKL, CAP_COFFEE_LAKE, CAP_BOCHS_TGL, CAP_SSS, CAP_PWL45,
        CAP_PWL5_ONLY, CAP_NO_XO, CAP_NO_2M, CAP_MIN_WB, CAP_MIN_UC, CAP_NO_XO_PWL5};
    static final int[] MAXPHYS = {36, 39, 46, 52};
    static final String[] ACCESSES = {"read", "write", "fetch"};
    static final long ADDR = 0x000ffffffffff000L;

    private static boolean bit(long v, int b) {
        return ((v >>> b) & 1) != 0;
    }

    /** One walk to build: configuration, the GPA, and what each level's entry holds. */
    static final class W {
        long cap = CAP_COFFEE_LAKE;
        int maxphy = 46;
        int levels = 4;
        boolean ad;
        boolean mbec;
        String access = "read";
        boolean gps;
        boolean lav = true;
        boolean linear = true;
        boolean user;
        boolean writable = true;
        boolean xd;
        boolean nmi;
        long gpa;
        int leafLevel = 1;
        long frame;
        long tableBase = 0x10000L;
        /** With a platform profile: the capability and MAXPHYADDR the case was designed with (cap/maxphy are the platform's). */
        long origCap;
        int origMaxphy;
        /** Per level (1..5): the entry's bits other than the address; {@code raw} replaces the whole entry. */
        final long[] bits = new long[6];
        final Long[] raw = new Long[6];

        W copy() {
            W w = new W();
            w.cap = cap; w.maxphy = maxphy; w.levels = levels; w.ad = ad; w.mbec = mbec; w.access = access; w.gps = gps;
            w.lav = lav; w.linear = linear; w.user = user; w.writable = writable; w.xd = xd; w.nmi = nmi; w.gpa = gpa;
            w.leafLevel = leafLevel; w.frame = frame; w.tableBase = tableBase; w.origCap = origCap; w.origMaxphy = origMaxphy;
            System.arraycopy(bits, 0, w.bits, 0, 6);
            System.arraycopy(raw, 0, w.raw, 0, 6);
            return w;
        }

        long table(int lvl) {
            return tableBase + (long) (levels - lvl) * 0x1000L;
        }

        long entryAddr(int lvl, long tableAddr) {
            return tableAddr + (((gpa >>> (12 + 9 * (lvl - 1))) & 0x1ff) << 3);
        }

        long eptp() {
            long mt = bit(cap, 14) ? 6 : 0;
            return table(levels) | ((long) (levels - 1) << 3) | (ad ? 0x40 : 0) | mt;
        }

        Map<Long, Long> memory() {
            Map<Long, Long> m = new LinkedHashMap<>();
            for (int lvl = levels; lvl >= leafLevel; lvl--) {
                long addr = entryAddr(lvl, table(lvl));
                if (raw[lvl] != null) {
                    m.put(addr, raw[lvl]);
                    break;
                }
                long target = lvl == leafLevel ? frame : table(lvl - 1);
                m.put(addr, bits[lvl] | target);
            }
            return m;
        }

        /** Full permissions everywhere, WB leaf, bit 7 on a large leaf. */
        W defaults() {
            long ux = mbec ? 0x400 : 0;
            for (int lvl = 1; lvl <= 5; lvl++) {
                bits[lvl] = 0x7 | ux;
                raw[lvl] = null;
            }
            bits[leafLevel] |= 6 << 3;
            if (leafLevel > 1) bits[leafLevel] |= 0x80;
            return this;
        }

        long pageSize() {
            return leafLevel == 3 ? 1L << 30 : leafLevel == 2 ? 1L << 21 : 1L << 12;
        }

        String describe() {
            return levels + "-level walk, " + (leafLevel == 3 ? "1G" : leafLevel == 2 ? "2M" : "4K") + " page, " + access
                    + (gps ? " of a guest paging-structure entry" : "") + ", cap 0x" + Long.toHexString(cap) + ", MAXPHYADDR "
                    + maxphy + (ad ? ", A/D on" : "") + (mbec ? ", MBEC on" : "");
        }
    }

    /** The rule the model must decide on and its side. */
    record Aim(String rule, boolean held) {}

    /** What the spec decides for a walk: the check that ends it, or the permission check that lets it through. */
    static Aim predict(W w) {
        Map<Long, Long> mem = w.memory();
        long cap = w.cap;
        String eff = w.ad && w.gps && w.lav ? "write" : w.access;
        boolean reach = w.levels == 5 ? (w.gpa >>> 57) == 0 : (w.gpa >>> 48) == 0;
        if (!reach) return new Aim("EPT_GPA_WITHIN_WALK_REACH", false);
        long high = 0x000fffffffffffffL & ~((1L << w.maxphy) - 1);
        long table = w.eptp() & ADDR;
        int r = 1, wr = 1, x = 1, ux = 1;
        for (int lvl = w.levels; lvl >= 1; lvl--) {
            long addr = table + (((w.gpa >>> (12 + 9 * (lvl - 1))) & 0x1ff) << 3);
            long e = mem.getOrDefault(addr, 0L);
            boolean er = bit(e, 0), ew = bit(e, 1), ex = bit(e, 2), eux = bit(e, 10);
            if ((e & 7) == 0 && !(w.mbec && eux)) return new Aim("EPT_ENTRY_PRESENT", false);
            if (!er && ew) return new Aim("EPT_NO_WRITE_WITHOUT_READ", false);
            if (!bit(cap, 0) && !er && ex) return new Aim("EPT_EXECUTE_ONLY_SUPPORTED", false);
            if (!bit(cap, 0) && w.mbec && !er && eux) return new Aim("EPT_USER_EXECUTE_ONLY_SUPPORTED", false);
            if ((e & high) != 0) return new Aim("EPT_ADDRESS_WITHIN_MAXPHYADDR", false);
            boolean leaf = lvl == 1;
            if (lvl >= 4) {
                if (((e >>> 3) & 0x1f) != 0) return new Aim(lvl == 5 ? "EPT_PML5E_RESERVED_BITS" : "EPT_PML4E_RESERVED_BITS", false);
            } else if (lvl == 3 || lvl == 2) {
                String n = lvl == 3 ? "1G" : "2M";
                if (bit(e, 7)) {
                    if (!bit(cap, lvl == 3 ? 17 : 16)) return new Aim("EPT_" + n + "_PAGES_SUPPORTED", false);
                    long rsvd = lvl == 3 ? 0x3ffff000L : 0x1ff000L;
                    if ((e & rsvd) != 0) return new Aim("EPT_" + n + "_PAGE_RESERVED_BITS", false);
                    leaf = true;
                } else if (((e >>> 3) & 0xf) != 0) {
                    return new Aim(lvl == 3 ? "EPT_PDPTE_RESERVED_BITS" : "EPT_PDE_RESERVED_BITS", false);
                }
            }
            if (leaf) {
                long mt = (e >>> 3) & 7;
                if (mt == 2 || mt == 3 || mt == 7) return new Aim("EPT_LEAF_MEMORY_TYPE_VALID", false);
            }
            r &= er ? 1 : 0; wr &= ew ? 1 : 0; x &= ex ? 1 : 0; ux &= eux ? 1 : 0;
            if (leaf) break;
            table = e & ADDR;
        }
        if (eff.equals("read")) return new Aim("EPT_READ_PERMITTED", r == 1);
        if (eff.equals("write")) return new Aim("EPT_WRITE_PERMITTED", wr == 1);
        if (w.mbec && w.linear && w.user) return new Aim("EPT_USER_EXECUTE_PERMITTED", ux == 1);
        return new Aim("EPT_EXECUTE_PERMITTED", x == 1);
    }

    @Override
    public String domain() {
        return "ept-walk";
    }

    private CaseContext ctx;
    private Random rnd;

    private Input input(W w) {
        if (w.access.equals("fetch") && w.linear && w.xd) throw new IllegalStateException("fetch through an execute-disable translation: " + w.describe());
        if (!w.gps && w.lav && !w.linear) throw new IllegalStateException("final access with a linear address but no linear details: " + w.describe());
        if (w.nmi && (w.access.equals("fetch") || !w.lav)) throw new IllegalStateException("an IRET access that is a fetch or has no linear address: " + w.describe());
        if (!bit(w.cap, w.levels == 5 ? 7 : 6)) throw new IllegalStateException("EPTP page-walk length not supported by the cap: " + w.describe());
        if (w.ad && !bit(w.cap, 21)) throw new IllegalStateException("A/D without support: " + w.describe());
        if (!bit(w.cap, 14) && !bit(w.cap, 8)) throw new IllegalStateException("no EPTP memory type");
        if (w.maxphy < 64 && (w.gpa >>> w.maxphy) != 0) throw new IllegalStateException("GPA beyond MAXPHYADDR: " + w.describe());
        if ((w.eptp() >>> w.maxphy) != 0) throw new IllegalStateException("EPTP beyond MAXPHYADDR");
        Input.Builder b = ctx.input().bits("eptp", w.eptp()).bits("gpa", w.gpa).enumeration("access", w.access)
                .bool("guest_paging_structure", w.gps).bool("linear_address_valid", w.lav)
                .bool("mode_based_execute", w.mbec).bool("nmi_unblocking_iret", w.nmi).bits("ept_vpid_cap", w.cap)
                .integer("maxphyaddr", w.maxphy).memory("memory", w.memory());
        if (w.linear) {
            Map<String, Object> l = new HashMap<>();
            l.put("user", w.user);
            l.put("writable", w.writable);
            l.put("execute_disable", w.xd);
            b.record("linear", l);
        } else {
            b.absent("linear");
        }
        return b.build();
    }

    /** Adds a case aimed at the deciding rule the predictor names. */
    private void add(W w, String comment, List<String> flags) {
        if (platformCap != null) {
            addForPlatform(w, null, comment, flags);
            return;
        }
        Aim a = predict(w);
        ctx.add(a.rule(), a.held(), comment + " (" + w.describe() + ")", flags, input(w));
    }

    /** Adds a case aimed at a given rule (the engine checks the model's trace). */
    private void add(W w, String rule, boolean held, String comment, List<String> flags) {
        if (platformCap != null) {
            addForPlatform(w, new Aim(rule, held), comment, flags);
            return;
        }
        ctx.add(rule, held, comment + " (" + w.describe() + ")", flags, input(w));
    }

    // ----- a platform profile (hvmspec generate --profile) -----

    /** The platform's IA32_VMX_EPT_VPID_CAP and MAXPHYADDR; null without a profile (the committed vectors). */
    private Long platformCap;
    private int platformMaxphy;
    private boolean platformMbec;
    /** "Intel PT uses guest physical addresses" may be 1 (IA32_VMX_PROCBASED_CTLS2 bit 56, secondary control 24). */
    private boolean platformPtGuestPhysical;
    /** The MAXPHYADDR values of the boundary cases: {@link #MAXPHYS}, or the platform's. */
    private int[] maxphys = MAXPHYS;

    /**
     * With a profile every walk is made with the platform's capability and MAXPHYADDR ({@link #walk}). The case is
     * kept for the platform when its input is one the spec accepts and the model lands on its aim (the predictor's,
     * recomputed for the platform, or the given one). Where that fails, or the platform's capability decides another
     * rule than the one the case was designed for, the case as designed (its own capability and MAXPHYADDR) is
     * offered as well, flagged edge-profile: the engine keeps it only if no platform case reaches its rule.
     */
    private void addForPlatform(W w, Aim given, String comment, List<String> flags) {
        Aim platformAim = given != null ? given : predict(w);
        // Mode-based execute control needs IA32_VMX_PROCBASED_CTLS2 bit 54 (secondary control 22, SDM A.3.3). A final
        // access without a linear address is an Intel PT trace-address pre-translation (SDM 28.2.1, Table 28-7 bit 7),
        // which needs "Intel PT uses guest physical addresses" (secondary control 24, bit 56).
        boolean reachable = (!w.mbec || platformMbec) && (w.lav || w.gps || platformPtGuestPhysical);
        String flag = reachable ? dev.hvmspec.generator.vectors.CaseContext.REALISTIC_PROFILE
                : dev.hvmspec.generator.vectors.CaseContext.EDGE_PROFILE;
        boolean added = offer(w, platformAim, comment, flags, flag);
        boolean kept = added && flag.equals(dev.hvmspec.generator.vectors.CaseContext.REALISTIC_PROFILE);
        if (w.origCap == w.cap && w.origMaxphy == w.maxphy) {
            if (!added) offer(w, platformAim, comment, flags, dev.hvmspec.generator.vectors.CaseContext.EDGE_PROFILE);
            return;
        }
        W orig = w.copy();
        orig.cap = w.origCap;
        orig.maxphy = w.origMaxphy;
        Aim origAim = given != null ? given : predict(orig);
        if (!kept || !origAim.equals(platformAim)) {
            offer(orig, origAim, comment, flags, dev.hvmspec.generator.vectors.CaseContext.EDGE_PROFILE);
        }
    }

    /** Adds the walk if the spec accepts its input and the model lands on the aim; says whether it did. */
    private boolean offer(W w, Aim aim, String comment, List<String> flags, String profileFlag) {
        Input in;
        try {
            in = input(w);
        } catch (IllegalStateException e) {
            return false; // not a state the spec accepts with this capability/MAXPHYADDR
        }
        if (!ctx.hits(aim.rule(), aim.held(), in)) return false;
        List<String> f = new ArrayList<>(flags);
        f.add(profileFlag);
        ctx.add(aim.rule(), aim.held(), comment + " (" + w.describe() + ")", f, in);
        return true;
    }

    // ----- building blocks -----

    private long randomGpa(int maxphy, int levels) {
        int width = Math.min(maxphy, levels == 4 ? 48 : 57);
        return rnd.nextLong() & ((1L << width) - 1);
    }

    private long randomFrame(int maxphy, long pageSize) {
        return rnd.nextLong() & ((1L << maxphy) - 1) & ~(pageSize - 1);
    }

    private boolean supports(long cap, int levels) {
        return bit(cap, levels == 5 ? 7 : 6);
    }

    private boolean supportsLeaf(long cap, int leafLevel) {
        return leafLevel == 1 || bit(cap, leafLevel == 3 ? 17 : 16);
    }

    /** A fresh walk: random GPA, frame and table base; full permissions; a final access with a linear address. */
    private W walk(long cap, int maxphy, int levels, int leafLevel, String access) {
        W w = new W();
        w.cap = cap;
        w.maxphy = maxphy;
        w.origCap = cap;
        w.origMaxphy = maxphy;
        if (platformCap != null) {
            w.cap = platformCap;
            w.maxphy = platformMaxphy;
            maxphy = platformMaxphy;
        }
        w.levels = levels;
        w.leafLevel = leafLevel;
        w.access = access;
        w.gpa = randomGpa(maxphy, levels);
        w.frame = randomFrame(maxphy, w.pageSize());
        w.tableBase = ((long) (1 + rnd.nextInt(0x7fff0))) << 12;
        w.user = rnd.nextBoolean();
        w.writable = rnd.nextBoolean();
        boolean xd = rnd.nextBoolean();
        // a fetch through an execute-disable translation faults (#PF) before its final access reaches EPT
        w.xd = xd && !access.equals("fetch");
        return w.defaults();
    }

    private static final List<String> B = List.of("boundary");
    private static final List<String> NONE = List.of();

    @Override
    public void generate(CaseContext context) {
        this.ctx = context;
        this.rnd = context.random();
        context.profile().ifPresent(p -> {
            // A platform without EPT has no IA32_VMX_EPT_VPID_CAP: every case keeps its own capability (edge-profile).
            platformCap = p.eptVpidCap().orElse(0L);
            platformMaxphy = p.maxphyaddr();
            platformMbec = bit(p.procbased2(), 32 + 22);
            platformPtGuestPhysical = bit(p.procbased2(), 32 + 24);
            maxphys = new int[] {p.maxphyaddr()};
        });
        basicTranslations();
        permissionCombinations();
        mbecCombinations();
        notPresent();
        reservedBits();
        maxphyaddrBoundaries();
        ignoredBits();
        memoryTypes();
        largePageSupport();
        gpaReach();
        accessedDirty();
        qualification();
        randomWalks(400);
        accessedOnMisconfiguration();
    }

    /** Every capability value, both walk lengths it supports, every page size and access, A/D on and off. */
    private void basicTranslations() {
        for (long cap : CAPS) {
            for (int levels = 4; levels <= 5; levels++) {
                if (!supports(cap, levels)) continue;
                for (int leaf = 1; leaf <= 3; leaf++) {
                    for (String acc : ACCESSES) {
                        for (boolean ad : new boolean[] {false, true}) {
                            if (ad && !bit(cap, 21)) continue;
                            W w = walk(cap, MAXPHYS[rnd.nextInt(4)], levels, leaf, acc);
                            w.ad = ad;
                            w.defaults();
                            add(w, "a fully permitted translation", NONE);
                        }
                    }
                }
                W w = walk(cap, 46, levels, 1, "read");
                add(w, "EPT_FIVE_LEVEL_WALK", levels == 5, "EPTP bits 5:3 = " + (levels - 1) + " selects the walk length", B);
            }
        }
    }

    /** Every XWR value at every level of every walk shape, for each access, with and without execute-only support. */
    private void permissionCombinations() {
        for (long cap : new long[] {CAP_COFFEE_LAKE, CAP_NO_XO, CAP_PWL45, CAP_NO_XO_PWL5}) {
            for (int levels = 4; levels <= 5; levels++) {
                // 4-level walks with the first two values, 5-level walks with the other two.
                if (!supports(cap, levels) || levels == 4 && supports(cap, 5)) continue;
                for (int leaf = 1; leaf <= 3; leaf++) {
                    for (int lvl = levels; lvl >= leaf; lvl--) {
                        for (int xwr = 0; xwr < 8; xwr++) {
                            for (String acc : ACCESSES) {
                                W w = walk(cap, 46, levels, leaf, acc);
                                w.bits[lvl] = (w.bits[lvl] & ~7L) | xwr;
                                add(w, "XWR = " + Integer.toBinaryString(8 | xwr).substring(1) + " at level " + lvl, B);
                            }
                        }
                    }
                }
            }
        }
        // Permissions spread over several levels: the AND, not any one level, decides.
        for (int i = 0; i < 60; i++) {
            W w = walk(CAP_COFFEE_LAKE, 46, 4, 1 + rnd.nextInt(3), ACCESSES[i % 3]);
            for (int lvl = 4; lvl >= w.leafLevel; lvl--) {
                int[] legal = {1, 3, 4, 5, 7};
                w.bits[lvl] = (w.bits[lvl] & ~7L) | legal[rnd.nextInt(legal.length)];
            }
            add(w, "legal permissions differing per level: their AND decides", NONE);
        }
    }

    /** Mode-based execute control: bits 2:0 and bit 10 at each level, user and supervisor fetches, reads. */
    private void mbecCombinations() {
        for (long cap : new long[] {CAP_COFFEE_LAKE, CAP_NO_XO}) {
            for (int lvl = 4; lvl >= 1; lvl--) {
                for (int v = 0; v < 16; v++) {
                    long low = (v & 7) | ((v & 8) != 0 ? 0x400 : 0);
                    for (int kind = 0; kind < 4; kind++) {
                        // no kind 2: "a fetch without linear details" does not exist (a final access with a valid
                        // linear address always has them)
                        if (kind == 2) continue;
                        W w = walk(cap, 46, 4, 1, kind == 3 ? "read" : "fetch");
                        w.mbec = true;
                        w.defaults();
                        w.bits[lvl] = (w.bits[lvl] & ~0x407L) | low;
                        w.user = kind == 0;
                        add(w, "MBEC: bits 2:0 = " + (v & 7) + ", bit 10 = " + (v >> 3) + " at level " + lvl + ", "
                                + (kind == 0 ? "user-mode fetch" : kind == 1 ? "supervisor-mode fetch"
                                        : "read"), B);
                    }
                }
            }
        }
        // The same entries with MBEC off: bit 10 is ignored (an entry with only bit 10 is not present).
        for (int lvl = 4; lvl >= 1; lvl--) {
            for (boolean user : new boolean[] {false, true}) {
                W w = walk(CAP_COFFEE_LAKE, 46, 4, 1, "fetch");
                w.user = user;
                w.bits[lvl] = (w.bits[lvl] & ~0x407L) | 0x400;
                add(w, "MBEC off: an entry with only bit 10 at level " + lvl + " is not present", B);
                W m = w.copy();
                m.mbec = true;
                add(m, "MBEC on: an entry with only bit 10 at level " + lvl + " is present (user execute-only)", B);
                W f = walk(CAP_COFFEE_LAKE, 46, 4, 1, "fetch");
                f.user = user;
                f.bits[lvl] = (f.bits[lvl] & ~0x407L) | 0x1;
                f.bits[lvl] |= 0x400;
                add(f, "MBEC off: bit 10 ignored, a fetch needs bit 2 at level " + lvl, NONE);
                W g = f.copy();
                g.mbec = true;
                add(g, "EPT_MBEC_USER_FETCH", user, "MBEC on: a " + (user ? "user" : "supervisor") + "-mode fetch uses bit "
                        + (user ? "10" : "2"), B);
            }
        }
    }

    /** A not-present entry at each level ends the walk; bits other than 2:0 (and 10 under MBEC) do not matter. */
    private void notPresent() {
        long[] junk = {0L, 0x8L, 0x80L, 0xf8L, 0x100L, 0x200L, 0x800L, 0x000ffffffffff000L, 0xfff0000000000000L,
            0x8000000000000000L, 0xfffffffffffffff8L & ~0x400L};
        for (int levels = 4; levels <= 5; levels++) {
            long cap = levels == 5 ? CAP_PWL45 : CAP_COFFEE_LAKE;
            for (int leaf = 1; leaf <= 3; leaf++) {
                for (int lvl = levels; lvl >= leaf; lvl--) {
                    for (long j : junk) {
                        W w = walk(cap, 46, levels, leaf, ACCESSES[rnd.nextInt(3)]);
                        w.raw[lvl] = j;
                        add(w, "not-present entry 0x" + Long.toHexString(j) + " at level " + lvl, B);
                    }
                }
            }
        }
    }

    /** Every reserved bit of every kind of entry, each alone. */
    private void reservedBits() {
        for (int levels = 4; levels <= 5; levels++) {
            long cap = levels == 5 ? CAP_PWL45 : CAP_COFFEE_LAKE;
            for (int leaf = 1; leaf <= 3; leaf++) {
                for (int lvl = levels; lvl >= leaf; lvl--) {
                    List<Integer> rsvd = new ArrayList<>();
                    if (lvl >= 4) {
                        for (int b = 3; b <= 7; b++) rsvd.add(b);
                    } else if (lvl == leaf && leaf > 1) {
                        for (int b = 12; b <= (leaf == 3 ? 29 : 20); b++) rsvd.add(b);
                    } else if (lvl > 1) {
                        for (int b = 3; b <= 6; b++) rsvd.add(b);
                    }
                    for (int b : rsvd) {
                        for (String acc : new String[] {"read", ACCESSES[rnd.nextInt(3)]}) {
                            W w = walk(cap, 46, levels, leaf, acc);
                            w.bits[lvl] |= 1L << b;
                            add(w, "reserved bit " + b + " set at level " + lvl, B);
                        }
                    }
                }
            }
        }
        // PTE bit 7 is ignored; the large-page bit at level 4/5 is reserved.
        for (String acc : ACCESSES) {
            W w = walk(CAP_COFFEE_LAKE, 46, 4, 1, acc);
            w.bits[1] |= 0x80;
            add(w, "bit 7 of an EPT PTE is ignored", B);
        }
    }

    /** Bits MAXPHYADDR..51 in every entry of a walk, and the highest valid address bit, for each MAXPHYADDR. */
    private void maxphyaddrBoundaries() {
        for (int mp : maxphys) {
            for (int leaf = 1; leaf <= 3; leaf++) {
                for (int lvl = 4; lvl >= leaf; lvl--) {
                    for (int b = mp; b <= 51; b++) {
                        W w = walk(CAP_COFFEE_LAKE, mp, 4, leaf, ACCESSES[rnd.nextInt(3)]);
                        w.bits[lvl] |= 1L << b;
                        add(w, "address bit " + b + " (first invalid is " + mp + ") set at level " + lvl, b == mp ? B : NONE);
                    }
                    // The last valid bit: in the leaf's frame, or in the address of the next table.
                    W w = walk(CAP_COFFEE_LAKE, mp, 4, leaf, ACCESSES[rnd.nextInt(3)]);
                    if (lvl == leaf) {
                        w.frame |= 1L << (mp - 1);
                    } else {
                        w.tableBase |= 1L << (mp - 1);
                    }
                    w.gpa |= 1L << (Math.min(mp, 48) - 1);
                    add(w, "EPT_ADDRESS_WITHIN_MAXPHYADDR", true, "address bit " + (mp - 1) + " (the last valid) used at level "
                            + lvl + ", GPA bit " + (Math.min(mp, 48) - 1) + " set", B);
                }
            }
            // 5-level walks with the widest GPA.
            W w = walk(CAP_PWL45, mp, 5, 1, "read");
            w.gpa |= 1L << (mp - 1);
            w.frame |= 1L << (mp - 1);
            add(w, "5-level walk with GPA bit " + (mp - 1) + " and frame bit " + (mp - 1), B);
        }
    }

    /** Bits the walk ignores in present entries: 8 and 9 (with A/D off), 10 (MBEC off), 11, 52-63. */
    private void ignoredBits() {
        int[] ignored = {8, 9, 10, 11, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
        for (int leaf = 1; leaf <= 3; leaf++) {
            for (int lvl = 4; lvl >= leaf; lvl--) {
                for (int b : ignored) {
                    W w = walk(CAP_BROADWELL_SKL, 46, 4, leaf, ACCESSES[rnd.nextInt(3)]);
                    w.bits[lvl] |= 1L << b;
                    add(w, "ignored bit " + b + " set at level " + lvl, NONE);
                }
            }
        }
    }

    /** Every memory type in the leaf of each page size, with and without ignore-PAT. */
    private void memoryTypes() {
        for (int leaf = 1; leaf <= 3; leaf++) {
            for (int mt = 0; mt < 8; mt++) {
                for (boolean ipat : new boolean[] {false, true}) {
                    for (String acc : new String[] {"read", "write"}) {
                        W w = walk(CAP_BROADWELL_SKL, 46, 4, leaf, acc);
                        w.bits[leaf] = (w.bits[leaf] & ~0x78L) | ((long) mt << 3) | (ipat ? 0x40 : 0);
                        boolean bad = mt == 2 || mt == 3 || mt == 7;
                        add(w, bad ? "EPT_LEAF_MEMORY_TYPE_VALID" : "EPT_IGNORE_PAT", !bad && ipat,
                                "leaf memory type " + mt + (ipat ? " with ignore-PAT" : ""), B);
                    }
                }
            }
        }
    }

    /** Bit 7 in a PDPTE/PDE with and without 1-GiB/2-MiB support. */
    private void largePageSupport() {
        for (long cap : CAPS) {
            if (!supports(cap, 4)) continue;
            for (int leaf = 2; leaf <= 3; leaf++) {
                for (String acc : ACCESSES) {
                    W w = walk(cap, 46, 4, leaf, acc);
                    String rule = leaf == 3 ? "EPT_1G_PAGES_SUPPORTED" : "EPT_2M_PAGES_SUPPORTED";
                    add(w, rule, supportsLeaf(cap, leaf), (leaf == 3 ? "1-GiB" : "2-MiB") + " page with cap 0x"
                            + Long.toHexString(cap), B);
                }
                W w = walk(cap, 46, 4, 1, "read");
                add(w, leaf == 3 ? "EPT_PDPTE_MAPS_1G_PAGE" : "EPT_PDE_MAPS_2M_PAGE", false, "bit 7 clear: the entry references a table", NONE);
            }
        }
    }

    /** GPA bits 51:48 with a 4-level walk (MAXPHYADDR 52) cause a violation; with 5 levels they index the PML5. */
    private void gpaReach() {
        for (int b = 46; b <= 51; b++) {
            for (String acc : ACCESSES) {
                for (int v = 0; v < 2; v++) {
                    W w = walk(CAP_PWL45, 52, 4, 1 + rnd.nextInt(3), acc);
                    w.gpa = (w.gpa & ((1L << 48) - 1)) | (1L << b);
                    if (v == 1) {
                        w.nmi = !acc.equals("fetch");
                        w.mbec = true;
                        w.defaults();
                    }
                    add(w, "EPT_GPA_WITHIN_WALK_REACH", b < 48, "4-level walk, GPA bit " + b + " set", B);
                    W f = w.copy();
                    f.levels = 5;
                    add(f, "EPT_GPA_WITHIN_WALK_REACH", true, "5-level walk, GPA bit " + b + " set", B);
                }
            }
            W g = walk(CAP_PWL45, 52, 4, 1, "read");
            g.gpa = (g.gpa & ((1L << 48) - 1)) | (1L << b);
            g.gps = true;
            g.linear = false;
            g.ad = true;
            add(g, "EPT_GPA_WITHIN_WALK_REACH", b < 48, "guest paging-structure access, 4-level walk, GPA bit " + b, B);
        }
        W all = walk(CAP_PWL45, 52, 4, 1, "write");
        all.gpa |= 0xfL << 48;
        add(all, "EPT_GPA_WITHIN_WALK_REACH", false, "4-level walk, GPA bits 51:48 all set", B);
    }

    /** Accessed and dirty flags: on and off, flags already set, faults after entries were used, guest paging accesses. */
    private void accessedDirty() {
        for (long cap : new long[] {CAP_BROADWELL_SKL, CAP_COFFEE_LAKE, CAP_PWL45}) {
            for (int levels = 4; levels <= 5; levels++) {
                if (!supports(cap, levels)) continue;
                for (int leaf = 1; leaf <= 3; leaf++) {
                    for (String acc : ACCESSES) {
                        for (int pre = 0; pre < 3; pre++) {
                            W w = walk(cap, 46, levels, leaf, acc);
                            w.ad = true;
                            if (pre >= 1) for (int l = 1; l <= 5; l++) w.bits[l] |= 0x100;
                            if (pre == 2) w.bits[leaf] |= 0x200;
                            add(w, acc.equals("write") ? "EPT_DIRTY_FLAG" : "EPT_ACCESSED_FLAG", true,
                                    pre == 0 ? "A/D on: flags set by the access" : pre == 1 ? "A/D on: accessed flags already set"
                                            : "A/D on: accessed and dirty flags already set", NONE);
                        }
                        W off = walk(cap, 46, levels, leaf, acc);
                        if (acc.equals("write")) {
                            add(off, "EPT_DIRTY_FLAG", false, "A/D off: no dirty flag on a write", NONE);
                        } else {
                            add(off, "EPT_ACCESSED_FLAG", false, "A/D off: no accessed flag is set", NONE);
                        }
                    }
                    // A fault after some entries were used: the accessed flags may or may not be set.
                    for (int lvl = levels; lvl >= leaf; lvl--) {
                        W np = walk(cap, 46, levels, leaf, "read");
                        np.ad = true;
                        np.raw[lvl] = 0L;
                        add(np, "A/D on: not-present entry at level " + lvl + " after " + (levels - lvl) + " used entries", NONE);
                        W mc = walk(cap, 46, levels, leaf, "write");
                        mc.ad = true;
                        mc.bits[lvl] = (mc.bits[lvl] & ~7L) | 2;
                        add(mc, "A/D on: misconfigured entry at level " + lvl, NONE);
                        W pv = walk(cap, 46, levels, leaf, ACCESSES[rnd.nextInt(3)]);
                        pv.ad = true;
                        pv.bits[lvl] = (pv.bits[lvl] & ~7L) | (pv.access.equals("read") ? 4 : 1);
                        add(pv, "A/D on: permission denied at level " + lvl + " after a full walk", NONE);
                    }
                }
            }
        }
        // Guest paging-structure accesses: writes under A/D (bits 0 and 1), reads without A/D, PDPTE loads, guest A/D updates.
        for (int lvl = 4; lvl >= 1; lvl--) {
            for (int xwr : new int[] {1, 3, 5, 7}) {
                for (int kind = 0; kind < 5; kind++) {
                    W w = walk(CAP_COFFEE_LAKE, 46, 4, 1, kind == 3 ? "write" : "read");
                    w.gps = true;
                    w.linear = false;
                    w.ad = kind == 0 || kind == 2 || kind == 4;
                    w.lav = kind != 2;
                    if (kind == 4) w.access = "write";
                    w.bits[lvl] = (w.bits[lvl] & ~7L) | xwr;
                    String what = kind == 0 ? "guest paging-structure read with A/D on (a write for EPT)"
                            : kind == 1 ? "guest paging-structure read with A/D off"
                            : kind == 2 ? "PDPTE load (no linear address) with A/D on stays a read"
                            : kind == 3 ? "guest A/D update with EPT A/D off" : "guest A/D update with EPT A/D on";
                    String rule = kind == 3 ? "EPT_GUEST_AD_UPDATE_IS_RMW" : "EPT_AD_PAGING_ACCESS_IS_WRITE";
                    boolean held = kind == 0 || kind == 3 || kind == 4;
                    add(w, rule, held, what + ", XWR " + xwr + " at level " + lvl, B);
                }
            }
        }
    }

    /**
     * Every kind of misconfiguration below the first level with A/D on, so that the entries above it were already used
     * (their accessed flags may or may not have been set: both outcomes are allowed).
     */
    private void accessedOnMisconfiguration() {
        for (int levels = 4; levels <= 5; levels++) {
            long base = levels == 5 ? CAP_PWL45 : CAP_COFFEE_LAKE;
            for (int lvl = levels - 1; lvl >= 1; lvl--) {
                String at = " at level " + lvl + " of a " + levels + "-level walk after used entries, A/D on";
                W xo = walk(levels == 5 ? CAP_NO_XO_PWL5 : CAP_NO_XO, 46, levels, 1, "fetch");
                xo.ad = true;
                xo.bits[lvl] = (xo.bits[lvl] & ~7L) | 4;
                add(xo, "execute-only entry without execute-only support" + at, NONE);
                W ux = walk(levels == 5 ? CAP_NO_XO_PWL5 : CAP_NO_XO, 46, levels, 1, "fetch");
                ux.ad = true;
                ux.mbec = true;
                ux.defaults();
                ux.bits[lvl] = (ux.bits[lvl] & ~7L) | 0x400;
                add(ux, "user-execute-only entry (MBEC) without execute-only support" + at, NONE);
                if (levels == 4) {
                    W high = walk(base, 39, 4, 1, "read");
                    high.ad = true;
                    high.bits[lvl] |= 1L << 40;
                    add(high, "address bit 40 above MAXPHYADDR 39" + at, NONE);
                }
                if (lvl >= 2) {
                    W rsvd = walk(base, 46, levels, 1, "read");
                    rsvd.ad = true;
                    rsvd.bits[lvl] |= 1L << 3;
                    add(rsvd, "reserved bit 3 of a non-leaf entry" + at, NONE);
                }
                if (lvl == 3 || lvl == 2) {
                    W big = walk(lvl == 3 ? CAP_NO_1G : CAP_NO_2M, 46, 4, 1, "read");
                    big.ad = true;
                    big.bits[lvl] |= 0x80 | (6 << 3);
                    big.raw[lvl] = null;
                    add(big, (lvl == 3 ? "1-GByte" : "2-MByte") + " page without support at level " + lvl
                            + " after used entries, A/D on", NONE);
                    W page = walk(base, 46, levels, lvl, "write");
                    page.ad = true;
                    page.bits[lvl] |= 1L << 12;
                    add(page, "reserved bit 12 of a large-page entry" + at, NONE);
                }
                W mt = walk(base, 46, levels, lvl == 3 || lvl == 2 ? lvl : 1, "read");
                mt.ad = true;
                int leaf = mt.leafLevel;
                mt.bits[leaf] = (mt.bits[leaf] & ~0x38L) | (3 << 3);
                add(mt, "memory type 3 in the leaf at level " + leaf + " after used entries, A/D on", NONE);
            }
        }
    }

    /** Every input of the exit qualification: bits 7, 8, 9-11 (with and without advanced info), 12, MBEC bit 6. */
    private void qualification() {
        for (long cap : new long[] {CAP_BROADWELL_SKL, CAP_COFFEE_LAKE}) {
            for (int lin = 0; lin < 8; lin++) {
                for (String acc : ACCESSES) {
                    for (boolean nmi : new boolean[] {false, true}) {
                        W w = walk(cap, 39, 4, 1 + rnd.nextInt(3), acc);
                        w.user = (lin & 1) != 0;
                        w.writable = (lin & 2) != 0;
                        w.xd = (lin & 4) != 0;
                        if (w.xd && acc.equals("fetch")) continue; // #PF in the guest before EPT (Vol. 3A 5.6)
                        w.nmi = nmi;
                        int lvl = w.leafLevel + rnd.nextInt(5 - w.leafLevel);
                        if (nmi && acc.equals("fetch")) continue; // IRET's own bytes are fetched before it executes
                        w.bits[lvl] = (w.bits[lvl] & ~7L) | (acc.equals("read") ? 4 : acc.equals("write") ? 5 : 1);
                        String what = "permission violation, linear user/writable/XD = " + (lin & 1) + "/" + ((lin >> 1) & 1)
                                + "/" + (lin >> 2) + (nmi ? ", NMI unblocking by IRET (bit 12)" : "");
                        if (acc.equals("write")) {
                            add(w, "EPT_QUAL_NMI_UNBLOCKING", nmi, what, B);
                        } else {
                            add(w, "EPT_QUAL_ADVANCED_INFO", bit(cap, 22), what, B);
                        }
                    }
                }
            }
            // Linear address not valid / guest paging-structure access: bits 9-11 undefined even with advanced info.
            for (int kind = 0; kind < 4; kind++) {
                for (int lvl = 4; lvl >= 1; lvl--) {
                    W w = walk(cap, 39, 4, 1, "read");
                    w.raw[lvl] = 0L;
                    if (kind == 0) { w.lav = false; w.linear = false; }
                    if (kind == 1) { w.gps = true; w.linear = false; }
                    if (kind == 2) continue; // "a final access without linear details" does not exist
                    add(w, kind == 0 ? "EPT_QUAL_LINEAR_ADDRESS_VALID" : kind == 1 ? "EPT_QUAL_FINAL_TRANSLATION" : "EPT_QUAL_ADVANCED_INFO",
                            kind == 3 && bit(cap, 22),
                            kind == 0 ? "no linear address: bits 7 and 8 clear" : kind == 1 ? "guest paging-structure access: bit 8 clear"
                                    : "final access with linear details",
                            NONE);
                }
            }
            // Bits 5:3 and 6: the AND over the levels used, cleared for not-present.
            for (boolean mbec : new boolean[] {false, true}) {
                for (int i = 0; i < 16; i++) {
                    W w = walk(cap, 46, 4, 1, "fetch");
                    w.mbec = mbec;
                    w.defaults();
                    w.user = i % 2 == 0;
                    for (int lvl = 4; lvl >= 1; lvl--) {
                        int[] legal = {1, 3, 5, 7};
                        w.bits[lvl] = (w.bits[lvl] & ~0x407L) | legal[rnd.nextInt(4)] | (rnd.nextInt(4) != 0 ? 0x400 : 0);
                    }
                    w.bits[1 + rnd.nextInt(4)] &= ~(w.user && mbec ? 0x400L : 0x4L);
                    add(w, "EPT_QUAL_USER_EXECUTE", mbec, "fetch denied: bits 5:3 and 6 report the AND over the levels", NONE);
                    W np = w.copy();
                    np.raw[1 + rnd.nextInt(4)] = 0L;
                    add(np, "EPT_QUAL_PERMISSIONS", false, "not-present entry: bits 5:3 (and 6) are 0", NONE);
                }
            }
        }
    }

    /** Seeded random walks: random shape and capability, entries mostly legal with occasional random damage. */
    private void randomWalks(int n) {
        for (int i = 0; i < n; i++) {
            long cap = CAPS[rnd.nextInt(CAPS.length)];
            int levels = supports(cap, 4) && (!supports(cap, 5) || rnd.nextBoolean()) ? 4 : 5;
            int leaf = 1 + rnd.nextInt(3);
            W w = walk(cap, MAXPHYS[rnd.nextInt(4)], levels, leaf, ACCESSES[rnd.nextInt(3)]);
            w.ad = bit(cap, 21) && rnd.nextBoolean();
            w.mbec = rnd.nextInt(3) == 0;
            w.defaults();
            if (w.access.equals("fetch")) {
                w.gps = false;
            } else if (rnd.nextInt(4) == 0) {
                w.gps = true;
                w.linear = false;
                if (w.access.equals("read") && rnd.nextInt(4) == 0) w.lav = false; // a PDPTE load
            } else if (rnd.nextInt(8) == 0) {
                w.lav = false;
                w.linear = false;
            }
            // Only a read or write with a linear address can be part of an IRET (not a PDPTE load, not Intel PT).
            w.nmi = rnd.nextInt(6) == 0 && !w.access.equals("fetch") && w.lav;
            for (int lvl = levels; lvl >= leaf; lvl--) {
                int[] legal = {1, 3, 5, 7, 7, 7};
                w.bits[lvl] = (w.bits[lvl] & ~7L) | legal[rnd.nextInt(legal.length)];
                if (w.mbec && rnd.nextInt(4) == 0) w.bits[lvl] ^= 0x400;
                if (rnd.nextInt(10) == 0) w.bits[lvl] ^= 1L << rnd.nextInt(64);
                if (rnd.nextInt(16) == 0) w.bits[lvl] = (w.bits[lvl] & ~7L) | rnd.nextInt(8);
                if (rnd.nextInt(8) == 0) w.bits[lvl] |= 0x300;
            }
            if (rnd.nextInt(12) == 0) w.raw[leaf + rnd.nextInt(levels - leaf + 1)] = rnd.nextLong() & ~0x407L;
            add(w, "seeded random walk " + i, List.of("random"));
        }
    }
}
