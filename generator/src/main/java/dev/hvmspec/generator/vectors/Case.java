package dev.hvmspec.generator.vectors;

import java.util.List;

/**
 * One case: an input aimed at a rule. {@code aimHeld} is the side of the rule the case must land on; the engine
 * checks it against the model's trace.
 */
public record Case(String aimRule, boolean aimHeld, String comment, List<String> flags, Input input) {
    public Case {
        flags = List.copyOf(flags);
    }
}
