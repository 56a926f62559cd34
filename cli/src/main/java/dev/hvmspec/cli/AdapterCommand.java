package dev.hvmspec.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.Trace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code hvmspec adapter}: serves the bundled reference model over the adapter protocol (hvmspec-adapter/1) on stdin
 * and stdout, so the harness's adapter path can be checked against a known-good implementation, and so that other
 * harnesses can use the model as an oracle.
 */
@Command(
        name = "adapter",
        mixinStandardHelpOptions = true,
        description = {
            "Serve the bundled reference model over the adapter protocol on stdin/stdout:",
            "a handshake line, then one reply line per request line, in order; exits 0 at end of input."
        })
final class AdapterCommand implements Callable<Integer> {

    static final String PROTOCOL = "hvmspec-adapter/1";
    private static final Set<String> REQUEST_KEYS = Set.of("id", "domain", "input");
    // Used only to salvage the id of a request that is not valid JSON, so the harness can still pair the reply.
    @ParentCommand
    private Main main;

    private final ObjectMapper mapper;

    AdapterCommand() {
        JsonFactory factory = new JsonFactoryBuilder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Memory addresses are field names, nearly all distinct: canonicalizing them makes every parse copy
                // and grow a shared symbol table (measured: 3x slower on ept-walk).
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .rootValueSeparator((String) null)
                .build();
        mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    @Override
    public Integer call() throws IOException {
        Map<String, DomainModel> models = new LinkedHashMap<>();
        for (DomainModel m : main.models()) {
            models.putIfAbsent(m.domain(), m);
        }
        LineReader in = new LineReader(main.in());
        // One generator for the whole conversation; it buffers, and we flush only when no request is waiting, so a
        // pipelining harness gets replies in batches and an interactive one gets each reply at once.
        try (JsonGenerator out = mapper.getFactory().createGenerator(main.out())) {
            out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            ObjectNode handshake = mapper.createObjectNode()
                    .put("protocol", PROTOCOL)
                    .put("name", "hvmspec-reference-model")
                    .put("version", Main.version());
            handshake.putArray("domains").addAll(models.keySet().stream().map(d -> mapper.getNodeFactory().textNode(d)).toList());
            writeLine(out, handshake);
            out.flush();
            while (true) {
                if (!in.ready()) {
                    out.flush();
                }
                byte[] line = in.next();
                if (line == null) {
                    break;
                }
                writeLine(out, answer(line, models));
            }
            out.flush();
        }
        return Main.OK;
    }

    /** Splits a byte stream into lines without per-byte locking; knows whether a line is already waiting. */
    static final class LineReader {
        private final InputStream in;
        private byte[] buf = new byte[1 << 16];
        private int start;
        private int end;
        private boolean eof;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** True when a next line (or part of one) can be had without blocking. */
        boolean ready() throws IOException {
            return start < end || (!eof && in.available() > 0);
        }

        /** The next line without its '\n' (and a '\r' before it), or null at end of input. */
        byte[] next() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = scanned; i < end; i++) {
                    if (buf[i] == '\n') {
                        byte[] line = slice(start, i);
                        start = i + 1;
                        return line;
                    }
                }
                scanned = end;
                if (eof) {
                    if (start == end) {
                        return null;
                    }
                    byte[] line = slice(start, end);
                    start = end;
                    return line;
                }
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    scanned -= start;
                    start = 0;
                }
                if (end == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    eof = true;
                } else {
                    end += n;
                }
            }
        }

        private byte[] slice(int from, int to) {
            int stop = to > from && buf[to - 1] == '\r' ? to - 1 : to;
            return java.util.Arrays.copyOfRange(buf, from, stop);
        }
    }

    private void writeLine(JsonGenerator out, JsonNode node) throws IOException {
        mapper.writeTree(out, node);
        out.writeRaw('\n');
    }

    /** The reply to one request line; every line gets exactly one reply, whatever it holds. */
    ObjectNode answer(byte[] line, Map<String, DomainModel> models) {
        JsonNode request;
        try {
            request = readTree(line);
        } catch (JsonProcessingException e) {
            return error(salvageId(line), "the request is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return error(salvageId(line), "the request cannot be read: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            return error("", "the request is not a JSON object");
        }
        JsonNode idNode = request.get("id");
        if (idNode == null || !idNode.isTextual()) {
            return error("", "the request has no string \"id\"");
        }
        String id = idNode.textValue();
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!REQUEST_KEYS.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            return error(id, "unknown key(s) in the request: " + unknown);
        }
        JsonNode domain = request.get("domain");
        JsonNode input = request.get("input");
        if (domain == null || !domain.isTextual()) {
            return error(id, "the request has no string \"domain\"");
        }
        if (input == null || !input.isObject()) {
            return error(id, "the request has no object \"input\"");
        }
        DomainModel model = models.get(domain.textValue());
        if (model == null) {
            return mapper.createObjectNode().put("id", id)
                    .put("unsupported", "domain " + domain.textValue() + " is not in the reference model");
        }
        try {
            ObjectNode reply = mapper.createObjectNode().put("id", id);
            reply.set("outcome", model.evaluate(input, Trace.NONE).primary());
            return reply;
        } catch (InvalidInputException e) {
            return error(id, "invalid input: " + e.getMessage());
        } catch (RuntimeException e) {
            // A model bug on one input must not end the conversation (the harness would lose the whole pipeline).
            return error(id, "internal error in the reference model: " + e);
        }
    }

    private ObjectNode error(String id, String why) {
        return mapper.createObjectNode().put("id", id).put("error", why);
    }

    /**
     * The id of a request line that is not valid JSON, if a {@code "id": "..."} member can still be found, so that the
     * error reply names the right vector. A plain scan, not a regular expression: Java's regex engine recurses once per
     * character of a repeated group and would overflow its stack on a long id.
     */
    private String salvageId(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        int at = text.indexOf("\"id\"");
        while (at >= 0) {
            int i = skipSpaces(text, at + 4);
            if (i < text.length() && text.charAt(i) == ':') {
                i = skipSpaces(text, i + 1);
                if (i < text.length() && text.charAt(i) == '"') {
                    int end = i + 1;
                    while (end < text.length() && text.charAt(end) != '"') {
                        end += text.charAt(end) == '\\' ? 2 : 1;
                    }
                    if (end < text.length()) {
                        try {
                            JsonNode id = mapper.readTree(text.substring(i, end + 1));
                            if (id != null && id.isTextual()) return id.textValue();
                        } catch (IOException e) {
                            // Not even the id can be read; fall through to the empty id the protocol prescribes.
                        }
                    }
                    return "";
                }
            }
            at = text.indexOf("\"id\"", at + 1);
        }
        return "";
    }

    private static int skipSpaces(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        return i;
    }

    /**
     * Parses one line. An ASCII line (nearly all of them) is parsed from a Latin-1 string, which gives the same tree
     * and the same errors as parsing the bytes, without Jackson's per-call encoding detection and UTF-8 reader; any
     * other line is parsed from its bytes as before, so malformed UTF-8 is still an error.
     */
    private JsonNode readTree(byte[] line) throws IOException {
        for (byte b : line) {
            if (b < 0) {
                return mapper.readTree(line);
            }
        }
        return mapper.readTree(new String(line, StandardCharsets.ISO_8859_1));
    }
}
