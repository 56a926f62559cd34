package dev.hvmspec.conformance.impl;

import static dev.hvmspec.conformance.testing.Vectors.vector;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hvmspec.conformance.check.CheckResult;
import dev.hvmspec.conformance.check.Checker;
import dev.hvmspec.conformance.check.Verdict;
import dev.hvmspec.conformance.check.Verdict.Status;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The adapter client against small fake adapters written as shell scripts. */
class AdapterImplementationTest {

    /** A recognisable sleep, so the test can check that a hung adapter's child was killed too. */
    private static final String HANG_SECONDS = "617";

    private static final String HANDSHAKE =
            "{\"protocol\":\"hvmspec-adapter/1\",\"name\":\"fake\",\"version\":\"1.0\",\"domains\":[\"d1\"]}";

    // Behaviour is chosen by the id of each request, so a restarted adapter behaves the same for the vectors after.
    private static final String FAKE = """
            #!/bin/sh
            echo "adapter starting" >&2
            printf '%s\\n' "$HANDSHAKE"
            while IFS= read -r line; do
              id=${line#'{"id":"'}; id=${id%%'"'*}
              case "$id" in
                *crash*) echo "boom" >&2; exit 3 ;;
                *earlyexit*) exit 0 ;;
                *hang*) sleep $HANG ;;
                *garbage*) echo 'this is not json' ;;
                *wrongid*) printf '{"id":"nope","outcome":{"kind":"ok"}}\\n' ;;
                *badschema*) printf '{"id":"%s","outcome":{"kind":"ok","v":12}}\\n' "$id" ;;
                *nokind*) printf '{"id":"%s","outcome":{"v":"0x1"}}\\n' "$id" ;;
                *twokinds*) printf '{"id":"%s","outcome":{"kind":"ok"},"error":"x"}\\n' "$id" ;;
                *unsup*) printf '{"id":"%s","unsupported":"not modelled"}\\n' "$id" ;;
                *adaptererror*) printf '{"id":"%s","error":"cannot run"}\\n' "$id" ;;
                *wrong*) printf '{"id":"%s","outcome":{"kind":"ok","v":"0x2"}}\\n' "$id" ;;
                *) printf '{"id":"%s","outcome":{"kind":"ok","v":"0x01"}}\\n' "$id" ;;
              esac
            done
            exit ${FINAL_STATUS:-0}
            """;

    /** Outcomes of the fakes must carry {@code v} as a hex string when they carry it at all. */
    private static final OutcomeValidator HEX_V = (domain, outcome) -> {
        JsonNode v = outcome.get("v");
        return v == null || v.isTextual() ? Optional.empty() : Optional.of("/v: must be a hex string");
    };

    @TempDir
    Path dir;
    private Path fake;
    private Path log;

    @BeforeEach
    void writeFake() throws IOException {
        fake = dir.resolve("fake.sh");
        Files.writeString(fake, FAKE);
        log = dir.resolve("adapter.log");
    }

    private AdapterSettings settings(String env) {
        return AdapterSettings.of(env + " HANDSHAKE='" + HANDSHAKE + "' HANG=" + HANG_SECONDS + " sh " + fake)
                .withTimeout(Duration.ofSeconds(1))
                .withHandshakeTimeout(Duration.ofSeconds(5))
                .withValidator(HEX_V)
                .withStderrLog(log);
    }

