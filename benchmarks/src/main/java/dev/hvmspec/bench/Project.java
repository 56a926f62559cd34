package dev.hvmspec.bench;

import dev.hvmspec.cli.ProjectPaths;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.conformance.vectors.VectorFormatException;
import dev.hvmspec.conformance.vectors.VectorReader;
import java.nio.file.Path;
import java.util.List;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Where the benchmarks find the project: {@code -Dhvmspec.home=DIR} or, as for the command line, the current directory
 * and its parents (run the benchmarks from the project root). JMH's forks inherit the working directory.
 */
public final class Project {

    private Project() {}

    static Path root() {
        return ProjectPaths.root().orElseThrow(() -> new IllegalStateException(ProjectPaths.notFoundHint()));
    }

    static List<Vector> vectors() {
        try {
            return new VectorReader().read(root().resolve("vectors"));
        } catch (VectorFormatException e) {
            throw new IllegalStateException("the vectors cannot be read: " + e.diagnostics(), e);
        }
    }

    /**
     * Vectors handled, reported by JMH as a rate next to the per-invocation score: the {@code :vectors} line of a
     * throughput benchmark is vectors per second, whatever the number of committed vectors is today.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long vectors;

        @Setup(Level.Iteration)
        public void reset() {
            vectors = 0;
        }
    }
}
