package dev.hvmspec.generator.vectors;

/** A case that does not do what it was aimed at, or a spec the generator cannot use. */
public final class GenerationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GenerationException(String message) {
        super(message);
    }
}
