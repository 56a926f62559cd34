package dev.hvmspec.model.runtime;

/** The one step every generated rule takes: report the rule's condition to the trace and go on with it. */
public final class Rules {
    private Rules() {}

    /** Reports {@code rule} with whether it {@code held} and returns {@code held}. */
    public static boolean traced(Trace trace, RuleInfo rule, boolean held) {
        trace.rule(rule, held);
        return held;
    }
}
