package dev.hvmspec.conformance.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** What an implementation answered for one vector. */
public sealed interface Reply {

    /** An outcome in the domain's outcome schema; the checker matches it against the vector's {@code expect}. */
    record Outcome(ObjectNode outcome) implements Reply {
        public Outcome {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /** The implementation does not model this case, or this domain; the vector counts as skipped. */
    record Unsupported(String reason) implements Reply {
        public Unsupported {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The case could not be run (bad input, crash, protocol fault, timeout); the vector counts as an error. */
    record Error(String reason) implements Reply {
        public Error {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
