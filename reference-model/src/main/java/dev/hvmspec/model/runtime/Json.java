package dev.hvmspec.model.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * Strict reading and canonical writing of the vector format's values, for the generated codecs.
 *
 * <p>Readers take the object, the member's key and the object's JSON pointer ({@code ""} for the root); they build
 * the member's pointer only when they report an error, so that reading a valid input allocates nothing extra.
 * Every problem is an {@link InvalidInputException} naming the offending value by JSON pointer.
 */
public final class Json {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    // ----- reading -----

    /** {@code node} as an object. */
    public static ObjectNode object(JsonNode node, String path) throws InvalidInputException {
        if (node instanceof ObjectNode o) return o;
        throw new InvalidInputException(path, "expected an object, found " + describe(node));
    }

    /** Rejects any key of {@code object} that is not in {@code known}. */
    public static void keys(ObjectNode object, String path, String[] known) throws InvalidInputException {
        int found = 0;
        for (String k : known) {
            if (object.has(k)) found++;
        }
        if (found == object.size()) return;
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            boolean isKnown = false;
            for (String k : known) {
                isKnown |= k.equals(name);
            }
            if (!isKnown) throw new InvalidInputException(pointer(path, name), "unknown key \"" + name + "\"");
        }
    }

    /** The value of a required member. */
    public static JsonNode member(ObjectNode object, String key, String path) throws InvalidInputException {
        JsonNode node = object.get(key);
        if (node == null) throw new InvalidInputException(pointer(path, key), "missing key \"" + key + "\"");
        return node;
    }

    /** A {@code bits(width)} member: a hex string. */
    public static long bits(ObjectNode object, String key, String path, int width) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!node.isTextual()) {
            throw new InvalidInputException(pointer(path, key), "expected a hex string \"0x...\", found " + describe(node));
        }
        try {
            return Hex.parse(node.textValue(), width);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(pointer(path, key), e.getMessage());
        }
    }

    /** An {@code int(min..max)} member: an integral JSON number in the range. */
    public static long integer(ObjectNode object, String key, String path, long min, long max) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!node.isIntegralNumber()) {
            throw new InvalidInputException(pointer(path, key), "expected an integer, found " + describe(node));
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw new InvalidInputException(pointer(path, key), node + " is out of range " + min + ".." + max);
        }
        return node.longValue();
    }

    /** A {@code bool} member. */
    public static boolean bool(ObjectNode object, String key, String path) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!node.isBoolean()) {
            throw new InvalidInputException(pointer(path, key), "expected true or false, found " + describe(node));
        }
        return node.booleanValue();
    }

    /** A string member. */
    public static String string(ObjectNode object, String key, String path) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!node.isTextual()) {
            throw new InvalidInputException(pointer(path, key), "expected a string, found " + describe(node));
        }
        return node.textValue();
    }

    /**
     * An enum member: a string that {@code lookup} maps to an item (it returns null for an unknown spelling);
     * {@code expected} lists the spellings for the error message.
     */
    public static <E> E item(ObjectNode object, String key, String path, Function<String, E> lookup, String expected)
            throws InvalidInputException {
        String text = string(object, key, path);
        E item = lookup.apply(text);
        if (item == null) {
            throw new InvalidInputException(pointer(path, key), "unknown value \"" + text + "\"; expected " + expected);
        }
        return item;
    }

    /** A {@code bytes(size)} member: {@code {"0x<offset>": "0x<byte>"}}, absent bytes zero. */
    public static ByteArray bytes(ObjectNode object, String key, String path, int size) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!(node instanceof ObjectNode o)) {
            throw new InvalidInputException(pointer(path, key), "expected an object {\"0x<offset>\": \"0x<byte>\"}, found " + describe(node));
        }
        int n = o.size();
        int[] offsets = new int[n];
        int[] values = new int[n];
        int i = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String at = field.getKey();
            long offset;
            try {
                offset = Hex.parse(at, 64);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "a byte offset must be a hex string: " + e.getMessage());
            }
            if (offset < 0 || offset >= size) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "offset " + at + " is outside bytes(" + size + ")");
            }
            JsonNode value = field.getValue();
            if (!value.isTextual()) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "expected a hex string \"0x...\", found " + describe(value));
            }
            try {
                values[i] = (int) Hex.parse(value.textValue(), 8);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(pointer(pointer(path, key), at), e.getMessage());
            }
            offsets[i] = (int) offset;
            i++;
        }
        try {
            return ByteArray.of(size, offsets, values);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(pointer(path, key), e.getMessage());
        }
    }

    /** A {@code physical_memory} member: {@code {"0x<8-byte-aligned address>": "0x<64-bit value>"}}. */
    public static PhysicalMemory memory(ObjectNode object, String key, String path) throws InvalidInputException {
        JsonNode node = member(object, key, path);
        if (!(node instanceof ObjectNode o)) {
            throw new InvalidInputException(pointer(path, key), "expected an object {\"0x<address>\": \"0x<value>\"}, found " + describe(node));
        }
        int n = o.size();
        long[] addresses = new long[n];
        long[] values = new long[n];
        int i = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String at = field.getKey();
            try {
                addresses[i] = Hex.parse(at, 64);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "an address must be a hex string: " + e.getMessage());
            }
            if ((addresses[i] & 7) != 0) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "address " + at + " is not 8-byte aligned");
            }
            JsonNode value = field.getValue();
            if (!value.isTextual()) {
                throw new InvalidInputException(pointer(pointer(path, key), at), "expected a hex string \"0x...\", found " + describe(value));
            }
            try {
                values[i] = Hex.parse(value.textValue(), 64);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(pointer(pointer(path, key), at), e.getMessage());
            }
            i++;
        }
        try {
            return PhysicalMemory.of(addresses, values);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(pointer(path, key), e.getMessage());
        }
    }

    /** The JSON pointer of member {@code key} of the value at {@code path} (RFC 6901 escaping). */
    public static String pointer(String path, String key) {
        return path + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        if (node.isObject()) return "an object";
        if (node.isArray()) return "an array";
        if (node.isTextual()) return "the string " + node;
        if (node.isNull()) return "null";
        return node.toString();
    }

    // ----- writing -----

    /** A new, empty object. */
    public static ObjectNode newObject() {
        return NODES.objectNode();
    }

    /**
     * Puts an {@code int} member as a JSON number: an int node when it fits (as a parser would read it back, so that
     * trees compare equal), a long node otherwise.
     */
    public static void putInt(ObjectNode json, String key, long value) {
        if (value == (int) value) json.put(key, (int) value);
        else json.put(key, value);
    }

    /** Physical memory as {@code {"0x<address>": "0x<value>"}}, in ascending unsigned address order. */
    public static ObjectNode toJson(PhysicalMemory memory) {
        ObjectNode o = NODES.objectNode();
        for (int i = 0; i < memory.size(); i++) {
            o.put(Hex.format(memory.addressAt(i)), Hex.format(memory.valueAt(i)));
        }
        return o;
    }

    /** A byte array as {@code {"0x<offset>": "0x<byte>"}}, in ascending offset order. */
    public static ObjectNode toJson(ByteArray bytes) {
        ObjectNode o = NODES.objectNode();
        for (int i = 0; i < bytes.count(); i++) {
            o.put(Hex.format(bytes.offsetAt(i)), Hex.format(bytes.valueAt(i)));
        }
        return o;
    }
}
