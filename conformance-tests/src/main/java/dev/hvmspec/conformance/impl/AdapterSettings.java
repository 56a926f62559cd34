package dev.hvmspec.conformance.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run an adapter.
 *
 * @param command          run through {@code sh -c}
 * @param timeout          how long one vector may take, counted from when it was sent or from the previous reply,
 *                         whichever is later (so a full pipeline is not penalised for the vectors ahead of it)
 * @param handshakeTimeout how long the adapter may take to print its handshake (interpreters and JVMs start slowly)
 * @param window           the most requests sent and not yet answered
 * @param maxRestarts      restarts after which the harness gives up on the adapter and gives every remaining vector
 *                         an error verdict: an adapter that fails every vector would otherwise take hours to time out
 * @param validator        checks each outcome against its domain's outcome schema
 * @param stderrLog        where the adapter's stderr goes: appended to this file, or when empty, the harness's stderr
 *                         with each line prefixed {@code [adapter] }
 */
public record AdapterSettings(
        String command,
        Duration timeout,
        Duration handshakeTimeout,
        int window,
        int maxRestarts,
        OutcomeValidator validator,
        Optional<Path> stderrLog) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MIN_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    // Large enough that neither side waits for the other in a warm run (measured: docs/performance.md); a fault re-sends
    // at most this many requests to the restarted adapter.
    public static final int DEFAULT_WINDOW = 256;
    public static final int DEFAULT_MAX_RESTARTS = 50;

    public AdapterSettings {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(stderrLog, "stderrLog");
        if (timeout.isNegative() || timeout.isZero() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (window < 1 || maxRestarts < 0) {
            throw new IllegalArgumentException("window must be at least 1 and maxRestarts not negative");
        }
    }

    /** Defaults: 5 s per vector, 10 s for the handshake, 256 outstanding, 50 restarts, no schema check, stderr. */
    public static AdapterSettings of(String command) {
        return new AdapterSettings(command, DEFAULT_TIMEOUT, MIN_HANDSHAKE_TIMEOUT, DEFAULT_WINDOW,
                DEFAULT_MAX_RESTARTS, OutcomeValidator.ANY, Optional.empty());
    }

    /** Sets the per-vector timeout; the handshake gets at least {@link #MIN_HANDSHAKE_TIMEOUT}. */
    public AdapterSettings withTimeout(Duration t) {
        Duration handshake = t.compareTo(MIN_HANDSHAKE_TIMEOUT) > 0 ? t : MIN_HANDSHAKE_TIMEOUT;
        return new AdapterSettings(command, t, handshake, window, maxRestarts, validator, stderrLog);
    }

    public AdapterSettings withHandshakeTimeout(Duration t) {
        return new AdapterSettings(command, timeout, t, window, maxRestarts, validator, stderrLog);
    }

    public AdapterSettings withWindow(int w) {
        return new AdapterSettings(command, timeout, handshakeTimeout, w, maxRestarts, validator, stderrLog);
    }

    public AdapterSettings withMaxRestarts(int n) {
        return new AdapterSettings(command, timeout, handshakeTimeout, window, n, validator, stderrLog);
    }

    public AdapterSettings withValidator(OutcomeValidator v) {
        return new AdapterSettings(command, timeout, handshakeTimeout, window, maxRestarts, v, stderrLog);
    }

    public AdapterSettings withStderrLog(Path log) {
        return new AdapterSettings(command, timeout, handshakeTimeout, window, maxRestarts, validator,
                Optional.of(log));
    }
}
