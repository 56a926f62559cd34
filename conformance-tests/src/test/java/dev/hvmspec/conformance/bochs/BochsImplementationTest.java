package dev.hvmspec.conformance.bochs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.conformance.vectors.VectorReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs msr-access, cr-access, vmx-instruction, ept-walk and descriptor-table vectors on Bochs through the runner kernel. Skipped (not failed) when bochs is not
 * on PATH; CI needs {@value BochsImplementation#INSTALL_HINT} plus make, gcc and binutils to run it.
 */
class BochsImplementationTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Skips the test where Bochs, make or gcc is missing (CI installs Bochs; .ci/run). */
    private static void assumeBochs() {
        Assumptions.assumeTrue(BochsImplementation.onPath("bochs").isPresent(),
                "bochs is not on PATH; install it with: " + BochsImplementation.INSTALL_HINT);
        Assumptions.assumeTrue(BochsImplementation.onPath("make").isPresent() && BochsImplementation.onPath("gcc").isPresent(),
                "make and gcc are needed to build runner/");
    }

    /** One run on a Bochs model, judged: the problems found, how many outcomes came back, of which kinds, in how many boots. */
    private record Judged(List<String> problems, int outcomes, Map<String, Integer> kinds, int boots) {}

    /**
     * Runs the vectors on a Bochs model and judges every reply against the vectors: an error reply, a disagreement
     * that {@link #KNOWN_BOCHS_DEVIATIONS} does not list, an allow-listed vector that now agrees and (with
     * {@code warningsFail}) the run's warnings are problems, each named with the model. Unsupported replies are not.
     */
    private static Judged runOn(String model, List<Vector> vectors, boolean warningsFail) {
        List<String> problems = new ArrayList<>();
        int[] outcomes = {0};
        Map<String, Integer> kinds = new LinkedHashMap<>();
        int boots;
        try (BochsImplementation bochs = new BochsImplementation(
                BochsImplementation.Settings.of(ROOT.resolve("runner"), BochsImplementation.MODELS.get(model)))) {
            bochs.evaluate(vectors, (v, r) -> {
                if (r instanceof Reply.Unsupported) return;
                if (!(r instanceof Reply.Outcome o)) {
                    problems.add(model + " " + v.id() + ": " + r);
                    return;
                }
                outcomes[0]++;
                kinds.merge(o.outcome().path("kind").asText(), 1, Integer::sum);
                boolean agrees = OutcomeMatcher.matchesAny(v.expect(), o.outcome());
                String known = KNOWN_BOCHS_DEVIATIONS.get(v.id());
                if (!agrees && known == null) {
                    problems.add(model + " " + v.id() + ": Bochs gave " + o.outcome() + ", expected " + v.expect());
                } else if (agrees && known != null) {
                    problems.add(model + " " + v.id() + " now agrees: remove it from KNOWN_BOCHS_DEVIATIONS (" + known + ")");
                }
            });
            if (warningsFail && !bochs.warnings().isEmpty()) problems.add(model + ": warnings " + bochs.warnings());
            boots = bochs.boots();
        }
        return new Judged(problems, outcomes[0], kinds, boots);
    }

    @Test
    void smallMsrAccessBatchAgreesWithTheVectors() throws Exception {
        assumeBochs();
        Path file = ROOT.resolve("vectors/msr-access.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(file), "no vectors/msr-access.jsonl at " + file);
        List<Vector> all = new VectorReader().read(file);
        // Every 40th vector: all instructions, CPLs and bitmap shapes, in one boot.
        List<Vector> sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 40) sample.add(all.get(i));
        // A vector of another domain must be skipped without running.
        Vector other = new Vector("no-such-domain/X/0001", "no-such-domain", List.of(), List.of(), "", List.of(),
                all.get(0).input(), all.get(0).expect(), file, 0);
        sample.add(3, other);

        List<Reply> replies = new ArrayList<>();
        List<Vector> order = new ArrayList<>();
        try (BochsImplementation bochs = new BochsImplementation(
                BochsImplementation.Settings.of(ROOT.resolve("runner"), BochsImplementation.MODELS.get("haswell")))) {
            bochs.evaluate(sample, (v, r) -> {
                order.add(v);
                replies.add(r);
            });
            assertEquals(1, bochs.boots(), "one boot for a small batch");
            assertTrue(bochs.warnings().isEmpty(), () -> "warnings: " + bochs.warnings());
        }
        assertEquals(sample, order, "one reply per vector, in order");
        for (int i = 0; i < sample.size(); i++) {
            Vector v = sample.get(i);
            Reply r = replies.get(i);
            if (v == other) {
                assertEquals(new Reply.Unsupported(BochsImplementation.OTHER_DOMAIN), r);
                continue;
            }
            Reply.Outcome o = assertInstanceOf(Reply.Outcome.class, r, () -> v.id() + ": " + r);
            assertTrue(OutcomeMatcher.matchesAny(v.expect(), o.outcome()),
                    () -> v.id() + ": Bochs gave " + o.outcome() + ", expected " + v.expect());
        }
    }

    /**
     * The runnable vectors (all of msr-access) on the haswell model: CI's check of the vectors against an independent
     * VMX implementation. A disagreement fails unless docs/findings/bochs.md lists it as a known Bochs deviation
     * (none is listed today).
     */
    @Test
    void everyRunnableVectorAgreesWithBochsHaswell() throws Exception {
        assumeBochs();
        List<Vector> all = new VectorReader().read(ROOT.resolve("vectors/msr-access.jsonl"));
        List<String> disagreements = new ArrayList<>();
        try (BochsImplementation bochs = new BochsImplementation(
                BochsImplementation.Settings.of(ROOT.resolve("runner"), BochsImplementation.MODELS.get("haswell")))) {
            bochs.evaluate(all, (v, r) -> {
                boolean agrees = r instanceof Reply.Outcome o && OutcomeMatcher.matchesAny(v.expect(), o.outcome());
                if (!agrees && disagreements.size() < 20) disagreements.add(v.id() + ": Bochs gave " + r + ", expected " + v.expect());
            });
        }
        assertTrue(disagreements.isEmpty(), () -> String.join("\n", disagreements));
    }

    private static final String INVVPID_TYPE_32_BITS =
            "docs/findings/bochs.md#invvpid-in-64-bit-mode-ignores-bits-6332-of-the-type-register";

    private static final String INVEPT_INVVPID_TYPE_AFTER_OPERAND =
            "docs/findings/bochs.md#inveptinvvpid-unsupported-type-with-a-non-canonical-descriptor-address";

    private static final String CR0_PE_PG_NOT_FIXED_IN_GUEST =
            "docs/findings/bochs.md#cr0pe-and-cr0pg-fixed-bits-are-not-enforced-in-a-guest-without-unrestricted-guest";

    private static final String DT_OPERAND_SIZE_BIT =
            "docs/findings/bochs.md#instruction-information-bit-11-operand-size-is-never-set";

    /**
     * Known Bochs deviations from the SDM, by vector id: each value names the docs/findings/bochs.md section that
     * records the vector, the SDM text and Bochs's behaviour. A listed vector must still disagree (else the entry is
     * stale and the test fails); any other disagreement fails.
     */
    static final Map<String, String> KNOWN_BOCHS_DEVIATIONS = Map.ofEntries(
            Map.entry("cr-access/CR0_FIXED0_SET/0001", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0003", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0004", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0006", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0007", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0009", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0010", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0012", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0013", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0015", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0016", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("cr-access/CR0_FIXED0_SET/0018", CR0_PE_PG_NOT_FIXED_IN_GUEST),
            Map.entry("vmx-instruction/INVVPID_TYPE_SUPPORTED/0009", INVVPID_TYPE_32_BITS),
            Map.entry("vmx-instruction/INVVPID_TYPE_SUPPORTED/0010", INVVPID_TYPE_32_BITS),
            Map.entry("vmx-instruction/INVVPID_TYPE_SUPPORTED/0011", INVVPID_TYPE_32_BITS),
            // The same for INVEPT (type 0x100000002 taken as 2): docs/findings/bochs.md.
            Map.entry("vmx-instruction/INVEPT_TYPE_SUPPORTED/0014", INVVPID_TYPE_32_BITS),
            // Legacy protected mode, root operation: the descriptor's limit check (#SS) before the unsupported type's
            // VMfail(28).
            Map.entry("vmx-instruction/INVEPT_TYPE_SUPPORTED/0106", INVEPT_INVVPID_TYPE_AFTER_OPERAND),
            Map.entry("vmx-instruction/INVVPID_TYPE_SUPPORTED/0154", INVEPT_INVVPID_TYPE_AFTER_OPERAND),
            // LGDT/LIDT/SGDT/SIDT exits outside 64-bit mode with a 32-bit operand size (haswell's profile).
            Map.entry("descriptor-table/DT_EXITING_OFF/0382", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0065", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0071", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_INFO_OPERAND_SIZE_DEFINED/0067", DT_OPERAND_SIZE_BIT),
            // The same in protected, real-address and virtual-8086 mode.
            Map.entry("descriptor-table/DT_EXITING_OFF/0128", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/0396", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/0762", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/0953", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/1006", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/1203", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXITING_OFF/1210", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0002", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0015", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0273", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_GDTR_IDTR/0282", DT_OPERAND_SIZE_BIT),
            Map.entry("descriptor-table/DT_EXIT_INFO_OPERAND_SIZE_DEFINED/0019", DT_OPERAND_SIZE_BIT));

    /**
     * The runnable vmx-instruction vectors (64-bit and compatibility mode, CPL 0-3, outside VMX operation, VMX root
     * and non-root operation; protected, virtual-8086 and real mode in every VMX operation they can have, and VMFUNC; the
     * haswell model's capability MSRs) on Bochs haswell: a disagreement fails unless {@link #KNOWN_BOCHS_DEVIATIONS} lists it.
     */
    @Test
    void everyRunnableVmxInstructionVectorAgreesWithBochsHaswell() throws Exception {
        assumeBochs();
        List<Vector> all = new VectorReader().read(ROOT.resolve("vectors/vmx-instruction.jsonl"));
        Judged j = runOn("haswell", all, false);
        List<String> problems = new ArrayList<>(j.problems());
        if (j.outcomes() < 200) problems.add("only " + j.outcomes() + " vmx-instruction vectors ran (at least 200 expected)");
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    /** IA32_VMX_EPT_VPID_CAP of the haswell, skylake_x and icelake models (/work/shared/reference/bochs-2.7-cpu-models-vmx-msrs.txt). */
    private static final long HASWELL_EPT_VPID_CAP = 0xf0106334141L;

    /**
     * The ept-walk vectors that assume the haswell model's IA32_VMX_EPT_VPID_CAP (about 490 of 4031, one boot; the
     * other capability profiles are answered unsupported without touching the walk) on Bochs haswell: each runnable
     * one must agree unless {@link #KNOWN_BOCHS_DEVIATIONS} lists it; an error reply fails. The full set on every model
     * is in docs/findings/bochs.md ("ept-walk").
     */
    @Test
    void everyRunnableEptWalkVectorAgreesWithBochsHaswell() throws Exception {
        assumeBochs();
        List<Vector> mine = new VectorReader().read(ROOT.resolve("vectors/ept-walk.jsonl")).stream()
                .filter(v -> Long.parseUnsignedLong(v.input().path("ept_vpid_cap").asText().substring(2), 16) == HASWELL_EPT_VPID_CAP)
                .toList();
        Judged j = runOn("haswell", mine, true);
        List<String> problems = new ArrayList<>(j.problems());
        // All three outcome kinds must have run (a relocation regression to "unsupported" cannot pass silently).
        if (j.outcomes() < 300) problems.add("only " + j.outcomes() + " of " + mine.size() + " ept-walk vectors ran (at least 300 expected)");
        for (String k : List.of("translation", "ept-violation", "ept-misconfiguration")) {
            if (j.kinds().getOrDefault(k, 0) < 20) problems.add("only " + j.kinds().getOrDefault(k, 0) + " " + k + " outcomes");
        }
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    /** IA32_VMX_PROCBASED_CTLS2 of the haswell model (profiles/bochs-haswell.json). */
    private static final long HASWELL_PROCBASED_CTLS2 = 0x47fff00000000L;

    /**
     * The descriptor-table vectors that assume the haswell model's IA32_VMX_PROCBASED_CTLS2 (446 of 3100, one boot; the
     * others are answered unsupported without running) on Bochs haswell: each runnable one (every mode; about 200)
     * must agree unless {@link #KNOWN_BOCHS_DEVIATIONS} lists it; an error reply fails; all three
     * outcome kinds must have run. The other models and the profile-generated set are in docs/findings/bochs.md.
     */
    @Test
    void everyRunnableDescriptorTableVectorAgreesWithBochsHaswell() throws Exception {
        assumeBochs();
        List<Vector> mine = new VectorReader().read(ROOT.resolve("vectors/descriptor-table.jsonl")).stream()
                .filter(v -> Long.parseUnsignedLong(v.input().path("vmx_procbased_ctls2").asText().substring(2), 16)
                        == HASWELL_PROCBASED_CTLS2)
                .toList();
        Judged j = runOn("haswell", mine, true);
        assertEquals(1, j.boots(), "one boot");
        List<String> problems = new ArrayList<>(j.problems());
        if (j.outcomes() < 180) problems.add("only " + j.outcomes() + " of " + mine.size() + " descriptor-table vectors ran (at least 180 expected)");
        for (String k : List.of("vm-exit", "exception", "no-exit")) {
            if (j.kinds().getOrDefault(k, 0) < 10) problems.add("only " + j.kinds().getOrDefault(k, 0) + " " + k + " outcomes");
        }
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    /** The descriptor-table record layout of runner/src/batch.h (struct batch_dt_record). */
    @Test
    void descriptorTableRecordLayout() throws Exception {
        Vector v = new VectorReader().read(ROOT.resolve("vectors/descriptor-table.jsonl")).stream()
                .filter(x -> x.input().path("operand").path("base_valid").asBoolean()
                        && x.input().path("operand").path("index_valid").asBoolean()
                        && x.input().path("descriptor_table_exiting").asBoolean() && x.input().has("operand_size")
                        && x.input().path("instruction").asText().equals("sidt"))
                .findFirst().orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(BatchWriter.image(List.of(v), 0)).order(ByteOrder.LITTLE_ENDIAN);
        int rec = BatchWriter.HEADER_SIZE;
        var in = v.input();
        var o = in.path("operand");
        assertEquals(5, b.getInt(rec + 96), "domain");
        assertEquals(5, b.getInt(rec + 100), "instruction sidt");
        assertEquals(1 | 2 | 4 | 16 | 32, b.getInt(rec + 104), "flags: operand, base, index, exiting, operand size");
        assertEquals(o.path("segment").asInt(), b.getInt(rec + 112), "segment");
        assertEquals(o.path("address_size").asInt(), b.getInt(rec + 116), "address_size");
        assertEquals(o.path("base").asInt(), b.getInt(rec + 120), "base");
        assertEquals(o.path("index").asInt(), b.getInt(rec + 124), "index");
        assertEquals(o.path("scale").asInt(), b.getInt(rec + 128), "scale");
        assertEquals(BatchWriter.VI_MODES.indexOf(in.path("mode").asText()), b.get(rec + 132), "mode");
        assertEquals(in.path("cpl").asInt(), b.get(rec + 133), "cpl");
        assertEquals(in.path("operand_size").asInt(), b.get(rec + 134) & 0xff, "operand_size");
        assertEquals(Long.parseUnsignedLong(o.path("displacement").asText().substring(2), 16), b.getLong(rec + 136), "displacement");
        for (int i = 0; i < BatchWriter.DT_FIELDS.size(); i++) {
            String f = BatchWriter.DT_FIELDS.get(i);
            assertEquals(Long.parseUnsignedLong(in.path(f).asText().substring(2), 16), b.getLong(rec + 144 + 8 * i), f);
        }
    }

    /** The ept-walk record layout of runner/src/batch.h (struct batch_ept_record). */
    @Test
    void eptWalkRecordLayout() throws Exception {
        Vector v = new VectorReader().read(ROOT.resolve("vectors/ept-walk.jsonl")).stream()
                .filter(x -> x.input().path("access").asText().equals("write") && x.input().path("memory").size() >= 3
                        && x.input().path("linear").path("writable").asBoolean())
                .findFirst().orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(BatchWriter.image(List.of(v), 0)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, BatchWriter.VERSION);
        int rec = BatchWriter.HEADER_SIZE;
        assertEquals(4, b.getInt(rec + 96), "domain");
        assertEquals(1, b.getInt(rec + 100), "access write");
        assertEquals(0x10, b.getInt(rec + 104) & 0x10, "flags: linear.writable");
        assertEquals(v.input().path("maxphyaddr").asInt(), b.getInt(rec + 108), "maxphyaddr");
        assertEquals(v.input().path("memory").size(), b.getInt(rec + 112), "memory_count");
        assertEquals(Long.parseUnsignedLong(v.input().path("eptp").asText().substring(2), 16), b.getLong(rec + 128), "eptp");
        assertEquals(Long.parseUnsignedLong(v.input().path("gpa").asText().substring(2), 16), b.getLong(rec + 136), "gpa");
        String first = v.input().path("memory").fieldNames().next();
        assertEquals(Long.parseUnsignedLong(first.substring(2), 16), b.getLong(rec + 160), "memory[0].addr");
    }

    /**
     * Bochs models that run cr-access vectors, with the IA32_VMX_CR4_FIXED1 each reports
     * (/work/shared/reference/bochs-2.7-cpu-models-vmx-msrs.txt) and the least number of vectors each must answer
     * with an outcome (so that a runner regression to "unsupported" cannot pass silently). Vectors assuming another
     * CR4_FIXED1 are left out before booting: the kernel would answer them unsupported anyway.
     */
    private record CrModel(String shortName, long cr4Fixed1, int minOutcomes) {}

    private static final List<CrModel> CR_MODELS = List.of(
            new CrModel("haswell", 0x1727ffL, 5000),
            new CrModel("skylake_x", 0x3727ffL, 1000),
            new CrModel("sandy_bridge", 0x627ffL, 800),
            new CrModel("icelake", 0x772fffL, 1100),
            new CrModel("tigerlake", 0xf72fffL, 1100),
            new CrModel("penryn", 0x467ffL, 850));

    /**
     * The runnable cr-access vectors on the Bochs models whose CR0/CR4 fixed bits they assume: a disagreement fails
     * unless {@link #KNOWN_BOCHS_DEVIATIONS} lists it; an error reply always fails.
     */
    @Test
    void everyRunnableCrAccessVectorAgreesWithBochs() throws Exception {
        assumeBochs();
        List<Vector> all = new VectorReader().read(ROOT.resolve("vectors/cr-access.jsonl"));
        List<String> problems = new ArrayList<>();
        for (CrModel m : CR_MODELS) {
            List<Vector> mine = all.stream()
                    .filter(v -> Long.parseUnsignedLong(v.input().path("cr4_fixed1").asText().substring(2), 16) == m.cr4Fixed1())
                    .toList();
            Judged j = runOn(m.shortName(), mine, true);
            problems.addAll(j.problems());
            int outcomes = j.outcomes();
            if (outcomes < m.minOutcomes()) {
                problems.add(m.shortName() + ": only " + outcomes + " of " + mine.size() + " vectors ran (at least "
                        + m.minOutcomes() + " expected)");
            }
        }
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    /** Every allow-list entry points to a section that exists in docs/findings/bochs.md (GitHub heading anchors). */
    @Test
    void knownDeviationsPointToFindingsSections() throws Exception {
        List<String> anchors = Files.readAllLines(ROOT.resolve("docs/findings/bochs.md")).stream()
                .filter(l -> l.startsWith("#"))
                .map(l -> l.replaceFirst("^#+\\s*", "").toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'))
                .toList();
        for (Map.Entry<String, String> e : KNOWN_BOCHS_DEVIATIONS.entrySet()) {
            String anchor = e.getValue().substring(e.getValue().indexOf('#') + 1);
            assertTrue(e.getValue().startsWith("docs/findings/bochs.md#") && anchors.contains(anchor),
                    () -> e.getKey() + ": no section " + e.getValue() + " (anchors: " + anchors + ")");
        }
    }

    /** The cr-access record layout of runner/src/batch.h (struct batch_cr_record). */
    @Test
    void crAccessRecordLayout() throws Exception {
        List<Vector> all = new VectorReader().read(ROOT.resolve("vectors/cr-access.jsonl"));
        Vector v = all.stream().filter(x -> x.input().path("instruction").asText().equals("lmsw")
                && x.input().path("lmsw_memory_operand").asBoolean() && x.input().path("unrestricted_guest").asBoolean())
                .findFirst().orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(BatchWriter.image(List.of(v), 7)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(BatchWriter.MAGIC, b.getInt(0));
        assertEquals(BatchWriter.VERSION, b.getInt(4));
        int rec = BatchWriter.HEADER_SIZE;
        assertEquals(v.id(), new String(b.array(), rec, v.id().length(), java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(2, b.getInt(rec + 96), "domain");
        assertEquals(5, b.getInt(rec + 100), "instruction lmsw");
        assertEquals(BatchWriter.CR_MODES.indexOf(v.input().path("mode").asText()), b.getInt(rec + 108), "mode");
        assertEquals(v.input().path("cpl").asInt(), b.getInt(rec + 112), "cpl");
        assertEquals(3, b.getInt(rec + 116), "flags: memory operand, unrestricted guest");
        for (int i = 0; i < BatchWriter.CR_FIELDS.size(); i++) {
            String f = BatchWriter.CR_FIELDS.get(i);
            assertEquals(Long.parseUnsignedLong(v.input().path(f).asText().substring(2), 16), b.getLong(rec + 128 + 8 * i), f);
        }
    }

    @Test
    void batchImagesFitOneBochsMemoryBlock() {
        assertEquals(255, BatchWriter.RECORDS_PER_IMAGE);
        assertTrue(BatchWriter.HEADER_SIZE + BatchWriter.RECORDS_PER_IMAGE * BatchWriter.RECORD_SIZE <= BatchWriter.IMAGE_SIZE);
    }
}
