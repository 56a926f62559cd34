package dev.hvmspec.conformance.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs vectors on evaluators in this JVM, one call per vector. The harness depends only on Jackson, so it does not
 * know {@code DomainModel}; the caller adapts each model to a {@link Domain} (see the command line's {@code
 * ModelBridge}), turning the model's {@code InvalidInputException} into a {@link Reply.Error}.
 */
public final class InProcessImplementation implements Implementation {

    /** Evaluates one input of a domain: an outcome, or why not. */
    @FunctionalInterface
    public interface Evaluator {
        Reply evaluate(ObjectNode input);
    }

    /** One domain this implementation answers. */
    public record Domain(String name, Evaluator evaluator) {
        public Domain {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(evaluator, "evaluator");
        }
    }

    private final String name;
    private final Map<String, Evaluator> evaluators = new LinkedHashMap<>();

    public InProcessImplementation(String name, List<Domain> domains) {
        this.name = Objects.requireNonNull(name, "name");
        for (Domain d : domains) {
            if (evaluators.putIfAbsent(d.name(), d.evaluator()) != null) {
                throw new IllegalArgumentException("domain " + d.name() + " given twice");
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> domains() {
        return Set.copyOf(evaluators.keySet());
    }

    @Override
    public void evaluate(List<Vector> vectors, ReplySink sink) {
        for (Vector v : vectors) {
            sink.accept(v, evaluate(v));
        }
    }

    private Reply evaluate(Vector v) {
        Evaluator evaluator = evaluators.get(v.domain());
        if (evaluator == null) {
            return new Reply.Unsupported("domain " + v.domain() + " is not implemented by " + name);
        }
        try {
            Reply reply = evaluator.evaluate(v.input());
            return reply == null ? new Reply.Error("the evaluator returned no reply") : reply;
        } catch (RuntimeException e) {
            // A crash on one vector is that vector's error verdict, not the end of the run.
            return new Reply.Error("evaluator crashed: " + e);
        }
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
