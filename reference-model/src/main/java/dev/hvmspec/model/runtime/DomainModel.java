package dev.hvmspec.model.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One domain of the reference model, as the harness and the command line see it: JSON in, JSON out.
 * Each implementation is generated from the domain's spec file; the typed model behind it is in the same package.
 */
public interface DomainModel {

    /** The domain name used in vectors, e.g. {@code msr-access}. */
    String domain();

    /**
     * Reads {@code input} strictly (unknown keys, missing keys and out-of-range values are errors), evaluates the
     * spec, and reports every outcome the spec allows (the first is the model's own choice) and the flags raised.
     */
    Evaluation evaluate(JsonNode input, Trace trace) throws InvalidInputException;

    /** Checks that {@code outcome} is a well-formed outcome object of this domain (used on adapter replies). */
    void checkOutcome(JsonNode outcome) throws InvalidInputException;

    /** Every rule of the domain, in spec order. */
    List<RuleInfo> rules();
}
