package dev.hvmspec.generator.vectors;

import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.eval.Interpreter;
import dev.hvmspec.dsl.eval.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What a {@link DomainCases} works with: the domain's declarations, a seeded random source, where cases go, and the
 * platform profile the vectors are generated for, if any ({@code hvmspec generate --profile}).
 */
public final class CaseContext {
    /** The case flag of a case made for a capability profile other than the platform's (docs/vectors.md). */
    public static final String EDGE_PROFILE = "edge-profile";
    public static final String REALISTIC_PROFILE = "realistic-profile";

    private final CheckedDomain domain;
    private final Random random;
    private final List<Case> cases = new ArrayList<>();
    private final PlatformProfile profile;
    private Interpreter interpreter;

    CaseContext(CheckedDomain domain, long seed) {
        this(domain, seed, null);
    }

    CaseContext(CheckedDomain domain, long seed, PlatformProfile profile) {
        this.domain = domain;
        this.random = new Random(seed ^ domain.name().hashCode());
        this.profile = profile;
    }

    /**
     * The platform the vectors are for. Empty for the committed vectors: then a case generator must behave exactly as
     * it always did (same cases, same random calls in the same order), so that they stay byte-identical.
     */
    public Optional<PlatformProfile> profile() {
        return Optional.ofNullable(profile);
    }

    /**
     * Whether the model's trace for {@code input} has {@code rule} on the {@code held} side (what the engine checks for
     * every case). For choosing between a platform variant of a case and its original; costs one evaluation.
     */
    public boolean hits(String rule, boolean held, Input input) {
        if (interpreter == null) interpreter = new Interpreter(domain);
        Value.Result r = interpreter.evaluate(input.values(), input.presence());
        return r.trace().stream().anyMatch(s -> s.rule().equals(rule) && s.held() == held);
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
