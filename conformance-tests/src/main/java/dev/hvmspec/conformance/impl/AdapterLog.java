package dev.hvmspec.conformance.impl;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Where the adapter's stderr goes: a log file, or the harness's stderr with each line prefixed {@code [adapter] }. */
final class AdapterLog implements AutoCloseable {

    private final Optional<Writer> file;
    private final PrintStream console;

    private AdapterLog(Optional<Writer> file, PrintStream console) {
        this.file = file;
        this.console = console;
    }

    static AdapterLog open(Optional<Path> path) throws IOException {
        if (path.isEmpty()) {
            return new AdapterLog(Optional.empty(), System.err);
        }
        Path parent = path.get().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new AdapterLog(Optional.of(Files.newBufferedWriter(path.get(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)), System.err);
    }

    synchronized void started(long pid) {
        if (file.isPresent()) {
            write("--- adapter started, pid " + pid + " ---");
        }
    }

    synchronized void line(String s) {
        if (file.isPresent()) {
            write(s);
        } else {
            console.println("[adapter] " + s);
        }
    }

    private void write(String s) {
        try {
            file.get().write(s);
            file.get().write('\n');
            file.get().flush();
        } catch (IOException e) {
            console.println("[adapter] " + s);
        }
    }

    @Override
    public synchronized void close() {
        file.ifPresent(w -> {
            try {
                w.close();
            } catch (IOException e) {
                // Nothing useful to do about a log that cannot be closed.
            }
        });
    }
}
