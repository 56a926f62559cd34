package dev.hvmspec.generator.java;

import java.util.List;

/**
 * A Java record: the domain's input, a spec record, or (nested, already indented) an outcome case.
 * {@code declaration} holds the record header lines through the opening brace; {@code body} its members.
 */
public record JavaRecord(String className, List<String> imports, List<String> javadoc, List<String> declaration,
                         List<String> body) {}
