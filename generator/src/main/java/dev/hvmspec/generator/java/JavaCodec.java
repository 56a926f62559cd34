package dev.hvmspec.generator.java;

import java.util.List;

/** The domain's JSON codec: strict readers of inputs and outcomes, the canonical outcome writer. */
public record JavaCodec(String className, List<String> imports, List<String> javadoc, List<JavaField> fields,
                        List<JavaFunction> methods) {}
