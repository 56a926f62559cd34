package dev.hvmspec.generator.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.eval.Value;
import java.util.Map;

/** Interpreter values in the canonical JSON form of the vector format (hex strings, sparse objects). */
public final class Json {
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** {@code 0x} and lower-case hex digits without leading zeros. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    public static JsonNode value(CheckedDomain domain, Value v) {
        if (v instanceof Value.Bits b) return NODES.textNode(hex(b.value()));
        if (v instanceof Value.Int i) return NODES.numberNode(i.value());
        if (v instanceof Value.Bool b) return NODES.booleanNode(b.value());
        if (v instanceof Value.Enum e) {
            Decl.Enum decl = (Decl.Enum) domain.declarations().get(e.type());
            return NODES.textNode(decl.items().stream().filter(i -> i.name().equals(e.item())).findFirst().orElseThrow().json());
        }
        if (v instanceof Value.Bytes b) {
            ObjectNode o = NODES.objectNode();
            b.bytes().forEach((k, x) -> o.put(hex(k), hex(x)));
            return o;
        }
        if (v instanceof Value.Memory m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<Long, Long> w : m.words().entrySet()) o.put(hex(w.getKey()), hex(w.getValue()));
            return o;
        }
        if (v instanceof Value.Record r) {
            ObjectNode o = NODES.objectNode();
            r.fields().forEach((k, x) -> o.set(k, value(domain, x)));
            return o;
        }
        Value.Outcome out = (Value.Outcome) v;
        ObjectNode o = NODES.objectNode();
        o.put("kind", out.kind());
        out.members().forEach((k, x) -> o.set(k, value(domain, x)));
        return o;
    }

    /** An input object: members in declaration order, absent optional members left out. */
    public static ObjectNode input(CheckedDomain domain, Input input) {
        ObjectNode o = NODES.objectNode();
        input.values().forEach((k, v) -> {
            if (input.presence().getOrDefault(k, true)) o.set(k, value(domain, v));
        });
        return o;
    }
}
