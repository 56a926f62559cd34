package dev.hvmspec.generator.java;

import java.util.List;

/**
 * A rule of the spec as a {@code RuleInfo} constant: {@code id} and {@code summary} are Java string literals and
 * {@code sdm} names the {@code SdmRef} constant of the section it cites.
 */
public record RuleConstant(List<String> javadoc, String name, String id, String summary, String sdm) {}
