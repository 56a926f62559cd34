package dev.hvmspec.generator.java;

import java.util.List;

/**
 * The class that is the spec in Java: its SDM references, rules, constants, one static method per spec function,
 * and {@code evaluate}. {@code finished} is the private exception class that {@code finish} inside a function throws
 * (no lines when no function finishes).
 */
public record JavaSpec(String className, List<String> imports, List<String> javadoc, List<JavaField> sdmRefs,
                       List<RuleConstant> rules, String rulesList, List<JavaField> constants,
                       List<JavaFunction> functions, JavaFunction evaluate, List<String> finished) {}
