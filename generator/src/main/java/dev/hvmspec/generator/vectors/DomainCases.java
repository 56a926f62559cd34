package dev.hvmspec.generator.vectors;

/**
 * The cases of one domain: inputs chosen to hit every rule on both sides of every boundary. An implementation only
 * chooses inputs and says which rule each aims at; the expected outcomes always come from the model, and the engine
 * fails generation when a case does not hit the rule it was aimed at.
 */
public interface DomainCases {

    /** The domain, as named in its spec file. */
    String domain();

    /** Emits every case. Must be deterministic: use only {@code context.random()} for randomness. */
    void generate(CaseContext context);
}
