package dev.hvmspec.generator.java;

import java.util.List;

/** A field of a generated class: Javadoc lines and the complete declaration. */
public record JavaField(List<String> javadoc, String declaration) {}
