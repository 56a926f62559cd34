package dev.hvmspec.conformance.bochs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The committed Bochs profiles (profiles/bochs-MODEL.json, docs/profiles.md): their shape, and their values against
 * the VMX capability MSRs that a separate test kernel read from the same Bochs 2.7 (shared/reference/bochs-2.7-*.txt,
 * outside the repository: ../../shared/reference from this module). Without those files the cross-check is skipped.
 */
class ProfilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PROFILES = ROOT.resolve("profiles");
    private static final Path REFERENCE = ROOT.resolve("../shared/reference").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every MSR of the profile format, in the kernel's order (runner/src/probe.h). */
    static final List<String> MSRS = List.of("IA32_FEATURE_CONTROL", "IA32_VMX_BASIC", "IA32_VMX_PINBASED_CTLS",
            "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_EXIT_CTLS", "IA32_VMX_ENTRY_CTLS", "IA32_VMX_MISC",
            "IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1", "IA32_VMX_CR4_FIXED0", "IA32_VMX_CR4_FIXED1",
            "IA32_VMX_VMCS_ENUM", "IA32_VMX_PROCBASED_CTLS2", "IA32_VMX_EPT_VPID_CAP", "IA32_VMX_TRUE_PINBASED_CTLS",
            "IA32_VMX_TRUE_PROCBASED_CTLS", "IA32_VMX_TRUE_EXIT_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS", "IA32_VMX_VMFUNC",
            "IA32_VMX_PROCBASED_CTLS3", "IA32_VMX_EXIT_CTLS2");

    private static final Pattern HEX = Pattern.compile("0x(0|[1-9a-f][0-9a-f]{0,15})");

    private static Map<String, ObjectNode> profiles() throws IOException {
        Map<String, ObjectNode> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(PROFILES)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("bochs-.+\\.json")).toList()) {
                String name = f.getFileName().toString();
                m.put(name.substring("bochs-".length(), name.length() - ".json".length()), (ObjectNode) JSON.readTree(f.toFile()));
            }
        }
        return m;
    }

    @Test
    void everyKnownModelHasAWellFormedProfile() throws IOException {
        Map<String, ObjectNode> profiles = profiles();
        assertEquals(BochsImplementation.MODELS.keySet(), profiles.keySet(), "one profile per short name of MODELS");
        for (Map.Entry<String, ObjectNode> e : profiles.entrySet()) {
            ObjectNode p = e.getValue();
            String where = "profiles/bochs-" + e.getKey() + ".json";
            assertEquals(BochsProbe.FORMAT, p.path("format").asText(), where);
            assertEquals("Bochs 2.7, cpu model=" + BochsImplementation.MODELS.get(e.getKey()), p.path("source").asText(), where);
            assertTrue(p.path("cpuid").path("vmx").asBoolean(), where + ": every model probed has VMX");
            assertTrue(p.path("maxphyaddr").isInt() && p.path("linear_address_width").isInt(), where);
            List<String> seen = new ArrayList<>();
            p.path("msrs").fieldNames().forEachRemaining(seen::add);
            p.path("not_read").forEach(n -> seen.add(n.asText()));
            assertEquals(new java.util.TreeSet<>(MSRS), new java.util.TreeSet<>(seen), where + ": every MSR, read or not_read");
            for (var it = p.path("msrs").fields(); it.hasNext(); ) {
                var m = it.next();
                assertTrue(m.getValue().isNull() || HEX.matcher(m.getValue().asText()).matches(), where + " " + m.getKey());
            }
            for (String msr : MSRS) {
                assertEquals(exists(msr, p.path("msrs")), p.path("msrs").has(msr), where + ": " + msr + " read as enumerated");
            }
        }
    }

    /** Whether the SDM's enumeration says the MSR exists (Vol. 3D Appendix A), from the values in the profile. */
    private static boolean exists(String msr, JsonNode msrs) {
        BigInteger proc = value(msrs, "IA32_VMX_PROCBASED_CTLS"), proc2 = value(msrs, "IA32_VMX_PROCBASED_CTLS2");
        return switch (msr) {
            case "IA32_VMX_TRUE_PINBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS", "IA32_VMX_TRUE_EXIT_CTLS",
                    "IA32_VMX_TRUE_ENTRY_CTLS" -> value(msrs, "IA32_VMX_BASIC").testBit(55); // A.1
            case "IA32_VMX_PROCBASED_CTLS2" -> proc.testBit(63); // A.3.3
            case "IA32_VMX_EPT_VPID_CAP" -> proc.testBit(63) && (proc2.testBit(33) || proc2.testBit(37)); // A.10
            case "IA32_VMX_VMFUNC" -> proc.testBit(63) && proc2.testBit(45); // A.11
            case "IA32_VMX_PROCBASED_CTLS3" -> proc.testBit(49); // A.3.4
            case "IA32_VMX_EXIT_CTLS2" -> value(msrs, "IA32_VMX_EXIT_CTLS").testBit(63); // A.4.2
            default -> true; // every model probed has VMX
        };
    }

    private static BigInteger value(JsonNode msrs, String name) {
        JsonNode n = msrs.path(name);
        return n.isTextual() ? hex(n) : BigInteger.ZERO;
    }

    /** MODEL -> {MSR name -> value} from bochs-2.7-cpu-models-vmx-msrs.txt and the haswell file. */
    private static Map<String, Map<String, String>> reference() throws IOException {
        Map<String, Map<String, String>> ref = new LinkedHashMap<>();
        Pattern section = Pattern.compile("== (\\S+): .*");
        Pattern msr = Pattern.compile("(IA32_\\w+)\\(0x[0-9A-Fa-f]+\\)=(0x[0-9a-f]+)");
        Map<String, String> current = null;
        for (String line : Files.readAllLines(REFERENCE.resolve("bochs-2.7-cpu-models-vmx-msrs.txt"))) {
            Matcher s = section.matcher(line);
            Matcher m = msr.matcher(line);
            if (s.matches()) ref.put(s.group(1), current = new LinkedHashMap<>());
            else if (m.matches() && current != null) current.put(m.group(1), m.group(2));
        }
        Map<String, String> haswell = ref.computeIfAbsent("corei7_haswell_4770", k -> new LinkedHashMap<>());
        for (String line : Files.readAllLines(REFERENCE.resolve("bochs-2.7-haswell-vmx-msrs.txt"))) {
            Matcher m = msr.matcher(line);
            if (m.matches()) haswell.put(m.group(1), m.group(2));
            if (line.startsWith("CPUID.0 vendor=")) haswell.put("vendor", line.replaceFirst("CPUID.0 vendor=(\\S+).*", "$1"));
            if (line.startsWith("CPUID.1.EAX=")) haswell.put("signature", line.substring("CPUID.1.EAX=".length()));
            if (line.startsWith("CPUID.1.ECX=")) haswell.put("leaf_1_ecx", line.substring("CPUID.1.ECX=".length()));
        }
        return ref;
    }

    @Test
    void valuesAgreeWithTheSharedReference() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(REFERENCE.resolve("bochs-2.7-cpu-models-vmx-msrs.txt"))
                        && Files.isRegularFile(REFERENCE.resolve("bochs-2.7-haswell-vmx-msrs.txt")),
                "reference files not found in " + REFERENCE + " (shared/reference beside the clone); skipping the cross-check");
        Map<String, ObjectNode> profiles = profiles();
        Map<String, Map<String, String>> ref = reference();
        int compared = 0;
        for (Map.Entry<String, Map<String, String>> model : ref.entrySet()) {
            if (model.getValue().isEmpty()) continue; // a model the reference kernel could not run (no long mode)
            String shortName = BochsImplementation.MODELS.entrySet().stream()
                    .filter(e -> e.getValue().equals(model.getKey())).map(Map.Entry::getKey).findFirst().orElse(null);
            if (shortName == null) continue; // not a Bochs CPU model name (generic_vmx2: bx_generic with options)
            ObjectNode p = profiles.get(shortName);
            assertTrue(p != null, "no profile for " + model.getKey());
            for (Map.Entry<String, String> e : model.getValue().entrySet()) {
                String key = e.getKey();
                JsonNode actual = key.startsWith("IA32_") ? p.path("msrs").path(key) : p.path("cpuid").path(key);
                String where = shortName + " " + key;
                if (key.equals("vendor")) {
                    assertEquals(e.getValue(), actual.asText(), where);
                } else if (!actual.isTextual()) {
                    // The reference kernel read every MSR, with Bochs's default ignore_bad_msrs=1, which reads an MSR
                    // Bochs does not have as 0; the probe does not read an MSR the enumeration says is absent
                    // (profiles/README.md).
                    assertTrue(p.path("not_read").toString().contains("\"" + key + "\""), where + " neither read nor not_read");
                    assertEquals(BigInteger.ZERO, new BigInteger(e.getValue().substring(2), 16), where + " absent in the profile");
                } else {
                    assertEquals(new BigInteger(e.getValue().substring(2), 16), hex(actual), where);
                }
                compared++;
            }
        }
        assertTrue(compared >= 60, "compared only " + compared + " values");
    }

    @Test
    void probeImageAndParse() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(BochsProbe.probeImage()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(BatchWriter.HEADER_SIZE, b.capacity());
        assertEquals(BochsProbe.PROBE_MAGIC, b.getInt(0));
        assertFalse(b.getInt(0) == BatchWriter.MAGIC);
        String out = "========\n                        Bochs x86 Emulator 2.7\n00000i[ ] noise {\"x\n"
                + "{\"format\": \"hvmspec-profile/1\", \"msrs\": {}}\n{\"done\": 0}\n";
        BochsProbe.Profile p = BochsProbe.parse(out, "ended");
        assertEquals("2.7", p.bochsVersion().orElseThrow());
        assertTrue(p.json().has("msrs"));
        BochsProbe.ProbeException fatal = assertThrows(BochsProbe.ProbeException.class,
                () -> BochsProbe.parse("{\"fatal\": \"root-mode exception 13\", \"setup\": true}\n", "ended"));
        assertEquals("the runner stopped: root-mode exception 13", fatal.getMessage());
        assertThrows(BochsProbe.ProbeException.class, () -> BochsProbe.parse("nothing\n", "Bochs exited with status 1"));
    }

    private static BigInteger hex(JsonNode n) {
        return new BigInteger(n.asText().substring(2), 16);
    }
}
