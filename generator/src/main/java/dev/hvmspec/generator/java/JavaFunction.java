package dev.hvmspec.generator.java;

import java.util.List;

/**
 * A method of a generated class: Javadoc lines, the signature up to (not including) the opening brace, and the
 * body lines already rendered and indented for their place in the class.
 */
public record JavaFunction(List<String> javadoc, String signature, List<String> body) {}
