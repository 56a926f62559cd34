package dev.hvmspec.cli;

import dev.hvmspec.conformance.impl.InProcessImplementation;
import dev.hvmspec.conformance.impl.OutcomeValidator;
import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.Trace;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Connects the reference model to the harness, which depends only on Jackson and so cannot name {@link DomainModel}.
 * Public so that the benchmarks module measures exactly the wiring {@code hvmspec check} uses, not a copy of it.
 */
public final class ModelBridge {

    private ModelBridge() {}

    /** The model in process: {@code evaluate(input, Trace.NONE).primary()}; invalid input is an error reply. */
    public static InProcessImplementation inProcess(List<DomainModel> models) {
        List<InProcessImplementation.Domain> domains = models.stream()
                .map(m -> new InProcessImplementation.Domain(m.domain(), input -> {
                    try {
                        return new Reply.Outcome(m.evaluate(input, Trace.NONE).primary());
                    } catch (InvalidInputException e) {
                        return new Reply.Error("invalid input: " + e.getMessage());
                    }
                }))
                .toList();
        return new InProcessImplementation("hvmspec reference model " + Main.version() + " (in process)", domains);
    }

    /**
     * Checks adapter outcomes with the model's {@code checkOutcome}. Domains the model does not know (vectors newer
     * than this build) cannot be checked and pass through; the matcher still compares them with {@code expect}.
     */
    public static OutcomeValidator validator(List<DomainModel> models) {
        Map<String, DomainModel> byDomain = models.stream()
                .collect(Collectors.toMap(DomainModel::domain, Function.identity(), (a, b) -> a));
        return (domain, outcome) -> {
            DomainModel model = byDomain.get(domain);
            if (model == null) {
                return Optional.empty();
            }
            try {
                model.checkOutcome(outcome);
                return Optional.empty();
            } catch (InvalidInputException e) {
                return Optional.of(e.getMessage());
            }
        };
    }
}
