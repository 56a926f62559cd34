package dev.hvmspec.generator.vectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.generator.vectors.cases.CaseRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole vector directory as file contents: one JSONL file per domain, a schema per domain, flags.json and
 * manifest.json. Pure: the same spec and seed give the same bytes; {@link #write} puts them on disk.
 */
public final class VectorSet {

    public static final String FORMAT = "hvmspec-vectors/1";
    public static final String SPEC_VERSION = "0.1.0";
    public static final String SDM_EDITION = "Intel 64 and IA-32 Architectures Software Developer's Manual, "
            + "2023-2024 editions (Vol. 3C chapters 24-31: 25 VMCS, 26 VMX non-root operation, 28 VM exits, "
            + "29 VMX support for address translation); see docs/open-questions.md on later renumbering";
    public static final long DEFAULT_SEED = 20261127L;

    /** Relative path to file content. */
    private final TreeMap<String, byte[]> files;
    private final Map<String, Integer> counts;

    private VectorSet(TreeMap<String, byte[]> files, Map<String, Integer> counts) {
        this.files = files;
        this.counts = counts;
    }

    public Map<String, byte[]> files() {
        return files;
    }

    /** Vectors per domain. */
    public Map<String, Integer> counts() {
        return counts;
    }

    public static VectorSet generate(List<CheckedDomain> domains, long seed) {
        return generate(domains, seed, null, note -> { });
    }

    /**
     * The vector set for a platform profile ({@code null}: the committed, profile-free set). Notes for the user (rules
     * the platform cannot reach, one line each) go to {@code notes}.
     */
    public static VectorSet generate(List<CheckedDomain> domains, long seed, PlatformProfile profile,
                                     java.util.function.Consumer<String> notes) {
        return generate(domains, seed, profile, VectorGenerator.EdgeCases.LEAVE_OUT, notes);
    }

    /**
     * The same, saying what becomes of the cases for other capability values where the platform reaches a rule side
     * with none of its own ({@link VectorGenerator.EdgeCases}). The manifest's {@code profile.unreachable} lists those
     * rule sides by domain.
     */
    public static VectorSet generate(List<CheckedDomain> domains, long seed, PlatformProfile profile,
                                     VectorGenerator.EdgeCases edgeCases, java.util.function.Consumer<String> notes) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        TreeMap<String, Integer> counts = new TreeMap<>();
        TreeMap<String, String> flagDescriptions = new TreeMap<>();
        TreeSet<String> usedFlags = new TreeSet<>();
        ObjectNode manifestDomains = Json.NODES.objectNode();
        ObjectNode unreachable = Json.NODES.objectNode();
        List<CheckedDomain> sorted = new ArrayList<>(domains);
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        for (CheckedDomain d : sorted) {
            for (Decl.Flag f : d.declarationsOf(Decl.Flag.class)) flagDescriptions.put(f.name(), f.description());
            Optional<DomainCases> cases = CaseRegistry.forDomain(d.name());
            if (cases.isEmpty()) {
                throw new GenerationException(d.file() + ":1:1: domain " + d.name() + " has no case generator (see docs/adding-a-domain.md)");
            }
            VectorGenerator.Generated generated = VectorGenerator.generate(d, cases.get(), seed, profile, edgeCases, notes);
            List<VectorGenerator.Vector> vectors = generated.vectors();
            if (!generated.unreachable().isEmpty()) {
                ArrayNode sides = unreachable.putArray(d.name());
                generated.unreachable().forEach(sides::add);
            }
            StringBuilder jsonl = new StringBuilder();
            for (VectorGenerator.Vector v : vectors) {
                jsonl.append(v.line()).append('\n');
                usedFlags.addAll(v.flags());
            }
            byte[] bytes = jsonl.toString().getBytes(StandardCharsets.UTF_8);
            String file = d.name() + ".jsonl";
            files.put(file, bytes);
            files.put("schema/" + d.name() + ".schema.json", pretty(SchemaWriter.schema(d)));
            counts.put(d.name(), vectors.size());
            ObjectNode entry = manifestDomains.putObject(d.name());
            entry.put("file", file);
            entry.put("count", vectors.size());
            entry.put("sha256", sha256(bytes));
        }
        ObjectNode flags = Json.NODES.objectNode();
        for (String f : usedFlags) {
            String description = flagDescriptions.get(f);
            if (description == null) {
                throw new GenerationException("flag \"" + f + "\" is used by a vector but declared by no spec file");
            }
            flags.putObject(f).put("description", description);
        }
        files.put("flags.json", pretty(flags));
        ObjectNode manifest = Json.NODES.objectNode();
        manifest.put("format", FORMAT);
        manifest.put("spec_version", SPEC_VERSION);
        manifest.put("sdm_edition", SDM_EDITION);
        manifest.put("seed", seed);
        if (profile != null) {
            // Only with --profile: the committed manifest keeps its keys.
            ObjectNode p = manifest.putObject("profile");
            p.put("name", profile.name());
            p.put("file", profile.file());
            p.put("maxphyaddr", profile.maxphyaddr());
            p.put("edge_cases", edgeCases == VectorGenerator.EdgeCases.KEEP ? "kept" : "left out");
            p.set("unreachable", unreachable);
        }
        manifest.set("domains", manifestDomains);
        files.put("manifest.json", pretty(manifest));
        return new VectorSet(files, counts);
    }

    private static byte[] pretty(ObjectNode node) {
        try {
            String s = Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
            return (s.replace("\r\n", "\n") + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new GenerationException(e.getMessage());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes every file under {@code dir}, replacing what is there; stale domain files are removed. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("schema"));
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".jsonl") && !files.containsKey(name)) Files.delete(p);
            }
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path target = dir.resolve(f.getKey());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, f.getValue());
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
