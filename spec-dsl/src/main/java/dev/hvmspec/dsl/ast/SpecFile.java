package dev.hvmspec.dsl.ast;

import java.util.List;

/** One parsed spec file: a domain (with its {@code use}d libraries) or a library. */
public record SpecFile(String path, boolean isLibrary, String name, Pos headerPos, List<Use> uses, List<Decl> decls) {
    public SpecFile {
        uses = List.copyOf(uses);
        decls = List.copyOf(decls);
    }

    public record Use(Pos pos, String library) {}
}
