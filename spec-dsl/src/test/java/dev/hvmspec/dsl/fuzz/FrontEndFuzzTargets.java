package dev.hvmspec.dsl.fuzz;

import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.check.Checker;
import dev.hvmspec.dsl.diag.SpecException;
import dev.hvmspec.dsl.parse.SpecParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The property every fuzz test checks: the front end fails only with {@link SpecException}. */
final class FrontEndFuzzTargets {

    private FrontEndFuzzTargets() {}

    /** The real spec files, library first so that a mutated domain still sees vmx_common. */
    static final List<Path> SPEC_FILES = specFiles();
    static final List<String> SPEC_TEXTS = SPEC_FILES.stream().map(FrontEndFuzzTargets::read).toList();

    /** The real files parsed once (ASTs are immutable, so checks can share them). */
    static final List<SpecFile> SPEC_ASTS = SPEC_FILES.stream().map(FrontEndFuzzTargets::parseReal).toList();

    private static SpecFile parseReal(Path p) {
        try {
            return SpecParser.parse(p.toString(), read(p));
        } catch (SpecException e) {
            throw new IllegalStateException("the real spec does not parse: " + e.getMessage(), e);
        }
    }

    private static List<Path> specFiles() {
        try (Stream<Path> s = Files.list(Path.of("../spec"))) {
            return s.filter(p -> p.toString().endsWith(".hvm")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses and checks one text alone; anything but SpecException propagates and fails the fuzz test. */
    static void parseAndCheck(String text) {
        try {
            Checker.check(List.of(SpecParser.parse("fuzz.hvm", text)));
        } catch (SpecException expected) {
            // A rejected spec is fine.
        }
    }

    /** Replaces spec file {@code index} by {@code mutated} and parses and checks the whole spec. */
    static void parseAndCheckWithRealFiles(int index, String mutated) {
        try {
            List<SpecFile> files = new ArrayList<>();
            for (int i = 0; i < SPEC_FILES.size(); i++) {
                files.add(i == index ? SpecParser.parse(SPEC_FILES.get(i).toString(), mutated) : SPEC_ASTS.get(i));
            }
            Checker.check(files);
        } catch (SpecException expected) {
            // A rejected spec is fine.
        }
    }

    /** Deletes {@code delete} characters at {@code at} of {@code text} and inserts {@code insert} there. */
    static String splice(String text, int at, int delete, String insert) {
        int start = Math.floorMod(at, text.length() + 1);
        int end = Math.min(text.length(), start + Math.max(0, delete));
        return text.substring(0, start) + insert + text.substring(end);
    }
}
