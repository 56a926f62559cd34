package dev.hvmspec.conformance.bochs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.conformance.vectors.VectorReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs a small batch of msr-access vectors on Bochs through the runner kernel. Skipped (not failed) when bochs is not
 * on PATH; CI needs {@value BochsImplementation#INSTALL_HINT} plus make, gcc and binutils to run it.
 */
class BochsImplementationTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void smallMsrAccessBatchAgreesWithTheVectors() throws Exception {
        Assumptions.assumeTrue(BochsImplementation.onPath("bochs").isPresent(),
                "bochs is not on PATH; install it with: " + BochsImplementation.INSTALL_HINT);
        Assumptions.assumeTrue(BochsImplementation.onPath("make").isPresent() && BochsImplementation.onPath("gcc").isPresent(),
                "make and gcc are needed to build runner/");
        Path file = ROOT.resolve("vectors/msr-access.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(file), "no vectors/msr-access.jsonl at " + file);
        List<Vector> all = new VectorReader().read(file);
        // Every 40th vector: all instructions, CPLs and bitmap shapes, in one boot.
        List<Vector> sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 40) sample.add(all.get(i));
        // A vector of another domain must be skipped without running.
        Vector other = new Vector("cr-access/X/0001", "cr-access", List.of(), List.of(), "", List.of(),
                all.get(0).input(), all.get(0).expect(), file, 0);
        sample.add(3, other);

        List<Reply> replies = new ArrayList<>();
        List<Vector> order = new ArrayList<>();
        try (BochsImplementation bochs = new BochsImplementation(
                BochsImplementation.Settings.of(ROOT.resolve("runner"), BochsImplementation.MODELS.get("haswell")))) {
            bochs.evaluate(sample, (v, r) -> {
                order.add(v);
                replies.add(r);
            });
            assertEquals(1, bochs.boots(), "one boot for a small batch");
            assertTrue(bochs.warnings().isEmpty(), () -> "warnings: " + bochs.warnings());
        }
        assertEquals(sample, order, "one reply per vector, in order");
        for (int i = 0; i < sample.size(); i++) {
            Vector v = sample.get(i);
            Reply r = replies.get(i);
            if (v == other) {
                assertEquals(new Reply.Unsupported(BochsImplementation.OTHER_DOMAIN), r);
                continue;
            }
            Reply.Outcome o = assertInstanceOf(Reply.Outcome.class, r, () -> v.id() + ": " + r);
            assertTrue(OutcomeMatcher.matchesAny(v.expect(), o.outcome()),
                    () -> v.id() + ": Bochs gave " + o.outcome() + ", expected " + v.expect());
        }
    }

    /**
     * The runnable vectors (all of msr-access) on the haswell model: CI's check of the vectors against an independent
     * VMX implementation. A disagreement fails unless docs/findings/bochs.md lists it as a known Bochs deviation
     * (none is listed today).
     */
    @Test
    void everyRunnableVectorAgreesWithBochsHaswell() throws Exception {
        Assumptions.assumeTrue(BochsImplementation.onPath("bochs").isPresent(),
                "bochs is not on PATH; install it with: " + BochsImplementation.INSTALL_HINT);
        Assumptions.assumeTrue(BochsImplementation.onPath("make").isPresent() && BochsImplementation.onPath("gcc").isPresent(),
                "make and gcc are needed to build runner/");
        List<Vector> all = new VectorReader().read(ROOT.resolve("vectors/msr-access.jsonl"));
        List<String> disagreements = new ArrayList<>();
        try (BochsImplementation bochs = new BochsImplementation(
                BochsImplementation.Settings.of(ROOT.resolve("runner"), BochsImplementation.MODELS.get("haswell")))) {
            bochs.evaluate(all, (v, r) -> {
                boolean agrees = r instanceof Reply.Outcome o && OutcomeMatcher.matchesAny(v.expect(), o.outcome());
                if (!agrees && disagreements.size() < 20) disagreements.add(v.id() + ": Bochs gave " + r + ", expected " + v.expect());
            });
        }
        assertTrue(disagreements.isEmpty(), () -> String.join("\n", disagreements));
    }

    @Test
    void batchImagesFitOneBochsMemoryBlock() {
        assertEquals(255, BatchWriter.RECORDS_PER_IMAGE);
        assertTrue(BatchWriter.HEADER_SIZE + BatchWriter.RECORDS_PER_IMAGE * BatchWriter.RECORD_SIZE <= BatchWriter.IMAGE_SIZE);
    }
}
