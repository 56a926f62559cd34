package dev.hvmspec.generator.java;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.check.Checker;
import dev.hvmspec.dsl.parse.SpecParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JavaBackendTest {

    /** A one-file domain around {@code body} (statements of evaluate) and {@code decls}. */
    private static CheckedDomain domain(String decls, String body) throws Exception {
        String text = """
                domain "t-dom";
                sdm S1 = "3C" "1.2" "Title";
                flag "f": "why";
                flag "g": "why not";
                enum Kind { A "a", B "b" }
                layout L: bits(32) { PE: 0; MID: 7:4; }
                input { x: bits(32); y: bits(64); n: int(0..3); k: Kind; b: bool; m: physical_memory; o: bits(8) optional; }
                outcome done "done" { v: bits(64); w: int optional; }
                outcome other "other" { }
                %s
                evaluate {
                %s
                }
                """.formatted(decls, body);
        return Checker.check(List.of(SpecParser.parse("t.hvm", text))).get(0);
    }

    private static String evaluate(CheckedDomain d) {
        return String.join("\n", JavaBackend.build(d).spec().evaluate().body());
    }

    private static String finishValue(String expr) throws Exception {
        String body = evaluate(domain("", "finish done(v: " + expr + ");"));
        return body.substring(body.indexOf("Done(") + 5, body.lastIndexOf(", Optional"));
    }

    @Test
    void masksArithmeticBelow64Bits() throws Exception {
        assertThat(finishValue("zext(x + 1, 64)")).isEqualTo("(input.x() + 1L) & 0xffffffffL");
        assertThat(finishValue("y + 1")).isEqualTo("input.y() + 1L");
        assertThat(finishValue("zext(~x, 64)")).isEqualTo("~input.x() & 0xffffffffL");
        assertThat(finishValue("zext(-x, 64)")).isEqualTo("-input.x() & 0xffffffffL");
    }

    @Test
    void shiftsByConstantsAreInlineAndByVariablesUseHelpers() throws Exception {
        assertThat(finishValue("zext(x << 4, 64)")).isEqualTo("(input.x() << 4) & 0xffffffffL");
        assertThat(finishValue("y >> 4")).isEqualTo("input.y() >>> 4");
        assertThat(finishValue("y << n")).isEqualTo("Bits.shiftLeft(input.y(), input.n(), 64)");
        assertThat(finishValue("y >> n")).isEqualTo("Bits.shiftRight(input.y(), input.n(), 64)");
    }

    @Test
    void bitsSlicesConcatenationAndLayouts() throws Exception {
        assertThat(finishValue("zext(x[3], 64)")).isEqualTo("Bits.bit(input.x(), 3, 32)");
        assertThat(finishValue("zext(x[7:4], 64)")).isEqualTo("Bits.slice(input.x(), 7, 4)");
        assertThat(finishValue("x ++ x")).isEqualTo("(input.x() << 32) | input.x()");
        assertThat(finishValue("zext(L.MID, 64)")).isEqualTo("TDomL.MID");
        assertThat(finishValue("m[y]")).isEqualTo("input.m().read(input.y())");
        assertThat(finishValue("to_bits(n, 64)")).isEqualTo("input.n()");
        assertThat(finishValue("0xFFFF_FFFF_FFFF_FFFF")).isEqualTo("0xffffffffffffffffL");
        assertThat(finishValue("2 * 0x10")).isEqualTo("0x20L");
    }

    @Test
    void comparesSixtyFourBitValuesUnsigned() throws Exception {
        String body = evaluate(domain("", "if y < 5 { finish other(); } if x < 5 { finish other(); } finish other();"));
        assertThat(body).contains("if (Long.compareUnsigned(input.y(), 5L) < 0) {").contains("if (input.x() < 5L) {");
    }

    @Test
    void rulesAndChecksAreTracedWithTheirCitation() throws Exception {
        CheckedDomain d = domain("", """
                check C1 cites S1 "cpl zero": n == 0 else { finish other(); }
                rule R1 cites S1 "big": if x > 3 { finish other(); } else { allow other() flag "g"; }
                finish done(v: 0) or other() flag "f";
                """);
        JavaDomain j = JavaBackend.build(d);
        assertThat(j.spec().evaluate().body()).containsSubsequence(
                "        Allowances<TDomOutcome> allowed = new Allowances<>();",
                "        // SDM Vol. 3C 1.2 Title",
                "        // C1: cpl zero",
                "        if (!Rules.traced(trace, C1, input.n() == 0)) {",
                "            return allowed.finish(new TDomOutcome.Other());",
                "        }",
                "        if (Rules.traced(trace, R1, input.x() > 3L)) {",
                "        } else {",
                "            allowed.allow(new TDomOutcome.Other(), \"g\");",
                "        return allowed.finish(List.of(new TDomOutcome.Done(0L, OptionalLong.empty()), new TDomOutcome.Other()), \"f\");");
        assertThat(j.spec().rules()).extracting(RuleConstant::name).containsExactly("C1", "R1");
        assertThat(j.spec().rules().get(0).sdm()).isEqualTo("S1");
    }

    @Test
    void functionsGetOnlyTheContextTheyNeedAndFinishByThrowing() throws Exception {
        CheckedDomain d = domain("""
                func pure(a: bits(8)) -> bits(8) { return a + 1; }
                func reads() -> bits(32) { return x; }
                func ends(byte: int) { if byte == 1 { finish other(); } }
                """, "ends(to_int(pure(0)) + to_int(reads()));\nfinish other();");
        JavaDomain j = JavaBackend.build(d);
        assertThat(j.spec().functions()).extracting(JavaFunction::signature).containsExactly(
                "public static long pure(long a)",
                "public static long reads(TDomInput input)",
                "public static void ends(long byte_)");
        assertThat(String.join("\n", j.spec().functions().get(2).body()))
                .contains("throw new Finished(List.of(new TDomOutcome.Other()), null);");
        assertThat(j.spec().evaluate().body()).contains("        try {", "        } catch (Finished finished) {",
                "            return Verdict.of(finished.outcomes, finished.flag);");
        assertThat(j.spec().finished()).isNotEmpty();
    }

    @Test
    void loopsEvaluateTheirBoundOnceAndMemoryWritesGoThroughTheRuntime() throws Exception {
        String body = evaluate(domain("", """
                var total: int = 0;
                for i from 0 to n { total = total + i; m[y] = to_bits(i, 64); }
                for j from 3 downto 0 { total = total - j; }
                finish done(v: 0, w: total);
                """));
        assertThat(body).contains("input = input.withFreshMemory();",
                "for (long i = 0, iLast = input.n(); i <= iLast; i++) {",
                "input.m().write(input.y(), i);",
                "for (long j = 3; j >= 0; j--) {",
                "OptionalLong.of(total)");
    }

    @Test
    void codecReadsStrictlyAndWritesCanonically() throws Exception {
        JavaDomain j = JavaBackend.build(domain("", "finish other();"));
        String read = String.join("\n", j.codec().methods().get(0).body());
        assertThat(read).contains("Json.keys(object, \"\", INPUT_KEYS);",
                "long x = Json.bits(object, \"x\", \"\", 32);",
                "long n = Json.integer(object, \"n\", \"\", 0L, 3L);",
                "TDomKind k = Json.item(object, \"k\", \"\", TDomKind::fromJson, \"\\\"a\\\" or \\\"b\\\"\");",
                "PhysicalMemory m = Json.memory(object, \"m\", \"\");",
                "boolean oPresent = object.has(\"o\");",
                "long o = oPresent ? Json.bits(object, \"o\", \"\", 8) : 0;");
        String write = j.codec().methods().stream().filter(f -> f.signature().contains("writeOutcome"))
                .flatMap(f -> f.body().stream()).reduce("", (a, b) -> a + b + "\n");
        assertThat(write).contains("json.put(\"v\", Hex.format(done.v()));", "Json.putInt(json, \"w\", done.w().getAsLong());");
    }

    @Test
    void rendersEveryFileOfTheDomainAndTheRegistry() throws Exception {
        CheckedDomain d = domain("", "finish other();");
        JavaRenderer renderer = new JavaRenderer();
        JavaDomain j = JavaBackend.build(d);
        Map<String, String> files = renderer.render(j);
        assertThat(files).containsKeys("dev/hvmspec/model/tdom/TDomSpec.java", "dev/hvmspec/model/tdom/TDomKind.java",
                "dev/hvmspec/model/tdom/TDomL.java", "dev/hvmspec/model/tdom/TDomInput.java",
                "dev/hvmspec/model/tdom/TDomOutcome.java", "dev/hvmspec/model/tdom/TDomJson.java",
                "dev/hvmspec/model/tdom/TDomModel.java");
        assertThat(files.get("dev/hvmspec/model/tdom/TDomKind.java")).contains("    A(\"a\"),", "    B(\"b\");", "case \"a\" -> A;");
        assertThat(files.get("dev/hvmspec/model/tdom/TDomOutcome.java"))
                .contains("    record Done(long v, OptionalLong w) implements TDomOutcome {", "            return \"done\";");
        assertThat(files.values()).allSatisfy(text -> assertThat(text).doesNotContain("\t").endsWith("}\n"));
        String registry = renderer.render(JavaBackend.registry(List.of(j))).get("dev/hvmspec/model/Models.java");
        assertThat(registry).contains("import dev.hvmspec.model.tdom.TDomModel;", "new TDomModel()");
    }

    @Test
    void namesNeverCollideWithKeywordsOrEachOther() {
        NameScope scope = new NameScope(java.util.Set.of("input"));
        assertThat(scope.allocate("byte", "byte")).isEqualTo("byte_");
        assertThat(scope.allocate("input", "input")).isEqualTo("input_");
        assertThat(scope.allocate("a_b", JavaNames.camel("a_b"))).isEqualTo("aB");
        assertThat(scope.allocate("aB", "aB")).isEqualTo("aB_");
        assertThat(JavaNames.camel("MSR_CPL_ZERO")).isEqualTo("msrCplZero");
        assertThat(JavaNames.pascal("msr-access")).isEqualTo("MsrAccess");
        assertThat(JavaNames.string("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
