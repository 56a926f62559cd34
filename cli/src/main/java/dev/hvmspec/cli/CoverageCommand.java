package dev.hvmspec.cli;

import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.RecordingTrace;
import dev.hvmspec.model.runtime.RuleInfo;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code hvmspec coverage}: for every rule of the spec, how many vectors reach it with its condition holding and how
 * many with it violated, found by running each vector through the model with a recording trace.
 */
@Command(name = "coverage", mixinStandardHelpOptions = true,
        description = {"List every rule with the number of vectors in which it held and in which it was violated.",
            "Exit status 0 when every rule is covered both ways, 1 otherwise, 2 when the vectors cannot be read."})
final class CoverageCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Mixin
    private VectorOptions vectorOptions = new VectorOptions();

    @Option(names = "--markdown", description = "Print the SDM traceability table (rule, SDM section, vectors) in Markdown.")
    private boolean markdown;

    /** Vectors in which a rule held, was violated, and how many vectors name it at all. */
    private static final class Count {
        int held;
        int violated;
        int vectors;
    }

    @Override
    public Integer call() {
        Optional<List<Vector>> read = vectorOptions.read(main, "coverage");
        if (read.isEmpty()) return Main.USAGE;
        Map<String, DomainModel> models = new LinkedHashMap<>();
        main.models().stream().sorted((a, b) -> a.domain().compareTo(b.domain())).forEach(m -> models.put(m.domain(), m));
        Map<String, Count> counts = new HashMap<>();
        int unreadable = 0;
        for (Vector v : read.get()) {
            DomainModel model = models.get(v.domain());
            if (model == null) continue;
            RecordingTrace trace = new RecordingTrace();
            try {
                model.evaluate(v.input(), trace);
            } catch (InvalidInputException e) {
                main.err().println(v.location() + ": " + v.id() + ": " + e.getMessage());
                unreadable++;
                continue;
            }
            Set<String> heldHere = new HashSet<>();
            Set<String> violatedHere = new HashSet<>();
            for (RecordingTrace.Step s : trace.steps()) {
                (s.held() ? heldHere : violatedHere).add(s.rule().id());
            }
            heldHere.forEach(r -> counts.computeIfAbsent(v.domain() + "/" + r, k -> new Count()).held++);
            violatedHere.forEach(r -> counts.computeIfAbsent(v.domain() + "/" + r, k -> new Count()).violated++);
            v.rules().forEach(r -> counts.computeIfAbsent(v.domain() + "/" + r, k -> new Count()).vectors++);
        }
        PrintStream out = main.out();
        int rules = 0;
        int heldBoth = 0;
        int heldCovered = 0;
        int violatedCovered = 0;
        if (markdown) {
            out.println("| domain | rule | SDM | summary | vectors | held | violated |");
            out.println("|---|---|---|---|---:|---:|---:|");
        }
        for (DomainModel model : models.values()) {
            if (!markdown) {
                out.println(model.domain() + ":");
                out.printf("  %-36s %8s %8s  %s%n", "rule", "held", "violated", "SDM");
            }
            for (RuleInfo rule : model.rules()) {
                Count c = counts.getOrDefault(model.domain() + "/" + rule.id(), new Count());
                rules++;
                if (c.held > 0) heldCovered++;
                if (c.violated > 0) violatedCovered++;
                if (c.held > 0 && c.violated > 0) heldBoth++;
                if (markdown) {
                    out.printf("| %s | `%s` | %s | %s | %d | %d | %d |%n", model.domain(), rule.id(), rule.sdm().cite(),
                            rule.summary().replace("|", "\\|"), c.vectors, c.held, c.violated);
                } else {
                    String gap = c.held == 0 || c.violated == 0 ? "  <-- not covered both ways" : "";
                    out.printf("  %-36s %8d %8d  %s%s%n", rule.id(), c.held, c.violated, rule.sdm().cite(), gap);
                }
            }
        }
        if (!markdown) {
            out.printf("%d rules: held in %d (%.1f%%), violated in %d (%.1f%%), both ways %d (%.1f%%)%n", rules, heldCovered,
                    percent(heldCovered, rules), violatedCovered, percent(violatedCovered, rules), heldBoth, percent(heldBoth, rules));
        }
        if (unreadable > 0) return Main.USAGE;
        return heldBoth == rules ? Main.OK : Main.FAILURES;
    }

    private static double percent(int part, int whole) {
        return whole == 0 ? 100.0 : 100.0 * part / whole;
    }
}
