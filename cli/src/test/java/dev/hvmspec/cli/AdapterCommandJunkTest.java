package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.model.InputMutator;
import dev.hvmspec.model.Models;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code hvmspec adapter} (in process, over the real model) given junk request lines mixed with valid ones: every
 * request line gets exactly one reply line, in order; each reply is a JSON object with a string id (the request's,
 * or "") and exactly one of outcome/unsupported/error; valid requests get an outcome the vector expects; exit 0.
 */
class AdapterCommandJunkTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A request line and, for a valid one, the vector it came from. */
    record Request(String line, JsonNode vector) {}

    @Test
    void junkMixedWithValidRequests() throws Exception {
        run(false);
    }

    @Test
    void junkWithLongIdInInvalidJson() throws Exception {
        run(true);
    }

    private void run(boolean longIds) throws Exception {
        List<JsonNode> vectors = new ArrayList<>();
        for (String d : new String[] {"msr-access", "cr-access", "ept-walk"}) {
            List<String> lines = Files.readAllLines(InputMutator.ROOT.resolve("vectors/" + d + ".jsonl"));
            for (int i = 0; i < lines.size(); i += lines.size() / 40) vectors.add(MAPPER.readTree(lines.get(i)));
        }
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String deepObject = "{\"a\":".repeat(3000) + "1" + "}".repeat(3000);
        String longId = "x".repeat(200_000);
        String[] junk = {
            "", " ", "\t", "garbage", "null", "1", "\"str\"", "[]", "{}", "[{\"id\":\"a\"}]", "{\"id\":1,\"domain\":\"msr-access\",\"input\":{}}",
            "{\"id\":null}", "{\"domain\":\"msr-access\",\"input\":{}}", "{\"id\":\"no-domain\",\"input\":{}}",
            "{\"id\":\"num-domain\",\"domain\":7,\"input\":{}}", "{\"id\":\"unknown-domain\",\"domain\":\"nope\",\"input\":{}}",
            "{\"id\":\"input-array\",\"domain\":\"msr-access\",\"input\":[]}", "{\"id\":\"input-null\",\"domain\":\"msr-access\",\"input\":null}",
            "{\"id\":\"extra\",\"domain\":\"msr-access\",\"input\":{},\"expect\":[]}",
            "{\"id\":\"dup\",\"id\":\"dup2\",\"domain\":\"msr-access\",\"input\":{}}",
            "{\"id\":\"huge-cpl\",\"domain\":\"msr-access\",\"input\":{\"instruction\":\"rdmsr\",\"ecx\":\"0x0\",\"cpl\":1" + "0".repeat(400)
                    + ",\"use_msr_bitmaps\":false,\"msr_bitmap\":{}}}",
            "{\"id\":\"huge-number\",\"domain\":\"msr-access\",\"input\":{\"cpl\":" + "9".repeat(5000) + "}}",
            "{\"id\":\"huge-exp\",\"domain\":\"msr-access\",\"input\":{\"instruction\":\"rdmsr\",\"ecx\":\"0x0\",\"cpl\":1e999999999,"
                    + "\"use_msr_bitmaps\":false,\"msr_bitmap\":{}}}",
            "{\"id\":\"huge-hex\",\"domain\":\"msr-access\",\"input\":{\"instruction\":\"rdmsr\",\"ecx\":\"0x" + "f".repeat(1000)
                    + "\",\"cpl\":0,\"use_msr_bitmaps\":false,\"msr_bitmap\":{}}}",
            "{\"id\":\"deep\",\"domain\":\"msr-access\",\"input\":" + deep + "}",
            "{\"id\":\"deep-object\",\"domain\":\"msr-access\",\"input\":" + deepObject + "}",
            deep, deepObject,
            "{\"id\":\"" + "x".repeat(100) + "\",\"domain\":",
            "{\"id\":\"bad-escape\\u12\",\"domain\":",
            "{\"id\":\"trailing\",\"domain\":\"msr-access\",\"input\":{}} {}",
            "{\"id\":\"trailing-junk\",\"domain\":\"msr-access\",\"input\":{}} x",
            "\u0000\u0001\u0002", "\uFEFF{\"id\":\"bom\",\"domain\":\"msr-access\",\"input\":{}}",
            "{\"id\":\"\\ud800\",\"domain\":\"msr-access\",\"input\":{}}",
            "{\"id\":\"nan\",\"domain\":\"msr-access\",\"input\":{\"cpl\":NaN}}",
            "{\"id\":\"memory-bad\",\"domain\":\"ept-walk\",\"input\":{\"memory\":{\"0x7\":1}}}",
        };
        if (longIds) {
            List<String> more = new ArrayList<>(List.of(junk));
            more.add("{\"id\":\"" + longId + "\",\"domain\":");
            more.add("{\"id\":\"" + "\\\"".repeat(50_000) + "\",");
            junk = more.toArray(new String[0]);
        }
        Random r = new Random(42);
        List<Request> requests = new ArrayList<>();
        int j = 0;
        for (JsonNode v : vectors) {
            ObjectNode req = MAPPER.createObjectNode();
            req.set("id", v.get("id"));
            req.set("domain", v.get("domain"));
            req.set("input", v.get("input"));
            requests.add(new Request(req.toString(), v));
            int k = r.nextInt(3);
            for (int i = 0; i < k && j < junk.length; i++) requests.add(new Request(junk[j++], null));
        }
        while (j < junk.length) requests.add(new Request(junk[j++], null));
        // invalid UTF-8 in a line
        byte[] stdin = buildStdin(requests);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main main = new Main(new ByteArrayInputStream(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Models::all);
        int status = Main.execute(main, new String[] {"adapter"});
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).as("handshake + one reply per request line").hasSize(1 + requests.size());
        assertThat(MAPPER.readTree(lines.get(0)).get("protocol").textValue()).isEqualTo("hvmspec-adapter/1");
        int valid = 0;
        for (int i = 0; i < requests.size(); i++) {
            Request q = requests.get(i);
            String shown = q.line().length() > 200 ? q.line().substring(0, 200) + "..." : q.line();
            JsonNode reply = MAPPER.readTree(lines.get(i + 1));
            assertThat(reply.isObject()).as("reply to %s: %s", shown, lines.get(i + 1)).isTrue();
            assertThat(reply.path("id").isTextual()).as("id in reply to %s: %s", shown, reply).isTrue();
            int kinds = (reply.has("outcome") ? 1 : 0) + (reply.has("unsupported") ? 1 : 0) + (reply.has("error") ? 1 : 0);
            assertThat(kinds).as("exactly one of outcome/unsupported/error in reply to %s: %s", shown, reply).isEqualTo(1);
            assertThat(reply.size()).as("no other keys: %s", reply).isEqualTo(2);
            if (q.vector() != null) {
                valid++;
                assertThat(reply.get("id").textValue()).isEqualTo(q.vector().get("id").textValue());
                assertThat(reply.has("outcome")).as("reply to valid %s: %s", q.vector().get("id"), reply).isTrue();
                List<JsonNode> expect = new ArrayList<>();
                q.vector().get("expect").forEach(expect::add);
                assertThat(OutcomeMatcher.matchesAny(expect, reply.get("outcome")))
                        .as("%s: expected one of %s, got %s", q.vector().get("id"), expect, reply.get("outcome")).isTrue();
            } else {
                assertThat(reply.has("outcome")).as("junk %s got an outcome: %s", shown, reply).isFalse();
                if (q.line().startsWith("{\"id\":\"unknown-domain\"")) {
                    assertThat(reply.has("unsupported")).as(reply.toString()).isTrue();
                }
            }
        }
        assertThat(valid).isGreaterThan(100);
    }

    private static byte[] buildStdin(List<Request> requests) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < requests.size(); i++) {
            byte[] line = requests.get(i).line().getBytes(StandardCharsets.UTF_8);
            b.writeBytes(line);
            b.write('\n');
        }
        return b.toByteArray();
    }
}
