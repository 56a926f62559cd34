package dev.hvmspec.conformance.vectors;

import java.util.List;

/**
 * Vector files that break the format contract. It carries every problem found, not just the first, so a user can fix
 * them in one go; callers print {@link #diagnostics()} one a line and never the stack trace.
 */
public final class VectorFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<Diagnostic> diagnostics;

    public VectorFormatException(List<Diagnostic> diagnostics) {
        super(summary(diagnostics), null, false, false);
        if (diagnostics.isEmpty()) {
            throw new IllegalArgumentException("a format exception needs at least one diagnostic");
        }
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private static String summary(List<Diagnostic> diagnostics) {
        return diagnostics.isEmpty()
                ? "no diagnostics"
                : diagnostics.get(0) + (diagnostics.size() > 1 ? " (and " + (diagnostics.size() - 1) + " more)" : "");
    }
}
