package dev.hvmspec.dsl.ast;

/**
 * The types of the language. {@link Named} appears only in parsed source; the checker resolves it to an enum,
 * layout or record type. {@link Literal} is the type of an integer literal before it meets its context.
 */
public sealed interface Type {

    /** A fixed-width bit vector, 1 to 64 bits; arithmetic wraps at the width, comparisons are unsigned. */
    record Bits(int width) implements Type {
        @Override public String toString() { return "bits(" + width + ")"; }
    }

    record Bool() implements Type {
        @Override public String toString() { return "bool"; }
    }

    /** A small integer (counts, exit reasons, levels), optionally restricted to {@code min..max} in inputs. */
    record Int(long min, long max) implements Type {
        public static final Int ANY = new Int(Long.MIN_VALUE, Long.MAX_VALUE);
        public boolean bounded() { return min != Long.MIN_VALUE || max != Long.MAX_VALUE; }
        @Override public String toString() { return bounded() ? "int(" + min + ".." + max + ")" : "int"; }
    }

    /** Sparse physical memory of 64-bit little-endian words at 8-byte-aligned addresses; writes are tracked. */
    record PhysicalMemory() implements Type {
        @Override public String toString() { return "physical_memory"; }
    }

    /** A sparse byte array of {@code size} bytes (for example the 4-KiB MSR bitmap). */
    record Bytes(int size) implements Type {
        @Override public String toString() { return "bytes(" + size + ")"; }
    }

    record Enum(String name) implements Type {
        @Override public String toString() { return name; }
    }

    /** A bit vector with named fields; interchangeable with {@code bits(width)}. */
    record Layout(String name, int width) implements Type {
        @Override public String toString() { return name; }
    }

    record Record(String name) implements Type {
        @Override public String toString() { return name; }
    }

    /** The type of every outcome constructor of a domain. */
    record Outcome() implements Type {
        @Override public String toString() { return "outcome"; }
    }

    /** The result type of a function that returns nothing. */
    record Void() implements Type {
        @Override public String toString() { return "nothing"; }
    }

    /** An unsized integer literal; it takes the width of the operand it meets. */
    record Literal() implements Type {
        @Override public String toString() { return "integer literal"; }
    }

    /** A name in source not yet resolved by the checker. */
    record Named(String name, Pos pos) implements Type {
        @Override public String toString() { return name; }
    }

    /** Width of a bit-vector type, or 0 when the type is not a bit vector. */
    static int widthOf(Type t) {
        if (t instanceof Bits b) return b.width();
        if (t instanceof Layout l) return l.width();
        return 0;
    }
}
