package dev.hvmspec.conformance.vectors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads test vectors strictly per the format contract (hvmspec-vectors/1): a vector directory (its manifest and every
 * domain file it lists), a {@code manifest.json}, or a single {@code <domain>.jsonl} file.
 *
 * <p>It is deliberately unforgiving: third parties write loaders from the same contract, so anything our own reader
 * let slip would be a file theirs might reject. It never stops at the first problem within a file: every diagnostic is
 * collected (up to {@link #MAX_DIAGNOSTICS_PER_FILE} per file) and thrown together in one {@link VectorFormatException}.
 */
public final class VectorReader {

    public static final String MANIFEST = "manifest.json";
    public static final String FORMAT = "hvmspec-vectors/1";
    static final int MAX_DIAGNOSTICS_PER_FILE = 50;

    private static final Set<String> VECTOR_KEYS =
            Set.of("id", "domain", "rules", "sdm", "comment", "flags", "input", "expect");
    // "profile" (optional): written by generate --profile, the platform the vectors were made for; informational.
    private static final Set<String> MANIFEST_KEYS = Set.of("format", "spec_version", "sdm_edition", "seed", "domains");
    private static final Set<String> MANIFEST_ALLOWED = Set.of("format", "spec_version", "sdm_edition", "seed", "domains", "profile");
    private static final Set<String> DOMAIN_ENTRY_KEYS = Set.of("file", "count", "sha256");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern DOMAIN_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    // One mapper for everything: duplicate keys are an error (a strict reader must not pick one of two values).
    private final ObjectMapper mapper = new ObjectMapper(
            JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    // Sparse-memory addresses are field names and nearly all distinct; a symbol table only grows.
                    .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                    .build());

    /** Reads every path in order; ids must be unique across all of them. */
    public List<Vector> read(List<Path> paths) throws VectorFormatException {
        Run run = new Run();
        for (Path path : paths) {
            readPath(path, run);
        }
        if (!run.diagnostics.isEmpty()) {
            throw new VectorFormatException(run.diagnostics);
        }
        return List.copyOf(run.vectors);
    }

    public List<Vector> read(Path path) throws VectorFormatException {
        return read(List.of(path));
    }

    /** State shared across the files of one read: ids seen so far and everything collected. */
    private static final class Run {
        final List<Vector> vectors = new ArrayList<>();
        final List<Diagnostic> diagnostics = new ArrayList<>();
        final Map<String, String> firstSeenAt = new HashMap<>();
    }

    private void readPath(Path path, Run run) {
        if (Files.isDirectory(path)) {
            readDirectory(path, run);
        } else if (!Files.exists(path)) {
            run.diagnostics.add(Diagnostic.ofFile(path, "no such file or directory"));
        } else if (path.getFileName().toString().equals(MANIFEST)) {
            readDirectory(parentOf(path), run);
        } else if (path.getFileName().toString().endsWith(".jsonl")) {
            String name = path.getFileName().toString();
            readDomainFile(path, name.substring(0, name.length() - ".jsonl".length()), run);
        } else {
            run.diagnostics.add(Diagnostic.ofFile(path,
                    "not a vector directory, " + MANIFEST + " or <domain>.jsonl file"));
        }
    }

    private static Path parentOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    // ---------------------------------------------------------------------------------------------- manifest

    private record DomainEntry(String domain, String file, long count, String sha256, int line) {}

    private void readDirectory(Path dir, Run run) {
        Path manifestPath = dir.resolve(MANIFEST);
        List<Diagnostic> problems = new ArrayList<>();
        Optional<List<DomainEntry>> entries = readManifest(manifestPath, problems);
        run.diagnostics.addAll(problems);
        if (entries.isEmpty()) {
            return;
        }
        Set<String> listed = new TreeSet<>();
        for (DomainEntry entry : entries.get()) {
            listed.add(entry.file());
            Path file = dir.resolve(entry.file());
            Optional<FileResult> result = readDomainFile(file, entry.domain(), run);
            if (result.isEmpty()) {
                continue;
            }
            if (result.get().count() != entry.count()) {
                run.diagnostics.add(new Diagnostic(manifestPath, entry.line(), 1,
                        "domain " + entry.domain() + ": manifest count is " + entry.count() + " but " + entry.file()
                                + " holds " + result.get().count() + " vectors"));
            }
            if (!result.get().sha256().equalsIgnoreCase(entry.sha256())) {
                run.diagnostics.add(new Diagnostic(manifestPath, entry.line(), 1,
                        "domain " + entry.domain() + ": manifest sha256 is " + entry.sha256() + " but " + entry.file()
                                + " has sha256 " + result.get().sha256()));
            }
        }
        // A domain file the manifest forgot would silently go unchecked: report it.
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .filter(p -> !listed.contains(p.getFileName().toString()))
                    .sorted()
                    .forEach(p -> run.diagnostics.add(Diagnostic.ofFile(p, "not listed in " + MANIFEST)));
        } catch (IOException e) {
            run.diagnostics.add(Diagnostic.ofFile(dir, "cannot list directory: " + describe(e)));
        }
    }

    private Optional<List<DomainEntry>> readManifest(Path path, List<Diagnostic> problems) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            problems.add(Diagnostic.ofFile(path, "cannot read: " + describe(e)));
            return Optional.empty();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            problems.add(Diagnostic.ofFile(path, "not valid UTF-8"));
            return Optional.empty();
        }
        JsonNode root;
        try (JsonParser parser = mapper.getFactory().createParser(text)) {
            root = mapper.readTree(parser);
            if (root == null) {
                problems.add(Diagnostic.ofFile(path, "empty file; expected a JSON object"));
                return Optional.empty();
            }
            if (parser.nextToken() != null) {
                JsonLocation at = parser.currentTokenLocation();
                problems.add(new Diagnostic(path, Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()),
                        "unexpected text after the manifest object"));
                return Optional.empty();
            }
        } catch (JsonProcessingException e) {
            problems.add(syntaxError(path, 0, e));
            return Optional.empty();
        } catch (IOException e) {
            problems.add(Diagnostic.ofFile(path, "cannot read: " + describe(e)));
            return Optional.empty();
        }
        if (!root.isObject()) {
            problems.add(Diagnostic.ofFile(path, "the manifest must be a JSON object"));
            return Optional.empty();
        }
        int before = problems.size();
        checkKeys(root, MANIFEST_KEYS, MANIFEST_ALLOWED, "manifest", msg -> problems.add(Diagnostic.ofFile(path, msg)));
        JsonNode format = root.path("format");
        if (format.isTextual() && !format.textValue().equals(FORMAT)) {
            problems.add(Diagnostic.ofFile(path, "format is \"" + format.textValue() + "\"; this reader understands \""
                    + FORMAT + "\""));
        } else if (!format.isMissingNode() && !format.isTextual()) {
            problems.add(Diagnostic.ofFile(path, "\"format\" must be a string"));
        }
        for (String key : List.of("spec_version", "sdm_edition")) {
            if (root.has(key) && !root.get(key).isTextual()) {
                problems.add(Diagnostic.ofFile(path, "\"" + key + "\" must be a string"));
            }
        }
        if (root.has("seed") && !root.get("seed").isIntegralNumber()) {
            problems.add(Diagnostic.ofFile(path, "\"seed\" must be an integer"));
        }
        JsonNode domains = root.path("domains");
        List<DomainEntry> entries = new ArrayList<>();
        if (root.has("domains") && !domains.isObject()) {
            problems.add(Diagnostic.ofFile(path, "\"domains\" must be an object"));
        } else if (domains.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = domains.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String domain = field.getKey();
                int line = lineOf(text, domain);
                List<String> entryProblems = new ArrayList<>();
                JsonNode entry = field.getValue();
                if (!DOMAIN_NAME.matcher(domain).matches()) {
                    entryProblems.add("domain name must be lower-case letters, digits and '-'");
                }
                if (!entry.isObject()) {
                    entryProblems.add("must be an object {\"file\", \"count\", \"sha256\"}");
                } else {
                    checkKeys(entry, DOMAIN_ENTRY_KEYS, DOMAIN_ENTRY_KEYS, "entry", entryProblems::add);
                    JsonNode file = entry.path("file");
                    if (entry.has("file") && !(file.isTextual() && file.textValue().equals(domain + ".jsonl"))) {
                        entryProblems.add("\"file\" must be \"" + domain + ".jsonl\"");
                    }
                    JsonNode count = entry.path("count");
                    if (entry.has("count") && !(count.isIntegralNumber() && count.canConvertToLong() && count.longValue() >= 0)) {
                        entryProblems.add("\"count\" must be a non-negative integer");
                    }
                    JsonNode sha = entry.path("sha256");
                    if (entry.has("sha256") && !(sha.isTextual() && SHA256.matcher(sha.textValue()).matches())) {
                        entryProblems.add("\"sha256\" must be 64 hex digits");
                    }
                }
                if (entryProblems.isEmpty()) {
                    entries.add(new DomainEntry(domain, entry.get("file").textValue(), entry.get("count").longValue(),
                            entry.get("sha256").textValue(), line));
                } else {
                    entryProblems.forEach(p -> problems.add(new Diagnostic(path, line, 1, "domain " + domain + ": " + p)));
                }
            }
        }
        return problems.size() == before ? Optional.of(entries) : Optional.empty();
    }

    /** The 1-based line where {@code "name"} first appears in {@code text}, or 1: good enough to point a human at it. */
    private static int lineOf(String text, String name) {
        int at = text.indexOf('"' + name + '"');
        if (at < 0) {
            return 1;
        }
        int line = 1;
        for (int i = 0; i < at; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    // ---------------------------------------------------------------------------------------------- domain files

    /** What the manifest check needs from a domain file that could be read at all. */
    private record FileResult(long count, String sha256) {}

    private Optional<FileResult> readDomainFile(Path file, String domain, Run run) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            run.diagnostics.add(Diagnostic.ofFile(file, "cannot read: " + describe(e)));
            return Optional.empty();
        }
        // The file's digest is independent of its lines: compute it on another core while this one parses.
        CompletableFuture<String> digest = CompletableFuture.supplyAsync(() -> sha256(bytes));
        List<Diagnostic> problems = new ArrayList<>();
        long count = 0;
        String previousId = null;
        int lineNo = 0;
        int start = 0;
        while (start < bytes.length && problems.size() < MAX_DIAGNOSTICS_PER_FILE) {
            lineNo++;
            int end = indexOf(bytes, (byte) '\n', start);
            boolean terminated = end >= 0;
            if (!terminated) {
                end = bytes.length;
            }
            Optional<Vector> vector = readLine(file, domain, lineNo, bytes, start, end, terminated, problems);
            start = end + 1;
            if (vector.isEmpty()) {
                continue;
            }
            count++;
            Vector v = vector.get();
            String first = run.firstSeenAt.putIfAbsent(v.id(), v.location());
            if (first != null) {
                problems.add(new Diagnostic(file, lineNo, 1, "duplicate id \"" + v.id() + "\" (first at " + first + ")"));
            } else if (previousId != null && v.id().compareTo(previousId) < 0) {
                problems.add(new Diagnostic(file, lineNo, 1,
                        "vectors are not sorted by id: \"" + v.id() + "\" comes after \"" + previousId + "\""));
            } else {
                run.vectors.add(v);
            }
            previousId = v.id();
        }
        if (problems.size() >= MAX_DIAGNOSTICS_PER_FILE && start < bytes.length) {
            problems.add(new Diagnostic(file, lineNo, 1, "too many problems; the rest of the file was not checked"));
        }
        run.diagnostics.addAll(problems);
        if (!problems.isEmpty()) {
            digest.cancel(false);
            return Optional.empty();
        }
        return Optional.of(new FileResult(count, digest.join()));
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private Optional<Vector> readLine(Path file, String domain, int lineNo, byte[] bytes, int start, int end,
            boolean terminated, List<Diagnostic> problems) {
        if (start == end) {
            problems.add(new Diagnostic(file, lineNo, 1, "blank line; every line must hold one vector"));
            return Optional.empty();
        }
        if (!terminated) {
            problems.add(new Diagnostic(file, lineNo, end - start + 1, "the last line has no \\n line end"));
            return Optional.empty();
        }
        if (bytes[end - 1] == '\r') {
            problems.add(new Diagnostic(file, lineNo, end - start, "\\r\\n line end; the format requires \\n"));
            return Optional.empty();
        }
        String text;
        if (isAscii(bytes, start, end)) {
            // Nearly every line: ASCII is valid UTF-8 and decodes byte for byte, without a decoder per line.
            text = new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
        } else {
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                problems.add(new Diagnostic(file, lineNo, 1, "not valid UTF-8"));
                return Optional.empty();
            }
        }
        JsonNode node;
        try (JsonParser parser = mapper.getFactory().createParser(text)) {
            node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                problems.add(new Diagnostic(file, lineNo, Math.max(1, parser.currentTokenLocation().getColumnNr()),
                        "unexpected text after the vector object"));
                return Optional.empty();
            }
        } catch (JsonProcessingException e) {
            problems.add(syntaxError(file, lineNo, e));
            return Optional.empty();
        } catch (IOException e) {
            problems.add(new Diagnostic(file, lineNo, 1, "cannot parse: " + describe(e)));
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            problems.add(new Diagnostic(file, lineNo, 1, "a vector must be a JSON object"));
            return Optional.empty();
        }
        List<String> lineProblems = new ArrayList<>();
        checkKeys(node, VECTOR_KEYS, VECTOR_KEYS, "vector", lineProblems::add);
        String id = string(node, "id", lineProblems);
        String vectorDomain = string(node, "domain", lineProblems);
        List<String> rules = strings(node, "rules", lineProblems);
        List<String> sdm = strings(node, "sdm", lineProblems);
        String comment = string(node, "comment", lineProblems);
        List<String> flags = strings(node, "flags", lineProblems);
        JsonNode input = node.get("input");
        if (input != null && !input.isObject()) {
            lineProblems.add("\"input\" must be an object");
        }
        List<ObjectNode> expect = expect(node, lineProblems);
        if (id != null && id.isEmpty()) {
            lineProblems.add("\"id\" must not be empty");
        }
        if (rules != null && rules.isEmpty()) {
            lineProblems.add("\"rules\" must name at least the rule the vector was made for");
        }
        if (vectorDomain != null && !vectorDomain.equals(domain)) {
            lineProblems.add("\"domain\" is \"" + vectorDomain + "\" but the file holds domain \"" + domain + "\"");
        }
        if (id != null && vectorDomain != null && !id.startsWith(vectorDomain + "/")) {
            lineProblems.add("\"id\" must start with \"" + vectorDomain + "/\"");
        }
        if (!lineProblems.isEmpty()) {
            lineProblems.forEach(p -> problems.add(new Diagnostic(file, lineNo, 1, p)));
            return Optional.empty();
        }
        return Optional.of(new Vector(id, vectorDomain, rules, sdm, comment, flags, (ObjectNode) input, expect, file, lineNo));
    }

    static boolean isAscii(byte[] bytes, int start, int end) {
        for (int i = start; i < end; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static Diagnostic syntaxError(Path file, int lineNo, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        // Within one vector line Jackson counts from line 1 of the string it was given; the file line is ours.
        int line = lineNo > 0 ? lineNo : (at == null ? 1 : Math.max(1, at.getLineNr()));
        int column = at == null ? 1 : Math.max(1, at.getColumnNr());
        String message = e.getOriginalMessage();
        return new Diagnostic(file, line, column, "invalid JSON: " + firstLine(message == null ? "syntax error" : message));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void checkKeys(JsonNode object, Set<String> required, Set<String> allowed, String what,
            java.util.function.Consumer<String> report) {
        Set<String> unknown = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            report.accept("unknown key" + (unknown.size() > 1 ? "s" : "") + " in " + what + ": " + quoted(unknown));
        }
        Set<String> missing = new TreeSet<>();
        for (String key : required) {
            if (!object.has(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            report.accept("missing key" + (missing.size() > 1 ? "s" : "") + " in " + what + ": " + quoted(missing));
        }
    }

    private static String quoted(Set<String> names) {
        return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
    }

    private static String string(JsonNode node, String key, List<String> problems) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add("\"" + key + "\" must be a string");
            return null;
        }
        return value.textValue();
    }

    private static List<String> strings(JsonNode node, String key, List<String> problems) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            problems.add("\"" + key + "\" must be an array of strings");
            return null;
        }
        List<String> result = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual()) {
                problems.add("\"" + key + "\"[" + i + "] must be a string");
                return null;
            }
            result.add(value.get(i).textValue());
        }
        return result;
    }

    private static List<ObjectNode> expect(JsonNode node, List<String> problems) {
        JsonNode value = node.get("expect");
        if (value == null) {
            return null;
        }
        if (!value.isArray() || value.isEmpty()) {
            problems.add("\"expect\" must be a non-empty array of outcome objects");
            return null;
        }
        List<ObjectNode> result = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode outcome = value.get(i);
            if (!outcome.isObject()) {
                problems.add("\"expect\"[" + i + "] must be an object");
                return null;
            }
            if (!outcome.path("kind").isTextual()) {
                problems.add("\"expect\"[" + i + "] must have a string \"kind\"");
                return null;
            }
            result.add((ObjectNode) outcome);
        }
        return result;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256; reaching this is a broken JDK, not bad input.
            throw new IllegalStateException(e);
        }
    }

    private static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return switch (kind) {
            case "NoSuchFileException" -> "no such file";
            case "AccessDeniedException" -> "permission denied";
            default -> e.getMessage() == null ? kind : e.getMessage();
        };
    }

}
