package dev.hvmspec.generator.vectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.eval.Interpreter;
import dev.hvmspec.dsl.eval.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a domain's cases into vectors: evaluates each with the interpreter, checks that it hits the rule it was
 * aimed at on the intended side, numbers it under that rule, and renders the vector line. Identical inputs are
 * kept once (the first case wins).
 */
public final class VectorGenerator {

    /** One generated vector: its ID, its JSON line and its flags. */
    public record Vector(String id, String line, Set<String> flags) {}

    private VectorGenerator() {}

    public static List<Vector> generate(CheckedDomain domain, DomainCases cases, long seed) {
        CaseContext context = new CaseContext(domain, seed);
        cases.generate(context);
        Interpreter interpreter = new Interpreter(domain);
        Map<String, Stmt.Rule> rules = new HashMap<>();
        domain.rules().forEach(r -> rules.put(r.id(), r));
        Map<String, Integer> counters = new HashMap<>();
        Set<String> seenInputs = new HashSet<>();
        TreeMap<String, Vector> lines = new TreeMap<>();
        for (Case c : context.cases()) {
            Stmt.Rule aim = rules.get(c.aimRule());
            if (aim == null) {
                throw new GenerationException(domain.name() + ": a case is aimed at " + c.aimRule() + ", which is not a rule of the domain");
            }
            ObjectNode input = Json.input(domain, c.input());
            String inputText = input.toString();
            if (!seenInputs.add(inputText)) continue;
            Value.Result result = interpreter.evaluate(c.input().values(), c.input().presence());
            boolean hit = result.trace().stream().anyMatch(s -> s.rule().equals(c.aimRule()) && s.held() == c.aimHeld());
            if (!hit) {
                throw new GenerationException(domain.name() + ": case \"" + c.comment() + "\" was aimed at " + c.aimRule()
                        + (c.aimHeld() ? " holding" : " violated") + " but the model's trace is " + result.trace()
                        + "; input " + inputText);
            }
            int n = counters.merge(c.aimRule(), 1, Integer::sum);
            String id = domain.name() + "/" + c.aimRule() + "/" + String.format("%04d", n);
            LinkedHashSet<String> ruleIds = new LinkedHashSet<>();
            ruleIds.add(c.aimRule());
            result.trace().forEach(s -> ruleIds.add(s.rule()));
            LinkedHashSet<String> flags = new LinkedHashSet<>(c.flags());
            flags.addAll(result.flags());
            lines.put(id, new Vector(id, render(domain, id, ruleIds, rules, c.comment(), flags, input, result.outcomes()), flags));
        }
        return new ArrayList<>(lines.values());
    }

    private static String render(CheckedDomain domain, String id, Set<String> ruleIds, Map<String, Stmt.Rule> rules,
                                 String comment, Set<String> flags, ObjectNode input, List<Value.Outcome> outcomes) {
        ObjectNode v = Json.NODES.objectNode();
        v.put("id", id);
        v.put("domain", domain.name());
        ArrayNode rs = v.putArray("rules");
        ruleIds.forEach(rs::add);
        ArrayNode sdm = v.putArray("sdm");
        LinkedHashSet<String> cites = new LinkedHashSet<>();
        for (String r : ruleIds) {
            Decl.Sdm s = domain.sdm(rules.get(r).sdm());
            cites.add("Vol. " + s.volume() + " " + s.section() + " " + s.title());
        }
        cites.forEach(sdm::add);
        v.put("comment", comment);
        ArrayNode fs = v.putArray("flags");
        flags.stream().sorted().forEach(fs::add);
        v.set("input", input);
        ArrayNode expect = v.putArray("expect");
        outcomes.forEach(o -> expect.add(Json.value(domain, o)));
        try {
            return Json.MAPPER.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new GenerationException("cannot render " + id + ": " + e.getMessage());
        }
    }
}
