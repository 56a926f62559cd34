package dev.hvmspec.dsl.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.check.Checker;
import dev.hvmspec.dsl.parse.SpecParser;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bit-vector and control-flow semantics of the interpreter, on tiny specs and hand-built inputs. */
class InterpreterTest {

    /** A domain with the given input members, one outcome {@code r} with member {@code v} of {@code vType}. */
    static String spec(String inputs, String vType, String decls, String body) {
        return "domain \"t\";\n"
                + "sdm S1 = \"3C\" \"1.1\" \"T\";\n"
                + "flag \"f\": \"d\";\nflag \"g\": \"d\";\n"
                + "input { " + inputs + " }\n"
                + "outcome r \"r\" { v: " + vType + "; }\n"
                + "outcome a \"a\" { }\noutcome b \"b\" { }\n"
                + decls + "\n"
                + "evaluate {\n" + body + "\n}\n";
    }

    static Value.Result run(String text, Map<String, Value> input) throws Exception {
        List<CheckedDomain> ds = Checker.check(List.of(SpecParser.parse("t.hvm", text)));
        assertThat(ds).hasSize(1);
        Map<String, Boolean> presence = new HashMap<>();
        input.keySet().forEach(k -> presence.put(k, true));
        return new Interpreter(ds.get(0)).evaluate(input, presence);
    }

    /** Evaluates {@code expr} (of type {@code vType}) with inputs x and y of type {@code xyType}. */
    static Value v(String xyType, String vType, String expr, Value x, Value y) throws Exception {
        String text = spec("x: " + xyType + "; y: " + xyType + ";", vType, "", "finish r(v: " + expr + ");");
        Value.Result res = run(text, Map.of("x", x, "y", y));
        assertThat(res.outcomes()).hasSize(1);
        assertThat(res.outcomes().get(0).kind()).isEqualTo("r");
        return res.outcomes().get(0).members().get("v");
    }

    static Value.Bits b(int w, long v) {
        return new Value.Bits(w, v);
    }

    static Value.Bits b8(String expr, long x, long y) throws Exception {
        return (Value.Bits) v("bits(8)", "bits(8)", expr, b(8, x), b(8, y));
    }

    static boolean cmp(String type, String expr, long x, long y) throws Exception {
        int w = Integer.parseInt(type.replaceAll("\\D", ""));
        return ((Value.Bool) v(type, "bool", expr, b(w, x), b(w, y))).value();
    }

    @Test
    void constantsBuiltFromConstantsFoldAtTheirWidth() throws Exception {
        String text = spec("x: bits(8); y: bits(8);", "bits(8)",
                "const A: bits(8) = 0x90;\nconst B: bits(8) = A | 1;\nconst C: bits(8) = B << 1;\nconst D: bits(8) = C + A;",
                "finish r(v: D ^ x);");
        Value.Result res = run(text, Map.of("x", b(8, 0), "y", b(8, 0)));
        // A | 1 = 0x91; << 1 wraps to 0x22; + 0x90 = 0xb2.
        assertThat(res.outcomes().get(0).members().get("v")).isEqualTo(b(8, 0xb2));
    }

    @Test
    void additionSubtractionMultiplicationWrapAtTheWidth() throws Exception {
        assertThat(b8("x + y", 0xF0, 0x20)).isEqualTo(b(8, 0x10));
        assertThat(b8("x - y", 0x01, 0x02)).isEqualTo(b(8, 0xFF));
        assertThat(b8("x * y", 0x10, 0x10)).isEqualTo(b(8, 0x00));
        assertThat(b8("x * y", 0x0F, 0x11)).isEqualTo(b(8, 0xFF));
        assertThat(b8("x + 0xFF", 0x02, 0)).isEqualTo(b(8, 0x01));
        assertThat(v("bits(64)", "bits(64)", "x + y", b(64, -1L), b(64, 1))).isEqualTo(b(64, 0));
        assertThat(v("bits(64)", "bits(64)", "x - y", b(64, 0), b(64, 1))).isEqualTo(b(64, -1L));
        assertThat(v("bits(3)", "bits(3)", "x + y", b(3, 7), b(3, 7))).isEqualTo(b(3, 6));
    }

    @Test
    void negationWraps() throws Exception {
        assertThat(b8("-x", 1, 0)).isEqualTo(b(8, 0xFF));
    }

