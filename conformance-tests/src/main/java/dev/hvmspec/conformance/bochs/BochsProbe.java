package dev.hvmspec.conformance.bochs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boots the runner in probe mode under Bochs (runner/README.md "Probe mode") and returns the capability profile it
 * prints (docs/profiles.md): one boot with a probe image where batch image 0 would be.
 */
public final class BochsProbe {

    /** The probe image's magic, "HVMP" (runner/src/probe.h PROBE_MAGIC). */
    public static final int PROBE_MAGIC = 0x504d5648;
    /** The profile format the kernel prints (runner/src/probe.h PROBE_FORMAT). */
    public static final String FORMAT = "hvmspec-profile/1";

    private static final Pattern BOCHS_VERSION = Pattern.compile("Bochs x86 Emulator (\\S+)");

    /** Why no profile could be had: one line for the user. */
    public static final class ProbeException extends Exception {
        private static final long serialVersionUID = 1L;

        public ProbeException(String message) {
            super(message);
        }
    }

    /** A profile and the Bochs version that printed its banner (empty when none was seen). */
    public record Profile(ObjectNode json, Optional<String> bochsVersion) {}

    private BochsProbe() {}

    /** The probe image: a 64-byte header, {@link #PROBE_MAGIC} then version 1, the rest zero. */
    public static byte[] probeImage() {
        return ByteBuffer.allocate(BatchWriter.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(PROBE_MAGIC).putInt(1).array();
    }

    /** Builds the runner if needed, boots it once in probe mode and returns the profile. */
    public static Profile run(BochsImplementation.Settings settings) throws ProbeException {
        try (BochsImplementation bochs = new BochsImplementation(settings)) {
            Optional<String> unusable = bochs.prepare();
            if (unusable.isPresent()) throw new ProbeException(unusable.get());
            Path dir = bochs.workDir();
            Path image = dir.resolve("probe.bin");
            Files.write(image, probeImage());
            // An MSR that Bochs does not implement must raise #GP, as on a processor without it, so that the profile
            // reports it absent: Bochs's default (ignore_bad_msrs=1) reads it as 0 instead.
            BochsImplementation.Launch run = bochs.launch(bochs.bochsrc(List.of(image), dir.resolve("bochs.log"))
                    + "cpu: ignore_bad_msrs=0\n");
            return parse(new String(Files.readAllBytes(run.stdout()), StandardCharsets.ISO_8859_1), run.ended());
        } catch (IOException e) {
            throw new ProbeException("cannot run bochs: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProbeException("interrupted while Bochs was running");
        }
    }

    /** The profile line in Bochs's standard output (Bochs's own lines and the kernel's other lines passed over). */
    static Profile parse(String stdout, String ended) throws ProbeException {
        ObjectMapper mapper = new ObjectMapper();
        Matcher version = BOCHS_VERSION.matcher(stdout);
        Optional<String> bochsVersion = version.find() ? Optional.of(version.group(1)) : Optional.empty();
        for (String line : stdout.split("\n")) {
            int at = line.indexOf("{\"");
            if (at < 0) continue;
            JsonNode node;
            try {
                node = mapper.readTree(line.substring(at).strip());
            } catch (IOException e) {
                continue;
            }
            if (!(node instanceof ObjectNode o)) continue;
            if (FORMAT.equals(o.path("format").asText(null))) return new Profile(o, bochsVersion);
            if (o.has("fatal")) throw new ProbeException("the runner stopped: " + o.path("fatal").asText());
        }
        throw new ProbeException(ended + " without printing a profile (is runner/ older than this hvmspec?)");
    }
}
