package dev.hvmspec.model.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The result of evaluating one input: every outcome the spec allows (never empty; the first is the model's own
 * behaviour) and the flags that explain why there is more than one.
 */
public record Evaluation(List<ObjectNode> outcomes, List<String> flags) {
    public Evaluation {
        if (outcomes.isEmpty()) {
            throw new IllegalArgumentException("an evaluation has at least one outcome");
        }
        outcomes = List.copyOf(outcomes);
        flags = List.copyOf(flags);
    }

    public ObjectNode primary() {
        return outcomes.get(0);
    }
}
