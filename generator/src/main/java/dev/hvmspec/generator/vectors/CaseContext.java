package dev.hvmspec.generator.vectors;

import dev.hvmspec.dsl.check.CheckedDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** What a {@link DomainCases} works with: the domain's declarations, a seeded random source, and where cases go. */
public final class CaseContext {
    private final CheckedDomain domain;
    private final Random random;
    private final List<Case> cases = new ArrayList<>();

    CaseContext(CheckedDomain domain, long seed) {
        this.domain = domain;
        this.random = new Random(seed ^ domain.name().hashCode());
    }

    public Random random() {
        return random;
    }

    public CheckedDomain domain() {
        return domain;
    }

    /** A builder for an input of this domain, checked against the spec's input declaration. */
    public Input.Builder input() {
        return Input.builder(domain);
    }

    /** Adds a case aimed at {@code rule}, expected to land on the {@code held} side of it. */
    public void add(String rule, boolean held, String comment, List<String> flags, Input input) {
        cases.add(new Case(rule, held, comment, flags, input));
    }

    public void add(String rule, boolean held, String comment, Input input) {
        add(rule, held, comment, List.of(), input);
    }

    List<Case> cases() {
        return cases;
    }
}
