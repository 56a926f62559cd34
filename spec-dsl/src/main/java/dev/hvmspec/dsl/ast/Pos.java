package dev.hvmspec.dsl.ast;

/** A position in a spec file: 1-based line and column, as diagnostics print them. */
public record Pos(String file, int line, int col) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + col;
    }
}
