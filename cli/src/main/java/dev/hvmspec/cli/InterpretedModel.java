package dev.hvmspec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.diag.DiagnosticPrinter;
import dev.hvmspec.dsl.diag.SpecException;
import dev.hvmspec.dsl.eval.Interpreter;
import dev.hvmspec.dsl.eval.Value;
import dev.hvmspec.generator.vectors.Input;
import dev.hvmspec.generator.vectors.Json;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.RuleInfo;
import dev.hvmspec.model.runtime.SdmRef;
import dev.hvmspec.model.runtime.Trace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec's interpreter behind the same interface as the generated Java model ({@code --model interpreter}), so
 * either can be checked against the vectors and against each other.
 */
public final class InterpretedModel implements DomainModel {
    private final CheckedDomain domain;
    private final Interpreter interpreter;
    private final List<RuleInfo> rules = new ArrayList<>();
    private final Map<String, RuleInfo> byId = new HashMap<>();

    /** Every domain of the project's spec/, interpreted; empty after printing the diagnostics when it does not load. */
    static Optional<List<DomainModel>> load(Main main) {
        Optional<Path> spec = ProjectPaths.spec();
        if (spec.isEmpty()) {
            main.err().println("hvmspec: " + ProjectPaths.notFoundHint());
            return Optional.empty();
        }
        try {
            SpecLoader.Loaded loaded = SpecLoader.load(List.of(spec.get()));
            return Optional.of(loaded.domains().stream().<DomainModel>map(InterpretedModel::new).toList());
        } catch (SpecLoader.LoadException e) {
            main.err().print(new DiagnosticPrinter(e.sources()).render(e.diagnostics()));
            return Optional.empty();
        } catch (IOException | SpecException e) {
            main.err().println("hvmspec: " + e.getMessage());
            return Optional.empty();
        }
    }

    public InterpretedModel(CheckedDomain domain) {
        this.domain = domain;
        this.interpreter = new Interpreter(domain);
        for (Stmt.Rule r : domain.rules()) {
            Decl.Sdm s = domain.sdm(r.sdm());
            RuleInfo info = new RuleInfo(r.id(), r.summary(), new SdmRef(s.volume(), s.section(), s.title()));
            rules.add(info);
            byId.put(r.id(), info);
        }
    }

    @Override
    public String domain() {
        return domain.name();
    }

    @Override
    public List<RuleInfo> rules() {
        return List.copyOf(rules);
    }

    @Override
    public Evaluation evaluate(JsonNode json, Trace trace) throws InvalidInputException {
        Input input = read(json);
        Value.Result result = interpreter.evaluate(input.values(), input.presence());
        for (Value.Step s : result.trace()) trace.rule(byId.get(s.rule()), s.held());
        List<ObjectNode> outcomes = new ArrayList<>();
        for (Value.Outcome o : result.outcomes()) outcomes.add((ObjectNode) Json.value(domain, o));
        return new Evaluation(outcomes, result.flags());
    }

