package dev.hvmspec.conformance.check;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.impl.Implementation;
import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs vectors through an implementation and turns its replies into verdicts. */
public final class Checker {

    /** Where progress lines go and how often: quiet for runs shorter than the interval. */
    public record Progress(Optional<PrintStream> out, Duration interval) {
        public static final Progress NONE = new Progress(Optional.empty(), Duration.ofSeconds(5));

        /** Progress on stderr: every 2 s on a terminal, every 5 s otherwise (CI logs need not be flooded). */
        public static Progress stderr() {
            return new Progress(Optional.of(System.err), Duration.ofSeconds(System.console() != null ? 2 : 5));
        }
    }

    private final Progress progress;

    public Checker(Progress progress) {
        this.progress = progress;
    }

    public Checker() {
        this(Progress.NONE);
    }

    /** Runs every vector; never throws for a fault of the implementation. */
    public CheckResult run(List<Vector> vectors, Implementation implementation) {
        long start = System.nanoTime();
        List<Verdict> verdicts = new ArrayList<>(vectors.size());
        Map<String, DomainTally> tallies = new LinkedHashMap<>();
        for (Vector v : vectors) {
            tallies.computeIfAbsent(v.domain(), d -> new DomainTally(d, 0, 0, 0, 0));
        }
        long interval = progress.interval().toNanos();
        long[] nextReport = {start + interval};
        int[] failing = {0};
        implementation.evaluate(vectors, (vector, reply) -> {
            Verdict verdict = judge(vector, reply);
            verdicts.add(verdict);
            tallies.merge(vector.domain(), new DomainTally(vector.domain(), 0, 0, 0, 0).plus(verdict.status()),
                    DomainTally::plus);
            if (verdict.status() == Verdict.Status.FAIL || verdict.status() == Verdict.Status.ERROR) {
                failing[0]++;
            }
            if (progress.out().isPresent() && (verdicts.size() & 255) == 0) {
                long now = System.nanoTime();
                if (now >= nextReport[0]) {
                    nextReport[0] = now + interval;
                    progress.out().get().printf("hvmspec: checked %d of %d vectors (%d%%), %d failed%n",
                            verdicts.size(), vectors.size(), 100L * verdicts.size() / vectors.size(), failing[0]);
                }
            }
        });
        if (verdicts.size() != vectors.size()) {
            // An implementation that lost replies is a harness bug; say so rather than report a short count.
            throw new IllegalStateException(implementation.name() + " delivered " + verdicts.size() + " replies for "
                    + vectors.size() + " vectors");
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        return new CheckResult(implementation.name(), verdicts, tallies, wall, implementation.warnings());
    }

    /** The verdict for one reply. */
    public static Verdict judge(Vector vector, Reply reply) {
        if (reply instanceof Reply.Outcome o) {
            ObjectNode actual = o.outcome();
            if (OutcomeMatcher.matchesAny(vector.expect(), actual)) {
                return new Verdict(vector, Verdict.Status.PASS, Optional.of(actual), "");
            }
            String detail = vector.expect().size() == 1
                    ? OutcomeMatcher.mismatch(vector.expect().get(0), actual).orElse("")
                    : "matches none of the " + vector.expect().size() + " allowed outcomes";
            return new Verdict(vector, Verdict.Status.FAIL, Optional.of(actual), detail);
        }
        if (reply instanceof Reply.Unsupported u) {
            return new Verdict(vector, Verdict.Status.SKIP, Optional.empty(), u.reason());
        }
        return new Verdict(vector, Verdict.Status.ERROR, Optional.empty(), ((Reply.Error) reply).reason());
    }
}
