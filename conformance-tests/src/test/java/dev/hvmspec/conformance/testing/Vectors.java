package dev.hvmspec.conformance.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.nio.file.Path;
import java.util.List;

/** Builds vectors for tests without going through files. */
public final class Vectors {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Vectors() {}

    public static ObjectNode json(String s) {
        try {
            return (ObjectNode) MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** A vector of the id's domain (the part before the first '/') expecting {@code expect}. */
    public static Vector vector(String id, String... expect) {
        String domain = id.substring(0, id.indexOf('/'));
        List<ObjectNode> outcomes = expect.length == 0
                ? List.of(json("{'kind':'ok','v':'0x1'}"))
                : java.util.Arrays.stream(expect).map(Vectors::json).toList();
        return new Vector(id, domain, List.of("RULE-" + id.length()), List.of("Vol. 3C 1.1 Test"), "comment of " + id,
                List.of(), json("{'x':'0x1','nested':{'0x10':'0xff'}}"), outcomes, Path.of("vectors", domain + ".jsonl"), 1);
    }
}
