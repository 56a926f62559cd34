package dev.hvmspec.generator.java;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds a domain's JSON codec: strict readers (every value checked against its spec type, unknown and missing keys
 * rejected, errors located by JSON pointer) and the canonical outcome writer.
 */
final class CodecBuilder {
    private final DomainNames names;
    private final NameScope fieldNames = new NameScope(DomainNames.USED_TYPES);
    private final NameScope methodNames = new NameScope(Set.of("readInput", "readOutcome", "writeOutcome"));
    private final List<JavaField> fields = new ArrayList<>();
    private final List<JavaFunction> methods = new ArrayList<>();

    CodecBuilder(DomainNames names) {
        this.names = names;
    }

    JavaCodec codec() {
        for (Decl d : names.declarationsInOrder()) {
            if (d instanceof Decl.Record r) {
                methodNames.allocate("read:" + r.name(), "read" + JavaNames.pascal(r.name()));
                methodNames.allocate("write:" + r.name(), "write" + JavaNames.pascal(r.name()));
            }
        }
        for (Decl.Outcome o : names.domain.outcomes()) {
            methodNames.allocate("outcome:" + o.name(), "read" + names.outcomeCase(o.name()));
        }
        methods.add(inputReader());
        methods.add(outcomeReader());
        for (Decl.Outcome o : names.domain.outcomes()) methods.add(caseReader(o));
        methods.add(outcomeWriter());
        for (Decl d : names.declarationsInOrder()) {
            if (d instanceof Decl.Record r) {
                methods.add(recordReader(r));
                methods.add(recordWriter(r));
            }
        }
        List<String> doc = JavaBackend.javadoc(0, "The JSON codec of domain {@code " + names.domain.name() + "} (vector format version 1):"
                + " strict readers of inputs and outcomes and the canonical outcome writer.");
        return new JavaCodec(names.codecClass, JavaBackend.imports(fields, methods), doc, fields, methods);
    }

    private String keysField(String specName, String candidate, List<String> keys) {
        String name = fieldNames.allocate(specName, candidate);
        List<String> quoted = keys.stream().map(JavaNames::string).toList();
        fields.add(new JavaField(List.of(), "private static final String[] " + name + " = {" + String.join(", ", quoted) + "};"));
        return name;
    }

    private static String constantCase(String name) {
        return JavaNames.camel(name).replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }

    // ----- readers -----

    private JavaFunction inputReader() {
        List<String> body = new ArrayList<>();
        String keys = keysField("\0input", "INPUT_KEYS", names.domain.input().members().stream().map(Decl.Member::name).toList());
        body.add("        ObjectNode object = Json.object(json, \"\");");
        body.add("        Json.keys(object, \"\", " + keys + ");");
        body.add("        return new " + names.inputClass + "(" + readMembers(body, "input", names.domain.input().members(), "\"\"") + ");");
        return new JavaFunction(JavaBackend.javadoc(1, "Reads a vector's {@code input} object strictly.",
                "@throws InvalidInputException naming the offending value by JSON pointer"),
                "public static " + names.inputClass + " readInput(JsonNode json) throws InvalidInputException", body);
    }

    private JavaFunction recordReader(Decl.Record r) {
        List<String> body = new ArrayList<>();
        String keys = keysField("\0record:" + r.name(), constantCase(r.name()) + "_KEYS", r.members().stream().map(Decl.Member::name).toList());
        body.add("        ObjectNode object = Json.object(json, path);");
        body.add("        Json.keys(object, path, " + keys + ");");
        body.add("        return new " + names.typeClass(r.name()) + "(" + readMembers(body, "record:" + r.name(), r.members(), "path") + ");");
        return new JavaFunction(JavaBackend.javadoc(1, "Reads a {@code " + r.name() + "} object strictly; {@code path} is its JSON pointer."),
                "static " + names.typeClass(r.name()) + " " + methodNames.get("read:" + r.name())
                        + "(JsonNode json, String path) throws InvalidInputException", body);
    }

    /** Adds the lines reading each member to {@code body}; returns the constructor arguments. */
    private String readMembers(List<String> body, String owner, List<Decl.Member> members, String path) {
        NameScope locals = new NameScope(Set.of("json", "object", "path", "kind"));
        List<String> args = new ArrayList<>();
        for (Decl.Member m : members) {
            Type t = names.resolve(m.type());
            String local = locals.allocate(m.name(), names.component(owner, m.name()));
            String read = read(t, m.name(), path);
            if (!m.optional()) {
                body.add("        " + names.javaType(t) + " " + local + " = " + read + ";");
                args.add(local);
            } else {
                String present = locals.allocate(m.name() + "\0present", names.presence(owner, m.name()));
                body.add("        boolean " + present + " = object.has(" + JavaNames.string(m.name()) + ");");
                body.add("        " + names.javaType(t) + " " + local + " = " + present + " ? " + read + " : " + defaultValue(t) + ";");
                args.add(local);
                args.add(present);
            }
        }
        return String.join(", ", args);
    }

