package dev.hvmspec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hvmspec.cli.ModelBridge;
import dev.hvmspec.conformance.check.CheckResult;
import dev.hvmspec.conformance.check.Checker;
import dev.hvmspec.conformance.impl.InProcessImplementation;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.model.Models;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.Trace;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * In-process checking, warm: one invocation checks every committed vector; the {@code :vectors} result is vectors
 * per second.
 * {@code check} is what {@code hvmspec check} does after reading the files (Checker + the model through ModelBridge,
 * verdicts and matching included); {@code evaluate} is the model alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckBenchmark {

    private List<Vector> vectors;
    private InProcessImplementation implementation;
    private DomainModel[] modelOf;

    @Setup
    public void setup() {
        vectors = Project.vectors();
        implementation = ModelBridge.inProcess(Models.all());
        Map<String, DomainModel> byDomain = new HashMap<>();
        Models.all().forEach(m -> byDomain.put(m.domain(), m));
        modelOf = vectors.stream().map(v -> byDomain.get(v.domain())).toArray(DomainModel[]::new);
    }

    @Benchmark
    public CheckResult check(Project.Counters counters) {
        CheckResult result = new Checker().run(vectors, implementation);
        if (result.exitStatus() != 0) {
            throw new IllegalStateException("the model failed its own vectors");
        }
        counters.vectors += vectors.size();
        return result;
    }

    @Benchmark
    public void evaluate(Blackhole bh, Project.Counters counters) throws InvalidInputException {
        for (int i = 0; i < modelOf.length; i++) {
            JsonNode outcome = modelOf[i].evaluate(vectors.get(i).input(), Trace.NONE).primary();
            bh.consume(outcome);
        }
        counters.vectors += modelOf.length;
    }
}
