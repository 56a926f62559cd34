package dev.hvmspec.conformance.match;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The contract's matching rule. An actual outcome matches an expected one when {@code kind} is equal and every other
 * key of the expected object is present in the actual one with an equal value; keys only the actual outcome has are
 * ignored. Values are equal when:
 * <ul>
 *   <li>both are hex strings ({@code 0x...}) with the same numeric value (case and leading zeros do not matter);</li>
 *   <li>both are JSON numbers with the same value ({@code 1} equals {@code 1.0});</li>
 *   <li>both are booleans, other strings or nulls and identical;</li>
 *   <li>both are objects holding the same set of key/value pairs, hex keys and values normalized (sparse memory);</li>
 *   <li>both are arrays of pairwise equal elements.</li>
 * </ul>
 * A hex string never equals a number: the schema fixes which one a key holds, and mixing them is a bug to report.
 */
public final class OutcomeMatcher {

    private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]+");

    private OutcomeMatcher() {}

    /** True when {@code actual} matches at least one element of {@code expected}. */
    public static boolean matchesAny(List<? extends JsonNode> expected, JsonNode actual) {
        for (JsonNode e : expected) {
            if (matches(e, actual)) {
                return true;
            }
        }
        return false;
    }

    public static boolean matches(JsonNode expected, JsonNode actual) {
        return mismatch(expected, actual).isEmpty();
    }

    /**
     * Why {@code actual} does not match {@code expected} (the first difference found, for reports), or empty when it
     * matches.
     */
    public static Optional<String> mismatch(JsonNode expected, JsonNode actual) {
        if (!expected.isObject() || !expected.path("kind").isTextual()) {
            return Optional.of("the expected outcome is not an object with a string \"kind\"");
        }
        if (!actual.isObject()) {
            return Optional.of("the actual outcome is not an object");
        }
        String kind = expected.get("kind").textValue();
        JsonNode actualKind = actual.path("kind");
        if (!actualKind.isTextual() || !actualKind.textValue().equals(kind)) {
            return Optional.of("kind: expected " + expected.get("kind") + ", got "
                    + (actualKind.isMissingNode() ? "none" : actualKind));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("kind")) {
                continue;
            }
            JsonNode value = actual.get(field.getKey());
            if (value == null) {
                return Optional.of(field.getKey() + ": expected " + field.getValue() + ", missing");
            }
            if (!valuesEqual(field.getValue(), value)) {
                return Optional.of(field.getKey() + ": expected " + field.getValue() + ", got " + value);
            }
        }
        return Optional.empty();
    }

    /** Equality of two outcome values under the rules above. */
    public static boolean valuesEqual(JsonNode a, JsonNode b) {
        // Fast path: most values are already canonical and textually identical.
        if (a.isTextual() && b.isTextual() && a.textValue().equals(b.textValue())) {
            return true;
        }
        // Fast path: two integers that fit a long (exit reasons, vectors, error codes) are equal exactly when their
        // values are, which is what comparing their canonical forms would find, without going through BigDecimal.
        if (a.isIntegralNumber() && b.isIntegralNumber() && a.canConvertToLong() && b.canConvertToLong()) {
            return a.longValue() == b.longValue();
        }
        return canonical(a).equals(canonical(b));
    }

    /** The numeric value of a hex string, if {@code text} is one. */
    public static Optional<BigInteger> hexValue(String text) {
        return HEX.matcher(text).matches() ? Optional.of(new BigInteger(text.substring(2), 16)) : Optional.empty();
    }

    /**
     * A string that is equal for two values exactly when they are equal under the matching rule; each kind of value
     * gets a distinct prefix so that, e.g., the string {@code "1"} and the number {@code 1} never collide.
     */
    static String canonical(JsonNode node) {
        if (node.isTextual()) {
            return hexValue(node.textValue()).map(v -> "x" + v.toString(16)).orElseGet(() -> "s" + node.textValue());
        }
        if (node.isNumber()) {
            return "n" + node.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "true" : "false";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (JsonNode element : node) {
                appendQuoted(sb, canonical(element)).append(',');
            }
            return sb.append(']').toString();
        }
        if (node.isObject()) {
            // A set of pairs: order is irrelevant and so is the spelling of hex keys.
            TreeSet<String> pairs = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                StringBuilder pair = new StringBuilder();
                String key = hexValue(field.getKey()).map(v -> "x" + v.toString(16)).orElseGet(() -> "s" + field.getKey());
                appendQuoted(pair, key).append(':');
                appendQuoted(pair, canonical(field.getValue()));
                pairs.add(pair.toString());
            }
            StringBuilder sb = new StringBuilder("{");
            pairs.forEach(p -> sb.append(p).append(','));
            return sb.append('}').toString();
        }
        return "?" + node;
    }

    // Quoting keeps nested canonical forms unambiguous whatever characters the strings contain.
    private static StringBuilder appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"');
    }
}
