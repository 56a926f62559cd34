package dev.hvmspec.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the project root: the directory holding {@code vectors/}, {@code spec/} and the poms. The launcher script
 * passes it as {@code -Dhvmspec.home}; without that (e.g. {@code java -jar} by hand), the current directory and its
 * parents are searched for one holding {@code vectors/manifest.json}.
 */
public final class ProjectPaths {

    public static final String HOME_PROPERTY = "hvmspec.home";

    private ProjectPaths() {}

    /** The project root, if it can be found. */
    public static Optional<Path> root() {
        return root(Optional.ofNullable(System.getProperty(HOME_PROPERTY)), Path.of("").toAbsolutePath());
    }

    /** The root given {@code home} (the property, authoritative when set and not blank) or else a search from {@code start}. */
    static Optional<Path> root(Optional<String> home, Path start) {
        if (home.isPresent() && !home.get().isBlank()) {
            return Optional.of(Path.of(home.get()).toAbsolutePath().normalize());
        }
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("vectors").resolve("manifest.json"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** The project's {@code vectors/} directory, if the root can be found. */
    public static Optional<Path> vectors() {
        return root().map(r -> r.resolve("vectors"));
    }

    /** The project's {@code spec/} directory, if the root can be found. */
    public static Optional<Path> spec() {
        return root().map(r -> r.resolve("spec"));
    }

    /** Why {@link #root()} is empty, for an error message. */
    public static String notFoundHint() {
        return "cannot find the project root: -D" + HOME_PROPERTY + " is not set and no vectors/manifest.json was found in "
                + Path.of("").toAbsolutePath() + " or above";
    }
}
