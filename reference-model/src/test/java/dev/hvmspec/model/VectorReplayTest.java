package dev.hvmspec.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.RecordingTrace;
import java.io.BufferedReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Replays every committed vector against the model, with nothing but the vectors as the oracle. This is the test
 * that mutation testing ({@code mvn -B verify -Pmutation}) runs against each mutant of the generated model; the full
 * harness and its reports live in conformance-tests, which depends on this module and so cannot be used here.
 * One test per domain, so that PIT runs only the vectors of the domain a mutant lives in.
 */
class VectorReplayTest {
    private static final Path VECTORS = Path.of("..", "vectors").toAbsolutePath().normalize();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void msrAccess() throws Exception {
        replay("msr-access");
    }

    @Test
    void crAccess() throws Exception {
        replay("cr-access");
    }

    @Test
    void eptWalk() throws Exception {
        replay("ept-walk");
    }

    @Test
    void descriptorTable() throws Exception {
        replay("descriptor-table");
    }

    @Test
    void vmxInstruction() throws Exception {
        replay("vmx-instruction");
    }

    private static void replay(String domain) throws Exception {
        DomainModel model = Models.find(domain).orElseThrow();
        Set<String> ruleIds = new HashSet<>();
        model.rules().forEach(r -> ruleIds.add(r.id()));
        int checked = 0;
        try (BufferedReader r = Files.newBufferedReader(VECTORS.resolve(domain + ".jsonl"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode v = MAPPER.readTree(line);
                String id = v.get("id").asText();
                RecordingTrace trace = new RecordingTrace();
                Evaluation e = model.evaluate(v.get("input"), trace);
                JsonNode actual = e.primary();
                boolean ok = false;
                for (JsonNode expected : v.get("expect")) ok |= matches(expected, actual);
                if (!ok) fail(id + ": expected one of " + v.get("expect") + ", model gave " + actual);
                // Every outcome the spec allows is in the vector, in order: a model that allows too much or too little
                // sends users chasing differences that are not there.
                JsonNode expect = v.get("expect");
                if (e.outcomes().size() != expect.size()) fail(id + ": the model allows " + e.outcomes() + ", the vector " + expect);
                for (int i = 0; i < expect.size(); i++) {
                    if (!matches(expect.get(i), e.outcomes().get(i)) || !matches(e.outcomes().get(i), expect.get(i))) {
                        fail(id + ": allowed outcome " + i + " is " + e.outcomes().get(i) + ", the vector has " + expect.get(i));
                    }
                }
                // The vector names the rule it was made for, then every rule the evaluation passed, in order.
                Set<String> traced = new LinkedHashSet<>();
                traced.add(v.get("rules").get(0).asText());
                trace.steps().forEach(s -> traced.add(s.rule().id()));
                List<String> named = new ArrayList<>();
                v.get("rules").forEach(x -> named.add(x.asText()));
                if (!named.equals(new ArrayList<>(traced))) fail(id + ": the model evaluated " + traced + ", the vector names " + named);
                if (!ruleIds.containsAll(named)) fail(id + ": rules " + named + " are not all among the model's rules " + ruleIds);
                checked++;
            }
        }
        assertTrue(checked > 0, "no vectors for " + domain);
    }

    /** The contract's rule: same kind, and every expected key present with an equal value (hex compared as numbers). */
    private static boolean matches(JsonNode expected, JsonNode actual) {
        Iterator<Map.Entry<String, JsonNode>> it = expected.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode a = actual.get(e.getKey());
            if (a == null || !same(e.getValue(), a)) return false;
        }
        return true;
    }

    private static boolean same(JsonNode x, JsonNode y) {
        if (x.isObject() && y.isObject()) {
            if (x.size() != y.size()) return false;
            Iterator<Map.Entry<String, JsonNode>> it = x.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = null;
                Iterator<Map.Entry<String, JsonNode>> jt = y.fields();
                while (jt.hasNext()) {
                    Map.Entry<String, JsonNode> f = jt.next();
                    if (hex(f.getKey()).equals(hex(e.getKey()))) other = f.getValue();
                }
                if (other == null || !same(e.getValue(), other)) return false;
            }
            return true;
        }
        if (x.isTextual() && y.isTextual()) return hex(x.asText()).equals(hex(y.asText()));
        if (x.isNumber() && y.isNumber()) return x.bigIntegerValue().equals(y.bigIntegerValue());
        return x.equals(y);
    }

    private static Object hex(String s) {
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            try {
                return new BigInteger(s.substring(2), 16);
            } catch (NumberFormatException e) {
                return s;
            }
        }
        return s;
    }
}
