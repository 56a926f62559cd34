package dev.hvmspec.conformance.vectors;

import java.nio.file.Path;

/** One problem found in an input file, printed as {@code file:line:col: message} (line and column 1-based). */
public record Diagnostic(Path file, int line, int column, String message) {

    public Diagnostic {
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based");
        }
    }

    /** A problem with the file as a whole (missing, unreadable, wrong count), reported at its first character. */
    public static Diagnostic ofFile(Path file, String message) {
        return new Diagnostic(file, 1, 1, message);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