    @Test
    void complementIsMaskedToTheWidth() throws Exception {
        assertThat(v("bits(4)", "bits(4)", "~x", b(4, 0b0101), b(4, 0))).isEqualTo(b(4, 0b1010));
        Value.Bits r = b8("~x", 0x00, 0);
        assertThat(r.value()).isEqualTo(0xFF);
        assertThat(v("bits(64)", "bits(64)", "~x", b(64, 0), b(64, 0))).isEqualTo(b(64, -1L));
    }

    @Test
    void bitwiseOperators() throws Exception {
        assertThat(b8("x & y", 0xF0, 0x3C)).isEqualTo(b(8, 0x30));
        assertThat(b8("x | y", 0xF0, 0x0C)).isEqualTo(b(8, 0xFC));
        assertThat(b8("x ^ y", 0xFF, 0x0F)).isEqualTo(b(8, 0xF0));
    }

    @Test
    void shiftsAtOrBeyondTheWidthGiveZero() throws Exception {
        assertThat(b8("x << y", 0x81, 1)).isEqualTo(b(8, 0x02));
        assertThat(b8("x >> y", 0x81, 7)).isEqualTo(b(8, 0x01));
        assertThat(b8("x << y", 0xFF, 8)).isEqualTo(b(8, 0));
        assertThat(b8("x >> y", 0xFF, 8)).isEqualTo(b(8, 0));
        assertThat(b8("x << y", 0xFF, 200)).isEqualTo(b(8, 0));
        assertThat(b8("x >> 9", 0xFF, 0)).isEqualTo(b(8, 0));
        assertThat(v("bits(64)", "bits(64)", "x << y", b(64, 1), b(64, 64))).isEqualTo(b(64, 0));
        assertThat(v("bits(64)", "bits(64)", "x >> y", b(64, -1L), b(64, 64))).isEqualTo(b(64, 0));
        // Right shift is logical, never arithmetic.
        assertThat(v("bits(64)", "bits(64)", "x >> y", b(64, Long.MIN_VALUE), b(64, 63))).isEqualTo(b(64, 1));
    }

    @Test
    void slicesAndBitIndexes() throws Exception {
        assertThat(v("bits(8)", "bits(4)", "x[7:4]", b(8, 0xA5), b(8, 0))).isEqualTo(b(4, 0xA));
        assertThat(v("bits(8)", "bits(3)", "x[2:0]", b(8, 0xA5), b(8, 0))).isEqualTo(b(3, 5));
        assertThat(v("bits(64)", "bits(1)", "x[63:63]", b(64, Long.MIN_VALUE), b(64, 0))).isEqualTo(b(1, 1));
        assertThat(v("bits(8)", "bits(1)", "x[7]", b(8, 0x80), b(8, 0))).isEqualTo(b(1, 1));
        assertThat(v("bits(8)", "bits(1)", "x[6]", b(8, 0x80), b(8, 0))).isEqualTo(b(1, 0));
    }

    @Test
    void concatenationIncludingBinaryLiteralsSizedByDigitCount() throws Exception {
        assertThat(v("bits(4)", "bits(8)", "x ++ y", b(4, 0xA), b(4, 0x5))).isEqualTo(b(8, 0xA5));
        assertThat(v("bits(4)", "bits(8)", "x ++ 0b0000", b(4, 0xF), b(4, 0))).isEqualTo(b(8, 0xF0));
        assertThat(v("bits(4)", "bits(6)", "0b10 ++ x", b(4, 0x3), b(4, 0))).isEqualTo(b(6, 0b100011));
        assertThat(v("bits(4)", "bits(7)", "0b0_01 ++ x", b(4, 0xF), b(4, 0))).isEqualTo(b(7, 0b0011111));
        assertThat(v("bits(32)", "bits(64)", "x ++ y", b(32, 0xDEADBEEFL), b(32, 0x01234567L)))
                .isEqualTo(b(64, 0xDEADBEEF01234567L));
    }

