package dev.hvmspec.conformance.bochs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
        return runOn(model, vectors, warningsFail, (v, actual) -> KNOWN_BOCHS_DEVIATIONS.get(v.id()));
    }

    /** The same, with {@code known} naming the triaged deviation a vector's disagreement is (null: none). */
    private static Judged runOn(String model, List<Vector> vectors, boolean warningsFail,
                                java.util.function.BiFunction<Vector, JsonNode, String> known) {
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
                String deviation = known.apply(v, o.outcome());
                if (!agrees && deviation == null) {
                    problems.add(model + " " + v.id() + ": Bochs gave " + o.outcome() + ", expected " + v.expect());
                } else if (agrees && deviation != null) {
                    problems.add(model + " " + v.id() + " now agrees: the known deviation is stale (" + deviation + ")");
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

    // ----- the set generated for the haswell profile -----

    private static final String VMXON_WITHOUT_CR0_PG_CHECK =
            "docs/findings/bochs.md (VMXON outside VMX operation does not check CR0.PG)";
    private static final String EPT_LARGE_LEAF_BIT_12 = "docs/findings/bochs.md (bit 12 of 2-MByte and 1-GByte EPT leaves)";
    private static final String EPT_AD_PAGING_ACCESS_BIT_0 =
            "docs/findings/bochs.md (guest paging-structure accesses with EPT A/D flags on: bit 0 missing)";
    private static final String EPT_GUEST_AD_UPDATE_WITHOUT_WRITE =
            "docs/findings/bochs.md (guest A/D updates ignore EPT write permission)";

    private static final String INVEPT_INVVPID_WITHOUT_EPT_VPID =
            "docs/findings/bochs.md (INVVPID/INVEPT execute on a model without VPID/EPT)";

    /**
     * Every vector generated for the haswell profile (what {@code ./hvmspec generate --profile
     * profiles/bochs-haswell.json} writes: the set a user of that platform runs) on Bochs haswell, for the domains whose
     * profile set differs from the committed one: each vector that runs must agree, or disagree exactly as one of the
     * triaged Bochs deviations does ({@link #knownDeviation}: the deviation's signature in the vector and in Bochs's
     * outcome, not an id list, so that the set may be regenerated); an error reply fails; at least 80 % of each
     * domain must run (the runner's aim, docs/findings/bochs.md); and each haswell signature must still explain a
     * vector. With {@code -Dhvmspec.bochs.profileModels=haswell,skylake_x,...} (or {@code all}) the same runs for each
     * model's own profile set (profiles/bochs-MODEL.json), judged alike, and prints one line per model and domain:
     * this is how the every-model table of docs/findings/bochs.md is made. CI runs haswell only.
     */
    @Test
    void everyVectorGeneratedForAModelsProfileAgreesOrShowsATriagedDeviation() throws Exception {
        assumeBochs();
        String wanted = System.getProperty("hvmspec.bochs.profileModels", "haswell");
        List<String> models = wanted.equals("all") ? List.copyOf(new java.util.TreeSet<>(BochsImplementation.MODELS.keySet()))
                : List.of(wanted.split(","));
        dev.hvmspec.dsl.SpecLoader.Loaded loaded = dev.hvmspec.dsl.SpecLoader.load(List.of(ROOT.resolve("spec")));
        List<String> problems = new ArrayList<>();
        for (String model : models) {
            Path profile = ROOT.resolve("profiles/bochs-" + model + ".json");
            if (!Files.isRegularFile(profile)) continue; // a model without VMX has no profile
            dev.hvmspec.generator.vectors.VectorSet set = dev.hvmspec.generator.vectors.VectorSet.generate(loaded.domains(),
                    dev.hvmspec.generator.vectors.VectorSet.DEFAULT_SEED,
                    dev.hvmspec.generator.vectors.PlatformProfile.read(profile), note -> { });
            Map<String, Integer> seen = new java.util.TreeMap<>();
            Path dir = Files.createTempDirectory("hvmspec-profile-" + model);
            try {
                for (String domain : List.of("cr-access", "ept-walk", "vmx-instruction", "descriptor-table")) {
                    Path file = dir.resolve(domain + ".jsonl");
                    Files.write(file, set.files().get(domain + ".jsonl"));
                    List<Vector> vectors = new VectorReader().read(file);
                    if (vectors.isEmpty()) {
                        System.out.println("profile set | " + model + " | " + domain + " | 0 / 0 | 0 | 0 | -");
                        continue;
                    }
                    Map<String, Integer> here = new java.util.TreeMap<>();
                    long start = System.nanoTime();
                    Judged j = runOn(model, vectors, true, (v, actual) -> {
                        String d = knownDeviation(v, actual);
                        if (d != null) here.merge(d, 1, Integer::sum);
                        return d;
                    });
                    double seconds = (System.nanoTime() - start) / 1e9;
                    here.forEach((d, n) -> seen.merge(d, n, Integer::sum));
                    problems.addAll(j.problems());
                    int disagree = here.values().stream().mapToInt(Integer::intValue).sum();
                    System.out.printf("profile set | %s | %s | %d / %d | %d | %d | %.1f s/1000 | %s%n", model, domain,
                            j.outcomes(), vectors.size(), j.outcomes() - disagree, disagree, 1000 * seconds / vectors.size(), here);
                    if (model.equals("haswell") && j.outcomes() < 0.8 * vectors.size()) {
                        problems.add(domain + ": only " + j.outcomes() + " of " + vectors.size() + " vectors ran (80 % expected)");
                    }
                }
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.delete(f);
                }
                Files.delete(dir);
            }
            // Every haswell signature must still explain some vector: one that explains none is stale (Bochs fixed, or
            // the signature wrong), and the findings must say so. (The type-after-operand deviation shows in the
            // committed vectors only: KNOWN_BOCHS_DEVIATIONS.)
            if (model.equals("haswell")) {
                for (String d : List.of(CR0_PE_PG_NOT_FIXED_IN_GUEST, INVVPID_TYPE_32_BITS, VMXON_WITHOUT_CR0_PG_CHECK,
                        DT_OPERAND_SIZE_BIT, EPT_LARGE_LEAF_BIT_12, EPT_AD_PAGING_ACCESS_BIT_0, EPT_GUEST_AD_UPDATE_WITHOUT_WRITE)) {
                    if (!seen.containsKey(d)) problems.add("no vector shows the deviation " + d + " any more");
                }
            }
        }
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems.subList(0, Math.min(30, problems.size()))));
    }

    /**
     * The triaged Bochs deviation (docs/findings/bochs.md) whose signature a disagreement shows, or null. Each
     * signature names the inputs the deviation needs and what Bochs does instead, so that nothing else passes as it.
     */
    static String knownDeviation(Vector v, JsonNode actual) {
        if (OutcomeMatcher.matchesAny(v.expect(), actual)) return null; // a signature explains disagreements only
        JsonNode in = v.input();
        String kind = actual.path("kind").asText();
        String expected = v.expect().get(0).path("kind").asText();
        switch (v.domain()) {
            case "cr-access": {
                // A guest without unrestricted guest clears CR0.PE or CR0.PG: #GP expected (IA32_VMX_CR0_FIXED0), none.
                long source = hex(in.path("source"));
                boolean clearsPePg = in.path("instruction").asText().equals("mov-to-cr0") && (source & 0x80000001L) != 0x80000001L
                        && !in.path("unrestricted_guest").asBoolean() && (hex(in.path("cr0_guest_host_mask")) & 0x80000001L) == 0;
                return clearsPePg && expected.equals("exception") && !kind.equals("exception") ? CR0_PE_PG_NOT_FIXED_IN_GUEST : null;
            }
            case "vmx-instruction": {
                String insn = in.path("instruction").asText();
                boolean inv = insn.equals("invept") || insn.equals("invvpid");
                if (inv && in.path("mode").asText().equals("64-bit") && (hex(in.path("register_value")) >>> 32) != 0
                        && expected.startsWith("vmfail") && !kind.startsWith("vmfail")) {
                    return INVVPID_TYPE_32_BITS;
                }
                if (inv && v.rules().get(0).endsWith("_TYPE_SUPPORTED") && expected.startsWith("vmfail") && kind.equals("exception")) {
                    return INVEPT_INVVPID_TYPE_AFTER_OPERAND;
                }
                // A model without EPT (VPID): IA32_VMX_PROCBASED_CTLS2 allows "enable EPT" (bit 33) or "enable VPID"
                // (bit 37) not, so the instruction is #UD (SDM 31.3); Bochs executes it.
                long ctls2 = hex(in.path("vmx_procbased_ctls2"));
                boolean lacks = insn.equals("invept") ? (ctls2 & (1L << 33)) == 0 : (ctls2 & (1L << 37)) == 0;
                if (inv && lacks && expected.equals("exception") && v.expect().get(0).path("vector").asInt() == 6
                        && !(kind.equals("exception") && actual.path("vector").asInt() == 6)) {
                    return INVEPT_INVVPID_WITHOUT_EPT_VPID;
                }
                if (insn.equals("vmxon") && in.path("vmx_operation").asText().equals("outside")
                        && (hex(in.path("cr0")) & 0x80000000L) == 0 && expected.equals("exception") && kind.equals("vmsucceed")) {
                    return VMXON_WITHOUT_CR0_PG_CHECK;
                }
                return null;
            }
            case "descriptor-table": {
                // Instruction-information bit 11 (operand size) clear where LGDT/LIDT/SGDT/SIDT set it; nothing else differs.
                for (JsonNode e : v.expect()) {
                    if (!e.path("kind").asText().equals("vm-exit") || !kind.equals("vm-exit")) continue;
                    com.fasterxml.jackson.databind.node.ObjectNode flipped = e.deepCopy();
                    flipped.put("instruction_information", String.format("0x%x",
                            hex(e.path("instruction_information")) & ~(1L << 11)));
                    if (!e.equals(flipped) && OutcomeMatcher.matchesAny(List.of(flipped), actual)) return DT_OPERAND_SIZE_BIT;
                }
                return null;
            }
            case "ept-walk": {
                boolean gps = in.path("guest_paging_structure").asBoolean(), ad = (hex(in.path("eptp")) & 0x40) != 0;
                if (expected.equals("ept-misconfiguration") && kind.equals("translation") && largeLeafBit12(in)) {
                    return EPT_LARGE_LEAF_BIT_12;
                }
                if (gps && ad && kind.equals("ept-violation")) {
                    long q = hex(actual.path("exit_qualification"));
                    for (JsonNode e : v.expect()) {
                        long eq = e.path("kind").asText().equals("ept-violation") ? hex(e.path("exit_qualification")) : -1;
                        if ((eq & 3) == 3 && q == (eq & ~1L)) return EPT_AD_PAGING_ACCESS_BIT_0;
                    }
                }
                if (gps && !ad && in.path("access").asText().equals("write") && expected.equals("ept-violation")
                        && kind.equals("translation")) {
                    return EPT_GUEST_AD_UPDATE_WITHOUT_WRITE;
                }
                return null;
            }
            default:
                return null;
        }
    }

    /** The EPT walk of the vector ends in a 2-MByte or 1-GByte leaf with bit 12 set (SDM 29.3.2: reserved there). */
    private static boolean largeLeafBit12(JsonNode in) {
        long eptp = hex(in.path("eptp")), gpa = hex(in.path("gpa"));
        int levels = (int) ((eptp >>> 3) & 7) + 1;
        long table = eptp & 0x000ffffffffff000L;
        for (int level = levels; level >= 1; level--) {
            long addr = table + 8 * ((gpa >>> (12 + 9 * (level - 1))) & 0x1ff);
            JsonNode word = in.path("memory").path(String.format("0x%x", addr));
            if (word.isMissingNode()) return false;
            long entry = hex(word);
            if ((entry & 7) == 0) return false;
            if (level <= 3 && level >= 2 && (entry & 0x80) != 0) return (entry & 0x1000) != 0;
            table = entry & 0x000ffffffffff000L;
        }
        return false;
    }

    private static long hex(JsonNode n) {
        String t = n.asText("0x0");
        return Long.parseUnsignedLong(t.startsWith("0x") ? t.substring(2) : t, 16);
    }
}
