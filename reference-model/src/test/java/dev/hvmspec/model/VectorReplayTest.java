package dev.hvmspec.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Trace;
import java.io.BufferedReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
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

    private static void replay(String domain) throws Exception {
        DomainModel model = Models.find(domain).orElseThrow();
        int checked = 0;
        try (BufferedReader r = Files.newBufferedReader(VECTORS.resolve(domain + ".jsonl"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode v = MAPPER.readTree(line);
                JsonNode actual = model.evaluate(v.get("input"), Trace.NONE).primary();
                boolean ok = false;
                for (JsonNode expected : v.get("expect")) ok |= matches(expected, actual);
                if (!ok) fail(v.get("id").asText() + ": expected one of " + v.get("expect") + ", model gave " + actual);
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
