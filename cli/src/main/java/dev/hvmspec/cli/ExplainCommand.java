package dev.hvmspec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.RecordingTrace;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code hvmspec explain ID}: the vector, and the reference model's evaluation of it rule by rule, ending at the
 * outcome. This is what to read when an implementation disagrees with a vector.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show a vector and the reference model's evaluation trace: every rule it evaluated, in order,",
            "held or violated, with its SDM reference, ending at the outcome."})
final class ExplainCommand implements Callable<Integer> {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    private Main main;

    @Mixin
    private VectorOptions vectorOptions = new VectorOptions();

    @Parameters(index = "0", paramLabel = "VECTOR-ID", description = "For example msr-access/MSR_CPL_ZERO/0001.")
    private String id;

    @Override
    public Integer call() throws Exception {
        Optional<List<Vector>> read = vectorOptions.read(main, "explain");
        if (read.isEmpty()) return Main.USAGE;
        Optional<Vector> found = read.get().stream().filter(v -> v.id().equals(id)).findFirst();
        if (found.isEmpty()) {
            main.err().println("hvmspec explain: no vector with ID " + id);
            String prefix = id.contains("/") ? id.substring(0, id.lastIndexOf('/') + 1) : id;
            List<String> near = read.get().stream().map(Vector::id).filter(x -> x.startsWith(prefix)).limit(5).toList();
            if (!near.isEmpty()) main.err().println("  IDs starting with " + prefix + ": " + String.join(", ", near) + ", ...");
            return Main.USAGE;
        }
        Vector v = found.get();
        Optional<DomainModel> model = main.models().stream().filter(m -> m.domain().equals(v.domain())).findFirst();
        if (model.isEmpty()) {
            main.err().println("hvmspec explain: the reference model has no domain " + v.domain());
            return Main.USAGE;
        }
        PrintStream out = main.out();
        out.println(v.id() + "  (" + v.location() + ")");
        out.println("  " + v.comment());
        out.println("  flags: " + (v.flags().isEmpty() ? "none" : String.join(", ", v.flags())));
        out.println();
        out.println("input:");
        out.println(indent(PRETTY.writeValueAsString(v.input())));
        out.println("expect (any of " + v.expect().size() + "):");
        for (ObjectNode e : v.expect()) out.println("  " + e);
        out.println();
        RecordingTrace trace = new RecordingTrace();
        Evaluation evaluation;
        try {
            evaluation = model.get().evaluate(v.input(), trace);
        } catch (InvalidInputException e) {
            main.err().println(v.location() + ": " + v.id() + ": invalid input: " + e.getMessage());
            return Main.USAGE;
        }
        out.println("evaluation by the reference model:");
        int n = 1;
        for (RecordingTrace.Step s : trace.steps()) {
            out.printf("  %3d. %-9s %-36s %s%n", n++, s.held() ? "held" : "violated", s.rule().id(), s.rule().summary());
            out.printf("       %-9s %-36s %s%n", "", "", s.rule().sdm().cite());
        }
        JsonNode outcome = evaluation.primary();
        out.println();
        out.println("outcome: " + outcome);
        if (evaluation.outcomes().size() > 1) {
            out.println("the spec also allows " + (evaluation.outcomes().size() - 1) + " other outcome(s); flags: "
                    + String.join(", ", evaluation.flags()));
        }
        out.println("matches expect: " + (OutcomeMatcher.matchesAny(v.expect(), outcome) ? "yes" : "NO"));
        return Main.OK;
    }

    private static String indent(String text) {
        return "  " + text.replace("\n", "\n  ");
    }
}
