package dev.hvmspec.generator.java;

import java.util.List;

/** A spec layout as a class of named masks and field readers. */
public record JavaLayout(String className, List<String> imports, List<String> javadoc, int width, List<Field> fields) {

    /** One field: {@code mask} is its bits in place (a Java literal); {@code read} reads it from a value. */
    public record Field(List<String> javadoc, String name, String mask, String read) {}
}
