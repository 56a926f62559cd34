package dev.hvmspec.generator.java;

import java.util.List;

/** Everything generated for one domain, in one package. */
public record JavaDomain(String domain, String packageName, String header, List<JavaEnum> enums,
                         List<JavaLayout> layouts, List<JavaRecord> records, JavaRecord input, JavaOutcome outcome,
                         JavaSpec spec, JavaCodec codec, JavaModel model) {}
