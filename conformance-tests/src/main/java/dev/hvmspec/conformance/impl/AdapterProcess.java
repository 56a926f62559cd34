package dev.hvmspec.conformance.impl;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of the adapter program: the process and three daemon threads. The writer thread sends queued chunks and
 * flushes only when it has nothing more queued, so a batch of requests costs one system call; the reader thread splits
 * stdout into lines so the caller can wait for a line with a deadline; the stderr pump copies the adapter's diagnostics
 * to the log. Neither the caller's sends nor its waits can block on the adapter, which is what makes hangs detectable.
 */
final class AdapterProcess {

    /** Something the reader thread saw: a line, or the end of the adapter's output. */
    sealed interface Event {}

    record Line(byte[] bytes) implements Event {}

    /** Stdout closed (or failed, or a line was absurdly long); {@code why} explains the last two. */
    record End(Optional<String> why) implements Event {}

    /** A reply line longer than this is a fault, not something to buffer until memory runs out. */
    static final int MAX_LINE = 64 << 20;

    private static final byte[] CLOSE = new byte[0];
    private static final AtomicInteger SERIAL = new AtomicInteger();

    private final Process process;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> outgoing = new LinkedBlockingQueue<>();
    private volatile boolean abandoned;
    /** Copies the adapter's stderr to the log; {@link #kill} waits for it so that no diagnostic line is lost. */
    private Thread stderrPump;

    private AdapterProcess(Process process) {
        this.process = process;
    }

    static AdapterProcess start(String command, AdapterLog log) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", command).start();
        AdapterProcess ap = new AdapterProcess(p);
        int n = SERIAL.incrementAndGet();
        log.started(p.pid());
        daemon("hvmspec-adapter-writer-" + n, () -> ap.writeLoop(new BufferedOutputStream(p.getOutputStream(), 1 << 16)));
        daemon("hvmspec-adapter-reader-" + n, () -> ap.readLoop(new BufferedInputStream(p.getInputStream(), 1 << 16)));
        ap.stderrPump = daemon("hvmspec-adapter-stderr-" + n, () -> pumpStderr(p.getErrorStream(), log));
        return ap;
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    long pid() {
        return process.pid();
    }

    /** Queues bytes for the adapter's stdin; never blocks. */
    void send(byte[] chunk) {
        if (chunk.length > 0) {
            outgoing.add(chunk);
        }
    }

    /** Closes the adapter's stdin once everything queued has been written. */
    void closeInput() {
        outgoing.add(CLOSE);
    }

    /** The next line or end of output, or empty if none came before {@code deadlineNanos} ({@link System#nanoTime}). */
    Optional<Event> next(long deadlineNanos) {
        try {
            long wait = deadlineNanos - System.nanoTime();
            Event e = wait <= 0 ? events.poll() : events.poll(wait, TimeUnit.NANOSECONDS);
            return Optional.ofNullable(e);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The exit status if the process ends within {@code millis}. */
    OptionalInt exitStatus(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /**
     * Kills the adapter and everything it started. Descendants are listed before the parent dies, because once it is
     * gone they are re-parented and no longer found; a {@code sh -c} wrapper's child would otherwise live on holding
     * the pipes.
     */
    void kill() {
        abandoned = true;
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        outgoing.add(CLOSE);
        exitStatus(2000);
        // The last lines an adapter wrote before it crashed (its reason, often) are still in the pipe: let the pump
        // copy them to the log before the caller restarts the adapter or closes the log. Bounded: a descendant that
        // survived the kill could keep the pipe open.
        try {
            stderrPump.join(2000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop(OutputStream out) {
        try (out) {
            while (true) {
                byte[] chunk = outgoing.take();
                if (chunk == CLOSE) {
                    out.flush();
                    return;
                }
                if (!abandoned) {
                    out.write(chunk);
                }
                if (outgoing.isEmpty()) {
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // The adapter stopped reading (it exited or closed stdin). The reader thread sees the consequence and the
            // caller turns it into an error verdict; the queue is unbounded, so nobody waits on this thread.
            abandoned = true;
        }
    }

    private void readLoop(InputStream in) {
        byte[] buf = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int len = 0;
        String why = null;
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0 && !abandoned) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        int part = i - start;
                        if (len == 0) {
                            events.add(new Line(Arrays.copyOfRange(buf, start, i)));
                        } else {
                            line = append(line, len, buf, start, part);
                            events.add(new Line(Arrays.copyOf(line, len + part)));
                            len = 0;
                        }
                        start = i + 1;
                    }
                }
                if (start < n) {
                    if (len + (n - start) > MAX_LINE) {
                        why = "the adapter wrote a line longer than " + (MAX_LINE >> 20) + " MiB";
                        break;
                    }
                    line = append(line, len, buf, start, n - start);
                    len += n - start;
                }
            }
            if (len > 0 && why == null) {
                // A last reply without its line end still counts as a line.
                events.add(new Line(Arrays.copyOf(line, len)));
            }
        } catch (IOException e) {
            why = "reading the adapter's output failed: " + e.getMessage();
        }
        events.add(new End(Optional.ofNullable(why)));
    }

    private static byte[] append(byte[] line, int len, byte[] src, int from, int count) {
        byte[] target = line;
        if (len + count > target.length) {
            target = Arrays.copyOf(target, Math.max(target.length * 2, len + count));
        }
        System.arraycopy(src, from, target, len, count);
        return target;
    }

    private static void pumpStderr(InputStream err, AdapterLog log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            String s;
            while ((s = r.readLine()) != null) {
                log.line(s);
            }
        } catch (IOException e) {
            // The adapter is gone; its stderr with it.
        }
    }
}
