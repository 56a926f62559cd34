package dev.hvmspec.generator.java;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Allocates Java names so that generated names never collide with each other, with Java keywords or with reserved
 * names, and remembers which spec name got which Java name. Scopes nest: a child sees (and avoids) its parents'
 * names; names allocated in a child are forgotten when it is dropped.
 */
final class NameScope {
    private final NameScope parent;
    private final Set<String> taken = new HashSet<>();
    private final Map<String, String> bySpecName = new HashMap<>();

    NameScope(Set<String> reserved) {
        this.parent = null;
        taken.addAll(reserved);
    }

    private NameScope(NameScope parent) {
        this.parent = parent;
    }

    NameScope child() {
        return new NameScope(this);
    }

    /** A fresh name close to {@code candidate}, recorded as the Java name of {@code specName}. */
    String allocate(String specName, String candidate) {
        String name = candidate;
        if (JavaNames.KEYWORDS.contains(name) || isTaken(name)) {
            name = candidate + "_";
            for (int i = 2; JavaNames.KEYWORDS.contains(name) || isTaken(name); i++) {
                name = candidate + "_" + i;
            }
        }
        taken.add(name);
        bySpecName.put(specName, name);
        return name;
    }

    /**
     * Records {@code name} as the Java name of {@code specName} as it is, even if an enclosing scope reserved it: for
     * the context parameters ({@code input}, {@code trace}) that the reservation keeps free for exactly this use.
     */
    String claim(String specName, String name) {
        taken.add(name);
        bySpecName.put(specName, name);
        return name;
    }

    /** A fresh name that no spec name maps to. */
    String fresh(String candidate) {
        return allocate("\0" + candidate + taken.size(), candidate);
    }

    /** The Java name of {@code specName} in this scope or an enclosing one. */
    Optional<String> lookup(String specName) {
        for (NameScope s = this; s != null; s = s.parent) {
            String n = s.bySpecName.get(specName);
            if (n != null) return Optional.of(n);
        }
        return Optional.empty();
    }

    String get(String specName) {
        return lookup(specName).orElseThrow(() -> new IllegalStateException("no Java name for " + specName));
    }

    private boolean isTaken(String name) {
        for (NameScope s = this; s != null; s = s.parent) {
            if (s.taken.contains(name)) return true;
        }
        return false;
    }
}
