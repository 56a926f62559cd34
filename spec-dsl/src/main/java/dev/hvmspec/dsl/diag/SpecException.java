package dev.hvmspec.dsl.diag;

import java.util.List;

/** A spec that cannot be used: it carries every diagnostic found, in file order. */
public class SpecException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<Diagnostic> diagnostics;

    public SpecException(List<Diagnostic> diagnostics) {
        super(diagnostics.isEmpty() ? "invalid spec" : diagnostics.get(0).toString());
        this.diagnostics = diagnostics.stream().sorted().toList();
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
