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
        SpecLoader.Loaded loaded = SpecLoader.load(List.of(ROOT.resolve("spec")));
        return VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED,
                PlatformProfile.read(ROOT.resolve("profiles").resolve(profile)), notes::add);
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
        // No EPT, no VMCS shadowing: generation ends (edge profiles stand in), whatever the notes say.
        assertThat(generate("bochs-penryn.json", new ArrayList<>()).counts().values()).allMatch(c -> c > 0);
    }
}
