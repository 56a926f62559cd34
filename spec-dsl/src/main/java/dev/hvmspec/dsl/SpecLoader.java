package dev.hvmspec.dsl;

import dev.hvmspec.dsl.ast.Pos;
import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.check.Checker;
import dev.hvmspec.dsl.diag.Diagnostic;
import dev.hvmspec.dsl.diag.SpecException;
import dev.hvmspec.dsl.parse.SpecParser;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The front end in one call: reads every {@code *.hvm} file of a spec directory (or the files given), parses and
 * checks them. The result keeps the sources so that diagnostics can quote them.
 */
public final class SpecLoader {

    /** A checked spec and the text of its files. */
    public record Loaded(List<CheckedDomain> domains, Map<String, String> sources) {}

    private SpecLoader() {}

    /** Loads a directory of spec files or a list of files; file paths in diagnostics are as given. */
    public static Loaded load(List<Path> paths) throws SpecException, IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".hvm")).sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        Map<String, String> sources = new LinkedHashMap<>();
        List<Diagnostic> errors = new ArrayList<>();
        List<SpecFile> parsed = new ArrayList<>();
        for (Path f : files) {
            String name = f.toString();
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f))).toString();
            } catch (CharacterCodingException e) {
                errors.add(new Diagnostic(new Pos(name, 1, 1), "not valid UTF-8"));
                continue;
            } catch (IOException e) {
                errors.add(new Diagnostic(new Pos(name, 1, 1), "cannot read: " + e.getMessage()));
                continue;
            }
            sources.put(name, text);
            try {
                parsed.add(SpecParser.parse(name, text));
            } catch (SpecException e) {
                errors.addAll(e.diagnostics());
            }
        }
        if (files.isEmpty()) {
            errors.add(new Diagnostic(new Pos(paths.isEmpty() ? "spec" : paths.get(0).toString(), 1, 1), "no spec files (*.hvm) found"));
        }
        if (!errors.isEmpty()) {
            throw new LoadException(errors, sources);
        }
        try {
            return new Loaded(Checker.check(parsed), sources);
        } catch (SpecException e) {
            throw new LoadException(e.diagnostics(), sources);
        }
    }

    /** A spec that failed to load, with the sources needed to quote the offending lines. */
    public static final class LoadException extends SpecException {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, String> sources;

        LoadException(List<Diagnostic> diagnostics, Map<String, String> sources) {
            super(diagnostics);
            this.sources = Map.copyOf(sources);
        }

        public Map<String, String> sources() {
            return sources;
        }
    }
}
