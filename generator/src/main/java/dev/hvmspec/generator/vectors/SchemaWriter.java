package dev.hvmspec.generator.vectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.CheckedDomain;
import java.util.List;

/** The JSON Schema (draft 2020-12) of a domain's vectors, derived from its input and outcome declarations. */
public final class SchemaWriter {
    private static final String HEX = "^0[xX][0-9a-fA-F]+$";

    private SchemaWriter() {}

    public static ObjectNode schema(CheckedDomain domain) {
        ObjectNode s = Json.NODES.objectNode();
        s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        s.put("$id", "https://hvmspec.dev/schema/hvmspec-vectors/1/" + domain.name() + ".schema.json");
        s.put("title", "hvmspec vector, domain " + domain.name());
        s.put("type", "object");
        ArrayNode required = s.putArray("required");
        for (String k : List.of("id", "domain", "rules", "sdm", "comment", "flags", "input", "expect")) required.add(k);
        s.put("additionalProperties", false);
        ObjectNode p = s.putObject("properties");
        p.putObject("id").put("type", "string").put("pattern", "^" + domain.name() + "/[A-Z0-9_]+/[0-9]+$");
        p.putObject("domain").put("const", domain.name());
        stringArray(p.putObject("rules"), 1);
        stringArray(p.putObject("sdm"), 1);
        p.putObject("comment").put("type", "string");
        stringArray(p.putObject("flags"), 0);
        p.set("input", object(domain, domain.input().members()));
        ObjectNode expect = p.putObject("expect");
        expect.put("type", "array");
        expect.put("minItems", 1);
        ArrayNode oneOf = expect.putObject("items").putArray("oneOf");
        for (Decl.Outcome o : domain.outcomes()) {
            ObjectNode os = object(domain, o.members());
            ((ObjectNode) os.get("properties")).putObject("kind").put("const", o.kind());
            ((ArrayNode) os.get("required")).insert(0, "kind");
            os.put("description", "outcome " + o.name());
            oneOf.add(os);
        }
        return s;
    }

    private static void stringArray(ObjectNode o, int minItems) {
        o.put("type", "array");
        if (minItems > 0) o.put("minItems", minItems);
        o.putObject("items").put("type", "string");
    }

    private static ObjectNode object(CheckedDomain domain, List<Decl.Member> members) {
        ObjectNode o = Json.NODES.objectNode();
        o.put("type", "object");
        ArrayNode required = o.putArray("required");
        o.put("additionalProperties", false);
        ObjectNode props = o.putObject("properties");
        for (Decl.Member m : members) {
            if (!m.optional()) required.add(m.name());
            props.set(m.name(), type(domain, m.type()));
        }
        return o;
    }

    private static ObjectNode type(CheckedDomain domain, Type t) {
        ObjectNode o = Json.NODES.objectNode();
        if (t instanceof Type.Named n) {
            Decl d = domain.declarations().get(n.name());
            if (d instanceof Decl.Layout l) return type(domain, new Type.Bits(l.width()));
            if (d instanceof Decl.Enum e) {
                ArrayNode values = o.putArray("enum");
                e.items().forEach(i -> values.add(i.json()));
                return o;
            }
            if (d instanceof Decl.Record r) return object(domain, r.members());
        }
        if (t instanceof Type.Bits b) {
            o.put("type", "string").put("pattern", HEX);
            o.put("description", b.width() + "-bit value");
        } else if (t instanceof Type.Int i) {
            o.put("type", "integer");
            if (i.bounded()) o.put("minimum", i.min()).put("maximum", i.max());
        } else if (t instanceof Type.Bool) {
            o.put("type", "boolean");
        } else if (t instanceof Type.Bytes b) {
            o.put("type", "object");
            o.putObject("propertyNames").put("pattern", HEX);
            o.putObject("additionalProperties").put("type", "string").put("pattern", HEX);
            o.put("description", "sparse " + b.size() + "-byte array: byte offset to byte value");
        } else if (t instanceof Type.PhysicalMemory) {
            o.put("type", "object");
            o.putObject("propertyNames").put("pattern", HEX);
            o.putObject("additionalProperties").put("type", "string").put("pattern", HEX);
            o.put("description", "sparse physical memory: 8-byte-aligned address to 64-bit little-endian value");
        }
        return o;
    }
}
