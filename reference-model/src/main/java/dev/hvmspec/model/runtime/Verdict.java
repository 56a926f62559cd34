package dev.hvmspec.model.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * What a typed evaluation decided: every outcome the spec allows (never empty; the first is the model's own
 * behaviour) and the flags that say why there is more than one. Outcomes are records, so equal outcomes are equal
 * in JSON too; neither list holds duplicates.
 *
 * @param <O> the domain's outcome type
 */
public record Verdict<O>(List<O> outcomes, List<String> flags) {
    public Verdict {
        if (outcomes.isEmpty()) throw new IllegalArgumentException("a verdict has at least one outcome");
        outcomes = List.copyOf(outcomes);
        flags = List.copyOf(flags);
    }

    /** {@code finish o;} with nothing allowed before it. */
    public static <O> Verdict<O> of(O outcome) {
        return new Verdict<>(List.of(outcome), List.of());
    }

    /** {@code finish o1 or o2 ... flag "f";} with nothing allowed before it; {@code flag} may be null. */
    public static <O> Verdict<O> of(List<O> outcomes, String flag) {
        return combine(outcomes, flag, List.of(), List.of());
    }

    /** The model's own outcome. */
    public O primary() {
        return outcomes.get(0);
    }

    /**
     * The finish statement's outcomes, then the allowed ones, without duplicates in their first order; the finish
     * flag (when not null), then the allow flags, without duplicates.
     */
    static <O> Verdict<O> combine(List<O> finished, String flag, List<O> allowed, List<String> allowFlags) {
        List<O> outcomes = new ArrayList<>(finished.size() + allowed.size());
        for (O o : finished) {
            if (!outcomes.contains(o)) outcomes.add(o);
        }
        for (O o : allowed) {
            if (!outcomes.contains(o)) outcomes.add(o);
        }
        List<String> flags = new ArrayList<>(allowFlags.size() + 1);
        if (flag != null) flags.add(flag);
        for (String f : allowFlags) {
            if (!flags.contains(f)) flags.add(f);
        }
        return new Verdict<>(outcomes, flags);
    }
}
