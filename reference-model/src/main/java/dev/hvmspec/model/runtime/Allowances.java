package dev.hvmspec.model.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcomes that {@code allow} statements added during one evaluation, and their flags; {@code finish} turns
 * them into the {@link Verdict}.
 *
 * @param <O> the domain's outcome type
 */
public final class Allowances<O> {
    private final List<O> outcomes = new ArrayList<>(2);
    private final List<String> flags = new ArrayList<>(2);

    /** {@code allow o flag "f";}. */
    public void allow(O outcome, String flag) {
        outcomes.add(outcome);
        flags.add(flag);
    }

    /** {@code finish o;}. */
    public Verdict<O> finish(O outcome) {
        return Verdict.combine(List.of(outcome), null, outcomes, flags);
    }

    /** {@code finish o1 or o2 ... flag "f";}; {@code flag} may be null. */
    public Verdict<O> finish(List<O> finished, String flag) {
        return Verdict.combine(finished, flag, outcomes, flags);
    }
}
