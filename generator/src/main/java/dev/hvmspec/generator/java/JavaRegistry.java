package dev.hvmspec.generator.java;

import java.util.List;

/** The class {@code dev.hvmspec.model.Models}: every domain's model; {@code modelsList} is the list expression. */
public record JavaRegistry(String packageName, String header, List<String> imports, String modelsList) {}
