package dev.hvmspec.model.runtime;

/** Hex strings of the vector format: {@code "0x"} and lower-case digits without leading zeros when written. */
public final class Hex {
    private Hex() {}

    /** The canonical form: {@code 0x0}, {@code 0x1fff}, {@code 0xffffffffffffffff}. */
    public static String format(long value) {
        return "0x" + Long.toHexString(value);
    }

    /**
     * Reads {@code "0x"} (or {@code "0X"}: readers accept upper case) followed by at least one hex digit (either case,
     * leading zeros allowed) whose value fits in {@code width} bits.
     *
     * @throws NumberFormatException with a message fit for a user when the text is not such a string
     */
    public static long parse(String text, int width) {
        int n = text.length();
        if (n < 3 || text.charAt(0) != '0' || (text.charAt(1) != 'x' && text.charAt(1) != 'X')) {
            throw new NumberFormatException("expected a hex string \"0x...\", found \"" + text + "\"");
        }
        long value = 0;
        int significant = 0;
        for (int i = 2; i < n; i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0 || text.charAt(i) > 'f') {
                throw new NumberFormatException("expected a hex string \"0x...\", found \"" + text + "\"");
            }
            if (significant == 0 && digit == 0) continue;
            significant++;
            if (significant > 16) {
                throw new NumberFormatException(text + " does not fit in " + width + " bits");
            }
            value = value << 4 | digit;
        }
        if (width < 64 && (value >>> width) != 0) {
            throw new NumberFormatException(text + " does not fit in " + width + " bits");
        }
        return value;
    }
}
