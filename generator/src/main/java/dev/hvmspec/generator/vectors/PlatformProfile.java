package dev.hvmspec.generator.vectors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A platform's capability profile (format {@code hvmspec-profile/1}, docs/profiles.md): the VMX capability MSRs,
 * IA32_FEATURE_CONTROL, MAXPHYADDR and the CPUID facts the case generators use. Immutable. An MSR the platform does
 * not have (listed under {@code not_read}, or {@code null}) is absent: {@link #msr} gives empty.
 *
 * <p>{@link #parse} reports bad input as a {@link ProfileException} with a one-line message, {@code FILE:LINE:COL:}
 * for JSON syntax errors and {@code FILE:} plus the key for a missing or malformed value.
 */
public final class PlatformProfile {

    public static final String FORMAT = "hvmspec-profile/1";

    // The MSR names of docs/profiles.md.
    public static final String FEATURE_CONTROL = "IA32_FEATURE_CONTROL";
    public static final String BASIC = "IA32_VMX_BASIC";
    public static final String PINBASED = "IA32_VMX_PINBASED_CTLS";
    public static final String PROCBASED = "IA32_VMX_PROCBASED_CTLS";
    public static final String EXIT = "IA32_VMX_EXIT_CTLS";
    public static final String ENTRY = "IA32_VMX_ENTRY_CTLS";
    public static final String MISC = "IA32_VMX_MISC";
    public static final String CR0_FIXED0 = "IA32_VMX_CR0_FIXED0";
    public static final String CR0_FIXED1 = "IA32_VMX_CR0_FIXED1";
    public static final String CR4_FIXED0 = "IA32_VMX_CR4_FIXED0";
    public static final String CR4_FIXED1 = "IA32_VMX_CR4_FIXED1";
    public static final String PROCBASED2 = "IA32_VMX_PROCBASED_CTLS2";
    public static final String EPT_VPID_CAP = "IA32_VMX_EPT_VPID_CAP";
    public static final String VMFUNC = "IA32_VMX_VMFUNC";
    public static final String PROCBASED3 = "IA32_VMX_PROCBASED_CTLS3";

    /** The MSRs every VMX platform has (Vol. 3D Appendix A); a profile without one of them is rejected. */
    private static final String[] REQUIRED = {BASIC, PINBASED, PROCBASED, EXIT, ENTRY, MISC, CR0_FIXED0, CR0_FIXED1,
        CR4_FIXED0, CR4_FIXED1};

    /** A profile that cannot be read; the message is one line and names the file. */
    public static final class ProfileException extends Exception {
        public ProfileException(String message) {
            super(message);
        }
    }

    private final String name;
    private final String file;
    private final int maxphyaddr;
    private final int linearAddressWidth;
    private final boolean la57;
    private final boolean umip;
    private final boolean smx;
    private final Map<String, Long> msrs;

    private PlatformProfile(String name, String file, int maxphyaddr, int linearAddressWidth, boolean la57, boolean umip,
                            boolean smx, Map<String, Long> msrs) {
        this.name = name;
        this.file = file;
        this.maxphyaddr = maxphyaddr;
        this.linearAddressWidth = linearAddressWidth;
        this.la57 = la57;
        this.umip = umip;
        this.smx = smx;
        this.msrs = Collections.unmodifiableMap(new TreeMap<>(msrs));
    }

    /** The profile's {@code source}, or the file name when it has none. */
    public String name() {
        return name;
    }

    /** The file it was read from, as given. */
    public String file() {
        return file;
    }

    public int maxphyaddr() {
        return maxphyaddr;
    }

    public int linearAddressWidth() {
        return linearAddressWidth;
    }

    public boolean la57() {
        return la57;
    }

    public boolean umip() {
        return umip;
    }

    /** CPUID.1:ECX.SMX[bit 6]: the platform can be in SMX operation (GETSEC[SENTER]); false when the profile omits it. */
    public boolean smx() {
        return smx;
    }

    /** The MSR's value, empty when the platform does not have it (or refused to read it). */
    public OptionalLong msr(String msrName) {
        Long v = msrs.get(msrName);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The MSR's value, or {@code otherwise} when the platform does not have it. */
    public long msrOr(String msrName, long otherwise) {
        Long v = msrs.get(msrName);
        return v == null ? otherwise : v;
    }

    /** Every MSR that was read, by name. */
    public Map<String, Long> msrs() {
        return msrs;
    }

    public long basic() {
        return msrs.get(BASIC);
    }

    public long pinbased() {
        return msrs.get(PINBASED);
    }

    public long procbased() {
        return msrs.get(PROCBASED);
    }

    public long exit() {
        return msrs.get(EXIT);
    }

    public long entry() {
        return msrs.get(ENTRY);
    }

    public long misc() {
        return msrs.get(MISC);
    }

    public long cr0Fixed0() {
        return msrs.get(CR0_FIXED0);
    }

    public long cr0Fixed1() {
        return msrs.get(CR0_FIXED1);
    }

    public long cr4Fixed0() {
        return msrs.get(CR4_FIXED0);
    }

    public long cr4Fixed1() {
        return msrs.get(CR4_FIXED1);
    }

    /** IA32_VMX_PROCBASED_CTLS2, 0 (no secondary control may be 1) when the platform has no such MSR. */
    public long procbased2() {
        return msrOr(PROCBASED2, 0L);
    }

    /** IA32_VMX_PROCBASED_CTLS3, 0 when absent. */
    public long procbased3() {
        return msrOr(PROCBASED3, 0L);
    }

    /** IA32_VMX_VMFUNC, 0 when absent. */
    public long vmfunc() {
        return msrOr(VMFUNC, 0L);
    }

    /** IA32_VMX_EPT_VPID_CAP, empty when the platform has neither EPT nor VPID. */
    public OptionalLong eptVpidCap() {
        return msr(EPT_VPID_CAP);
    }

    /** IA32_FEATURE_CONTROL as found, empty when it could not be read. */
    public OptionalLong featureControl() {
        return msr(FEATURE_CONTROL);
    }

    @Override
    public String toString() {
        return name + " (" + file + ")";
    }

    // ----- reading -----

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Reads a profile file. */
    public static PlatformProfile read(Path path) throws ProfileException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProfileException(path + ": cannot read the profile: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    /** Parses a profile's text; {@code file} names it in messages. */
    public static PlatformProfile parse(String file, String text) throws ProfileException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            String where = l == null ? file : file + ":" + l.getLineNr() + ":" + l.getColumnNr();
            throw new ProfileException(where + ": not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw new ProfileException(file + ": a profile is one JSON object");
        JsonNode format = root.get("format");
        if (format == null) throw new ProfileException(file + ": missing key \"format\" (expected \"" + FORMAT + "\")");
        if (!format.isTextual() || !format.asText().equals(FORMAT)) {
            throw new ProfileException(file + ": format " + format + " is not \"" + FORMAT + "\"");
        }
        JsonNode cpuid = root.get("cpuid");
        if (cpuid != null && !cpuid.isObject()) throw new ProfileException(file + ": \"cpuid\" must be an object");
        if (cpuid != null && cpuid.has("vmx") && !cpuid.get("vmx").asBoolean()) {
            throw new ProfileException(file + ": the platform has no VMX (cpuid.vmx is false): no vector can run on it");
        }
        int maxphy = integer(file, root, "maxphyaddr", 32, 52);
        int law = root.has("linear_address_width") ? integer(file, root, "linear_address_width", 0, 64) : 48;
        boolean la57 = cpuid != null && cpuid.path("la57").asBoolean(false);
        boolean umip = cpuid != null && cpuid.path("umip").asBoolean(false);
        boolean smx = cpuid != null && cpuid.path("smx").asBoolean(false);
        JsonNode ms = root.get("msrs");
        if (ms == null) throw new ProfileException(file + ": missing key \"msrs\"");
        if (!ms.isObject()) throw new ProfileException(file + ": \"msrs\" must be an object");
        Map<String, Long> msrs = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ms.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull()) continue; // enumerated but RDMSR raised #GP: treated as absent
            if (!v.isTextual() || !v.asText().matches("0x[0-9a-f]{1,16}")) {
                throw new ProfileException(file + ": msrs." + e.getKey() + " = " + v
                        + " is not a hex string \"0x...\" (lower-case, at most 16 digits)");
            }
            msrs.put(e.getKey(), Long.parseUnsignedLong(v.asText().substring(2), 16));
        }
        for (String r : REQUIRED) {
            if (!msrs.containsKey(r)) {
                throw new ProfileException(file + ": missing key \"msrs." + r + "\" (every VMX platform has it; docs/profiles.md)");
            }
        }
        String name = root.path("source").isTextual() ? root.get("source").asText()
                : Path.of(file).getFileName().toString().replaceFirst("\\.json$", "");
        return new PlatformProfile(name, file, maxphy, law, la57, umip, smx, msrs);
    }

    private static int integer(String file, JsonNode root, String key, int min, int max) throws ProfileException {
        JsonNode v = root.get(key);
        if (v == null) throw new ProfileException(file + ": missing key \"" + key + "\"");
        if (!v.isInt() || v.asInt() < min || v.asInt() > max) {
            throw new ProfileException(file + ": \"" + key + "\" = " + v + " is not a number from " + min + " to " + max);
        }
        return v.asInt();
    }
}
