package dev.hvmspec.conformance.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Replies captured elsewhere, read from a file: a serial log of the runner kernel booted on real hardware or in a
 * KVM guest, or a saved adapter conversation. Every line that is a JSON object with an {@code id} and exactly one
 * of {@code outcome}, {@code unsupported} or {@code error} (the adapter protocol's reply format) is a reply; any other
 * line (boot messages, firmware noise) is passed over. When an id has several replies (a batch that was resumed after
 * a crash runs a vector again), the last one counts. A vector without a reply in the file is an error.
 */
public final class ResultsFileImplementation implements Implementation {
    private final Path file;
    private final OutcomeValidator validator;
    private final Map<String, Reply> replies = new HashMap<>();
    private final Set<String> domains = new LinkedHashSet<>();
    private final List<String> warnings = new ArrayList<>();

    private ResultsFileImplementation(Path file, OutcomeValidator validator) {
        this.file = file;
        this.validator = validator;
    }

    /** Reads {@code file}; an unreadable file is an {@link IOException} for the caller to report. */
    public static ResultsFileImplementation read(Path file, OutcomeValidator validator) throws IOException {
        ResultsFileImplementation r = new ResultsFileImplementation(file, Objects.requireNonNull(validator));
        ObjectMapper mapper = new ObjectMapper();
        int lineNumber = 0;
        int passedOver = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            String text = line.strip();
            if (!text.startsWith("{")) {
                if (!text.isEmpty()) passedOver++;
                continue;
            }
            JsonNode node;
            try {
                node = mapper.readTree(text);
            } catch (JsonProcessingException e) {
                passedOver++;
                continue;
            }
            if (!(node instanceof ObjectNode o) || !o.path("id").isTextual()) {
                passedOver++;
                continue;
            }
            String id = o.get("id").asText();
            r.replies.put(id, r.reply(o, file + ":" + lineNumber));
            int slash = id.indexOf('/');
            if (slash > 0) r.domains.add(id.substring(0, slash));
        }
        if (passedOver > 0) {
            r.warnings.add(file + ": " + passedOver + " line(s) that are not replies were passed over");
        }
        return r;
    }

    private Reply reply(ObjectNode o, String where) {
        int kinds = (o.has("outcome") ? 1 : 0) + (o.has("unsupported") ? 1 : 0) + (o.has("error") ? 1 : 0);
        if (kinds != 1) {
            return new Reply.Error(where + ": a reply has exactly one of outcome, unsupported, error");
        }
        if (o.has("unsupported")) return new Reply.Unsupported(o.get("unsupported").asText());
        if (o.has("error")) return new Reply.Error(o.get("error").asText());
        JsonNode outcome = o.get("outcome");
        if (!(outcome instanceof ObjectNode out) || !out.path("kind").isTextual()) {
            return new Reply.Error(where + ": the outcome is not an object with a string kind");
        }
        String id = o.get("id").asText();
        String domain = id.contains("/") ? id.substring(0, id.indexOf('/')) : "";
        return validator.problem(domain, out).<Reply>map(p -> new Reply.Error(where + ": " + p)).orElse(new Reply.Outcome(out));
    }

    @Override
    public String name() {
        return "results from " + file;
    }

    /** The domains that have at least one reply in the file; vectors of other domains count as skipped. */
    @Override
    public Set<String> domains() {
        return domains;
    }

    @Override
    public void evaluate(List<Vector> vectors, ReplySink sink) {
        for (Vector v : vectors) {
            Reply r = replies.get(v.id());
            sink.accept(v, r != null ? r : new Reply.Error("no reply for this vector in " + file));
        }
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        // Nothing to release: the file was read completely by read().
    }
}
