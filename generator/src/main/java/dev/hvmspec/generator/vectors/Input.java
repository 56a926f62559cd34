package dev.hvmspec.generator.vectors;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.eval.Value;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An input of a domain as interpreter values, in declaration order, with the presence of optional members.
 * Built only through {@link Builder}, which checks every member against the spec's input declaration.
 */
public record Input(Map<String, Value> values, Map<String, Boolean> presence) {

    public Input {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        presence = Map.copyOf(presence);
    }

    public static Builder builder(CheckedDomain domain) {
        return new Builder(domain);
    }

    /** A builder that starts from this input (for "change one thing" cases). */
    public Builder toBuilder(CheckedDomain domain) {
        Builder b = new Builder(domain);
        b.values.putAll(values);
        b.presence.putAll(presence);
        return b;
    }

    /** Builds inputs member by member; numbers are checked against the member's declared width or range. */
    public static final class Builder {
        private final CheckedDomain domain;
        private final Map<String, Value> values = new HashMap<>();
        private final Map<String, Boolean> presence = new HashMap<>();

        Builder(CheckedDomain domain) {
            this.domain = domain;
        }

        private Decl.Member member(String name) {
            return domain.input().members().stream().filter(m -> m.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(domain.name() + " has no input member " + name));
        }

        private Builder put(String name, Value v) {
            values.put(name, v);
            presence.put(name, true);
            return this;
        }

        public Builder bits(String name, long value) {
            Type t = member(name).type();
            int w = widthOf(t);
            if (w == 0) throw new IllegalArgumentException(name + " is not a bit vector");
            if (w < 64 && (value >>> w) != 0) {
                throw new IllegalArgumentException(name + ": 0x" + Long.toHexString(value) + " does not fit in " + w + " bits");
            }
            return put(name, new Value.Bits(w, value));
        }

        public Builder integer(String name, long value) {
            Type t = member(name).type();
            if (!(t instanceof Type.Int i)) throw new IllegalArgumentException(name + " is not an int");
            if (value < i.min() || value > i.max()) throw new IllegalArgumentException(name + ": " + value + " outside " + t);
            return put(name, new Value.Int(value));
        }

        public Builder bool(String name, boolean value) {
            if (!(member(name).type() instanceof Type.Bool)) throw new IllegalArgumentException(name + " is not a bool");
            return put(name, Value.Bool.of(value));
        }

        /** An enum member by its spelling in vectors (for example {@code "rdmsr"}). */
        public Builder enumeration(String name, String spelling) {
            Type t = member(name).type();
            if (!(t instanceof Type.Named n) || !(domain.declarations().get(n.name()) instanceof Decl.Enum e)) {
                throw new IllegalArgumentException(name + " is not an enum");
            }
            Decl.EnumItem item = e.items().stream().filter(i -> i.json().equals(spelling)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(name + ": no item spelled " + spelling));
            return put(name, new Value.Enum(e.name(), item.name()));
        }

        public Builder bytes(String name, Map<Integer, Integer> bytes) {
            if (!(member(name).type() instanceof Type.Bytes b)) throw new IllegalArgumentException(name + " is not bytes");
            Map<Integer, Integer> nonZero = new HashMap<>();
            bytes.forEach((k, v) -> {
                if (k < 0 || k >= b.size() || v < 0 || v > 0xff) throw new IllegalArgumentException(name + ": bad byte " + k + "=" + v);
                if (v != 0) nonZero.put(k, v);
            });
            return put(name, new Value.Bytes(b.size(), nonZero));
        }

        public Builder memory(String name, Map<Long, Long> words) {
            if (!(member(name).type() instanceof Type.PhysicalMemory)) throw new IllegalArgumentException(name + " is not memory");
            words.keySet().forEach(a -> {
                if ((a & 7) != 0) throw new IllegalArgumentException(name + ": unaligned address 0x" + Long.toHexString(a));
            });
            return put(name, new Value.Memory(words));
        }

        /** A record member, given as its members' values (Boolean, Long for ints and bit vectors). */
        public Builder record(String name, Map<String, Object> fields) {
            Type t = member(name).type();
            if (!(t instanceof Type.Named n) || !(domain.declarations().get(n.name()) instanceof Decl.Record r)) {
                throw new IllegalArgumentException(name + " is not a record");
            }
            LinkedHashMap<String, Value> vs = new LinkedHashMap<>();
            for (Decl.Member m : r.members()) {
                Object o = fields.get(m.name());
                if (o == null) throw new IllegalArgumentException(name + "." + m.name() + " missing");
                if (o instanceof Boolean bo) vs.put(m.name(), Value.Bool.of(bo));
                else if (widthOf(m.type()) > 0) vs.put(m.name(), new Value.Bits(widthOf(m.type()), (Long) o));
                else vs.put(m.name(), new Value.Int((Long) o));
            }
            return put(name, new Value.Record(r.name(), vs, true));
        }

        /** Leaves an optional member out of the input. */
        public Builder absent(String name) {
            if (!member(name).optional()) throw new IllegalArgumentException(name + " is not optional");
            values.remove(name);
            presence.put(name, false);
            return this;
        }

        public Input build() {
            LinkedHashMap<String, Value> ordered = new LinkedHashMap<>();
            Map<String, Boolean> present = new HashMap<>();
            for (Decl.Member m : domain.input().members()) {
                Value v = values.get(m.name());
                if (v == null) {
                    if (!m.optional()) throw new IllegalArgumentException(domain.name() + ": input member " + m.name() + " not set");
                    present.put(m.name(), false);
                    ordered.put(m.name(), defaultValue(m.type()));
                } else {
                    present.put(m.name(), true);
                    ordered.put(m.name(), v);
                }
            }
            return new Input(ordered, present);
        }

        private int widthOf(Type t) {
            if (t instanceof Type.Named n && domain.declarations().get(n.name()) instanceof Decl.Layout l) return l.width();
            return Type.widthOf(t);
        }

        /** The value an absent optional member has in the model: zero, false, the first enum item, or empty. */
        private Value defaultValue(Type t) {
            int w = widthOf(t);
            if (w > 0) return new Value.Bits(w, 0);
            if (t instanceof Type.Bool) return Value.Bool.FALSE;
            if (t instanceof Type.Int) return new Value.Int(0);
            if (t instanceof Type.Bytes b) return new Value.Bytes(b.size(), Map.of());
            if (t instanceof Type.PhysicalMemory) return new Value.Memory(Map.of());
            if (t instanceof Type.Named n) {
                Object d = domain.declarations().get(n.name());
                if (d instanceof Decl.Enum e) return new Value.Enum(e.name(), e.items().get(0).name());
                if (d instanceof Decl.Record r) {
                    LinkedHashMap<String, Value> vs = new LinkedHashMap<>();
                    for (Decl.Member m : r.members()) vs.put(m.name(), defaultValue(m.type()));
                    return new Value.Record(r.name(), vs, false);
                }
            }
            throw new IllegalArgumentException("no default for " + t);
        }
    }
}
