package dev.hvmspec.generator.vectors.cases;

import dev.hvmspec.generator.vectors.DomainCases;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The case generator of every domain. A new domain adds its spec file and one entry here. */
public final class CaseRegistry {

    // Suppliers, not instances: a case generator may keep state while it runs, so each generation gets its own.
    private static final List<Supplier<DomainCases>> ALL = List.of(CrAccessCases::new, DescriptorTableCases::new, EptWalkCases::new, MsrAccessCases::new, VmxInstructionCases::new);

    private CaseRegistry() {}

    /** A fresh case generator for {@code domain}, if it has one. */
    public static Optional<DomainCases> forDomain(String domain) {
        return ALL.stream().map(Supplier::get).filter(c -> c.domain().equals(domain)).findFirst();
    }
}