    @Override
    public void checkOutcome(JsonNode outcome) throws InvalidInputException {
        if (!outcome.isObject() || !outcome.path("kind").isTextual()) throw new InvalidInputException("", "an outcome is an object with a string \"kind\"");
        Decl.Outcome decl = domain.outcomeByKind(outcome.get("kind").asText())
                .orElseThrow(() -> new InvalidInputException("/kind", "unknown outcome kind \"" + outcome.get("kind").asText() + "\""));
        Iterator<String> names = outcome.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!k.equals("kind") && decl.members().stream().noneMatch(m -> m.name().equals(k))) {
                throw new InvalidInputException("/" + k, "unknown key for outcome " + decl.kind());
            }
        }
        for (Decl.Member m : decl.members()) {
            JsonNode v = outcome.get(m.name());
            if (v == null) {
                if (!m.optional()) throw new InvalidInputException("/" + m.name(), "missing");
                continue;
            }
            checkValue("/" + m.name(), m.type(), v);
        }
    }

    private void checkValue(String path, Type t, JsonNode v) throws InvalidInputException {
        Type r = resolve(t);
        int w = Type.widthOf(r);
        if (w > 0) {
            parseHex(path, v, w);
        } else if (r instanceof Type.Int) {
            if (!v.isIntegralNumber()) throw new InvalidInputException(path, "expected an integer");
        } else if (r instanceof Type.Bool) {
            if (!v.isBoolean()) throw new InvalidInputException(path, "expected true or false");
        } else if (r instanceof Type.Enum e) {
            Decl.Enum d = (Decl.Enum) domain.declarations().get(e.name());
            if (!v.isTextual() || d.items().stream().noneMatch(i -> i.json().equals(v.asText()))) {
                throw new InvalidInputException(path, "expected one of " + d.items().stream().map(Decl.EnumItem::json).toList());
            }
        } else if (r instanceof Type.PhysicalMemory || r instanceof Type.Bytes) {
            if (!v.isObject()) throw new InvalidInputException(path, "expected an object");
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                parseHex(path + "/" + e.getKey(), Json.NODES.textNode(e.getKey()), 64);
                parseHex(path + "/" + e.getKey(), e.getValue(), r instanceof Type.Bytes ? 8 : 64);
            }
        }
    }

    private Type resolve(Type t) {
        if (t instanceof Type.Named n) {
            Decl d = domain.declarations().get(n.name());
            if (d instanceof Decl.Layout l) return new Type.Bits(l.width());
            if (d instanceof Decl.Enum) return new Type.Enum(n.name());
            if (d instanceof Decl.Record) return new Type.Record(n.name());
        }
        return t;
    }

    static long parseHex(String path, JsonNode v, int width) throws InvalidInputException {
        if (!v.isTextual()) throw new InvalidInputException(path, "expected a hex string \"0x...\"");
        String s = v.asText();
        if (s.length() < 3 || !(s.startsWith("0x") || s.startsWith("0X"))) throw new InvalidInputException(path, "expected a hex string \"0x...\"");
        String digits = s.substring(2).replaceFirst("^0+(?=.)", "");
        if (!digits.matches("[0-9a-fA-F]+") || digits.length() > 16) throw new InvalidInputException(path, "not a 64-bit hex number: " + s);
        long value = Long.parseUnsignedLong(digits, 16);
        if (width < 64 && (value >>> width) != 0) throw new InvalidInputException(path, s + " does not fit in " + width + " bits");
        return value;
    }

    /** Reads an input strictly: unknown keys, missing members, wrong types and out-of-range values are errors. */
    Input read(JsonNode json) throws InvalidInputException {
        if (!json.isObject()) throw new InvalidInputException("", "the input is an object");
        Input.Builder b = Input.builder(domain);
        Map<String, Decl.Member> members = new LinkedHashMap<>();
        domain.input().members().forEach(m -> members.put(m.name(), m));
        Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!members.containsKey(k)) throw new InvalidInputException("/" + k, "unknown input key");
        }
        for (Decl.Member m : members.values()) {
            JsonNode v = json.get(m.name());
            String path = "/" + m.name();
            if (v == null) {
                if (!m.optional()) throw new InvalidInputException(path, "missing");
                continue;
            }
            Type t = resolve(m.type());
            try {
                if (Type.widthOf(t) > 0) {
                    b.bits(m.name(), parseHex(path, v, Type.widthOf(t)));
                } else if (t instanceof Type.Int) {
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new InvalidInputException(path, "expected an integer");
                    b.integer(m.name(), v.asLong());
                } else if (t instanceof Type.Bool) {
                    if (!v.isBoolean()) throw new InvalidInputException(path, "expected true or false");
                    b.bool(m.name(), v.asBoolean());
                } else if (t instanceof Type.Enum) {
                    if (!v.isTextual()) throw new InvalidInputException(path, "expected a string");
                    b.enumeration(m.name(), v.asText());
                } else if (t instanceof Type.Bytes) {
                    if (!v.isObject()) throw new InvalidInputException(path, "expected an object");
                    Map<Integer, Integer> bytes = new HashMap<>();
                    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        long off = parseHex(path + "/" + e.getKey(), Json.NODES.textNode(e.getKey()), 31);
                        long val = parseHex(path + "/" + e.getKey(), e.getValue(), 8);
                        if (bytes.put((int) off, (int) val) != null) throw new InvalidInputException(path + "/" + e.getKey(), "duplicate offset");
                    }
                    b.bytes(m.name(), bytes);
                } else if (t instanceof Type.PhysicalMemory) {
                    if (!v.isObject()) throw new InvalidInputException(path, "expected an object");
                    Map<Long, Long> words = new HashMap<>();
                    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        long addr = parseHex(path + "/" + e.getKey(), Json.NODES.textNode(e.getKey()), 64);
                        long val = parseHex(path + "/" + e.getKey(), e.getValue(), 64);
                        if (words.put(addr, val) != null) throw new InvalidInputException(path + "/" + e.getKey(), "duplicate address");
                    }
                    b.memory(m.name(), words);
                } else if (t instanceof Type.Record r) {
                    Decl.Record rd = (Decl.Record) domain.declarations().get(r.name());
                    if (!v.isObject()) throw new InvalidInputException(path, "expected an object");
                    Map<String, Object> fields = new HashMap<>();
                    Iterator<String> rk = v.fieldNames();
                    while (rk.hasNext()) {
                        String k = rk.next();
                        if (rd.members().stream().noneMatch(x -> x.name().equals(k))) throw new InvalidInputException(path + "/" + k, "unknown key");
                    }
                    for (Decl.Member rm : rd.members()) {
                        JsonNode x = v.get(rm.name());
                        if (x == null) throw new InvalidInputException(path + "/" + rm.name(), "missing");
                        Type rt = resolve(rm.type());
                        if (rt instanceof Type.Bool) {
                            if (!x.isBoolean()) throw new InvalidInputException(path + "/" + rm.name(), "expected true or false");
                            fields.put(rm.name(), x.asBoolean());
                        } else if (Type.widthOf(rt) > 0) {
                            fields.put(rm.name(), parseHex(path + "/" + rm.name(), x, Type.widthOf(rt)));
                        } else {
                            if (!x.isIntegralNumber()) throw new InvalidInputException(path + "/" + rm.name(), "expected an integer");
                            fields.put(rm.name(), x.asLong());
                        }
                    }
                    b.record(m.name(), fields);
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(path, e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("", e.getMessage());
        }
    }
}
