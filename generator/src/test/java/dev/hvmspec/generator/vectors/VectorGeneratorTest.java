package dev.hvmspec.generator.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.check.CheckedDomain;
import dev.hvmspec.dsl.check.Checker;
import dev.hvmspec.dsl.parse.SpecParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class VectorGeneratorTest {

    private static final String SPEC = String.join("\n",
            "domain \"toy\";",
            "sdm S1 = \"3C\" \"1.1\" \"Toy\";",
            "flag \"boundary\": \"edge\";",
            "input { x: bits(8); }",
            "outcome small \"small\" { }",
            "outcome big \"big\" { value: bits(8); }",
            "evaluate {",
            "    rule TOY_SMALL cites S1 \"x below 0x80\": if x < 0x80 { finish small(); }",
            "    finish big(value: x);",
            "}");

    private static CheckedDomain toy() throws Exception {
        SpecFile f = SpecParser.parse("toy.hvm", SPEC);
        return Checker.check(List.of(f)).get(0);
    }

    private static DomainCases cases(boolean held, long x) {
        return new DomainCases() {
            @Override
            public String domain() {
                return "toy";
            }

            @Override
            public void generate(CaseContext ctx) {
                ctx.add("TOY_SMALL", held, "x = " + x, List.of("boundary"), ctx.input().bits("x", x).build());
            }
        };
    }

    @Test
    void aCaseThatHitsItsRuleBecomesAVectorWithTheModelsOutcome() throws Exception {
        List<VectorGenerator.Vector> v = VectorGenerator.generate(toy(), cases(false, 0x80), 1);
        assertThat(v).hasSize(1);
        assertThat(v.get(0).id()).isEqualTo("toy/TOY_SMALL/0001");
        assertThat(v.get(0).line()).contains("\"expect\":[{\"kind\":\"big\",\"value\":\"0x80\"}]")
                .contains("\"rules\":[\"TOY_SMALL\"]").contains("\"sdm\":[\"Vol. 3C 1.1 Toy\"]");
    }

    @Test
    void aCaseThatMissesItsAimFailsGeneration() throws Exception {
        CheckedDomain toy = toy();
        assertThatThrownBy(() -> VectorGenerator.generate(toy, cases(true, 0x80), 1))
                .isInstanceOf(GenerationException.class).hasMessageContaining("aimed at TOY_SMALL holding");
    }

    @Test
    void anInputOutsideItsDeclaredWidthIsRejected() throws Exception {
        CheckedDomain toy = toy();
        assertThatThrownBy(() -> VectorGenerator.generate(toy, cases(false, 0x100), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit in 8 bits");
    }
}
