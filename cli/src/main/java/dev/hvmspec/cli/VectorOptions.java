package dev.hvmspec.cli;

import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.conformance.vectors.VectorFormatException;
import dev.hvmspec.conformance.vectors.VectorReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --vectors} option shared by coverage and explain, and the reading that goes with it. */
final class VectorOptions {

    @Option(names = "--vectors", arity = "1..*", paramLabel = "PATH",
            description = "Vector directories, manifest files or <domain>.jsonl files (default: the project's vectors/).")
    List<Path> paths = new ArrayList<>();

    /** The vectors, or empty after printing why they cannot be read. */
    Optional<List<Vector>> read(Main main, String command) {
        List<Path> targets = paths;
        if (targets.isEmpty()) {
            Optional<Path> dir = ProjectPaths.vectors();
            if (dir.isEmpty()) {
                main.err().println("hvmspec " + command + ": " + ProjectPaths.notFoundHint() + "; use --vectors PATH");
                return Optional.empty();
            }
            targets = List.of(dir.get());
        }
        try {
            return Optional.of(new VectorReader().read(targets));
        } catch (VectorFormatException e) {
            e.diagnostics().stream().limit(CheckCommand.MAX_DIAGNOSTICS_PRINTED).forEach(d -> main.err().println(d));
            main.err().println("hvmspec " + command + ": the vectors cannot be read (" + e.diagnostics().size() + " problems)");
            return Optional.empty();
        }
    }
}
