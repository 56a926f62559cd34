package dev.hvmspec.generator.java;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes generated files into an output directory that the generator owns: only files whose content changed are
 * written (so incremental builds stay quick), and files it no longer generates are deleted.
 */
public final class GeneratedFiles {

    /** What a write did. */
    public record Summary(int written, int unchanged, int deleted) {}

    private GeneratedFiles() {}

    public static Summary write(Path outDir, Map<String, String> files) throws IOException {
        int written = 0;
        int unchanged = 0;
        int deleted = 0;
        Files.createDirectories(outDir);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path path = outDir.resolve(f.getKey());
            byte[] content = f.getValue().getBytes(StandardCharsets.UTF_8);
            if (Files.isRegularFile(path) && java.util.Arrays.equals(Files.readAllBytes(path), content)) {
                unchanged++;
                continue;
            }
            Files.createDirectories(path.getParent());
            Files.write(path, content);
            written++;
        }
        List<Path> existing;
        try (Stream<Path> s = Files.walk(outDir)) {
            existing = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : existing) {
            if (p.equals(outDir)) continue;
            String relative = outDir.relativize(p).toString().replace('\\', '/');
            try {
                if (Files.isDirectory(p)) {
                    try (Stream<Path> children = Files.list(p)) {
                        if (children.findAny().isEmpty()) Files.delete(p);
                    }
                } else if (!files.containsKey(relative)) {
                    Files.delete(p);
                    deleted++;
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        return new Summary(written, unchanged, deleted);
    }
}
