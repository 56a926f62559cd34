package dev.hvmspec.generator.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hvmspec.dsl.SpecLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed vectors/ directory must be exactly what the spec and the default seed generate, and generation must
 * be deterministic. When this fails after a spec change, run {@code ./hvmspec generate} and commit the result.
 */
class VectorsAreFreshTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static SpecLoader.Loaded loaded;
    private static VectorSet fresh;

    @BeforeAll
    static void generate() throws Exception {
        loaded = SpecLoader.load(List.of(ROOT.resolve("spec")));
        fresh = VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED);
    }

    @Test
    void committedVectorsMatchAFreshGeneration() throws Exception {
        for (Map.Entry<String, byte[]> f : fresh.files().entrySet()) {
            Path committed = ROOT.resolve("vectors").resolve(f.getKey());
            assertThat(committed).as("%s is missing: run ./hvmspec generate", committed).exists();
            byte[] bytes = Files.readAllBytes(committed);
            if (!java.util.Arrays.equals(bytes, f.getValue())) {
                List<String> want = List.of(new String(f.getValue(), StandardCharsets.UTF_8).split("\n"));
                List<String> have = List.of(new String(bytes, StandardCharsets.UTF_8).split("\n"));
                int i = 0;
                while (i < Math.min(want.size(), have.size()) && want.get(i).equals(have.get(i))) i++;
                String first = i < want.size() ? want.get(i) : "(end of file)";
                throw new AssertionError(committed + " is stale (run ./hvmspec generate); first difference at line "
                        + (i + 1) + ", expected: " + first.substring(0, Math.min(300, first.length())));
            }
        }
        try (var s = Files.list(ROOT.resolve("vectors"))) {
            s.filter(p -> p.toString().endsWith(".jsonl"))
                    .forEach(p -> assertThat(fresh.files()).as("stale file " + p).containsKey(p.getFileName().toString()));
        }
    }

    @Test
    void sameSpecAndSeedGiveByteIdenticalVectors() {
        VectorSet again = VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED);
        assertThat(again.files().keySet()).isEqualTo(fresh.files().keySet());
        fresh.files().forEach((name, bytes) -> assertThat(again.files().get(name)).as(name).isEqualTo(bytes));
    }

    @Test
    void anotherSeedChangesOnlyTheRandomCases() {
        VectorSet other = VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED + 1);
        String a = new String(fresh.files().get("msr-access.jsonl"), StandardCharsets.UTF_8);
        String b = new String(other.files().get("msr-access.jsonl"), StandardCharsets.UTF_8);
        assertThat(a).isNotEqualTo(b);
        // The systematic cases do not depend on the seed.
        String line = a.lines().filter(l -> l.contains("\"msr-access/MSR_CPL_ZERO/0001\"")).findFirst().orElseThrow();
        assertThat(b).contains(line);
    }

    @Test
    void everyDomainHasVectorsAndAManifestEntry() throws Exception {
        var manifest = Json.MAPPER.readTree(fresh.files().get("manifest.json"));
        assertThat(manifest.get("format").asText()).isEqualTo("hvmspec-vectors/1");
        for (var d : loaded.domains()) {
            assertThat(fresh.counts().get(d.name())).as(d.name()).isPositive();
            assertThat(manifest.get("domains").get(d.name()).get("count").asInt()).isEqualTo(fresh.counts().get(d.name()));
        }
        assertThat(fresh.counts().values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(5000);
    }
}
