package dev.hvmspec.conformance.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Prints a check run for humans. The order is fixed because tools read the tail: per-domain summary lines, the failures
 * (at most {@code maxFailures} in full), skip reasons, warnings, optional statistics, then {@code E errors} and, as
 * the very last line, {@code P passed, F failed, S skipped} with F counting fails and errors together.
 */
public final class ReportWriter {

    /** @param maxFailures how many failures and errors to print in full; the rest are counted */
    public record Options(int maxFailures, boolean stats) {
        public static final Options DEFAULT = new Options(20, false);

        public Options {
            if (maxFailures < 0) {
                throw new IllegalArgumentException("maxFailures must not be negative");
            }
        }
    }

    private final Options options;

    public ReportWriter(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public void write(CheckResult result, PrintStream out) {
        out.println("hvmspec check: " + result.implementation() + ", " + result.verdicts().size() + " vectors");
        int width = result.domains().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (DomainTally d : result.domains().values()) {
            out.printf("  %-" + Math.max(1, width) + "s %7d vectors: %d passed, %d failed, %d errors, %d skipped%n",
                    d.domain(), d.total(), d.passed(), d.failed(), d.errors(), d.skipped());
        }
        int shown = 0;
        int notShown = 0;
        for (Verdict v : result.verdicts()) {
            if (v.status() != Verdict.Status.FAIL && v.status() != Verdict.Status.ERROR) {
                continue;
            }
            if (shown >= options.maxFailures()) {
                notShown++;
                continue;
            }
            shown++;
            out.println();
            printFailure(v, out);
        }
        if (notShown > 0) {
            out.println();
            out.println("(" + notShown + " more failures and errors not shown; --max-failures N shows more)");
        }
        Map<String, Integer> skipReasons = new LinkedHashMap<>();
        for (Verdict v : result.verdicts()) {
            if (v.status() == Verdict.Status.SKIP) {
                skipReasons.merge(v.vector().domain() + ": " + v.detail(), 1, Integer::sum);
            }
        }
        if (!skipReasons.isEmpty()) {
            out.println();
            int listed = 0;
            for (Map.Entry<String, Integer> e : skipReasons.entrySet()) {
                if (listed++ == 10) {
                    out.println("skipped: ... (" + (skipReasons.size() - 10) + " more reasons)");
                    break;
                }
                out.println("skipped " + e.getValue() + " (" + e.getKey() + ")");
            }
        }
        if (!result.warnings().isEmpty()) {
            out.println();
            result.warnings().forEach(w -> out.println("warning: " + w));
        }
        if (options.stats()) {
            double seconds = result.wall().toNanos() / 1e9;
            out.println();
            out.printf(java.util.Locale.ROOT, "stats: %d vectors checked in %.3f s, %.0f vectors/s%n", result.verdicts().size(), seconds,
                    seconds > 0 ? result.verdicts().size() / seconds : 0.0);
        }
        out.println(result.errors() + " errors");
        out.println(result.passed() + " passed, " + result.failed() + " failed, " + result.skipped() + " skipped");
        out.flush();
    }

    private static void printFailure(Verdict v, PrintStream out) {
        out.println((v.status() == Verdict.Status.FAIL ? "FAIL " : "ERROR ") + v.vector().id());
        out.println("  comment:  " + v.vector().comment());
        out.println("  at:       " + v.vector().location());
        if (v.vector().expect().size() == 1) {
            out.println("  expected: " + compact(v.vector().expect().get(0)));
        } else {
            out.println("  expected one of:");
            v.vector().expect().forEach(e -> out.println("    " + compact(e)));
        }
        if (v.status() == Verdict.Status.FAIL) {
            out.println("  actual:   " + v.actual().map(ReportWriter::compact).orElse("(none)"));
            if (!v.detail().isEmpty()) {
                out.println("  differs:  " + v.detail());
            }
        } else {
            out.println("  error:    " + v.detail());
        }
        out.println("  rules:    " + String.join(", ", v.vector().rules()));
        if (!v.vector().sdm().isEmpty()) {
            out.println("  sdm:      " + String.join("; ", v.vector().sdm()));
        }
        if (!v.vector().flags().isEmpty()) {
            out.println("  flags:    " + String.join(", ", v.vector().flags()));
        }
    }

    private static String compact(JsonNode node) {
        return node.toString();
    }
}
