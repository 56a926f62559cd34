package dev.hvmspec.conformance.check;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a check run produced: one verdict per vector in input order, counts per domain (in order of first
 * appearance), the wall time and the implementation's warnings.
 */
public record CheckResult(
        String implementation,
        List<Verdict> verdicts,
        Map<String, DomainTally> domains,
        Duration wall,
        List<String> warnings) {

    public CheckResult {
        Objects.requireNonNull(implementation, "implementation");
        Objects.requireNonNull(wall, "wall");
        verdicts = List.copyOf(verdicts);
        domains = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(domains));
        warnings = List.copyOf(warnings);
    }

    public DomainTally total() {
        DomainTally t = new DomainTally("all", 0, 0, 0, 0);
        for (DomainTally d : domains.values()) {
            t = t.plus(d);
        }
        return t;
    }

    public int passed() {
        return total().passed();
    }

    /** Fails and errors together, as in the contract's last line. */
    public int failed() {
        return total().failed() + total().errors();
    }

    public int errors() {
        return total().errors();
    }

    public int skipped() {
        return total().skipped();
    }

    /** The process exit status the contract prescribes: 0 when nothing failed or errored, else 1. */
    public int exitStatus() {
        return failed() == 0 ? 0 : 1;
    }
}
