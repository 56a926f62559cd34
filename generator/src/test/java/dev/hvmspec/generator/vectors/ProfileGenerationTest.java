package dev.hvmspec.generator.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hvmspec.dsl.SpecLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Vectors for a platform profile: deterministic, and no case misses its aim on the committed profiles. */
class ProfileGenerationTest {
    private static final Path ROOT = Path.of("..");

    private static VectorSet generate(String profile, List<String> notes) throws Exception {
        return generate(profile, VectorGenerator.EdgeCases.LEAVE_OUT, notes);
    }

    private static VectorSet generate(String profile, VectorGenerator.EdgeCases edgeCases, List<String> notes) throws Exception {
        SpecLoader.Loaded loaded = SpecLoader.load(List.of(ROOT.resolve("spec")));
        return VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED,
                PlatformProfile.read(ROOT.resolve("profiles").resolve(profile)), edgeCases, notes::add);
    }

    private static String text(VectorSet set, String file) {
        return new String(set.files().get(file), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void generationForAProfileIsDeterministicAndNamesTheProfile() throws Exception {
        List<String> n1 = new ArrayList<>();
        List<String> n2 = new ArrayList<>();
        VectorSet a = generate("bochs-haswell.json", n1);
        VectorSet b = generate("bochs-haswell.json", n2);
        assertThat(a.files().keySet()).isEqualTo(b.files().keySet());
        for (Map.Entry<String, byte[]> f : a.files().entrySet()) {
            assertThat(Arrays.equals(f.getValue(), b.files().get(f.getKey()))).as(f.getKey()).isTrue();
        }
        assertThat(n1).isEqualTo(n2).allMatch(s -> s.startsWith("note: ") && !s.contains("\n"));
        assertThat(new String(a.files().get("manifest.json"))).contains("\"profile\"")
                .contains("Bochs 2.7, cpu model=corei7_haswell_4770");
    }

    @Test
    void theHaswellProfileGeneratesWithoutMissedAimsAndPenrynStillGenerates() throws Exception {
        List<String> notes = new ArrayList<>();
        VectorSet set = generate("bochs-haswell.json", notes);
        assertThat(notes).noneMatch(s -> s.contains("missed their aim"));
        assertThat(set.counts().values()).allMatch(c -> c > 0);
        // No EPT, no VMCS shadowing: generation ends, whatever the notes say. No ept-walk rule is reachable, so no
        // ept-walk vector is made unless the cases for other capabilities are kept (they stand in for every rule).
        List<String> penrynNotes = new ArrayList<>();
        VectorSet penryn = generate("bochs-penryn.json", penrynNotes);
        assertThat(penryn.counts().get("ept-walk")).isZero();
        assertThat(penryn.counts().get("msr-access")).isPositive();
        assertThat(penrynNotes).anyMatch(n -> n.startsWith("note: ept-walk: rule EPT_ENTRY_PRESENT (violated): no vector"));
        assertThat(generate("bochs-penryn.json", VectorGenerator.EdgeCases.KEEP, new ArrayList<>()).counts().values())
                .allMatch(c -> c > 0);
    }

    @Test
    void casesForOtherCapabilitiesAreLeftOutUnlessKeptAndTheUnreachableRuleSidesAreNamed() throws Exception {
        List<String> leftOutNotes = new ArrayList<>();
        VectorSet leftOut = generate("bochs-haswell.json", leftOutNotes);
        List<String> keptNotes = new ArrayList<>();
        VectorSet kept = generate("bochs-haswell.json", VectorGenerator.EdgeCases.KEEP, keptNotes);
        for (String domain : leftOut.counts().keySet()) {
            assertThat(text(leftOut, domain + ".jsonl")).as(domain).doesNotContain("\"edge-profile\"");
        }
        // Haswell has no EPT execute-only translations: the rule side is named, in the notes and the manifest.
        String side = "EPT_EXECUTE_ONLY_SUPPORTED (violated)";
        assertThat(leftOutNotes).anyMatch(n -> n.startsWith("note: ept-walk: rule " + side + ": no vector made for this"
                + " platform reaches it;") && n.contains("left out (--keep-unreachable keeps them)"));
        assertThat(keptNotes).anyMatch(n -> n.startsWith("note: ept-walk: rule " + side + ":") && n.contains("kept "));
        String manifest = text(leftOut, "manifest.json");
        assertThat(manifest).contains("\"edge_cases\" : \"left out\"").contains("\"" + side + "\"");
        assertThat(text(kept, "manifest.json")).contains("\"edge_cases\" : \"kept\"").contains("\"" + side + "\"");
        // Keeping adds exactly the edge-profile vectors; every vector made for the platform is in both sets.
        for (String domain : leftOut.counts().keySet()) {
            List<String> keptPlatform = text(kept, domain + ".jsonl").lines()
                    .filter(l -> !l.contains("\"edge-profile\"")).map(ProfileGenerationTest::withoutId).toList();
            List<String> platform = text(leftOut, domain + ".jsonl").lines().map(ProfileGenerationTest::withoutId).toList();
            assertThat(keptPlatform).as(domain).containsExactlyInAnyOrderElementsOf(platform);
        }
        assertThat(kept.counts().get("ept-walk")).isGreaterThan(leftOut.counts().get("ept-walk"));
    }

    /** A vector line without its id (ids are numbered per rule, so an edge case kept earlier shifts later numbers). */
    private static String withoutId(String line) {
        return line.replaceFirst("^\\{\"id\":\"[^\"]*\",", "{");
    }
}
