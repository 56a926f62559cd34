package dev.hvmspec.model.runtime;

/** Receives every rule the model evaluates, in order, with whether its condition held. */
public interface Trace {

    void rule(RuleInfo rule, boolean held);

    /** A trace that records nothing: the fast path for checking. */
    Trace NONE = (rule, held) -> { };
}
