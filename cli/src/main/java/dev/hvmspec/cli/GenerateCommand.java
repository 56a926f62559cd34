package dev.hvmspec.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Placeholder: the lead wires `generate` to its module. Until then it says so and exits 2. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Regenerate the test vectors from the spec.")
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    // Accepts any arguments so that the placeholder answers "not yet wired" rather than a usage error.
    @Parameters(arity = "0..*", hidden = true)
    private List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        main.err().println("hvmspec generate: not yet wired");
        return Main.USAGE;
    }
}
