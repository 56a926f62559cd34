package dev.hvmspec.generator.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The hvmspec-profile/1 reader: the committed profiles, and one-line errors for bad input. */
class PlatformProfileTest {
    private static final Path PROFILES = Path.of("..", "profiles");

    @Test
    void readsTheCommittedHaswellProfile() throws Exception {
        PlatformProfile p = PlatformProfile.read(PROFILES.resolve("bochs-haswell.json"));
        assertThat(p.name()).isEqualTo("Bochs 2.7, cpu model=corei7_haswell_4770");
        assertThat(p.maxphyaddr()).isEqualTo(40);
        assertThat(p.basic()).isEqualTo(0xd810000000002bL);
        assertThat(p.procbased()).isEqualTo(0xf7f9fffe0401e172L);
        assertThat(p.procbased2()).isEqualTo(0x47fff00000000L);
        assertThat(p.cr4Fixed1()).isEqualTo(0x1727ffL);
        assertThat(p.misc()).isEqualTo(0x200401e0L);
        assertThat(p.eptVpidCap()).hasValue(0xf0106334141L);
        assertThat(p.vmfunc()).isEqualTo(1L);
        assertThat(p.featureControl()).hasValue(5L);
        // listed under not_read: absent, and 0 where the generators need a value
        assertThat(p.msr(PlatformProfile.PROCBASED3)).isEmpty();
        assertThat(p.procbased3()).isZero();
    }

    @Test
    void readsEveryCommittedProfile() throws Exception {
        try (var s = Files.list(PROFILES)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".json")).toList()) {
                PlatformProfile p = PlatformProfile.read(f);
                assertThat(p.name()).as(f.toString()).startsWith("Bochs 2.7");
            }
        }
    }

    @Test
    void penrynHasNoEptCapability() throws Exception {
        PlatformProfile p = PlatformProfile.read(PROFILES.resolve("bochs-penryn.json"));
        assertThat(p.eptVpidCap()).isEmpty();
    }

    @Test
    void badJsonNamesFileLineAndColumn() {
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", "{\"format\": \"hvmspec-profile/1\",\n  \"msrs\": {,}}"))
                .isInstanceOf(PlatformProfile.ProfileException.class)
                .hasMessageStartingWith("p.json:2:12: not valid JSON:")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void missingKeysAreNamed() throws Exception {
        String good = Files.readString(PROFILES.resolve("bochs-haswell.json"));
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", good.replace("\"IA32_VMX_BASIC\"", "\"X\"")))
                .hasMessage("p.json: missing key \"msrs.IA32_VMX_BASIC\" (every VMX platform has it; docs/profiles.md)");
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", good.replace("\"maxphyaddr\":40,", "")))
                .hasMessage("p.json: missing key \"maxphyaddr\"");
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", "{}"))
                .hasMessageStartingWith("p.json: missing key \"format\"");
    }

    @Test
    void badValuesAreNamed() throws Exception {
        String good = Files.readString(PROFILES.resolve("bochs-haswell.json"));
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", good.replace("\"0x2000\"", "8192")))
                .hasMessageStartingWith("p.json: msrs.IA32_VMX_CR4_FIXED0 = 8192 is not a hex string");
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", good.replace("hvmspec-profile/1", "hvmspec-profile/9")))
                .hasMessage("p.json: format \"hvmspec-profile/9\" is not \"hvmspec-profile/1\"");
        assertThatThrownBy(() -> PlatformProfile.parse("p.json", good.replace("\"vmx\":true", "\"vmx\":false")))
                .hasMessageContaining("has no VMX");
    }
}
