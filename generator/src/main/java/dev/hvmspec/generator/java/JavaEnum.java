package dev.hvmspec.generator.java;

import java.util.List;

/** A spec enum as a Java enum; each item carries its spelling in vectors. */
public record JavaEnum(String className, List<String> imports, List<String> javadoc, List<Item> items) {

    /** One constant: {@code terminator} is the comma or semicolon that follows it. */
    public record Item(List<String> javadoc, String name, String json, String terminator) {}
}
