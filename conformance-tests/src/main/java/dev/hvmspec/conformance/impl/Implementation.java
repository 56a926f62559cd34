package dev.hvmspec.conformance.impl;

import dev.hvmspec.conformance.vectors.Vector;
import java.util.List;
import java.util.Set;

/**
 * Something checked against the vectors: the bundled model in process, or an external program behind an adapter.
 * Implementations own resources (a child process), hence {@link AutoCloseable}.
 */
public interface Implementation extends AutoCloseable {

    /** A human-readable name for reports, e.g. {@code "acme-hv 1.2 (adapter)"}. */
    String name();

    /**
     * The domains this implementation answers. Vectors of other domains get an {@link Reply.Unsupported} reply
     * without being run. An adapter learns its domains from its handshake, so this may start it.
     */
    Set<String> domains();

    /**
     * Runs every vector and delivers exactly one reply per vector to {@code sink}, in the order given, before
     * returning. Faults of the implementation become {@link Reply.Error} replies; this method does not throw for them.
     */
    void evaluate(List<Vector> vectors, ReplySink sink);

    /** Things the report should mention that are not a verdict on one vector (restarts, a non-zero exit status). */
    List<String> warnings();

    /** Releases resources; never throws. */
    @Override
    void close();
}