    @Test
    void comparisonsAreUnsigned() throws Exception {
        assertThat(cmp("bits(8)", "x > y", 0x80, 0x7F)).isTrue();
        assertThat(cmp("bits(8)", "x < y", 0xFF, 0x01)).isFalse();
        assertThat(cmp("bits(64)", "x > y", Long.MIN_VALUE, 1)).isTrue();
        assertThat(cmp("bits(64)", "x >= y", -1L, Long.MAX_VALUE)).isTrue();
        assertThat(cmp("bits(64)", "x <= 0xFFFFFFFFFFFFFFFF", -1L, 0)).isTrue();
        assertThat(cmp("bits(8)", "x == y", 0x12, 0x12)).isTrue();
        assertThat(cmp("bits(8)", "x != y", 0x12, 0x12)).isFalse();
    }

    @Test
    void layoutFieldsAndMasks() throws Exception {
        String decls = "layout L: bits(8) { LO: 3:0; HI: 7:4; TOP: 7; }";
        String text = spec("x: L; y: bits(8);", "bits(4)", decls, "finish r(v: x.HI);");
        assertThat(run(text, Map.of("x", b(8, 0xA5), "y", b(8, 0))).outcomes().get(0).members().get("v")).isEqualTo(b(4, 0xA));
        text = spec("x: L; y: bits(8);", "bits(8)", decls, "finish r(v: x & L.HI);");
        assertThat(run(text, Map.of("x", b(8, 0xA5), "y", b(8, 0))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0xA0));
        text = spec("x: L; y: bits(8);", "bits(8)", decls, "finish r(v: L.TOP | L.LO);");
        assertThat(run(text, Map.of("x", b(8, 0), "y", b(8, 0))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0x8F));
        text = spec("x: L; y: bits(8);", "bits(1)", decls, "finish r(v: x.TOP);");
        assertThat(run(text, Map.of("x", b(8, 0x80), "y", b(8, 0))).outcomes().get(0).members().get("v")).isEqualTo(b(1, 1));
    }

    @Test
    void bytesIndexing() throws Exception {
        String text = spec("k: bytes(16); i: int;", "bits(8)", "", "finish r(v: k[i]);");
        Value.Bytes bytes = new Value.Bytes(16, Map.of(3, 0x7F, 15, 0x80));
        assertThat(run(text, Map.of("k", bytes, "i", new Value.Int(3))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0x7F));
        assertThat(run(text, Map.of("k", bytes, "i", new Value.Int(15))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0x80));
        assertThat(run(text, Map.of("k", bytes, "i", new Value.Int(4))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0));
        // Out of range reads as zero.
        assertThat(run(text, Map.of("k", bytes, "i", new Value.Int(16))).outcomes().get(0).members().get("v")).isEqualTo(b(8, 0));
    }

    @Test
    void memoryReadsWritesAndChanges() throws Exception {
        String text = spec("m: physical_memory; p: bits(64);", "physical_memory", "const A: bits(64) = 0x1000;",
                "let old: bits(64) = m[p];\n"
                        + "m[p] = old + 1;\n"
                        + "m[p + 8] = m[p + 8];\n" // unchanged value: not a change
                        + "m[A] = 0xFF;\n"
                        + "finish r(v: changes(m));");
        Map<Long, Long> words = new LinkedHashMap<>();
        words.put(0x2000L, 41L);
        words.put(0x2008L, 7L);
        Value.Memory memory = new Value.Memory(words);
        Value.Result res = run(text, Map.of("m", memory, "p", b(64, 0x2003)));
        Value.Memory changes = (Value.Memory) res.outcomes().get(0).members().get("v");
        assertThat(changes.words()).containsExactly(Map.entry(0x1000L, 0xFFL), Map.entry(0x2000L, 42L));
        // The caller's memory is not changed.
        assertThat(memory.words()).containsExactlyInAnyOrderEntriesOf(Map.of(0x2000L, 41L, 0x2008L, 7L));
    }

    @Test
    void noChangesIsEmpty() throws Exception {
        String text = spec("m: physical_memory;", "physical_memory", "", "finish r(v: no_changes());");
        Value.Result res = run(text, Map.of("m", new Value.Memory(Map.of(8L, 1L))));
        assertThat(((Value.Memory) res.outcomes().get(0).members().get("v")).words()).isEmpty();
    }

