package dev.hvmspec.generator.java;

import java.util.List;

/** The domain's {@code DomainModel}: JSON in, the spec's evaluation, JSON out. */
public record JavaModel(String className, List<String> imports, List<String> javadoc, String domainLiteral,
                        String specClass, String codecClass, String inputClass, String outcomeClass) {}
