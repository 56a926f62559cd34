package dev.hvmspec.model.runtime;

/** An input or outcome that does not fit its domain's schema; {@code path} is a JSON pointer into it. */
public final class InvalidInputException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String path;

    public InvalidInputException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
