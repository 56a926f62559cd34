package dev.hvmspec.cli;

import dev.hvmspec.conformance.bochs.BochsImplementation;
import dev.hvmspec.conformance.check.CheckResult;
import dev.hvmspec.conformance.check.Checker;
import dev.hvmspec.conformance.check.JUnitXmlWriter;
import dev.hvmspec.conformance.check.ReportWriter;
import dev.hvmspec.conformance.impl.AdapterImplementation;
import dev.hvmspec.conformance.impl.AdapterSettings;
import dev.hvmspec.conformance.impl.Implementation;
import dev.hvmspec.conformance.impl.OutcomeValidator;
import dev.hvmspec.conformance.impl.ResultsFileImplementation;
import dev.hvmspec.conformance.vectors.Diagnostic;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.conformance.vectors.VectorFormatException;
import dev.hvmspec.conformance.vectors.VectorReader;
import dev.hvmspec.model.runtime.DomainModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hvmspec check}: runs the vectors against the bundled model or, through an adapter, another implementation. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Check an implementation against the test vectors: the bundled reference model, or with --adapter any",
            "program speaking the adapter protocol (hvmspec-adapter/1), or with --target bochs[:MODEL] Bochs's VMX",
            "emulation through the test kernel in runner/ (msr-access, cr-access, vmx-instruction, ept-walk,",
            "descriptor-table).",
            "The last line of output is 'P passed, F failed, S skipped' (F counts failures and errors).",
            "Exit status: 0 when F is 0, 1 otherwise, 2 for bad usage or unreadable vectors."
        })
final class CheckCommand implements Callable<Integer> {

    /** Diagnostics beyond this many are counted, not printed: the first ones are what a user fixes first. */
    static final int MAX_DIAGNOSTICS_PRINTED = 50;

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Option(names = "--vectors", arity = "1..*", paramLabel = "PATH",
            description = "Vector directories (with manifest.json), manifest files or <domain>.jsonl files."
                    + " Default: the project's vectors/ directory.")
    private List<Path> vectors = new ArrayList<>();

    @Option(names = "--adapter", paramLabel = "COMMAND",
            description = "Check the implementation behind this adapter command (run with sh -c) instead of the bundled model.")
    private Optional<String> adapter = Optional.empty();

    @Option(names = "--target", paramLabel = "bochs[:MODEL]",
            description = "Check Bochs (2.7, on PATH) by booting the runner/ test kernel under it. MODEL: haswell"
                    + " (default, corei7_haswell_4770), skylake_x (corei7_skylake_x), icelake (corei7_icelake_u),"
                    + " tigerlake, penryn (core2_penryn_t9600), sandy_bridge (corei7_sandy_bridge_2600k), lynnfield,"
                    + " arrandale, ivy_bridge, broadwell, cannonlake (profiles/README.md) or a"
                    + " Bochs CPU model name among those. Domains other than msr-access, cr-access, vmx-instruction and ept-walk are skipped.")
    private Optional<String> target = Optional.empty();

    @Option(names = "--results", paramLabel = "FILE",
            description = "Check replies captured elsewhere instead of running anything: a file whose reply lines"
                    + " ({\"id\": ..., \"outcome\"|\"unsupported\"|\"error\": ...}) come from the runner kernel's serial"
                    + " log on real hardware or in a KVM guest, or from an adapter. Other lines are passed over.")
    private Optional<Path> results = Optional.empty();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Per-vector timeout for the adapter (default: ${DEFAULT-VALUE}).")
    private double timeoutSeconds;

    @Option(names = "--adapter-log", paramLabel = "FILE",
            description = "Append the adapter's stderr to FILE instead of printing it prefixed with [adapter].")
    private Optional<Path> adapterLog = Optional.empty();

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the verdicts as JUnit XML.")
    private Optional<Path> junitXml = Optional.empty();

    @Option(names = "--stats", description = "Print vectors checked, wall seconds and vectors per second.")
    private boolean stats;

    @Option(names = "--model", paramLabel = "java|interpreter", defaultValue = "java",
            description = "Without --adapter: check the generated Java model (default) or the spec's interpreter, which"
                    + " reads spec/ directly. Each is the other's cross-check.")
    private String model;

    @Option(names = "--max-failures", paramLabel = "N", defaultValue = "20",
            description = "Print at most N failures and errors in full (default: ${DEFAULT-VALUE}).")
    private int maxFailures;

