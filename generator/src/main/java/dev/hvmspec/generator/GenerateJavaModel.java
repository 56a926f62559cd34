package dev.hvmspec.generator;

import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.diag.DiagnosticPrinter;
import dev.hvmspec.dsl.diag.SpecException;
import dev.hvmspec.generator.java.GeneratedFiles;
import dev.hvmspec.generator.java.JavaBackend;
import dev.hvmspec.generator.java.JavaDomain;
import dev.hvmspec.generator.java.JavaRenderer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Build step of the reference model: {@code GenerateJavaModel <specDir> <outDir>} loads the spec and writes one Java
 * package per domain, plus {@code dev.hvmspec.model.Models}, under {@code outDir} (which it owns: stale files there
 * are deleted). Exit status 2 when the spec has errors (printed as diagnostics) or the arguments are wrong.
 */
public final class GenerateJavaModel {

    private GenerateJavaModel() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: GenerateJavaModel <specDir> <outDir>");
            System.exit(2);
        }
        SpecLoader.Loaded loaded;
        try {
            loaded = SpecLoader.load(List.of(Path.of(args[0])));
        } catch (SpecLoader.LoadException e) {
            System.err.print(new DiagnosticPrinter(e.sources()).render(e.diagnostics()));
            System.exit(2);
            return;
        } catch (SpecException e) {
            System.err.print(new DiagnosticPrinter(Map.of()).render(e.diagnostics()));
            System.exit(2);
            return;
        }
        Map<String, String> files = generate(loaded.domains());
        GeneratedFiles.Summary s = GeneratedFiles.write(Path.of(args[1]), files);
        System.out.println("hvmspec: Java model of " + loaded.domains().size() + " domain(s): " + s.written() + " file(s) written, "
                + s.unchanged() + " unchanged, " + s.deleted() + " deleted");
    }

    /** Every generated file: path relative to the source root to content. */
    public static Map<String, String> generate(List<CheckedDomain> domains) {
        JavaRenderer renderer = new JavaRenderer();
        Map<String, String> files = new TreeMap<>();
        List<JavaDomain> models = new ArrayList<>();
        for (CheckedDomain d : domains) {
            JavaDomain model = JavaBackend.build(d);
            models.add(model);
            files.putAll(renderer.render(model));
        }
        files.putAll(renderer.render(JavaBackend.registry(models)));
        return files;
    }
}
