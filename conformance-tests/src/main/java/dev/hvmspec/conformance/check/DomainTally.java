package dev.hvmspec.conformance.check;

/** Verdict counts for one domain (or for a whole run). */
public record DomainTally(String domain, int passed, int failed, int errors, int skipped) {

    public int total() {
        return passed + failed + errors + skipped;
    }

    DomainTally plus(Verdict.Status s) {
        return switch (s) {
            case PASS -> new DomainTally(domain, passed + 1, failed, errors, skipped);
            case FAIL -> new DomainTally(domain, passed, failed + 1, errors, skipped);
            case ERROR -> new DomainTally(domain, passed, failed, errors + 1, skipped);
            case SKIP -> new DomainTally(domain, passed, failed, errors, skipped + 1);
        };
    }

    DomainTally plus(DomainTally other) {
        return new DomainTally(domain, passed + other.passed, failed + other.failed, errors + other.errors,
                skipped + other.skipped);
    }
}
