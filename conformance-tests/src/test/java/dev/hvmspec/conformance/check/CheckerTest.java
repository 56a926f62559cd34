package dev.hvmspec.conformance.check;

import static dev.hvmspec.conformance.testing.Vectors.json;
import static dev.hvmspec.conformance.testing.Vectors.vector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hvmspec.conformance.impl.InProcessImplementation;
import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class CheckerTest {

    @TempDir
    Path dir;

    /** d1 answers by the id's last segment; d2 is not implemented. */
    private static InProcessImplementation impl() {
        return new InProcessImplementation("test impl", List.of(new InProcessImplementation.Domain("d1", input -> {
            throw new IllegalStateException("must be replaced per vector");
        })));
    }

    private static CheckResult run() {
        List<Vector> vectors = List.of(
                vector("d1/pass"),
                vector("d1/fail"),
                vector("d1/error"),
                vector("d1/crash"),
                vector("d1/unsupported"),
                vector("d1/multi", "{'kind':'a'}", "{'kind':'b'}"),
                vector("d2/x"));
        // The evaluator sees only the input, so route by a per-vector input marker.
        InProcessImplementation implementation = new InProcessImplementation("test impl", List.of(
                new InProcessImplementation.Domain("d1", input -> switch (input.path("case").asText()) {
                    case "pass" -> new Reply.Outcome(json("{'kind':'ok','v':'0x01','extra':true}"));
                    case "fail" -> new Reply.Outcome(json("{'kind':'ok','v':'0x2'}"));
                    case "error" -> new Reply.Error("bad input: /x");
                    case "unsupported" -> new Reply.Unsupported("not modelled");
                    case "multi" -> new Reply.Outcome(json("{'kind':'c'}"));
                    default -> throw new IllegalStateException("kaput");
                })));
        List<Vector> marked = vectors.stream().map(v -> {
            var input = v.input().deepCopy().put("case", v.id().substring(v.id().indexOf('/') + 1));
            return new Vector(v.id(), v.domain(), v.rules(), v.sdm(), v.comment(), v.flags(), input, v.expect(), v.file(),
                    v.line());
        }).toList();
        return new Checker().run(marked, implementation);
    }

    @Test
    void verdictsAndTallies() {
        CheckResult result = run();
        assertThat(result.verdicts()).extracting(Verdict::status).containsExactly(Verdict.Status.PASS,
                Verdict.Status.FAIL, Verdict.Status.ERROR, Verdict.Status.ERROR, Verdict.Status.SKIP,
                Verdict.Status.FAIL, Verdict.Status.SKIP);
        assertThat(result.verdicts().get(3).detail()).isEqualTo("evaluator crashed: java.lang.IllegalStateException: kaput");
        assertThat(result.verdicts().get(5).detail()).isEqualTo("matches none of the 2 allowed outcomes");
        assertThat(result.verdicts().get(6).detail()).isEqualTo("domain d2 is not implemented by test impl");
        assertThat(result.domains().get("d1")).isEqualTo(new DomainTally("d1", 1, 2, 2, 1));
        assertThat(result.domains().get("d2")).isEqualTo(new DomainTally("d2", 0, 0, 0, 1));
        assertThat(result.passed()).isEqualTo(1);
        assertThat(result.failed()).isEqualTo(4);
        assertThat(result.skipped()).isEqualTo(2);
        assertThat(result.exitStatus()).isEqualTo(1);
        assertThat(impl().domains()).containsExactly("d1");
    }

    private static String report(CheckResult result, ReportWriter.Options options) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ReportWriter(options).write(result, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reportShowsFailuresAndEndsWithTheContractLines() {
        String text = report(run(), new ReportWriter.Options(20, true));
        List<String> lines = text.lines().toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("1 passed, 4 failed, 2 skipped");
        assertThat(lines.get(lines.size() - 2)).isEqualTo("2 errors");
        assertThat(lines.get(lines.size() - 3)).matches("stats: 7 vectors checked in [0-9.]+ s, [0-9]+ vectors/s");
        assertThat(text).contains(
                "  d1       6 vectors: 1 passed, 2 failed, 2 errors, 1 skipped",
                "FAIL d1/fail\n  comment:  comment of d1/fail\n  at:       vectors/d1.jsonl:1\n"
                        + "  expected: {\"kind\":\"ok\",\"v\":\"0x1\"}\n  actual:   {\"kind\":\"ok\",\"v\":\"0x2\"}\n"
                        + "  differs:  v: expected \"0x1\", got \"0x2\"\n  rules:    RULE-7\n  sdm:      Vol. 3C 1.1 Test\n",
                "ERROR d1/error\n",
                "  error:    bad input: /x\n",
                "  expected one of:\n    {\"kind\":\"a\"}\n    {\"kind\":\"b\"}\n",
                "skipped 1 (d1: not modelled)");
        assertThat(text).doesNotContain("FAIL d1/pass");
    }

    @Test
    void reportLimitsPrintedFailures() {
        String text = report(run(), new ReportWriter.Options(1, false));
        assertThat(text).contains("FAIL d1/fail").doesNotContain("ERROR d1/error")
                .contains("(3 more failures and errors not shown; --max-failures N shows more)")
                .doesNotContain("stats:");
    }

    @Test
    void junitXmlHasOneSuitePerDomainAndOneCasePerVector() throws Exception {
        Path xml = dir.resolve("out/junit.xml");
        JUnitXmlWriter.write(run(), xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element root = doc.getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("testsuites");
        assertThat(root.getAttribute("tests")).isEqualTo("7");
        assertThat(doc.getElementsByTagName("testsuite").getLength()).isEqualTo(2);
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(7);
        assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(2);
        assertThat(doc.getElementsByTagName("error").getLength()).isEqualTo(2);
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(2);
        Element first = (Element) doc.getElementsByTagName("testcase").item(0);
        assertThat(first.getAttribute("name")).isEqualTo("d1/pass");
        assertThat(first.getAttribute("classname")).isEqualTo("hvmspec.d1");
    }

    @Test
    void progressIsThrottledAndGoesToItsOwnStream() {
        List<Vector> vectors = java.util.stream.IntStream.range(0, 600)
                .mapToObj(i -> vector(String.format("d1/p/%03d", i))).toList();
        InProcessImplementation ok = new InProcessImplementation("ok", List.of(new InProcessImplementation.Domain("d1",
                input -> new Reply.Outcome(json("{'kind':'ok','v':'0x1'}")))));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream progress = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new Checker(new Checker.Progress(java.util.Optional.of(progress), java.time.Duration.ZERO)).run(vectors, ok);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "hvmspec: checked 256 of 600 vectors (42%), 0 failed\n"
                        + "hvmspec: checked 512 of 600 vectors (85%), 0 failed\n");
        bytes.reset();
        new Checker(new Checker.Progress(java.util.Optional.of(progress), java.time.Duration.ofHours(1))).run(vectors, ok);
        assertThat(bytes.size()).as("a short run prints no progress").isZero();
    }

    @Test
    void xmlCleaningKeepsControlCharactersOut() {
        assertThat(JUnitXmlWriter.clean("a\u0001b\tc")).isEqualTo("a\\u0001b\tc");
    }
}
