package dev.hvmspec.conformance.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checks an external implementation through an adapter program speaking hvmspec-adapter/1 on its stdin and stdout.
 *
 * <p>Requests are pipelined: up to {@link AdapterSettings#window()} are outstanding, and the window is refilled in
 * batches once half of it has been answered, so both sides mostly write whole batches rather than single lines.
 *
 * <p>The adapter is not trusted. A reply that is not one JSON object, names the wrong id, is malformed or breaks the
 * outcome schema, an adapter that exits or closes its output early, and one that does not answer within the timeout,
 * each give the vector concerned an error verdict; the adapter is then killed (with everything it started), started
 * again, and the vectors that were sent after that one are sent again. Replies already received are kept, and every
 * vector gets exactly one reply.
 */
public final class AdapterImplementation implements Implementation {

    public static final String PROTOCOL = "hvmspec-adapter/1";

    private static final Set<String> REPLY_KINDS = Set.of("outcome", "unsupported", "error");

    /** The adapter's handshake. */
    public record Handshake(String name, String version, Set<String> domains) {
        public Handshake {
            domains = Set.copyOf(domains);
        }
    }

    private final AdapterSettings settings;
    private final ObjectMapper mapper;
    private final List<String> warnings = new ArrayList<>();
    private AdapterLog log;
    private AdapterProcess process;
    // Launched by start() and not yet shaken hands with; the first use takes it over.
    private AdapterProcess starting;
    private Optional<Handshake> handshake = Optional.empty();
    // Set when the adapter cannot be used any more (no handshake, too many restarts); every later vector is an error.
    private Optional<String> givenUp = Optional.empty();
    private int restarts;

    public AdapterImplementation(AdapterSettings settings) {
        this.settings = settings;
        JsonFactory factory = new JsonFactoryBuilder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Memory addresses are field names, nearly all distinct: canonicalizing them makes every parse copy
                // and grow a shared symbol table (measured: 3x slower on ept-walk).
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                // Requests are separated by our own '\n', not by Jackson's default space.
                .rootValueSeparator((String) null)
                .build();
        this.mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    @Override
    public String name() {
        return handshake.map(h -> h.name() + " " + h.version() + " (adapter: " + settings.command() + ")")
                .orElse("adapter: " + settings.command());
    }

    /** The handshake of the first successful start, starting the adapter if needed. */
    public Optional<Handshake> handshake() {
        ensureStarted();
        return handshake;
    }

    @Override
    public Set<String> domains() {
        return handshake().map(Handshake::domains).orElse(Set.of());
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** How many times the adapter was restarted after a fault. */
    public int restarts() {
        return restarts;
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /**
     * Launches the adapter without waiting for its handshake, so that its start-up (half a second for a JVM) overlaps
     * what the caller does next; {@code hvmspec check} reads the vectors meanwhile. Optional: the first use starts the
     * adapter anyway, and the handshake is checked then, exactly as without this call.
     */
    public void start() {
        if (process != null || starting != null || givenUp.isPresent()) {
            return;
        }
        try {
            if (log == null) {
                log = AdapterLog.open(settings.stderrLog());
            }
            starting = AdapterProcess.start(settings.command(), log);
        } catch (IOException e) {
            giveUp("the adapter could not be started: " + e.getMessage());
        }
    }

    /** True when an adapter process is running and has shaken hands. */
    private boolean ensureStarted() {
        if (process != null) {
            return true;
        }
        if (givenUp.isPresent()) {
            return false;
        }
        try {
            if (log == null) {
                log = AdapterLog.open(settings.stderrLog());
            }
            AdapterProcess p = starting != null ? starting : AdapterProcess.start(settings.command(), log);
            starting = null;
            Optional<String> problem = shakeHands(p);
            if (problem.isPresent()) {
                p.kill();
                boolean first = handshake.isEmpty();
                giveUp((first ? "the adapter did not start: " : "the adapter did not restart: ") + problem.get());
                return false;
            }
            process = p;
            return true;
        } catch (IOException e) {
            giveUp("the adapter could not be started: " + e.getMessage());
            return false;
        }
    }

    private void giveUp(String why) {
        givenUp = Optional.of(why);
        warnings.add(why);
    }

    private Optional<String> shakeHands(AdapterProcess p) {
        long deadline = System.nanoTime() + settings.handshakeTimeout().toNanos();
        Optional<AdapterProcess.Event> event = p.next(deadline);
        if (event.isEmpty()) {
            return Optional.of("no handshake within " + seconds(settings.handshakeTimeout().toMillis()));
        }
        if (event.get() instanceof AdapterProcess.End end) {
            return Optional.of(end.why().orElseGet(() -> "it " + exitDescription(p) + " before its handshake"));
        }
        byte[] line = ((AdapterProcess.Line) event.get()).bytes();
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (IOException e) {
            return Optional.of("the handshake is not JSON: " + snippet(line));
        }
        if (node == null || !node.isObject()) {
            return Optional.of("the handshake is not a JSON object: " + snippet(line));
        }
        if (!node.path("protocol").isTextual()) {
            return Optional.of("the handshake has no string \"protocol\": " + snippet(line));
        }
        if (!node.get("protocol").textValue().equals(PROTOCOL)) {
            return Optional.of("the adapter speaks " + node.get("protocol").textValue() + "; this harness speaks " + PROTOCOL);
        }
        if (!node.path("name").isTextual() || !node.path("version").isTextual() || !node.path("domains").isArray()) {
            return Optional.of("the handshake needs a string \"name\", a string \"version\" and an array \"domains\": "
                    + snippet(line));
        }
        Set<String> domains = new LinkedHashSet<>();
        for (JsonNode d : node.get("domains")) {
            if (!d.isTextual()) {
                return Optional.of("\"domains\" in the handshake must hold strings: " + snippet(line));
            }
            domains.add(d.textValue());
        }
        if (handshake.isEmpty()) {
            handshake = Optional.of(new Handshake(node.get("name").textValue(), node.get("version").textValue(), domains));
        } else if (!handshake.get().domains().equals(domains)) {
            warnings.add("the restarted adapter listed other domains than the first; the first handshake's are used");
        }
        return Optional.empty();
    }

    /** Kills the adapter after a fault; the next vector starts a new one. */
    private void restart() {
        process.kill();
        process = null;
        restarts++;
        if (restarts > settings.maxRestarts()) {
            giveUp("the adapter was restarted " + settings.maxRestarts() + " times; giving up on it");
        }
    }

    /** After the last reply: close stdin, expect nothing more on stdout and a zero exit status. */
    private void finish() {
        AdapterProcess p = process;
        process = null;
        p.closeInput();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        int extra = 0;
        while (true) {
            Optional<AdapterProcess.Event> event = p.next(deadline);
            if (event.isEmpty()) {
                warnings.add("the adapter did not close its output within " + seconds(settings.timeout().toMillis())
                        + " of its stdin being closed; killed");
                p.kill();
                return;
            }
            if (event.get() instanceof AdapterProcess.End) {
                break;
            }
            extra++;
        }
        if (extra > 0) {
            warnings.add("the adapter wrote " + extra + " line(s) after its last reply");
        }
        OptionalInt status = p.exitStatus(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        if (status.isEmpty()) {
            warnings.add("the adapter did not exit after its stdin was closed; killed");
            p.kill();
        } else if (status.getAsInt() != 0) {
            warnings.add("the adapter exited with status " + status.getAsInt() + " after answering every request");
        }
    }

    @Override
    public void close() {
        if (starting != null) {
            // Started early and never used (the vectors could not be read): nothing to report about it.
            starting.kill();
            starting = null;
        }
        if (process != null) {
            finish();
        }
        if (log != null) {
            log.close();
        }
    }

    // ---------------------------------------------------------------------------------------------- evaluation

    /** A vector in the pipeline: sent to the adapter, or held back because its domain is not supported. */
    private record Pending(int index, boolean sent, long sentAtNanos) {}

    @Override
    public void evaluate(List<Vector> vectors, ReplySink sink) {
        evaluateKeepingAdapter(vectors, sink);
        if (process != null) {
            finish();
        }
    }

    /**
     * As {@link #evaluate}, but a healthy adapter is left running for the next call instead of being told to exit;
     * {@link #close()} ends it. The benchmarks use this to keep the adapter's start-up out of what they measure.
     */
    public void evaluateKeepingAdapter(List<Vector> vectors, ReplySink sink) {
        int window = settings.window();
        long timeout = settings.timeout().toNanos();
        ArrayDeque<Pending> pipeline = new ArrayDeque<>();
        int outstanding = 0; // sent and not answered
        int next = 0; // first vector not yet in the pipeline
        long lastReply = System.nanoTime();
        while (next < vectors.size() || !pipeline.isEmpty()) {
            if (!ensureStarted()) {
                String why = givenUp.orElse("the adapter is not running");
                // Vectors still in the pipeline come first: they precede `next`.
                for (Pending p : pipeline) {
                    sink.accept(vectors.get(p.index()), new Reply.Error(why));
                }
                pipeline.clear();
                for (int i = next; i < vectors.size(); i++) {
                    sink.accept(vectors.get(i), new Reply.Error(why));
                }
                return;
            }
            if (outstanding <= window / 2 && next < vectors.size()) {
                ByteArrayOutputStream batch = new ByteArrayOutputStream(8192);
                long now = System.nanoTime();
                if (outstanding == 0) {
                    lastReply = now;
                }
                Set<String> domains = handshake.orElseThrow().domains();
                // One generator for the whole batch (not one per request): its buffers and contexts are set up once.
                try (JsonGenerator g = mapper.getFactory().createGenerator(batch)) {
                    while (outstanding < window && next < vectors.size()) {
                        Vector v = vectors.get(next);
                        boolean supported = domains.contains(v.domain());
                        if (supported) {
                            writeRequest(g, v);
                            outstanding++;
                        }
                        pipeline.add(new Pending(next, supported, now));
                        next++;
                    }
                } catch (IOException e) {
                    // Writing to memory cannot fail.
                    throw new UncheckedIOException(e);
                }
                process.send(batch.toByteArray());
            }
            Pending head = pipeline.peek();
            if (!head.sent()) {
                Vector v = vectors.get(head.index());
                sink.accept(v, new Reply.Unsupported("domain " + v.domain() + " is not listed in the adapter's handshake"));
                pipeline.remove();
                continue;
            }
            Vector v = vectors.get(head.index());
            long deadline = Math.max(head.sentAtNanos(), lastReply) + timeout;
            Optional<AdapterProcess.Event> event = process.next(deadline);
            Answer answer = event.isEmpty()
                    ? Answer.fault("no reply within " + seconds(settings.timeout().toMillis()))
                    : interpret(v, event.get());
            sink.accept(v, answer.reply());
            pipeline.remove();
            outstanding--;
            lastReply = System.nanoTime();
            if (answer.fault()) {
                // Everything sent after the faulty vector goes again to the next adapter process.
                next = head.index() + 1;
                pipeline.clear();
                outstanding = 0;
                restart();
            }
        }
    }

    /** A reply for the vector, and whether the adapter must be restarted because of how it came. */
    private record Answer(Reply reply, boolean fault) {
        static Answer fault(String why) {
            return new Answer(new Reply.Error(why), true);
        }
    }

    private Answer interpret(Vector v, AdapterProcess.Event event) {
        if (event instanceof AdapterProcess.End end) {
            return Answer.fault(end.why().orElseGet(() -> "the adapter " + exitDescription(process) + " before answering"));
        }
        byte[] line = ((AdapterProcess.Line) event).bytes();
        JsonNode node;
        try {
            node = readTree(line);
        } catch (JsonProcessingException e) {
            return Answer.fault("the reply is not JSON: " + snippet(line));
        } catch (IOException e) {
            return Answer.fault("the reply could not be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            return Answer.fault("the reply is not a JSON object: " + snippet(line));
        }
        JsonNode id = node.get("id");
        if (id == null || !id.isTextual()) {
            return Answer.fault("the reply has no string \"id\": " + snippet(line));
        }
        if (!id.textValue().equals(v.id())) {
            return Answer.fault("the reply names id \"" + id.textValue() + "\", expected \"" + v.id() + "\"");
        }
        List<String> kinds = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (REPLY_KINDS.contains(key)) {
                kinds.add(key);
            } else if (!key.equals("id")) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            return Answer.fault("the reply has unknown key(s) " + unknown + ": " + snippet(line));
        }
        if (kinds.size() != 1) {
            return Answer.fault("the reply must have exactly one of \"outcome\", \"unsupported\", \"error\": " + snippet(line));
        }
        JsonNode body = node.get(kinds.get(0));
        switch (kinds.get(0)) {
            case "unsupported":
                return body.isTextual()
                        ? new Answer(new Reply.Unsupported(body.textValue()), false)
                        : Answer.fault("\"unsupported\" must be a string: " + snippet(line));
            case "error":
                return body.isTextual()
                        ? new Answer(new Reply.Error("the adapter reported: " + body.textValue()), false)
                        : Answer.fault("\"error\" must be a string: " + snippet(line));
            default:
                if (!body.isObject() || !body.path("kind").isTextual()) {
                    return Answer.fault("the outcome is not an object with a string \"kind\": " + snippet(line));
                }
                Optional<String> problem;
                try {
                    problem = settings.validator().problem(v.domain(), body);
                } catch (RuntimeException e) {
                    problem = Optional.of("the outcome validator failed: " + e);
                }
                if (problem.isPresent()) {
                    return Answer.fault("the outcome breaks the " + v.domain() + " outcome schema: " + problem.get());
                }
                return new Answer(new Reply.Outcome((ObjectNode) body), false);
        }
    }

    private void writeRequest(JsonGenerator g, Vector v) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", v.id());
        g.writeStringField("domain", v.domain());
        g.writeFieldName("input");
        mapper.writeTree(g, v.input());
        g.writeEndObject();
        g.writeRaw('\n');
    }

    // ---------------------------------------------------------------------------------------------- wording

    private static String exitDescription(AdapterProcess p) {
        OptionalInt status = p.exitStatus(1000);
        return status.isPresent() ? "exited with status " + status.getAsInt() : "closed its output";
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.3f s", millis / 1000.0);
    }

    /** The start of a line the adapter wrote, printable, for error messages. */
    static String snippet(byte[] line) {
        String s = new String(line, 0, Math.min(line.length, 200), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(line.length > 200 ? "...\"" : "\"").toString();
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
