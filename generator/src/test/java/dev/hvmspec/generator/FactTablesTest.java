package dev.hvmspec.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.check.CheckedDomain;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks the VMX fact constants of the spec (spec/vmx-common.hvm) against the fact tables in shared/reference,
 * which were gathered from Linux and cross-checked against Bochs (shared/reference/SOURCES.md). Constants and table
 * entries are matched by value: every number in a table must have a spec constant with that value and prefix, and
 * every spec constant with that prefix must have a value in the table, unless it is listed in {@link #TABLE_GAPS}
 * (numbers the SDM defines and Bochs knows but Linux does not, so the table lacks them). Names that differ between
 * the spec and the table are printed as information only; the spec names follow the SDM, the tables follow Linux.
 *
 * <p>The tables sit outside the repository: ../../shared/reference from this module (../shared from the repository
 * root). Without that directory the test is skipped.
 */
class FactTablesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path REFERENCE = ROOT.resolve("../shared/reference").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Values that the spec defines (from the SDM) and the Linux-derived table lacks; each was checked against Bochs
     * (bochs/cpu/vmx.h), which defines all of them. A value listed here that the table gains makes the test fail, so
     * that the list stays exact.
     */
    private static final Map<String, Map<BigInteger, String>> TABLE_GAPS = Map.of(
            "exit_reasons.json", gaps(
                    5, "I/O SMI (dual-monitor treatment; Linux has no define)",
                    11, "GETSEC",
                    17, "RSM",
                    65, "PCONFIG",
                    66, "SPP-related event (Linux dropped SPP)",
                    69, "LOADIWKEY",
                    70, "ENCLV",
                    72, "ENQCMD PASID translation failure",
                    73, "ENQCMDS PASID translation failure",
                    76, "SEAMCALL",
                    78, "RDMSRLIST",
                    79, "WRMSRLIST"),
            "vm_instruction_errors.json", Map.of(),
            "vmx_msrs.json", Map.of(),
            "vmcs_fields.json", gaps(
                    0x0004, "EPTP index",
                    0x0006, "HLAT prefix size",
                    0x200C, "executive-VMCS pointer",
                    0x200D, "executive-VMCS pointer (high)",
                    0x2030, "sub-page-permission-table pointer",
                    0x2031, "sub-page-permission-table pointer (high)",
                    0x2036, "ENCLV-exiting bitmap",
                    0x2037, "ENCLV-exiting bitmap (high)",
                    0x2038, "low PASID directory address",
                    0x2039, "low PASID directory address (high)",
                    0x203A, "high PASID directory address",
                    0x203B, "high PASID directory address (high)",
                    0x203E, "PCONFIG-exiting bitmap",
                    0x203F, "PCONFIG-exiting bitmap (high)",
                    0x2040, "HLAT pointer",
                    0x2041, "HLAT pointer (high)",
                    0x2044, "secondary VM-exit controls",
                    0x2045, "secondary VM-exit controls (high)",
                    0x2818, "guest IA32_PKRS",
                    0x2819, "guest IA32_PKRS (high)",
                    0x2C06, "host IA32_PKRS",
                    0x2C07, "host IA32_PKRS (high)",
                    0x4828, "guest SMBASE",
                    0x6402, "I/O RCX",
                    0x6404, "I/O RSI",
                    0x6406, "I/O RDI",
                    0x6408, "I/O RIP",
                    0x6828, "guest IA32_S_CET",
                    0x682A, "guest SSP",
                    0x682C, "guest IA32_INTERRUPT_SSP_TABLE_ADDR",
                    0x6C18, "host IA32_S_CET",
                    0x6C1A, "host SSP",
                    0x6C1C, "host IA32_INTERRUPT_SSP_TABLE_ADDR"));

    private static Map<String, BigInteger> constants;

    @BeforeAll
    static void load() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(REFERENCE),
                "fact tables not found at " + REFERENCE + " (shared/reference beside the clone); skipping the cross-check");
        SpecLoader.Loaded loaded = SpecLoader.load(List.of(ROOT.resolve("spec")));
        constants = new TreeMap<>();
        for (CheckedDomain d : loaded.domains()) {
            for (Decl.Const c : d.declarationsOf(Decl.Const.class)) {
                Optional<BigInteger> v = d.constantOf(c.value());
                if (v.isEmpty()) continue;
                BigInteger old = constants.putIfAbsent(c.name(), v.get());
                if (old != null && !old.equals(v.get())) {
                    throw new AssertionError("constant " + c.name() + " has two values: " + old + " and " + v.get());
                }
            }
        }
    }

    @Test
    void exitReasons() throws IOException {
        Map<BigInteger, String> table = new TreeMap<>();
        objectFields(read("exit_reasons.json")).forEach((k, v) -> table.put(new BigInteger(k), v.asText()));
        compare("exit_reasons.json", table, "EXIT_REASON_", "EXIT_REASON_");
    }

    @Test
    void vmInstructionErrors() throws IOException {
        Map<BigInteger, String> table = new TreeMap<>();
        objectFields(read("vm_instruction_errors.json")).forEach((k, v) -> table.put(new BigInteger(k), v.asText()));
        compare("vm_instruction_errors.json", table, "VMERR_", null);
    }

    @Test
    void vmxMsrIndices() throws IOException {
        Map<BigInteger, String> table = new TreeMap<>();
        objectFields(read("vmx_msrs.json")).forEach((k, v) -> put(table, hex(v.asText()), k, "vmx_msrs.json"));
        compare("vmx_msrs.json", table, "MSR_IA32_", "MSR_IA32_");
    }

    @Test
    void vmcsFieldEncodings() throws IOException {
        Map<BigInteger, String> table = new TreeMap<>();
        for (JsonNode f : read("vmcs_fields.json")) {
            put(table, hex(f.get("encoding").asText()), f.get("name").asText(), "vmcs_fields.json");
        }
        compare("vmcs_fields.json", table, "VMCS_", "");
    }

    /**
     * Fails listing every table value without a spec constant, every spec constant whose value the table lacks (and
     * is not a documented gap), every documented gap the table now has, and every value two spec constants share.
     * Prints name differences (when tableNamePrefix is not null) as information.
     */
    private static void compare(String file, Map<BigInteger, String> table, String prefix, String tableNamePrefix) {
        Map<BigInteger, List<String>> spec = new TreeMap<>();
        constants.forEach((name, value) -> {
            if (name.startsWith(prefix)) spec.computeIfAbsent(value, v -> new ArrayList<>()).add(name);
        });
        Map<BigInteger, String> gaps = TABLE_GAPS.get(file);
        List<String> problems = new ArrayList<>();
        List<String> info = new ArrayList<>();
        table.forEach((value, name) -> {
            if (!spec.containsKey(value)) {
                problems.add("missing in the spec: " + show(value) + " (" + name + ") has no " + prefix + "* constant");
            }
        });
        spec.forEach((value, names) -> {
            if (names.size() > 1) problems.add("several spec constants share " + show(value) + ": " + names);
            if (table.containsKey(value)) {
                if (gaps.containsKey(value)) {
                    problems.add("documented gap " + show(value) + " (" + gaps.get(value) + ") is now in " + file
                            + ": remove it from FactTablesTest.TABLE_GAPS");
                }
                if (tableNamePrefix != null) {
                    String tableName = table.get(value);
                    for (String n : names) {
                        if (!normalize(n.substring(prefix.length())).equals(normalize(strip(tableName, tableNamePrefix)))) {
                            info.add(show(value) + ": spec " + n + ", table " + tableName);
                        }
                    }
                }
            } else if (gaps.containsKey(value)) {
                info.add(show(value) + ": spec " + names + " is a documented table gap (" + gaps.get(value) + ")");
            } else {
                problems.add("not in " + file + ": spec " + names + " = " + show(value)
                        + " (wrong value, or a gap to document in FactTablesTest.TABLE_GAPS)");
            }
        });
        gaps.forEach((value, why) -> {
            if (!spec.containsKey(value)) {
                problems.add("documented gap " + show(value) + " (" + why + ") has no " + prefix + "* constant in the spec");
            }
        });
        System.out.printf("%s: %d table entries, %d spec %s* values, %d documented gaps, %d name differences%n",
                file, table.size(), spec.size(), prefix, gaps.size(), info.size());
        info.forEach(line -> System.out.println("  info: " + line));
        if (!problems.isEmpty()) {
            throw new AssertionError(file + " and the spec disagree (" + problems.size() + "):\n  "
                    + String.join("\n  ", problems));
        }
    }

    private static JsonNode read(String name) throws IOException {
        return JSON.readTree(REFERENCE.resolve(name).toFile());
    }

    private static Map<String, JsonNode> objectFields(JsonNode node) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static void put(Map<BigInteger, String> table, BigInteger value, String name, String file) {
        String old = table.putIfAbsent(value, name);
        if (old != null) throw new AssertionError(file + " lists " + show(value) + " twice: " + old + ", " + name);
    }

    private static BigInteger hex(String s) {
        return new BigInteger(s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s, 16);
    }

    private static String show(BigInteger v) {
        return v + " (0x" + v.toString(16).toUpperCase() + ")";
    }

    private static String strip(String name, String prefix) {
        if (name.startsWith("MSR_IA32_") && prefix.equals("MSR_IA32_")) return name.substring(prefix.length());
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    private static String normalize(String name) {
        return name.replaceAll("[^A-Za-z0-9]", "").toUpperCase();
    }

    private static Map<BigInteger, String> gaps(Object... pairs) {
        Map<BigInteger, String> out = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(BigInteger.valueOf(((Number) pairs[i]).longValue()), (String) pairs[i + 1]);
        }
        return out;
    }
}
