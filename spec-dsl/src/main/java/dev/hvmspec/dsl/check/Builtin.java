package dev.hvmspec.dsl.check;

import java.util.Arrays;
import java.util.Optional;

/** The functions every spec can call without declaring them. docs/dsl-reference.md describes each. */
public enum Builtin {
    /** {@code zext(x, N)}: zero-extends a bit vector to N bits. */
    ZEXT("zext", 2),
    /** {@code to_int(x)}: the unsigned value of a bit vector (of at most 63 bits) as an int. */
    TO_INT("to_int", 1),
    /** {@code to_bits(i, N)}: the low N bits of an int. */
    TO_BITS("to_bits", 2),
    /** {@code present(x)}: whether an optional input member was given. */
    PRESENT("present", 1),
    /** {@code changes(m)}: the words of physical memory whose value differs from the input's. */
    CHANGES("changes", 1),
    /** {@code no_changes()}: an empty memory diff. */
    NO_CHANGES("no_changes", 0);

    private final String spelling;
    private final int arity;

    Builtin(String spelling, int arity) {
        this.spelling = spelling;
        this.arity = arity;
    }

    public String spelling() {
        return spelling;
    }

    public int arity() {
        return arity;
    }

    public static Optional<Builtin> find(String name) {
        return Arrays.stream(values()).filter(b -> b.spelling.equals(name)).findFirst();
    }
}
