package dev.hvmspec.dsl;

import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.diag.DiagnosticPrinter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Loads and checks spec files, printing diagnostics with quoted source lines. Exit status 0 or 2. */
public final class Lint {

    private Lint() {}

    public static int run(List<Path> paths, PrintStream out, PrintStream err) {
        try {
            SpecLoader.Loaded loaded = SpecLoader.load(paths);
            for (CheckedDomain d : loaded.domains()) {
                out.println(d.name() + ": " + d.rules().size() + " rules, " + d.outcomes().size() + " outcomes (" + d.file() + ")");
            }
            out.println("spec OK: " + loaded.domains().size() + " domains, "
                    + loaded.domains().stream().mapToInt(d -> d.rules().size()).sum() + " rules");
            return 0;
        } catch (SpecLoader.LoadException e) {
            err.print(new DiagnosticPrinter(e.sources()).render(e.diagnostics()));
            err.println(e.diagnostics().size() + (e.diagnostics().size() == 1 ? " error" : " errors"));
            return 2;
        } catch (IOException | dev.hvmspec.dsl.diag.SpecException e) {
            err.println("hvmspec: " + e.getMessage());
            return 2;
        }
    }

    public static void main(String[] args) {
        List<Path> paths = args.length == 0 ? List.of(Path.of("spec")) : java.util.Arrays.stream(args).map(Path::of).toList();
        System.exit(run(paths, System.out, System.err));
    }
}
