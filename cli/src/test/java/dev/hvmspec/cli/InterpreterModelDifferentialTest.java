package dev.hvmspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.match.OutcomeMatcher;
import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.generator.vectors.VectorSet;
import dev.hvmspec.model.InputMutator;
import dev.hvmspec.model.Models;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.RecordingTrace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated Java model and the spec interpreter ({@link InterpretedModel} over {@code SpecLoader.load(spec/)})
 * must agree on every input: the same outcome list (element by element, matching both ways with
 * {@link OutcomeMatcher}), the same set of flags, and the same rule trace (rule id and held, in order).
 */
class InterpreterModelDifferentialTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, DomainModel> JAVA = new LinkedHashMap<>();
    private static final Map<String, DomainModel> INTERPRETED = new LinkedHashMap<>();
    private static SpecLoader.Loaded loaded;

    @BeforeAll
    static void load() throws Exception {
        loaded = SpecLoader.load(List.of(InputMutator.ROOT.resolve("spec")));
        for (var d : loaded.domains()) INTERPRETED.put(d.name(), new InterpretedModel(d));
        for (DomainModel m : Models.all()) JAVA.put(m.domain(), m);
        assertThat(INTERPRETED.keySet()).isEqualTo(JAVA.keySet()).isNotEmpty();
    }

    /** (a) 10,000 seeded-random in-range mutations of the committed vector inputs per domain. */
    @Test
    void mutatedVectorInputs() throws Exception {
        Map<String, List<JsonNode>> inputs = new LinkedHashMap<>();
        for (String domain : JAVA.keySet()) {
            InputMutator mutator = InputMutator.forDomain(domain);
            InputMutator.Rnd rnd = InputMutator.of(new Random(0xd1ffL * 31 + domain.hashCode()));
            List<JsonNode> list = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) list.add(mutator.mutate(rnd));
            inputs.put(domain, list);
        }
        List<String> disagreements = Collections.synchronizedList(new ArrayList<>());
        int compared = compareAll(inputs, disagreements);
        assertThat(compared).isEqualTo(10_000 * JAVA.size());
        assertThat(disagreements).as(summary(disagreements)).isEmpty();
    }

    /** (b) Vectors generated in memory with seeds other than the committed one. */
    @Test
    void vectorsOfOtherSeeds() throws Exception {
        List<String> disagreements = Collections.synchronizedList(new ArrayList<>());
        long[] seeds = {1L, VectorSet.DEFAULT_SEED + 7919L};
        for (long seed : seeds) assertThat(seed).isNotEqualTo(VectorSet.DEFAULT_SEED);
        // sequentially: generating two sets at once over the same CheckedDomains throws ConcurrentModificationException
        List<VectorSet> sets = LongStream.of(seeds).mapToObj(seed -> VectorSet.generate(loaded.domains(), seed)).toList();
        Map<String, List<JsonNode>> inputs = new LinkedHashMap<>();
        for (VectorSet set : sets) {
            for (Map.Entry<String, byte[]> file : set.files().entrySet()) {
                if (!file.getKey().endsWith(".jsonl")) continue;
                for (String line : new String(file.getValue(), StandardCharsets.UTF_8).split("\n")) {
                    if (line.isBlank()) continue;
                    JsonNode v = MAPPER.readTree(line);
                    inputs.computeIfAbsent(v.get("domain").textValue(), d -> new ArrayList<>()).add(v.get("input"));
                }
            }
        }
        assertThat(inputs.keySet()).containsExactlyInAnyOrderElementsOf(JAVA.keySet());
        int compared = compareAll(inputs, disagreements);
        assertThat(compared).isGreaterThan(1000);
        assertThat(disagreements).as(summary(disagreements)).isEmpty();
    }

    /**
     * Hex spelling with an upper-case "0X" prefix: the vector schemas' pattern ({@code ^0[xX][0-9a-fA-F]+$}) admits
     * it, so both models must treat it the same way (both accept, or both reject).
     */
    @Test
    void upperCaseHexPrefix() {
        List<String> disagreements = new ArrayList<>();
        for (String domain : JAVA.keySet()) {
            ObjectNode input = InputMutator.forDomain(domain).seeds.get(0).deepCopy();
            List<String> hexKeys = new ArrayList<>();
            input.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual() && e.getValue().textValue().startsWith("0x")) hexKeys.add(e.getKey());
            });
            for (String k : hexKeys) {
                ObjectNode in = input.deepCopy();
                in.put(k, "0X" + in.get(k).textValue().substring(2));
                compare(domain, in, disagreements);
            }
        }
        assertThat(disagreements).as(summary(disagreements)).isEmpty();
    }

    /**
     * Compares every input, split over one worker per processor; each worker has its own interpreter (from its own
     * SpecLoader.load, since checked domains are not safe to share between threads). The Java model is stateless.
     */
    private static int compareAll(Map<String, List<JsonNode>> inputs, List<String> disagreements) throws Exception {
        int workers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                final int worker = w;
                done.add(pool.submit(() -> {
                    Map<String, DomainModel> interpreted = new LinkedHashMap<>();
                    if (worker == 0) interpreted.putAll(INTERPRETED);
                    else for (var d : SpecLoader.load(List.of(InputMutator.ROOT.resolve("spec"))).domains()) interpreted.put(d.name(), new InterpretedModel(d));
                    int n = 0;
                    for (Map.Entry<String, List<JsonNode>> e : inputs.entrySet()) {
                        List<JsonNode> list = e.getValue();
                        for (int i = worker; i < list.size(); i += workers) {
                            compare(e.getKey(), list.get(i), interpreted.get(e.getKey()), disagreements);
                            n++;
                        }
                    }
                    return n;
                }));
            }
            int total = 0;
            for (java.util.concurrent.Future<Integer> f : done) total += f.get();
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String summary(List<String> disagreements) {
        return disagreements.size() + " disagreement(s); first ones:\n"
                + String.join("\n", disagreements.subList(0, Math.min(5, disagreements.size())));
    }

    private static void compare(String domain, JsonNode input, List<String> disagreements) {
        compare(domain, input, INTERPRETED.get(domain), disagreements);
    }

    private static void compare(String domain, JsonNode input, DomainModel interpreter, List<String> disagreements) {
        Result j = run(JAVA.get(domain), input);
        Result i = run(interpreter, input);
        String why = difference(j, i);
        if (why != null) disagreements.add(domain + ": " + why + "\n  input: " + input + "\n  java: " + j + "\n  interpreter: " + i);
    }

    /** What one model did with one input. */
    record Result(Evaluation evaluation, List<String> trace, String rejected, String crashed) {}

    private static Result run(DomainModel model, JsonNode input) {
        RecordingTrace trace = new RecordingTrace();
        try {
            Evaluation e = model.evaluate(input, trace);
            List<String> steps = new ArrayList<>();
            for (RecordingTrace.Step s : trace.steps()) steps.add((s.rule() == null ? "<unknown rule>" : s.rule().id()) + "=" + s.held());
            return new Result(e, steps, null, null);
        } catch (InvalidInputException e) {
            return new Result(null, List.of(), e.getMessage(), null);
        } catch (RuntimeException | StackOverflowError e) {
            return new Result(null, List.of(), null, e.toString());
        }
    }

    private static String difference(Result j, Result i) {
        if (j.crashed() != null || i.crashed() != null) return "a model threw";
        if ((j.rejected() == null) != (i.rejected() == null)) return "one model rejected the input, the other accepted it";
        if (j.rejected() != null) return null; // both rejected: agreement (messages may differ)
        List<ObjectNode> jo = j.evaluation().outcomes();
        List<ObjectNode> io = i.evaluation().outcomes();
        if (jo.size() != io.size()) return "outcome counts differ";
        for (int k = 0; k < jo.size(); k++) {
            if (!OutcomeMatcher.matches(jo.get(k), io.get(k)) || !OutcomeMatcher.matches(io.get(k), jo.get(k))) {
                return "outcome " + k + " differs";
            }
        }
        if (!new HashSet<>(j.evaluation().flags()).equals(new HashSet<>(i.evaluation().flags()))) return "flags differ";
        if (!j.trace().equals(i.trace())) return "rule traces differ";
        return null;
    }
}
