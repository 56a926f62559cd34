package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectPathsTest {

    @TempDir
    Path dir;

    @Test
    void thePropertyWins() {
        assertThat(ProjectPaths.root(Optional.of(dir.toString()), Path.of("/"))).contains(dir.toAbsolutePath());
    }

    @Test
    void searchesUpwardsForVectorsManifest() throws Exception {
        Files.createDirectories(dir.resolve("vectors"));
        Files.writeString(dir.resolve("vectors/manifest.json"), "{}");
        Path deep = Files.createDirectories(dir.resolve("a/b/c"));
        assertThat(ProjectPaths.root(Optional.empty(), deep)).contains(dir.toAbsolutePath().normalize());
        assertThat(ProjectPaths.root(Optional.of(" "), deep)).contains(dir.toAbsolutePath().normalize());
    }

    @Test
    void emptyWhenNothingIsFound() throws Exception {
        Path deep = Files.createDirectories(dir.resolve("x/y"));
        // The temp dir's ancestors hold no vectors/manifest.json on any sane machine.
        assertThat(ProjectPaths.root(Optional.empty(), deep)).isEmpty();
    }
}
