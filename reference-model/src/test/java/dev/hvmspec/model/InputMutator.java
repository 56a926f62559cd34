package dev.hvmspec.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Structurally valid inputs of a domain: real vector inputs (vectors/&lt;domain&gt;.jsonl) mutated within the shape
 * that vectors/schema/&lt;domain&gt;.schema.json gives, every value kept in range. Test support for the totality fuzz
 * tests; shared with the cli module's differential tests through this module's test jar.
 */
public final class InputMutator {
    /** Where the randomness comes from: java.util.Random or Jazzer's FuzzedDataProvider. */
    public interface Rnd {
        /** Uniform in [0, bound). */
        int nextInt(int bound);

        long nextLong();

        boolean nextBoolean();
    }

    public static Rnd of(java.util.Random r) {
        return new Rnd() {
            public int nextInt(int bound) {
                return r.nextInt(bound);
            }

            public long nextLong() {
                return r.nextLong();
            }

            public boolean nextBoolean() {
                return r.nextBoolean();
            }
        };
    }

    /** A field of the input shape. */
    sealed interface Field permits HexF, IntF, BoolF, EnumF, BytesF, MemoryF, ObjectF {}

    record HexF(int width) implements Field {}

    record IntF(long min, long max) implements Field {}

    record BoolF() implements Field {}

    record EnumF(List<String> values) implements Field {}

    record BytesF(int size) implements Field {}

    record MemoryF() implements Field {}

    record ObjectF(Map<String, Field> properties, List<String> required) implements Field {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern BIT_WIDTH = Pattern.compile("(\\d+)-bit value");
    private static final Pattern BYTE_SIZE = Pattern.compile("sparse (\\d+)-byte array");

    public static final Path ROOT = locateRoot();

    public final String domain;
    public final ObjectF shape;
    public final List<ObjectNode> seeds;

    private InputMutator(String domain, ObjectF shape, List<ObjectNode> seeds) {
        this.domain = domain;
        this.shape = shape;
        this.seeds = seeds;
    }

