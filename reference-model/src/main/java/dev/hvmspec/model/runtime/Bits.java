package dev.hvmspec.model.runtime;

/**
 * Bit-vector operations of the spec language on values held in a {@code long}. A {@code bits(N)} value is unsigned
 * and always within N bits; these helpers keep it so where plain Java operators would not.
 */
public final class Bits {
    private Bits() {}

    /** The low {@code width} bits set (all 64 for width 64). */
    public static long mask(int width) {
        return width >= 64 ? -1L : (1L << width) - 1;
    }

    /** {@code x << n} on {@code bits(width)}: 0 when {@code n} is negative or at least the width. */
    public static long shiftLeft(long x, long n, int width) {
        return n < 0 || n >= width ? 0 : (x << n) & mask(width);
    }

    /** {@code x >> n} on {@code bits(width)} (logical): 0 when {@code n} is negative or at least the width. */
    public static long shiftRight(long x, long n, int width) {
        return n < 0 || n >= width ? 0 : x >>> n;
    }

    /** {@code x << n} on {@code int}: 0 when {@code n} is negative or at least 64. */
    public static long shiftLeftInt(long x, long n) {
        return n < 0 || n >= 64 ? 0 : x << n;
    }

    /** {@code x >> n} on {@code int} (arithmetic): the sign when {@code n} is negative or at least 64. */
    public static long shiftRightInt(long x, long n) {
        return n < 0 || n >= 64 ? (x < 0 ? -1 : 0) : x >> n;
    }

    /** {@code x[i]} on {@code bits(width)}: bit i, 0 when i is outside the width. */
    public static long bit(long x, long i, int width) {
        return i < 0 || i >= width ? 0 : (x >>> i) & 1;
    }

    /** {@code x[hi:lo]}: bits hi down to lo, shifted down. */
    public static long slice(long x, int hi, int lo) {
        return (x >>> lo) & mask(hi - lo + 1);
    }
}
