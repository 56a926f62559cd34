package dev.hvmspec.conformance.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorReaderTest {

    @TempDir
    Path dir;

    private final VectorReader reader = new VectorReader();

    static String vector(String id) {
        return vector(id, "msr-access");
    }

    static String vector(String id, String domain) {
        return "{\"id\":\"" + id + "\",\"domain\":\"" + domain + "\",\"rules\":[\"R1\",\"R2\"],"
                + "\"sdm\":[\"Vol. 3C 26.1.3 Instructions That Cause VM Exits Conditionally\"],"
                + "\"comment\":\"a case\",\"flags\":[\"boundary\"],\"input\":{\"ecx\":\"0x10\"},"
                + "\"expect\":[{\"kind\":\"no-exit\"}]}";
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private void manifest(Map<String, String> domainToContent) throws Exception {
        StringBuilder sb = new StringBuilder("{\n  \"format\": \"hvmspec-vectors/1\",\n  \"spec_version\": \"1\",\n"
                + "  \"sdm_edition\": \"Dec 2024\",\n  \"seed\": 7,\n  \"domains\": {\n");
        int i = 0;
        for (Map.Entry<String, String> e : domainToContent.entrySet()) {
            byte[] bytes = e.getValue().getBytes(StandardCharsets.UTF_8);
            long count = e.getValue().chars().filter(c -> c == '\n').count();
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            sb.append("    \"").append(e.getKey()).append("\": {\"file\": \"").append(e.getKey())
                    .append(".jsonl\", \"count\": ").append(count).append(", \"sha256\": \"").append(sha).append("\"}")
                    .append(++i < domainToContent.size() ? ",\n" : "\n");
            write(e.getKey() + ".jsonl", e.getValue());
        }
        write("manifest.json", sb.append("  }\n}\n").toString());
    }

    private List<String> errors(Path p) {
        VectorFormatException e = catchThrowableOfType(VectorFormatException.class, () -> reader.read(p));
        assertThat(e).as("expected a format error").isNotNull();
        return e.diagnostics().stream().map(Diagnostic::toString).toList();
    }

    private List<String> errorsOfLines(String... lines) throws IOException {
        return errors(write("msr-access.jsonl", String.join("\n", lines) + "\n"));
    }

    @Test
    void readsAGoodDirectory() throws Exception {
        manifest(new java.util.LinkedHashMap<>(Map.of(
                "msr-access", vector("msr-access/R1/0") + "\n" + vector("msr-access/R1/1") + "\n")));
        List<Vector> vectors = reader.read(dir);
        assertThat(vectors).extracting(Vector::id).containsExactly("msr-access/R1/0", "msr-access/R1/1");
        Vector v = vectors.get(1);
        assertThat(v.line()).isEqualTo(2);
        assertThat(v.rules()).containsExactly("R1", "R2");
        assertThat(v.flags()).containsExactly("boundary");
        assertThat(v.input().get("ecx").textValue()).isEqualTo("0x10");
        assertThat(v.expect()).hasSize(1);
        assertThat(v.file()).isEqualTo(dir.resolve("msr-access.jsonl"));
        assertThat(reader.read(dir.resolve("manifest.json"))).hasSize(2);
        assertThat(reader.read(dir.resolve("msr-access.jsonl"))).hasSize(2);
    }

    @Test
    void readsSeveralDomainsAndEmptyFiles() throws Exception {
        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put("msr-access", vector("msr-access/R1/0") + "\n");
        files.put("cr-access", vector("cr-access/R1/0", "cr-access") + "\n");
        files.put("ept-walk", "");
        manifest(files);
        assertThat(reader.read(dir)).extracting(Vector::domain).containsExactly("msr-access", "cr-access");
    }

    @Test
    void syntaxErrorsGiveLineAndColumn() throws IOException {
        assertThat(errorsOfLines(vector("msr-access/a"), "{\"id\": x}"))
                .singleElement().asString().startsWith(dir.resolve("msr-access.jsonl") + ":2:9: invalid JSON");
    }

    @Test
    void trailingTextIsAnError() throws IOException {
        assertThat(errorsOfLines(vector("msr-access/a") + " {}"))
                .singleElement().asString().contains(":1:").contains("unexpected text after the vector object");
    }

    @Test
    void duplicateJsonKeysAreAnError() throws IOException {
        String line = vector("msr-access/a").replace("\"comment\":\"a case\"", "\"comment\":\"a\",\"comment\":\"b\"");
        assertThat(errorsOfLines(line)).singleElement().asString().contains(":1:").contains("Duplicate field");
    }

    @Test
    void structuralErrorsAreReportedAtColumnOne() throws IOException {
        List<String> errors = errorsOfLines(
                "[1,2]",
                vector("msr-access/b").replace("\"flags\":[\"boundary\"],", ""),
                vector("msr-access/c").replace("\"flags\"", "\"extra\":1,\"flags\""),
                vector("msr-access/d").replace("\"rules\":[\"R1\",\"R2\"]", "\"rules\":[\"R1\",2]"),
                vector("msr-access/e").replace("\"rules\":[\"R1\",\"R2\"]", "\"rules\":[]"),
                vector("msr-access/f").replace("[{\"kind\":\"no-exit\"}]", "[]"),
                vector("msr-access/g").replace("[{\"kind\":\"no-exit\"}]", "[{\"kind\":1}]"),
                vector("msr-access/h").replace("[{\"kind\":\"no-exit\"}]", "[\"no-exit\"]"),
                vector("msr-access/i").replace("{\"ecx\":\"0x10\"}", "[]"),
                vector("msr-access/j").replace("\"comment\":\"a case\"", "\"comment\":3"),
                vector("msr-access/k", "cr-access"),
                vector("other/k"),
                vector("msr-access/l").replace("\"sdm\":[", "\"sdm\":\"x\",\"x\":["),
                vector("").replace("\"id\":\"\"", "\"id\":\"\""));
        Path f = dir.resolve("msr-access.jsonl");
        assertThat(errors).contains(
                f + ":1:1: a vector must be a JSON object",
                f + ":2:1: missing key in vector: \"flags\"",
                f + ":3:1: unknown key in vector: \"extra\"",
                f + ":4:1: \"rules\"[1] must be a string",
                f + ":5:1: \"rules\" must name at least the rule the vector was made for",
                f + ":6:1: \"expect\" must be a non-empty array of outcome objects",
                f + ":7:1: \"expect\"[0] must have a string \"kind\"",
                f + ":8:1: \"expect\"[0] must be an object",
                f + ":9:1: \"input\" must be an object",
                f + ":10:1: \"comment\" must be a string",
                f + ":11:1: \"domain\" is \"cr-access\" but the file holds domain \"msr-access\"",
                f + ":12:1: \"id\" must start with \"msr-access/\"",
                f + ":14:1: \"id\" must not be empty");
        assertThat(errors).anyMatch(e -> e.startsWith(f + ":13:1: "));
    }

    @Test
    void layoutErrors() throws IOException {
        Path f = write("msr-access.jsonl", vector("msr-access/a") + "\n\n" + vector("msr-access/b") + "\r\n"
                + vector("msr-access/c"));
        assertThat(errors(f)).containsExactly(
                f + ":2:1: blank line; every line must hold one vector",
                f + ":3:" + (vector("msr-access/b").length() + 1) + ": \\r\\n line end; the format requires \\n",
                f + ":4:" + (vector("msr-access/c").length() + 1) + ": the last line has no \\n line end");
    }

    @Test
    void invalidUtf8IsAnError() throws IOException {
        Path f = dir.resolve("msr-access.jsonl");
        byte[] good = (vector("msr-access/a") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        byte[] all = new byte[good.length + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        Files.write(f, all);
        assertThat(errors(f)).containsExactly(f + ":2:1: not valid UTF-8");
    }

    @Test
    void unsortedAndDuplicateIds() throws IOException {
        Path f = dir.resolve("msr-access.jsonl");
        assertThat(errorsOfLines(vector("msr-access/b"), vector("msr-access/a"), vector("msr-access/c"),
                vector("msr-access/c"))).containsExactly(
                f + ":2:1: vectors are not sorted by id: \"msr-access/a\" comes after \"msr-access/b\"",
                f + ":4:1: duplicate id \"msr-access/c\" (first at " + f + ":3)");
    }

    @Test
    void idsAreUniqueAcrossFiles() throws IOException {
        Path a = write("msr-access.jsonl", vector("msr-access/a") + "\n");
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path b = sub.resolve("msr-access.jsonl");
        Files.writeString(b, vector("msr-access/a") + "\n");
        VectorFormatException e = catchThrowableOfType(VectorFormatException.class, () -> reader.read(List.of(a, b)));
        assertThat(e.diagnostics()).extracting(Diagnostic::toString)
                .containsExactly(b + ":1:1: duplicate id \"msr-access/a\" (first at " + a + ":1)");
    }

    @Test
    void manifestCountAndHashAreVerified() throws Exception {
        manifest(Map.of("msr-access", vector("msr-access/a") + "\n"));
        Path m = dir.resolve("manifest.json");
        Files.writeString(dir.resolve("msr-access.jsonl"), vector("msr-access/a") + "\n" + vector("msr-access/b") + "\n");
        List<String> errors = errors(dir);
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).startsWith(m + ":7:1: domain msr-access: manifest count is 1 but msr-access.jsonl holds 2");
        assertThat(errors.get(1)).startsWith(m + ":7:1: domain msr-access: manifest sha256 is ");
    }

    @Test
    void manifestStructureErrors() throws Exception {
        Path m = write("manifest.json", "{\"format\": \"hvmspec-vectors/2\", \"seed\": \"x\", \"domains\": "
                + "{\"msr-access\": {\"file\": \"other.jsonl\", \"count\": -1, \"sha256\": \"abc\"}}, \"extra\": 1}\n");
        assertThat(errors(dir)).containsExactly(
                m + ":1:1: unknown key in manifest: \"extra\"",
                m + ":1:1: missing keys in manifest: \"sdm_edition\", \"spec_version\"",
                m + ":1:1: format is \"hvmspec-vectors/2\"; this reader understands \"hvmspec-vectors/1\"",
                m + ":1:1: \"seed\" must be an integer",
                m + ":1:1: domain msr-access: \"file\" must be \"msr-access.jsonl\"",
                m + ":1:1: domain msr-access: \"count\" must be a non-negative integer",
                m + ":1:1: domain msr-access: \"sha256\" must be 64 hex digits");
    }

    @Test
    void manifestSyntaxErrorHasLineAndColumn() throws IOException {
        Path m = write("manifest.json", "{\n  \"format\": ,\n}\n");
        assertThat(errors(dir)).singleElement().asString().startsWith(m + ":2:13: invalid JSON");
    }

    @Test
    void missingFilesAndStrayFiles() throws Exception {
        manifest(Map.of("msr-access", vector("msr-access/a") + "\n"));
        Files.delete(dir.resolve("msr-access.jsonl"));
        Path stray = write("cr-access.jsonl", vector("cr-access/a", "cr-access") + "\n");
        assertThat(errors(dir)).containsExactly(
                dir.resolve("msr-access.jsonl") + ":1:1: cannot read: no such file",
                stray + ":1:1: not listed in manifest.json");
        assertThat(errors(dir.resolve("nope"))).containsExactly(dir.resolve("nope") + ":1:1: no such file or directory");
        assertThat(errors(write("x.txt", ""))).containsExactly(
                dir.resolve("x.txt") + ":1:1: not a vector directory, manifest.json or <domain>.jsonl file");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(errors(empty)).containsExactly(empty.resolve("manifest.json") + ":1:1: cannot read: no such file");
    }

    @Test
    void diagnosticsAreCappedPerFile() throws IOException {
        String[] lines = new String[200];
        java.util.Arrays.fill(lines, "nope");
        List<String> errors = errorsOfLines(lines);
        assertThat(errors).hasSize(VectorReader.MAX_DIAGNOSTICS_PER_FILE + 1);
        assertThat(errors.get(errors.size() - 1)).endsWith("too many problems; the rest of the file was not checked");
    }
}
