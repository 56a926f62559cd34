package dev.hvmspec.dsl.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Values of the interpreter. Immutable except {@link Memory}, which records writes. */
public sealed interface Value {

    static long mask(int width) {
        return width >= 64 ? -1L : (1L << width) - 1;
    }

    record Bits(int width, long value) implements Value {
        public Bits {
            value &= mask(width);
        }
    }

    record Int(long value) implements Value {}

    record Bool(boolean value) implements Value {
        public static final Bool TRUE = new Bool(true);
        public static final Bool FALSE = new Bool(false);
        public static Bool of(boolean b) { return b ? TRUE : FALSE; }
    }

    /** An enum item by its spec name. */
    record Enum(String type, String item) implements Value {}

    /** A sparse byte array; absent offsets read as zero. */
    record Bytes(int size, Map<Integer, Integer> bytes) implements Value {
        public Bytes {
            bytes = Collections.unmodifiableMap(new TreeMap<>(bytes));
        }
        public int get(long offset) {
            if (offset < 0 || offset >= size) return 0;
            return bytes.getOrDefault((int) offset, 0);
        }
    }

    /**
     * Physical memory: the input's words and the writes made since. Words are 8-byte aligned; addresses are
     * ordered as unsigned numbers.
     */
    final class Memory implements Value {
        private final Map<Long, Long> initial;
        private final TreeMap<Long, Long> current;

        public Memory(Map<Long, Long> words) {
            TreeMap<Long, Long> m = new TreeMap<>(Long::compareUnsigned);
            words.forEach((a, v) -> m.put(a & ~7L, v));
            this.initial = Collections.unmodifiableMap(new TreeMap<>(m));
            this.current = m;
        }

        public long read(long address) {
            return current.getOrDefault(address & ~7L, 0L);
        }

        public void write(long address, long value) {
            current.put(address & ~7L, value);
        }

        /** Every word held now (for an outcome's memory: the changed words it reports). */
        public Map<Long, Long> words() {
            return Collections.unmodifiableMap(current);
        }

        /** The input's words. */
        public Map<Long, Long> initial() {
            return initial;
        }

        /** Words whose value differs from the input's, in ascending unsigned address order. */
        public Map<Long, Long> changes() {
            TreeMap<Long, Long> out = new TreeMap<>(Long::compareUnsigned);
            current.forEach((a, v) -> {
                if (initial.getOrDefault(a, 0L).longValue() != v.longValue()) out.put(a, v);
            });
            return Collections.unmodifiableMap(out);
        }

        /** A snapshot that cannot change, for outcomes. */
        public static Memory frozen(Map<Long, Long> words) {
            return new Memory(words);
        }

        public Memory copy() {
            return new Memory(current);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Memory m && current.equals(m.current);
        }

        @Override
        public int hashCode() {
            return current.hashCode();
        }

        @Override
        public String toString() {
            return "Memory" + current;
        }
    }

    /** A record value; {@code present} is false for an absent optional input member. */
    record Record(String type, Map<String, Value> fields, boolean present) implements Value {
        public Record {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    /** An outcome: its kind and its members in declaration order (absent optional members left out). */
    record Outcome(String kind, Map<String, Value> members) implements Value {
        public Outcome {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }
    }

    /** What a whole evaluation produced. */
    record Result(List<Outcome> outcomes, List<String> flags, List<Step> trace, String decidingRule) {}

    /** One traced rule. */
    record Step(String rule, boolean held) {}
}
