package dev.hvmspec.generator;

import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.dsl.diag.DiagnosticPrinter;
import dev.hvmspec.generator.vectors.GenerationException;
import dev.hvmspec.generator.vectors.PlatformProfile;
import dev.hvmspec.generator.vectors.VectorGenerator;
import dev.hvmspec.generator.vectors.VectorSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Loads the spec and writes the vector directory. Exit status 0, or 2 on a spec or generation error. */
public final class GenerateVectors {

    private GenerateVectors() {}

    public static int run(Path specDir, Path outDir, long seed, boolean stats, PrintStream out, PrintStream err) {
        return run(specDir, outDir, seed, null, stats, out, err);
    }

    /**
     * The same for a platform profile file ({@code profileFile} not null): vectors whose capability inputs are the
     * platform's wherever a case can have them; notes on stderr name the rule sides no vector for the platform reaches
     * (the cases made for other capability values are left out). Exit status
     * 2 on a bad profile (one line, no stack trace).
     */
    public static int run(Path specDir, Path outDir, long seed, Path profileFile, boolean stats, PrintStream out, PrintStream err) {
        return run(specDir, outDir, seed, profileFile, VectorGenerator.EdgeCases.LEAVE_OUT, stats, out, err);
    }

    /** The same, saying what becomes of the cases for other capability values ({@link VectorGenerator.EdgeCases}). */
    public static int run(Path specDir, Path outDir, long seed, Path profileFile, VectorGenerator.EdgeCases edgeCases,
                          boolean stats, PrintStream out, PrintStream err) {
        long start = System.nanoTime();
        try {
            PlatformProfile profile = profileFile == null ? null : PlatformProfile.read(profileFile);
            SpecLoader.Loaded loaded = SpecLoader.load(List.of(specDir));
            long checked = System.nanoTime();
            VectorSet set = VectorSet.generate(loaded.domains(), seed, profile, edgeCases, err::println);
            set.write(outDir);
            long done = System.nanoTime();
            set.counts().forEach((d, n) -> out.println(d + ": " + n + " vectors"));
            int total = set.counts().values().stream().mapToInt(Integer::intValue).sum();
            out.println("wrote " + total + " vectors to " + outDir + " (seed " + seed
                    + (profile == null ? "" : ", profile " + profile.name()) + ")");
            if (stats) {
                out.printf("lint %.2f s, generation %.2f s, total %.2f s%n", (checked - start) / 1e9, (done - checked) / 1e9,
                        (done - start) / 1e9);
            }
            return 0;
        } catch (PlatformProfile.ProfileException e) {
            err.println("hvmspec: " + e.getMessage());
            return 2;
        } catch (SpecLoader.LoadException e) {
            err.print(new DiagnosticPrinter(e.sources()).render(e.diagnostics()));
            return 2;
        } catch (GenerationException e) {
            err.println("hvmspec: generation failed: " + e.getMessage());
            return 2;
        } catch (IOException | dev.hvmspec.dsl.diag.SpecException e) {
            err.println("hvmspec: " + e.getMessage());
            return 2;
        }
    }

    public static void main(String[] args) {
        Path spec = Path.of(args.length > 0 ? args[0] : "spec");
        Path out = Path.of(args.length > 1 ? args[1] : "vectors");
        long seed = args.length > 2 ? Long.parseLong(args[2]) : VectorSet.DEFAULT_SEED;
        System.exit(run(spec, out, seed, true, System.out, System.err));
    }
}
