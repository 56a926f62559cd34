package dev.hvmspec.conformance.vectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One test vector as read from {@code file} at {@code line}. The lists are unmodifiable; the JSON nodes are shared
 * with the reader and must be treated as read-only (copying every input would cost more than the check itself).
 */
public record Vector(
        String id,
        String domain,
        List<String> rules,
        List<String> sdm,
        String comment,
        List<String> flags,
        ObjectNode input,
        List<ObjectNode> expect,
        Path file,
        int line) {

    public Vector {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(comment, "comment");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(file, "file");
        rules = List.copyOf(rules);
        sdm = List.copyOf(sdm);
        flags = List.copyOf(flags);
        expect = List.copyOf(expect);
        if (expect.isEmpty()) {
            throw new IllegalArgumentException("vector " + id + " has no expected outcome");
        }
    }

    /** {@code file:line}, for reports. */
    public String location() {
        return file + ":" + line;
    }
}
