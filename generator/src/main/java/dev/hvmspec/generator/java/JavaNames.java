package dev.hvmspec.generator.java;

import java.util.Locale;
import java.util.Set;

/** Spelling of Java names and literals for generated code. Names are proposed here and allocated by {@link NameScope}. */
final class JavaNames {
    private JavaNames() {}

    static final Set<String> KEYWORDS = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
            "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if",
            "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
            "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
            "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false", "null", "var",
            "yield", "record", "sealed", "permits", "_");

    /** {@code msr-access} to {@code msraccess}. */
    static String packageSegment(String domain) {
        String s = domain.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) ? "d" + s : s;
    }

    /** {@code msr-access} or {@code vm_exit} to {@code MsrAccess}, {@code VmExit}. */
    static String pascal(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : words(name)) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        String s = out.toString();
        return s.isEmpty() || !Character.isJavaIdentifierStart(s.charAt(0)) ? "X" + s : s;
    }

    /** {@code use_msr_bitmaps} to {@code useMsrBitmaps}; {@code MSR_X} to {@code msrX}. */
    static String camel(String name) {
        String p = pascal(name);
        return Character.toLowerCase(p.charAt(0)) + p.substring(1);
    }

    private static String[] words(String name) {
        boolean allUpper = name.equals(name.toUpperCase(Locale.ROOT));
        String[] parts = name.split("[^A-Za-z0-9]+");
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String p : parts) {
            if (p.isEmpty()) continue;
            out.add(allUpper ? p.toLowerCase(Locale.ROOT) : p);
        }
        return out.toArray(new String[0]);
    }

    /** A Java string literal. */
    static String string(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }

    /** Text safe inside a line or Javadoc comment: one line, no comment end, no unicode escapes. */
    static String comment(String s) {
        return s.replace("\\", "\\\\").replace("*/", "*&#47;").replace('\n', ' ').replace('\r', ' ');
    }
}
