package dev.hvmspec.model.runtime;

import java.util.ArrayList;
import java.util.List;

/** A trace that keeps every rule evaluation, for {@code explain} and {@code coverage}. */
public final class RecordingTrace implements Trace {

    /** One evaluated rule. */
    public record Step(RuleInfo rule, boolean held) {}

    private final List<Step> steps = new ArrayList<>();

    @Override
    public void rule(RuleInfo rule, boolean held) {
        steps.add(new Step(rule, held));
    }

    public List<Step> steps() {
        return List.copyOf(steps);
    }
}
