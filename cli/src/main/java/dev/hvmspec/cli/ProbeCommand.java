package dev.hvmspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.bochs.BochsImplementation;
import dev.hvmspec.conformance.bochs.BochsProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code hvmspec probe}: the capability profile of a platform, read by the runner kernel in probe mode. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Boot the runner/ test kernel in probe mode and print the platform's capability profile: one JSON",
            "line with the VMX capability MSRs, IA32_FEATURE_CONTROL, MAXPHYADDR and the CPUID bits that matter",
            "(docs/profiles.md). On other platforms boot the runner with 'probe' on its multiboot command line",
            "(docs/running-on-hardware.md). Exit status: 0 with a profile, 2 when none could be had."})
final class ProbeCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Option(names = "--target", required = true, paramLabel = "bochs[:MODEL]",
            description = "Probe Bochs (2.7, on PATH) with this CPU model. MODEL: haswell (default), skylake_x, icelake,"
                    + " tigerlake, penryn, sandy_bridge, lynnfield, arrandale, ivy_bridge, broadwell, cannonlake"
                    + " (profiles/README.md), or a Bochs CPU model name among those.")
    private String target;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the profile to FILE instead of standard output.")
    private Optional<Path> out = Optional.empty();

    @Override
    public Integer call() {
        String modelName = BochsImplementation.DEFAULT_MODEL;
        if (target.startsWith("bochs:")) {
            modelName = target.substring("bochs:".length());
        } else if (!target.equals("bochs")) {
            return fail("--target must be bochs or bochs:MODEL, not " + target);
        }
        Optional<String> cpu = BochsImplementation.cpuModel(modelName);
        if (cpu.isEmpty()) {
            return fail("unknown Bochs model " + modelName + "; known: " + BochsImplementation.MODELS);
        }
        Optional<Path> root = ProjectPaths.root();
        if (root.isEmpty()) return fail("--target bochs needs the project's runner/ directory: " + ProjectPaths.notFoundHint());
        BochsProbe.Profile profile;
        try {
            profile = BochsProbe.run(BochsImplementation.Settings.of(root.get().resolve("runner"), cpu.get()));
        } catch (BochsProbe.ProbeException e) {
            return fail(e.getMessage());
        }
        String line = withSource(profile, cpu.get()) + "\n";
        if (out.isEmpty()) {
            main.out().print(line);
            return Main.OK;
        }
        try {
            Files.writeString(out.get(), line, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fail("cannot write " + out.get() + ": " + e.getMessage());
        }
        main.err().println("hvmspec probe: wrote " + out.get());
        return Main.OK;
    }

    /** The kernel's profile with {@code source} (where it came from) after {@code format}, as one line. */
    private static String withSource(BochsProbe.Profile profile, String cpuModel) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.set("format", profile.json().get("format"));
        o.put("source", "Bochs " + profile.bochsVersion().orElse("(version not printed)") + ", cpu model=" + cpuModel);
        for (var it = profile.json().fields(); it.hasNext(); ) {
            Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e = it.next();
            if (!o.has(e.getKey())) o.set(e.getKey(), e.getValue());
        }
        try {
            return mapper.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private int fail(String message) {
        main.err().println("hvmspec probe: " + message);
        return Main.USAGE;
    }
}
