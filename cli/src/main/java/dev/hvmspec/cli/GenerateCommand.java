package dev.hvmspec.cli;

import dev.hvmspec.generator.GenerateVectors;
import dev.hvmspec.generator.vectors.VectorGenerator;
import dev.hvmspec.generator.vectors.VectorSet;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code hvmspec generate}: regenerates the vector directory from the spec. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate the test vectors from the spec: one <domain>.jsonl per domain, schemas, flags.json and",
            "manifest.json. The same spec, seed (and profile) always give byte-identical files.",
            "With --profile FILE the vectors are made for that platform's capabilities (docs/profiles.md) and go to",
            "runs/vectors-<profile name>/ unless --out says otherwise; they never replace the committed vectors/."})
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random cases (default: " + VectorSet.DEFAULT_SEED
            + ", the seed of the committed vectors).")
    private long seed = VectorSet.DEFAULT_SEED;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: the project's vectors/;"
            + " with --profile runs/vectors-<profile file name without .json>/).")
    private Optional<Path> out = Optional.empty();

    @Option(names = "--profile", paramLabel = "FILE", description = "A capability profile (format hvmspec-profile/1, from"
            + " ./hvmspec probe or profiles/): generate the vectors for that platform. Rule sides no vector for the"
            + " platform reaches are named on stderr and in the manifest (profile.unreachable).")
    private Optional<Path> profile = Optional.empty();

    @Option(names = "--keep-unreachable", description = "With --profile: for a rule side the platform cannot reach, keep"
            + " the vectors made for other capability values (flag edge-profile; the platform answers them unsupported)"
            + " instead of leaving them out.")
    private boolean keepUnreachable;

    @Option(names = "--spec", paramLabel = "DIR", description = "Spec directory (default: the project's spec/).")
    private Optional<Path> spec = Optional.empty();

    @Option(names = "--stats", description = "Print the time spent checking the spec and generating.")
    private boolean stats;

    @Override
    public Integer call() {
        Optional<Path> specDir = spec.or(ProjectPaths::spec);
        Optional<Path> outDir = out.or(() -> profile.isEmpty() ? ProjectPaths.vectors()
                : ProjectPaths.root().map(r -> r.resolve("runs").resolve("vectors-"
                        + profile.get().getFileName().toString().replaceFirst("\\.json$", ""))));
        if (specDir.isEmpty() || outDir.isEmpty()) {
            main.err().println("hvmspec generate: " + ProjectPaths.notFoundHint() + "; use --spec and --out");
            return Main.USAGE;
        }
        if (profile.isPresent() && ProjectPaths.vectors().map(v -> sameDir(v, outDir.get())).orElse(false)) {
            main.err().println("hvmspec generate: --profile does not write into the committed vectors/ (" + outDir.get()
                    + "); choose another --out");
            return Main.USAGE;
        }
        if (keepUnreachable && profile.isEmpty()) {
            main.err().println("hvmspec generate: --keep-unreachable needs --profile (the committed vectors keep every case)");
            return Main.USAGE;
        }
        return GenerateVectors.run(specDir.get(), outDir.get(), seed, profile.orElse(null),
                keepUnreachable ? VectorGenerator.EdgeCases.KEEP : VectorGenerator.EdgeCases.LEAVE_OUT, stats, main.out(),
                main.err());
    }

    private static boolean sameDir(Path a, Path b) {
        try {
            if (java.nio.file.Files.exists(a) && java.nio.file.Files.exists(b)) return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            // fall through to the path comparison
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
