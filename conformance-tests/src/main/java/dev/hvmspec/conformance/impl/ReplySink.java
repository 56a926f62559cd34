package dev.hvmspec.conformance.impl;

import dev.hvmspec.conformance.vectors.Vector;

/** Receives exactly one reply per vector, in the order the vectors were given. */
@FunctionalInterface
public interface ReplySink {
    void accept(Vector vector, Reply reply);
}
