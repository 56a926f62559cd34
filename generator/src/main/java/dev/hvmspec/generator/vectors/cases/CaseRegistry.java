package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.DomainCases;
import java.util.List;
import java.util.Optional;

/** The case generator of every domain. A new domain adds its spec file and one entry here. */
public final class CaseRegistry {

    private static final List<DomainCases> ALL = List.of(new CrAccessCases(), new EptWalkCases(), new MsrAccessCases());

    private CaseRegistry() {}

    public static List<DomainCases> all() {
        return ALL;
    }

    public static Optional<DomainCases> forDomain(String domain) {
        return ALL.stream().filter(c -> c.domain().equals(domain)).findFirst();
    }
}
