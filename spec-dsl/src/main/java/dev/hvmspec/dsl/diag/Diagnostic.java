package dev.hvmspec.dsl.diag;

import dev.hvmspec.dsl.ast.Pos;

/** One problem found in a spec file, at a position. */
public record Diagnostic(Pos pos, String message) implements Comparable<Diagnostic> {

    @Override
    public int compareTo(Diagnostic o) {
        int c = pos.file().compareTo(o.pos.file());
        if (c != 0) return c;
        c = Integer.compare(pos.line(), o.pos.line());
        if (c != 0) return c;
        return Integer.compare(pos.col(), o.pos.col());
    }

    /** {@code file:line:col: message}. */
    @Override
    public String toString() {
        return pos + ": " + message;
    }
}
