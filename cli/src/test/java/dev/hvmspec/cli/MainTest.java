package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    /** What one in-process run of the command printed and returned. */
    record Run(int status, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        String lastLine() {
            List<String> lines = outLines();
            return lines.get(lines.size() - 1);
        }
    }

    private static Run runWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main main = new Main(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                () -> List.of(new FakeModel()));
        int status = Main.execute(main, args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run run(String... args) {
        return runWithInput("", args);
    }

    private static String vector(String id, String x, String expectV) {
        String domain = id.substring(0, id.indexOf('/'));
        return "{\"id\":\"" + id + "\",\"domain\":\"" + domain + "\",\"rules\":[\"D1-ECHO\"],\"sdm\":[\"Vol. 3C 1.1 Test\"],"
                + "\"comment\":\"echo " + x + "\",\"flags\":[],\"input\":{\"x\":\"" + x + "\"},"
                + "\"expect\":[{\"kind\":\"ok\",\"v\":\"" + expectV + "\"}]}\n";
    }

    /** A vector directory with domains d1 (known to the fake model) and d2 (not). */
    private Path vectors(String d1) throws Exception {
        Path v = Files.createDirectories(dir.resolve("vectors"));
        String d2 = vector("d2/a/0", "0x1", "0x1");
        Files.writeString(v.resolve("d1.jsonl"), d1);
        Files.writeString(v.resolve("d2.jsonl"), d2);
        Files.writeString(v.resolve("manifest.json"), "{\"format\":\"hvmspec-vectors/1\",\"spec_version\":\"t\","
                + "\"sdm_edition\":\"t\",\"seed\":1,\"domains\":{" + entry("d1", d1) + "," + entry("d2", d2) + "}}\n");
        return v;
    }

    private static String entry(String domain, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return "\"" + domain + "\":{\"file\":\"" + domain + ".jsonl\",\"count\":" + content.lines().count()
                + ",\"sha256\":\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + "\"}";
    }

    @Test
    void checkPassesInProcess() throws Exception {
        Path v = vectors(vector("d1/a/0", "0x1", "0x01") + vector("d1/a/1", "0x2", "0x2"));
        Run r = run("check", "--vectors", v.toString(), "--stats");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.lastLine()).isEqualTo("2 passed, 0 failed, 1 skipped");
        assertThat(r.out()).contains("\n0 errors\n", "stats: 3 vectors checked in ");
    }

    @Test
    void checkFailsWithExitOneAndShowsTheFailure() throws Exception {
        Path v = vectors(vector("d1/a/0", "0x1", "0x2") + vector("d1/a/1", "0xdead", "0x2") + vector("d1/a/2", "0x3", "0x3"));
        Path xml = dir.resolve("report/junit.xml");
        Run r = run("check", "--vectors", v.toString(), "--junit-xml", xml.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.lastLine()).isEqualTo("1 passed, 2 failed, 1 skipped");
        assertThat(r.out()).contains("FAIL d1/a/0", "differs:  v: expected \"0x2\", got \"0x1\"", "at:       "
                + v.resolve("d1.jsonl") + ":1", "ERROR d1/a/1", "evaluator crashed: java.lang.IllegalStateException: model bug",
                "rules:    D1-ECHO", "sdm:      Vol. 3C 1.1 Test", "\n1 errors\n");
        assertThat(Files.readString(xml)).contains("<testcase classname=\"hvmspec.d1\" name=\"d1/a/0\"");
    }

    @Test
    void unreadableVectorsExitTwoWithDiagnosticsAndNoStackTrace() throws Exception {
        Path v = vectors(vector("d1/a/0", "0x1", "0x1") + "{\"id\": oops}\n");
        Run r = run("check", "--vectors", v.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains(v.resolve("d1.jsonl") + ":2:12: invalid JSON")
                .contains("hvmspec check: the vectors cannot be read");
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
        assertThat(run("check", "--vectors", dir.resolve("missing").toString()).err())
                .startsWith(dir.resolve("missing") + ":1:1: no such file or directory");
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(run("check", "--nope").status()).isEqualTo(2);
        assertThat(run("check", "--timeout", "0", "--vectors", "x").status()).isEqualTo(2);
        assertThat(run("check", "--timeout", "abc").status()).isEqualTo(2);
        assertThat(run("check", "--max-failures", "-1", "--vectors", "x").status()).isEqualTo(2);
        assertThat(run("frobnicate").status()).isEqualTo(2);
        Run none = run();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("a command is required", "check", "adapter");
        assertThat(run("--help").status()).isZero();
        assertThat(run("check", "--help").out()).contains("--adapter", "--timeout", "--junit-xml", "--max-failures");
    }

    @Test
    void adapterServesTheModelOverTheProtocol() throws Exception {
        String requests = String.join("\n",
                "{\"id\":\"d1/a\",\"domain\":\"d1\",\"input\":{\"x\":\"0x5\"}}",
                "{\"id\":\"d2/b\",\"domain\":\"d2\",\"input\":{}}",
                "{\"id\":\"d1/c\",\"domain\":\"d1\",\"input\":{\"y\":1}}",
                "{\"id\":\"d1/d\",\"domain\":\"d1\",\"input\":{\"x\":\"0x5\"},\"expect\":[]}",
                "{\"id\":\"d1/e\",\"domain\":\"d1\",\"input\":{\"x\":",
                "garbage",
                "{\"id\":\"d1/f\",\"domain\":\"d1\",\"input\":{\"x\":\"0xdead\"}}",
                "{\"id\":\"d1/g\",\"domain\":\"d1\",\"input\":{\"x\":\"0x7\"}}\r",
                "{\"id\":\"d1/h\",\"domain\":\"d1\",\"input\":{\"x\":\"0x8\"}}");
        Run r = runWithInput(requests, "adapter");
        assertThat(r.status()).isZero();
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> lines = r.outLines().stream().map(l -> {
            try {
                return mapper.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(lines).hasSize(10);
        assertThat(lines.get(0).toString()).isEqualTo(
                "{\"protocol\":\"hvmspec-adapter/1\",\"name\":\"hvmspec-reference-model\",\"version\":\"dev\",\"domains\":[\"d1\"]}");
        assertThat(lines.get(1).toString()).isEqualTo("{\"id\":\"d1/a\",\"outcome\":{\"kind\":\"ok\",\"v\":\"0x5\"}}");
        assertThat(lines.get(2).toString()).isEqualTo("{\"id\":\"d2/b\",\"unsupported\":\"domain d2 is not in the reference model\"}");
        assertThat(lines.get(3).toString()).isEqualTo(
                "{\"id\":\"d1/c\",\"error\":\"invalid input: /x: expected exactly one key x holding a hex string\"}");
        assertThat(lines.get(4).toString()).isEqualTo("{\"id\":\"d1/d\",\"error\":\"unknown key(s) in the request: [expect]\"}");
        assertThat(lines.get(5).get("id").textValue()).isEqualTo("d1/e");
        assertThat(lines.get(5).get("error").textValue()).startsWith("the request is not valid JSON");
        assertThat(lines.get(6).get("id").textValue()).isEmpty();
        assertThat(lines.get(7).get("error").textValue()).startsWith("internal error in the reference model");
        assertThat(lines.get(8).toString()).isEqualTo("{\"id\":\"d1/g\",\"outcome\":{\"kind\":\"ok\",\"v\":\"0x7\"}}");
        assertThat(lines.get(9).toString()).isEqualTo("{\"id\":\"d1/h\",\"outcome\":{\"kind\":\"ok\",\"v\":\"0x8\"}}");
    }

    @Test
    void checkThroughTheAdapterCommandInAnotherProcess() throws Exception {
        Path v = vectors(vector("d1/a/0", "0x1", "0x1") + vector("d1/a/1", "0x2", "0x3") + vector("d1/a/2", "0x4", "0x4"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "'" + java + "' -cp '" + System.getProperty("java.class.path") + "' " + FakeModel.class.getName();
        Run r = run("check", "--vectors", v.toString(), "--adapter", command, "--timeout", "20",
                "--adapter-log", dir.resolve("adapter.log").toString());
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("hvmspec check: hvmspec-reference-model dev (adapter: ");
        assertThat(r.lastLine()).isEqualTo("2 passed, 1 failed, 1 skipped");
        assertThat(r.out()).contains("FAIL d1/a/1", "skipped 1 (d2: domain d2 is not listed in the adapter's handshake)");
        assertThat(r.out()).doesNotContain("warning:");
    }
}
