package dev.hvmspec.conformance.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Checks an outcome received from an untrusted implementation against its domain's outcome schema. The harness does
 * not know the schemas; the command line plugs in the reference model's {@code checkOutcome}.
 */
@FunctionalInterface
public interface OutcomeValidator {

    /** Why {@code outcome} is not a well-formed outcome of {@code domain}, or empty when it is. */
    Optional<String> problem(String domain, JsonNode outcome);

    /** Accepts every object with a string {@code kind} (the harness checks that much itself anyway). */
    OutcomeValidator ANY = (domain, outcome) -> Optional.empty();
}
