package dev.hvmspec.cli;

import dev.hvmspec.model.Models;
import dev.hvmspec.model.runtime.DomainModel;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hvmspec} command. Exit status: 0 success, 1 a check found failures or errors, 2 bad usage or unreadable
 * input, 3 an internal error (a bug in hvmspec: reported in one line; {@code HVMSPEC_DEBUG=1} adds the stack trace).
 */
@Command(
        name = "hvmspec",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "A formal, executable specification of Intel VMX and the conformance suite generated from it.",
        subcommands = {
            CheckCommand.class,
            AdapterCommand.class,
            LintCommand.class,
            GenerateCommand.class,
            CoverageCommand.class,
            ExplainCommand.class,
            ProbeCommand.class,
            BatchesCommand.class,
        })
public final class Main implements Callable<Integer> {

    public static final int OK = 0;
    public static final int FAILURES = 1;
    public static final int USAGE = 2;
    public static final int INTERNAL = 3;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<List<DomainModel>> models;

    /**
     * @param models the reference model's domains; {@link Models#all()} in production, fakes in tests
     */
    Main(InputStream in, PrintStream out, PrintStream err, Supplier<List<DomainModel>> models) {
        this.in = Objects.requireNonNull(in);
        this.out = Objects.requireNonNull(out);
        this.err = Objects.requireNonNull(err);
        this.models = Objects.requireNonNull(models);
    }

    public static void main(String[] args) {
        int status = execute(new Main(System.in, System.out, System.err, Models::all), args);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line and returns its exit status; never throws. */
    static int execute(Main main, String... args) {
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(main.out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(main.err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((ex, badArgs) -> {
            CommandLine failed = ex.getCommandLine();
            main.err.println("hvmspec: " + ex.getMessage());
            main.err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            main.err.println("hvmspec: internal error: " + ex);
            if (System.getenv("HVMSPEC_DEBUG") != null) {
                ex.printStackTrace(main.err);
            } else {
                main.err.println("hvmspec: this is a bug in hvmspec; HVMSPEC_DEBUG=1 shows where");
            }
            return INTERNAL;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        err.println("hvmspec: a command is required");
        new CommandLine(this).usage(err);
        return USAGE;
    }

    InputStream in() {
        return in;
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    List<DomainModel> models() {
        return models.get();
    }

    /** The version from the jar's manifest, or {@code dev} when running from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hvmspec " + version()};
        }
    }
}