    /** An expression reading member {@code key} of type {@code t} from {@code object}, whose pointer is {@code path}. */
    private String read(Type t, String key, String path) {
        String k = JavaNames.string(key);
        if (t instanceof Type.Bool) return "Json.bool(object, " + k + ", " + path + ")";
        if (t instanceof Type.Int i) {
            String min = i.min() == Long.MIN_VALUE ? "Long.MIN_VALUE" : i.min() + "L";
            String max = i.max() == Long.MAX_VALUE ? "Long.MAX_VALUE" : i.max() + "L";
            return "Json.integer(object, " + k + ", " + path + ", " + min + ", " + max + ")";
        }
        if (t instanceof Type.Bytes b) return "Json.bytes(object, " + k + ", " + path + ", " + b.size() + ")";
        if (t instanceof Type.PhysicalMemory) return "Json.memory(object, " + k + ", " + path + ")";
        if (t instanceof Type.Enum e) {
            Decl.Enum decl = (Decl.Enum) names.domain.declarations().get(e.name());
            String expected = JavaBackend.alternatives(decl.items().stream().map(Decl.EnumItem::json).toList());
            return "Json.item(object, " + k + ", " + path + ", " + names.typeClass(e.name()) + "::fromJson, " + JavaNames.string(expected) + ")";
        }
        if (t instanceof Type.Record r) {
            return methodNames.get("read:" + r.name()) + "(Json.member(object, " + k + ", " + path + "), Json.pointer(" + path + ", " + k + "))";
        }
        return "Json.bits(object, " + k + ", " + path + ", " + Type.widthOf(t) + ")";
    }

    /** The value of an absent optional input member. */
    private String defaultValue(Type t) {
        if (t instanceof Type.Bool) return "false";
        if (t instanceof Type.Bytes b) return "ByteArray.empty(" + b.size() + ")";
        if (t instanceof Type.PhysicalMemory) return "PhysicalMemory.empty()";
        if (t instanceof Type.Enum e) {
            Decl.Enum decl = (Decl.Enum) names.domain.declarations().get(e.name());
            return names.typeClass(e.name()) + "." + names.enumItem(e.name(), decl.items().get(0).name());
        }
        if (t instanceof Type.Record r) {
            Decl.Record decl = (Decl.Record) names.domain.declarations().get(r.name());
            List<String> args = new ArrayList<>();
            for (Decl.Member m : decl.members()) {
                args.add(defaultValue(names.resolve(m.type())));
                if (m.optional()) args.add("false");
            }
            return "new " + names.typeClass(r.name()) + "(" + String.join(", ", args) + ")";
        }
        return "0";
    }

    private JavaFunction outcomeReader() {
        List<String> body = new ArrayList<>();
        body.add("        ObjectNode object = Json.object(json, \"\");");
        body.add("        String kind = Json.string(object, \"kind\", \"\");");
        body.add("        return switch (kind) {");
        for (Decl.Outcome o : names.domain.outcomes()) {
            body.add("            case " + JavaNames.string(o.kind()) + " -> " + methodNames.get("outcome:" + o.name()) + "(object);");
        }
        String expected = JavaBackend.alternatives(names.domain.outcomes().stream().map(Decl.Outcome::kind).toList());
        body.add("            default -> throw new InvalidInputException(\"/kind\", \"unknown outcome kind \\\"\" + kind + \"\\\"; expected \" + "
                + JavaNames.string(expected) + ");");
        body.add("        };");
        return new JavaFunction(JavaBackend.javadoc(1, "Reads an outcome object strictly: a known kind, its members with their types, no other keys.",
                "@throws InvalidInputException naming the offending value by JSON pointer"),
                "public static " + names.outcomeClass + " readOutcome(JsonNode json) throws InvalidInputException", body);
    }

