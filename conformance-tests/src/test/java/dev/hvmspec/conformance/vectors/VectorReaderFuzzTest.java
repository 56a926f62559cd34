package dev.hvmspec.conformance.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Robustness of {@link VectorReader}: whatever bytes a {@code <domain>.jsonl} file or a {@code manifest.json} holds,
 * {@code read} returns vectors or throws {@link VectorFormatException} whose every diagnostic prints as
 * {@code path:line:col: message} with line and column at least 1; never any other exception.
 *
 * <p>The {@code @FuzzTest}s run their seeds (src/test/resources/dev/hvmspec/conformance/vectors/VectorReaderFuzzTestInputs/)
 * under {@code mvn test}; set JAZZER_FUZZ=1 to fuzz. {@link #mutatedRealFiles()} is the seeded-random companion:
 * 10,000 mutations of real vector lines and of a real manifest.
 */
class VectorReaderFuzzTest {
    private static final Path ROOT = locateRoot();
    private static final List<String> REAL_LINES = realLines();
    private static final Pattern PRINTED = Pattern.compile("(.+):(\\d+):(\\d+): (.*)", Pattern.DOTALL);

    /** Arbitrary bytes as a domain file. */
    @FuzzTest(maxDuration = "10s")
    void jsonlFile(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("vr-fuzz");
        try {
            Path file = dir.resolve("msr-access.jsonl");
            Files.write(file, data);
            readAndCheck(file);
        } finally {
            delete(dir);
        }
    }

    /** Arbitrary bytes as the manifest of a directory that also holds a small valid domain file. */
    @FuzzTest(maxDuration = "10s")
    void manifestDirectory(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("vr-fuzz");
        try {
            Files.write(dir.resolve("msr-access.jsonl"), smallDomainFile());
            Files.write(dir.resolve(VectorReader.MANIFEST), data);
            readAndCheck(dir);
            readAndCheck(dir.resolve(VectorReader.MANIFEST));
        } finally {
            delete(dir);
        }
    }

    /** 10,000 mutations of real vector lines (as a .jsonl file) and of a real manifest (as a directory). */
    @Test
    void mutatedRealFiles() throws IOException {
        Random random = new Random(0x7ec7_0e5L);
        Path dir = Files.createTempDirectory("vr-random");
        int rejected = 0;
        int accepted = 0;
        try {
            byte[] small = smallDomainFile();
            for (int i = 0; i < 10_000; i++) {
                Path d = Files.createDirectory(dir.resolve("c" + i));
                boolean manifestCase = i % 4 == 3;
                Path target;
                if (manifestCase) {
                    byte[] jsonl = random.nextInt(3) == 0 ? mutateLines(random, small) : small;
                    Files.write(d.resolve("msr-access.jsonl"), jsonl);
                    Files.write(d.resolve(VectorReader.MANIFEST), mutateText(random, manifestFor(small)));
                    target = d;
                } else {
                    List<String> lines = new ArrayList<>();
                    int n = 1 + random.nextInt(5);
                    for (int k = 0; k < n; k++) lines.add(REAL_LINES.get(random.nextInt(REAL_LINES.size())));
                    byte[] content = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
                    String name = random.nextInt(5) == 0 ? "cr-access.jsonl" : "msr-access.jsonl";
                    target = d.resolve(name);
                    Files.write(target, mutateLines(random, content));
                }
                if (readAndCheck(target)) accepted++;
                else rejected++;
                delete(d);
            }
        } finally {
            delete(dir);
        }
        assertThat(accepted + rejected).isEqualTo(10_000);
        assertThat(rejected).isGreaterThan(1000);
    }

    /** Reads; true when vectors came back, false on a well-formed VectorFormatException; fails otherwise. */
    static boolean readAndCheck(Path path) {
        List<Vector> vectors;
        try {
            vectors = new VectorReader().read(path);
        } catch (VectorFormatException e) {
            assertThat(e.diagnostics()).as("a VectorFormatException without diagnostics for %s", path).isNotEmpty();
            for (Diagnostic d : e.diagnostics()) {
                String printed = d.toString();
                Matcher m = PRINTED.matcher(printed);
                assertThat(m.matches()).as("diagnostic printed as %s", printed).isTrue();
                assertThat(Long.parseLong(m.group(2))).as(printed).isGreaterThanOrEqualTo(1).isEqualTo(d.line());
                assertThat(Long.parseLong(m.group(3))).as(printed).isGreaterThanOrEqualTo(1).isEqualTo(d.column());
                assertThat(d.file()).as(printed).isNotNull();
                assertThat(d.message()).as(printed).isNotBlank();
            }
            return false;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError("VectorReader.read(" + path + ") threw " + e + " on content:\n" + describe(path), e);
        }
        assertThat(vectors).isNotNull();
        return true;
    }

    // ------------------------------------------------------------------------------------------ mutations

    private static final String[] JUNK_VALUES = {
        "null", "1", "-1", "1.5", "1e400", "99999999999999999999999999", "\"s\"", "\"\"", "[]", "{}", "true", "[1,2]",
        "{\"kind\":1}", "\"0x\"", "\"\\u0000\"", "\"\\ud800\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    };
    private static final Pattern KEY = Pattern.compile("\"([a-z_0-9]+)\"\\s*:\\s*");

    static byte[] mutateLines(Random r, byte[] content) {
        List<String> lines = new ArrayList<>(List.of(new String(content, StandardCharsets.UTF_8).split("\n", -1)));
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(lines.size());
            String line = lines.get(at);
            switch (r.nextInt(10)) {
                case 0: // truncate
                    lines.set(at, line.substring(0, line.isEmpty() ? 0 : r.nextInt(line.length())));
                    break;
                case 1: // reorder lines
                    Collections.shuffle(lines, r);
                    break;
                case 2: // duplicate a line (duplicate id)
                    lines.add(r.nextInt(lines.size() + 1), line);
                    break;
                case 3: // duplicate a key
                    lines.set(at, duplicateKey(r, line));
                    break;
                case 4: // change a value's type
                    lines.set(at, changeValue(r, line));
                    break;
                case 5: // blank / whitespace / CR lines
                    lines.add(r.nextInt(lines.size() + 1), new String[] {"", " ", "\t", "\r", "   \r"}[r.nextInt(5)]);
                    break;
                case 6: // drop a key
                    lines.set(at, dropKey(r, line));
                    break;
                default: // flip bytes, later
                    break;
            }
        }
        byte[] bytes = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        return r.nextInt(3) == 0 ? flipBytes(r, bytes) : bytes;
    }

    static byte[] mutateText(Random r, byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        switch (r.nextInt(6)) {
            case 0: text = text.substring(0, r.nextInt(text.length() + 1)); break;
            case 1: text = duplicateKey(r, text); break;
            case 2: text = changeValue(r, text); break;
            case 3: text = dropKey(r, text); break;
            case 4: return flipBytes(r, content);
            default: break; // unchanged: the valid manifest
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<int[]> keys(String s) {
        List<int[]> found = new ArrayList<>();
        Matcher m = KEY.matcher(s);
        while (m.find()) found.add(new int[] {m.start(), m.end()});
        return found;
    }

    private static String duplicateKey(Random r, String s) {
        List<int[]> k = keys(s);
        if (k.isEmpty()) return s;
        int[] at = k.get(r.nextInt(k.size()));
        return s.substring(0, at[0]) + s.substring(at[0], at[1]) + "1," + s.substring(at[0]);
    }

    private static String changeValue(Random r, String s) {
        List<int[]> k = keys(s);
        if (k.isEmpty()) return s;
        int[] at = k.get(r.nextInt(k.size()));
        int end = valueEnd(s, at[1]);
        return s.substring(0, at[1]) + JUNK_VALUES[r.nextInt(JUNK_VALUES.length)] + s.substring(end);
    }

    private static String dropKey(Random r, String s) {
        List<int[]> k = keys(s);
        if (k.isEmpty()) return s;
        int[] at = k.get(r.nextInt(k.size()));
        int end = valueEnd(s, at[1]);
        if (end < s.length() && s.charAt(end) == ',') end++;
        return s.substring(0, at[0]) + s.substring(end);
    }

    /** The end of the JSON value starting at {@code from} (approximate: brackets and strings balanced). */
    private static int valueEnd(String s, int from) {
        int depth = 0;
        boolean str = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (str) {
                if (c == '\\') i++;
                else if (c == '"') {
                    str = false;
                    if (depth == 0) return i + 1;
                }
                continue;
            }
            if (c == '"') str = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (depth == 0) return i;
                depth--;
                if (depth == 0) return i + 1;
            } else if (c == ',' && depth == 0) return i;
        }
        return s.length();
    }

    private static byte[] flipBytes(Random r, byte[] bytes) {
        if (bytes.length == 0) return new byte[] {(byte) r.nextInt(256)};
        byte[] b = bytes.clone();
        int flips = 1 + r.nextInt(4);
        byte[] special = {(byte) 0xff, (byte) 0xc0, (byte) 0xe2, 0, '\r', '\n', '"', '\\', '{', '}', (byte) 0xef};
        for (int i = 0; i < flips; i++) {
            int at = r.nextInt(b.length);
            b[at] = r.nextBoolean() ? (byte) r.nextInt(256) : special[r.nextInt(special.length)];
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------ fixtures

    private static Path locateRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("vectors/schema"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find vectors/");
        return p;
    }

    private static List<String> realLines() {
        List<String> lines = new ArrayList<>();
        for (String d : new String[] {"msr-access", "cr-access", "ept-walk"}) {
            try (Stream<String> s = Files.lines(ROOT.resolve("vectors/" + d + ".jsonl"))) {
                s.limit(200).forEach(lines::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(lines);
    }

    /** The first three msr-access vectors. */
    static byte[] smallDomainFile() {
        return (String.join("\n", REAL_LINES.subList(0, 3)) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A valid manifest listing {@code jsonl} as msr-access.jsonl. */
    static byte[] manifestFor(byte[] jsonl) {
        try {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jsonl));
            long count = new String(jsonl, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).count();
            return ("{\n  \"format\" : \"hvmspec-vectors/1\",\n  \"spec_version\" : \"0.1.0\",\n  \"sdm_edition\" : \"x\",\n"
                    + "  \"seed\" : 1,\n  \"domains\" : {\n    \"msr-access\" : {\n      \"file\" : \"msr-access.jsonl\",\n"
                    + "      \"count\" : " + count + ",\n      \"sha256\" : \"" + sha + "\"\n    }\n  }\n}\n").getBytes(StandardCharsets.UTF_8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Path path) {
        try {
            Path file = Files.isDirectory(path) ? path.resolve(VectorReader.MANIFEST) : path;
            byte[] b = Files.readAllBytes(file);
            return file + " (" + b.length + " bytes): " + new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
