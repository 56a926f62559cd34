package dev.hvmspec.conformance.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeMatcherTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static boolean matches(String expected, String actual) {
        return OutcomeMatcher.matches(json(expected), json(actual));
    }

    @Test
    void kindMustBeEqual() {
        assertThat(matches("{'kind':'no-exit'}", "{'kind':'no-exit'}")).isTrue();
        assertThat(matches("{'kind':'no-exit'}", "{'kind':'vm-exit'}")).isFalse();
        assertThat(matches("{'kind':'no-exit'}", "{'kind':'NO-EXIT'}")).isFalse();
        assertThat(matches("{'kind':'no-exit'}", "{}")).isFalse();
        assertThat(matches("{'kind':'no-exit'}", "{'kind':1}")).isFalse();
        assertThat(matches("{'kind':'no-exit'}", "[]")).isFalse();
        assertThat(OutcomeMatcher.mismatch(json("{'kind':'no-exit'}"), json("{'kind':'vm-exit'}")))
                .contains("kind: expected \"no-exit\", got \"vm-exit\"");
    }

    @Test
    void expectedKeysMustBePresentAndExtraActualKeysAreIgnored() {
        assertThat(matches("{'kind':'vm-exit','exit_reason':31}", "{'kind':'vm-exit','exit_reason':31,'x':1}")).isTrue();
        assertThat(matches("{'kind':'vm-exit','exit_reason':31}", "{'kind':'vm-exit'}")).isFalse();
        assertThat(OutcomeMatcher.mismatch(json("{'kind':'vm-exit','exit_reason':31}"), json("{'kind':'vm-exit'}")))
                .contains("exit_reason: expected 31, missing");
    }

    @Test
    void hexStringsCompareAsNumbers() {
        assertThat(matches("{'kind':'k','v':'0x1f'}", "{'kind':'k','v':'0x1F'}")).isTrue();
        assertThat(matches("{'kind':'k','v':'0x1f'}", "{'kind':'k','v':'0X001f'}")).isTrue();
        assertThat(matches("{'kind':'k','v':'0x0'}", "{'kind':'k','v':'0x0000'}")).isTrue();
        assertThat(matches("{'kind':'k','v':'0xffffffffffffffff'}", "{'kind':'k','v':'0xFFFFFFFFFFFFFFFF'}")).isTrue();
        assertThat(matches("{'kind':'k','v':'0x1f'}", "{'kind':'k','v':'0x1e'}")).isFalse();
        assertThat(matches("{'kind':'k','v':'0x10000000000000000'}", "{'kind':'k','v':'0x0'}")).isFalse();
        // A hex string is not a number, and not a decimal string.
        assertThat(matches("{'kind':'k','v':'0x1f'}", "{'kind':'k','v':31}")).isFalse();
        assertThat(matches("{'kind':'k','v':'0x1f'}", "{'kind':'k','v':'31'}")).isFalse();
        assertThat(matches("{'kind':'k','v':'0x'}", "{'kind':'k','v':'0x0'}")).isFalse();
    }

    @Test
    void otherStringsCompareExactly() {
        assertThat(matches("{'kind':'k','page_size':'4K'}", "{'kind':'k','page_size':'4K'}")).isTrue();
        assertThat(matches("{'kind':'k','page_size':'4K'}", "{'kind':'k','page_size':'4k'}")).isFalse();
    }

    @Test
    void numbersCompareByValue() {
        assertThat(matches("{'kind':'k','n':13}", "{'kind':'k','n':13.0}")).isTrue();
        assertThat(matches("{'kind':'k','n':13}", "{'kind':'k','n':13}")).isTrue();
        assertThat(matches("{'kind':'k','n':12345678901234567890}", "{'kind':'k','n':12345678901234567890}")).isTrue();
        assertThat(matches("{'kind':'k','n':13}", "{'kind':'k','n':14}")).isFalse();
        assertThat(matches("{'kind':'k','n':13}", "{'kind':'k','n':'13'}")).isFalse();
    }

    @Test
    void booleansCompareExactly() {
        assertThat(matches("{'kind':'k','b':true}", "{'kind':'k','b':true}")).isTrue();
        assertThat(matches("{'kind':'k','b':true}", "{'kind':'k','b':false}")).isFalse();
        assertThat(matches("{'kind':'k','b':false}", "{'kind':'k','b':0}")).isFalse();
        assertThat(matches("{'kind':'k','b':true}", "{'kind':'k','b':'true'}")).isFalse();
    }

    @Test
    void memoryObjectsCompareAsSetsWithHexNormalized() {
        assertThat(matches("{'kind':'k','memory':{'0x1000':'0x27','0x2008':'0x1'}}",
                "{'kind':'k','memory':{'0x2008':'0x01','0x00001000':'0X27'}}")).isTrue();
        assertThat(matches("{'kind':'k','memory':{}}", "{'kind':'k','memory':{}}")).isTrue();
        // A set, not a subset: a write the expectation does not list is a difference.
        assertThat(matches("{'kind':'k','memory':{'0x1000':'0x27'}}",
                "{'kind':'k','memory':{'0x1000':'0x27','0x2000':'0x1'}}")).isFalse();
        assertThat(matches("{'kind':'k','memory':{'0x1000':'0x27','0x2000':'0x1'}}",
                "{'kind':'k','memory':{'0x1000':'0x27'}}")).isFalse();
        assertThat(matches("{'kind':'k','memory':{'0x1000':'0x27'}}", "{'kind':'k','memory':{'0x1000':'0x26'}}")).isFalse();
        assertThat(matches("{'kind':'k','memory':{'0x1000':'0x27'}}", "{'kind':'k','memory':{'0x1008':'0x27'}}")).isFalse();
        assertThat(matches("{'kind':'k','memory':{}}", "{'kind':'k','memory':[]}")).isFalse();
    }

    @Test
    void nestedNonHexObjectsAndArrays() {
        assertThat(matches("{'kind':'k','o':{'a':true,'b':'x'}}", "{'kind':'k','o':{'b':'x','a':true}}")).isTrue();
        assertThat(matches("{'kind':'k','o':{'a':true}}", "{'kind':'k','o':{'a':false}}")).isFalse();
        assertThat(matches("{'kind':'k','l':['0x1',2]}", "{'kind':'k','l':['0x01',2.0]}")).isTrue();
        assertThat(matches("{'kind':'k','l':[1,2]}", "{'kind':'k','l':[2,1]}")).isFalse();
        assertThat(matches("{'kind':'k','n':null}", "{'kind':'k','n':null}")).isTrue();
        assertThat(matches("{'kind':'k','n':null}", "{'kind':'k','n':'null'}")).isFalse();
    }

    @Test
    void matchesAnyOfSeveralExpectedOutcomes() {
        List<JsonNode> expect = List.of(json("{'kind':'a'}"), json("{'kind':'b','x':'0x1'}"));
        assertThat(OutcomeMatcher.matchesAny(expect, json("{'kind':'b','x':'0x001'}"))).isTrue();
        assertThat(OutcomeMatcher.matchesAny(expect, json("{'kind':'a','x':'0x2'}"))).isTrue();
        assertThat(OutcomeMatcher.matchesAny(expect, json("{'kind':'b','x':'0x2'}"))).isFalse();
        assertThat(OutcomeMatcher.matchesAny(expect, json("{'kind':'c'}"))).isFalse();
    }
}
