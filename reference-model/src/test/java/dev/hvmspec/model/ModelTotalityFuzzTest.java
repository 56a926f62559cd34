package dev.hvmspec.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.Trace;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Totality of the generated model: whatever JSON it is given, {@link DomainModel#evaluate} either returns at least one
 * outcome that passes the domain's own {@link DomainModel#checkOutcome}, or throws {@link InvalidInputException};
 * and on a structurally valid input (every value in range) it never throws at all.
 *
 * <p>Under {@code mvn test} the two {@code @FuzzTest}s run in regression mode (the seeds under
 * src/test/resources/dev/hvmspec/model/ModelTotalityFuzzTestInputs/ and an empty input); set JAZZER_FUZZ=1 to fuzz.
 * {@link #mutatedVectorInputs()} is the seeded-random companion that exercises (b) on 20,000 inputs per domain.
 */
class ModelTotalityFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<DomainModel> MODELS = Models.all();

    /** (a) Arbitrary JSON text, given to every domain: an evaluation with checked outcomes, or InvalidInputException. */
    @FuzzTest(maxDuration = "10s")
    void arbitraryJson(byte[] data) {
        JsonNode json;
        try {
            json = MAPPER.readTree(new String(data, StandardCharsets.UTF_8));
        } catch (JsonProcessingException | RuntimeException e) {
            return; // not JSON: nothing to give the model
        }
        if (json == null) return;
        for (DomainModel model : MODELS) {
            evaluateOrReject(model, json);
            // the same JSON as the whole input and also spliced into a real input, to get past the top-level checks
            InputMutator mutator = InputMutator.forDomain(model.domain());
            ObjectNode real = mutator.seeds.get(Math.floorMod(data.length, mutator.seeds.size())).deepCopy();
            List<String> keys = List.copyOf(mutator.shape.properties().keySet());
            real.set(keys.get(Math.floorMod(json.hashCode(), keys.size())), json);
            evaluateOrReject(model, real);
        }
    }

    /** (b) A real input mutated in range, driven by the fuzzer's bytes: evaluate never throws. */
    @FuzzTest(maxDuration = "10s")
    void structuredInput(FuzzedDataProvider data) {
        DomainModel model = MODELS.get(data.consumeInt(0, MODELS.size() - 1));
        InputMutator mutator = InputMutator.forDomain(model.domain());
        ObjectNode input = mutator.mutate(fdp(data));
        evaluateValid(model, input);
    }

    /** (b) without Jazzer: 20,000 seeded-random in-range mutations of real vector inputs per domain. */
    @Test
    void mutatedVectorInputs() {
        assertFalse(MODELS.isEmpty());
        for (DomainModel model : MODELS) {
            InputMutator mutator = InputMutator.forDomain(model.domain());
            Random random = new Random(0x5eed_0000L + model.domain().hashCode());
            InputMutator.Rnd rnd = InputMutator.of(random);
            for (int i = 0; i < 20_000; i++) evaluateValid(model, mutator.mutate(rnd));
        }
    }

    /** (a) without Jazzer: junk values of every JSON type in place of each member of real inputs. */
    @Test
    void junkMembers() {
        JsonNode[] junk = {
            MAPPER.nullNode(), MAPPER.getNodeFactory().textNode(""), MAPPER.getNodeFactory().textNode("0x"),
            MAPPER.getNodeFactory().textNode("0X1"), MAPPER.getNodeFactory().textNode("0x-1"),
            MAPPER.getNodeFactory().textNode("0x" + "f".repeat(17)), MAPPER.getNodeFactory().textNode("0x" + "0".repeat(40) + "1"),
            MAPPER.getNodeFactory().textNode("0xg"), MAPPER.getNodeFactory().textNode("rdmsr"),
            MAPPER.getNodeFactory().numberNode(1), MAPPER.getNodeFactory().numberNode(-1),
            MAPPER.getNodeFactory().numberNode(1.5), MAPPER.getNodeFactory().numberNode(new java.math.BigInteger("1" + "0".repeat(30))),
            MAPPER.getNodeFactory().booleanNode(true), MAPPER.createArrayNode(), MAPPER.createObjectNode(),
            parse("{\"0x0\":\"0x1\"}"), parse("{\"0x1\":\"0x100\"}"), parse("{\"0x4\":\"0x1\"}"), parse("{\"0x1000\":\"0x1\"}"),
            parse("{\"0x0\":1}"), parse("{\"x\":\"0x1\"}"), parse("{\"0x0\":\"0x1\",\"0x00\":\"0x2\"}"),
            parse("{\"0xffffffffffffffff\":\"0x1\"}"), parse("{\"0xfffffffffffffff8\":\"0xffffffffffffffff\"}"),
            parse("{\"user\":true}"), parse("{\"user\":true,\"writable\":1,\"execute_disable\":false}")
        };
        for (DomainModel model : MODELS) {
            InputMutator mutator = InputMutator.forDomain(model.domain());
            for (int s = 0; s < mutator.seeds.size(); s += 97) {
                ObjectNode seed = mutator.seeds.get(s);
                for (String key : mutator.shape.properties().keySet()) {
                    for (JsonNode j : junk) {
                        ObjectNode in = seed.deepCopy();
                        in.set(key, j);
                        evaluateOrReject(model, in);
                    }
                    ObjectNode in = seed.deepCopy();
                    in.remove(key);
                    evaluateOrReject(model, in);
                }
                ObjectNode extra = seed.deepCopy();
                extra.put("extra", 1);
                evaluateOrReject(model, extra);
            }
        }
    }

    private static JsonNode parse(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    static InputMutator.Rnd fdp(FuzzedDataProvider data) {
        return new InputMutator.Rnd() {
            public int nextInt(int bound) {
                return data.consumeInt(0, bound - 1);
            }

            public long nextLong() {
                return data.consumeLong();
            }

            public boolean nextBoolean() {
                return data.consumeBoolean();
            }
        };
    }

    /** The model accepts the input and gives checked outcomes, or rejects it with InvalidInputException. */
    static void evaluateOrReject(DomainModel model, JsonNode input) {
        Evaluation e;
        try {
            e = model.evaluate(input, Trace.NONE);
        } catch (InvalidInputException expected) {
            return;
        } catch (RuntimeException | StackOverflowError ex) {
            throw new AssertionError(model.domain() + ": evaluate threw " + ex + " on " + input, ex);
        }
        checkEvaluation(model, input, e);
    }

    /** A structurally valid input: the model must accept it and give checked outcomes. */
    static void evaluateValid(DomainModel model, JsonNode input) {
        Evaluation e;
        try {
            e = model.evaluate(input, Trace.NONE);
        } catch (InvalidInputException ex) {
            throw new AssertionError(model.domain() + ": rejected a valid input (" + ex.getMessage() + "): " + input, ex);
        } catch (RuntimeException | StackOverflowError ex) {
            throw new AssertionError(model.domain() + ": evaluate threw " + ex + " on " + input, ex);
        }
        checkEvaluation(model, input, e);
    }

    private static void checkEvaluation(DomainModel model, JsonNode input, Evaluation e) {
        if (e == null || e.outcomes().isEmpty()) fail(model.domain() + ": no outcome for " + input);
        for (ObjectNode o : e.outcomes()) {
            try {
                model.checkOutcome(o);
            } catch (InvalidInputException ex) {
                fail(model.domain() + ": outcome " + o + " fails checkOutcome (" + ex.getMessage() + ") for input " + input);
            } catch (RuntimeException ex) {
                throw new AssertionError(model.domain() + ": checkOutcome threw " + ex + " on " + o, ex);
            }
        }
    }
}
