package dev.hvmspec.conformance.check;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.util.Objects;
import java.util.Optional;

/**
 * The verdict on one vector: what the implementation did and how it compares to {@code expect}.
 *
 * @param actual the outcome received, when there was one
 * @param detail for a fail, the first difference from the expected outcome (or "matches none of N"); for a skip or
 *               an error, the reason; empty for a pass
 */
public record Verdict(Vector vector, Status status, Optional<ObjectNode> actual, String detail) {

    public enum Status { PASS, FAIL, SKIP, ERROR }

    public Verdict {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(actual, "actual");
        Objects.requireNonNull(detail, "detail");
    }
}
