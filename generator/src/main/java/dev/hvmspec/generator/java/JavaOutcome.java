package dev.hvmspec.generator.java;

import java.util.List;

/** The domain's outcome type: a sealed interface with one nested record per outcome constructor. */
public record JavaOutcome(String className, List<String> imports, List<String> javadoc, List<JavaRecord> cases) {}
