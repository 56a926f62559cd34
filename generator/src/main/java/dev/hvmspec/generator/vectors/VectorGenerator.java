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
        return generate(domain, cases, seed, null, EdgeCases.LEAVE_OUT, note -> { }).vectors();
    }

    /**
     * What becomes of the cases made for other capability values (flag {@code edge-profile}) when generating for a
     * platform profile, for a rule side that no case made for the platform reaches.
     */
    public enum EdgeCases {
        /** Left out: every vector is one the platform can run; the rule side is named as not covered. */
        LEAVE_OUT,
        /** Kept: the set covers the rule side, and the platform answers those vectors {@code unsupported}. */
        KEEP
    }

    /**
     * The vectors of a domain; when generating for a platform profile, the notes for the user (one line each) and the
     * rule sides ("RULE (held)", "RULE (violated)") that no vector made for the platform reaches, in rule order.
     */
    public record Generated(List<Vector> vectors, List<String> notes, List<String> unreachable) {}

    /**
     * Generates the domain's vectors; for the platform {@code profile} when it is not null. With a profile, a case
     * flagged {@code edge-profile} is left out when a case made for the platform is aimed at the same rule and side,
     * and otherwise kept or left out as {@code edgeCases} says; a case that misses its aim is left out with a note
     * instead of stopping generation (the profile may differ from every profile the case generators were checked on);
     * every rule side no vector made for the platform reaches is returned and gets a note.
     */
    public static Generated generate(CheckedDomain domain, DomainCases cases, long seed, PlatformProfile profile,
                                     EdgeCases edgeCases, java.util.function.Consumer<String> progress) {
        CaseContext context = new CaseContext(domain, seed, profile);
        cases.generate(context);
        List<Case> all = context.cases();
        List<String> notes = new ArrayList<>();
        TreeMap<String, Integer> edgeOnly = new TreeMap<>();
        if (profile != null) all = platformCases(all, edgeCases, edgeOnly);
        Interpreter interpreter = new Interpreter(domain);
        Map<String, Stmt.Rule> rules = new HashMap<>();
        domain.rules().forEach(r -> rules.put(r.id(), r));
        Map<String, Integer> counters = new HashMap<>();
        Set<String> seenInputs = new HashSet<>();
        TreeMap<String, Vector> lines = new TreeMap<>();
        TreeMap<String, Integer> missed = new TreeMap<>();
        Set<String> reachable = new HashSet<>(); // rule sides reached by a vector made for the platform
        for (Case c : all) {
            Stmt.Rule aim = rules.get(c.aimRule());
            if (aim == null) {
                throw new GenerationException(domain.name() + ": a case is aimed at " + c.aimRule() + ", which is not a rule of the domain");
            }
            ObjectNode input = Json.input(domain, c.input());
            String inputText = input.toString();
            if (!seenInputs.add(inputText)) continue;
            Value.Result result = interpreter.evaluate(c.input().values(), c.input().presence());
            boolean hit = result.trace().stream().anyMatch(s -> s.rule().equals(c.aimRule()) && s.held() == c.aimHeld());
            if (!hit && profile != null) {
                missed.merge(side(c.aimRule(), c.aimHeld()), 1, Integer::sum);
                continue;
            }
            if (!hit) {
                throw new GenerationException(domain.name() + ": case \"" + c.comment() + "\" was aimed at " + c.aimRule()
                        + (c.aimHeld() ? " holding" : " violated") + " but the model's trace is " + result.trace()
                        + "; input " + inputText);
            }
            if (!c.flags().contains(CaseContext.EDGE_PROFILE)) {
                result.trace().forEach(step -> reachable.add(side(step.rule(), step.held())));
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
        missed.forEach((aim, n) -> notes.add("note: " + domain.name() + ": " + n + " case(s) aimed at " + aim
                + " missed their aim on this profile and were left out (a case-generator gap worth reporting)"));
        List<String> unreachable = new ArrayList<>();
        if (profile != null) {
            for (Stmt.Rule rule : domain.rules()) {
                for (boolean held : new boolean[] {true, false}) {
                    String side = side(rule.id(), held);
                    if (reachable.contains(side)) continue;
                    unreachable.add(side);
                    Integer edge = edgeOnly.get(side);
                    String what = edge == null ? "no case generator makes one for these capabilities"
                            : edgeCases == EdgeCases.KEEP ? "kept " + edge + " case(s) for other capability values (flag"
                                    + " edge-profile; the platform answers them unsupported)"
                            : edge + " case(s) for other capability values left out (--keep-unreachable keeps them)";
                    notes.add("note: " + domain.name() + ": rule " + side + ": no vector made for this platform"
                            + " reaches it; " + what);
                }
            }
        }
        notes.forEach(progress);
        return new Generated(new ArrayList<>(lines.values()), List.copyOf(notes), List.copyOf(unreachable));
    }

    private static String side(String rule, boolean held) {
        return rule + (held ? " (held)" : " (violated)");
    }

    /**
     * The cases for a platform: every case made for the platform, and an {@code edge-profile} case only where no
     * platform case is aimed at its rule and side, and only when {@code edgeCases} keeps them. {@code edgeOnly}
     * receives, by rule side, the number of such edge-profile cases (kept or not).
     */
    private static List<Case> platformCases(List<Case> cases, EdgeCases edgeCases, TreeMap<String, Integer> edgeOnly) {
        Set<String> aimed = new HashSet<>();
        for (Case c : cases) {
            if (!c.flags().contains(CaseContext.EDGE_PROFILE)) aimed.add(side(c.aimRule(), c.aimHeld()));
        }
        List<Case> kept = new ArrayList<>();
        for (Case c : cases) {
            if (c.flags().contains(CaseContext.EDGE_PROFILE)) {
                String side = side(c.aimRule(), c.aimHeld());
                if (aimed.contains(side)) continue;
                edgeOnly.merge(side, 1, Integer::sum);
                if (edgeCases == EdgeCases.LEAVE_OUT) continue;
            }
            kept.add(c);
        }
        return kept;
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
