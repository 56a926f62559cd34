package dev.hvmspec.dsl.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz tests of the front end. Under {@code mvn test} they run in regression mode: the seeds in
 * src/test/resources/dev/hvmspec/dsl/fuzz/FrontEndFuzzTestInputs/ (and an empty input). Set JAZZER_FUZZ=1 to fuzz.
 */
class FrontEndFuzzTest {

    /** (a) Arbitrary text: parse + check throw nothing but SpecException. */
    @FuzzTest(maxDuration = "10s")
    void arbitraryText(byte[] data) {
        FrontEndFuzzTargets.parseAndCheck(new String(data, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** (b) A real spec file with random bytes spliced in, checked together with the other real files. */
    @FuzzTest(maxDuration = "10s")
    void mutatedRealSpec(FuzzedDataProvider data) {
        int file = data.consumeInt(0, FrontEndFuzzTargets.SPEC_TEXTS.size() - 1);
        String text = FrontEndFuzzTargets.SPEC_TEXTS.get(file);
        int edits = data.consumeInt(1, 4);
        for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
            int at = data.consumeInt(0, text.length());
            int delete = data.consumeInt(0, 16);
            String insert = data.consumeString(24);
            text = FrontEndFuzzTargets.splice(text, at, delete, insert);
        }
        FrontEndFuzzTargets.parseAndCheckWithRealFiles(file, text);
    }
}
