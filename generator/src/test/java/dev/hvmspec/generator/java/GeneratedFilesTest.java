package dev.hvmspec.generator.java;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedFilesTest {

    @Test
    void writesOnlyChangedFilesAndDeletesStaleOnes(@TempDir Path dir) throws Exception {
        GeneratedFiles.Summary first = GeneratedFiles.write(dir, Map.of("a/A.java", "a", "b/B.java", "b"));
        assertThat(first).isEqualTo(new GeneratedFiles.Summary(2, 0, 0));
        GeneratedFiles.Summary second = GeneratedFiles.write(dir, Map.of("a/A.java", "a2"));
        assertThat(second).isEqualTo(new GeneratedFiles.Summary(1, 0, 1));
        assertThat(Files.exists(dir.resolve("b"))).isFalse();
        assertThat(GeneratedFiles.write(dir, Map.of("a/A.java", "a2"))).isEqualTo(new GeneratedFiles.Summary(0, 1, 0));
    }
}
