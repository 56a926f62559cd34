package dev.hvmspec.generator.java;

import java.util.List;

/**
 * A spec layout as a class of named masks and field readers. Every field gets its mask; only the fields the spec
 * reads ({@code value.FIELD}) get a reader, so the generated model holds no code that nothing calls.
 */
public record JavaLayout(String className, List<String> imports, List<String> javadoc, int width, List<Field> fields,
                         List<Field> readers) {

    /** One field: {@code mask} is its bits in place (a Java literal); {@code read} reads it from a value. */
    public record Field(List<String> javadoc, String name, String mask, String read) {}
}
