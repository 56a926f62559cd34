package dev.hvmspec.cli;

import dev.hvmspec.dsl.Lint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code hvmspec lint}: parses and checks spec files; diagnostics as {@code file:line:col: message}, exit 2 on any. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = {"Parse and check spec files (default: the project's spec/ directory).",
            "Problems are printed as file:line:col: message with the source line; exit status 2 if there are any."})
final class LintCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Spec files or directories of *.hvm files.")
    private List<Path> paths = new ArrayList<>();

    @Override
    public Integer call() {
        List<Path> targets = paths;
        if (targets.isEmpty()) {
            Optional<Path> spec = ProjectPaths.spec();
            if (spec.isEmpty()) {
                main.err().println("hvmspec lint: " + ProjectPaths.notFoundHint() + "; give the spec files as arguments");
                return Main.USAGE;
            }
            targets = List.of(spec.get());
        }
        return Lint.run(targets, main.out(), main.err());
    }
}
