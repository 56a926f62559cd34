package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hvmspec.conformance.bochs.BatchWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hvmspec batches} on the project's vectors, and {@code hvmspec probe}'s errors (and a real probe with Bochs). */
class ProbeAndBatchesCommandsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @BeforeAll
    static void home() {
        System.setProperty(ProjectPaths.HOME_PROPERTY, ROOT.toString());
    }

    @AfterAll
    static void clear() {
        System.clearProperty(ProjectPaths.HOME_PROPERTY);
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void batchesSplitRunnableVectorsIntoImagesAndAnswerTheRestOnTheHost() throws Exception {
        // 300 msr-access vectors (two images) and 5 vmx-instruction vectors in SMX operation (not available on the
        // runner: answered on the host).
        List<String> msr = Files.readAllLines(ROOT.resolve("vectors/msr-access.jsonl")).subList(0, 300);
        List<String> other = Files.readAllLines(ROOT.resolve("vectors/vmx-instruction.jsonl")).stream()
                .filter(l -> l.contains("\"smx_operation\":true")).limit(5).toList();
        Path vectors = dir.resolve("in");
        Files.createDirectories(vectors);
        Files.write(vectors.resolve("msr-access.jsonl"), msr);
        Files.write(vectors.resolve("vmx-instruction.jsonl"), other);
        Path out = dir.resolve("out");
        CliRun r = run("batches", "--vectors", vectors.resolve("msr-access.jsonl").toString(),
                vectors.resolve("vmx-instruction.jsonl").toString(), "--out", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 2 batch files (300 vectors, 1 boot of up to 3 modules)")
                .contains("host-replies.jsonl (5 vectors)");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("batch-000.bin", "batch-001.bin", "host-replies.jsonl");
        }
        ByteBuffer b0 = ByteBuffer.wrap(Files.readAllBytes(out.resolve("batch-000.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b0.capacity()).isEqualTo(BatchWriter.HEADER_SIZE + BatchWriter.RECORDS_PER_IMAGE * BatchWriter.RECORD_SIZE);
        assertThat(b0.getInt(0)).isEqualTo(BatchWriter.MAGIC);
        assertThat(b0.getInt(8)).isEqualTo(BatchWriter.RECORDS_PER_IMAGE);
        ByteBuffer b1 = ByteBuffer.wrap(Files.readAllBytes(out.resolve("batch-001.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b1.getInt(8)).isEqualTo(300 - BatchWriter.RECORDS_PER_IMAGE);
        List<String> host = Files.readAllLines(out.resolve("host-replies.jsonl"));
        assertThat(host).hasSize(5);
        JsonNode first = new ObjectMapper().readTree(host.get(0));
        assertThat(first.path("id").asText()).startsWith("vmx-instruction/");
        assertThat(first.has("unsupported")).isTrue();

        // A second run into the same directory would mix old and new batches: refused in one line.
        CliRun again = run("batches", "--vectors", vectors.resolve("msr-access.jsonl").toString(), "--out", out.toString());
        assertThat(again.status()).isEqualTo(Main.USAGE);
        assertThat(again.err().strip()).startsWith("hvmspec batches: ").contains("already holds batch files").doesNotContain("\n");
    }

    @Test
    void batchesOfUnreadableVectorsExitTwo() {
        CliRun r = run("batches", "--vectors", dir.resolve("missing.jsonl").toString(), "--out", dir.resolve("o").toString());
        assertThat(r.status()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("hvmspec batches: the vectors cannot be read");
    }

    @Test
    void probeRejectsBadTargetsInOneLine() {
        for (String target : List.of("qemu", "bochs:nosuchmodel")) {
            CliRun r = run("probe", "--target", target);
            assertThat(r.status()).as(target).isEqualTo(Main.USAGE);
            assertThat(r.err().strip()).startsWith("hvmspec probe: ").doesNotContain("\n").doesNotContain("Exception");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void probeWritesTheBochsProfile() throws Exception {
        assumeTrue(Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "bochs"))),
                "bochs is not installed; skipping the real probe");
        Path file = dir.resolve("p.json");
        CliRun r = run("probe", "--target", "bochs:penryn", "--out", file.toString());
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode p = new ObjectMapper().readTree(file.toFile());
        assertThat(p.path("format").asText()).isEqualTo("hvmspec-profile/1");
        assertThat(p.path("source").asText()).isEqualTo("Bochs 2.7, cpu model=core2_penryn_t9600");
        assertThat(p.path("msrs").path("IA32_VMX_CR4_FIXED1").asText()).isEqualTo("0x467ff");
        // Penryn's secondary controls offer neither EPT nor VPID (SDM Vol. 3D A.10): the MSR is not read.
        assertThat(p.path("not_read").toString()).contains("IA32_VMX_EPT_VPID_CAP");
    }
}