    private static Path locateRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("vectors/schema")) && Files.isDirectory(p.resolve("spec"))) return p;
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the project root (vectors/schema) above " + Path.of("").toAbsolutePath());
    }

    private static final Map<String, InputMutator> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The mutator of {@code domain}: its schema's input shape and every committed vector input. */
    public static InputMutator forDomain(String domain) {
        return CACHE.computeIfAbsent(domain, InputMutator::load);
    }

    private static InputMutator load(String domain) {
        try {
            JsonNode schema = MAPPER.readTree(ROOT.resolve("vectors/schema/" + domain + ".schema.json").toFile());
            ObjectF shape = (ObjectF) field(schema.get("properties").get("input"));
            List<ObjectNode> seeds = new ArrayList<>();
            try (BufferedReader r = Files.newBufferedReader(ROOT.resolve("vectors/" + domain + ".jsonl"), StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) seeds.add((ObjectNode) MAPPER.readTree(line).get("input"));
            }
            return new InputMutator(domain, shape, List.copyOf(seeds));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Field field(JsonNode s) {
        if (s.has("enum")) {
            List<String> values = new ArrayList<>();
            s.get("enum").forEach(v -> values.add(v.textValue()));
            return new EnumF(values);
        }
        String type = s.path("type").asText();
        String description = s.path("description").asText("");
        switch (type) {
            case "string": {
                Matcher m = BIT_WIDTH.matcher(description);
                if (!m.find()) throw new IllegalStateException("no width in " + s);
                return new HexF(Integer.parseInt(m.group(1)));
            }
            case "integer":
                return new IntF(s.path("minimum").asLong(Long.MIN_VALUE), s.path("maximum").asLong(Long.MAX_VALUE));
            case "boolean":
                return new BoolF();
            case "object": {
                if (s.has("propertyNames")) {
                    Matcher m = BYTE_SIZE.matcher(description);
                    if (m.find()) return new BytesF(Integer.parseInt(m.group(1)));
                    if (description.contains("physical memory")) return new MemoryF();
                    throw new IllegalStateException("unknown sparse object " + s);
                }
                Map<String, Field> props = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = s.get("properties").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    props.put(e.getKey(), field(e.getValue()));
                }
                List<String> required = new ArrayList<>();
                s.path("required").forEach(r -> required.add(r.textValue()));
                return new ObjectF(props, required);
            }
            default:
                throw new IllegalStateException("unknown schema type " + s);
        }
    }

    /** A mutation of a random real input: 1 to 6 edits, every value within its range. */
    public ObjectNode mutate(Rnd rnd) {
        ObjectNode input = seeds.get(rnd.nextInt(seeds.size())).deepCopy();
        int edits = 1 + rnd.nextInt(6);
        for (int i = 0; i < edits; i++) edit(input, shape, rnd);
        return input;
    }

    private static void edit(ObjectNode object, ObjectF shape, Rnd rnd) {
        List<String> names = new ArrayList<>(shape.properties().keySet());
        String name = names.get(rnd.nextInt(names.size()));
        Field f = shape.properties().get(name);
        boolean optional = !shape.required().contains(name);
        if (optional && object.has(name) && rnd.nextInt(6) == 0) {
            object.remove(name);
            return;
        }
        JsonNode old = object.get(name);
        object.set(name, value(f, old, object, rnd));
    }

    static JsonNode value(Field f, JsonNode old, ObjectNode context, Rnd rnd) {
        if (f instanceof HexF h) {
            long prev = old != null && old.isTextual() ? parse(old.textValue()) : 0;
            return MAPPER.getNodeFactory().textNode(hex(randomBits(h.width(), prev, rnd), rnd));
        }
        if (f instanceof IntF i) {
            long span = i.max() - i.min() + 1;
            long v = span > 0 && span < Integer.MAX_VALUE ? i.min() + rnd.nextInt((int) span) : rnd.nextLong();
            return MAPPER.getNodeFactory().numberNode(v);
        }
        if (f instanceof BoolF) {
            return MAPPER.getNodeFactory().booleanNode(old != null && old.isBoolean() ? !old.booleanValue() : rnd.nextBoolean());
        }
        if (f instanceof EnumF e) {
            return MAPPER.getNodeFactory().textNode(e.values().get(rnd.nextInt(e.values().size())));
        }
        if (f instanceof BytesF b) {
            ObjectNode o = old != null && old.isObject() ? ((ObjectNode) old).deepCopy() : MAPPER.createObjectNode();
            sparseEdit(o, rnd, b.size(), 1, 8, context);
            return o;
        }
        if (f instanceof MemoryF) {
            ObjectNode o = old != null && old.isObject() ? ((ObjectNode) old).deepCopy() : MAPPER.createObjectNode();
            sparseEdit(o, rnd, -1, 8, 64, context);
            return o;
        }
        ObjectF of = (ObjectF) f;
        ObjectNode o = old != null && old.isObject() ? ((ObjectNode) old).deepCopy() : MAPPER.createObjectNode();
        for (Map.Entry<String, Field> e : of.properties().entrySet()) {
            if (!o.has(e.getKey()) && of.required().contains(e.getKey())) o.set(e.getKey(), value(e.getValue(), null, context, rnd));
        }
        edit(o, of, rnd);
        return o;
    }

    /**
     * Adds, removes or changes entries of a sparse byte array ({@code size} bytes, alignment 1) or physical memory
     * ({@code size} -1, alignment 8). Keys stay canonical so that two keys never name the same address.
     */
    private static void sparseEdit(ObjectNode o, Rnd rnd, int size, int align, int valueWidth, ObjectNode context) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        int op = rnd.nextInt(keys.isEmpty() ? 2 : 5);
        switch (op) {
            case 0:
            case 1: { // add (or overwrite) an entry
                long at;
                int how = rnd.nextInt(4);
                if (how == 0 && !keys.isEmpty()) {
                    at = parse(keys.get(rnd.nextInt(keys.size()))) + (long) align * (rnd.nextInt(33) - 16);
                } else if (how == 1 && size < 0) {
                    // near a page a hex input names (e.g. the EPTP), which is where a walk starts
                    List<Long> bases = new ArrayList<>();
                    context.fields().forEachRemaining(e -> {
                        if (e.getValue().isTextual()) bases.add(parse(e.getValue().textValue()) & ~0xfffL & 0x000f_ffff_ffff_ffffL);
                    });
                    at = bases.isEmpty() ? 0 : bases.get(rnd.nextInt(bases.size())) + 8L * rnd.nextInt(512);
                } else if (size > 0) {
                    at = rnd.nextInt(size);
                } else {
                    at = rnd.nextInt(3) == 0 ? rnd.nextLong() : (rnd.nextLong() & 0xff_ffff_ffffL);
                }
                if (size > 0) at = Math.floorMod(at, (long) size);
                at &= -(long) align;
                o.put(hexCanonical(at), hex(randomBits(valueWidth, 0, rnd), rnd));
                break;
            }
            case 2: // remove an entry
                o.remove(keys.get(rnd.nextInt(keys.size())));
                break;
            default: { // change an entry's value
                String k = keys.get(rnd.nextInt(keys.size()));
                JsonNode v = o.get(k);
                long prev = v.isTextual() ? parse(v.textValue()) : 0;
                o.put(k, hex(randomBits(valueWidth, prev, rnd), rnd));
            }
        }
    }

    /** A value of {@code width} bits, often close to {@code prev} (bit flips) or at a boundary. */
    static long randomBits(int width, long prev, Rnd rnd) {
        long mask = width >= 64 ? -1L : (1L << width) - 1;
        long v;
        switch (rnd.nextInt(9)) {
            case 0: v = 0; break;
            case 1: v = mask; break;
            case 2: v = 1L << rnd.nextInt(width); break;
            case 3: v = prev ^ (1L << rnd.nextInt(width)); break;
            case 4: v = prev ^ (1L << rnd.nextInt(width)) ^ (1L << rnd.nextInt(width)); break;
            case 5: v = rnd.nextInt(0x2000); break;
            case 6: v = prev & rnd.nextLong(); break;
            case 7: v = prev | (1L << rnd.nextInt(width)); break;
            default: v = rnd.nextLong(); break;
        }
        return v & mask;
    }

    static long parse(String s) {
        String d = s.length() > 2 ? s.substring(2).replaceFirst("^0+(?=.)", "") : "0";
        try {
            return d.length() > 16 ? 0 : Long.parseUnsignedLong(d, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String hexCanonical(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** {@code v} in a spelling readers must accept: "0x", digits in either case, sometimes leading zeros. */
    static String hex(long v, Rnd rnd) {
        String digits = Long.toHexString(v);
        int style = rnd.nextInt(8);
        if (style == 0) digits = digits.toUpperCase(java.util.Locale.ROOT);
        if (style == 1) digits = "0".repeat(1 + rnd.nextInt(4)) + digits;
        return "0x" + digits;
    }
}
