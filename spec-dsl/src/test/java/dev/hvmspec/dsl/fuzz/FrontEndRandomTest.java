package dev.hvmspec.dsl.fuzz;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded-random companion of {@link FrontEndFuzzTest}: in regression mode Jazzer only replays its seeds, so this
 * test runs the same properties over 20,000 generated inputs on every build (deterministic: fixed seeds).
 */
class FrontEndRandomTest {

    private static final String[] TOKENS = {
        "domain", "library", "use", "sdm", "flag", "const", "enum", "layout", "record", "input", "outcome", "func",
        "evaluate", "bits", "bool", "int", "physical_memory", "bytes", "optional", "let", "var", "if", "else", "for",
        "from", "to", "downto", "return", "finish", "or", "allow", "rule", "check", "cites", "then", "true", "false",
        "zext", "to_int", "to_bits", "present", "changes", "no_changes", "vmx_common", "VECTOR_GP", "x", "y", "R1",
        "S1", "E", "L", "ok", "a", "m", "k", "0", "1", "7", "8", "63", "64", "65", "0x10", "0xFFFFFFFFFFFFFFFF",
        "0x1_0000_0000_0000_0000", "0b1", "0b0000", "99999999999999999999", "\"t\"", "\"f\"", "\"\"", "\"a\\\"b\"",
        "{", "}", "(", ")", "[", "]", ":", ";", ",", "=", "->", "..", ".", "~", "!", "-", "*", "+", "<<", ">>", "++",
        "<", "<=", ">", ">=", "==", "!=", "&", "^", "|", "&&", "||", "//", "/*", "*/", "$", "\n",
    };

    /** Well-formed prefix so that random statements reach the checker more often. */
    private static final String PREFIX = """
            domain "t";
            sdm S1 = "3C" "1.1" "T";
            flag "f": "d";
            enum E { A, B }
            layout L: bits(8) { LO: 3:0; HI: 7:4; }
            input { a: bits(8); b: bits(16); n: int; m: physical_memory; k: bytes(16); o: bits(8) optional; }
            outcome ok "ok" { v: bits(8) optional; }
            func g(x: bits(8)) -> bits(8) { return x; }
            evaluate {
            """;

    static String randomTokens(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(TOKENS[r.nextInt(TOKENS.length)]).append(r.nextInt(4) == 0 ? "" : " ");
        }
        return sb.toString();
    }

    static String randomChars(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(10);
            sb.append(kind < 8 ? (char) (32 + r.nextInt(95)) : kind == 8 ? '\n' : (char) r.nextInt(0x3000));
        }
        return sb.toString();
    }

    @Test
    void arbitraryTextOnlyEverFailsWithSpecException() {
        Random r = new Random(0x5EED_0001L);
        assertThatCode(() -> {
            for (int i = 0; i < 14_000; i++) {
                String text;
                switch (i % 3) {
                    case 0 -> text = randomChars(r, r.nextInt(200));
                    case 1 -> text = randomTokens(r, r.nextInt(80));
                    default -> text = PREFIX + randomTokens(r, r.nextInt(40)) + "\nfinish ok();\n}\n";
                }
                String input = text;
                try {
                    FrontEndFuzzTargets.parseAndCheck(input);
                } catch (RuntimeException | StackOverflowError e) {
                    throw new AssertionError("input #" + i + " threw " + e + ":\n" + input, e);
                }
            }
        }).doesNotThrowAnyException();
    }

    @Test
    void mutatedRealSpecsOnlyEverFailWithSpecException() {
        Random r = new Random(0x5EED_0002L);
        int files = FrontEndFuzzTargets.SPEC_TEXTS.size();
        assertThatCode(() -> {
            for (int i = 0; i < 6_000; i++) {
                int file = r.nextInt(files);
                String text = FrontEndFuzzTargets.SPEC_TEXTS.get(file);
                int edits = 1 + r.nextInt(3);
                for (int e = 0; e < edits; e++) {
                    String insert = r.nextBoolean() ? randomTokens(r, r.nextInt(4)) : randomChars(r, r.nextInt(6));
                    if (r.nextInt(4) == 0) {
                        // Copy a random chunk of the file elsewhere: duplicates declarations, rules and statements.
                        int from = r.nextInt(text.length());
                        insert = text.substring(from, Math.min(text.length(), from + r.nextInt(200)));
                    }
                    text = FrontEndFuzzTargets.splice(text, r.nextInt(text.length() + 1), r.nextInt(12), insert);
                }
                String input = text;
                try {
                    FrontEndFuzzTargets.parseAndCheckWithRealFiles(file, input);
                } catch (RuntimeException | StackOverflowError e) {
                    throw new AssertionError("mutation #" + i + " of " + FrontEndFuzzTargets.SPEC_FILES.get(file)
                            + " threw " + e + ":\n" + input, e);
                }
            }
        }).doesNotThrowAnyException();
    }
}