    private static List<Vector> vectors(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> vector(id)).toList();
    }

    /** Runs the vectors and checks that exactly one reply per vector arrived, in order. */
    private static List<Reply> run(AdapterImplementation adapter, List<Vector> vectors) {
        List<Reply> replies = new ArrayList<>();
        List<String> order = new ArrayList<>();
        adapter.evaluate(vectors, (v, r) -> {
            order.add(v.id());
            replies.add(r);
        });
        assertThat(order).containsExactlyElementsOf(vectors.stream().map(Vector::id).toList());
        return replies;
    }

    @Test
    void goodAdapterPassesEverything() {
        List<Vector> vectors = IntStream.range(0, 200).mapToObj(i -> vector(String.format("d1/ok/%03d", i))).toList();
        try (AdapterImplementation adapter = new AdapterImplementation(settings("env").withWindow(8))) {
            CheckResult result = new Checker().run(vectors, adapter);
            assertThat(result.passed()).isEqualTo(200);
            assertThat(result.warnings()).isEmpty();
            assertThat(adapter.restarts()).isZero();
            assertThat(adapter.name()).startsWith("fake 1.0 (adapter: ");
            assertThat(adapter.domains()).containsExactly("d1");
        }
    }

    @ParameterizedTest(name = "window {0}")
    @ValueSource(ints = {1, 64})
    void everyFaultGivesAnErrorForThatVectorOnlyAndTheRunGoesOn(int window) throws IOException {
        List<Vector> vectors = vectors(
                "d1/00-ok", "d1/01-garbage", "d1/02-ok", "d1/03-wrongid", "d1/04-ok", "d1/05-badschema",
                "d1/06-nokind", "d1/07-twokinds", "d1/08-unsup", "d1/09-adaptererror", "d1/10-wrong", "d1/11-crash",
                "d1/12-ok", "d1/13-earlyexit", "d1/14-ok", "d2/15-ok", "d1/16-hang", "d1/17-ok");
        try (AdapterImplementation adapter = new AdapterImplementation(settings("env").withWindow(window))) {
            CheckResult result = new Checker().run(vectors, adapter);
            assertThat(result.verdicts()).extracting(Verdict::status).containsExactly(
                    Status.PASS, Status.ERROR, Status.PASS, Status.ERROR, Status.PASS, Status.ERROR,
                    Status.ERROR, Status.ERROR, Status.SKIP, Status.ERROR, Status.FAIL, Status.ERROR,
                    Status.PASS, Status.ERROR, Status.PASS, Status.SKIP, Status.ERROR, Status.PASS);
            List<String> details = result.verdicts().stream().map(Verdict::detail).toList();
            assertThat(details.get(1)).isEqualTo("the reply is not JSON: \"this is not json\"");
            assertThat(details.get(3)).isEqualTo("the reply names id \"nope\", expected \"d1/03-wrongid\"");
            assertThat(details.get(5)).isEqualTo("the outcome breaks the d1 outcome schema: /v: must be a hex string");
            assertThat(details.get(6)).startsWith("the outcome is not an object with a string \"kind\"");
            assertThat(details.get(7)).startsWith("the reply must have exactly one of");
            assertThat(details.get(8)).isEqualTo("not modelled");
            assertThat(details.get(9)).isEqualTo("the adapter reported: cannot run");
            assertThat(details.get(10)).isEqualTo("v: expected \"0x1\", got \"0x2\"");
            assertThat(details.get(11)).isEqualTo("the adapter exited with status 3 before answering");
            assertThat(details.get(13)).isEqualTo("the adapter exited with status 0 before answering");
            assertThat(details.get(15)).isEqualTo("domain d2 is not listed in the adapter's handshake");
            assertThat(details.get(16)).isEqualTo("no reply within 1 s");
            assertThat(adapter.restarts()).isEqualTo(8);
            assertThat(result.warnings()).isEmpty();
        }
        assertThat(Files.readString(log)).contains("boom", "adapter starting");
        assertNoProcessSleeping();
    }

    private static void assertNoProcessSleeping() {
        List<String> left = ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("sleep " + HANG_SECONDS))
                .toList();
        assertThat(left).as("the hung adapter's child must be killed").isEmpty();
    }

    @Test
    void nonZeroExitAfterAllAnswersIsAWarningNotAVerdict() {
        try (AdapterImplementation adapter = new AdapterImplementation(settings("env FINAL_STATUS=4"))) {
            CheckResult result = new Checker().run(vectors("d1/a", "d1/b"), adapter);
            assertThat(result.passed()).isEqualTo(2);
            assertThat(result.warnings()).containsExactly(
                    "the adapter exited with status 4 after answering every request");
        }
    }

    @Test
    void adapterThatIgnoresTheEndOfItsInputIsKilledWithAWarning() throws IOException {
        Path stubborn = dir.resolve("stubborn.sh");
        Files.writeString(stubborn, "echo '" + HANDSHAKE + "'\n"
                + "while IFS= read -r line; do id=${line#'{\"id\":\"'}; id=${id%%'\"'*};"
                + " printf '{\"id\":\"%s\",\"outcome\":{\"kind\":\"ok\",\"v\":\"0x1\"}}\\n' \"$id\"; done\n"
                + "sleep " + HANG_SECONDS + "\n");
        try (AdapterImplementation adapter = new AdapterImplementation(
                AdapterSettings.of("sh " + stubborn).withTimeout(Duration.ofSeconds(1)))) {
            CheckResult result = new Checker().run(vectors("d1/a"), adapter);
            assertThat(result.passed()).isEqualTo(1);
            assertThat(result.warnings()).containsExactly(
                    "the adapter did not close its output within 1 s of its stdin being closed; killed");
        }
        assertNoProcessSleeping();
    }

    @Test
    void adapterThatOmitsADomainGetsItsVectorsSkippedInOrder() {
        try (AdapterImplementation adapter = new AdapterImplementation(settings("env"))) {
            List<Reply> replies = run(adapter, vectors("d2/a", "d1/b", "d2/c", "d3/d", "d1/e", "d2/f"));
            assertThat(replies).extracting(r -> r.getClass().getSimpleName())
                    .containsExactly("Unsupported", "Outcome", "Unsupported", "Unsupported", "Outcome", "Unsupported");
        }
    }

    @Test
    void badHandshakesGiveEveryVectorAnError() throws IOException {
        Path hang = dir.resolve("hang.sh");
        Files.writeString(hang, "sleep " + HANG_SECONDS + "\n");
        String[][] cases = {
                {"echo not-json", "the adapter did not start: the handshake is not JSON: \"not-json\""},
                {"exit 7", "the adapter did not start: it exited with status 7 before its handshake"},
                {"echo '{\"protocol\":\"hvmspec-adapter/2\",\"name\":\"x\",\"version\":\"1\",\"domains\":[]}'",
                        "the adapter did not start: the adapter speaks hvmspec-adapter/2; this harness speaks hvmspec-adapter/1"},
                {"echo '{\"protocol\":\"hvmspec-adapter/1\",\"name\":\"x\",\"domains\":[]}'",
                        "the adapter did not start: the handshake needs a string \"name\", a string \"version\" and an array \"domains\""},
                {"sh " + hang, "the adapter did not start: no handshake within 0.300 s"},
        };
        for (String[] c : cases) {
            AdapterSettings s = AdapterSettings.of(c[0]).withHandshakeTimeout(Duration.ofMillis(300)).withStderrLog(log);
            try (AdapterImplementation adapter = new AdapterImplementation(s)) {
                CheckResult result = new Checker().run(vectors("d1/a", "d1/b", "d2/c"), adapter);
                assertThat(result.verdicts()).as(c[0]).allSatisfy(v -> {
                    assertThat(v.status()).isEqualTo(Status.ERROR);
                    assertThat(v.detail()).startsWith(c[1]);
                });
                assertThat(adapter.domains()).isEmpty();
            }
        }
        assertNoProcessSleeping();
    }

    @Test
    void givesUpAfterTooManyRestartsButAccountsForEveryVector() {
        List<Vector> vectors = IntStream.range(0, 6).mapToObj(i -> vector("d1/garbage/" + i)).toList();
        try (AdapterImplementation adapter = new AdapterImplementation(settings("env").withMaxRestarts(2))) {
            CheckResult result = new Checker().run(vectors, adapter);
            assertThat(result.errors()).isEqualTo(6);
            assertThat(result.verdicts()).extracting(Verdict::detail).endsWith(
                    "the adapter was restarted 2 times; giving up on it",
                    "the adapter was restarted 2 times; giving up on it",
                    "the adapter was restarted 2 times; giving up on it");
            assertThat(result.warnings()).containsExactly("the adapter was restarted 2 times; giving up on it");
        }
    }

    @Test
    void requestsCarryIdDomainAndInputOnly() throws IOException {
        Path capture = dir.resolve("requests.jsonl");
        Path tee = dir.resolve("tee.sh");
        Files.writeString(tee, "echo '" + HANDSHAKE + "'\n"
                + "while IFS= read -r line; do printf '%s\\n' \"$line\" >> " + capture + "; "
                + "id=${line#'{\"id\":\"'}; id=${id%%'\"'*}; printf '{\"id\":\"%s\",\"unsupported\":\"x\"}\\n' \"$id\"; done\n");
        try (AdapterImplementation adapter = new AdapterImplementation(AdapterSettings.of("sh " + tee))) {
            run(adapter, vectors("d1/a"));
        }
        assertThat(Files.readString(capture)).isEqualTo(
                "{\"id\":\"d1/a\",\"domain\":\"d1\",\"input\":{\"x\":\"0x1\",\"nested\":{\"0x10\":\"0xff\"}}}\n");
    }

    @Test
    void throughputThroughATrivialAdapter() throws IOException {
        // awk answers with an outcome for every request; this measures the harness, not the adapter. mawk reads a pipe
        // in blocks unless told to be interactive, which would stall a pipelined conversation.
        Path program = dir.resolve("trivial.awk");
        Files.writeString(program, "BEGIN { print \"" + HANDSHAKE.replace("\"", "\\\"") + "\"; fflush() }\n"
                + "{ id = substr($0, 8); sub(/\".*/, \"\", id);"
                + " print \"{\\\"id\\\":\\\"\" id \"\\\",\\\"outcome\\\":{\\\"kind\\\":\\\"ok\\\",\\\"v\\\":\\\"0x1\\\"}}\";"
                + " fflush() }\n");
        String awk = "if command -v mawk >/dev/null; then exec mawk -W interactive -f " + program
                + "; else exec awk -f " + program + "; fi";
        int n = 100_000;
        List<Vector> vectors = IntStream.range(0, n).mapToObj(i -> vector(String.format("d1/perf/%06d", i))).toList();
        try (AdapterImplementation adapter = new AdapterImplementation(
                AdapterSettings.of(awk).withTimeout(Duration.ofSeconds(1)).withMaxRestarts(1))) {
            CheckResult result = new Checker().run(vectors, adapter);
            double rate = n / (result.wall().toNanos() / 1e9);
            System.out.printf("adapter throughput: %d vectors in %.3f s = %.0f vectors/s%n", n,
                    result.wall().toNanos() / 1e9, rate);
            assertThat(result.passed()).isEqualTo(n);
            assertThat(result.warnings()).isEmpty();
            // The target is 30,000/s on 2 cores; the assertion leaves room for a loaded CI machine.
            assertThat(rate).isGreaterThan(5_000);
        }
    }
}