    private JavaFunction caseReader(Decl.Outcome o) {
        List<String> body = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        keys.add("kind");
        o.members().forEach(m -> keys.add(m.name()));
        String keysField = keysField("\0outcome:" + o.name(), constantCase(o.name()) + "_KEYS", keys);
        body.add("        Json.keys(object, \"\", " + keysField + ");");
        NameScope locals = new NameScope(Set.of("json", "object", "path", "kind"));
        List<String> args = new ArrayList<>();
        String owner = "outcome:" + o.name();
        for (Decl.Member m : o.members()) {
            Type t = names.resolve(m.type());
            String local = locals.allocate(m.name(), names.component(owner, m.name()));
            String read = read(t, m.name(), "\"\"");
            if (!m.optional()) {
                body.add("        " + names.javaType(t) + " " + local + " = " + read + ";");
            } else {
                String type = names.optionalType(t);
                String factory = type.startsWith("OptionalLong") ? "OptionalLong" : "Optional";
                body.add("        " + type + " " + local + " = object.has(" + JavaNames.string(m.name()) + ") ? " + factory + ".of(" + read
                        + ") : " + factory + ".empty();");
            }
            args.add(local);
        }
        body.add("        return new " + names.outcomeCaseType(o.name()) + "(" + String.join(", ", args) + ");");
        return new JavaFunction(List.of(), "private static " + names.outcomeCaseType(o.name()) + " " + methodNames.get("outcome:" + o.name())
                + "(ObjectNode object) throws InvalidInputException", body);
    }

    // ----- writers -----

    private JavaFunction outcomeWriter() {
        List<String> body = new ArrayList<>();
        body.add("        ObjectNode json = Json.newObject();");
        body.add("        json.put(\"kind\", outcome.kind());");
        String opening = "        if (";
        for (Decl.Outcome o : names.domain.outcomes()) {
            if (o.members().isEmpty()) continue;
            String owner = "outcome:" + o.name();
            String var = new NameScope(Set.of("json", "outcome")).allocate(o.name(), JavaNames.camel(o.name()));
            body.add(opening + "outcome instanceof " + names.outcomeCaseType(o.name()) + " " + var + ") {");
            for (Decl.Member m : o.members()) {
                String value = var + "." + names.component(owner, m.name()) + "()";
                Type t = names.resolve(m.type());
                if (m.optional()) {
                    String get = names.optionalType(t).startsWith("OptionalLong") ? ".getAsLong()" : ".get()";
                    body.add("            if (" + value + ".isPresent()) {");
                    body.add("                " + write(t, m.name(), value + get));
                    body.add("            }");
                } else {
                    body.add("            " + write(t, m.name(), value));
                }
            }
            opening = "        } else if (";
        }
        if (!opening.equals("        if (")) body.add("        }");
        body.add("        return json;");
        return new JavaFunction(JavaBackend.javadoc(1, "The canonical JSON of an outcome: its kind, then its members in declaration order"
                + " (absent optional members left out)."), "public static ObjectNode writeOutcome(" + names.outcomeClass + " outcome)", body);
    }

    private JavaFunction recordWriter(Decl.Record r) {
        List<String> body = new ArrayList<>();
        String owner = "record:" + r.name();
        body.add("        ObjectNode json = Json.newObject();");
        for (Decl.Member m : r.members()) {
            String value = "value." + names.component(owner, m.name()) + "()";
            Type t = names.resolve(m.type());
            if (m.optional()) {
                body.add("        if (value." + names.presence(owner, m.name()) + "()) {");
                body.add("            " + write(t, m.name(), value));
                body.add("        }");
            } else {
                body.add("        " + write(t, m.name(), value));
            }
        }
        body.add("        return json;");
        return new JavaFunction(JavaBackend.javadoc(1, "The canonical JSON of a {@code " + r.name() + "}."),
                "static ObjectNode " + methodNames.get("write:" + r.name()) + "(" + names.typeClass(r.name()) + " value)", body);
    }

    /** The statement writing {@code value} of type {@code t} as member {@code key} of {@code json}. */
    private String write(Type t, String key, String value) {
        String k = JavaNames.string(key);
        if (t instanceof Type.Bool) return "json.put(" + k + ", " + value + ");";
        if (t instanceof Type.Int) return "Json.putInt(json, " + k + ", " + value + ");";
        if (t instanceof Type.Enum) return "json.put(" + k + ", " + value + ".json());";
        if (t instanceof Type.Bytes || t instanceof Type.PhysicalMemory) return "json.set(" + k + ", Json.toJson(" + value + "));";
        if (t instanceof Type.Record r) return "json.set(" + k + ", " + methodNames.get("write:" + r.name()) + "(" + value + "));";
        return "json.put(" + k + ", Hex.format(" + value + "));";
    }
}