    @Override
    public Integer call() {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be between 0 and 86400 seconds");
        }
        if (maxFailures < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-failures must not be negative");
        }
        if ((adapter.isPresent() ? 1 : 0) + (target.isPresent() ? 1 : 0) + (results.isPresent() ? 1 : 0) > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--adapter, --target and --results are mutually exclusive");
        }
        Optional<BochsImplementation.Settings> bochs = Optional.empty();
        if (target.isPresent()) {
            String t = target.get();
            String modelName = BochsImplementation.DEFAULT_MODEL;
            if (t.startsWith("bochs:")) {
                modelName = t.substring("bochs:".length());
            } else if (!t.equals("bochs")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--target must be bochs or bochs:MODEL, not " + t);
            }
            Optional<String> cpu = BochsImplementation.cpuModel(modelName);
            if (cpu.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown Bochs model " + modelName
                        + "; known: " + BochsImplementation.MODELS);
            }
            Optional<Path> root = ProjectPaths.root();
            if (root.isEmpty()) {
                main.err().println("hvmspec check: --target bochs needs the project's runner/ directory: " + ProjectPaths.notFoundHint());
                return Main.USAGE;
            }
            bochs = Optional.of(BochsImplementation.Settings.of(root.get().resolve("runner"), cpu.get()));
        }
        List<Path> paths = vectors;
        if (paths.isEmpty()) {
            Optional<Path> dir = ProjectPaths.vectors();
            if (dir.isEmpty()) {
                main.err().println("hvmspec check: " + ProjectPaths.notFoundHint() + "; use --vectors PATH");
                return Main.USAGE;
            }
            paths = List.of(dir.get());
        }
        // The adapter is launched before the vectors are read, so that its start-up overlaps the reading. Its outcome
        // validator is bound once the models are chosen, below; no reply is read before then.
        AtomicReference<OutcomeValidator> validator = new AtomicReference<>(OutcomeValidator.ANY);
        Optional<AdapterImplementation> early = adapter.map(command -> startAdapter(command, validator));
        try {
            List<Vector> loaded;
            try {
                loaded = new VectorReader().read(paths);
            } catch (VectorFormatException e) {
                printDiagnostics(e.diagnostics());
                return Main.USAGE;
            }
            List<DomainModel> models;
            if (model.equals("java")) {
                models = main.models();
            } else if (model.equals("interpreter")) {
                Optional<List<DomainModel>> interpreted = InterpretedModel.load(main);
                if (interpreted.isEmpty()) return Main.USAGE;
                models = interpreted.get();
            } else {
                throw new CommandLine.ParameterException(spec.commandLine(), "--model must be java or interpreter, not " + model);
            }
            validator.set(ModelBridge.validator(models));
            CheckResult result;
            OutcomeValidator outcomeValidator = validator.get();
            Optional<ResultsFileImplementation> captured = Optional.empty();
            if (results.isPresent()) {
                try {
                    captured = Optional.of(ResultsFileImplementation.read(results.get(), outcomeValidator));
                } catch (IOException e) {
                    main.err().println(results.get() + ":1:1: cannot read the results file: " + e.getMessage());
                    return Main.USAGE;
                }
            }
            try (Implementation implementation = early.isPresent() ? early.get()
                    : captured.isPresent() ? captured.get()
                    : bochs.isPresent() ? new BochsImplementation(bochs.get().withValidator(outcomeValidator))
                    : ModelBridge.inProcess(models)) {
                result = new Checker(new Checker.Progress(Optional.of(main.err()), progressInterval())).run(loaded, implementation);
            }
            return report(result);
        } finally {
            // Closing twice is harmless; this covers the early returns, where the adapter was started for nothing.
            early.ifPresent(AdapterImplementation::close);
        }
    }

    private int report(CheckResult result) {
        new ReportWriter(new ReportWriter.Options(maxFailures, stats)).write(result, main.out());
        if (junitXml.isPresent()) {
            try {
                JUnitXmlWriter.write(result, junitXml.get());
            } catch (IOException e) {
                main.err().println("hvmspec check: cannot write " + junitXml.get() + ": " + e.getMessage());
                return Main.USAGE;
            }
        }
        return result.exitStatus();
    }

    private AdapterImplementation startAdapter(String command, AtomicReference<OutcomeValidator> validator) {
        AdapterSettings settings = AdapterSettings.of(command)
                .withTimeout(Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000))))
                .withValidator((domain, outcome) -> validator.get().problem(domain, outcome));
        if (adapterLog.isPresent()) {
            settings = settings.withStderrLog(adapterLog.get());
        }
        AdapterImplementation implementation = new AdapterImplementation(settings);
        implementation.start();
        return implementation;
    }

    private static Duration progressInterval() {
        return System.console() != null ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
    }

    private void printDiagnostics(List<Diagnostic> diagnostics) {
        diagnostics.stream().limit(MAX_DIAGNOSTICS_PRINTED).forEach(d -> main.err().println(d));
        if (diagnostics.size() > MAX_DIAGNOSTICS_PRINTED) {
            main.err().println("... and " + (diagnostics.size() - MAX_DIAGNOSTICS_PRINTED) + " more problems");
        }
        main.err().println("hvmspec check: the vectors cannot be read (" + diagnostics.size() + " problem"
                + (diagnostics.size() == 1 ? "" : "s") + ")");
    }
}
