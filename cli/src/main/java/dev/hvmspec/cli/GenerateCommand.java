package dev.hvmspec.cli;

import dev.hvmspec.generator.GenerateVectors;
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
            "manifest.json. The same spec and seed always give byte-identical files."})
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random cases (default: " + VectorSet.DEFAULT_SEED
            + ", the seed of the committed vectors).")
    private long seed = VectorSet.DEFAULT_SEED;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: the project's vectors/).")
    private Optional<Path> out = Optional.empty();

    @Option(names = "--spec", paramLabel = "DIR", description = "Spec directory (default: the project's spec/).")
    private Optional<Path> spec = Optional.empty();

    @Option(names = "--stats", description = "Print the time spent checking the spec and generating.")
    private boolean stats;

    @Override
    public Integer call() {
        Optional<Path> specDir = spec.or(ProjectPaths::spec);
        Optional<Path> outDir = out.or(ProjectPaths::vectors);
        if (specDir.isEmpty() || outDir.isEmpty()) {
            main.err().println("hvmspec generate: " + ProjectPaths.notFoundHint() + "; use --spec and --out");
            return Main.USAGE;
        }
        return GenerateVectors.run(specDir.get(), outDir.get(), seed, stats, main.out(), main.err());
    }
}
