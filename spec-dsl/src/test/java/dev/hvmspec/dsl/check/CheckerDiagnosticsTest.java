package dev.hvmspec.dsl.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.diag.Diagnostic;
import dev.hvmspec.dsl.diag.DiagnosticPrinter;
import dev.hvmspec.dsl.diag.SpecException;
import dev.hvmspec.dsl.parse.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One test per diagnostic of the parser and the checker. Every spec is built from {@link #HEADER} (8 lines), so
 * the first line of an evaluate body is line 10, and a single extra declaration line is line 9.
 */
class CheckerDiagnosticsTest {

    static final String HEADER = """
            domain "t";
            sdm S1 = "3C" "1.1" "T";
            flag "f": "d";
            enum E { A, B }
            layout L: bits(8) { LO: 3:0; HI: 7:4; }
            input { a: bits(8); b: bits(16); n: int; m: physical_memory; l: L; e: E; k: bytes(16); o: bits(8) optional; }
            outcome ok "ok" { }
            outcome other "other" { v: bits(8); }
            """;

    /** HEADER, then {@code decls} (starting at line 9), then an evaluate block with {@code body}. */
    static String spec(String decls, String body) {
        return HEADER + decls + "evaluate {\n" + body + "}\n";
    }

    /** Body statements on line 10 onwards, followed by a finish. */
    static String body(String stmts) {
        return spec("", stmts + "\nfinish ok();\n");
    }

    /** One declaration on line 9; body statements on line 11 onwards, followed by a finish. */
    static String decl(String decl, String stmts) {
        return spec(decl + "\n", stmts + "\nfinish ok();\n");
    }

    static List<Diagnostic> diagnostics(String... texts) {
        List<SpecFile> files = new ArrayList<>();
        try {
            for (int i = 0; i < texts.length; i++) {
                files.add(SpecParser.parse(i == 0 ? "t.hvm" : "t" + i + ".hvm", texts[i]));
            }
            Checker.check(files);
            return List.of();
        } catch (SpecException e) {
            return e.diagnostics();
        }
    }

    static void assertDiag(String text, int line, int col, String message) {
        assertDiagIn(new String[] {text}, "t.hvm", line, col, message);
    }

    static void assertDiagIn(String[] texts, String file, int line, int col, String message) {
        List<Diagnostic> ds = diagnostics(texts);
        List<String> shown = ds.stream().map(Diagnostic::toString).toList();
        String prefix = file + ":" + line + ":" + col + ": ";
        assertThat(shown)
                .as("diagnostics of:\n%s", String.join("\n----\n", texts))
                .anySatisfy(s -> assertThat(s).startsWith(prefix).contains(message));
    }

    // ----- sanity: the template itself is clean -----

    @Test
    void templateIsClean() {
        assertThat(diagnostics(body(""))).isEmpty();
        assertThat(diagnostics(decl("const C: bits(8) = 3;", "let x: bits(8) = a + C;"))).isEmpty();
    }

    // ----- syntax -----

    @Test
    void syntaxErrorMissingSemicolon() {
        assertDiag(spec("", "finish ok()\n}\n"), 11, 1, "syntax error");
    }

    @Test
    void syntaxErrorStrayCharacter() {
        assertDiag(body("let x: bits(8) = a $ b;"), 10, 20, "syntax error");
    }

    @Test
    void syntaxErrorIncompleteInput() {
        assertDiag("domain \"t\";\nevaluate {", 2, 11, "syntax error");
    }

    @Test
    void numberTooLargeHere() {
        assertDiag(body("let x: bits(99999999999) = 0;"), 10, 13, "number too large here");
    }

    @Test
    void integerBoundOutOfRange() {
        assertDiag(decl("record R { x: int(0..99999999999999999999); }", ""), 9, 22, "integer bound out of range");
    }

    // ----- files, libraries and domains -----

    @Test
    void duplicateLibrary() {
        String lib = "library lib;\n";
        assertDiagIn(new String[] {"use lib;\n".replace("use lib;\n", "") + HEADER.replace("domain \"t\";\n", "domain \"t\";\nuse lib;\n")
                        + "evaluate { finish ok(); }\n", lib, lib}, "t2.hvm", 1, 1, "duplicate library 'lib'");
    }

    @Test
    void duplicateDomain() {
        assertDiagIn(new String[] {body(""), body("")}, "t1.hvm", 1, 1, "duplicate domain 't' (first declared at t.hvm:1:1)");
    }

    @Test
    void undefinedLibrary() {
        assertDiag(HEADER.replace("domain \"t\";\n", "domain \"t\";\nuse nope;\n") + "evaluate { finish ok(); }\n", 2, 1,
                "undefined library 'nope'");
    }

    @Test
    void unusedLibrary() {
        assertDiagIn(new String[] {body(""), "library lib;\nconst X: int = 1;\n"}, "t1.hvm", 1, 1,
                "library 'lib' is not used by any domain");
    }

    @Test
    void libraryCannotDeclareInputOrEvaluate() {
        String domain = HEADER.replace("domain \"t\";\n", "domain \"t\";\nuse lib;\n") + "evaluate { finish ok(); }\n";
        String lib = "library lib;\ninput { z: int; }\nevaluate { }\n";
        assertDiagIn(new String[] {domain, lib}, "t1.hvm", 2, 1, "a library cannot declare the input");
        assertDiagIn(new String[] {domain, lib}, "t1.hvm", 3, 1, "a library cannot declare evaluate");
    }

    @Test
    void duplicateInput() {
        assertDiag(decl("input { z: int; }", ""), 9, 1, "duplicate input declaration");
    }

    @Test
    void duplicateEvaluate() {
        assertDiag(body("") + "evaluate { finish ok(); }\n", 13, 1, "duplicate evaluate block");
    }

    @Test
    void noInputNoEvaluateNoOutcome() {
        String text = "domain \"d\";\n";
        assertDiag(text, 1, 1, "domain 'd' has no input declaration");
        assertDiag(text, 1, 1, "domain 'd' has no evaluate block");
        assertDiag(text, 1, 1, "domain 'd' declares no outcome");
    }

    @Test
    void duplicateDeclaration() {
        assertDiag(decl("const E: int = 1;", ""), 9, 7, "duplicate declaration of 'E' (first declared at t.hvm:4:6)");
    }

    // ----- declarations -----

    @Test
    void duplicateEnumItem() {
        assertDiag(decl("enum F { X, Y, X \"x2\" }", ""), 9, 16, "duplicate enum item 'X'");
    }

    @Test
    void duplicateEnumSpelling() {
        assertDiag(decl("enum F { X \"s\", Y \"s\" }", ""), 9, 17, "duplicate enum spelling \"s\"");
    }

    @Test
    void layoutWidthOutOfRange() {
        assertDiag(decl("layout M: bits(65) { }", ""), 9, 8, "layout width must be 1..64, not 65");
    }

    @Test
    void duplicateLayoutField() {
        assertDiag(decl("layout M: bits(8) { X: 0; X: 1; }", ""), 9, 27, "duplicate field 'X'");
    }

    @Test
    void layoutFieldDoesNotFit() {
        assertDiag(decl("layout M: bits(8) { X: 8:4; }", ""), 9, 21, "field X [8:4] does not fit in bits(8)");
        assertDiag(decl("layout M: bits(8) { X: 2:4; }", ""), 9, 21, "field X [2:4] does not fit in bits(8)");
    }

    @Test
    void duplicateOutcomeKind() {
        assertDiag(decl("outcome again \"ok\" { }", ""), 9, 9, "duplicate outcome kind \"ok\"");
    }

    @Test
    void constantNotCompileTime() {
        assertDiag(decl("const C: bits(8) = to_bits(3, 8);", ""), 9, 20, "is not a compile-time constant");
    }

    @Test
    void constantLiteralTooWide() {
        assertDiag(decl("const C: bits(8) = 0x100;", ""), 9, 20, "width mismatch: literal 100 (hex) does not fit in bits(8)");
    }

    @Test
    void duplicateMember() {
        assertDiag(decl("record R { x: int; x: bool; }", ""), 9, 20, "duplicate member 'x' in record R");
        assertDiag(HEADER.replace("k: bytes(16);", "k: bytes(16); a: bool;") + "evaluate { finish ok(); }\n", 6, 88,
                "duplicate member 'a' in input");
        assertDiag(decl("outcome o2 \"o2\" { x: int; x: int; }", ""), 9, 27, "duplicate member 'x' in outcome o2");
    }

    @Test
    void emptyIntRange() {
        assertDiag(decl("record R { x: int(3..1); }", ""), 9, 12, "empty range int(3..1)");
    }

    @Test
    void bitsWidthOutOfRange() {
        // A bits(...) type has no position of its own: the diagnostic points at the file's header.
        assertDiag(body("let x: bits(65) = 0;"), 1, 1, "bit-vector width must be 1..64, not 65");
        assertDiag(body("let x: bits(0) = 0;"), 1, 1, "bit-vector width must be 1..64, not 0");
    }

    @Test
    void byteArraySizeOutOfRange() {
        assertDiag(decl("record R { x: bytes(0); }", ""), 1, 1, "byte-array size must be 1..65536, not 0");
    }

    @Test
    void undefinedType() {
        assertDiag(body("let x: Nope = 0;"), 10, 8, "undefined type 'Nope'");
    }

    @Test
    void notAType() {
        assertDiag(body("let x: S1 = 0;"), 10, 8, "'S1' is not a type");
    }

    // ----- functions -----

    @Test
    void duplicateParameter() {
        assertDiag(decl("func g(x: int, x: int) -> int { return x; }", "let y: int = g(1, 2);"), 9, 16,
                "duplicate parameter 'x'");
    }

    @Test
    void missingReturn() {
        assertDiag(decl("func g(x: int) -> int { if x == 0 { return 1; } }", "let y: int = g(1);"), 9, 25,
                "missing result: function 'g' can end without a return statement");
    }

    @Test
    void unreachableRuleInUncalledFunction() {
        assertDiag(decl("func g() { rule R9 cites S1 \"s\": if true { } }", ""), 9, 17,
                "unreachable rule R9: function 'g' is never called");
    }

    @Test
    void functionArity() {
        assertDiag(decl("func g(x: int) -> int { return x; }", "let y: int = g(1, 2);"), 11, 14,
                "function g takes 1 arguments, not 2");
    }

    @Test
    void functionArgumentsPositional() {
        assertDiag(decl("func g(x: int) -> int { return x; }", "let y: int = g(x: 1);"), 11, 16,
                "function arguments are positional");
    }

    @Test
    void functionParameterTypeMismatch() {
        assertDiag(decl("func g(x: bits(16)) -> int { return 1; }", "let y: int = g(a);"), 11, 16,
                "width mismatch: parameter x needs bits(16), found bits(8)");
    }

    @Test
    void undefinedFunction() {
        assertDiag(body("let y: int = nope(1);"), 10, 14, "undefined function 'nope'");
    }

    @Test
    void notAFunction() {
        assertDiag(body("let y: int = S1(1);"), 10, 14, "'S1' is not a function");
    }

    @Test
    void returnOutsideFunction() {
        assertDiag(spec("", "return 1;\n"), 10, 1, "return outside a function");
    }

    @Test
    void returnWithoutResultType() {
        assertDiag(decl("func g() { return 1; }", "g();"), 9, 12, "function declares no result type but returns a value");
    }

    @Test
    void returnTypeMismatch() {
        assertDiag(decl("func g() -> bits(8) { return b; }", "let y: bits(8) = g();"), 9, 30,
                "width mismatch: the returned value needs bits(8), found bits(16)");
    }

    // ----- statements -----

    @Test
    void missingFinishInEvaluate() {
        assertDiag(spec("", "let x: int = 1;\n"), 10, 1, "missing result: evaluate can end without a finish statement");
        assertDiag(spec("", ""), 9, 10, "missing result: evaluate can end without a finish statement");
    }

    @Test
    void unreachableStatement() {
        assertDiag(spec("", "finish ok();\nlet x: int = 1;\n"), 11, 1, "unreachable statement");
    }

    @Test
    void unreachableRuleAfterFinish() {
        assertDiag(spec("", "finish ok();\nrule R1 cites S1 \"s\": if true { }\n"), 11, 6,
                "unreachable rule R1: the statements before it always end the evaluation");
    }

    @Test
    void alreadyDefinedInScope() {
        assertDiag(body("let x: int = 1;\nlet x: int = 2;"), 11, 1, "'x' is already defined in this scope");
    }

    @Test
    void localHidesInput() {
        assertDiag(body("let a: int = 1;"), 10, 1, "'a' hides an input member of the same name");
    }

    @Test
    void localCannotHoldOutcome() {
        assertDiag(body("let x = ok();"), 10, 9, "'x' cannot hold a value of type outcome");
    }

    @Test
    void assignToInput() {
        assertDiag(body("a = 1;"), 10, 1, "cannot assign to input member 'a'");
    }

    @Test
    void assignToUndefined() {
        assertDiag(body("zz = 1;"), 10, 1, "undefined name 'zz'");
    }

    @Test
    void assignToLet() {
        assertDiag(body("let x: int = 1;\nx = 2;"), 11, 1, "cannot assign to 'x': declared with let, not var");
    }

    @Test
    void assignTypeMismatch() {
        assertDiag(body("var x: bits(8) = 1;\nx = b;"), 11, 5, "width mismatch: 'x' needs bits(8), found bits(16)");
    }

    @Test
    void storeToUndefined() {
        assertDiag(body("zz[a] = 1;"), 10, 1, "undefined name 'zz'");
    }

    @Test
    void storeToNonMemory() {
        assertDiag(body("k[1] = 1;"), 10, 1, "only physical memory can be written; 'k' is bytes(16)");
    }

    @Test
    void storeAddressNotBits() {
        assertDiag(body("m[n] = 1;"), 10, 3, "a physical address must be a bit vector, not int");
    }

    @Test
    void finishNeedsOutcome() {
        assertDiag(spec("", "finish 1;\n"), 10, 8, "finish needs an outcome, not integer literal");
    }

    @Test
    void severalOutcomesWithoutFlag() {
        assertDiag(spec("", "finish ok() or other(v: 1);\n"), 10, 1, "several allowed outcomes need a flag saying why");
    }

    @Test
    void undefinedFlag() {
        assertDiag(spec("", "finish ok() or other(v: 1) flag \"nope\";\n"), 10, 1, "undefined flag \"nope\"");
    }

    @Test
    void allowNeedsOutcome() {
        assertDiag(body("allow a flag \"f\";"), 10, 7, "allow needs an outcome, not bits(8)");
    }

    @Test
    void allowUndefinedFlag() {
        assertDiag(body("allow ok() flag \"g\";"), 10, 1, "undefined flag \"g\"");
    }

    @Test
    void duplicateRuleId() {
        assertDiag(body("rule R1 cites S1 \"s\": if true { }\nrule R1 cites S1 \"s\": if true { }"), 11, 6,
                "duplicate rule ID R1 (first used at t.hvm:10:6)");
    }

    @Test
    void duplicateRuleIdAcrossDomains() {
        String d2 = body("rule R1 cites S1 \"s\": if true { }").replace("domain \"t\"", "domain \"u\"");
        assertDiagIn(new String[] {d2.replace("domain \"u\"", "domain \"t\""), d2}, "t1.hvm", 10, 6,
                "duplicate rule ID R1 (first used at t.hvm:10:6)");
    }

    @Test
    void undefinedSdmReference() {
        assertDiag(body("rule R1 cites S9 \"s\": if true { }"), 10, 15, "undefined SDM reference 'S9'");
    }

    @Test
    void notAnSdmReference() {
        assertDiag(body("rule R1 cites E \"s\": if true { }"), 10, 15, "'E' is not an SDM reference");
    }

    @Test
    void ruleNeedsSummary() {
        assertDiag(body("rule R1 cites S1 \" \": if true { }"), 10, 6, "rule R1 needs a summary");
    }

    @Test
    void ruleConditionMustBeBool() {
        assertDiag(body("rule R1 cites S1 \"s\": if a { }"), 10, 26, "type mismatch: the condition of rule R1 needs bool, found bits(8)");
    }

    @Test
    void checkElseMustEndEvaluation() {
        assertDiag(body("check C1 cites S1 \"s\": true else { }"), 10, 7,
                "missing result: the else branch of check C1 must end the evaluation");
    }

    @Test
    void exprStatementMustBeCall() {
        assertDiag(body("a + 1;"), 10, 1, "an expression statement must be a call");
    }

    @Test
    void callResultNotUsed() {
        assertDiag(decl("func g() -> int { return 1; }", "g();"), 11, 1, "the result of this call is not used");
    }

    @Test
    void ifConditionMustBeBool() {
        assertDiag(body("if n { }"), 10, 4, "type mismatch: an if condition needs bool, found int");
    }

    @Test
    void loopBoundMustBeInt() {
        assertDiag(body("for i from true to 3 { }"), 10, 12, "type mismatch: a loop bound needs int, found bool");
    }

    // ----- types and widths -----

    @Test
    void widthMismatch8vs16() {
        assertDiag(body("let x: bits(8) = b;"), 10, 18, "width mismatch: 'x' needs bits(8), found bits(16)");
    }

    @Test
    void widthMismatchInOperator() {
        assertDiag(body("let x: bits(8) = a + b;"), 10, 22, "width mismatch: operand of + needs bits(8), found bits(16)");
    }

    @Test
    void literalTooWide() {
        assertDiag(body("let x: bits(8) = 256;"), 10, 18, "width mismatch: literal 100 (hex) does not fit in bits(8)");
        assertDiag(body("let x: bool = a == 0x1FF;"), 10, 20, "does not fit in bits(8) for operand of ==");
    }

    @Test
    void negativeLiteralForBits() {
        assertDiag(body("let x: bits(8) = -1;"), 10, 18, "width mismatch: literal -1 (hex) does not fit in bits(8)");
    }

    @Test
    void integerLiteralOutOfRange() {
        assertDiag(body("let x: int = 0x10000000000000000;"), 10, 14, "integer literal out of range for 'x'");
    }

    @Test
    void literalWhereBoolNeeded() {
        assertDiag(body("let x: bool = 1;"), 10, 15, "type mismatch: 'x' needs bool, found an integer literal");
    }

    @Test
    void typeMismatch() {
        assertDiag(body("let x: bool = n;"), 10, 15, "type mismatch: 'x' needs bool, found int");
        assertDiag(body("let x: E = a;"), 10, 12, "type mismatch: 'x' needs E, found bits(8)");
    }

    @Test
    void undefinedName() {
        assertDiag(body("let x: int = zz;"), 10, 14, "undefined name 'zz'");
    }

    @Test
    void notAValue() {
        assertDiag(body("let x: int = S1;"), 10, 14, "'S1' is not a value");
    }

    @Test
    void bitIndexOutOfRange() {
        assertDiag(body("let x: bits(1) = a[8];"), 10, 20, "bit 8 is outside bits(8)");
    }

    @Test
    void bitIndexMustBeInt() {
        assertDiag(body("let x: bits(1) = a[true];"), 10, 20, "a bit index must be an int, not bool");
    }

    @Test
    void memoryIndexMustBeBits() {
        assertDiag(body("let x: bits(64) = m[n];"), 10, 21, "a physical address must be a bit vector, not int");
    }

    @Test
    void byteOffsetType() {
        assertDiag(body("let x: bits(8) = k[true];"), 10, 20, "a byte offset must be an int or a bit vector, not bool");
    }

    @Test
    void cannotIndex() {
        assertDiag(body("let x: bits(1) = n[0];"), 10, 20, "cannot index a value of type int");
    }

    @Test
    void cannotSlice() {
        assertDiag(body("let x: bits(1) = n[1:0];"), 10, 20, "cannot slice a value of type int");
    }

    @Test
    void nonConstantSlice() {
        assertDiag(body("let x: bits(1) = a[n:0];"), 10, 20, "slice bounds must be constants");
    }

    @Test
    void sliceOutOfRange() {
        assertDiag(body("let x: bits(1) = a[8:0];"), 10, 20, "slice [8:0] is outside bits(8)");
        assertDiag(body("let x: bits(1) = a[2:3];"), 10, 20, "slice [2:3] is outside bits(8)");
    }

    @Test
    void notNeedsBool() {
        assertDiag(body("let x: bool = !a;"), 10, 16, "type mismatch: operand of ! needs bool, found bits(8)");
    }

    @Test
    void complementNeedsWidth() {
        assertDiag(body("let x: int = ~n;"), 10, 14, "~ needs a bit vector of known width, found int");
    }

    @Test
    void negationNeedsNumber() {
        assertDiag(body("let x: bool = -true;"), 10, 15, "- needs a number, found bool");
    }

    @Test
    void enumHasNoItem() {
        assertDiag(body("let x: E = E.C;"), 10, 14, "enum E has no item 'C'");
    }

    @Test
    void layoutHasNoField() {
        assertDiag(body("let x: bits(8) = L.MID;"), 10, 20, "layout L has no field 'MID'");
        assertDiag(body("let x: bits(1) = l.MID;"), 10, 20, "layout L has no field 'MID'");
    }

    @Test
    void recordHasNoMember() {
        assertDiag(decl("record R { x: int; }", "let f: int = g().y;")
                .replace("evaluate {", "func g() -> R { return g(); }\nevaluate {"), 12, 18, "record R has no member 'y'");
    }

    @Test
    void valueHasNoMember() {
        assertDiag(body("let x: int = n.z;"), 10, 16, "a value of type int has no member 'z'");
    }

    @Test
    void logicalNeedsBool() {
        assertDiag(body("let x: bool = true && a;"), 10, 23, "type mismatch: operand of && needs bool, found bits(8)");
    }

    @Test
    void orderingNeedsNumbers() {
        assertDiag(body("let x: bool = e < E.A;"), 10, 17, "< needs numbers, found E");
    }

    @Test
    void cannotCompare() {
        assertDiag(body("let x: bool = m == m;"), 10, 17, "cannot compare values of type physical_memory");
    }

    @Test
    void shiftCountType() {
        assertDiag(body("let x: bits(8) = a << true;"), 10, 23, "a shift count must be an int or a bit vector, not bool");
    }

    @Test
    void shiftingUnsizedLiteral() {
        assertDiag(body("let x: int = 1 << n;"), 10, 14, "shifting an unsized literal by a variable amount");
    }

    @Test
    void shiftNeedsNumber() {
        assertDiag(body("let x: bool = true << 1;"), 10, 15, "<< needs a number, found bool");
    }

    @Test
    void concatenationNeedsKnownWidth() {
        assertDiag(body("let x: bits(8) = a ++ 1;"), 10, 20, "++ concatenates bit vectors of known width");
    }

    @Test
    void concatenationOver64Bits() {
        assertDiag(decl("const W: bits(64) = 0;", "let x: bits(64) = W ++ a;"), 11, 21,
                "width mismatch: concatenation is 72 bits wide; at most 64 are allowed");
    }

    @Test
    void bitwiseNeedsBits() {
        assertDiag(body("let x: int = n & n;"), 10, 16, "& needs bit vectors, found int");
    }

    @Test
    void arithmeticNeedsNumbers() {
        assertDiag(body("let x: bool = true + true;"), 10, 20, "+ needs numbers, found bool");
    }

    @Test
    void conditionalBranchesMismatch() {
        assertDiag(body("let x: bits(8) = if true then a else b;"), 10, 38,
                "width mismatch: the else branch needs bits(8), found bits(16)");
        assertDiag(body("let x: bits(8) = if n then a else a;"), 10, 21, "type mismatch: a condition needs bool, found int");
    }

    // ----- outcomes and builtins -----

    @Test
    void outcomeArgumentsNamed() {
        assertDiag(spec("", "finish other(1);\n"), 10, 14, "outcome arguments are named");
    }

    @Test
    void outcomeHasNoMember() {
        assertDiag(spec("", "finish other(v: 1, w: 2);\n"), 10, 20, "outcome other has no member 'w'");
    }

    @Test
    void outcomeMemberGivenTwice() {
        assertDiag(spec("", "finish other(v: 1, v: 2);\n"), 10, 20, "member 'v' given twice");
    }

    @Test
    void outcomeNeedsMember() {
        assertDiag(spec("", "finish other();\n"), 10, 8, "outcome other needs member 'v'");
    }

    @Test
    void outcomeMemberWidth() {
        assertDiag(spec("", "finish other(v: b);\n"), 10, 17, "width mismatch: member v needs bits(8), found bits(16)");
    }

    @Test
    void builtinArgumentsPositional() {
        assertDiag(body("let x: int = to_int(x: a);"), 10, 21, "builtin arguments are positional");
    }

    @Test
    void builtinArity() {
        assertDiag(body("let x: int = to_int(a, a);"), 10, 14, "to_int takes 1 arguments, not 2");
    }

    @Test
    void zextWidthMustBeConstant() {
        assertDiag(body("let x: bits(64) = zext(a, n);"), 10, 27, "the width of zext must be a constant 1..64");
        assertDiag(body("let x: bits(64) = to_bits(n, 65);"), 10, 30, "the width of to_bits must be a constant 1..64");
    }

    @Test
    void zextNeedsBits() {
        assertDiag(body("let x: bits(16) = zext(n, 16);"), 10, 24, "zext needs a bit vector, found int");
    }

    @Test
    void zextToNarrower() {
        assertDiag(body("let x: bits(4) = zext(a, 4);"), 10, 23, "width mismatch: zext from bits(8) to narrower bits(4)");
    }

    @Test
    void toBitsNeedsInt() {
        assertDiag(body("let x: bits(4) = to_bits(true, 4);"), 10, 26, "type mismatch: the argument of to_bits needs int, found bool");
    }

    @Test
    void toIntNeedsNarrowBits() {
        assertDiag(decl("const W: bits(64) = 0;", "let x: int = to_int(W);"), 11, 21,
                "to_int needs a bit vector of at most 63 bits, found bits(64)");
    }

    @Test
    void presentNeedsOptionalInput() {
        assertDiag(body("let x: bool = present(a);"), 10, 23, "present() takes an optional input member");
        assertThat(diagnostics(body("let x: bool = present(o);"))).isEmpty();
    }

    @Test
    void changesNeedsMemory() {
        assertDiag(decl("outcome w \"w\" { mem: physical_memory; }", "allow w(mem: changes(a)) flag \"f\";"), 11, 22,
                "changes() takes physical memory");
    }

    // ----- rendering and the real spec -----

    @Test
    void printerRendersSourceLineAndCaret() {
        String text = body("let x: bits(8) = b;");
        List<Diagnostic> ds = diagnostics(text);
        assertThat(ds).hasSize(1);
        String out = new DiagnosticPrinter(Map.of("t.hvm", text)).render(ds);
        assertThat(out).isEqualTo("""
                t.hvm:10:18: width mismatch: 'x' needs bits(8), found bits(16)
                    let x: bits(8) = b;
                                     ^
                """);
    }

    @Test
    void printerWithoutSourceOnlyPrintsTheMessage() {
        List<Diagnostic> ds = diagnostics(body("let x: bits(8) = b;"));
        assertThat(new DiagnosticPrinter(Map.of()).render(ds))
                .isEqualTo("t.hvm:10:18: width mismatch: 'x' needs bits(8), found bits(16)\n");
    }

    @Test
    void realSpecDirectoryLoadsWithoutDiagnostics() throws Exception {
        Path dir = Path.of("../spec");
        assertThat(Files.isDirectory(dir)).isTrue();
        assertThatCode(() -> {
            try {
                SpecLoader.Loaded loaded = SpecLoader.load(List.of(dir));
                assertThat(loaded.domains()).isNotEmpty();
            } catch (SpecLoader.LoadException e) {
                throw new AssertionError(new DiagnosticPrinter(e.sources()).render(e.diagnostics()));
            }
        }).doesNotThrowAnyException();
    }
}
