package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hvmspec.model.Models;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands on the real project: its spec/, its vectors/ and the generated model. */
class ProjectCommandsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @BeforeAll
    static void home() {
        System.setProperty(ProjectPaths.HOME_PROPERTY, ROOT.toString());
    }

    @AfterAll
    static void clear() {
        System.clearProperty(ProjectPaths.HOME_PROPERTY);
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void lintAcceptsTheSpec() {
        CliRun r = run("lint");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("spec OK: " + Models.all().size() + " domains");
    }

    @Test
    void lintReportsFileLineColumnAndCaretWithExitTwo() throws Exception {
        Path bad = dir.resolve("bad.hvm");
        Files.writeString(bad, String.join("\n",
                "domain \"bad\";",
                "input { x: bits(8); }",
                "outcome done \"done\" { }",
                "evaluate {",
                "    let y: bits(8) = nope;",
                "    finish done();",
                "}", ""));
        CliRun r = run("lint", bad.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":5:22: undefined name 'nope'").contains("                     ^")
                .doesNotContain("Exception");
    }

    @Test
    void generateWritesTheCommittedVectors() throws Exception {
        CliRun r = run("generate", "--out", dir.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote");
        for (String f : new String[] {"manifest.json", "flags.json", "msr-access.jsonl", "schema/ept-walk.schema.json"}) {
            assertThat(Files.readAllBytes(dir.resolve(f))).as(f).isEqualTo(Files.readAllBytes(ROOT.resolve("vectors").resolve(f)));
        }
    }

    @Test
    void generateForAProfileWritesVectorsThatTheModelPasses() throws Exception {
        Path out = dir.resolve("haswell");
        CliRun r = run("generate", "--profile", ROOT.resolve("profiles/bochs-haswell.json").toString(), "--out", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("profile Bochs 2.7, cpu model=corei7_haswell_4770");
        assertThat(r.err().lines()).allMatch(l -> l.startsWith("note: ")).noneMatch(l -> l.contains("missed their aim"));
        assertThat(Files.readString(out.resolve("manifest.json"))).contains("\"profile\"");
        CliRun c = run("check", "--vectors", out.toString());
        assertThat(c.status()).as(c.out()).isZero();
        assertThat(c.out().lines().reduce((a, b) -> b).orElseThrow()).matches("\\d+ passed, 0 failed, 0 skipped");
    }

    @Test
    void generateRejectsABadProfileInOneLineAndNeverWritesTheCommittedVectors() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"hvmspec-profile/1\",\n \"msrs\": [}");
        CliRun r = run("generate", "--profile", bad.toString(), "--out", dir.resolve("o").toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("hvmspec: " + bad + ":2:").doesNotContain("Exception").hasLineCount(1);
        CliRun v = run("generate", "--profile", ROOT.resolve("profiles/bochs-haswell.json").toString(), "--out",
                ROOT.resolve("vectors").toString());
        assertThat(v.status()).isEqualTo(2);
        assertThat(v.err()).contains("does not write into the committed vectors/");
        CliRun k = run("generate", "--keep-unreachable", "--out", dir.resolve("k").toString());
        assertThat(k.status()).isEqualTo(2);
        assertThat(k.err()).isEqualTo("hvmspec generate: --keep-unreachable needs --profile (the committed vectors keep"
                + " every case)" + System.lineSeparator());
        assertThat(dir.resolve("k")).doesNotExist();
    }

    @Test
    void coverageShowsEveryRuleHeldAndViolated() {
        CliRun r = run("coverage");
        assertThat(r.status()).as(r.out()).isZero();
        int rules = Models.all().stream().mapToInt(m -> m.rules().size()).sum();
        assertThat(r.out()).contains("(100.0%), violated in").contains("both ways " + rules + " (100.0%)")
                .doesNotContain("not covered");
        CliRun md = run("coverage", "--markdown");
        assertThat(md.out()).startsWith("| domain | rule | SDM |").contains("| msr-access | `MSR_CPL_ZERO` | Vol. 3C 26.1.1");
    }

    /**
     * docs/misconceptions.md names vectors with the outcome they pin ("- `ID`: ... `kind`, reason N / error N"): each
     * must exist in the committed vectors with that outcome as its first expected one.
     */
    @Test
    void theVectorsThatDocsMisconceptionsCitesExistWithTheOutcomeItClaims() throws Exception {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "^- `([a-z-]+)/([A-Z0-9_]+/\\d{4})`: .*?`([a-z-]+)`(?:,? (?:reason|error) (\\d+))?");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Map<String, java.util.Map<String, com.fasterxml.jackson.databind.JsonNode>> byDomain = new java.util.HashMap<>();
        int cited = 0;
        for (String l : Files.readAllLines(ROOT.resolve("docs/misconceptions.md"), StandardCharsets.UTF_8)) {
            java.util.regex.Matcher m = line.matcher(l);
            if (!l.startsWith("- `")) continue;
            assertThat(m.find()).as("a vector line of docs/misconceptions.md in the form '- `ID`: ... `kind`': %s", l).isTrue();
            String domain = m.group(1);
            java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> vectors = byDomain.computeIfAbsent(domain, d -> {
                java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> all = new java.util.HashMap<>();
                try {
                    for (String v : Files.readAllLines(ROOT.resolve("vectors/" + d + ".jsonl"), StandardCharsets.UTF_8)) {
                        com.fasterxml.jackson.databind.JsonNode n = json.readTree(v);
                        all.put(n.path("id").asText(), n);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return all;
            });
            String id = domain + "/" + m.group(2);
            assertThat(vectors).as("docs/misconceptions.md cites %s", id).containsKey(id);
            com.fasterxml.jackson.databind.JsonNode first = vectors.get(id).path("expect").path(0);
            assertThat(first.path("kind").asText()).as("outcome kind of %s", id).isEqualTo(m.group(3));
            if (m.group(4) != null) {
                String member = first.has("exit_reason") ? "exit_reason" : "vm_instruction_error";
                assertThat(first.path(member).asInt()).as("%s of %s", member, id).isEqualTo(Integer.parseInt(m.group(4)));
            }
            cited++;
        }
        assertThat(cited).as("vectors cited by docs/misconceptions.md").isGreaterThanOrEqualTo(20);
    }

    @Test
    void theTraceabilityTableInDocsIsCurrent() throws Exception {
        String table = run("coverage", "--markdown").out();
        String doc = Files.readString(ROOT.resolve("docs/traceability.md"), StandardCharsets.UTF_8);
        assertThat(doc).as("docs/traceability.md is stale: regenerate it with ./hvmspec coverage --markdown")
                .endsWith(table);
    }

    @Test
    void explainShowsTheTraceEndingAtTheOutcome() {
        CliRun r = run("explain", "msr-access/MSR_LOW_BIT_CLEAR/0001");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("msr-access/MSR_LOW_BIT_CLEAR/0001", "input:", "expect (any of 1)")
                .contains("1. held      MSR_CPL_ZERO").contains("Vol. 3C 26.1.1 Relative Priority of Faults and VM Exits")
                .contains("violated  MSR_LOW_BIT_CLEAR").contains("outcome: {\"kind\":\"vm-exit\"").contains("matches expect: yes");
    }

    @Test
    void explainOfAnUnknownIdExitsTwoAndSuggests() {
        CliRun r = run("explain", "msr-access/MSR_CPL_ZERO/9999");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("no vector with ID msr-access/MSR_CPL_ZERO/9999").contains("msr-access/MSR_CPL_ZERO/0001");
    }

    @Test
    void theInterpreterPassesEveryVectorToo() {
        CliRun r = run("check", "--model", "interpreter");
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.out().lines().reduce((a, b) -> b).orElseThrow()).matches("\\d+ passed, 0 failed, 0 skipped");
    }

    @Test
    void resultsCapturedElsewhereAreCheckedLikeAnyImplementation() throws Exception {
        // A serial log: boot noise, then one reply per vector (computed by the model), one vector missing, one wrong.
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of("SeaBIOS (version 1.16)", "booting runner..."));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<String> vectorLines = Files.readAllLines(ROOT.resolve("vectors/msr-access.jsonl"));
        var model = Models.find("msr-access").orElseThrow();
        for (int i = 0; i < vectorLines.size(); i++) {
            var v = mapper.readTree(vectorLines.get(i));
            if (i == 7) continue;
            var reply = mapper.createObjectNode().put("id", v.get("id").asText());
            var outcome = model.evaluate(v.get("input"), dev.hvmspec.model.runtime.Trace.NONE).primary();
            if (i == 11) outcome = mapper.createObjectNode().put("kind", "no-exit").put("surprise", true);
            reply.set("outcome", outcome);
            lines.add(reply.toString());
        }
        lines.add("{\"done\": " + vectorLines.size() + "}");
        Path log = dir.resolve("serial.log");
        Files.write(log, lines);
        CliRun r = run("check", "--vectors", ROOT.resolve("vectors/msr-access.jsonl").toString(), "--results", log.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("no reply for this vector in " + log).contains("surprise")
                .endsWith((vectorLines.size() - 2) + " passed, 2 failed, 0 skipped" + System.lineSeparator());
        CliRun missing = run("check", "--results", dir.resolve("nope.log").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.log:1:1: cannot read the results file");
    }

    @Test
    void theCExampleAdapterPassesEveryMsrAccessVector() throws Exception {
        assumeTrue(exists("cc") && exists("make"), "no C compiler");
        Path src = ROOT.resolve("docs/examples/msr-adapter");
        Path work = Files.createDirectories(dir.resolve("msr-adapter"));
        for (String f : new String[] {"msr_adapter.c", "Makefile"}) Files.copy(src.resolve(f), work.resolve(f));
        Process make = new ProcessBuilder("make", "-C", work.toString()).redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as(log).isZero();
        CliRun r = run("check", "--vectors", ROOT.resolve("vectors/msr-access.jsonl").toString(),
                "--adapter", work.resolve("msr_adapter").toString());
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains(" passed, 0 failed, 0 skipped");
    }

    private static boolean exists(String tool) throws Exception {
        return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
    }
}
