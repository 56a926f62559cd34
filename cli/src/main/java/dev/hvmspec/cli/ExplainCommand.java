package dev.hvmspec.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Placeholder: the lead wires `explain` to its module. Until then it says so and exits 2. */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Show how the model evaluates one vector, rule by rule.")
final class ExplainCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    // Accepts any arguments so that the placeholder answers "not yet wired" rather than a usage error.
    @Parameters(arity = "0..*", hidden = true)
    private List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        main.err().println("hvmspec explain: not yet wired");
        return Main.USAGE;
    }
}