    @Test
    void ruleTraceOrderHeldFlagsAndDecidingRule() throws Exception {
        String text = spec("x: bits(8);", "bits(8)", "",
                "rule R1 cites S1 \"one\": if x == 1 { finish a(); }\n"
                        + "check C2 cites S1 \"two\": x != 2 else { finish b(); }\n"
                        + "rule R3 cites S1 \"three\": if x[0] == 1 {\n"
                        + "  rule R4 cites S1 \"four\": if x == 3 { finish r(v: x); }\n"
                        + "} else {\n"
                        + "  rule R5 cites S1 \"five\": if true { }\n"
                        + "}\n"
                        + "finish r(v: 0);");
        Value.Result r1 = run(text, Map.of("x", b(8, 1)));
        assertThat(r1.trace()).containsExactly(new Value.Step("R1", true));
        assertThat(r1.decidingRule()).isEqualTo("R1");
        assertThat(r1.outcomes()).extracting(Value.Outcome::kind).containsExactly("a");

        Value.Result r2 = run(text, Map.of("x", b(8, 2)));
        assertThat(r2.trace()).containsExactly(new Value.Step("R1", false), new Value.Step("C2", false));
        assertThat(r2.decidingRule()).isEqualTo("C2");
        assertThat(r2.outcomes()).extracting(Value.Outcome::kind).containsExactly("b");

        Value.Result r3 = run(text, Map.of("x", b(8, 3)));
        assertThat(r3.trace()).containsExactly(new Value.Step("R1", false), new Value.Step("C2", true),
                new Value.Step("R3", true), new Value.Step("R4", true));
        assertThat(r3.decidingRule()).isEqualTo("R4");

        Value.Result r4 = run(text, Map.of("x", b(8, 4)));
        assertThat(r4.trace()).containsExactly(new Value.Step("R1", false), new Value.Step("C2", true),
                new Value.Step("R3", false), new Value.Step("R5", true));
        assertThat(r4.decidingRule()).isEmpty();
        assertThat(r4.outcomes().get(0).members().get("v")).isEqualTo(b(8, 0));
    }

    @Test
    void finishWithAlternativesAndFlag() throws Exception {
        String text = spec("x: bits(8);", "bits(8)", "", "finish a() or b() flag \"f\";");
        Value.Result res = run(text, Map.of("x", b(8, 0)));
        assertThat(res.outcomes()).extracting(Value.Outcome::kind).containsExactly("a", "b");
        assertThat(res.flags()).containsExactly("f");
    }

    @Test
    void allowAddsAnOutcomeAndItsFlag() throws Exception {
        String text = spec("x: bits(8);", "bits(8)", "",
                "if x == 1 { allow b() flag \"g\"; }\nfinish a();");
        Value.Result allowed = run(text, Map.of("x", b(8, 1)));
        assertThat(allowed.outcomes()).extracting(Value.Outcome::kind).containsExactly("a", "b");
        assertThat(allowed.flags()).containsExactly("g");
        Value.Result plain = run(text, Map.of("x", b(8, 0)));
        assertThat(plain.outcomes()).extracting(Value.Outcome::kind).containsExactly("a");
        assertThat(plain.flags()).isEmpty();
    }

    @Test
    void functionsLoopsAndVariables() throws Exception {
        String decls = "func popcount(w: bits(8)) -> int {\n"
                + "  var c: int = 0;\n"
                + "  for i from 7 downto 0 { if w[i] == 1 { c = c + 1; } }\n"
                + "  return c;\n}";
        String text = spec("x: bits(8);", "int", decls, "finish r(v: popcount(x));");
        assertThat(run(text, Map.of("x", b(8, 0xB7))).outcomes().get(0).members().get("v")).isEqualTo(new Value.Int(6));
    }

    @Test
    void conversionsAndConditional() throws Exception {
        assertThat(v("bits(8)", "bits(16)", "zext(x, 16)", b(8, 0xFF), b(8, 0))).isEqualTo(b(16, 0xFF));
        assertThat(v("bits(8)", "int", "to_int(x) + to_int(y)", b(8, 0xFF), b(8, 0xFF))).isEqualTo(new Value.Int(510));
        assertThat(v("bits(8)", "bits(4)", "to_bits(to_int(x) - 1, 4)", b(8, 0), b(8, 0))).isEqualTo(b(4, 0xF));
        assertThat(v("bits(8)", "bits(8)", "if x > y then x else y", b(8, 0x90), b(8, 0x10))).isEqualTo(b(8, 0x90));
    }
}
